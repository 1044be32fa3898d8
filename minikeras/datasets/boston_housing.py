"""``keras.datasets.boston_housing``: Keras's cached ``boston_housing.npz`` (no download)."""
import numpy as np

from .keras_cache import ORIGIN, cached, shuffled_split


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)`` from ``~/.keras/datasets/boston_housing.npz``
    (arrays ``x`` (506, 13) and ``y`` (506,)), shuffled and split as Keras does."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 (exclusive of 1).")
    with np.load(cached(path, ORIGIN + "boston_housing.npz"), allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return shuffled_split(x, y, test_split, seed)
