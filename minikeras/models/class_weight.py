"""``class_weight`` as per-sample weights (Keras: ``class_weight_to_sample_weights``)."""
import numpy as np


def class_weights_to_sample_weights(class_weight, y):
    """Per-sample weights from ``{class: weight}`` (Keras: ``class_weight_to_sample_weights``).

    Labels are integers, or one-hot rows (their argmax), or a column of one; float labels
    are rounded (so binary 0./1. targets work). Classes missing from the dict weigh 1, and
    keys for classes that never occur are accepted (as in Keras).
    """
    if not hasattr(class_weight, "items") or not hasattr(class_weight, "get"):
        raise ValueError(f"class_weight must be a dict mapping class indices to weights, got {class_weight!r} "
                         f"of type {type(class_weight).__name__}")
    table = {}
    for key, weight in class_weight.items():
        index = _class_index(key)
        if index is None:
            raise ValueError(f"class_weight keys must be integer class indices, got the key {key!r} of type "
                             f"{type(key).__name__}")
        if index in table:
            raise ValueError(f"class_weight has two keys for class {index}: {key!r} and another equal to it")
        try:
            table[index] = float(weight)
        except (TypeError, ValueError):
            raise ValueError(f"class_weight must map integer class indices to numbers, got the item "
                             f"{key!r}: {weight!r}") from None
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else y.reshape(y.shape[:-1])
    labels = np.round(y).astype(np.int64).reshape(len(y))
    classes, position = np.unique(labels, return_inverse=True)
    weights = np.array([table.get(int(c), 1.0) for c in classes], dtype=np.float32)
    return weights[position.reshape(-1)]


def _class_index(key):
    """``key`` as a class index, or None when it is not an integer.

    Integers (not bools), whole floats such as ``1.0`` (Keras's dict lookup matches them)
    and strings of digits such as ``"1"`` (Keras after 3.15 converts them with ``int``) are
    indices; ``1.5`` is not (Keras would silently use class 1 or ignore the key).
    """
    if isinstance(key, (bool, np.bool_)):
        return None
    if isinstance(key, (int, np.integer)):
        return int(key)
    if isinstance(key, (float, np.floating)) and float(key).is_integer():
        return int(key)
    if isinstance(key, str) and key.strip().lstrip("+-").isdigit():
        return int(key)
    return None
