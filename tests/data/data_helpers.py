"""Shared pieces of the tests/data suite: a slice of real MNIST and a small MLP."""
import functools
import threading

import numpy as np

import minikeras as mk


@functools.lru_cache(maxsize=1)
def _mnist():
    (x, y), _ = mk.datasets.mnist.load_data()
    return (x[:2048].reshape(-1, 784).astype(np.float32) / 255.0), y[:2048].astype(np.int64)


def mnist_slice(n=2048):
    """The first ``n`` MNIST training digits, flattened to 784 floats in [0, 1], and their labels."""
    x, y = _mnist()
    return x[:n].copy(), y[:n].copy()


def mlp(seed=0, dropout=0.0, features=784, hidden=32, classes=10, optimizer="adam"):
    """A seeded 784-32-10 softmax classifier, compiled with accuracy."""
    mk.utils.set_random_seed(seed)
    layers = [mk.Input((features,)), mk.layers.Dense(hidden, activation="relu")]
    if dropout:
        layers.append(mk.layers.Dropout(dropout))
    layers.append(mk.layers.Dense(classes, activation="softmax"))
    model = mk.Sequential(layers)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def assert_same_weights(a, b):
    wa, wb = weights_of(a), weights_of(b)
    assert len(wa) == len(wb)
    for left, right in zip(wa, wb):
        np.testing.assert_array_equal(left, right)


def reader_threads():
    """Live threads started by minikeras's read-ahead."""
    return [t for t in threading.enumerate() if t.name.startswith("minikeras-prefetch")]


class ArrayBatchesDataset(mk.utils.PyDataset):
    """A PyDataset equivalent to ``fit(x, y, batch_size=size, shuffle=False)``: batch ``i`` is
    rows ``[i*size, (i+1)*size)``, the last one partial, in index order."""

    def __init__(self, x, y, size, sample_weight=None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.size, self.sample_weight = x, y, size, sample_weight
        self.calls = []
        self.epoch_ends = 0
        self.epoch_begins = 0

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, index):
        self.calls.append(index)
        rows = slice(index * self.size, (index + 1) * self.size)
        if self.sample_weight is None:
            return self.x[rows], self.y[rows]
        return self.x[rows], self.y[rows], self.sample_weight[rows]

    def on_epoch_begin(self):
        self.epoch_begins += 1

    def on_epoch_end(self):
        self.epoch_ends += 1
