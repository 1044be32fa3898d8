"""Keras-format configs ↔ minikeras objects, through the registries only.

Loading never imports a module or runs code named in a file: every ``class_name`` is
looked up in minikeras's registries (or the user's registered/custom objects), a
``module`` outside ``keras``/``minikeras`` must belong to an object the user registered,
and a serialized Python lambda is refused unless ``safe_mode=False`` (as in Keras).
"""
import json
import math
import warnings

import numpy as np

from .. import losses, metrics, optimizers
from ..layers import Dense, InputLayer, builtin_class
from ..layers import deserialize as deserialize_layer
from .functional_config import PARAMETER_LIMIT, functional_from_config, layer_entry
from ..registry import _custom_lookup, custom_object_scope, serialize_lambda  # noqa: F401 (re-exported)
from ..registry import load_lambda as _load_lambda

# The Keras release whose file layouts minikeras writes (and reads).
KERAS_VERSION = "3.15.1"
# Without a file to compare against, a config may not ask for more parameters than this.
MAX_PARAMETERS = 2 ** 28

# (``__keras_tensor__`` is a functional model's node input: functional_config reads it.)
_SPECIAL = {"__lambda__", "__numpy__", "__tuple__", "__bytes__", "__slice__", "__ellipsis__",
            "__tensor__", "__typespec__"}


# -- checking a config read from a file ----------------------------------------------------
def _trusted_module(module):
    return module is None or module in ("keras", "minikeras", "builtins") or \
        module.startswith(("keras.", "minikeras."))


