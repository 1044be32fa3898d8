"""Data sets, as ``keras.datasets``: ``mnist.load_data()``, ``fashion_mnist.load_data()``.

Nothing is downloaded. MNIST ships inside the package; Fashion-MNIST is read from
its original IDX files on disk (see ``fashion_mnist.load_data``). ``toy`` has small
synthetic sets (spirals, blobs, XOR, ...) for examples and tests; ``idx`` reads IDX files.
"""

from . import fashion_mnist, idx, mnist, toy

__all__ = ["fashion_mnist", "idx", "mnist", "toy"]
