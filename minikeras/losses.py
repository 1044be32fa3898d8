"""Losses: per-sample values, Keras reductions, and the gradient of the reduced loss.

A ``Loss`` is called as ``loss(y_true, y_pred, sample_weight=None)`` and returns the
reduced scalar, like Keras. ``gradient(y_true, y_pred, sample_weight=None)`` returns
dL/dy_pred of that scalar. Cross-entropy after a softmax or sigmoid is differentiated
through both at once (``gradient_wrt_logits``), which gives ``p - y``: exact, fast and
stable where the separate derivatives would divide by probabilities near zero.

Each loss is also a function returning per-sample values (``keras.losses.mse(y_true, y_pred)``).
"""
import functools
import inspect
import warnings

import numpy as np

from . import activations, ops
from .registry import Registry
from .tape import Tracer, recording, value_of

EPSILON = 1e-7
REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")
_registry = Registry("loss")
_f32 = np.float32


def _as_float(a):
    a = np.asarray(a)
    return a if a.dtype == np.float32 else a.astype(np.float32)


def _recordable(fn):
    """Let the per-sample function ``fn`` take a recorded prediction: it is then one tape
    entry whose vjp is the loss's hand-written elementwise gradient (``keras.losses.mse(y,
    model(x))`` in a custom ``train_step`` or ``compute_loss``)."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def loss_function(y_true, y_pred, *args, **kwargs):
        if type(y_pred) is not Tracer or recording() is None:
            return fn(y_true, value_of(y_pred), *args, **kwargs)
        options = dict(signature.bind(y_true, y_pred, *args, **kwargs).arguments)
        options.pop("y_true"), options.pop("y_pred")
        cls = _function_classes[loss_function]
        accepted = inspect.signature(cls.__init__).parameters
        if "axis" in options and "axis" not in accepted and options["axis"] in (-1,):
            options.pop("axis")
        loss = cls(reduction="none", **options)
        labels = loss.prepare(y_true, y_pred.value)
        p = loss._pred_like(labels, y_pred.value)
        values = np.asarray(loss.call(labels, p), dtype=np.float32)
        grad = loss.elementwise_gradient(labels, p)
        axis = loss.value_axis
        axes = tuple(range(grad.ndim)) if axis is None else tuple(sorted(a % grad.ndim for a in np.atleast_1d(axis)))
        shape = y_pred.value.shape
        out = Tracer(values)
        recording().record((out,), (y_pred,), lambda g: (
            (grad * np.expand_dims(np.asarray(g, grad.dtype), axes)).reshape(shape),))
        return out

    return loss_function


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """``x1`` and ``x2`` brought to the same rank as Keras 3 brings them before a loss or metric.

    When the ranks differ by one and the longer one ends in an axis of 1, that axis is dropped;
    but when the other one is 1-D (and ``expand_rank_1``), an axis of 1 is added to it instead.
    So labels (n,) against predictions (n, 1) both become (n, 1), and labels (n, t) against
    predictions (n, t, 1) both become (n, t). Other shapes are returned as they are.
    """
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[:, None]
        else:
            x1 = x1[..., 0]
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[:, None]
        else:
            x2 = x2[..., 0]
    return x1, x2


def _same_rank(name, y_true, y_pred):
    """float32 labels and predictions at the same rank (Keras's rule), checked to have one shape.

    Keras would broadcast what is left different (labels (n, 3) against predictions (n,)
    give an (n, n)-sized mean); that is never meant, so it is an error here.
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(_as_float(y_true), _as_float(y_pred))
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{name} expects y_true and y_pred of the same shape (or shapes that differ by a "
                         f"trailing axis of 1), got y_true {y_true.shape} and y_pred {y_pred.shape}")
    return y_true, y_pred


def _check_same_shape(name, y_true, y_pred):
    """``y_true`` at the rank Keras brings it to against ``y_pred`` (``_pred_like`` then brings
    ``y_pred`` to the same shape), or a ValueError naming both shapes."""
    return _same_rank(name, y_true, y_pred)[0]


def _pred_like(y_true, y_pred):
    """``y_pred`` with a trailing axis of 1 added or dropped where Keras changes its rank to match
    labels already passed through ``_check_same_shape``."""
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1 and y_true.shape[:-1] == y_pred.shape:
        return y_pred[..., None]
    if y_pred.ndim == y_true.ndim + 1 and y_pred.shape[-1] == 1 and y_pred.shape[:-1] == y_true.shape:
        return y_pred[..., 0]
    return y_pred


# --------------------------------------------------------------------------------------
# Per-sample functions, each followed by its elementwise derivative d(value)/d(y_pred).
# --------------------------------------------------------------------------------------

@_recordable
def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true)**2) over the last axis."""
    y_true, y_pred = _same_rank("mean_squared_error", y_true, y_pred)
    return np.mean(np.square(y_pred - y_true), axis=-1)


def _mean_squared_error_grad(y_true, y_pred):
    return (y_pred - y_true) * _f32(2 / y_pred.shape[-1])


@_recordable
def mean_absolute_error(y_true, y_pred):
    """mean(|y_pred - y_true|) over the last axis."""
    y_true, y_pred = _same_rank("mean_absolute_error", y_true, y_pred)
    return np.mean(np.abs(y_pred - y_true), axis=-1)


def _mean_absolute_error_grad(y_true, y_pred):
    return np.sign(y_pred - y_true) * _f32(1 / y_pred.shape[-1])


@_recordable
def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, eps)) over the last axis."""
    y_true, y_pred = _same_rank("mean_absolute_percentage_error", y_true, y_pred)
    return _f32(100) * np.mean(np.abs(y_true - y_pred) / np.maximum(np.abs(y_true), _f32(EPSILON)), axis=-1)


def _mean_absolute_percentage_error_grad(y_true, y_pred):
    return np.sign(y_pred - y_true) * _f32(100 / y_pred.shape[-1]) / np.maximum(np.abs(y_true), _f32(EPSILON))


@_recordable
def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(1 + y_pred) - log(1 + y_true))**2), inputs floored at eps."""
    y_true, y_pred = _same_rank("mean_squared_logarithmic_error", y_true, y_pred)
    diff = np.log1p(np.maximum(y_pred, _f32(EPSILON))) - np.log1p(np.maximum(y_true, _f32(EPSILON)))
    return np.mean(np.square(diff), axis=-1)


def _mean_squared_logarithmic_error_grad(y_true, y_pred):
    clipped = np.maximum(y_pred, _f32(EPSILON))
    diff = np.log1p(clipped) - np.log1p(np.maximum(y_true, _f32(EPSILON)))
    return diff * _f32(2 / y_pred.shape[-1]) / (1 + clipped) * (y_pred > EPSILON)


@_recordable
def huber(y_true, y_pred, delta=1.0):
    """0.5 * e**2 where |e| <= delta, else delta * (|e| - delta / 2); mean over the last axis."""
    y_true, y_pred = _same_rank("huber", y_true, y_pred)
    error = np.abs(y_pred - y_true)
    quadratic = np.minimum(error, _f32(delta))
    return np.mean(_f32(0.5) * quadratic * quadratic + _f32(delta) * (error - quadratic), axis=-1)


def _huber_grad(y_true, y_pred, delta=1.0):
    return np.clip(y_pred - y_true, -delta, delta).astype(np.float32) * _f32(1 / y_pred.shape[-1])


@_recordable
def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis, without overflow."""
    y_true, y_pred = _same_rank("log_cosh", y_true, y_pred)
    e = y_pred - y_true
    return np.mean(e + np.logaddexp(_f32(0), _f32(-2) * e) - _f32(np.log(2)), axis=-1)


def _log_cosh_grad(y_true, y_pred):
    return np.tanh(y_pred - y_true) * _f32(1 / y_pred.shape[-1])


