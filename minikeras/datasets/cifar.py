"""CIFAR-10 and CIFAR-100 from the Python-version archives Keras caches (no download)."""
import os

import numpy as np

from .. import config
from .keras_cache import cached, unpickle


def load_batch(path, label_key="labels"):
    """``(data (n, 3, 32, 32) uint8, labels)`` from one pickled CIFAR batch file."""
    with open(path, "rb") as handle:
        batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in
                 unpickle(handle, encoding="bytes").items()}
    data = np.asarray(batch["data"], dtype=np.uint8)
    return data.reshape(data.shape[0], 3, 32, 32), batch[label_key]


def folder(dirname, origin):
    """Keras's extracted folder ``~/.keras/datasets/<dirname>`` (from ``<dirname>_archive``)."""
    return cached(dirname, origin, extract=True)


def channels(x):
    return x.transpose(0, 2, 3, 1) if config.image_data_format() == "channels_last" else x


def check_files(paths, where):
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise OSError(f"{where}: the cached data set is incomplete, {missing} missing; delete the folder and "
                      "fetch the archive again")
