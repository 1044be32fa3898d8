"""``keras.ops`` array functions (Keras: ``keras.ops.numpy``), each beside its vjp.

A vjp ``(g, out, *inputs, **options)`` returns the gradient of each positional input, in
the broadcast shape; ``core.unbroadcast`` brings it back to the input's shape. Functions
without a decorator are compositions of ops, so their gradients come from the ops they use.

Dtypes follow Keras: integer inputs to float functions (``mean``, ``sqrt``, ``exp``, ``/``)
give float32, a Python number does not widen an array (``int32 * 2.5`` is float32), sums of
int32 stay int32, and index results (``argmax``, ``arange``) are int32.
"""
import builtins

import numpy as np

from .core import as_array, constant, differentiable, structure_op

_f32 = np.float32


def _keep_float(x):
    x = as_array(x)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _is_array_of(x, dtype):
    # NumPy scalars (a full reduction's result) are typed; Python numbers are "weak"
    return getattr(x, "dtype", None) == dtype


def _weak(out, x1, x2):
    """``out`` as Keras types it where NumPy widened only because of a Python number: an
    integer array with a Python float stays float32, Python ints alone give int32 (Keras keeps
    64 bits only when an input array had them)."""
    kind = getattr(out, "dtype", None)
    if kind == np.float64 and not (_is_array_of(x1, np.float64) or _is_array_of(x2, np.float64)):
        return out.astype(np.float32)
    if kind == np.int64 and not (_is_array_of(x1, np.int64) or _is_array_of(x2, np.int64)):
        return out.astype(np.int32)
    return out


def _value(x):
    from ..tape import value_of
    return value_of(x)


