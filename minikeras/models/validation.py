"""Checks on what a user passes to compile/fit/evaluate/predict, run before anything changes.

Every check raises ``ValueError`` (the type Keras raises for bad values; a bad keyword is a
``TypeError`` from Python itself) with a message naming the argument, what was expected
and what came. The model calls all of them before it builds itself, creates optimizer slots
or runs a batch, so a rejected call leaves weights and optimizer state bit-identical.
"""
import numpy as np

from ..utils import checks
from .data_adapter import is_on_disk, to_array

# Rows are checked for NaN/inf in chunks of about this many elements: the reductions used
# (min and max) allocate nothing, and a chunk bounds the temporary made to locate a bad value.
_FINITE_CHUNK_ELEMENTS = 1 << 22


def check_positive_int(value, argument, allow_none=True):
    """``value`` is a positive integer (or None when allowed)."""
    checks.integer(value, argument, minimum=1, allow_none=allow_none)


def check_non_negative_int(value, argument):
    """``value`` is an integer >= 0."""
    checks.integer(value, argument, minimum=0)


def check_validation_split(value):
    """``validation_split`` is a number in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0 <= value < 1:
        raise ValueError(f"validation_split must be a float in [0, 1), got {value!r}")


def check_finite(array, argument):
    """Raise if a float array holds NaN or +-inf, naming the first bad sample.

    Runs once per fit/evaluate call, chunk by chunk with min/max (which propagate NaN and
    reach +-inf only when an element is infinite), so it allocates no boolean copy of the
    data. Integer arrays cannot hold NaN and are skipped; data on disk (memmaps, HDF5
    datasets) is skipped too, since reading it fully here would double the I/O and pull
    the whole file into memory.
    """
    if not isinstance(array, np.ndarray) or is_on_disk(array) or array.dtype.kind != "f" or array.size == 0:
        return
    rows = array.reshape(1, -1) if array.ndim == 0 else array
    step = max(_FINITE_CHUNK_ELEMENTS // max(rows[0].size, 1), 1)
    for start in range(0, len(rows), step):
        chunk = rows[start:start + step]
        if np.isfinite(chunk.min()) and np.isfinite(chunk.max()):
            continue
        finite_rows = np.isfinite(chunk.reshape(len(chunk), -1)).all(axis=1)
        index = int(np.argmin(finite_rows))
        values = chunk[index].ravel()
        bad = values[~np.isfinite(values)][0]
        raise ValueError(f"{argument} must hold finite numbers, got {bad} in sample {start + index} "
                         f"(of {len(rows)}). Clean or impute the data before training; "
                         "NaN or inf would turn every weight into NaN.")


def check_batch_dimension(x, argument="x"):
    """``x`` has a batch axis and per-sample axes: rank >= 2, as every layer expects."""
    ndim = len(x.shape)
    if ndim < 2:
        raise ValueError(f"{argument} must have shape (samples, features...), of rank >= 2, got an "
                         f"array of shape {tuple(x.shape)}. A single sample needs a batch axis: "
                         f"x[None]; a single feature per sample needs x.reshape(-1, 1).")


def check_input_shape(shape, expected, model_name, argument="x"):
    """``shape`` fits the model's ``expected`` input shape (None matches any size)."""
    shape, expected = tuple(shape), tuple(expected)
    if len(shape) != len(expected):
        raise ValueError(f"{argument} has shape {shape} (rank {len(shape)}), but model {model_name!r} "
                         f"expects input of shape {expected} (rank {len(expected)}; None = any size)")
    for axis in range(1, len(shape)):
        if expected[axis] is not None and expected[axis] != shape[axis]:
            what = "features" if axis == len(shape) - 1 else "entries"
            raise ValueError(f"{argument} has shape {shape}, but model {model_name!r} expects input of "
                             f"shape {expected} (None = any size): {expected[axis]} {what} on axis "
                             f"{axis}, got {shape[axis]}")


def check_arrays(x, y, sample_weight, need_y=True, prefix=""):
    """Convert and check ``x``, ``y`` and ``sample_weight`` against each other.

    Accepts arrays, memmaps, lists, tuples and pandas-like objects (``to_numpy()``); refuses
    object, string and complex data; checks the batch axis, equal lengths, non-empty data and
    finite values. Returns the arrays (no copy of a NumPy input).
    """
    x = to_array(x, prefix + "x")
    if x is None:
        raise ValueError(f"{prefix}x is required: pass the input data as an array, got None")
    y = to_array(y, prefix + "y")
    if need_y and y is None:
        raise ValueError(f"{prefix}y is required to train or evaluate: pass the targets as an array, "
                         "got None")
    sample_weight = to_array(sample_weight, prefix + "sample_weight")
    check_batch_dimension(x, prefix + "x")
    if len(x) == 0:
        raise ValueError(f"{prefix}x is empty (shape {tuple(x.shape)}): expected at least one sample")
    for argument, array in (("y", y), ("sample_weight", sample_weight)):
        if array is None:
            continue
        if len(array.shape) == 0:
            raise ValueError(f"{prefix}{argument} must have one entry per sample ({len(x)}), got a "
                             f"scalar {array!r}")
        if len(array) != len(x):
            raise ValueError(f"{prefix}x and {prefix}{argument} must have the same number of samples: "
                             f"x has {len(x)}, {argument} has {len(array)}")
    for argument, array in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        check_finite(array, prefix + argument)
    return x, y, sample_weight
