"""Turn user data into batches: one small adapter per kind of input, chosen by one function.

Every adapter yields, for each training step, ``(x, y, sample_weight)`` with ``x`` float32
(``y`` and ``sample_weight`` may be ``None``), through the same interface:

- ``steps``: batches per epoch (``steps_per_epoch``, else the batches of one pass, or
  ``None`` when a generator's length is unknown);
- ``epoch()``: the batches of one epoch; data from disk or from Python code are read ahead
  by a background thread when reading is slow enough to pay for it (``prefetch.py``); the
  data's epoch hooks run around it;
- ``peek()``: a first batch, to build the model and check the targets;
- ``exhausted``: a one-shot source (a generator) ran out for good;
- ``close()``: stop any reader thread (fit calls it in a ``finally``).

The kinds, as ``Model.fit`` accepts them in Keras 3: NumPy arrays (and lists, pandas
objects), memmaps and lazy array-likes such as ``h5py.Dataset`` (:class:`ArrayAdapter`, read
one batch at a time, never copied whole); Python generators and iterators yielding
``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` (:class:`GeneratorAdapter`);
``keras.utils.PyDataset`` subclasses (:class:`PyDatasetAdapter`).
"""
import functools
import math
import types
import warnings
from collections.abc import Iterator
from itertools import chain, count, islice

import numpy as np

from ..utils.numerical import numeric_array
from ..utils.py_dataset import PyDataset
from ..utils.random import global_generator
from .class_weight import class_weights_to_sample_weights
from .prefetch import read_ahead
from ..utils import checks

RAN_OUT_MESSAGE = ("Your input ran out of data; interrupting training. Make sure that your dataset or "
                   "generator can generate at least `steps_per_epoch * epochs` batches.")


def to_array(value, argument):
    """An ndarray from a NumPy array, memmap, list, tuple or pandas-like object.

    Arrays and memmaps are returned as they are (no copy), and so are lazy array-likes
    (``h5py.Dataset``): conversion to float32 happens per batch, so a float64 or on-disk
    input is never copied whole. A list or tuple holding one array is that array: Keras
    reads a list of arrays as one per model input, and a Sequential model has one.
    """
    if value is None:
        return None
    if isinstance(value, dict):
        raise ValueError(f"{argument} is a dict with keys {sorted(map(str, value))}: Keras reads a dict as one "
                         "array per named model input, and a minikeras (Sequential) model has one unnamed "
                         f"input; pass the array itself")
    if isinstance(value, (list, tuple)) and len(value) == 1 and hasattr(value[0], "shape"):
        value = value[0]
    if not isinstance(value, np.ndarray) and not hasattr(value, "to_numpy") and is_lazy_array(value):
        return value
    if not isinstance(value, np.ndarray) and not hasattr(value, "to_numpy"):
        try:
            value = np.asarray(value)
        except (ValueError, TypeError) as error:
            raise ValueError(f"Could not convert {argument} to an array: {error}") from None
    return numeric_array(value, argument)


class Several(list):
    """The arrays of a model with several inputs or outputs, one per input (output), in the
    model's order: adapters slice each the same way (``len`` stays the number of arrays;
    ``num_rows`` gives the rows)."""


def num_rows(value):
    return len(value[0]) if isinstance(value, Several) else len(value)


def as_float32(batch):
    if isinstance(batch, Several):
        return Several(as_float32(b) for b in batch)
    batch = np.asarray(batch)
    return batch if batch.dtype == np.float32 else batch.astype(np.float32)


def is_lazy_array(value):
    """An array-like that reads on slicing (``h5py.Dataset``, :class:`RowRange`), not an ndarray."""
    if isinstance(value, Several):
        return any(is_lazy_array(v) for v in value)
    return (not isinstance(value, np.ndarray) and hasattr(value, "shape") and hasattr(value, "dtype")
            and hasattr(value, "__getitem__") and hasattr(value, "__len__"))


