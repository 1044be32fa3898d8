"""The Layer base class: build / call / backward / get_config."""
import functools
import inspect

import numpy as np

from .. import activations, constraints, initializers, regularizers
from .. import tape as tape_module
from ..keras_tensor import KerasTensor, Node, any_symbolic, flatten, map_structure, probe, symbolic_outputs
from ..tape import Tracer, _local, recording
from ..utils import checks
from ..utils.errors import unexpected_keyword
from ..utils.naming import first_free_name, to_snake_case, unique_name
from ..variable import Variable
from .input_spec import assert_input_compatibility


def _shape_tuple(shape, argument):
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    try:
        shape = tuple(None if d is None else int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{argument} must be a tuple of positive integers, got {shape!r}") from None
    if any(d is not None and d <= 0 for d in shape):
        raise ValueError(f"{argument} must contain positive integers, got {shape!r}")
    return shape


# What Keras 3 writes for a float32 layer's ``dtype``; minikeras computes in float32 only.
DTYPE_POLICY_CONFIG = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                       "registered_name": None}

def check_layer_dtype(dtype, class_name):
    """Refuse a ``dtype`` (Keras: a dtype policy) other than float32, the only one minikeras computes in.

    Accepted: None, ``"float32"``/``np.float32``, Keras's policy config dict naming float32,
    and the mixed policies ``"mixed_float16"``/``"mixed_bfloat16"``, whose variables are float32
    in Keras too (minikeras then computes in float32 where Keras computes in 16 bits).
    """
    name = dtype
    if isinstance(dtype, dict):
        name = (dtype.get("config") or {}).get("name") if "config" in dtype else dtype.get("name")
    elif dtype is not None and not isinstance(dtype, str):
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = getattr(dtype, "name", dtype)
    if name in (None, "float32", "mixed_float16", "mixed_bfloat16"):
        return
    raise ValueError(f"{class_name} dtype must be 'float32' (or None): minikeras computes in float32 only, "
                     f"got dtype={dtype!r}")


# Config fields Keras writes that minikeras does not model, with the values it can accept.
_KERAS_ONLY_FIELDS = {"quantization_config": (None,), "lora_rank": (None,), "lora_alpha": (None,),
                      "ragged": (False,), "optional": (False,), "sparse": (False, None)}


def drop_keras_only_fields(class_name, config):
    """``config`` without Keras fields minikeras ignores; a non-default value is an error."""
    config = dict(config)
    for key, accepted in _KERAS_ONLY_FIELDS.items():
        if key in config:
            value = config.pop(key)
            if value not in accepted:
                raise ValueError(f"{class_name} config has {key}={value!r}, which minikeras does not "
                                 f"support (accepted: {accepted})")
    return config


# add_weight keywords Keras has and minikeras accepts only at these values.
_ADD_WEIGHT_DEFAULTS = {"autocast": (True,), "aggregation": ("none", None, "mean"),
                        "overwrite_with_gradient": (False,)}


def _takes_training(call):
    try:
        parameters = inspect.signature(call).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "training" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


