"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot) against real
Keras 3 (tests/fixtures/keras_merging_reference.npz, from make_keras_merging_reference.py: outputs,
output shapes, configs and JAX's input gradients), finite-difference checks of every backward,
Keras's errors at build and call time, and the multi-input layer protocol the graph runner uses."""
import json
import os

import numpy as np
import pytest

from minikeras import layers

from gradient_check import check_merge_gradients

_FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "fixtures",
                        "keras_merging_reference.npz")
REF = np.load(_FIXTURE)
SPEC = json.loads(str(REF["spec"]))
CASES = {case["name"]: case for case in SPEC["cases"]}
RNG = np.random.default_rng(77)


def _inputs(name):
    return [REF[f"{name}/x/{i}"] for i in range(CASES[name]["inputs"])]


def _layer(case):
    return getattr(layers, case["class_name"])(**case["kwargs"])


def _run(case, training=False):
    layer = _layer(case)
    inputs = _inputs(case["name"])
    if case["prebuild"]:
        layer.build_for([(None,) + x.shape[1:] for x in inputs])
    return layer, layer(inputs, training=training)


# -- against Keras ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CASES))
def test_output_equals_keras(name):
    case = CASES[name]
    _, y = _run(case)
    expected = REF[f"{name}/y"]
    assert y.dtype == np.float32 and y.shape == expected.shape
    tolerance = 1e-5 if case["class_name"] == "Dot" else 1e-6
    np.testing.assert_allclose(y, expected, rtol=tolerance, atol=tolerance)


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_shape_equals_keras(name):
    case = CASES[name]
    shapes = [(None,) + x.shape[1:] for x in _inputs(name)]
    assert _layer(case).compute_output_shape(shapes) == tuple(case["output_shape"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_input_gradients_equal_jax(name):
    case = CASES[name]
    layer, _ = _run(case, training=True)
    grads = layer.backward(REF[f"{name}/r"])
    assert len(grads) == case["inputs"]
    for i, g in enumerate(grads):
        expected = REF[f"{name}/grad/{i}"]
        assert g.shape == expected.shape, f"gradient {i}"
        if name == "dot_normalized_zero_row" and i == 0:
            # JAX's gradient through rsqrt(0) is NaN on the all-zero row; minikeras gives the
            # derivative of x / epsilon there (checked by finite differences below).
            zero = np.all(REF[f"{name}/x/0"] == 0, axis=1)
            assert np.isnan(expected[zero]).all() and np.isfinite(g).all()
            g, expected = g[~zero], expected[~zero]
        np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-5, err_msg=f"gradient {i}")


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_equals_keras_and_round_trips(name):
    case = CASES[name]
    layer, _ = _run(case)
    keras_config = case["config"]
    ours = json.loads(json.dumps(layers.serialize(layer)))
    keras_fields = {k: v for k, v in keras_config["config"].items() if k != "name"}
    assert {k: v for k, v in ours["config"].items() if k != "name"} == keras_fields
    assert {k: ours[k] for k in ("module", "class_name", "registered_name")} == \
           {k: keras_config[k] for k in ("module", "class_name", "registered_name")}
    assert ours.get("build_config") == keras_config.get("build_config")
    loaded = layers.deserialize(keras_config)
    assert type(loaded) is type(layer) and loaded.name == keras_config["config"]["name"]
    assert json.loads(json.dumps(loaded.get_config())) == keras_config["config"]
    again = type(layer).from_config(layer.get_config())
    assert again.get_config() == layer.get_config()


def test_fixture_comes_from_keras_3():
    assert SPEC["keras_version"].startswith("3.") and SPEC["backend"] == "jax"


# -- finite differences ----------------------------------------------------------------------------

def _normal(*shape):
    return RNG.normal(size=shape)


ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]
SHAPES = {
    "same": [(3, 4), (3, 4)],
    "odd": [(2, 5, 7), (2, 5, 7)],
    "broadcast": [(3, 1, 4), (3, 5, 1)],
    "ranks": [(3, 5, 4), (3, 4)],
    "ranks_column": [(2, 3), (2, 3, 1)],
    "batch": [(1, 4), (3, 4)],
}


@pytest.mark.parametrize("shapes", sorted(SHAPES))
@pytest.mark.parametrize("class_name", ELEMENTWISE)
def test_elementwise_gradients(class_name, shapes):
    check_merge_gradients(getattr(layers, class_name)(), [_normal(*s) for s in SHAPES[shapes]])


