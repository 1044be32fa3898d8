"""Array helpers with Keras's names: to_categorical, normalize."""
import numpy as np


def to_categorical(x, num_classes=None):
    """One-hot encode integer labels (Keras: ``keras.utils.to_categorical``).

    Differs from Keras knowingly: returns float32 (Keras returns float64), the dtype every
    minikeras model computes in.
    """
    labels = np.asarray(x)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels.reshape(labels.shape[:-1])
    if labels.dtype.kind not in "iub":
        if labels.dtype.kind != "f" or not np.all(np.mod(labels, 1) == 0):
            raise ValueError(f"to_categorical expects integer labels, got dtype {labels.dtype}")
        labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical expects non-negative labels, got {labels.min()}")
    highest = int(labels.max()) + 1 if labels.size else 0
    if num_classes is None:
        num_classes = highest
    elif highest > num_classes:
        raise ValueError(f"to_categorical got label {highest - 1} but num_classes={num_classes}")
    out = np.zeros(labels.shape + (num_classes,), dtype=np.float32)
    np.put_along_axis(out, labels[..., None].astype(np.intp), 1, axis=-1)
    return out


def normalize(x, axis=-1, order=2):
    """Scale ``x`` to unit ``order``-norm along ``axis`` (Keras: ``keras.utils.normalize``).

    Rows of norm 0 are left at 0, as in Keras. Differs from Keras knowingly: the result is
    float32 (Keras keeps a float64 array float64, and returns a backend tensor for a list),
    and a 1-D array stays 1-D (Keras's NumPy path returns shape ``(1, n)`` for it).
    """
    x = np.asarray(x, dtype=np.float32)
    norm = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    return x / np.where(norm == 0, 1, norm)


def numeric_array(value, argument):
    """``value`` as an ndarray of numbers, for data a model or ``adapt`` reads.

    A pandas frame whose columns are all numbers or bools (``pd.get_dummies`` adds bool
    columns; ``to_numpy`` then gives an object array) becomes one float32 array, as does an
    object array holding only numbers and bools (``np.array(frame)``). Keras 3.15 takes a
    float64 + bool frame and refuses int + bool or float32 + bool; minikeras takes all of them.
    Anything else is a ValueError naming ``argument`` and, for a frame, its non-numeric columns.
    """
    dtypes = getattr(value, "dtypes", None)
    if dtypes is not None and hasattr(value, "to_numpy") and hasattr(dtypes, "items"):
        bad = [f"{name!r} ({dtype})" for name, dtype in dtypes.items() if np.dtype(dtype).kind not in "biuf"]
        if bad:
            raise ValueError(f"{argument} must hold numbers or bools, got a frame whose column(s) "
                             f"{', '.join(bad)} are not numeric: encode them (e.g. pd.get_dummies) or drop them")
        kinds = {np.dtype(dtype).kind for _, dtype in dtypes.items()}
        return value.to_numpy(dtype=np.float32) if len(kinds) > 1 or "b" in kinds else value.to_numpy()
    if isinstance(value, np.ndarray):
        array = value  # a memmap stays a memmap (read a batch at a time)
    else:
        array = value.to_numpy() if hasattr(value, "to_numpy") else np.asarray(value)
    if array.dtype == object:
        try:
            return array.astype(np.float32)
        except (TypeError, ValueError):
            raise ValueError(f"{argument} must hold numbers (int, uint, float or bool), got an object array "
                             "with entries that are not numbers (strings cannot be fed to a model): convert "
                             "them first, e.g. with df.astype('float32')") from None
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{argument} must hold numbers (int, uint, float or bool), got dtype {array.dtype}"
                         + (" (strings cannot be fed to a model)" if array.dtype.kind in "US" else ""))
    return array
