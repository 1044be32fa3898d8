"""Fashion-MNIST (Zalando), read from the four original IDX gzip files on disk.

The files are not shipped with minikeras and never downloaded; see ``load_data``
for where they are looked for and how to get them.
"""

import os

import numpy as np

from .idx import read_idx

ENV_VAR = "MINIKERAS_FASHION_MNIST_DIR"
DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
FILES = {
    "x_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "x_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}
CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def search_dirs():
    """The directories ``load_data`` looks in, in order (see ``load_data``)."""
    dirs = []
    if os.environ.get(ENV_VAR):
        dirs.append(os.path.expanduser(os.environ[ENV_VAR]))
    dirs.append(os.path.join(os.path.expanduser("~"), ".keras", "datasets", "fashion-mnist"))
    dirs.append(DEBIAN_DIR)
    return dirs


def load_data():
    """Load Fashion-MNIST, like ``keras.datasets.fashion_mnist.load_data``.

    Returns ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape
    (60000, 28, 28) and (10000, 28, 28), uint8 labels 0..9 (see ``CLASS_NAMES``)
    of shape (60000,) and (10000,).

    Keras downloads the four IDX files into ``~/.keras/datasets/fashion-mnist/``;
    minikeras never downloads. It reads them from the first of these directories
    that holds all four:

    1. the directory named by the environment variable ``MINIKERAS_FASHION_MNIST_DIR``;
    2. ``~/.keras/datasets/fashion-mnist/`` (where Keras caches them);
    3. ``/usr/share/datasets/fashion-mnist/`` (Debian's package ``dataset-fashion-mnist``).

    Raises ``FileNotFoundError`` listing the directories and how to get the
    files when none has them, and ``ValueError`` naming the file when one is
    malformed or the arrays don't fit together.
    """
    looked = []
    for directory in search_dirs():
        paths = {key: os.path.join(directory, name) for key, name in FILES.items()}
        missing = [FILES[key] for key, p in paths.items() if not os.path.isfile(p)]
        if not missing:
            return _load(paths)
        looked.append(f"  {directory}: " + ("no such directory" if not os.path.isdir(directory)
                                            else f"missing {', '.join(missing)}"))
    raise FileNotFoundError(
        "fashion_mnist.load_data: the Fashion-MNIST files were not found. Looked in:\n"
        + "\n".join(looked)
        + "\nTo get them, either run `apt-get install dataset-fashion-mnist` (Debian/Ubuntu, "
        f"installs them in {DEBIAN_DIR}/), or download the 4 files "
        f"{', '.join(FILES.values())} into ~/.keras/datasets/fashion-mnist/, or set "
        f"{ENV_VAR} to a directory that holds them.")


def _load(paths):
    x_train = read_idx(paths["x_train"], ndim=3, dtype=np.uint8)
    y_train = read_idx(paths["y_train"], ndim=1, dtype=np.uint8)
    x_test = read_idx(paths["x_test"], ndim=3, dtype=np.uint8)
    y_test = read_idx(paths["y_test"], ndim=1, dtype=np.uint8)
    for x_key, x, y_key, y in (("x_train", x_train, "y_train", y_train),
                               ("x_test", x_test, "y_test", y_test)):
        if x.shape[1:] != (28, 28):
            raise ValueError(f"Fashion-MNIST file {paths[x_key]!r}: expected 28x28 images, "
                             f"got shape {x.shape}")
        if len(x) != len(y):
            raise ValueError(f"Fashion-MNIST files {paths[x_key]!r} and {paths[y_key]!r}: "
                             f"{len(x)} images but {len(y)} labels")
        if y.size and y.max() > 9:
            raise ValueError(f"Fashion-MNIST file {paths[y_key]!r}: labels must be 0..9, "
                             f"found {int(y.max())}")
    return (x_train, y_train), (x_test, y_test)
