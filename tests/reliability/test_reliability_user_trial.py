"""Mistakes from the fifth new-user trial (scripts compared with Keras 3.15.1 on JAX): each
refused call names the argument, the expected and the actual value, and leaves weights and
optimizer state bit-identical; each input Keras accepts is accepted with Keras's meaning."""
import numpy as np
import pytest

import minikeras as keras
from reliability_helpers import data, small_classifier, snapshot

X, Y = data()


def _bn_classifier():
    """small_classifier with BatchNormalization: a training forward pass moves its moving
    statistics, so a call that fails after the forward pass shows in the snapshot."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    return model


def _refused(model, call, *patterns):
    before = snapshot(model)
    with pytest.raises(ValueError) as info:
        call(model)
    for pattern in patterns:
        assert pattern in str(info.value), (pattern, str(info.value))
    assert snapshot(model) == before
    return info.value


@pytest.mark.parametrize("call", [
    lambda m: m.fit(X, Y, sample_weight=np.ones((20, 3)), verbose=0),
    lambda m: m.train_on_batch(X, Y, sample_weight=np.ones((20, 3))),
    lambda m: m.evaluate(X, Y, sample_weight=np.ones((20, 3)), verbose=0),
    lambda m: m.fit(((X, Y, np.ones((20, 3))) for _ in range(3)), shuffle=False, verbose=0),
], ids=["fit", "train_on_batch", "evaluate", "generator"])
def test_sample_weight_of_the_wrong_shape_is_refused_before_the_first_step(call):
    # Keras fails inside the first step ("Incompatible shapes for broadcasting"); minikeras
    # failed there too, after the batch had moved the weights.
    _refused(_bn_classifier(), call, "sample_weight of shape (20, 3)", "per-sample loss values of shape (20,)")


def test_validation_sample_weight_of_the_wrong_shape_is_refused_before_training():
    error = _refused(_bn_classifier(), lambda m: m.fit(X, Y, validation_data=(X, Y, np.ones((20, 2))), verbose=0),
                     "sample_weight of shape (20, 2)")
    assert str(error).startswith("validation_data ")


def test_sample_weight_of_one_column_still_trains():
    model = small_classifier()
    flat = model.fit(X, Y, sample_weight=np.linspace(0, 1, 20), epochs=1, shuffle=False, verbose=0)
    model = small_classifier()
    column = model.fit(X, Y, sample_weight=np.linspace(0, 1, 20)[:, None], epochs=1, shuffle=False, verbose=0)
    assert column.history["loss"] == flat.history["loss"]
