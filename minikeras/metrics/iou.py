"""Intersection-over-union from a streaming confusion matrix: IoU, BinaryIoU, MeanIoU,
OneHotIoU, OneHotMeanIoU (Keras's ``iou_metrics``).

For class c, IoU = TP / (TP + FP + FN) from a ``num_classes x num_classes`` matrix of
(true class, predicted class) counts summed over batches. The result averages the IoU of the
target classes that occur (in the labels or the predictions); absent classes count neither
way. As in Keras, the matrix and the sample weights are integers (a float weight is truncated,
with a warning), labels and predictions outside ``[0, num_classes)`` and entries whose label
is ``ignore_class`` are left out.
"""
import warnings

import numpy as np

from ..utils.checks import flag, integer
from ..utils.naming import to_snake_case
from .base import Metric, registry

EPSILON = 1e-7


class _IoUBase(Metric):
    """The confusion matrix and its update (Keras ``_IoUBase``)."""

    _state = (("total_confusion_matrix", "total_cm"),)
    _direction = "up"

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        owner = type(self).__name__
        self.num_classes = integer(num_classes, f"{owner} num_classes", minimum=1)
        self.ignore_class = integer(ignore_class, f"{owner} ignore_class", allow_none=True)
        self.sparse_y_true = flag(sparse_y_true, f"{owner} sparse_y_true")
        self.sparse_y_pred = flag(sparse_y_pred, f"{owner} sparse_y_pred")
        self.axis = integer(axis, f"{owner} axis")
        super().__init__(name=name)

    def reset_state(self):
        self.total_cm = np.zeros((self.num_classes, self.num_classes), dtype=np.int64)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch: class ids (or, with ``sparse_y_*=False``, scores whose argmax along
        ``axis`` is the class) of any shape, flattened."""
        if not self.sparse_y_true:
            y_true = np.argmax(np.asarray(y_true), axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = np.argmax(np.asarray(y_pred), axis=self.axis)
        # Keras converts to its int dtype, truncating toward zero.
        y_true = np.asarray(y_true).astype(np.int64).ravel()
        y_pred = np.asarray(y_pred).astype(np.int64).ravel()
        if y_true.size != y_pred.size:
            raise ValueError(f"{type(self).__name__}: y_true has {y_true.size} entries and y_pred "
                             f"{y_pred.size}; they must have one class id each")
        if sample_weight is None:
            weights = np.ones(y_true.shape, dtype=np.int64)
        else:
            sample_weight = np.asarray(sample_weight)
            if np.issubdtype(sample_weight.dtype, np.floating):
                warnings.warn("You are passing weight as `float`, but dtype is `int`. This may result in an "
                              "incorrect weight due to type casting Consider using integer weights.",
                              stacklevel=2)
            weights = np.broadcast_to(sample_weight.astype(np.int64).ravel(), y_true.shape)
        keep = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            keep &= y_true != self.ignore_class
        cells = y_true[keep] * self.num_classes + y_pred[keep]
        self.total_cm += np.bincount(cells, weights=weights[keep], minlength=self.num_classes ** 2) \
            .astype(np.int64).reshape(self.num_classes, self.num_classes)

    @property
    def dtype(self):
        """``"int32"``: Keras's IoU metrics count in integers (the result is float32)."""
        return "int32"

    def get_config(self):
        return {"name": self.name, "dtype": "int32", "num_classes": self.num_classes,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}

    @classmethod
    def from_config(cls, config):
        return cls(**{k: v for k, v in config.items() if k != "dtype"})


class IoU(_IoUBase):
    """Mean IoU over ``target_class_ids`` (Keras ``IoU``): for each, TP / (TP + FP + FN)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        ids = [integer(i, f"{type(self).__name__} target_class_ids entry", minimum=0)
               for i in np.ravel(target_class_ids).tolist()]
        if not ids:
            raise ValueError(f"{type(self).__name__} target_class_ids must name at least one class, got "
                             f"{target_class_ids!r}")
        if max(ids) >= self.num_classes:
            raise ValueError(f"Target class id {max(ids)} is out of range, which is [0, {self.num_classes}).")
        self.target_class_ids = ids

    def result(self):
        cm = self.total_cm.astype(np.float64)
        true_positives = np.diag(cm)
        # row sum + column sum = 2 TP + FP + FN
        denominator = cm.sum(axis=0) + cm.sum(axis=1) - true_positives
        true_positives = true_positives[self.target_class_ids].astype(np.float32)
        denominator = denominator[self.target_class_ids].astype(np.float32)
        valid = denominator > 1e-9
        iou = np.where(valid, true_positives / (denominator + np.float32(EPSILON)), np.float32(0))
        return np.float32(np.sum(iou, dtype=np.float32) / (np.float32(valid.sum()) + np.float32(EPSILON)))

    def get_config(self):
        config = super().get_config()
        return {"name": config.pop("name"), "dtype": config.pop("dtype"), "num_classes": config.pop("num_classes"),
                "target_class_ids": self.target_class_ids, **config}


class BinaryIoU(IoU):
    """IoU for two classes from probabilities (Keras ``BinaryIoU``): a prediction is class 1 when
    it is at least ``threshold``; labels are 0 or 1. ``target_class_ids=(0, 1)`` averages both."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = (np.asarray(y_pred, dtype=np.float32) >= np.float32(self.threshold)).astype(np.int64)
        super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold, "name": self.name,
                "dtype": "int32"}


class MeanIoU(IoU):
    """IoU averaged over all ``num_classes`` classes (Keras ``MeanIoU``)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(integer(num_classes, "MeanIoU num_classes", minimum=1))),
                         name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": "int32",
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU over ``target_class_ids`` with one-hot labels and per-class scores (argmax along
    ``axis``; ``sparse_y_pred=True`` for class-id predictions) (Keras ``OneHotIoU``)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids, "name": self.name,
                "dtype": "int32", "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot labels and per-class scores (Keras ``OneHotMeanIoU``)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": "int32",
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


for _cls in (IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU):
    registry.register(_cls, _cls.__name__, to_snake_case(_cls.__name__))
