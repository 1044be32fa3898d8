"""The loss values printed in the seed notebooks, to 1e-5."""
import numpy as np
import pytest

import minikeras as keras

Y_TRUE = np.array([2.5, 0.0, 2.1, 7.8])
Y_PRED = np.array([3.0, -0.5, 2.0, 7.5])


@pytest.mark.parametrize("loss, expected", [
    (keras.losses.MeanSquaredError(), 0.15), ("mse", 0.15), ("mean_squared_error", 0.15),
    (keras.losses.MeanAbsoluteError(), 0.35), ("mae", 0.35),
    (keras.losses.Huber(), 0.075), ("huber", 0.075),
])
def test_regression_losses_from_the_seed_notebook(loss, expected):
    fn = keras.losses.to_loss(loss)
    assert float(fn(Y_TRUE, Y_PRED)) == pytest.approx(expected, abs=1e-5)
    # the per-sample function of the same name gives the same on a (1, 4) batch
    assert float(keras.losses.get(fn.name)(Y_TRUE[None], Y_PRED[None])[0]) == pytest.approx(expected, abs=1e-5)


def test_binary_crossentropy_from_the_seed_notebook():
    y_true, y_pred = np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.2, 0.8])
    assert float(keras.losses.BinaryCrossentropy()(y_true, y_pred)) == pytest.approx(0.18388254, abs=1e-5)
    assert float(keras.losses.binary_crossentropy(y_true, y_pred)) == pytest.approx(0.18388254, abs=1e-5)


def test_sparse_categorical_crossentropy_from_logits_from_the_seed_notebook():
    y_true = np.array([1, 0, 1])
    logits = np.array([[0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert float(loss(y_true, logits)) == pytest.approx(0.51621407, abs=1e-5)
    per_sample = keras.losses.sparse_categorical_crossentropy(y_true, logits, from_logits=True)
    assert float(np.mean(per_sample)) == pytest.approx(0.51621407, abs=1e-5)
