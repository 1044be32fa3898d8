"""Weight penalties added to the training loss, each with its gradient."""
import numpy as np

from .registry import Registry
from .utils import checks

_registry = Registry("regularizer")


class Regularizer:
    """Base class: ``__call__(w)`` is the penalty, ``gradient(w)`` its derivative."""

    def __call__(self, w):
        raise NotImplementedError

    def gradient(self, w):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check(name, value):
    return float(checks.number(value, f"Regularizer argument {name}", minimum=0))


class L1L2(Regularizer):
    """l1 * sum(|w|) + l2 * sum(w**2)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _check("l1", l1), _check("l2", l2)

    def __call__(self, w):
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.sum(np.abs(w), dtype=np.float64))
        if self.l2:
            penalty += self.l2 * float(np.sum(np.square(w), dtype=np.float64))
        return penalty

    def gradient(self, w):
        grad = np.zeros_like(w)
        if self.l1:
            grad += self.l1 * np.sign(w)
        if self.l2:
            grad += (2 * self.l2) * w
        return grad

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """l1 * sum(|w|)."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """l2 * sum(w**2)."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


_registry.register(L1L2, "L1L2", "l1_l2", "l1l2")
_registry.register(L1, "L1", "l1")
_registry.register(L2, "L2", "l2")
l1, l2, l1_l2 = L1, L2, L1L2



class OrthogonalRegularizer(Regularizer):
    """Keras ``OrthogonalRegularizer``: pushes the rows (``mode="rows"``) or columns of a 2-D
    kernel towards orthogonality. With ``U`` the L2-normalized rows (or columns), the penalty
    is ``factor · 0.5 · sum_{i != j} |U_i · U_j| / (n (n - 1) / 2)``."""

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = float(np.float32(_check("factor", factor)))  # (Keras keeps it as a float32 tensor)
        if mode not in ("rows", "columns"):
            raise ValueError(f'Invalid value for argument `mode`. Expected one of {{"rows", "columns"}}. '
                             f"Received: mode={mode}")
        self.mode = mode

    def _rows(self, w):
        w = np.asarray(w, dtype=np.float32)
        if w.ndim != 2:
            raise ValueError(f"Inputs to OrthogonalRegularizer must have rank 2. Received: inputs.shape={w.shape}")
        return w if self.mode == "rows" else w.T

    def _terms(self, w):
        rows = self._rows(w)
        norms = np.sqrt(np.maximum(np.sum(np.square(rows), axis=1, keepdims=True), np.float32(1e-12)))
        unit = rows / norms
        product = unit @ unit.T
        np.fill_diagonal(product, 0)
        n = rows.shape[0]
        return unit, norms, product, max(n * (n - 1) / 2, 1e-12)

    def __call__(self, w):
        _, _, product, pairs = self._terms(w)
        return np.float32(self.factor * 0.5 * np.sum(np.abs(product)) / pairs)

    def gradient(self, w):
        unit, norms, product, pairs = self._terms(w)
        # d/dU of 0.5 sum |U U^T| (off the diagonal) is sign(P) U (P symmetric); then through
        # each row's normalization: (g - u (u . g)) / ||row||.
        d_unit = np.float32(self.factor / pairs) * (np.sign(product) @ unit)
        d_rows = (d_unit - unit * np.sum(unit * d_unit, axis=1, keepdims=True)) / norms
        return (d_rows if self.mode == "rows" else d_rows.T).astype(np.float32)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


_registry.register(OrthogonalRegularizer, "OrthogonalRegularizer", "orthogonal_regularizer")
orthogonal_regularizer = OrthogonalRegularizer

get = _registry.get
serialize = _registry.serialize
deserialize = _registry.get
