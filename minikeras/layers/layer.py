"""The Layer base class: build / call / backward / get_config."""
import functools
import inspect

import numpy as np

from .. import constraints, initializers, regularizers
from ..utils.errors import unexpected_keyword
from ..utils.naming import first_free_name, to_snake_case, unique_name
from ..variable import Variable


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

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None, input_dim=None,
                 batch_input_shape=None, batch_size=None, activity_regularizer=None, **kwargs):
        for key in kwargs:
            if key not in ("autocast", "input_dtype"):
                raise unexpected_keyword(type(self), key)
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"Layer name must be a non-empty string without '/' (it separates the parts of "
                             f"a weight's path), got {name!r}")
        check_layer_dtype(dtype, type(self).__name__)
        if not isinstance(trainable, (bool, np.bool_)):
            raise ValueError(f"{type(self).__name__} trainable must be True or False, got {trainable!r}")
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

    @property
    def trainable(self):
        return self.__dict__.get("_trainable", True)

    @trainable.setter
    def trainable(self, value):
        # Keras: the variables created trainable follow the layer's flag (kernel.trainable too).
        self._trainable = bool(value)
        for variable in self.__dict__.get("_variables", ()):
            if getattr(variable, "follows_layer", False):
                variable.trainable = self._trainable

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
        return list(self._variables)

    @property
    def trainable_weights(self):
        return [v for v in self._variables if v.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self):
        return [v for v in self._variables if not v.trainable or not self.trainable]

    trainable_variables = trainable_weights
    variables = weights

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
            return tuple(input_shape)
        if not self.built:
            self.build(tuple(input_shape))
            self.built = True
        probe = np.zeros([1] + [1 if d is None else d for d in input_shape[1:]], dtype=np.float32)
        return (input_shape[0],) + tuple(np.shape(self.call(probe, training=False))[1:])

    def same_shape(self, input_shape):
        """``compute_output_shape`` of layers whose output has their input's shape."""
        return tuple(input_shape)

    def build_for(self, input_shape):
        """Build (once) and record input and output shapes."""
        input_shape = tuple(input_shape)
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

    def __call__(self, x, training=False):
        """Run the layer on an array, building it from the input's shape the first time."""
        x = np.asarray(x)
        if x.dtype != np.float32:
            x = x.astype(np.float32)
        if not self.built:
            self.build_for((None,) + x.shape[1:])
        return self.call(x, training=training)

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