@_recordable
def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred)), both clipped to [eps, 1]."""
    y_true, y_pred = _same_rank("kl_divergence", y_true, y_pred)
    t = np.clip(y_true, EPSILON, 1).astype(np.float32)
    p = np.clip(y_pred, EPSILON, 1).astype(np.float32)
    return np.sum(t * np.log(t / p), axis=-1)


def _kl_divergence_grad(y_true, y_pred):
    t = np.clip(y_true, EPSILON, 1).astype(np.float32)
    inside = (y_pred > EPSILON) & (y_pred < 1)
    return -t / np.clip(y_pred, EPSILON, 1).astype(np.float32) * inside


def _hinge_labels(y_true):
    # Keras turns {0, 1} labels into {-1, 1} before a hinge loss.
    if np.all((y_true == 0) | (y_true == 1)):
        return 2 * y_true - 1
    return y_true


@_recordable
def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)); labels 0/1 are read as -1/1."""
    y_true, y_pred = _same_rank("hinge", y_true, y_pred)
    return np.mean(np.maximum(1 - _hinge_labels(y_true) * y_pred, 0), axis=-1)


def _hinge_grad(y_true, y_pred):
    t = _hinge_labels(y_true)
    return -t * (1 - t * y_pred > 0) * _f32(1 / y_pred.shape[-1])


@_recordable
def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)**2); labels 0/1 are read as -1/1."""
    y_true, y_pred = _same_rank("squared_hinge", y_true, y_pred)
    return np.mean(np.square(np.maximum(1 - _hinge_labels(y_true) * y_pred, 0)), axis=-1)


def _squared_hinge_grad(y_true, y_pred):
    t = _hinge_labels(y_true)
    return -2 * t * np.maximum(1 - t * y_pred, 0) * _f32(1 / y_pred.shape[-1])


@_recordable
def categorical_hinge(y_true, y_pred):
    """max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)."""
    y_true, y_pred = _same_rank("categorical_hinge", y_true, y_pred)
    pos = np.sum(y_true * y_pred, axis=-1)
    neg = np.max((1 - y_true) * y_pred, axis=-1)
    return np.maximum(neg - pos + 1, 0)


def _categorical_hinge_grad(y_true, y_pred):
    masked = (1 - y_true) * y_pred
    pos = np.sum(y_true * y_pred, axis=-1, keepdims=True)
    neg = np.max(masked, axis=-1, keepdims=True)
    top = np.zeros_like(y_pred)
    np.put_along_axis(top, np.argmax(masked, axis=-1)[..., None], 1, axis=-1)
    return (top * (1 - y_true) - y_true) * ((neg - pos + 1) > 0)


@_recordable
def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + eps)) over the last axis."""
    y_true, y_pred = _same_rank("poisson", y_true, y_pred)
    return np.mean(y_pred - y_true * np.log(y_pred + _f32(EPSILON)), axis=-1)


def _poisson_grad(y_true, y_pred):
    return (1 - y_true / (y_pred + _f32(EPSILON))) * _f32(1 / y_pred.shape[-1])


def _l2_normalize(x, axis):
    return x / np.sqrt(np.maximum(np.sum(x * x, axis=axis, keepdims=True), _f32(1e-12)))


@_recordable
def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred)) along ``axis``."""
    y_true, y_pred = _same_rank("cosine_similarity", y_true, y_pred)
    return -np.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def _cosine_similarity_grad(y_true, y_pred, axis=-1):
    norm = np.sqrt(np.maximum(np.sum(y_pred * y_pred, axis=axis, keepdims=True), _f32(1e-12)))
    unit = y_pred / norm
    t = _l2_normalize(y_true, axis)
    return -(t - np.sum(t * unit, axis=axis, keepdims=True) * unit) / norm


@_recordable
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean binary cross-entropy over ``axis``; probabilities clipped to [eps, 1 - eps] in float32."""
    y_true, y_pred = _same_rank("binary_crossentropy", y_true, y_pred)
    y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        values = np.maximum(y_pred, 0) - y_pred * y_true + np.log1p(np.exp(-np.abs(y_pred)))
    else:
        p = np.clip(y_pred, _f32(EPSILON), _f32(1 - EPSILON))
        values = -(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    return np.mean(values, axis=axis)


def _smooth_binary(y_true, label_smoothing):
    return y_true if not label_smoothing else y_true * _f32(1 - label_smoothing) + _f32(0.5 * label_smoothing)


@_recordable
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y_true * log(p)); probabilities are divided by their sum and clipped to [eps, 1 - eps].

    Warns as Keras 3 does (a ``SyntaxWarning``) when ``y_pred`` has one class: the loss is then 0.
    """
    y_true, y_pred = _same_rank("categorical_crossentropy", y_true, y_pred)
    y_true = _smooth_categorical(y_true, label_smoothing, axis)
    if y_pred.ndim and y_pred.shape[axis] == 1:
        warnings.warn("In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, num_classes) "
                      f"with num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider using "
                      "'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    if from_logits:
        return -np.sum(y_true * activations.log_softmax(y_pred, axis=axis), axis=axis)
    p = y_pred / np.sum(y_pred, axis=axis, keepdims=True)
    np.clip(p, _f32(EPSILON), _f32(1 - EPSILON), out=p)
    return -np.sum(y_true * np.log(p), axis=axis)


def _smooth_categorical(y_true, label_smoothing, axis):
    if not label_smoothing:
        return y_true
    return y_true * _f32(1 - label_smoothing) + _f32(label_smoothing / y_true.shape[axis])


# -- focal cross-entropies and overlap losses (Keras 3) ---------------------------------------

@_recordable
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over ``axis`` of ``(1 - p_t)**gamma * bce``, ``p_t = y p + (1 - y)(1 - p)``; with
    ``apply_class_balancing`` each term is also weighted by ``alpha`` (y = 1) or ``1 - alpha``.
    The cross-entropy clips ``p`` to [eps, 1 - eps] as binary_crossentropy does; ``p_t`` does not."""
    y_true, y_pred = _same_rank("binary_focal_crossentropy", y_true, y_pred)
    y_true = _smooth_binary(y_true, label_smoothing)
    p = activations.sigmoid(y_pred) if from_logits else y_pred
    clipped = np.clip(p, _f32(EPSILON), _f32(1 - EPSILON))
    bce = -(y_true * np.log(clipped) + (1 - y_true) * np.log(1 - clipped))
    p_t = y_true * p + (1 - y_true) * (1 - p)
    focal = np.power(1 - p_t, _f32(gamma)) * bce
    if apply_class_balancing:
        focal = focal * (y_true * _f32(alpha) + (1 - y_true) * _f32(1 - alpha))
    return np.mean(focal, axis=axis)


def _binary_focal_crossentropy_grad(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                                    from_logits=False, label_smoothing=0.0, axis=-1):
    t = _smooth_binary(y_true, label_smoothing)
    p = activations.sigmoid(y_pred) if from_logits else y_pred
    clipped = np.clip(p, _f32(EPSILON), _f32(1 - EPSILON))
    bce = -(t * np.log(clipped) + (1 - t) * np.log(1 - clipped))
    inside = (p > EPSILON) & (p < 1 - EPSILON)
    d_bce = (clipped - t) / (clipped * (1 - clipped)) * inside
    one_minus = 1 - (t * p + (1 - t) * (1 - p))
    gamma = _f32(gamma)
    # d(1 - p_t)^gamma / dp = -gamma (1 - p_t)^(gamma - 1) (2t - 1)
    d_focal = -gamma * np.power(np.maximum(one_minus, _f32(1e-30)), gamma - 1) * (2 * t - 1) if gamma else 0
    grad = d_focal * bce + np.power(one_minus, gamma) * d_bce
    if apply_class_balancing:
        grad = grad * (t * _f32(alpha) + (1 - t) * _f32(1 - alpha))
    if from_logits:
        grad = grad * p * (1 - p)
    return (grad * _f32(1 / y_pred.shape[axis])).astype(np.float32)


