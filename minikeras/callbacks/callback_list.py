"""CallbackList: fans every hook out to a list of callbacks."""
from .callback import Callback

_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
                "on_predict_batch_begin", "on_predict_batch_end", "on_batch_begin", "on_batch_end")


def _overrides(callback, hook):
    if hook in vars(callback):  # set on the instance, as LambdaCallback does
        return True
    method = getattr(type(callback), hook, None)
    return method is not None and method is not getattr(Callback, hook)


def flatten_callbacks(callbacks):
    """The ``callbacks`` argument as a flat list of Callbacks.

    Like Keras (whose CallbackList flattens the argument), a single Callback, a CallbackList
    and lists or tuples of them (nested too) are accepted; anything else is a TypeError
    naming ``callbacks``.
    """
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if isinstance(callbacks, CallbackList):
        return list(callbacks.callbacks)
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError("callbacks must be a Callback or a list of Callbacks, got "
                        f"{type(callbacks).__name__}: {callbacks!r}")
    flat = []
    for item in callbacks:
        if isinstance(item, (list, tuple, CallbackList)):
            flat += flatten_callbacks(item)
        elif isinstance(item, Callback):
            flat.append(item)
        else:
            raise TypeError("callbacks must be a Callback or a list of Callbacks, got an item of type "
                            f"{type(item).__name__}: {item!r}")
    return flat


class CallbackList:
    """Calls each hook on every callback in order (Keras: ``keras.callbacks.CallbackList``).

    Batch hooks are dispatched only to callbacks that override them, so a run with no
    per-batch callback pays nothing per batch.
    """

    def __init__(self, callbacks=None, model=None, **params):
        self.callbacks = flatten_callbacks(callbacks)
        self.model = None
        self.params = {}
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)
        if self.model is not None:
            callback.set_model(self.model)
        callback.set_params(self.params)

    def set_model(self, model):
        self.model = model
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        self.params = params
        for callback in self.callbacks:
            callback.set_params(params)

    def _listeners(self, hook):
        return [getattr(c, hook) for c in self.callbacks if _overrides(c, hook)]

    def wants(self, hook):
        """Whether any callback overrides ``hook`` (the loop skips building logs otherwise)."""
        return any(_overrides(c, hook) for c in self.callbacks)

    def __iter__(self):
        return iter(self.callbacks)

    # Keras passes every hook a dict: ``{}`` where there are no logs yet (the begin hooks).
    # The training loop gives batch hooks lazy logs, computed only when read; a callback
    # gets them as one real dict per batch (shared, so a change made by one is seen by the
    # next, as in Keras), except the built-in ones marked ``_reads_logs_lazily``, which read
    # them seldom (the progress bar) and keep the per-batch cost away when nobody else does.

    def on_train_begin(self, logs=None):
        for c in self.callbacks: c.on_train_begin(_dict(logs))

    def on_train_end(self, logs=None):
        for c in self.callbacks: c.on_train_end(_dict(logs))

    def on_epoch_begin(self, epoch, logs=None):
        for c in self.callbacks: c.on_epoch_begin(epoch, _dict(logs))

    def on_epoch_end(self, epoch, logs=None):
        for c in self.callbacks: c.on_epoch_end(epoch, _dict(logs))

    def on_train_batch_begin(self, batch, logs=None):
        logs = _dict(logs)
        for c in self.callbacks:
            if _overrides(c, "on_train_batch_begin"): c.on_train_batch_begin(batch, logs)
            if _overrides(c, "on_batch_begin"): c.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        logs = _BatchDict(logs)
        for c in self.callbacks:
            if _overrides(c, "on_train_batch_end"): c.on_train_batch_end(batch, logs.for_callback(c))
            if _overrides(c, "on_batch_end"): c.on_batch_end(batch, logs.for_callback(c))

    def on_test_begin(self, logs=None):
        for c in self.callbacks: c.on_test_begin(_dict(logs))

    def on_test_end(self, logs=None):
        for c in self.callbacks: c.on_test_end(_dict(logs))

    def on_test_batch_begin(self, batch, logs=None):
        logs = _dict(logs)
        for hook in self._listeners("on_test_batch_begin"): hook(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        logs = _BatchDict(logs)
        for c in self.callbacks:
            if _overrides(c, "on_test_batch_end"): c.on_test_batch_end(batch, logs.for_callback(c))

    def on_predict_begin(self, logs=None):
        for c in self.callbacks: c.on_predict_begin(_dict(logs))

    def on_predict_end(self, logs=None):
        for c in self.callbacks: c.on_predict_end(_dict(logs))

    def on_predict_batch_begin(self, batch, logs=None):
        logs = _dict(logs)
        for hook in self._listeners("on_predict_batch_begin"): hook(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        logs = _BatchDict(logs)
        for c in self.callbacks:
            if _overrides(c, "on_predict_batch_end"): c.on_predict_batch_end(batch, logs.for_callback(c))


def _dict(logs):
    return {} if logs is None else logs


class _BatchDict:
    """One batch's logs: the lazy mapping for callbacks that read it lazily, else one real dict."""

    __slots__ = ("lazy", "real")

    def __init__(self, logs):
        self.lazy, self.real = _dict(logs), None

    def for_callback(self, callback):
        if self.real is not None:
            return self.real  # once made, everyone sees the same dict (and any change to it)
        if isinstance(self.lazy, dict) or getattr(callback, "_reads_logs_lazily", False):
            return self.lazy
        if self.real is None:
            self.real = dict(self.lazy)
        return self.real
