"""Accuracy metrics: exact, binary (thresholded), categorical, sparse and top-k.

``"accuracy"`` given to compile resolves by shapes at the first update, as Keras 3's compile does.
"""
import numpy as np

from .base import MeanMetricWrapper, metric_class, registry, squeeze_or_expand


# -- per-sample functions ---------------------------------------------------------------
# Each returns what Keras 3's function of the same name returns, shape included.

def _float(y_pred):
    y_pred = np.asarray(y_pred)
    return y_pred.astype(np.float32) if y_pred.dtype.kind != "f" or y_pred.dtype == np.float64 else y_pred


def accuracy(y_true, y_pred):
    """1 where y_pred equals y_true exactly, y_true cast to y_pred's dtype (Keras ``accuracy``)."""
    y_pred = np.asarray(y_pred)
    y_true, y_pred = squeeze_or_expand(np.asarray(y_true, dtype=y_pred.dtype), y_pred)
    return (y_true == y_pred).astype(np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1 where ``(y_pred > threshold)``, cast to y_true's dtype, equals y_true, elementwise.

    As in Keras 3, y_true is not thresholded: a soft target such as 0.9 never counts as
    matched. Labels and predictions are brought to the same rank first, and the result has
    that shape (``(N, 1)`` for ``(N, 1)`` inputs).
    """
    y_true, y_pred = squeeze_or_expand(y_true, _float(y_pred))
    return (y_true == (y_pred > threshold).astype(y_true.dtype)).astype(np.float32)


def categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_pred) equals argmax(y_true) (one-hot or probability labels)."""
    y_pred = _float(y_pred)
    labels = np.argmax(np.asarray(y_true, dtype=y_pred.dtype), axis=-1)
    shape, reshape = labels.shape, labels.ndim == y_pred.ndim
    if reshape:
        labels = np.squeeze(labels, axis=-1)
    matches = (labels == np.argmax(y_pred, axis=-1)).astype(np.float32)
    return matches.reshape(shape) if reshape else matches


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_pred) equals the integer label; a trailing label axis of 1 is dropped."""
    y_pred = _float(y_pred)
    y_true = np.asarray(y_true, dtype=y_pred.dtype)
    shape, reshape = y_true.shape, y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1
    if reshape:
        y_true = y_true[..., 0]
    matches = (y_true == np.argmax(y_pred, axis=-1)).astype(np.float32)
    if reshape:
        matches = matches.reshape(shape)
    return matches[..., 0] if matches.ndim > 1 and matches.shape[-1] == 1 else matches


def _in_top_k(labels, y_pred, k):
    # A label counts when fewer than k classes score strictly higher than it; a NaN score at
    # the label counts as -inf (Keras's JAX in_top_k).
    picked = np.take_along_axis(y_pred, labels[:, None].astype(np.intp), axis=-1)
    picked[np.isnan(picked)] = -np.inf
    return (np.sum(y_pred > picked, axis=-1) < k).astype(np.float32)


def _top_k_matches(labels, y_pred, k):
    """``_in_top_k`` over rows flattened to 2-D, shaped back as the labels (Keras's reshapes)."""
    return _in_top_k(labels.reshape(-1), y_pred.reshape(-1, y_pred.shape[-1]), k).reshape(labels.shape)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the true class (argmax of y_true) is among the k highest predictions."""
    y_pred = _float(y_pred)
    return _top_k_matches(np.argmax(np.asarray(y_true, dtype=y_pred.dtype), axis=-1), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1 where the integer label is among the k highest predictions; the result has y_true's shape.

    With ``from_sorted_ids=True``, y_pred holds class ids sorted from best to worst (at least
    k per row), and a label counts when it is among the first k.
    """
    y_pred = _float(y_pred) if not from_sorted_ids else np.asarray(y_pred)
    if from_sorted_ids:
        y_true = np.asarray(y_true, dtype=y_pred.dtype)
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        return np.any(y_true.reshape(-1, 1) == ids, axis=1).astype(np.float32).reshape(y_true.shape)
    return _top_k_matches(np.asarray(y_true).astype(np.int32), y_pred, k)


def _metric_class(class_name, fn, *names, **defaults):
    cls = metric_class(class_name, fn, names[0], direction="up", **defaults)
    registry.register(fn, fn.__name__, *names[1:])
    return cls


Accuracy = _metric_class("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _metric_class("BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _metric_class("CategoricalAccuracy", categorical_accuracy, "categorical_accuracy")
SparseCategoricalAccuracy = _metric_class("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                          "sparse_categorical_accuracy")


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Keras ``TopKCategoricalAccuracy``: how often the one-hot target is in the top ``k`` predictions."""

    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """Keras ``SparseTopKCategoricalAccuracy``: how often the integer target is in the top ``k``
    predictions (or, with ``from_sorted_ids=True``, among the first ``k`` sorted ids in y_pred)."""

    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None, from_sorted_ids=False):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, k=k, from_sorted_ids=from_sorted_ids)
        self.k, self.from_sorted_ids = k, from_sorted_ids

    def get_config(self):
        config = {"name": self.name, "dtype": "float32", "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True  # Keras writes it only when set
        return config


for _cls, _fn in ((TopKCategoricalAccuracy, top_k_categorical_accuracy),
                  (SparseTopKCategoricalAccuracy, sparse_top_k_categorical_accuracy)):
    _cls.__module__ = "minikeras.metrics"
    registry.register(_cls, _cls.__name__)
    registry.register(_fn, _fn.__name__)


def resolve_accuracy(y_true_shape, y_pred_shape):
    """The accuracy function Keras 3 picks for ``"accuracy"`` from label and prediction shapes."""
    if y_pred_shape[-1] == 1:
        return binary_accuracy
    if len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1):
        return sparse_categorical_accuracy
    return categorical_accuracy


class _ResolvedAccuracy(MeanMetricWrapper):
    """``"accuracy"`` / ``"acc"`` given to compile: picks its function on the first batch."""

    _direction = "up"

    def __init__(self, name="accuracy"):
        super().__init__(None, name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._fn is None:
            self._fn = resolve_accuracy(np.shape(y_true), np.shape(y_pred))
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": "float32"}
