"""Reader for IDX files, the format of the original MNIST and Fashion-MNIST downloads.

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then ``ndim``
big-endian uint32 dimension sizes, then the values in C order. MNIST-style data
uses type 0x08 (uint8): 0x00000803 for a stack of images (count, rows, cols),
0x00000801 for labels (count,). Files may be gzip-compressed or plain.
"""

import gzip
import math
import os
import zlib

import numpy as np

# IDX type byte -> dtype of the stored values (multi-byte types are big-endian).
DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"
# Deflate cannot expand data by more than 1032:1; a gzip file that would have to
# exceed this to hold the declared shape is certainly truncated or wrong.
MAX_DEFLATE_RATIO = 1032
CHUNK = 1 << 22


def read_idx(path, ndim=None, dtype=None):
    """Read an IDX file (gzip or plain) into a NumPy array.

    Keras has no public equivalent: this is what ``keras.datasets.fashion_mnist``
    does internally with ``np.frombuffer``, plus validation.

    ``ndim`` (optional): the number of dimensions the file must declare, e.g. 3
    for images (magic 0x00000803) or 1 for labels (magic 0x00000801).
    ``dtype`` (optional): the value type the file must declare, e.g. ``np.uint8``
    (type byte 0x08).

    Returns a writable, native-byte-order array of the declared shape. Raises
    ``ValueError`` naming the file when the magic number is not IDX, the type or
    dimension count is wrong, or the data is shorter or longer than the shape
    declared in the header; ``FileNotFoundError`` when there is no file.
    """
    path = os.fspath(path)
    size = os.path.getsize(path)  # FileNotFoundError names the path
    with open(path, "rb") as raw:
        compressed = raw.read(2) == GZIP_MAGIC
    opener = gzip.open if compressed else open
    try:
        with opener(path, "rb") as f:
            return _read(f, path, size, compressed, ndim, dtype)
    except (EOFError, OSError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        if not compressed:
            raise
        raise ValueError(f"IDX file {path!r}: corrupted gzip stream ({e})") from e


def _read(f, path, size, compressed, ndim, dtype):
    magic = f.read(4)
    if len(magic) < 4:
        raise ValueError(f"IDX file {path!r} is truncated: {len(magic)} bytes, "
                         f"expected at least a 4-byte magic number")
    code = int.from_bytes(magic, "big")
    if magic[:2] != b"\x00\x00" or magic[2] not in DTYPES:
        raise ValueError(f"IDX file {path!r}: bad magic number 0x{code:08X}, expected "
                         f"0x0000 followed by a type byte in "
                         f"{[f'0x{t:02X}' for t in DTYPES]} and the dimension count "
                         f"(0x00000803 for uint8 images, 0x00000801 for uint8 labels)")
    file_dtype, file_ndim = DTYPES[magic[2]], magic[3]
    if dtype is not None and file_dtype.newbyteorder("=") != np.dtype(dtype).newbyteorder("="):
        raise ValueError(f"IDX file {path!r}: expected values of type {np.dtype(dtype)}, "
                         f"the magic number 0x{code:08X} declares {file_dtype}")
    if ndim is not None and file_ndim != ndim:
        raise ValueError(f"IDX file {path!r}: expected {ndim} dimensions, the magic "
                         f"number 0x{code:08X} declares {file_ndim}")
    if file_ndim == 0:
        raise ValueError(f"IDX file {path!r}: magic number 0x{code:08X} declares "
                         f"0 dimensions")

    dims = f.read(4 * file_ndim)
    if len(dims) < 4 * file_ndim:
        raise ValueError(f"IDX file {path!r} is truncated in its header: "
                         f"{file_ndim} dimension sizes declared, {len(dims) // 4} present")
    shape = tuple(int(d) for d in np.frombuffer(dims, dtype=">u4"))
    nbytes = math.prod(shape) * file_dtype.itemsize
    header = 4 + 4 * file_ndim

    if not compressed and size != header + nbytes:
        problem = "is truncated" if size < header + nbytes else "has extra data"
        raise ValueError(f"IDX file {path!r} {problem}: {size - header} data bytes, the "
                         f"header declares shape {shape} of {file_dtype} = {nbytes} bytes")
    if compressed and header + nbytes > MAX_DEFLATE_RATIO * size:
        raise ValueError(f"IDX file {path!r}: header declares shape {shape} "
                         f"({nbytes} bytes), more than {size} gzip bytes can hold; "
                         f"the file is truncated or the header is wrong")

    out = np.empty(shape, dtype=file_dtype)
    buf = memoryview(out.reshape(-1).view(np.uint8))
    got = 0
    while got < nbytes:  # a loop over I/O chunks, not samples
        n = f.readinto(buf[got:got + CHUNK])
        if not n:
            break
        got += n
    if got < nbytes:
        raise ValueError(f"IDX file {path!r} is truncated: {got} data bytes, the "
                         f"header declares shape {shape} of {file_dtype} = {nbytes} bytes")
    if f.read(1):
        raise ValueError(f"IDX file {path!r} has data past the {nbytes} bytes that its "
                         f"header declares (shape {shape} of {file_dtype})")
    return out if file_dtype.isnative else out.astype(file_dtype.newbyteorder("="))
