"""Frames with bool dummy columns train (trial 2026-12-01 #3), and Normalization(axis=None) adapted
on 1-D data is usable by a model (#4, the TF basic-regression tutorial).

pandas is not a dependency: ``_Frame`` has the two things minikeras reads from a DataFrame
(``dtypes.items()`` and ``to_numpy``), with pandas's behaviour: ``to_numpy()`` of a float64 +
bool frame is an object array, as ``np.array(frame)`` is.
"""
import numpy as np
import pytest

import minikeras as keras

AGE = np.array([20.0, 30.0, 40.0, 50.0])
DUMMIES = np.array([[True, False, False], [False, True, False], [True, False, False], [False, False, True]])


class _Frame:
    def __init__(self, columns):
        self.columns = columns  # name -> 1-D array

    @property
    def dtypes(self):
        return {name: column.dtype for name, column in self.columns.items()}

    def to_numpy(self, dtype=None):
        columns = list(self.columns.values())
        common = columns[0].dtype if all(c.dtype == columns[0].dtype for c in columns) else object
        out = np.empty((len(columns[0]), len(columns)), dtype=dtype or common)
        for j, column in enumerate(columns):
            out[:, j] = column
        return out


def _dummies_frame(age_dtype="float64"):
    columns = {"age": AGE.astype(age_dtype)}
    columns.update({f"city_{c}": DUMMIES[:, i] for i, c in enumerate("abc")})
    return _Frame(columns)


@pytest.mark.parametrize("age_dtype", ["float64", "float32", "int64"])  # Keras takes only the first
def test_a_frame_of_numbers_and_bools_trains_predicts_and_evaluates(age_dtype):
    frame = _dummies_frame(age_dtype)
    assert frame.to_numpy().dtype == object
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    model.fit(frame, np.array([0, 1, 0, 1]), epochs=1, verbose=0)
    expected = model.predict(np.column_stack([AGE, DUMMIES]).astype("float32"), verbose=0)
    np.testing.assert_allclose(model.predict(frame, verbose=0), expected)
    assert np.isfinite(model.evaluate(frame, np.array([0, 1, 0, 1]), verbose=0))


def test_object_array_of_numbers_adapts_and_trains():
    data = np.array(_dummies_frame().to_numpy())  # the tutorial's np.array(train_features)
    normalizer = keras.layers.Normalization()
    normalizer.adapt(data)
    np.testing.assert_allclose(np.asarray(normalizer.mean).ravel(), [35, 0.5, 0.25, 0.25])
    model = keras.Sequential([keras.Input((4,)), normalizer, keras.layers.Dense(1)])
    model.compile("adam", "mse")
    model.fit(data, np.arange(4.0), epochs=1, verbose=0)


def test_string_columns_are_named_in_the_error():
    frame = _Frame({"age": AGE, "city": np.array(["a", "b", "a", "c"], dtype=object)})
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match=r"x must hold numbers or bools, got a frame whose column\(s\) 'city' "
                                         r"\(object\) are not numeric"):
        model.fit(frame, np.zeros(4), verbose=0)
    with pytest.raises(ValueError, match="strings cannot be fed"):
        model.fit(np.array([[1.0, "a"]], dtype=object), np.zeros(1), verbose=0)


@pytest.mark.parametrize("x_shape", [(100,), (100, 1)])
def test_normalization_axis_none_adapted_on_1d_data(x_shape):
    rng = np.random.default_rng(0)
    horsepower = rng.uniform(46, 230, 100)
    normalizer = keras.layers.Normalization(input_shape=[1], axis=None)
    normalizer.adapt(horsepower)
    model = keras.Sequential([normalizer, keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="mean_absolute_error")
    model.fit(horsepower.reshape(x_shape), 40 - horsepower / 10, epochs=1, verbose=0)
    x = np.linspace(0, 250, 5)
    expected = (x - horsepower.mean()) / horsepower.std()
    np.testing.assert_allclose(normalizer(x.reshape(-1, 1)).ravel(), expected, rtol=1e-5)
    np.testing.assert_allclose(normalizer(x).ravel(), expected, rtol=1e-5)
    assert model.predict(x, verbose=0).shape == (5, 1)
