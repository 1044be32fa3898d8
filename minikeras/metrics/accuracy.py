"""Accuracy metrics: exact, binary (thresholded), categorical, sparse and top-k.

``"accuracy"`` given to compile resolves by shapes at the first update, as Keras 3's compile does.
"""
import numpy as np

from .base import MeanMetricWrapper, metric_class, registry


# -- per-sample functions ---------------------------------------------------------------

def _flat_labels(y_true):
    y_true = np.asarray(y_true)
    return y_true[..., 0] if y_true.ndim > 1 and y_true.shape[-1] == 1 else y_true


def accuracy(y_true, y_pred):
    """1 where y_pred equals y_true exactly (Keras ``accuracy``)."""
    return (np.asarray(y_true) == np.asarray(y_pred)).astype(np.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of (y_pred > threshold) == y_true."""
    y_pred = np.asarray(y_pred)
    y_true = np.asarray(y_true).reshape(y_pred.shape) if np.size(y_true) == y_pred.size else y_true
    return np.mean((y_pred > threshold) == (np.asarray(y_true) > 0.5), axis=-1, dtype=np.float32)


def categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_pred) equals argmax(y_true)."""
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """1 where argmax(y_pred) equals the integer label."""
    return (_flat_labels(y_true) == np.argmax(y_pred, axis=-1)).astype(np.float32)


def _in_top_k(labels, y_pred, k):
    # A label counts when fewer than k classes score strictly higher than it.
    picked = np.take_along_axis(y_pred, labels[..., None].astype(np.intp), axis=-1)
    return (np.sum(y_pred > picked, axis=-1) < k).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the true class is among the k highest predictions."""
    return _in_top_k(np.argmax(y_true, axis=-1), np.asarray(y_pred), k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the integer label is among the k highest predictions."""
    return _in_top_k(_flat_labels(y_true), np.asarray(y_pred), k)


def _metric_class(class_name, fn, *names, **defaults):
    cls = metric_class(class_name, fn, names[0], **defaults)
    registry.register(fn, fn.__name__, *names[1:])
    return cls


Accuracy = _metric_class("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _metric_class("BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _metric_class("CategoricalAccuracy", categorical_accuracy, "categorical_accuracy")
SparseCategoricalAccuracy = _metric_class("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                          "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _metric_class("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                        "top_k_categorical_accuracy", k=5)
SparseTopKCategoricalAccuracy = _metric_class("SparseTopKCategoricalAccuracy",
                                              sparse_top_k_categorical_accuracy,
                                              "sparse_top_k_categorical_accuracy", k=5)


def resolve_accuracy(y_true_shape, y_pred_shape):
    """The accuracy function Keras 3 picks for ``"accuracy"`` from label and prediction shapes."""
    if y_pred_shape[-1] == 1:
        return binary_accuracy
    if len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1):
        return sparse_categorical_accuracy
    return categorical_accuracy


class _ResolvedAccuracy(MeanMetricWrapper):
    """``"accuracy"`` / ``"acc"`` given to compile: picks its function on the first batch."""

    def __init__(self, name="accuracy"):
        super().__init__(None, name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._fn is None:
            self._fn = resolve_accuracy(np.shape(y_true), np.shape(y_pred))
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"name": self.name, "dtype": "float32"}
