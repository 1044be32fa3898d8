"""Regression metrics: the mean of a loss function's per-sample values, RMSE, and R2Score."""
import warnings

import numpy as np

from .. import losses
from .base import Mean, Metric, metric_class, registry, same_rank


def _regression_class(class_name, fn, default_name, *aliases, doc=None, direction="down", **defaults):
    cls = metric_class(class_name, fn, default_name, doc=doc, prepare=same_rank, direction=direction, **defaults)
    registry.register(cls, *aliases)
    return cls


def _cosine_similarity(y_true, y_pred, axis=-1):
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


MeanSquaredError = metric_class("MeanSquaredError", losses.mean_squared_error, "mean_squared_error",
                                prepare=same_rank, direction="down")
MeanAbsoluteError = metric_class("MeanAbsoluteError", losses.mean_absolute_error, "mean_absolute_error",
                                 prepare=same_rank, direction="down")
registry.register(losses.mean_squared_error, "mean_squared_error", "mse")
registry.register(losses.mean_absolute_error, "mean_absolute_error", "mae")
MeanAbsolutePercentageError = _regression_class(
    "MeanAbsolutePercentageError", losses.mean_absolute_percentage_error, "mean_absolute_percentage_error",
    "mean_absolute_percentage_error", "mape")
MeanSquaredLogarithmicError = _regression_class(
    "MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error, "mean_squared_logarithmic_error",
    "mean_squared_logarithmic_error", "msle")
LogCoshError = _regression_class("LogCoshError", losses.log_cosh, "logcosh", "log_cosh_error")
CosineSimilarity = _regression_class(
    "CosineSimilarity", _cosine_similarity, "cosine_similarity", "cosine_similarity", axis=-1, direction="up",
    doc="sum(l2_normalize(y_true) * l2_normalize(y_pred)) along ``axis`` (the loss without its minus sign).")


class RootMeanSquaredError(Mean):
    """sqrt of the weighted mean of (y_pred - y_true)**2 (Keras ``RootMeanSquaredError``)."""

    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = same_rank(y_true, y_pred)
        super().update_state(np.square(y_pred - y_true), sample_weight)

    def result(self):
        return np.sqrt(super().result())


class R2Score(Metric):
    """Coefficient of determination per output column, aggregated (Keras ``R2Score``).

    ``1 - sum((y - y_pred)**2) / sum((y - mean(y))**2)`` from streamed weighted sums per column;
    ``class_aggregation`` is ``"uniform_average"`` (default), ``"variance_weighted_average"`` or
    None (one score per column); ``num_regressors > 0`` gives the adjusted R2. Inputs are 2-D.

    The adjusted R2's ``n`` is the number of rows with a non-zero weight in at least one
    output, as in Keras since keras-team/keras#23334 (merged for 3.16). Keras 3.15 counts
    every element, ``rows x outputs`` (zero-weighted ones too), so on multi-output data it
    gives a less adjusted score. With ``num_regressors >= n - 1`` the plain R2 is returned
    with Keras's warnings.
    """

    _state = (("num_samples", "num_samples"),)

    _direction = "up"

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score", dtype=None):
        choices = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in choices:
            raise ValueError(f"R2Score class_aggregation must be one of {choices}, got {class_aggregation!r}")
        if num_regressors < 0:
            raise ValueError(f"R2Score num_regressors must be >= 0, got {num_regressors!r}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        super().__init__(name=name)

    def reset_state(self):
        self.sum = self.squared_sum = self.residual = self.count = None  # per column, sized at the first batch
        self.num_samples = np.float64(0)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = same_rank(y_true, y_pred)
        if y_true.ndim != 2 or y_pred.ndim != 2:
            raise ValueError(f"R2Score expects 2-D y_true and y_pred of shape (batch_size, outputs), got "
                             f"y_true {y_true.shape} and y_pred {y_pred.shape}")
        weights = np.ones(1) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        weights = np.broadcast_to(weights[:, None] if weights.ndim == 1 else weights, y_true.shape)
        y_true, y_pred = y_true.astype(np.float64), y_pred.astype(np.float64)
        if self.sum is None:
            self.sum, self.squared_sum, self.residual, self.count = (np.zeros(y_pred.shape[-1]) for _ in range(4))
        self.sum += np.sum(weights * y_true, axis=0)
        self.squared_sum += np.sum(weights * y_true * y_true, axis=0)
        self.residual += np.sum(weights * np.square(y_true - y_pred), axis=0)
        self.count += np.sum(weights, axis=0)
        self.num_samples += np.count_nonzero(np.any(weights != 0, axis=-1))

    def result(self):
        if self.sum is None:
            return np.float32(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            total = self.squared_sum - self.sum * (self.sum / self.count)
            scores = 1 - self.residual / total
        scores = np.where(np.isinf(scores), 0.0, scores)
        if self.class_aggregation == "uniform_average":
            scores = np.mean(scores)
        elif self.class_aggregation == "variance_weighted_average":
            scores = np.sum(total * scores) / np.sum(total)
        if self.num_regressors:
            n, p = self.num_samples, self.num_regressors
            if p > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 score. "
                              "Falling back to standard R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("Division by zero in Adjusted R2 score. Falling back to standard R2 score.",
                              stacklevel=2)
            else:
                scores = 1 - (1 - scores) * (n - 1) / (n - p - 1)
        return np.asarray(scores, dtype=np.float32)[()] if np.ndim(scores) == 0 else scores.astype(np.float32)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}


registry.register(RootMeanSquaredError, "RootMeanSquaredError", "root_mean_squared_error")
registry.register(R2Score, "R2Score", "r2_score")


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's r along ``axis``: the mean product of the standardized labels and predictions
    (Keras ``keras.metrics.pearson_correlation``; NaN where either has no spread)."""
    y_true, y_pred = same_rank(y_true, y_pred)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = y_true - np.mean(y_true, axis=axis, keepdims=True)
        p = y_pred - np.mean(y_pred, axis=axis, keepdims=True)
        t = t / np.std(t, axis=axis, keepdims=True)
        p = p / np.std(p, axis=axis, keepdims=True)
    return np.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along ``axis``, as Keras computes it
    (``keras.metrics.concordance_correlation``: its covariance term centres both factors on
    the predictions' mean)."""
    y_true, y_pred = same_rank(y_true, y_pred)
    true_mean = np.mean(y_true, axis=axis, keepdims=True)
    pred_mean = np.mean(y_pred, axis=axis, keepdims=True)
    true_var = np.var(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = np.var(y_pred - pred_mean, axis=axis, keepdims=True)
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + np.square(true_mean - pred_mean)
    return np.mean(2 * covariance / (norm + np.float32(1e-7)), axis=axis)


PearsonCorrelation = _regression_class("PearsonCorrelation", pearson_correlation, "pearson_correlation",
                                       "pearson_correlation", axis=-1, direction="up")
ConcordanceCorrelation = _regression_class("ConcordanceCorrelation", concordance_correlation,
                                           "concordance_correlation", "concordance_correlation", axis=-1,
                                           direction="up")
