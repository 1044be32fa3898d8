"""Learning-rate schedules reject arguments that would give unusable rates, and the optimizer
rejects a bad rate from any schedule before the training step changes anything."""
import math

import numpy as np
import pytest

import minikeras as keras
from minikeras.optimizers import schedules

BAD_ARGUMENTS = [
    # the user trial's case: (-0.9) ** 0.1 is complex
    (schedules.ExponentialDecay, dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=-0.9), "decay_rate", "-0.9"),
    (schedules.ExponentialDecay, dict(initial_learning_rate=-0.1, decay_steps=10, decay_rate=0.9),
     "initial_learning_rate", "-0.1"),
    (schedules.ExponentialDecay, dict(initial_learning_rate=0.1, decay_steps=0, decay_rate=0.9), "decay_steps", "0"),
    (schedules.ExponentialDecay, dict(initial_learning_rate=float("nan"), decay_steps=10, decay_rate=0.9),
     "initial_learning_rate", "nan"),
    (schedules.ExponentialDecay, dict(initial_learning_rate="0.1", decay_steps=10, decay_rate=0.9),
     "initial_learning_rate", "'0.1'"),
    (schedules.ExponentialDecay, dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.9, staircase="yes"),
     "staircase", "'yes'"),
    (schedules.InverseTimeDecay, dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=-0.5), "decay_rate", "-0.5"),
    (schedules.InverseTimeDecay, dict(initial_learning_rate=0.1, decay_steps=-3, decay_rate=0.5), "decay_steps", "-3"),
    (schedules.CosineDecay, dict(initial_learning_rate=0.1, decay_steps=10, alpha=-0.1), "alpha", "-0.1"),
    (schedules.CosineDecay, dict(initial_learning_rate=0.1, decay_steps=10, warmup_target=-1.0, warmup_steps=5),
     "warmup_target", "-1.0"),
    (schedules.CosineDecay, dict(initial_learning_rate=0.1, decay_steps=10, warmup_target=0.2, warmup_steps=-5),
     "warmup_steps", "-5"),
    (schedules.CosineDecay, dict(initial_learning_rate=0.1, decay_steps=float("inf")), "decay_steps", "inf"),
    (schedules.PolynomialDecay, dict(initial_learning_rate=0.1, decay_steps=10, power=-1.0), "power", "-1.0"),
    (schedules.PolynomialDecay, dict(initial_learning_rate=0.1, decay_steps=10, end_learning_rate=-0.01),
     "end_learning_rate", "-0.01"),
    (schedules.PolynomialDecay, dict(initial_learning_rate=True, decay_steps=10), "initial_learning_rate", "True"),
    (schedules.PiecewiseConstantDecay, dict(boundaries=[10, 20], values=[0.1, -0.01, 0.001]), "values[1]", "-0.01"),
    (schedules.PiecewiseConstantDecay, dict(boundaries=[20, 10], values=[0.1, 0.01, 0.001]), "boundaries", "[20, 10]"),
    (schedules.PiecewiseConstantDecay, dict(boundaries=[10, None], values=[0.1, 0.01, 0.001]), "boundaries[1]", "None"),
    (schedules.CosineDecayRestarts, dict(initial_learning_rate=0.1, first_decay_steps=0), "first_decay_steps", "0"),
    (schedules.CosineDecayRestarts, dict(initial_learning_rate=0.1, first_decay_steps=5, t_mul=0.0), "t_mul", "0.0"),
    (schedules.CosineDecayRestarts, dict(initial_learning_rate=0.1, first_decay_steps=5, m_mul=-1.0), "m_mul", "-1.0"),
    (schedules.CosineDecayRestarts, dict(initial_learning_rate=0.1, first_decay_steps=5, alpha=-0.5), "alpha", "-0.5"),
]


@pytest.mark.parametrize("cls, kwargs, argument, shown", BAD_ARGUMENTS,
                         ids=[f"{c.__name__}-{a}-{s}" for c, _, a, s in BAD_ARGUMENTS])
def test_bad_schedule_argument_is_named_in_the_constructor(cls, kwargs, argument, shown):
    with pytest.raises(ValueError) as info:
        cls(**kwargs)
    message = str(info.value)
    assert f"{cls.__name__} {argument} must be" in message
    assert message.endswith(shown) or f"got {shown}" in message