def is_on_disk(value):
    return isinstance(value, np.memmap) or is_lazy_array(value)


def is_iterator_input(x):
    """Data that are read from Python code: a generator (or iterator) or a PyDataset."""
    return isinstance(x, (PyDataset, types.GeneratorType, Iterator)) and not is_lazy_array(x)


class RowRange:
    """Rows ``[start, stop)`` of a lazy array, read only when sliced.

    ``validation_split`` on an ``h5py.Dataset`` holds out its last rows through this view
    instead of reading them (Keras would read the whole data set into memory first).
    """

    def __init__(self, base, start, stop):
        self.base, self.start, self.stop = base, start, stop
        self.shape = (stop - start,) + tuple(base.shape[1:])
        self.dtype = base.dtype

    def __len__(self):
        return self.stop - self.start

    def __getitem__(self, index):
        if isinstance(index, slice):
            first, last, step = index.indices(len(self))
            return self.base[self.start + first:self.start + last:step]
        return self.base[np.asarray(index) + self.start]


def train_validation_split(x, y, sample_weight, validation_split):
    """``((x, y, sw), (x_val, y_val, sw_val))``: the last fraction of the rows held out, as Keras does.

    Only arrays and array-likes can be split; for generators and PyDatasets Keras raises
    the same ValueError. On-disk data are split without being read.
    """
    if is_iterator_input(x):
        raise ValueError("Argument `validation_split` is only supported for NumPy arrays and array-likes "
                         "(memmaps, h5py datasets). Found incompatible type in the input: "
                         f"[{type(x)}]. Pass validation_data instead.")
    n = num_rows(x)
    split = int(math.floor(n * (1 - validation_split)))
    if split == 0 or split == n:
        raise ValueError(f"validation_split={validation_split} leaves {split} training and {n - split} "
                         f"validation samples out of {n}: provide more data or a different validation_split")

    def part(array, start, stop):
        if array is None:
            return None
        if isinstance(array, Several):
            return Several(part(a, start, stop) for a in array)
        return RowRange(array, start, stop) if is_lazy_array(array) else array[start:stop]

    return (tuple(part(a, 0, split) for a in (x, y, sample_weight)),
            tuple(part(a, split, n) for a in (x, y, sample_weight)))


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)`` (Keras's rule)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) in (1, 2, 3):
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
                     f"got a tuple of length {len(data)}")


