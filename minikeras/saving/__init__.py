"""Saving and loading in Keras 3's file formats: ``.keras``, legacy ``.h5``, ``.weights.h5``.

Files written here open in Keras 3 and files Keras 3 writes open here. Saves are atomic
(temporary file + rename); loads never import or execute anything the file names.
"""
from ..registry import (CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
                        get_registered_object, register_keras_serializable)
from .api import load_model, load_weights, save_model, save_weights
from .objects import deserialize_keras_object, serialize_keras_object
from .serialization import model_from_config, model_from_json, to_json

__all__ = ["register_keras_serializable", "CustomObjectScope", "custom_object_scope", "get_custom_objects",
           "get_registered_name", "get_registered_object", "serialize_keras_object", "deserialize_keras_object",
           "save_model", "load_model", "save_weights", "load_weights", "model_from_json", "model_from_config",
           "to_json"]
