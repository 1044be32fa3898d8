"""ReLU, LeakyReLU, ELU and PReLU: activations with their own arguments, as layers."""
import numpy as np

from ..utils import checks
from .. import activations, constraints, initializers, regularizers
from ..tape import keeping_state
from .layer import Layer


def _non_negative(value, argument, cls, allow_none=False):
    return checks.number(value, f"{cls} {argument}", minimum=0, allow_none=allow_none)


class _ElementwiseActivation(Layer):
    """An activation function with fixed keyword arguments; backward is its derivative."""

    compute_output_shape = Layer.same_shape

    function = None

    def _kwargs(self):
        return {}

    def get_config(self):
        return {**super().get_config(), **self._kwargs()}

    def call(self, x, training=False):
        y = type(self).function(x, **self._kwargs())
        if training or keeping_state():
            self._cache = (x, y)
        return y

    def backward(self, grad):
        x, y = self._cache
        return activations.backward(type(self).function)(grad, x, y, **self._kwargs())


class ReLU(_ElementwiseActivation):
    """Rectified linear unit with optional cap, slope and threshold (Keras: ``keras.layers.ReLU``).

    ``min(x, max_value)`` where ``x > threshold``, else ``negative_slope * (x - threshold)``.
    """

    function = staticmethod(activations.relu)

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.max_value = _non_negative(max_value, "max_value", cls, allow_none=True)
        self.negative_slope = _non_negative(negative_slope, "negative_slope", cls)
        self.threshold = _non_negative(threshold, "threshold", cls)
        self._cache = None

    def _kwargs(self):
        return {"negative_slope": self.negative_slope, "max_value": self.max_value, "threshold": self.threshold}


class LeakyReLU(_ElementwiseActivation):
    """``x`` for ``x >= 0``, ``negative_slope * x`` otherwise (Keras: ``keras.layers.LeakyReLU``).

    The layer's default slope is 0.3 (the ``leaky_relu`` function's is 0.2), as in Keras.
    The deprecated ``alpha`` argument is accepted as ``negative_slope``. A slope above 1
    gives what Keras's JAX and TensorFlow backends give (its NumPy backend computes
    ``max(x, slope * x)`` instead).
    """

    function = staticmethod(activations.leaky_relu)

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _non_negative(negative_slope, "negative_slope", type(self).__name__)
        self._cache = None

    def _kwargs(self):
        return {"negative_slope": self.negative_slope}


class ELU(_ElementwiseActivation):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise (Keras: ``keras.layers.ELU``)."""

    function = staticmethod(activations.elu)

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        checks.number(alpha, "ELU alpha")
        self.alpha = alpha
        self._cache = None

    def _kwargs(self):
        return {"alpha": self.alpha}


class PReLU(Layer):
    """Leaky ReLU with a learned slope per input position (Keras: ``keras.layers.PReLU``).

    ``x`` for ``x > 0``, ``alpha * x`` otherwise. ``alpha`` has the shape of one sample,
    with size 1 along each of ``shared_axes`` (1-based, as in Keras); it starts at zeros.
    """

    compute_output_shape = Layer.same_shape

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        if shared_axes is not None:
            shared_axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a < 1 for a in shared_axes):
                raise ValueError(f"PReLU shared_axes must be positive axis numbers (1 is the first axis "
                                 f"after the batch), got {shared_axes!r}")
            shared_axes = [int(a) for a in shared_axes]
        self.shared_axes = shared_axes
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        self.alpha = None
        self._cache = None

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis >= len(input_shape):
                raise ValueError(f"PReLU shared_axes {self.shared_axes} name an axis beyond input shape "
                                 f"{input_shape}")
            shape[axis - 1] = 1
        if None in shape:
            raise ValueError(f"PReLU {self.name!r} needs known sizes on every non-shared axis, got input "
                             f"shape {input_shape}")
        self.alpha = self.add_weight(shape=tuple(shape), initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint,
                                     name="alpha")
        self.built = True

    def call(self, x, training=False):
        alpha = self.alpha.value
        if x.ndim != alpha.ndim + 1 or any(a != 1 and a != n for a, n in zip(alpha.shape, x.shape[1:])):
            raise ValueError(f"PReLU {self.name!r} expects samples of shape {alpha.shape} (size 1 is "
                             f"shared), got shape {x.shape}")
        negative = np.minimum(x, 0)
        y = np.maximum(x, 0) + alpha * negative
        if training or keeping_state():
            self._cache = (x, negative)
        return y

    def backward(self, grad):
        x, negative = self._cache
        if self.trainable:
            summed = (0,) + tuple(d + 1 for d, n in enumerate(self.alpha.shape) if n == 1 and x.shape[d + 1] != 1)
            self.alpha.grad_buffer()[...] = np.add.reduce(grad * negative, axis=summed, keepdims=True)[0]
        if not self.input_grad_needed:
            return None
        return grad * np.where(x > 0, 1, self.alpha.value).astype(grad.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer), "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}
