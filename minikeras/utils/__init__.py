"""Utilities with Keras names."""
from ..registry import (CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
                        get_registered_object, register_keras_serializable)
from .dtypes import standardize_dtype
from .config_object import Config
from .data import pack_x_y_sample_weight, pad_sequences, split_dataset, unpack_x_y_sample_weight
from .file_utils import get_file
from .numerical import normalize, to_categorical
from .progbar import Progbar
from .plotting import plot_history
from .py_dataset import PyDataset, Sequence
from .random import set_random_seed
from .session import clear_session
from .timeseries import timeseries_dataset_from_array

__all__ = ["to_categorical", "normalize", "set_random_seed", "plot_history", "PyDataset", "Sequence", "clear_session",
           "register_keras_serializable", "CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "get_registered_name", "get_registered_object", "serialize_keras_object", "deserialize_keras_object",
           "pad_sequences", "split_dataset", "pack_x_y_sample_weight", "unpack_x_y_sample_weight", "Progbar",
           "get_file", "standardize_dtype", "is_keras_tensor", "timeseries_dataset_from_array", "Config"]

# serialize_keras_object / deserialize_keras_object (Keras 3 re-exports them from keras.saving)
# and is_keras_tensor
# are set by minikeras/__init__.py once minikeras.saving is imported: minikeras.saving imports
# the layers, which import minikeras.utils, so importing it here would be a cycle.
