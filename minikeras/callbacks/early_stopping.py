"""EarlyStopping: stop training when a monitored quantity stops improving."""
import warnings

from .monitor_callback import MonitorCallback, check_number


class EarlyStopping(MonitorCallback):
    """Stop ``fit`` once ``monitor`` has not improved for ``patience`` epochs (Keras: ``EarlyStopping``).

    At each epoch end from ``start_from_epoch`` on: an improvement (better than the best
    so far by more than ``min_delta``) records the new best and resets the wait counter,
    but only if it also beats ``baseline`` when one is given; otherwise, once ``patience``
    epochs have passed without resetting, ``model.stop_training`` is set.

    ``restore_best_weights=True`` copies the weights at every new best and puts them back
    in ``on_train_end``, whether training stopped early or ran all its epochs (Keras 3
    semantics; tf.keras 2 only restored after an early stop). If no epoch beats
    ``baseline``, the best epoch of those seen is restored.
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, baseline=baseline, min_delta=min_delta)
        for argument, value in (("patience", patience), ("start_from_epoch", start_from_epoch)):
            check_number("EarlyStopping", argument, value)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.best_epoch = 0
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", flush=True)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.",
                      flush=True)
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                          f"Available metrics are: {','.join(logs)}", stacklevel=3)
        return value
