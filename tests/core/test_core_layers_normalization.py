"""BatchNormalization, LayerNormalization and Normalization: against real Keras 3 (outputs,
moving statistics, JAX gradients, configs, Keras-written model files), finite differences,
and a small MNIST training run."""
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.utils import set_random_seed

from gradient_check import check_layer_gradients
from keras_layer_cases import (cases, check_against_keras, check_config_against_keras,
                               check_gradients_against_jax, ids)

NORMALIZATION = cases("BatchNormalization", "LayerNormalization", "Normalization")
WITH_GRADIENTS = [c for c in NORMALIZATION if "gradients" in c]
FILES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "keras_files"
RNG = np.random.default_rng(99)


# -- against real Keras (tests/fixtures/keras_layers_reference.npz) -------------------------------

@pytest.mark.parametrize("case", NORMALIZATION, ids=ids(NORMALIZATION))
def test_forward_and_moving_statistics_match_keras(case):
    check_against_keras(case)


@pytest.mark.parametrize("case", WITH_GRADIENTS, ids=ids(WITH_GRADIENTS))
def test_backward_matches_jax_gradients_of_keras_layer(case):
    check_gradients_against_jax(case)


@pytest.mark.parametrize("case", NORMALIZATION, ids=ids(NORMALIZATION))
def test_config_matches_keras(case):
    check_config_against_keras(case)


def test_reference_covers_training_steps_and_adapt():
    assert sum(c["steps"] for c in NORMALIZATION if c["class_name"] == "BatchNormalization") >= 8
    assert any("adapt" in c["kwargs"] or c["name"].startswith("norm_adapt") for c in NORMALIZATION)


# -- finite differences (float64) ----------------------------------------------------------------

def _with_random_weights(layer, shape):
    layer.build_for((None,) + shape[1:])
    for variable in layer.weights:
        variable.assign(RNG.uniform(0.5, 1.5, variable.shape) if "variance" in variable.name or
                        variable.name == "gamma" else RNG.normal(size=variable.shape))
    return layer


BN_CASES = [
    ({}, (6, 4)), ({"center": False}, (5, 3)), ({"scale": False, "epsilon": 0.1}, (5, 3)),
    ({}, (3, 2, 4)), ({"axis": 1}, (4, 3, 2)), ({"axis": 1, "momentum": 0.5}, (7, 3)),
]


@pytest.mark.parametrize("kwargs, shape", BN_CASES, ids=[f"{k}-{s}" for k, s in BN_CASES])
def test_batch_normalization_training_gradients(kwargs, shape):
    layer = _with_random_weights(layers.BatchNormalization(**kwargs), shape)
    check_layer_gradients(layer, RNG.normal(1.0, 2.0, size=shape))


def test_frozen_batch_normalization_uses_moving_statistics_and_their_gradient():
    layer = _with_random_weights(layers.BatchNormalization(), (5, 3))
    layer.trainable = False
    moving = [layer.moving_mean.value.copy(), layer.moving_variance.value.copy()]
    x = RNG.normal(size=(5, 3)).astype(np.float32)
    np.testing.assert_array_equal(layer(x, training=True), layer(x))
    check_layer_gradients(layer, x)
    np.testing.assert_array_equal(layer.moving_mean.value, moving[0])
    np.testing.assert_array_equal(layer.moving_variance.value, moving[1])
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


LN_CASES = [({}, (4, 5)), ({"axis": [1, 2]}, (3, 2, 4)), ({"axis": 1}, (2, 3, 4)),
            ({"center": False, "scale": False}, (3, 4)), ({"epsilon": 0.5}, (3, 4))]


@pytest.mark.parametrize("kwargs, shape", LN_CASES, ids=[f"{k}-{s}" for k, s in LN_CASES])
def test_layer_normalization_gradients(kwargs, shape):
    layer = _with_random_weights(layers.LayerNormalization(**kwargs), shape)
    check_layer_gradients(layer, RNG.normal(-1.0, 3.0, size=shape))


@pytest.mark.parametrize("kwargs", [{}, {"invert": True}, {"axis": None},
                                    {"mean": [1.0, -2.0, 0.5], "variance": [4.0, 0.25, 1.0]}])
def test_normalization_gradients(kwargs):
    layer = layers.Normalization(**kwargs)
    if "mean" not in kwargs:
        layer.adapt(RNG.normal(3.0, 2.0, size=(20, 3)))
    layer.build_for((None, 3))
    check_layer_gradients(layer, RNG.normal(size=(4, 3)))


# -- BatchNormalization behaviour ----------------------------------------------------------------

def test_inference_call_keeps_no_state_and_changes_no_statistic():
    layer = layers.BatchNormalization()
    x = RNG.normal(size=(8, 3)).astype(np.float32)
    layer(x, training=False)
    before = [w.copy() for w in layer.get_weights()]
    layer(x * 5 + 2, training=False)
    assert layer._cache is None
    for w, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(w, b)


