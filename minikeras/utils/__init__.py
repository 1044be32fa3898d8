"""Utilities with Keras names."""
from .numerical import normalize, to_categorical
from .random import set_random_seed

__all__ = ["to_categorical", "normalize", "set_random_seed"]
