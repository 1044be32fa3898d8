"""``optimizer.learning_rate`` as Keras 3.15.1 has it: a float32 variable that follows later
changes, a schedule's float32 value, or a zero-argument callable called at every step
(trial 2026-12-01 #20 and issue 19). Expected values were printed by Keras 3.15.1 (jax) for
the same code; the file cases were written by ``tests/fixtures/make_keras_optimizer_files.py``."""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import optimizers

FILES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_files", "optimizers")


@keras.saving.register_keras_serializable(package="fixture")
def half_rate():
    return 0.05


def test_the_rate_is_a_float32_variable_that_follows_later_changes():
    optimizer = optimizers.Adam(0.01)
    rate = optimizer.learning_rate
    assert isinstance(rate, keras.Variable) and rate.path == "adam/learning_rate"
    assert np.array(rate).dtype == np.float32 and rate.dtype == "float32" and rate.shape == ()
    assert (rate * 2).dtype == np.float32 and rate == 0.01  # Keras: float32 0.02; True
    optimizer.learning_rate = 0.5
    assert float(rate) == 0.5  # Keras: a rate read earlier follows (0.5, then 0.25)
    optimizer.learning_rate.assign(0.25)
    assert float(rate) == 0.25 and optimizer.learning_rate is rate
    # get_config gives the float32 value as a float, as Keras's float(variable.numpy())
    assert optimizers.Adam(0.001).get_config()["learning_rate"] == 0.0010000000474974513
    assert f"{rate:g}" == "0.25" and round(rate, 2) == 0.25 and rate > 0.1


def test_a_schedule_gives_a_float32_value_and_refuses_a_float():
    optimizer = optimizers.SGD(optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
    assert optimizer.learning_rate.dtype == np.float32 and optimizer.learning_rate == np.float32(0.1)
    with pytest.raises(TypeError, match="LearningRateSchedule.*not settable"):
        optimizer.learning_rate = 0.3  # Keras 3.15.1: the same TypeError


def test_a_callable_is_called_once_per_step_with_no_arguments():
    calls = []

    def rate():
        calls.append(1)
        return 0.1 * len(calls)

    optimizer = optimizers.SGD(learning_rate=rate)
    variable = keras.Variable(np.ones(3, "float32"))
    for _ in range(3):
        optimizer.apply_gradients([(np.ones(3, "float32"), variable)])
    # Keras 3.15.1: 3 calls, weights 1 - 0.1 - 0.2 - 0.3 = 0.4, no learning_rate variable
    assert len(calls) == 3
    np.testing.assert_allclose(np.array(variable), [0.4] * 3, rtol=1e-6)
    assert [v.name for v in optimizer.variables] == ["iteration"]


def test_a_callable_set_after_construction_replaces_the_variable():
    optimizer = optimizers.SGD(0.1)
    optimizer.learning_rate = lambda: 0.2
    assert optimizer.learning_rate == 0.2 and [v.name for v in optimizer.variables] == ["iteration"]
    optimizer.learning_rate = 0.3  # back to a variable (Keras fails here: a callable has no assign)
    assert optimizer.learning_rate == np.float32(0.3) and len(optimizer.variables) == 2


def test_a_bad_value_from_a_callable_stops_the_step_with_a_clear_error():
    variable = keras.Variable(np.ones(2, "float32"))
    optimizer = optimizers.Adam(learning_rate=lambda: float("nan"))
    with pytest.raises(ValueError, match="learning rate callable.*returned nan at step 0"):
        optimizer.apply_gradients([(np.ones(2, "float32"), variable)])
    np.testing.assert_array_equal(np.array(variable), [1, 1])


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam",
                                  "ftrl", "lion", "lamb", "adafactor"])
def test_every_optimizer_takes_a_callable_rate(name):
    if name not in optimizers._registry.names():
        pytest.skip(f"{name} not in this minikeras")
    rng = np.random.default_rng(0)
    start, grads = rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(4, 3, 4)).astype("float32")
    results = []
    for rate in (0.01, lambda: 0.01):
        optimizer = optimizers.get({"class_name": name, "config": {}})
        if name == "adafactor":
            optimizer.relative_step = False
        optimizer.learning_rate = rate
        variable = keras.Variable(start.copy())
        for grad in grads:
            optimizer.apply_gradients([(grad, variable)])
        results.append(np.array(variable))
    # (the float goes through float32, as Keras's variable does; the callable's 0.01 is a float64)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-7)


def test_a_keras_file_with_a_callable_rate_loads_and_continues_as_keras():
    model = keras.models.load_model(os.path.join(FILES, "callable_lr.keras"))
    data = np.load(os.path.join(FILES, "callable_lr.npz"))
    listing = json.load(open(os.path.join(FILES, "callable_lr.json")))
    assert model.optimizer._learning_rate is half_rate and model.optimizer.iterations == 8
    assert len(model.optimizer.variables) == len(listing["variables"]) == 5
    model.fit(data["x"], data["y"], batch_size=8, epochs=1, shuffle=False, verbose=0)
    for index, weight in enumerate(model.get_weights()):
        np.testing.assert_allclose(weight, data[f"continued_{index}"], atol=1e-6)
    assert model.optimizer.get_config()["learning_rate"] == listing["optimizer"]["config"]["learning_rate"]


def test_model_loss_is_what_compile_was_given():
    # Trial 2026-12-01 #17; Keras 3.15.1 keeps the argument: 'mse', ['mse'], the function.
    def model():
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    for given in ("mse", ["mse"], keras.losses.mean_squared_error):
        compiled = model()
        compiled.compile("sgd", loss=given)
        assert compiled.loss == given
        compiled.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
    instance = keras.losses.MeanSquaredError()
    compiled = model()
    compiled.compile("sgd", loss=instance)
    assert compiled.loss is instance
