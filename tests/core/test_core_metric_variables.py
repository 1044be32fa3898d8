"""Built-in metrics list their state in ``variables`` with Keras's names and shapes
(trial 2026-12-01 #19: it was [] for every built-in metric)."""
import numpy as np
import pytest

import minikeras as keras

# Keras 3.15.1: [(v.name, tuple(v.shape)) for v in metric.variables], on fresh metrics
KERAS = [
    (keras.metrics.Mean, [("total", ()), ("count", ())]),
    (keras.metrics.MeanSquaredError, [("total", ()), ("count", ())]),
    (keras.metrics.SparseCategoricalAccuracy, [("total", ()), ("count", ())]),
    (keras.metrics.AUC, [("true_positives", (200,)), ("false_positives", (200,)), ("true_negatives", (200,)),
                         ("false_negatives", (200,))]),
    (keras.metrics.Precision, [("true_positives", (1,)), ("false_positives", (1,))]),
    (keras.metrics.Recall, [("true_positives", (1,)), ("false_negatives", (1,))]),
    (keras.metrics.TruePositives, [("accumulator", (1,))]),
    (keras.metrics.RootMeanSquaredError, [("total", ()), ("count", ())]),
    (keras.metrics.R2Score, [("num_samples", ())]),
    (keras.metrics.Sum, [("total", ())]),
]


@pytest.mark.parametrize("cls, expected", KERAS, ids=[c.__name__ for c, _ in KERAS])
def test_names_and_shapes_match_keras(cls, expected):
    variables = cls().variables
    assert [(v.name, tuple(v.shape)) for v in variables] == expected
    assert all(v.dtype == "float32" and not v.trainable for v in variables)


def test_values_follow_the_state():
    metric = keras.metrics.Mean()
    metric.update_state([1.0, 2.0, 6.0])
    assert [float(v.numpy()) for v in metric.variables] == [9.0, 3.0]
    metric.reset_state()
    assert [float(v.numpy()) for v in metric.variables] == [0.0, 0.0]
    precision = keras.metrics.Precision()
    precision.update_state(np.array([1, 0, 1]), np.array([0.9, 0.8, 0.2]))
    assert [v.numpy().tolist() for v in precision.variables] == [[1.0], [1.0]]