def _tuple(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _int_sum_dtype(x):
    """The dtype of a sum or product of ``x`` (as JAX: small integers and bools give int32)."""
    kind, size = x.dtype.kind, x.dtype.itemsize
    if kind == "b" or (kind == "i" and size < 4):
        return np.int32
    if kind == "u" and size < 4:
        return np.uint32
    return x.dtype


# -- elementwise arithmetic -----------------------------------------------------------------

@differentiable(lambda g, out, x1, x2: (g, g))
def add(x1, x2):
    """x1 + x2, broadcasting."""
    return _weak(np.add(as_array(x1), as_array(x2)), x1, x2)


@differentiable(lambda g, out, x1, x2: (g, -g))
def subtract(x1, x2):
    """x1 - x2, broadcasting."""
    return _weak(np.subtract(as_array(x1), as_array(x2)), x1, x2)


@differentiable(lambda g, out, x1, x2: (g * x2, g * x1))
def multiply(x1, x2):
    """x1 * x2, broadcasting."""
    return _weak(np.multiply(as_array(x1), as_array(x2)), x1, x2)


@differentiable(lambda g, out, x1, x2: (g / x2, -g * out / x2))
def divide(x1, x2):
    """x1 / x2 (true division, float32 for integers), broadcasting."""
    return _weak(np.true_divide(as_array(x1), as_array(x2)), x1, x2)


true_divide = divide


@differentiable(lambda g, out, x: (-g,))
def negative(x):
    """-x."""
    return np.negative(as_array(x))


def _power_vjp(g, out, x1, x2):
    x1, x2 = np.asarray(x1), np.asarray(x2)
    dtype = out.dtype if out.dtype.kind == "f" else np.float32
    dx1 = (g * x2 * np.power(x1, x2 - 1, dtype=dtype)).astype(dtype, copy=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        # d(x1 ** x2)/dx2 = out * log(x1), defined for x1 > 0 (0 elsewhere, as JAX where x1 == 0)
        dx2 = np.where(x1 > 0, g * out * np.log(np.where(x1 > 0, x1, 1)), 0).astype(dtype, copy=False)
    return dx1, dx2


@differentiable(_power_vjp)
def power(x1, x2):
    """x1 ** x2."""
    return _weak(np.power(as_array(x1), as_array(x2)), x1, x2)


@differentiable(lambda g, out, x: (g * 2 * x,))
def square(x):
    """x ** 2."""
    return np.square(as_array(x))


@differentiable(lambda g, out, x: (g * 0.5 / out,))
def sqrt(x):
    """The square root of x (float32 for integers)."""
    return np.sqrt(_keep_float(x))


@differentiable(lambda g, out, x: (g * -0.5 * out / x,))
def rsqrt(x):
    """1 / sqrt(x)."""
    x = _keep_float(x)
    return 1 / np.sqrt(x)


@differentiable(lambda g, out, x: (-g * out * out,))
def reciprocal(x):
    """1 / x (float32 for integers)."""
    return np.reciprocal(_keep_float(x))


@differentiable(lambda g, out, x: (g * np.sign(x),))
def abs(x):
    """|x| (the gradient at 0 is 0)."""
    return np.abs(as_array(x))


absolute = abs


@differentiable(lambda g, out, x1, x2: (g * np.exp(x1 - out), g * np.exp(x2 - out)))
def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)), computed stably."""
    return _weak(np.logaddexp(_keep_float(x1), _keep_float(x2)), x1, x2)


# Unary float functions: (name, NumPy function, derivative as a function of (x, out)).
_UNARY = [
    ("exp", np.exp, lambda x, out: out, "e ** x."),
    ("exp2", np.exp2, lambda x, out: out * np.log(2).astype(out.dtype), "2 ** x."),
    ("expm1", np.expm1, lambda x, out: out + 1, "exp(x) - 1, accurate near 0."),
    ("log", np.log, lambda x, out: 1 / x, "The natural logarithm."),
    ("log2", np.log2, lambda x, out: 1 / (x * np.log(2).astype(out.dtype)), "The base-2 logarithm."),
    ("log10", np.log10, lambda x, out: 1 / (x * np.log(10).astype(out.dtype)), "The base-10 logarithm."),
    ("log1p", np.log1p, lambda x, out: 1 / (1 + x), "log(1 + x), accurate near 0."),
    ("tanh", np.tanh, lambda x, out: 1 - out * out, "Hyperbolic tangent."),
    ("sinh", np.sinh, lambda x, out: np.cosh(x), "Hyperbolic sine."),
    ("cosh", np.cosh, lambda x, out: np.sinh(x), "Hyperbolic cosine."),
    ("sin", np.sin, lambda x, out: np.cos(x), "Sine (radians)."),
    ("cos", np.cos, lambda x, out: -np.sin(x), "Cosine (radians)."),
    ("tan", np.tan, lambda x, out: 1 + out * out, "Tangent (radians)."),
    ("arcsin", np.arcsin, lambda x, out: 1 / np.sqrt(1 - x * x), "Inverse sine."),
    ("arccos", np.arccos, lambda x, out: -1 / np.sqrt(1 - x * x), "Inverse cosine."),
    ("arctan", np.arctan, lambda x, out: 1 / (1 + x * x), "Inverse tangent."),
    ("arcsinh", np.arcsinh, lambda x, out: 1 / np.sqrt(x * x + 1), "Inverse hyperbolic sine."),
    ("arccosh", np.arccosh, lambda x, out: 1 / np.sqrt(x * x - 1), "Inverse hyperbolic cosine."),
    ("arctanh", np.arctanh, lambda x, out: 1 / (1 - x * x), "Inverse hyperbolic tangent."),
]


def _unary(name, function, derivative, doc):
    def forward(x):
        return function(_keep_float(x))

    forward.__name__ = forward.__qualname__ = name
    forward.__doc__ = doc + " Integer input gives float32."
    return differentiable(lambda g, out, x: (g * derivative(x, out),))(forward)


for _name, _function, _derivative, _doc in _UNARY:
    globals()[_name] = _unary(_name, _function, _derivative, _doc)


@differentiable(lambda g, out, x1, x2: (g * x2 / (x1 * x1 + x2 * x2), -g * x1 / (x1 * x1 + x2 * x2)))
def arctan2(x1, x2):
    """The angle of the point (x2, x1), in radians."""
    return _weak(np.arctan2(_keep_float(x1), _keep_float(x2)), x1, x2)


def _pick_vjp(g, out, x1, x2):
    # the gradient goes to the input that was picked; ties split it evenly (as JAX does)
    first = (np.asarray(x1) == out).astype(g.dtype)
    second = (np.asarray(x2) == out).astype(g.dtype)
    share = g / (first + second)
    return share * first, share * second


@differentiable(_pick_vjp)
def maximum(x1, x2):
    """The elementwise larger of x1 and x2 (ties share the gradient)."""
    return _weak(np.maximum(as_array(x1), as_array(x2)), x1, x2)


@differentiable(_pick_vjp)
def minimum(x1, x2):
    """The elementwise smaller of x1 and x2 (ties share the gradient)."""
    return _weak(np.minimum(as_array(x1), as_array(x2)), x1, x2)


def _clip_vjp(g, out, x, x_min, x_max):
    inside = np.ones(np.shape(x), bool)
    if x_min is not None:
        inside &= x >= x_min
    if x_max is not None:
        inside &= x <= x_max
    return g * inside, None, None


@differentiable(_clip_vjp)
def clip(x, x_min, x_max):
    """x limited to [x_min, x_max]; the gradient passes where x is inside (bounds included)."""
    x = as_array(x)
    out = np.clip(x, x_min, x_max)
    return out.astype(x.dtype) if out.dtype == np.float64 and x.dtype.kind != "f" else out


@differentiable(lambda g, out, condition, x1, x2: (None, np.where(condition, g, 0), np.where(condition, 0, g)),
                name="where")
def _where(condition, x1, x2):
    return _weak(np.where(condition, as_array(x1), as_array(x2)), x1, x2)



def where(condition, x1=None, x2=None):
    """x1 where condition holds, else x2; with the condition alone, the indices where it holds
    (as ``nonzero``)."""
    if x1 is None and x2 is None:
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("where: x1 and x2 must be given together (or neither, for the indices "
                         f"where condition holds); got x1={x1!r:.40}, x2={x2!r:.40}")
    return _where(condition, x1, x2)


# Piecewise-constant functions: zero gradient almost everywhere (as JAX).
@differentiable(lambda g, out, x: (np.zeros_like(g),))
def sign(x):
    """-1, 0 or 1 by the sign of x."""
    return np.sign(as_array(x))


@differentiable(lambda g, out, x, decimals=0: (np.zeros_like(g), None))
def round(x, decimals=0):
    """x rounded to ``decimals`` places (half to even, as NumPy)."""
    return np.round(as_array(x), decimals)


@differentiable(lambda g, out, x: (np.zeros_like(g),))
def floor(x):
    """The largest integer <= x (float32 for integers, as Keras)."""
    return np.floor(_keep_float(x))


@differentiable(lambda g, out, x: (np.zeros_like(g),))
def ceil(x):
    """The smallest integer >= x (float32 for integers, as Keras)."""
    return np.ceil(_keep_float(x))


@differentiable(lambda g, out, x1, x2: (g, -g * np.floor_divide(x1, x2)))
def mod(x1, x2):
    """The remainder of x1 / x2, with the sign of x2 (as NumPy)."""
    return _weak(np.mod(as_array(x1), as_array(x2)), x1, x2)


@differentiable(lambda g, out, x1, x2: (np.zeros_like(g), np.zeros_like(g)))
def floor_divide(x1, x2):
    """floor(x1 / x2)."""
    return _weak(np.floor_divide(as_array(x1), as_array(x2)), x1, x2)


# -- linear algebra -------------------------------------------------------------------------

def _matmul_vjp(g, out, x1, x2, needs=(True, True)):
    # (needs: which inputs want a gradient; a layer's input data does not, so x @ w skips g @ w.T)
    x1, x2 = np.asarray(x1), np.asarray(x2)
    if x1.ndim == 1 and x2.ndim == 1:
        return g * x2, g * x1
    if x1.ndim == 1:
        return (g[..., None, :] @ np.swapaxes(x2, -1, -2))[..., 0, :], x1[:, None] * g[..., None, :]
    if x2.ndim == 1:
        return g[..., :, None] * x2, (np.swapaxes(x1, -1, -2) @ g[..., :, None])[..., 0]
    return (g @ np.swapaxes(x2, -1, -2) if needs[0] else None,
            np.swapaxes(x1, -1, -2) @ g if needs[1] else None)


_matmul_vjp.wants_needs = True


@differentiable(_matmul_vjp)
def matmul(x1, x2):
    """The matrix product (batched over leading axes, as np.matmul)."""
    x1, x2 = as_array(x1), as_array(x2)
    try:
        return _weak(np.matmul(x1, x2), x1, x2)
    except ValueError:
        raise ValueError(_matmul_mismatch(np.shape(x1), np.shape(x2))) from None


def _matmul_mismatch(s1, s2):
    if not s1 or not s2:
        return (f"matmul: x1 of shape {s1} and x2 of shape {s2}: both must have at least one axis (use "
                "multiply for scalars)")
    inner = -2 if len(s2) > 1 else 0
    if s1[-1] != s2[inner]:
        return (f"matmul: x1 of shape {s1} and x2 of shape {s2} do not fit: the last axis of x1 ({s1[-1]}) must "
                f"equal the {'second-to-last' if len(s2) > 1 else 'only'} axis of x2 ({s2[inner]})")
    return f"matmul: x1 of shape {s1} and x2 of shape {s2}: their batch axes {s1[:-2]} and {s2[:-2]} do not broadcast"


def dot(x1, x2):
    """np.dot: a product for scalars, matmul up to rank 2, and for higher ranks a sum over the
    last axis of x1 and the second-to-last of x2."""
    if ndim(x1) == 0 or ndim(x2) == 0:
        return multiply(x1, x2)
    if ndim(x1) <= 2 and ndim(x2) <= 2:
        return matmul(x1, x2)
    return tensordot(x1, x2, axes=([-1], [-2 if ndim(x2) > 1 else 0]))


def tensordot(x1, x2, axes=2):
    """The sum of products over ``axes`` (an int: the last ``axes`` of x1 with the first of x2;
    or a pair of axis lists)."""
    n1, n2 = ndim(x1), ndim(x2)
    if isinstance(axes, int):
        a1, a2 = list(range(n1 - axes, n1)), list(range(axes))
    else:
        a1, a2 = [axes[0]] if isinstance(axes[0], int) else list(axes[0]), \
            [axes[1]] if isinstance(axes[1], int) else list(axes[1])
    a1, a2 = [a % n1 for a in a1], [a % n2 for a in a2]
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    s1 = [next(letters) for _ in range(n1)]
    s2 = [next(letters) for _ in range(n2)]
    for i, j in zip(a1, a2):
        s2[j] = s1[i]
    kept = [c for i, c in enumerate(s1) if i not in a1] + [c for j, c in enumerate(s2) if j not in a2]
    return einsum(f"{''.join(s1)},{''.join(s2)}->{''.join(kept)}", x1, x2)


def _parse_einsum(subscripts, operands):
    """Input subscripts (each a list of letters, '...' one item) and the output's."""
    spec = subscripts.replace(" ", "")
    inputs, _, output = spec.partition("->")
    parts = [_tokens(p) for p in inputs.split(",")]
    if "->" not in spec:
        counts = {}
        for part in parts:
            for c in part:
                counts[c] = counts.get(c, 0) + 1
        out = (["..."] if "..." in counts else []) + sorted(c for c, n in counts.items() if n == 1 and c != "...")
    else:
        out = _tokens(output)
    return parts, out


