"""``keras.config``: the global settings Keras 3 scripts read and set.

minikeras computes in float32 with Keras's epsilon (1e-7) and channels-last data, on its one
NumPy backend: the getters return those values, and the setters accept them and refuse any
other with a ValueError saying why, rather than silently computing something else. The other
names of Keras's ``keras.config`` exist and raise a clear error when called.
"""
from . import backend as _backend

backend = _backend.backend
floatx = _backend.floatx
set_floatx = _backend.set_floatx
epsilon = _backend.epsilon
image_data_format = _backend.image_data_format

_unsafe_deserialization = False


set_epsilon = _backend.set_epsilon
set_image_data_format = _backend.set_image_data_format


def dtype_policy():
    """The global dtype policy: always ``"float32"``."""
    return "float32"


def set_dtype_policy(policy):
    """Accepts only ``"float32"``: minikeras computes in float32 (mixed precision is refused)."""
    name = getattr(policy, "name", policy)
    if name != "float32":
        raise ValueError(f"minikeras computes in float32 only; set_dtype_policy got {policy!r}")


def set_backend(name):
    """Accepts only ``"numpy"``, minikeras's one backend."""
    if name != "numpy":
        raise ValueError(f"minikeras has one backend, 'numpy'; set_backend got {name!r}")


def enable_unsafe_deserialization():
    """Let files load serialized Python lambdas, as ``safe_mode=False`` does for one call
    (Keras: ``keras.config.enable_unsafe_deserialization``)."""
    global _unsafe_deserialization
    _unsafe_deserialization = True


def unsafe_deserialization_enabled():
    return _unsafe_deserialization


def _unsupported(name, why):
    def refuse(*args, **kwargs):
        raise ValueError(f"keras.config.{name} is not supported by minikeras: {why}")
    refuse.__name__ = name
    refuse.__doc__ = f"Not supported by minikeras: {why}"
    return refuse


for _name in ("enable_flash_attention", "disable_flash_attention", "is_flash_attention_enabled"):
    globals()[_name] = _unsupported(_name, "it has no attention layers")
for _name in ("enable_traceback_filtering", "disable_traceback_filtering", "is_traceback_filtering_enabled"):
    globals()[_name] = _unsupported(_name, "its tracebacks are never filtered")
for _name in ("enable_interactive_logging", "disable_interactive_logging", "is_interactive_logging_enabled"):
    globals()[_name] = _unsupported(_name, "progress always goes to stdout (verbose=0 silences it)")
for _name in ("max_epochs", "set_max_epochs", "max_steps_per_epoch", "set_max_steps_per_epoch"):
    globals()[_name] = _unsupported(_name, "pass epochs and steps_per_epoch to fit instead")
is_nnx_enabled = _unsupported("is_nnx_enabled", "there is no JAX backend")