@_recordable
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum over ``axis`` of ``-alpha (1 - p)**gamma y log(p)``, ``p`` the predictions divided by
    their sum (a softmax of logits) and clipped to [eps, 1 - eps], as Keras computes it."""
    y_true, y_pred = _same_rank("categorical_focal_crossentropy", y_true, y_pred)
    if y_pred.ndim and y_pred.shape[-1] == 1:
        warnings.warn("In loss categorical_focal_crossentropy, expected y_pred.shape to be (batch_size, "
                      f"num_classes) with num_classes > 1. Received: y_pred.shape={y_pred.shape}. Consider "
                      "using 'binary_crossentropy' if you only have 2 classes.", SyntaxWarning, stacklevel=2)
    y_true = _smooth_categorical(y_true, label_smoothing, axis)
    p = activations.softmax(y_pred, axis=axis) if from_logits else y_pred
    p = np.clip(p / np.sum(p, axis=axis, keepdims=True), _f32(EPSILON), _f32(1 - EPSILON))
    return np.sum(_f32(alpha) * np.power(1 - p, _f32(gamma)) * -y_true * np.log(p), axis=axis)


def _categorical_focal_crossentropy_grad(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                         label_smoothing=0.0, axis=-1):
    t = _smooth_categorical(y_true, label_smoothing, axis)
    p = activations.softmax(y_pred, axis=axis) if from_logits else y_pred
    total = np.sum(p, axis=axis, keepdims=True)
    ratio = p / total
    o = np.clip(ratio, _f32(EPSILON), _f32(1 - EPSILON))
    gamma, alpha = _f32(gamma), _f32(alpha)
    # d value / d o_k, zero where the clip holds o_k
    d_o = alpha * (gamma * np.power(1 - o, gamma - 1) * t * np.log(o) - np.power(1 - o, gamma) * t / o) \
        * ((ratio > EPSILON) & (ratio < 1 - EPSILON))
    # o = p / sum(p): d o_k / d p_j = (delta_kj - o_k) / sum(p)
    grad = (d_o - np.sum(d_o * ratio, axis=axis, keepdims=True)) / total
    if from_logits:  # through the softmax: the sum term of its Jacobian vanishes here
        grad = p * grad
    return grad.astype(np.float32)


def _axes(axis):
    """``axis`` as NumPy takes it: a list (as configs hold it) becomes a tuple."""
    return tuple(axis) if isinstance(axis, list) else axis


@_recordable
def dice(y_true, y_pred, axis=None):
    """``1 - 2 sum(y p) / (sum(y) + sum(p) + eps)`` over ``axis`` (None: the whole batch, one value)."""
    y_true, y_pred = _same_rank("dice", y_true, y_pred)
    axis = _axes(axis)
    intersection = np.sum(y_true * y_pred, axis=axis)
    return 1 - _f32(2) * intersection / (np.sum(y_true, axis=axis) + np.sum(y_pred, axis=axis) + _f32(EPSILON))


def _dice_grad(y_true, y_pred, axis=None):
    axis = _axes(axis)
    keep = {"axis": axis, "keepdims": True}
    denominator = np.sum(y_true, **keep) + np.sum(y_pred, **keep) + _f32(EPSILON)
    intersection = np.sum(y_true * y_pred, **keep)
    return (-2 * (y_true * denominator - intersection) / np.square(denominator)).astype(np.float32)


@_recordable
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - TP / (TP + alpha FP + beta FN + eps)`` with TP = sum(y p), FP = sum((1 - p) y) and
    FN = sum(p (1 - y)), Keras's names, over ``axis`` (None: the whole batch, one value)."""
    y_true, y_pred = _same_rank("tversky", y_true, y_pred)
    axis = _axes(axis)
    intersection = np.sum(y_true * y_pred, axis=axis)
    fp = np.sum((1 - y_pred) * y_true, axis=axis)
    fn = np.sum(y_pred * (1 - y_true), axis=axis)
    return 1 - intersection / (intersection + fp * _f32(alpha) + fn * _f32(beta) + _f32(EPSILON))


