"""GaussianNoise and GaussianDropout: random perturbations applied only in training."""
import math

import numpy as np

from ..distribution import data_parallel as _parallel
from ..utils import checks
from ..utils.random import generator_for, make_generator
from .layer import Layer


def _fraction(value, argument, cls, upper_open=False):
    return checks.number(value, f"{cls} {argument}", minimum=0, maximum=1, upper_open=upper_open)


class GaussianNoise(Layer):
    """Adds ``N(0, stddev**2)`` noise in training (Keras: ``keras.layers.GaussianNoise``).

    Identity at inference. The noise comes from the layer's own generator when ``seed``
    is given, else from the global one that ``keras.utils.set_random_seed`` reseeds (as
    Dropout does); the values differ from Keras's random streams.
    """

    compute_output_shape = Layer.same_shape

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = _fraction(stddev, "stddev", type(self).__name__)
        self.seed = seed
        self._generator = make_generator(seed, type(self).__name__)

    def call(self, x, training=False):
        if not training or self.stddev == 0:
            return x
        noise = _normal(generator_for(self._generator), x.shape)
        noise *= np.float32(self.stddev)
        return x + noise

    def backward(self, grad):
        return grad

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies by ``N(1, rate / (1 - rate))`` noise in training (Keras: ``keras.layers.GaussianDropout``).

    Identity at inference; seeded like GaussianNoise. ``rate`` must be below 1 (Keras
    accepts 1 and then divides by zero).
    """

    _per_call = ("_noise",)

    compute_output_shape = Layer.same_shape

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _fraction(rate, "rate", type(self).__name__, upper_open=True)
        self.seed = seed
        self._generator = make_generator(seed, type(self).__name__)
        self._noise = None

    def call(self, x, training=False):
        if not training or self.rate == 0:
            if training:
                self._noise = None
            return x
        noise = _normal(generator_for(self._generator), x.shape)
        noise *= np.float32(math.sqrt(self.rate / (1 - self.rate)))
        noise += np.float32(1)
        self._noise = noise
        return x * noise

    def backward(self, grad):
        return grad if self._noise is None else grad * self._noise

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


def _normal(generator, shape):
    """Standard normal float32 noise for a batch (data-parallel: this rank's rows of the global batch's)."""
    if _parallel.ROWS is None:
        return generator.standard_normal(shape, dtype=np.float32)
    return _parallel.batch_draw(lambda size: generator.standard_normal(size, dtype=np.float32), shape)
