"""Optimizers with Keras names and defaults; ``get("adam")`` resolves strings."""
from ..registry import Registry
from . import schedules
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .ftrl import Ftrl
from .lamb import Lamb
from .lion import Lion
from .loss_scale_optimizer import LossScaleOptimizer
from .nadam import Nadam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

_registry = Registry("optimizer")
for _cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam, Ftrl, Lion, Lamb, Adafactor,
             LossScaleOptimizer):
    _registry.register(_cls, _cls.__name__, _cls.__name__.lower())
LossScaleOptimizer._registry = _registry


def get(identifier):
    """Resolve an optimizer name (with Keras defaults), config dict or instance."""
    optimizer = _registry.get(identifier)
    if not isinstance(optimizer, Optimizer):
        raise ValueError(f"Could not interpret optimizer {identifier!r}: expected a name such as 'adam', "
                        f"a config dict or an Optimizer instance")
    return optimizer


def serialize(optimizer):
    return _registry.serialize(optimizer)


def deserialize(config, custom_objects=None):
    return _registry.get(config, custom_objects)


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "Ftrl", "Lion", "Lamb", "Adafactor", "LossScaleOptimizer",
           "schedules", "get", "serialize", "deserialize"]
