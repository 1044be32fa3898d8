"""keras.distribution in a world of one (no mpirun, no mpi4py needed): Keras's names, and nothing
changes."""
import json
import os

import numpy as np
import pytest

import minikeras as keras

API = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "keras-api-3.15.1.json")
PROVIDED = ["DataParallel", "DeviceMesh", "distribution", "get_device_count", "initialize", "list_devices",
            "set_distribution"]


def test_keras_names():
    path = os.path.abspath(API)
    if os.path.exists(path):  # the names Keras 3.15.1 exports; minikeras leaves out model parallelism
        keras_names = set(json.load(open(path))["modules"]["distribution"])
        assert set(PROVIDED) <= keras_names
        assert keras_names - set(PROVIDED) == {"LayoutMap", "ModelParallel", "TensorLayout", "distribute_tensor"}
    for name in PROVIDED + ["process_id", "num_processes"]:
        assert callable(getattr(keras.distribution, name))


def test_world_of_one():
    keras.distribution.initialize()
    assert keras.distribution.process_id() == 0 and keras.distribution.num_processes() == 1
    assert keras.distribution.list_devices() == ["cpu:0"] and keras.distribution.get_device_count() == 1
    with pytest.raises(ValueError, match="num_processes=2"):
        keras.distribution.initialize(num_processes=2)
    with pytest.raises(ValueError, match="one replica per MPI process"):
        keras.distribution.DataParallel(devices=["cpu:0", "cpu:1"])


def test_set_distribution_and_scope():
    assert keras.distribution.distribution() is None
    outer, inner = keras.distribution.DataParallel(), keras.distribution.DataParallel(auto_shard_dataset=False)
    keras.distribution.set_distribution(outer)
    try:
        with inner.scope() as entered:
            assert entered is inner and keras.distribution.distribution() is inner
        assert keras.distribution.distribution() is outer
    finally:
        keras.distribution.set_distribution(None)
    assert keras.distribution.distribution() is None
    with pytest.raises(ValueError, match="DataParallel only"):
        keras.distribution.set_distribution("data_parallel")


def _train():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((70, 6)).astype(np.float32), rng.integers(0, 3, 70)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.3),
                              keras.layers.BatchNormalization(synchronized=True), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=16, epochs=2, validation_split=0.2, verbose=0)
    return model.get_weights(), history.history, model.predict(x, verbose=0)


def test_one_process_under_data_parallel_is_bitwise_unchanged():
    plain = _train()
    with keras.distribution.DataParallel().scope():
        distributed = _train()
    for a, b in zip(plain[0] + [plain[2]], distributed[0] + [distributed[2]]):
        assert np.array_equal(a, b)
    assert plain[1] == distributed[1]
