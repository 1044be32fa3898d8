"""Sequential-model behaviour on small real data: construction, build, summary, weights,
naming, dropout, stateless inference, determinism, utils, a short MNIST fit, fused gradients."""
import re

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.utils.naming import reset_names

RNG = np.random.default_rng(11)


def _mlp_layers():
    return [layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax")]


# -- construction and build -----------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: keras.Sequential([keras.Input(shape=(8,))] + _mlp_layers()),
    lambda: keras.Sequential([layers.InputLayer(shape=(8,))] + _mlp_layers()),
    lambda: keras.Sequential([layers.Dense(16, activation="relu", input_shape=(8,)), layers.Dense(3, "softmax")]),
    lambda: _added(),
    lambda: _built(),
], ids=["Input", "InputLayer", "input_shape", "add", "build"])
def test_every_way_to_declare_the_input_builds_the_same_model(make):
    model = make()
    assert model.built and model.output_shape == (None, 3)
    assert len(model.layers) == 2 and all(not isinstance(l, layers.InputLayer) for l in model.layers)
    assert model.count_params() == 8 * 16 + 16 + 16 * 3 + 3 == 195
    assert [w.shape for w in model.get_weights()] == [(8, 16), (16,), (16, 3), (3,)]


def _added():
    model = keras.Sequential()
    model.add(keras.Input((8,)))
    for layer in _mlp_layers():
        model.add(layer)
    return model


def _built():
    model = keras.Sequential(_mlp_layers())
    model.build((None, 8))
    return model


def test_deferred_build_on_first_data_and_pop():
    model = keras.Sequential(_mlp_layers() + [layers.Dropout(0.5)])
    assert not model.built and model.weights == []
    y = model(RNG.normal(size=(4, 8)))
    assert model.built and y.shape == (4, 3) and model.count_params() == 195
    dropped = model.pop()
    assert isinstance(dropped, layers.Dropout) and len(model.layers) == 2
    model.pop()
    assert model.count_params() == 8 * 16 + 16


def test_summary_lists_names_shapes_params_and_totals():
    reset_names()
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(128, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(10)], name="mnist_mlp")
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "mnist_mlp"' in text
    for name, shape, params in [("flatten (Flatten)", "(None, 784)", "0"), ("dense (Dense)", "(None, 128)", "100,480"),
                                ("dropout (Dropout)", "(None, 128)", "0"), ("dense_1 (Dense)", "(None, 10)", "1,290")]:
        row = next(line for line in lines if line.startswith(name))
        assert shape in row and row.rstrip().endswith(params), row
    assert "Total params: 101,770" in text and "Trainable params: 101,770" in text
    assert "Non-trainable params: 0" in text


def test_unique_auto_names_like_keras():
    reset_names()
    model = keras.Sequential([layers.Dense(2), layers.Dense(2), layers.Flatten(), layers.Dense(1)])
    assert [l.name for l in model.layers] == ["dense", "dense_1", "flatten", "dense_2"]
    assert model.name == "sequential" and keras.Sequential().name == "sequential_1"
    assert model.get_layer("dense_1") is model.layers[1] and model.get_layer(index=-1) is model.layers[3]
    with pytest.raises(ValueError, match="dense_9"):
        model.get_layer("dense_9")


def test_set_weights_checks_shapes_before_changing_anything():
    model = keras.Sequential([keras.Input((8,))] + _mlp_layers())
    before = model.get_weights()
    bad = [np.zeros_like(w) for w in before]
    bad[2] = np.zeros((3, 16))
    with pytest.raises(ValueError, match=r"\(16, 3\)"):
        model.set_weights(bad)
    with pytest.raises(ValueError):
        model.set_weights(before[:3])
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    model.set_weights([np.ones_like(w) for w in before])
    assert all(np.all(w == 1) for w in model.get_weights())
    assert model.get_weights()[0] is not model.get_weights()[0]  # copies, not the live buffers


