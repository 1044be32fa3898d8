"""The few ``keras.backend`` functions Keras scripts commonly call.

minikeras has one backend (NumPy) and one float type (float32).
"""
from .utils.naming import reset_names


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


def clear_session():
    """Restart automatic layer names (``dense``, ``dense_1``, ...) as Keras does.

    minikeras keeps no graph or global state besides names, so nothing else is reset.
    """
    reset_names()
