"""``keras.datasets.california_housing``: Keras's cached ``california_housing.npz`` (no download)."""
import numpy as np

from .keras_cache import ORIGIN, cached, shuffled_split


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)`` from ``~/.keras/datasets/california_housing.npz``
    (arrays ``x`` (20640, 8) and ``y``); ``version="small"`` keeps the first 600 rows, as Keras."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 (exclusive of 1).")
    if version not in ("small", "large"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    with np.load(cached(path, ORIGIN + "california_housing.npz"), allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return shuffled_split(x, y, test_split, seed)
