"""The activations Keras 3 added after the first parity fixture (celu, glu, hard_shrink, hard_tanh,
log_sigmoid, mish, soft_shrink, sparse_plus, sparse_sigmoid, sparsemax, squareplus, tanh_shrink,
threshold): values against real Keras (tests/fixtures/keras_activations_more.npz, from
tests/fixtures/make_keras_activations_more.py), Dense configs by name, glu's output width, and a
small training run that saves and loads. Their finite-difference gradient checks live with the
other activations' in test_core_gradients.py."""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import activations, layers

_FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures")
REF = np.load(os.path.join(_FIXTURES, "keras_activations_more.npz"))
SPEC = json.loads(str(REF["spec"]))
X = REF["input/x"]  # 5 random rows, then 5 rows of edges: 0, ±1e-8, thresholds ± 1 ulp, ±1e4
NEW = sorted(SPEC["dense_config_activation"])
NEEDS_ARGUMENTS = {"threshold"}  # threshold(x, threshold, default_value): no defaults, as in Keras


def _case_id(case):
    return case["name"] + "".join(f"-{k}={v}" for k, v in case["kwargs"].items())


def _keras_sparsemax_agrees(x, axis):
    """Slices where Keras 3.15's sparsemax is right: a support of one element (keras#23425)."""
    z = -np.sort(-x.astype(np.float64), axis=axis)
    return np.take(z, [0], axis=axis) - np.take(z, [1], axis=axis) >= 1


# -- values against Keras -------------------------------------------------------------------------
@pytest.mark.parametrize("case", SPEC["activations"], ids=[_case_id(c) for c in SPEC["activations"]])
def test_activation_matches_keras(case):
    expected = REF[case["key"]]
    y = activations.get(case["name"])(X.copy(), **case["kwargs"])
    assert y.dtype == np.float32 and y.shape == expected.shape
    if case["name"] == "squareplus":
        # Keras's x + sqrt(x^2 + b) cancels for x << 0 (it returns 0 at -1e4); compared where it
        # does not, and against float64 everywhere in the next test.
        keep = X > -3
        y, expected = y[keep], expected[keep]
    if case["name"] == "sparsemax":
        keep = np.broadcast_to(_keras_sparsemax_agrees(X, case["kwargs"].get("axis", -1)), X.shape)
        assert keep.any() and not keep.all()
        y, expected = y[keep], expected[keep]
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("b", [4, 1])
def test_squareplus_keeps_float32_precision_where_keras_cancels(b):
    x64 = X.astype(np.float64)
    truth = (x64 + np.sqrt(x64 * x64 + b)) / 2
    y = activations.squareplus(X, b=b)
    np.testing.assert_allclose(y, truth, rtol=2e-7)
    keras_y = REF[next(c["key"] for c in SPEC["activations"] if c["name"] == "squareplus"
                       and c["kwargs"].get("b", 4) == b)]
    assert np.max(np.abs(keras_y - truth) / truth) > 1e-3  # Keras's own formula is off there
    huge = np.array([-1e30, -1e20, 1e20, 3e38], np.float32)
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_allclose(activations.squareplus(huge, b=b),
                                   [b / 4 / 1e30, b / 4 / 1e20, 1e20, 3e38], rtol=1e-6)


def _sparsemax_by_bisection(x, axis):
    """float64 reference: the tau with sum(max(x - tau, 0)) == 1, found by bisection."""
    x = np.moveaxis(x.astype(np.float64), axis, -1)
    lo, hi = x.max(-1, keepdims=True) - 1, x.max(-1, keepdims=True)
    for _ in range(100):  # test helper: iterations of the bisection, not samples
        tau = (lo + hi) / 2
        too_low = np.maximum(x - tau, 0).sum(-1, keepdims=True) > 1
        lo, hi = np.where(too_low, tau, lo), np.where(too_low, hi, tau)
    return np.moveaxis(np.maximum(x - (lo + hi) / 2, 0), -1, axis)


@pytest.mark.parametrize("axis", [-1, 0])
def test_sparsemax_is_the_projection_onto_the_simplex(axis):
    inputs = np.concatenate([X, np.random.default_rng(3).normal(scale=0.5, size=(10, 8))]).astype(np.float32)
    y = activations.sparsemax(inputs, axis=axis)
    np.testing.assert_allclose(y, _sparsemax_by_bisection(inputs, axis), atol=1e-6)
    np.testing.assert_allclose(y.sum(axis=axis), 1, atol=1e-6)
    assert (y >= 0).all() and ((y == 0).sum(axis=axis) > 0).any() and ((y > 0).sum(axis=axis) > 2).any()
    # the published example of keras#23425: [0, 0.5, 1] -> [0, 0.25, 0.75] (Keras 3.15: [0, 0, 0.25])
    np.testing.assert_allclose(activations.sparsemax(np.array([[0.0, 0.5, 1.0]], np.float32)),
                               [[0.0, 0.25, 0.75]], atol=1e-7)


