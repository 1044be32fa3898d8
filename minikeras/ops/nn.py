"""``keras.ops`` neural-network functions (Keras: ``keras.ops.nn``), each beside its vjp.

Activations reuse ``minikeras.activations``, where each function already sits beside its
derivative: the op's forward is the activation and its vjp the activation's ``backward``.
Losses, ``moments`` and ``normalize`` are compositions of ops.
"""
import numpy as np

from .. import activations as _activations
from ..backend import epsilon as _epsilon
from .core import as_array, constant, differentiable
from .numpy import (_keep_float, add, cast, clip, divide, log, maximum, mean, minimum, multiply, negative,
                    reshape, rsqrt, shape, square, squeeze, subtract, sum, var)
from .numpy import max as _max

__all__ = ["relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish", "log_sigmoid", "leaky_relu",
           "hard_sigmoid", "hard_silu", "hard_swish", "elu", "selu", "gelu", "celu", "glu", "hard_tanh",
           "hard_shrink", "soft_shrink", "tanh_shrink", "sparse_plus", "sparse_sigmoid", "squareplus",
           "sparsemax", "threshold", "softmax", "log_softmax", "one_hot", "multi_hot", "moments",
           "normalize", "batch_normalization", "layer_normalization", "rms_normalization",
           "dot_product_attention", "categorical_crossentropy",
           "sparse_categorical_crossentropy", "binary_crossentropy"]


def _activation_vjp(activation, *parameters, **defaults):
    """The vjp of an op that applies ``activation``, from the activation's own derivative;
    ``parameters`` name the options the op may receive positionally after ``x``, ``defaults``
    the op's defaults where they differ from the activation's."""
    backward = _activations.backward(activation)

    def vjp(g, out, x, *options, **kwargs):
        kwargs = {**defaults, **kwargs, **dict(zip(parameters, options))}
        return (backward(g, x, out, **kwargs),) + (None,) * len(options)
    return vjp


@differentiable(_activation_vjp(_activations.relu6))
def relu6(x):
    """min(max(x, 0), 6)."""
    return _activations.relu6(_keep_float(x))


@differentiable(lambda g, out, x: (g * (out > 0),))
def relu(x):
    """max(x, 0) (integers stay integers, as Keras)."""
    return np.maximum(as_array(x), 0)


@differentiable(lambda g, out, x: (g * out * (1 - out),))
def sigmoid(x):
    """1 / (1 + exp(-x)), without overflow."""
    return _activations.sigmoid(_keep_float(x))


@differentiable(_activation_vjp(_activations.softplus))
def softplus(x):
    """log(1 + exp(x)), without overflow."""
    return _activations.softplus(_keep_float(x))


@differentiable(_activation_vjp(_activations.softsign))
def softsign(x):
    """x / (1 + |x|)."""
    return _activations.softsign(_keep_float(x))


@differentiable(_activation_vjp(_activations.silu))
def silu(x):
    """x * sigmoid(x) (also ``swish``)."""
    return _activations.silu(_keep_float(x))


swish = silu


@differentiable(_activation_vjp(_activations.log_sigmoid))
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return _activations.log_sigmoid(_keep_float(x))


@differentiable(_activation_vjp(_activations.leaky_relu, "negative_slope"))
def leaky_relu(x, negative_slope=0.2):
    """x where x > 0, else negative_slope * x."""
    return _activations.leaky_relu(_keep_float(x), negative_slope=negative_slope)


@differentiable(_activation_vjp(_activations.hard_sigmoid))
def hard_sigmoid(x):
    """relu6(x + 3) / 6."""
    return _activations.hard_sigmoid(_keep_float(x))


@differentiable(_activation_vjp(_activations.hard_silu))
def hard_silu(x):
    """x * hard_sigmoid(x) (also ``hard_swish``)."""
    return _activations.hard_silu(_keep_float(x))


hard_swish = hard_silu


