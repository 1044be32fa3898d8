"""The training loop: fit, evaluate and predict over batches, and the steps they run.

``Trainer`` is the part of ``keras.Model`` that walks the data: it builds the data adapter
(``data_adapter.py``: arrays, memmaps, HDF5, generators, PyDatasets; converted, checked,
split and batched there), runs one step per batch (``train_step``/``test_step``/
``predict_step``, the overridable Keras steps, or the model's own fast step), and reports to
the callbacks. The model supplies the step itself, the compiled loss and metrics, and the
data checks (``models/model.py``); the tape and the loss entries are in ``train_step.py``.
"""
import functools
import time
import warnings
from collections.abc import Mapping

import numpy as np

from .. import ops
from ..callbacks import CallbackList, History, ProgbarLogger
from ..callbacks.callback_list import flatten_callbacks
from ..callbacks.progbar_logger import summary_line
from ..distribution import data_parallel as _parallel
from ..keras_tensor import flatten
from ..tape import loss_collector, recording
from . import validation as checks
from .class_weight import class_weights_to_sample_weights
from .data_adapter import (RAN_OUT_MESSAGE, Several, as_float32, evaluation_batches, fit_batches, prediction_batches,
                           to_array, unpack_x_y_sample_weight)
from .train_step import loss_on_tape, regularization_on_tape, weighted

_check_positive_int = checks.check_positive_int