def test_moving_statistics_stay_out_of_the_packed_buffer_and_update_in_place():
    set_random_seed(1)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.BatchNormalization(momentum=0.5),
                              layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    bn = model.layers[1]
    mean_buffer = bn.moving_mean.value
    x = RNG.normal(2.0, 1.0, size=(32, 3)).astype(np.float32)
    model.fit(x, x.sum(1, keepdims=True), epochs=2, batch_size=8, verbose=0)
    assert bn.moving_mean.value is mean_buffer and bn.moving_mean.packing is None
    assert bn.gamma.packing is not None and bn.beta.packing is not None
    assert [v.name for v in model.non_trainable_weights] == ["moving_mean", "moving_variance"]
    # After 8 steps at momentum 0.5 the moving mean is close to the recent batch means.
    hidden = model.layers[0](x)
    assert np.abs(bn.moving_mean.value - hidden.mean(0)).max() < 0.25 * (np.abs(hidden.mean(0)).max() + 1)


def test_rejects_what_minikeras_does_not_support_without_changing_anything():
    with pytest.raises(ValueError, match="renorm"):
        layers.BatchNormalization(renorm=True)
    with pytest.raises(ValueError, match="momentum"):
        layers.BatchNormalization(momentum=1.5)
    layer = layers.BatchNormalization()
    layer(np.ones((2, 3), np.float32), training=False)
    before = layer.get_weights()
    with pytest.raises(ValueError, match="3 features"):
        layer(np.ones((2, 4), np.float32), training=True)
    for w, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(w, b)


# -- Normalization.adapt --------------------------------------------------------------------------

def test_adapt_on_batches_equals_adapt_on_the_whole_array():
    data = RNG.normal(5.0, 3.0, size=(37, 4)).astype(np.float32)
    whole, batched, generated = layers.Normalization(), layers.Normalization(), layers.Normalization()
    whole.adapt(data)
    batched.adapt([data[:10], data[10:11], data[11:]])
    generated.adapt((data[i:i + 8], None) for i in range(0, 37, 8))
    for layer in (batched, generated):
        np.testing.assert_allclose(layer.adapt_mean.value, whole.adapt_mean.value, rtol=1e-6)
        np.testing.assert_allclose(layer.adapt_variance.value, whole.adapt_variance.value, rtol=1e-5)
    np.testing.assert_allclose(whole.adapt_mean.value, data.astype(np.float64).mean(0), rtol=1e-6)
    np.testing.assert_allclose(whole.adapt_variance.value, data.astype(np.float64).var(0), rtol=1e-6)
    assert whole.count.value.dtype == np.int32 and whole.count.value.shape == () and whole.count.value == 0


def test_adapt_on_nested_lists_treats_them_as_one_array_and_the_layer_then_predicts():
    data = RNG.normal(2.0, 3.0, size=(16, 4)).astype(np.float32)
    layer = layers.Normalization()
    layer.adapt(data.tolist())
    np.testing.assert_allclose(layer.adapt_mean.value, data.astype(np.float64).mean(0), rtol=1e-6)
    np.testing.assert_allclose(layer.adapt_variance.value, data.astype(np.float64).var(0), rtol=1e-5)
    model = keras.Sequential([keras.Input((4,)), layer])
    out = model.predict(data[:3], verbose=0)
    np.testing.assert_allclose(out, (data[:3] - data.mean(0)) / data.std(0), rtol=1e-4, atol=1e-5)


def test_a_layer_built_for_another_rank_says_so():
    layer = layers.Normalization()
    layer.adapt([np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 5.0])])  # batches of rank 1
    with pytest.raises(ValueError, match=r"rank 1 with sizes \(3,\).*got shape \(2, 3\)"):
        layer(np.ones((2, 3), np.float32))


def test_adapt_refuses_other_shapes_and_keeps_the_statistics():
    layer = layers.Normalization()
    layer.adapt(RNG.normal(size=(10, 3)))
    before = layer.get_weights()
    with pytest.raises(ValueError, match="adapt"):
        layer.adapt(RNG.normal(size=(10, 4)))
    with pytest.raises(ValueError, match="mean and variance"):
        layers.Normalization(mean=[1.0, 2.0])
    for w, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(w, b)


# -- Keras-written model files (tests/fixtures/keras_files/make_normalization_models.py) ----------

@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_keras_written_model_with_batch_norm_and_normalization_predicts_like_keras(extension):
    data = np.load(FILES / "bn_mlp.io.npz")
    model = keras.saving.load_model(FILES / f"bn_mlp{extension}")
    assert [type(l).__name__ for l in model.layers] == ["Normalization", "Dense", "BatchNormalization",
                                                         "LeakyReLU", "Dense"]
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["y"], atol=1e-5, rtol=0)
    assert model.optimizer.iterations == 64
    bn = model.layers[2]
    with h5py.File(FILES / "bn_mlp.weights.h5") as h5:
        np.testing.assert_array_equal(bn.moving_variance.value, h5["layers/batch_normalization/vars/3"][()])
        np.testing.assert_array_equal(model.layers[0].adapt_mean.value, h5["layers/normalization/vars/0"][()])
    assert not np.allclose(bn.moving_mean.value, 0)


