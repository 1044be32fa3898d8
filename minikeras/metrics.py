"""Streaming metrics: ``update_state`` per batch, ``result`` at any time, ``reset_state``.

State is a few float64 totals, so evaluating on any number of rows uses constant memory.
``"accuracy"`` resolves by shapes at the first update, as Keras 3's compile does.
"""
import numpy as np

from . import losses
from .registry import Registry

_registry = Registry("metric")


class Metric:
    """Base class of streaming metrics (Keras: ``keras.metrics.Metric``)."""

    def __init__(self, name=None, dtype=None):
        from .utils.naming import to_snake_case
        self.name = name or to_snake_case(type(self).__name__)
        self.reset_state()

    def reset_state(self):
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Update with one batch and return the running result (as Keras's stateful call)."""
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": "float32"}

    @classmethod
    def from_config(cls, config):
        config = {k: v for k, v in config.items() if k != "dtype"}
        return cls(**config)


class Mean(Metric):
    """Weighted mean of the values given to ``update_state(values, sample_weight)``."""

    def reset_state(self):
        self.total = np.float64(0)
        self.count = np.float64(0)

    def update_state(self, values, sample_weight=None):
        if isinstance(values, (float, np.floating)) and isinstance(sample_weight, (int, float, type(None))):
            # One value per step (the training loop's loss): plain scalar arithmetic.
            weight = 1 if sample_weight is None else sample_weight
            self.total += float(values) * weight
            self.count += weight
            return
        values = np.asarray(values, dtype=np.float64)
        if sample_weight is None:
            self.total += values.sum()
            self.count += values.size
        else:
            weights = np.broadcast_to(_match_rank(np.asarray(sample_weight, dtype=np.float64), values.ndim),
                                      values.shape)
            self.total += np.sum(values * weights)
            self.count += weights.sum()

    def result(self):
        return np.float32(self.total / self.count) if self.count else np.float32(0)


def _match_rank(weights, ndim):
    if weights.ndim > ndim and weights.shape[-1] == 1:
        weights = weights.reshape(weights.shape[:-1])
    while weights.ndim < ndim:
        weights = weights[..., None]
    return weights


class MeanMetricWrapper(Mean):
    """Mean over samples of a per-sample function ``fn(y_true, y_pred)``."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", None))

    def update_state(self, y_true, y_pred, sample_weight=None):
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


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
    def __init__(self, name=None, dtype=None, **kwargs):
        params = {**defaults, **kwargs}
        MeanMetricWrapper.__init__(self, fn, name=name or names[0], **params)

    cls = type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__module__": __name__,
                                                  "__doc__": f"Keras ``{class_name}``: {fn.__doc__}"})
    _registry.register(cls, class_name)
    _registry.register(fn, fn.__name__, *names[1:])
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
MeanSquaredError = _metric_class("MeanSquaredError", losses.mean_squared_error, "mean_squared_error", "mse")
MeanAbsoluteError = _metric_class("MeanAbsoluteError", losses.mean_absolute_error, "mean_absolute_error", "mae")
_registry.register(Mean, "Mean")
_registry.register(MeanMetricWrapper, "MeanMetricWrapper")


class _Confusion(Metric):
    """Counts of true/false positives at a threshold; a prediction is positive when > threshold."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        if top_k is not None:
            raise ValueError(f"{type(self).__name__} top_k is not supported by minikeras, got {top_k!r}")
        self.thresholds = thresholds
        self.class_id = class_id
        self._threshold = 0.5 if thresholds is None else float(np.ravel(thresholds)[0])
        super().__init__(name=name)

    def reset_state(self):
        self.true_positives = np.float64(0)
        self.false_positives = np.float64(0)
        self.false_negatives = np.float64(0)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(y_pred)
        y_true = np.asarray(y_true)
        if self.class_id is not None:
            y_pred, y_true = y_pred[..., self.class_id], y_true[..., self.class_id]
        predicted = (y_pred > self._threshold).reshape(y_pred.shape[0], -1)
        actual = (y_true > 0.5).reshape(y_pred.shape[0], -1) if y_true.size == y_pred.size else \
            (_flat_labels(y_true) > 0.5).reshape(y_pred.shape[0], -1)
        weights = np.ones((y_pred.shape[0], 1)) if sample_weight is None else \
            np.asarray(sample_weight, dtype=np.float64).reshape(-1, 1)
        self.true_positives += np.sum(weights * (predicted & actual))
        self.false_positives += np.sum(weights * (predicted & ~actual))
        self.false_negatives += np.sum(weights * (~predicted & actual))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.thresholds, "top_k": None,
                "class_id": self.class_id}


class Precision(_Confusion):
    """true positives / (true positives + false positives)."""

    def result(self):
        denominator = self.true_positives + self.false_positives
        return np.float32(self.true_positives / denominator) if denominator else np.float32(0)


class Recall(_Confusion):
    """true positives / (true positives + false negatives)."""

    def result(self):
        denominator = self.true_positives + self.false_negatives
        return np.float32(self.true_positives / denominator) if denominator else np.float32(0)


_registry.register(Precision, "Precision", "precision")
_registry.register(Recall, "Recall", "recall")


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


def get(identifier):
    """Resolve a metric name, config, instance or function (Keras: ``keras.metrics.get``)."""
    return _registry.get(identifier)


def to_metric(identifier):
    """A streaming ``Metric`` named as Keras names it in the logs, for ``compile(metrics=...)``."""
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return _ResolvedAccuracy(name=identifier)
    if isinstance(identifier, Metric):
        return identifier
    obj = _registry.get(identifier)
    if isinstance(obj, Metric):
        if isinstance(identifier, str):
            obj.name = identifier
        return obj
    if callable(obj):
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", "metric")
        return MeanMetricWrapper(obj, name=name)
    raise TypeError(f"Could not interpret metric {identifier!r}")


def serialize(metric):
    return _registry.serialize(metric)


def deserialize(config, custom_objects=None):
    return _registry.get(config, custom_objects)
