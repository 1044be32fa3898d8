"""fit/evaluate/predict from a keras.utils.PyDataset."""
import threading
import time
import warnings

import numpy as np
import pytest

import minikeras as mk
from data_helpers import ArrayBatchesDataset, assert_same_weights, mlp, mnist_slice, reader_threads


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_same_seed_same_weights_array_and_equivalent_pydataset(workers):
    # "Equivalent": the PyDataset gives exactly the batches fit(x, y, batch_size=100,
    # shuffle=False) makes, in the same order (the last one partial: 1000 = 10 * 100 + 0,
    # so use 1030 rows to include a partial batch). Dropout draws from the same seeded
    # generator in both runs, so the weights must match bit for bit.
    x, y = mnist_slice(1030)
    from_arrays = mlp(seed=3, dropout=0.2)
    from_arrays.fit(x, y, batch_size=100, epochs=2, shuffle=False, verbose=0)
    dataset = ArrayBatchesDataset(x, y, 100, workers=workers)
    from_dataset = mlp(seed=3, dropout=0.2)
    from_dataset.fit(dataset, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(from_arrays, from_dataset)
    assert not reader_threads()


def test_shuffled_pydataset_matches_batch_shuffled_arrays():
    # shuffle=True on a PyDataset permutes batch indices; shuffle="batch" on arrays permutes
    # the order of contiguous batches. Both draw one permutation of the batch count per
    # epoch from the global generator, so with the same seed they visit the same batches.
    x, y = mnist_slice(1000)
    from_arrays = mlp(seed=5)
    from_arrays.fit(x, y, batch_size=50, epochs=2, shuffle="batch", verbose=0)
    dataset = ArrayBatchesDataset(x, y, 50)
    from_dataset = mlp(seed=5)
    from_dataset.fit(dataset, epochs=2, shuffle=True, verbose=0)
    assert_same_weights(from_arrays, from_dataset)
    # calls[0] is the peek that builds the model; it is the first epoch's batch 0 (read once)
    first_epoch = dataset.calls[:20]
    assert sorted(first_epoch) == list(range(20)) and first_epoch != list(range(20))


def test_pydataset_trains_mnist_and_evaluates_like_arrays():
    x, y = mnist_slice(2048)
    model = mlp(seed=1)
    history = model.fit(ArrayBatchesDataset(x[:1536], y[:1536], 64), epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    from_dataset = model.evaluate(ArrayBatchesDataset(x[1536:], y[1536:], 128), return_dict=True, verbose=0)
    from_arrays = model.evaluate(x[1536:], y[1536:], batch_size=128, return_dict=True, verbose=0)
    assert from_dataset["accuracy"] > 0.75
    assert from_dataset == pytest.approx(from_arrays, rel=1e-6)
    predicted = model.predict(ArrayBatchesDataset(x[1536:], y[1536:], 100), verbose=0)
    np.testing.assert_array_equal(predicted, model.predict(x[1536:], batch_size=100, verbose=0))


def test_epoch_hooks_steps_per_epoch_and_sample_weights():
    x, y = mnist_slice(500)
    weights = np.linspace(0.1, 2.0, 500).astype(np.float32)
    dataset = ArrayBatchesDataset(x, y, 100, sample_weight=weights, workers=0)
    model = mlp()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(dataset, epochs=4, steps_per_epoch=3, shuffle=False, verbose=0)
    # 5 batches, 3 per epoch: epochs of 3, 2 (ran out, warned), 3, 2 steps, as Keras does.
    assert dataset.calls == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]  # the peek is the first batch 0 (read once)
    assert dataset.epoch_begins == dataset.epoch_ends == 4
    assert sum("ran out of data" in str(w.message) for w in caught) == 2
    same = mlp()
    same.fit(x, y, sample_weight=weights, batch_size=100, epochs=2, shuffle=False, verbose=0)
    assert_same_weights(model, same)


def test_class_weight_applies_per_batch():
    x, y = mnist_slice(400)
    class_weight = {0: 3.0, 1: 0.5}
    model = mlp()
    model.fit(ArrayBatchesDataset(x, y, 100), class_weight=class_weight, shuffle=False, verbose=0)
    same = mlp()
    same.fit(x, y, class_weight=class_weight, batch_size=100, shuffle=False, verbose=0)
    assert_same_weights(model, same)


class _Slow(mk.utils.PyDataset):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.active = 0
        self.most_active = 0
        self.lock = threading.Lock()

    def __len__(self):
        return 12

    def __getitem__(self, index):
        with self.lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        time.sleep(0.01 * (index % 3))  # out-of-order finishing
        with self.lock:
            self.active -= 1
        return np.full((2, 3), index, dtype=np.float32), np.zeros(2, dtype=np.int64)


def test_workers_read_in_parallel_but_batches_come_in_order():
    model = mk.Sequential([mk.Input((3,)), mk.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    seen = []

    class Record(mk.callbacks.Callback):
        def on_predict_batch_end(self, batch, logs=None):
            seen.append(batch)

    dataset = _Slow(workers=4, max_queue_size=6)
    out = model.predict(dataset, callbacks=[Record()], verbose=0)
    assert out.shape == (24, 2)
    single = model.predict(np.repeat(np.arange(12, dtype=np.float32), 2)[:, None].repeat(3, axis=1), verbose=0)
    np.testing.assert_allclose(out, single, rtol=1e-6)
    assert dataset.most_active > 1
    assert not reader_threads()


def test_use_multiprocessing_is_refused_and_nothing_trains():
    x, y = mnist_slice(100)
    model = mlp()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="use_multiprocessing=True is not supported"):
        model.fit(ArrayBatchesDataset(x, y, 10, use_multiprocessing=True), verbose=0)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


@pytest.mark.parametrize("kwargs, match", [
    ({"y": np.zeros(10)}, "`y` should not be passed"),
    ({"sample_weight": np.ones(10)}, "`sample_weights` should not be passed"),
    ({"validation_split": 0.2}, "validation_split.*only supported"),
])
def test_pydataset_argument_errors(kwargs, match):
    x, y = mnist_slice(100)
    with pytest.raises(ValueError, match=match):
        mlp().fit(ArrayBatchesDataset(x, y, 10), verbose=0, **kwargs)


def test_bad_batches_and_infinite_datasets():
    class Bad(mk.utils.PyDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return [np.zeros((2, 784))] * 4

    with pytest.raises(ValueError, match=r"Bad.__getitem__ must give a tuple .* of length 4"):
        mlp().fit(Bad(), verbose=0)

    class NoTargets(Bad):
        def __getitem__(self, index):
            return (np.zeros((2, 784), dtype=np.float32),)

    with pytest.raises(ValueError, match="without targets"):
        mlp().fit(NoTargets(), verbose=0)
    assert mlp().predict(NoTargets(), verbose=0).shape == (4, 10)

    class Endless(mk.utils.PyDataset):
        num_batches = None

        def __getitem__(self, index):
            return np.full((4, 784), index % 7, dtype=np.float32), np.full(4, index % 10)

    with pytest.raises(ValueError, match="infinite .* pass steps_per_epoch"):
        mlp().fit(Endless(), verbose=0)
    history = mlp().fit(Endless(), steps_per_epoch=5, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2


def test_subclass_without_super_init_warns_and_uses_defaults():
    class NoSuper(mk.utils.PyDataset):
        def __init__(self):
            self.x, self.y = mnist_slice(64)

        def __len__(self):
            return 2

        def __getitem__(self, index):
            return self.x[index * 32:(index + 1) * 32], self.y[index * 32:(index + 1) * 32]

    with pytest.warns(UserWarning, match="should call `super"):
        mlp().fit(NoSuper(), verbose=0)


def test_pydataset_is_exported_with_keras_names():
    assert mk.utils.PyDataset is mk.utils.Sequence
    dataset = ArrayBatchesDataset(*mnist_slice(50), 20)
    assert dataset.num_batches == 3
    assert [len(b[0]) for b in dataset] == [20, 20, 10]