class DataAdapter:
    """The common epoch logic; subclasses say what a pass is and how a batch is read.

    A subclass gives ``num_batches`` (per pass, ``None`` if unknown), ``_pass()`` (cheap
    "tasks", one per batch, for one pass; any randomness is drawn here, in the caller's
    thread, so a seed gives the same batches whatever the reader threads do) and
    ``_load(task)`` (the batch as ``(float32 x, y, sample_weight)``; may run in a reader
    thread).

    Steps follow Keras's ``EpochIterator``: without ``steps_per_epoch`` each epoch is one
    pass. With it, one pass runs on across epochs, each epoch taking ``steps_per_epoch``
    batches; when the pass runs out first, the epoch ends early with Keras's warning and
    the next epoch starts a new pass (so 4 batches with ``steps_per_epoch=3`` give epochs of
    3, 1, 3, 1 steps). A generator cannot start again: once it runs out the adapter is
    ``exhausted``.

    ``restart_each_epoch`` (set by fit on its validation data) gives evaluation's semantics
    instead, as Keras's ``fit`` documents for ``validation_steps``: every epoch starts from
    the beginning, so each validation sees the same batches. A generator cannot start again,
    so its first ``steps_per_epoch`` batches are kept and replayed.
    """

    restartable = True
    restart_each_epoch = False
    _replay = None
    workers = 0
    depth = 2
    # Set by the model for data read from Python code: ``(x, y, sw) -> (x, y, sw)``, run on
    # each batch (x's rank adjusted, targets checked); arrays are adjusted and checked whole.
    batch_hook = None

    def __init__(self, steps_per_epoch=None):
        self.steps_per_epoch = steps_per_epoch
        self.exhausted = False
        self._tasks = None
        self._seen = 0
        self._reader = None

    num_batches = None

    @property
    def steps(self):
        return self.steps_per_epoch or self.num_batches

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass

    def epoch(self):
        """The batches of one epoch (a generator: stopping early closes its reader thread)."""
        self.on_epoch_begin()
        if self.restart_each_epoch and self.steps_per_epoch is not None:
            if self.restartable:
                self._tasks, self._seen = self._pass(), 0
            else:
                if self._replay is None:
                    self._replay = list(islice(self._tasks, self.steps_per_epoch))
                self._tasks, self._seen = iter(self._replay), 0
        elif self._tasks is None or (self.steps_per_epoch is None and self.restartable):
            self._tasks, self._seen = self._pass(), 0
        limit = self.steps
        take = limit if self.num_batches is None else min(limit, self.num_batches - self._seen)
        reader = self._reader = read_ahead(islice(self._tasks, take), self._load, self.workers, self.depth)
        produced = 0
        try:
            for batch in reader:
                produced += 1
                yield batch
        finally:
            unused = reader.close()
            self._reader = None
            if unused:
                self._tasks = chain(unused, self._tasks)
        self._seen += produced
        if limit is None or produced < limit:
            if limit is not None:
                warnings.warn(RAN_OUT_MESSAGE, stacklevel=3)
            if not self.restartable:
                self.exhausted = True
        if self.num_batches is not None and self._seen >= self.num_batches:
            self._tasks = None
        self.on_epoch_end()

    __iter__ = epoch

    def peek(self):
        """A first batch ``(x, y, sample_weight)``, read without consuming it."""
        raise NotImplementedError

    def close(self):
        """Stop the reader thread of an epoch left early (idempotent)."""
        if self._reader is not None:
            unused = self._reader.close()
            self._reader = None
            if unused and self._tasks is not None:
                self._tasks = chain(unused, self._tasks)


SMALL_LAZY_BYTES = 64 * 2**20


def _small_in_memory(array):
    """A lazy array of at most 64 MB (labels, sample weights) read once, saving a read per batch."""
    if is_lazy_array(array) and np.prod(array.shape, dtype=np.int64) * array.dtype.itemsize <= SMALL_LAZY_BYTES:
        return np.asarray(array[:])
    return array


def _rows(array, index):
    """``array[index]``. A shuffled batch's indices (an integer array, in range by construction)
    are gathered with ``np.take(mode="clip")``, which skips the per-index bounds check of
    fancy indexing: 128 rows of 784 float32 columns in ~58 instead of ~63 us."""
    if isinstance(index, np.ndarray) and isinstance(array, np.ndarray):
        return np.take(array, index, axis=0, mode="clip")
    if isinstance(array, Several):
        return Several(_rows(a, index) for a in array)
    return array[index]


