"""MNIST handwritten digits, shipped with the package (no download).

The file ``data/mnist.npz`` holds the same four uint8 arrays as the ``mnist.npz``
that Keras downloads. Every load checks each array against its published SHA-256,
so a damaged copy fails loudly instead of training on wrong data.
"""

import hashlib
import os
import zipfile
import zlib

import numpy as np

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

# SHA-256 of each array's raw bytes, hashlib.sha256(a.tobytes()).
SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}


def load_data(path="mnist.npz"):
    """Load the MNIST data set, like ``keras.datasets.mnist.load_data``.

    Returns ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
    (60000, 28, 28) and (10000, 28, 28) with pixels 0..255, and uint8 labels 0..9
    of shape (60000,) and (10000,).

    ``path``: in Keras, the name of the cache file under ``~/.keras/datasets/``
    that the download is stored in. minikeras never downloads: a relative path
    (the default ``"mnist.npz"``) names a file shipped inside the package, in
    ``minikeras/datasets/data/``; an absolute path, or one starting with ``~``,
    loads that file instead (for example a Keras cache,
    ``"~/.keras/datasets/mnist.npz"``). Whatever the file, its four arrays must
    match the SHA-256 checksums of the canonical data set, otherwise a
    ``ValueError`` naming the file is raised.
    """
    filename = _resolve(path)
    arrays = _read_npz(filename)
    for key in SHA256:
        _check_array(filename, key, arrays[key])
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _resolve(path):
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"mnist.load_data: path must be a str or os.PathLike, "
                        f"got {type(path).__name__} {path!r}")
    path = os.path.expanduser(os.fspath(path))
    filename = path if os.path.isabs(path) else os.path.join(DATA_DIR, path)
    if not os.path.isfile(filename):
        shipped = sorted(f for f in os.listdir(DATA_DIR) if f.endswith(".npz")) \
            if os.path.isdir(DATA_DIR) else []
        raise FileNotFoundError(
            f"mnist.load_data: no file at {filename!r} (path={path!r}); a relative path "
            f"names a file shipped in {DATA_DIR} (there: {shipped}), an absolute path "
            f"names any file")
    return filename


def _read_npz(filename):
    try:
        f = np.load(filename, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise ValueError(f"MNIST file {filename!r} is not a readable .npz archive: "
                         f"{e}") from e
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise ValueError(f"MNIST file {filename!r} holds a single array of shape "
                         f"{f.shape}, expected an .npz archive with {list(SHA256)}")
    with f:
        missing = [key for key in SHA256 if key not in f.files]
        if missing:
            raise ValueError(f"MNIST file {filename!r} lacks the arrays {missing} "
                             f"(it has {sorted(f.files)}); expected {list(SHA256)}")
        try:
            return {key: f[key] for key in SHA256}
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
            raise ValueError(f"MNIST file {filename!r} is truncated or corrupted: "
                             f"{e}") from e


def _check_array(filename, key, a):
    if a.dtype != np.uint8 or a.shape != SHAPES[key]:
        raise ValueError(f"MNIST file {filename!r}: array {key!r} should be uint8 of "
                         f"shape {SHAPES[key]}, got {a.dtype} of shape {a.shape}")
    # Hash the array's memory directly: same digest as a.tobytes(), without the copy.
    digest = hashlib.sha256(np.ascontiguousarray(a).reshape(-1)).hexdigest()
    if digest != SHA256[key]:
        raise ValueError(f"MNIST file {filename!r} is corrupted: array {key!r} has "
                         f"SHA-256 {digest}, expected {SHA256[key]}; replace it with "
                         f"a good copy (the package ships one in {DATA_DIR})")
