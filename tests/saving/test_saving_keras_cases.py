"""Keras 3.15.1 files with configurations a user may have (tests/fixtures/keras_files,
written by make_interop_cases.py): they load in minikeras, predict what Keras predicted,
and continue training as Keras continued from the same file."""
import json
import pathlib
import zipfile

import numpy as np
import pytest

import minikeras as keras

FILES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "keras_files"
CASES = np.load(FILES / "cases.npz")


def continue_like_keras(model):
    """The training make_interop_cases.py did after loading: one epoch, batches of 16, in order."""
    model.fit(CASES["x"], CASES["y"], epochs=1, batch_size=16, shuffle=False, verbose=0)
    return model.predict(CASES["x"], verbose=0)


def test_a_never_built_keras_model_loads_unbuilt_and_compiled():
    model = keras.models.load_model(FILES / "unbuilt.keras")
    assert not model.built and len(model.layers) == 2
    assert type(model.optimizer).__name__ == "Adam" and model.optimizer.learning_rate == pytest.approx(0.01)
    continue_like_keras(model)  # builds on the first batch, as in Keras
    assert model.built and model.optimizer.iterations == 3


def test_an_unbuildable_config_with_weights_is_an_error(tmp_path):
    """A config without any input shape but a file with weights: the weights cannot go anywhere."""
    path = tmp_path / "no_shape.keras"
    with zipfile.ZipFile(FILES / "loss_weights.keras") as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "config.json":
                config = json.loads(data)
                config.pop("build_config")
                config["config"].pop("build_input_shape")
                config["config"]["layers"] = config["config"]["layers"][1:]  # no InputLayer
                data = json.dumps(config).encode()
            dst.writestr(name, data)
    with pytest.raises(ValueError, match="no_shape.keras: the file holds weights"):
        keras.models.load_model(path)