def test_calling_the_model_equals_predict_and_nested_softmax_works():
    base = keras.Sequential([keras.Input((8,)), layers.Dense(16, activation="relu"), layers.Dense(3)])
    x = RNG.normal(size=(10, 8)).astype(np.float32)
    logits = base(x)
    np.testing.assert_allclose(base.predict(x, batch_size=4, verbose=0), logits, rtol=1e-6)
    probability_model = keras.Sequential([base, layers.Softmax()])
    probabilities = probability_model(x)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(probabilities, e / e.sum(axis=1, keepdims=True), rtol=1e-6)
    assert probability_model.count_params() == base.count_params()


# -- training vs inference ------------------------------------------------------------------------
def test_dropout_is_active_only_in_training():
    model = keras.Sequential([keras.Input((50,)), layers.Dropout(0.5)])
    x = np.ones((20, 50), np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    np.testing.assert_array_equal(model(x), x)
    trained = model(x, training=True)
    assert set(np.unique(trained)) == {0.0, 2.0}
    assert 0.4 < np.mean(trained == 0) < 0.6


def _snapshot(layer):
    """Each attribute by identity, with array contents (also inside tuples/lists) copied."""
    def copy_arrays(v):
        if isinstance(v, np.ndarray):
            return v.copy()
        if isinstance(v, (tuple, list)):
            return type(v)(copy_arrays(x) for x in v)
        return v
    return {k: (v, copy_arrays(v)) for k, v in vars(layer).items()}


def _unchanged(saved, now):
    original, contents = saved
    if now is not original:
        return False

    def equal(a, b):
        if isinstance(a, np.ndarray):
            return a.shape == b.shape and np.array_equal(a, b)
        if isinstance(a, (tuple, list)):
            return all(equal(x, y) for x, y in zip(a, b))
        return True
    return equal(contents, now)


def test_predict_keeps_no_per_call_state_on_layers():
    model = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="tanh"), layers.Dropout(0.3),
                              layers.Dense(3), layers.Softmax()])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    x, y = RNG.normal(size=(32, 6)).astype(np.float32), RNG.integers(0, 3, 32)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)  # leaves training caches behind
    before = {layer.name: _snapshot(layer) for layer in model.layers}
    model.predict(RNG.normal(size=(5, 6)), verbose=0)
    model(RNG.normal(size=(7, 6)))
    model.predict_on_batch(RNG.normal(size=(3, 6)))
    for layer in model.layers:
        after = vars(layer)
        assert after.keys() == before[layer.name].keys(), layer.name
        for key, value in before[layer.name].items():
            assert _unchanged(value, after[key]), f"{layer.name}.{key} changed during inference"


def _tiny_fit(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"), layers.Dropout(0.25),
                              layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    data = np.random.default_rng(0)
    x, y = data.normal(size=(64, 4)).astype(np.float32), data.integers(0, 3, 64)
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_split=0.25)
    return model.get_weights(), history.history


def test_set_random_seed_makes_a_fit_bit_identical():
    w1, h1 = _tiny_fit(3)
    w2, h2 = _tiny_fit(3)
    w3, _ = _tiny_fit(4)
    assert h1 == h2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(w1[0], w3[0])


# -- utils ---------------------------------------------------------------------------------------
def test_to_categorical_and_normalize_match_keras():
    # keras.utils.to_categorical([0, 2, 1, 2]) and with num_classes=4 (values from Keras 3.15)
    np.testing.assert_array_equal(keras.utils.to_categorical([0, 2, 1, 2]),
                                  [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]])
    assert keras.utils.to_categorical(np.array([[1], [0]]), num_classes=4).shape == (2, 4)
    assert keras.utils.to_categorical(np.array([[0, 1], [2, 0]])).shape == (2, 2, 3)
    with pytest.raises(ValueError):
        keras.utils.to_categorical([0, 5], num_classes=3)
    # keras.utils.normalize([[3, 4], [0, 0]]) -> [[0.6, 0.8], [0, 0]]; order=1 along axis 0
    np.testing.assert_allclose(keras.utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]])), [[0.6, 0.8], [0, 0]])
    np.testing.assert_allclose(keras.utils.normalize(np.array([[1.0, 2.0], [3.0, 2.0]]), axis=0, order=1),
                               [[0.25, 0.5], [0.75, 0.5]])


