"""Model: compile / fit / evaluate / predict, the training loop in one place.

One training step is: forward (layers keep what backward needs) → loss value and dL/dy_pred
(fused with a final softmax/sigmoid where possible) → backward through the layers in
reverse → regularizer gradients → one in-place optimizer update. Callbacks see epoch and
batch ends through one CallbackList; the loop itself prints nothing.
"""
import functools
import time
import warnings
from collections.abc import Mapping

import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from ..callbacks import CallbackList, History, ProgbarLogger
from ..callbacks.callback_list import flatten_callbacks
from ..callbacks.progbar_logger import summary_line
from ..layers.layer import Layer
from ..metrics.check import check_metrics
from ..variable import pack
from . import validation as checks
from .data_adapter import (RAN_OUT_MESSAGE, as_float32, get_data_adapter, is_iterator_input, to_array,
                           train_validation_split)
from .interrupt import InterruptGuard


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


_check_positive_int = checks.check_positive_int


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


class Model(Layer):
    """A trainable stack of layers (the Keras ``Model`` training API)."""

    def __init__(self, *args, name=None, trainable=True, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise ValueError("keras.Model(inputs, outputs) builds a functional model, which minikeras does not "
                             "have: stack the layers in keras.Sequential([keras.Input(shape), layer, ...]) "
                             "instead (minikeras models are Sequential)")
        from .sequential import Sequential
        if not isinstance(self, Sequential):
            raise TypeError(f"{type(self).__name__} subclasses keras.Model with its own call(); training such a "
                            "model needs automatic differentiation, which minikeras does not have. Stack the "
                            "layers in keras.Sequential([...]) (a custom layer with its own backward() can go "
                            "inside it)")
        super().__init__(name=name, trainable=trainable, **kwargs)
        self.optimizer = None
        self.loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._metrics = []
        self._weighted_metrics = []
        self._metrics_checked = None
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._fused = False
        self._compile_config = None
        self._loss_weight = None
        self._initial_epoch = None
        self._training_interrupted = False
        self._interrupt_guard = InterruptGuard()

    # -- compile --------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1, jit_compile="auto",
                auto_scale_loss=True):
        """Configure training: optimizer, loss and metrics, resolved by name as in Keras.

        ``loss_weights`` may be a number (or a one-element list) that multiplies the loss, as
        Keras 3 does for a single-output model; regularization penalties are not multiplied.
        Without a loss the model is compiled for ``predict`` only: ``fit``, ``evaluate`` and
        the ``*_on_batch`` steps that need one raise, as in Keras.
        """
        loss_weight = _single_loss_weight(loss_weights)
        optimizer_obj = optimizers_module.get(optimizer)
        loss_obj = None if loss is None else losses_module.to_loss(loss)
        metric_objs = [metrics_module.to_metric(m) for m in _as_list(metrics, "metrics")]
        weighted_objs = [metrics_module.to_metric(m) for m in _as_list(weighted_metrics, "weighted_metrics")]
        self.optimizer, self.loss = optimizer_obj, loss_obj
        self._metrics, self._weighted_metrics = metric_objs, weighted_objs
        self._metrics_checked = None  # labels' format the metrics were last checked against
        self._loss_weight = loss_weight
        self._compile_config = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
                                "metrics": metrics, "weighted_metrics": weighted_metrics}
        self.compiled = True
        self._update_fusion()

    def _update_fusion(self):
        self._fused = bool(self.loss is not None and self.built and self.output_activation is not None
                           and self.loss.fuses_with(self.output_activation))

    @property
    def metrics(self):
        return [self._loss_tracker] + self._metrics + self._weighted_metrics

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def _current_logs(self):
        """``loss`` then the metrics, named as Keras names them: a repeated name gets ``_1``,
        ``_2``...; a weighted metric whose name is taken becomes ``weighted_<name>``."""
        logs = {"loss": float(self._loss_tracker.result())}
        counts = {}
        for metric in self._metrics:
            name = metric.name
            if name in counts:
                counts[name] += 1
                name = f"{name}_{counts[name] - 1}"
            else:
                counts[name] = 1
            logs[name] = _log_value(metric.result())
        for metric in self._weighted_metrics:
            name = metric.name
            if name in counts:
                name = f"weighted_{metric.name}"
                if name in counts:
                    counts[name] += 1
                    name = f"{name}_{counts[name] - 1}"
            counts.setdefault(name, 1)
            logs[name] = _log_value(metric.result())
        return logs

    # -- one step -------------------------------------------------------------------------------
    def _require_compiled(self, method):
        if not self.compiled:
            raise ValueError(f"You must call compile() before {method}(): the model has no loss "
                             "and optimizer yet")
        if self.loss is None:
            raise ValueError(f"{method}(): no loss to compute. Provide a `loss` argument in `compile()` "
                             "(this model was compiled without one)")
        if method in ("fit", "train_on_batch") and not self.loss.has_gradient:
            raise ValueError(f"{method}(): the loss {self.loss.name!r} has no gradient, and minikeras has no "
                             "automatic differentiation. Give a keras.losses.Loss subclass an "
                             "elementwise_gradient(y_true, y_pred) method (the derivative of each sample's "
                             "value with respect to its predictions), or a loss function a "
                             "gradient(y_true, y_pred) attribute. evaluate() and predict() work without one.")

    def _train_step(self, x, y, sample_weight):
        if self.optimizer.learning_rate_schedule is not None:
            # A schedule's rate is checked before the forward pass moves BatchNormalization's
            # statistics or dropout's random stream, so a bad rate changes nothing.
            _ = self.optimizer.learning_rate
        loss = self.loss
        y_pred, penalty = self._forward(x, training=True)
        # Nothing upstream of a model being trained wants dL/dx: the first layer skips that
        # product (a third of its matmul work).
        input_grad_needed, self.input_grad_needed = self.input_grad_needed, False
        try:
            if self._fused:
                value, grad = loss.value_and_gradient_wrt_logits(loss.prepare(y, y_pred), y_pred, sample_weight)
                self.backward_from_logits(self._weighted(grad))
            else:
                value, grad = loss.value_and_gradient(y, y_pred, sample_weight)
                self.backward(self._weighted(grad))
        finally:
            self.input_grad_needed = input_grad_needed
        value = self._weighted(value) + penalty
        variables = self._trainable
        for variable in self._regularized:
            value += variable.regularizer(variable.value)
            variable.grad += variable.regularizer.gradient(variable.value)
        with self._interrupt_guard:  # Ctrl-C waits until every weight and slot of this step is written
            self.optimizer.apply([v.grad for v in variables], variables)
            self._loss_tracker.update_state(value, sample_weight=len(x))
            self._update_metrics(y, y_pred, sample_weight)
        return y_pred

    def _forward(self, x, training):
        """The output and the layers' activity penalties (0.0 when no layer has one)."""
        if not self.has_activity_regularizers():
            return self.call(x, training=training), 0.0
        penalties = []
        y_pred = self.call(x, training=training, penalties=penalties)
        return y_pred, float(sum(penalties))

    def _weighted(self, loss_value):
        """The loss (or its gradient) times compile's ``loss_weights``, as Keras weights it."""
        return loss_value if self._loss_weight is None else loss_value * self._loss_weight

    def _test_step(self, x, y, sample_weight):
        y_pred, penalty = self._forward(x, training=False)
        value = self._weighted(self.loss(y, y_pred, sample_weight)) + self.regularization_loss() + penalty
        self._loss_tracker.update_state(value, sample_weight=len(x))
        self._update_metrics(y, y_pred, sample_weight)

    def _update_metrics(self, y, y_pred, sample_weight):
        for metric in self._metrics:
            metric.update_state(y, y_pred)
        for metric in self._weighted_metrics:
            metric.update_state(y, y_pred, sample_weight)

    def _prepare_training(self):
        self._trainable = self.trainable_weights
        self._regularized = [v for v in self._trainable if v.regularizer is not None]
        if self._trainable:
            pack(self._trainable)
        self.optimizer.build(self._trainable)
        self._update_fusion()

    # -- data checks ----------------------------------------------------------------------------
    def _check_data(self, x, y, sample_weight, need_y=True, prefix=""):
        """Convert and check the data fully (see ``validation``) without building the model."""
        x = self.adjust_input_rank(to_array(x, prefix + "x"))
        x, y, sample_weight = checks.check_arrays(x, y, sample_weight, need_y, prefix)
        self.check_input_shape(tuple(x.shape), prefix + "x")
        if y is not None and self.loss is not None:
            self._check_targets(y, tuple(x.shape), prefix, sample_weight)
        return x, y, sample_weight

    def _ensure_built(self, x):
        checks.check_batch_dimension(x)
        if not self.built:
            self.build((None,) + tuple(x.shape[1:]))
        self.check_input_shape(tuple(x.shape))

    def check_input_shape(self, shape, argument="x"):
        """Raise a clear error when data of ``shape`` cannot be fed to the (built) model."""

    def adjust_input_rank(self, x):
        """``x`` with the rank the model's input has, where Keras adjusts it (see Sequential)."""
        return x

    def _check_targets(self, y, x_shape, prefix="", sample_weight=None):
        """The loss's and the metrics' checks of the labels against the output shape the model has
        (or will have)."""
        output_shape = self.output_shape if self.built else self.compute_output_shape((None,) + x_shape[1:])
        if output_shape is None:
            return
        labels = np.asarray(y) if len(y) < 10_000_000 else np.asarray(y[:0])
        try:
            self.loss.check_targets(labels, (len(y),) + tuple(output_shape[1:]))
        except ValueError as error:
            raise ValueError(f"{prefix}y: {error}") from None
        if sample_weight is not None:
            try:
                self.loss.check_sample_weight(y, sample_weight, (len(y),) + tuple(output_shape[1:]))
            except ValueError as error:
                raise ValueError(f"{prefix}{error}") from None
        # The metrics, once per fit/evaluate call on two rows: a metric that cannot take these
        # labels fails here, before the first step changes any weight.
        key = (tuple(np.shape(y)[1:]), np.asarray(y[:0]).dtype.str, tuple(output_shape[1:]), sample_weight is None)
        if key != self._metrics_checked:
            check_metrics(self._metrics, self._weighted_metrics, y, output_shape, sample_weight, prefix)
            self._metrics_checked = key

    # -- fit -------------------------------------------------------------------------------------
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
        """
        self._require_compiled("fit")
        verbose = _resolve_verbose(verbose)
        _check_positive_int(steps_per_epoch, "steps_per_epoch")
        _check_positive_int(validation_steps, "validation_steps")
        _check_positive_int(validation_batch_size, "validation_batch_size")
        _check_validation_freq(validation_freq)
        checks.check_non_negative_int(epochs, "epochs")
        checks.check_non_negative_int(initial_epoch, "initial_epoch")
        checks.check_validation_split(validation_split)
        callbacks = flatten_callbacks(callbacks)
        if validation_data is not None:
            validation_split = 0.0  # Keras: validation_data overrides validation_split
        if shuffle not in (True, False, "batch"):
            raise ValueError(f"shuffle must be True, False or 'batch', got {shuffle!r}")
        if class_weight is not None and sample_weight is not None:
            raise ValueError("You cannot pass class_weight and sample_weight at the same time: multiply the "
                             "class weights into sample_weight instead")
        _check_positive_int(batch_size, "batch_size")
        if validation_split:
            if not is_iterator_input(x):
                x, y, sample_weight = self._check_data(x, y, sample_weight)
            (x, y, sample_weight), validation_data = train_validation_split(x, y, sample_weight, validation_split)
        batches = self._adapter(x, y, sample_weight, batch_size, steps_per_epoch, shuffle=shuffle,
                                class_weight=class_weight, checked=bool(validation_split))
        validation = None
        if validation_data is not None:
            val_x, val_y, val_sw = _unpack_validation(validation_data)
            validation = self._adapter(val_x, val_y, val_sw, validation_batch_size or batch_size, validation_steps,
                                       checked=bool(validation_split), prefix="validation_data ")
            validation.restart_each_epoch = True  # Keras: validation_steps restart at the start every epoch
        callback_list = self._fit_callbacks(callbacks, verbose, epochs, batches.steps)
        self._ensure_built(batches.peek()[0])
        batch_logs_wanted = callback_list.wants("on_train_batch_end") or callback_list.wants("on_batch_end")

        self._prepare_training()
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
            for epoch in range(first_epoch, epochs):
                self.reset_metrics()
                callback_list.on_epoch_begin(epoch)
                for step, (xb, yb, swb) in enumerate(batches.epoch()):
                    callback_list.on_train_batch_begin(step)
                    self._train_step(xb, yb, swb)
                    if batch_logs_wanted:
                        callback_list.on_train_batch_end(step, _BatchLogs(self))
                    if self.stop_training:
                        break
                epoch_logs = dict(sorted(self._current_logs().items()))  # Keras sorts the log keys
                if validation is not None and _should_validate(epoch, validation_freq):
                    val = self._evaluate_adapter(validation, callback_list, in_fit=True)
                    epoch_logs.update({f"val_{key}": value for key, value in (val or {}).items()})
                    epoch_logs = dict(sorted(epoch_logs.items()))  # one sorted list, as in Keras
                callback_list.on_epoch_end(epoch, epoch_logs)
                logs = epoch_logs
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

    # -- evaluate / predict -----------------------------------------------------------------------
    def _adapter(self, x, y, sample_weight, batch_size, steps, shuffle=False, class_weight=None, need_y=True,
                 checked=False, prefix=""):
        """The data adapter for any input kind, its data checked against the model (not built yet).

        Arrays are checked whole (``_check_data``); data read from Python code (generators,
        PyDatasets) are checked on their first batch.
        """
        if not is_iterator_input(x):
            if not checked:
                x, y, sample_weight = self._check_data(x, y, sample_weight, need_y, prefix)
            if class_weight is not None:
                sample_weight = _apply_class_weight(class_weight, y)
            return get_data_adapter(x, y, sample_weight, batch_size=batch_size, steps=steps, shuffle=shuffle)
        weigh = None if class_weight is None else (lambda labels: _apply_class_weight(class_weight, labels))
        adapter = get_data_adapter(x, y, sample_weight, steps=steps, shuffle=shuffle, class_weight=weigh)
        adapter.batch_hook = functools.partial(self._checked_batch, prefix)
        xb, yb, swb = adapter.peek()
        self.check_input_shape(tuple(xb.shape), prefix + "x")
        if need_y and yb is None:
            raise ValueError(f"{prefix}x gave batches without targets: training and evaluation need batches "
                             "(x, y) or (x, y, sample_weight), got (x,)")
        if yb is not None and self.loss is not None:
            self._check_targets(yb, tuple(xb.shape), prefix, swb)
        return adapter

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
        if y is not None and self.loss is not None and self.built and self.output_shape is not None:
            try:
                self.loss.check_targets(y, (len(y),) + tuple(self.output_shape[1:]))
            except ValueError as error:
                raise ValueError(f"{prefix}x gave a batch whose targets the loss cannot take: {error}") from None
        return x, y, sample_weight

    def _evaluate_adapter(self, adapter, callback_list=None, in_fit=False):
        """Logs of one epoch of ``adapter`` through ``_test_step``, or None if it gave no batch."""
        self.reset_metrics()
        if in_fit:
            callback_list.on_test_begin()
        step = -1
        for step, (xb, yb, swb) in enumerate(adapter.epoch()):
            if callback_list is not None:
                callback_list.on_test_batch_begin(step)
            self._test_step(xb, yb, swb)
            if callback_list is not None:
                callback_list.on_test_batch_end(step, _BatchLogs(self))
        if step < 0:
            warnings.warn(RAN_OUT_MESSAGE + " (no batch was left to evaluate)", stacklevel=3)
            logs = None
        else:
            logs = self._current_logs()
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
        adapter = self._adapter(x, y, sample_weight, batch_size, steps)
        self._ensure_built(adapter.peek()[0])
        callback_list = CallbackList(callbacks, model=self)
        callback_list.on_test_begin()
        start = time.perf_counter()
        try:
            logs = self._evaluate_adapter(adapter, callback_list) or self._current_logs()
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
        if is_iterator_input(x):
            adapter = self._adapter(x, None, None, batch_size, steps, need_y=False)
        else:
            x = to_array(x, "x")
            if x is None:
                raise ValueError("x is required: pass the input data as an array, got None")
            x = self.adjust_input_rank(x)
            checks.check_batch_dimension(x)
            if len(x) == 0:
                raise ValueError(f"x is empty (shape {tuple(x.shape)}): expected at least one sample to predict")
            self.check_input_shape(tuple(x.shape))
            adapter = get_data_adapter(x, batch_size=batch_size, steps=steps)
        self._ensure_built(adapter.peek()[0])
        rows = getattr(adapter, "output_rows", None)  # known for arrays: one preallocated output
        callback_list = CallbackList(callbacks, model=self)
        callback_list.on_predict_begin()
        output, parts, filled, step, start = None, [], 0, -1, time.perf_counter()
        try:
            for step, (xb, _, _) in enumerate(adapter.epoch()):
                callback_list.on_predict_batch_begin(step)
                batch = self.call(xb, training=False)
                if rows is None:
                    parts.append(np.array(batch, dtype=np.float32))
                else:
                    if output is None:
                        output = np.empty((rows,) + batch.shape[1:], dtype=np.float32)
                    output[filled:filled + len(batch)] = batch
                filled += len(batch)
                callback_list.on_predict_batch_end(step, {"outputs": batch})
        finally:
            adapter.close()
        callback_list.on_predict_end()
        if verbose:  # Keras's line: 4/4 - 0s - 285us/step
            print(summary_line(step + 1, time.perf_counter() - start, {}, verbose), flush=True)
        if rows is None:
            return np.concatenate(parts) if parts else np.empty((0,), dtype=np.float32)
        return output[:filled]

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on one batch; returns the loss (and metrics) of that batch."""
        self._require_compiled("train_on_batch")
        if class_weight is not None and sample_weight is not None:
            raise ValueError("Arguments sample_weight and class_weight cannot be specified at the same time")
        x, y, sample_weight = self._check_data(x, y, sample_weight)
        if class_weight is not None:
            sample_weight = _apply_class_weight(class_weight, y)
        self._ensure_built(x)
        self._prepare_training()
        self.reset_metrics()
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float32)
        self._interrupt_guard.install()
        try:
            self._train_step(as_float32(x), np.asarray(y), sw)
        finally:
            self._interrupt_guard.uninstall()
        return _result(self._current_logs(), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss (and metrics) on one batch, without training."""
        self._require_compiled("test_on_batch")
        x, y, sample_weight = self._check_data(x, y, sample_weight)
        self._ensure_built(x)
        self.reset_metrics()
        self._test_step(as_float32(x), np.asarray(y), sample_weight)
        return _result(self._current_logs(), return_dict)

    def predict_on_batch(self, x):
        """Outputs for one batch."""
        x = to_array(x, "x")
        if x is None:
            raise ValueError("x is required: pass the input data as an array, got None")
        x = self.adjust_input_rank(x)
        self._ensure_built(x)
        return self.call(as_float32(x), training=False)

    # -- saving (formats live in minikeras.saving) --------------------------------------------------
    def save(self, filepath, overwrite=True, **kwargs):
        """Save architecture, weights and optimizer state (``.keras`` or legacy ``.h5``)."""
        from ..saving import save_model
        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Save the weights only (``.weights.h5``, or a legacy ``.h5`` weights file)."""
        from ..saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, by_name=None):
        """Load weights saved by minikeras or Keras; shapes are checked before anything changes.
        ``by_name=True`` (legacy ``.h5`` files only, as in Keras) matches layers by name."""
        from ..saving import load_weights
        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name)

    def get_compile_config(self):
        """The compile arguments as Keras serializes them (optimizer, loss and metrics as
        configs; ``{}`` when not compiled), what ``compile_from_config`` takes (Keras:
        ``Model.get_compile_config``)."""
        from ..saving.serialization import compile_config
        return compile_config(self) if self.compiled else {}

    def compile_from_config(self, config):
        """Compile from ``get_compile_config()``'s dict (Keras: ``Model.compile_from_config``);
        the optimizer is built at once when the model is."""
        from ..saving.serialization import compile_arguments
        self.compile(**compile_arguments(config, "compile_from_config"))
        if self.built:
            self.optimizer.build(self.trainable_weights)

    def get_build_config(self):
        """``{"input_shape": ...}`` once the model is built, else None (Keras: ``get_build_config``)."""
        return {"input_shape": tuple(self.input_shape)} if self.built and self.input_shape is not None else None

    def build_from_config(self, config):
        """Build from ``get_build_config()``'s dict (Keras: ``build_from_config``)."""
        if config and "input_shape" in config:
            self.build(tuple(config["input_shape"]))

    def to_json(self, **kwargs):
        """The model's architecture as Keras's JSON (``keras.models.model_from_json`` reads it)."""
        from ..saving import to_json
        return to_json(self, **kwargs)


