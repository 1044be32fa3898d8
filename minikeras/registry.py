"""Name → object lookup shared by every kind of object a user can name by string.

Each kind (activations, losses, optimizers, ...) owns one ``Registry``. ``get`` accepts a
string, a Keras config dict, an instance or a callable. Loading files goes through the same
registries, so nothing named in a file is ever imported or executed: an unknown name is an
error that lists the valid ones.
"""
import base64
import builtins
import difflib
import marshal
import threading
import types
import warnings

import numpy as np

_custom_objects = {}
# The globals of a lambda loaded from a file (minikeras adds ``keras`` and ``ops``).
LAMBDA_GLOBALS = {"np": np, "numpy": np}
_scope = threading.local()


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a user class or function so configs and files can name it.

    Same as ``keras.saving.register_keras_serializable``: the object is known as
    ``"package>name"`` (and by its plain name).
    """
    def decorator(obj):
        plain = name or obj.__name__
        key = f"{package}>{plain}"
        if key in _custom_objects and _custom_objects[key] is not obj:
            raise ValueError(f"{key!r} is already registered to {_custom_objects[key]!r}")
        _custom_objects[key] = obj
        obj._registered_name = key
        return obj
    return decorator


def get_custom_objects():
    """The global dict of registered custom objects (Keras: ``keras.saving.get_custom_objects``)."""
    return _custom_objects


class CustomObjectScope:
    """Make ``custom_objects`` resolvable by name inside a ``with`` block (Keras:
    ``keras.saving.CustomObjectScope``, also spelled ``custom_object_scope``)."""

    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})
        self._previous = None

    def __enter__(self):
        self._previous = getattr(_scope, "objects", {})
        _scope.objects = {**self._previous, **self.custom_objects}
        return self

    def __exit__(self, *exc_info):
        _scope.objects = self._previous


custom_object_scope = CustomObjectScope


def get_registered_name(obj):
    """The name ``obj`` is saved under: ``"package>name"`` when registered, else its ``__name__``
    (Keras: ``keras.saving.get_registered_name``)."""
    registered = getattr(obj, "_registered_name", None)
    if registered is not None and _custom_objects.get(registered) is obj:
        return registered
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered or given under ``name``, or None (Keras:
    ``keras.saving.get_registered_object``): ``custom_objects``, then an active
    ``CustomObjectScope``, then the global registry, then ``module_objects``."""
    found = _custom_lookup(name, custom_objects)
    if found is None and module_objects is not None:
        found = module_objects.get(name)
    return found


def _custom_lookup(name, custom_objects):
    for table in (custom_objects or {}, getattr(_scope, "objects", {}), _custom_objects):
        if name in table:
            return table[name]
    for table in (custom_objects or {}, getattr(_scope, "objects", {}), _custom_objects):
        for key, obj in table.items():
            if key.split(">")[-1] == name:
                return obj
    return None