@pytest.mark.parametrize("case", SPEC["activations"], ids=[_case_id(c) for c in SPEC["activations"]])
def test_derivative_is_finite_from_zero_to_1e4(case):
    fn, kwargs = activations.get(case["name"]), case["kwargs"]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = fn(X.copy(), **kwargs)
        grad = activations.backward(fn)(np.ones_like(y), X.copy(), y, **kwargs)
    assert grad.dtype == np.float32 and grad.shape == X.shape and np.isfinite(grad).all()


def test_every_registered_activation_has_a_keras_reference():
    older = json.loads(str(np.load(os.path.join(_FIXTURES, "keras_reference.npz"))["spec"]))
    covered = {c["name"] for c in older["activations"]} | set(NEW)
    assert set(activations._registry.names()) <= covered
    assert set(NEW) <= set(activations._registry.names())


# -- configs and shapes ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NEW)
def test_dense_config_names_the_activation_like_keras(name):
    dense = layers.Dense(4, activation=name)
    assert dense.get_config()["activation"] == SPEC["dense_config_activation"][name] == name
    assert layers.Dense.from_config(dense.get_config()).activation is getattr(activations, name)
    assert activations.deserialize(activations.serialize(activations.get(name))) is activations.get(name)


def test_glu_halves_the_width_and_the_next_layer_is_built_for_it():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="glu"), layers.Dense(5)])
    assert model.layers[0].compute_output_shape((None, 3)) == (None, 2)
    assert model.layers[1].kernel.value.shape == (2, 5)
    assert model.predict(np.ones((2, 3), np.float32), verbose=0).shape == (2, 5)
    lines = []
    model.summary(print_fn=lines.append)
    assert any("(None, 2)" in line for line in lines)
    # Keras 3.15 reports (None, 4) for the same Dense but returns 2 columns (a known difference).
    assert SPEC["dense_glu"] == {"output_shape": [None, 4], "predict_shape": [2, 2]}
    assert layers.Activation("glu").compute_output_shape((None, 3, 6)) == (None, 3, 3)
    with pytest.raises(ValueError, match="units must be even with activation 'glu'.*units=5"):
        layers.Dense(5, activation="glu")
    with pytest.raises(ValueError, match=r"glu needs an even size along axis 0, got input shape \(3, 2\)"):
        activations.glu(np.ones((3, 2), np.float32), axis=0)


def test_threshold_by_name_roundtrips_but_needs_its_arguments_to_run(tmp_path):
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="threshold")])
    model.save(tmp_path / "t.keras")
    loaded = keras.saving.load_model(tmp_path / "t.keras")
    assert loaded.layers[0].activation is activations.threshold
    # As in Keras: the layer calls it without threshold and default_value.
    with pytest.raises(TypeError, match="threshold"):
        loaded.predict(np.ones((2, 3), np.float32), verbose=0)
    np.testing.assert_array_equal(activations.threshold(np.array([0.4, 0.5, 0.6], np.float32), 0.5, -1.0),
                                  np.array([-1.0, -1.0, 0.6], np.float32))


# -- training and saving --------------------------------------------------------------------------
@pytest.mark.parametrize("extension", [".keras", ".h5"])
@pytest.mark.parametrize("name", sorted(set(NEW) - NEEDS_ARGUMENTS))
def test_dense_with_activation_trains_and_reloads(name, extension, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 6)).astype(np.float32)
    y = (x[:, :3] - x[:, 3:] > 0).astype(np.float32)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation=name), layers.Dense(3)])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    before = model.evaluate(x, y, verbose=0)
    kernel = model.layers[0].kernel.value.copy()
    model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    after = model.evaluate(x, y, verbose=0)
    assert np.isfinite(after) and after < before
    assert not np.array_equal(model.layers[0].kernel.value, kernel)
    model.save(tmp_path / f"m{extension}")
    loaded = keras.saving.load_model(tmp_path / f"m{extension}")
    assert loaded.layers[0].activation is getattr(activations, name)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
