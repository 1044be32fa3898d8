"""Model: what compile configures and what one step of training or evaluation does.

One training step is one tape: the forward pass records each layer call (its vjp the
layer's hand-written backward) and the loss (against the logits when it fuses with a final
softmax/sigmoid); replaying the tape leaves each weight's gradient beside it; the weight
penalties are added; one in-place optimizer update follows. The loop over batches and the
callbacks are the Trainer's (``trainer.py``); the compile rules for several outputs are in
``compile_utils.py``.
"""
import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from ..layers.layer import Layer
from ..metrics.check import check_metrics
from ..tape import Tape, Tracer, collecting_losses, value_of
from ..variable import pack
from .. import ops
from .train_step import gradients_into_variables, loss_on_tape, weighted
from . import validation as checks
from . import compile_utils
from .data_adapter import Several, num_rows, to_array
from .trainer import Trainer, overrides, per_output
from .interrupt import InterruptGuard


_check_positive_int = checks.check_positive_int


class Model(Trainer, Layer):
    """A trainable stack of layers (the Keras ``Model`` training API)."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_arguments(args, kwargs):
            Functional = _functional_class()
            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, name=None, trainable=True, **kwargs):
        # As in Keras, what decides is what reaches Model.__init__: inputs and outputs make a
        # functional model, also for a subclass (CustomModel(inputs, outputs) keeps its class and
        # its train_step, compute_loss...: Functional joins its bases, as Keras injects it).
        if getattr(type(self), "_accepts_graph_arguments", True) and _functional_arguments(args, kwargs):
            Functional = _functional_class()
            if not isinstance(self, Functional):
                self.__class__ = _with_functional(type(self))
            inputs = args[0] if args else kwargs.pop("inputs")
            outputs = args[1] if len(args) > 1 else kwargs.pop("outputs")
            Functional.__init__(self, inputs, outputs, name=name, trainable=trainable, **kwargs)
            return
        self._init_model(name=name, trainable=trainable, **kwargs)

    def _init_model(self, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self.optimizer = None
        self.loss = None  # what compile was given, as in Keras; the resolved Loss is _compiled_loss
        self._compiled_loss = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._metrics = []
        self._weighted_metrics = []
        self._metrics_checked = None
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._compile_config = None
        self._loss_weight = None
        self._output_specs = None
        self._step_logs = None
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
        the ``*_on_batch`` steps that need one raise, as in Keras. ``model.loss`` is then
        ``loss`` as given (``"mse"`` stays ``"mse"``), as in Keras.
        """
        names = self._compile_output_names()
        specs = None
        if names is not None and len(names) > 1:
            specs = compile_utils.output_specs(names, loss, loss_weights, metrics, weighted_metrics)
            loss_arg, loss_weights_arg, metrics_arg, weighted_arg = None, None, None, None
        else:
            loss_arg, loss_weights_arg, metrics_arg, weighted_arg = _single_output_arguments(
                names, loss, loss_weights, metrics, weighted_metrics)
        loss_weight = _single_loss_weight(loss_weights_arg)
        optimizer_obj = optimizers_module.get(optimizer)
        loss_obj = None if loss_arg is None else losses_module.to_loss(loss_arg)
        metric_objs = [metrics_module.to_metric(m) for m in _as_list(metrics_arg, "metrics")]
        weighted_objs = [metrics_module.to_metric(m) for m in _as_list(weighted_arg, "weighted_metrics")]
        self.optimizer, self._compiled_loss = optimizer_obj, loss_obj
        self.loss = loss
        self._output_specs = specs
        self._metrics, self._weighted_metrics = metric_objs, weighted_objs
        self._metrics_checked = None  # labels' format the metrics were last checked against
        self._loss_weight = loss_weight
        self._compile_config = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
                                "metrics": metrics, "weighted_metrics": weighted_metrics}
        self.compiled = True

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print the layer table with output shapes and parameter counts (Keras: ``Model.summary``),
        with Keras's "Connected to" column for a graph that is not a chain."""
        from ..utils.summary import summary_lines
        print_fn = print_fn or print
        connected = self._summary_connected()
        for line in summary_lines(self, line_length or (98 if connected else 80), positions, expand_nested,
                                  show_trainable, layer_range, connected=connected):
            print_fn(line)

    def _summary_connected(self):
        return False

    # A Sequential or Functional model sets every layer's ``trainable`` with its own, as in Keras
    # (a frozen BatchNormalization then runs in inference mode even in fit).
    _trainable_propagates = False

    @property
    def trainable(self):
        return self.__dict__.get("_trainable_flag", True)

    @trainable.setter
    def trainable(self, value):
        Layer.trainable.fset(self, value)
        if self._trainable_propagates:
            for layer in self._sublayers():
                layer.trainable = self._trainable_flag

    def _compile_output_names(self):
        """The output names compile matches losses and metrics to, or None for a model whose
        outputs are not known yet (Sequential and subclassed models have one)."""
        return None

    @property
    def metrics(self):
        if self._output_specs is not None:
            return [self._loss_tracker] + compile_utils.spec_metrics(self._output_specs)
        return [self._loss_tracker] + self._metrics + self._weighted_metrics

    @property
    def metrics_names(self):
        if self._output_specs is not None:
            # Keras 3: the loss, the compiled metrics as one entry, then each output's loss
            names = ["loss"]
            if any(spec.metrics or spec.weighted_metrics for spec in self._output_specs):
                names.append("compile_metrics")
            return names + [spec.tracker.name for spec in self._output_specs if spec.loss is not None]
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        self._step_logs = None
        for metric in self.metrics:
            metric.reset_state()

    def _current_logs(self):
        if self._step_logs is not None:  # what an overridden train_step/test_step returned
            return {key: _log_value(np.asarray(value_of(value))) for key, value in self._step_logs.items()}
        if self._output_specs is not None:
            return compile_utils.multi_output_logs(self)
        return self._single_output_logs()

    def _single_output_logs(self):
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
        overridden = overrides(self, "train_step" if method in ("fit", "train_on_batch") else "test_step")
        if self._compiled_loss is None and not overridden and not overrides(self, "compute_loss") and \
                not (self._output_specs and any(s.loss for s in self._output_specs)):
            raise ValueError(f"{method}(): no loss to compute. Provide a `loss` argument in `compile()` "
                             "(this model was compiled without one)")

    def _train_step(self, x, y, sample_weight):
        if self._output_specs is not None:
            return self._train_step_outputs(x, y, sample_weight)
        if self.optimizer.learning_rate_schedule is not None:
            # A schedule's rate is checked before the forward pass moves BatchNormalization's
            # statistics or dropout's random stream, so a bad rate changes nothing.
            _ = self.optimizer.learning_rate
        custom_loss = self._custom_loss
        with Tape() as tape:
            y_pred = self._call(x, True)
            if custom_loss:
                total = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
            else:  # the compiled loss, then the losses layers added (add_loss, activity penalties)
                total = loss_on_tape(tape, self._compiled_loss, y, y_pred, sample_weight, self._loss_weight)
                for extra in tape.losses:
                    total = ops.add(total, extra)
        variables = self._trainable
        value = gradients_into_variables(tape, total, variables)
        for variable in () if custom_loss else self._regularized:
            value += variable.regularizer(variable.value)
            variable.grad += variable.regularizer.gradient(variable.value)
        y_pred = y_pred.value if type(y_pred) is Tracer else value_of(y_pred)
        with self._interrupt_guard:  # Ctrl-C waits until every weight and slot of this step is written
            self.optimizer.apply([v.grad for v in variables], variables)
            self._loss_tracker.update_state(value, sample_weight=len(x[0]) if type(x) is Several else len(x))
            self._update_metrics(y, y_pred, sample_weight)
        return y_pred

    def _train_step_outputs(self, x, y, sample_weight):
        """One step of a model with several outputs: the sum of the weighted output losses."""
        if self.optimizer.learning_rate_schedule is not None:
            _ = self.optimizer.learning_rate
        n = num_rows(x)
        custom_loss = self._custom_loss
        with Tape() as tape:
            y_pred = self._call(list(x) if isinstance(x, Several) else x, True)
            outputs = self._flat_outputs(y_pred)
            total, values = None, []
            if custom_loss:  # the subclass's loss replaces the compiled ones (as in the one-output step)
                total = self.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight)
                values = [None] * len(outputs)
            for spec, yt, yp, sw in zip(() if custom_loss else self._output_specs, y, outputs,
                                        per_output(sample_weight, len(outputs))):
                if spec.loss is None:
                    values.append(None)
                    continue
                term = loss_on_tape(tape, spec.loss, yt, yp, sw)
                values.append(np.asarray(value_of(term))[()])
                if spec.weight is not None:
                    term = ops.multiply(term, spec.weight)
                total = term if total is None else ops.add(total, term)
            for extra in () if custom_loss else tape.losses:
                total = ops.add(total, extra)
        variables = self._trainable
        value = gradients_into_variables(tape, total, variables)
        for variable in () if custom_loss else self._regularized:
            value += variable.regularizer(variable.value)
            variable.grad += variable.regularizer.gradient(variable.value)
        outputs = [value_of(o) for o in outputs]
        with self._interrupt_guard:
            self.optimizer.apply([v.grad for v in variables], variables)
            self._update_output_trackers(value, values, n, y, outputs, sample_weight)
        return outputs

    def _update_output_trackers(self, value, values, n, y, outputs, sample_weight):
        self._loss_tracker.update_state(value, sample_weight=n)
        for spec, v, yt, yp, sw in zip(self._output_specs, values, y, outputs,
                                       per_output(sample_weight, len(outputs))):
            if v is not None:
                spec.tracker.update_state(v, sample_weight=n)
            for metric in spec.metrics:
                metric.update_state(yt, yp)
            for metric in spec.weighted_metrics:
                metric.update_state(yt, yp, sw)

    def _test_step_outputs(self, x, y, sample_weight):
        with collecting_losses() as added:
            outputs = self._flat_outputs(self._call(list(x) if isinstance(x, Several) else x, False))
        value, values = 0.0, []
        for spec, yt, yp, sw in zip(self._output_specs, y, outputs, per_output(sample_weight, len(outputs))):
            if spec.loss is None:
                values.append(None)
                continue
            v = np.asarray(spec.loss(yt, yp, sw))
            values.append(v)
            value = value + weighted(v, spec.weight)
        value = value + self.regularization_loss()
        for extra in added:
            value = value + np.asarray(extra)
        self._update_output_trackers(value, values, num_rows(x), y, outputs, sample_weight)

    def _flat_outputs(self, outputs):
        """The model's outputs as a list in output order."""
        if isinstance(outputs, dict):
            return [outputs[name] for name in self.output_names]
        return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

    def _test_step(self, x, y, sample_weight):
        if self._output_specs is not None:
            return self._test_step_outputs(x, y, sample_weight)
        with collecting_losses() as added:
            y_pred = self._call(x, False)
        value = weighted(self._compiled_loss(y, y_pred, sample_weight), self._loss_weight) + self.regularization_loss()
        for extra in added:
            value = value + np.asarray(extra)
        self._loss_tracker.update_state(value, sample_weight=num_rows(x))
        self._update_metrics(y, y_pred, sample_weight)

    def _update_metrics(self, y, y_pred, sample_weight):
        for metric in self._metrics:
            metric.update_state(y, y_pred)
        for metric in self._weighted_metrics:
            metric.update_state(y, y_pred, sample_weight)

    def _prepare_training(self):
        """What the training steps read per batch, worked out once per fit or train_on_batch."""
        self._custom_loss = overrides(self, "compute_loss")
        self._trainable = self.trainable_weights
        self._regularized = [v for v in self._trainable if v.regularizer is not None]
        if self._trainable:
            pack(self._trainable)
        self.optimizer.build(self._trainable)

    # -- data checks ----------------------------------------------------------------------------
    def _check_data(self, x, y, sample_weight, need_y=True, prefix=""):
        """Convert and check the data fully (see ``validation``) without building the model."""
        x = self.adjust_input_rank(to_array(x, prefix + "x"))
        x, y, sample_weight = checks.check_arrays(x, y, sample_weight, need_y, prefix)
        self.check_input_shape(tuple(x.shape), prefix + "x")
        if y is not None and self._compiled_loss is not None:
            self._check_targets(y, tuple(x.shape), prefix, sample_weight)
        return x, y, sample_weight

    def _ensure_built(self, x):
        checks.check_batch_dimension(x)
        if not self.built:
            if type(self).call is Model.call or type(self).call is Layer.call:
                self.build((None,) + tuple(x.shape[1:]))
            else:
                # A subclassed model is built by running its call once, as Keras does: its
                # layers create their weights on the shapes they are given.
                self.build_for((None,) + tuple(x.shape[1:]))
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
            self._compiled_loss.check_targets(labels, (len(y),) + tuple(output_shape[1:]))
        except ValueError as error:
            raise ValueError(f"{prefix}y: {error}") from None
        if sample_weight is not None:
            try:
                self._compiled_loss.check_sample_weight(y, sample_weight, (len(y),) + tuple(output_shape[1:]))
            except ValueError as error:
                raise ValueError(f"{prefix}{error}") from None
        # The metrics, once per fit/evaluate call on two rows: a metric that cannot take these
        # labels fails here, before the first step changes any weight.
        key = (tuple(np.shape(y)[1:]), np.asarray(y[:0]).dtype.str, tuple(output_shape[1:]), sample_weight is None)
        if key != self._metrics_checked:
            check_metrics(self._metrics, self._weighted_metrics, y, output_shape, sample_weight, prefix)
            self._metrics_checked = key

    def _check_differentiable_loss(self, labels, x_shape, prefix=""):
        """A loss without a hand-written gradient is run once on a recorded prediction of two
        rows: one that cannot be differentiated (it turns the prediction into a NumPy array)
        fails here, before training changes anything."""
        if self._output_specs is not None or self._compiled_loss is None:
            return
        output_shape = self.output_shape if self.built else self.compute_output_shape((None,) + tuple(x_shape[1:]))
        if self._compiled_loss.has_gradient or output_shape is None or labels is None or len(labels) == 0 \
                or any(d is None for d in output_shape[1:]):
            return
        rows = min(2, len(labels))
        with Tape():
            y_pred = Tracer(np.full((rows,) + tuple(output_shape[1:]), 0.5, np.float32))
            try:
                with np.errstate(all="ignore"):
                    self._compiled_loss(np.asarray(labels[:rows]), y_pred)
            except TypeError as error:
                raise ValueError(f"{prefix}the loss {self._compiled_loss.name!r} cannot be differentiated: {error}. "
                                 "Write it with keras.ops functions (NumPy's ufuncs and operators also work "
                                 "on the recorded prediction; np.asarray and other conversions do not)") from None

    # -- fit -------------------------------------------------------------------------------------


    # -- evaluate / predict -----------------------------------------------------------------------


    # -- saving (formats live in minikeras.saving) --------------------------------------------------
    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from ``get_config()``: a functional config (``layers``, ``input_layers``...)
        rebuilds the graph into a ``cls`` (Keras: ``Model.from_config``), else ``cls(**config)``."""
        if isinstance(config, dict) and "layers" in config and "input_layers" in config:
            from ..saving.functional_config import functional_from_config
            return functional_from_config(config, custom_objects, cls=cls)
        return super().from_config(config)

    @property
    def layers(self):
        """The layers a subclassed model holds as attributes, in assignment order (Keras:
        ``Model.layers``); Sequential and Functional list theirs."""
        return self._sublayers()

    def _saving_children(self):
        """A subclassed model: its layer attributes and, at its alphabetical place, ``layers``
        (the layers it tracks, in assignment order), as Keras's saving walks them."""
        pairs = Layer._saving_children(self) + [("layers", self.layers)]
        return sorted(pairs, key=lambda pair: (pair[0].startswith("_"), pair[0]))

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