def _tokens(subscript):
    tokens, i = [], 0
    while i < len(subscript):
        if subscript.startswith("...", i):
            tokens.append("...")
            i += 3
        else:
            tokens.append(subscript[i])
            i += 1
    return tokens


def _explicit_ellipsis(parts, out, operands):
    """The subscripts with each '...' spelled out in unused letters (right-aligned, as
    broadcasting aligns them), so a gradient's contraction can drop or keep them."""
    counts = [np.ndim(x) - len(p) + 1 if "..." in p else 0 for p, x in zip(parts, operands)]
    used = set().union(*parts, out)
    free = [c for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in used]
    letters = free[:builtins.max(counts, default=0)]

    def spell(part, n):
        if "..." not in part:
            return part
        k = part.index("...")
        return part[:k] + (letters[len(letters) - n:] if n else []) + part[k + 1:]
    return [spell(p, n) for p, n in zip(parts, counts)], spell(out, len(letters))


def _einsum_vjp(g, out, subscripts, *operands, **kwargs):
    # d out / d operand_i: the same contraction with g in the output's place and operand i's
    # subscripts as the result; letters summed only inside operand i are broadcast back.
    parts, out_tokens = _parse_einsum(subscripts, operands)
    parts, out_tokens = _explicit_ellipsis(parts, out_tokens, operands)
    grads = [None]
    for i, (part, x) in enumerate(zip(parts, operands)):
        if len(set(part)) != len(part):
            raise NotImplementedError(f"einsum: the gradient of {subscripts!r} is not supported (a letter "
                                      f"repeated within operand {i}: use ops.diagonal or ops.trace)")
        others = [p for j, p in enumerate(parts) if j != i]
        present = set(out_tokens).union(*others)
        kept = [c for c in part if c in present]
        spec = ",".join("".join(p) for p in [out_tokens] + others) + "->" + "".join(kept)
        grad = np.einsum(spec, g, *[o for j, o in enumerate(operands) if j != i])
        missing = [k for k, c in enumerate(part) if c not in present]
        if missing:
            grad = np.broadcast_to(np.expand_dims(grad, missing), np.shape(x))
        grads.append(grad)
    return grads


@differentiable(_einsum_vjp)
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over ``operands`` (as np.einsum; ``kwargs`` such as ``optimize`` go to it)."""
    arrays = [as_array(o) for o in operands]
    out = np.einsum(subscripts, *arrays, **kwargs)
    if any(a.dtype == np.float64 for a in arrays) or out.dtype != np.float64:
        return out
    return out.astype(np.float32)


@differentiable(lambda g, out, x1, x2: (np.sum(g * np.reshape(x2, (1, -1)), axis=1).reshape(np.shape(x1)),
                                       np.sum(g * np.reshape(x1, (-1, 1)), axis=0).reshape(np.shape(x2))))
def outer(x1, x2):
    """The outer product of the flattened x1 and x2."""
    return _weak(np.outer(as_array(x1), as_array(x2)), x1, x2)


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
    """The sum over ``axis`` (all axes when None; int32 stays int32)."""
    x = as_array(x)
    return np.sum(x, axis=_tuple(axis), keepdims=keepdims, dtype=_int_sum_dtype(np.asarray(x)))


def _count(x, axis):
    return int(np.prod([np.shape(x)[a] for a in _axes(axis, np.ndim(x))]))


def _mean_vjp(g, out, x, axis=None, keepdims=False):
    scale = np.asarray(1 / _count(x, axis), g.dtype)
    return (np.broadcast_to(_expand_back(g, x, axis, keepdims) * scale, np.shape(x)),)


@differentiable(_mean_vjp)
def mean(x, axis=None, keepdims=False):
    """The mean over ``axis`` (all axes when None); integers give float32."""
    x = _keep_float(x)
    return np.mean(x, axis=_tuple(axis), keepdims=keepdims, dtype=x.dtype)


def _extreme_vjp(g, out, x, axis=None, keepdims=False, initial=None):
    out_b = _expand_back(out, x, axis, keepdims)
    hit = (np.asarray(x) == out_b).astype(g.dtype)
    hit /= np.maximum(np.sum(hit, axis=_axes(axis, np.ndim(x)), keepdims=True), 1)
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


def amax(x, axis=None, keepdims=False):
    """The maximum over ``axis`` (``max`` without ``initial``)."""
    return max(x, axis=axis, keepdims=keepdims)


def amin(x, axis=None, keepdims=False):
    """The minimum over ``axis`` (``min`` without ``initial``)."""
    return min(x, axis=axis, keepdims=keepdims)


def _var_vjp(g, out, x, axis=None, keepdims=False):
    x = np.asarray(x)
    centered = x - np.mean(x, axis=_tuple(axis), keepdims=True)
    return (_expand_back(g, x, axis, keepdims) * centered * np.asarray(2 / _count(x, axis), g.dtype),)


@differentiable(_var_vjp)
def var(x, axis=None, keepdims=False):
    """The (population) variance over ``axis``; integers give float32."""
    return np.var(_keep_float(x), axis=_tuple(axis), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """The (population) standard deviation over ``axis``."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def average(x, axis=None, weights=None):
    """The mean over ``axis`` weighted by ``weights`` (shaped like x, or 1-D along ``axis``)."""
    if weights is None:
        return mean(x, axis=axis)
    if ndim(weights) == 1 and ndim(x) > 1:
        if axis is None:
            raise ValueError(f"average: 1-D weights of shape {shape(weights)} need an axis for x of "
                             f"shape {shape(x)}")
        axis_ = axis % ndim(x)
        weights = reshape(weights, [-1 if a == axis_ else 1 for a in range(ndim(x))])
    total = sum(multiply(x, weights), axis=axis)
    return divide(total, sum(multiply(ones_like(x), weights), axis=axis))


