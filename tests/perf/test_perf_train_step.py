"""A few fit steps against a slow, straightforward NumPy reference in float64.

The training step is tuned for speed (fused softmax + cross-entropy, in-place activations,
no input gradient for the first layer, chunked optimizer updates); none of that may change
the weights or the reported loss beyond float32 rounding.
"""
import math

import numpy as np
import pytest

import minikeras as keras


def _data(n=40, features=12, classes=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    y = rng.integers(0, classes, n)
    return x, y


def _model(optimizer, features=12, classes=5):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((features,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(classes, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _reference_fit(weights, x, y, batch_size, epochs, optimizer):
    """Plain float64 forward, backward and update; the batches in order (no shuffling)."""
    params = [w.astype(np.float64) for w in weights]
    slots = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    step, losses = 0, []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(x), batch_size):
            xb, yb = x[start:start + batch_size].astype(np.float64), y[start:start + batch_size]
            n = len(xb)
            activations = [xb]
            for i in range(0, len(params), 2):
                z = activations[-1] @ params[i] + params[i + 1]
                if i + 2 < len(params):
                    activations.append(np.maximum(z, 0))
                else:
                    e = np.exp(z - z.max(axis=1, keepdims=True))
                    activations.append(e / e.sum(axis=1, keepdims=True))
            p = activations[-1]
            total += -np.log(np.clip(p[np.arange(n), yb], 1e-7, 1 - 1e-7)).sum()
            delta = p.copy()
            delta[np.arange(n), yb] -= 1
            delta /= n
            grads = [None] * len(params)
            for i in range(len(params) - 2, -1, -2):
                a = activations[i // 2]
                grads[i], grads[i + 1] = a.T @ delta, delta.sum(axis=0)
                delta = (delta @ params[i].T) * (a > 0)
            step += 1
            for p_, g, (m, v) in zip(params, grads, slots):
                if optimizer == "adam":
                    m += 0.1 * (g - m)
                    v += 0.001 * (g * g - v)
                    alpha = 0.001 * math.sqrt(1 - 0.999 ** step) / (1 - 0.9 ** step)
                    p_ -= alpha * m / (np.sqrt(v) + 1e-7)
                else:
                    m *= 0.9
                    m -= 0.01 * g
                    p_ += m
        losses.append(total / len(x))
    return params, losses


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_fit_matches_a_float64_reference(optimizer):
    x, y = _data()
    opt = keras.optimizers.Adam() if optimizer == "adam" else keras.optimizers.SGD(0.01, momentum=0.9)
    model = _model(opt)
    start = model.get_weights()
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    params, losses = _reference_fit(start, x, y, 8, 3, optimizer)
    for got, want in zip(model.get_weights(), params):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-5)
    assert not np.allclose(model.get_weights()[0], start[0])


def test_training_skips_the_first_layers_input_gradient_but_backward_still_gives_it():
    x, y = _data()
    model = _model("adam")
    first = model.layers[0]
    returned = []
    original = first.backward

    def spy(grad):
        returned.append(original(grad))
        return returned[-1]

    first.backward = spy
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert len(returned) == 5 and all(r is None for r in returned)
    with keras.GradientTape() as tape:  # a watched input does get its gradient
        watched = tape.watch(x)
        total = keras.ops.sum(model._call(watched, True))
    grad = tape.gradient(total, watched)
    assert grad.shape == x.shape and np.any(grad != 0) and returned[-1] is grad


def test_nested_model_still_passes_gradients_to_the_layers_before_it():
    x, y = _data()
    keras.utils.set_random_seed(2)
    inner = keras.Sequential([keras.Input((16,)), keras.layers.Dense(8, activation="relu")])
    inner.compile(optimizer="sgd", loss="mse")
    inner.fit(np.ones((4, 16), np.float32), np.ones((4, 8), np.float32), verbose=0)  # trained on its own first
    model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(16, activation="relu"), inner,
                              keras.layers.Dense(5, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    before = model.layers[0].get_weights()[0].copy()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert not np.allclose(model.layers[0].get_weights()[0], before)


def test_sparse_crossentropy_on_probabilities_equals_the_whole_matrix_formula():
    rng = np.random.default_rng(3)
    p = rng.random((6, 4, 7)).astype(np.float32)
    p[0, 0] = [1, 0, 0, 0, 0, 0, 0]  # clipped at both ends
    labels = rng.integers(0, 7, (6, 4))
    labels[0, 0] = 1
    whole = p / np.sum(p, axis=-1, keepdims=True)
    logp = np.log(np.clip(whole, np.float32(1e-7), np.float32(1 - 1e-7)))
    want = -np.take_along_axis(logp, labels[..., None], axis=-1)[..., 0]
    got = keras.losses.sparse_categorical_crossentropy(labels, p)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want)


def test_softmax_rows_sum_to_one_and_match_the_formula():
    z = np.random.default_rng(4).standard_normal((5, 9)).astype(np.float32) * 30
    got = keras.activations.softmax(z)
    e = np.exp(z.astype(np.float64) - z.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(axis=-1, keepdims=True), rtol=1e-5, atol=1e-7)
    assert got.dtype == np.float32


@pytest.mark.parametrize("activation", ["relu", "softmax"])
def test_dense_in_place_activation_equals_the_activation_function(activation):
    rng = np.random.default_rng(5)
    layer = keras.layers.Dense(7, activation=activation)
    x = rng.standard_normal((6, 4)).astype(np.float32)
    layer.build((None, 4))
    z = x @ layer.kernel.value + layer.bias.value
    fn = keras.activations.get(activation)
    np.testing.assert_array_equal(layer.call(x, training=True), fn(z))
    g = rng.standard_normal((6, 7)).astype(np.float32)
    layer.backward(g)
    want = keras.activations.backward(fn)(g, z, fn(z))
    np.testing.assert_allclose(layer.kernel.grad, x.T @ want, rtol=1e-5, atol=1e-6)
