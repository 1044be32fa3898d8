"""Inference keeps no state on the layers: many threads may predict with one model at once."""
import threading

import numpy as np

import minikeras as keras


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((6, 4)), keras.layers.Flatten(), keras.layers.Dense(32, activation="relu"),
        keras.layers.Dropout(0.5), keras.layers.Reshape((4, 8)), keras.layers.Activation("tanh"),
        keras.layers.Flatten(), keras.layers.Dense(5), keras.layers.Softmax()])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    model.fit(rng.standard_normal((64, 6, 4)), rng.integers(0, 5, 64), epochs=1, verbose=0)
    return model


def _state(model):
    """Every private attribute of every layer (caches, masks): the same object, or the same value."""
    return {(layer.name, key): id(value) if isinstance(value, (np.ndarray, tuple, list, dict)) else repr(value)
            for layer in model.layers for key, value in vars(layer).items() if key.startswith("_")}


def test_eight_threads_predicting_get_the_single_threaded_results():
    model = _model()
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal((n, 6, 4)).astype(np.float32) for n in (1, 7, 32, 33, 100)]
    expected = [model.predict(x, verbose=0) for x in inputs]
    expected_call = [model(x, training=False) for x in inputs]
    state = _state(model)
    weights = [w.copy() for w in model.get_weights()]
    barrier = threading.Barrier(8)
    mismatches, errors = [], []

    def worker(thread):
        try:
            barrier.wait()
            for i in range(100):
                k = (i + thread) % len(inputs)
                if i % 2:
                    out, want = model.predict(inputs[k], verbose=0), expected[k]
                else:
                    out, want = model(inputs[k], training=False), expected_call[k]
                if not np.array_equal(out, want):
                    mismatches.append((thread, i, k))
        except Exception as error:  # reported below with the thread's number
            errors.append((thread, repr(error)))

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and not mismatches, (errors, mismatches[:5])
    assert _state(model) == state
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))


def test_inference_leaves_no_trace_on_the_layers():
    model = _model()
    before = _state(model)
    model.predict(np.ones((3, 6, 4)), verbose=0)
    model(np.zeros((2, 6, 4)), training=False)
    assert _state(model) == before