class ArrayAdapter(DataAdapter):
    """Batches of arrays, memmaps or lazy array-likes (``h5py.Dataset``), read one at a time.

    ``batch_size`` defaults to 32, or to ``ceil(n / steps)`` when only ``steps`` is given
    (as in Keras). ``shuffle=True`` gathers each batch through a new permutation each
    epoch; ``shuffle="batch"`` keeps each batch a contiguous block of rows and shuffles the
    order of the blocks, which is what on-disk data needs (this is Keras 2's documented
    meaning; Keras 3 instead shuffles the rows inside each block and keeps the order).

    On an ``h5py.Dataset`` (any lazy array-like), ``shuffle=True`` acts as ``"batch"``,
    with a warning: HDF5 can only read rows in increasing order, and a batch of rows
    scattered over the file costs one chunk read per row (measured ~250x slower than a
    contiguous block). Memmaps and on-disk data may be read ahead by a background thread
    (see ``prefetch.READ_AHEAD``); on-disk targets and sample weights of at most 64 MB are
    read into memory once.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, shuffle=False, steps=None):
        super().__init__(steps)
        y, sample_weight = _small_in_memory(y), _small_in_memory(sample_weight)
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.num_samples = num_rows(x)
        if batch_size is None:
            batch_size = math.ceil(self.num_samples / steps) if steps else 32
        self.batch_size = batch_size
        if shuffle is True and is_lazy_array(x):
            kind = type(x.base if isinstance(x, RowRange) else x).__name__
            warnings.warn(f"shuffle=True on a {kind} shuffles the order of contiguous batches "
                          "(as shuffle='batch'): reading rows in random order from disk is far too slow. "
                          "Pass shuffle='batch' to silence this warning.", stacklevel=5)
            shuffle = "batch"
        self.shuffle = shuffle
        self.num_batches = math.ceil(self.num_samples / batch_size)
        self.workers = 1 if any(is_on_disk(a) for a in (x, y, sample_weight)) else 0

    @property
    def output_rows(self):
        """Rows produced by one epoch (what ``predict`` preallocates)."""
        return min(self.num_samples, self.steps * self.batch_size)

    def _pass(self):
        n, size = self.num_samples, self.batch_size
        if self.shuffle == "batch":
            starts = global_generator().permutation(self.num_batches) * size
            return (slice(start, min(start + size, n)) for start in starts)
        if self.shuffle:
            order = global_generator().permutation(n)
            return (order[start:start + size] for start in range(0, n, size))
        return (slice(start, min(start + size, n)) for start in range(0, n, size))

    def _load(self, index):
        x = as_float32(_rows(self.x, index))
        y = None if self.y is None else _as_array(_rows(self.y, index))
        sw = None if self.sample_weight is None else _as_array(_rows(self.sample_weight, index), np.float32)
        return x, y, sw

    def peek(self):
        return self._load(slice(0, min(self.num_samples, self.batch_size)))


def _as_array(value, dtype=None):
    if isinstance(value, Several):
        return Several(None if v is None else np.asarray(v, dtype=dtype) for v in value)
    return np.asarray(value, dtype=dtype)


def _structured(value, convert):
    """A generator's list, tuple or dict of arrays (several inputs or outputs) converted leaf by
    leaf; the model puts it in its own order (``batch_hook``)."""
    if isinstance(value, dict):
        return {k: convert(v) for k, v in value.items()}
    return Several(convert(v) for v in value)


def _standardize(batch, source, class_weight=None):
    """``(float32 x, y, sample_weight)`` from a batch a generator or PyDataset gave."""
    if isinstance(batch, np.ndarray):
        batch = (batch,)
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
        raise ValueError(f"{source} must give a tuple (inputs,), (inputs, targets) or (inputs, targets, "
                         f"sample_weights), got {type(batch).__name__}"
                         + (f" of length {len(batch)}" if isinstance(batch, tuple) else ""))
    x, y, sw = batch + (None,) * (3 - len(batch))
    if isinstance(x, (dict, list, tuple)):
        # several inputs (or targets): converted here, matched to the model by its batch_hook
        x = _structured(x, as_float32)
        y = y if y is None or not isinstance(y, (dict, list, tuple)) else _structured(y, np.asarray)
        sw = sw if sw is None or not isinstance(sw, (dict, list, tuple)) else _structured(
            sw, lambda v: None if v is None else np.asarray(v, np.float32))
        return x, y, sw
    x = as_float32(x)
    if isinstance(y, (dict, list, tuple)):
        y = _structured(y, np.asarray)
    elif y is not None:
        y = np.asarray(y)
        if len(y) != len(x):
            raise ValueError(f"{source} gave a batch of {len(x)} inputs with {len(y)} targets")
    if class_weight is not None and y is not None:
        if sw is not None:
            raise ValueError("You cannot specify `class_weight` and `sample_weight` at the same time: "
                             f"{source} gave sample weights")
        sw = class_weight(y)
    if isinstance(sw, (dict, list, tuple)):
        sw = _structured(sw, lambda v: None if v is None else np.asarray(v, np.float32))
    elif sw is not None:
        sw = np.asarray(sw, dtype=np.float32)
        if len(sw) != len(x):
            raise ValueError(f"{source} gave a batch of {len(x)} inputs with {len(sw)} sample weights")
    return x, y, sw


def _adjusted(adapter, batch):
    """``batch`` passed through the adapter's ``batch_hook`` (when the model set one)."""
    return batch if adapter.batch_hook is None else adapter.batch_hook(batch)


