"""keras.random: Keras's seeding rules (an int seed repeats, a SeedGenerator advances, the
global generator follows keras.utils.set_random_seed), distributions on large samples, and
dropout's gradient through its mask."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import random

from gradient_check import check_op_gradients

N = 200_000


@pytest.mark.parametrize("draw", [
    lambda seed: random.normal((5,), seed=seed), lambda seed: random.uniform((5,), seed=seed),
    lambda seed: random.truncated_normal((5,), seed=seed), lambda seed: random.randint((5,), 0, 100, seed=seed),
    lambda seed: random.shuffle(np.arange(20), seed=seed), lambda seed: random.dropout(np.ones(20), 0.5, seed=seed),
    lambda seed: random.categorical(np.zeros((2, 10)), 5, seed=seed), lambda seed: random.gamma((5,), 2.0, seed=seed),
    lambda seed: random.beta((5,), 2.0, 3.0, seed=seed), lambda seed: random.binomial((5,), 10, 0.5, seed=seed),
], ids=["normal", "uniform", "truncated_normal", "randint", "shuffle", "dropout", "categorical", "gamma", "beta",
        "binomial"])
def test_seeding_rules(draw):
    np.testing.assert_array_equal(draw(3), draw(3))  # an int seed: the same values every call
    assert not np.array_equal(draw(3), draw(4))
    generator = random.SeedGenerator(7)
    first, second = draw(generator), draw(generator)  # a SeedGenerator advances
    assert not np.array_equal(first, second)
    again = random.SeedGenerator(7)
    np.testing.assert_array_equal(draw(again), first)
    np.testing.assert_array_equal(draw(again), second)
    keras.utils.set_random_seed(11)  # no seed: the global generator
    unseeded = [draw(None), draw(None)]
    assert not np.array_equal(*unseeded)
    keras.utils.set_random_seed(11)
    np.testing.assert_array_equal(draw(None), unseeded[0])


def test_seed_generator_without_seed_follows_set_random_seed():
    keras.utils.set_random_seed(5)
    a = random.normal((4,), seed=random.SeedGenerator())
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(random.normal((4,), seed=random.SeedGenerator()), a)
    assert random.SeedGenerator(3).get_config() == {"seed": 3}


def test_float32_by_default():
    for values in (random.normal((3,)), random.uniform((3,)), random.truncated_normal((3,)), random.gamma((3,), 1.0),
                   random.beta((3,), 1.0, 1.0), random.binomial((3,), 5, 0.5), random.dropout(np.ones(3, np.float32), 0.5)):
        assert values.dtype == np.float32
    assert random.normal((3,), dtype="float64").dtype == np.float64
    assert random.randint((3,), 0, 5).dtype == np.int32
    assert random.categorical(np.zeros((2, 3)), 4).dtype == np.int32
    assert random.categorical(np.zeros((2, 3)), 4).shape == (2, 4)


def test_distributions():
    x = random.normal((N,), mean=2.0, stddev=3.0, seed=1)
    assert abs(x.mean() - 2.0) < 0.03 and abs(x.std() - 3.0) < 0.03
    u = random.uniform((N,), minval=-1.0, maxval=3.0, seed=2)
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.02
    assert abs(u.std() - 4 / np.sqrt(12)) < 0.01
    t = random.truncated_normal((N,), mean=1.0, stddev=2.0, seed=3)
    assert np.all(np.abs(t - 1.0) <= 4.0)
    # the standard deviation of a normal cut at two standard deviations: 0.8796
    assert abs(t.mean() - 1.0) < 0.02 and abs(t.std() / 2.0 - 0.8796) < 0.005
    r = random.randint((N,), 3, 7, seed=4)
    assert set(np.unique(r)) == {3, 4, 5, 6}
    np.testing.assert_allclose(np.bincount(r)[3:] / N, 0.25, atol=0.005)
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]))
    c = random.categorical(logits, N // 10, seed=5)
    for row, p in zip(c, np.exp(logits)):
        np.testing.assert_allclose(np.bincount(row, minlength=3) / row.size, p, atol=0.01)
    g = random.gamma((N,), 3.0, seed=6)
    assert abs(g.mean() - 3.0) < 0.03 and abs(g.var() - 3.0) < 0.1


def test_shuffle_permutes_along_axis():
    x = np.arange(24).reshape(4, 6)
    shuffled = random.shuffle(x, axis=1, seed=1)
    np.testing.assert_array_equal(np.sort(shuffled, axis=1), x)
    assert not np.array_equal(shuffled, x)
    np.testing.assert_array_equal(shuffled, x[:, shuffled[0]])  # one order for every row


def test_dropout_rate_scale_and_noise_shape():
    x = np.ones((400, 500), np.float32)
    y = random.dropout(x, 0.3, seed=1)
    assert abs((y == 0).mean() - 0.3) < 0.005
    np.testing.assert_allclose(np.unique(y), [0, 1 / 0.7], rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.01
    shared = random.dropout(x, 0.5, noise_shape=(None, 1), seed=2)
    assert np.all(shared == shared[:, :1])  # one draw per row
    assert np.array_equal(random.dropout(x, 0.0, seed=3), x)


def test_dropout_gradient_is_the_mask():
    check_op_gradients(lambda x: random.dropout(x, 0.4, seed=9), np.random.default_rng(0).normal(size=(6, 7)))
    check_op_gradients(lambda x: random.dropout(x, 0.5, noise_shape=(1, 7), seed=9), np.ones((6, 7)))
    with keras.GradientTape() as tape:
        x = tape.watch(np.ones((50, 50)))
        y = keras.ops.sum(random.dropout(x, 0.5, seed=4))
    grad = tape.gradient(y, x)
    np.testing.assert_array_equal(grad, random.dropout(np.ones((50, 50)), 0.5, seed=4))


@pytest.mark.parametrize("call,message", [
    (lambda: random.normal((2,), seed=-1), "normal: seed must be"),
    (lambda: random.normal((2,), seed=1.5), "normal: seed must be"),
    (lambda: random.SeedGenerator("a"), "SeedGenerator: seed must be"),
    (lambda: random.dropout(np.ones(3), 1.0), r"dropout: rate must be in \[0, 1\), got rate=1.0"),
    (lambda: random.uniform((2,), dtype="int32"), "uniform: dtype must be a float type"),
    (lambda: random.randint((2,), 0, 3, dtype="float32"), "randint: dtype must be an integer type"),
    (lambda: random.categorical(np.zeros(3), 2), r"categorical: logits must have shape \(batch, classes\)"),
])
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
