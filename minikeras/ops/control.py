"""The rest of Keras's ``keras.src.ops.core`` (all in ``keras.ops``): slices and scatters,
``unstack``, control flow, ``is_tensor``/``dtype``/``saturate_cast``.

minikeras runs eagerly, so control flow is Python's own: ``cond`` calls one branch, loops
loop, and gradients flow through whatever the branches and bodies compute with ops.
"""
import builtins

import numpy as np

from .core import as_array, differentiable
from .numpy import _dtype, _value, cast, clip, getitem, ndim, shape, stack

__all__ = ["slice", "slice_update", "scatter", "scatter_update", "unstack", "cond", "switch", "fori_loop",
           "while_loop", "map", "vectorized_map", "scan", "is_tensor", "dtype", "saturate_cast"]


def _window(start_indices, sizes):
    return tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(_value(start_indices), sizes))


def slice(inputs, start_indices, shape):
    """The block of ``inputs`` of size ``shape`` starting at ``start_indices``."""
    return getitem(inputs, _window(start_indices, shape))


def _slice_update_vjp(g, out, inputs, start_indices, updates):
    window = _window(start_indices, np.shape(updates))
    rest = g.copy()
    rest[window] = 0
    return rest, None, g[window]


@differentiable(_slice_update_vjp)
def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block at ``start_indices`` replaced by ``updates`` (a copy)."""
    out = np.array(as_array(inputs))
    out[_window(start_indices, np.shape(updates))] = updates
    return out


def _positions(indices):
    indices = np.asarray(indices).astype(np.intp)
    return tuple(np.moveaxis(indices, -1, 0))


@differentiable(lambda g, out, indices, values, shape: (None, g[_positions(indices)], None))
def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (each row of ``indices`` one
    position; repeated positions add up)."""
    values = as_array(values)
    out = np.zeros(tuple(shape), dtype=np.result_type(values))
    np.add.at(out, _positions(indices), values)
    return out


def _scatter_update_vjp(g, out, inputs, indices, updates, reduction=None):
    positions = _positions(indices)
    rest = g.copy()
    if reduction is None:
        rest[positions] = 0
    return rest, None, g[positions]


@differentiable(_scatter_update_vjp)
def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with the values at ``indices`` set to ``updates`` (``reduction="add"``: added)."""
    if reduction not in (None, "add"):
        raise ValueError(f"scatter_update: reduction must be None or 'add', got reduction={reduction!r}")
    out = np.array(as_array(inputs))
    if reduction is None:
        out[_positions(indices)] = updates
    else:
        np.add.at(out, _positions(indices), updates)
    return out


def unstack(x, num=None, axis=0):
    """The slices of ``x`` along ``axis``, as a list."""
    size = shape(x)[axis]
    if num is not None and num != size:
        raise ValueError(f"unstack: num={num} but x of shape {shape(x)} has {size} along axis={axis}")
    head = (builtins.slice(None),) * (axis % ndim(x))
    return [getitem(x, head + (i,)) for i in range(size)]


def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``."""
    return true_fn() if bool(np.asarray(_value(pred))) else false_fn()


def switch(index, branches, *operands):
    """``branches[index](*operands)``, the index clipped to the branches."""
    i = int(np.clip(np.asarray(_value(index)), 0, len(branches) - 1))
    return branches[i](*operands)


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for i in [lower, upper); returns the last ``val``."""
    value = init_val
    for i in range(int(_value(lower)), int(_value(upper))):
        value = body_fun(i, value)
    return value


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Apply ``body`` to ``loop_vars`` while ``cond`` holds (at most ``maximum_iterations``
    times); a tuple or list of loop variables is passed unpacked, as in Keras."""
    unpack = isinstance(loop_vars, (tuple, list))
    count = 0
    while (maximum_iterations is None or count < maximum_iterations) and \
            bool(np.asarray(_value(cond(*loop_vars) if unpack else cond(loop_vars)))):
        loop_vars = body(*loop_vars) if unpack else body(loop_vars)
        if unpack:
            loop_vars = tuple(loop_vars) if not isinstance(loop_vars, (tuple, list)) else loop_vars
        count += 1
    return loop_vars


def _stack_results(results):
    first = results[0]
    if isinstance(first, dict):
        return {k: stack([r[k] for r in results]) for k in first}
    if isinstance(first, (tuple, list)):
        return type(first)(stack([r[i] for r in results]) for i in range(len(first)))
    return stack(results)


def map(f, xs):
    """``f`` applied to each slice of ``xs`` along its first axis, the results stacked."""
    return _stack_results([f(x) for x in unstack(xs)])


def vectorized_map(function, elements):
    """As ``map`` (Keras vectorizes it where the backend can; here it is the same loop)."""
    if isinstance(elements, (tuple, list)):
        return _stack_results([function(type(elements)(e)) for e in zip(*[unstack(x) for x in elements])])
    return map(function, elements)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """``carry, y = f(carry, x)`` over the slices of ``xs`` (or ``length`` times with x None);
    returns the last carry and the stacked ys."""
    items = unstack(xs) if xs is not None else [None] * int(length)
    if reverse:
        items = items[::-1]
    carry, ys = init, []
    for x in items:
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys = ys[::-1]
    return carry, (_stack_results(ys) if ys and ys[0] is not None else None)


def is_tensor(x):
    """Whether ``x`` is an array (or a value recorded for gradients)."""
    from ..tape import Tracer
    return isinstance(x, (np.ndarray, Tracer))


def dtype(x):
    """The dtype of ``x`` as Keras names it ("float32", "int32", ...)."""
    return np.dtype(getattr(x, "dtype", None) or np.asarray(x).dtype).name


def saturate_cast(x, dtype):
    """``x`` cast to ``dtype``, clipped first to the range the dtype can hold."""
    target = np.dtype(_dtype(dtype))
    info = np.iinfo(target) if target.kind in "iu" else np.finfo(target)
    source = np.dtype(getattr(x, "dtype", None) or np.asarray(x).dtype)
    low, high = info.min, info.max
    if source.kind == "f":  # bounds the source float can hold without rounding past them
        low, high = np.asarray(low).astype(source), np.asarray(high).astype(source)
        if float(high) > info.max:
            high = np.nextafter(high, source.type(0))
        if float(low) < info.min:
            low = np.nextafter(low, source.type(0))
    return cast(clip(x, low, high), target)
