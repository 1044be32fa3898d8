"""minikeras: Keras 3's API on NumPy alone.

    import minikeras as keras
    model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
"""
from . import activations, backend, callbacks, constraints, datasets, initializers, layers, losses, metrics, models
from . import optimizers
from . import config, regularizers, saving, utils
from .initializers import Initializer
from .layers import Input, Layer
from .losses import Loss
from .metrics import Metric
from .models import Model, Sequential
from .optimizers import Optimizer
from .regularizers import Regularizer
from .saving import load_model
from .variable import Variable

__version__ = "0.1.0"


def version():
    """The version of minikeras (Keras: ``keras.version()`` gives Keras's)."""
    return __version__

__all__ = ["activations", "backend", "callbacks", "constraints", "datasets", "initializers", "layers", "losses", "metrics", "models",
           "optimizers", "regularizers", "saving", "utils", "config", "Input", "Layer", "Model", "Sequential",
           "load_model", "Loss", "Metric", "Optimizer", "Initializer", "Regularizer", "Variable", "version"]
