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

# serialize_keras_object / deserialize_keras_object (Keras 3 re-exports them from keras.saving)
# are set by minikeras/__init__.py once minikeras.saving is imported: minikeras.saving imports
# the layers, which import minikeras.utils, so importing it here would be a cycle.
