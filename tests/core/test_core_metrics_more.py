"""The metrics beyond accuracy/MSE/MAE/Precision/Recall against real Keras 3 numbers
(tests/fixtures/keras_metrics_reference.npz, made by tests/fixtures/make_keras_metrics_reference.py):
streamed results with and without sample weights, configs, a fit's history under metric strings,
and saving a model compiled with them."""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import metrics

_FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                        "keras_metrics_reference.npz")
REF = np.load(_FIXTURE)
SPEC = json.loads(str(REF["spec"]))
CASES = SPEC["metrics"]


def _id(case):
    return f"{case['class_name']}-{case['kwargs']}-{case['y_true']}-{'weighted' if case['weighted'] else 'plain'}"


def _stream(case):
    metric = getattr(keras.metrics, case["class_name"])(**case["kwargs"])
    y_pred = REF["input/" + case["y_pred"]]
    results = []
    for b in range(len(y_pred)):
        sw = REF["input/weights"][b] if case["weighted"] else None
        if case["y_true"] is None:
            metric.update_state(y_pred[b], sample_weight=sw)
        else:
            metric.update_state(REF["input/" + case["y_true"]][b], y_pred[b], sample_weight=sw)
        results.append(np.asarray(metric.result(), dtype=np.float64))
    return metric, np.array(results)


def _expected(case):
    if case["class_name"] != "R2Score" or not case["kwargs"].get("num_regressors"):
        return REF[case["key"]]
    # Keras 3.15.1 counts n of the adjusted R2 as rows x outputs; upstream Keras counts rows with a
    # non-zero weight (keras-team/keras#23334), as minikeras does. Adjust Keras's plain R2 with that n.
    plain = next(c for c in CASES if c["class_name"] == "R2Score" and not c["kwargs"]
                 and c["weighted"] == case["weighted"])
    weights = REF["input/weights"] if case["weighted"] else np.ones(REF["input/weights"].shape)
    n = np.cumsum(np.count_nonzero(weights, axis=1))
    p = case["kwargs"]["num_regressors"]
    return 1 - (1 - REF[plain["key"]]) * (n - 1) / (n - p - 1)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_metric_streams_like_keras(case):
    metric, results = _stream(case)
    expected = _expected(case)
    assert results.shape == expected.shape
    tolerance = 1e-5 if case["class_name"] == "AUC" else 1e-6
    np.testing.assert_allclose(results, expected, rtol=tolerance, atol=tolerance)
    metric.reset_state()
    assert np.all(np.asarray(metric.result()) == 0)


@pytest.mark.parametrize("case", CASES[::2], ids=[_id(c) for c in CASES[::2]])
def test_metric_config_matches_keras_and_roundtrips(case):
    cls = getattr(keras.metrics, case["class_name"])
    metric = cls(**case["kwargs"])
    config = metric.get_config()
    expected = dict(case["config"])
    # Keras uniquifies auto-named instances (auc_1, ...); minikeras does not.
    expected["name"] = expected["name"].rstrip("0123456789").rstrip("_")
    # Keras leaves CosineSimilarity's axis out of its config; minikeras keeps it.
    assert {k: v for k, v in config.items() if k in expected} == expected
    assert set(config) - set(expected) <= {"axis"}
    again = cls.from_config(config)
    assert again.get_config() == config
    restored = metrics.deserialize(metrics.serialize(metric))
    assert type(restored) is cls and restored.get_config() == config


def test_auc_counts_in_one_vectorized_pass_over_a_million_rows():
    rng = np.random.default_rng(1)
    y_pred = rng.uniform(size=1_000_000).astype(np.float32)
    y_true = (rng.uniform(size=y_pred.size) < y_pred).astype(np.float32)
    auc = metrics.AUC()
    for chunk in range(4):
        part = slice(chunk * 250_000, (chunk + 1) * 250_000)
        auc.update_state(y_true[part], y_pred[part])
    assert auc.true_positives.shape == (200,)
    # Exact ROC AUC of this scoring rule is 5/6 (E[p | y=1] ranking against y=0 on uniform p).
    assert float(auc.result()) == pytest.approx(5 / 6, abs=2e-3)


