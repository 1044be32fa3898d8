"""Custom ``keras.metrics.Metric`` subclasses written as Keras 3 documents them: state made with
``add_variable``/``add_weight`` in ``__init__``, updated with ``assign_add``, reset by the base.

The expected numbers in the fit/evaluate tests were printed by Keras 3.x (jax backend) running
the same model, weights and data (the metric written with ``keras.ops``)."""
import copy

import numpy as np
import pytest

import minikeras as keras
from minikeras import metrics
from minikeras.variable import Variable


class CategoricalTruePositives(metrics.Metric):
    """The metric of Keras's "Training & evaluation with the built-in methods" guide (NumPy ops)."""

    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = np.reshape(np.argmax(y_pred, axis=1), (-1, 1))
        values = (np.asarray(y_true).astype("int32") == y_pred.astype("int32")).astype("float32")
        if sample_weight is not None:
            values = values * np.asarray(sample_weight, dtype="float32")
        self.true_positives.assign_add(np.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


class Counter(metrics.Metric):
    """Counts rows; no reset_state of its own (the base resets its variables)."""

    def __init__(self, name="counter", **kwargs):
        super().__init__(name=name, **kwargs)
        self.n = self.add_variable(shape=(), initializer="zeros", name="n")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.n.assign_add(float(len(y_true)))

    def result(self):
        return self.n


X = np.linspace(-1, 1, 40, dtype=np.float32).reshape(10, 4)
Y = np.array([0, 1, 2, 1, 1, 0, 2, 1, 0, 1], dtype=np.float32)


def _fixed_model(metric):
    """Softmax over a zero kernel and bias [0, 1, 0]: every prediction is class 1; lr 0 keeps it so."""
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.layers[-1].set_weights([np.zeros((4, 3), np.float32), np.array([0, 1, 0], np.float32)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="sparse_categorical_crossentropy",
                  metrics=[metric])
    return model


@pytest.mark.parametrize("labels, train, val, evaluated", [
    # Labels of shape (n, 1): a true count (5 ones in Y, 3 in its first 6 rows).
    (Y[:, None], [5.0, 5.0], [3.0, 3.0], 5.0),
    # Labels of shape (n,): the guide's (n, 1) predictions broadcast against them, as in Keras.
    (Y, [18.0, 18.0], [10.0, 10.0], 13.0),
])
def test_guide_metric_in_fit_and_evaluate_matches_keras(labels, train, val, evaluated):
    model = _fixed_model(CategoricalTruePositives())
    history = model.fit(X, labels, batch_size=4, epochs=2, validation_data=(X[:6], labels[:6]),
                        shuffle=False, verbose=0)
    assert history.history["categorical_true_positives"] == train  # reset between epochs, not 10 then 20
    assert history.history["val_categorical_true_positives"] == val
    logs = model.evaluate(X, labels, batch_size=3, verbose=0, return_dict=True)
    assert logs["categorical_true_positives"] == evaluated


def test_guide_metric_trains_with_validation_and_logs_floats():
    keras.utils.set_random_seed(0)  # (the weights' draw otherwise depends on the tests run before)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6)).astype(np.float32)
    y = (x[:, :3].argmax(axis=1)).astype(np.float32)[:, None]
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(), metrics=[CategoricalTruePositives()])
    history = model.fit(x[:90], y[:90], batch_size=16, epochs=3, validation_data=(x[90:], y[90:]), verbose=0)
    for key in ("categorical_true_positives", "val_categorical_true_positives"):
        assert all(type(v) is float for v in history.history[key])
    assert all(0 <= v <= 90 for v in history.history["categorical_true_positives"])
    # Validation runs after the epoch's last step: its count is the final model's count on x[90:].
    by_hand = float(np.sum(model.predict(x[90:], verbose=0).argmax(axis=1) == y[90:, 0]))
    assert history.history["val_categorical_true_positives"][-1] == by_hand
    assert by_hand > 15  # it learned something (chance is 10 of 30)


def test_subclass_without_reset_state_is_reset_by_the_base():
    counter = Counter()
    counter.update_state(np.zeros(4), np.zeros(4))
    counter.update_state(np.zeros(3), np.zeros(3))
    assert float(counter.result()) == 7.0
    counter.reset_state()
    assert float(counter.result()) == 0.0 and counter.n.value.dtype == np.float32
    history = _fixed_model(Counter()).fit(X, Y, batch_size=4, epochs=3, verbose=0)
    assert history.history["counter"] == [10.0, 10.0, 10.0]


def test_add_weight_alias_and_variables():
    class Two(metrics.Metric):
        def __init__(self):
            super().__init__(name="two")
            self.total = self.add_weight(name="total")
            self.hits = self.add_variable((3,), "ones", dtype="int32")

        def update_state(self, values):
            self.total.assign_add(np.sum(values))
            self.hits.assign_sub(1)

        def result(self):
            return self.total / 2

    metric = Two()
    assert [v.name for v in metric.variables] == ["total", "variable"]
    assert [v.path for v in metric.variables] == ["two/total", "two/variable"]
    assert metric.total.shape == () and metric.total.dtype == "float32" and float(metric.total) == 0.0
    assert metric.hits.dtype == "int32" and metric.hits.numpy().tolist() == [1, 1, 1]
    assert float(metric(np.array([1.0, 2.0, 3.0]))) == 3.0
    assert metric.hits.numpy().tolist() == [0, 0, 0]
    metric.hits.assign_add(5)
    metric.reset_state()  # Keras's base reset: zeros, whatever the initializer was
    assert float(metric.total) == 0.0 and metric.hits.numpy().tolist() == [0, 0, 0]


def test_add_variable_needs_super_init():
    class Forgot(metrics.Metric):
        def __init__(self):
            self.v = self.add_variable((), "zeros")

    with pytest.raises(RuntimeError, match="super"):
        Forgot()


def test_deepcopy_gives_independent_state():
    metric = CategoricalTruePositives()
    metric.update_state(np.array([[1]]), np.array([[0.1, 0.9]]))
    trial = copy.deepcopy(metric)
    assert trial.true_positives is trial.variables[0]  # the attribute and the tracked variable stay one
    trial.update_state(np.array([[1]]), np.array([[0.1, 0.9]]))
    assert float(metric.result()) == 1.0 and float(trial.result()) == 2.0


def test_extending_a_builtin_metric_with_a_variable():
    class MeanAndCount(metrics.Mean):
        def __init__(self, name="mean_and_count"):
            super().__init__(name=name)
            self.calls = self.add_variable((), "zeros", name="calls")

        def update_state(self, values, sample_weight=None):
            super().update_state(values, sample_weight)
            self.calls.assign_add(1)

        def reset_state(self):
            super().reset_state()
            self.calls.assign(0)

    metric = MeanAndCount()
    metric.update_state([1.0, 3.0])
    metric.update_state([5.0])
    assert float(metric.result()) == 3.0 and float(metric.calls) == 2.0
    metric.reset_state()
    assert float(metric.result()) == 0.0 and float(metric.calls) == 0.0


def test_builtin_metrics_list_only_their_own_state():
    # Keras's names (trial 2026-12-01 #19); F1Score's state is sized at the first batch, as in Keras.
    assert [v.name for v in metrics.Mean().variables] == ["total", "count"]
    assert [v.name for v in metrics.R2Score().variables] == ["num_samples"]
    assert metrics.F1Score().variables == []
    accuracy = metrics.SparseCategoricalAccuracy()
    accuracy.update_state([1, 0], [[0.2, 0.8], [0.3, 0.7]])
    assert float(accuracy.result()) == 0.5


def test_variable_arithmetic_and_conversion():
    variable = Variable(np.float32(2.0), name="v")
    assert float(variable + 1) == 3.0 and float(1 - variable) == -1.0 and float(variable * 3) == 6.0
    assert float(variable / 4) == 0.5 and float(-variable) == -2.0 and int(variable) == 2
    variable.assign_add(0.5)
    variable.assign_sub(1.0)
    assert float(variable) == 1.5 and variable.value.dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        variable.assign_add(np.ones(2))
    assert float(variable) == 1.5
