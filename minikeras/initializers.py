"""Weight initializers with Keras's names, arguments and defaults.

Each is a class called as ``init(shape, dtype="float32")``. Constructed with an integer
``seed`` it returns the same values on every call (as in Keras); without one it draws
from the global generator that ``minikeras.utils.set_random_seed`` controls.
"""
import math

import numpy as np

from .registry import Registry
from .utils.random import global_generator

_registry = Registry("initializer")


def _register(*names):
    def decorator(cls):
        return _registry.register(cls, cls.__name__, *names)
    return decorator


def _fans(shape, input_axes=None, output_axes=None):
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: subclasses implement ``__call__(shape, dtype)`` and ``get_config``."""

    def __call__(self, shape, dtype="float32"):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _Random(Initializer):
    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            raise ValueError(f"{type(self).__name__} seed must be an integer or None, got {seed!r}")
        self.seed = seed

    def _rng(self):
        return np.random.default_rng(self.seed) if self.seed is not None else global_generator()

    def get_config(self):
        return {"seed": self.seed}


@_register("constant")
class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype="float32"):
        return np.full(shape, self.value, dtype=dtype)

    def get_config(self):
        return {"value": self.value}


@_register("zeros", "zero")
class Zeros(Initializer):
    def __call__(self, shape, dtype="float32"):
        return np.zeros(shape, dtype=dtype)


@_register("ones", "one")
class Ones(Initializer):
    def __call__(self, shape, dtype="float32"):
        return np.ones(shape, dtype=dtype)


@_register("random_uniform", "uniform")
class RandomUniform(_Random):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype="float32"):
        return self._rng().uniform(self.minval, self.maxval, size=shape).astype(dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


@_register("random_normal", "normal")
class RandomNormal(_Random):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype="float32"):
        return self._rng().normal(self.mean, self.stddev, size=shape).astype(dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


def _truncated_normal(rng, shape, mean, stddev):
    # Draw N(0, 1) and redraw whatever falls outside two standard deviations.
    values = rng.standard_normal(size=shape)
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = rng.standard_normal(size=int(bad.sum()))
        bad = np.abs(values) > 2
    return mean + stddev * values


@_register("truncated_normal")
class TruncatedNormal(RandomNormal):
    """Normal values redrawn when more than two standard deviations from the mean."""

    def __call__(self, shape, dtype="float32"):
        return _truncated_normal(self._rng(), shape, self.mean, self.stddev).astype(dtype)


@_register("variance_scaling")
class VarianceScaling(_Random):
    """Scale / fan variance, as a truncated normal, untruncated normal or uniform draw."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, input_axes=None,
                 output_axes=None):
        super().__init__(seed)
        self.input_axes = None if input_axes is None else list(input_axes)
        self.output_axes = None if output_axes is None else list(output_axes)
        if scale <= 0:
            raise ValueError(f"VarianceScaling scale must be positive, got {scale!r}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError("VarianceScaling distribution must be 'truncated_normal', "
                             f"'untruncated_normal' or 'uniform', got {distribution!r}")
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype="float32"):
        fan_in, fan_out = _fans(tuple(shape), self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        rng = self._rng()
        if self.distribution == "uniform":
            limit = math.sqrt(3 * variance)
            values = rng.uniform(-limit, limit, size=shape)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0, math.sqrt(variance), size=shape)
        else:
            # 0.8796... is the stddev of N(0, 1) truncated to [-2, 2].
            values = _truncated_normal(rng, shape, 0.0, math.sqrt(variance) / 0.87962566103423978)
        return values.astype(dtype)

    def get_config(self):
        return {"seed": self.seed, "scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "input_axes": self.input_axes, "output_axes": self.output_axes}


def _variance_scaling(name, scale, mode, distribution, doc):
    class Preset(VarianceScaling):
        __doc__ = doc

        def __init__(self, seed=None, input_axes=None, output_axes=None):
            super().__init__(scale, mode, distribution, seed, input_axes, output_axes)

        def get_config(self):
            return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}

    Preset.__name__ = Preset.__qualname__ = name
    return _registry.register(Preset, name, _snake(name))


def _snake(name):
    return {"GlorotUniform": "glorot_uniform", "GlorotNormal": "glorot_normal",
            "HeUniform": "he_uniform", "HeNormal": "he_normal",
            "LecunUniform": "lecun_uniform", "LecunNormal": "lecun_normal"}[name]


GlorotUniform = _variance_scaling("GlorotUniform", 1.0, "fan_avg", "uniform",
                                  "Uniform in ±sqrt(6 / (fan_in + fan_out)) (Keras's Dense default).")
GlorotNormal = _variance_scaling("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                                 "Truncated normal with stddev sqrt(2 / (fan_in + fan_out)).")
HeUniform = _variance_scaling("HeUniform", 2.0, "fan_in", "uniform", "Uniform in ±sqrt(6 / fan_in).")
HeNormal = _variance_scaling("HeNormal", 2.0, "fan_in", "truncated_normal",
                             "Truncated normal with stddev sqrt(2 / fan_in).")
LecunUniform = _variance_scaling("LecunUniform", 1.0, "fan_in", "uniform", "Uniform in ±sqrt(3 / fan_in).")
LecunNormal = _variance_scaling("LecunNormal", 1.0, "fan_in", "truncated_normal",
                                "Truncated normal with stddev sqrt(1 / fan_in).")


@_register("identity", "IdentityInitializer")
class Identity(Initializer):
    """``gain`` times the identity matrix, for 2-D shapes only (Keras ``Identity``; its config
    keeps ``gain``, which Keras 3.15 leaves out)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype="float32"):
        shape = tuple(shape)
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}


@_register("orthogonal", "OrthogonalInitializer")
class Orthogonal(_Random):
    """A random orthogonal matrix times ``gain`` (Keras ``Orthogonal``): the Q of the QR
    decomposition of a normal matrix, signs fixed by R's diagonal, for shapes of rank >= 2
    flattened to (product of all but the last axis, last axis). With orthonormal rows or
    columns, whichever are fewer."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype="float32"):
        shape = tuple(shape)
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {"seed": self.seed, "gain": self.gain}


# Keras 3 also exports the classes under their snake_case names (keras.initializers.glorot_uniform
# is GlorotUniform) and the *Initializer spellings of Identity and Orthogonal.
constant, zeros, ones = Constant, Zeros, Ones
random_uniform, random_normal, truncated_normal, variance_scaling = (RandomUniform, RandomNormal,
                                                                      TruncatedNormal, VarianceScaling)
glorot_uniform, glorot_normal, he_uniform, he_normal = GlorotUniform, GlorotNormal, HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal
identity = IdentityInitializer = Identity
orthogonal = OrthogonalInitializer = Orthogonal

get = _registry.get
serialize = _registry.serialize
deserialize = _registry.get