def _prod_vjp(g, out, x, axis=None, keepdims=False, dtype=None):
    # d prod / d x_i = the product of the others: exclusive running products from both sides,
    # exact when some x are 0 (out / x would divide by zero)
    x = np.asarray(x)
    axes = _axes(axis, x.ndim)
    kept = [a for a in range(x.ndim) if a not in axes]
    moved = np.transpose(x, kept + list(axes))
    flat = moved.reshape(moved.shape[:len(kept)] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat, -1)[..., :-1]], axis=-1), axis=-1), -1)
    others = (left * right).reshape(moved.shape)
    others = np.transpose(others, np.argsort(kept + list(axes)))
    return (_expand_back(g, x, axis, keepdims) * others,)


@differentiable(_prod_vjp)
def prod(x, axis=None, keepdims=False, dtype=None):
    """The product over ``axis`` (all axes when None)."""
    x = as_array(x)
    return np.prod(x, axis=_tuple(axis), keepdims=keepdims, dtype=dtype or _int_sum_dtype(np.asarray(x)))


def _cumsum_vjp(g, out, x, axis=None, dtype=None):
    if axis is None:
        return (np.flip(np.cumsum(np.flip(g))).reshape(np.shape(x)),)
    return (np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis),)


@differentiable(_cumsum_vjp)
def cumsum(x, axis=None, dtype=None):
    """The running sum along ``axis`` (of the flattened array when None)."""
    x = as_array(x)
    return np.cumsum(x, axis=axis, dtype=dtype or _int_sum_dtype(np.asarray(x)))


def _cumprod_vjp(g, out, x, axis=None, dtype=None):
    # sum over j >= i of g_j * out_j / x_i (for x without zeros)
    x = np.asarray(x)
    if axis is None:
        return (_cumprod_vjp(g, out, x.reshape(-1), 0)[0].reshape(x.shape),)
    return (np.flip(np.cumsum(np.flip(g * out, axis), axis=axis), axis) / x,)


@differentiable(_cumprod_vjp)
def cumprod(x, axis=None, dtype=None):
    """The running product along ``axis`` (its gradient assumes no zeros in x)."""
    x = as_array(x)
    return np.cumprod(x, axis=axis, dtype=dtype or _int_sum_dtype(np.asarray(x)))


def diff(a, n=1, axis=-1):
    """The ``n``-th differences along ``axis``."""
    for _ in range(n):
        size = shape(a)[axis]
        head = [slice(None)] * ndim(a)
        tail = list(head)
        head[axis], tail[axis] = slice(1, size), slice(0, size - 1)
        a = subtract(getitem(a, tuple(head)), getitem(a, tuple(tail)))
    return a


# -- shapes ---------------------------------------------------------------------------------

@differentiable(lambda g, out, x, newshape: (np.reshape(g, np.shape(x)), None))
def reshape(x, newshape):
    """``x`` with a new shape (-1 once, for the size that fits)."""
    x = as_array(x)
    newshape = tuple(newshape) if isinstance(newshape, (list, tuple)) else (newshape,)
    size, known = np.size(x), [d for d in newshape if d != -1]
    fits = int(np.prod(known)) == size if len(known) == len(newshape) else \
        len(newshape) - len(known) == 1 and (size % builtins.max(int(np.prod(known)), 1) == 0) and \
        (np.prod(known) != 0 or size == 0)
    if not fits:
        raise ValueError(f"reshape: x of shape {np.shape(x)} ({size} values) cannot take newshape="
                         f"{newshape}" + (" (at most one -1)" if newshape.count(-1) > 1 else ""))
    return np.reshape(x, newshape)


def ravel(x):
    """``x`` flattened to one axis."""
    return reshape(x, (-1,))


@differentiable(lambda g, out, x, axis: (np.reshape(g, np.shape(x)), None))
def expand_dims(x, axis):
    """``x`` with a new axis of size 1 at ``axis`` (or several, given a tuple)."""
    return np.expand_dims(as_array(x), _tuple(axis))


@differentiable(lambda g, out, x, axis=None: (np.reshape(g, np.shape(x)), None))
def squeeze(x, axis=None):
    """``x`` without axes of size 1 (only ``axis`` when given)."""
    x = as_array(x)
    for a in _axes(axis, np.ndim(x)) if axis is not None else ():
        if np.shape(x)[a] != 1:
            raise ValueError(f"squeeze: x of shape {np.shape(x)} has size {np.shape(x)[a]} on axis={axis}, "
                             "not 1")
    return np.squeeze(x, axis=_tuple(axis))


def _transpose_vjp(g, out, x, axes=None):
    if axes is None:
        return (np.transpose(g),)
    return (np.transpose(g, np.argsort([a % np.ndim(x) for a in axes])),)


@differentiable(_transpose_vjp)
def transpose(x, axes=None):
    """``x`` with its axes permuted (reversed when ``axes`` is None)."""
    return np.transpose(as_array(x), axes)


@differentiable(lambda g, out, x, axis1, axis2: (np.swapaxes(g, axis1, axis2), None, None))
def swapaxes(x, axis1, axis2):
    """``x`` with two axes exchanged."""
    return np.swapaxes(as_array(x), axis1, axis2)


