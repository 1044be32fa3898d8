"""``keras.ops`` math functions (Keras keeps these in ``keras.src.ops.math``; all are also in
``keras.ops``): erf, logsumexp, top_k, in_top_k, segment_sum."""
import numpy as np

from .. import activations as _activations
from .core import constant, differentiable
from .numpy import _expand_back, _keep_float, _tuple, argsort, negative, take_along_axis
from .numpy import rsqrt  # noqa: F401  (keras.ops.rsqrt is a math op in Keras)

__all__ = ["erf", "logsumexp", "top_k", "in_top_k", "segment_sum", "rsqrt"]


@differentiable(lambda g, out, x: (g * (2 / np.sqrt(np.pi)) * np.exp(-np.square(x)),))
def erf(x):
    """The Gauss error function (to 1.5e-7, below float32's resolution near 1)."""
    x = _keep_float(x)
    return _activations._erf(x).astype(x.dtype, copy=False)


def _logsumexp_vjp(g, out, x, axis=None, keepdims=False):
    out_b = _expand_back(out, x, axis, keepdims)
    return (_expand_back(g, x, axis, keepdims) * np.exp(x - out_b),)


@differentiable(_logsumexp_vjp)
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, computed stably (the gradient is softmax)."""
    x = _keep_float(x)
    axis = _tuple(axis)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def top_k(x, k, sorted=True):
    """The ``k`` largest values along the last axis and their int32 indices (ties: the lower
    index first); the values are differentiable."""
    indices = argsort(negative(x), axis=-1)[..., :k]
    return take_along_axis(x, indices, axis=-1), indices


@constant
def in_top_k(targets, predictions, k):
    """Whether each sample's target class is among its ``k`` highest predictions."""
    predictions = np.asarray(predictions)
    target_scores = np.take_along_axis(predictions, np.asarray(targets).astype(np.intp)[:, None], axis=-1)
    return np.sum(predictions > target_scores, axis=-1) < k


def _segment_sum_vjp(g, out, data, segment_ids, num_segments=None, sorted=False):
    return g[np.asarray(segment_ids)], None


@differentiable(_segment_sum_vjp)
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums of the rows of ``data`` with the same segment id (ids outside [0, num_segments) dropped)."""
    data, ids = np.asarray(data), np.asarray(segment_ids).astype(np.intp)
    num_segments = int(ids.max()) + 1 if num_segments is None else num_segments
    out = np.zeros((num_segments,) + data.shape[1:], data.dtype)
    keep = (ids >= 0) & (ids < num_segments)
    np.add.at(out, ids[keep], data[keep])
    return out
