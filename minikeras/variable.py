"""A trainable array with a name and a slot for its gradient."""
import numpy as np


class Variable:
    """A float32 weight: ``value`` is updated in place by optimizers, ``grad`` is written by
    the owning layer's backward pass. Behaves like an array (``np.asarray(v)``,
    ``v.numpy()``, ``v.shape``, ``float(v)``, ``v + 1``) the way a Keras variable does.

    ``dtype`` is float32 unless given (metric state may be e.g. int32; layer weights and
    everything an optimizer updates are float32)."""

    def __init__(self, value, name=None, trainable=True, regularizer=None, dtype=None, constraint=None):
        dtype = np.dtype(dtype or np.float32)
        self.value = np.asarray(value, dtype=dtype, order="C")  # (ascontiguousarray makes 0-d arrays 1-d)
        self.name = "variable" if name is None else name  # (Keras's default name)
        self.path = self.name
        self.trainable = trainable
        self.regularizer = regularizer
        self.constraint = constraint  # applied by the optimizer after each update, as in Keras
        self.grad = None
        self.packing = None

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype.name

    def numpy(self):
        return self.value.copy()

    def grad_buffer(self):
        """The array the gradient is written into, in place (allocated at first use).

        Layers write gradients into it rather than replacing ``grad``, so the views a
        ``Packing`` made stay the arrays the optimizer updates from.
        """
        if self.grad is None:
            self.grad = np.empty_like(self.value)
        return self.grad

    def assign(self, value):
        """Copy ``value`` in, keeping the same buffer (optimizer slots stay attached)."""
        value = np.asarray(value)
        if value.shape != self.value.shape:
            raise ValueError(f"Variable {self.path!r} has shape {self.value.shape}, "
                             f"cannot assign a value of shape {value.shape}")
        self.value[...] = value
        return self

    def assign_add(self, value):
        """Add ``value`` (broadcast to the variable's shape) in place, as Keras's ``assign_add``."""
        return self.assign(self.value + np.asarray(value, dtype=self.value.dtype))

    def assign_sub(self, value):
        """Subtract ``value`` (broadcast to the variable's shape) in place, as Keras's ``assign_sub``."""
        return self.assign(self.value - np.asarray(value, dtype=self.value.dtype))

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    # Arithmetic gives plain arrays, as a Keras variable gives tensors (no __eq__: variables are
    # dictionary keys, compared by identity). A Python number stays weakly typed, so a float32
    # variable times 2 is float32, as in Keras.
    def __add__(self, other):
        return self.value + other

    def __radd__(self, other):
        return other + self.value

    def __sub__(self, other):
        return self.value - other

    def __rsub__(self, other):
        return other - self.value

    def __mul__(self, other):
        return self.value * other

    def __rmul__(self, other):
        return other * self.value

    def __truediv__(self, other):
        return self.value / other

    def __rtruediv__(self, other):
        return other / self.value

    def __neg__(self):
        return -self.value

    def __repr__(self):
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype}>"


class Packing:
    """Variables whose values and gradients are views into two flat float32 buffers.

    Training packs a model's trainable variables so the optimizer updates every weight
    with one pass of ufunc calls over ``values`` and ``grads``, instead of one per variable
    (for small layers the per-call overhead costs more than the arithmetic). Each
    variable keeps its shape: ``variable.value`` and ``variable.grad`` become reshaped
    views of a slice of the buffers, so in-place writes by layers and ``assign`` reach them.
    """

    def __init__(self, variables):
        self.variables = tuple(variables)
        sizes = [v.value.size for v in self.variables]
        self.bounds = list(zip(np.cumsum([0] + sizes[:-1]).tolist(), np.cumsum(sizes).tolist()))
        total = sum(sizes)
        self.values = np.empty(total, dtype=np.float32)
        self.grads = np.zeros(total, dtype=np.float32)
        self._value_views = self.views(self.values)
        self._grad_views = self.views(self.grads)
        for variable, value, grad in zip(self.variables, self._value_views, self._grad_views):
            value[...] = variable.value
            if variable.grad is not None:
                grad[...] = variable.grad
            variable.value, variable.grad, variable.packing = value, grad, self

    def views(self, flat):
        """Per-variable views (in the variables' shapes) of a flat array laid out like ``values``."""
        return [flat[start:stop].reshape(v.value.shape) for v, (start, stop) in zip(self.variables, self.bounds)]

    def intact(self, variables, grads=None):
        """True when ``variables`` are exactly the packed ones and none of their value or
        gradient arrays (nor ``grads``, when given) has been replaced by another array."""
        if len(variables) != len(self.variables):
            return False
        for index, variable in enumerate(variables):
            if (variable is not self.variables[index] or variable.value is not self._value_views[index]
                    or variable.grad is not self._grad_views[index]
                    or (grads is not None and grads[index] is not self._grad_views[index])):
                return False
        return True


def pack(variables):
    """The ``Packing`` of ``variables``: the one they are already in when it is intact, else a new one."""
    packing = variables[0].packing if variables else None
    return packing if packing is not None and packing.intact(variables) else Packing(variables)
