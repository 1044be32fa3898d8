"""Optimizers with Keras names and defaults; ``get("adam")`` resolves strings."""
from ..registry import Registry
from . import schedules
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .nadam import Nadam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

_registry = Registry("optimizer")
for _cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam):
    _registry.register(_cls, _cls.__name__, _cls.__name__.lower())


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


__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam",
           "schedules", "get", "serialize", "deserialize"]
