"""minikeras: Keras 3's API on NumPy alone.

    import minikeras as keras
    model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
"""
import sys

from . import keras_tensor, registry
from . import activations, backend, callbacks, constraints, datasets, initializers, layers, losses, metrics, models
from . import optimizers
from . import config, distribution, ops, random, regularizers, saving, utils
from .initializers import Initializer
from .layers import Input, InputSpec, Layer
from .losses import Loss
from .metrics import Metric
from .models import Model, Sequential
from .optimizers import Optimizer
from .regularizers import Regularizer
from .saving import load_model
from .tape import GradientTape
from .variable import Variable

utils.serialize_keras_object = saving.serialize_keras_object
utils.deserialize_keras_object = saving.deserialize_keras_object
utils.is_keras_tensor = backend.is_keras_tensor
utils.get_source_inputs = keras_tensor.get_source_inputs
# A lambda loaded from a file (safe_mode=False) may name keras / ops, as code importing
# ``minikeras as keras`` does.
registry.LAMBDA_GLOBALS.update(keras=sys.modules[__name__], ops=ops)

from ._version import __version__


def version():
    """The version of minikeras (Keras: ``keras.version()`` gives Keras's)."""
    return __version__

__all__ = ["activations", "backend", "callbacks", "constraints", "datasets", "distribution", "initializers", "layers", "losses", "metrics", "models",
           "ops", "optimizers", "random", "regularizers", "saving", "utils", "config", "GradientTape", "Input",
           "Layer", "Model", "Sequential", "load_model", "Loss", "Metric", "Optimizer", "Initializer",
           "Regularizer", "Variable", "version", "InputSpec"]
