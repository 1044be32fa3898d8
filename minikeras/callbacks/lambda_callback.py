"""LambdaCallback: a callback made of plain functions."""
from .callback import Callback

_NAMED = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end", "on_train_batch_begin",
          "on_train_batch_end")


class LambdaCallback(Callback):
    """Build a callback from functions, one per hook (Keras: ``LambdaCallback``).

    ``on_epoch_begin``/``on_epoch_end`` are called as ``f(epoch, logs)``,
    ``on_train_begin``/``on_train_end`` as ``f(logs)``, batch hooks as ``f(batch, logs)``.
    Any other hook of ``Callback`` can be given by keyword, e.g. ``on_test_end=f``.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        given = dict(zip(_NAMED, (on_epoch_begin, on_epoch_end, on_train_begin, on_train_end,
                                  on_train_batch_begin, on_train_batch_end)))
        for hook, function in given.items():
            if function is not None:
                setattr(self, hook, function)
