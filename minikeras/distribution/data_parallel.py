"""DataParallel: every rank holds the whole model and trains on its slice of every global batch.

The trainer calls this module at a few points when a DataParallel over more than one
process is set (``ACTIVE`` is not None); with none set it checks that one attribute and
nothing else runs. What happens, and why it gives the single-process result:

- Data (``shard``): ``batch_size`` is the global batch. Arrays, memmaps and ``h5py``
  datasets are batched and shuffled exactly as in one process (one global permutation:
  the random generator is broadcast from rank 0 when fit starts), and rank ``r`` of ``p``
  reads rows ``[r*m//p, (r+1)*m//p)`` of each global batch of ``m`` rows, so each rank reads
  only its own rows. A PyDataset or generator gives whole batches: each global step takes
  ``p`` consecutive batches, rank ``r`` the ``r``-th of them (a generator is read whole by
  every rank, which keeps the batches it owns; with ``DataParallel(auto_shard_dataset=False)``
  every rank uses every batch of its own, already sharded, generator). A rank left without
  rows in a step (the last, short batch) takes part with zero rows.
- Gradients (``reduce_gradients``, called from ``Optimizer.apply``): each rank's loss is the
  mean over its rows, so each scales its gradient by its share ``c_r / C`` of the step's
  loss denominator (rows; the sum of sample weights for ``"mean_with_sample_weight"``)
  before one in-place allreduce of the packed gradients (one preallocated flat float32
  buffer; gradients not packed are copied into one): the sum is the gradient of the global
  batch, bitwise equal on every rank. The moving statistics of BatchNormalization layers (not
  ``synchronized``) are averaged over the ranks by a second, small allreduce.
- Logs (``logs``): the loss and metric states are sums and counts; they are summed over the
  ranks (one float64 allreduce) before a result is computed, so every rank logs the same
  numbers and every callback decides the same way.
- Start (``begin_fit``): a signature of the model, optimizer and data is compared across
  ranks (a mismatch is a ValueError naming it); after ``on_train_begin`` (where
  BackupAndRestore may load a backup) the weights, the optimizer state, the first epoch and
  the random generator are broadcast from rank 0.
- Only rank 0 shows progress and writes files (``writes_files``).
"""
import contextlib
import math
from itertools import islice

import numpy as np

from . import world

ACTIVE = None    # the DataParallel in force over more than one process, else None
ROWS = None      # during a distributed training step: (first global row of this rank, rows, global rows)
_current = None  # what set_distribution set (also a DataParallel over one process)


class DeviceMesh:
    """The devices a distribution runs on (Keras: ``keras.distribution.DeviceMesh``): here one
    CPU per MPI process, on a 1-D mesh whose axis is the batch."""

    def __init__(self, shape, axis_names, devices=None):
        self.shape = tuple(shape)
        self.axis_names = list(axis_names)
        self.devices = np.array(devices if devices is not None else list_devices(), dtype=object).reshape(self.shape)


def list_devices(device_type=None):
    """One device per MPI process, ``"cpu:<rank>"`` (Keras: ``keras.distribution.list_devices``)."""
    if device_type not in (None, "cpu", "CPU"):
        raise ValueError(f"list_devices: minikeras runs on CPUs only, got device_type={device_type!r}")
    return [f"cpu:{r}" for r in range(world.size)]


def get_device_count(device_type=None):
    """The number of devices (MPI processes) (Keras: ``keras.distribution.get_device_count``)."""
    return len(list_devices(device_type))


