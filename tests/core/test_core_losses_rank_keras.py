"""Losses and metrics bring labels and predictions to the same rank as Keras 3 does (issue 19).

Numbers from real Keras 3.15.1 (tests/fixtures/keras_rank_reference.npz, made by
tests/fixtures/make_keras_rank_reference.py). Keras's loss classes apply
``squeeze_or_expand_to_same_rank`` to every loss; its functions do for mse, mae, mape, msle,
cosine_similarity, huber and log_cosh, while kl_divergence, poisson and the hinges broadcast
(labels (4,) against predictions (4, 1) give a mean over a 4 x 4 grid) and the cross-entropies
refuse. minikeras's functions all follow the classes, so each is checked against the class's
``reduction=None`` values; the same holds for the metrics over those functions, which in Keras
broadcast too.

Two refusals remain, each a clear error where Keras computes something degenerate: the
categorical cross-entropy class with labels and predictions of different shapes (Keras gives 0
for one class, or squeezes (n, t, 1) predictions into t classes), and sample weights of shape (n,)
when labels and predictions are both 1-D (Keras's loss is then one value for the whole batch).
"""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from gradient_check import numerical_gradient

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "keras_rank_reference.npz"))
SPEC = json.loads(str(FIXTURE["spec"]))
WEIGHTS = FIXTURE["weights"]
KERAS_SQUEEZES_IN_FUNCTION = {"mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
                              "mean_squared_logarithmic_error", "cosine_similarity", "huber", "log_cosh"}
KERAS_BROADCASTS_IN_METRIC = {"KLDivergence", "Poisson", "Hinge", "SquaredHinge", "CategoricalHinge"}
METRIC_LOSS = {"KLDivergence": "kl_divergence", "Poisson": "poisson", "Hinge": "hinge", "SquaredHinge": "squared_hinge",
               "CategoricalHinge": "categorical_hinge"}


def _refused(case):
    return case["class_name"] == "CategoricalCrossentropy" and case["shape"] not in ("t2_p2", "t3_p3", "t1_p1")


def _inputs(case):
    return FIXTURE[f"input/{case['shape']}/{case['labels']}"], FIXTURE[f"input/{case['shape']}/pred"]


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=2e-5, atol=2e-6)


def test_the_issue_example():
    values = keras.losses.mean_squared_error(np.array([4., 8., 12.]), np.array([[3.], [0.], [1.]]))
    _close(values, [1, 64, 121])
    assert values.dtype == np.float32


@pytest.mark.parametrize("case", SPEC["losses"], ids=lambda c: c["key"])
def test_loss_function_and_class_match_keras(case):
    t, p = _inputs(case)
    key = case["key"]
    if case["function"] in KERAS_SQUEEZES_IN_FUNCTION:
        np.testing.assert_allclose(FIXTURE[key + "/function"], FIXTURE[key + "/none"])  # the fixture's premise
    _close(getattr(keras.losses, case["function"])(t, p), FIXTURE[key + "/none"])
    cls = getattr(keras.losses, case["class_name"])
    if _refused(case):
        with pytest.raises(ValueError, match="categorical_crossentropy expects y_true of one-hot labels of shape"):
            cls()(t, p)
        return
    _close(cls(reduction=None)(t, p), FIXTURE[key + "/none"])
    _close(cls(reduction="sum")(t, p), FIXTURE[key + "/sum"])
    for name, loss in (("weighted", cls()), ("weighted_sum", cls(reduction="sum"))):
        expected = FIXTURE[f"{key}/{name}"]
        if np.isnan(expected):
            continue  # Keras cannot broadcast (4,) weights against (4, 2) values; minikeras can
        if case["shape"] == "t1_p1":
            with pytest.raises(ValueError, match=r"sample_weight of shape \(4,\) does not match the per-sample "
                                                 r"loss values of shape \(\)"):
                loss(t, p, sample_weight=WEIGHTS)
            continue
        _close(loss(t, p, sample_weight=WEIGHTS), expected)


@pytest.mark.parametrize("case", [c for c in SPEC["losses"] if c["shape"] in ("t1_p2", "t2_p1", "t2_p3", "t3_p2")
                                  and not _refused(c)],
                         ids=lambda c: c["key"])
def test_loss_gradient_has_the_predictions_shape_and_is_the_derivative(case):
    t, p = _inputs(case)
    loss = getattr(keras.losses, case["class_name"])(reduction="sum")
    value, grad = loss.value_and_gradient(t, p)
    _close(value, FIXTURE[case["key"] + "/sum"])
    assert grad.shape == p.shape and grad.dtype == np.float32
    np.testing.assert_allclose(loss.gradient(t, p), grad)
    expected = numerical_gradient(lambda y_pred: float(loss(t, y_pred)), p, h=1e-3, richardson=True)
    np.testing.assert_allclose(grad, expected, rtol=2e-2, atol=2e-3)