class GeneratorAdapter(DataAdapter):
    """Batches from a Python generator (or any iterator), read ahead by one thread when slow.

    Keras semantics: the generator yields whole batches ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``; ``shuffle`` does not apply (Keras warns when it is true, and
    so do we); with ``steps_per_epoch`` each epoch takes that many batches and the next
    epoch continues where it stopped; without it an epoch lasts until the generator stops.
    When it runs out before ``steps_per_epoch`` batches, the epoch ends early with Keras's
    "ran out of data" warning, and training stops after that epoch.

    Known difference: Keras 3 keeps the first two batches it peeked at (to learn shapes)
    and replays them in every later epoch of an exhausted generator; minikeras peeks one
    batch, yields it once, and stops training instead of replaying.
    """

    restartable = False
    workers = 1

    def __init__(self, generator, steps=None, shuffle=False):
        super().__init__(steps)
        if shuffle:
            warnings.warn("`shuffle=True` was passed, but will be ignored since the data `x` was provided as a "
                          "generator. The generator is expected to yield already-shuffled data.", stacklevel=5)
        iterator = iter(generator)
        try:
            first = next(iterator)
        except StopIteration:
            raise ValueError("When passing a Python generator to a Keras model, the generator must yield at "
                             "least one batch. Received an empty generator.") from None
        if not isinstance(first, (tuple, list)):
            raise ValueError("When passing a Python generator to a Keras model, the generator must return a "
                             "tuple, either (input,) or (inputs, targets) or (inputs, targets, "
                             f"sample_weights). Received: {type(first).__name__}"
                             + (f" of shape {first.shape}" if hasattr(first, "shape") else ""))
        self._first = _standardize(first, "The generator")
        self._tasks = chain([first], iterator)

    def _pass(self):
        return self._tasks

    def _load(self, batch):
        return _adjusted(self, _standardize(batch, "The generator"))

    def peek(self):
        return _adjusted(self, self._first)


class PyDatasetAdapter(DataAdapter):
    """Batches from a ``keras.utils.PyDataset``: ``dataset[i]`` for each batch index ``i``.

    ``shuffle`` (True or ``"batch"``) shuffles the order of the batch indices each pass,
    drawn from the global generator (Keras seeds it with the epoch number instead).
    The dataset's ``workers`` threads read ahead, keeping at most ``max_queue_size``
    batches in flight (``workers=0``: read in the training thread); ``workers=1`` reads
    two batches ahead when reading is slow (``prefetch.READ_AHEAD``). ``use_multiprocessing=True`` is refused. ``on_epoch_begin`` and
    ``on_epoch_end`` run once per epoch of ``fit`` (Keras also calls ``on_epoch_end`` once
    before training). An infinite dataset (``num_batches`` is ``None``) needs
    ``steps_per_epoch``. ``class_weight`` turns each batch's targets into sample weights.
    """

    def __init__(self, dataset, steps=None, shuffle=False, class_weight=None):
        super().__init__(steps)
        workers, multiprocessing = dataset.workers, dataset.use_multiprocessing
        queue_size = dataset.max_queue_size
        checks.integer(workers, "PyDataset workers", minimum=0)
        if multiprocessing:
            raise ValueError("PyDataset use_multiprocessing=True is not supported: minikeras reads a PyDataset "
                             "with threads only (workers=N threads read ahead; NumPy and file reads release "
                             "the GIL). Pass use_multiprocessing=False.")
        checks.integer(queue_size, "PyDataset max_queue_size", minimum=1)
        self.dataset = dataset
        self.num_batches = dataset.num_batches
        if self.num_batches is None and not steps:
            raise ValueError("This PyDataset is infinite (num_batches is None): pass steps_per_epoch (or steps) "
                             "to say how many batches make an epoch")
        if self.num_batches == 0:
            raise ValueError("The PyDataset has length 0: it must give at least one batch")
        self.shuffle = shuffle and self.num_batches is not None
        self.workers = int(workers)
        self.depth = 2 if workers <= 1 else max(int(queue_size), self.workers)
        self._class_weight = class_weight
        self._source = f"{type(dataset).__name__}.__getitem__"
        self._first = None
        self._first_unused = False

    def _pass(self):
        if self.num_batches is None:
            return count()
        if self.shuffle:
            return iter(global_generator().permutation(self.num_batches).tolist())
        return iter(range(self.num_batches))

    def _load(self, index):
        if index == 0 and self._first_unused:
            self._first_unused = False  # the batch peek() read is the first pass's batch 0 (read once)
            return self._first
        return _adjusted(self, _standardize(self.dataset[index], self._source, self._class_weight))

    def peek(self):
        if self._first is None:
            self._first = self._load(0)
            self._first_unused = True
        return self._first

    def on_epoch_begin(self):
        self.dataset.on_epoch_begin()

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


