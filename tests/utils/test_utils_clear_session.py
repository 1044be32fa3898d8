"""keras.utils.clear_session: Keras's signature, names restart, garbage collected, seeds kept."""
import gc
import inspect
import weakref

import numpy as np

import minikeras as keras


def test_same_function_and_signature_as_keras():
    # Keras 3.15: keras.utils.clear_session is keras.backend.clear_session, signature (free_memory=True).
    assert keras.utils.clear_session is keras.backend.clear_session
    assert str(inspect.signature(keras.utils.clear_session)) == "(free_memory=True)"


def test_names_restart_at_dense_and_sequential():
    keras.layers.Dense(1), keras.layers.Dense(1), keras.Sequential()
    keras.utils.clear_session()
    assert keras.layers.Dense(1).name == "dense"
    assert keras.layers.Dense(1).name == "dense_1"
    assert keras.Sequential().name == "sequential"
    keras.utils.clear_session(free_memory=False)
    assert keras.layers.Dense(1).name == "dense"


class _Cycle:
    pass


def _orphan_cycle():
    a, b = _Cycle(), _Cycle()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_free_memory_collects_unreachable_cycles():
    enabled = gc.isenabled()
    gc.disable()
    try:
        ref = _orphan_cycle()
        keras.utils.clear_session(free_memory=False)
        assert ref() is not None
        keras.utils.clear_session()
        assert ref() is None
    finally:
        if enabled:
            gc.enable()


def test_seeded_weights_are_unchanged_by_clear_session():
    def weights(clear):
        keras.utils.set_random_seed(7)
        if clear:
            keras.utils.clear_session()
        return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).get_weights()[0]
    np.testing.assert_array_equal(weights(False), weights(True))
