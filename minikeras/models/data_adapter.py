"""Turn user data into batches: arrays (and array-likes) for now, one adapter per kind."""
import math

import numpy as np

from ..utils.random import global_generator


def to_array(value, argument):
    """An ndarray from a NumPy array, memmap, list, tuple or pandas-like object.

    Arrays and memmaps are returned as they are (no copy); conversion to float32 happens
    per batch, so a float64 or on-disk input is never copied whole.
    """
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        array = value
    elif hasattr(value, "to_numpy"):
        array = value.to_numpy()
    elif hasattr(value, "shape") and hasattr(value, "dtype") and hasattr(value, "__getitem__"):
        return value  # h5py datasets and other lazy arrays: sliced per batch
    else:
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as error:
            raise ValueError(f"Could not convert {argument} to an array: {error}") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{argument} must hold numbers (int, uint, float or bool), got dtype {array.dtype}"
                        + (" (strings cannot be fed to a model)" if array.dtype.kind in "USO" else ""))
    return array


def as_float32(batch):
    batch = np.asarray(batch)
    return batch if batch.dtype == np.float32 else batch.astype(np.float32)


class ArrayBatches:
    """Batches of ``(x, y, sample_weight)`` from arrays, shuffled per epoch when asked.

    ``shuffle=True`` draws a new permutation each epoch and gathers one batch at a time;
    ``shuffle="batch"`` only shuffles the order of contiguous batches (cheap for on-disk data).
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, steps=None):
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.num_samples = len(x)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.steps = math.ceil(self.num_samples / batch_size) if steps is None else steps

    def __iter__(self):
        n, size = self.num_samples, self.batch_size
        order = None
        if self.shuffle == "batch":
            starts = global_generator().permutation(math.ceil(n / size)) * size
        else:
            starts = range(0, n, size)
            if self.shuffle:
                order = global_generator().permutation(n)
        produced = 0
        while produced < self.steps:
            for start in starts:
                if produced >= self.steps:
                    return
                index = slice(start, min(start + size, n)) if order is None else order[start:start + size]
                yield self._take(index)
                produced += 1
            if produced == 0:
                return

    def _take(self, index):
        x = as_float32(self.x[index])
        y = None if self.y is None else np.asarray(self.y[index])
        sw = None if self.sample_weight is None else np.asarray(self.sample_weight[index], dtype=np.float32)
        return x, y, sw
