"""The convolution family (issue 17) against real Keras 3.15.1 and finite differences.

Outputs, input and weight gradients and configs of every configuration in
tests/fixtures/keras_conv_reference.npz (made by tests/fixtures/make_keras_conv_reference.py:
paddings incl. causal, strides, dilations, groups, depth multipliers, output_padding, odd
sizes, both data formats, every pooling/padding/cropping/upsampling layer; max pooling also
on small integers, where windows hold tied maxima and Keras gives the gradient to the first);
and every case's gradients by finite differences in float64 (tests/gradient_check.py).
"""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from gradient_check import check_layer_gradients

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "keras_conv_reference.npz"))
SPEC = json.loads(str(FIXTURE["spec"]))
CASES = SPEC["cases"]
IDS = [f"{c['class_name']}-{'-'.join(f'{k}={v}' for k, v in c['kwargs'].items())}" for c in CASES]


def _layer(case, x):
    layer = getattr(keras.layers, case["class_name"])(**case["kwargs"])
    layer.build_for((None,) + x.shape[1:])
    return layer


def _check(case, key):
    x, r = FIXTURE[key + "/x"], FIXTURE[key + "/r"]
    layer = _layer(case, x)
    weights = [FIXTURE[f"{key}/weight/{i}"] for i in range(len(layer.weights))]
    if weights:
        layer.set_weights(weights)
    training = case["class_name"] == "BatchNormalization"
    y = layer.call(x, training=True) if training else layer(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, FIXTURE[key + "/y"], rtol=1e-5, atol=1e-5)
    if weights:
        layer.set_weights(weights)
    layer.call(x, training=True)
    grad = layer.backward(r)
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, FIXTURE[key + "/grad"], rtol=1e-5, atol=1e-5)
    for i, weight in enumerate(layer.trainable_weights):
        np.testing.assert_allclose(weight.grad, FIXTURE[f"{key}/weight_grad/{i}"], rtol=1e-5, atol=2e-5,
                                   err_msg=weight.name)
    return layer


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_output_gradients_and_config_match_keras(case):
    layer = _check(case, case["key"])
    config = json.loads(json.dumps(layer.get_config()))
    expected = dict(case["config"])
    config.pop("name"), expected.pop("name")
    assert config == expected
    clone = keras.layers.deserialize(keras.layers.serialize(layer))
    assert type(clone) is type(layer) and json.loads(json.dumps(clone.get_config()))["dtype"] == config["dtype"]


@pytest.mark.parametrize("case", [c for c in CASES if c["tied"]], ids=[i for c, i in zip(CASES, IDS) if c["tied"]])
def test_max_pooling_gives_tied_windows_gradient_to_the_first_maximum_as_keras(case):
    _check(case, case["key"] + "/tied")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradients_match_finite_differences(case):
    x = FIXTURE[case["key"] + "/x"].astype(np.float64)
    if case["class_name"] == "UpSampling2D" or case["class_name"].startswith("Global"):
        x = x[:1]
    layer = _layer(case, x)
    weights = [FIXTURE[f"{case['key']}/weight/{i}"] for i in range(len(layer.weights))]
    if weights:
        layer.set_weights(weights)
    check_layer_gradients(layer, x, atol_fraction=1e-6)
