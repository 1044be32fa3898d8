"""Normalization.mean/variance have the input's rank as in Keras, (1, 3) and (1, 1) (trial
2026-12-01 #18; they were (3,) and ()); the weights themselves are adapt_mean/adapt_variance."""
import numpy as np

import minikeras as keras


def test_shapes_as_keras():
    data = np.arange(12.0).reshape(4, 3)
    normalizer = keras.layers.Normalization()
    normalizer.adapt(data)
    assert normalizer.mean.numpy().shape == (1, 3) and normalizer.variance.numpy().shape == (1, 3)  # Keras
    np.testing.assert_allclose(normalizer.mean.numpy(), [data.mean(0)])
    assert normalizer.adapt_mean.shape == (3,)
    whole = keras.layers.Normalization(axis=None)
    whole.adapt(data)
    assert whole.mean.numpy().shape == (1, 1)  # Keras (1, 1)
    np.testing.assert_allclose(whole.mean.numpy(), [[data.mean()]])
    given = keras.layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 1.0, 4.0])
    given.build((None, 3))
    np.testing.assert_allclose(given.variance.numpy(), [[1.0, 1.0, 4.0]])
    assert keras.layers.Normalization().mean is None