class Trainer:
    """fit / evaluate / predict and the per-batch steps (mixed into ``keras.Model``)."""

    def train_step(self, data):
        """One training step on ``data`` (``x``, ``(x, y)`` or ``(x, y, sample_weight)``), returning
        the logs (Keras: ``Model.train_step``). Override it for a custom step, written as with
        TensorFlow with ``keras.GradientTape`` in place of ``tf.GradientTape``; ``fit`` then
        calls it for every batch and logs what it returns."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._train_step(x, y, sample_weight)
        return self._current_logs()

    def test_step(self, data):
        """One evaluation step on ``data``, returning the logs (Keras: ``Model.test_step``)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        self._test_step(x, y, sample_weight)
        return self._current_logs()

    def predict_step(self, data):
        """The outputs for one batch (Keras: ``Model.predict_step``)."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self._call(list(x) if isinstance(x, Several) else x, False)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of ``y_pred`` plus the losses layers added in this call (``add_loss``,
        activity penalties) and the weight penalties (Keras: ``Model.compute_loss``). Recorded
        when called under a ``keras.GradientTape``, so its result can be differentiated."""
        tape = recording()
        if self._output_specs is not None:
            total = None
            for spec, yt, yp, sw in zip(self._output_specs, _several(y), self._flat_outputs(y_pred),
                                        per_output(sample_weight, len(self._output_specs))):
                if spec.loss is not None:
                    term = loss_on_tape(tape, spec.loss, yt, yp, sw, spec.weight) if tape else \
                        weighted(spec.loss(yt, yp, sw), spec.weight)
                    total = term if total is None else ops.add(total, term)
        elif self._compiled_loss is not None:
            total = loss_on_tape(tape, self._compiled_loss, y, y_pred, sample_weight, self._loss_weight) if tape else \
                weighted(self._compiled_loss(y, y_pred, sample_weight), self._loss_weight)
        else:
            total = np.float32(0)
        collected = loss_collector()
        for extra in collected or ():
            total = ops.add(total, extra)
        return ops.add(total, regularization_on_tape(tape, self.trainable_weights) if tape else
                       np.float32(self.regularization_loss()))

    def _run_train_step(self, x, y, sample_weight):
        if self._custom_steps[0]:
            self._step_logs = self.train_step(_packed(x, y, sample_weight))
        else:
            self._train_step(x, y, sample_weight)

    def _run_test_step(self, x, y, sample_weight):
        if self._custom_steps[1]:
            self._step_logs = self.test_step(_packed(x, y, sample_weight))
        else:
            self._test_step(x, y, sample_weight)

    def _run_predict_step(self, x):
        if self._custom_steps[2]:
            return self.predict_step(_packed(x, None, None))
        return self._call(list(x) if isinstance(x, Several) else x, False)

    @property
    def _custom_steps(self):
        """Which of train_step, test_step, predict_step a subclass overrides."""
        return _custom_steps(type(self))

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs and return a ``History`` (Keras: ``Model.fit``).

        ``x`` is an array (NumPy, memmap, or ``h5py.Dataset``, read one batch at a time and
        never copied whole) with ``y``; or a generator yielding ``(x, y)`` or
        ``(x, y, sample_weight)`` batches; or a ``keras.utils.PyDataset`` (see
        ``models/data_adapter.py``). ``shuffle="batch"`` shuffles the order of contiguous
        batches instead of the rows (what on-disk data need). Data from disk or Python code
        are read two batches ahead by a background thread while a step trains, when reading
        is slow enough for that to pay (``models/prefetch.py``).
        ``batch_size`` defaults to 32, or to ``ceil(n / steps_per_epoch)`` when only
        ``steps_per_epoch`` is given. ``validation_split`` holds out the *last* fraction of
        ``x``, ``y`` and ``sample_weight`` before shuffling, as Keras does, and is ignored
        when ``validation_data`` is given.
        ``validation_data`` is ``(x, y)`` or ``(x, y, sample_weight)``; it is evaluated after
        the epochs ``validation_freq`` selects (an interval, or a list of 1-based epochs),
        in batches of ``validation_batch_size`` (default ``batch_size``), and its results
        join the epoch's logs as ``val_<name>``. ``class_weight`` (``{class: weight}``, for
        integer or one-hot labels) becomes per-sample weights of the training part only and
        cannot be combined with ``sample_weight``. The loss reported per epoch is the mean
        over the epoch of ``sum(weight * loss) / batch size``.

        Callbacks are called in the order given, then ``History``, then the progress
        display. ``model.stop_training = True`` from a callback ends training after the
        current batch (the epoch's logs and ``on_epoch_end`` still follow) or epoch.

        Ctrl-C (``KeyboardInterrupt``, also raised by a callback) stops at the current
        batch with the weights of the last completed step (an update in progress is
        finished first), runs ``on_train_end`` so loggers flush and files close, keeps the
        finished epochs in ``model.history``, and propagates to the caller. Other exceptions
        propagate without ``on_train_end``, as in Keras.

        Under a ``keras.distribution.DataParallel`` over several MPI processes, each process
        trains on its rows of every (global) batch, and every process ends with the model one
        process would train (``minikeras/distribution/data_parallel.py``).
        """
        self._require_compiled("fit")
        verbose = _resolve_verbose(verbose)
        parallel = _parallel.ACTIVE  # None unless a DataParallel over several processes is set
        if parallel is not None:
            verbose = parallel.verbose(verbose)
        _check_positive_int(steps_per_epoch, "steps_per_epoch")
        _check_positive_int(validation_steps, "validation_steps")
        _check_positive_int(validation_batch_size, "validation_batch_size")
        _check_validation_freq(validation_freq)
        checks.check_non_negative_int(epochs, "epochs")
        checks.check_non_negative_int(initial_epoch, "initial_epoch")
        checks.check_validation_split(validation_split)
        callbacks = flatten_callbacks(callbacks)
        if shuffle not in (True, False, "batch"):
            raise ValueError(f"shuffle must be True, False or 'batch', got {shuffle!r}")
        _check_positive_int(batch_size, "batch_size")
        batches, validation = fit_batches(
            self, x, y, sample_weight, batch_size=batch_size, steps=steps_per_epoch, shuffle=shuffle,
            class_weight=class_weight, validation_split=validation_split, validation_data=validation_data,
            validation_batch_size=validation_batch_size, validation_steps=validation_steps,
            need_y=not self._custom_steps[0])
        if self._compiled_loss is not None and not self._compiled_loss.has_gradient:
            first_x, first_y, _ = batches.peek()
            self._check_differentiable_loss(first_y, _shape_of(first_x))
        callback_list = self._fit_callbacks(callbacks, verbose, epochs, batches.steps)
        self._ensure_built(batches.peek()[0])
        batch_logs_wanted = callback_list.wants("on_train_batch_end") or callback_list.wants("on_batch_end")

        self._prepare_training()
        run_step = self._run_train_step if self._custom_steps[0] else self._train_step  # (once, not per batch)
        if parallel is not None:  # this rank's rows of each batch, the ranks checked alike
            run_step, batch_logs_wanted = parallel.begin_fit(self, batches, validation, epochs, batch_logs_wanted)
        self.stop_training = False
        self._training_interrupted = False
        self._initial_epoch = None
        logs = {}
        guard = self._interrupt_guard
        guard.install()
        try:
            callback_list.on_train_begin()
            first_epoch = self._initial_epoch or initial_epoch  # BackupAndRestore may move the start
            self._initial_epoch = None
            if parallel is not None:  # rank 0's weights (restored or not), optimizer state and epoch
                first_epoch = parallel.sync_start(self, first_epoch)
            for epoch in range(first_epoch, epochs):
                self.reset_metrics()
                callback_list.on_epoch_begin(epoch)
                for step, (xb, yb, swb) in enumerate(batches.epoch()):
                    callback_list.on_train_batch_begin(step)
                    run_step(xb, yb, swb)
                    if batch_logs_wanted:
                        callback_list.on_train_batch_end(step, _BatchLogs(self) if parallel is None
                                                         else parallel.logs(self))
                    if self.stop_training:
                        break
                epoch_logs = dict(sorted(self._logs(parallel).items()))  # Keras sorts the log keys
                if validation is not None and _should_validate(epoch, validation_freq):
                    val = self._evaluate_adapter(validation, callback_list, in_fit=True, parallel=parallel)
                    epoch_logs.update({f"val_{key}": value for key, value in (val or {}).items()})
                    epoch_logs = dict(sorted(epoch_logs.items()))  # one sorted list, as in Keras
                callback_list.on_epoch_end(epoch, epoch_logs)
                logs = epoch_logs
                if parallel is not None:  # one rank stopping alone would leave the others waiting
                    self.stop_training = parallel.agree(self.stop_training)
                if self.stop_training or _out_of_data(batches, epoch, epochs):
                    break
        except KeyboardInterrupt:
            self._training_interrupted = True
            callback_list.on_train_end(logs)
            raise
        else:
            callback_list.on_train_end(logs)
        finally:
            guard.uninstall()
            batches.close()
            if parallel is not None:
                parallel.end_fit()
            if validation is not None:
                validation.close()
        return self.history

    def _fit_callbacks(self, callbacks, verbose, epochs, steps):
        """The user's callbacks, then History, then the progress display (Keras's order)."""
        callbacks = list(callbacks)  # already flattened and checked by fit
        history = next((c for c in callbacks if isinstance(c, History)), None)
        if history is None:
            history = History()
            callbacks.append(history)
        if verbose and not any(isinstance(c, ProgbarLogger) for c in callbacks):
            callbacks.append(ProgbarLogger(verbose))
        self.history = history
        return CallbackList(callbacks, model=self, verbose=verbose, epochs=epochs, steps=steps)

    def _checked_batch(self, prefix, batch):
        """A batch read from Python code, x's rank adjusted, its shape checked against the
        model's input and its targets checked by the loss.

        Arrays are checked whole before training; a generator's batches can only be checked
        one by one, so a later batch of another width or with a label out of range is an
        error naming the generator's argument (it was an error from inside a layer or an
        IndexError from the loss).
        """
        x, y, sample_weight = batch
        x = self.adjust_input_rank(x)
        if self.built:
            self.check_input_shape(tuple(x.shape), prefix + "x")
        if y is not None and self._compiled_loss is not None and self.built and self.output_shape is not None:
            try:
                self._compiled_loss.check_targets(y, (len(y),) + tuple(self.output_shape[1:]))
            except ValueError as error:
                raise ValueError(f"{prefix}x gave a batch whose targets the loss cannot take: {error}") from None
        return x, y, sample_weight

    def _logs(self, parallel):
        """The current logs: this process's, or under a DataParallel the same on every rank."""
        return self._current_logs() if parallel is None else parallel.logs(self)

    def _evaluate_adapter(self, adapter, callback_list=None, in_fit=False, parallel=None):
        """Logs of one epoch of ``adapter`` through ``_test_step``, or None if it gave no batch.

        Under a DataParallel, per-batch logs are this rank's (only the results are reduced)."""
        run_step = self._run_test_step if parallel is None else parallel.test_runner(self)
        self.reset_metrics()
        if in_fit:
            callback_list.on_test_begin()
        step = -1
        for step, (xb, yb, swb) in enumerate(adapter.epoch()):
            if callback_list is not None:
                callback_list.on_test_batch_begin(step)
            run_step(xb, yb, swb)
            if callback_list is not None:
                callback_list.on_test_batch_end(step, _BatchLogs(self))
        if step < 0:
            warnings.warn(RAN_OUT_MESSAGE + " (no batch was left to evaluate)", stacklevel=3)
            logs = None
        else:
            logs = self._logs(parallel)
        if in_fit:
            callback_list.on_test_end(_sorted(logs))
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss and metrics on the data (Keras: ``Model.evaluate``).

        Returns the loss alone when there are no metrics, else ``[loss, *metrics]``, or a
        dict with ``return_dict=True``.
        """
        self._require_compiled("evaluate")
        verbose = _resolve_verbose(verbose)
        callbacks = flatten_callbacks(callbacks)
        _check_positive_int(batch_size, "batch_size")
        _check_positive_int(steps, "steps")
        adapter = evaluation_batches(self, x, y, sample_weight, batch_size, steps, need_y=not self._custom_steps[1])
        parallel = _parallel.ACTIVE
        if parallel is not None:  # each rank evaluates its rows; the results are summed over the ranks
            verbose = parallel.verbose(verbose)
            parallel.shard(adapter, self)
        self._ensure_built(adapter.peek()[0])
        callback_list = CallbackList(callbacks, model=self)
        callback_list.on_test_begin()
        start = time.perf_counter()
        try:
            logs = self._evaluate_adapter(adapter, callback_list, parallel=parallel) or self._logs(parallel)
        finally:
            adapter.close()
        callback_list.on_test_end(_sorted(logs))
        if verbose:
            print(summary_line(adapter.steps, time.perf_counter() - start, _sorted(logs), verbose), flush=True)
        return _result(logs, return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Outputs for ``x`` computed batch by batch into one preallocated array (Keras: ``Model.predict``).

        Memory is bounded by the output and one batch, never a copy of the input: a float64
        array or a memmap is converted a batch at a time.
        """
        _check_positive_int(batch_size, "batch_size")
        _check_positive_int(steps, "steps")
        verbose = _resolve_verbose(verbose)
        callbacks = flatten_callbacks(callbacks)
        if _parallel.ACTIVE is not None:  # each rank predicts its rows; every rank gets all outputs
            return _parallel.ACTIVE.predict(self, x, batch_size, verbose, steps, callbacks)
        adapter = prediction_batches(self, x, batch_size, steps)
        self._ensure_built(adapter.peek()[0])
        rows = getattr(adapter, "output_rows", None)  # known for arrays: one preallocated output
        callback_list = CallbackList(callbacks, model=self)
        callback_list.on_predict_begin()
        outputs, parts, filled, structure, step, start = None, None, 0, None, -1, time.perf_counter()
        try:
            for step, (xb, _, _) in enumerate(adapter.epoch()):
                callback_list.on_predict_batch_begin(step)
                batch = self._run_predict_step(xb)
                structure = batch
                leaves = flatten(batch)
                if rows is None:
                    parts = parts or [[] for _ in leaves]
                    for part, leaf in zip(parts, leaves):
                        part.append(np.array(leaf, dtype=np.float32))
                else:
                    if outputs is None:
                        outputs = [np.empty((rows,) + leaf.shape[1:], dtype=np.float32) for leaf in leaves]
                    for output, leaf in zip(outputs, leaves):
                        output[filled:filled + len(leaf)] = leaf
                filled += len(leaves[0])
                callback_list.on_predict_batch_end(step, {"outputs": batch})
        finally:
            adapter.close()
        callback_list.on_predict_end()
        if verbose:  # Keras's line: 4/4 - 0s - 285us/step
            print(summary_line(step + 1, time.perf_counter() - start, {}, verbose), flush=True)
        if rows is None:
            arrays = [np.concatenate(p) for p in parts] if parts else [np.empty((0,), dtype=np.float32)]
        else:
            arrays = [output[:filled] for output in outputs]
        return _predicted(structure, arrays)

    def _predict_inputs(self, x):
        """``x`` converted and checked for predict (one array for a one-input model)."""
        x = to_array(x, "x")
        if x is None:
            raise ValueError("x is required: pass the input data as an array, got None")
        x = self.adjust_input_rank(x)
        checks.check_batch_dimension(x)
        if len(x) == 0:
            raise ValueError(f"x is empty (shape {tuple(x.shape)}): expected at least one sample to predict")
        self.check_input_shape(tuple(x.shape))
        return x

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on one batch; returns the loss (and metrics) of that batch."""
        self._require_compiled("train_on_batch")
        if class_weight is not None and sample_weight is not None:
            raise ValueError("Arguments sample_weight and class_weight cannot be specified at the same time")
        x, y, sample_weight = self._check_data(x, y, sample_weight, need_y=not self._custom_steps[0])
        self._check_differentiable_loss(y, _shape_of(x))
        if class_weight is not None:
            sample_weight = class_weights_to_sample_weights(class_weight, y)
        self._ensure_built(x)
        self._prepare_training()
        self.reset_metrics()
        sw = sample_weight if sample_weight is None or isinstance(sample_weight, Several) else \
            np.asarray(sample_weight, dtype=np.float32)
        parallel, run_step = _parallel.ACTIVE, self._run_train_step
        if parallel is not None:  # x is the global batch: this rank trains on its rows
            x, y, sw = parallel.rows_of_batch(x, y, sw)
            run_step = parallel.batch_runner(self)
        self._interrupt_guard.install()
        try:
            run_step(as_float32(x), _targets(y), sw)
        finally:
            self._interrupt_guard.uninstall()
        return _result(self._logs(parallel), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) on one batch, without training."""
        self._require_compiled("test_on_batch")
        x, y, sample_weight = self._check_data(x, y, sample_weight, need_y=not self._custom_steps[1])
        self._ensure_built(x)
        self.reset_metrics()
        parallel, run_step = _parallel.ACTIVE, self._run_test_step
        if parallel is not None:
            x, y, sample_weight = parallel.rows_of_batch(x, y, sample_weight)
            run_step = parallel.test_runner(self)
        run_step(as_float32(x), _targets(y), sample_weight)
        return _result(self._logs(parallel), return_dict)

    def predict_on_batch(self, x):
        """Outputs for one batch."""
        x = to_array(x, "x")
        if x is None:
            raise ValueError("x is required: pass the input data as an array, got None")
        x = self.adjust_input_rank(x)
        self._ensure_built(x)
        return self._call(as_float32(x), False)


