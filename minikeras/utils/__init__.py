"""Utilities with Keras names."""
from .numerical import normalize, to_categorical
from .plotting import plot_history
from .py_dataset import PyDataset, Sequence
from .random import set_random_seed
from .session import clear_session

__all__ = ["to_categorical", "normalize", "set_random_seed", "plot_history", "PyDataset", "Sequence", "clear_session"]
