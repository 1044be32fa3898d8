"""``keras.ops.linalg`` (also in ``keras.ops``): norm, inv, det, solve, solve_triangular."""
import numpy as np

from .core import differentiable
from .numpy import _keep_float
from .numpy import (abs, cast, count_nonzero, expand_dims, max, min, ndim, power, shape, sqrt, square,
                    squeeze, sum)

__all__ = ["norm", "inv", "det", "solve", "solve_triangular"]


def norm(x, ord=None, axis=None, keepdims=False):
    """The vector or matrix norm of ``x`` (as np.linalg.norm; integers give float32).

    Vector norms (one axis, or a 1-D x): ord None/2 (Euclidean), inf, -inf, 0 (count of
    non-zeros), or any other p. Matrix norms (two axes, or a 2-D x with axis None): "fro" or
    None (the Frobenius norm of the flattened values), 1, -1, inf, -inf. With ord None and
    axis None, the Euclidean norm of all values whatever the rank.
    """
    if np.dtype(x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype).kind != "f":
        x = cast(x, "float32")
    rank = ndim(x)
    if axis is None:
        if ord is None:
            return sqrt(sum(square(x), axis=None, keepdims=keepdims))
        axis = tuple(range(rank))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, tuple(a % rank for a in axes), keepdims)
    raise ValueError(f"norm: axis={axis!r} must name one or two axes of x of shape {shape(x)}")


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return sqrt(sum(square(x), axis=axis, keepdims=keepdims))
    if ord == np.inf:
        return max(abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return min(abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        count = count_nonzero(x, axis=axis)
        return cast(expand_dims(count, axis) if keepdims else count, x.dtype)
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm, but axis={axis} names one axis")
    return power(sum(power(abs(x), ord), axis=axis, keepdims=keepdims), 1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    rows, cols = axes
    if ord is None or ord == "fro":
        return sqrt(sum(square(x), axis=axes, keepdims=keepdims))
    if ord in (1, -1, np.inf, -np.inf):
        # 1: the largest column sum of |x|; inf: the largest row sum
        summed, over = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = sum(abs(x), axis=summed, keepdims=True)
        picked = (max if ord > 0 else min)(sums, axis=over, keepdims=True)
        return picked if keepdims else squeeze(picked, axis=axes)
    raise ValueError(f"norm: ord={ord!r} over axes {axes} is not supported (supported matrix norms: None, "
                     "'fro', 1, -1, inf, -inf)")


def _mT(x):
    return np.swapaxes(x, -1, -2)


@differentiable(lambda g, out, x: (-_mT(out) @ g @ _mT(out),))
def inv(x):
    """The inverse of each square matrix in the last two axes."""
    return np.linalg.inv(_keep_float(x))


@differentiable(lambda g, out, x: ((g * out)[..., None, None] * _mT(np.linalg.inv(x)),))
def det(x):
    """The determinant of each square matrix in the last two axes."""
    return np.linalg.det(_keep_float(x))


def _solve_vjp(g, out, a, b):
    vector = np.ndim(b) == 1
    grad_b = np.linalg.solve(_mT(a), g[..., None] if vector else g)
    grad_a = -grad_b @ _mT(out[..., None] if vector else out)
    return grad_a, grad_b[..., 0] if vector else grad_b


@differentiable(_solve_vjp)
def solve(a, b):
    """x with a @ x = b (b a vector, or matrices of right-hand sides in its last two axes)."""
    a, b = _keep_float(a), _keep_float(b)
    if np.ndim(b) == 1:
        return np.linalg.solve(a, b[:, None])[..., 0]
    return np.linalg.solve(a, b)


def _triangle(a, lower):
    return np.tril(a) if lower else np.triu(a)


def _solve_triangular_vjp(g, out, a, b, lower=False):
    grad_a, grad_b = _solve_vjp(g, out, _triangle(np.asarray(a), lower), b)
    return _triangle(grad_a, lower), grad_b, None


@differentiable(_solve_triangular_vjp)
def solve_triangular(a, b, lower=False):
    """x with a @ x = b, reading only a's lower (``lower=True``) or upper triangle."""
    return solve.forward(_triangle(_keep_float(a), lower), b)