# -- real data --------------------------------------------------------------------------------------
def test_fit_on_2000_mnist_samples_reaches_a_sensible_accuracy():
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train, y_train = x_train[:2000] / 255.0, y_train[:2000]
    x_test, y_test = x_test[:1000] / 255.0, y_test[:1000]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(64, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=4, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses == sorted(losses, reverse=True) and losses[-1] < 0.5
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    assert accuracy > 0.85, accuracy
    predicted = np.argmax(model.predict(x_test, verbose=0), axis=1)
    assert np.mean(predicted == y_test) == pytest.approx(accuracy, abs=1e-6)


@pytest.mark.parametrize("loss, labels, activation", [
    (keras.losses.SparseCategoricalCrossentropy(), np.array([0, 3, 1, 2, 3]), "softmax"),
    (keras.losses.CategoricalCrossentropy(label_smoothing=0.1), np.eye(4)[[0, 3, 1, 2, 3]], "softmax"),
    (keras.losses.BinaryCrossentropy(), (RNG.uniform(size=(5, 4)) > 0.5).astype(np.float32), "sigmoid"),
], ids=["scce", "cce", "bce"])
def test_fused_softmax_path_gives_the_unfused_gradients(loss, labels, activation):
    model = keras.Sequential([keras.Input((6,)), layers.Dense(5, activation="tanh"),
                              layers.Dense(4, activation=activation)])
    from minikeras.models.train_step import gradients_into_variables, loss_on_tape
    from minikeras.tape import Tape
    x = RNG.normal(size=(5, 6)).astype(np.float32)
    weights = np.array([1.0, 0.5, 2.0, 0.0, 1.0], np.float32)
    model.build()

    def gradients(fuse):
        with Tape() as tape:
            y_pred = model._call(x, True)
            if not fuse:
                y_pred.preactivation = None
            total = loss_on_tape(tape, loss, labels, y_pred, weights)
        # the loss entry reads the logits exactly when fused
        assert (tape.entries[-1][1][0] is not y_pred) == fuse
        gradients_into_variables(tape, total, model.trainable_weights)
        return [v.grad.copy() for v in model.trainable_weights]

    for a, b in zip(gradients(True), gradients(False)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_summary_wraps_a_long_layer_type_onto_its_own_line_keeping_the_columns():
    reset_names()
    model = keras.Sequential([keras.Input((20,)), layers.Dense(8), layers.BatchNormalization(), layers.Dense(2)])
    lines = []
    model.summary(print_fn=lines.append)
    header = next(line for line in lines if line.startswith("Layer (type)"))
    row = next(line for line in lines if line.startswith("batch_normalization "))
    assert row.index("(None, 8)") == header.index("Output Shape") and row.rstrip().endswith("32")
    assert lines[lines.index(row) + 1] == "(BatchNormalization)"


def test_functional_model_outputs_must_be_tensors_not_layers():
    inputs = keras.Input((4,))
    with pytest.raises(ValueError, match="outputs must be KerasTensors.*got Dense"):
        keras.Model(inputs=inputs, outputs=layers.Dense(1))
    with pytest.raises(ValueError, match="inputs must be KerasTensors.*got ndarray"):
        keras.Model(np.ones((2, 4)), layers.Dense(1)(inputs))


def test_a_subclassed_model_is_built_on_its_first_data_and_trains():
    class MyModel(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1, name="out")

        def call(self, x):
            return self.dense(x)

    model = MyModel()
    model.compile(optimizer="sgd", loss="mse")
    x = RNG.normal(size=(16, 3)).astype(np.float32)
    history = model.fit(x, x @ np.array([[1.0], [2.0], [-1.0]], np.float32), epochs=20, verbose=0)
    assert [v.path for v in model.weights] == ["out/kernel", "out/bias"]
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