class Layer:
    """Base class of every layer, Keras-style.

    Subclasses override ``build(input_shape)`` to create weights with ``add_weight``,
    ``call(x, training=False)`` for the forward pass and ``backward(grad)`` for the
    gradient. ``call`` with ``training=True`` may keep what ``backward`` needs on the
    layer; with ``training=False`` it keeps nothing, so inference is thread-safe.
    ``backward`` stores each weight's gradient in ``variable.grad`` and returns the
    gradient with respect to the layer's input (``None`` when ``input_grad_needed`` is
    False, which the model sets on its first layer).
    """

    def __init_subclass__(cls, **kwargs):
        # Keras passes ``training`` only to a ``call`` that takes it; minikeras always passes
        # it, so a subclass's ``call(self, x)`` is wrapped once here to drop it.
        super().__init_subclass__(**kwargs)
        call = cls.__dict__.get("call")
        if call is not None and not _takes_training(call):
            @functools.wraps(call)
            def call_without_training(self, x, training=False):
                return call(self, x)
            cls.call = call_without_training
        cls._hand_written_backward = cls.backward is not Layer.backward

    _hand_written_backward = False  # whether the class has its own backward (set per subclass)

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None, input_dim=None,
                 batch_input_shape=None, batch_size=None, activity_regularizer=None, **kwargs):
        for key in kwargs:
            if key not in ("autocast", "input_dtype"):
                raise unexpected_keyword(type(self), key)
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"Layer name must be a non-empty string without '/' (it separates the parts of "
                             f"a weight's path), got {name!r}")
        check_layer_dtype(dtype, type(self).__name__)
        checks.flag(trainable, f"{type(self).__name__} trainable")
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.trainable = trainable
        self.built = False
        self.input_grad_needed = True
        self._variables = []
        # A penalty on the layer's output, divided by the batch size, added to the loss by the
        # model (Keras: Layer(activity_regularizer=...)).
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._batch_input_shape = None
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if input_shape is not None:
            self._batch_input_shape = (batch_size,) + _shape_tuple(input_shape, "input_shape")
        elif batch_input_shape is not None:
            self._batch_input_shape = _shape_tuple(batch_input_shape, "batch_input_shape")
        self.input_shape = None
        self.output_shape = None
        self._inbound_nodes = []

    @property
    def trainable(self):
        return self.__dict__.get("_trainable_flag", True)

    @trainable.setter
    def trainable(self, value):
        # Keras: the variables created trainable follow the layer's flag (kernel.trainable too).
        self._trainable_flag = bool(value)
        for variable in self.__dict__.get("_variables", ()):
            if getattr(variable, "follows_layer", False):
                variable.trainable = self._trainable_flag

    @property
    def dtype(self):
        """The dtype of the layer's variables: always ``"float32"`` (Keras: ``Layer.dtype``)."""
        return "float32"

    compute_dtype = variable_dtype = dtype

    # -- weights ---------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, regularizer=None,
                   constraint=None, name=None, **kwargs):
        """Create a float32 weight, initialized now, and track it on the layer (Keras 3's signature).

        ``initializer`` defaults to ``"glorot_uniform"``, as in Keras for float weights; ``name``
        defaults to ``"variable"``, ``"variable_1"``, ... A name given first (the Keras 2 order
        ``add_weight(name, shape, ...)``) is refused with an error, as Keras 3 fails on it too.
        Keras's ``autocast``, ``aggregation`` and ``overwrite_with_gradient`` are accepted at
        their defaults; dtypes other than float32 are refused. ``constraint`` (a
        ``keras.constraints`` name, config or callable) is applied after every optimizer update.
        """
        if isinstance(shape, str):
            raise ValueError(f"add_weight on layer {self.name!r} takes the shape first, as in Keras 3: "
                             f"add_weight(shape=..., initializer=..., name=...); got shape={shape!r}")
        for key, value in kwargs.items():
            if key not in _ADD_WEIGHT_DEFAULTS:
                raise unexpected_keyword(type(self), key)
            if value not in _ADD_WEIGHT_DEFAULTS[key]:
                raise ValueError(f"add_weight on layer {self.name!r}: {key}={value!r} is not supported by "
                                 f"minikeras (accepted: {_ADD_WEIGHT_DEFAULTS[key]})")
        if shape is None:
            raise ValueError(f"add_weight on layer {self.name!r}: shape is required, got None")
        if dtype not in (None, "float32", np.float32):
            raise ValueError(f"add_weight on layer {self.name!r}: minikeras weights are float32, got "
                             f"dtype={dtype!r}")
        if name is None:
            name = first_free_name("variable", (v.name for v in self._variables))
        init = initializers.get("glorot_uniform" if initializer is None else initializer)
        variable = Variable(init(_shape_tuple(shape, "add_weight shape"), "float32"),
                            name, trainable=bool(trainable) and self.trainable,
                            regularizer=regularizers.get(regularizer), constraint=constraints.get(constraint))
        variable.path, variable.follows_layer = f"{self.name}/{name}", bool(trainable)
        self._variables.append(variable)
        return variable

    @property
    def weights(self):
        """The layer's own weights in creation order, then those of the layers it holds as
        attributes (also in lists and dicts), in attribute order, each once (as Keras)."""
        return _unique([*self._variables, *(v for layer in self._sublayers() for v in layer.weights)])

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return _unique([*(v for v in self._variables if v.trainable),
                        *(v for layer in self._sublayers() for v in layer.trainable_weights)])

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return _unique([*(v for v in self._variables if not v.trainable),
                        *(v for layer in self._sublayers() for v in layer.non_trainable_weights)])

    def _sublayers(self):
        """The layers held as attributes (directly, or in lists, tuples and dicts), in order."""
        found = []
        for name, value in self.__dict__.items():
            if name not in _UNTRACKED:
                _collect_layers(value, found)
        return found

    trainable_variables = trainable_weights
    variables = weights

    # -- what saving walks ------------------------------------------------------------------
    def _saving_children(self):
        """The ``(name, child)`` pairs Keras's saving walks below this object, in its order.

        A child is a layer (saved under ``name``) or a list of layers (saved under
        ``name/<snake_case class name, de-duplicated>``). A layer answers the layers it holds
        as attributes, by attribute name as Keras sorts ``dir()`` (private ones last); models
        add their ``layers`` (see Model, Sequential, Functional).
        """
        pairs = []
        for name, value in self.__dict__.items():
            if name in _UNTRACKED:
                continue
            if isinstance(value, Layer):
                pairs.append((name, value))
            elif isinstance(value, (list, tuple, dict)):
                found = []
                _collect_layers(value, found)
                if found:
                    pairs.append((name, found))
        return sorted(pairs, key=lambda pair: (pair[0].startswith("_"), pair[0]))

    def _variable_prefix(self, outer):
        """The path prefix Keras gives the variables of this layer and of the layers it holds,
        inside a container whose prefix is ``outer`` (``"model/dense"`` -> ``model/dense/kernel``)."""
        return f"{outer}/{self.name}" if outer else self.name

    def get_weights(self):
        """Copies of the weight arrays, in creation order."""
        return [v.value.copy() for v in self.weights]

    def set_weights(self, weights):
        """Replace every weight; checks count, shapes and dtypes first, so nothing changes on error."""
        own = self.weights
        weights = list(weights)
        if not own and weights and not self.built:
            raise ValueError(f"set_weights(weights) on {self.name!r}, which is not built yet and has no "
                             f"weights: build it first (build(input_shape) or call it on data), got "
                             f"{len(weights)} arrays")
        if len(weights) != len(own):
            raise ValueError(f"set_weights(weights) on {self.name!r} expects a list of {len(own)} arrays "
                             f"({[v.path for v in own]}), got {len(weights)}")
        arrays = []
        for index, (variable, weight) in enumerate(zip(own, weights)):
            try:
                array = np.asarray(weight)
            except (TypeError, ValueError) as error:
                raise ValueError(f"set_weights(weights): weights[{index}] for {variable.path!r} could not "
                                 f"be converted to an array: {error}") from None
            if array.dtype.kind not in "biuf":
                raise ValueError(f"set_weights(weights): weights[{index}] for {variable.path!r} must hold "
                                 f"numbers, got dtype {array.dtype}")
            if array.shape != variable.shape:
                raise ValueError(f"set_weights(weights): weights[{index}] for {variable.path!r} must have "
                                 f"shape {variable.shape}, got shape {array.shape}")
            arrays.append(array)
        for variable, array in zip(own, arrays):
            variable.assign(array)

    def count_params(self):
        return int(sum(v.value.size for v in self.weights))

    def regularization_loss(self):
        """Sum of the penalties of this layer's regularized weights (part of the training loss)."""
        return sum(v.regularizer(v.value) for v in self.weights if v.regularizer is not None)

    @property
    def losses(self):
        return [v.regularizer(v.value) for v in self.weights if v.regularizer is not None]

    # -- forward / backward -------------------------------------------------------------
    def build(self, input_shape):
        self.built = True

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape`` (batch dimension first, ``None`` when unknown).

        Keras finds it by tracing ``call`` symbolically; this default builds the layer if
        needed and runs ``call`` in inference mode on one row of zeros (unknown dimensions
        after the batch taken as 1). Layers that know their output shape override it;
        shape-keeping layers use ``same_shape``.
        """
        if type(self).call is Layer.call:
            return tuple(input_shape) if _is_shape(input_shape) else input_shape
        if not self.built:
            self.build(tuple(input_shape) if _is_shape(input_shape) else input_shape)
            self.built = True
        if self.input_shape is None:
            self.input_shape = tuple(input_shape) if _is_shape(input_shape) else input_shape
        if _is_shape(input_shape):
            probe = np.zeros([1] + [1 if d is None else d for d in input_shape[1:]], dtype=np.float32)
            return (input_shape[0],) + tuple(np.shape(self.call(probe, training=False))[1:])
        # several inputs (a list or dict of shapes): probe each, report each output's shape
        probes = _map_shapes(lambda shape: np.zeros([1] + [1 if d is None else d for d in shape[1:]], np.float32),
                             input_shape)
        batch = next(iter(_leaf_shapes(input_shape)))[0]
        outputs = self.call(probes, training=False)
        shapes = map_structure(lambda y: (batch,) + tuple(np.shape(y)[1:]), outputs)
        return shapes

    def same_shape(self, input_shape):
        """``compute_output_shape`` of layers whose output has their input's shape."""
        return tuple(input_shape)

    def build_for(self, input_shape):
        """Build (once) and record input and output shapes (a list of shapes for several inputs)."""
        input_shape = list(map(tuple, input_shape)) if isinstance(input_shape, list) else tuple(input_shape)
        if not self.built:
            self.build(input_shape)
            self.built = True
        elif self.weights and self.input_shape is not None and input_shape[1:] != tuple(self.input_shape[1:]):
            # A built layer reused for another input (Keras checks its input spec here).
            try:
                self.call(np.zeros([1] + [1 if d is None else d for d in input_shape[1:]], np.float32))
            except ValueError as error:
                raise ValueError(f"layer {self.name!r} was built for input shape {tuple(self.input_shape)} and "
                                 f"cannot take input shape {input_shape}: {error}") from None
        self.input_shape = input_shape
        self.output_shape = self.compute_output_shape(input_shape)
        return self.output_shape

    def call(self, x, training=False):
        return x

    def backward(self, grad):
        raise NotImplementedError(f"{type(self).__name__} does not implement backward(), so it "
                                  "cannot be trained")

    # What ``call(training=True)`` leaves on the layer for ``backward``; the tape keeps a
    # snapshot of these per call, so a layer called twice is backpropagated right.
    _per_call = ("_cache",)

    def __call__(self, *args, **kwargs):
        """Run the layer (Keras: ``layer(inputs, training=None, **kwargs)``).

        On KerasTensors it builds the layer from their shapes and adds a node to the
        functional graph; on arrays it runs ``call``, building the layer from the input's
        shape the first time; while a gradient is taken it records itself on the tape.
        ``training=None`` means the caller's mode (False outside a training step).
        """
        if args:
            inputs, args = args[0], args[1:]
        elif "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
        else:
            raise ValueError(f"{type(self).__name__} {self.name!r} was called without inputs")
        training = kwargs.pop("training", None)
        if self.__dict__.get("input_spec") is not None:  # a layer's Keras InputSpec, checked as Keras does
            assert_input_compatibility(self.input_spec, inputs, self.name)
        if any_symbolic(inputs):
            return self._symbolic_call(inputs, args, kwargs)
        inputs = _float32_inputs(inputs)
        if not self.built:
            self.build_for(_shapes_of(inputs))
        return self._call(inputs, training, *args, **kwargs)

    def _call(self, inputs, training=None, *args, **kwargs):
        """``call`` without the conversions of ``__call__`` (what models run per layer)."""
        state = _local
        outer = getattr(state, "training", False)
        if training is None:
            training = outer
        state.training = training
        try:
            tape = getattr(state, "tape", None)
            if tape is not None and self._hand_written_backward:
                outputs = self._record_fused(tape, inputs, training)
            else:  # not recording, or custom code whose ops record themselves
                outputs = self.call(inputs, training=training, *args, **kwargs)
        finally:
            state.training = outer
        if self.activity_regularizer is not None:
            _add_activity_penalty(self, outputs)
        return outputs

    def _record_fused(self, tape, inputs, training):
        """Run ``call`` on the arrays and record one tape entry whose vjp is ``backward``."""
        several = isinstance(inputs, (list, tuple))
        if several:
            nodes = [x if type(x) is Tracer else None for x in inputs]
            values = [x.value if type(x) is Tracer else x for x in inputs]
            needs_input_grad = any(node is not None for node in nodes)
        elif type(inputs) is Tracer:
            nodes, values, needs_input_grad = (inputs,), inputs.value, True
        else:
            nodes, values, needs_input_grad = (None,), inputs, False
        self.input_grad_needed = needs_input_grad
        state = _local
        state.tape, state.keep = None, True  # inside a hand-written layer nothing records (its backward covers it)
        try:
            y = self.call(values, training=training)
        finally:
            state.tape, state.keep = tape, False
        per_call, saved = self._per_call, []
        for name in per_call:  # the call's state now lives in its tape entry only
            saved.append(getattr(self, name, None))
            setattr(self, name, None)
        out = Tracer(y)
        outputs = (out,)
        activation = self.output_activation
        if activation is activations.softmax or activation is activations.sigmoid:
            out.preactivation, out.activation = Tracer(None), activation
            outputs = (out, out.preactivation)
        layer, replay = self, tape.replay  # (not the tape itself: that would be a reference cycle)

        def vjp(grad, grad_logits=None):
            for name, value in zip(per_call, saved):
                setattr(layer, name, value)
            layer.input_grad_needed = needs_input_grad
            trainable = layer.trainable
            again, stash = layer in replay.layers_done, ()
            if again and trainable:  # called again: add this call's weight gradients to the earlier ones'
                stash = [(v, v.grad.copy()) for v in layer._variables if v.trainable and v.grad is not None]
            if grad_logits is None:
                dx = layer.backward(grad)
            elif grad is None:
                dx = layer.backward_preactivation(grad_logits)
            else:
                dx = layer.backward_preactivation(layer.activation_gradient(grad) + grad_logits)
            for name in per_call:
                setattr(layer, name, None)
            if again:
                for variable, previous in stash:
                    variable.grad += previous
            else:
                replay.layers_done.add(layer)
                written = replay.written
                for variable in layer._variables if trainable else ():
                    if variable.trainable:
                        written[id(variable)] = variable
            return dx if several else (dx,)

        tape.entries.append((outputs, nodes, vjp))
        return out

    def activation_gradient(self, grad):
        """dL/d(pre-activation) from dL/d(output), for layers ending in an activation."""
        raise NotImplementedError(f"{type(self).__name__} cannot take a gradient for both its output and "
                                  "its logits")

    def _symbolic_call(self, inputs, args, kwargs):
        """Build from the KerasTensors' shapes and add a node; returns the output KerasTensors."""
        shapes = map_structure(lambda t: t.shape if type(t) is KerasTensor else np.shape(t), inputs)
        if not self.built:
            try:
                self.build_for(shapes)
            except ValueError as error:
                raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) could not be built for the "
                                 f"input shape {shapes}: {error}") from None
        else:
            self._check_symbolic_shape(shapes)
        batch_unknown = any(t.shape and t.shape[0] is None for t in flatten(inputs) if type(t) is KerasTensor)
        if type(self).compute_output_shape is Layer.compute_output_shape and type(self).call is not Layer.call:
            arrays = map_structure(lambda t: probe(t) if type(t) is KerasTensor else t, inputs)
            outputs = symbolic_outputs(self.call(arrays, *args, training=False, **kwargs), batch_unknown)
        else:
            shape = self.compute_output_shape(shapes)
            outputs = _tensors_for(shape)
        for i, tensor in enumerate(flatten(outputs)):
            tensor.name = f"{self.name}" if i == 0 else f"{self.name}_{i}"
        Node(self, (inputs,) + tuple(args), dict(kwargs), outputs)
        return outputs

    def _check_symbolic_shape(self, shapes):
        """A built single-input layer refuses a tensor whose known dimensions differ from the
        ones it was built for (e.g. a shared Dense given another width)."""
        built_for = self.input_shape
        if built_for is None or not isinstance(shapes, tuple) or not all(
                isinstance(d, (int, type(None))) for d in shapes):
            return
        mismatch = len(shapes) != len(built_for) or any(
            a is not None and b is not None and a != b for a, b in zip(shapes[1:], built_for[1:]))
        if mismatch:
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) was built for input shape "
                             f"{tuple(built_for)} and cannot be called on a tensor of shape {shapes}")

    # -- the functional graph ---------------------------------------------------------------
    def _single_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called and thus has no defined {what}")
        if len(self._inbound_nodes) > 1:
            raise AttributeError(f"Layer {self.name!r} has multiple inbound nodes (it is shared), so its "
                                 f"{what} is ambiguous: use get_input_at/get_output_at(node_index)")
        return self._inbound_nodes[0]

    @property
    def input(self):
        """The input KerasTensor(s) of this layer's only node (Keras: ``layer.input``)."""
        return self._single_node("input").args[0]

    @property
    def output(self):
        """The output KerasTensor(s) of this layer's only node (Keras: ``layer.output``)."""
        return self._single_node("output").outputs

    def get_input_at(self, node_index):
        return self._inbound_nodes[node_index].args[0]

    def get_output_at(self, node_index):
        return self._inbound_nodes[node_index].outputs

    def run_node(self, args, kwargs, training):
        """Run this layer for one graph node (the functional runner's entry point)."""
        return self._call(args[0], training, *args[1:], **kwargs)

    # -- losses added in call ------------------------------------------------------------------
    def add_loss(self, loss):
        """Add ``loss`` (a scalar, usually computed with keras.ops in ``call``) to the training
        loss of the step being run (Keras: ``Layer.add_loss``). Outside a step it is ignored."""
        collector = tape_module.loss_collector()
        if collector is not None:
            collector.append(loss)

    @property
    def output_activation(self):
        """The activation applied last by this layer, if the loss may fuse with it."""
        return None

    # -- config ---------------------------------------------------------------------------
    def get_config(self):
        # As in Keras 3, an ``input_shape=`` given to the layer is not part of its config (a
        # Sequential records it as its InputLayer); Keras 3 refuses ``batch_input_shape``.
        config = {"name": self.name, "trainable": self.trainable, "dtype": DTYPE_POLICY_CONFIG}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuild from ``get_config()``; Keras-only fields at their defaults are dropped."""
        return cls(**drop_keras_only_fields(cls.__name__, config))

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# Attributes of layers and models that hold graph bookkeeping, not sub-layers.
_UNTRACKED = frozenset(("_inbound_nodes", "_nodes", "_plan", "_operations", "_layers", "_input_layer",
                        "_input_structure", "_output_structure", "_inputs", "_outputs", "optimizer"))


def _collect_layers(value, found):
    if isinstance(value, Layer):
        if not any(value is f for f in found):
            found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_layers(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_layers(item, found)


def _unique(variables):
    seen, out = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def _is_shape(value):
    """Whether ``value`` is one shape (a tuple of sizes or None), not a structure of shapes."""
    return isinstance(value, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in value)


def _map_shapes(fn, shapes):
    if _is_shape(shapes):
        return fn(shapes)
    if isinstance(shapes, dict):
        return {k: _map_shapes(fn, v) for k, v in shapes.items()}
    return [_map_shapes(fn, v) for v in shapes]


def _leaf_shapes(shapes):
    if _is_shape(shapes):
        return [tuple(shapes)]
    values = shapes.values() if isinstance(shapes, dict) else shapes
    return [leaf for v in values for leaf in _leaf_shapes(v)]


def _float32_inputs(inputs):
    """Arrays of any structure as float32 arrays; recorded values and non-floats untouched."""
    def convert(x):
        if type(x) is Tracer or x is None or isinstance(x, (str, bool)):
            return x
        array = np.asarray(x)
        if array.dtype.kind in "fiub" and array.dtype != np.float32:
            array = array.astype(np.float32)
        return array
    if isinstance(inputs, np.ndarray):
        return inputs if inputs.dtype == np.float32 else inputs.astype(np.float32)
    return map_structure(convert, inputs)


def _shapes_of(inputs):
    if isinstance(inputs, (list, tuple)):
        return [_shapes_of(x) for x in inputs]
    if isinstance(inputs, dict):
        return {k: _shapes_of(v) for k, v in inputs.items()}
    return (None,) + tuple(np.shape(inputs))[1:]


def _tensors_for(shape):
    """KerasTensors for ``compute_output_shape``'s result: one shape, or a list of them."""
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(s, (list, tuple)) for s in shape):
        return [KerasTensor(tuple(s)) for s in shape]
    return KerasTensor(tuple(shape))


def _add_activity_penalty(layer, outputs):
    """The layer's activity penalty (its regularizer of the output over the batch size)."""
    collector = tape_module.loss_collector()
    if collector is None:
        return
    regularizer = layer.activity_regularizer
    if type(outputs) is Tracer:
        y = outputs.value
        n = np.float32(len(y))
        penalty = Tracer(np.float32(regularizer(y) / n))
        tape = recording()
        tape.record((penalty,), (outputs,), lambda g: (regularizer.gradient(y) * (g / n),))
        collector.append(penalty)
    else:
        collector.append(np.float32(regularizer(np.asarray(outputs)) / len(outputs)))