def test_valid_schedules_still_give_the_documented_rates():
    # Values computed by hand from the formulas in Keras's docstrings.
    assert schedules.ExponentialDecay(0.1, 10, 0.5)(20) == pytest.approx(0.025)
    assert schedules.ExponentialDecay(0.1, 10, 0.0)(0) == pytest.approx(0.1)  # 0 ** 0 == 1
    assert schedules.ExponentialDecay(np.float32(0.1), 10, 0.5, staircase=np.True_)(15) == pytest.approx(0.05)
    assert schedules.InverseTimeDecay(0.1, 10, 1.0)(10) == pytest.approx(0.05)
    assert schedules.CosineDecay(0.1, 10, alpha=0.0)(5) == pytest.approx(0.05)
    assert schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.0, power=2.0)(5) == pytest.approx(0.025)
    assert schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])(15) == pytest.approx(0.01)


class _BadAfterFirstStep(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, later):
        self.later = later

    def __call__(self, step):
        return 0.1 if step == 0 else self.later

    def get_config(self):
        return {}


def _state(model):
    return [w.copy() for w in model.get_weights()]


@pytest.mark.parametrize("later", [complex(-0.1, 0.3), float("nan"), float("inf"), -0.01, "0.1",
                                   np.array([0.1, 0.2]), None, True],
                         ids=["complex", "nan", "inf", "negative", "string", "array", "none", "bool"])
def test_bad_rate_from_a_user_schedule_stops_before_anything_changes(later):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.BatchNormalization(),
                              keras.layers.Dense(1)])
    optimizer = keras.optimizers.Adam(_BadAfterFirstStep(later))
    model.compile(optimizer, "mse")
    x, y = np.random.default_rng(0).normal(size=(8, 3)), np.ones((8, 1))
    model.train_on_batch(x, y)
    before, iterations = _state(model), optimizer.iterations
    slots = [s.copy() for v in optimizer.tracked_variables for s in optimizer.slots(v)]
    with pytest.raises(ValueError, match=r"Adam: the learning rate schedule _BadAfterFirstStep returned .* at step 1; "
                                         r"a learning rate must be a finite non-negative real number"):
        model.train_on_batch(x, y)
    assert optimizer.iterations == iterations
    for old, new in zip(before, _state(model)):  # the moving statistics of BatchNormalization included
        np.testing.assert_array_equal(old, new)
    for old, new in zip(slots, [s for v in optimizer.tracked_variables for s in optimizer.slots(v)]):
        np.testing.assert_array_equal(old, new)


def test_fit_with_bad_schedule_rate_raises_the_clear_error():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(_BadAfterFirstStep(complex(0, 1))), "mse")
    with pytest.raises(ValueError, match="returned 1j at step 1"):
        model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=3, verbose=0)


def test_numpy_scalar_rates_from_a_schedule_are_accepted():
    class Numpy(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return np.float32(0.5) if step == 0 else np.array([0.25])

    optimizer = keras.optimizers.SGD(Numpy())
    assert optimizer.learning_rate == 0.5 and optimizer.learning_rate.dtype == np.float32  # (Keras: a float32 scalar)
    optimizer.iterations = 1
    assert optimizer.learning_rate == 0.25 and not math.isnan(optimizer.learning_rate)


def test_cosine_decay_restarts_with_shrinking_periods_stops_training_where_keras_gives_nan():
    # Periods of 4, 2, 1, ... steps add up to 8: from step 8 on Keras's rate is NaN.
    schedule = schedules.CosineDecayRestarts(0.1, first_decay_steps=4, t_mul=0.5)
    assert schedule(4) == pytest.approx(0.1) and schedule(6) == pytest.approx(0.1)
    assert math.isnan(schedule(8)) and math.isnan(schedule(20))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(schedule), "mse")
    x, y = np.ones((8, 3)), np.ones((8, 1))
    model.fit(x, y, batch_size=1, epochs=1, verbose=0)
    before = _state(model)
    with pytest.raises(ValueError, match="CosineDecayRestarts returned nan at step 8"):
        model.fit(x, y, batch_size=1, epochs=1, verbose=0)
    for old, new in zip(before, _state(model)):
        np.testing.assert_array_equal(old, new)