def test_keras_weights_file_loads_into_the_same_architecture_and_training_continues():
    data = np.load(FILES / "bn_mlp.io.npz")
    model = keras.Sequential([keras.Input((196,)), layers.Normalization(), layers.Dense(32),
                              layers.BatchNormalization(), layers.LeakyReLU(),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy")
    model.load_weights(FILES / "bn_mlp.weights.h5")
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["y"], atol=1e-5, rtol=0)
    moving = model.layers[2].moving_mean.value.copy()
    model.fit(data["x"], data["y"].argmax(1), epochs=1, batch_size=16, verbose=0)
    assert model.optimizer.iterations == 68 and not np.array_equal(model.layers[2].moving_mean.value, moving)


# -- minikeras-written files in real Keras ----------------------------------------------------------

KERAS_SIDE = textwrap.dedent('''
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import keras
    folder = sys.argv[1]
    data = np.load(f"{folder}/io.npz")
    report = {}
    for name in ("model.keras", "model.h5"):
        model = keras.models.load_model(f"{folder}/{name}")
        report[name] = {"diff": float(np.abs(np.asarray(model.predict(data["x"], verbose=0)) - data["y"]).max()),
                        "weights": [v.path.split("/")[-1] for v in model.weights],
                        "non_trainable": int(sum(np.size(v) for v in model.non_trainable_weights)),
                        "iterations": int(model.optimizer.iterations)}
    print("REPORT" + json.dumps(report))
''')


def _keras_python():
    """An interpreter that imports keras: $MINIKERAS_KERAS_PYTHON, else this one."""
    candidates = [os.environ.get("MINIKERAS_KERAS_PYTHON"), sys.executable]
    for python in filter(None, candidates):
        if os.path.exists(python) and subprocess.run([python, "-c", "import keras"], capture_output=True,
                                                     env={**os.environ, "KERAS_BACKEND": "numpy"}).returncode == 0:
            return python
    pytest.skip("no interpreter here can import keras")


def test_minikeras_files_with_normalization_layers_load_in_keras(tmp_path):
    python = _keras_python()
    set_random_seed(5)
    x = RNG.normal(10.0, 4.0, size=(64, 6)).astype(np.float32)
    y = (x[:, 0] > 10).astype(np.int64) + (x[:, 1] > 12)
    norm = layers.Normalization()
    norm.adapt(x)
    model = keras.Sequential([keras.Input((6,)), norm, layers.Dense(8), layers.BatchNormalization(),
                              layers.LeakyReLU(), layers.LayerNormalization(), layers.PReLU(),
                              layers.Normalization(mean=0.5, variance=2.0), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "model.keras")
    model.save(tmp_path / "model.h5")
    np.savez(tmp_path / "io.npz", x=x, y=model.predict(x, verbose=0))
    run = subprocess.run([python, "-c", KERAS_SIDE, str(tmp_path)], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "KERAS_BACKEND": "numpy", "PYTHONWARNINGS": "ignore"})
    line = [l for l in run.stdout.splitlines() if l.startswith("REPORT")]
    assert run.returncode == 0 and line, run.stderr[-3000:]
    report = json.loads(line[0][len("REPORT"):])
    for name in ("model.keras", "model.h5"):
        assert report[name]["diff"] < 1e-5, (name, report[name])
        assert report[name]["weights"] == [v.name for v in model.weights]
        assert report[name]["non_trainable"] == 6 + 6 + 1 + 8 + 8
        assert report[name]["iterations"] == 8


# -- a small real training run --------------------------------------------------------------------

def test_mlp_with_batch_normalization_learns_mnist_slice():
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train[:600].reshape(600, 784).astype(np.float32) / 255
    x_test = x_test[:300].reshape(300, 784).astype(np.float32) / 255
    set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), layers.Dense(64), layers.BatchNormalization(),
                              layers.ReLU(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train[:600], epochs=2, batch_size=32, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test[:300], verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    assert accuracy > 0.6, accuracy  # chance is 0.1


def test_freezing_a_nested_model_runs_its_batch_normalization_in_inference_mode():
    # Keras: model.trainable = False sets every inner layer's trainable, and a
    # BatchNormalization with trainable=False uses (and keeps) its moving statistics.
    set_random_seed(2)
    base = keras.Sequential([keras.Input((4,)), layers.Dense(6), layers.BatchNormalization()])
    base.trainable = False
    assert all(not layer.trainable for layer in base.layers)
    model = keras.Sequential([keras.Input((4,)), base, layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    frozen = [w.copy() for w in base.get_weights()]
    x = RNG.normal(3.0, 2.0, size=(32, 4)).astype(np.float32)
    model.fit(x, x[:, :1], epochs=1, batch_size=8, verbose=0)
    for w, before in zip(base.get_weights(), frozen):
        np.testing.assert_array_equal(w, before)
    assert len(model.trainable_weights) == 2
    base.trainable = True
    assert all(layer.trainable for layer in base.layers)
