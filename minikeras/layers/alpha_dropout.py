"""AlphaDropout: dropout that keeps a SELU network's mean and variance (Klambauer et al. 2017)."""
import numpy as np

from ..utils import checks
from ..utils.random import generator_for, make_generator
from .layer import Layer

_ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946  # -alpha * scale of SELU


class AlphaDropout(Layer):
    """Keras ``AlphaDropout(rate, noise_shape=None, seed=None)``.

    In training each entry is kept with probability ``1 - rate``; dropped entries become
    SELU's negative saturation value ``alpha' = -alpha * scale``, and the result is mapped by
    ``a * x + b`` with ``a = ((1 - rate)(1 + rate * alpha'^2))^-1/2`` and ``b = -a * alpha' * rate``,
    so zero mean and unit variance are kept. Identity at inference. ``noise_shape`` (None
    entries take the input's size) shares one draw along the axes of size 1; draws come from
    the layer's generator when ``seed`` is given, else the global one (not Keras's stream).
    """

    _per_call = ("_kept",)

    compute_output_shape = Layer.same_shape

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float, np.integer, np.floating)) or not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                             f"Received: rate={rate}")
        self.rate = rate
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._generator = make_generator(seed, type(self).__name__)
        self._kept = None

    def _scale_and_shift(self):
        a = ((1 - self.rate) * (1 + self.rate * _ALPHA_P ** 2)) ** -0.5
        return np.float32(a), np.float32(-a * _ALPHA_P * self.rate)

    def call(self, x, training=False):
        if not training or self.rate == 0:
            if training:
                self._kept = None
            return x
        shape = x.shape if self.noise_shape is None else tuple(
            x.shape[i] if n is None else n for i, n in enumerate(self.noise_shape))
        kept = (generator_for(self._generator).random(shape, dtype=np.float32) >= np.float32(self.rate))
        kept = np.broadcast_to(kept, x.shape).astype(x.dtype)
        a, b = self._scale_and_shift()
        self._kept = kept
        return a * (x * kept + np.float32(_ALPHA_P) * (1 - kept)) + b

    def backward(self, grad):
        if self._kept is None:
            return grad
        return grad * (self._scale_and_shift()[0] * self._kept)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape)}