def _log_value(result):
    """A metric's result as logged: a float, or an array for per-class results (as Keras logs them)."""
    return float(result) if np.ndim(result) == 0 else np.asarray(result)


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


def _as_list(value, argument):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, dict):
        raise ValueError(f"{argument} as a dict applies to multi-output models, which minikeras does not have")
    return [value]


def _single_loss_weight(loss_weights):
    """compile's ``loss_weights`` for the one output: None, or the number (float32) that
    multiplies the loss. A list or tuple must hold exactly one number, as in Keras."""
    if loss_weights is None:
        return None
    value = loss_weights
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ValueError(f"loss_weights must match the number of losses: the model has 1 output, "
                             f"got {len(value)} weights {list(value)!r}")
        value = value[0]
    if isinstance(value, dict):
        raise ValueError("loss_weights as a dict applies to multi-output models, which minikeras does "
                         f"not have; give a number, got {loss_weights!r}")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value):
        raise ValueError(f"loss_weights must be a finite number (or a list of one), got {loss_weights!r}")
    return np.float32(value)


def _apply_class_weight(class_weight, y):
    """Per-sample weights from ``{class: weight}`` (Keras: ``class_weight_to_sample_weights``).

    Labels are integers, or one-hot rows (their argmax), or a column of one; float labels
    are rounded (so binary 0./1. targets work). Classes missing from the dict weigh 1, and
    keys for classes that never occur are accepted (as in Keras).
    """
    if not hasattr(class_weight, "items") or not hasattr(class_weight, "get"):
        raise ValueError(f"class_weight must be a dict mapping class indices to weights, got {class_weight!r} "
                         f"of type {type(class_weight).__name__}")
    table = {}
    for key, weight in class_weight.items():
        index = _class_index(key)
        if index is None:
            raise ValueError(f"class_weight keys must be integer class indices, got the key {key!r} of type "
                             f"{type(key).__name__}")
        if index in table:
            raise ValueError(f"class_weight has two keys for class {index}: {key!r} and another equal to it")
        try:
            table[index] = float(weight)
        except (TypeError, ValueError):
            raise ValueError(f"class_weight must map integer class indices to numbers, got the item "
                             f"{key!r}: {weight!r}") from None
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else y.reshape(y.shape[:-1])
    labels = np.round(y).astype(np.int64).reshape(len(y))
    classes, position = np.unique(labels, return_inverse=True)
    weights = np.array([table.get(int(c), 1.0) for c in classes], dtype=np.float32)
    return weights[position.reshape(-1)]


