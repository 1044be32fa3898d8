"""Models: Sequential and the Model training API, plus Keras's ``keras.models`` helpers."""
from .model import Model
from .functional import Functional
from .sequential import Sequential
from ..saving import load_model, model_from_json, save_model
from .cloning import clone_model

__all__ = ["Model", "Functional", "Sequential", "load_model", "save_model", "model_from_json", "clone_model"]
