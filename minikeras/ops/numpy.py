"""``keras.ops`` array functions (Keras: ``keras.ops.numpy``), each beside its vjp.

A vjp ``(g, out, *inputs, **options)`` returns the gradient of each positional input, in
the broadcast shape; ``core.unbroadcast`` brings it back to the input's shape.
"""
import numpy as np

from .core import as_array, constant, differentiable, structure_op

_f32 = np.float32


def _keep_float(x):
    x = as_array(x)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


# -- elementwise arithmetic -----------------------------------------------------------------

@differentiable(lambda g, out, x1, x2: (g, g))
def add(x1, x2):
    """x1 + x2, broadcasting."""
    return np.add(as_array(x1), as_array(x2))


@differentiable(lambda g, out, x1, x2: (g, -g))
def subtract(x1, x2):
    """x1 - x2, broadcasting."""
    return np.subtract(as_array(x1), as_array(x2))


@differentiable(lambda g, out, x1, x2: (g * x2, g * x1))
def multiply(x1, x2):
    """x1 * x2, broadcasting."""
    return np.multiply(as_array(x1), as_array(x2))


@differentiable(lambda g, out, x1, x2: (g / x2, -g * out / x2))
def divide(x1, x2):
    """x1 / x2 (true division), broadcasting."""
    return np.true_divide(as_array(x1), as_array(x2))


true_divide = divide


@differentiable(lambda g, out, x: (-g,))
def negative(x):
    """-x."""
    return np.negative(as_array(x))


