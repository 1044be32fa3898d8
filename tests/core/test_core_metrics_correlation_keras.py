"""PearsonCorrelation and ConcordanceCorrelation (issue 19) against real Keras 3.15.1
(tests/fixtures/keras_correlation_metrics.npz, made by tests/fixtures/make_keras_correlation_metrics.py)."""
import json
import os

import numpy as np
import pytest

import minikeras as keras

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "keras_correlation_metrics.npz"))
SPEC = json.loads(str(FIXTURE["spec"]))


@pytest.mark.parametrize("fn", ["pearson_correlation", "concordance_correlation"])
def test_functions(fn):
    values = getattr(keras.metrics, fn)(FIXTURE["y_true"][0], FIXTURE["y_pred"][0])
    np.testing.assert_allclose(values, FIXTURE[f"function/{fn}"], rtol=1e-5, atol=1e-6)
    assert values.dtype == np.float32


@pytest.mark.parametrize("name", ["PearsonCorrelation", "ConcordanceCorrelation"])
@pytest.mark.parametrize("weighted", [False, True])
def test_streaming_results_config_and_direction(name, weighted):
    metric = getattr(keras.metrics, name)()
    results = []
    for b in range(3):
        metric.update_state(FIXTURE["y_true"][b], FIXTURE["y_pred"][b],
                            sample_weight=FIXTURE["weights"][b] if weighted else None)
        results.append(float(metric.result()))
    np.testing.assert_allclose(results, FIXTURE[f"metric/{name}/{int(weighted)}"], rtol=1e-5, atol=1e-6)
    assert metric.get_config() == SPEC["configs"][name] and metric._direction == "up"


def test_by_name_in_compile():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(5)])
    model.compile("sgd", "mse", metrics=["pearson_correlation", keras.metrics.ConcordanceCorrelation()])
    history = model.fit(FIXTURE["y_true"][0], FIXTURE["y_pred"][0], verbose=0)
    assert {"pearson_correlation", "concordance_correlation"} <= set(history.history)
