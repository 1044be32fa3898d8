"""The up-front check of compiled metrics against the labels, before fit or evaluate changes anything.

Each metric is run once, on a copy, on the first two rows of y against a dummy prediction of
the model's output shape. A metric that cannot take the labels' format then fails before the
first training step, with an error naming it, instead of a NumPy broadcasting error after the
weights have already changed. The check costs one tiny update per metric per fit/evaluate call.
"""
import copy
import warnings

import numpy as np


def check_metrics(metrics, weighted_metrics, y, output_shape, sample_weight=None, prefix=""):
    """Raise ValueError naming the metric, y's shape and the predictions' shape if a metric fails.

    ``output_shape`` is the model's ``(batch, ...)`` output shape; its batch size is ignored.
    Metrics that cannot be copied are skipped (nothing is ever run on the caller's metric).
    """
    if not (metrics or weighted_metrics) or any(d is None for d in output_shape[1:]):
        return
    rows = min(2, len(y))
    labels = np.asarray(y[:rows])
    y_pred = np.full((rows,) + tuple(output_shape[1:]), 0.5, dtype=np.float32)
    weights = None if sample_weight is None else np.asarray(sample_weight[:rows])
    for metric, sw in [(m, None) for m in metrics] + [(m, weights) for m in weighted_metrics]:
        try:
            trial = copy.deepcopy(metric)
        except Exception:  # a custom metric holding something uncopyable: not checked
            continue
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                trial.update_state(labels, y_pred, sample_weight=sw)
        except (ValueError, TypeError, IndexError) as error:
            full_y = (len(y),) + tuple(np.shape(labels)[1:])
            full_pred = (len(y),) + tuple(output_shape[1:])
            message = str(error).strip().rstrip(".")
            hint = ""
            if len(full_y) < len(full_pred) and full_pred[-1] > 1 and "to_categorical" not in message:
                hint = (" Integer class labels go with sparse_categorical_accuracy (or 'accuracy'); other "
                        "metrics need one-hot labels (keras.utils.to_categorical).")
            raise ValueError(f"{prefix}y: metric {metric.name!r} cannot take y of shape {full_y} with predictions "
                             f"of shape {full_pred} (tried on the first {rows} rows: {message}).{hint}") from error
