"""A vector-valued metric shows its mean on the epoch line, as Keras's Progbar does
(trial 2026-12-01 #16: F1Score() and Precision(thresholds=[...]) were left out)."""
import re

import numpy as np

import minikeras as keras


def test_vector_metrics_show_their_mean(capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = np.eye(2, dtype="float32")[rng.integers(0, 2, 16)]
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "categorical_crossentropy",
                  metrics=[keras.metrics.F1Score(), keras.metrics.Precision(thresholds=[0.3, 0.7])])
    history = model.fit(x, y, batch_size=16, verbose=2)
    line = capsys.readouterr().out
    f1 = float(re.search(r"f1_score: ([0-9.]+)", line).group(1))
    precision = float(re.search(r"precision: ([0-9.]+)", line).group(1))
    assert f1 == round(float(np.mean(history.history["f1_score"][0])), 4)
    assert precision == round(float(np.mean(history.history["precision"][0])), 4)