class _BatchLogs(Mapping):
    """Batch logs computed only when a callback reads them (most batches nobody does)."""

    def __init__(self, model):
        self._model = model
        self._values = None

    def _materialize(self):
        if self._values is None:
            self._values = dict(sorted(self._model._current_logs().items()))
        return self._values

    def __getitem__(self, key):
        return self._materialize()[key]

    def __iter__(self):
        return iter(self._materialize())

    def __len__(self):
        return len(self._materialize())


def _check_validation_freq(validation_freq):
    if isinstance(validation_freq, (list, tuple)):
        if not all(isinstance(e, (int, np.integer)) and not isinstance(e, bool) for e in validation_freq):
            raise ValueError(f"validation_freq as a list must hold epoch numbers (1-based ints), got {validation_freq!r}")
        return
    _check_positive_int(validation_freq, "validation_freq", allow_none=False)


def _should_validate(epoch, validation_freq):
    """Keras's rule: ``validation_freq`` is an interval, or a list of 1-based epochs."""
    if isinstance(validation_freq, (list, tuple)):
        return epoch + 1 in validation_freq
    return (epoch + 1) % validation_freq == 0


def _resolve_verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto', got {verbose!r}")
    return verbose


def overrides(model, name):
    """Whether ``model``'s class overrides the step ``name`` (train_step, compute_loss ...)."""
    return _class_overrides(type(model), name)


