"""The few ``keras.backend`` functions Keras scripts commonly call.

minikeras has one backend (NumPy) and one float type (float32). ``clear_session`` is
``keras.utils.clear_session``.
"""
import collections

from .keras_tensor import is_keras_tensor
from .utils.dtypes import standardize_dtype
from .utils.session import clear_session

__all__ = ["backend", "floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format", "set_image_data_format",
           "clear_session", "standardize_dtype", "is_float_dtype", "is_int_dtype", "get_uid", "is_keras_tensor"]


def backend():
    """The name of the backend: always ``"numpy"``."""
    return "numpy"


def floatx():
    """The float type every minikeras model computes in: ``"float32"``."""
    return "float32"


def set_floatx(value):
    """Accepts only ``"float32"``: minikeras computes in float32 throughout."""
    if value != "float32":
        raise ValueError(f"minikeras computes in float32 only; set_floatx got {value!r}")


def epsilon():
    """The fuzz factor Keras uses in losses and optimizers: 1e-7."""
    return 1e-7


def image_data_format():
    """The default ``data_format`` of layers that take one: ``"channels_last"``, as in Keras."""
    return "channels_last"


def set_epsilon(value):
    """Accepts only 1e-7, Keras's default: minikeras's losses and optimizers use that constant."""
    if value != 1e-7:
        raise ValueError(f"minikeras uses Keras's default epsilon 1e-7 throughout; set_epsilon got {value!r}")


def set_image_data_format(data_format):
    """Accepts only ``"channels_last"``, the layout every minikeras layer uses by default."""
    if data_format != "channels_last":
        raise ValueError("minikeras layers default to 'channels_last' (a layer such as Flatten takes "
                         f"data_format='channels_first' itself); set_image_data_format got {data_format!r}")


def is_float_dtype(dtype):
    """Whether ``dtype`` is a floating-point type (``float16/32/64``, ``bfloat16``)."""
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    """Whether ``dtype`` is a signed or unsigned integer type."""
    return standardize_dtype(dtype).startswith(("int", "uint"))


_uids = collections.defaultdict(int)


def get_uid(prefix=""):
    """1, 2, 3, ... for successive calls with the same ``prefix`` (Keras: ``keras.backend.get_uid``)."""
    _uids[prefix] += 1
    return _uids[prefix]