def _power_vjp(g, out, x1, x2):
    x1, x2 = np.asarray(x1), np.asarray(x2)
    dx1 = g * x2 * np.power(x1, x2 - 1) if x2.dtype.kind == "f" else g * x2 * np.power(x1, x2 - 1.0).astype(out.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        dx2 = np.where(x1 > 0, g * out * np.log(np.where(x1 > 0, x1, 1)), 0).astype(out.dtype)
    return dx1, dx2


@differentiable(_power_vjp)
def power(x1, x2):
    """x1 ** x2."""
    return np.power(as_array(x1), as_array(x2))


@differentiable(lambda g, out, x: (g * _f32(2) * x,))
def square(x):
    """x ** 2."""
    return np.square(as_array(x))


@differentiable(lambda g, out, x: (g * _f32(0.5) / out,))
def sqrt(x):
    """The square root of x."""
    return np.sqrt(_keep_float(x))


@differentiable(lambda g, out, x: (g * _f32(-0.5) * out / x,))
def rsqrt(x):
    """1 / sqrt(x)."""
    x = _keep_float(x)
    return 1 / np.sqrt(x)


@differentiable(lambda g, out, x: (g * np.sign(x),))
def abs(x):
    """|x|."""
    return np.abs(as_array(x))


absolute = abs


@differentiable(lambda g, out, x: (g * out,))
def exp(x):
    """e ** x."""
    return np.exp(_keep_float(x))


@differentiable(lambda g, out, x: (g / x,))
def log(x):
    """The natural logarithm."""
    return np.log(_keep_float(x))


@differentiable(lambda g, out, x: (g / (1 + x),))
def log1p(x):
    """log(1 + x)."""
    return np.log1p(_keep_float(x))


@differentiable(lambda g, out, x: (g * (1 - out * out),))
def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(_keep_float(x))


@differentiable(lambda g, out, x: (g * np.cos(x),))
def sin(x):
    return np.sin(_keep_float(x))


@differentiable(lambda g, out, x: (-g * np.sin(x),))
def cos(x):
    return np.cos(_keep_float(x))


def _pick_vjp(g, out, x1, x2):
    # the gradient goes to the input that was picked; ties split evenly (as JAX does)
    x1, x2 = np.asarray(x1), np.asarray(x2)
    first = (x1 == out).astype(g.dtype)
    second = (x2 == out).astype(g.dtype)
    share = g / (first + second)
    return share * first, share * second


@differentiable(_pick_vjp)
def maximum(x1, x2):
    """The elementwise larger of x1 and x2."""
    return np.maximum(as_array(x1), as_array(x2))


@differentiable(_pick_vjp)
def minimum(x1, x2):
    """The elementwise smaller of x1 and x2."""
    return np.minimum(as_array(x1), as_array(x2))


@differentiable(lambda g, out, x, x_min, x_max: (g * ((x >= x_min) & (x <= x_max)), None, None))
def clip(x, x_min, x_max):
    """x limited to [x_min, x_max]; the gradient passes where x is inside."""
    return np.clip(as_array(x), x_min, x_max)


@differentiable(lambda g, out, condition, x1, x2: (None, np.where(condition, g, 0), np.where(condition, 0, g)))
def _where3(condition, x1, x2):
    return np.where(condition, as_array(x1), as_array(x2))


def where(condition, x1=None, x2=None):
    """x1 where condition holds, else x2 (with one argument: the indices where it holds)."""
    if x1 is None and x2 is None:
        return np.nonzero(_value(condition))
    return _where3(condition, x1, x2)


@differentiable(lambda g, out, x: (np.zeros_like(g),))
def sign(x):
    return np.sign(as_array(x))


@differentiable(lambda g, out, x: (np.zeros_like(g),))
def round(x, decimals=0):
    return np.round(as_array(x), decimals)


@differentiable(lambda g, out, x: (np.zeros_like(g),))
def floor(x):
    return np.floor(as_array(x))


@differentiable(lambda g, out, x: (np.zeros_like(g),))
def ceil(x):
    return np.ceil(as_array(x))


@differentiable(lambda g, out, x1, x2: (g, None))
def mod(x1, x2):
    return np.mod(as_array(x1), as_array(x2))


@differentiable(lambda g, out, x1, x2: (np.zeros_like(g), None))
def floor_divide(x1, x2):
    return np.floor_divide(as_array(x1), as_array(x2))


# -- linear algebra -------------------------------------------------------------------------

def _matmul_vjp(g, out, x1, x2):
    x1, x2 = np.asarray(x1), np.asarray(x2)
    if x1.ndim == 1 and x2.ndim == 1:
        return g * x2, g * x1
    if x1.ndim == 1:
        return (g[..., None, :] @ np.swapaxes(x2, -1, -2))[..., 0, :], x1[:, None] * g[..., None, :]
    if x2.ndim == 1:
        return g[..., :, None] * x2, (np.swapaxes(x1, -1, -2) @ g[..., :, None])[..., 0]
    return g @ np.swapaxes(x2, -1, -2), np.swapaxes(x1, -1, -2) @ g


@differentiable(_matmul_vjp)
def matmul(x1, x2):
    """The matrix product (batched over leading axes, as np.matmul)."""
    return np.matmul(as_array(x1), as_array(x2))


def dot(x1, x2):
    """The dot product of two arrays (matmul for arrays of rank 2 or less)."""
    return matmul(x1, x2)


# -- reductions -----------------------------------------------------------------------------

def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(a % ndim for a in axes)


def _expand_back(g, x, axis, keepdims):
    """``g`` of a reduction's output, with the reduced axes put back as 1s."""
    if not keepdims:
        g = np.expand_dims(g, _axes(axis, np.ndim(x)))
    return g


@differentiable(lambda g, out, x, axis=None, keepdims=False:
                (np.broadcast_to(_expand_back(g, x, axis, keepdims), np.shape(x)),))
def sum(x, axis=None, keepdims=False):
    """The sum over ``axis`` (all axes when None)."""
    return np.sum(as_array(x), axis=_tuple(axis), keepdims=keepdims)


def _mean_vjp(g, out, x, axis=None, keepdims=False):
    count = int(np.prod([np.shape(x)[a] for a in _axes(axis, np.ndim(x))]))
    return (np.broadcast_to(_expand_back(g, x, axis, keepdims) / np.asarray(count, g.dtype), np.shape(x)),)


@differentiable(_mean_vjp)
def mean(x, axis=None, keepdims=False):
    """The mean over ``axis`` (all axes when None); integers give float32."""
    x = _keep_float(x)
    return np.mean(x, axis=_tuple(axis), keepdims=keepdims, dtype=x.dtype)


def _extreme_vjp(g, out, x, axis=None, keepdims=False, initial=None):
    out_b = _expand_back(out, x, axis, keepdims)
    hit = (np.asarray(x) == out_b).astype(g.dtype)
    hit /= np.sum(hit, axis=_axes(axis, np.ndim(x)), keepdims=True)
    return (_expand_back(g, x, axis, keepdims) * hit,)


@differentiable(_extreme_vjp)
def max(x, axis=None, keepdims=False, initial=None):
    """The maximum over ``axis``; the gradient is shared among tied maxima."""
    return np.max(as_array(x), axis=_tuple(axis), keepdims=keepdims,
                  **({} if initial is None else {"initial": initial}))


@differentiable(_extreme_vjp)
def min(x, axis=None, keepdims=False, initial=None):
    """The minimum over ``axis``; the gradient is shared among tied minima."""
    return np.min(as_array(x), axis=_tuple(axis), keepdims=keepdims,
                  **({} if initial is None else {"initial": initial}))


amax, amin = max, min


def _var_vjp(g, out, x, axis=None, keepdims=False):
    x = np.asarray(x)
    count = int(np.prod([x.shape[a] for a in _axes(axis, x.ndim)]))
    centered = x - np.mean(x, axis=_tuple(axis), keepdims=True)
    return (_expand_back(g, x, axis, keepdims) * centered * np.asarray(2 / count, x.dtype),)


@differentiable(_var_vjp)
def var(x, axis=None, keepdims=False):
    """The variance over ``axis``."""
    return np.var(_keep_float(x), axis=_tuple(axis), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """The standard deviation over ``axis``."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def _cumsum_vjp(g, out, x, axis=None):
    if axis is None:
        return (np.flip(np.cumsum(np.flip(g))).reshape(np.shape(x)),)
    return (np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis),)


@differentiable(_cumsum_vjp)
def cumsum(x, axis=None, dtype=None):
    """The running sum along ``axis`` (of the flattened array when None)."""
    return np.cumsum(as_array(x), axis=axis)


def _tuple(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# -- shapes ---------------------------------------------------------------------------------

@differentiable(lambda g, out, x, newshape: (np.reshape(g, np.shape(x)), None))
def _reshape(x, newshape):
    return np.reshape(as_array(x), newshape)


def reshape(x, newshape):
    """``x`` with a new shape (-1 once, for the size that fits)."""
    return _reshape(x, tuple(newshape) if isinstance(newshape, list) else newshape)


@differentiable(lambda g, out, x, axis: (np.reshape(g, np.shape(x)), None))
def _expand_dims(x, axis):
    return np.expand_dims(as_array(x), axis)


def expand_dims(x, axis):
    """``x`` with a new axis of size 1 at ``axis``."""
    return _expand_dims(x, _tuple(axis))


@differentiable(lambda g, out, x, axis=None: (np.reshape(g, np.shape(x)),))
def squeeze(x, axis=None):
    """``x`` without axes of size 1 (only ``axis`` when given)."""
    return np.squeeze(as_array(x), axis=_tuple(axis))


def _transpose_vjp(g, out, x, axes=None):
    if axes is None:
        return (np.transpose(g),)
    return (np.transpose(g, np.argsort(axes)),)


@differentiable(_transpose_vjp)
def transpose(x, axes=None):
    """``x`` with its axes permuted (reversed when ``axes`` is None)."""
    return np.transpose(as_array(x), axes)


@differentiable(lambda g, out, x, shape: (g, None))
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape``."""
    return np.array(np.broadcast_to(as_array(x), tuple(shape)))


def _tile_vjp(g, out, x, repeats):
    x = np.asarray(x)
    reps = (1,) * (g.ndim - len(repeats)) + tuple(repeats) if not np.isscalar(repeats) else (repeats,)
    shape = (1,) * (g.ndim - x.ndim) + x.shape
    split = []
    for r, s in zip(reps[-g.ndim:] if len(reps) >= g.ndim else (1,) * (g.ndim - len(reps)) + reps, shape):
        split.extend([r, s])
    return (g.reshape(split).sum(axis=tuple(range(0, 2 * g.ndim, 2))).reshape(x.shape), None)


@differentiable(_tile_vjp)
def tile(x, repeats):
    """``x`` repeated ``repeats`` times along each axis."""
    return np.tile(as_array(x), repeats)


def _repeat_vjp(g, out, x, repeats, axis=None):
    x = np.asarray(x)
    if axis is None:
        return (g.reshape(x.size, repeats).sum(axis=1).reshape(x.shape), None) if np.isscalar(repeats) else \
            (np.add.reduceat(g, np.concatenate([[0], np.cumsum(repeats)[:-1]])).reshape(x.shape), None)
    axis = axis % x.ndim
    if np.isscalar(repeats):
        shape = x.shape[:axis] + (x.shape[axis], repeats) + x.shape[axis + 1:]
        return (g.reshape(shape).sum(axis=axis + 1), None)
    starts = np.concatenate([[0], np.cumsum(repeats)[:-1]]).astype(int)
    return (np.add.reduceat(g, starts, axis=axis), None)


@differentiable(_repeat_vjp)
def repeat(x, repeats, axis=None):
    """Each element repeated ``repeats`` times along ``axis``."""
    return np.repeat(as_array(x), repeats, axis=axis)


def _concatenate_vjp(g, out, xs, axis=0):
    bounds = np.cumsum([np.shape(x)[axis] for x in xs])[:-1]
    return np.split(g, bounds, axis=axis)


def _concatenate(xs, axis=0):
    return np.concatenate([as_array(x) for x in xs], axis=axis)


_concatenate.__name__ = "concatenate"
concatenate = structure_op(_concatenate, _concatenate_vjp)
concatenate.__doc__ = "The arrays joined along ``axis`` (Keras's default axis is 0)."


def _stack(xs, axis=0):
    return np.stack([as_array(x) for x in xs], axis=axis)


_stack.__name__ = "stack"
stack = structure_op(_stack, lambda g, out, xs, axis=0: [np.take(g, i, axis=axis) for i in range(len(xs))])
stack.__doc__ = "The arrays stacked along a new ``axis``."


def split(x, indices_or_sections, axis=0):
    """``x`` cut into pieces along ``axis`` (differentiable: each piece is a slice)."""
    size = _value(x).shape[axis]
    if isinstance(indices_or_sections, int):
        step = size // indices_or_sections
        cuts = list(range(step, size, step))[:indices_or_sections - 1]
    else:
        cuts = list(indices_or_sections)
    pieces, start = [], 0
    for stop in cuts + [size]:
        index = [slice(None)] * len(_value(x).shape)
        index[axis] = slice(start, stop)
        pieces.append(getitem(x, tuple(index)))
        start = stop
    return pieces


def _getitem_vjp(g, out, x, key):
    grad = np.zeros(np.shape(x), dtype=g.dtype)
    np.add.at(grad, key, g) if _has_array_index(key) else grad.__setitem__(key, g)
    return grad, None


def _has_array_index(key):
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, (list, np.ndarray)) for k in keys)


