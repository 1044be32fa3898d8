"""Activation functions, each written next to its derivative.

Every function takes and returns float32 arrays. The derivative of ``f`` is
``backward(f)(grad, x, y)``: the gradient with respect to the input ``x`` given the
gradient ``grad`` with respect to the output ``y = f(x)``. Most derivatives are written
against the output ``y``, which the forward pass has already computed.
"""
import warnings

import numpy as np

from .registry import Registry

_registry = Registry("activation")
_backward = {}


def _activation(*names, backward):
    def decorator(fn):
        _registry.register(fn, fn.__name__, *names)
        _backward[fn] = backward
        return fn
    return decorator


@_activation(backward=lambda g, x, y: g)
def linear(x):
    """Identity (Keras: ``linear``)."""
    return x


def _relu_backward(g, x, y, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return g * (x > 0)
    slope = np.where(x > threshold, 1, negative_slope).astype(g.dtype)
    if max_value is not None:
        slope *= x < max_value
    return g * slope


@_activation(backward=_relu_backward)
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit: max(x, 0), with Keras's optional slope, cap and threshold.

    As in Keras: x where x > threshold, else ``negative_slope * (x - threshold)``; the
    positive part is capped at ``max_value``.
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return np.maximum(x, 0, dtype=x.dtype)
    y = np.where(x > threshold, x, 0).astype(x.dtype, copy=False)
    if max_value is not None:
        y = np.minimum(y, max_value).astype(x.dtype, copy=False)
    if negative_slope != 0.0:
        y = y - (negative_slope * np.maximum(threshold - x, 0)).astype(x.dtype, copy=False)
    return y


@_activation(backward=lambda g, x, y: g * ((x > 0) & (x < 6)))
def relu6(x):
    """min(max(x, 0), 6)."""
    return np.clip(x, 0, 6)


def _sigmoid_backward(g, x, y):
    return g * y * (1 - y)


@_activation(backward=_sigmoid_backward)
def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow for any x."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


@_activation(backward=lambda g, x, y: g * (1 - y * y))
def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(x)


def _warn_softmax_of_one(shape, axis):
    warnings.warn(f"You are using a softmax over axis {axis} of a tensor of shape {shape}. This axis has "
                  "size 1. The softmax operation will always return the value 1, which is likely not what "
                  "you intended. Did you mean to use a sigmoid instead?", stacklevel=3)


def _softmax_backward(g, x, y, axis=-1):
    return y * (g - np.sum(g * y, axis=axis, keepdims=True))


@_activation(backward=_softmax_backward)
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, shifted by the maximum for stability.

    Warns, with Keras 3's message, when that axis has size 1 (``Dense(1, activation="softmax")``):
    the result is then always 1.
    """
    if isinstance(axis, int) and -x.ndim <= axis < x.ndim and x.shape[axis] == 1:
        _warn_softmax_of_one(x.shape, axis)
    e = np.subtract(x, np.maximum.reduce(x, axis=axis, keepdims=True))
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=axis, keepdims=True)
    return e


def _log_softmax_backward(g, x, y, axis=-1):
    return g - np.exp(y) * np.sum(g, axis=axis, keepdims=True)


@_activation(backward=_log_softmax_backward)
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _leaky_relu_backward(g, x, y, negative_slope=0.2):
    return g * np.where(x > 0, 1, negative_slope).astype(g.dtype)


@_activation(backward=_leaky_relu_backward)
def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, ``negative_slope * x`` otherwise (Keras's function default is 0.2)."""
    return np.where(x > 0, x, negative_slope * x).astype(x.dtype, copy=False)


def _elu_backward(g, x, y, alpha=1.0):
    # d/dx alpha * (exp(x) - 1) = alpha * exp(x) = y + alpha
    return g * np.where(x > 0, 1, y + alpha).astype(g.dtype)


@_activation(backward=_elu_backward)
def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)


_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


@_activation(backward=lambda g, x, y: g * np.where(x > 0, _SELU_SCALE, y + _SELU_SCALE * _SELU_ALPHA)
             .astype(x.dtype))
def selu(x):
    """Scaled ELU with the self-normalizing constants."""
    neg = (_SELU_SCALE * _SELU_ALPHA) * np.expm1(np.minimum(x, 0))
    return np.where(x > 0, _SELU_SCALE * x, neg).astype(x.dtype, copy=False)


def _erf(x):
    # Abramowitz & Stegun 7.1.26, |error| < 1.5e-7: below float32 resolution near 1.
    t = 1 / (1 + 0.3275911 * np.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1 - poly * np.exp(-x * x))


