"""Adjusted R2Score against Keras's own test values (keras/src/metrics/regression_metrics_test.py
at keras-team/keras main, after #23334 made n the count of weighted rows) and Keras's warnings."""
import warnings

import numpy as np
import pytest

from minikeras import metrics

Y_TRUE = [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


@pytest.mark.parametrize("aggregation, p, expected", [
    (None, 1, [-0.26, -3.59, 0.13]),
    (None, 0, [0.37, -1.295, 0.565]),
])
def test_r2_against_keras_sklearn_comparison(aggregation, p, expected):
    r2 = metrics.R2Score(aggregation, p)
    r2.update_state(Y_TRUE, [[0.4, 0.5, 0.6], [0.1, 0.2, 0.3], [0.5, 0.8, 0.2]])
    np.testing.assert_allclose(r2.result(), expected, atol=1e-6)


@pytest.mark.parametrize("aggregation, p, expected", [
    (None, 1, [-0.65388882, -18.673332, -2.042]),
    ("uniform_average", 1, -7.123073577880859),
    ("variance_weighted_average", 1, -3.742044448852539),
    ("uniform_average", 0, -3.0615367889404297),
])
def test_weighted_adjusted_r2_against_keras_tfa_comparison(aggregation, p, expected):
    r2 = metrics.R2Score(aggregation, p)
    r2.update_state(Y_TRUE, [[0.4, 0.9, 1.6], [0.1, 1.2, 0.6], [1.5, 0.8, 0.6]], sample_weight=[0.8, 0.1, 0.4])
    np.testing.assert_allclose(r2.result(), expected, atol=1e-6)


@pytest.mark.parametrize("p, message", [(2, "Division by zero in Adjusted R2 score"),
                                        (3, "More independent predictors than datapoints")])
def test_too_many_regressors_fall_back_to_plain_r2_with_keras_warning(p, message):
    r2 = metrics.R2Score("uniform_average", p)
    r2.update_state(Y_TRUE, [[0.4, 0.9, 1.6], [0.1, 1.2, 0.6], [1.5, 0.8, 0.6]], sample_weight=[0.8, 0.1, 0.4])
    with pytest.warns(UserWarning, match=message):
        result = r2.result()
    assert result == pytest.approx(-3.0615367889404297, abs=1e-6)


def test_zero_weighted_rows_do_not_count_as_samples():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(20, 3)).astype("float32")
    pred = (y + rng.normal(size=(20, 3))).astype("float32")
    weights = np.r_[np.ones(10), np.zeros(10)]
    adjusted, plain = metrics.R2Score(num_regressors=2), metrics.R2Score()
    adjusted.update_state(y, pred, sample_weight=weights)
    plain.update_state(y[:10], pred[:10])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert adjusted.result() == pytest.approx(1 - (1 - plain.result()) * 9 / 7, rel=1e-6)
