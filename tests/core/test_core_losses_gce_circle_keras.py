"""CategoricalGeneralizedCrossEntropy and Circle (issue 19): values and gradients against real
Keras 3.15.1 (tests/fixtures/keras_losses_gce_circle.npz, made by
tests/fixtures/make_keras_losses_gce_circle.py; the gradients there are jax.grad of Keras's
losses), and gradients against finite differences."""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from gradient_check import check_loss_gradient

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "keras_losses_gce_circle.npz"))
SPEC = json.loads(str(FIXTURE["spec"]))


def _inputs(case):
    gce = case["family"] == "gce"
    return (FIXTURE["input/gce_labels" if gce else "input/circle_labels"],
            FIXTURE["input/probabilities" if gce else "input/embeddings"], FIXTURE[f"input/{case['family']}_weights"])


def _close(actual, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=rtol, atol=atol)


@pytest.mark.parametrize("case", SPEC["cases"], ids=lambda c: f"{c['class_name']}-{c['kwargs']}")
def test_values_and_gradients_match_keras(case):
    t, p, w = _inputs(case)
    cls, fn, kwargs = getattr(keras.losses, case["class_name"]), getattr(keras.losses, case["function"]), case["kwargs"]
    _close(fn(t, p, **kwargs), FIXTURE[case["key"] + "/function"])
    _close(cls(**kwargs)(t, p), FIXTURE[case["key"] + "/default"])
    _close(cls(reduction="sum", **kwargs)(t, p), FIXTURE[case["key"] + "/sum"])
    _close(cls(**kwargs)(t, p, sample_weight=w), FIXTURE[case["key"] + "/weighted"])
    _close(cls(**kwargs).gradient(t, p), FIXTURE[case["key"] + "/gradient"], rtol=2e-4, atol=1e-5)
    _close(cls(reduction="sum", **kwargs).gradient(t, p, sample_weight=w), FIXTURE[case["key"] + "/gradient_weighted"],
           rtol=2e-4, atol=1e-5)
    assert cls(**kwargs).get_config() == case["config"]
    assert type(keras.losses.get({"class_name": case["class_name"], "config": case["config"]})) is cls


@pytest.mark.parametrize("case", SPEC["cases"], ids=lambda c: f"{c['class_name']}-{c['kwargs']}")
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum"])
def test_gradients_match_finite_differences(case, reduction):
    t, p, w = _inputs(case)
    loss = getattr(keras.losses, case["class_name"])(reduction=reduction, **case["kwargs"])
    # The circle loss sums values of ~150 (gamma = 80) in float32, so the differences carry
    # rounding noise of ~1e-5 / h, and its max(., 0) kinks fall between steps: a middle step
    # and a tolerance of 1e-3 of the largest entry (the comparison with Keras's own gradient
    # above is the tight one).
    h = 3e-3 if case["family"] == "circle" else 1e-2
    check_loss_gradient(loss, t, p, sample_weight=w, h=h, rtol=2e-3, atol_fraction=1e-3)
    check_loss_gradient(loss, t, p, h=h, rtol=2e-3, atol_fraction=1e-3)


def test_circle_trains_embeddings_to_group_labels():
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(4), 16)
    x = (np.eye(4)[labels] + 0.8 * rng.normal(size=(64, 4))).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8),
                              keras.layers.UnitNormalization()])
    model.compile(keras.optimizers.Adam(0.02), loss=keras.losses.Circle(gamma=10.0))
    history = model.fit(x, labels, batch_size=64, epochs=30, verbose=0, shuffle=False)
    assert history.history["loss"][-1] < 0.8 * history.history["loss"][0]


def test_gce_trains_and_refuses_bad_q_and_labels():
    with pytest.raises(ValueError, match=r"q must be a number in \(0, 1\), got 1"):
        keras.losses.CategoricalGeneralizedCrossEntropy(q=1)
    with pytest.raises(ValueError, match=r"labels in \[0, 2\]"):
        keras.losses.categorical_generalized_cross_entropy(np.array([0, 3]), np.full((2, 3), 1 / 3), 0.5)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(96, 3)).astype("float32")
    y = np.argmax(x, axis=1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.Adam(0.05), loss=keras.losses.CategoricalGeneralizedCrossEntropy(0.7),
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["accuracy"][-1] > 0.8