@differentiable(lambda g, out, x, source, destination: (np.moveaxis(g, destination, source), None, None))
def moveaxis(x, source, destination):
    """``x`` with axes moved from ``source`` to ``destination`` (ints or sequences)."""
    return np.moveaxis(as_array(x), source, destination)


@differentiable(lambda g, out, x, shape: (g, None))
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (a copy, so it can be written)."""
    return np.array(np.broadcast_to(as_array(x), tuple(shape)))


def _tile_vjp(g, out, x, repeats):
    # g's axes split into (repeat, original) pairs; summing over the repeat halves undoes tile
    x = np.asarray(x)
    reps = (repeats,) if np.ndim(repeats) == 0 else tuple(repeats)
    reps = (1,) * (g.ndim - len(reps)) + reps
    shape = (1,) * (g.ndim - x.ndim) + x.shape
    pairs = [n for r, s in zip(reps, shape) for n in (r, s)]
    return (g.reshape(pairs).sum(axis=tuple(range(0, 2 * g.ndim, 2))).reshape(x.shape), None)


@differentiable(_tile_vjp)
def tile(x, repeats):
    """``x`` repeated ``repeats`` times along each axis (as np.tile)."""
    return np.tile(as_array(x), repeats)


def _repeat_vjp(g, out, x, repeats, axis=None):
    x = np.asarray(x)
    if axis is None:
        return (_repeat_vjp(g, out, x.reshape(-1), repeats, 0)[0].reshape(x.shape), None)
    axis = axis % x.ndim
    if np.ndim(repeats) == 0 or np.size(repeats) == 1:
        r = int(np.reshape(repeats, -1)[0])
        shape = x.shape[:axis] + (x.shape[axis], r) + x.shape[axis + 1:]
        return (g.reshape(shape).sum(axis=axis + 1), None)
    repeats = np.asarray(repeats)
    owner = np.repeat(np.arange(x.shape[axis]), repeats)  # which input row each output row copies
    grad = np.zeros(x.shape, g.dtype)
    np.add.at(np.moveaxis(grad, axis, 0), owner, np.moveaxis(g, axis, 0))
    return (grad, None)


@differentiable(_repeat_vjp)
def repeat(x, repeats, axis=None):
    """Each element repeated ``repeats`` times along ``axis`` (of the flattened x when None)."""
    return np.repeat(as_array(x), repeats, axis=axis)


@differentiable(lambda g, out, x, axis=None: (np.flip(g, _tuple(axis)),))
def flip(x, axis=None):
    """``x`` reversed along ``axis`` (all axes when None)."""
    return np.flip(as_array(x), _tuple(axis))


def _negated(shift):
    return -shift if np.ndim(shift) == 0 else tuple(-s for s in shift)


@differentiable(lambda g, out, x, shift, axis=None: (np.roll(g, _negated(shift), _tuple(axis)), None))
def roll(x, shift, axis=None):
    """``x`` shifted cyclically by ``shift`` along ``axis`` (of the flattened x when None)."""
    return np.roll(as_array(x), shift, _tuple(axis))


def _pad_vjp(g, out, x, pad_width, mode="constant", constant_values=None):
    # each output value is a pad value or a copy of some input value: padding the input's flat
    # indices the same way (-1 for pad values) says which, and the copies' gradients add up
    indices = np.arange(np.size(x)).reshape(np.shape(x))
    if mode == "constant":
        source = np.pad(indices, pad_width, constant_values=-1)
        return (g[source >= 0].reshape(np.shape(x)), None)
    source = np.pad(indices, pad_width, mode=mode)
    grad = np.zeros(np.size(x), g.dtype)
    np.add.at(grad, source.reshape(-1), g.reshape(-1))
    return (grad.reshape(np.shape(x)), None)


@differentiable(_pad_vjp)
def pad(x, pad_width, mode="constant", constant_values=None):
    """``x`` padded by ``pad_width`` (``((before, after), ...)`` per axis, or one pair or one
    number for all axes, as np.pad); ``mode`` as np.pad ("constant", "reflect", "symmetric",
    "edge", "wrap")."""
    x = as_array(x)
    if constant_values is not None and mode != "constant":
        raise ValueError(f"pad: constant_values={constant_values!r} only applies to mode='constant', "
                         f"got mode={mode!r}")
    options = {"constant_values": constant_values} if constant_values is not None else {}
    return np.pad(x, pad_width, mode=mode, **options)


def _concatenate_vjp(g, out, xs, axis=0):
    bounds = np.cumsum([np.shape(x)[axis] for x in xs])[:-1]
    return np.split(g, bounds, axis=axis)


def _concatenate(xs, axis=0):
    arrays = [as_array(x) for x in xs]
    try:
        return np.concatenate(arrays, axis=axis)
    except ValueError as error:
        raise ValueError(_concatenate_mismatch([np.shape(a) for a in arrays], axis, error)) from None


def _concatenate_mismatch(shapes, axis, error):
    if len({len(s) for s in shapes}) > 1 or (shapes and not shapes[0]):
        return f"concatenate: xs of shapes {shapes}: all need the same rank, at least 1"
    rank = len(shapes[0]) if shapes else 0
    if not -rank <= axis < rank:
        return f"concatenate: axis={axis} is out of range for xs of shapes {shapes} (rank {rank})"
    a = axis % rank
    if len({s[:a] + s[a + 1:] for s in shapes}) > 1:
        return f"concatenate: xs of shapes {shapes} differ off axis={axis} (only the concatenation axis may differ)"
    return f"concatenate: xs of shapes {shapes}, axis={axis}: {error}"


_concatenate.__name__ = "concatenate"
concatenate = structure_op(_concatenate, _concatenate_vjp)
concatenate.__doc__ = "The arrays joined along ``axis`` (Keras's default axis is 0)."


def _stack(x, axis=0):
    arrays = [as_array(a) for a in x]
    try:
        return np.stack(arrays, axis=axis)
    except ValueError as error:
        shapes = [np.shape(a) for a in arrays]
        if len(set(shapes)) > 1:
            raise ValueError(f"stack: x of shapes {shapes}: all must have the same shape") from None
        raise ValueError(f"stack: x of shapes {shapes}, axis={axis}: {error}") from None


_stack.__name__ = "stack"
stack = structure_op(_stack, lambda g, out, x, axis=0: [np.take(g, i, axis=axis) for i in range(len(x))])
stack.__doc__ = "The arrays stacked along a new ``axis``."


def vstack(xs):
    """The arrays joined along their first axis (1-D arrays as rows)."""
    return concatenate([reshape(x, (1, -1)) if ndim(x) == 1 else x for x in xs], axis=0)


def hstack(xs):
    """The arrays joined along their second axis (along the only axis for 1-D arrays)."""
    return concatenate(list(xs), axis=0 if builtins.all(ndim(x) == 1 for x in xs) else 1)


def split(x, indices_or_sections, axis=0):
    """``x`` cut into pieces along ``axis`` (equal sections, or at the given indices)."""
    size = shape(x)[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if indices_or_sections <= 0 or size % indices_or_sections:
            raise ValueError(f"split: x of shape {shape(x)} cannot be cut into {indices_or_sections} equal "
                             f"sections along axis={axis} (size {size})")
        step = size // indices_or_sections
        cuts = list(range(step, size, step))
    else:
        cuts = list(indices_or_sections)
    pieces, start = [], 0
    for stop in cuts + [size]:
        index = [slice(None)] * ndim(x)
        index[axis] = slice(start, stop)
        pieces.append(getitem(x, tuple(index)))
        start = stop
    return pieces


def meshgrid(*x, indexing="xy"):
    """Coordinate arrays from 1-D arrays (``indexing="xy"``: the first two axes swapped, as NumPy)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    sizes = [size(v) for v in x]
    if indexing == "xy" and len(x) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, v in enumerate(x):
        place = 1 - i if indexing == "xy" and len(x) > 1 and i < 2 else i
        shape_ = [1] * len(x)
        shape_[place] = -1
        grids.append(broadcast_to(reshape(v, shape_), sizes))
    return grids


