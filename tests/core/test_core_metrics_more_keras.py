"""Issue 19's metrics against real Keras 3 (tests/fixtures/make_keras_metrics_more.py wrote the
numbers): Precision/Recall with top_k and class_id, the at-constraint family, the IoU family.
Each case feeds 3 batches and compares the result after each, then the config."""
import json
import os
import warnings

import numpy as np
import pytest

import minikeras as keras

DATA = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_metrics_more.npz"))
SPEC = json.loads(str(DATA["spec"]))


@pytest.mark.parametrize("case", SPEC["cases"], ids=[c["id"] for c in SPEC["cases"]])
def test_metric_matches_keras_batch_by_batch(case):
    metric = getattr(keras.metrics, case["class"])(**case["kwargs"])
    family = case["family"]
    got = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (IoU warns about float weights, as Keras does)
        for b in range(3):
            weights = DATA[f"{family}/weights"][b] if case["weighted"] else None
            metric.update_state(DATA[f"{family}/y_true"][b], DATA[f"{family}/y_pred"][b], sample_weight=weights)
            got.append(np.asarray(metric.result(), dtype=np.float64))
    np.testing.assert_allclose(np.array(got), DATA[f"result/{case['id']}"], rtol=2e-6, atol=1e-7)
    config = metric.get_config()
    config.pop("name")
    assert json.loads(json.dumps(config, default=list)) == SPEC["configs"][case["id"]]
    again = type(metric).from_config(metric.get_config())
    assert again.get_config() == metric.get_config()


def test_the_new_metrics_are_maximized_and_resolve_by_name():
    for name in ("PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity", "SpecificityAtSensitivity"):
        metric = getattr(keras.metrics, name)(0.5)
        assert metric._direction == "up"
        assert type(keras.metrics.get({"class_name": name, "config": metric.get_config()})) is type(metric)
    for metric in (keras.metrics.IoU(3, [0]), keras.metrics.MeanIoU(3), keras.metrics.BinaryIoU(),
                   keras.metrics.OneHotIoU(3, [1]), keras.metrics.OneHotMeanIoU(3)):
        assert metric._direction == "up"
        assert [(v.name, v.shape) for v in metric.variables] == \
            [("total_confusion_matrix", (metric.num_classes, metric.num_classes))]
    assert isinstance(keras.metrics.get({"class_name": "MeanIoU", "config": {"num_classes": 3}}),
                      keras.metrics.MeanIoU)
    assert keras.metrics.MeanIoU(3).name == "mean_io_u"  # Keras: mean_io_u (then _1, _2 ... per session)


def test_reset_state_starts_over():
    metric = keras.metrics.MeanIoU(2)
    metric.update_state([0, 1, 1], [0, 1, 0])
    metric.reset_state()
    assert metric.result() == 0
    metric.update_state([1, 1], [1, 1])
    # class 0 is absent from both, so only class 1 (IoU 1) counts: 1 / (1 + eps), as Keras
    assert metric.result() == pytest.approx(1.0, abs=1e-6)


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="Target class id 3 is out of range"):
        keras.metrics.IoU(3, [3])
    with pytest.raises(ValueError, match="PrecisionAtRecall recall must be a number in \\[0, 1\\], got 1.5"):
        keras.metrics.PrecisionAtRecall(1.5)
    with pytest.raises(ValueError, match="num_thresholds must be a positive integer, got 0"):
        keras.metrics.SensitivityAtSpecificity(0.5, num_thresholds=0)
    with pytest.raises(ValueError, match="Precision top_k must be a positive integer or None, got 0"):
        keras.metrics.Precision(top_k=0)
    with pytest.raises(ValueError, match="when class_id is provided, y_pred must be a 2D array"):
        keras.metrics.Recall(class_id=1).update_state([1, 0], [0.3, 0.8])


def test_precision_at_recall_in_fit_logs_and_drives_early_stopping():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy",
                  metrics=[keras.metrics.PrecisionAtRecall(0.5), keras.metrics.BinaryIoU()])
    stop = keras.callbacks.EarlyStopping(monitor="val_precision_at_recall", patience=1)
    history = model.fit(x, y, validation_split=0.25, epochs=3, verbose=0, callbacks=[stop])
    assert {"precision_at_recall", "binary_io_u", "val_precision_at_recall"} <= set(history.history)