def _class_index(key):
    """``key`` as a class index, or None when it is not an integer.

    Integers (not bools), whole floats such as ``1.0`` (Keras's dict lookup matches them)
    and strings of digits such as ``"1"`` (Keras after 3.15 converts them with ``int``) are
    indices; ``1.5`` is not (Keras would silently use class 1 or ignore the key).
    """
    if isinstance(key, (bool, np.bool_)):
        return None
    if isinstance(key, (int, np.integer)):
        return int(key)
    if isinstance(key, (float, np.floating)) and float(key).is_integer():
        return int(key)
    if isinstance(key, str) and key.strip().lstrip("+-").isdigit():
        return int(key)
    return None


def _unpack_validation(validation_data):
    """``(x, y, sample_weight)`` from ``validation_data``: a tuple of arrays, or a generator/PyDataset."""
    if is_iterator_input(validation_data):
        return validation_data, None, None
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight), "
                         "or a generator or PyDataset, "
                         f"got {type(validation_data).__name__}"
                         + (f" of length {len(validation_data)}" if isinstance(validation_data, (tuple, list)) else ""))
    return tuple(validation_data) + ((None,) if len(validation_data) == 2 else ())


def _out_of_data(batches, epoch, epochs):
    """A generator ran out for good: training stops after this epoch (warning if epochs remain)."""
    if not batches.exhausted or epoch + 1 >= epochs:
        return False
    if batches.steps_per_epoch is None:
        warnings.warn(RAN_OUT_MESSAGE, stacklevel=3)
    return True
