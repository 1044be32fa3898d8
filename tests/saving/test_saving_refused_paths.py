"""What is not a model file (a folder where a file is expected, a zip member that would inflate
without bound) is refused up front, by name, with nothing written or read."""
import os

import numpy as np
import pytest

import minikeras as keras


def small_model():
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.mark.parametrize("name", ["m.keras", "m.h5", "m.weights.h5"])
def test_saving_onto_a_folder_is_refused_before_any_work(tmp_path, name, monkeypatch):
    """It used to serialize everything, then fail renaming '.m.keras.xxxx.tmp' onto the folder."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "inside.txt").write_text("kept")
    from minikeras.saving import keras_format, legacy_h5, weights_h5

    def must_not_run(*args, **kwargs):
        raise AssertionError("serialized although the path is a folder")
    for module in (keras_format, legacy_h5, weights_h5):
        monkeypatch.setattr(module, "write_weights" if module is not legacy_h5 else "write_model_weights",
                            must_not_run, raising=False)
    model = small_model()
    with pytest.raises(IsADirectoryError, match=f"{name} is a folder"):
        (model.save_weights if name.endswith(".weights.h5") else model.save)(folder)
    assert sorted(os.listdir(tmp_path)) == [name] and (folder / "inside.txt").read_text() == "kept"


def test_load_weights_from_a_folder_names_it(tmp_path):
    folder = tmp_path / "w.weights.h5"
    folder.mkdir()
    model = small_model()
    before = model.get_weights()
    with pytest.raises(IsADirectoryError, match="w.weights.h5: is a folder"):
        model.load_weights(folder)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.filterwarnings("ignore:.*skipping the optimizer state")  # never trained, as Keras warns
def test_a_decompression_bomb_member_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """A .keras whose weights member inflates 1000x (zeros, deflated) is refused unread; the
    floor is lowered here so that the test needs 2 MB, not 64 MB."""
    import zipfile
    from minikeras.saving import keras_format
    small_model().save(tmp_path / "good.keras")
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(tmp_path / "good.keras") as src, \
            zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            data = src.read(name) if name != "model.weights.h5" else bytes(2 * 1024 * 1024)
            dst.writestr(name, data)
    monkeypatch.setattr(keras_format, "BOMB_FLOOR_BYTES", 1024 * 1024)
    with pytest.raises(ValueError, match="bomb.keras: model.weights.h5 declares 2,097,152 bytes"):
        keras.models.load_model(bomb)
    with pytest.raises(ValueError, match="decompression bomb"):
        small_model().load_weights(bomb)
    assert keras.models.load_model(tmp_path / "good.keras").built  # stored members are not affected
