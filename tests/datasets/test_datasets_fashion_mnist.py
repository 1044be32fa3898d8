"""minikeras.datasets.fashion_mnist: where it looks, what it returns, how it fails."""

import gzip
import os
import shutil
import struct

import numpy as np
import pytest

from minikeras.datasets import fashion_mnist

NAMES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
REAL_DIR = "/usr/share/datasets/fashion-mnist"
have_real = all(os.path.isfile(os.path.join(REAL_DIR, n)) for n in NAMES)


def write_idx(path, array):
    header = struct.pack(">BBBB", 0, 0, 8, array.ndim) + struct.pack(f">{array.ndim}I",
                                                                    *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def fake_set(directory, n_train=20, n_test=10, seed=0):
    """Four small, valid IDX gzip files (fewer images than the real set)."""
    rng = np.random.default_rng(seed)
    arrays = [rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              (np.arange(n_train) % 10).astype(np.uint8),
              rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              (np.arange(n_test) % 10).astype(np.uint8)]
    directory.mkdir(parents=True, exist_ok=True)
    for name, a in zip(NAMES, arrays):
        write_idx(directory / name, a)
    return arrays


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No directory has the files: empty HOME, no env var, Debian directory moved away."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(fashion_mnist.ENV_VAR, raising=False)
    monkeypatch.setattr(fashion_mnist, "DEBIAN_DIR", str(tmp_path / "no-debian"))
    return tmp_path


def test_error_lists_places_and_how_to_get_the_files(nowhere, monkeypatch):
    partial = nowhere / "partial"
    fake_set(partial)
    (partial / NAMES[2]).unlink()
    monkeypatch.setenv(fashion_mnist.ENV_VAR, str(partial))
    with pytest.raises(FileNotFoundError) as err:
        fashion_mnist.load_data()
    message = str(err.value)
    assert f"{partial}: missing t10k-images-idx3-ubyte.gz" in message
    assert str(nowhere / "home" / ".keras" / "datasets" / "fashion-mnist") in message
    assert str(nowhere / "no-debian") in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "~/.keras/datasets/fashion-mnist/" in message
    for name in NAMES:
        assert name in message


def test_search_order(nowhere, monkeypatch):
    home_dir = nowhere / "home" / ".keras" / "datasets" / "fashion-mnist"
    env_dir = nowhere / "env"
    debian_dir = nowhere / "no-debian"
    from_debian = fake_set(debian_dir, seed=3)
    (x_train, _), _ = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, from_debian[0])

    from_home = fake_set(home_dir, seed=2)
    (x_train, _), _ = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, from_home[0])

    from_env = fake_set(env_dir, n_train=30, seed=1)
    monkeypatch.setenv(fashion_mnist.ENV_VAR, str(env_dir))
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    np.testing.assert_array_equal(x_train, from_env[0])
    np.testing.assert_array_equal(y_train, from_env[1])
    np.testing.assert_array_equal(x_test, from_env[2])
    np.testing.assert_array_equal(y_test, from_env[3])
    assert fashion_mnist.search_dirs() == [str(env_dir), str(home_dir), str(debian_dir)]


def test_mismatched_counts_are_refused(nowhere, monkeypatch):
    directory = nowhere / "env"
    fake_set(directory)
    write_idx(directory / NAMES[1], np.zeros(19, dtype=np.uint8))
    monkeypatch.setenv(fashion_mnist.ENV_VAR, str(directory))
    with pytest.raises(ValueError, match="20 images but 19 labels"):
        fashion_mnist.load_data()


def test_labels_out_of_range_are_refused(nowhere, monkeypatch):
    directory = nowhere / "env"
    fake_set(directory)
    write_idx(directory / NAMES[3], np.full(10, 10, dtype=np.uint8))
    monkeypatch.setenv(fashion_mnist.ENV_VAR, str(directory))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz.*0..9, found 10"):
        fashion_mnist.load_data()


@pytest.mark.skipif(not have_real,
                    reason="apt-get install dataset-fashion-mnist for the real files")
def test_real_files(tmp_path, monkeypatch):
    # Read through the env var so a ~/.keras copy can't stand in for the Debian files.
    monkeypatch.setenv(fashion_mnist.ENV_VAR, REAL_DIR)
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert x_train.max() == 255 and x_train.min() == 0
    # first training label of Fashion-MNIST is 9 (ankle boot), first test label 9 too
    assert y_train[0] == 9 and y_test[0] == 9


@pytest.mark.skipif(not have_real,
                    reason="apt-get install dataset-fashion-mnist for the real files")
def test_truncated_copy_of_real_file_is_refused(tmp_path, monkeypatch):
    for name in NAMES:
        shutil.copy(os.path.join(REAL_DIR, name), tmp_path / name)
    data = (tmp_path / NAMES[1]).read_bytes()
    with gzip.open(tmp_path / NAMES[1], "wb") as f:
        f.write(gzip.decompress(data)[:-100])
    monkeypatch.setenv(fashion_mnist.ENV_VAR, str(tmp_path))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.gz.*truncated"):
        fashion_mnist.load_data()
