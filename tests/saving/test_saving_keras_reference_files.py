"""Files written by Keras 3.15.1 itself (tests/fixtures/keras_files, see MANIFEST.md) load in
minikeras, predict Keras's outputs to 1e-5 and carry their optimizer state."""
import pathlib
import warnings

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers

FILES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "keras_files"
NAMES = ["mlp_softmax", "mlp_logits_sgd"]


def reference(name):
    data = np.load(FILES / f"{name}.io.npz")
    return data["x"], data["y"]


def same_architecture(name):
    """The reference architectures, built in minikeras (for load_weights)."""
    if name == "mlp_softmax":
        model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(64, activation="relu"),
                                  layers.Dropout(0.2), layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    else:
        model = keras.Sequential([keras.Input((784,)), layers.Dense(32, activation="tanh"), layers.Dense(16),
                                  layers.Activation("sigmoid"), layers.Dense(10)])
        model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_reference_models_predict_like_keras(name, extension):
    x, y = reference(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the .keras files lack their optimizer (a Keras bug)
        model = keras.saving.load_model(FILES / f"{name}{extension}")
    np.testing.assert_allclose(model.predict(x.reshape(len(x), *model.input_shape[1:]), verbose=0), y,
                               atol=1e-5, rtol=0)


@pytest.mark.parametrize("name", NAMES)
def test_reference_weights_files_load_into_the_same_architecture(name):
    x, y = reference(name)
    model = same_architecture(name)
    model.load_weights(FILES / f"{name}.weights.h5")
    np.testing.assert_allclose(model.predict(x.reshape(len(x), *model.input_shape[1:]), verbose=0), y, atol=1e-5)
    assert model.optimizer.iterations == 64
    with h5py.File(FILES / f"{name}.weights.h5") as h5:
        first_slot = h5["optimizer/vars/2"][()]
    np.testing.assert_array_equal(model.optimizer.slots(model.trainable_weights[0])[0], first_slot)


def test_legacy_h5_restores_sgd_config_and_momentum_then_trains():
    model = keras.saving.load_model(FILES / "mlp_logits_sgd.h5")
    assert model.optimizer.get_config()["momentum"] == 0.9 and model.optimizer.nesterov
    assert model.optimizer.iterations == 64
    assert model.loss.from_logits
    with h5py.File(FILES / "mlp_logits_sgd.h5") as h5:
        saved = h5["optimizer_weights/sgd/sequential_1_dense_3_kernel_momentum"][()]
    np.testing.assert_array_equal(model.optimizer.slots(model.layers[1].kernel)[0], saved)
    x, _ = reference("mlp_logits_sgd")
    model.fit(x.reshape(64, 784), np.arange(64) % 10, epochs=1, batch_size=32, verbose=0)
    assert model.optimizer.iterations == 66


def test_keras_file_without_optimizer_in_compile_config_recovers_adam():
    with pytest.warns(UserWarning, match="compile config has no optimizer"):
        model = keras.saving.load_model(FILES / "mlp_softmax.keras")
    assert type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.iterations == 64
    assert model.metrics_names == ["loss", "accuracy"]


def test_loaded_reference_config_is_keras_shaped():
    model = keras.saving.load_model(FILES / "mlp_softmax.h5")
    with h5py.File(FILES / "mlp_softmax.h5") as h5:
        import json
        keras_config = json.loads(h5.attrs["model_config"])["config"]
    mine = model.get_config()
    assert [l["class_name"] for l in mine["layers"]] == [l["class_name"] for l in keras_config["layers"]]
    for ours, theirs in zip(mine["layers"], keras_config["layers"]):
        assert ours["config"] == theirs["config"]
