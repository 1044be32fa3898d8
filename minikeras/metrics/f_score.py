"""F-beta and F1 scores from per-class true positive, false positive and false negative totals."""
import numpy as np

from .base import Metric, as_result, registry

EPSILON = 1e-7
_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """(1 + beta**2) * precision * recall / (beta**2 * precision + recall) (Keras ``FBetaScore``).

    Inputs are 2-D ``(batch, classes)``. A prediction counts as positive when it is above
    ``threshold``, or, with ``threshold=None``, when it equals its row's maximum (and is not 0):
    Keras's one-hot of the top prediction, where ties all count. ``average``: None (one score
    per class), ``"micro"`` (pooled counts), ``"macro"`` (mean of the class scores) or
    ``"weighted"`` (class scores weighted by their label totals).
    """

    _direction = "up"

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        if average not in _AVERAGES:
            raise ValueError(f"{type(self).__name__} average must be one of {_AVERAGES}, got {average!r}")
        if not isinstance(beta, float) or beta <= 0:
            raise ValueError(f"{type(self).__name__} beta must be a Python float > 0, got {beta!r}")
        if threshold is not None and (not isinstance(threshold, float) or not 0 < threshold <= 1):
            raise ValueError(f"{type(self).__name__} threshold must be None or a Python float in (0, 1], "
                             f"got {threshold!r}")
        self.average, self.beta, self.threshold = average, beta, threshold
        super().__init__(name=name)

    def reset_state(self):
        # Per class (or pooled for "micro"): tp, fp, fn and the label total, sized at the first batch.
        self.true_positives = self.false_positives = self.false_negatives = self.intermediate_weights = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = np.asarray(y_true, dtype=np.float32), np.asarray(y_pred, dtype=np.float32)
        if y_true.ndim != 2 or y_pred.ndim != 2:
            raise ValueError(f"{type(self).__name__} expects 2-D y_true and y_pred of shape (batch_size, classes), "
                             f"got y_true {y_true.shape} and y_pred {y_pred.shape}")
        if self.threshold is None:
            predicted = (y_pred >= y_pred.max(axis=-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(np.float64)
        y_true = y_true.astype(np.float64)
        weights = 1.0 if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if np.ndim(weights) == 1:
            weights = weights[:, None]
        axis = None if self.average == "micro" else 0
        totals = [np.sum(weights * v, axis=axis) for v in
                  (predicted * y_true, predicted * (1 - y_true), (1 - predicted) * y_true, y_true)]
        if self.true_positives is None:
            self.true_positives, self.false_positives, self.false_negatives, self.intermediate_weights = totals
        else:
            self.true_positives = self.true_positives + totals[0]
            self.false_positives = self.false_positives + totals[1]
            self.false_negatives = self.false_negatives + totals[2]
            self.intermediate_weights = self.intermediate_weights + totals[3]

    def result(self):
        if self.true_positives is None:
            return np.float32(0)
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + EPSILON)
        recall = tp / (tp + self.false_negatives + EPSILON)
        b2 = self.beta ** 2
        score = (1 + b2) * precision * recall / (b2 * precision + recall + EPSILON)
        if self.average == "weighted":
            score = np.sum(score * self.intermediate_weights / (np.sum(self.intermediate_weights) + EPSILON))
        elif self.average is not None:
            score = np.mean(score)
        return as_result(score)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """2 * precision * recall / (precision + recall) (Keras ``F1Score``): ``FBetaScore`` with beta=1."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


registry.register(FBetaScore, "FBetaScore", "f_beta_score")
registry.register(F1Score, "F1Score", "f1_score")
