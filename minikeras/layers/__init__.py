"""Layers with Keras names; ``serialize``/``deserialize`` use the layer registry."""
from ..registry import Registry
from .activation import Activation, Softmax
from .activation_layers import ELU, LeakyReLU, PReLU, ReLU
from .alpha_dropout import AlphaDropout
from .dense import Dense
from .dropout import Dropout
from .group_normalization import GroupNormalization
from .input_layer import Input, InputLayer
from .input_spec import InputSpec
from .lambda_layer import Lambda
from .layer import Layer
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                      concatenate, dot, maximum, minimum, multiply, subtract)
from .noise import GaussianDropout, GaussianNoise
from .core import ActivityRegularization, Identity
from .normalization import BatchNormalization, LayerNormalization, RMSNormalization, UnitNormalization
from .preprocessing import Normalization, Rescaling
from .reshaping import Flatten, Permute, RepeatVector, Reshape
from .convolutional import Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose
from .depthwise import DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D, SeparableConv2D
from .pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from .spatial import (Cropping1D, Cropping2D, SpatialDropout1D, SpatialDropout2D, UpSampling1D, UpSampling2D,
                      ZeroPadding1D, ZeroPadding2D)

# The convolution family (layers/convolutional.py, depthwise.py, pooling.py, spatial.py).
_SPATIAL = (Conv1D, Conv2D, Conv1DTranspose, Conv2DTranspose, DepthwiseConv1D, DepthwiseConv2D, SeparableConv1D,
            SeparableConv2D, MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D, GlobalMaxPooling1D,
            GlobalMaxPooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D, ZeroPadding1D, ZeroPadding2D,
            Cropping1D, Cropping2D, UpSampling1D, UpSampling2D, SpatialDropout1D, SpatialDropout2D)

_registry = Registry("layer")
for _cls in (Dense, Activation, Softmax, Dropout, InputLayer, Flatten, Reshape, BatchNormalization,
             LayerNormalization, Normalization, Rescaling, ReLU, LeakyReLU, PReLU, ELU, GaussianNoise,
             GaussianDropout, Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, Identity,
             ActivityRegularization, Permute, RepeatVector, UnitNormalization, RMSNormalization, Lambda,
             GroupNormalization, AlphaDropout, *_SPATIAL):
    _registry.register(_cls, _cls.__name__)


def register(cls):
    """Make a built-in layer class (e.g. Sequential) resolvable from configs."""
    return _registry.register(cls, cls.__name__)


def builtin_class(name):
    """The built-in layer or model class registered as ``name`` (``"Sequential"``, ``"Functional"``)."""
    return _registry._objects[name]


def serialize(layer):
    """Keras's layer config: ``{"module", "class_name", "config", "registered_name"}``."""
    config = _registry.serialize(layer)
    if config.get("module") == "keras.layers" and config.get("class_name") == "Sequential":
        # Keras names the module "keras" for a Sequential, nested or not, and cannot load
        # a nested one under "keras.layers".
        config["module"] = "keras"
    if layer.built and layer.input_shape is not None and _records_build_shape(layer):
        config["build_config"] = {"input_shape": list(layer.input_shape)}
    return config


def _records_build_shape(layer):
    # Keras writes build_config for layers with their own build() (Dense, custom layers) and
    # for Flatten and Rescaling; Reshape, Dropout, Activation, Softmax, the activation layers
    # and the noise layers are built at construction.
    if isinstance(layer, InputLayer):
        return False
    return isinstance(layer, (Flatten, Rescaling)) or type(layer).build is not Layer.build


def deserialize(config, custom_objects=None):
    """Rebuild a layer from its config without importing anything the config names."""
    layer_config = config.get("config") if isinstance(config, dict) else None
    if isinstance(layer_config, dict) and config.get("class_name") in ("Sequential", "Functional", "Model"):
        cls = _registry.lookup("Functional" if config["class_name"] == "Model" else config["class_name"],
                               custom_objects)
        return cls.from_config(layer_config, custom_objects)
    return _registry.deserialize(config, custom_objects)


from .. import activations as _activations  # noqa: E402

_activations.install_layers(Layer, serialize, deserialize)


def get(identifier):
    return _registry.get(identifier)


__all__ = ["Layer", "Dense", "Activation", "Softmax", "Dropout", "Input", "InputLayer", "Flatten",
           "Reshape", "Lambda", "BatchNormalization", "LayerNormalization", "Normalization", "Rescaling", "ReLU",
           "LeakyReLU", "PReLU", "ELU", "GaussianNoise", "GaussianDropout", "Add", "Subtract", "Multiply",
           "Average", "Maximum", "Minimum", "Concatenate", "Dot", "add", "subtract", "multiply", "average",
           "maximum", "minimum", "concatenate", "dot", "Identity", "ActivityRegularization", "Permute",
           "RepeatVector", "UnitNormalization", "RMSNormalization", "GroupNormalization", "AlphaDropout", "InputSpec",
           "serialize", "deserialize", *(_cls.__name__ for _cls in _SPATIAL)]
