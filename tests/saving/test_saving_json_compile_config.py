"""``to_json`` writes Keras's build and compile configs, and ``model_from_json`` compiles from
them, as Keras 3 does (trial 2026-12-01 #10: the reloaded model was uncompiled)."""
import json

import numpy as np

import minikeras as keras


def test_model_from_json_is_built_and_compiled():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["mae"])
    text = model.to_json()
    # Keras 3.15.1: ['module', 'class_name', 'config', 'registered_name', 'build_config', 'compile_config']
    assert list(json.loads(text)) == ["module", "class_name", "config", "registered_name", "build_config",
                                      "compile_config"]
    assert json.loads(text)["build_config"] == {"input_shape": [None, 3]}
    assert json.loads(text)["compile_config"]["loss"] == "mse"
    fresh = keras.models.model_from_json(text)
    assert fresh.compiled and fresh.built
    assert fresh.optimizer.learning_rate == np.float32(0.01) or abs(fresh.optimizer.learning_rate - 0.01) < 1e-9
    fresh.set_weights(model.get_weights())
    x, y = np.ones((2, 3)), np.ones(2)
    assert fresh.evaluate(x, y, verbose=0, return_dict=True) == model.evaluate(x, y, verbose=0, return_dict=True)


def test_a_model_never_compiled_writes_an_empty_compile_config():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    assert json.loads(model.to_json())["compile_config"] == {}  # Keras 3.15.1: {}
    assert not keras.models.model_from_json(model.to_json()).compiled
