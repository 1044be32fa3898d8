"""One test per user mistake: the exception type Keras raises, a message naming the argument with
the expected and the actual value, and weights + optimizer state bit-identical afterwards.

Exception types follow Keras 3 (checked against its source and a run of keras 3 with jax):
ValueError for bad values (bad data, `compile()` not called, unknown names, set_weights),
TypeError for unknown keyword arguments to fit/evaluate/predict/compile (raised by Python from
the signature, as in Keras). Keras raises ValueError for unknown keywords to Layer and Optimizer
constructors; minikeras raises an error that is both a TypeError and a ValueError there.
"""
import re

import numpy as np
import pytest

import minikeras as keras
from reliability_helpers import data, small_classifier, snapshot

X, Y = data()
ONE_HOT = keras.utils.to_categorical(Y, 3)


def _nan_at(array, index, value=np.nan):
    array = np.array(array, dtype=np.float32)
    array.reshape(-1)[index] = value
    return array


def _object_array():
    # An object array of numbers and bools (np.array of a pandas frame) trains, as in Keras;
    # one with a non-number in it cannot.
    array = np.empty((20, 4), dtype=object)
    array[...] = 1.0
    array[3, 2] = "a"
    return array


# (id, loss the model is compiled with, call, exception type, patterns the message must contain)
CASES = [
    ("x wrong features", "sparse_categorical_crossentropy",
     lambda m: m.fit(np.zeros((20, 5), np.float32), Y, verbose=0), ValueError,
     [r"\bx\b", r"\(None, 4\)", r"\(20, 5\)", "4 features", "got 5"]),
    ("x wrong rank", "sparse_categorical_crossentropy",
     lambda m: m.fit(np.repeat(X[..., None], 2, axis=-1), Y, verbose=0), ValueError,
     [r"\bx\b", r"rank 3", r"rank 2", r"\(20, 4, 2\)"]),
    ("x without batch axis", "sparse_categorical_crossentropy",
     lambda m: m.fit(X[0], Y[:1], verbose=0), ValueError, [r"\bx\b", r"rank >= 2", r"\(4,\)"]),
    ("x and y lengths", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y[:-1], verbose=0), ValueError, [r"x has 20", r"y has 19"]),
    ("x and sample_weight lengths", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y, sample_weight=np.ones(21), verbose=0), ValueError,
     [r"x has 20", r"sample_weight has 21"]),
    ("empty x", "sparse_categorical_crossentropy",
     lambda m: m.fit(X[:0], Y[:0], verbose=0), ValueError, [r"x is empty", r"\(0, 4\)", "at least one"]),
    ("sparse label too large", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, np.where(Y == 0, 7, Y), verbose=0), ValueError,
     [r"\by\b", r"\[0, 2\]", r"3 outputs", r"label 7"]),
    ("sparse label negative", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, np.where(Y == 0, -1, Y), verbose=0), ValueError,
     [r"\by\b", r"\[0, 2\]", r"label -1"]),
    ("sparse label not integer", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y + np.where(np.arange(20) == 5, 0.5, 0.0), verbose=0), ValueError,
     [r"\by\b", r"integer", r"2\.5|1\.5|0\.5", r"index 5", "not a whole number"]),
    ("one-hot labels to sparse loss", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, ONE_HOT, verbose=0), ValueError,
     [r"\by\b", r"\(20,\)", r"\(20, 3\)", r"use categorical_crossentropy"]),
    ("sparse labels to categorical loss", "categorical_crossentropy",
     lambda m: m.fit(X, Y, verbose=0), ValueError,
     [r"\by\b", r"\(20, 3\)", r"\(20,\)", r"use sparse_categorical_crossentropy"]),
    ("one-hot width wrong", "categorical_crossentropy",
     lambda m: m.fit(X, keras.utils.to_categorical(Y, 4), verbose=0), ValueError,
     [r"\by\b", r"\(20, 3\)", r"\(20, 4\)", r"4 columns", r"3 outputs"]),
    ("regression targets of the wrong shape", "mse",
     lambda m: m.fit(X, Y.astype(np.float32), verbose=0), ValueError,
     [r"\by\b", r"\(20, 3\)", r"\(20,\)"]),
    ("NaN in x", "sparse_categorical_crossentropy",
     lambda m: m.fit(_nan_at(X, 4 * 13 + 2), Y, verbose=0), ValueError, [r"\bx\b", "finite", "nan", "sample 13"]),
    ("inf in x", "sparse_categorical_crossentropy",
     lambda m: m.fit(_nan_at(X, 79, -np.inf), Y, verbose=0), ValueError, [r"\bx\b", "finite", "-inf", "sample 19"]),
    ("NaN in y", "mse",
     lambda m: m.fit(X, _nan_at(ONE_HOT, 7), verbose=0), ValueError, [r"\by\b", "finite", "nan", "sample 2"]),
    ("inf in sample_weight", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y, sample_weight=_nan_at(np.ones(20), 0, np.inf), verbose=0), ValueError,
     [r"sample_weight", "finite", "inf", "sample 0"]),
    ("NaN in evaluate", "sparse_categorical_crossentropy",
     lambda m: m.evaluate(_nan_at(X, 0), Y, verbose=0), ValueError, [r"\bx\b", "finite", "nan", "sample 0"]),
    ("NaN in validation_data", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y, validation_data=(_nan_at(X, 8), Y), verbose=0), ValueError,
     [r"validation_data x", "finite", "sample 2"]),
    ("validation_data wrong features", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y, validation_data=(np.zeros((5, 6)), Y[:5]), verbose=0), ValueError,
     [r"validation_data x", r"\(None, 4\)", r"\(5, 6\)"]),
    ("validation_data labels out of range", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y, validation_data=(X, Y + 3), verbose=0), ValueError,
     [r"validation_data y", r"\[0, 2\]"]),
    ("string x", "sparse_categorical_crossentropy",
     lambda m: m.fit(np.full((20, 4), "1.0"), Y, verbose=0), ValueError, [r"\bx\b", "numbers", "<U3", "strings"]),
    ("object x", "sparse_categorical_crossentropy",
     lambda m: m.fit(_object_array(), Y, verbose=0), ValueError, [r"\bx\b", "numbers", "object"]),
    ("complex x", "sparse_categorical_crossentropy",
     lambda m: m.fit(X.astype(np.complex64), Y, verbose=0), ValueError, [r"\bx\b", "numbers", "complex64"]),
    ("string y", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, np.array(["cat", "dog"] * 10), verbose=0), ValueError, [r"\by\b", "numbers", "<U3"]),
    ("ragged list x", "sparse_categorical_crossentropy",
     lambda m: m.fit([[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]], [0, 1], verbose=0), ValueError,
     [r"\bx\b", "inhomogeneous"]),
    ("batch_size 0", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y, batch_size=0, verbose=0), ValueError, ["batch_size", "positive integer", "got 0"]),
    ("batch_size negative", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y, batch_size=-4, verbose=0), ValueError, ["batch_size", "positive integer", "got -4"]),
    ("batch_size float", "sparse_categorical_crossentropy",
     lambda m: m.evaluate(X, Y, batch_size=2.5, verbose=0), ValueError, ["batch_size", "got 2.5"]),
    ("predict batch_size 0", "sparse_categorical_crossentropy",
     lambda m: m.predict(X, batch_size=0, verbose=0), ValueError, ["batch_size", "got 0"]),
    ("epochs negative", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y, epochs=-1, verbose=0), ValueError, ["epochs", "non-negative integer", "got -1"]),
    ("validation_split 1", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y, validation_split=1.0, verbose=0), ValueError,
     ["validation_split", r"\[0, 1\)", "got 1.0"]),
    ("validation_split negative", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y, validation_split=-0.1, verbose=0), ValueError,
     ["validation_split", r"\[0, 1\)", "got -0.1"]),
    ("validation_split leaves no training data", "sparse_categorical_crossentropy",
     lambda m: m.fit(X[:2], Y[:2], validation_split=0.6, verbose=0), ValueError,
     ["validation_split=0.6", "0 training", "2 validation"]),
    ("unknown fit keyword", "sparse_categorical_crossentropy",
     lambda m: m.fit(X, Y, epoch=3, verbose=0), TypeError, ["fit", "unexpected keyword argument 'epoch'"]),
    ("unknown evaluate keyword", "sparse_categorical_crossentropy",
     lambda m: m.evaluate(X, Y, batchsize=3, verbose=0), TypeError, ["evaluate", "'batchsize'"]),
    ("unknown predict keyword", "sparse_categorical_crossentropy",
     lambda m: m.predict(X, training=True), TypeError, ["predict", "'training'"]),
    ("unknown compile keyword", "sparse_categorical_crossentropy",
     lambda m: m.compile(optimizer="adam", loss="mse", metric=["accuracy"]), TypeError,
     ["compile", "'metric'"]),
    ("unknown layer keyword", "sparse_categorical_crossentropy",
     lambda m: m.add(keras.layers.Dense(2, activaton="relu")), ValueError,
     ["Dense", "'activaton'", "Did you mean 'activation'"]),
    ("Keras 2 optimizer keyword", "sparse_categorical_crossentropy",
     lambda m: m.compile(optimizer=keras.optimizers.Adam(lr=0.1), loss="mse"), TypeError,
     ["Adam", "'lr'", "Did you mean 'learning_rate'"]),
    ("unknown loss keyword", "sparse_categorical_crossentropy",
     lambda m: m.compile(optimizer="adam", loss=keras.losses.Huber(delt=2.0)), TypeError,
     ["Huber", "'delt'", "delta"]),
    ("set_weights count", "sparse_categorical_crossentropy",
     lambda m: m.set_weights(m.get_weights()[:3]), ValueError,
     ["set_weights", "4 arrays", "got 3", "dense.*/bias"]),
    ("set_weights shape", "sparse_categorical_crossentropy",
     lambda m: m.set_weights([w.T for w in m.get_weights()]), ValueError,
     ["set_weights", r"weights\[0\]", r"\(4, 8\)", r"\(8, 4\)"]),
    ("set_weights shape of a later array", "sparse_categorical_crossentropy",
     lambda m: m.set_weights(m.get_weights()[:3] + [np.zeros(4)]), ValueError,
     ["set_weights", r"weights\[3\]", r"\(3,\)", r"\(4,\)"]),
    ("set_weights dtype", "sparse_categorical_crossentropy",
     lambda m: m.set_weights(m.get_weights()[:3] + [np.array(["a", "b", "c"])]), ValueError,
     ["set_weights", r"weights\[3\]", "numbers", "<U1"]),
    ("unknown optimizer", "sparse_categorical_crossentropy",
     lambda m: m.compile(optimizer="adamm", loss="mse"), ValueError,
     ["optimizer", "'adamm'", "Did you mean 'adam'", "sgd", "rmsprop"]),
    ("unknown loss", "sparse_categorical_crossentropy",
     lambda m: m.compile(optimizer="adam", loss="sparse_categorical_crossentopy"), ValueError,
     ["loss", "Did you mean 'sparse_categorical_crossentropy'", "mean_squared_error"]),
    ("unknown metric", "sparse_categorical_crossentropy",
     lambda m: m.compile(optimizer="adam", loss="mse", metrics=["acuracy"]), ValueError,
     ["metric", "'acuracy'", "Did you mean 'accuracy'", "precision"]),
    ("unknown activation", "sparse_categorical_crossentropy",
     lambda m: m.add(keras.layers.Dense(2, activation="rellu")), ValueError,
     ["activation", "'rellu'", "Did you mean 'relu'", "sigmoid", "tanh"]),
    ("unknown initializer", "sparse_categorical_crossentropy",
     lambda m: m.add(keras.layers.Dense(2, kernel_initializer="glorot_unifrom")), ValueError,
     ["initializer", "Did you mean 'glorot_uniform'", "he_normal", "zeros"]),
    ("uninterpretable optimizer", "sparse_categorical_crossentropy",
     lambda m: m.compile(optimizer=0.01, loss="mse"), ValueError, ["optimizer", "0.01", "float"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_mistake_is_reported_and_changes_nothing(case):
    _, loss, call, error_type, patterns = case
    model = small_classifier(compile_loss=loss)
    before = snapshot(model)
    compiled = (model.optimizer, model.loss)
    with pytest.raises(error_type) as info:
        call(model)
    message = str(info.value)
    for pattern in patterns:
        assert re.search(pattern, message), f"{pattern!r} not in message: {message}"
    assert isinstance(info.value, error_type)
    assert snapshot(model) == before
    assert (model.optimizer, model.loss) == compiled
    assert len(model.layers) == 2


@pytest.mark.parametrize("loss, y", [("sparse_categorical_crossentropy", Y + 3),
                                     ("categorical_crossentropy", Y),
                                     ("sparse_categorical_crossentropy", np.where(Y == 1, np.nan, Y))])
def test_failed_first_fit_leaves_an_unbuilt_model_unbuilt(loss, y):
    """Labels are checked against the output shape the model *will* have, before it is built."""
    model = keras.Sequential([keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss=loss)
    with pytest.raises(ValueError, match=r"\by\b"):
        model.fit(X, y, verbose=0)
    assert not model.built and model.weights == []
    assert model.optimizer.iterations == 0 and model.optimizer.tracked_variables == []


def test_fit_and_evaluate_before_compile():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    before = snapshot(model)
    for method, call in (("fit", lambda: model.fit(X, Y, verbose=0)),
                         ("evaluate", lambda: model.evaluate(X, Y, verbose=0)),
                         ("train_on_batch", lambda: model.train_on_batch(X, Y))):
        with pytest.raises(ValueError, match=rf"compile\(\) before {method}\(\)"):
            call()
    assert snapshot(model) == before
    assert model.predict(X, verbose=0).shape == (20, 3)  # predict needs no compile, as in Keras


def test_predict_on_an_unbuilt_model():
    """Keras builds a Sequential from the first data it sees; what cannot work says why."""
    with pytest.raises(ValueError, match=r"no layers"):
        keras.Sequential().predict(X, verbose=0)
    model = keras.Sequential([keras.layers.Dense(3)])
    for call in (lambda: model.predict(X[0], verbose=0), lambda: model(X[0])):
        with pytest.raises(ValueError, match=r"x must have shape \(samples, features...\).*\(4,\)"):
            call()
    assert not model.built
    with pytest.raises(ValueError, match=r"x is required.*got None"):
        model.predict(None)
    with pytest.raises(ValueError, match=r"not built yet.*got 2 arrays"):
        model.set_weights([np.zeros((4, 3)), np.zeros(3)])
    assert model.predict(X, verbose=0).shape == (20, 3)
    assert model.built and model.input_shape == (None, 4)


def test_predict_refuses_data_of_the_wrong_shape_after_build():
    model = small_classifier()
    with pytest.raises(ValueError, match=r"x has shape \(2, 3\).*\(None, 4\).*4 features on axis 1, got 3"):
        model.predict(np.zeros((2, 3)), verbose=0)
    with pytest.raises(ValueError, match=r"x has shape \(2, 3\)"):
        model(np.zeros((2, 3)))


def test_predict_names_the_whole_arrays_shape_not_its_first_batch():
    model = small_classifier()
    with pytest.raises(ValueError, match=r"x has shape \(1000, 3\)"):
        model.predict(np.zeros((1000, 3)), verbose=0)


def test_one_array_wrapped_in_a_list_or_tuple_is_that_array_as_in_keras():
    model = small_classifier()
    expected = model.predict(X, verbose=0)
    np.testing.assert_array_equal(model.predict((X,), verbose=0), expected)
    np.testing.assert_array_equal(model.predict([X], verbose=0), expected)
    assert model.evaluate([X], [Y], verbose=0) == model.evaluate(X, Y, verbose=0)


class _FrameLike:
    """Quacks like a pandas DataFrame/Series: converts through ``to_numpy()``."""

    def __init__(self, array):
        self._array = np.asarray(array)

    def to_numpy(self):
        return self._array.copy()

    def __len__(self):
        return len(self._array)


@pytest.mark.parametrize("convert", [lambda a: a.tolist(), lambda a: tuple(map(tuple, a)) if a.ndim > 1 else tuple(a),
                                     _FrameLike, lambda a: a.astype(np.float64)],
                         ids=["list", "tuple", "pandas-like", "float64"])
def test_lists_tuples_and_frames_train_exactly_like_arrays(convert):
    def run(x, y):
        model = small_classifier(train=False)
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        return [w.tobytes() for w in model.get_weights()], history.history, model.evaluate(x, y, verbose=0)

    expected = run(X, Y)
    assert run(convert(X), convert(Y)) == expected


def test_validation_data_overrides_validation_split_as_in_keras():
    model = small_classifier(train=False)
    history = model.fit(X, Y, validation_split=0.5, validation_data=(X[:3], Y[:3]), epochs=1, verbose=0,
                        batch_size=20)
    assert history.params["steps"] == 1  # all 20 samples trained on: the split was ignored
    assert "val_loss" in history.history


def test_the_snapshot_sees_a_single_training_step():
    """The comparison above can fail: one step changes weights, slots and iterations."""
    model = small_classifier()
    before = snapshot(model)
    model.train_on_batch(X[:4], Y[:4])
    after = snapshot(model)
    assert after["iterations"] == before["iterations"] + 1
    assert after["weights"] != before["weights"] and after["slots"] != before["slots"]


def test_unknown_constructor_keywords_are_both_type_and_value_errors():
    for make in (lambda: keras.layers.Dense(2, unit=3), lambda: keras.optimizers.SGD(momentun=0.9),
                 lambda: keras.layers.Dropout(0.5, sed=1)):
        with pytest.raises(TypeError) as info:
            make()
        assert isinstance(info.value, ValueError) and "Did you mean" in str(info.value)


class _NumpyMSE(keras.losses.Loss):
    """A Keras-style Loss subclass with a value only, written with NumPy's ufuncs."""

    def call(self, y_true, y_pred):
        return np.mean(np.square(y_true - y_pred), axis=-1)


def _mse_function(y_true, y_pred):
    return np.mean(np.square(y_true - y_pred), axis=-1)


def _mse_by_conversion(y_true, y_pred):
    return np.mean(np.square(y_true - np.asarray(y_pred)), axis=-1)


@pytest.mark.parametrize("loss", [_NumpyMSE(), _mse_function], ids=["Loss subclass", "function"])
def test_a_loss_written_with_numpy_ufuncs_is_differentiated_op_by_op_as_the_built_in_one(loss):
    def train(loss):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization(), keras.layers.Dense(2)])
        model.compile(optimizer="adam", loss=loss)
        history = model.fit(X[:16], ONE_HOT[:16, :2], batch_size=4, epochs=2, verbose=0, shuffle=False)
        return history.history["loss"], model.get_weights()
    custom_losses, custom_weights = train(loss)
    losses, weights = train("mse")
    np.testing.assert_allclose(custom_losses, losses, rtol=1e-5)
    for a, b in zip(custom_weights, weights):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_a_loss_that_cannot_be_differentiated_evaluates_but_training_is_refused_before_anything_changes():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.BatchNormalization(), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss=_mse_by_conversion)
    x, y = X[:16], ONE_HOT[:16, :2]
    before = [w.copy() for w in model.get_weights()]
    assert np.isfinite(model.evaluate(x, y, verbose=0))
    for train in (lambda: model.fit(x, y, verbose=0), lambda: model.train_on_batch(x, y)):
        with pytest.raises(ValueError, match=r"'_mse_by_conversion' cannot be differentiated.*keras.ops"):
            train()
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)
    assert model.optimizer.iterations == 0