@pytest.mark.parametrize("case", SPEC["metrics"], ids=lambda c: c["key"])
@pytest.mark.parametrize("weighted", [False, True])
def test_metric_matches_keras(case, weighted):
    t, p = _inputs(case)
    expected = FIXTURE[f"{case['key']}/{int(weighted)}"]
    if case["class_name"] in KERAS_BROADCASTS_IN_METRIC:
        if case["shape"] == "t1_p1":
            pytest.skip("one value per update: the second update's value is not in the fixture")
        # The mean of the Keras loss class's per-sample values over the two updates.
        values = FIXTURE[f"loss/{METRIC_LOSS[case['class_name']]}/{case['shape']}/none"]
        values = np.concatenate([values.reshape(4, -1), values.reshape(4, -1)[:2]])
        w = np.broadcast_to((np.concatenate([WEIGHTS, WEIGHTS[:2]]) if weighted else np.ones(6))[:, None],
                            values.shape)
        expected = np.sum(values * w) / np.sum(w)
    if np.isnan(expected):
        pytest.skip("Keras cannot take these shapes (weights (4,) against one value per batch)")
    metric = getattr(keras.metrics, case["class_name"])()
    metric.update_state(t, p, sample_weight=WEIGHTS if weighted else None)
    metric.update_state(t[:2], p[:2], sample_weight=WEIGHTS[:2] if weighted else None)
    _close(metric.result(), expected)


@pytest.mark.parametrize("case", SPEC["compile"], ids=lambda c: c["key"])
def test_through_compile_labels_n_t_against_predictions_n_t_1(case):
    model = keras.Sequential([keras.Input((3, 2)), keras.layers.Dense(1)])
    model.set_weights([FIXTURE["fit/kernel"], FIXTURE["fit/bias"]])
    loss = {"mse": keras.losses.MeanSquaredError, "mae": keras.losses.MeanAbsoluteError, "huber": keras.losses.Huber,
            "poisson": keras.losses.Poisson}[case["loss"]](reduction=case["reduction"])
    model.compile("sgd", loss=loss, metrics=["mae", "mse"], weighted_metrics=["mse"])
    result = model.evaluate(FIXTURE["fit/x"], FIXTURE["fit/y"], batch_size=4, verbose=0, return_dict=True,
                            sample_weight=WEIGHTS if case["weighted"] else None)
    assert sorted(result) == case["names"]
    for name in case["names"]:
        _close(result[name], FIXTURE[f"{case['key']}/{name}"])


def test_training_on_n_t_labels_uses_the_sum_keras_differentiates():
    """reduction="sum" over (4, 3) labels and (4, 3, 1) predictions: Keras sums 4 per-sample
    means; summing 12 values would make each SGD step 3 times larger."""
    x, y = FIXTURE["fit/x"], FIXTURE["fit/y"]
    model = keras.Sequential([keras.Input((3, 2)), keras.layers.Dense(1)])
    model.set_weights([FIXTURE["fit/kernel"], FIXTURE["fit/bias"]])
    loss = keras.losses.MeanSquaredError(reduction="sum")
    model.compile(keras.optimizers.SGD(0.01), loss=loss)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    kernel, bias = FIXTURE["fit/kernel"].astype(np.float64), FIXTURE["fit/bias"].astype(np.float64)
    error = x @ kernel + bias - y[..., None]                  # (4, 3, 1)
    grad_out = 2 * error / 3                                   # d(sum over samples of the mean over t)
    expected_kernel = kernel - 0.01 * np.einsum("btf,bto->fo", x, grad_out)
    np.testing.assert_allclose(model.get_weights()[0], expected_kernel, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", ["mean_squared_error", "mean_absolute_error", "huber", "log_cosh",
                                "mean_absolute_percentage_error", "hinge", "squared_hinge", "categorical_hinge",
                                "cosine_similarity", "poisson", "mean_squared_logarithmic_error"])
def test_functions_take_lists_and_return_float32(fn):
    for y_true, y_pred in (([1.0, 2.0], [1.5, 2.5]), (np.array([1.0, 2.0]), np.array([1.5, 2.5]))):
        value = getattr(keras.losses, fn)(y_true, y_pred)
        assert np.asarray(value).dtype == np.float32
    assert getattr(keras.metrics, fn, getattr(keras.losses, fn))([[1.0, 2.0]], [[1.5, 2.5]]).dtype == np.float32
    _close(keras.losses.mean_squared_error([1.0, 2.0], [1.5, 2.5]), 0.25)


def test_shapes_left_different_are_an_error_naming_both():
    with pytest.raises(ValueError, match=r"mean_squared_error expects y_true and y_pred of the same shape.*"
                                         r"got y_true \(4, 3\) and y_pred \(4,\)"):
        keras.losses.mean_squared_error(np.ones((4, 3)), np.ones(4))
    with pytest.raises(ValueError, match=r"binary_crossentropy expects y_true of shape \(4, 3\)"):
        keras.losses.BinaryCrossentropy()(np.ones((4, 2)), np.full((4, 3), 0.5))
