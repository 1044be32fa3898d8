"""Utilities with Keras names."""
from ..registry import (CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
                        get_registered_object, register_keras_serializable)
from .numerical import normalize, to_categorical
from .plotting import plot_history
from .py_dataset import PyDataset, Sequence
from .random import set_random_seed
from .session import clear_session

__all__ = ["to_categorical", "normalize", "set_random_seed", "plot_history", "PyDataset", "Sequence", "clear_session",
           "register_keras_serializable", "CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "get_registered_name", "get_registered_object", "serialize_keras_object", "deserialize_keras_object"]


def __getattr__(name):
    # Keras 3's keras.utils re-exports these from keras.saving. They are looked up on first
    # use: minikeras.saving imports the layers, which import minikeras.utils.
    if name in ("serialize_keras_object", "deserialize_keras_object"):
        from ..saving import objects
        return getattr(objects, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