def _getitem_vjp(g, out, x, key):
    grad = np.zeros(np.shape(x), dtype=g.dtype)
    if _has_array_index(key):
        np.add.at(grad, key, g)  # an index may repeat: its gradients add up
    else:
        grad[key] = g
    return grad, None


def _has_array_index(key):
    keys = key if isinstance(key, tuple) else (key,)
    return builtins.any(isinstance(k, (list, np.ndarray)) for k in keys)


@differentiable(_getitem_vjp)
def getitem(x, key):
    """``x[key]`` (Keras: ``x[...]`` on a tensor)."""
    return as_array(x)[key]


def _take_vjp(g, out, x, indices, axis=None):
    x = np.asarray(x)
    indices = np.asarray(indices)
    if axis is None:
        grad = np.zeros(x.size, dtype=g.dtype)
        np.add.at(grad, indices.reshape(-1), g.reshape(-1))
        return grad.reshape(x.shape), None
    axis = axis % x.ndim
    grad = np.zeros(x.shape, dtype=g.dtype)
    g_indices_first = np.moveaxis(g, list(range(axis, axis + indices.ndim)), list(range(indices.ndim)))
    np.add.at(np.moveaxis(grad, axis, 0), indices, g_indices_first)
    return grad, None


@differentiable(_take_vjp)
def take(x, indices, axis=None):
    """Elements of ``x`` at ``indices`` along ``axis`` (of the flattened x when None)."""
    return np.take(as_array(x), np.asarray(indices).astype(np.intp), axis=axis)


def _take_along_vjp(g, out, x, indices, axis=None):
    x = np.asarray(x)
    if axis is None:
        return _take_along_vjp(g, out, x.reshape(-1), indices, 0)[0].reshape(x.shape), None
    axis = axis % x.ndim
    grad = np.zeros(x.shape, dtype=g.dtype)
    index = [np.arange(n).reshape([-1 if d == a else 1 for d in range(g.ndim)]) if x.shape[a] == n
             else np.zeros([1] * g.ndim, int) for a, n in enumerate(g.shape)]
    index[axis] = np.asarray(indices)
    np.add.at(grad, tuple(index), g)
    return grad, None


@differentiable(_take_along_vjp)
def take_along_axis(x, indices, axis=None):
    """Values of ``x`` at ``indices`` along ``axis`` (as np.take_along_axis)."""
    return np.take_along_axis(as_array(x), np.asarray(indices).astype(np.intp), axis)


def _diagonal_vjp(g, out, x, offset=0, axis1=0, axis2=1):
    x = np.asarray(x)
    grad = np.zeros(x.shape, g.dtype)
    moved = np.moveaxis(grad, (axis1, axis2), (-2, -1))
    i = np.arange(g.shape[-1])
    moved[..., i + builtins.max(-offset, 0), i + builtins.max(offset, 0)] = g
    return (grad,)


@differentiable(_diagonal_vjp)
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal ``offset`` above the main one of the (axis1, axis2) planes, as the last axis."""
    return np.array(np.diagonal(as_array(x), offset, axis1, axis2))


def diag(x, k=0):
    """A 1-D x: the square matrix with x on diagonal ``k``; a 2-D x: its diagonal ``k``."""
    if ndim(x) == 2:
        return diagonal(x, offset=k)
    if ndim(x) != 1:
        raise ValueError(f"diag: x of shape {shape(x)} must be 1-D or 2-D")
    return _diag_matrix(x, k)


@differentiable(lambda g, out, x, k=0: (np.diagonal(g, k).copy(), None), name="diag")
def _diag_matrix(x, k=0):
    return np.diag(as_array(x), k)



def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of the diagonal ``offset`` of the (axis1, axis2) planes."""
    return sum(diagonal(x, offset, axis1, axis2), axis=-1)


@differentiable(lambda g, out, x, k=0: (np.triu(g, k), None))
def triu(x, k=0):
    """``x`` with the values below diagonal ``k`` of its last two axes set to 0."""
    return np.triu(as_array(x), k)


@differentiable(lambda g, out, x, k=0: (np.tril(g, k), None))
def tril(x, k=0):
    """``x`` with the values above diagonal ``k`` of its last two axes set to 0."""
    return np.tril(as_array(x), k)


def sort(x, axis=-1):
    """``x`` sorted along ``axis`` (the gradient follows each value to where it came from)."""
    return take_along_axis(x, argsort(x, axis=axis), axis=axis)


@differentiable(lambda g, out, x, dtype: (g.astype(np.asarray(x).dtype) if np.asarray(x).dtype.kind == "f"
                                         else None, None))
def cast(x, dtype):
    """``x`` converted to ``dtype``."""
    return np.asarray(as_array(x)).astype(_dtype(dtype))


def _dtype(dtype):
    return getattr(dtype, "value", dtype) if not isinstance(dtype, str) else dtype


@constant
def stop_gradient(variable):
    """``variable``'s value, through which no gradient flows (Keras: ``keras.ops.stop_gradient``)."""
    # a view: the same values under a new identity, so a watched array does not stay watched
    return variable.view() if isinstance(variable, np.ndarray) else variable


