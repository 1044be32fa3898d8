"""Identity, Permute, RepeatVector, UnitNormalization, ActivityRegularization and RMSNormalization (issue 19):
outputs, gradients and configs against real Keras 3.15.1 (tests/fixtures/keras_simple_layers.npz,
made by tests/fixtures/make_keras_simple_layers.py), gradients also against finite differences."""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from gradient_check import check_layer_gradients

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "keras_simple_layers.npz"))
SPEC = json.loads(str(FIXTURE["spec"]))


@pytest.mark.parametrize("case", SPEC["cases"], ids=lambda c: f"{c['class_name']}-{c['kwargs']}")
def test_output_gradient_and_config_match_keras(case):
    key = case["key"]
    x, r = FIXTURE[key + "/x"], FIXTURE[key + "/r"]
    layer = getattr(keras.layers, case["class_name"])(**case["kwargs"])
    layer.build_for((None,) + x.shape[1:])
    if layer.weights:
        layer.set_weights([FIXTURE[f"{key}/weight/{i}"] for i in range(len(layer.weights))])
    np.testing.assert_allclose(layer(x), FIXTURE[key + "/y"], rtol=1e-6, atol=1e-7)
    layer.call(x, training=True)
    grad, expected = layer.backward(r), FIXTURE[key + "/grad"]
    for i, weight in enumerate(layer.trainable_weights):
        np.testing.assert_allclose(weight.grad, FIXTURE[f"{key}/weight_grad/{i}"], rtol=2e-5, atol=1e-6)
    # At a zero vector JAX's gradient of Keras's capped 1/norm is NaN; minikeras's is the cap's
    # (the output there is x * 1e12), finite.
    assert np.all(np.isfinite(grad))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(grad[finite], expected[finite], rtol=2e-5, atol=1e-6)
    config = layer.get_config()
    config.pop("name"), case["config"].pop("name")
    assert config == case["config"]
    assert type(keras.layers.deserialize(keras.layers.serialize(layer))) is type(layer)


@pytest.mark.parametrize("case", SPEC["cases"], ids=lambda c: f"{c['class_name']}-{c['kwargs']}")
def test_gradient_matches_finite_differences(case):
    x = FIXTURE[case["key"] + "/x"].astype(np.float64)
    if case["class_name"] == "UnitNormalization":
        x = x[1:]  # 1/norm is capped at 1e12 for the zero row: not differentiable there
    layer = getattr(keras.layers, case["class_name"])(**case["kwargs"])
    layer.build_for((None,) + x.shape[1:])
    check_layer_gradients(layer, x)


@pytest.mark.parametrize("batch_size, key", [(8, "model/loss"), (4, "model/loss_batch4")])
def test_activity_regularization_adds_keras_penalty_to_the_loss(batch_size, key):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, use_bias=False),
                              keras.layers.ActivityRegularization(l1=0.01, l2=0.02)])
    model.set_weights([FIXTURE["model/kernel"]])
    model.compile("sgd", "mse")
    loss = model.evaluate(FIXTURE["model/x"], FIXTURE["model/y"], batch_size=batch_size, verbose=0)
    np.testing.assert_allclose(loss, FIXTURE[key], rtol=1e-5)


def test_the_layers_train_in_a_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Identity(), keras.layers.RepeatVector(2),
                              keras.layers.Permute((2, 1)), keras.layers.Flatten(), keras.layers.UnitNormalization(),
                              keras.layers.ActivityRegularization(l2=0.01), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    history = model.fit(x, x.sum(1), epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_bad_arguments_name_the_argument():
    with pytest.raises(ValueError, match="Permute dims must be a permutation of 1..2"):
        keras.layers.Permute((0, 1))
    with pytest.raises(ValueError, match="RepeatVector n must be a positive integer"):
        keras.layers.RepeatVector(0)
    with pytest.raises(ValueError, match="ActivityRegularization l1 must be a non-negative number"):
        keras.layers.ActivityRegularization(l1=-1)
