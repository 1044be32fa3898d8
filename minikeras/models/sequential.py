"""Sequential: a linear stack of layers."""
import numpy as np

from ..keras_tensor import KerasTensor, any_symbolic
from ..layers.input_layer import InputLayer
from ..layers.layer import DTYPE_POLICY_CONFIG, Layer
from ..tape import Tracer
from . import validation
from .model import Model


class Sequential(Model):
    """A model whose layers run one after another (Keras: ``keras.Sequential``).

    Built from a list or with ``add``; the input shape comes from ``keras.Input``, an
    ``InputLayer``, ``input_shape=`` on the first layer, ``build(input_shape)``, or the first
    data it sees. A Sequential is itself a layer, so it can be nested in another one.
    """

    _accepts_graph_arguments = False  # Sequential(layers, trainable) is not Model(inputs, outputs)

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._layers = []
        self._input_layer = None
        for layer in layers or []:
            self.add(layer)

    # -- structure ---------------------------------------------------------------------------
    @property
    def layers(self):
        """The layers, without the InputLayer (as in Keras)."""
        return list(self._layers)

    def add(self, layer):
        """Append a layer; builds the model at once when its input shape is known."""
        if type(layer) is KerasTensor:
            layer = layer._keras_history[0]  # keras.Input(...) in a Sequential list: its InputLayer
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a Layer instance, got {type(layer).__name__}: {layer!r}")
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential model")
            self._input_layer = layer
            return
        if any(existing is layer for existing in self._layers):
            raise ValueError(f"Layer {layer.name!r} is already in this model")
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"All layers in a Sequential model need unique names; {layer.name!r} is "
                             f"already used")
        if not self._layers and self._input_layer is None and layer._batch_input_shape is not None:
            self._input_layer = InputLayer(batch_shape=layer._batch_input_shape)
        was_built, input_layer = self.built, self._input_layer
        self._layers.append(layer)
        self.built = False
        shape = self._known_input_shape()
        if shape is not None:
            try:
                self.build(shape)
            except ValueError:
                self._layers.pop()
                self._input_layer, self.built = input_layer, was_built
                raise

    def pop(self):
        """Remove and return the last layer."""
        if not self._layers:
            raise IndexError("pop() on a Sequential model with no layers")
        layer = self._layers.pop()
        self.built = False
        shape = self._known_input_shape()
        if shape is not None:
            self.build(shape)
        return layer

    def _known_input_shape(self):
        """The batch input shape to build for right away, or None to defer the build.

        Known from an Input/InputLayer (or ``input_shape=`` on the first layer) once a layer
        follows it, or -- as Keras's ``_maybe_rebuild`` does -- from a first layer that is an
        already-built model (transfer learning: ``Sequential([pretrained, Dense(5)])``), once
        another layer follows it. Any other first layer, including a built plain layer or an
        unbuilt model, leaves the build to ``build()`` or the first data.
        """
        if not self._layers:
            return None
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        first = self._layers[0]
        if len(self._layers) > 1 and isinstance(first, Sequential) and first.built:
            return first.input_shape
        return None

    def get_layer(self, name=None, index=None):
        """A layer by name or by index."""
        if index is not None:
            if not -len(self._layers) <= index < len(self._layers):
                raise ValueError(f"get_layer index {index} is out of range for {len(self._layers)} layers")
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: {[l.name for l in self._layers]}")

    _trainable_propagates = True

    def _sublayers(self):
        """The stacked layers: the base class's ``weights``, ``trainable_weights`` and
        ``trainable`` walk them."""
        return list(self.__dict__.get("_layers", ()))

    def regularization_loss(self):
        return sum(layer.regularization_loss() for layer in self._layers)

    # -- build / call ----------------------------------------------------------------------------
    def build(self, input_shape=None):
        """Build every layer for inputs of ``input_shape`` (batch dimension included)."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("Sequential.build needs an input_shape, e.g. build((None, 784)), or an "
                                 "Input/InputLayer as the first layer")
            input_shape = self._input_layer.batch_shape
        input_shape = tuple(input_shape)
        if len(input_shape) < 2:
            raise ValueError(f"input_shape must include the batch dimension, e.g. (None, 784), got {input_shape}")
        if not self._layers:
            raise ValueError("Cannot build a Sequential model with no layers: add() some first")
        if self._input_layer is None:
            self._input_layer = InputLayer(batch_shape=(None,) + input_shape[1:])
        shape = input_shape
        for layer in self._layers:
            try:
                shape = layer.build_for(shape)
            except ValueError as error:
                raise ValueError(f"Layer {layer.name!r} ({type(layer).__name__}) could not be built for "
                                 f"input shape {shape}: {error}") from None
        self.input_shape = input_shape
        self.output_shape = shape
        self.built = True

    def build_for(self, input_shape):
        """Build for ``input_shape`` as a nested layer; a model already built for another
        input shape refuses it (Keras raises too) rather than producing wrong shapes."""
        if not self.built:
            self.build(input_shape)
        else:
            validation.check_input_shape(input_shape, self.input_shape, self.name, "input_shape")
        return self.output_shape

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def check_input_shape(self, shape, argument="x"):
        """Raise ValueError naming ``argument`` when data of ``shape`` cannot be fed to this model.

        Before the model is built, the declared input shape (``Input``/``input_shape=``) is
        used; a model with no declared shape accepts any shape of rank >= 2.
        """
        expected = self.input_shape
        if expected is None and self._input_layer is not None:
            expected = self._input_layer.batch_shape
        if expected is not None:
            validation.check_input_shape(shape, expected, self.name, argument)

    def adjust_input_rank(self, x):
        """``x`` reshaped as Keras 3's functional models do (``_adjust_input_rank``).

        Data of rank one less than the declared input, when that input's last axis is 1,
        gets that axis (``x`` of shape ``(n,)`` for ``Input((1,))``); data of rank one more
        whose last axis is 1 loses it (``(n, 4, 1)`` for ``Input((4,))``). Anything else,
        and any data before the input shape is known, is returned as it is (checked later).
        Arrays are reshaped without a copy; lazy arrays (``h5py.Dataset``) are not reshaped.
        """
        expected = self.input_shape
        if expected is None and self._input_layer is not None:
            expected = self._input_layer.batch_shape
        if expected is None or not isinstance(x, np.ndarray):
            return x
        if x.ndim == len(expected) + 1 and x.shape[-1] == 1:
            return x.reshape(x.shape[:-1])
        if x.ndim == len(expected) - 1 and expected[-1] == 1:
            return x.reshape(x.shape + (1,))
        return x

    def call(self, inputs, training=False, mask=None):
        """The output for ``inputs``: each layer on the previous one's output."""
        x = inputs
        for layer in self._layers:
            x = layer._call(x, training)
        return x

    def __call__(self, *args, **kwargs):
        if (args and any_symbolic(args[0])) or any_symbolic(kwargs.get("inputs")):
            return Layer.__call__(self, *args, **kwargs)
        x = args[0] if args else kwargs.pop("inputs")
        training = kwargs.pop("training", args[1] if len(args) > 1 else None)
        if type(x) is not Tracer:
            x = np.asarray(x)
            if x.dtype != np.float32:
                x = x.astype(np.float32)
            x = self.adjust_input_rank(x)
        validation.check_batch_dimension(x)
        if not self.built:
            self.build((None,) + tuple(x.shape[1:]))
        self.check_input_shape(tuple(x.shape))
        return self._call(x, training)

    @property
    def output_activation(self):
        if not self._layers:
            return None
        return self._layers[-1].output_activation

    # -- summary ---------------------------------------------------------------------------------
    def _saving_children(self):
        return [("layers", self.layers)]

    def get_config(self):
        """Keras's Sequential config: name, layers (InputLayer first when known), build_input_shape."""
        from ..layers import serialize as serialize_layer
        layers = []
        if self._input_layer is not None:
            layers.append(serialize_layer(self._input_layer))
        layers.extend(serialize_layer(layer) for layer in self._layers)
        config = {"name": self.name, "trainable": self.trainable, "dtype": DTYPE_POLICY_CONFIG,
                  "layers": layers}
        if self.input_shape is not None:
            config["build_input_shape"] = list(self.input_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.serialization import sequential_from_config
        return sequential_from_config(config, custom_objects, cls=cls)


def _register_as_layer():
    # A Sequential can be nested in another one, so layer configs may name it.
    from ..layers import register
    register(Sequential)


_register_as_layer()
