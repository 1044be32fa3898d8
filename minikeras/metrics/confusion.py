"""Metrics over confusion counts at thresholds: TruePositives...FalseNegatives, Precision, Recall, AUC.

A prediction is positive at threshold t when it is strictly above t; a label is positive when
it is non-zero. Counts at every threshold come from one pass: each prediction is mapped to the
number of thresholds it exceeds, a weighted ``bincount`` of those numbers gives a histogram, and
its reversed cumulative sum gives the counts (Keras's bucketing, no loop over thresholds).
"""
import numpy as np

from .. import activations
from ..utils.checks import integer
from ..utils.naming import to_snake_case
from .base import Metric, as_result, divide_no_nan, match_rank, registry, same_rank

EPSILON = 1e-7


def _threshold_list(thresholds, default, owner):
    values = [default] if thresholds is None else np.ravel(thresholds).tolist()
    bad = [t for t in values if t is None or not 0 <= t <= 1]
    if thresholds is not None and bad:
        raise ValueError(f"{owner} thresholds must be in [0, 1], got {bad}")
    return values


def _evenly_spaced(values):
    """Keras's test for thresholds i / (n - 1), which it buckets arithmetically."""
    n = len(values)
    return n >= 3 and np.allclose(values, np.arange(n, dtype=np.float32) / (n - 1), atol=EPSILON)


def _thresholds_exceeded(y_pred, values, evenly):
    """For each prediction, how many of the sorted thresholds ``values`` it is strictly above."""
    if evenly:
        # Keras buckets p into ceil(p * (n - 1)) - 1 (float32, p clipped to [0, 1]); the
        # bucket's index is the last threshold p exceeds. With the end thresholds at -eps and
        # 1 + eps, every p in [0, 1] exceeds the first one.
        n = len(values)
        bucket = np.ceil(np.clip(y_pred, 0, 1) * np.float32(n - 1)) - 1
        if values[0] < 0 or values[-1] > 1:
            np.maximum(bucket, 0, out=bucket)
        return bucket.astype(np.intp) + 1
    return np.searchsorted(np.asarray(values, dtype=np.float32), y_pred, side="left")


def confusion_counts(y_true, y_pred, thresholds, sample_weight=None, multi_label=False, label_weights=None,
                     evenly=None):
    """Weighted ``(tp, fp, tn, fn)`` at each threshold (Keras's ``update_confusion_matrix_variables``).

    Each is float64 of shape ``(len(thresholds),)``, or ``(len(thresholds), labels)`` with
    ``multi_label`` (2-D inputs, one curve per column); otherwise all entries are pooled.
    """
    y_true, y_pred = same_rank(y_true, y_pred)
    if y_true.size != y_pred.size:
        # Keras flattens both and fails on the size mismatch (integer class labels against
        # per-class probabilities, typically); say so plainly.
        raise ValueError(f"Confusion-matrix metrics (Precision, Recall, AUC, TruePositives...) need y_true "
                         f"with one 0/1 label per prediction: y_pred has shape {y_pred.shape}, y_true has "
                         f"shape {y_true.shape}. For integer class labels, one-hot encode them "
                         f"(keras.utils.to_categorical) or use an accuracy metric.")
    values = np.asarray(thresholds, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    values = values[order]
    evenly = _evenly_spaced(values) if evenly is None else evenly
    weights = np.ones(y_pred.shape) if sample_weight is None else np.broadcast_to(
        match_rank(np.asarray(sample_weight, dtype=np.float64), y_pred.ndim), y_pred.shape)
    if label_weights is not None:
        weights = weights * np.asarray(label_weights, dtype=np.float64)
    positive = y_true != 0
    n = len(values)
    exceeded = _thresholds_exceeded(y_pred, values, evenly)
    columns = y_pred.shape[-1] if multi_label else 1
    bins = exceeded.reshape(-1, columns) + (n + 1) * np.arange(columns)
    histograms = [np.bincount(bins.ravel(), weights=(weights * mask).ravel(), minlength=columns * (n + 1))
                  .reshape(columns, n + 1) for mask in (positive, ~positive)]
    # A prediction above k thresholds is predicted positive at the first k of them.
    tp, fp = (np.cumsum(h[:, ::-1], axis=1)[:, ::-1][:, 1:] for h in histograms)
    fn, tn = histograms[0].sum(axis=1, keepdims=True) - tp, histograms[1].sum(axis=1, keepdims=True) - fp
    counts = []
    for count in (tp, fp, tn, fn):
        unsorted = np.empty_like(count)
        unsorted[:, order] = count
        counts.append(unsorted.T if multi_label else unsorted[0])
    return tuple(counts)


class _ConfusionCount(Metric):
    """One confusion count per threshold, summed over batches."""

    _state = (("accumulator", "accumulator"),)

    _which = None  # index into (tp, fp, tn, fn)

    def __init__(self, thresholds=None, name=None, dtype=None):
        self.thresholds = _threshold_list(thresholds, 0.5, type(self).__name__)
        self.init_thresholds = thresholds
        super().__init__(name=name)

    def reset_state(self):
        self.accumulator = np.zeros(len(self.thresholds))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.accumulator += confusion_counts(y_true, y_pred, self.thresholds, sample_weight)[self._which]

    def result(self):
        return as_result(self.accumulator[0] if len(self.thresholds) == 1 else self.accumulator)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionCount):
    """Weighted count of positive labels predicted above the threshold (Keras ``TruePositives``)."""
    _which = 0


