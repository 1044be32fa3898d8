"""PyDataset: batches produced by Python code, indexed by batch number (Keras: ``keras.utils.PyDataset``)."""
import itertools
import warnings


class PyDataset:
    """Base class for a data set that gives whole batches by index (Keras: ``keras.utils.PyDataset``).

    Subclasses implement ``__len__`` (the number of batches; or override the ``num_batches``
    property, returning ``None`` for an infinite data set) and ``__getitem__(index)``, which
    returns a batch ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``. ``on_epoch_begin`` and
    ``on_epoch_end`` are called around each epoch of ``fit``, e.g. to reshuffle.

    Args:
        workers: threads that read batches ahead while the model trains (default 1: one
            thread, two batches ahead, started when reading takes half the training time
            or more; 0: read in the training thread, for code that is not
            thread-safe). Batches always come out in index order.
        use_multiprocessing: must stay ``False``: minikeras reads with threads only and
            refuses ``True`` when the data set is used (Keras forks worker processes).
        max_queue_size: with ``workers > 1``, at most this many batches are read or in
            flight at once (default 10), bounding memory.

    ``fit(shuffle=True)`` shuffles the order of the batch indices each epoch.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = workers
        self._use_multiprocessing = use_multiprocessing
        self._max_queue_size = max_queue_size

    def _warn_if_super_not_called(self):
        missing = [name for name in ("_workers", "_use_multiprocessing", "_max_queue_size")
                   if not hasattr(self, name)]
        if missing:
            self._workers = getattr(self, "_workers", 1)
            self._use_multiprocessing = getattr(self, "_use_multiprocessing", False)
            self._max_queue_size = getattr(self, "_max_queue_size", 10)
            warnings.warn("Your `PyDataset` class should call `super().__init__(**kwargs)` in its constructor. "
                          "`**kwargs` can include `workers`, `use_multiprocessing`, `max_queue_size`. Do not "
                          "pass these arguments to `fit()`, as they will be ignored.", stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """The batch at position ``index``: ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index) returning a batch")

    @property
    def num_batches(self):
        """Batches per epoch: ``len(self)``, or ``None`` for an infinite data set."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ (the number of batches) or "
                                  "the num_batches property")

    def __iter__(self):
        """The batches in index order, in this thread (no workers), as Keras does."""
        batches = self.num_batches
        for index in (range(batches) if batches is not None else itertools.count()):
            yield self[index]

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch."""


Sequence = PyDataset  # Keras keeps the old name as an alias