def _tversky_grad(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    axis = _axes(axis)
    keep = {"axis": axis, "keepdims": True}
    intersection = np.sum(y_true * y_pred, **keep)
    denominator = (intersection + np.sum((1 - y_pred) * y_true, **keep) * _f32(alpha)
                   + np.sum(y_pred * (1 - y_true), **keep) * _f32(beta) + _f32(EPSILON))
    d_denominator = y_true * _f32(1 - alpha) + (1 - y_true) * _f32(beta)
    return (-(y_true * denominator - intersection * d_denominator) / np.square(denominator)).astype(np.float32)


@_recordable
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """-log(p[label]) for integer labels; probabilities normalized and clipped like the categorical loss."""
    y_pred = _as_float(y_pred)
    labels = _sparse_labels(y_true, y_pred, "sparse_categorical_crossentropy")
    if axis not in (-1, y_pred.ndim - 1):
        raise ValueError(f"sparse_categorical_crossentropy supports axis=-1 only, got axis={axis}")
    keep = None
    if ignore_class is not None:
        keep = labels != ignore_class
        labels = np.where(keep, labels, 0)
    if from_logits:
        logp = activations.log_softmax(y_pred)
        values = -np.take_along_axis(logp, labels[..., None], axis=-1)[..., 0]
    else:
        values = _neg_log_labelled(y_pred, labels)
    return values if keep is None else values * keep


def _neg_log_labelled(y_pred, labels):
    """-log of each row's labelled probability, normalized by the row's sum and clipped.

    Only the labelled entry of each row is normalized, clipped and logged: the same float32
    operations as on the whole (n, classes), on the entries that count.
    """
    flat = y_pred.reshape(-1, y_pred.shape[-1])
    picked = flat[np.arange(flat.shape[0]), labels.reshape(-1)].reshape(labels.shape)
    p = picked / np.add.reduce(y_pred, axis=-1)
    np.minimum(np.maximum(p, _f32(EPSILON), out=p), _f32(1 - EPSILON), out=p)  # clip
    return np.negative(np.log(p, out=p), out=p)


def _sparse_labels(y_true, y_pred, loss_name):
    """Integer labels with the rank of y_pred minus one, checked against the class count."""
    y_true = np.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    if y_true.shape != y_pred.shape[:-1]:
        one_hot = y_true.ndim == y_pred.ndim and y_true.shape[:-1] == y_pred.shape[:-1] and y_true.shape[-1] > 1
        hint = (" These look like one-hot labels: use categorical_crossentropy for them, or turn them "
                "into class indices with y.argmax(axis=-1)." if one_hot else "")
        raise ValueError(f"{loss_name} expects y_true of integer labels of shape {y_pred.shape[:-1]} "
                         f"(one class index per sample), got y_true of shape {y_true.shape}.{hint}")
    if y_true.dtype.kind not in "iub":
        whole = y_true.dtype.kind == "f" and np.all(np.mod(y_true, 1) == 0)
        if not whole:
            flat = y_true.ravel()
            bad = int(np.argmax(np.mod(flat, 1) != 0)) if y_true.dtype.kind == "f" else 0
            raise ValueError(f"{loss_name} expects y_true of integer class labels, got {y_true.dtype} "
                             f"value {flat[bad]} at index {bad}, which is not a whole number")
    labels = y_true.astype(np.intp, copy=False)
    return labels


def _check_label_range(labels, num_classes, loss_name, ignore_class=None):
    if labels.size == 0:
        return
    valid = labels if ignore_class is None else labels[labels != ignore_class]
    if valid.size and (valid.min() < 0 or valid.max() >= num_classes):
        bad = valid.min() if valid.min() < 0 else valid.max()
        raise ValueError(f"{loss_name} expects y_true labels in [0, {num_classes - 1}] for a model with "
                         f"{num_classes} outputs, got label {bad}")


# --------------------------------------------------------------------------------------
# Loss classes
# --------------------------------------------------------------------------------------

class Loss:
    """Base class: ``call`` returns per-sample values, ``__call__`` reduces them.

    Subclasses implement ``call(y_true, y_pred)`` and ``elementwise_gradient(y_true, y_pred)``
    (the derivative of each sample's value with respect to that sample's predictions).
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"Loss reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.name = name or _snake_name(type(self).__name__)
        self.reduction = reduction

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def elementwise_gradient(self, y_true, y_pred):
        raise NotImplementedError(f"Loss {self.name!r} has no gradient, so it cannot be used to train")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Whether training can differentiate this loss (the class defines one of the gradients);
        # a class attribute, since the training step asks every batch.
        if not isinstance(getattr(cls, "has_gradient", None), property):  # (a wrapper decides per instance)
            cls.has_gradient = any(getattr(cls, name) is not getattr(Loss, name)
                                   for name in ("elementwise_gradient", "gradient", "value_and_gradient"))

    has_gradient = False

    def prepare(self, y_true, y_pred):
        """Cast and check the labels once (the training loop calls this per batch)."""
        return _check_same_shape(self.name, _as_float(y_true), y_pred)

    def check_targets(self, y_true, output_shape):
        """Check the whole label array once before training (shapes, ranges).

        The default requires ``y_true`` to have the model's output shape (a trailing axis
        of 1 may be added or dropped), which is what ``prepare`` accepts per batch.
        """
        y_shape, output_shape = tuple(np.shape(y_true)), tuple(output_shape)
        if y_shape == output_shape or y_shape + (1,) == output_shape or y_shape == output_shape + (1,):
            return
        raise ValueError(f"{self.name} expects y_true of shape {output_shape} (the model's output "
                         f"shape), got y_true of shape {y_shape}")

    def check_sample_weight(self, y_true, sample_weight, output_shape):
        """Check sample weights against the per-sample values before training (shapes only).

        ``output_shape`` is the model's output shape, batch first. The values' shape is
        found by running ``call`` on the first label row and a dummy prediction, so a
        custom loss's own value shape counts. A loss that cannot run on that row is left
        to report its own error.
        """
        if any(d is None for d in output_shape[1:]) or len(y_true) == 0:
            return
        y_pred = np.full((1,) + tuple(output_shape[1:]), 0.5, dtype=np.float32)
        try:
            with np.errstate(all="ignore"):
                labels = self.prepare(np.asarray(y_true[:1]), y_pred)
                values_shape = np.shape(self.call(labels, self._pred_like(labels, y_pred)))
        except Exception:
            return
        values = np.broadcast_to(np.float32(0), (len(y_true),) + tuple(values_shape[1:]))
        try:
            _broadcast_weights(np.broadcast_to(np.float32(0), np.shape(sample_weight)), values)
        except ValueError as error:
            raise ValueError(f"{error}: give one weight per sample, of shape {(len(y_true),)}") from None

    def __call__(self, y_true, y_pred, sample_weight=None):
        if type(y_pred) is Tracer:
            return self._recorded(y_true, y_pred, sample_weight)
        y_pred = _as_float(y_pred)
        self.check_targets(np.asarray(y_true), y_pred.shape)
        return _f32(self.value(self.prepare(y_true, y_pred), y_pred, sample_weight))

    def _recorded(self, y_true, y_pred, sample_weight):
        """The reduced loss of a recorded prediction, recorded: with the hand-written gradient
        as one entry when the loss has one, else op by op through ``call``."""
        tape = recording()
        if self.has_gradient and tape is not None:
            from .models.train_step import loss_on_tape
            return loss_on_tape(tape, self, y_true, y_pred, sample_weight)
        y_true = self.prepare(y_true, y_pred.value)
        values = self.call(y_true, self._pred_like(y_true, y_pred))
        weights = self.masked_weights(y_true, sample_weight)
        if weights is not None:
            weights = _broadcast_weights(weights, np.empty(np.shape(values), np.float32))
            values = ops.multiply(values, weights)
        if self.reduction in ("none", None):
            return values
        total = ops.sum(values)
        if self.reduction == "sum":
            return total
        if self.reduction == "mean_with_sample_weight" and weights is not None:
            return ops.divide(total, _f32(max(float(np.sum(weights, dtype=np.float64)), EPSILON)))
        return ops.divide(total, _f32(max(int(np.prod(np.shape(values))), 1)))

    def value(self, y_true, y_pred, sample_weight=None):
        """The reduced loss for labels already passed through ``prepare`` (training loop)."""
        y_pred = self._pred_like(y_true, y_pred)
        return self.reduce(self.call(y_true, y_pred), self.masked_weights(y_true, sample_weight))

    def _pred_like(self, y_true, y_pred):
        """``y_pred`` at the rank of labels passed through ``prepare``: Keras's
        ``squeeze_or_expand_to_same_rank`` may add or drop a trailing axis of 1 on either side,
        and that decides the shape of the per-sample values. Gradients are shaped back."""
        return _pred_like(y_true, y_pred)

    def value_mask(self, y_true):
        """Which per-sample values count (boolean array), or None when all do.

        Keras attaches such a mask to the values (``ignore_class``); the reduction then treats
        masked values as absent, so ``"sum_over_batch_size"`` divides by the valid count.
        """
        return None

    def masked_weights(self, y_true, sample_weight):
        """The sample weights with the loss's mask merged in, as Keras's ``apply_mask`` does."""
        mask = self.value_mask(y_true)
        if mask is None:
            return sample_weight
        mask = mask.astype(np.float32)
        if self.reduction in ("sum_over_batch_size", "mean"):
            valid = float(np.sum(mask, dtype=np.float64))
            mask *= np.float32(mask.size / valid) if valid else np.float32(0)
        if sample_weight is None:
            return mask
        return _broadcast_weights(sample_weight, mask) * mask

    def reduce(self, values, sample_weight=None):
        values = np.asarray(values)
        if sample_weight is not None:
            weights = _broadcast_weights(sample_weight, values)
            values = values * weights
        if self.reduction in ("none", None):
            return values
        total = np.add.reduce(values, axis=None, dtype=np.float64)
        if self.reduction == "sum":
            return total
        if self.reduction == "mean_with_sample_weight" and sample_weight is not None:
            return total / max(float(np.sum(weights, dtype=np.float64)), EPSILON)
        return total / max(values.size, 1)

    def _scale(self, values_shape, sample_weight):
        """d(reduced loss)/d(per-sample value), broadcastable against the values."""
        scale = np.float32(1)
        if self.reduction in ("sum_over_batch_size", "mean") or (
                self.reduction == "mean_with_sample_weight" and sample_weight is None):
            scale = np.float32(1 / max(int(np.prod(values_shape)), 1))
        if sample_weight is None:
            return scale
        weights = _broadcast_weights(sample_weight, np.empty(values_shape, np.float32))
        if self.reduction == "mean_with_sample_weight":
            return weights / np.float32(max(float(np.sum(weights, dtype=np.float64)), EPSILON))
        return weights * scale

    def gradient(self, y_true, y_pred, sample_weight=None):
        """dL/dy_pred of the reduced loss (``"none"`` differentiates the sum)."""
        y_pred = _as_float(y_pred)
        y_true = self.prepare(y_true, y_pred)
        pred = self._pred_like(y_true, y_pred)
        grad = self._scaled(self.elementwise_gradient(y_true, pred), self.masked_weights(y_true, sample_weight))
        return grad.reshape(y_pred.shape)

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        """The reduced loss and dL/dy_pred, sharing work where possible (training loop)."""
        y_true = self.prepare(y_true, y_pred)
        pred = self._pred_like(y_true, y_pred)
        weights = self.masked_weights(y_true, sample_weight)
        value = self.reduce(self.call(y_true, pred), weights)
        return value, self._scaled(self.elementwise_gradient(y_true, pred), weights).reshape(y_pred.shape)

    def value_and_gradient_wrt_logits(self, y_true, probabilities, sample_weight=None):
        """The reduced loss and dL/dz for y_pred = activation(z) (the fused training path)."""
        p = self._pred_like(y_true, probabilities)
        return (self.value(y_true, p, sample_weight),
                self.gradient_wrt_logits(y_true, p, sample_weight).reshape(probabilities.shape))

    def _scaled(self, grad, sample_weight):
        """``grad`` (d value / d y_pred per element) times d(reduced loss)/d(value).

        ``value_axis`` is the axis (or axes; None for all, as Dice's default) that ``call``
        reduces to get the per-sample values."""
        axis = self.value_axis
        axes = tuple(range(grad.ndim)) if axis is None else tuple(sorted(a % grad.ndim for a in np.atleast_1d(axis)))
        scale = self._scale(tuple(d for i, d in enumerate(grad.shape) if i not in axes), sample_weight)
        return grad * (np.expand_dims(scale, axes) if np.ndim(scale) else scale)

    @property
    def value_axis(self):
        """The axis of y_pred that ``call`` reduces to get the per-sample values."""
        return getattr(self, "axis", -1)

    def fuses_with(self, activation):
        """Whether this loss can be differentiated together with ``activation``."""
        return False

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        config = {k: v for k, v in config.items() if k != "dtype"}
        return cls(**config)


def _broadcast_weights(sample_weight, values):
    weights = np.asarray(sample_weight, dtype=np.float32)
    if weights.ndim == values.ndim + 1 and weights.shape[-1] == 1:
        weights = weights[..., 0]
    while weights.ndim < values.ndim:
        weights = weights[..., None]
    try:
        return np.broadcast_to(weights, values.shape)
    except ValueError:
        raise ValueError(f"sample_weight of shape {np.shape(sample_weight)} does not match the "
                         f"per-sample loss values of shape {values.shape}") from None


def _snake_name(class_name):
    from .utils.naming import to_snake_case
    return to_snake_case(class_name)


class LossFunctionWrapper(Loss):
    """A loss made of a per-sample function and its elementwise derivative."""

    fn = None
    grad_fn = None

    def __init__(self, reduction="sum_over_batch_size", name=None, dtype=None, **fn_kwargs):
        super().__init__(name=name, reduction=reduction)
        self.fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred):
        return type(self).fn(y_true, y_pred, **self.fn_kwargs)

    def elementwise_gradient(self, y_true, y_pred):
        return type(self).grad_fn(y_true, y_pred, **self.fn_kwargs)

    @property
    def value_axis(self):
        return self.fn_kwargs.get("axis", -1)

    def get_config(self):
        return {**super().get_config(), **self.fn_kwargs}


def _wrapper(class_name, fn, grad_fn, *aliases, default_name=None, **defaults):
    def __init__(self, *args, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        params = dict(defaults)
        for key, value in zip(defaults, args):
            params[key] = value
        for key, value in kwargs.items():
            if key not in defaults:
                raise TypeError(f"{class_name}.__init__() got an unexpected keyword argument {key!r}"
                                + (f". It takes {', '.join(defaults)}, reduction, name, dtype" if defaults else ""))
            params[key] = value
        LossFunctionWrapper.__init__(self, reduction=reduction, name=name or default_name or fn.__name__,
                                     **params)

    cls = type(class_name, (LossFunctionWrapper,), {
        "fn": staticmethod(fn), "grad_fn": staticmethod(grad_fn), "__init__": __init__,
        "__doc__": f"Keras ``{class_name}``: {fn.__doc__}", "__module__": __name__})
    _registry.register(cls, class_name)
    _registry.register(fn, fn.__name__, *aliases)
    _function_classes[fn] = cls
    return cls


_function_classes = {}

MeanSquaredError = _wrapper("MeanSquaredError", mean_squared_error, _mean_squared_error_grad, "mse")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", mean_absolute_error, _mean_absolute_error_grad, "mae")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError", mean_absolute_percentage_error,
                                       _mean_absolute_percentage_error_grad, "mape")
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError", mean_squared_logarithmic_error,
                                       _mean_squared_logarithmic_error_grad, "msle")
Huber = _wrapper("Huber", huber, _huber_grad, "huber_loss", default_name="huber_loss", delta=1.0)
LogCosh = _wrapper("LogCosh", log_cosh, _log_cosh_grad, "logcosh")
KLDivergence = _wrapper("KLDivergence", kl_divergence, _kl_divergence_grad, "kld", "kullback_leibler_divergence")
Hinge = _wrapper("Hinge", hinge, _hinge_grad)
SquaredHinge = _wrapper("SquaredHinge", squared_hinge, _squared_hinge_grad)
CategoricalHinge = _wrapper("CategoricalHinge", categorical_hinge, _categorical_hinge_grad)
Poisson = _wrapper("Poisson", poisson, _poisson_grad)
CosineSimilarity = _wrapper("CosineSimilarity", cosine_similarity, _cosine_similarity_grad, axis=-1)
BinaryFocalCrossentropy = _wrapper(
    "BinaryFocalCrossentropy", binary_focal_crossentropy, _binary_focal_crossentropy_grad,
    apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1)
CategoricalFocalCrossentropy = _wrapper(
    "CategoricalFocalCrossentropy", categorical_focal_crossentropy, _categorical_focal_crossentropy_grad,
    alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1)
Dice = _wrapper("Dice", dice, _dice_grad, axis=None)
Tversky = _wrapper("Tversky", tversky, _tversky_grad, alpha=0.5, beta=0.5, axis=None)
mse, mae, mape, msle = mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, \
    mean_squared_logarithmic_error
kld = kl_divergence


class BinaryCrossentropy(Loss):
    """Binary cross-entropy (Keras ``BinaryCrossentropy``), fused with a preceding sigmoid."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction)
        _check_smoothing(label_smoothing)
        self.from_logits, self.label_smoothing, self.axis = bool(from_logits), float(label_smoothing), axis

    def prepare(self, y_true, y_pred):
        return _smooth_binary(_check_same_shape(self.name, _as_float(y_true), y_pred), self.label_smoothing)

    def call(self, y_true, y_pred):
        return binary_crossentropy(y_true, y_pred, self.from_logits, 0.0, self.axis)

    def elementwise_gradient(self, y_true, y_pred):
        n = _f32(1 / y_pred.shape[self.axis])
        if self.from_logits:
            return (activations.sigmoid(y_pred) - y_true) * n
        p = np.clip(y_pred, _f32(EPSILON), _f32(1 - EPSILON))
        inside = (y_pred > EPSILON) & (y_pred < 1 - EPSILON)
        return (p - y_true) / (p * (1 - p)) * n * inside

    def fuses_with(self, activation):
        return not self.from_logits and activation is activations.sigmoid

    def gradient_wrt_logits(self, y_true, probabilities, sample_weight=None):
        """dL/dz for y_pred = sigmoid(z): (p - y) / n."""
        grad = (probabilities - y_true) * _f32(1 / probabilities.shape[self.axis])
        return self._scaled(grad, sample_weight)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


def _check_smoothing(label_smoothing):
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing!r}")


