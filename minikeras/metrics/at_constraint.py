"""One rate at the best threshold that keeps another rate at a target: SensitivityAtSpecificity,
SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision (Keras's
``SensitivitySpecificityBase`` family).

Counts are taken at ``num_thresholds`` thresholds ``0, 1/(n-1), ..., 1`` (one threshold, 0.5,
when ``num_thresholds=1``) in one bucketing pass, as for AUC. The result is the largest value
of the dependent rate over the thresholds where the constrained rate is at least the target,
and 0 when no threshold reaches it.
"""
import numpy as np

from ..utils.checks import integer, number
from ..utils.naming import to_snake_case
from .base import Metric, as_result, divide_no_nan, registry
from .confusion import confusion_counts, top_k_and_class


class _AtConstraint(Metric):
    """Confusion counts at evenly spaced thresholds; subclasses pick the two rates."""

    _state = tuple((n, n) for n in ("true_positives", "false_positives", "true_negatives", "false_negatives"))
    _direction = "up"
    _target = None  # the constructor argument that holds the target (Keras's ``value``)

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        owner = type(self).__name__
        self.value = number(value, f"{owner} {self._target}", minimum=0, maximum=1)
        setattr(self, self._target, self.value)
        self.num_thresholds = integer(num_thresholds, f"{owner} num_thresholds", minimum=1)
        self.class_id = integer(class_id, f"{owner} class_id", allow_none=True)
        if num_thresholds == 1:
            self.thresholds, self._evenly = [0.5], False
        else:
            self.thresholds = [0.0] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1.0]
            self._evenly = True
        super().__init__(name=name)

    def reset_state(self):
        self.true_positives, self.false_positives, self.true_negatives, self.false_negatives = (
            np.zeros(len(self.thresholds)) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = top_k_and_class(y_true, y_pred, None, self.class_id, type(self).__name__)
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, evenly=self._evenly)
        for total, count in zip((self.true_positives, self.false_positives, self.true_negatives,
                                 self.false_negatives), counts):
            total += count

    def _rates(self):
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        return {"sensitivity": divide_no_nan(tp, tp + fn), "recall": divide_no_nan(tp, tp + fn),
                "specificity": divide_no_nan(tn, tn + fp), "precision": divide_no_nan(tp, tp + fp)}

    def result(self):
        rates = self._rates()
        constrained, dependent = rates[self._target], rates[self._dependent]
        # Compared in float32, as Keras computes the rates.
        feasible = constrained.astype(np.float32) >= np.float32(self.value)
        return as_result(np.max(np.where(feasible, dependent, 0.0), initial=0.0))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id, "num_thresholds": self.num_thresholds,
                self._target: self.value}

    @classmethod
    def from_config(cls, config):
        return cls(**{k: v for k, v in config.items() if k != "dtype"})


class SensitivityAtSpecificity(_AtConstraint):
    """The best sensitivity (recall) where specificity is at least ``specificity`` (Keras
    ``SensitivityAtSpecificity``)."""

    _target, _dependent = "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)


class SpecificityAtSensitivity(_AtConstraint):
    """The best specificity where sensitivity is at least ``sensitivity`` (Keras
    ``SpecificityAtSensitivity``)."""

    _target, _dependent = "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)


class PrecisionAtRecall(_AtConstraint):
    """The best precision where recall is at least ``recall`` (Keras ``PrecisionAtRecall``)."""

    _target, _dependent = "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)


class RecallAtPrecision(_AtConstraint):
    """The best recall where precision is at least ``precision`` (Keras ``RecallAtPrecision``)."""

    _target, _dependent = "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)


for _cls in (SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall, RecallAtPrecision):
    registry.register(_cls, _cls.__name__, to_snake_case(_cls.__name__))
