"""Data sets, as ``keras.datasets``: ``mnist.load_data()``, ``fashion_mnist.load_data()``, ...

Nothing is downloaded. MNIST ships inside the package; Fashion-MNIST is read from
its original IDX files on disk (see ``fashion_mnist.load_data``); boston_housing,
california_housing, cifar10, cifar100, imdb and reuters read the files Keras caches in
``~/.keras/datasets`` (see ``keras_cache``), and name the URL and the path when one is missing. ``toy`` has small
synthetic sets (spirals, blobs, XOR, ...) for examples and tests; ``idx`` reads IDX files.
"""

from . import fashion_mnist, idx, mnist, toy
from . import boston_housing, california_housing, cifar10, cifar100, imdb, reuters

__all__ = ["fashion_mnist", "idx", "mnist", "toy", "boston_housing", "california_housing", "cifar10", "cifar100",
           "imdb", "reuters"]
