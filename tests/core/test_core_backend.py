"""keras.backend's common calls: names restart after clear_session, float32 only."""
import pytest

import minikeras as keras


def test_clear_session_restarts_automatic_names():
    keras.backend.clear_session()
    first = keras.layers.Dense(2)
    second = keras.layers.Dense(2)
    assert (first.name, second.name) == ("dense", "dense_1")
    keras.backend.clear_session()
    assert keras.layers.Dense(2).name == "dense"


def test_float_type_and_epsilon():
    assert keras.backend.floatx() == "float32"
    assert keras.backend.epsilon() == 1e-7
    assert keras.backend.backend() == "numpy"
    keras.backend.set_floatx("float32")
    with pytest.raises(ValueError, match="float32 only; set_floatx got 'float64'"):
        keras.backend.set_floatx("float64")