class FalsePositives(_ConfusionCount):
    """Weighted count of negative labels predicted above the threshold (Keras ``FalsePositives``)."""
    _which = 1


class TrueNegatives(_ConfusionCount):
    """Weighted count of negative labels predicted at or below the threshold (Keras ``TrueNegatives``)."""
    _which = 2


class FalseNegatives(_ConfusionCount):
    """Weighted count of positive labels predicted at or below the threshold (Keras ``FalseNegatives``)."""
    _which = 3


NEG_INF = -1e10  # Keras's metrics_utils.NEG_INF: the threshold with top_k, and the value of the others


def filter_top_k(y_pred, k):
    """``y_pred`` with all but the ``k`` largest values of the last axis set to ``NEG_INF``
    (Keras's ``_filter_top_k``; ties go to the lower index, as ``ops.top_k``)."""
    y_pred = np.asarray(y_pred, dtype=np.float32)
    keep = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(y_pred.shape, dtype=bool)
    np.put_along_axis(mask, keep, True, axis=-1)
    return np.where(mask, y_pred, np.float32(NEG_INF))


def top_k_and_class(y_true, y_pred, top_k, class_id, owner):
    """Labels and predictions as Keras's ``update_confusion_matrix_variables`` prepares them:
    brought to the same rank, predictions outside the ``top_k`` largest of each row set to
    ``NEG_INF``, then only column ``class_id`` kept (as a column of one)."""
    y_true, y_pred = same_rank(y_true, y_pred)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(f"{owner}: when class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        if not -y_pred.shape[-1] <= class_id < y_pred.shape[-1]:
            raise ValueError(f"{owner} class_id {class_id} is out of range for predictions of shape "
                             f"{y_pred.shape}")
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    return y_true, y_pred


class _PrecisionRecall(Metric):
    """tp and the other count of the ratio, per threshold; ``top_k`` keeps each row's k largest
    predictions (the others count as negative), ``class_id`` picks one column."""

    _direction = "up"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        owner = type(self).__name__
        self.top_k = integer(top_k, f"{owner} top_k", minimum=1, allow_none=True)
        self.class_id = integer(class_id, f"{owner} class_id", allow_none=True)
        # With top_k and no thresholds, Keras counts every kept prediction as positive.
        self.thresholds = _threshold_list(thresholds, 0.5 if top_k is None else NEG_INF, owner)
        self.init_thresholds = thresholds
        super().__init__(name=name)

    def reset_state(self):
        self.true_positives = np.zeros(len(self.thresholds))
        self.other = np.zeros(len(self.thresholds))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = top_k_and_class(y_true, y_pred, self.top_k, self.class_id, type(self).__name__)
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight)
        self.true_positives += counts[0]
        self.other += counts[self._other]

    def result(self):
        ratio = divide_no_nan(self.true_positives, self.true_positives + self.other)
        return as_result(ratio[0] if len(self.thresholds) == 1 else ratio)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """true positives / (true positives + false positives) (Keras ``Precision``).

    With ``top_k``, only each row's k largest predictions can be positive (and, with
    ``thresholds``, only those above the threshold); ``class_id`` scores one class's column.
    """

    _state = (("true_positives", "true_positives"), ("false_positives", "other"))
    _other = 1


class Recall(_PrecisionRecall):
    """true positives / (true positives + false negatives) (Keras ``Recall``; ``top_k`` and
    ``class_id`` as in ``Precision``)."""

    _state = (("true_positives", "true_positives"), ("false_negatives", "other"))
    _other = 3


_CURVES = {name: name.upper() for name in ("roc", "ROC", "pr", "PR", "prgain", "PRGAIN")}
_SUMMATIONS = {name: name.lower() for name in ("interpolation", "Interpolation", "majoring", "Majoring",
                                               "minoring", "Minoring")}