@pytest.mark.parametrize("class_name", [c for c in ELEMENTWISE if c != "Subtract"])
def test_elementwise_gradients_three_and_one_inputs(class_name):
    cls = getattr(layers, class_name)
    check_merge_gradients(cls(), [_normal(2, 1, 4), _normal(2, 3, 1), _normal(2, 4)])
    check_merge_gradients(cls(), [_normal(2, 3, 4) for _ in range(4)])
    check_merge_gradients(cls(), [_normal(3, 2)])


def test_multiply_gradient_with_zeros():
    x = [_normal(3, 4) for _ in range(3)]
    x[0][0, :] = 0
    x[1][:, 1] = 0
    check_merge_gradients(layers.Multiply(), x)


@pytest.mark.parametrize("axis, shapes", [
    (-1, [(3, 2), (3, 5)]), (1, [(2, 3, 4), (2, 1, 4), (2, 2, 4)]), (-1, [(2, 3, 4), (2, 3, 1)]),
    (-2, [(2, 3, 4), (2, 2, 4)]), (2, [(2, 3, 1, 5), (2, 3, 4, 5)]), (0, [(2, 3), (1, 3)])])
def test_concatenate_gradients(axis, shapes):
    check_merge_gradients(layers.Concatenate(axis=axis), [_normal(*s) for s in shapes])


DOT_CASES = [
    (1, [(3, 4), (3, 4)]), (-1, [(3, 4), (3, 4)]), ((1, 2), [(2, 3, 5), (2, 4, 3)]),
    ([-1, -2], [(2, 4, 3), (2, 3, 5)]), (2, [(2, 4, 3), (2, 5, 3)]), ((2, 1), [(3, 5, 4), (3, 4)]),
    ((1, 1), [(3, 4), (3, 4, 2)]), ((-1, 1), [(2, 3, 4, 5), (2, 5, 3)]), ((1, 2), [(2, 3, 4, 2), (2, 2, 3)]),
]


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("axes, shapes", DOT_CASES)
def test_dot_gradients(axes, shapes, normalize):
    check_merge_gradients(layers.Dot(axes=axes, normalize=normalize), [_normal(*s) for s in shapes])


def test_dot_normalize_gradient_with_a_zero_row():
    x = _normal(3, 4)
    x[1] = 0  # norm clamped at epsilon: the normalization is a constant scale there
    # (a step well inside the clamped region |x| < epsilon = 1e-7)
    check_merge_gradients(layers.Dot(axes=1, normalize=True), [x, _normal(3, 4)], h=1e-10)


def test_gradient_helper_catches_a_wrong_backward():
    class WrongAdd(layers.Add):
        def backward(self, grad):
            return [g * 2 for g in super().backward(grad)]

    with pytest.raises(AssertionError):
        check_merge_gradients(WrongAdd(), [_normal(2, 3), _normal(2, 3)])


def test_maximum_splits_the_gradient_on_ties_as_jax():
    a = np.array([[1.0, 2.0, 3.0]], np.float32)
    b = np.array([[1.0, 1.0, 4.0]], np.float32)
    layer = layers.Maximum()
    layer([a, b], training=True)
    ga, gb = layer.backward(np.ones((1, 3), np.float32))
    np.testing.assert_array_equal(ga, [[0.5, 1.0, 0.0]])
    np.testing.assert_array_equal(gb, [[0.5, 0.0, 1.0]])


# -- the multi-input protocol ------------------------------------------------------------------------

def test_eager_call_on_lists_converts_to_float32_and_builds_from_full_shapes():
    layer = layers.Add()
    y = layer([[[1, 2, 3]], np.ones((1, 3))])
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [[2, 3, 4]])
    assert layer.built and layer.input_shape == [(1, 3), (1, 3)] and layer.output_shape == (1, 3)


def test_training_cache_is_one_attribute_restorable_per_call():
    layer = layers.Multiply()
    first = [_normal(2, 3).astype(np.float32) for _ in range(2)]
    second = [_normal(2, 3).astype(np.float32) for _ in range(2)]
    layer(first, training=True)
    saved = layer._cache
    layer(second, training=True)
    before = dict(vars(layer))
    layer(first, training=False)  # inference keeps nothing
    assert layer._cache is before["_cache"] and set(vars(layer)) == set(before)
    layer._cache = saved
    g = np.ones((2, 3), np.float32)
    ga, gb = layer.backward(g)
    np.testing.assert_allclose(ga, first[1])
    np.testing.assert_allclose(gb, first[0])


