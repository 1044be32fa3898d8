"""History: records the logs of every epoch."""
from .callback import Callback


class History(Callback):
    """``history.history[key]`` lists one value per epoch; ``fit`` returns this object.

    ``history.epoch`` lists the (0-based) epochs run. A key missing from some epochs'
    logs (``val_*`` with ``validation_freq``) has a shorter list, as in Keras;
    ``history.epochs_of[key]`` (minikeras only) says which epochs its values belong to.
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []
        self.epochs_of = {}

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
            self.epochs_of.setdefault(key, []).append(epoch)
        if self.model is not None:
            self.model.history = self
