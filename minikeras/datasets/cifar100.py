"""``keras.datasets.cifar100``: Keras's cached CIFAR-100 (no download)."""
import os

import numpy as np

from .cifar import channels, check_files, folder, load_batch

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"


def load_data(label_mode="fine"):
    """``(x_train (50000, 32, 32, 3) uint8, y_train (50000, 1)), (x_test, y_test)`` with the
    ``"fine"`` (100) or ``"coarse"`` (20) labels, from
    ``~/.keras/datasets/cifar-100-python-target/cifar-100-python/{train,test}`` (Keras 3's layout)."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    path = os.path.join(folder("cifar-100-python-target", ORIGIN), "cifar-100-python")
    files = [os.path.join(path, "train"), os.path.join(path, "test")]
    check_files(files, "cifar100.load_data")
    (x_train, y_train), (x_test, y_test) = (load_batch(f, f"{label_mode}_labels") for f in files)
    return ((channels(x_train), np.reshape(y_train, (len(y_train), 1))),
            (channels(x_test), np.reshape(y_test, (len(y_test), 1))))
