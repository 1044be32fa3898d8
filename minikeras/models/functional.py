"""Functional: a model defined by the graph from its input KerasTensors to its outputs.

``keras.Model(inputs, outputs)`` (Keras: ``keras.src.models.functional.Functional``).
Inputs and outputs may each be a tensor, a list or a dict. Running the model runs the
graph's nodes in order, each layer on the values of its input tensors; while a training
step records, each layer call is one tape entry, so fan-out, fan-in, shared layers and
nested models need nothing more.
"""
import numpy as np

from ..keras_tensor import KerasTensor, any_symbolic, flatten, map_structure
from ..layers.layer import Layer
from ..tape import Tracer
from . import validation
from .data_adapter import Several, num_rows, to_array
from .graph import check_tensors, map_graph
from .model import Model, register_functional


@register_functional
class Functional(Model):
    """A model built from ``keras.Input`` tensors and the layers called on them."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model._init_model(self, name=name, trainable=trainable, **kwargs)
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        self._input_structure = inputs
        self._output_structure = outputs
        self._inputs = check_tensors(inputs, "inputs")
        self._outputs = check_tensors(outputs, "outputs")
        if len({id(t) for t in self._inputs}) != len(self._inputs):
            raise ValueError(f"keras.Model inputs holds the same tensor twice: {[t.name for t in self._inputs]}")
        self._nodes, self._operations = map_graph(self._inputs, self._outputs)
        self._plan = [_plan_node(node) for node in self._nodes]
        self.built = True
        self.input_shape = _shapes(self._input_structure)
        self.output_shape = _shapes(self._output_structure)

    # -- structure -----------------------------------------------------------------------
    @property
    def layers(self):
        """The layers in Keras's order (InputLayers included, by decreasing depth)."""
        return self._sublayers()

    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def input(self):
        """The input tensor(s), in the structure given to the constructor."""
        return self._input_structure

    @property
    def output(self):
        return self._output_structure

    @property
    def input_names(self):
        return [t._keras_history[0].name for t in self._inputs]

    @property
    def output_names(self):
        """The names of the layers that produce the outputs (the keys of dict losses and logs)."""
        if isinstance(self._output_structure, dict):
            return list(self._output_structure)
        return [t._keras_history[0].name for t in self._outputs]

    def get_layer(self, name=None, index=None):
        """A layer by name or index (in ``layers`` order)."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"get_layer index {index} is out of range: the model has {len(layers)} layers")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: {[l.name for l in layers]}")

    _trainable_propagates = True

    def _sublayers(self):
        """The graph's layers: the base class's ``weights``, ``trainable_weights`` and
        ``trainable`` walk them (none yet while the constructor runs)."""
        return [op for op in self.__dict__.get("_operations", ()) if isinstance(op, Layer)]

    def regularization_loss(self):
        return sum(layer.regularization_loss() for layer in self.layers)

    @property
    def output_activation(self):
        return None

    # -- running -------------------------------------------------------------------------------
    def call(self, inputs, training=False, mask=None):
        """Run the graph on ``inputs`` (arrays or recorded values in the inputs' structure)."""
        values = {}
        for tensor, value in zip(self._inputs, self._flat_inputs(inputs)):
            values[id(tensor)] = value
        for operation, kind, sources, targets, node in self._plan:
            if kind == "single":
                result = operation._call(values[sources], training)
            elif kind == "list":
                result = operation._call([values[s] for s in sources], training)
            else:
                args, kwargs = map_structure(
                    lambda t: values[id(t)] if type(t) is KerasTensor else t, (list(node.args), node.kwargs))
                result = operation.run_node(args, kwargs, training)
            if len(targets) == 1:
                values[targets[0]] = result if not isinstance(result, (list, tuple, dict)) else flatten(result)[0]
            else:
                for target, value in zip(targets, flatten(result)):
                    values[target] = value
        return map_structure(lambda t: values[id(t)], self._output_structure)

    def _flat_inputs(self, inputs):
        """``inputs`` as one value per model input, matched as Keras matches them."""
        structure = self._input_structure
        n = len(self._inputs)
        if isinstance(inputs, dict):
            # (self._inputs holds a dict's tensors in sorted key order, as Keras flattens it)
            names = sorted(structure) if isinstance(structure, dict) else [t.name for t in self._inputs]
            missing = [name for name in names if name not in inputs]
            if missing:
                raise ValueError(f"Model {self.name!r} expects inputs named {names}; the dict given has keys "
                                 f"{list(inputs)} and misses {missing}")
            return [inputs[name] for name in names]
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != n:
                raise ValueError(f"Model {self.name!r} expects {n} input(s) "
                                 f"{[t.name for t in self._inputs]}, got a list of {len(inputs)}")
            return list(inputs)
        if n != 1:
            raise ValueError(f"Model {self.name!r} expects {n} inputs {[t.name for t in self._inputs]}, got one "
                             f"array of shape {np.shape(inputs) if type(inputs) is not Tracer else inputs.shape}")
        return [inputs]

    def __call__(self, *args, **kwargs):
        inputs = args[0] if args else kwargs.get("inputs")
        if any_symbolic(inputs):
            return Layer.__call__(self, *args, **kwargs)
        inputs = args[0] if args else kwargs.pop("inputs")
        training = kwargs.pop("training", args[1] if len(args) > 1 else None)
        flat = [self._prepare_input(x, tensor, "inputs") for x, tensor in zip(self._flat_inputs(inputs), self._inputs)]
        return self._call(flat if len(flat) > 1 or isinstance(self._input_structure, (list, dict)) else flat[0],
                          training)

    def _prepare_input(self, x, tensor, argument):
        """One input's data as the Input declares it: float32 (or the Input's dtype), the rank
        adjusted as Keras adjusts it, the shape checked."""
        if type(x) is Tracer:
            return x
        x = np.asarray(x)
        dtype = np.dtype(tensor.dtype)
        if x.dtype != dtype:
            x = x.astype(dtype)
        x = adjust_rank(x, tensor.shape)
        validation.check_batch_dimension(x, argument)
        validation.check_input_shape(tuple(x.shape), tensor.shape, self.name, f"{argument} {tensor.name!r}"
                                     if len(self._inputs) > 1 else argument)
        return x

    def compute_output_shape(self, input_shape):
        return self.output_shape

    def build(self, input_shape=None):
        self.built = True

    def build_for(self, input_shape):
        return self.output_shape

    # -- data checks the training loop calls ------------------------------------------------------
    def _compile_output_names(self):
        return self.output_names

    def _several(self):
        return len(self._inputs) > 1 or len(self._outputs) > 1

    def _check_data(self, x, y, sample_weight, need_y=True, prefix=""):
        """Convert and check the data: with several inputs or outputs, ``x``, ``y`` and
        ``sample_weight`` become one array per input/output (a list in the model's order; a dict
        is matched by names), each checked as a single model's data is."""
        if not self._several():
            return super()._check_data(_only(x, self.input_names, "x", prefix),
                                       _only(y, self.output_names, "y", prefix),
                                       _only(sample_weight, self.output_names, "sample_weight", prefix),
                                       need_y, prefix)
        xs = self._inputs_of(x, prefix + "x")
        ys = self._per_output(y, prefix + "y")
        if need_y and ys is None:
            raise ValueError(f"{prefix}y is required to train or evaluate: pass the targets as a list (one "
                             f"array per output {self.output_names}) or a dict keyed by output name, got None")
        sws = sample_weight
        if isinstance(sample_weight, (list, tuple, dict)):
            sws = self._per_output(sample_weight, prefix + "sample_weight")
        elif sample_weight is not None:
            sws = to_array(sample_weight, prefix + "sample_weight")
        n = num_rows(xs)
        for name, array in _named_arrays(xs, self.input_names, prefix + "x") + \
                _named_arrays(ys, self.output_names, prefix + "y") + \
                (_named_arrays(sws, self.output_names, prefix + "sample_weight") if isinstance(sws, Several)
                 else [(prefix + "sample_weight", sws)] if sws is not None else []):
            if array is None:
                continue
            if len(array.shape) == 0 or len(array) != n:
                raise ValueError(f"{name} must have one entry per sample: the inputs have {n} samples, "
                                 f"{name} has {'none (a scalar)' if len(array.shape) == 0 else len(array)}")
            validation.check_finite(array, name)
        if len(self._outputs) == 1:  # one output: its targets and weights as plain arrays
            ys = None if ys is None else ys[0]
            sws = sws[0] if isinstance(sws, Several) else sws
            if ys is not None and self._compiled_loss is not None:
                self._check_targets(ys, tuple(xs[0].shape), prefix, sws)
        elif ys is not None:
            self._check_output_targets(ys, sws, prefix)
        return xs, ys, sws

    def _inputs_of(self, x, argument):
        """``x`` as one checked array per model input (Several)."""
        if x is None:
            raise ValueError(f"{argument} is required: pass one array per input {self.input_names} (a list, or "
                             "a dict keyed by input name), got None")
        if isinstance(x, dict):
            names = list(self._input_structure) if isinstance(self._input_structure, dict) else self.input_names
            missing = [n for n in names if n not in x]
            if missing:
                raise ValueError(f"{argument} is a dict with keys {list(x)}, but the model's inputs are {names}: "
                                 f"missing {missing}")
            arrays = [x[n] for n in names]
        elif isinstance(x, (list, tuple)):
            if len(x) != len(self._inputs):
                raise ValueError(f"{argument} must hold one array per model input {self.input_names} "
                                 f"({len(self._inputs)}), got a {type(x).__name__} of {len(x)}")
            arrays = list(x)
        elif len(self._inputs) == 1:
            arrays = [x]
        else:
            raise ValueError(f"{argument}: the model has {len(self._inputs)} inputs {self.input_names}; pass a "
                             f"list of arrays or a dict keyed by input name, got one {type(x).__name__}")
        checked = Several()
        for array, tensor, name in zip(arrays, self._inputs, self.input_names):
            label = f"{argument}[{name!r}]" if len(self._inputs) > 1 else argument
            array = to_array(array, label)
            if array is None:
                raise ValueError(f"{label} is required, got None")
            validation.check_batch_dimension(array, label)
            array = adjust_rank(array, tensor.shape) if isinstance(array, np.ndarray) else array
            validation.check_input_shape(tuple(array.shape), tensor.shape, self.name, label)
            checked.append(array)
        if num_rows(checked) == 0:
            raise ValueError(f"{argument} is empty: expected at least one sample")
        return checked

    def _per_output(self, y, argument):
        """``y`` (or per-output sample weights) as one array per output (Several), or None."""
        names = self.output_names
        if y is None:
            return None
        if isinstance(y, dict):
            unknown = [k for k in y if k not in names]
            if unknown:
                raise ValueError(f"{argument} has keys {unknown}, which are not outputs of the model {names}")
            values = [y.get(n) for n in names]
        elif isinstance(y, (list, tuple)):
            if len(y) != len(names):
                raise ValueError(f"{argument} must hold one array per model output {names} ({len(names)}), got "
                                 f"a {type(y).__name__} of {len(y)}")
            values = list(y)
        elif len(names) == 1:
            values = [y]
        else:
            raise ValueError(f"{argument}: the model has {len(names)} outputs {names}; pass a list of arrays or a "
                             f"dict keyed by output name, got one {type(y).__name__}")
        return Several(None if v is None else to_array(v, f"{argument}[{n!r}]") for v, n in zip(values, names))

    def _check_output_targets(self, ys, sws, prefix):
        specs = self._output_specs
        if specs is None:
            return
        for spec, yt, shape, sw in zip(specs, ys, _shapes_list(self.output_shape), _per_output_list(sws, len(specs))):
            if spec.loss is not None and yt is None:
                raise ValueError(f"{prefix}y has no targets for the output {spec.name!r}, which has a loss")
            if yt is None or spec.loss is None:
                continue
            try:
                spec.loss.check_targets(np.asarray(yt), (len(yt),) + tuple(shape[1:]))
            except ValueError as error:
                raise ValueError(f"{prefix}y[{spec.name!r}]: {error}") from None

    def _checked_batch(self, prefix, batch):
        """A batch from a generator or PyDataset: with several inputs or outputs, its lists or
        dicts matched to the model as arrays are (one array per input/output, checked)."""
        if not self._several():
            return super()._checked_batch(prefix, batch)
        x, y, sample_weight = batch
        xs = Several(np.asarray(a, dtype=np.float32) if np.asarray(a).dtype.kind == "f" else np.asarray(a)
                     for a in self._inputs_of(x, prefix + "x"))
        ys = self._per_output(y, prefix + "y")
        sws = self._per_output(sample_weight, prefix + "sample_weight") \
            if isinstance(sample_weight, (list, tuple, dict)) else sample_weight
        if len(self._outputs) == 1:
            ys = None if ys is None else ys[0]
            sws = sws[0] if isinstance(sws, Several) else sws
        elif ys is not None:
            self._check_output_targets(ys, sws, prefix)
        return xs, ys, sws

    def _ensure_built(self, x):
        if not self._several():
            super()._ensure_built(x)

    def _predict_inputs(self, x):
        if not self._several():
            return super()._predict_inputs(_only(x, self.input_names, "x", ""))
        return self._inputs_of(x, "x")

    def check_input_shape(self, shape, argument="x"):
        if len(self._inputs) == 1:
            validation.check_input_shape(shape, self._inputs[0].shape, self.name, argument)

    def adjust_input_rank(self, x):
        if len(self._inputs) == 1 and isinstance(x, np.ndarray):
            return adjust_rank(x, self._inputs[0].shape)
        return x

    # -- summary ---------------------------------------------------------------------------------
    def _summary_connected(self):
        return not _is_chain(self)

    def _saving_children(self):
        """``layers`` first (InputLayers included), then any layer attributes of a subclass."""
        return [("layers", self.layers)] + Layer._saving_children(self)

    def _variable_prefix(self, outer):
        # Keras names the variables of a functional model's layers by the layer names alone
        # (``inner_dense/kernel``), nested or not: they were built outside the model.
        return ""

    def get_config(self):
        from ..saving.functional_config import functional_config
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.functional_config import functional_from_config
        return functional_from_config(config, custom_objects, cls=cls)


def _only(value, names, argument, prefix):
    """The one array of a one-input (one-output) model given as itself, a list of one or a dict
    keyed by its name."""
    if isinstance(value, dict):
        if list(value) != list(names):
            raise ValueError(f"{prefix}{argument} is a dict with keys {list(value)}; the model's only "
                             f"{'input' if argument == 'x' else 'output'} is {names[0]!r}")
        return value[names[0]]
    if isinstance(value, (list, tuple)) and len(value) == 1 and hasattr(value[0], "shape"):
        return value[0]
    return value


def _named_arrays(several, names, argument):
    if several is None:
        return []
    return [(f"{argument}[{n!r}]", a) for n, a in zip(names, several)]


def _shapes_list(shape):
    if isinstance(shape, dict):
        return list(shape.values())
    return shape if isinstance(shape, list) else [shape]


def _per_output_list(sws, count):
    return list(sws) if isinstance(sws, Several) else [sws] * count


def adjust_rank(x, expected):
    """Keras's ``_adjust_input_rank``: add a trailing axis of 1, or drop one, to meet the Input."""
    if x.ndim == len(expected) + 1 and x.shape[-1] == 1:
        return x.reshape(x.shape[:-1])
    if x.ndim == len(expected) - 1 and expected[-1] == 1:
        return x.reshape(x.shape + (1,))
    return x


def _plan_node(node):
    """How to run ``node`` fast: one tensor in, a list of tensors in, or anything else."""
    targets = [id(t) for t in node.output_tensors]
    first = node.args[0] if node.args else None
    plain = len(node.args) == 1 and not node.kwargs and isinstance(node.operation, Layer)
    if plain and type(first) is KerasTensor:
        return node.operation, "single", id(first), targets, node
    if plain and isinstance(first, (list, tuple)) and all(type(t) is KerasTensor for t in first):
        return node.operation, "list", [id(t) for t in first], targets, node
    return node.operation, "generic", None, targets, node


def _shapes(structure):
    if isinstance(structure, dict):
        return {k: v.shape for k, v in structure.items()}
    if isinstance(structure, list):
        return [t.shape for t in structure]
    return structure.shape


def _is_chain(model):
    """Whether every layer has one node fed by the previous layer (no "Connected to" needed)."""
    for node in model._nodes:
        if len(node.input_tensors) != 1 or len(node.operation._inbound_nodes) > 1:
            return False
    return len(model._inputs) == 1 and len(model._outputs) == 1


def _register_as_layer():
    # A functional model can be a layer of another model, so layer configs may name it.
    from ..layers import register
    register(Functional)


_register_as_layer()