class CategoricalCrossentropy(Loss):
    """Cross-entropy for one-hot labels (Keras ``CategoricalCrossentropy``), fused with a softmax."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction)
        _check_smoothing(label_smoothing)
        self.from_logits, self.label_smoothing, self.axis = bool(from_logits), float(label_smoothing), axis

    def check_targets(self, y_true, output_shape):
        y_shape, output_shape = tuple(np.shape(y_true)), tuple(output_shape)
        if y_shape == output_shape:
            return
        if y_shape in (output_shape[:-1], output_shape[:-1] + (1,)):
            hint = (" These look like integer class labels: use sparse_categorical_crossentropy, or "
                    "one-hot encode them with keras.utils.to_categorical.")
        elif y_shape[:-1] == output_shape[:-1]:
            hint = (f" The labels have {y_shape[-1]} columns but the model has {output_shape[-1]} "
                    "outputs: one per class.")
        else:
            hint = ""
        raise ValueError(f"{self.name} expects y_true of one-hot labels of shape {output_shape}, "
                         f"got y_true of shape {y_shape}.{hint}")

    def prepare(self, y_true, y_pred):
        y_true = np.asarray(y_true)
        self.check_targets(y_true, y_pred.shape)
        return _smooth_categorical(_as_float(y_true), self.label_smoothing, self.axis)

    def call(self, y_true, y_pred):
        return categorical_crossentropy(y_true, y_pred, self.from_logits, 0.0, self.axis)

    def elementwise_gradient(self, y_true, y_pred):
        if self.from_logits:
            p = activations.softmax(y_pred, axis=self.axis)
            return p * np.sum(y_true, axis=self.axis, keepdims=True) - y_true
        total = np.sum(y_pred, axis=self.axis, keepdims=True)
        p = y_pred / total
        inside = (p > EPSILON) & (p < 1 - EPSILON)
        return (np.sum(y_true * inside, axis=self.axis, keepdims=True) / total
                - y_true * inside / np.clip(y_pred, _f32(EPSILON), None))

    def fuses_with(self, activation):
        return not self.from_logits and activation is activations.softmax and self.axis == -1

    def gradient_wrt_logits(self, y_true, probabilities, sample_weight=None):
        """dL/dz for y_pred = softmax(z): p * sum(y) - y."""
        grad = probabilities * np.sum(y_true, axis=self.axis, keepdims=True) - y_true
        return self._scaled(grad, sample_weight)

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(Loss):
    """Cross-entropy for integer labels (Keras ``SparseCategoricalCrossentropy``), fused with a softmax."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(name=name, reduction=reduction)
        self.from_logits, self.ignore_class = bool(from_logits), ignore_class

    def prepare(self, y_true, y_pred):
        return _sparse_labels(y_true, y_pred, self.name)

    def _pred_like(self, labels, y_pred):
        return y_pred

    def check_targets(self, y_true, output_shape):
        probe = np.empty((len(y_true),) + tuple(output_shape[1:-1]) + (0,), dtype=np.float32)
        labels = _sparse_labels(y_true, probe, self.name)
        _check_label_range(labels, output_shape[-1], self.name, self.ignore_class)

    def call(self, labels, y_pred):
        return sparse_categorical_crossentropy(labels, y_pred, self.from_logits, self.ignore_class)

    def elementwise_gradient(self, labels, y_pred):
        if self.from_logits:
            grad = activations.softmax(y_pred)
            _subtract_at_labels(grad, labels, 1)
        else:
            total = np.sum(y_pred, axis=-1, keepdims=True)
            picked = np.take_along_axis(y_pred, labels[..., None], axis=-1)
            inside = ((picked / total > EPSILON) & (picked / total < 1 - EPSILON)).astype(np.float32)
            grad = np.broadcast_to(inside / total, y_pred.shape).copy()
            _subtract_at_labels(grad, labels, (inside / np.maximum(picked, _f32(EPSILON)))[..., 0])
        return self._mask_ignored(grad, labels)

    def value_mask(self, labels):
        return None if self.ignore_class is None else np.asarray(labels) != self.ignore_class

    def _mask_ignored(self, grad, labels):
        if self.ignore_class is not None:
            grad *= (labels != self.ignore_class)[..., None]
        return grad

    def fuses_with(self, activation):
        return not self.from_logits and activation is activations.softmax

    def value_and_gradient_wrt_logits(self, labels, probabilities, sample_weight=None):
        if (sample_weight is not None or self.ignore_class is not None or probabilities.ndim != 2
                or self.reduction not in ("sum_over_batch_size", "mean")):
            return super().value_and_gradient_wrt_logits(labels, probabilities, sample_weight)
        # The usual training batch without the general path's checks, masks and weights
        # (~13 us instead of ~19 at batch 32): the same float32 operations as value() and
        # gradient_wrt_logits().
        n = max(len(labels), 1)
        value = np.add.reduce(_neg_log_labelled(probabilities, labels), dtype=np.float64) / n
        grad = probabilities.copy()
        _subtract_at_labels(grad, labels, 1)
        grad *= np.float32(1 / n)
        return value, grad

    def gradient_wrt_logits(self, labels, probabilities, sample_weight=None):
        """dL/dz for y_pred = softmax(z): p - one_hot(label), without building the one-hot."""
        grad = probabilities.copy()
        _subtract_at_labels(grad, labels, 1)
        self._mask_ignored(grad, labels)
        return self._scaled(grad, self.masked_weights(labels, sample_weight))

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "ignore_class": self.ignore_class}


