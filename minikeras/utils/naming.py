"""Keras-style automatic names: ``dense``, ``dense_1``, ``dense_2``, ..."""
import re
from collections import defaultdict

_counts = defaultdict(int)


def to_snake_case(name):
    """Keras's snake case: ``Dense`` → ``dense``, ``Conv2D`` → ``conv2d``,
    ``BatchNormalization`` → ``batch_normalization``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix):
    """Return ``prefix`` the first time, then ``prefix_1``, ``prefix_2``, ..."""
    count = _counts[prefix]
    _counts[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def first_free_name(prefix, taken):
    """``prefix``, or the first of ``prefix_1``, ``prefix_2``, ... not in ``taken`` (names
    unique within one owner, such as a layer's unnamed weights)."""
    taken = set(taken)
    if prefix not in taken:
        return prefix
    return next(f"{prefix}_{i}" for i in range(1, len(taken) + 2) if f"{prefix}_{i}" not in taken)


def reset_names():
    """Forget issued names (Keras: ``keras.backend.clear_session``)."""
    _counts.clear()
