"""GroupNormalization and AlphaDropout (issue 19) against real Keras 3.15.1
(tests/fixtures/keras_group_alpha.npz, made by tests/fixtures/make_keras_group_alpha.py: outputs
and jax.grad of Keras's layer) and finite differences (tests/gradient_check.py)."""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from gradient_check import check_layer_gradients

DATA = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_group_alpha.npz"))
SPEC = json.loads(str(DATA["spec"]))


def _layer(case):
    layer = keras.layers.GroupNormalization(**case["kwargs"])
    x = DATA[f"{case['key']}/x"]
    layer.build(x.shape)
    layer.set_weights([DATA[f"{case['key']}/w{i}"] for i in range(case["weights"])])
    return layer, x


@pytest.mark.parametrize("case", SPEC["cases"], ids=lambda c: json.dumps(c["kwargs"]))
def test_group_normalization_matches_keras(case):
    layer, x = _layer(case)
    key = case["key"]
    np.testing.assert_allclose(layer(x), DATA[f"{key}/y"], rtol=1e-5, atol=2e-6)
    layer.call(x, training=True)
    np.testing.assert_allclose(layer.backward(DATA[f"{key}/r"]), DATA[f"{key}/dx"], rtol=1e-4, atol=2e-5)
    for i, variable in enumerate(layer.weights):
        np.testing.assert_allclose(variable.grad, DATA[f"{key}/dw{i}"], rtol=1e-4, atol=2e-5)
    config = layer.get_config()
    config.pop("name")
    assert config == case["config"]


@pytest.mark.parametrize("case", SPEC["cases"], ids=lambda c: json.dumps(c["kwargs"]))
def test_group_normalization_gradients_match_finite_differences(case):
    layer, x = _layer(case)
    check_layer_gradients(layer, x.astype(np.float64))


def test_group_normalization_checks_and_trains():
    with pytest.raises(ValueError, match="invalid value for argument `groups`"):
        keras.layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match=r"Number of groups \(4\) must be a multiple of the number of channels \(6\)"):
        keras.layers.GroupNormalization(groups=4).build((None, 6))
    with pytest.raises(ValueError, match=r"cannot be more than the number of channels \(6\)"):
        keras.layers.GroupNormalization(groups=8).build((None, 6))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8), keras.layers.GroupNormalization(groups=2),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(keras.optimizers.Adam(0.02), "binary_crossentropy", metrics=["accuracy"])
    assert model.fit(x, y, epochs=20, verbose=0).history["accuracy"][-1] > 0.85


@pytest.mark.parametrize("rate", [0.1, 0.5])
def test_alpha_dropout_applies_keras_affine_map(rate):
    x = DATA["alpha/x"]
    layer = keras.layers.AlphaDropout(rate, seed=1)
    np.testing.assert_array_equal(layer(x), DATA[f"alpha/{rate}/inference"])
    y = layer(x, training=True)
    kept = layer._kept.astype(bool)
    a, b = float(DATA[f"alpha/{rate}/slope"]), float(DATA[f"alpha/{rate}/intercept"])
    np.testing.assert_allclose(y[kept], a * x[kept] + b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(y[~kept], DATA[f"alpha/{rate}/dropped_value"], rtol=1e-5)
    assert abs(kept.mean() - (1 - rate)) < 0.06
    np.testing.assert_allclose(layer.backward(np.ones_like(x)), a * kept, rtol=1e-6)
    config = layer.get_config()
    config.pop("name")
    keras_config = SPEC[f"alpha_config_{rate}"]
    assert {k: config[k] for k in ("rate", "seed", "noise_shape")} == \
        {k: keras_config[k] for k in ("rate", "seed", "noise_shape")}


def test_alpha_dropout_gradient_and_noise_shape():
    layer = keras.layers.AlphaDropout(0.3, noise_shape=(None, 1), seed=3)
    x = np.random.default_rng(0).normal(size=(6, 4))
    y = layer(x.astype("float32"), training=True)
    assert all(len(set(np.isclose(row, row.min()))) <= 2 for row in y)
    assert np.all(layer._kept == layer._kept[:, :1])  # one draw per row
    check_layer_gradients(layer, x, before_call=lambda: setattr(layer, "_generator", np.random.default_rng(3)))
    with pytest.raises(ValueError, match="Expected a float value between 0 and 1"):
        keras.layers.AlphaDropout(1.5)