def test_history_keys_and_values_match_keras_fit_with_metric_strings():
    fit = SPEC["fit"]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([REF["fit/kernel"], REF["fit/bias"]])
    model.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=fit["metrics"])
    x, y = REF["fit/x"], REF["fit/y"]
    history = model.fit(x[:32], y[:32], epochs=2, batch_size=8, shuffle=False, verbose=0,
                        validation_data=(x[32:], y[32:]))
    assert sorted(history.history) == sorted(fit["keys"])
    for name in fit["keys"]:
        expected = REF[f"fit/history/{name}"]
        got = np.array([np.asarray(v, dtype=np.float64) for v in history.history[name]])
        assert got.shape == expected.shape, name
        # Two epochs of training drift by float32 rounding; MAPE on 0/1 labels is ~1e8.
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-6, err_msg=name)


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_model_compiled_with_these_metrics_saves_and_loads(tmp_path, extension):
    given = ["auc", "mape", "bce", metrics.AUC(curve="PR", num_thresholds=50, name="pr_auc"),
             metrics.F1Score(average="macro", threshold=0.4), metrics.R2Score(num_regressors=1),
             metrics.TruePositives(thresholds=[0.3, 0.6]), metrics.CategoricalCrossentropy(label_smoothing=0.1)]
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=given)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 4)).astype(np.float32), rng.integers(0, 2, size=(16, 3)).astype(np.float32)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / f"model{extension}")
    loaded = keras.saving.load_model(tmp_path / f"model{extension}")
    assert loaded.metrics_names == model.metrics_names
    for before, after in zip(model.metrics[1:], loaded.metrics[1:]):
        assert type(after) is type(before) and after.get_config() == before.get_config()
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    after = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert list(after) == list(before)
    for name in before:
        np.testing.assert_allclose(after[name], before[name], rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("name, cls", [("mape", metrics.MeanAbsolutePercentageError),
                                       ("msle", metrics.MeanSquaredLogarithmicError),
                                       ("bce", metrics.BinaryCrossentropy), ("BCE", metrics.BinaryCrossentropy),
                                       ("auc", metrics.AUC), ("log_cosh_error", metrics.LogCoshError),
                                       ("f_beta_score", metrics.FBetaScore), ("r2_score", metrics.R2Score)])
def test_strings_resolve_to_keras_classes(name, cls):
    assert type(metrics.get(name)) is cls
    assert metrics.to_metric(name).name == name


def test_bad_arguments_name_what_was_expected():
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="roc_auc")
    with pytest.raises(ValueError, match="thresholds"):
        metrics.TruePositives(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="average"):
        metrics.F1Score(average="samples")
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="2-D"):
        metrics.R2Score().update_state(np.zeros(4), np.zeros((4, 1, 1)))
    with pytest.raises(TypeError, match="from_logits"):
        metrics.Poisson(from_logits=True)


def test_f1_without_threshold_marks_the_row_maximum_but_not_an_all_zero_row():
    # Keras: y_pred >= row max and |y_pred| > 1e-9, so ties all count and [0, 0] predicts nothing.
    f1 = metrics.F1Score()
    f1.update_state(np.array([[1, 0], [0, 1], [0, 1]]), np.array([[0.0, 0.0], [0.2, 0.9], [0.5, 0.5]]))
    # class 0: tp 0, fp 1, fn 1 -> 0; class 1: tp 2, fp 0, fn 0 -> 1
    np.testing.assert_allclose(f1.result(), [0.0, 1.0], atol=1e-6)


def test_precision_on_integer_labels_against_class_probabilities_is_a_clear_error():
    """Keras fails here too (it flattens both and the sizes differ); the message says what to do."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[keras.metrics.Precision()])
    x = np.random.default_rng(0).random((16, 4)).astype("float32")
    y = np.arange(16) % 3
    with pytest.raises(ValueError, match=r"metric 'precision'.*\(16,\).*\(16, 3\).*one 0/1 label per prediction"):
        model.fit(x, y, epochs=1, batch_size=8, verbose=0)


def test_loss_function_metrics_by_string_bring_labels_to_the_predictions_rank():
    """Regression with labels of shape (N,) and a Dense(1) output: "mse" is the mean squared
    error per sample, as in Keras (whose loss functions squeeze or expand the labels), not the
    mean of an (N, N) broadcast."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5]) + 3).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("adam", "mae", metrics=["mse", "mae", "msle", keras.metrics.MeanSquaredError(name="mse_class")])
    logs = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(logs["mse"], np.mean((p - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(logs["mse"], logs["mse_class"], rtol=1e-6)
    np.testing.assert_allclose(logs["mae"], np.mean(np.abs(p - y)), rtol=1e-5)
    np.testing.assert_allclose(logs["mae"], logs["loss"], rtol=1e-6)
