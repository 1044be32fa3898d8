"""``keras.datasets.cifar10``: Keras's cached CIFAR-10 (no download)."""
import os

import numpy as np

from .cifar import channels, check_files, folder, load_batch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"


def load_data():
    """``(x_train (50000, 32, 32, 3) uint8, y_train (50000, 1)), (x_test, y_test)`` from
    ``~/.keras/datasets/cifar-10-batches-py-target/cifar-10-batches-py/`` (Keras 3's layout;
    the archive ``cifar-10-batches-py-target_archive`` is unpacked there when only it is cached).
    Channels come last unless ``keras.config.image_data_format()`` says otherwise."""
    path = os.path.join(folder("cifar-10-batches-py-target", ORIGIN), "cifar-10-batches-py")
    files = [os.path.join(path, f"data_batch_{i}") for i in range(1, 6)] + [os.path.join(path, "test_batch")]
    check_files(files, "cifar10.load_data")
    parts = [load_batch(f) for f in files[:5]]
    x_train = np.concatenate([p[0] for p in parts]).astype(np.uint8)
    y_train = np.concatenate([np.asarray(p[1]) for p in parts]).astype(np.uint8).reshape(-1, 1)
    x_test, y_test = load_batch(files[5])
    y_test = np.asarray(y_test).astype(np.uint8).reshape(-1, 1)
    return (channels(x_train), y_train), (channels(x_test).astype(np.uint8), y_test)