@differentiable(_getitem_vjp)
def getitem(x, key):
    """``x[key]`` (Keras: ``x[...]`` on a tensor)."""
    return as_array(x)[key]


def _take_vjp(g, out, x, indices, axis=None):
    x = np.asarray(x)
    grad = np.zeros(x.size if axis is None else x.shape, dtype=g.dtype)
    if axis is None:
        np.add.at(grad, np.asarray(indices).reshape(-1), g.reshape(-1))
        return grad.reshape(x.shape), None
    moved = np.moveaxis(grad, axis, 0)
    np.add.at(moved, np.asarray(indices), np.moveaxis(g, list(range(axis, axis + np.ndim(indices))),
                                                      list(range(np.ndim(indices)))))
    return grad, None


@differentiable(_take_vjp)
def take(x, indices, axis=None):
    """Elements of ``x`` at ``indices`` along ``axis``."""
    return np.take(as_array(x), np.asarray(indices).astype(np.intp), axis=axis)


def _take_along_vjp(g, out, x, indices, axis=None):
    grad = np.zeros(np.shape(x), dtype=g.dtype)
    idx = list(np.indices(np.shape(indices), sparse=True))
    idx[axis % np.ndim(x)] = np.asarray(indices)
    np.add.at(grad, tuple(idx), g)
    return grad, None