def _unsupported(argument, what, kind):
    return ValueError(f"When providing `x` as a {kind}, `{argument}` should not be passed. Instead, {what} "
                      f"should be included as part of the {kind}.")


def get_data_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=False,
                     class_weight=None):
    """The adapter for ``x`` (Keras: ``data_adapters.get_data_adapter``).

    Arrays must already be checked (``to_array``) and ``class_weight`` folded into
    ``sample_weight`` for them; for a PyDataset ``class_weight`` is a function from a batch's
    targets to its sample weights. ``y`` and ``sample_weight`` with a generator or a PyDataset
    raise Keras's ValueError, and so does ``class_weight`` with a generator.
    """
    if isinstance(x, PyDataset):
        if y is not None:
            raise _unsupported("y", "the targets", "PyDataset")
        if sample_weight is not None:
            raise _unsupported("sample_weights", "the sample weights", "PyDataset")
        return PyDatasetAdapter(x, steps=steps, shuffle=shuffle, class_weight=class_weight)
    if is_iterator_input(x):
        if y is not None:
            raise _unsupported("y", "the targets", "generator")
        if sample_weight is not None:
            raise _unsupported("sample_weights", "the sample weights", "generator")
        if class_weight is not None:
            raise ValueError("Argument `class_weight` is not supported for Python generator inputs: yield "
                             "(x, y, sample_weight) batches instead")
        return GeneratorAdapter(x, steps=steps, shuffle=shuffle)
    if class_weight is not None:
        raise ValueError("get_data_adapter: fold class_weight into sample_weight for arrays")
    return ArrayAdapter(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle, steps=steps)


ArrayBatches = ArrayAdapter  # the name the first training loop used


# -- the data of one fit / evaluate / predict call ------------------------------------------------
# The trainer hands the user's arguments here once and gets adapters back; it sees only
# batches. The model supplies its checks: ``_check_data`` (arrays, whole, before anything
# changes), ``_checked_batch`` (each batch read from Python code), ``check_input_shape`` and
# ``_check_targets``.