def _subtract_at_labels(grad, labels, amount):
    flat = grad.reshape(-1, grad.shape[-1])
    flat[np.arange(flat.shape[0]), labels.reshape(-1)] -= amount


for _cls, _fn, _aliases in ((BinaryCrossentropy, binary_crossentropy, ("bce",)),
                            (CategoricalCrossentropy, categorical_crossentropy, ()),
                            (SparseCategoricalCrossentropy, sparse_categorical_crossentropy, ())):
    _registry.register(_cls, _cls.__name__)
    _registry.register(_fn, _fn.__name__, *_aliases)
    _function_classes[_fn] = _cls

# --------------------------------------------------------------------------------------
# Generalized cross-entropy and the circle loss (issue 19)
# --------------------------------------------------------------------------------------

@_recordable
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """``(1 - p[label] ** q) / q`` for integer labels and probabilities (Keras's GCE, Zhang &
    Sabuncu 2018): cross-entropy as ``q -> 0``, MAE at ``q = 1``, robust to noisy labels."""
    y_pred = _as_float(y_pred)
    labels = _sparse_labels(y_true, y_pred, "categorical_generalized_cross_entropy")
    _check_label_range(labels, y_pred.shape[-1], "categorical_generalized_cross_entropy")
    p = np.take_along_axis(y_pred, labels[..., None], axis=-1)[..., 0]
    return (1 - np.power(p, _f32(q))) / _f32(q)


def _categorical_generalized_cross_entropy_grad(y_true, y_pred, q):
    labels = _sparse_labels(y_true, y_pred, "categorical_generalized_cross_entropy")
    grad = np.zeros_like(y_pred, dtype=np.float32)
    p = np.take_along_axis(y_pred, labels[..., None], axis=-1)
    with np.errstate(divide="ignore"):
        np.put_along_axis(grad, labels[..., None], -np.power(p, _f32(q - 1)), axis=-1)
    return grad


