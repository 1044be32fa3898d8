"""``keras.ops`` neural-network functions (Keras: ``keras.ops.nn``), each beside its vjp."""
import numpy as np

from .core import constant, differentiable
from .numpy import _keep_float

_f32 = np.float32


@differentiable(lambda g, out, x: (g * (out > 0),))
def relu(x):
    """max(x, 0)."""
    return np.maximum(_keep_float(x), 0)


@differentiable(lambda g, out, x: (g * ((x > 0) & (x < 6)),))
def relu6(x):
    """min(max(x, 0), 6)."""
    return np.clip(_keep_float(x), 0, 6)


@differentiable(lambda g, out, x: (g * out * (1 - out),))
def sigmoid(x):
    """1 / (1 + exp(-x)), without overflow."""
    x = _keep_float(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


@differentiable(lambda g, out, x: (g / (1 + np.exp(-x)),))
def softplus(x):
    """log(1 + exp(x)), without overflow."""
    x = _keep_float(x)
    return np.logaddexp(np.zeros((), x.dtype), x)


@differentiable(lambda g, out, x: (g * np.exp(-np.logaddexp(0, x)) ,))
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    x = _keep_float(x)
    return -np.logaddexp(np.zeros((), x.dtype), -x)


def _silu_vjp(g, out, x):
    s = 1 / (1 + np.exp(-x))
    return (g * (s * (1 + x * (1 - s))),)


@differentiable(_silu_vjp)
def silu(x):
    """x * sigmoid(x)."""
    x = _keep_float(x)
    return x / (1 + np.exp(-x))


swish = silu


@differentiable(lambda g, out, x, negative_slope=0.2: (g * np.where(x > 0, 1, negative_slope).astype(g.dtype),))
def leaky_relu(x, negative_slope=0.2):
    """x where x > 0, else negative_slope * x."""
    x = _keep_float(x)
    return np.where(x > 0, x, x * _f32(negative_slope)).astype(x.dtype)


@differentiable(lambda g, out, x, alpha=1.0: (g * np.where(x > 0, 1, out + alpha).astype(g.dtype),))
def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    x = _keep_float(x)
    return np.where(x > 0, x, _f32(alpha) * np.expm1(np.minimum(x, 0))).astype(x.dtype)


def _gelu_vjp(g, out, x, approximate=True):
    from .. import activations
    return (activations.backward(lambda z: activations.gelu(z, approximate=approximate))(g, x, out)
            if False else g * _gelu_derivative(x, approximate),)


def _gelu_derivative(x, approximate):
    if approximate:
        c = np.sqrt(2 / np.pi).astype(x.dtype)
        inner = c * (x + _f32(0.044715) * x ** 3)
        t = np.tanh(inner)
        return _f32(0.5) * (1 + t) + _f32(0.5) * x * (1 - t * t) * c * (1 + _f32(3 * 0.044715) * x * x)
    from math import erf, pi, sqrt as msqrt
    cdf = _f32(0.5) * (1 + np.vectorize(erf, otypes=[x.dtype])(x / _f32(msqrt(2))))
    return cdf + x * np.exp(-x * x / 2) / _f32(msqrt(2 * pi))


@differentiable(_gelu_vjp)
def gelu(x, approximate=True):
    """Gaussian error linear unit (tanh approximation by default, as Keras's ops.gelu)."""
    from .. import activations
    return activations.gelu(_keep_float(x), approximate=approximate)


def _softmax_vjp(g, out, x, axis=-1):
    return (out * (g - np.sum(g * out, axis=axis, keepdims=True)),)


@differentiable(_softmax_vjp)
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, shifted by the maximum for stability."""
    x = _keep_float(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax_vjp(g, out, x, axis=-1):
    return (g - np.exp(out) * np.sum(g, axis=axis, keepdims=True),)


@differentiable(_log_softmax_vjp)
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``."""
    x = _keep_float(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _logsumexp_vjp(g, out, x, axis=None, keepdims=False):
    from .numpy import _expand_back
    out_b = _expand_back(out, x, axis, keepdims)
    return (_expand_back(g, x, axis, keepdims) * np.exp(x - out_b),)


@differentiable(_logsumexp_vjp)
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, computed stably."""
    x = _keep_float(x)
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


@constant
def one_hot(x, num_classes, axis=-1, dtype="float32"):
    """Integer labels as one-hot rows (a label outside [0, num_classes) gives a row of zeros)."""
    x = np.asarray(x).astype(np.int64)
    out = (x[..., None] == np.arange(num_classes)).astype(dtype)
    return out if axis == -1 else np.moveaxis(out, -1, axis)
