"""ReLU, LeakyReLU, ELU, PReLU, Rescaling, GaussianNoise, GaussianDropout and Flatten: against real
Keras 3 (outputs, JAX gradients, configs), finite differences, seeding and noise statistics."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.utils import set_random_seed

from gradient_check import check_layer_gradients
from keras_layer_cases import (cases, check_against_keras, check_config_against_keras,
                               check_gradients_against_jax, ids)

MORE = cases("ReLU", "LeakyReLU", "ELU", "PReLU", "Rescaling", "GaussianNoise", "GaussianDropout", "Flatten")
WITH_GRADIENTS = [c for c in MORE if "gradients" in c]
RNG = np.random.default_rng(7)


# -- against real Keras (tests/fixtures/keras_layers_reference.npz) -------------------------------

@pytest.mark.parametrize("case", MORE, ids=ids(MORE))
def test_inference_output_matches_keras(case):
    check_against_keras(case)


@pytest.mark.parametrize("case", WITH_GRADIENTS, ids=ids(WITH_GRADIENTS))
def test_backward_matches_jax_gradients_of_keras_layer(case):
    check_gradients_against_jax(case)


@pytest.mark.parametrize("case", MORE, ids=ids(MORE))
def test_config_matches_keras(case):
    check_config_against_keras(case)


@pytest.mark.parametrize("data_format", ["channels_middle", "NCHW", 3])
def test_flatten_refuses_an_unknown_data_format(data_format):
    with pytest.raises(ValueError, match="data_format must be one of"):
        layers.Flatten(data_format=data_format)


def test_leaky_relu_default_slope_is_the_layers_not_the_functions():
    assert layers.LeakyReLU().negative_slope == 0.3
    np.testing.assert_allclose(layers.LeakyReLU()(np.array([[-1.0, 2.0]])), [[-0.3, 2.0]], rtol=1e-6)


# -- finite differences (float64), away from the kinks -----------------------------------------

def _away_from_kinks(x, kinks):
    x = np.array(x, dtype=np.float64)
    for kink in kinks:
        near = np.abs(x - kink) < 0.05
        x[near] = kink + np.where(x[near] >= kink, 0.1, -0.1)
    return x


LAYER_CASES = [
    (lambda: layers.ReLU(), [0.0]),
    (lambda: layers.ReLU(max_value=1.5, negative_slope=0.2, threshold=0.5), [0.5, 1.5]),
    (lambda: layers.ReLU(max_value=6), [0.0, 6.0]),
    (lambda: layers.LeakyReLU(), [0.0]),
    (lambda: layers.LeakyReLU(negative_slope=0.01), [0.0]),
    (lambda: layers.ELU(), [0.0]),
    (lambda: layers.ELU(alpha=0.3), [0.0]),
    (lambda: layers.Rescaling(1 / 255), []),
    (lambda: layers.Rescaling([2.0, -1.0, 0.5, 3.0], offset=1.0), []),
]


@pytest.mark.parametrize("make, kinks", LAYER_CASES, ids=[str(i) for i in range(len(LAYER_CASES))])
def test_layer_gradients(make, kinks):
    layer = make()
    x = _away_from_kinks(RNG.normal(scale=3.0, size=(3, 4)), kinks)
    layer.build_for((None, 4))
    check_layer_gradients(layer, x)


@pytest.mark.parametrize("shape, shared_axes", [((3, 4), None), ((2, 3, 4), [1]), ((2, 3, 4), [1, 2]),
                                                ((2, 3, 4), 2)])
def test_prelu_gradients_with_shared_axes(shape, shared_axes):
    layer = layers.PReLU(shared_axes=shared_axes)
    layer.build_for((None,) + shape[1:])
    layer.alpha.assign(RNG.uniform(0.05, 0.5, layer.alpha.shape))
    check_layer_gradients(layer, _away_from_kinks(RNG.normal(size=shape), [0.0]))


def test_prelu_alpha_shape_and_zero_start_as_keras():
    layer = layers.PReLU(shared_axes=[1])
    y = layer(np.full((2, 3, 4), -2.0, np.float32))
    assert layer.alpha.shape == (1, 4) and layer.alpha.name == "alpha"
    np.testing.assert_array_equal(y, 0.0)  # alpha starts at zeros: a plain ReLU


@pytest.mark.parametrize("make", [lambda: layers.GaussianNoise(0.5), lambda: layers.GaussianDropout(0.4)])
def test_noise_layer_gradients_with_the_same_noise(make):
    layer = make()
    grad = check_layer_gradients(layer, RNG.normal(size=(3, 4)), before_call=lambda: set_random_seed(11))
    assert grad is not None


# -- noise: training only, seeded like Dropout, Keras's distributions ----------------------------

@pytest.mark.parametrize("make", [lambda seed=None: layers.GaussianNoise(0.2, seed=seed),
                                  lambda seed=None: layers.GaussianDropout(0.3, seed=seed)])
def test_noise_is_training_only_and_reproducible(make):
    x = RNG.normal(size=(4, 5)).astype(np.float32)
    layer = make()
    assert layer(x) is not None and np.array_equal(layer(x), x)
    set_random_seed(3)
    first = layer(x, training=True)
    set_random_seed(3)
    np.testing.assert_array_equal(layer(x, training=True), first)
    assert not np.array_equal(first, x) and first.dtype == np.float32
    own = make(seed=5)
    again = make(seed=5)
    set_random_seed(1)
    a = own(x, training=True)
    set_random_seed(2)
    np.testing.assert_array_equal(again(x, training=True), a)


def test_noise_distributions():
    x = np.ones((200, 500), np.float32)
    set_random_seed(0)
    added = layers.GaussianNoise(0.2)(x, training=True) - 1
    assert abs(added.mean()) < 0.005 and abs(added.std() - 0.2) < 0.005
    scaled = layers.GaussianDropout(0.2)(x, training=True)
    assert abs(scaled.mean() - 1) < 0.005 and abs(scaled.std() - 0.5) < 0.005  # sqrt(0.2 / 0.8)


def test_invalid_arguments_name_the_argument():
    for make, argument in [(lambda: layers.ReLU(max_value=-1), "max_value"),
                           (lambda: layers.ReLU(negative_slope=-0.1), "negative_slope"),
                           (lambda: layers.LeakyReLU(negative_slope=None), "negative_slope"),
                           (lambda: layers.GaussianNoise(1.5), "stddev"),
                           (lambda: layers.GaussianDropout(1.0), "rate"),
                           (lambda: layers.PReLU(shared_axes=[0]), "shared_axes"),
                           (lambda: layers.Rescaling("big"), "scale")]:
        with pytest.raises(ValueError, match=argument):
            make()


def test_model_with_the_new_layers_trains_saves_and_reloads(tmp_path):
    set_random_seed(4)
    x = RNG.normal(size=(96, 5)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    model = keras.Sequential([keras.Input((5,)), layers.Rescaling(2.0, -0.5), layers.GaussianNoise(0.05),
                              layers.Dense(16), layers.PReLU(), layers.GaussianDropout(0.1), layers.Dense(8),
                              layers.ELU(), layers.Dense(8), layers.ReLU(max_value=6.0),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.85
    assert not np.allclose(model.layers[3].alpha.value, 0)
    for extension in (".keras", ".h5"):
        model.save(tmp_path / f"m{extension}")
        loaded = keras.saving.load_model(tmp_path / f"m{extension}")
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