def fit_batches(model, x, y=None, sample_weight=None, batch_size=None, steps=None, shuffle=True,
                class_weight=None, validation_split=0.0, validation_data=None, validation_batch_size=None,
                validation_steps=None, need_y=True):
    """``(training, validation)`` adapters for ``Model.fit`` (``validation`` None without validation data).

    Arrays are converted and checked against the model once, then ``validation_split``
    holds out their last rows (before any shuffling, as Keras does; ignored when
    ``validation_data`` is given), then ``class_weight`` becomes the training part's
    sample weights, then the adapters batch them.
    """
    if class_weight is not None and sample_weight is not None:
        raise ValueError("You cannot pass class_weight and sample_weight at the same time: multiply the "
                         "class weights into sample_weight instead")
    checked = False
    if validation_data is not None:
        validation_split = 0.0  # Keras: validation_data overrides validation_split
    if validation_split:
        if not is_iterator_input(x):
            x, y, sample_weight = model._check_data(x, y, sample_weight, need_y)
            checked = True
        (x, y, sample_weight), validation_data = train_validation_split(x, y, sample_weight, validation_split)
    training = _model_batches(model, x, y, sample_weight, batch_size, steps, shuffle=shuffle,
                              class_weight=class_weight, need_y=need_y, checked=checked)
    validation = None
    if validation_data is not None:
        val_x, val_y, val_sw = unpack_validation_data(validation_data)
        validation = _model_batches(model, val_x, val_y, val_sw, validation_batch_size or batch_size,
                                    validation_steps, checked=checked, prefix="validation_data ")
        validation.restart_each_epoch = True  # Keras: validation_steps restart at the start every epoch
    return training, validation


def evaluation_batches(model, x, y=None, sample_weight=None, batch_size=None, steps=None, need_y=True):
    """The adapter for ``Model.evaluate``: the data checked against the model, in order."""
    return _model_batches(model, x, y, sample_weight, batch_size, steps, need_y=need_y)


def prediction_batches(model, x, batch_size=None, steps=None):
    """The adapter for ``Model.predict``: inputs only, checked against the model, in order."""
    if is_iterator_input(x):
        return _model_batches(model, x, None, None, batch_size, steps, need_y=False)
    return get_data_adapter(model._predict_inputs(x), batch_size=batch_size, steps=steps)


def _model_batches(model, x, y, sample_weight, batch_size, steps, shuffle=False, class_weight=None,
                   need_y=True, checked=False, prefix=""):
    """The adapter for any input kind, its data checked against the model (which may not be built).

    Arrays are checked whole (``model._check_data``) unless ``checked``; data read from Python
    code (generators, PyDatasets) are checked batch by batch (``model._checked_batch``), the
    first one here.
    """
    if not is_iterator_input(x):
        if not checked:
            x, y, sample_weight = model._check_data(x, y, sample_weight, need_y, prefix)
        if class_weight is not None:
            sample_weight = class_weights_to_sample_weights(class_weight, y)
        return get_data_adapter(x, y, sample_weight, batch_size=batch_size, steps=steps, shuffle=shuffle)
    weigh = None if class_weight is None else functools.partial(class_weights_to_sample_weights, class_weight)
    adapter = get_data_adapter(x, y, sample_weight, steps=steps, shuffle=shuffle, class_weight=weigh)
    adapter.batch_hook = functools.partial(model._checked_batch, prefix)
    xb, yb, swb = adapter.peek()
    if isinstance(xb, Several):  # several inputs: each was checked by the model's batch hook
        return adapter
    model.check_input_shape(tuple(xb.shape), prefix + "x")
    if need_y and yb is None:
        raise ValueError(f"{prefix}x gave batches without targets: training and evaluation need batches "
                         "(x, y) or (x, y, sample_weight), got (x,)")
    if yb is not None and model._compiled_loss is not None:
        model._check_targets(yb, tuple(xb.shape), prefix, swb)
    return adapter


def unpack_validation_data(validation_data):
    """``(x, y, sample_weight)`` from ``validation_data``: a tuple of arrays, or a generator/PyDataset."""
    if is_iterator_input(validation_data):
        return validation_data, None, None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight), "
                         "or a generator or PyDataset, "
                         f"got {type(validation_data).__name__}"
                         + (f" of length {len(validation_data)}" if isinstance(validation_data, (tuple, list)) else ""))
    return tuple(validation_data) + ((None,) if len(validation_data) == 2 else ())
