"""Random functional graphs (fan-out, fan-in, shared and nested layers, several inputs and
outputs): gradients through the tape against finite differences, and train_on_batch's update
against those gradients."""
import sys
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops

sys.path.insert(0, str(Path(__file__).parents[1]))
from gradient_check import check_model_gradients  # noqa: E402


def random_graph(seed):
    rng = np.random.default_rng(seed)
    keras.utils.set_random_seed(seed)
    inputs = [keras.Input((int(rng.integers(2, 5)),)) for _ in range(int(rng.integers(1, 3)))]
    pool = [layers.Dense(4, activation="tanh")(x) for x in inputs]
    shared = {}
    for _ in range(int(rng.integers(3, 7))):
        kind = rng.choice(["dense", "shared", "add", "multiply", "concat", "nested"])
        a, b = (pool[int(i)] for i in rng.integers(0, len(pool), 2))
        if kind == "dense":
            pool.append(layers.Dense(4, activation=["tanh", "sigmoid", None][int(rng.integers(0, 3))])(a))
        elif kind == "shared":  # one layer, several nodes
            layer = shared.setdefault("dense", layers.Dense(4, activation="tanh"))
            pool.append(layer(a))
        elif kind == "add":
            pool.append(layers.add([a, b]))
        elif kind == "multiply":
            pool.append(layers.multiply([a, b]))
        elif kind == "concat":
            pool.append(layers.Dense(4)(layers.concatenate([a, b])))
        else:  # a small functional model used as a layer
            inner_in = keras.Input((4,))
            inner = keras.Model(inner_in, layers.Dense(4, activation="tanh")(inner_in))
            pool.append(inner(a))
    # every tensor reaches an output (fan-in), two outputs of which one softmax
    joined = layers.concatenate(pool) if len(pool) > 1 else pool[0]
    outputs = [layers.Dense(3, activation="softmax", name="cls")(joined), layers.Dense(1, name="reg")(pool[-1])]
    model = keras.Model(inputs, outputs)
    data = [rng.normal(size=(5,) + x.shape[1:]) for x in inputs]
    return model, data, rng


SEEDS = list(range(12))


@pytest.mark.parametrize("seed", SEEDS)
def test_random_graph_gradients_match_finite_differences(seed):
    model, data, _ = random_graph(seed)
    check_model_gradients(model, data, seed=seed, rtol=1e-4, atol_fraction=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_train_on_batch_applies_the_gradient_of_the_compiled_loss(seed):
    model, data, rng = random_graph(seed)
    data = [d.astype(np.float32) for d in data]
    y_cls, y_reg = rng.integers(0, 3, 5), rng.normal(size=(5, 1)).astype(np.float32)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0),
                  loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5])
    variables = model.trainable_weights
    with keras.GradientTape() as tape:  # the same loss, written op by op
        cls, reg = model(data, training=True)
        picked = ops.take_along_axis(cls, y_cls[:, None], axis=1)
        loss = -ops.mean(ops.log(picked)) + 0.5 * ops.mean(ops.square(reg - y_reg))
    expected = tape.gradient(loss, variables)
    before = [v.value.copy() for v in variables]
    model.train_on_batch(data, [y_cls, y_reg])
    for variable, old, grad in zip(variables, before, expected):
        np.testing.assert_allclose(old - variable.value, grad, rtol=2e-4, atol=2e-6, err_msg=variable.path)