def resolve_file_config(config, where, custom_objects=None, safe_mode=True):
    """Check every object named in ``config`` and return a copy ready for the registries.

    Raises ``ValueError`` naming ``where`` for a module that is not Keras's and not a
    registered custom object, for a lambda in safe mode, and for special Keras values
    minikeras does not support.
    """
    def walk(node, trail):
        if isinstance(node, list):
            return [walk(item, f"{trail}[{i}]") for i, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        class_name = node.get("class_name")
        if isinstance(class_name, str):
            label = f"{trail or 'config'} ({class_name})"
            if class_name == "__lambda__":
                from .. import config as _config
                if safe_mode and not _config.unsafe_deserialization_enabled():
                    raise ValueError(f"{where}: {label} is a serialized Python lambda. Loading it "
                                     "would run code stored in the file, so it is refused. If you "
                                     "trust the file, pass safe_mode=False.")
                return _load_lambda(node.get("config"), where)
            if class_name == "__tuple__":
                return [walk(item, trail) for item in (node.get("config") or {}).get("value", [])]
            if class_name in _SPECIAL:
                raise ValueError(f"{where}: {label} is a special Keras value minikeras does not support")
            module = node.get("module")
            if module is not None and not isinstance(module, str):
                raise ValueError(f"{where}: {label} has a non-string module {module!r}")
            if not _trusted_module(module):
                names = [n for n in (node.get("registered_name"), class_name,
                                     node.get("config") if class_name == "function" else None)
                         if isinstance(n, str)]
                if not any(_custom_lookup(n, custom_objects) is not None for n in names):
                    raise ValueError(
                        f"{where}: {label} names module {module!r}. minikeras never imports modules "
                        f"named in a file; register the object with "
                        f"@minikeras.saving.register_keras_serializable() or pass it in custom_objects.")
        return {key: walk(value, f"{trail}.{key}" if trail else key) for key, value in node.items()}

    return walk(config, "")


def _as_int(value, what, where):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{where}: {what} must be an integer, got {value!r}")
    return int(value)


# -- models --------------------------------------------------------------------------------
def model_from_config(config, custom_objects=None, safe_mode=True, where="config",
                      max_parameters=None):
    """A model (uncompiled, weights freshly initialized) from a Keras model config.

    ``max_parameters`` bounds what the config may ask for before anything is allocated
    (the number of values the file holds), so an absurd config is an error, not an
    out-of-memory crash.
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"{where}: a model config must be a dict with a 'class_name', got "
                         f"{type(config).__name__}")
    config = resolve_file_config(config, where, custom_objects, safe_mode)
    class_name = config["class_name"]
    limit = MAX_PARAMETERS if max_parameters is None else max_parameters
    token = PARAMETER_LIMIT.set(limit)
    with custom_object_scope(custom_objects):
        try:
            if class_name == "Sequential":
                model = sequential_from_config(config.get("config"), custom_objects, where, limit)
            elif class_name in ("Functional", "Model"):
                model = functional_from_config(config.get("config"), custom_objects, where=where, limit=limit)
            else:
                model = deserialize_layer(config, custom_objects)
                _build_subclassed(model, config.get("build_config"), where)
        except (TypeError, KeyError, AttributeError, IndexError) as error:
            raise ValueError(f"{where}: invalid model config: {type(error).__name__}: {error}") from None
        except MemoryError:
            raise ValueError(f"{where}: the model config asks for more memory than is available") from None
        finally:
            PARAMETER_LIMIT.reset(token)
    if not callable(getattr(model, "compile", None)):
        raise ValueError(f"{where}: the config describes a {type(model).__name__}, not a model")
    return model


def _build_subclassed(model, build_config, where):
    """Build a model rebuilt from its own ``get_config`` as Keras does: run ``call`` once on
    the saved input shape (``build_config``), so its layers create their weights."""
    if model.built or not isinstance(build_config, dict) or build_config.get("input_shape") is None:
        return
    shape = build_config["input_shape"]
    if not isinstance(shape, (list, tuple)) or len(shape) < 2:
        raise ValueError(f"{where}: build_config input_shape must be a list with a batch dimension, got {shape!r}")
    shape = (None,) + tuple(None if d is None else _as_int(d, "an input dimension", where) for d in shape[1:])
    if any(d is not None and d <= 0 for d in shape[1:]):
        raise ValueError(f"{where}: build_config input_shape has a non-positive dimension: {shape}")
    model.build_for(shape)


def sequential_from_config(config, custom_objects=None, where="config", limit=math.inf, cls=None):
    """A Sequential (of class ``cls``) from its config: layers are rebuilt and the whole
    architecture checked (shapes, at most ``limit`` Dense parameters) before any weight is
    allocated. ``Sequential.from_config`` and the file loaders both come here."""
    if limit == math.inf and PARAMETER_LIMIT.get() is not None:
        limit = PARAMETER_LIMIT.get()  # a Sequential nested in a functional model read from a file
    if not isinstance(config, dict) or not isinstance(config.get("layers", []), list):
        raise ValueError(f"{where}: a Sequential config must be a dict with a 'layers' list")
    layers = []
    for index, layer_config in enumerate(config.get("layers", [])):
        if isinstance(layer_config, dict) and layer_config.get("class_name") == "Sequential":
            layers.append(sequential_from_config(layer_config.get("config"), custom_objects,
                                                 f"{where} layer {index}", limit))
        else:
            layers.append(deserialize_layer(layer_config, custom_objects))
    shape = config.get("build_input_shape")
    for layer in layers[:1]:
        if isinstance(layer, InputLayer):
            shape = layer.batch_shape
        elif layer._batch_input_shape is not None:
            shape = layer._batch_input_shape
    if shape is not None:
        if not isinstance(shape, (list, tuple)) or len(shape) < 2:
            raise ValueError(f"{where}: input shape must be a list with a batch dimension, got {shape!r}")
        shape = tuple(None if d is None else _as_int(d, "an input dimension", where) for d in shape)
        _check_parameter_count(layers, shape, where, limit)
    name = config.get("name")
    model = (cls or builtin_class("Sequential"))(name=name if isinstance(name, str) and name else None,
                                trainable=bool(config.get("trainable", True)))
    for layer in layers:
        model.add(layer)
    if not model.built and shape is not None:
        model.build(shape)
    return model


def _check_parameter_count(layers, shape, where, limit):
    """Refuse, before allocating anything, a config whose Dense layers need more than ``limit``
    values (custom layers are not counted)."""
    total = 0
    for layer in layers:
        if isinstance(layer, InputLayer):
            continue
        if any(d is not None and d <= 0 for d in shape[1:]):
            raise ValueError(f"{where}: layer {layer.name!r} gets a non-positive input dimension {shape}")
        if isinstance(layer, Dense) and shape[-1] is not None:
            total += shape[-1] * layer.units + layer.units * layer.use_bias
        if total > limit:
            raise ValueError(f"{where}: the config asks for at least {total:,} parameters (layer "
                             f"{layer.name!r} with input shape {shape}) but the file holds only "
                             f"{limit:,} values: the architecture does not match the weights")
        shape = tuple(layer.compute_output_shape(shape))


def model_to_config(model):
    """Keras's ``serialize_keras_object(model)``: module, class_name, config, build and compile configs."""
    config = layer_entry(model)
    if "build_config" not in config and model.built and isinstance(model.input_shape, (list, tuple)):
        config["build_config"] = {"input_shape": list(model.input_shape)}
    # Keras writes {} for a model that was never compiled.
    config["compile_config"] = compile_config(model) if model.compiled else {}
    return config


def to_json(model, **kwargs):
    """``model.to_json()``: Keras's ``{"module", "class_name", "config", "registered_name",
    "build_config", "compile_config"}`` as a JSON string (``compile_config`` is ``{}`` for a
    model never compiled)."""
    config = model_to_config(model)
    if config["class_name"] == "Sequential":
        config["module"] = "keras"
    return json.dumps(config, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """Keras's ``keras.models.model_from_json``: a fresh model from ``model.to_json()``, built
    and compiled as the JSON's ``build_config`` and ``compile_config`` say (fresh weights and
    optimizer state, as in Keras)."""
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as error:
        raise ValueError(f"model_from_json expects a JSON string from model.to_json(): {error}") from None
    model = model_from_config(config, custom_objects, where="model_from_json")
    compile_config = config.get("compile_config") if isinstance(config, dict) else None
    if compile_config:
        model.compile(**compile_arguments(compile_config, "model_from_json", custom_objects))
    return model


# -- compile configs -----------------------------------------------------------------------
def _serialize_nested(value, serialize):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [_serialize_nested(v, serialize) for v in value]
    if isinstance(value, dict):
        return {k: _serialize_nested(v, serialize) for k, v in value.items()}
    return serialize(value)


def compile_config(model):
    """Keras's ``model.get_compile_config()``: optimizer (always a config), loss and metrics as given."""
    given = model._compile_config or {}
    return {"optimizer": optimizers.serialize(model.optimizer),
            "loss": _serialize_nested(given.get("loss"), losses.serialize),
            "loss_weights": _plain_numbers(given.get("loss_weights")),
            "metrics": _serialize_nested(given.get("metrics"), metrics.serialize),
            "weighted_metrics": _serialize_nested(given.get("weighted_metrics"), metrics.serialize),
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def _plain_numbers(value):
    """``loss_weights`` as JSON can hold it (NumPy scalars become floats)."""
    if isinstance(value, (list, tuple)):
        return [_plain_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    return value if value is None or isinstance(value, (int, float)) else float(value)


def compile_arguments(config, where, custom_objects=None, optimizer=None):
    """``compile`` keyword arguments from a Keras compile (or legacy training) config."""
    if not isinstance(config, dict):
        raise ValueError(f"{where}: the compile config must be a dict, got {type(config).__name__}")
    with custom_object_scope(custom_objects):
        try:
            if optimizer is None:
                optimizer = optimizers.deserialize(config["optimizer"], custom_objects) \
                    if config.get("optimizer") is not None else "rmsprop"
            loss = _deserialize_structure(config.get("loss"), lambda c: losses.deserialize(c, custom_objects))
            return {"optimizer": optimizer, "loss": loss, "loss_weights": config.get("loss_weights"),
                    "metrics": _deserialize_metrics(config.get("metrics"), custom_objects),
                    "weighted_metrics": _deserialize_metrics(config.get("weighted_metrics"), custom_objects)}
        except (TypeError, KeyError, AttributeError) as error:
            raise ValueError(f"{where}: invalid compile config: {type(error).__name__}: {error}") from None


def _deserialize_structure(value, deserialize):
    """Losses or metrics as stored: a name or config, or a list or dict of them (one per
    output of a multi-output model), rebuilt in the same structure."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and "class_name" not in value:
        return {key: _deserialize_structure(item, deserialize) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_deserialize_structure(item, deserialize) for item in value]
    return deserialize(value)


def _deserialize_metrics(value, custom_objects):
    if value is None:
        return None
    if not isinstance(value, (list, dict)) or "class_name" in value:
        value = [value]
    return _deserialize_structure(value, lambda c: metrics.deserialize(c, custom_objects))


def compile_model(model, arguments, where):
    """``model.compile(**arguments)``; a multi-output compile this minikeras cannot take
    (losses per output) leaves the model uncompiled with a warning, as Keras does when
    ``compile_from_config`` fails."""
    try:
        model.compile(**arguments)
    except (ValueError, TypeError) as error:
        if not isinstance(arguments.get("loss"), (dict, list)) and not isinstance(arguments.get("metrics"), dict):
            raise
        warnings.warn(f"{where}: the model was loaded without compiling it: compile with the saved "
                      f"per-output losses/metrics failed ({error})", stacklevel=3)
        return False
    return True