class AUC(Metric):
    """Area under the ROC or precision-recall curve from confusion counts at thresholds (Keras ``AUC``).

    ``num_thresholds - 2`` thresholds evenly spaced inside (0, 1), or the given ``thresholds``,
    plus ``-epsilon`` and ``1 + epsilon`` at the ends. ``summation_method="interpolation"`` is
    the trapezoid rule for ROC and Davis & Goadrich's interpolation for PR; ``"minoring"`` and
    ``"majoring"`` give lower and upper Riemann sums. ``multi_label=True`` averages one curve per
    column (weighted by ``label_weights``); otherwise all entries are pooled into one curve.
    """

    _state = tuple((n, n) for n in ("true_positives", "false_positives", "true_negatives", "false_negatives"))

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        if curve not in _CURVES:
            raise ValueError(f"AUC curve must be one of 'ROC', 'PR', 'PRGAIN', got {curve!r}")
        if summation_method not in _SUMMATIONS:
            raise ValueError("AUC summation_method must be one of 'interpolation', 'majoring', 'minoring', "
                             f"got {summation_method!r}")
        if thresholds is None and num_thresholds <= 1:
            raise ValueError(f"AUC num_thresholds must be an integer > 1, got {num_thresholds!r}")
        if num_labels and not multi_label:
            raise ValueError(f"AUC num_labels is needed only when multi_label=True, got num_labels={num_labels!r}")
        if thresholds is not None:
            inner = sorted(_threshold_list(thresholds, None, "AUC"))
            self.num_thresholds, self._evenly = len(inner) + 2, _evenly_spaced([0.0] + inner + [1.0])
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.num_thresholds, self._evenly = num_thresholds, True
        self._init_from_thresholds = thresholds is not None
        self._thresholds = [-EPSILON] + inner + [1 + EPSILON]
        self.curve, self.summation_method = _CURVES[curve], _SUMMATIONS[summation_method]
        self.multi_label, self.num_labels, self.from_logits = multi_label, num_labels, from_logits
        self.label_weights = None if label_weights is None else np.asarray(label_weights, dtype=np.float64)
        super().__init__(name=name)

    @property
    def thresholds(self):
        return list(self._thresholds)

    def reset_state(self):
        shape = (self.num_thresholds, self.num_labels) if self.multi_label and self.num_labels else None
        if not self.multi_label:
            shape = (self.num_thresholds,)
        self.true_positives = self.false_positives = self.true_negatives = self.false_negatives = None
        if shape is not None:
            self.true_positives, self.false_positives, self.true_negatives, self.false_negatives = (
                np.zeros(shape) for _ in range(4))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.asarray(y_pred, dtype=np.float32)
        if self.multi_label and y_pred.ndim != 2:
            raise ValueError(f"AUC with multi_label=True expects y_pred of rank 2, got shape {y_pred.shape}")
        if self.from_logits:
            y_pred = activations.sigmoid(y_pred)
        counts = confusion_counts(y_true, y_pred, self._thresholds, sample_weight, multi_label=self.multi_label,
                                  label_weights=None if self.multi_label else self.label_weights,
                                  evenly=self._evenly)
        if self.true_positives is None:
            self.true_positives, self.false_positives, self.true_negatives, self.false_negatives = counts
            return
        for total, count in zip((self.true_positives, self.false_positives, self.true_negatives,
                                 self.false_negatives), counts):
            total += count

    def _average(self, by_threshold):
        by_label = np.sum(by_threshold, axis=0)
        if not self.multi_label:
            return by_label
        if self.label_weights is None:
            return np.mean(by_label)
        return divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights))

    def _interpolated_pr(self):
        # Davis & Goadrich: tp and p = tp + fp vary linearly between thresholds A and B, so the
        # area of precision over recall there is slope * (dtp + intercept * log(p_A / p_B)) / positives.
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        p = tp + fp
        dtp, dp = tp[:-1] - tp[1:], p[:-1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both, divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        return divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                             np.maximum(tp[1:] + fn[1:], 0))

    def result(self):
        if self.true_positives is None:
            return np.float32(0)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return as_result(self._average(self._interpolated_pr()))
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:  # PRGAIN: gains relative to the positive rate, as Keras clamps them
            scale = divide_no_nan(tp + fn, tn + fp)
            x = np.where(tp == 0, 0.0, np.maximum(1 - scale * divide_no_nan(fn, tp), 0))
            y = np.where(tp == 0, 1.0, 1 - scale * divide_no_nan(fp, tp))
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return as_result(self._average((x[:-1] - x[1:]) * heights))

    def get_config(self):
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                  "from_logits": self.from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


for _cls in (TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall, AUC):
    registry.register(_cls, _cls.__name__, to_snake_case(_cls.__name__))
