"""keras.models.clone_model for Sequential, functional and subclassed models."""
import io
import contextlib

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops

RNG = np.random.default_rng(0)
XA = RNG.normal(size=(32, 4)).astype(np.float32)
XB = RNG.normal(size=(32, 3)).astype(np.float32)
Y = RNG.normal(size=(32, 2)).astype(np.float32)


def summary(model):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        model.summary()
    return out.getvalue()


def graph_model():
    """Two inputs, a shared Dense, a nested Sequential, a nested functional model, a Lambda."""
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    inner_in = keras.Input((5,), name="inner_in")
    inner = keras.Model(inner_in, layers.Dense(5, name="inner_dense")(inner_in), name="inner")
    block = keras.Sequential([layers.Dense(5, activation="relu", name="block_dense")], name="block")
    ha = shared(layers.Dense(5, name="proj_a")(a))
    hb = shared(layers.Dense(5, name="proj_b")(b))
    h = layers.Add(name="add")([inner(ha), block(hb)])
    h = layers.Lambda(lambda t: ops.tanh(t) * 2.0, name="lam")(h)
    return keras.Model({"a": a, "b": b}, layers.Dense(2, name="out")(h), name="graph")


def check_clone(model, clone, x, config=True):
    assert clone is not model and type(clone) is type(model)
    if config:
        assert clone.get_config() == model.get_config()
    assert summary(clone) == summary(model)
    assert len(clone.weights) == len(model.weights)
    assert all(c is not o for c, o in zip(clone.weights, model.weights))
    assert not all(np.allclose(c, o) for c, o in zip(clone.get_weights(), model.get_weights()))
    before = model.get_weights()
    clone.compile("adam", "mse")
    clone.fit(x, Y, epochs=2, verbose=0)
    assert all(np.array_equal(b, a) for b, a in zip(before, model.get_weights()))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)


def test_functional_clone_has_the_same_graph_and_fresh_weights():
    model = graph_model()
    clone = keras.models.clone_model(model)
    assert not clone.compiled
    check_clone(model, clone, {"a": XA, "b": XB})
    shared = clone.get_layer("shared")
    assert len(shared._inbound_nodes) == 2 and shared is not model.get_layer("shared")
    assert [t.name for t in clone.inputs] == ["a", "b"]


def test_recursive_clones_nested_models_through_clone_function():
    model = graph_model()
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return layer.__class__.from_config(layer.get_config()) if not isinstance(layer, layers.Lambda) \
            else layers.Lambda(layer.function, name=layer.name)
    flat = keras.models.clone_model(model, clone_function=clone_function)
    assert "inner" in seen and "inner_dense" not in seen
    seen.clear()
    deep = keras.models.clone_model(model, clone_function=clone_function, recursive=True)
    assert "inner_dense" in seen and "block_dense" in seen and "inner" not in seen
    assert seen.count("shared") == 1
    for clone in (flat, deep):
        assert clone.get_config() == model.get_config()
        assert deep.get_layer("inner").get_layer("inner_dense") is not model.get_layer("inner").get_layer("inner_dense")


def test_input_tensors_and_call_function_are_honoured():
    inp = keras.Input((4,), name="x")
    model = keras.Model(inp, layers.Dense(2, name="d")(layers.Dense(3, name="h")(inp)))
    new_input = keras.Input((4,), name="new_x")
    calls = []

    def call_function(layer, *args, **kwargs):
        calls.append(layer.name)
        return layer(*args, **kwargs)
    clone = keras.models.clone_model(model, input_tensors=new_input, call_function=call_function)
    assert clone.inputs[0] is new_input and calls == ["h", "d"]
    assert keras.models.clone_model(model, input_tensors=[keras.Input((4,))]).input_shape == (None, 4)
    with pytest.raises(ValueError, match="KerasTensors"):
        keras.models.clone_model(model, input_tensors=np.zeros((1, 4)))
    seq = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    assert keras.models.clone_model(seq, input_tensors=keras.Input((4,))).input_shape == (None, 4)
    with pytest.raises(ValueError, match="call_function"):
        keras.models.clone_model(seq, call_function=call_function)


def test_sequential_clone():
    model = keras.Sequential([keras.Input((4,), name="inp"), layers.Dense(6, activation="relu"),
                              layers.Lambda(lambda t: t * 0.5), layers.Dense(2)], name="seq")
    check_clone(model, keras.models.clone_model(model), XA)
    nested = keras.Sequential([keras.Input((4,)), keras.Sequential([layers.Dense(3)]), layers.Dense(2)])
    for recursive in (False, True):
        check_clone(nested, keras.models.clone_model(nested, recursive=recursive), XA)


@keras.saving.register_keras_serializable(package="mk_clone_test")
class Net(keras.Model):
    def __init__(self, hidden=6, **kwargs):
        super().__init__(**kwargs)
        self.hidden = hidden
        # (named: otherwise the clone's layers get the next free names, dense_2..., as in Keras)
        self.dense = layers.Dense(hidden, activation="tanh", name="dense")
        self.lam = layers.Lambda(ops.square, name="lam")
        self.head = layers.Dense(2, name="head")

    def call(self, x):
        return self.head(self.lam(self.dense(x)))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}


def test_subclassed_clone_is_rebuilt_from_its_config():
    model = Net(hidden=7, name="net")
    model(XA[:2])
    clone = keras.models.clone_model(model)
    assert clone.built and clone.hidden == 7 and clone.name == "net"
    check_clone(model, clone, XA)
    with pytest.raises(ValueError, match="only supported for Sequential and functional"):
        keras.models.clone_model(model, clone_function=lambda layer: layer)


def test_a_compiled_model_clones_compiled_with_a_fresh_optimizer():
    """Keras 3.15 compiles the clone from the original's compile config."""
    model = graph_model()
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    model.fit({"a": XA, "b": XB}, Y, epochs=1, verbose=0)
    clone = keras.models.clone_model(model)
    assert clone.compiled and clone.get_compile_config() == model.get_compile_config()
    assert clone.optimizer is not model.optimizer and int(clone.optimizer.iterations) == 0
    assert "mae" in clone.fit({"a": XA, "b": XB}, Y, epochs=1, verbose=0).history


def test_keras_ops_nodes_are_called_again_on_the_new_tensors():
    inp = keras.Input((4,), name="x")
    h = ops.sum(ops.exp(layers.Dense(3, name="h")(inp)), axis=-1, keepdims=True)
    model = keras.Model(inp, layers.Dense(2, name="d")(h))
    clone = keras.models.clone_model(model)
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert len(clone._nodes) == len(model._nodes)
    check_clone(model, clone, XA, config=False)  # (such a model has no config: ops nodes are not saveable)
