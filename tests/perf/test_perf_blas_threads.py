"""Stopping OpenBLAS's idle threads before a threaded optimizer update (blas_threads.py):
it must never change a result, and must hold back whenever another thread could be
inside OpenBLAS."""
import threading

import numpy as np
import pytest

import minikeras as keras
from minikeras.blas import threads as blas_threads
from minikeras.optimizers import optimizer


def test_matrix_products_are_right_after_the_threads_are_stopped():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((300, 400)).astype(np.float32)
    b = rng.standard_normal((400, 200)).astype(np.float32)
    expected = a.astype(np.float64) @ b.astype(np.float64)
    for _ in range(3):
        blas_threads.release()
        np.testing.assert_allclose(a @ b, expected, rtol=1e-4, atol=1e-3)


def test_release_holds_back_while_another_thread_is_alive():
    assert blas_threads._only_own_threads()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, name="user-thread")
    other.start()
    try:
        assert not blas_threads._only_own_threads()
        calls = []
        saved = blas_threads._shutdown, blas_threads._looked_up
        blas_threads._shutdown, blas_threads._looked_up = lambda: calls.append(1), True
        try:
            blas_threads.release()
        finally:
            blas_threads._shutdown, blas_threads._looked_up = saved
        assert calls == []
    finally:
        stop.set()
        other.join()


def test_release_holds_back_outside_the_main_thread():
    seen = []
    worker = threading.Thread(target=lambda: seen.append(blas_threads._only_own_threads()))
    worker.start()
    worker.join()
    assert seen == [False]


def _fit(monkeypatch, enabled, verbose=0):
    monkeypatch.setattr(blas_threads, "ENABLED", enabled)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((64, 784)).astype(np.float32)
    y = rng.integers(0, 10, 64)
    keras.utils.set_random_seed(2)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=verbose)
    return model.get_weights()


def test_training_with_the_threads_stopped_gives_the_same_weights(monkeypatch):
    assert 784 * 512 >= optimizer.PARALLEL_MIN  # the update of this kernel is the threaded path
    monkeypatch.setattr(optimizer, "UPDATE_THREADS", 2)
    calls = []
    real_release = blas_threads.release
    real_shutdown = blas_threads._find_shutdown() or (lambda: None)
    monkeypatch.setattr(blas_threads, "release", lambda: calls.append(1) or real_release())
    shutdowns = []
    monkeypatch.setattr(blas_threads, "_shutdown", lambda: shutdowns.append(1) or real_shutdown())
    monkeypatch.setattr(blas_threads, "_looked_up", True)
    released = _fit(monkeypatch, True, verbose=1)  # with the progress bar (and tqdm's monitor thread)
    assert calls, "the threaded update did not ask to stop OpenBLAS's threads"
    assert len(shutdowns) == len(calls)
    kept = _fit(monkeypatch, False)
    for a, b in zip(released, kept):
        np.testing.assert_array_equal(a, b)


@pytest.mark.skipif(blas_threads._find_shutdown() is None, reason="NumPy's BLAS is not OpenBLAS")
def test_openblas_shutdown_is_found():
    assert callable(blas_threads._find_shutdown())


def test_tqdm_monitor_thread_does_not_hold_release_back():
    import io

    from tqdm import tqdm
    bar = tqdm(total=10, file=io.StringIO())
    try:
        assert any(type(t).__module__.startswith("tqdm") for t in threading.enumerate())
        assert blas_threads._only_own_threads()
    finally:
        bar.close()