@differentiable(_take_along_vjp)
def take_along_axis(x, indices, axis=None):
    """np.take_along_axis."""
    return np.take_along_axis(as_array(x), np.asarray(indices).astype(np.intp), axis)


@differentiable(lambda g, out, x, dtype: (g.astype(np.asarray(x).dtype) if np.asarray(x).dtype.kind == "f"
                                         else None, None))
def cast(x, dtype):
    """``x`` converted to ``dtype``."""
    return as_array(x).astype(dtype)


@differentiable(lambda g, out, x: (np.zeros_like(g),))
def stop_gradient(x):
    """``x`` itself, through which no gradient flows (Keras: ``keras.ops.stop_gradient``)."""
    return x


def _value(x):
    from ..tape import value_of
    return value_of(x)


# -- without gradients ----------------------------------------------------------------------

def shape(x):
    """The shape of ``x`` as a tuple."""
    return tuple(np.shape(_value(x))) if not hasattr(x, "shape") else tuple(x.shape)


def ndim(x):
    return len(shape(x))


def size(x):
    return int(np.prod(shape(x)))


@constant
def ones_like(x, dtype=None):
    return np.ones_like(x, dtype=dtype)


@constant
def zeros_like(x, dtype=None):
    return np.zeros_like(x, dtype=dtype)


