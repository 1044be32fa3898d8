"""``keras.saving``'s object API as Keras 3's saving guide uses it: registered names and objects,
``CustomObjectScope``, ``serialize_keras_object`` / ``deserialize_keras_object``; and a custom
layer whose ``call`` takes no ``training`` argument (the guide's ``CustomLayer``)."""
import numpy as np
import pytest

import minikeras as keras


@keras.saving.register_keras_serializable(package="ObjectsApiTests")
class Scale(keras.layers.Layer):
    """The saving guide's CustomLayer: ``call(self, x)`` without ``training``."""

    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def backward(self, grad):
        return grad * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="ObjectsApiTests", name="square")
def square_fn(x):
    return x * x


def unregistered(x):
    return x


def test_registered_names_and_objects_as_in_the_saving_guide():
    assert keras.saving.get_registered_name(Scale) == "ObjectsApiTests>Scale"
    assert keras.saving.get_registered_name(square_fn) == "ObjectsApiTests>square"
    assert keras.saving.get_registered_name(unregistered) == "unregistered"
    assert keras.saving.get_registered_object("ObjectsApiTests>Scale") is Scale
    assert keras.saving.get_registered_object("nothing") is None
    assert keras.saving.get_registered_object("mine", custom_objects={"mine": unregistered}) is unregistered
    assert keras.saving.get_registered_object("mod", module_objects={"mod": unregistered}) is unregistered


def test_custom_object_scope_is_a_class_and_a_context_manager():
    assert keras.saving.custom_object_scope is keras.saving.CustomObjectScope
    with keras.saving.CustomObjectScope({"mine": unregistered}):
        assert keras.saving.get_registered_object("mine") is unregistered
    assert keras.saving.get_registered_object("mine") is None


@pytest.mark.parametrize("make", [
    lambda: keras.layers.Dense(3, activation="relu", kernel_regularizer=keras.regularizers.L2(0.1)),
    lambda: keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
    lambda: keras.metrics.AUC(num_thresholds=50),
    lambda: keras.optimizers.Adam(learning_rate=0.01),
    lambda: keras.initializers.GlorotUniform(seed=3),
    lambda: keras.regularizers.L1L2(l1=0.1, l2=0.2),
    lambda: Scale(0.5),
], ids=["Dense", "loss", "metric", "optimizer", "initializer", "regularizer", "registered layer"])
def test_serialize_then_deserialize_keras_object_gives_the_same_config(make):
    obj = make()
    config = keras.saving.serialize_keras_object(obj)
    assert set(config) >= {"module", "class_name", "config", "registered_name"}
    again = keras.saving.deserialize_keras_object(config)
    assert type(again) is type(obj)
    assert again.get_config() == obj.get_config() or type(obj) is Scale and again.factor == 0.5


def test_functions_serialize_to_names_and_back():
    assert keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(keras.activations.relu)) \
        is keras.activations.relu
    assert keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(square_fn)) is square_fn
    with pytest.raises(ValueError, match="class_name"):
        keras.saving.deserialize_keras_object({"config": {}})


def test_a_layer_whose_call_takes_no_training_argument_trains_saves_and_loads(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), Scale(0.5), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).random((16, 4)).astype(np.float32)
    model.fit(x, x[:, :1], epochs=2, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
