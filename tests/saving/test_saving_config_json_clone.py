"""get_config/from_config, to_json/model_from_json, clone_model and user-registered objects."""
import json

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, losses
from minikeras.saving import register_keras_serializable

X = np.random.default_rng(2).normal(size=(10, 5)).astype(np.float32)


@register_keras_serializable(package="SavingTests")
class Scale(layers.Layer):
    """A custom layer with one weight: y = x * scale."""

    def __init__(self, init=2.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],),
                                     initializer=keras.initializers.Constant(self.init), name="scale")

    def call(self, x, training=False):
        if training:
            self._x = x
        return x * self.scale.value

    def backward(self, grad):
        self.scale.grad = np.sum(grad * self._x, axis=0)
        return grad * self.scale.value

    def get_config(self):
        return {**super().get_config(), "init": self.init}


@register_keras_serializable(package="SavingTests")
def cube(x):
    return x * x * x


cube.backward = lambda g, x, y: g * 3 * x * x


@register_keras_serializable(package="SavingTests")
class DoubleMSE(losses.Loss):
    def call(self, y_true, y_pred):
        return 2 * np.mean(np.square(y_pred - y_true), axis=-1)

    def elementwise_gradient(self, y_true, y_pred):
        return 4 * (y_pred - y_true) / y_pred.shape[-1]


class Unregistered(Scale):
    pass


def model_with_custom_objects():
    model = keras.Sequential([keras.Input((5,)), Scale(1.5), layers.Dense(4, activation=cube), layers.Dense(2)])
    model.compile(optimizer="adam", loss=DoubleMSE())
    model.fit(X, X[:, :2], epochs=2, batch_size=5, verbose=0)
    return model


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_registered_custom_layer_activation_and_loss_roundtrip(tmp_path, extension):
    model = model_with_custom_objects()
    model.save(tmp_path / f"m{extension}")
    loaded = keras.saving.load_model(tmp_path / f"m{extension}")
    assert isinstance(loaded.layers[0], Scale) and loaded.layers[1].activation is cube
    assert isinstance(loaded.loss, DoubleMSE) and loaded.optimizer.iterations == 4
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
    loaded.fit(X, X[:, :2], epochs=1, verbose=0)


def test_custom_objects_argument_for_unregistered_classes(tmp_path):
    model = keras.Sequential([keras.Input((5,)), Unregistered(3.0, name="u"), layers.Dense(2)])
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="Unregistered"):
        keras.saving.load_model(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", custom_objects={"Unregistered": Unregistered})
    assert type(loaded.layers[0]) is Unregistered
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)


def test_sequential_config_roundtrip_and_json():
    model = model_with_custom_objects()
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert config["layers"][1]["registered_name"] == "SavingTests>Scale"
    assert config["layers"][2]["config"]["activation"]["registered_name"] == "SavingTests>cube"
    rebuilt = keras.Sequential.from_config(config)
    assert rebuilt.get_config() == config
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential" and json.loads(text)["module"] == "keras"
    fresh = keras.models.model_from_json(text)
    assert fresh.get_config() == config and fresh.compiled == model.compiled  # compiled from the JSON, as in Keras
    fresh.set_weights(model.get_weights())
    np.testing.assert_allclose(fresh.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
    with pytest.raises(ValueError, match="model_from_json"):
        keras.models.model_from_json("{oops")


def test_clone_model_has_same_architecture_and_fresh_weights():
    model = keras.Sequential([keras.Input((5,)), layers.Dense(6, activation="relu", name="a"),
                              keras.Sequential([layers.Dense(3, name="inner")], name="nested"),
                              layers.Dense(2, name="b")])
    clone = keras.models.clone_model(model)
    assert clone.get_config() == model.get_config()
    assert all(c is not o for c, o in zip(clone.weights, model.weights))
    assert not np.allclose(clone.layers[0].kernel.value, model.layers[0].kernel.value)
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
    renamed = keras.models.clone_model(model, clone_function=lambda layer: type(layer).from_config(
        {**layer.get_config(), "name": layer.name + "_copy"}))
    assert [l.name for l in renamed.layers][0] == "a_copy"


@pytest.mark.parametrize("extension", [".keras", ".h5", ".weights.h5"])
def test_nested_sequential_roundtrips(tmp_path, extension):
    model = keras.Sequential([keras.Input((5,)), layers.Dense(6, activation="relu"),
                              keras.Sequential([layers.Dense(4, activation="tanh"), layers.Dense(3)]),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    model.fit(X, np.arange(10) % 2, epochs=1, verbose=0)
    path = tmp_path / f"m{extension}"
    if extension == ".weights.h5":
        model.save_weights(path)
        loaded = keras.models.clone_model(model)
        loaded.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
        loaded.load_weights(path)
    else:
        model.save(path)
        loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
    assert loaded.optimizer.iterations == 1


def test_models_namespace_matches_keras():
    for name in ("load_model", "save_model", "model_from_json", "clone_model", "Sequential", "Model"):
        assert hasattr(keras.models, name)
    assert keras.load_model is keras.saving.load_model is keras.models.load_model
