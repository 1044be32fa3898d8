"""Dropout: zero a random fraction of inputs during training."""
import numpy as np

from ..distribution import data_parallel as _parallel
from ..utils import checks
from ..utils.random import generator_for, make_generator
from .layer import Layer


class Dropout(Layer):
    """Inverted dropout (Keras: ``keras.layers.Dropout``).

    In training each input is kept with probability ``1 - rate`` and scaled by
    ``1 / (1 - rate)``; at inference the layer is the identity.
    """

    _per_call = ("_mask",)

    compute_output_shape = Layer.same_shape

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        checks.number(rate, "Dropout rate", minimum=0, maximum=1, upper_open=True)
        self.rate = float(rate)
        if noise_shape is not None and (not isinstance(noise_shape, (list, tuple)) or not all(
                d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0)
                for d in noise_shape)):
            raise ValueError(f"Dropout noise_shape must be a tuple or list of positive integers or None, "
                             f"got {noise_shape!r}")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._generator = make_generator(seed, type(self).__name__)
        self._mask = None

    def call(self, x, training=False):
        if not training:
            return x
        if self.rate == 0:
            self._mask = None
            return x
        shape = x.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(x.shape, self.noise_shape))
        generator = generator_for(self._generator)
        if _parallel.ROWS is None:
            keep = generator.random(shape, dtype=np.float32) >= self.rate
        else:  # data-parallel: this rank's rows of the global batch's mask, as one process draws it
            keep = _parallel.batch_draw(lambda size: generator.random(size, dtype=np.float32), shape) >= self.rate
        self._mask = keep.astype(np.float32)
        self._mask *= np.float32(1 / (1 - self.rate))
        return x * self._mask

    def backward(self, grad):
        return grad if self._mask is None else grad * self._mask

    def get_config(self):
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
                "seed": self.seed}
