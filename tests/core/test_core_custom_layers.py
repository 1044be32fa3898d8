"""Custom layers written as in the Keras 3 guide ("Making new layers and models via subclassing"),
plus the ``backward`` minikeras needs: shapes are found by running the layer, ``add_weight``
takes Keras 3's arguments, and such layers train inside a Sequential model."""
import numpy as np
import pytest

import minikeras as keras


class Linear(keras.layers.Layer):
    """The guide's ``Linear``: y = x·w + b, with a width of its own."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, x, training=False):
        if training:
            self._x = x
        return x @ self.w.value + self.b.value

    def backward(self, grad):
        self.w.grad = self._x.T @ grad
        self.b.grad = grad.sum(axis=0)
        return grad @ self.w.value.T


def test_a_custom_layer_that_changes_the_width_reports_its_output_shape():
    model = keras.Sequential([keras.Input((3,)), Linear(4)])
    assert model.output_shape == (None, 4)
    assert model.layers[-1].output_shape == (None, 4)
    assert model.predict(np.ones((5, 3), np.float32), verbose=0).shape == (5, 4)


def test_a_custom_layer_trains_with_targets_of_its_width_and_feeds_a_dense_layer():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ rng.standard_normal((3, 2)).astype(np.float32)
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((3,)), Linear(8), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="mse")
    history = model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    assert model.layers[1].input_shape == (None, 8)
    assert history.history["loss"][-1] < 0.1 * history.history["loss"][0]


def test_a_custom_layer_without_an_input_shape_is_built_from_the_data():
    model = keras.Sequential([Linear(6), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((4, 5), np.float32), np.ones((4, 1), np.float32), verbose=0)
    assert [tuple(w.shape) for w in model.weights] == [(5, 6), (6,), (6, 1), (1,)]


def test_layer_is_exported_at_the_top_level_as_in_keras3():
    assert keras.Layer is keras.layers.Layer


def test_add_weight_takes_keras3_arguments_and_names_unnamed_weights():
    layer = Linear(2)
    layer.build((None, 3))
    assert [w.name for w in layer.weights] == ["variable", "variable_1"]
    scale = layer.add_weight(shape=(2,), name="scale")  # initializer defaults to glorot_uniform
    assert scale.path == f"{layer.name}/scale" and np.all(np.abs(scale.value) <= np.sqrt(6 / 4))
    frozen = layer.add_weight(shape=(), initializer="ones", trainable=False, name="count",
                              autocast=True, aggregation="none")
    assert frozen.value.shape == () and frozen not in layer.trainable_weights


@pytest.mark.parametrize("kwargs,message", [
    ({"shape": "kernel"}, "takes the shape first"),
    ({"shape": (2,), "constraint": "non_negative"}, "Unknown constraint"),
    ({"shape": (2,), "dtype": "float64"}, "float32"),
    ({"shape": None}, "shape is required"),
    ({"shape": (2,), "aggregation": "sum"}, "aggregation"),
    ({"shape": (2,), "colour": "red"}, "colour"),
])
def test_add_weight_refuses_what_minikeras_cannot_honour(kwargs, message):
    layer = Linear(2)
    with pytest.raises((ValueError, TypeError), match=message):
        layer.add_weight(**kwargs)
    assert layer.weights == []