class DataParallel:
    """Data parallelism over the MPI processes (Keras: ``keras.distribution.DataParallel``).

    ``devices`` or a 1-D ``device_mesh`` may be given as in Keras; they must name one device per
    process. ``auto_shard_dataset=False`` says a generator or PyDataset is already sharded:
    each rank then uses all of its batches. See the module docstring for what fit does.
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        world.initialize()  # idempotent: Keras's examples call initialize() first, MPI does not need it
        if device_mesh is not None and devices is not None:
            raise ValueError("DataParallel: pass device_mesh or devices, not both")
        if device_mesh is None:
            device_mesh = DeviceMesh((len(devices if devices is not None else list_devices()),), ["batch"], devices)
        if int(np.prod(device_mesh.shape)) != world.size:
            raise ValueError(f"DataParallel: minikeras runs one replica per MPI process; the mesh has "
                             f"{int(np.prod(device_mesh.shape))} devices for {world.size} processes")
        self.device_mesh = device_mesh
        self.batch_dim_name = device_mesh.axis_names[0]
        self.auto_shard_dataset = bool(auto_shard_dataset)
        self._buffer = np.empty(0, dtype=np.float32)
        self._scale = None   # this rank's share of the current step's loss denominator
        self._counts = None  # (ranks, 3): has-a-batch, rows, loss denominator of the current step
        self._moving = ()    # BatchNormalization moving statistics averaged with the gradients
        self._synced = set()

    @property
    def num_processes(self):
        return world.size

    @property
    def process_id(self):
        return world.rank

    data_shard_id = process_id

    @property
    def num_model_replicas(self):
        return world.size

    @contextlib.contextmanager
    def scope(self):
        """Make this the distribution inside the ``with`` block (Keras: ``Distribution.scope``)."""
        previous = _current
        set_distribution(self)
        try:
            yield self
        finally:
            set_distribution(previous)

    def distribute_dataset(self, dataset):
        """The dataset itself: fit, evaluate and predict shard their data (see ``shard``)."""
        return dataset

    def __repr__(self):
        return f"<DataParallel processes={world.size} rank={world.rank}>"

    # -- data ----------------------------------------------------------------------------------
    def shard(self, adapter, model):
        """Make ``adapter`` give this rank's part of every global step (see the module docstring)."""
        from ..models.data_adapter import ArrayAdapter, GeneratorAdapter, PyDatasetAdapter
        r, p = world.rank, world.size
        empty = None
        if isinstance(adapter, ArrayAdapter):
            original = adapter._pass
            adapter._pass = lambda: (_rank_part(task, r, p) for task in original())
        elif isinstance(adapter, PyDatasetAdapter) or (isinstance(adapter, GeneratorAdapter) and self.auto_shard_dataset):
            empty = _no_rows(adapter.peek())
            load = adapter._load
            adapter._load = lambda task: empty if task is None else load(task)
            if isinstance(adapter, PyDatasetAdapter):
                _deal_batches(adapter, r, p)
            else:
                adapter._tasks = _round_robin(adapter._tasks, r, p)
        if empty is None:
            empty = _no_rows(adapter.peek())
        epoch, count = adapter.epoch, _loss_count(model)

        def agreed_epoch():
            # In the main thread, before each step: who has a batch, and its rows and loss
            # denominator; the epoch ends when no rank has one (one-shot generators may differ).
            batches = epoch()
            try:
                while True:
                    batch = next(batches, None)
                    local = (0.0, 0.0, 0.0) if batch is None else (1.0, _num_rows(batch[0]), count(batch))
                    counts = world.allgather(local)
                    if not counts[:, 0].any():
                        return
                    self._counts = counts
                    yield empty if batch is None else batch
            finally:
                self._counts = None
                batches.close()

        adapter.epoch = agreed_epoch
        return adapter

    # -- fit -----------------------------------------------------------------------------------
    def begin_fit(self, model, batches, validation, epochs, batch_logs_wanted):
        """Shard the data, check the ranks agree, and return (step runner, batch_logs_wanted)."""
        self.shard(batches, model)
        if validation is not None:
            self.shard(validation, model)
        self.check_same(model, {"epochs": epochs, "training data": _describe(batches),
                                "validation data": None if validation is None else _describe(validation)})
        self._moving = _moving_statistics(model)
        _check_synchronized_rows(model, batches)
        return self.train_runner(model), bool(world.allreduce_max(int(bool(batch_logs_wanted))))

    def end_fit(self):
        self._moving = ()

    def check_same(self, model, extra):
        """Raise a ValueError naming what differs between the ranks (model, optimizer, data)."""
        weights = model.weights
        signature = {"model": f"{type(model).__name__} with {len(weights)} weights",
                     "weight shapes": [tuple(v.shape) for v in weights],
                     "optimizer": None if model.optimizer is None else type(model.optimizer).__name__,
                     **extra}
        everyone = world.allgather_object(signature)
        for other_rank, other in enumerate(everyone):
            for key, value in everyone[0].items():
                if other.get(key) != value:
                    raise ValueError(f"DataParallel: the processes differ before training: {key} is {value!r} on "
                                     f"rank 0 but {other.get(key)!r} on rank {other_rank}. Every process must build "
                                     "the same model and read the same data")

    def sync_start(self, model, first_epoch):
        """Rank 0's weights, optimizer state, first epoch and random generator on every rank."""
        from ..utils import random as global_random
        for variable in model.weights:
            _broadcast_array(variable.value)
        optimizer = model.optimizer
        if optimizer is not None:
            for variable in optimizer.tracked_variables:
                for slot in optimizer.slots(variable):
                    _broadcast_array(slot)
            scalars = world.broadcast_object([optimizer._iterations] + [getattr(optimizer, a) for a in optimizer.extra_state])
            optimizer._iterations = scalars[0]
            for attribute, value in zip(optimizer.extra_state, scalars[1:]):
                setattr(optimizer, attribute, value)
        generator = global_random.global_generator()
        generator.bit_generator.state = world.broadcast_object(generator.bit_generator.state)
        self._synced.add(id(model))
        return world.broadcast_object(first_epoch)

    def agree(self, flag):
        """True on every rank when it is true on any (stop_training)."""
        return bool(world.allreduce_max(int(bool(flag))))

    def verbose(self, verbose):
        """Progress is shown by rank 0 only."""
        return verbose if world.rank == 0 else 0

    # -- steps ---------------------------------------------------------------------------------
    def train_runner(self, model):
        """``run(x, y, sample_weight)``: one distributed training step on this rank's rows."""
        count = _loss_count(model)
        summed = getattr(_compiled_loss(model), "reduction", None) == "sum" and model._output_specs is None

        def run(x, y, sample_weight):
            global ROWS
            counts = self._counts
            if counts is None:  # train_on_batch: no sharded epoch around it
                rows = _num_rows(x)
                counts = world.allgather((1.0, rows, count((x, y, sample_weight)) if rows else 0.0))
            r = world.rank
            rows, total_rows = int(counts[r, 1]), int(counts[:, 1].sum())
            denominator = counts[:, 2].sum()
            if summed:  # reduction="sum": the global loss is the sum of the ranks' losses
                self._scale = 1.0
            else:
                self._scale = counts[r, 2] / denominator if denominator else 0.0
            ROWS = (int(counts[:r, 1].sum()), rows, total_rows)
            try:
                if rows and (summed or counts[r, 2] != rows):
                    # A loss not divided by the rows: its logged mean weighs each rank's value by
                    # its share of the global loss (the tracker counts rows).
                    tracker = model._loss_tracker
                    before = tracker.total
                    model._run_train_step(x, y, sample_weight)
                    tracker.total = before + (tracker.total - before) * (self._scale * total_rows / rows)
                elif rows:
                    model._run_train_step(x, y, sample_weight)
                else:
                    _empty_train_step(model)
            finally:
                ROWS, self._scale = None, None

        return run

    def batch_runner(self, model):
        """``train_runner`` for train_on_batch, after broadcasting rank 0's weights the first time."""
        if id(model) not in self._synced:
            self.sync_start(model, 0)
        return self.train_runner(model)

    def test_runner(self, model):
        def run(x, y, sample_weight):
            if _num_rows(x):
                model._run_test_step(x, y, sample_weight)
        return run

    def reduce_gradients(self, grads, variables):
        """The global batch's gradients, from this rank's (``Optimizer.apply`` calls this first).

        Outside fit (a custom loop calling ``optimizer.apply``) each rank counts the same:
        the gradients are averaged.
        """
        scale = np.float32(1 / world.size if self._scale is None else self._scale)
        packing = variables[0].packing if variables else None
        if packing is not None and packing.intact(variables, grads):
            # The packed gradients are one preallocated flat float32 buffer: scaled and summed in
            # place (the grads are views of it).
            packing.grads *= scale
            world.allreduce_(packing.grads)
        else:
            grads = [None if g is None else np.asarray(g, dtype=np.float32) for g in grads]
            buffer = self._flat(sum(g.size for g in grads if g is not None))
            start = 0
            for g in grads:
                if g is not None:
                    np.multiply(g, scale, out=buffer[start:start + g.size].reshape(g.shape))
                    start += g.size
            world.allreduce_(buffer)
            reduced, start = [], 0
            for g in grads:
                reduced.append(None if g is None else buffer[start:start + g.size].reshape(g.shape))
                start += 0 if g is None else g.size
            grads = reduced
        if self._moving:  # per-rank BatchNormalization statistics: their mean over the ranks
            moving = [variable.value for variable in self._moving]
            buffer = np.concatenate([m.reshape(-1) for m in moving]) * np.float32(1 / world.size)
            world.allreduce_(buffer)
            start = 0
            for m in moving:
                m[...] = buffer[start:start + m.size].reshape(m.shape)
                start += m.size
        return grads

    def global_mean(self, values, reduce):
        """``(mean over the global batch keeping dims, number of values averaged)`` of ``values``
        (synchronized BatchNormalization's moments)."""
        local = np.add.reduce(values, axis=reduce, dtype=np.float64)
        buffer = np.append(local.reshape(-1), values.size // max(local.size, 1))
        world.allreduce_(buffer)
        count = buffer[-1]
        shape = tuple(1 if d in reduce else n for d, n in enumerate(values.shape))
        return (buffer[:-1] / count).astype(np.float32).reshape(shape), int(count)

    def global_sums(self, *sums):
        """``sums`` over the global batch, each rank's weighted by its share of the loss and returned
        in this rank's scale (synchronized BatchNormalization's backward pass)."""
        scale = self._scale or 1 / world.size
        buffer = np.concatenate([np.ravel(s).astype(np.float64) * scale for s in sums])
        world.allreduce_(buffer)
        buffer /= scale
        out, start = [], 0
        for s in sums:
            out.append(buffer[start:start + s.size].astype(np.float32).reshape(s.shape))
            start += s.size
        return out

    def _flat(self, size):
        if self._buffer.size < size:
            self._buffer = np.empty(size, dtype=np.float32)
        return self._buffer[:size]

    # -- logs ----------------------------------------------------------------------------------
    def logs(self, model):
        """``model``'s logs with every metric's state summed over the ranks (the same on every rank)."""
        metrics = model.metrics
        states = [_metric_state(m) for m in metrics]
        step_logs = model._step_logs
        extra = [] if step_logs is None else [k for k, v in step_logs.items() if _is_number(_value(v))]
        sizes = [np.size(value) for state in states for _, value in state]
        buffer = np.empty(sum(sizes) + sum(np.size(_value(step_logs[k])) for k in extra), dtype=np.float64)
        start = 0
        for state in states:
            for _, value in state:
                buffer[start:start + np.size(value)] = np.ravel(value)
                start += np.size(value)
        for key in extra:
            value = np.ravel(_value(step_logs[key]))
            buffer[start:start + value.size] = value
            start += value.size
        world.allreduce_(buffer)
        saved = []
        start = 0
        for metric, state in zip(metrics, states):
            for name, value in state:
                reduced = buffer[start:start + np.size(value)].reshape(np.shape(value))
                start += np.size(value)
                saved.append((metric, name, _set_state(metric, name, value, reduced)))
        try:
            logs = model._current_logs()
            if step_logs is not None:
                by_name = {m.name: m for m in metrics}
                for key in extra:
                    size = np.size(_value(step_logs[key]))
                    mean = buffer[start:start + size] / world.size
                    start += size
                    if key in by_name:
                        result = np.asarray(_value(by_name[key].result()))
                        logs[key] = float(result) if result.ndim == 0 else result
                    else:
                        logs[key] = float(mean[0]) if size == 1 else mean.astype(np.float32)
        finally:
            for metric, name, original in saved:
                _restore_state(metric, name, original)
        return logs

    # -- predict -------------------------------------------------------------------------------
    def predict(self, model, x, batch_size, verbose, steps, callbacks):
        """Each rank predicts its block of rows (its share of the batches for a generator or
        PyDataset); the outputs are gathered on every rank, in the order of ``x``."""
        from ..models.data_adapter import is_iterator_input, to_array
        global ACTIVE
        r, p = world.rank, world.size
        verbose = self.verbose(verbose)
        previous, ACTIVE = ACTIVE, None  # the local predictions run as in one process
        try:
            if not is_iterator_input(x):
                x = to_array(x, "x")
                n = len(x) if steps is None else min(len(x), steps * (batch_size or 32))
                lo, hi = r * n // p, (r + 1) * n // p
                local = model.predict(_row_block(x, lo, hi), batch_size=max(1, -(-(batch_size or 32) // p)),
                                      verbose=verbose, callbacks=callbacks) if hi > lo else None
                parts = world.allgather_object(local)
            else:
                local = _predict_batches(model, x, steps, r, p)
                gathered = world.allgather_object(local)
                parts = [batch for k in range(max(len(g) for g in gathered)) for g in gathered if k < len(g)
                         for batch in [g[k]] if batch is not None]
        finally:
            ACTIVE = previous
        return _concatenate([part for part in parts if part is not None])

    def rows_of_batch(self, *arrays):
        """This rank's rows of one global batch (train_on_batch, test_on_batch)."""
        from ..models.data_adapter import Several
        def part(a):
            if a is None:
                return None
            if isinstance(a, Several):
                return Several(part(v) for v in a)
            n = len(a)
            return a[world.rank * n // world.size:(world.rank + 1) * n // world.size]
        return tuple(part(a) for a in arrays)


def set_distribution(value):
    """Make ``value`` (a DataParallel, or None) the distribution fit, evaluate and predict use
    (Keras: ``keras.distribution.set_distribution``)."""
    global _current, ACTIVE
    if value is not None and not isinstance(value, DataParallel):
        raise ValueError(f"set_distribution: minikeras has DataParallel only, got {type(value).__name__}")
    _current = value
    ACTIVE = value if value is not None and world.size > 1 else None


def distribution():
    """The distribution set by ``set_distribution`` (or a ``scope``), or None."""
    return _current


def writes_files():
    """Whether this process writes files: always, except ranks other than 0 under a DataParallel."""
    return ACTIVE is None or world.rank == 0


def batch_draw(draw, shape):
    """``draw(shape)`` of a random array for a batch: in a distributed training step, the array of
    the whole global batch is drawn (on every rank, from the same generator state) and this
    rank's rows are returned, so dropout masks and noise are those of one process."""
    rows = ROWS
    if rows is None or not shape or shape[0] != rows[1] or rows[1] == rows[2]:
        return draw(shape)
    first, count, total = rows
    return draw((total,) + tuple(shape[1:]))[first:first + count]


# -- helpers -------------------------------------------------------------------------------------
def _rank_part(task, r, p):
    """Rank ``r``'s part of one global batch task (a slice or an array of row indices)."""
    if isinstance(task, slice):
        m = task.stop - task.start
        return slice(task.start + r * m // p, task.start + (r + 1) * m // p)
    m = len(task)
    return task[r * m // p:(r + 1) * m // p]


def _deal_batches(adapter, r, p):
    """A PyDataset's adapter giving rank ``r`` every ``p``-th batch index of each pass (shuffled or
    not, over all the batches), with ``num_batches`` the steps of one pass."""
    total = adapter.num_batches
    local = None if total is None else math.ceil(total / p)
    original = adapter._pass

    def dealt():
        adapter.num_batches = total  # the pass (and its permutation) is of every batch
        try:
            tasks = original()
        finally:
            adapter.num_batches = local
        return _round_robin(tasks, r, p)

    adapter._pass = dealt
    adapter.num_batches = local


def _round_robin(tasks, r, p):
    """Of every ``p`` consecutive tasks, the ``r``-th (None when the last group is short)."""
    tasks = iter(tasks)
    while True:
        group = list(islice(tasks, p))
        if not group:
            return
        yield group[r] if r < len(group) else None


def _num_rows(x):
    from ..models.data_adapter import num_rows
    return num_rows(x)


def _no_rows(batch):
    """A batch like ``batch`` with zero rows (a rank with nothing to do in a step)."""
    from ..models.data_adapter import Several

    def empty(a):
        if a is None:
            return None
        if isinstance(a, Several):
            return Several(empty(v) for v in a)
        if isinstance(a, dict):
            return {k: empty(v) for k, v in a.items()}
        return np.asarray(a)[:0]
    return tuple(empty(a) for a in batch)


def _loss_count(model):
    """``count(batch)``: the denominator this rank's loss divides by (rows; the sum of the sample
    weights for a loss with reduction ``"mean_with_sample_weight"``)."""
    loss = _compiled_loss(model)
    by_weight = getattr(loss, "reduction", None) == "mean_with_sample_weight" and model._output_specs is None

    def count(batch):
        x, _, sample_weight = batch
        if by_weight and sample_weight is not None:
            return float(np.sum(sample_weight, dtype=np.float64))
        return float(_num_rows(x))
    return count


def _compiled_loss(model):
    """The Loss object compile resolved (``model.loss`` keeps what compile was given)."""
    return getattr(model, "_compiled_loss", None)


def _describe(adapter):
    from ..models.data_adapter import ArrayAdapter
    if isinstance(adapter, ArrayAdapter):
        return f"{adapter.num_samples} rows in batches of {adapter.batch_size}, {adapter.steps} steps"
    return f"{type(adapter).__name__} of {adapter.steps} steps"


def _moving_statistics(model):
    """The moving mean and variance variables of every BatchNormalization layer that keeps per-rank
    statistics (not ``synchronized``), averaged across ranks at every step."""
    return tuple(variable for layer in _all_layers(model)
                 if type(layer).__name__ == "BatchNormalization" and not getattr(layer, "synchronized", False)
                 and getattr(layer, "moving_mean", None) is not None
                 for variable in (layer.moving_mean, layer.moving_variance))


def _check_synchronized_rows(model, batches):
    """Synchronized BatchNormalization takes part in collectives in the forward pass: every rank
    needs rows in every step, so a batch of arrays must have at least one row per rank."""
    from ..models.data_adapter import ArrayAdapter
    if not isinstance(batches, ArrayAdapter) or not any(
            type(layer).__name__ == "BatchNormalization" and getattr(layer, "synchronized", False)
            for layer in _all_layers(model)):
        return
    last = batches.num_samples % batches.batch_size or batches.batch_size
    if min(last, batches.num_samples) < world.size:
        raise ValueError(f"DataParallel: BatchNormalization(synchronized=True) needs a row for each of the "
                         f"{world.size} processes in every batch, but the last batch of {batches.num_samples} rows "
                         f"in batches of {batches.batch_size} has {last}; change batch_size or drop rows")


def _all_layers(model):
    found, seen, stack = [], set(), [model]
    while stack:
        layer = stack.pop()
        if id(layer) not in seen:
            seen.add(id(layer))
            found.append(layer)
            stack.extend(layer._sublayers())
    return found


def _empty_train_step(model):
    """A step for a rank without rows: zero gradients into the same allreduce as the others."""
    variables = getattr(model, "_trainable", None) or model.trainable_weights
    if not variables:
        return
    for variable in variables:
        variable.grad_buffer()[...] = 0
    with model._interrupt_guard:
        model.optimizer.apply([v.grad for v in variables], variables)


def _broadcast_array(array):
    if array.flags.c_contiguous:
        world.broadcast_(array)
    else:
        copy = np.ascontiguousarray(array)
        world.broadcast_(copy)
        array[...] = copy


_STATE_NAMES = {}


def _metric_state(metric):
    """``[(name, value)]``: the numeric state of ``metric`` (its sums and counts): the attributes its
    built-in ``reset_state`` assigns, then the variables made by ``add_variable``."""
    cls = type(metric)
    names = _STATE_NAMES.get(cls)
    if names is None:
        names = []
        reset = _builtin_reset_state(cls)
        if reset is not None:
            recorder = type("_Recorder", (), {"__setattr__": lambda self, name, value: names.append(name),
                                              "__getattr__": lambda self, name: getattr(metric, name)})
            reset(recorder())
        names = _STATE_NAMES[cls] = tuple(dict.fromkeys(names))
    state = [(name, getattr(metric, name)) for name in names if _is_number(getattr(metric, name, None))]
    return state + [(index, v.value) for index, v in enumerate(metric._variables)]


def _builtin_reset_state(cls):
    """The ``reset_state`` of the nearest minikeras class in ``cls``'s MRO that defines one, unless
    it is the base ``Metric``'s (which resets the ``add_variable`` variables only)."""
    for klass in cls.__mro__:
        if "reset_state" in klass.__dict__ and klass.__module__.split(".")[0] == "minikeras":
            return None if klass.__name__ == "Metric" and klass.__module__.endswith("metrics.base") \
                else klass.__dict__["reset_state"]
    return None


def _is_number(value):
    return value is not None and not isinstance(value, (bool, np.bool_, str)) and \
        np.asarray(value).dtype.kind in "fiu"


def _value(value):
    from ..tape import value_of
    return np.asarray(value_of(value))


def _set_state(metric, name, value, reduced):
    if isinstance(name, int):
        variable = metric._variables[name]
        original, variable.value = variable.value, reduced.astype(variable.value.dtype)
        return original
    dtype = np.asarray(value).dtype
    setattr(metric, name, reduced.astype(dtype) if np.ndim(value) else dtype.type(reduced))
    return value


def _restore_state(metric, name, original):
    if isinstance(name, int):
        metric._variables[name].value = original
    else:
        setattr(metric, name, original)


def _row_block(x, lo, hi):
    from ..models.data_adapter import RowRange, Several, is_lazy_array
    if isinstance(x, Several):
        return Several(_row_block(v, lo, hi) for v in x)
    return RowRange(x, lo, hi) if is_lazy_array(x) else x[lo:hi]


def _predict_batches(model, x, steps, r, p):
    """This rank's batches' outputs of a generator or PyDataset: a list with None where the rank had none."""
    from ..models.data_adapter import prediction_batches
    adapter = prediction_batches(model, x, None, steps)
    empty = object()
    load = adapter._load
    adapter._load = lambda task: empty if task is None else load(task)
    if hasattr(adapter, "dataset"):
        _deal_batches(adapter, r, p)
    else:
        adapter._tasks = _round_robin(adapter._tasks, r, p)
    model._ensure_built(adapter.peek()[0])
    outputs = []
    try:
        for batch in adapter.epoch():
            outputs.append(None if batch is empty else _leaves(model._run_predict_step(batch[0])))
    finally:
        adapter.close()
    return outputs


def _leaves(outputs):
    if isinstance(outputs, dict):
        return {k: np.asarray(v, dtype=np.float32) for k, v in sorted(outputs.items())}
    if isinstance(outputs, (list, tuple)):
        return [np.asarray(v, dtype=np.float32) for v in outputs]
    return np.asarray(outputs, dtype=np.float32)


def _concatenate(parts):
    first = parts[0]
    if isinstance(first, dict):
        return {k: np.concatenate([p[k] for p in parts]) for k in first}
    if isinstance(first, (list, tuple)):
        return [np.concatenate([p[i] for p in parts]) for i in range(len(first))]
    return np.concatenate(parts)
