"""BinaryFocalCrossentropy, CategoricalFocalCrossentropy, Dice and Tversky (issue 19): values
against real Keras 3.15.1 (tests/fixtures/keras_losses_more.npz, made by
tests/fixtures/make_keras_losses_more.py) and gradients against finite differences.

Dice and Tversky with ``axis=None`` (Keras's default) give one value for the whole batch; Keras
then multiplies it by the mean sample weight, minikeras refuses per-sample weights there.
"""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from gradient_check import check_loss_gradient

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "keras_losses_more.npz"))
SPEC = json.loads(str(FIXTURE["spec"]))
WEIGHTS = FIXTURE["input/weights"]


def _case(case):
    return (FIXTURE[f"input/{case['y_true']}"], FIXTURE[f"input/{case['y_pred']}"],
            getattr(keras.losses, case["class_name"]), case["kwargs"])


def _close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", SPEC["cases"], ids=lambda c: f"{c['class_name']}-{c['kwargs']}")
def test_values_match_keras(case):
    t, p, cls, kwargs = _case(case)
    key = case["key"]
    _close(getattr(keras.losses, case["function"])(t, p, **kwargs), FIXTURE[key + "/function"])
    _close(cls(**kwargs)(t, p), FIXTURE[key + "/default"])
    _close(cls(reduction="sum", **kwargs)(t, p), FIXTURE[key + "/sum"])
    if kwargs.get("axis", -1) is None or (case["class_name"] in ("Dice", "Tversky") and "axis" not in kwargs):
        with pytest.raises(ValueError, match="sample_weight"):
            cls(**kwargs)(t, p, sample_weight=WEIGHTS)
    else:
        _close(cls(**kwargs)(t, p, sample_weight=WEIGHTS), FIXTURE[key + "/weighted"])
    assert cls(**kwargs).get_config() == case["config"]
    assert keras.losses.get(case["class_name"]).__class__ is cls or isinstance(keras.losses.get(case["class_name"]),
                                                                           type)


@pytest.mark.parametrize("case", SPEC["cases"], ids=lambda c: f"{c['class_name']}-{c['kwargs']}")
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum"])
def test_gradients_match_finite_differences(case, reduction):
    t, p, cls, kwargs = _case(case)
    loss = cls(reduction=reduction, **kwargs)
    weights = None if cls in (keras.losses.Dice, keras.losses.Tversky) and "axis" not in kwargs else WEIGHTS
    # Probabilities down to 0.015 make the focal cross-entropy steep: the helper's step of 1e-2
    # would be as large as the probability itself.
    h = 1e-3 if cls is keras.losses.CategoricalFocalCrossentropy and not kwargs.get("from_logits") else 1e-2
    check_loss_gradient(loss, t, p, sample_weight=weights, h=h)
    check_loss_gradient(loss, t, p, h=h)


@pytest.mark.parametrize("loss", ["binary_focal_crossentropy", keras.losses.BinaryFocalCrossentropy(gamma=1.0)])
def test_trains_through_compile(loss):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(0.5), loss, metrics=["binary_focal_crossentropy"])
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert "binary_focal_crossentropy" in history.history


def test_dice_trains_a_segmentation_like_output():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(32, 8)).astype("float32")
    y = (x > 0).astype("float32")
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8, activation="sigmoid")])
    model.compile(keras.optimizers.SGD(1.0), keras.losses.Dice(axis=-1))
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
