"""GroupNormalization: normalizes groups of channels of each sample (Wu & He 2018)."""
import numpy as np

from .. import constraints, initializers, regularizers
from ..tape import keeping_state
from ..utils import checks
from .layer import Layer


class GroupNormalization(Layer):
    """Keras ``GroupNormalization(groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, ...)``.

    The channels on ``axis`` are split into ``groups`` groups of consecutive channels; each
    sample's group is normalized with the mean and biased variance over its channels and all
    other non-batch axes, then scaled by ``gamma`` and shifted by ``beta`` (one per channel).
    ``groups=-1`` makes one group per channel (instance normalization); ``groups=1`` is
    LayerNormalization over all non-batch axes with per-channel ``gamma``/``beta``.
    """

    compute_output_shape = Layer.same_shape

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a positive integer (or "
                             f"`-1` for instance normalization). Received: groups={groups}")
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.groups = int(groups)
        self.axis = checks.integer(axis, f"{cls} axis")
        self.epsilon = checks.number(epsilon, f"{cls} epsilon", minimum=0)
        self.center = checks.flag(center, f"{cls} center")
        self.scale = checks.flag(scale, f"{cls} scale")
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None
        self._cache = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim or self.axis % ndim == 0:
            raise ValueError(f"GroupNormalization axis must name a non-batch axis of inputs of shape {input_shape}, "
                             f"got axis={self.axis}")
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension but the layer "
                             f"received an input with shape {input_shape}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the number of channels ({dim}).")
        if dim % self.groups:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the number of channels ({dim}).")
        if self.scale:
            self.gamma = self.add_weight(shape=(dim,), initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         name="gamma")
        if self.center:
            self.beta = self.add_weight(shape=(dim,), initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        name="beta")
        self._axis = self.axis % ndim
        self._channels = dim
        self.built = True

    def _grouped_shape(self, shape):
        """``shape`` with the channel axis split into (groups, channels per group)."""
        a = self._axis
        return shape[:a] + (self.groups, self._channels // self.groups) + shape[a + 1:]

    def _per_channel(self, values, ndim):
        shape = [1] * ndim
        shape[self._axis] = self._channels
        return values.reshape(shape)

    def call(self, x, training=False):
        if x.ndim <= self._axis or x.shape[self._axis] != self._channels:
            raise ValueError(f"GroupNormalization {self.name!r} expects {self._channels} channels on axis "
                             f"{self.axis} (from build), got inputs of shape {x.shape}")
        grouped = x.reshape(self._grouped_shape(x.shape))
        axes = tuple(d for d in range(1, grouped.ndim) if d != self._axis)
        mean = np.mean(grouped, axis=axes, keepdims=True)
        centered = grouped - mean
        inv = 1 / np.sqrt(np.mean(np.square(centered), axis=axes, keepdims=True) + np.asarray(self.epsilon, x.dtype))
        x_hat = (centered * inv).reshape(x.shape)
        y = x_hat * self._per_channel(self.gamma.value, x.ndim) if self.scale else x_hat.copy()
        if self.center:
            y += self._per_channel(self.beta.value, x.ndim)
        if training or keeping_state():
            self._cache = (x_hat, inv, axes)
        return y

    def backward(self, grad):
        x_hat, inv, axes = self._cache
        others = tuple(d for d in range(grad.ndim) if d != self._axis)
        for variable, value in ((self.gamma, lambda: grad * x_hat), (self.beta, lambda: grad)):
            if variable is not None and self.trainable:
                variable.grad_buffer()[...] = np.add.reduce(value(), axis=others)
        if not self.input_grad_needed:
            return None
        # Per sample and group, as LayerNormalization: dx = inv (g' - mean(g') - x_hat mean(g' x_hat)),
        # with g' = g * gamma.
        g = grad * self._per_channel(self.gamma.value, grad.ndim) if self.scale else grad.copy()
        shape = self._grouped_shape(grad.shape)
        g, xg = g.reshape(shape), x_hat.reshape(shape)
        projection = np.mean(g * xg, axis=axes, keepdims=True)
        g = (g - np.mean(g, axis=axes, keepdims=True) - xg * projection) * inv
        return g.reshape(grad.shape)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}