@differentiable(_activation_vjp(_activations.elu, "alpha"))
def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    return _activations.elu(_keep_float(x), alpha=alpha)


@differentiable(_activation_vjp(_activations.selu))
def selu(x):
    """Scaled ELU with the self-normalizing constants."""
    return _activations.selu(_keep_float(x))


@differentiable(_activation_vjp(_activations.gelu, "approximate", approximate=True))
def gelu(x, approximate=True):
    """Gaussian error linear unit (the tanh approximation by default, as ``keras.ops.gelu``)."""
    return _activations.gelu(_keep_float(x), approximate=approximate)


@differentiable(_activation_vjp(_activations.celu, "alpha"))
def celu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x / alpha) - 1)."""
    return _activations.celu(_keep_float(x), alpha=alpha)


@differentiable(_activation_vjp(_activations.glu, "axis"))
def glu(x, axis=-1):
    """a * sigmoid(b) for the two halves (a, b) of x along ``axis``."""
    return _activations.glu(_keep_float(x), axis=axis)


@differentiable(_activation_vjp(_activations.hard_tanh))
def hard_tanh(x):
    """x clipped to [-1, 1]."""
    return _activations.hard_tanh(_keep_float(x))


@differentiable(_activation_vjp(_activations.hard_shrink, "threshold"))
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return _activations.hard_shrink(_keep_float(x), threshold=threshold)


@differentiable(_activation_vjp(_activations.soft_shrink, "threshold"))
def soft_shrink(x, threshold=0.5):
    """x moved towards 0 by ``threshold`` (0 within it)."""
    return _activations.soft_shrink(_keep_float(x), threshold=threshold)


@differentiable(_activation_vjp(_activations.tanh_shrink))
def tanh_shrink(x):
    """x - tanh(x)."""
    return _activations.tanh_shrink(_keep_float(x))


@differentiable(_activation_vjp(_activations.sparse_plus))
def sparse_plus(x):
    """0 below -1, x above 1, (x + 1)**2 / 4 between."""
    return _activations.sparse_plus(_keep_float(x))


@differentiable(_activation_vjp(_activations.sparse_sigmoid))
def sparse_sigmoid(x):
    """clip((x + 1) / 2, 0, 1)."""
    return _activations.sparse_sigmoid(_keep_float(x))


@differentiable(_activation_vjp(_activations.squareplus, "b"))
def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2."""
    return _activations.squareplus(_keep_float(x), b=b)


@differentiable(_activation_vjp(_activations.sparsemax, "axis"))
def sparsemax(x, axis=-1):
    """The Euclidean projection of x onto the probability simplex along ``axis``."""
    return _activations.sparsemax(_keep_float(x), axis=axis)


@differentiable(_activation_vjp(_activations.threshold, "threshold", "default_value"))
def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    return _activations.threshold(_keep_float(x), threshold=threshold, default_value=default_value)


def _softmax_vjp(g, out, x, axis=-1):
    return (out * (g - np.sum(g * out, axis=_tuple_axis(axis), keepdims=True)),)


def _tuple_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


