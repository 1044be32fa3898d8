"""A built layer reused where its input has another width is refused when the model is made,
as in Keras (trial 2026-12-01 #11: it failed only at predict/fit)."""
import numpy as np
import pytest

import minikeras as keras


def test_reusing_a_built_dense_at_another_width_is_refused_at_construction():
    dense = keras.layers.Dense(2)
    keras.Sequential([keras.Input((3,)), dense])
    # Keras: Input 0 of layer "dense" is incompatible with the layer: expected axis -1 of input shape to
    # have value 3, but received input with shape (None, 4)
    with pytest.raises(ValueError, match=r"was built for input shape \(None, 3\) and cannot take input shape "
                                         r"\(None, 4\).*expects input with 3 features"):
        keras.Sequential([keras.Input((4,)), dense])


def test_reuse_at_the_same_width_shares_the_weights():
    dense = keras.layers.Dense(2)
    m1 = keras.Sequential([keras.Input((3,)), dense])
    m2 = keras.Sequential([keras.Input((3,)), dense, keras.layers.Dense(1)])
    assert m2.layers[0].kernel is m1.layers[0].kernel
    assert m2.predict(np.ones((1, 3)), verbose=0).shape == (1, 1)


def test_a_weightless_layer_is_reused_at_any_width():
    relu = keras.layers.ReLU()
    keras.Sequential([keras.Input((3,)), relu])
    assert keras.Sequential([keras.Input((4,)), relu]).predict(np.ones((1, 4)), verbose=0).shape == (1, 4)
