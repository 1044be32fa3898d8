"""Dtype names as Keras spells them."""
import numpy as np


def standardize_dtype(dtype):
    """A dtype's name as Keras spells it (Keras: ``keras.backend.standardize_dtype``): None and
    ``float`` are ``"float32"``, ``int`` and ``"int"`` are ``"int64"`` (as on Keras's NumPy and
    TensorFlow backends; JAX's gives int32), ``bool`` is ``"bool"``; NumPy dtypes and objects
    with a ``dtype`` give their name."""
    if dtype is None or dtype is float:
        return "float32"
    if dtype is int or dtype == "int":
        return "int64"
    if dtype is bool:
        return "bool"
    dtype = getattr(dtype, "dtype", dtype) if not isinstance(dtype, (str, type)) else dtype
    if isinstance(dtype, str) and dtype in ("float", "double", "long", "complex", "object"):
        raise ValueError(f"Invalid dtype: {dtype}")  # (NumPy reads these; Keras refuses them)
    if dtype == "bfloat16":  # (a dtype Keras names, which NumPy has not)
        return dtype
    try:
        return np.dtype(dtype).name
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype}") from None
