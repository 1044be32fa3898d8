"""BackupAndRestore: resume an interrupted ``fit`` from its last backup."""
import json
import os
import shutil

from ..distribution.data_parallel import writes_files
from .callback import Callback
from .save_schedule import SaveSchedule


class BackupAndRestore(Callback):
    """Back up the weights and the epoch reached, and resume from them (Keras: ``BackupAndRestore``).

    After every epoch (or every ``save_freq`` batches) the weights and optimizer state go
    to ``backup_dir/latest.weights.h5`` through ``model.save_weights`` and the next epoch to
    run to ``backup_dir/training_metadata.json``. When ``fit`` starts with a backup
    present, the weights are loaded and training continues from that epoch; a backup
    taken mid-epoch restarts that epoch from its first batch with the saved weights, as in
    Keras. ``double_checkpoint=True`` keeps the previous backup as ``*.bkp`` and falls back to
    it when the latest cannot be read.

    When ``fit`` completes, the backup directory is deleted (``delete_checkpoint=True``).
    It is kept when training was interrupted (an exception, including Ctrl-C), so the next
    ``fit`` resumes. Unlike Keras, a later ``fit`` that finds no backup starts from its own
    ``initial_epoch`` rather than the epoch of an earlier restore.
    """

    _reads_logs_lazily = True  # reads batch logs seldom: they stay lazy (CallbackList)

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError(f"BackupAndRestore needs a backup_dir, got {backup_dir!r}")
        self._schedule = SaveSchedule(save_freq, "BackupAndRestore")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._current_epoch = 0
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._prev_weights_path = self._weights_path + ".bkp"
        self._prev_training_metadata_path = self._training_metadata_path + ".bkp"

    def on_train_begin(self, logs=None):
        try:
            self._load_model()
        except OSError:
            if not os.path.exists(self._prev_weights_path):
                raise
            shutil.copy(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copy(self._prev_training_metadata_path, self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        if not self.model.built:
            raise ValueError("To use the BackupAndRestore callback, the model must be built before fit() is "
                             f"called; model {self.model.name!r} is not built")
        if os.path.exists(self._weights_path):
            self.model.load_weights(self._weights_path)
        if os.path.exists(self._training_metadata_path):
            with open(self._training_metadata_path) as f:
                metadata = json.load(f)
            self._current_epoch = metadata["epoch"]
            self.model._initial_epoch = metadata["epoch"]

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._schedule.last_batch = None
        if self._schedule.per_epoch:
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self._schedule.batch_due(batch):
            self._save_model()

    def _save_model(self):
        if not writes_files():  # data-parallel: rank 0 backs up; fit broadcasts its weights after a restore
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            if os.path.exists(self._weights_path):
                shutil.copy(self._weights_path, self._prev_weights_path)
            if os.path.exists(self._training_metadata_path):
                shutil.copy(self._training_metadata_path, self._prev_training_metadata_path)
        self.model.save_weights(self._weights_path, overwrite=True)
        partial = self._training_metadata_path + ".partial"
        with open(partial, "w") as f:
            json.dump({"epoch": self._current_epoch, "batch": self._schedule.last_batch or 0}, f)
        os.replace(partial, self._training_metadata_path)  # atomic: never a half-written file

    def on_train_end(self, logs=None):
        if getattr(self.model, "_training_interrupted", False):
            return
        if self.delete_checkpoint and writes_files() and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)

