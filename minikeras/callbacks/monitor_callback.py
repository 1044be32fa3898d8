"""MonitorCallback: the shared "is this value better than the best so far?" logic."""
import warnings

import numpy as np

from ..utils import checks
from .callback import Callback

_MODES = ("auto", "min", "max")


def metric_direction(metric):
    """``"up"`` when larger values of ``metric`` are better, ``"down"`` when smaller, else None."""
    direction = getattr(metric, "_direction", None)
    if direction in ("up", "down"):
        return direction
    from .. import losses, metrics
    if isinstance(metric, (metrics.Precision, metrics.Recall)):
        return "up"
    fn = getattr(metric, "_fn", None)
    name = getattr(fn, "__name__", "") or ""
    if "accuracy" in name or "accuracy" in type(metric).__name__.lower() or metric.name in ("accuracy", "acc"):
        return "up"
    if fn is not None and getattr(losses, name, None) is fn:
        return "down"
    return None


def check_number(owner, argument, value, allow_none=False):
    """Raise ValueError naming ``argument`` unless ``value`` is a real number (or None when allowed).

    Run in the constructors: a string such as ``patience="2"`` otherwise fails in a comparison
    at the end of some epoch, after training has already changed the weights.
    """
    checks.number(value, f"{owner} {argument}", allow_none=allow_none)


class MonitorCallback(Callback):
    """Base of EarlyStopping, ModelCheckpoint and ReduceLROnPlateau (Keras: ``MonitorCallback``).

    ``mode="min"`` means smaller is better, ``"max"`` larger; ``"auto"`` minimizes
    ``loss``/``val_loss`` and otherwise reads the compiled metric's ``_direction`` (``"up"`` or
    ``"down"``, declared by each built-in metric as in Keras: AUC, R2Score and F1Score go up,
    the loss-valued metrics down); a metric without one (the confusion counts, a plain
    function whose name does not say accuracy) raises, as in Keras.
    An unknown mode warns and falls back to ``"auto"``, as in Keras. A value improves on
    the reference when it beats it by more than ``min_delta``.
    """

    _baseline_argument = "baseline"  # what the subclass's constructor calls ``baseline``

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        owner = type(self).__name__
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"{owner} monitor must be the name of a logged value such as 'val_loss', "
                             f"got {monitor!r}")
        check_number(owner, "min_delta", min_delta)
        check_number(owner, self._baseline_argument, baseline, allow_none=True)
        if mode not in _MODES:
            warnings.warn(f"{type(self).__name__} mode {mode!r} is unknown, falling back to 'auto'",
                          stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            name = self.monitor[4:] if self.monitor.startswith("val_") else self.monitor
            if name == "loss":
                self.monitor_op = np.less
            for metric in getattr(self.model, "metrics", None) or []:
                if metric.name == name and metric.name != "loss":
                    direction = metric_direction(metric)
                    if direction is not None:
                        self.monitor_op = np.greater if direction == "up" else np.less
            if self.monitor_op is None:
                raise ValueError(f"{type(self).__name__} received monitor={self.monitor!r}, but cannot tell "
                                 "whether that metric should be maximized or minimized: pass mode='max' to "
                                 "keep the highest value or mode='min' to keep the lowest")
        if self.monitor_op is np.less:
            self.min_delta = -abs(self.min_delta)

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return bool(self.monitor_op(value - self.min_delta, reference))