@differentiable(_softmax_vjp)
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis`` (an int or a tuple), shifted by the maximum."""
    x = _keep_float(x)
    axis = _tuple_axis(axis)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax_vjp(g, out, x, axis=-1):
    return (g - np.exp(out) * np.sum(g, axis=_tuple_axis(axis), keepdims=True),)


@differentiable(_log_softmax_vjp)
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``."""
    x = _keep_float(x)
    axis = _tuple_axis(axis)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@constant
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer labels as one-hot vectors along ``axis`` (a label outside [0, num_classes)
    gives zeros); float32 unless ``dtype`` is given."""
    x = np.asarray(x).astype(np.int64)
    out = (x[..., None] == np.arange(num_classes)).astype(dtype or "float32")
    return out if axis == -1 else np.moveaxis(out, -1, axis)


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """A row of ones at each label of each sample (the one-hot vectors' maximum)."""
    num_classes = kwargs.pop("num_tokens", num_classes)
    if num_classes is None:
        raise ValueError("multi_hot: num_classes is required")
    reduction_axis = 1 if len(shape(inputs)) > 1 else 0
    return _max(one_hot(inputs, num_classes, axis=axis, dtype=dtype), axis=reduction_axis)


def moments(x, axes, keepdims=False, synchronized=False):
    """The mean and (population) variance of ``x`` over ``axes``: a pair."""
    if synchronized:
        raise NotImplementedError("moments: synchronized=True (a cross-device mean) has no meaning here")
    return mean(x, axis=axes, keepdims=keepdims), var(x, axis=axes, keepdims=keepdims)


def normalize(x, axis=-1, order=2, epsilon=None):
    """x / max(norm(x, order, axis), epsilon) (Keras: ``keras.ops.normalize``)."""
    from .linalg import norm
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1, got order={order!r}")
    if len(shape(x)) == 0:
        x = reshape(x, (1,))
    epsilon = _epsilon() if epsilon is None else epsilon
    if order == 2:
        inverse = rsqrt(sum(square(x), axis=axis, keepdims=True))
        return multiply(x, minimum(inverse, 1.0 / epsilon))
    return divide(x, maximum(norm(x, ord=order, axis=axis, keepdims=True), epsilon))


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the statistics given per
    position of ``axis``."""
    rank = len(shape(x))
    broadcast = [1] * rank
    broadcast[axis % rank] = shape(x)[axis]

    def along(v):
        return reshape(v, broadcast) if len(shape(v)) == 1 and rank > 1 else v
    out = multiply(subtract(x, along(mean)), rsqrt(add(along(variance), epsilon)))
    if scale is not None:
        out = multiply(out, along(scale))
    if offset is not None:
        out = add(out, along(offset))
    return out


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """(x - mean) / sqrt(variance + epsilon) * gamma + beta, the statistics over ``axis``
    (an int or a list), as Keras's ``ops.layer_normalization``."""
    if kwargs.get("rms_scaling"):
        return rms_normalization(x, gamma, axis=axis, epsilon=epsilon)
    epsilon = _epsilon() if epsilon is None else epsilon
    axes = sorted([axis] if isinstance(axis, int) else list(axis))
    rank = len(shape(x))
    broadcast = [1] * rank
    for a in axes:
        broadcast[a] = shape(x)[a]

    def along(v):
        return reshape(v, broadcast) if v is not None and len(shape(v)) != rank and axes != [rank - 1] else v
    mu, variance = moments(x, axes=axes, keepdims=True)
    inverse = rsqrt(add(variance, epsilon))
    if gamma is not None:
        inverse = multiply(inverse, along(gamma))
    shift = negative(multiply(mu, inverse))
    if beta is not None:
        shift = add(shift, along(beta))
    return add(multiply(x, inverse), shift)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x**2) + epsilon) * scale, over ``axis``."""
    epsilon = _epsilon() if epsilon is None else epsilon
    if len(shape(x)) == 0:
        x = reshape(x, (1,))
    axis = sorted(axis) if isinstance(axis, (list, tuple)) else axis
    out = multiply(x, rsqrt(add(mean(square(x), axis=axis, keepdims=True), epsilon)))
    return out if scale is None else multiply(out, scale)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """softmax(query . key / sqrt(H) + bias, masked) . value for inputs shaped (batch, time,
    heads, head_dim); key/value may have fewer heads, shared by groups of query heads."""
    from .numpy import einsum, repeat, tanh, where
    if flash_attention:
        raise ValueError("dot_product_attention: flash_attention needs a GPU kernel; pass None or False")
    if len(shape(query)) != 4 or len(shape(key)) != 4 or len(shape(value)) != 4:
        raise ValueError("dot_product_attention: query, key and value must be 4-D (batch, time, heads, "
                         f"head_dim), got shapes {shape(query)}, {shape(key)}, {shape(value)}")
    heads, kv_heads = shape(query)[2], shape(key)[2]
    if heads != kv_heads:
        if heads % kv_heads:
            raise ValueError(f"dot_product_attention: query's {heads} heads are not a multiple of key's {kv_heads}")
        key, value = repeat(key, heads // kv_heads, axis=2), repeat(value, heads // kv_heads, axis=2)
    scale = 1.0 / float(np.sqrt(shape(query)[-1])) if scale is None else scale
    logits = multiply(einsum("BTNH,BSNH->BNTS", query, key), scale)
    if attn_logits_soft_cap is not None:
        logits = multiply(tanh(divide(logits, attn_logits_soft_cap)), attn_logits_soft_cap)
    if bias is not None:
        logits = add(logits, bias)
    keep = None if mask is None else np.asarray(_plain_value(mask)).astype(bool)
    if is_causal:
        t, s = shape(query)[1], shape(key)[1]
        causal = np.tril(np.ones((t, s), bool))
        keep = causal if keep is None else keep & causal
    if keep is not None:
        logits = where(keep, logits, float(np.finfo(np.float32).min) * 0.7)
    return einsum("BNTS,BSNH->BTNH", softmax(logits, axis=-1), value)


def _plain_value(x):
    from ..tape import value_of
    return value_of(x)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(target * log(p)) along ``axis``: ``p`` is softmax(output) with ``from_logits``, else
    output rescaled to sum to 1 and clipped to [epsilon, 1 - epsilon] (as Keras)."""
    if shape(target) != shape(output):
        raise ValueError("categorical_crossentropy: target and output must have the same shape, got "
                         f"target of shape {shape(target)} and output of shape {shape(output)}")
    if len(shape(target)) < 1:
        raise ValueError("categorical_crossentropy: target and output must have at least one axis, got "
                         f"shape {shape(target)}")
    return negative(sum(multiply(target, _log_probabilities(output, from_logits, axis)), axis=axis))


