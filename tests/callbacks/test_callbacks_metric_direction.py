"""Metrics declare whether larger is better as Keras's do (``_direction``), and the monitoring
callbacks read it in mode="auto" (issue 19: EarlyStopping(monitor="val_auc") used to raise).

Keras's directions come from tests/fixtures/keras_metric_directions.json, made from real Keras
3.15.1 by tests/fixtures/make_keras_metric_directions.py.
"""
import json
import os

import numpy as np
import pytest

import minikeras as keras

with open(os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "keras_metric_directions.json")) as f:
    KERAS = json.load(f)["directions"]
MINIKERAS_HAS = [name for name in KERAS if hasattr(keras.metrics, name)]


@pytest.mark.parametrize("name", MINIKERAS_HAS)
def test_each_metric_has_keras_direction(name):
    kwargs = {"MeanMetricWrapper": {"fn": keras.losses.mean_squared_error},
              "IoU": {"num_classes": 3, "target_class_ids": [0]}, "MeanIoU": {"num_classes": 3},
              "OneHotIoU": {"num_classes": 3, "target_class_ids": [0]}, "OneHotMeanIoU": {"num_classes": 3},
              "PrecisionAtRecall": {"recall": 0.5}, "RecallAtPrecision": {"precision": 0.5},
              "SensitivityAtSpecificity": {"specificity": 0.5},
              "SpecificityAtSensitivity": {"sensitivity": 0.5}}.get(name, {})
    metric = getattr(keras.metrics, name)(**kwargs)
    assert getattr(metric, "_direction", None) == KERAS[name]


def test_wrapped_plain_function_has_no_direction_and_loss_function_goes_down():
    assert getattr(keras.metrics.MeanMetricWrapper(lambda t, p: p), "_direction", None) is None
    assert KERAS["MeanMetricWrapper(plain function)"] is None
    assert keras.metrics.MeanMetricWrapper(keras.losses.hinge)._direction == "down"


def _data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    return x, y


def _model(metrics):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(0.05), "binary_crossentropy", metrics=metrics)
    return model


@pytest.mark.parametrize("metric, monitor, op", [
    ("auc", "val_auc", np.greater), (keras.metrics.AUC(curve="PR"), "val_auc", np.greater),
    ("precision", "val_precision", np.greater), ("recall", "val_recall", np.greater),
    (keras.metrics.F1Score(average="micro", threshold=0.5), "val_f1_score", np.greater),
    ("r2_score", "val_r2_score", np.greater), ("cosine_similarity", "val_cosine_similarity", np.greater),
    ("root_mean_squared_error", "val_root_mean_squared_error", np.less), ("mae", "val_mae", np.less),
    ("bce", "val_bce", np.less), (keras.losses.hinge, "val_hinge", np.less)])
def test_monitors_read_the_direction_in_auto_mode(metric, monitor, op, tmp_path):
    x, y = _data()
    model = _model([metric])
    callbacks = [keras.callbacks.EarlyStopping(monitor=monitor, patience=5),
                 keras.callbacks.ModelCheckpoint(str(tmp_path / "m.weights.h5"), monitor=monitor,
                                                 save_best_only=True, save_weights_only=True),
                 keras.callbacks.ReduceLROnPlateau(monitor=monitor, patience=5)]
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_data=(x, y), callbacks=callbacks)
    assert monitor in history.history
    assert all(c.monitor_op is op for c in callbacks)
    assert (tmp_path / "m.weights.h5").exists()


def test_early_stopping_keeps_the_highest_auc():
    x, y = _data()
    model = _model(["auc"])
    stop = keras.callbacks.EarlyStopping(monitor="val_auc", patience=1, restore_best_weights=True)
    history = model.fit(x, y[::-1], epochs=6, batch_size=16, verbose=0, validation_data=(x, y), callbacks=[stop])
    assert stop.best == max(history.history["val_auc"])


def test_a_metric_without_direction_still_needs_a_mode():
    x, y = _data()
    model = _model([keras.metrics.TruePositives()])
    with pytest.raises(ValueError, match="monitor='val_true_positives'.*mode='max'"):
        model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
                  callbacks=[keras.callbacks.EarlyStopping(monitor="val_true_positives")])
