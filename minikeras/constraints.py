"""Weight constraints (Keras: ``keras.constraints``), applied after every optimizer update.

A constraint maps a weight to its projection, ``w <- constraint(w)``, as Keras's optimizers
do after each step (``variable.assign(variable.constraint(variable))``). The norms are taken
over ``axis`` (0: each column of a Dense kernel, the weights into one unit), and
``epsilon = 1e-7`` keeps a zero column finite, as in Keras.
"""
import numpy as np

from .registry import Registry
from .utils import checks

_registry = Registry("constraint")
_EPSILON = np.float32(1e-7)


class Constraint:
    """Base class: ``__call__(w)`` returns the constrained weight (the identity here)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


def _number(name, value, minimum=0.0):
    return checks.number(value, f"Constraint argument {name}", minimum=minimum)


class MaxNorm(Constraint):
    """Scale each slice along ``axis`` down so that its L2 norm is at most ``max_value``."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = _number("max_value", max_value)
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return w * (np.clip(norms, 0, self.max_value) / (_EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each slice's L2 norm into ``[min_value, max_value]``, a fraction ``rate`` of the way."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = _number("min_value", min_value)
        self.max_value = _number("max_value", max_value)
        self.rate = _number("rate", rate)
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Negative entries become zero."""

    def __call__(self, w):
        return np.maximum(w, 0)


class UnitNorm(Constraint):
    """Divide each slice along ``axis`` by its L2 norm."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


_registry.register(Constraint, "Constraint", "constraint")
_registry.register(MaxNorm, "MaxNorm", "max_norm")
_registry.register(MinMaxNorm, "MinMaxNorm", "min_max_norm")
_registry.register(NonNeg, "NonNeg", "non_neg")
_registry.register(UnitNorm, "UnitNorm", "unit_norm")
max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

serialize = _registry.serialize


def get(identifier, custom_objects=None):
    """A constraint from a name (``"non_neg"``, ``"MaxNorm"``), a config dict, an instance or a
    callable ``w -> w``; None stays None (Keras: ``keras.constraints.get``)."""
    return _registry.get(identifier, custom_objects)


def deserialize(config, custom_objects=None):
    return _registry.deserialize(config, custom_objects)


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm",
           "non_neg", "unit_norm", "get", "serialize", "deserialize"]