def _single_output_arguments(names, loss, loss_weights, metrics, weighted_metrics):
    """compile's arguments for a one-output model, where a list of one or a dict keyed by the
    output's name may stand for the value itself (as Keras accepts)."""
    def unwrap(value, argument, allow_flat_list):
        if isinstance(value, dict) and names:
            unknown = [k for k in value if k not in names]
            if unknown:
                raise ValueError(f"{argument} has keys {unknown}; the model's only output is {names[0]!r}")
            return value.get(names[0])
        if isinstance(value, dict):
            raise ValueError(f"{argument} as a dict applies to models with named outputs (functional "
                             f"models); got {value!r}")
        if not allow_flat_list and isinstance(value, (list, tuple)) and len(value) == 1:
            return value[0]
        return value
    return (unwrap(loss, "loss", False), loss_weights if not isinstance(loss_weights, dict)
            else unwrap(loss_weights, "loss_weights", False), unwrap(metrics, "metrics", True),
            unwrap(weighted_metrics, "weighted_metrics", True))


_FUNCTIONAL = []  # the Functional class, registered by models/functional.py (which builds on this module)


def register_functional(cls):
    _FUNCTIONAL[:] = [cls]
    return cls


def _functional_class():
    return _FUNCTIONAL[0]


def _functional_arguments(args, kwargs):
    return len(args) == 2 or (len(args) == 1 and "outputs" in kwargs) or ("inputs" in kwargs and "outputs" in kwargs)


def _is_functional(cls):
    return any(c.__name__ == "Functional" and c.__module__.endswith("functional") for c in cls.__mro__)


_FUNCTIONAL_SUBCLASSES = {}


def _with_functional(cls):
    """``cls`` with Functional among its bases (made once per class)."""
    if cls not in _FUNCTIONAL_SUBCLASSES:
        Functional = _functional_class()
        _FUNCTIONAL_SUBCLASSES[cls] = type(cls.__name__, (cls, Functional),
                                           {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                                            "_functional_of": cls})
    return _FUNCTIONAL_SUBCLASSES[cls]


def _log_value(result):
    """A metric's result as logged: a float, or an array for per-class results (as Keras logs them)."""
    return float(result) if np.ndim(result) == 0 else np.asarray(result)


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


