"""The few ``keras.backend`` functions Keras scripts commonly call.

minikeras has one backend (NumPy) and one float type (float32). ``clear_session`` is
``keras.utils.clear_session``.
"""
from .utils.session import clear_session

__all__ = ["backend", "floatx", "set_floatx", "epsilon", "image_data_format", "clear_session"]


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
