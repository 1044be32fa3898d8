"""``keras.saving.serialize_keras_object`` / ``deserialize_keras_object`` for minikeras's objects."""
from .. import activations, constraints, initializers, layers, losses, metrics, optimizers, regularizers
from ..constraints import Constraint
from ..initializers import Initializer
from ..layers.layer import Layer
from ..losses import Loss
from ..metrics.base import Metric
from ..optimizers.optimizer import Optimizer
from ..regularizers import Regularizer

# (base class, module serializing it, the "module" Keras writes in its configs)
_KINDS = ((Layer, layers, ("keras.layers", "keras.models", "keras")), (Loss, losses, ("keras.losses",)),
          (Metric, metrics, ("keras.metrics",)), (Optimizer, optimizers, ("keras.optimizers",)),
          (Initializer, initializers, ("keras.initializers",)),
          (Regularizer, regularizers, ("keras.regularizers",)), (Constraint, constraints, ("keras.constraints",)))


def serialize_keras_object(obj):
    """The config Keras writes for ``obj``: ``{"module", "class_name", "config", "registered_name"}``
    for layers and models, losses, metrics, optimizers, initializers and regularizers; a
    built-in activation function serializes to its name. None stays None."""
    if obj is None:
        return None
    for base, module, _ in _KINDS:
        if isinstance(obj, base):
            return module.serialize(obj)
    if callable(obj):
        return activations.serialize(obj)
    raise ValueError(f"serialize_keras_object: cannot serialize {obj!r} of type {type(obj).__name__}")


def deserialize_keras_object(config, custom_objects=None):
    """The object ``serialize_keras_object`` described, rebuilt without importing anything the
    config names: the config's ``module`` picks the kind (a registered custom class is found
    by its ``registered_name``). A string is an activation's name."""
    if config is None:
        return None
    if isinstance(config, str):
        return activations.deserialize(config, custom_objects)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize_keras_object expects a config dict with a 'class_name', got {config!r}")
    for _, module, names in _KINDS:
        if config.get("module") in names:
            return module.deserialize(config, custom_objects)
    if config["class_name"] == "function":
        return activations.deserialize(config, custom_objects)
    from ..registry import get_registered_object
    name = config.get("registered_name") or config["class_name"]
    cls = get_registered_object(name, custom_objects)
    if cls is None:
        raise ValueError(f"deserialize_keras_object: unknown object {name!r}; register it with "
                         "@keras.saving.register_keras_serializable() or pass custom_objects")
    for base, module, _ in _KINDS:
        if isinstance(cls, type) and issubclass(cls, base):
            return module.deserialize(config, custom_objects)
    return cls.from_config(config.get("config") or {})
