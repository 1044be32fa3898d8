"""keras.InputSpec (issue 19): a layer that sets ``self.input_spec`` has its inputs checked on
each call, arrays and keras.Input tensors alike, with Keras 3.15.1's messages (printed by Keras
for the same layers)."""
import numpy as np
import pytest

import minikeras as keras


class TimesTwo(keras.layers.Layer):
    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec

    def call(self, x):
        return x * 2


def test_rank_and_axis_are_checked_with_keras_messages():
    layer = TimesTwo(keras.InputSpec(ndim=2, axes={-1: 3}), name="spec_layer")
    np.testing.assert_array_equal(layer(np.ones((2, 3), "float32")), np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match=r"Input 0 with name 'None' of layer 'spec_layer' is incompatible with the "
                                         r"layer: expected ndim=2, found ndim=3. Full shape received: \(2, 3, 1\)"):
        layer(np.ones((2, 3, 1), "float32"))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3, but received input with "
                                         r"shape \(2, 4\)"):
        layer(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"received input with shape \(None, 5\)"):
        TimesTwo(keras.InputSpec(ndim=2, axes={-1: 3}), name="s2")(keras.Input((5,)))
    with pytest.raises(ValueError, match=r"expected min_ndim=3, found ndim=2"):
        TimesTwo(keras.layers.InputSpec(min_ndim=3))(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"expected shape=\(None, 3\), found shape=\(2, 4\)"):
        TimesTwo(keras.InputSpec(shape=(None, 3)))(np.ones((2, 4), "float32"))


def test_repr_and_config_as_keras():
    assert repr(keras.InputSpec(ndim=2, axes={-1: 3})) == "InputSpec(ndim=2, axes={-1: 3})"
    config = keras.InputSpec(shape=(None, 3)).get_config()
    assert config == {"dtype": None, "shape": (None, 3), "ndim": 2, "max_ndim": None, "min_ndim": None,
                      "axes": {}, "optional": False}
    assert keras.InputSpec.from_config(config).ndim == 2
    assert keras.layers.InputSpec is keras.InputSpec


def test_get_source_inputs_as_keras():
    a, b = keras.Input((3,), name="a"), keras.Input((3,), name="b")
    hidden = keras.layers.Dense(2)(a)
    merged = keras.layers.Add()([hidden, keras.layers.Dense(2)(b)])
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([merged, hidden]))
    sources = keras.utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert keras.utils.get_source_inputs(a)[0] is a
    assert keras.utils.get_source_inputs(hidden)[0] is a