@constant
def full_like(x, fill_value, dtype=None):
    return np.full_like(x, fill_value, dtype=dtype)


def ones(shape, dtype="float32"):
    return np.ones(shape, dtype=dtype or "float32")


def zeros(shape, dtype="float32"):
    return np.zeros(shape, dtype=dtype or "float32")


def full(shape, fill_value, dtype=None):
    return np.full(shape, fill_value, dtype=dtype or "float32")


def eye(N, M=None, k=0, dtype="float32"):
    return np.eye(N, M, k, dtype=dtype or "float32")


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values (int32 for integer arguments, float32 otherwise, as Keras)."""
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is None:
        dtype = "int32" if values.dtype.kind in "iu" else "float32"
    return values.astype(dtype)


def linspace(start, stop, num=50, endpoint=True, dtype=None):
    return np.linspace(start, stop, num, endpoint=endpoint).astype(dtype or "float32")


for _name in ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
              "logical_and", "logical_or", "logical_xor"):
    globals()[_name] = constant(lambda x1, x2, _f=getattr(np, _name): _f(x1, x2))
    globals()[_name].__name__ = _name
    globals()[_name].__doc__ = f"np.{_name}, elementwise (no gradient)."


@constant
def logical_not(x):
    return np.logical_not(x)


@constant
def isnan(x):
    return np.isnan(x)


@constant
def isfinite(x):
    return np.isfinite(x)


@constant
def isinf(x):
    return np.isinf(x)


@constant
def argmax(x, axis=None, keepdims=False):
    """Indices of the maxima (int32, as Keras)."""
    return np.argmax(x, axis=axis, keepdims=keepdims).astype(np.int32)


@constant
def argmin(x, axis=None, keepdims=False):
    """Indices of the minima (int32, as Keras)."""
    return np.argmin(x, axis=axis, keepdims=keepdims).astype(np.int32)


@constant
def argsort(x, axis=-1):
    return np.argsort(x, axis=axis).astype(np.int32)


@constant
def all(x, axis=None, keepdims=False):
    return np.all(x, axis=_tuple(axis), keepdims=keepdims)


@constant
def any(x, axis=None, keepdims=False):
    return np.any(x, axis=_tuple(axis), keepdims=keepdims)


@constant
def count_nonzero(x, axis=None):
    return np.count_nonzero(x, axis=axis)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as an array (a recorded value stays recorded; floats default to float32)."""
    from ..tape import Tracer
    if type(x) is Tracer:
        return x if dtype is None else cast(x, dtype)
    value = _value(x)
    array = np.asarray(value, dtype=dtype)
    if dtype is None and array.dtype == np.float64 and not isinstance(value, np.ndarray):
        array = array.astype(np.float32)
    return array


def convert_to_numpy(x):
    """The NumPy array behind ``x`` (a recorded value's gradient is not followed)."""
    return np.asarray(_value(x))


def array(x, dtype=None):
    return convert_to_tensor(x, dtype=dtype)