class CategoricalGeneralizedCrossEntropy(Loss):
    """Generalized cross-entropy for integer labels (Keras ``CategoricalGeneralizedCrossEntropy``):
    ``(1 - p[label] ** q) / q`` with ``q`` in (0, 1)."""

    def __init__(self, q=0.5, reduction="sum_over_batch_size", name="categorical_generalized_cross_entropy",
                 dtype=None):
        if isinstance(q, bool) or not isinstance(q, (int, float, np.integer, np.floating)) or not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy q must be a number in (0, 1), got {q!r}")
        super().__init__(name=name, reduction=reduction)
        self.q = q

    def prepare(self, y_true, y_pred):
        return _sparse_labels(y_true, y_pred, self.name)

    def _pred_like(self, labels, y_pred):
        return y_pred

    def check_targets(self, y_true, output_shape):
        probe = np.empty((len(y_true),) + tuple(output_shape[1:-1]) + (0,), dtype=np.float32)
        _check_label_range(_sparse_labels(y_true, probe, self.name), output_shape[-1], self.name)

    def call(self, labels, y_pred):
        return categorical_generalized_cross_entropy(labels, y_pred, self.q)

    def elementwise_gradient(self, labels, y_pred):
        return _categorical_generalized_cross_entropy_grad(labels, y_pred, self.q)

    def get_config(self):
        return {**super().get_config(), "q": self.q}


def _circle_terms(y_true, y_pred, ref_labels, ref_embeddings, remove_diagonal, gamma, margin):
    """Keras's circle loss (Sun et al. 2020) on L2-normalized embeddings, with what its gradient
    needs: per query row, a log-sum-exp over the positive pairs and one over the negatives of
    gamma-scaled, self-weighted cosine distances, then softplus of their sum."""
    y_pred = _as_float(y_pred)
    labels = np.asarray(y_true).astype(np.int32).reshape(-1, 1)
    ref = y_pred if ref_embeddings is None else _as_float(ref_embeddings)
    keys = labels if ref_labels is None else np.asarray(ref_labels).astype(np.int32).reshape(-1, 1)
    similarity = y_pred @ ref.T
    distance = np.maximum(1 - similarity, _f32(0))
    positive = labels == keys.T
    negative = ~positive
    if remove_diagonal:
        positive &= ~np.eye(*positive.shape, dtype=bool)
    m, g = _f32(margin), _f32(gamma)
    pos_weights = np.maximum((m + distance) * positive, _f32(0))
    neg_weights = np.maximum((1 + m - distance) * negative, _f32(0))
    pos_logits = np.where(positive, -g * pos_weights * (m - distance), -np.inf).astype(np.float32)
    neg_logits = np.where(negative, g * neg_weights * (1 - m - distance), -np.inf).astype(np.float32)

    def logsumexp(z):
        top = np.max(z, axis=1, keepdims=True)
        top = np.where(np.isfinite(top), top, _f32(0))
        with np.errstate(divide="ignore"):
            return (np.log(np.sum(np.exp(z - top), axis=1, keepdims=True)) + top)[:, 0]

    p_loss, n_loss = logsumexp(pos_logits), logsumexp(neg_logits)
    total = p_loss + n_loss
    values = np.logaddexp(_f32(0), total).astype(np.float32)  # softplus; 0 for a row without positives
    return values, (labels, ref, similarity, distance, positive, negative, pos_weights, neg_weights,
                    pos_logits, neg_logits, p_loss, n_loss, total, m, g)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Keras's circle loss: one value per row of ``y_pred`` (L2-normalized embeddings, labels
    ``y_true``) against the reference rows (the batch itself unless ``ref_embeddings`` /
    ``ref_labels`` are given). Rows without a positive pair give 0 and do not count in the
    mean, as Keras masks them."""
    return _circle_terms(y_true, value_of(y_pred), ref_labels, ref_embeddings, remove_diagonal, gamma, margin)[0]


def _circle_vjp(scale, terms, ref_is_query):
    """d(sum_i scale_i loss_i)/d y_pred for ``_circle_terms``'s pieces (the reference rows are
    the batch itself when ``ref_is_query``, so the gradient flows through both sides)."""
    (labels, ref, similarity, distance, positive, negative, pos_weights, neg_weights, pos_logits,
     neg_logits, p_loss, n_loss, total, m, g) = terms
    with np.errstate(over="ignore", invalid="ignore"):
        s = np.where(np.isfinite(total), 1 / (1 + np.exp(-total)), 0).astype(np.float32) * scale
        a = np.where(positive, np.exp(pos_logits - np.where(np.isfinite(p_loss), p_loss, 0)[:, None]), 0)
        b = np.where(negative, np.exp(neg_logits - np.where(np.isfinite(n_loss), n_loss, 0)[:, None]), 0)
    # d logit / d distance: -g (m + d)(m - d) -> 2 g d (while m + d > 0);
    # g (1 + m - d)(1 - m - d) -> 2 g (d - 1) (while 1 + m - d > 0)
    d_pos = np.where(pos_weights > 0, 2 * g * distance, 0)
    d_neg = np.where(neg_weights > 0, 2 * g * (distance - 1), 0)
    d_distance = s[:, None] * (a * d_pos + b * d_neg)
    d_similarity = (-d_distance * (1 - similarity > 0)).astype(np.float32)
    grad = d_similarity @ ref
    if ref_is_query:
        grad += d_similarity.T @ ref
    return grad.astype(np.float32)


class Circle(Loss):
    """Circle loss for metric learning (Keras ``Circle``): ``y_true`` are integer labels (n,),
    ``y_pred`` L2-normalized embeddings (n, d); pairs within the batch are compared by cosine
    distance. The gradient is the full one: each row's loss depends on every row."""

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction="sum_over_batch_size",
                 name="circle", dtype=None):
        super().__init__(name=name, reduction=reduction)
        self.gamma, self.margin, self.remove_diagonal = gamma, margin, remove_diagonal

    def prepare(self, y_true, y_pred):
        y_true = np.asarray(y_true)
        if y_true.ndim == 2 and y_true.shape[-1] == 1:
            y_true = y_true[:, 0]
        if y_true.shape != y_pred.shape[:1] or y_pred.ndim != 2:
            raise ValueError(f"circle expects y_true of one label per row, shape {y_pred.shape[:1]}, and y_pred "
                             f"of embeddings (rows, dimensions); got y_true {y_true.shape} and y_pred "
                             f"{y_pred.shape}")
        return y_true

    def _pred_like(self, labels, y_pred):
        return y_pred

    def check_targets(self, y_true, output_shape):
        self.prepare(y_true, np.empty((len(y_true),) + tuple(output_shape[1:]), np.float32))

    def _terms(self, labels, y_pred):
        return _circle_terms(labels, y_pred, None, None, self.remove_diagonal, self.gamma, self.margin)

    def call(self, labels, y_pred):
        return self._terms(labels, y_pred)[0]

    def value_mask(self, labels):
        return None  # (the mask depends on the values; see masked_weights)

    def _weights(self, values, sample_weight):
        # Keras masks the rows whose loss is 0 (no positive pair): "sum_over_batch_size"
        # then divides by the rows that count.
        mask = (values > 0).astype(np.float32)
        if self.reduction in ("sum_over_batch_size", "mean"):
            valid = float(mask.sum())
            mask *= np.float32(mask.size / valid) if valid else np.float32(0)
        return mask if sample_weight is None else _broadcast_weights(sample_weight, mask) * mask

    def value(self, labels, y_pred, sample_weight=None):
        values = self.call(labels, y_pred)
        return self.reduce(values, self._weights(values, sample_weight))

    def value_and_gradient(self, y_true, y_pred, sample_weight=None):
        y_pred = _as_float(y_pred)
        labels = self.prepare(y_true, y_pred)
        values, terms = self._terms(labels, y_pred)
        weights = self._weights(values, sample_weight)
        scale = np.broadcast_to(self._scale(values.shape, weights), values.shape).astype(np.float32)
        return self.reduce(values, weights), _circle_vjp(scale, terms, ref_is_query=True)

    def gradient(self, y_true, y_pred, sample_weight=None):
        return self.value_and_gradient(y_true, y_pred, sample_weight)[1]

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma, "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}


