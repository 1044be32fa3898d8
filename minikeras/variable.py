"""A trainable array with a name and a slot for its gradient."""
import numpy as np


class Variable:
    """A float32 weight: ``value`` is updated in place by optimizers, ``grad`` is written by
    the owning layer's backward pass. Behaves like an array (``np.asarray(v)``,
    ``v.numpy()``, ``v.shape``) the way a Keras variable does."""

    def __init__(self, value, name, trainable=True, regularizer=None):
        self.value = np.ascontiguousarray(value, dtype=np.float32)
        self.name = name
        self.path = name
        self.trainable = trainable
        self.regularizer = regularizer
        self.grad = None

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return "float32"

    def numpy(self):
        return self.value.copy()

    def assign(self, value):
        """Copy ``value`` in, keeping the same buffer (optimizer slots stay attached)."""
        value = np.asarray(value)
        if value.shape != self.value.shape:
            raise ValueError(f"Variable {self.path!r} has shape {self.value.shape}, "
                             f"cannot assign a value of shape {value.shape}")
        self.value[...] = value

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __repr__(self):
        return f"<Variable path={self.path} shape={self.shape} dtype=float32>"
