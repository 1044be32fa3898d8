"""Metrics that cannot take the labels' format fail before fit/evaluate changes anything (user trial t10, t36)."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import metrics

RNG = np.random.default_rng(0)
X = RNG.random((40, 5)).astype("float32")
Y_INT = RNG.integers(0, 3, 40)


def _classifier():
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, activation="softmax")])
    model.build((None, 5))
    return model


@pytest.mark.parametrize("metric, name", [("mae", "mae"), ("binary_accuracy", "binary_accuracy"),
                                          (metrics.mean_squared_error, "mean_squared_error"),
                                          (metrics.AUC(), "auc"), (metrics.Precision(), "precision")])
def test_fit_fails_before_the_first_step_naming_metric_and_shapes(metric, name):
    model = _classifier()
    before = [w.copy() for w in model.get_weights()]
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy", metric])
    with pytest.raises(ValueError, match=rf"^y: metric '{name}' cannot take y of shape \(40,\) with predictions "
                                         r"of shape \(40, 3\).*to_categorical"):
        model.fit(X, Y_INT, epochs=1, batch_size=8, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert model.optimizer.iterations == 0


def test_evaluate_validation_data_generators_and_weighted_metrics_are_checked():
    model = _classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["mae"])
    with pytest.raises(ValueError, match=r"metric 'mae' cannot take y of shape \(40,\)"):
        model.evaluate(X, Y_INT, verbose=0)
    # (N, 1) labels broadcast against (N, 3) in Keras's mse, a meaningless number; minikeras refuses them.
    model.compile("adam", "sparse_categorical_crossentropy", weighted_metrics=["mse"])
    with pytest.raises(ValueError, match=r"^y: metric 'mse' cannot take y of shape \(40, 1\)"):
        model.fit(X, Y_INT[:, None], epochs=1, verbose=0)
    model.compile("adam", "sparse_categorical_crossentropy", weighted_metrics=["binary_accuracy"])
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"^validation_data y: metric 'binary_accuracy'"):
        # (N, 1) labels broadcast against (N, 3) in binary_accuracy (meaningless, but Keras does it too);
        # (N,) ones cannot.
        model.fit(X, Y_INT[:, None], sample_weight=np.ones(40), epochs=1, verbose=0, validation_data=(X, Y_INT))
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))

    def batches():
        while True:
            yield X[:8], Y_INT[:8], np.ones(8, "float32")
    with pytest.raises(ValueError, match=r"^y: metric 'binary_accuracy' cannot take y of shape \(8,\) with "
                                         r"predictions of "
                                         r"shape \(8, 3\)"):
        model.fit(batches(), steps_per_epoch=2, epochs=1, verbose=0, shuffle=False)
    assert model.optimizer.iterations == 0


def test_formats_the_metrics_take_still_train_and_the_users_metric_is_untouched():
    model = _classifier()
    auc = metrics.AUC()
    model.compile("adam", "categorical_crossentropy", metrics=["mae", auc, "categorical_accuracy"])
    history = model.fit(X, np.eye(3)[Y_INT], epochs=1, batch_size=8, verbose=0).history
    assert set(history) == {"loss", "mae", "auc", "categorical_accuracy"}
    # categorical_accuracy with integer labels broadcasts to a meaningless number in Keras too: not an error.
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["categorical_accuracy", "accuracy"])
    model.fit(X, Y_INT, epochs=1, batch_size=8, verbose=0)
    # The check runs on a copy: a fresh metric given to compile keeps no trace of the dummy rows.
    fresh = metrics.R2Score()
    regressor = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    regressor.compile("sgd", "mse", metrics=[fresh])
    with pytest.raises(ValueError):
        regressor.evaluate(X, np.zeros(40), verbose=0)  # R2Score needs (N, outputs) labels: checked up front
    assert fresh.sum is None


def test_train_on_batch_checks_once_per_label_format():
    calls = []

    class Counting(metrics.Metric):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.n = self.add_variable(shape=(), initializer="zeros", name="n")

        def update_state(self, y_true, y_pred, sample_weight=None):
            calls.append(np.shape(y_true))
            self.n.assign_add(len(y_true))

        def result(self):
            return self.n

    model = _classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=[Counting(name="counting")])
    for start in range(0, 40, 8):
        model.train_on_batch(X[start:start + 8], Y_INT[start:start + 8])
    assert calls.count((2,)) == 1 and calls.count((8,)) == 5  # one 2-row check, then the 5 real steps
