"""Real Keras 3 outputs, moving statistics, gradients and configs of single layers, stored in
tests/fixtures/keras_layers_reference.npz by tests/fixtures/make_keras_layers_reference.py, and
the checks that minikeras reproduces them (shared by the layer test files)."""
import json
import pathlib

import numpy as np

from minikeras import layers

REFERENCE = pathlib.Path(__file__).resolve().parent / "fixtures" / "keras_layers_reference.npz"
_DATA = np.load(REFERENCE)
SPEC = json.loads(str(_DATA["spec"]))


def cases(*class_names):
    return [c for c in SPEC["cases"] if c["class_name"] in class_names]


def ids(selected):
    return [c["name"] for c in selected]


def array(case, key):
    return _DATA[f"{case['name']}/{key}"]


def count(case, prefix):
    return sum(1 for key in _DATA.files if key.startswith(f"{case['name']}/{prefix}/"))


def build_like_keras(case):
    """The minikeras layer for ``case``, built as Keras's was: adapted on the same data, or
    given the same starting weights (in Keras's weight order, which must be ours too)."""
    layer = getattr(layers, case["class_name"])(**case["kwargs"])
    x = array(case, "x")
    if f"{case['name']}/adapt" in _DATA.files:
        layer.adapt(array(case, "adapt"))
    if not layer.built:
        layer.build_for((None,) + x.shape[1:])
    assert [v.name for v in layer.weights] == case["weight_names"]
    if f"{case['name']}/adapt" not in _DATA.files and layer.weights:
        layer.set_weights([array(case, f"initial_weight/{i}") for i in range(len(layer.weights))])
    return layer


def max_relative(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b) / (1 + np.abs(b)))) if a.size else 0.0


def check_against_keras(case, tolerance=2e-6):
    """Forward (inference, then each training step with the weights after it) as Keras."""
    layer = build_like_keras(case)
    x = array(case, "x")
    for i, variable in enumerate(layer.weights):
        assert max_relative(variable.value, array(case, f"initial_weight/{i}")) <= tolerance, variable.name
    assert max_relative(layer(x), array(case, "inference")) <= tolerance
    for step in range(case["steps"]):
        y = layer(array(case, f"step/{step}/x"), training=True)
        assert max_relative(y, array(case, f"step/{step}/y")) <= tolerance, f"step {step} output"
        for i, variable in enumerate(layer.weights):
            assert max_relative(variable.value, array(case, f"step/{step}/weight/{i}")) <= tolerance, \
                f"step {step} {variable.name}"
    if case["steps"]:
        assert max_relative(layer(x), array(case, "after_steps_inference")) <= tolerance
    return layer


def check_gradients_against_jax(case, tolerance=1e-5):
    """minikeras's backward (float32) against JAX's gradient of the Keras layer."""
    layer = build_like_keras(case)
    layer.call(array(case, "x"), training=True)
    grad_x = layer.backward(array(case, "r"))
    assert max_relative(grad_x, array(case, "grad_x")) <= tolerance, "input gradient"
    trainable = layer.trainable_weights
    assert len(trainable) == case["gradients"]
    for i, variable in enumerate(trainable):
        assert max_relative(variable.grad, array(case, f"grad_w/{i}")) <= tolerance, variable.name


def check_config_against_keras(case):
    """``layers.serialize`` of the built layer is Keras's ``serialize_keras_object``, key for key."""
    layer = build_like_keras(case)
    mine = json.loads(json.dumps(layers.serialize(layer)))
    keras_config = case["config"]
    keras_config["config"]["name"] = mine["config"]["name"]
    assert mine == keras_config
    clone = layers.deserialize(keras_config)
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config() | {"name": clone.name}
