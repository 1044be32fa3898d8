"""The benchmark's hand-written NumPy loop trains exactly the model minikeras trains.

benchmarks/bench_fit.py compares ``fit`` against that loop; the comparison only means
something if both compute the same thing, so a few steps of each must give the same weights.
"""
import importlib.util
import os

import numpy as np
import pytest

BENCH = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "benchmarks", "bench_fit.py")


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_fit", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_hand_loop_and_fit_give_the_same_weights(bench, optimizer):
    rng = np.random.default_rng(0)
    x = rng.random((70, 784), dtype=np.float32)
    y = rng.integers(0, 10, 70)
    model = bench.minikeras_model((16,), optimizer)
    loop = bench.HandLoop((16,), 32, optimizer)
    initial = model.get_weights()
    for i, w in enumerate(initial):
        loop.params[i][...] = w
    model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    order = np.arange(len(x))
    for _ in range(2):
        for start in range(0, len(x), 32):  # the last batch has 6 rows
            loop.step(x, y, order[start:start + 32])
    for got, want in zip(model.get_weights(), loop.params):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-6)
    assert not np.allclose(model.get_weights()[0], initial[0])
