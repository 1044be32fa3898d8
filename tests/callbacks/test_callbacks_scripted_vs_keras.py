"""Callbacks driven by scripted logs, compared with what Keras 3 did with the same logs."""
import csv

import numpy as np
import pytest

import minikeras as keras
from callbacks_scripted import (CHECKPOINT_CASES, CSV_LOGS, EARLY_STOPPING_CASES, REDUCE_LR_CASES)


@pytest.mark.parametrize("index", range(len(EARLY_STOPPING_CASES)))
def test_early_stopping_decisions_match_keras(index, keras_reference, classifier):
    case, expected = EARLY_STOPPING_CASES[index], keras_reference["early_stopping"][index]
    model = classifier()
    callback = keras.callbacks.EarlyStopping(**case["kwargs"])
    callback.set_model(model)
    callback.on_train_begin()
    stop_at = None
    for epoch, value in enumerate(case["values"]):
        callback.on_epoch_end(epoch, {case["kwargs"].get("monitor", "val_loss"): value})
        if model.stop_training:
            stop_at = epoch
            break
    assert stop_at == expected["stop_at"]
    assert (callback.stopped_epoch, callback.best_epoch, callback.wait) == \
        (expected["stopped_epoch"], expected["best_epoch"], expected["wait"])
    assert callback.best == pytest.approx(expected["best"])


def test_early_stopping_patience_counts_epochs_without_improvement(classifier):
    model = classifier()
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate([1.0, 0.8, 0.9, 0.85]):
        assert not model.stop_training, f"stopped before epoch {epoch}"
        callback.on_epoch_end(epoch, {"val_loss": value})
    assert model.stop_training and callback.stopped_epoch == 3


@pytest.mark.parametrize("index", range(len(REDUCE_LR_CASES)))
def test_reduce_lr_on_plateau_sequence_matches_keras(index, keras_reference, classifier):
    case, expected = REDUCE_LR_CASES[index], keras_reference["reduce_lr"][index]
    model = classifier(lr=case["initial_lr"])
    callback = keras.callbacks.ReduceLROnPlateau(**case["kwargs"])
    callback.set_model(model)
    callback.on_train_begin()
    rates, logged = [], []
    for epoch, value in enumerate(case["values"]):
        logs = {case["kwargs"].get("monitor", "val_loss"): value}
        callback.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
        rates.append(float(model.optimizer.learning_rate))  # (the variable itself follows later changes)
    # Keras and minikeras keep the rate in a float32 variable.
    np.testing.assert_allclose(rates, expected["after_epoch"], rtol=1e-6)
    np.testing.assert_allclose(logged, expected["logged"], rtol=1e-6)


def test_reduce_lr_on_plateau_by_hand(classifier):
    """factor 0.5, patience 2, cooldown 1, min_lr 0.02 on a flat loss.

    Epoch 0 sets the best; 1 and 2 do not improve, so the rate halves at epoch 2. The
    cooldown epoch (3) ends the cooldown and, no longer cooling down, counts as a first
    wait; epoch 4 reaches patience: halve again. Likewise at 6, where 0.0125 is floored to
    min_lr; after that the rate is at min_lr and stays.
    """
    model = classifier(lr=0.1)
    callback = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=2, cooldown=1, min_lr=0.02)
    callback.set_model(model)
    callback.on_train_begin()
    rates = []
    for epoch in range(9):
        callback.on_epoch_end(epoch, {"loss": 1.0})
        rates.append(float(model.optimizer.learning_rate))
    assert rates == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02])


def _csv_run(path, script, **kwargs):
    logger = keras.callbacks.CSVLogger(path, **kwargs)
    logger.on_train_begin()
    for epoch, logs in enumerate(script):
        logger.on_epoch_end(epoch, dict(logs))
    logger.on_train_end()


@pytest.mark.parametrize("name, kwargs, with_val", [("default", {}, True), ("semicolon", {"separator": ";"}, True),
                                                    ("no_val", {}, False)])
def test_csv_logger_file_matches_keras_byte_for_byte(name, kwargs, with_val, keras_reference, tmp_path):
    script = CSV_LOGS if with_val else [{k: v for k, v in logs.items() if not k.startswith("val_")}
                                        for logs in CSV_LOGS]
    path = tmp_path / "log.csv"
    _csv_run(path, script[:1], **kwargs)
    _csv_run(path, script, **kwargs)  # append=False overwrites
    assert path.read_text() == keras_reference["csv_logger"][name]
    logger = keras.callbacks.CSVLogger(path, append=True, **kwargs)
    logger.on_train_begin()
    logger.on_epoch_end(5, dict(script[0]))
    logger.on_train_end()
    assert path.read_text() == keras_reference["csv_logger"][name + "_appended"]
    rows = list(csv.reader(path.open(), delimiter=kwargs.get("separator", ",")))
    assert len(rows) == 4 and rows[0][0] == "epoch"


@pytest.mark.parametrize("index", range(len(CHECKPOINT_CASES)))
def test_model_checkpoint_writes_the_files_keras_writes(index, keras_reference, classifier, tmp_path):
    """Which files get written at which epoch (save stubbed to write the epoch number: the
    file format is tested with real saving elsewhere)."""
    case, expected = CHECKPOINT_CASES[index], keras_reference["checkpoint"][index]
    model = classifier()
    stamp = ["-"]
    model.save = lambda path, overwrite=True: open(path, "w").write(stamp[0])
    callback = keras.callbacks.ModelCheckpoint(str(tmp_path / case["filepath"]), **case["kwargs"])
    callback.set_model(model)
    callback.on_train_begin()
    written = []
    for epoch, logs in enumerate(case["logs"]):
        stamp[0] = str(epoch)
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, dict(logs))
        written.append(sorted(p.name for p in tmp_path.iterdir() if p.read_text() == str(epoch)))
    assert written == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({name for names in expected for name in names})