_registry.register(CategoricalGeneralizedCrossEntropy, "CategoricalGeneralizedCrossEntropy")
_registry.register(categorical_generalized_cross_entropy, "categorical_generalized_cross_entropy")
_function_classes[categorical_generalized_cross_entropy] = CategoricalGeneralizedCrossEntropy
_registry.register(Circle, "Circle")
_registry.register(circle, "circle")
_function_classes[circle] = Circle


# --------------------------------------------------------------------------------------
# CTC (issue 19): written with keras.ops, so the tape differentiates it step by step
# --------------------------------------------------------------------------------------

_CTC_LOG_EPSILON = np.float32(-1e5)  # Keras's (optax's) stand-in for log 0


def _ctc_labels(y_true, y_pred, name="ctc"):
    labels = np.asarray(value_of(y_true))
    if labels.ndim != 2:
        raise ValueError(f"Targets `y_true` are expected to be a tensor of shape `(batch_size, max_length)` in "
                         f"integer format. Received: y_true.shape={labels.shape}")
    if np.ndim(value_of(y_pred)) != 3:
        raise ValueError("Predictions `y_pred` are expected to be a tensor of shape `(batch_size, max_length, "
                         f"num_classes)`. Received: y_pred.shape={np.shape(value_of(y_pred))}")
    if labels.shape[0] != np.shape(value_of(y_pred))[0]:
        raise ValueError(f"{name}: y_true has {labels.shape[0]} rows and y_pred {np.shape(value_of(y_pred))[0]}")
    if labels.dtype.kind == "f" and not np.all(np.mod(labels, 1) == 0):
        raise ValueError(f"{name} expects integer labels, got {labels.dtype} values that are not whole numbers")
    return labels.astype(np.int64)


def ctc(y_true, y_pred):
    """Connectionist temporal classification loss, one value per sequence (Keras's ``ctc``).

    ``y_true`` (batch, max_label_length) integer labels, ``y_pred`` (batch, time, classes)
    logits; class 0 is the blank, and also pads the labels (each sequence's length is its
    number of non-zero labels, as Keras counts it). The forward recursion is Keras's (optax's): log-space alphas with -1e5 for
    impossible paths, one step per time frame, written with ``keras.ops`` so a tape records it
    and training differentiates it.
    """
    labels = _ctc_labels(y_true, y_pred)
    batch, length = labels.shape
    classes = np.shape(value_of(y_pred))[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"ctc expects labels in [0, {classes - 1}] for predictions with {classes} classes, got "
                         f"labels from {labels.min()} to {labels.max()}")
    logprobs = ops.log_softmax(y_pred if type(y_pred) is Tracer else _as_float(y_pred), axis=-1)
    repeat = np.zeros((batch, length), dtype=np.float32)
    repeat[:, :-1] = labels[:, :-1] == labels[:, 1:]
    one_hot = np.eye(classes, dtype=np.float32)[labels]                      # (B, N, K)
    emitted = ops.einsum("btk,bnk->btn", logprobs, one_hot)                    # (B, T, N)
    blank = logprobs[:, :, 0:1]                                                # (B, T, 1)
    phi = np.full((batch, length + 1), _CTC_LOG_EPSILON, dtype=np.float32)
    phi[:, 0] = 0
    emit = np.full((batch, length), _CTC_LOG_EPSILON, dtype=np.float32)
    no_repeat, on_repeat = _CTC_LOG_EPSILON * repeat, _CTC_LOG_EPSILON * (1 - repeat)

    def add_to_tail(scores, added):  # scores[:, 1:] = logaddexp(scores[:, 1:], added)
        return ops.concatenate([scores[:, :1], ops.logaddexp(scores[:, 1:], added)], axis=-1)

    for t in range(np.shape(value_of(y_pred))[1]):  # a loop over time steps, not samples
        emit_t, blank_t = emitted[:, t, :], blank[:, t, :]
        phi = add_to_tail(phi, emit + no_repeat)                       # emit -> blank (unless a repeat)
        next_emit = ops.logaddexp(phi[:, :-1] + emit_t, emit + emit_t)  # blank -> label, label self-loop
        phi = add_to_tail(phi + blank_t, emit + blank_t + on_repeat)    # blank self-loop; repeat -> blank
        emit = next_emit
    # The score after each sequence's labels: its non-blank count (Keras's label_length)
    ends = np.eye(length + 1, dtype=np.float32)[np.sum(labels != 0, axis=-1)]
    return -ops.sum(add_to_tail(phi, emit) * ends, axis=-1)


class CTC(Loss):
    """Keras ``CTC``: ``ctc`` (see there) reduced over the batch. It is differentiated op by op
    on the tape (no hand-written gradient)."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(name=name, reduction=reduction)

    def prepare(self, y_true, y_pred):
        return _ctc_labels(y_true, y_pred, self.name)

    def _pred_like(self, labels, y_pred):
        return y_pred

    def check_targets(self, y_true, output_shape):
        if np.ndim(y_true) != 2 or len(output_shape) != 3:
            raise ValueError(f"CTC expects y_true of shape (batch, max_label_length) and a model output of shape "
                             f"(batch, time, classes); got y_true {np.shape(y_true)} and output {tuple(output_shape)}")

    def call(self, labels, y_pred):
        return ctc(labels, y_pred)


_registry.register(CTC, "CTC")
_registry.register(ctc, "ctc")
_function_classes[ctc] = CTC



def get(identifier):
    """Resolve a loss name, config dict, ``Loss`` instance or function (Keras: ``keras.losses.get``).

    Strings resolve to the per-sample function, as in Keras; ``to_loss`` turns any of these
    into a ``Loss`` object the training loop can differentiate.
    """
    return _registry.get(identifier)


def to_loss(identifier):
    """A ``Loss`` instance for a string, config, class, instance or built-in function."""
    loss = _registry.get(identifier)
    if isinstance(loss, Loss):
        return loss
    if loss in _function_classes:
        return _function_classes[loss]()
    if callable(loss):
        return CustomLoss(loss)
    raise TypeError(f"Could not interpret loss {identifier!r}")


class CustomLoss(Loss):
    """A user function ``fn(y_true, y_pred) -> per-sample values``.

    To train with it, give the function a ``gradient(y_true, y_pred)`` attribute returning
    the elementwise derivative; without one, minikeras cannot differentiate it.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None):
        super().__init__(name=name or getattr(fn, "__name__", "custom_loss"), reduction=reduction)
        self.fn = fn

    def check_targets(self, y_true, output_shape):
        """A user function decides which label shapes it takes."""

    def prepare(self, y_true, y_pred):
        """The labels at the rank Keras brings them to (its loss wrapper does this for any function)."""
        return squeeze_or_expand_to_same_rank(_as_float(y_true), y_pred)[0]

    def call(self, y_true, y_pred):
        values = self.fn(y_true, y_pred)
        return values if type(values) is Tracer else np.asarray(values, dtype=np.float32)

    @property
    def has_gradient(self):
        return getattr(self.fn, "gradient", None) is not None

    def elementwise_gradient(self, y_true, y_pred):
        grad = getattr(self.fn, "gradient", None)
        if grad is None:
            raise ValueError(f"Custom loss {self.name!r} has no gradient: minikeras has no automatic "
                             "differentiation, so give the function a `gradient(y_true, y_pred)` "
                             "attribute or subclass keras.losses.Loss with elementwise_gradient()")
        return grad(y_true, y_pred)


def serialize(loss):
    return _registry.serialize(loss)


def deserialize(config, custom_objects=None):
    return _registry.get(config, custom_objects)


def is_loss_function(fn):
    """Whether ``fn`` is one of the built-in loss functions (Keras: ``fn in losses.ALL_OBJECTS``)."""
    try:
        return fn in _function_classes
    except TypeError:  # an unhashable callable
        return False