@differentiable(lambda g, out, x: (np.zeros_like(g),))
def trunc(x):
    """x rounded towards zero (integers stay integers)."""
    return np.trunc(as_array(x)) if as_array(x).dtype.kind == "f" else as_array(x).copy()


@differentiable(lambda g, out, x, nan=0.0, posinf=None, neginf=None: (g * np.isfinite(x),))
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """``x`` with NaN, +inf and -inf replaced (by 0 and the dtype's largest and smallest values
    unless given); the gradient passes only where x was finite."""
    return np.nan_to_num(as_array(x), nan=nan, posinf=posinf, neginf=neginf)


@differentiable(lambda g, out, x1, x2: (g * x1 / np.where(out == 0, 1, out), g * x2 / np.where(out == 0, 1, out)))
def hypot(x1, x2):
    """sqrt(x1**2 + x2**2), without overflow."""
    return _weak(np.hypot(_keep_float(x1), _keep_float(x2)), x1, x2)


def deg2rad(x):
    """Degrees to radians."""
    return multiply(_keep_float_op(x), np.pi / 180)


def rad2deg(x):
    """Radians to degrees."""
    return multiply(_keep_float_op(x), 180 / np.pi)


def _keep_float_op(x):
    return x if np.dtype(_dtype_of(x)).kind == "f" else cast(x, "float32")


def _dtype_of(x):
    return x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype


def inner(x1, x2):
    """The sum of products over the last axes of x1 and x2 (a product for scalars)."""
    if ndim(x1) == 0 or ndim(x2) == 0:
        return multiply(x1, x2)
    return tensordot(x1, x2, axes=([-1], [-1]))


def vdot(x1, x2):
    """The dot product of the flattened x1 and x2."""
    return sum(multiply(ravel(x1), ravel(x2)))


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors along the given axes (``axis`` sets all three)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(x1, axisa, -1), moveaxis(x2, axisb, -1)
    if shape(a)[-1] != 3 or shape(b)[-1] != 3:
        raise ValueError(f"cross: x1 of shape {shape(x1)} and x2 of shape {shape(x2)} need 3 values along "
                         f"axisa={axisa} and axisb={axisb}")
    ax, ay, az = (getitem(a, (Ellipsis, i)) for i in range(3))
    bx, by, bz = (getitem(b, (Ellipsis, i)) for i in range(3))
    c = stack([subtract(multiply(ay, bz), multiply(az, by)), subtract(multiply(az, bx), multiply(ax, bz)),
               subtract(multiply(ax, by), multiply(ay, bx))], axis=-1)
    return moveaxis(c, -1, axisc)


def ptp(x, axis=None, keepdims=False):
    """max - min over ``axis``."""
    return subtract(max(x, axis=axis, keepdims=keepdims), min(x, axis=axis, keepdims=keepdims))


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantiles (q in [0, 1], a number or an array) over ``axis`` (as np.quantile;
    ``method`` one of linear, lower, higher, midpoint, nearest). Differentiable through the
    sorted values it interpolates."""
    methods = ("linear", "lower", "higher", "midpoint", "nearest")
    if method not in methods:
        raise ValueError(f"quantile: method must be one of {methods}, got method={method!r}")
    x = _keep_float_op(x)
    rank = ndim(x)
    data = ravel(x) if axis is None else x
    axes = (0,) if axis is None else _axes(axis, rank)
    if len(axes) > 1:  # several axes: gather them last, then flatten them into one
        kept = [a for a in range(rank) if a not in axes]
        data = transpose(data, kept + list(axes))
        data = reshape(data, [shape(data)[i] for i in range(len(kept))] + [-1])
        along = len(kept)
    else:
        along = axes[0]
    ordered = sort(data, axis=along)
    n = shape(ordered)[along]
    q_values = np.asarray(_value(q), np.float64)
    position = q_values * (n - 1)
    low, high = np.floor(position).astype(np.intp), np.ceil(position).astype(np.intp)
    if method == "lower":
        high = low
    elif method == "higher":
        low = high
    elif method == "nearest":
        low = high = np.round(position).astype(np.intp)
    fraction = 0.5 if method == "midpoint" else (position - np.floor(position))
    fraction = np.asarray(fraction, _dtype_of(ordered)) if method in ("linear", "midpoint") else \
        np.zeros(q_values.shape, _dtype_of(ordered))
    below, above = take(ordered, low, axis=along), take(ordered, high, axis=along)
    result = add(below, multiply(subtract(above, below), _align(fraction, q_values.ndim, along, ndim(below))))
    if q_values.ndim:  # the quantiles' axes first, as NumPy
        result = moveaxis(result, list(range(along, along + q_values.ndim)), list(range(q_values.ndim)))
    if keepdims:
        lead = q_values.ndim
        for a in sorted(axes if axis is not None else range(rank)):
            result = expand_dims(result, lead + a)
    return result


def _align(fraction, q_ndim, along, rank):
    """``fraction`` (shaped like q) broadcastable against a take result whose q axes sit at ``along``."""
    return np.reshape(fraction, (1,) * along + np.shape(fraction) + (1,) * (rank - along - q_ndim))


def median(x, axis=None, keepdims=False):
    """The median over ``axis`` (the mean of the two middle values for an even count)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


@differentiable(lambda g, out, x: (g,))
def real(x):
    """The real part (x itself for real arrays)."""
    return np.real(as_array(x)).copy()


@differentiable(lambda g, out, x: (np.zeros_like(g),))
def imag(x):
    """The imaginary part (zeros for real arrays)."""
    return np.imag(as_array(x)).copy()


@differentiable(lambda g, out, x: (g,))
def conjugate(x):
    """The complex conjugate (x itself for real arrays)."""
    return np.conjugate(as_array(x))


conj = conjugate


# -- without gradients ----------------------------------------------------------------------

def shape(x):
    """The shape of ``x`` as a tuple."""
    return tuple(x.shape) if hasattr(x, "shape") else tuple(np.shape(x))


def ndim(x):
    """The number of axes of ``x``."""
    return len(shape(x))


def size(x):
    """The number of values in ``x``."""
    return int(np.prod(shape(x)))


def _floatx(dtype):
    return "float32" if dtype is None else _dtype(dtype)


@constant
def ones_like(x, dtype=None):
    """Ones shaped like ``x`` (its dtype unless given)."""
    return np.ones_like(x, dtype=dtype)


@constant
def zeros_like(x, dtype=None):
    """Zeros shaped like ``x`` (its dtype unless given)."""
    return np.zeros_like(x, dtype=dtype)


@constant
def full_like(x, fill_value, dtype=None):
    """``fill_value`` everywhere, shaped like ``x``."""
    return np.full_like(x, fill_value, dtype=dtype)


