"""minikeras.datasets.idx.read_idx on IDX files written here and on the real Fashion-MNIST."""

import gzip
import os
import struct

import numpy as np
import pytest

from minikeras.datasets.idx import read_idx

DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"


def idx_bytes(array, type_byte=0x08):
    """IDX encoding written independently of the reader: struct, not numpy headers."""
    header = struct.pack(">BBBB", 0, 0, type_byte, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, data, compress):
    if compress:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path


@pytest.fixture
def images():
    return np.arange(5 * 4 * 3, dtype=np.uint8).reshape(5, 4, 3) * 3


@pytest.mark.parametrize("compress", [False, True])
def test_reads_images_and_labels(tmp_path, images, compress):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    got = read_idx(write(tmp_path / "img", idx_bytes(images), compress), ndim=3, dtype=np.uint8)
    np.testing.assert_array_equal(got, images)
    assert got.dtype == np.uint8 and got.flags.writeable
    got = read_idx(write(tmp_path / "lab", idx_bytes(labels), compress), ndim=1)
    np.testing.assert_array_equal(got, labels)
    # the magic numbers MNIST documents
    assert idx_bytes(images)[:4] == b"\x00\x00\x08\x03"
    assert idx_bytes(labels)[:4] == b"\x00\x00\x08\x01"


def test_gzip_detected_by_content_not_name(tmp_path, images):
    plain = write(tmp_path / "plain.gz", idx_bytes(images), compress=False)
    packed = write(tmp_path / "packed.idx", idx_bytes(images), compress=True)
    np.testing.assert_array_equal(read_idx(plain), images)
    np.testing.assert_array_equal(read_idx(packed), images)


@pytest.mark.parametrize("type_byte, dtype", [(0x09, np.int8), (0x0B, np.int16),
                                               (0x0C, np.int32), (0x0D, np.float32),
                                               (0x0E, np.float64)])
def test_big_endian_types_come_back_native(tmp_path, type_byte, dtype):
    a = (np.arange(12).reshape(3, 4) - 5).astype(dtype)
    got = read_idx(write(tmp_path / "a.idx", idx_bytes(a, type_byte), False), dtype=dtype)
    np.testing.assert_array_equal(got, a)
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative


@pytest.mark.parametrize("compress", [False, True])
def test_wrong_magic(tmp_path, images, compress):
    data = b"\x12\x34" + idx_bytes(images)[2:]
    path = write(tmp_path / "bad_magic", data, compress)
    with pytest.raises(ValueError, match=r"bad_magic.*bad magic number 0x12340803"):
        read_idx(path)
    data = b"\x00\x00\x07\x03" + idx_bytes(images)[4:]  # unknown type byte
    path = write(tmp_path / "bad_type", data, compress)
    with pytest.raises(ValueError, match=r"bad_type.*0x00000703"):
        read_idx(path)


def test_wrong_dimension_count_or_type(tmp_path, images):
    path = write(tmp_path / "img.gz", idx_bytes(images), compress=True)
    with pytest.raises(ValueError, match=r"img.gz.*expected 1 dimensions.*declares 3"):
        read_idx(path, ndim=1)
    with pytest.raises(ValueError, match=r"img.gz.*expected values of type int32"):
        read_idx(path, dtype=np.int32)


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_data(tmp_path, images, compress):
    path = write(tmp_path / "short", idx_bytes(images)[:-7], compress)
    with pytest.raises(ValueError, match=r"short.*truncated.*\(5, 4, 3\)"):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_truncated_header(tmp_path, images, compress):
    path = write(tmp_path / "tiny", idx_bytes(images)[:10], compress)
    with pytest.raises(ValueError, match=r"tiny.*truncated in its header"):
        read_idx(path)
    path = write(tmp_path / "empty", b"\x00\x00", compress)
    with pytest.raises(ValueError, match=r"empty.*truncated"):
        read_idx(path)


@pytest.mark.parametrize("compress", [False, True])
def test_extra_data(tmp_path, images, compress):
    path = write(tmp_path / "long", idx_bytes(images) + b"\x00", compress)
    with pytest.raises(ValueError, match=r"long.*(has extra data|past the 60 bytes)"):
        read_idx(path)


def test_header_declaring_more_than_gzip_can_hold(tmp_path):
    # 2**32-1 x 2**32-1 x 9 bytes declared, a few bytes of data: refused before allocating
    data = struct.pack(">BBBB3I", 0, 0, 8, 3, 2**32 - 1, 2**32 - 1, 9) + b"\x00" * 10
    path = write(tmp_path / "huge.gz", data, compress=True)
    with pytest.raises(ValueError, match=r"huge.gz.*more than \d+ gzip bytes"):
        read_idx(path)


def test_cut_gzip_stream(tmp_path, images):
    path = write(tmp_path / "cut.gz", idx_bytes(np.tile(images, (50, 1, 1))), compress=True)
    path.write_bytes(path.read_bytes()[:-12])  # lose the trailer and some deflate data
    with pytest.raises(ValueError, match=r"cut.gz"):
        read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.idx"):
        read_idx(tmp_path / "nothing.idx")


@pytest.mark.skipif(not os.path.isdir(DEBIAN_DIR),
                    reason="apt-get install dataset-fashion-mnist for the real IDX files")
def test_real_fashion_mnist_labels_file():
    labels = read_idx(os.path.join(DEBIAN_DIR, "t10k-labels-idx1-ubyte.gz"), ndim=1)
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == [1000] * 10
    with gzip.open(os.path.join(DEBIAN_DIR, "t10k-labels-idx1-ubyte.gz")) as f:
        assert f.read(8) == b"\x00\x00\x08\x01" + (10000).to_bytes(4, "big")
