"""boston_housing, california_housing, cifar10, cifar100, imdb and reuters read the files Keras
caches (issue 19). tests/fixtures/keras_datasets_cache/ holds small synthetic files in Keras's
cache layout and tests/fixtures/keras_datasets_reference.npz what real Keras 3.15.1's loaders
return for them (tests/fixtures/make_keras_datasets_reference.py); here they are put in a
temporary KERAS_HOME and loaded by minikeras."""
import os
import pickle
import shutil

import numpy as np
import pytest

import minikeras as keras

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures")
REFERENCE = np.load(os.path.join(FIXTURES, "keras_datasets_reference.npz"))


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    shutil.copytree(os.path.join(FIXTURES, "keras_datasets_cache"), tmp_path / "home")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _same(key, result):
    (x_train, y_train), (x_test, y_test) = result
    for name, value in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
        value = np.asarray(value)
        if value.dtype == object:
            np.testing.assert_array_equal([len(v) for v in value], REFERENCE[f"{key}/{name}/lengths"])
            value = np.concatenate([np.asarray(v, dtype=np.int64) for v in value])
        expected = REFERENCE[f"{key}/{name}"]
        assert value.shape == expected.shape and value.dtype == expected.dtype, (key, name)
        np.testing.assert_array_equal(value, expected, err_msg=f"{key} {name}")


@pytest.mark.parametrize("key, call", [
    ("boston_housing/default", lambda: keras.datasets.boston_housing.load_data()),
    ("boston_housing/split", lambda: keras.datasets.boston_housing.load_data(test_split=0.3, seed=7)),
    ("california_housing/large", lambda: keras.datasets.california_housing.load_data()),
    ("california_housing/small", lambda: keras.datasets.california_housing.load_data(version="small",
                                                                                     test_split=0.25, seed=3)),
    ("imdb/default", lambda: keras.datasets.imdb.load_data()),
    ("imdb/options", lambda: keras.datasets.imdb.load_data(num_words=30, skip_top=3, maxlen=10, seed=5,
                                                           start_char=None, index_from=2)),
    ("imdb/no_oov", lambda: keras.datasets.imdb.load_data(num_words=40, oov_char=None)),
    ("reuters/default", lambda: keras.datasets.reuters.load_data()),
    ("reuters/options", lambda: keras.datasets.reuters.load_data(num_words=50, skip_top=2, maxlen=9, test_split=0.4,
                                                                 seed=1)),
    ("cifar100/fine", lambda: keras.datasets.cifar100.load_data()),
    ("cifar100/coarse", lambda: keras.datasets.cifar100.load_data(label_mode="coarse")),
])
def test_loaders_return_what_keras_returns(keras_home, key, call):
    _same(key, call())


def test_cifar10_reads_keras_layout(keras_home):
    (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    assert x_train.shape == (15, 32, 32, 3) and x_train.dtype == np.uint8 and y_train.shape == (15, 1)
    assert x_test.shape == (3, 32, 32, 3) and y_test.dtype == np.uint8
    # the archive was unpacked where Keras 3.15 unpacks it
    folder = keras_home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    with open(folder / "data_batch_2", "rb") as handle:
        batch = pickle.load(handle, encoding="bytes")
    np.testing.assert_array_equal(x_train[3:6], batch[b"data"].reshape(3, 3, 32, 32).transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(y_train[3:6, 0], batch[b"labels"])


def test_a_missing_file_names_the_url_and_the_cache_path(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty"))
    with pytest.raises(OSError, match=r"fetch https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz "
                                      r"yourself and save it as .*empty/datasets/imdb.npz"):
        keras.datasets.imdb.load_data()
    with pytest.raises(OSError, match=r"cifar-10-python.tar.gz yourself and save it as "
                                      r".*datasets/cifar-10-batches-py-target_archive"):
        keras.datasets.cifar10.load_data()


def test_a_tampered_pickle_is_refused(keras_home):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo owned",))

    path = keras_home / "datasets" / "reuters.npz"
    evil = np.empty(1, dtype=object)
    evil[0] = Evil()
    np.savez(path, x=evil, y=np.zeros(1))
    with pytest.raises(pickle.UnpicklingError, match="refusing to load"):
        keras.datasets.reuters.load_data()


def test_arguments_are_checked_as_in_keras(keras_home):
    with pytest.raises(ValueError, match="Invalid `test_split` argument: 1"):
        keras.datasets.boston_housing.load_data(test_split=1)
    with pytest.raises(ValueError, match="`label_mode` must be one of"):
        keras.datasets.cifar100.load_data(label_mode="medium")
    with pytest.raises(ValueError, match="Argument `version` must be one of 'small', 'large'"):
        keras.datasets.california_housing.load_data(version="tiny")
    assert len(keras.datasets.reuters.get_label_names()) == 46
