"""ModelCheckpoint: save the model (or its weights) during training."""
import os
import warnings

import numpy as np

from ..distribution.data_parallel import writes_files
from .monitor_callback import MonitorCallback
from .save_schedule import SaveSchedule


class ModelCheckpoint(MonitorCallback):
    """Save the model or its weights every epoch or every ``save_freq`` batches (Keras: ``ModelCheckpoint``).

    ``filepath`` may hold ``str.format`` fields filled from ``epoch`` (1-based), ``batch``
    (1-based, when saving every ``save_freq`` batches) and the logs, e.g.
    ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``. It must end in ``.weights.h5`` with
    ``save_weights_only=True`` (saved by ``model.save_weights``), else in ``.keras`` or
    ``.h5`` (saved by ``model.save``). Missing directories are created. Saves are atomic
    (minikeras.saving writes a temporary file and renames it), so an interrupted save never
    leaves a truncated checkpoint.

    ``save_best_only=True`` writes only when ``monitor`` improves on the best value so far
    (starting from ``initial_value_threshold`` when given); if ``monitor`` is missing from
    the logs it warns and saves anyway, as Keras does.
    """

    _reads_logs_lazily = True  # reads batch logs seldom: they stay lazy (CallbackList)

    _baseline_argument = "initial_value_threshold"

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._schedule = SaveSchedule(save_freq, "ModelCheckpoint")
        self._current_epoch = 0
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("ModelCheckpoint with save_weights_only=True needs a filepath ending in "
                             f"'.weights.h5', got filepath={self.filepath!r}")
        if not save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("ModelCheckpoint needs a filepath ending in '.keras' or '.h5' (or '.weights.h5' "
                             f"with save_weights_only=True), got filepath={self.filepath!r}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._schedule.batch_due(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self._schedule.per_epoch:
            self._save_model(epoch, None, logs)

    def _should_save_model(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0 and writes_files():  # (data-parallel: rank 0 speaks)
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}", flush=True)
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.", stacklevel=4)
            return True
        if np.ndim(current) > 0:
            warnings.warn(f"Can save best model only when `monitor` is a scalar value, got {current}: "
                          "falling back to save_best_only=False", stacklevel=4)
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0 and writes_files():
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to {current:.5f}, "
                      f"saving model to {filepath}", flush=True)
            self.best = current
            return True
        if self.verbose > 0 and writes_files():
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}", flush=True)
        return False

    def _save_model(self, epoch, batch, logs):
        logs = dict(logs or {})
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath) or not writes_files():
            return  # (data-parallel: every rank decides the same, rank 0 writes)
        if os.path.isdir(filepath):
            raise IOError(f"ModelCheckpoint filepath must be a file, not an existing directory: {filepath}")
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: finished saving model to {filepath}", flush=True)

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as error:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {error}') from None
