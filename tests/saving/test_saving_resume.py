"""Train 2 epochs, save, load, train 1 more ≡ train 3 epochs straight (weights to 1e-6)."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, optimizers
from minikeras.utils import set_random_seed

RNG = np.random.default_rng(1)
X = RNG.normal(size=(96, 10)).astype(np.float32)
Y = (X[:, :3].sum(axis=1) > 0).astype(np.int64) + (X[:, 3] > 1)

OPTIMIZERS = {
    "adam": lambda: optimizers.Adam(0.01),
    "sgd_nesterov": lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    "rmsprop_centered": lambda: optimizers.RMSprop(0.01, momentum=0.3, centered=True),
    "nadam": lambda: optimizers.Nadam(0.01),
    "adamw_schedule": lambda: optimizers.AdamW(optimizers.schedules.ExponentialDecay(0.02, 5, 0.7)),
}


def make_model(optimizer):
    set_random_seed(7)
    model = keras.Sequential([keras.Input((10,)), layers.Dense(16, activation="relu"),
                              layers.Dense(8, activation="tanh"), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.mark.parametrize("extension", [".keras", ".h5", ".weights.h5"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_resume_after_reload_equals_training_straight_through(tmp_path, extension, name):
    straight = make_model(OPTIMIZERS[name]())
    straight.fit(X, Y, epochs=3, batch_size=16, shuffle=False, verbose=0)

    first = make_model(OPTIMIZERS[name]())
    first.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    path = tmp_path / f"model{extension}"
    if extension == ".weights.h5":
        first.save_weights(path)
        resumed = make_model(OPTIMIZERS[name]())
        resumed.load_weights(path)
    else:
        first.save(path)
        resumed = keras.saving.load_model(path)
    assert resumed.optimizer.iterations == 12
    resumed.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0)

    assert resumed.optimizer.iterations == straight.optimizer.iterations == 18
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-6, rtol=0)


def test_without_the_optimizer_state_the_runs_differ(tmp_path):
    """The resume test can fail: losing the Adam moments changes the weights."""
    straight = make_model(optimizers.Adam(0.01))
    straight.fit(X, Y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    first = make_model(optimizers.Adam(0.01))
    first.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    first.save(tmp_path / "m.h5", include_optimizer=False)
    resumed = keras.saving.load_model(tmp_path / "m.h5")
    assert not resumed.compiled
    resumed.compile(optimizer=optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    resumed.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    gap = max(float(np.abs(a - b).max()) for a, b in zip(straight.get_weights(), resumed.get_weights()))
    assert gap > 1e-3