def _log_probabilities(output, from_logits, axis):
    if from_logits:
        return log_softmax(output, axis=axis)
    output = divide(output, sum(output, axis=axis, keepdims=True))
    return log(clip(output, _epsilon(), 1.0 - _epsilon()))


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """``categorical_crossentropy`` with integer class indices as the target (a trailing axis of
    1 on the target is dropped)."""
    if len(shape(target)) == len(shape(output)) and shape(target)[-1] == 1:
        target = squeeze(target, axis=-1)
    if len(shape(output)) < 1:
        raise ValueError(f"sparse_categorical_crossentropy: output must have at least one axis, got shape "
                         f"{shape(output)}")
    if tuple(shape(target)) != tuple(shape(output)[:-1]):
        raise ValueError("sparse_categorical_crossentropy: target and output must have the same shape up to "
                         f"output's last axis, got target of shape {tuple(shape(target))} and output of shape "
                         f"{shape(output)}")
    labels = one_hot(cast(target, "int32"), shape(output)[axis], axis=axis)
    return negative(sum(multiply(labels, _log_probabilities(output, from_logits, axis)), axis=axis))


def binary_crossentropy(target, output, from_logits=False):
    """-(target * log(p) + (1 - target) * log(1 - p)) elementwise: ``p`` is sigmoid(output) with
    ``from_logits`` (computed as log_sigmoid, stable for any logit), else output clipped to
    [epsilon, 1 - epsilon]."""
    if shape(target) != shape(output):
        raise ValueError("binary_crossentropy: target and output must have the same shape, got target of "
                         f"shape {shape(target)} and output of shape {shape(output)}")
    if from_logits:
        log_p, log_not_p = log_sigmoid(output), log_sigmoid(negative(output))
    else:
        p = clip(output, _epsilon(), 1.0 - _epsilon())
        log_p, log_not_p = log(p), log(subtract(1.0, p))
    return negative(add(multiply(target, log_p), multiply(subtract(1.0, target), log_not_p)))
