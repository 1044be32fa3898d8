"""``keras.models.clone_model``: the same architecture with new layers (and fresh weights).

A Sequential gets a copy of each layer; a functional model is rebuilt by running its graph on
new inputs with a copy of each layer (a shared layer is copied once and stays shared); a
subclassed model is rebuilt from its config (Keras: ``from_config(get_config())``). Nested
models are copied whole from their config, or cloned layer by layer with ``recursive=True``.
As in Keras 3, the clone of a compiled model is compiled from its compile config (a fresh
optimizer, no state).
"""
import inspect

from ..keras_tensor import KerasTensor, flatten, map_structure
from ..layers.input_layer import Input, InputLayer
from ..layers.lambda_layer import Lambda
from ..layers.layer import Layer
from ..saving.serialization import model_from_config, model_to_config
from .functional import Functional
from .sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False,
                **kwargs):
    """Keras's ``keras.models.clone_model``.

    ``clone_function(layer) -> layer`` replaces how each layer is copied (default: from its
    config). ``input_tensors`` (KerasTensors in the structure of ``model.input``) are what the
    clone is built on instead of new Inputs. ``call_function(layer, *args, **kwargs)`` replaces
    each layer call of a functional model. ``recursive=True`` clones nested Sequential and
    functional models layer by layer (through ``clone_function``) instead of from their config.
    A subclassed model takes none of ``input_tensors``, ``clone_function``, ``call_function``.
    """
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"clone_model got unexpected keyword argument(s): {tuple(kwargs)}")
    if clone_function is not None and not callable(clone_function):
        raise ValueError(f"clone_model clone_function must be callable, got {clone_function!r}")
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError("clone_model call_function is not supported for Sequential models (their layers are "
                             "listed, not called, when the model is made): use it with functional models")
        copy = _wrap(clone_function, None, recursive, cache)
        clone = _clone_sequential(model, copy, input_tensors)
    elif isinstance(model, Functional) and (_default_config(model) or clone_function or input_tensors is not None):
        copy = _wrap(clone_function, call_function, recursive, cache)
        clone = _clone_functional(model, copy, input_tensors, call_function)
    else:
        if clone_function is not None or input_tensors is not None:
            raise ValueError("clone_model: clone_function and input_tensors are only supported for Sequential and "
                             f"functional models, got a {type(model).__name__} with clone_function="
                             f"{clone_function!r} and input_tensors={input_tensors!r}")
        if call_function is not None:
            raise ValueError(f"clone_model: call_function is only supported for functional models, got a "
                             f"{type(model).__name__}")
        return _clone_subclassed(model)
    if model.compiled:
        clone.compile_from_config(model.get_compile_config())
    return clone


def _copy_layer(layer):
    """A new layer from ``layer``'s config (a Lambda keeps its function objects: nothing is
    rebuilt from bytecode)."""
    config = layer.get_config()
    if isinstance(layer, Lambda):
        config.update(function=layer.function, output_shape=layer._output_shape, mask=layer.mask,
                      arguments=dict(layer.arguments))
    return type(layer).from_config(config)


def _wrap(clone_function, call_function, recursive, cache):
    """``clone_function`` that copies each layer once (so sharing survives) and, with
    ``recursive``, clones nested models layer by layer."""
    clone_function = clone_function or _copy_layer
    cache = {} if cache is None else cache

    def copy(layer):
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and isinstance(layer, Sequential):
            clone = clone_model(layer, clone_function=clone_function, recursive=True, cache=cache)
        elif recursive and isinstance(layer, Functional):
            clone = clone_model(layer, clone_function=clone_function, call_function=call_function,
                                recursive=True, cache=cache)
        else:
            clone = clone_function(layer)
        cache[id(layer)] = clone
        return clone
    return copy


