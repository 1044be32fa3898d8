"""Lambda: a Python function as a layer (Keras: ``keras.layers.Lambda``).

The function is differentiated op by op: written with ``keras.ops`` (or the operators of the
tensors it gets), each op records itself on the tape while a training step runs, so a Lambda
trains with no ``backward`` of its own. Saving writes a lambda's bytecode as Keras does
(``{"class_name": "__lambda__", "config": {"code", "defaults", "closure"}}``) and a named
function by name; loading bytecode runs code from the file, so it needs ``safe_mode=False``.
"""
import base64
import inspect
import marshal
import types

import numpy as np

from .. import activations, ops
from ..registry import _custom_lookup, get_registered_name, load_lambda
from .layer import Layer, _is_shape, _map_shapes


class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer (Keras 3's ``Lambda``).

    ``output_shape``: None (found by running the function on zeros), a shape without the batch
    dimension (or a list/dict of them), or a function of the full input shape. ``mask``: None,
    a function ``mask(inputs, mask)`` or a fixed mask. ``arguments``: keyword arguments passed
    to the function. A function taking ``training`` or ``mask`` gets them.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"Lambda function must be callable, got {type(function).__name__}: {function!r}")
        if arguments is not None and not isinstance(arguments, dict):
            raise ValueError(f"Lambda arguments must be a dict of keyword arguments, got {arguments!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        if isinstance(output_shape, list) and _is_shape(output_shape):
            output_shape = tuple(output_shape)
        self._output_shape = output_shape
        try:
            names = inspect.signature(function).parameters
        except (TypeError, ValueError):
            names = {}
        self._fn_expects_training_arg = "training" in names
        self._fn_expects_mask_arg = "mask" in names

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)  # run the function on zeros
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch = input_shape[0] if _is_shape(input_shape) else _first_leaf(input_shape)[0]
        return _map_shapes(lambda shape: (batch,) + tuple(shape), self._output_shape)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    # -- config ------------------------------------------------------------------------------
    def get_config(self):
        what = f"Lambda {self.name!r}"
        config = {"function": serialize_function(self.function, f"{what} function")}
        if self._output_shape is not None:
            config["output_shape"] = serialize_function(self._output_shape, f"{what} output_shape") \
                if callable(self._output_shape) else self._output_shape  # as given (Keras writes it so)
        if self.mask is not None:
            config["mask"] = serialize_function(self.mask, f"{what} mask") if callable(self.mask) \
                else _plain(self.mask, f"{what} mask")
        config["arguments"] = {key: _plain(value, f"{what} arguments[{key!r}]")
                               for key, value in self.arguments.items()}
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuild from ``get_config()``. A function stored as bytecode is refused (before it is
        decoded) unless ``safe_mode=False``; the file loaders have already turned it into a
        function when the user passed ``safe_mode=False`` to them."""
        config = dict(config)
        where = f"Lambda {config.get('name')!r}"
        for key in ("function", "output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, dict) and value.get("class_name") == "__lambda__":
                if safe_mode is not False:
                    raise ValueError(
                        f"{where}: its {key} is a serialized Python lambda. Loading it would run code "
                        "stored in the config, so it is refused. If you trust the source, pass "
                        "safe_mode=False (to load_model, or to Lambda.from_config).")
                config[key] = load_lambda(value.get("config"), where)
            elif isinstance(value, (dict, str)) and (key == "function" or isinstance(value, dict)):
                config[key] = _function_named(value, custom_objects, f"{where} {key}")
        if isinstance(config.get("output_shape"), list):
            shape = config["output_shape"]
            config["output_shape"] = tuple(shape) if _is_shape(shape) else [tuple(s) for s in shape]
        return super().from_config(config)


def serialize_function(fn, what="Lambda function"):
    """Keras's form for a Lambda's function: a ``<lambda>`` as bytecode (its closure and
    defaults as JSON values), else by name."""
    if isinstance(fn, types.FunctionType) and fn.__name__ == "<lambda>":
        code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
        names = fn.__code__.co_freevars
        closure = [_plain(cell.cell_contents, f"{what}: the value of {name!r} it closes over")
                   for name, cell in zip(names, fn.__closure__)] if fn.__closure__ else None
        defaults = _plain(list(fn.__defaults__), f"{what}: its default arguments") if fn.__defaults__ else None
        return {"class_name": "__lambda__", "config": {"code": code, "defaults": defaults, "closure": closure}}
    module = getattr(fn, "__module__", None) or ""
    name = get_registered_name(fn)
    if module.startswith("minikeras.ops"):
        return {"module": "keras.ops", "class_name": "function", "config": name, "registered_name": name}
    if module == "minikeras.activations":
        return {"module": "keras.activations", "class_name": "function", "config": name, "registered_name": name}
    return {"module": module, "class_name": "function", "config": name, "registered_name": name}


def _function_named(value, custom_objects, where):
    """The function a config names: a keras.ops function or an activation (when the config
    says so by its module), a registered/custom object, then those built-ins by plain name;
    never imported from a module."""
    name = value if isinstance(value, str) else (value.get("registered_name") or value.get("config"))
    if not isinstance(name, str):
        raise ValueError(f"{where}: expected a function name, got {value!r}")
    plain = name.split(">")[-1]
    module = value.get("module") if isinstance(value, dict) else None
    builtin = isinstance(module, str) and module.startswith(("keras.ops", "keras.src.ops", "keras.activations",
                                                             "keras.src.activations"))
    found = _builtin_function(plain) if builtin else None
    if found is None:
        found = _custom_lookup(name, custom_objects)
    if found is None and isinstance(value, dict) and isinstance(value.get("config"), str):
        found = _custom_lookup(value["config"], custom_objects)
    if found is None:
        found = _builtin_function(plain)
    if found is None:
        raise ValueError(f"{where}: unknown function {name!r}. A Lambda's named function must be a "
                         "keras.ops function, an activation, or registered with "
                         "@minikeras.saving.register_keras_serializable() (or passed in custom_objects)")
    return found


def _builtin_function(name):
    if name in ops.__all__ and callable(getattr(ops, name, None)):
        return getattr(ops, name)
    try:
        return activations.get(name)
    except ValueError:
        return None


def _plain(value, what="Lambda value"):
    """``value`` as JSON can hold it (tuples become lists, NumPy scalars numbers)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v, what) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v, what) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"{what} must be numbers, strings, None, lists or dicts to be saved, got "
                     f"{type(value).__name__}: {value!r}")


def _first_leaf(shapes):
    if _is_shape(shapes):
        return tuple(shapes)
    values = shapes.values() if isinstance(shapes, dict) else shapes
    return _first_leaf(next(iter(values)))
