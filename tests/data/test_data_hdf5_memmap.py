"""Training from data on disk: h5py.Dataset objects and NumPy memmaps, with bounded memory."""
import tracemalloc
import warnings

import h5py
import numpy as np
import pytest

import minikeras as mk
from data_helpers import assert_same_weights, mlp, mnist_slice, reader_threads
from minikeras.models.data_adapter import ArrayAdapter


def write_lazily(path, rows, features=784, chunk_rows=5000, seed=0):
    """An HDF5 file of ``rows`` float32 rows written ``chunk_rows`` at a time, never whole in memory.

    Labels are the argmax of a fixed random projection of the first 32 features, so the
    data are learnable (a 2 GB-equivalent set scaled down for CI).
    """
    rng = np.random.default_rng(seed)
    projection = rng.normal(size=(32, 10)).astype(np.float32)
    with h5py.File(path, "w") as f:
        x = f.create_dataset("x", (rows, features), dtype="float32", chunks=(256, features))
        y = f.create_dataset("y", (rows,), dtype="int64")
        for start in range(0, rows, chunk_rows):
            block = rng.normal(size=(min(chunk_rows, rows - start), features)).astype(np.float32)
            x[start:start + len(block)] = block
            y[start:start + len(block)] = np.argmax(block[:, :32] @ projection, axis=1)


class CountingDataset:
    """An h5py.Dataset wrapper that records every index it is read with."""

    def __init__(self, dataset):
        self.dataset, self.reads = dataset, []
        self.shape, self.dtype = dataset.shape, dataset.dtype

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        self.reads.append(index)
        return self.dataset[index]


def test_train_on_an_hdf5_file_larger_than_what_is_held_in_memory(tmp_path):
    path = tmp_path / "big.h5"
    write_lazily(path, 50_000)  # 157 MB of float32 rows on disk
    model = mlp(seed=0, hidden=32)
    with h5py.File(path, "r") as f:
        tracemalloc.start()
        try:
            history = model.fit(f["x"], f["y"], batch_size=256, epochs=1, shuffle="batch", verbose=0,
                                validation_split=0.1)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    # A few batches of 256 x 784 float32 (0.8 MB each) and the labels, not the 157 MB file.
    print(f"peak traced allocation {peak / 1e6:.1f} MB")
    assert peak < 20e6, f"peak traced allocation {peak / 1e6:.1f} MB"
    assert history.history["accuracy"][0] > 0.2 and history.history["val_accuracy"][0] > 0.3
    assert not reader_threads()


def test_hdf5_gives_the_same_weights_as_the_same_rows_in_memory(tmp_path):
    x, y = mnist_slice(1000)
    with h5py.File(tmp_path / "mnist.h5", "w") as f:
        f["x"], f["y"] = x, y
    with h5py.File(tmp_path / "mnist.h5", "r") as f:
        for shuffle in (False, "batch"):
            from_disk = mlp(seed=4, dropout=0.2)
            from_disk.fit(f["x"], f["y"], batch_size=64, epochs=2, shuffle=shuffle, verbose=0)
            in_memory = mlp(seed=4, dropout=0.2)
            in_memory.fit(x, y, batch_size=64, epochs=2, shuffle=shuffle, verbose=0)
            assert_same_weights(from_disk, in_memory)
        np.testing.assert_array_equal(from_disk.predict(f["x"], batch_size=100, verbose=0),
                                      from_disk.predict(x, batch_size=100, verbose=0))


def test_shuffle_true_on_hdf5_reads_contiguous_batches_in_shuffled_order(tmp_path):
    x, y = mnist_slice(640)
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["x"] = x
    with h5py.File(tmp_path / "d.h5", "r") as f:
        counted = CountingDataset(f["x"])
        with pytest.warns(UserWarning, match=r"shuffle=True on a CountingDataset shuffles the order of contiguous"):
            adapter = ArrayAdapter(counted, y, batch_size=64, shuffle=True)
        mk.utils.set_random_seed(0)
        batches = list(adapter.epoch())
    # Every read is one increasing slice (what HDF5 can read), each block once, in shuffled order.
    starts = [index.start for index in counted.reads]
    assert all(isinstance(index, slice) and index.stop - index.start == 64 for index in counted.reads)
    assert sorted(starts) == list(range(0, 640, 64)) and starts != sorted(starts)
    for (xb, yb, _), start in zip(batches, starts):
        np.testing.assert_array_equal(xb, x[start:start + 64])
        np.testing.assert_array_equal(yb, y[start:start + 64])


def test_validation_split_on_hdf5_reads_only_the_validation_rows_when_validating(tmp_path):
    x, y = mnist_slice(400)
    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["x"] = x
    with h5py.File(tmp_path / "d.h5", "r") as f:
        counted = CountingDataset(f["x"])
        model = mlp()
        history = model.fit(counted, y, batch_size=100, validation_split=0.25, shuffle=False, verbose=0)
    # The first batch read once to build the model, 3 training batches, then 1 validation batch.
    reads = [(r.start, r.stop) for r in counted.reads]
    assert reads == [(0, 100), (0, 100), (100, 200), (200, 300), (300, 400)]
    same = mlp()
    expected = same.fit(x, y, batch_size=100, validation_split=0.25, shuffle=False, verbose=0)
    assert history.history.keys() == expected.history.keys()
    for key, values in expected.history.items():
        assert history.history[key] == pytest.approx(values), key


def test_predict_on_a_memmap_allocates_only_the_output_and_a_few_batches(tmp_path):
    rows = 40_000
    data = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float32, shape=(rows, 784))
    for start in range(0, rows, 10_000):
        data[start:start + 10_000] = np.random.default_rng(start).random((10_000, 784), dtype=np.float32)
    data.flush()
    del data
    x = np.load(tmp_path / "x.npy", mmap_mode="r")  # 125 MB on disk
    assert isinstance(x, np.memmap)
    model = mlp()
    tracemalloc.start()
    try:
        out = model.predict(x, batch_size=500, verbose=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out.shape == (rows, 10)
    # The output is 1.6 MB; a copy of the input would be 125 MB.
    print(f"peak traced allocation {peak / 1e6:.1f} MB")
    assert peak < 12e6, f"peak traced allocation {peak / 1e6:.1f} MB"
    np.testing.assert_array_equal(out[-500:], model.predict(np.asarray(x[-500:]), batch_size=500, verbose=0))
    assert not reader_threads()


def test_memmap_training_matches_in_memory(tmp_path):
    x, y = mnist_slice(600)
    np.save(tmp_path / "x.npy", x)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    from_disk = mlp(seed=9)
    from_disk.fit(mapped, y, batch_size=50, epochs=2, verbose=0)  # shuffle=True: row permutation
    in_memory = mlp(seed=9)
    in_memory.fit(x, y, batch_size=50, epochs=2, verbose=0)
    assert_same_weights(from_disk, in_memory)
