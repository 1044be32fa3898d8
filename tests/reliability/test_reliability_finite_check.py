"""NaN/inf in the data is found once per fit/evaluate call, cheaply and exactly where it is."""
import tracemalloc

import numpy as np
import pytest

from minikeras.models import validation
from reliability_helpers import data, small_classifier


@pytest.mark.parametrize("index, value", [(0, np.nan), (-1, np.inf), ((123_457, 3), -np.inf), ((99_999, 7), np.nan)])
def test_finds_the_first_bad_sample_anywhere(index, value):
    x = np.ones((200_000, 8), dtype=np.float32)  # several chunks
    x[index] = value
    row = index[0] if isinstance(index, tuple) else (0 if index == 0 else len(x) - 1)
    with pytest.raises(ValueError, match=rf"x must hold finite numbers, got {value} in sample {row} \(of 200000\)"):
        validation.check_finite(x, "x")


def test_finite_data_and_integer_data_pass():
    validation.check_finite(np.full((10, 3), np.finfo(np.float32).max, np.float32), "x")
    validation.check_finite(np.arange(12).reshape(4, 3), "x")
    validation.check_finite(np.zeros((0, 3)), "x")


def test_the_check_allocates_no_copy_of_the_data():
    x = np.random.default_rng(0).standard_normal((1_000_000, 16)).astype(np.float32)  # 64 MB
    tracemalloc.start()
    try:
        validation.check_finite(x, "x")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # a boolean copy would be 16 MB, a float copy 64 MB


def test_checked_once_per_call_not_per_epoch_or_batch(monkeypatch):
    seen = []
    original = validation.check_finite
    monkeypatch.setattr(validation, "check_finite", lambda a, arg: (seen.append(arg), original(a, arg)))
    model = small_classifier(train=False)
    x, y = data()
    model.fit(x, y, epochs=3, batch_size=4, verbose=0)
    assert seen.count("x") == 1 and seen.count("y") == 1
    seen.clear()
    model.evaluate(x, y, batch_size=4, verbose=0)
    assert seen.count("x") == 1


def test_the_check_runs_before_anything_changes():
    model = small_classifier()
    x, y = data()
    x[-1, -1] = np.nan  # the very last value: training on the earlier batches would already have begun
    weights = [w.copy() for w in model.get_weights()]
    iterations = model.optimizer.iterations
    with pytest.raises(ValueError, match="sample 19"):
        model.fit(x, y, batch_size=4, verbose=0, shuffle=False)
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    assert model.optimizer.iterations == iterations


def test_data_on_disk_is_not_scanned(tmp_path):
    # A memmap is read a batch at a time by fit; scanning it here would read the whole file.
    x = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float32, shape=(100, 4))
    x[50, 2] = np.nan
    validation.check_finite(x, "x")
    with pytest.raises(ValueError, match="sample 50"):
        validation.check_finite(np.asarray(x).copy(), "x")
