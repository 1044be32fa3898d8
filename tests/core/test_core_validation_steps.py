"""validation_steps validates the same batches every epoch, as Keras's fit documents ("the
evaluation will start from the beginning of the dataset at each epoch"): trial 2026-12-01 #1.

Keras 3.15.1's numbers are in the comments (from the trial's snippets, run with import keras).
"""
import warnings

import numpy as np
import pytest

import minikeras as keras

X = np.zeros((12, 3), "float32")
Y = np.zeros((12, 1), "float32")
X_VAL = np.zeros((12, 3), "float32")
Y_VAL = np.repeat([1.0, 2.0, 3.0], 4).reshape(-1, 1).astype("float32")  # validation batch i has MSE (i+1)^2


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="zeros")])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")  # the weights never change
    return model


@pytest.mark.parametrize("steps_per_epoch", [None, 3])
def test_arrays(steps_per_epoch):
    h = _model().fit(X, Y, epochs=4, verbose=0, validation_data=(X_VAL, Y_VAL), validation_steps=2,
                     validation_batch_size=4, steps_per_epoch=steps_per_epoch, batch_size=4)
    assert h.history["val_loss"] == pytest.approx([2.5] * 4)  # Keras [2.5, 2.5, 2.5, 2.5]


def test_py_dataset():
    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return X_VAL[4 * i:4 * i + 4], Y_VAL[4 * i:4 * i + 4]

    h = _model().fit(X, Y, epochs=4, verbose=0, validation_data=Batches(), validation_steps=1)
    assert h.history["val_loss"] == pytest.approx([1.0] * 4)  # Keras [1, 1, 1, 1]


def test_infinite_generator_replays_its_first_batches():
    def batches():
        i = 0
        while True:
            yield X_VAL[4 * (i % 3):4 * (i % 3) + 4], Y_VAL[4 * (i % 3):4 * (i % 3) + 4]
            i += 1

    h = _model().fit(X, Y, epochs=3, verbose=0, validation_data=batches(), validation_steps=2)
    assert h.history["val_loss"] == pytest.approx([2.5] * 3)  # Keras [2.5, 2.5, 2.5]


def test_without_validation_steps_every_epoch_sees_all_batches():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = _model().fit(X, Y, epochs=3, verbose=0, validation_data=(X_VAL, Y_VAL), validation_batch_size=4)
    assert h.history["val_loss"] == pytest.approx([14 / 3] * 3)
