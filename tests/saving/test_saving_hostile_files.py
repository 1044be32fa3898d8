"""Never lose a file, never run a file: atomic saves, and clear errors for bad files."""
import json
import os
import pathlib
import shutil
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers

FILES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "keras_files"
X = np.random.default_rng(0).normal(size=(8, 6)).astype(np.float32)


def small_model(units=4, name=None):
    model = keras.Sequential([keras.Input((6,)), layers.Dense(units, activation="relu"),
                              layers.Dense(2, activation="softmax")], name=name)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def rewrite_config(path, out, change):
    """Copy a .keras file with its config.json changed by ``change(config)``."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "config.json":
                config = json.loads(data)
                change(config)
                data = json.dumps(config).encode()
            dst.writestr(name, data)
    return out


# -- atomic saves ------------------------------------------------------------------------------
@pytest.mark.parametrize("extension", [".keras", ".h5", ".weights.h5"])
def test_interrupted_save_leaves_the_previous_file_intact(tmp_path, extension, monkeypatch):
    path = tmp_path / f"m{extension}"
    model = small_model()
    (model.save_weights if extension == ".weights.h5" else model.save)(path)
    before = path.read_bytes()

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt
    from minikeras.saving import keras_format, legacy_h5, weights_h5
    monkeypatch.setattr(keras_format.weights_h5, "write_weights", interrupt)
    monkeypatch.setattr(legacy_h5, "write_model_weights", interrupt)
    monkeypatch.setattr(weights_h5, "write_weights", interrupt)
    model.layers[0].kernel.assign(np.zeros((6, 4)))
    with pytest.raises(KeyboardInterrupt):
        (model.save_weights if extension == ".weights.h5" else model.save)(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind


def test_save_replaces_the_file_and_respects_overwrite_false(tmp_path):
    path = tmp_path / "m.keras"
    small_model().save(path)
    with pytest.raises(FileExistsError, match="overwrite=False"):
        small_model().save(path, overwrite=False)
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)


# -- never run a file ------------------------------------------------------------------------
def test_module_pointing_elsewhere_is_refused(tmp_path):
    def evil(config):
        config["config"]["layers"][1]["module"] = "os"
        config["config"]["layers"][1]["class_name"] = "system"
    bad = rewrite_config(FILES / "mlp_softmax.keras", tmp_path / "bad.keras", evil)
    with pytest.raises(ValueError, match=r"bad.keras.*module 'os'.*never imports"):
        keras.saving.load_model(bad)


def test_unknown_layer_class_is_named(tmp_path):
    def unknown(config):
        config["config"]["layers"][2]["class_name"] = "Conv7D"
    bad = rewrite_config(FILES / "mlp_softmax.keras", tmp_path / "bad.keras", unknown)
    with pytest.raises(ValueError, match="Unknown layer: 'Conv7D'"):
        keras.saving.load_model(bad)


def test_lambda_is_refused_unless_safe_mode_is_off(tmp_path):
    model = keras.Sequential([keras.Input((6,)), layers.Dense(3, activation=lambda x: x * 2.0)])
    with pytest.warns(UserWarning, match="lambda"):
        model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="lambda.*safe_mode=False"):
        keras.saving.load_model(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=False)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)


def test_absurd_shapes_are_refused_before_allocating(tmp_path):
    def huge(config):
        config["config"]["layers"][2]["config"]["units"] = 10 ** 9
    bad = rewrite_config(FILES / "mlp_softmax.keras", tmp_path / "huge.keras", huge)
    with pytest.raises(ValueError, match=r"huge.keras.*parameters.*does not match"):
        keras.saving.load_model(bad)


def test_keras_fields_with_unsupported_values_are_named(tmp_path):
    def quantized(config):
        config["config"]["layers"][2]["config"]["quantization_config"] = {"mode": "int8"}
    bad = rewrite_config(FILES / "mlp_softmax.keras", tmp_path / "q.keras", quantized)
    with pytest.raises(ValueError, match="quantization_config"):
        keras.saving.load_model(bad)


# -- corrupt, truncated, wrong files -----------------------------------------------------------
@pytest.mark.parametrize("source", ["mlp_softmax.keras", "mlp_softmax.h5", "mlp_softmax.weights.h5"])
def test_truncated_files_give_clear_errors(tmp_path, source):
    data = (FILES / source).read_bytes()
    for fraction in (0.0, 0.1, 0.5, 0.9):
        path = tmp_path / source
        path.write_bytes(data[:int(len(data) * fraction)])
        with pytest.raises((ValueError, OSError)) as caught:
            if source.endswith(".weights.h5"):
                small_model().load_weights(path)
            else:
                keras.saving.load_model(path)
        assert str(path) in str(caught.value), caught.value
        assert type(caught.value) in (ValueError, OSError, FileNotFoundError)


def test_garbage_and_wrong_kind_of_file(tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("hello, this is not HDF5")
    with pytest.raises(OSError, match="notes.h5.*not a readable HDF5"):
        keras.saving.load_model(text)
    fake = tmp_path / "fake.keras"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="fake.keras.*not a .keras file"):
        keras.saving.load_model(fake)
    empty_zip = tmp_path / "empty.keras"
    zipfile.ZipFile(empty_zip, "w").close()
    with pytest.raises(ValueError, match="empty.keras.*no 'config.json'"):
        keras.saving.load_model(empty_zip)
    with pytest.raises(FileNotFoundError, match="missing.keras"):
        keras.saving.load_model(tmp_path / "missing.keras")
    with pytest.raises(ValueError, match="weights only"):
        keras.saving.load_model(FILES / "mlp_softmax.weights.h5")
    with pytest.raises(ValueError, match="extension"):
        small_model().save(tmp_path / "m.pkl")


def test_corrupted_bytes_inside_config_and_weights(tmp_path):
    with zipfile.ZipFile(FILES / "mlp_softmax.keras") as src, zipfile.ZipFile(tmp_path / "c.keras", "w") as dst:
        dst.writestr("config.json", b"{not json")
        dst.writestr("model.weights.h5", src.read("model.weights.h5"))
    with pytest.raises(ValueError, match="c.keras.*config.json is not valid JSON"):
        keras.saving.load_model(tmp_path / "c.keras")
    shutil.copy(FILES / "mlp_softmax.h5", tmp_path / "k.h5")
    with h5py.File(tmp_path / "k.h5", "a") as h5:
        del h5["model_weights/dense/sequential/dense/kernel"]
    with pytest.raises(ValueError, match="k.h5"):
        keras.saving.load_model(tmp_path / "k.h5")
    shutil.copy(FILES / "mlp_softmax.h5", tmp_path / "s.h5")
    with h5py.File(tmp_path / "s.h5", "a") as h5:
        h5.attrs["model_config"] = "[1, 2"
    with pytest.raises(ValueError, match="s.h5.*model_config.*not valid JSON"):
        keras.saving.load_model(tmp_path / "s.h5")


def test_wrong_architecture_is_all_or_nothing_and_names_the_layer(tmp_path):
    source = small_model(units=4)
    source.save_weights(tmp_path / "w.weights.h5")
    source.save_weights(tmp_path / "w.h5")
    source.save(tmp_path / "m.keras")
    target = small_model(units=5)
    before = target.get_weights()
    for name in ("w.weights.h5", "w.h5", "m.keras"):
        with pytest.raises(ValueError, match=rf"{name}.*layer '{target.layers[0].name}'.*\(6, 5\).*\(6, 4\)"):
            target.load_weights(tmp_path / name)
        for a, b in zip(before, target.get_weights()):
            np.testing.assert_array_equal(a, b)
    deeper = keras.Sequential([keras.Input((6,)), layers.Dense(4), layers.Dense(2), layers.Dense(2)])
    with pytest.raises(ValueError, match="w.h5.*3 layers with weights"):
        deeper.load_weights(tmp_path / "w.h5")
    with pytest.raises(ValueError, match="w.weights.h5.*no weights for layer"):
        deeper.load_weights(tmp_path / "w.weights.h5")
    shallower = keras.Sequential([keras.Input((6,)), layers.Dense(4)])
    with pytest.raises(ValueError, match="layers the model does not have"):
        shallower.load_weights(tmp_path / "w.weights.h5")


def test_skip_mismatch_loads_the_layers_that_fit(tmp_path):
    source = small_model(units=4)
    source.save_weights(tmp_path / "w.weights.h5")
    target = keras.Sequential([keras.Input((6,)), layers.Dense(4, activation="relu"), layers.Dense(3)])
    with pytest.warns(UserWarning, match="skipping"):
        target.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(target.layers[0].kernel.value, source.layers[0].kernel.value)


def test_unbuilt_model_cannot_load_or_save_weights(tmp_path):
    small_model().save_weights(tmp_path / "w.weights.h5")
    unbuilt = keras.Sequential([layers.Dense(4), layers.Dense(2)])
    with pytest.raises(ValueError, match="not built"):
        unbuilt.load_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="not built"):
        unbuilt.save_weights(tmp_path / "u.weights.h5")


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_unbuilt_model_saves_its_architecture_with_a_warning_as_in_keras(tmp_path, extension):
    unbuilt = keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)], name="later")
    unbuilt.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    with pytest.warns(UserWarning, match="not built yet, so the file holds no weights"):
        unbuilt.save(tmp_path / f"u{extension}")
    again = keras.models.load_model(tmp_path / f"u{extension}")
    assert not again.built and again.name == "later" and again.optimizer.learning_rate == pytest.approx(0.1)
    again.fit(X, np.zeros((8, 2), np.float32), epochs=1, verbose=0)
    assert again.built and again.optimizer.iterations == 1


def test_optimizer_state_of_a_different_optimizer_is_skipped_with_a_warning(tmp_path):
    source = small_model()
    source.fit(X, np.arange(8) % 2, epochs=1, verbose=0)
    source.save_weights(tmp_path / "w.weights.h5")
    target = small_model()
    target.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match="skipping the optimizer state"):
        target.load_weights(tmp_path / "w.weights.h5")
    np.testing.assert_array_equal(target.layers[0].kernel.value, source.layers[0].kernel.value)
    assert target.optimizer.iterations == 0


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("source", ["mlp_logits_sgd.keras", "mlp_logits_sgd.h5", "mlp_logits_sgd.weights.h5"])
def test_damaged_bytes_anywhere_give_value_or_os_errors(tmp_path, source):
    data = bytearray((FILES / source).read_bytes())
    rng = np.random.default_rng(5)
    for offset in np.linspace(0, len(data) - 64, 16).astype(int):
        damaged = bytearray(data)
        damaged[offset:offset + 64] = rng.integers(0, 256, 64, dtype=np.uint8).tobytes()
        path = tmp_path / source
        path.write_bytes(bytes(damaged))
        try:
            if source.endswith(".weights.h5"):
                model = keras.Sequential([keras.Input((784,)), layers.Dense(32), layers.Dense(16),
                                          layers.Activation("sigmoid"), layers.Dense(10)])
                model.load_weights(path)
            else:
                keras.saving.load_model(path)
        except (ValueError, OSError) as error:
            assert str(path) in str(error)
