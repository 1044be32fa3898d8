"""The Callback base class with every Keras hook."""


class Callback:
    """Base class for objects that observe training (Keras: ``keras.callbacks.Callback``).

    ``self.model`` and ``self.params`` (``epochs``, ``steps``, ``verbose``) are set before
    training starts. Every hook receives ``logs``, a dict of metric values keyed as Keras
    keys them (``loss``, metric names, ``val_`` prefixes).
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_train_batch_begin(self, batch, logs=None): pass
    def on_train_batch_end(self, batch, logs=None): pass
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass

    def on_batch_begin(self, batch, logs=None):
        """Keras alias of ``on_train_batch_begin``."""

    def on_batch_end(self, batch, logs=None):
        """Keras alias of ``on_train_batch_end``."""