@pytest.mark.parametrize("layer", [layers.Add(), layers.Average(), layers.Multiply(), layers.Maximum(),
                                   layers.Concatenate(), layers.Subtract()])
def test_inputs_are_never_modified_and_never_returned(layer):
    inputs = [np.full((2, 3), 2.0, np.float32) for _ in range(2 if isinstance(layer, layers.Subtract) else 3)]
    copies = [x.copy() for x in inputs]
    y = layer(inputs, training=True)
    assert all(y is not x and not np.shares_memory(y, x) for x in inputs)
    for x, c in zip(inputs, copies):
        np.testing.assert_array_equal(x, c)
    single = layers.Add()
    x = np.ones((2, 3), np.float32)
    assert not np.shares_memory(single([x]), x)


def test_functional_forms_pass_keyword_arguments():
    a, b = _normal(3, 4).astype(np.float32), _normal(3, 4).astype(np.float32)
    np.testing.assert_allclose(layers.add([a, b], name="my_add"), a + b)
    np.testing.assert_allclose(layers.subtract([a, b]), a - b)
    np.testing.assert_allclose(layers.multiply([a, b]), a * b)
    np.testing.assert_allclose(layers.average([a, b]), (a + b) / 2)
    np.testing.assert_allclose(layers.maximum([a, b]), np.maximum(a, b))
    np.testing.assert_allclose(layers.minimum([a, b]), np.minimum(a, b))
    np.testing.assert_allclose(layers.concatenate([a, b]), np.concatenate([a, b], axis=-1))
    np.testing.assert_allclose(layers.concatenate([a, b], axis=0), np.concatenate([a, b], axis=0))
    np.testing.assert_allclose(layers.dot([a, b]), np.sum(a * b, axis=1, keepdims=True), rtol=1e-6)
    cosine = np.sum(a * b, 1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(layers.dot([a, b], axes=1, normalize=True)[:, 0], cosine, rtol=1e-5)
    with pytest.raises(TypeError, match="unexpected|argument"):
        layers.add([a, b], units=3)


def test_layers_are_registered_by_keras_names():
    for name in ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate"]:
        layer = layers.get(name)
        assert type(layer).__name__ == name
    assert layers.deserialize({"class_name": "Dot", "config": {"axes": [1, 2]}}).axes == [1, 2]


def test_unknown_dimensions_in_shapes():
    assert layers.Add().compute_output_shape([(None, None, 3), (None, 4, 1)]) == (None, None, 3)
    assert layers.Add().compute_output_shape([(5, 3), (None, 3)]) == (5, 3)
    assert layers.Concatenate(axis=1).compute_output_shape([(None, None, 3), (None, 4, 3)]) == (None, None, 3)
    assert layers.Concatenate(axis=1).compute_output_shape([(None, 2, 3), (None, 4, 3)]) == (None, 6, 3)
    layers.Concatenate(axis=1).build([(None, 2, None), (None, 4, 3)])
    assert layers.Dot(axes=1).compute_output_shape([(None, 3), (None, 3)]) == (None, 1)


# -- errors ------------------------------------------------------------------------------------------

def _raises(match, layer, *, build=None, call=None):
    with pytest.raises(ValueError, match=match) as info:
        if build is not None:
            layer.build(build)
        if call is not None:
            layer([np.ones(s, np.float32) for s in call])
    assert layer.name in str(info.value)
    return str(info.value)


def test_build_errors_name_the_layer_and_the_shapes():
    text = _raises("incompatible shapes", layers.Add(), build=[(None, 3), (None, 4)])
    assert "(3,)" in text and "(4,)" in text
    text = _raises("different batch sizes", layers.Multiply(), build=[(2, 3), (5, 3)])
    assert "(2, 3)" in text and "(5, 3)" in text
    _raises("exactly 2 inputs", layers.Subtract(), build=[(None, 3)] * 3)
    _raises("exactly 2 inputs", layers.Subtract(), build=[(None, 3)])
    _raises("list of 2 inputs", layers.Dot(axes=1), build=[(None, 3)] * 3)
    text = _raises(r"axis values 3 \(at axis 1\) != 4", layers.Dot(axes=1), build=[(None, 3), (None, 4)])
    assert "(None, 3), (None, 4)" in text
    _raises("axis values None", layers.Dot(axes=1), build=[(None, None), (None, 4)])  # as Keras
    text = _raises("matching shapes except for the concatenation axis", layers.Concatenate(),
                   build=[(None, 2, 3), (None, 5, 4)])
    assert "(None, 5, 4)" in text
    _raises("matching shapes", layers.Concatenate(), build=[(None, 3), (None, 2, 3)])
    _raises("out of range", layers.Concatenate(axis=3), build=[(None, 3), (None, 3)])
    for layer in (layers.Add(), layers.Concatenate()):
        _raises("list of at least 1 input", layer, build=[])
        _raises("list of at least 1 input", layer, build=(None, 3))


def test_eager_call_errors():
    _raises("incompatible shapes", layers.Add(), call=[(2, 3), (2, 4)])
    _raises("different batch sizes", layers.Add(), call=[(1, 3), (2, 3)])  # as Keras: built on them
    _raises("exactly 2 inputs", layers.Subtract(), call=[(2, 3)] * 3)
    _raises("matching shapes", layers.Concatenate(), call=[(2, 3), (3, 4)])
    _raises("list of 2 inputs", layers.Dot(axes=1), call=[(2, 3)] * 3)
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(np.ones((2, 3)))
    with pytest.raises(ValueError, match="at least 1 input"):
        layers.Add()([])


def test_call_errors_after_building_on_other_shapes():
    for layer, built, called, match in [
            (layers.Add(), [(None, 3), (None, 3)], [(2, 3), (2, 4)], "incompatible shapes"),
            (layers.Maximum(), [(None, 3), (None, 3)], [(2, 3), (3, 3)], "incompatible shapes"),
            (layers.Subtract(), [(None, 3), (None, 3)], [(2, 3)] * 3, "exactly 2 inputs"),
            (layers.Concatenate(axis=1), [(None, 2, 3)] * 2, [(2, 2, 3), (2, 2, 4)], "matching shapes"),
            (layers.Concatenate(), [(None, 3)] * 2, [(2, 3), (3, 3)], "matching shapes"),
            (layers.Dot(axes=1), [(None, 3)] * 2, [(2, 3), (2, 4)], r"3 != 4"),
            (layers.Dot(axes=1), [(None, 3)] * 2, [(2, 3), (3, 3)], "different batch sizes"),
            (layers.Dot(axes=1), [(None, 3)] * 2, [(2, 3)] * 3, "exactly 2 inputs")]:
        layer.build_for(built)
        text = _raises(match, layer, call=called)
        assert str(called[-1]) in text


def test_dot_argument_errors_as_keras():
    with pytest.raises(TypeError, match="Invalid type for argument `axes`"):
        layers.Dot(axes="a")
    with pytest.raises(ValueError, match="two elements"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="should be integers"):
        layers.Dot(axes=(1, 1.5))
    with pytest.raises(ValueError, match="over axis 0"):
        layers.Dot(axes=0)([np.ones((2, 3)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="out of range"):
        layers.Dot(axes=2).build([(None, 3), (None, 3)])


@pytest.mark.parametrize("layer, shapes", [
    (layers.Add(), [(2, 1, 3), (2, 4, 3)]), (layers.Subtract(), [(2, 3), (2, 4, 3)]),
    (layers.Multiply(), [(1, 3), (2, 3), (2, 3)]), (layers.Average(), [(2, 3), (2, 3)]),
    (layers.Maximum(), [(2, 3), (2, 3)]), (layers.Minimum(), [(2, 3), (2, 1)]),
    (layers.Concatenate(axis=1), [(2, 3), (2, 1)]), (layers.Dot(axes=(1, 2), normalize=True), [(2, 3, 4), (2, 5, 3)])])
def test_backward_is_float32_with_each_inputs_shape(layer, shapes):
    layer.build_for([(None,) + s[1:] for s in shapes])
    inputs = [RNG.normal(size=s).astype(np.float32) for s in shapes]
    y = layer.call(inputs, training=True)
    grads = layer.backward(np.ones_like(y))
    assert y.dtype == np.float32 and [g.dtype for g in grads] == [np.float32] * len(shapes)
    assert [g.shape for g in grads] == [x.shape for x in inputs]
