"""A weightless layer given as another layer's activation trains, saves and reloads, as in Keras
(trial 2026-12-01 #5: fit raised "_ElementwiseActivation.backward() takes 2 positional arguments")."""
import numpy as np
import pytest

import minikeras as keras
from gradient_check import check_layer_gradients

ACTIVATION_LAYERS = [lambda: keras.layers.LeakyReLU(negative_slope=0.2), lambda: keras.layers.ELU(),
                     lambda: keras.layers.Softmax(), lambda: keras.layers.Activation("tanh"),
                     lambda: keras.layers.ReLU(max_value=1.0)]
IDS = ["LeakyReLU", "ELU", "Softmax", "Activation", "ReLU"]


@pytest.mark.parametrize("make", ACTIVATION_LAYERS, ids=IDS)
def test_dense_backward_through_a_layer_activation_is_the_chain_rule(make):
    """The same numbers as Dense (linear) then the separate layer, each of which is checked
    against finite differences (the layer is called through ``__call__`` inside Dense, which
    computes in float32, so a float64 finite-difference check of the pair would only see noise)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 3)).astype("float32")
    upstream = rng.normal(size=(4, 5)).astype("float32")
    inline = keras.layers.Dense(5, activation=make())
    linear, separate = keras.layers.Dense(5), make()
    inline.build((None, 3))
    linear.build((None, 3))
    linear.set_weights(inline.get_weights())
    np.testing.assert_allclose(inline.call(x, training=True),
                               separate.call(linear.call(x, training=True), training=True), rtol=1e-6)
    np.testing.assert_allclose(inline.backward(upstream), linear.backward(separate.backward(upstream)), rtol=1e-5)
    np.testing.assert_allclose(inline.kernel.grad, linear.kernel.grad, rtol=1e-5, atol=1e-7)
    check_layer_gradients(separate, rng.normal(size=(4, 5)))


@pytest.mark.parametrize("make", ACTIVATION_LAYERS, ids=IDS)
def test_trains_like_the_separate_layer_and_round_trips(make, tmp_path):
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    inline = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, activation=make()), keras.layers.Dense(1)])
    separate = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8), make(), keras.layers.Dense(1)])
    separate.set_weights(inline.get_weights())
    for model in (inline, separate):
        model.compile(keras.optimizers.SGD(0.05), "mse")
        model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(inline.get_weights(), separate.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    config = inline.get_config()["layers"][1]["config"]["activation"]
    assert config["module"] == "keras.layers" and config["class_name"] == type(make()).__name__
    inline.save(tmp_path / "m.keras")
    reloaded = keras.models.load_model(tmp_path / "m.keras")
    assert type(reloaded.layers[0].activation) is type(make())
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), inline.predict(x, verbose=0), rtol=1e-6)


def test_a_layer_with_weights_is_refused_with_the_alternative():
    with pytest.raises(ValueError, match=r"PReLU layer has weights.*add a separate PReLU\(\) layer"):
        keras.layers.Dense(3, activation=keras.layers.PReLU())
