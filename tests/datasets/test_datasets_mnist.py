"""minikeras.datasets.mnist against the facts published in shared/datasets/README.md."""

import hashlib
import os

import numpy as np
import pytest

from minikeras.datasets import mnist

KEYS = ("x_train", "y_train", "x_test", "y_test")


@pytest.fixture(scope="module")
def data():
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    return dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)


def test_shapes_and_dtypes_as_keras(data):
    assert data["x_train"].shape == (60000, 28, 28)
    assert data["y_train"].shape == (60000,)
    assert data["x_test"].shape == (10000, 28, 28)
    assert data["y_test"].shape == (10000,)
    for key in KEYS:
        assert data[key].dtype == np.uint8, key


def test_readme_facts(data):
    assert data["y_train"][:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert np.bincount(data["y_train"]).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(data["y_test"]).tolist() == [
        980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert data["x_train"].mean(dtype=np.float64) == pytest.approx(33.3184, abs=5e-5)
    assert data["x_train"].max() == 255 and data["x_train"].min() == 0


def test_readme_checksums(data):
    # The README's digests, written out here independently of mnist.SHA256.
    expected = {
        "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
        "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
        "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
        "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
    }
    for key in KEYS:
        assert hashlib.sha256(data[key].tobytes()).hexdigest() == expected[key], key


def test_arrays_are_writable(data):
    # Like Keras, the caller owns the arrays and may normalise them in place.
    for key in KEYS:
        assert data[key].flags.writeable and data[key].flags.c_contiguous, key


def test_file_is_shipped_inside_the_package():
    assert os.path.isfile(os.path.join(mnist.DATA_DIR, "mnist.npz"))
    assert os.path.dirname(mnist.DATA_DIR) == os.path.dirname(mnist.__file__)


def test_explicit_absolute_path_loads_a_good_copy(tmp_path, data):
    path = tmp_path / "copy.npz"
    np.savez(path, **data)
    (x_train, _), (_, y_test) = mnist.load_data(str(path))
    # np.array_equal: assert_array_equal takes ~1 s on 47 M pixels
    assert np.array_equal(x_train, data["x_train"])
    assert np.array_equal(y_test, data["y_test"])


def test_corrupted_pixel_is_detected(tmp_path, data):
    bad = dict(data)
    bad["x_test"] = data["x_test"].copy()
    bad["x_test"][1234, 14, 14] ^= 1
    path = tmp_path / "corrupt.npz"
    np.savez(path, **bad)
    with pytest.raises(ValueError, match="corrupt") as err:
        mnist.load_data(path)
    assert str(path) in str(err.value) and "x_test" in str(err.value)


def test_corrupted_label_via_monkeypatched_location(tmp_path, monkeypatch, data):
    bad = dict(data)
    bad["y_train"] = data["y_train"].copy()
    bad["y_train"][0] = 3
    np.savez(tmp_path / "mnist.npz", **bad)
    monkeypatch.setattr(mnist, "DATA_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="y_train") as err:
        mnist.load_data()
    assert str(tmp_path / "mnist.npz") in str(err.value)


def test_wrong_shape_or_missing_array_is_refused(tmp_path, data):
    path = tmp_path / "short.npz"
    np.savez(path, **{**data, "y_test": data["y_test"][:-1]})
    with pytest.raises(ValueError, match=r"y_test.*\(10000,\).*\(9999,\)"):
        mnist.load_data(path)
    path = tmp_path / "missing.npz"
    np.savez(path, x_train=data["x_train"], y_train=data["y_train"])
    with pytest.raises(ValueError, match="lacks the arrays"):
        mnist.load_data(path)


def test_truncated_or_foreign_file_is_refused(tmp_path):
    packaged = os.path.join(mnist.DATA_DIR, "mnist.npz")
    with open(packaged, "rb") as f:
        head = f.read(1 << 20)
    path = tmp_path / "truncated.npz"
    path.write_bytes(head)
    with pytest.raises(ValueError, match="truncated.npz"):
        mnist.load_data(path)
    path = tmp_path / "text.npz"
    path.write_text("not a zip file\n")
    with pytest.raises(ValueError, match="text.npz"):
        mnist.load_data(path)


def test_missing_file_names_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        mnist.load_data("nope.npz")
    with pytest.raises(FileNotFoundError, match="absent.npz"):
        mnist.load_data(str(tmp_path / "absent.npz"))