def ones(shape, dtype=None):
    """Ones of ``shape`` (float32 unless given)."""
    return np.ones(shape, dtype=_floatx(dtype))


def zeros(shape, dtype=None):
    """Zeros of ``shape`` (float32 unless given)."""
    return np.zeros(shape, dtype=_floatx(dtype))


def full(shape, fill_value, dtype=None):
    """``fill_value`` everywhere in ``shape`` (float32 unless given)."""
    return np.full(shape, _value(fill_value), dtype=_floatx(dtype))


def eye(N, M=None, k=0, dtype=None):
    """Ones on diagonal ``k`` of an N x M matrix."""
    return np.eye(N, M, k, dtype=_floatx(dtype))


def identity(n, dtype=None):
    """The n x n identity matrix."""
    return np.identity(n, dtype=_floatx(dtype))


def tri(N, M=None, k=0, dtype=None):
    """Ones at and below diagonal ``k`` of an N x M matrix."""
    return np.tri(N, M, k, dtype=_floatx(dtype))


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values (int32 for integer arguments, float32 otherwise, as Keras)."""
    step = 1 if step is None else step
    values = np.arange(start, stop, step) if stop is not None else np.arange(0, start, step)
    if dtype is None:
        dtype = "int32" if values.dtype.kind in "iu" else "float32"
    return values.astype(_dtype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from start to stop (float32 unless given)."""
    values, step = np.linspace(start, stop, num, endpoint=endpoint, retstep=True, axis=axis)
    values = values.astype(_floatx(dtype))
    return (values, step) if retstep else values


def _comparison(name):
    function = getattr(np, name)

    def forward(x1, x2):
        return function(as_array(x1), as_array(x2))

    forward.__name__ = forward.__qualname__ = name
    forward.__doc__ = f"np.{name}, elementwise (bool, no gradient)."
    return constant(forward)


for _name in ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
              "logical_and", "logical_or", "logical_xor"):
    globals()[_name] = _comparison(_name)


@constant
def logical_not(x):
    """The elementwise negation of ``x`` as a bool."""
    return np.logical_not(x)


@constant
def isnan(x):
    """Where ``x`` is NaN."""
    return np.isnan(x)


@constant
def isfinite(x):
    """Where ``x`` is neither infinite nor NaN."""
    return np.isfinite(x)


@constant
def isinf(x):
    """Where ``x`` is infinite."""
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
    """The indices that sort ``x`` along ``axis`` (stable; int32)."""
    return np.argsort(x, axis=axis, kind="stable").astype(np.int32)


@constant
def nonzero(x):
    """The indices where ``x`` is not zero, one int32 array per axis."""
    return tuple(i.astype(np.int32) for i in np.nonzero(x))


@constant
def all(x, axis=None, keepdims=False):
    """Whether every value along ``axis`` is true."""
    return np.all(x, axis=_tuple(axis), keepdims=keepdims)


@constant
def any(x, axis=None, keepdims=False):
    """Whether some value along ``axis`` is true."""
    return np.any(x, axis=_tuple(axis), keepdims=keepdims)


@constant
def count_nonzero(x, axis=None):
    """The number of non-zero values along ``axis`` (int32)."""
    return np.asarray(np.count_nonzero(x, axis=_tuple(axis))).astype(np.int32)


@constant
def isclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Where |x1 - x2| <= atol + rtol * |x2|."""
    return np.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


@constant
def allclose(x1, x2, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``isclose`` holds everywhere (a bool array of shape ())."""
    return np.asarray(np.allclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base`` to the powers ``linspace(start, stop, num)`` (float32 unless given)."""
    return np.logspace(start, stop, num, endpoint=endpoint, base=base, axis=axis).astype(_floatx(dtype))


def empty(shape, dtype=None):
    """An array of ``shape`` (zeros here: NumPy's uninitialized memory is never handed out)."""
    return zeros(shape, dtype)


@constant
def empty_like(x, dtype=None):
    """An array shaped like ``x`` (zeros)."""
    return np.zeros_like(x, dtype=dtype)


@constant
def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative integer occurs in ``x`` (weighted sums with ``weights``);
    a 2-D ``x`` counts each row."""
    x = np.asarray(x).astype(np.intp)
    length = builtins.max(int(x.max()) + 1 if x.size else 0, minlength)
    if x.ndim == 2:
        rows = np.repeat(np.arange(x.shape[0]), x.shape[1])
        out = np.zeros((x.shape[0], length), np.float32 if weights is not None else np.int32)
        np.add.at(out, (rows, x.reshape(-1)), 1 if weights is None else np.asarray(weights).reshape(-1))
        return out.astype(np.asarray(weights).dtype) if weights is not None else out
    out = np.bincount(x, weights=weights, minlength=length)
    return out.astype(np.int32) if weights is None else out.astype(np.asarray(weights).dtype)


@constant
def searchsorted(sorted_sequence, values, side="left"):
    """The indices where ``values`` would be inserted to keep ``sorted_sequence`` sorted (int32)."""
    return np.searchsorted(sorted_sequence, values, side=side).astype(np.int32)


@constant
def digitize(x, bins):
    """The index of the bin each value falls in (int32)."""
    return np.digitize(x, bins).astype(np.int32)


@constant
def argpartition(x, kth, axis=-1):
    """Indices that put the ``kth`` value in its sorted place, smaller ones before it (int32)."""
    return np.argpartition(x, kth, axis=axis).astype(np.int32)


def unravel_index(indices, shape):
    """Flat indices as a tuple of coordinate arrays for ``shape`` (int32)."""
    return tuple(i.astype(np.int32) for i in np.unravel_index(np.asarray(_value(indices)), tuple(shape)))


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` as an array (a recorded value stays recorded; Python floats give float32 and
    Python ints int32, as Keras)."""
    from ..tape import Tracer
    if type(x) is Tracer:
        return x if dtype is None else cast(x, dtype)
    value = _value(x)
    array = np.asarray(value, dtype=None if dtype is None else _dtype(dtype))
    if dtype is None and not isinstance(value, np.ndarray):
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        elif array.dtype == np.int64:
            array = array.astype(np.int32)
    return array


def convert_to_numpy(x):
    """The NumPy array behind ``x`` (a recorded value's gradient is not followed)."""
    return np.asarray(_value(x))


def array(x, dtype=None):
    """``x`` as an array (as ``convert_to_tensor``)."""
    return convert_to_tensor(x, dtype=dtype)


__all__ = sorted(name for name, value in globals().items()
                 if not name.startswith("_") and callable(value) and getattr(value, "__module__", None) == __name__)
