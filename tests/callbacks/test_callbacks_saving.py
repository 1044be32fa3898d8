"""ModelCheckpoint and BackupAndRestore with real files (through minikeras.saving)."""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from conftest import make_classifier


def _inject(name, values):
    def on_epoch_end(epoch, logs):
        logs[name] = values[epoch]
    return keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)


def test_save_best_only_writes_only_on_improvement_and_keeps_the_best(spiral, tmp_path):
    x, y = spiral
    model = make_classifier()
    scores = [0.9, 0.7, 0.8, 0.6, 0.65, 0.66]
    snapshots, mtimes = [], []
    path = tmp_path / "best.keras"

    def after_epoch(epoch, logs):
        snapshots.append(model.get_weights())
        mtimes.append(os.stat(path).st_mtime_ns if path.exists() else None)

    checkpoint = keras.callbacks.ModelCheckpoint(path, monitor="score", mode="min", save_best_only=True)
    model.fit(x, y, epochs=6, verbose=0, callbacks=[_inject("score", scores), checkpoint,
                                                    keras.callbacks.LambdaCallback(on_epoch_end=after_epoch)])
    changed = [mtimes[0] is not None] + [mtimes[i] != mtimes[i - 1] for i in range(1, 6)]
    assert changed == [True, True, False, True, False, False]
    loaded = keras.models.load_model(path)
    for got, expected in zip(loaded.get_weights(), snapshots[3]):
        np.testing.assert_array_equal(got, expected)
    assert checkpoint.best == 0.6


def test_filepath_template_and_weights_only(spiral, tmp_path):
    x, y = spiral
    model = make_classifier()
    model.fit(x, y, epochs=3, validation_split=0.2, verbose=0, callbacks=[
        keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch:02d}-{val_loss:.2f}.h5")),
        keras.callbacks.ModelCheckpoint(str(tmp_path / "w" / "{epoch}.weights.h5"), save_weights_only=True)])
    history = model.history.history
    expected = [f"ckpt-{e + 1:02d}-{history['val_loss'][e]:.2f}.h5" for e in range(3)]
    assert sorted(p.name for p in tmp_path.glob("ckpt-*")) == sorted(expected)
    assert sorted(p.name for p in (tmp_path / "w").iterdir()) == ["1.weights.h5", "2.weights.h5", "3.weights.h5"]
    fresh = make_classifier(seed=9)
    fresh.load_weights(tmp_path / "w" / "3.weights.h5")
    for got, expected_weights in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, expected_weights)
    assert keras.models.load_model(tmp_path / expected[-1]).predict(x[:4], verbose=0).shape == (4, 3)


def test_save_freq_in_batches_with_batch_in_the_name(spiral, tmp_path):
    x, y = spiral  # 10 batches per epoch
    model = make_classifier()
    model.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(
        str(tmp_path / "e{epoch}-b{batch}.weights.h5"), save_weights_only=True, save_freq=4)])
    names = sorted(p.name for p in tmp_path.iterdir())
    # batches are counted across epochs: saves after steps 4, 8 (epoch 1), 12, 16, 20 (epoch 2), 1-based in the name
    assert names == sorted(["e1-b4.weights.h5", "e1-b8.weights.h5", "e2-b2.weights.h5", "e2-b6.weights.h5",
                            "e2-b10.weights.h5"])


def test_model_checkpoint_argument_checks(tmp_path):
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        keras.callbacks.ModelCheckpoint(tmp_path / "x.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"\.keras"):
        keras.callbacks.ModelCheckpoint(tmp_path / "x.ckpt")
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.ModelCheckpoint(tmp_path / "x.keras", save_freq="batch")


class _FailAt(keras.callbacks.Callback):
    def __init__(self, epoch, error=RuntimeError):
        super().__init__()
        self.epoch, self.error = epoch, error

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise self.error("Interrupting!")


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_backup_and_restore_resumes_where_training_stopped(spiral, tmp_path, error):
    """Keras's docstring example, with the end state checked against an uninterrupted run (Adam, so the
    optimizer state has to come back too)."""
    x, y = spiral
    backup = tmp_path / "backup"

    def adam_model():
        return make_classifier(seed=4, optimizer=keras.optimizers.Adam(0.01))

    model = adam_model()
    with pytest.raises(error):
        model.fit(x, y, epochs=10, batch_size=32, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup), _FailAt(4, error)])
    assert json.loads((backup / "training_metadata.json").read_text())["epoch"] == 4  # kept after the failure

    resumed = adam_model()  # a new process would start from scratch like this
    history = resumed.fit(x, y, epochs=10, batch_size=32, shuffle=False, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert history.epoch == [4, 5, 6, 7, 8, 9]
    assert not backup.exists()  # deleted once training completed

    straight = adam_model()
    straight.fit(x, y, epochs=10, batch_size=32, shuffle=False, verbose=0)
    assert resumed.optimizer.iterations == straight.optimizer.iterations
    for got, expected in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    assert resumed.fit(x, y, epochs=2, verbose=0).epoch == [0, 1]  # no leftover start epoch


def test_backup_and_restore_batch_backups_and_keeping_the_checkpoint(spiral, tmp_path):
    x, y = spiral
    backup = tmp_path / "b"
    model = make_classifier()
    model.fit(x, y, epochs=2, verbose=0,
              callbacks=[keras.callbacks.BackupAndRestore(backup, save_freq=7, delete_checkpoint=False)])
    assert sorted(p.name for p in backup.iterdir()) == ["latest.weights.h5", "training_metadata.json"]
    # 20 steps: the last backup was after step 14 (batch 3 of epoch 1)
    assert json.loads((backup / "training_metadata.json").read_text()) == {"epoch": 1, "batch": 3}
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.BackupAndRestore(backup, save_freq="sometimes")
    with pytest.raises(ValueError, match="backup_dir"):
        keras.callbacks.BackupAndRestore("")
