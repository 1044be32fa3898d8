"""One global random generator, so a single seed makes a whole run bit-identical."""
import random as _py_random

import numpy as np

from . import checks

_generator = np.random.default_rng()


def set_random_seed(seed):
    """Seed every source of randomness minikeras uses (Keras: ``keras.utils.set_random_seed``).

    Reseeds the global generator used by initializers, dropout and shuffling, and also
    Python's ``random`` and NumPy's legacy global state, as Keras does.
    """
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"set_random_seed expects an integer seed, got {seed!r}")
    seed = int(seed)
    _py_random.seed(seed)
    np.random.seed(seed % 2**32)
    _generator = np.random.default_rng(seed)


def global_generator():
    """The generator shared by everything that has no seed of its own."""
    return _generator


def make_generator(seed=None, owner="seed"):
    """A generator for an object with an optional ``seed`` argument.

    With a seed the object draws its own reproducible stream; without one it draws
    from the global generator, so ``set_random_seed`` controls it. A seed that is not a
    non-negative integer is a ValueError naming ``owner`` (Keras: "Argument `seed` must be
    an integer").
    """
    if seed is None:
        return None
    checks.integer(seed, f"{owner} seed", minimum=0, allow_none=True)
    return np.random.default_rng(seed)


def generator_for(own):
    """``own`` when the object was seeded, else the current global generator."""
    return own if own is not None else _generator