class Registry:
    """The objects of one kind, by name, with helpful errors for unknown names."""

    def __init__(self, kind):
        self.kind = kind
        self._objects = {}

    def register(self, obj, *names):
        for name in names or (obj.__name__,):
            self._objects[name] = obj
        return obj

    def names(self):
        return sorted(self._objects)

    def lookup(self, name, custom_objects=None):
        """The class or function registered as ``name`` (built-in or custom)."""
        if not isinstance(name, str):
            raise ValueError(f"{self.kind} name must be a string, got {type(name).__name__}: {name!r}")
        custom = _custom_lookup(name, custom_objects)
        if custom is not None:
            return custom
        key = name if name in self._objects else name.lower()
        if key in self._objects:
            return self._objects[key]
        raise ValueError(self.unknown_message(name))

    def unknown_message(self, name):
        """The error for an unknown name: the closest valid name and the full list.

        The list shows the snake_case names (``'adam'``, ``'glorot_uniform'``) when the kind
        has them, since class names (``'Adam'``) resolve to the same objects.
        """
        snake = [n for n in self.names() if n == n.lower()]
        choices = snake or self.names()
        lowered = {n.lower(): n for n in self.names()}
        close = difflib.get_close_matches(name.lower(), [n.lower() for n in choices], n=1, cutoff=0.6) or \
            difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
        hint = f" Did you mean {lowered.get(close[0], close[0])!r}?" if close else ""
        return (f"Unknown {self.kind}: {name!r}.{hint} Valid {self.kind} names: "
                f"{', '.join(choices)}. A custom {self.kind} must be registered with "
                f"@minikeras.saving.register_keras_serializable() or passed in custom_objects.")

    def get(self, identifier, custom_objects=None):
        """Resolve a string, Keras config dict, instance or callable to an object.

        A name resolving to a class returns a default-constructed instance; a dict
        ``{"class_name": ..., "config": {...}}`` returns ``cls.from_config(config)``.
        """
        if identifier is None:
            return None
        if isinstance(identifier, str):
            obj = self.lookup(identifier, custom_objects)
            return obj() if isinstance(obj, type) else obj
        if isinstance(identifier, dict):
            return self.deserialize(identifier, custom_objects)
        if isinstance(identifier, type):
            return identifier()
        if callable(identifier) or hasattr(identifier, "get_config"):
            return identifier
        raise ValueError(f"Could not interpret {self.kind} identifier {identifier!r}: expected a "
                        f"string, a config dict, an instance or a callable, got {type(identifier).__name__}")

    def deserialize(self, config, custom_objects=None):
        """Rebuild an object from ``{"class_name": ..., "config": ...}`` without importing anything."""
        if isinstance(config, str):
            return self.get(config, custom_objects)
        if not isinstance(config, dict) or "class_name" not in config:
            raise ValueError(f"A {self.kind} config must be a dict with a 'class_name' key, got {config!r}")
        name = config.get("registered_name") or config["class_name"]
        if config["class_name"] == "function":
            # Keras writes built-in functions as {"class_name": "function", "config": "relu",
            # "registered_name": "function"}; registered custom ones carry "package>name".
            registered = config.get("registered_name")
            name = registered if registered not in (None, "function") else config.get("config")
            return self.lookup(name, custom_objects)
        try:
            obj = self.lookup(name, custom_objects)
        except ValueError:
            obj = self.lookup(config["class_name"], custom_objects)
        inner = config.get("config") or {}
        if isinstance(obj, type):
            if not isinstance(inner, dict):
                raise ValueError(f"The config of {self.kind} {name!r} must be a dict, got {inner!r}")
            return obj.from_config(inner)
        return obj

    def serialize(self, obj):
        """A config that ``deserialize`` turns back into an equivalent object."""
        if obj is None:
            return None
        if hasattr(obj, "get_config") and not isinstance(obj, type):
            cls = type(obj)
            name = cls.__dict__.get("_registered_name")  # a subclass is not its registered parent
            return {"module": _module_of(self.kind) if name is None else cls.__module__,
                    "class_name": cls.__name__, "config": obj.get_config(),
                    "registered_name": name}
        if getattr(obj, "__name__", None) == "<lambda>":
            return serialize_lambda(obj)
        name = getattr(obj, "_registered_name", None)
        if name:
            # Keras's form for a registered function: class_name "function", its plain name.
            return {"module": getattr(obj, "__module__", None), "class_name": "function",
                    "config": getattr(obj, "__name__", name.split(">")[-1]), "registered_name": name}
        for key, value in self._objects.items():
            if value is obj:
                return key
        raise ValueError(f"Cannot serialize {self.kind} {obj!r}: it is not a built-in and was not "
                         f"registered with @minikeras.saving.register_keras_serializable()")


def _module_of(kind):
    return {"loss": "keras.losses", "metric": "keras.metrics", "optimizer": "keras.optimizers",
            "initializer": "keras.initializers", "regularizer": "keras.regularizers",
            "constraint": "keras.constraints",
            "layer": "keras.layers", "learning rate schedule": "keras.optimizers.schedules",
            "activation": "keras.activations"}.get(kind, "keras")


def serialize_lambda(fn):
    """Keras's ``{"class_name": "__lambda__", ...}`` form: base64 bytecode, defaults, closure."""
    warnings.warn("The object being serialized includes a lambda: loading it will need "
                  "safe_mode=False. Prefer a named function registered with "
                  "@minikeras.saving.register_keras_serializable().", stacklevel=3)
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(cell.cell_contents for cell in fn.__closure__) if fn.__closure__ else None
    return {"class_name": "__lambda__", "config": {"value": [code, fn.__defaults__, closure]}}


def load_lambda(config, where):
    """A function from Keras's ``__lambda__`` config: ``{"value": [code, defaults, closure]}``
    (serialize_keras_object) or ``{"code", "defaults", "closure"}`` (a Lambda layer's function).

    This unmarshals and will run code from the file: callers call it only with
    ``safe_mode=False``. Its globals are ``LAMBDA_GLOBALS`` (NumPy as ``np``, minikeras as
    ``keras``, ``keras.ops`` as ``ops``) and the builtins.
    """
    config = config if isinstance(config, dict) else {}
    value = config["value"] if "value" in config else \
        [config.get("code"), config.get("defaults"), config.get("closure")]
    try:
        code, defaults, closure = value if isinstance(value, (list, tuple)) else (value, None, None)
        code = marshal.loads(base64.decodebytes(code.encode("ascii")))
        if not isinstance(code, types.CodeType):
            raise TypeError("not a code object")
        cells = tuple(types.CellType(c) for c in closure) if closure else None
        return types.FunctionType(code, {**LAMBDA_GLOBALS, "__builtins__": builtins},
                                  code.co_name, tuple(defaults) if defaults else None, cells)
    except Exception as error:  # marshal raises several types on foreign bytecode
        raise ValueError(f"{where}: cannot load the serialized lambda (it was probably written by "
                         f"another Python version): {error}") from None
