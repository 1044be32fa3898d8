"""A Sequential whose first layer is an already-built model is built at once (transfer learning).

Numbers from Keras 3.x (jax backend) for the same code: ``Sequential([inner, Dense(5)])`` with
``inner = Sequential([Input((4,)), Dense(6)])`` is built immediately, with
count_params() == (4*6 + 6) + (6*5 + 5) == 65 and 4 weights.
"""
import numpy as np
import pytest

import minikeras as keras

X = np.random.default_rng(0).normal(size=(16, 4)).astype(np.float32)
Y = np.random.default_rng(1).normal(size=(16, 5)).astype(np.float32)


def pretrained(**kwargs):
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="relu")],
                            name="pretrained", **kwargs)


def test_built_at_once_with_every_weight():
    outer = keras.Sequential([pretrained(), keras.layers.Dense(5)])
    assert outer.built
    assert outer.input_shape == (None, 4) and outer.output_shape == (None, 5)
    assert outer.count_params() == (4 * 6 + 6) + (6 * 5 + 5) == 65
    assert [w.shape for w in outer.get_weights()] == [(4, 6), (6,), (6, 5), (5,)]


def test_frozen_inner_leaves_only_the_new_dense_trainable_before_fit():
    inner = pretrained()
    outer = keras.Sequential([inner, keras.layers.Dense(5, name="head")])
    inner.trainable = False
    assert [w.shape for w in outer.trainable_weights] == [(6, 5), (5,)]
    assert [w.shape for w in outer.non_trainable_weights] == [(4, 6), (6,)]
    before = [w.copy() for w in inner.get_weights()]
    outer.compile(optimizer="adam", loss="mse")
    outer.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, inner.get_weights()))


def test_save_weights_before_fit_and_load_into_a_twin(tmp_path):
    outer = keras.Sequential([pretrained(), keras.layers.Dense(5)])
    path = tmp_path / "nested.weights.h5"
    outer.save_weights(path)
    twin = keras.Sequential([pretrained(), keras.layers.Dense(5)])
    twin.load_weights(path)
    np.testing.assert_array_equal(twin.predict(X, verbose=0), outer.predict(X, verbose=0))


def test_summary_totals():
    outer = keras.Sequential([pretrained(), keras.layers.Dense(5, name="head")])
    lines = []
    outer.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "unbuilt" not in text
    assert any("head (Dense)" in line and "(None, 5)" in line and line.rstrip().endswith("35")
               for line in lines)
    assert "Total params: 65" in text


def test_add_and_pop_after_construction_rebuild_as_keras():
    outer = keras.Sequential([pretrained()])
    assert not outer.built                       # Keras: one layer, nothing to build yet
    outer.add(keras.layers.Dense(5))
    assert outer.built and outer.count_params() == 65
    outer.pop()
    assert outer.built and outer.count_params() == 30
    outer.add(keras.layers.Dense(3))
    assert outer.built and outer.count_params() == 30 + 6 * 3 + 3


def test_inner_built_from_input_shape_or_build_call_also_counts():
    declared = keras.Sequential([keras.layers.Dense(6, input_shape=(4,))])
    assert keras.Sequential([declared, keras.layers.Dense(5)]).count_params() == 65
    built = keras.Sequential([keras.layers.Dense(6)])
    built.build((None, 4))
    assert keras.Sequential([built, keras.layers.Dense(5)]).built


def test_unbuilt_inner_or_built_plain_layer_stays_deferred():
    inner = keras.Sequential([keras.layers.Dense(6)])
    outer = keras.Sequential([inner, keras.layers.Dense(5)])
    assert not outer.built and not inner.built
    outer.compile(optimizer="adam", loss="mse")
    outer.fit(X, Y, epochs=1, verbose=0)
    assert outer.built and outer.count_params() == 65
    dense = keras.layers.Dense(3)
    dense.build((None, 7))                        # Keras: a built layer does not declare an input
    assert not keras.Sequential([dense, keras.layers.Dense(2)]).built


def test_input_that_does_not_fit_the_built_inner_is_refused_and_nothing_changes():
    inner = pretrained()
    outer = keras.Sequential([keras.Input((9,))])
    with pytest.raises(ValueError, match="expects input of shape"):
        outer.add(inner)
    assert outer.layers == [] and not outer.built


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_nested_model_file_roundtrip_before_fit(tmp_path, extension):
    outer = keras.Sequential([pretrained(), keras.layers.Dense(5)])
    path = tmp_path / f"nested{extension}"
    outer.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.built and loaded.count_params() == 65
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in outer.layers]
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), outer.predict(X, verbose=0))


def test_nested_sequential_config_names_module_keras_as_keras_does():
    # Keras 3 writes {"module": "keras", "class_name": "Sequential"} for the inner model and
    # refuses to load "keras.layers.Sequential".
    outer = keras.Sequential([pretrained(), keras.layers.Dense(5)])
    entries = outer.get_config()["layers"]
    assert [e["class_name"] for e in entries] == ["InputLayer", "Sequential", "Dense"]
    assert entries[1]["module"] == "keras" and entries[1]["build_config"] == {"input_shape": [None, 4]}
