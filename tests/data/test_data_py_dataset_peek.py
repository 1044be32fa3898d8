"""fit/evaluate/predict read a PyDataset's batch 0 once (trial 2026-12-01 #21: the shape peek read it twice)."""
import numpy as np

import minikeras as keras


class Counting(keras.utils.PyDataset):
    def __init__(self):
        super().__init__()
        self.reads = []

    def __len__(self):
        return 3

    def __getitem__(self, index):
        self.reads.append(index)
        return np.full((4, 3), index, "float32"), np.full((4, 1), index, "float32")


def test_each_batch_is_read_once_per_pass():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    data = Counting()
    model.fit(data, epochs=2, verbose=0, shuffle=False)
    assert data.reads == [0, 1, 2, 0, 1, 2]
    data = Counting()
    model.fit(data, epochs=2, verbose=0)  # shuffled batch order; each batch still read once per epoch
    assert sorted(data.reads) == [0, 0, 1, 1, 2, 2]
    data = Counting()
    model.evaluate(data, steps=1, verbose=0)
    assert data.reads == [0]
    data = Counting()
    assert model.predict(data, verbose=0).shape == (12, 1) and data.reads == [0, 1, 2]
