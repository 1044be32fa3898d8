"""The loss functions Keras 3 exports in ``keras.metrics``, used as compile metrics.

Expected values were printed by Keras 3.15.1 (JAX backend) evaluating the same model, weights and data.
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras import losses, metrics

# Keras 3.15.1's keras.metrics functions (dir(keras.metrics), excluding get/serialize/deserialize).
KERAS_LOSS_FUNCTIONS = ["binary_crossentropy", "categorical_crossentropy", "categorical_hinge", "hinge", "huber",
                        "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
                        "mean_squared_error", "mean_squared_logarithmic_error", "poisson",
                        "sparse_categorical_crossentropy", "squared_hinge"]
KERAS_ACCURACY_FUNCTIONS = ["binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
                            "sparse_top_k_categorical_accuracy", "top_k_categorical_accuracy"]

W = np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.4]], "float32")
B = np.array([0.1, 0.0, -0.1], "float32")
X = np.array([[1.0, 2.0], [0.5, -1.0], [-0.3, 0.7], [2.0, 0.1]], "float32")
KERAS_ONE_HOT = {"binary_crossentropy": 0.6153059601783752, "categorical_crossentropy": 1.0392903089523315,
                 "categorical_hinge": 1.0664622783660889, "hinge": 1.0717980861663818, "huber": 0.1069796085357666,
                 "kl_divergence": 1.0392873287200928, "log_cosh": 0.10068769007921219, "loss": 1.0392903089523315,
                 "mean_absolute_error": 0.405131459236145, "mean_absolute_percentage_error": 202565760.0,
                 "mean_squared_error": 0.2139592170715332, "mean_squared_logarithmic_error": 0.10539527237415314,
                 "poisson": 0.6797633767127991, "squared_hinge": 1.2857574224472046}


@pytest.mark.parametrize("name", KERAS_LOSS_FUNCTIONS + KERAS_ACCURACY_FUNCTIONS)
def test_keras_metric_functions_are_exported(name):
    fn = getattr(metrics, name)
    assert callable(fn) and fn.__name__ == name
    if name in KERAS_LOSS_FUNCTIONS:
        assert fn is getattr(losses, name)  # the very function of keras.losses, as in Keras


def _classifier():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    model.set_weights([W, B])
    return model


def test_metric_functions_in_compile_log_under_their_names_with_keras_values():
    model = _classifier()
    fns = [getattr(metrics, name) for name in KERAS_ONE_HOT if name != "loss"]
    model.compile("sgd", "categorical_crossentropy", metrics=fns)
    logs = model.evaluate(X, np.eye(3)[[0, 2, 1, 1]], verbose=0, return_dict=True)
    assert sorted(logs) == sorted(KERAS_ONE_HOT)
    for name, value in KERAS_ONE_HOT.items():
        assert logs[name] == pytest.approx(value, rel=1e-6), name


def test_sparse_crossentropy_function_as_metric_matches_keras():
    model = _classifier()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=[metrics.sparse_categorical_crossentropy])
    logs = model.evaluate(X, np.array([0, 2, 1, 1]), verbose=0, return_dict=True)
    assert logs["sparse_categorical_crossentropy"] == pytest.approx(1.0392903089523315, rel=1e-6)


def test_regression_functions_bring_flat_labels_to_the_output_rank_in_fit():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.set_weights([W[:, :1], B[:1]])
    model.compile("sgd", "mse", metrics=[metrics.mean_absolute_error, metrics.mean_squared_error])
    y = np.array([0.5, 1.0, -1.0, 2.0])
    logs = model.evaluate(X, y, verbose=0, return_dict=True)
    assert logs["mean_absolute_error"] == pytest.approx(0.9199999570846558, rel=1e-6)
    assert logs["mean_squared_error"] == pytest.approx(0.8737500309944153, rel=1e-6)
    history = model.fit(X, y, epochs=1, verbose=0, batch_size=4, shuffle=False).history
    assert sorted(history) == ["loss", "mean_absolute_error", "mean_squared_error"]