@functools.lru_cache(maxsize=None)
def _custom_steps(cls):
    return tuple(_class_overrides(cls, name) for name in ("train_step", "test_step", "predict_step"))


@functools.lru_cache(maxsize=None)
def _class_overrides(cls, name):
    # asked every step: answered once per class (a class's methods are not replaced while it trains)
    return getattr(cls, name) is not getattr(Trainer, name)


def _packed(x, y, sample_weight):
    """The ``data`` a step receives: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``, as Keras packs it."""
    x = list(x) if isinstance(x, Several) else x
    y = list(y) if isinstance(y, Several) else y
    if y is None and sample_weight is None:
        return x
    if sample_weight is None:
        return (x, y)
    return (x, y, list(sample_weight) if isinstance(sample_weight, Several) else sample_weight)


def _several(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def _predicted(structure, arrays):
    """predict's result: one array, a list in output order, or a dict with sorted keys (Keras)."""
    if isinstance(structure, dict):
        return dict(sorted(zip(structure, arrays)))
    if isinstance(structure, (list, tuple)) and len(arrays) > 1:
        return list(arrays)
    return arrays[0]


def _shape_of(x):
    return tuple(x[0].shape) if isinstance(x, Several) else tuple(x.shape)


def _targets(y):
    if y is None:
        return None
    if isinstance(y, Several):
        return Several(None if v is None else np.asarray(v) for v in y)
    return np.asarray(y)


def per_output(sample_weight, count):
    """Each output's sample weights: one array for all outputs, or one per output."""
    if isinstance(sample_weight, (list, tuple)):
        return list(sample_weight)
    return [sample_weight] * count


def _sorted(logs):
    """Logs with their keys sorted, as Keras hands them out (``pythonify_logs`` sorts them)."""
    return None if logs is None else dict(sorted(logs.items()))


def _result(logs, return_dict):
    """What evaluate and *_on_batch return: the logs dict (keys sorted, as Keras returns it),
    the loss alone, or ``[loss, *metrics]`` in ``metrics_names`` order."""
    if return_dict:
        return _sorted(logs)
    values = list(logs.values())
    return values[0] if len(values) == 1 else values


def _out_of_data(batches, epoch, epochs):
    """A generator ran out for good: training stops after this epoch (warning if epochs remain)."""
    if not batches.exhausted or epoch + 1 >= epochs:
        return False
    if batches.steps_per_epoch is None:
        warnings.warn(RAN_OUT_MESSAGE, stacklevel=3)
    return True
