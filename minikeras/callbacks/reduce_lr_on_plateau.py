"""ReduceLROnPlateau: lower the learning rate when a monitored quantity stops improving."""
import warnings

import numpy as np

from .learning_rate_scheduler import set_learning_rate
from .monitor_callback import MonitorCallback, check_number


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement (Keras: ``ReduceLROnPlateau``).

    At each epoch end: while cooling down (``cooldown`` epochs after a reduction) the
    wait counter stays at 0; an improvement by more than ``min_delta`` records the new
    best and resets the wait; otherwise, out of cooldown, the wait grows and at
    ``patience`` the rate becomes ``max(lr * factor, min_lr)`` (unless it is already at
    ``min_lr``). The rate in use is added to the logs as ``learning_rate`` (before any
    reduction at that epoch, as Keras does).
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__(monitor, mode, min_delta=min_delta)
        for argument, value in (("factor", factor), ("patience", patience), ("cooldown", cooldown),
                                ("min_lr", min_lr)):
            check_number("ReduceLROnPlateau", argument, value)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0, got factor={factor}")
        for key in kwargs:
            warnings.warn(f"ReduceLROnPlateau ignores the unknown argument {key!r}", stacklevel=2)
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def _reset(self):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def in_cooldown(self):
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs)}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce_lr(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce_lr(self, epoch):
        optimizer = self.model.optimizer
        old_lr = float(optimizer.learning_rate)
        if old_lr <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        set_learning_rate(optimizer, new_lr)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.", flush=True)
        return True