_SQRT_2_OVER_PI = 0.7978845608028654


def _gelu_backward(g, x, y, approximate=False):
    if approximate:
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)
        th = np.tanh(inner)
        d_inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
        return g * (0.5 * (1 + th) + 0.5 * x * (1 - th * th) * d_inner)
    cdf = 0.5 * (1 + _erf(x / np.sqrt(2)))
    pdf = np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)
    return g * (cdf + x * pdf)


@_activation(backward=_gelu_backward)
def gelu(x, approximate=False):
    """Gaussian error linear unit, exact (erf) by default or the tanh approximation."""
    if approximate:
        # 0.5 * (1 + tanh(u)) == sigmoid(2u): the same function without the cancellation of
        # 1 + tanh(u) near u = -inf, where float32 tanh is only good to one ulp of 1.
        inner = _SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)
        return (x * sigmoid((2 * inner).astype(x.dtype, copy=False))).astype(x.dtype, copy=False)
    return (0.5 * x * (1 + _erf(x / np.sqrt(2)))).astype(x.dtype, copy=False)


@_activation(backward=lambda g, x, y: g * sigmoid(x))
def softplus(x):
    """log(1 + exp(x)), stable for large |x|."""
    return (np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)).astype(x.dtype, copy=False)


@_activation(backward=lambda g, x, y: g / np.square(1 + np.abs(x)))
def softsign(x):
    """x / (1 + |x|)."""
    return x / (1 + np.abs(x))


def _silu_backward(g, x, y):
    s = sigmoid(x)
    return g * (s + y * (1 - s))


@_activation("swish", backward=_silu_backward)
def silu(x):
    """x * sigmoid(x), also known as swish."""
    return x * sigmoid(x)


swish = silu


@_activation(backward=lambda g, x, y: g * (((x > -3) & (x < 3)) / np.float32(6)).astype(x.dtype))
def hard_sigmoid(x):
    """relu6(x + 3) / 6, i.e. clip(x / 6 + 0.5, 0, 1) (Keras 3; Keras 2 used 0.2x + 0.5)."""
    return np.clip(x / np.float32(6) + np.float32(0.5), 0, 1).astype(x.dtype, copy=False)


def _hard_silu_backward(g, x, y):
    return g * np.where(x <= -3, 0, np.where(x >= 3, 1, x / 3 + 0.5)).astype(x.dtype)


@_activation("hard_swish", backward=_hard_silu_backward)
def hard_silu(x):
    """x * hard_sigmoid(x)."""
    return x * hard_sigmoid(x)


hard_swish = hard_silu


@_activation(backward=lambda g, x, y: g * y)
def exponential(x):
    """exp(x)."""
    return np.exp(x)


# -- Keras 3's newer activations -----------------------------------------------------------------

def _celu_backward(g, x, y, alpha=1.0):
    return g * np.where(x > 0, 1, np.exp(np.minimum(x, 0) / alpha)).astype(g.dtype, copy=False)


@_activation(backward=_celu_backward)
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)."""
    return (np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha)).astype(x.dtype, copy=False)


def _glu_halves(x, axis):
    if x.shape[axis] % 2:
        raise ValueError(f"glu needs an even size along axis {axis}, got input shape {x.shape}")
    return np.split(x, 2, axis=axis)


def _glu_backward(g, x, y, axis=-1):
    a, b = _glu_halves(x, axis)
    s = sigmoid(b)
    # y = a * s(b): dy/da = s(b), dy/db = a * s(b) * (1 - s(b))
    return np.concatenate([g * s, g * a * s * (1 - s)], axis=axis)


@_activation(backward=_glu_backward)
def glu(x, axis=-1):
    """Gated linear unit: ``a * sigmoid(b)`` where ``a, b`` are the two halves of ``x`` along
    ``axis``, so the output is half as wide along ``axis`` (the size there must be even)."""
    a, b = _glu_halves(x, axis)
    return (a * sigmoid(b)).astype(x.dtype, copy=False)


@_activation(backward=lambda g, x, y, threshold=0.5: g * (np.abs(x) > threshold))
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return np.where(np.abs(x) > threshold, x, 0).astype(x.dtype, copy=False)


@_activation(backward=lambda g, x, y: g * ((x > -1) & (x < 1)))
def hard_tanh(x):
    """clip(x, -1, 1)."""
    return np.clip(x, -1, 1).astype(x.dtype, copy=False)


@_activation(backward=lambda g, x, y: g * sigmoid(-x))
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), finite for any x."""
    return -softplus(-x)