def _clone_sequential(model, copy, input_tensors):
    layers = [copy(layer) for layer in model.layers]
    reference = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError(f"clone_model input_tensors must hold a single tensor for a Sequential model, "
                                 f"got {len(input_tensors)}")
            input_tensors = input_tensors[0]
        if type(input_tensors) is not KerasTensor:
            raise ValueError(f"clone_model input_tensors must be a KerasTensor (from keras.Input), got "
                             f"{type(input_tensors).__name__}: {input_tensors!r}")
        layers = [InputLayer(batch_shape=input_tensors.shape, dtype=input_tensors.dtype,
                             name=reference.name if reference is not None else None)] + layers
    elif reference is not None:
        layers = [InputLayer(batch_shape=reference.batch_shape, dtype=reference.input_dtype,
                             name=reference.name)] + layers
    clone = Sequential(name=model.name, trainable=model.trainable)
    for layer in layers:
        clone.add(layer)
    if not clone.built and model.built and model.input_shape is not None:
        clone.build(model.input_shape)
    return clone


def _clone_functional(model, copy, input_tensors, call_function):
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)) and len(input_tensors) == 1 and type(model.input) is KerasTensor:
            input_tensors = input_tensors[0]
        if not all(type(t) is KerasTensor for t in flatten(input_tensors)):
            raise ValueError("clone_model input_tensors must all be KerasTensors (from keras.Input or a layer "
                             f"called on one), got {input_tensors!r}")
        if not _same_structure(input_tensors, model.input):
            raise ValueError(f"clone_model input_tensors must have the structure of model.input "
                             f"{model.input!r}, got {input_tensors!r}")
    else:
        input_tensors = map_structure(lambda t: Input(batch_shape=t.shape, dtype=t.dtype, name=t.name),
                                      model.input)
    values = {id(old): new for old, new in zip(model.inputs, flatten(input_tensors))}
    for node in model._nodes:
        args, call_kwargs = map_structure(lambda t: values[id(t)] if type(t) is KerasTensor else t,
                                          (list(node.args), dict(node.kwargs)))
        operation = node.operation
        if isinstance(operation, Layer):
            layer = copy(operation)
            outputs = call_function(layer, *args, **call_kwargs) if call_function is not None \
                else layer(*args, **call_kwargs)
        else:  # a keras.ops function called on tensors: call it again on the new ones
            outputs = operation.run_node(args, call_kwargs)
        for old, new in zip(node.output_tensors, flatten(outputs)):
            values[id(old)] = new
    outputs = map_structure(lambda t: values[id(t)], model.output)
    user_class = getattr(type(model), "_functional_of", None)
    if user_class is not None and _functional_like(user_class):
        return user_class(input_tensors, outputs, name=model.name)
    return Functional(input_tensors, outputs, name=model.name, trainable=model.trainable)


def _clone_subclassed(model):
    """Keras: ``deserialize_keras_object(serialize_keras_object(model))``, the model's class
    given as a custom object: rebuilt from its config, built from its build config, compiled
    from its compile config."""
    config = model_to_config(model)
    cls = type(model)
    clone = model_from_config(config, custom_objects={cls.__name__: cls}, where="clone_model")
    if config.get("compile_config"):
        clone.compile_from_config(config["compile_config"])
    return clone


def _default_config(model):
    """Whether a functional model's ``get_config`` is Functional's own (so its graph is its config)."""
    return type(model).get_config is Functional.get_config


def _functional_like(cls):
    """Whether ``cls(inputs, outputs, ...)`` is how the user's class is made (Keras's
    ``functional_like_constructor``)."""
    try:
        names = list(inspect.signature(cls.__init__).parameters)[1:3]
    except (TypeError, ValueError):
        return False
    return names == ["inputs", "outputs"]


def _same_structure(a, b):
    if isinstance(b, dict):
        return isinstance(a, dict) and sorted(a) == sorted(b) and all(_same_structure(a[k], b[k]) for k in b)
    if isinstance(b, (list, tuple)):
        return isinstance(a, (list, tuple)) and len(a) == len(b) and all(map(_same_structure, a, b))
    return not isinstance(a, (list, tuple, dict))
