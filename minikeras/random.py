"""``keras.random``: random tensors, seeded as in Keras.

``seed`` may be None (the global generator, reseeded by ``keras.utils.set_random_seed``), an
int (the same values on every call) or a ``SeedGenerator`` (its state advances on every call,
so a layer that owns one draws a new, reproducible mask each step). Floats are float32
unless ``dtype`` says otherwise.
"""
import random as _py_random

import numpy as np

from . import ops
from .utils import random as _global

__all__ = ["SeedGenerator", "normal", "uniform", "truncated_normal", "randint", "shuffle", "dropout",
           "categorical", "gamma", "beta", "binomial"]


def _check_seed(seed, owner):
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{owner}: seed must be None, a non-negative int or a keras.random.SeedGenerator, "
                         f"got seed={seed!r}")
    return int(seed)


class SeedGenerator:
    """A seed whose state advances each time a random function draws from it (Keras:
    ``keras.random.SeedGenerator``). Without a seed it takes one from Python's ``random``,
    which ``keras.utils.set_random_seed`` seeds."""

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"SeedGenerator: unrecognized keyword arguments: {kwargs}")
        self._initial_seed = _py_random.randint(1, int(1e9)) if seed is None else _check_seed(seed, "SeedGenerator")
        self.name = name or "seed_generator"
        self.state = np.array([self._initial_seed, 0], dtype=np.int64)

    def next(self, ordered=True):
        """The current state (a pair of ints), then advance it."""
        seed = self.state.copy()
        self.state[1] += 1
        return seed

    def get_config(self):
        return {"seed": self._initial_seed}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator seed={self._initial_seed} state={self.state.tolist()}>"


def _generator(seed, owner):
    """The NumPy generator to draw from for ``seed`` (see the module docstring)."""
    if seed is None:
        return _global.global_generator()
    if isinstance(seed, SeedGenerator):
        return np.random.default_rng(seed.next().tolist())
    return np.random.default_rng(_check_seed(seed, owner))


def _float_dtype(dtype, owner):
    dtype = np.dtype(dtype or "float32")
    if dtype.kind != "f":
        raise ValueError(f"{owner}: dtype must be a float type, got dtype={dtype.name!r}")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values from a normal distribution with ``mean`` and ``stddev``."""
    dtype = _float_dtype(dtype, "normal")
    values = _generator(seed, "normal").standard_normal(tuple(shape), dtype=np.float64)
    return (values * stddev + mean).astype(dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values from a uniform distribution on [minval, maxval)."""
    dtype = _float_dtype(dtype, "uniform")
    values = _generator(seed, "uniform").random(tuple(shape))
    return (values * (maxval - minval) + minval).astype(dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values, redrawn where they fall more than two standard deviations from the mean."""
    dtype = _float_dtype(dtype, "truncated_normal")
    rng = _generator(seed, "truncated_normal")
    values = rng.standard_normal(tuple(shape))
    outside = np.abs(values) > 2
    while outside.any():  # each round redraws the ~4.6% still outside
        values[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return (values * stddev + mean).astype(dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers from a uniform distribution on [minval, maxval)."""
    if np.dtype(dtype).kind not in "iu":
        raise ValueError(f"randint: dtype must be an integer type, got dtype={np.dtype(dtype).name!r}")
    return _generator(seed, "randint").integers(minval, maxval, size=tuple(shape)).astype(dtype)


def shuffle(x, axis=0, seed=None):
    """``x`` with its slices along ``axis`` in a random order (differentiable, as ``ops.take``)."""
    order = _generator(seed, "shuffle").permutation(ops.shape(x)[axis])
    return ops.take(x, order, axis=axis)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """``inputs`` with each value zeroed with probability ``rate`` and the rest scaled by
    1 / (1 - rate); ``noise_shape`` (None entries taken from ``inputs``) shares one draw along
    its axes of size 1. Differentiable: recorded as one multiply by the mask."""
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got rate={rate!r}")
    shape = ops.shape(inputs)
    if noise_shape is None:
        noise_shape = shape
    else:
        noise_shape = tuple(d if n is None else n for n, d in zip(noise_shape, shape))
    keep = 1.0 - rate
    dtype = getattr(inputs, "dtype", np.float32)
    dtype = dtype if np.dtype(dtype).kind == "f" else np.float32
    mask = (_generator(seed, "dropout").random(noise_shape) < keep).astype(dtype) / np.asarray(keep, dtype)
    return ops.multiply(inputs, mask)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """``num_samples`` class indices per row of ``logits`` (unnormalized log-probabilities,
    shape (batch, classes)), drawn by the Gumbel-max trick; shape (batch, num_samples)."""
    logits = np.asarray(ops.convert_to_numpy(logits), np.float64)
    if logits.ndim != 2:
        raise ValueError(f"categorical: logits must have shape (batch, classes), got shape {logits.shape}")
    noise = _generator(seed, "categorical").gumbel(size=(logits.shape[0], num_samples, logits.shape[1]))
    return np.argmax(logits[:, None, :] + noise, axis=-1).astype(dtype)


def gamma(shape, alpha, dtype=None, seed=None):
    """Values from a gamma distribution with concentration ``alpha`` (scale 1)."""
    dtype = _float_dtype(dtype, "gamma")
    return _generator(seed, "gamma").gamma(alpha, size=tuple(shape)).astype(dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Values from a beta distribution with parameters ``alpha`` and ``beta``."""
    dtype = _float_dtype(dtype, "beta")
    return _generator(seed, "beta").beta(alpha, beta, size=tuple(shape)).astype(dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Numbers of successes in ``counts`` trials of probability ``probabilities`` (float32)."""
    dtype = _float_dtype(dtype, "binomial")
    return _generator(seed, "binomial").binomial(counts, probabilities, size=tuple(shape)).astype(dtype)