def _mish_backward(g, x, y):
    t = np.tanh(softplus(x))
    # d/dx x * tanh(sp(x)) = t + x * (1 - t^2) * sp'(x), and sp' = sigmoid
    return g * (t + x * (1 - t * t) * sigmoid(x))


@_activation(backward=_mish_backward)
def mish(x):
    """x * tanh(softplus(x))."""
    return x * np.tanh(softplus(x))


@_activation(backward=lambda g, x, y, threshold=0.5: g * (np.abs(x) > threshold))
def soft_shrink(x, threshold=0.5):
    """x - threshold where x > threshold, x + threshold where x < -threshold, else 0."""
    return np.where(x > threshold, x - threshold, np.where(x < -threshold, x + threshold, 0)) \
        .astype(x.dtype, copy=False)


@_activation(backward=lambda g, x, y: g * np.clip((x + 1) / 2, 0, 1).astype(x.dtype, copy=False))
def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1 (a smooth-at-the-joins relu)."""
    return np.where(x <= -1, 0, np.where(x < 1, np.square(x + 1) / 4, x)).astype(x.dtype, copy=False)


@_activation(backward=lambda g, x, y: g * (((x > -1) & (x < 1)) / np.float32(2)).astype(x.dtype))
def sparse_sigmoid(x):
    """clip((x + 1) / 2, 0, 1)."""
    return np.clip((x + 1) / 2, 0, 1).astype(x.dtype, copy=False)


def _sparsemax_backward(g, x, y, axis=-1):
    # On the support S (y > 0) the Jacobian is I - 1 1^T / |S|; zero off it.
    s = (y > 0).astype(g.dtype)
    mean = np.sum(g * s, axis=axis, keepdims=True) / np.sum(s, axis=axis, keepdims=True)
    return s * (g - mean)


@_activation(backward=_sparsemax_backward)
def sparsemax(x, axis=-1):
    """Euclidean projection of ``x`` onto the probability simplex along ``axis`` (Martins &
    Astudillo 2016): max(x - tau, 0), with tau chosen so each slice sums to 1.

    Differs from Keras 3.15, whose tau sums every cumulative sum in the support instead of
    taking the k-th one (keras-team/keras#23425, fixed by #23469): both agree only when a
    single element is in the support.
    """
    z = -np.sort(-x, axis=axis)
    cumsum = np.cumsum(z, axis=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    r = np.arange(1, x.shape[axis] + 1, dtype=x.dtype).reshape(shape)
    k = np.sum(z - (cumsum - 1) / r > 0, axis=axis, keepdims=True)
    tau = (np.take_along_axis(cumsum, k - 1, axis=axis) - 1) / k
    return np.maximum(x - tau.astype(x.dtype, copy=False), 0)


def _squareplus_backward(g, x, y, b=4):
    # d/dx (x + r) / 2 with r = sqrt(x^2 + b) is (1 + x / r) / 2 = y / r; r = 2 * hypot(x/2, sqrt(b)/2)
    return g * (y / (2 * np.hypot(x / 2, np.sqrt(np.asarray(b, x.dtype)) / 2)))


@_activation(backward=_squareplus_backward)
def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2.

    Written as (b / 4) / (h - x / 2) for x < 0, with h = hypot(x, sqrt(b)) / 2, so it keeps
    float32 precision for large negative x and nothing overflows for any finite x (Keras's
    direct formula returns 0 at x = -1e4, where the value is 1e-4, and inf beyond |x| ~ 1.8e19).
    """
    half_x = x / 2
    h = np.hypot(half_x, np.sqrt(np.asarray(b, x.dtype)) / 2)
    return np.where(x >= 0, half_x + h, (b / 4) / (h - np.minimum(half_x, 0))).astype(x.dtype, copy=False)


@_activation(backward=lambda g, x, y: g * np.square(np.tanh(x)))
def tanh_shrink(x):
    """x - tanh(x)."""
    return x - np.tanh(x)


@_activation(backward=lambda g, x, y, threshold, default_value: g * (x > threshold))
def threshold(x, threshold, default_value):
    """x where x > threshold, else ``default_value`` (both arguments required, as in Keras, so a
    layer cannot use it by name alone)."""
    return np.where(x > threshold, x, default_value).astype(x.dtype, copy=False)


def get(identifier):
    """Resolve an activation name, config or callable (None means ``linear``).

    A layer without weights (``LeakyReLU(0.2)``, ``ELU()``, ``Softmax()``, ``Activation("tanh")``)
    may be given as an activation, as in Keras; its config, as Keras writes it (module
    ``keras.layers``), resolves to the layer. A layer with weights (PReLU) is refused: minikeras
    would not train them; put it after the layer instead.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict) and identifier.get("module") == "keras.layers":
        identifier = _LAYERS["deserialize"](identifier)
    activation = _registry.get(identifier)
    _check_layer_activation(activation)
    return activation


# The layer base class and the layer (de)serializers, installed by minikeras.layers (which
# builds on this module), for layers used as activations.
_LAYERS = {}


def install_layers(layer_class, serialize_layer, deserialize_layer):
    _LAYERS.update(Layer=layer_class, serialize=serialize_layer, deserialize=deserialize_layer)


def _layer_class():
    return _LAYERS.get("Layer", ())  # () before minikeras.layers is imported: isinstance is False


def _check_layer_activation(activation):
    layer = _layer_class()
    if isinstance(activation, layer) and (type(activation).build is not layer.build or activation.weights):
        name = type(activation).__name__
        raise ValueError(f"A {name} layer has weights, so it cannot be used as another layer's activation "
                         f"in minikeras (its weights would not be trained): add a separate {name}() layer "
                         "after this one instead")


def serialize(activation):
    """The name Keras writes for an activation in a layer config (a layer's config for a layer)."""
    if isinstance(activation, _layer_class()):
        return _LAYERS["serialize"](activation)
    return _registry.serialize(activation)


def deserialize(config, custom_objects=None):
    if isinstance(config, dict) and config.get("module") == "keras.layers":
        return _LAYERS["deserialize"](config, custom_objects)
    return _registry.get(config, custom_objects)


def backward(activation):
    """The derivative ``(grad, x, y) -> grad_x`` of an activation.

    A user activation registered without a derivative can run forward (predict) but not
    train until the function is given a ``backward(grad, x, y)`` attribute.
    """
    if isinstance(activation, _layer_class()):
        return _layer_backward(activation)
    fn = _backward.get(activation) or getattr(activation, "backward", None)
    if fn is None:
        name = getattr(activation, "__name__", repr(activation))
        raise ValueError(f"Activation {name!r} has no derivative, so it cannot be trained. Give "
                         f"the function a `backward(grad, x, y)` attribute returning the input "
                         f"gradient, or use a built-in: {', '.join(_registry.names())}")
    return fn


def _layer_backward(layer):
    """``(grad, x, y) -> grad_x`` through a weightless layer used as an activation: its forward
    is run again on ``x`` in training mode (so its backward has what it keeps), then its backward."""
    def backward(grad, x, y):
        layer.call(x, training=True)
        return layer.backward(grad)
    return backward


def _relu_in_place(z):
    return np.maximum(z, 0, out=z)


def _softmax_in_place(z):
    if z.shape[-1] == 1:
        _warn_softmax_of_one(z.shape, -1)
    z -= np.maximum.reduce(z, axis=-1, keepdims=True)
    np.exp(z, out=z)
    z /= np.add.reduce(z, axis=-1, keepdims=True)
    return z


# Activations a layer may apply in place on its own pre-activation array, each with a
# derivative written against the output alone (so the layer keeps one array, not two).
_IN_PLACE = {
    relu: (_relu_in_place, lambda g, y: g * (y > 0)),
    softmax: (_softmax_in_place, lambda g, y: _softmax_backward(g, None, y)),
}


def in_place(activation):
    """``(forward_in_place(z) -> z, backward(grad, y))`` for ``activation``, or None.

    Only for activations whose derivative needs only the output (``relu`` with Keras's
    defaults, ``softmax`` on the last axis); results equal ``activation(z)`` exactly.
    """
    return _IN_PLACE.get(activation)


def output_shape(activation, input_shape):
    """The shape ``activation`` gives an input of ``input_shape`` when a layer applies it with
    its default arguments: the same shape, except ``glu``, which halves the last axis.

    Keras's Dense and Activation report the input shape even for glu (``Dense(4,
    activation="glu")`` says ``(None, 4)`` and returns 2 columns); minikeras reports the width
    the layer really returns, so the next layer is built for it.
    """
    shape = tuple(input_shape)
    if activation is not glu or shape[-1] is None:
        return shape
    if shape[-1] % 2:
        raise ValueError(f"activation 'glu' halves the last axis, so it needs an even size there, "
                         f"got shape {shape}")
    return shape[:-1] + (shape[-1] // 2,)
