"""Every differentiable keras.op's gradient, recorded by GradientTape, against central
differences in float64 (tests/gradient_check.py's check_op_gradients).

The ops are enumerated from ``minikeras.ops.__all__``: an op with no case in GRADIENT_CASES
and no place in NOT_DIFFERENTIABLE fails test_every_op_is_checked, so a new op cannot land
without its gradient check.
"""
import numpy as np
import pytest

import minikeras
from minikeras import ops
from minikeras.tape import GradientTape

from gradient_check import check_op_gradients

R = np.random.default_rng(7)
a, b = R.normal(size=(3, 4)), R.normal(size=(3, 4))
col, row = R.normal(size=(3, 1)), R.normal(size=(1, 4))
s = np.array(1.3)
v, w = R.normal(size=(4,)), R.normal(size=(5,))
pos = R.uniform(0.5, 2.0, size=(3, 4))
unit = R.uniform(-0.8, 0.8, size=(3, 4))
big = R.uniform(1.2, 3.0, size=(3, 4))
t3 = R.normal(size=(2, 3, 4))
odd = R.normal(size=(1, 5, 1, 3))
m = R.normal(size=(4, 5))
bm1, bm2 = R.normal(size=(2, 3, 4)), R.normal(size=(2, 4, 5))
# two-way ties (finite differences see half the gradient on each of two tied values)
tie2 = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, -1.0, 2.0, 0.5], [-1.0, 5.0, 0.0, 4.0]])
probs = R.uniform(0.05, 1.0, size=(3, 4))
targets = np.eye(4)[[0, 3, 1]]
rates = R.uniform(0.1, 0.9, size=(3, 4))
halves = np.array([[-2.5, -0.7, 0.6, 1.5], [2.5, 0.1, -1.5, 3.5], [0.3, 0.8, -0.8, 7.0]])
idx = np.array([[0, 2], [3, 3]])
idx1 = np.array([2, 0, 2])
along = np.array([[0, 3], [1, 1], [2, 0]])
mask = R.integers(0, 2, size=(3, 4)).astype(bool)


def C(fn, *inputs, **tolerances):
    return fn, inputs, tolerances


UNARY_ANY = ["negative", "square", "abs", "absolute", "exp", "exp2", "expm1", "tanh", "sinh", "cosh", "sin",
             "cos", "arctan", "arcsinh", "erf", "relu", "relu6", "sigmoid", "softplus", "softsign", "silu",
             "swish", "log_sigmoid", "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish", "elu", "selu",
             "gelu", "celu", "hard_tanh", "tanh_shrink", "sparse_plus", "sparse_sigmoid", "squareplus",
             "softmax", "log_softmax", "sparsemax", "glu", "sign", "floor", "ceil", "round"]
UNARY_POSITIVE = ["sqrt", "rsqrt", "log", "log2", "log10", "log1p", "reciprocal"]
UNARY_UNIT = ["arcsin", "arccos", "arctanh", "tan"]
BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum", "arctan2", "logaddexp"]
REDUCTIONS = ["sum", "mean", "var", "std", "prod", "logsumexp"]

GRADIENT_CASES = {}


def cases(name, *items):
    GRADIENT_CASES.setdefault(name, []).extend(items)


for name in UNARY_ANY:
    op = getattr(ops, name)
    x = halves if name in ("sign", "hard_shrink", "soft_shrink", "hard_tanh",
                           "sparse_plus", "sparse_sigmoid", "relu6", "hard_sigmoid", "hard_silu",
                           "hard_swish") else a
    cases(name, C(op, x), C(op, odd if name != "glu" else odd[..., :2]))
for name in UNARY_POSITIVE:
    cases(name, C(getattr(ops, name), pos))
for name in UNARY_UNIT:
    cases(name, C(getattr(ops, name), unit))
cases("arccosh", C(ops.arccosh, big))
cases("hard_shrink", C(ops.hard_shrink, halves), C(lambda x: ops.hard_shrink(x, threshold=1.0), halves))
cases("soft_shrink", C(ops.soft_shrink, halves), C(lambda x: ops.soft_shrink(x, 1.0), halves))
cases("threshold", C(lambda x: ops.threshold(x, 0.5, -1.0), halves))
cases("leaky_relu", C(lambda x: ops.leaky_relu(x, negative_slope=0.1), a), C(lambda x: ops.leaky_relu(x, 0.3), a))
cases("elu", C(lambda x: ops.elu(x, alpha=0.5), a))
cases("celu", C(lambda x: ops.celu(x, 2.0), a))
# The exact gelu's forward uses activations' erf (Abramowitz & Stegun 7.1.26, within 1.5e-7 of
# erf, enough for float32), whose own slope is off by up to ~3e-4: its finite differences are
# that far from the exact derivative the vjp uses. Same for erf itself.
cases("gelu", C(lambda x: ops.gelu(x, approximate=False), a, atol_fraction=5e-4),
      C(lambda x: ops.gelu(x, False), t3, atol_fraction=5e-4))
cases("squareplus", C(lambda x: ops.squareplus(x, b=1), a))
cases("glu", C(lambda x: ops.glu(x, axis=0), np.concatenate([t3, t3 * 0.5])))
cases("softmax", C(lambda x: ops.softmax(x, axis=0), t3), C(lambda x: ops.softmax(x, axis=(1, 2)), t3))
cases("log_softmax", C(lambda x: ops.log_softmax(x, axis=1), t3))
cases("sparsemax", C(lambda x: ops.sparsemax(x, axis=0), a))
cases("round", C(lambda x: ops.round(x, 1), halves + 0.01))
cases("erf", C(ops.erf, a, atol_fraction=5e-4))
for name in BINARY:
    op = getattr(ops, name)
    cases(name, C(op, a, b), C(op, col, row), C(op, s, a), C(op, a, s), C(op, v, t3))
cases("maximum", C(ops.maximum, tie2, np.full((3, 4), 2.0)))  # ties at 2.0: the gradient is split
cases("minimum", C(ops.minimum, tie2, np.full((1, 4), 3.0)))
cases("power", C(ops.power, pos, b), C(ops.power, pos, row), C(lambda x: ops.power(x, 3), a),
      C(lambda x: ops.power(x, 0.5), pos), C(lambda y: ops.power(2.0, y), a))
cases("mod", C(lambda x: ops.mod(x, 0.7), a), C(ops.mod, b * 2, pos))
cases("floor_divide", C(lambda x: ops.floor_divide(x, 0.7), a), C(ops.floor_divide, b * 2, pos))
cases("clip", C(lambda x: ops.clip(x, -0.5, 0.5), a), C(lambda x: ops.clip(x, 0.0, None), a))
cases("where", C(lambda x, y: ops.where(mask, x, y), a, b), C(lambda x, y: ops.where(mask, x, y), col, row),
      C(lambda x: ops.where(mask, x, 0.0), a))
cases("matmul", C(ops.matmul, a, m), C(ops.matmul, bm1, bm2), C(ops.matmul, v, m), C(ops.matmul, a, v),
      C(ops.matmul, v, v), C(ops.matmul, t3, m), C(ops.matmul, bm1[:1], bm2))
cases("dot", C(ops.dot, a, m), C(ops.dot, s, a), C(ops.dot, t3, m), C(ops.dot, v, v))
cases("tensordot", C(lambda x, y: ops.tensordot(x, y, axes=1), t3, m),
      C(lambda x, y: ops.tensordot(x, y, axes=[[1, 2], [0, 1]]), t3, a))
cases("einsum", C(lambda x, y: ops.einsum("ij,jk->ik", x, y), a, m),
      C(lambda x, y: ops.einsum("bij,bjk->bik", x, y), bm1, bm2),
      C(lambda x: ops.einsum("ij->j", x), a), C(lambda x: ops.einsum("ij->", x), a),
      C(lambda x, y: ops.einsum("i,i->", x, y), v, v), C(lambda x, y: ops.einsum("ij,jk", x, y), a, m),
      C(lambda x, y: ops.einsum("...j,jk->...k", x, y), t3, m), C(lambda x, y: ops.einsum("bi,bj->bij", x, y), a, b),
      C(lambda x, y, z: ops.einsum("ij,jk,k->i", x, y, z), a, m, w), C(lambda x: ops.einsum("ijk->kji", x), t3))
cases("outer", C(ops.outer, v, w), C(ops.outer, a, v))
for name in REDUCTIONS:
    op = getattr(ops, name)
    cases(name, C(op, t3), C(lambda x, op=op: op(x, axis=-1), t3), C(lambda x, op=op: op(x, axis=(0, -1), keepdims=True), t3),
          C(lambda x, op=op: op(x, axis=[0, 2]), t3), C(lambda x, op=op: op(x, axis=1, keepdims=True), odd),
          C(lambda x, op=op: op(x, axis=None, keepdims=True), a))
for name in ("max", "min", "amax", "amin"):
    op = getattr(ops, name)
    ties = tie2 if name in ("max", "amax") else -tie2
    cases(name, C(op, ties), C(lambda x, op=op: op(x, axis=-1), ties), C(lambda x, op=op: op(x, axis=0, keepdims=True), ties),
          C(lambda x, op=op: op(x, axis=(0, 1)), ties), C(lambda x, op=op: op(x, axis=(1, 2)), t3))
cases("max", C(lambda x: ops.max(x, axis=1, initial=0.5), a))
cases("prod", C(lambda x: ops.prod(x, axis=1), np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, -1.0]])))
cases("cumsum", C(ops.cumsum, a), C(lambda x: ops.cumsum(x, axis=1), t3), C(lambda x: ops.cumsum(x, axis=-1), a))
cases("cumprod", C(ops.cumprod, pos), C(lambda x: ops.cumprod(x, axis=0), pos), C(lambda x: ops.cumprod(x, -1), t3))
cases("average", C(ops.average, a), C(lambda x, y: ops.average(x, axis=1, weights=y), a, pos[0]),
      C(lambda x, y: ops.average(x, axis=0, weights=y), a, pos))
cases("diff", C(ops.diff, a), C(lambda x: ops.diff(x, n=2, axis=1), t3))
cases("reshape", C(lambda x: ops.reshape(x, (4, 6)), t3), C(lambda x: ops.reshape(x, [-1, 2]), t3))
cases("ravel", C(ops.ravel, t3))
cases("expand_dims", C(lambda x: ops.expand_dims(x, 1), a), C(lambda x: ops.expand_dims(x, (0, -1)), a))
cases("squeeze", C(ops.squeeze, odd), C(lambda x: ops.squeeze(x, axis=-2), odd))
cases("transpose", C(ops.transpose, t3), C(lambda x: ops.transpose(x, (1, 0, 2)), t3),
      C(lambda x: ops.transpose(x, (0, -1, 1)), t3))
cases("swapaxes", C(lambda x: ops.swapaxes(x, 0, -1), t3))
cases("moveaxis", C(lambda x: ops.moveaxis(x, 0, -1), t3), C(lambda x: ops.moveaxis(x, (0, 1), (2, 0)), t3))
cases("broadcast_to", C(lambda x: ops.broadcast_to(x, (2, 3, 4)), col), C(lambda x: ops.broadcast_to(x, (2, 2)), s))
cases("tile", C(lambda x: ops.tile(x, (2, 1)), a), C(lambda x: ops.tile(x, (2, 2)), v), C(lambda x: ops.tile(x, 2), a),
      C(lambda x: ops.tile(x, (2, 1, 1, 1)), t3))
cases("repeat", C(lambda x: ops.repeat(x, 2), a), C(lambda x: ops.repeat(x, 3, axis=1), a),
      C(lambda x: ops.repeat(x, np.array([1, 0, 2]), axis=0), a), C(lambda x: ops.repeat(x, 2, axis=-2), a))
cases("flip", C(ops.flip, t3), C(lambda x: ops.flip(x, axis=1), t3), C(lambda x: ops.flip(x, axis=(0, 2)), t3))
cases("roll", C(lambda x: ops.roll(x, 2), a), C(lambda x: ops.roll(x, -1, axis=1), a),
      C(lambda x: ops.roll(x, (1, 2), axis=(0, 2)), t3))
cases("pad", C(lambda x: ops.pad(x, ((1, 2), (0, 1))), a), C(lambda x: ops.pad(x, 1, constant_values=3.0), a),
      *[C(lambda x, mode=mode: ops.pad(x, ((1, 2), (2, 1)), mode=mode), a) for mode in ("reflect", "symmetric", "edge")],
      C(lambda x: ops.pad(x, ((2, 2), (3, 3)), mode="wrap"), a))
cases("concatenate", C(lambda x, y: ops.concatenate([x, y]), a, b), C(lambda x, y: ops.concatenate([x, y, x], axis=1), a, col),
      C(lambda x: ops.concatenate([x, x], axis=-1), t3))
cases("stack", C(lambda x, y: ops.stack([x, y]), a, b), C(lambda x, y: ops.stack([x, y, x], axis=-1), a, b))
cases("vstack", C(lambda x, y: ops.vstack([x, y]), a, row), C(lambda x: ops.vstack([x, x]), v))
cases("hstack", C(lambda x, y: ops.hstack([x, y]), a, col), C(lambda x, y: ops.hstack([x, y]), v, w))
cases("split", C(lambda x: ops.split(x, 2, axis=1), a), C(lambda x: ops.split(x, [1, 3], axis=-1), t3),
      C(lambda x: ops.split(x, 3), a))
cases("meshgrid", C(ops.meshgrid, v, w), C(lambda x, y: ops.meshgrid(x, y, indexing="ij"), v, w),
      C(lambda x, y, z: ops.meshgrid(x, y, z), v, w, v[:2]))
cases("getitem", C(lambda x: ops.getitem(x, (1, slice(None, None, 2))), a), C(lambda x: x[::-1, 0], t3),
      C(lambda x: x[idx1], a), C(lambda x: x[:, [0, 0, 3]], a), C(lambda x: x[mask], a), C(lambda x: x[None, ..., 1], t3))
cases("take", C(lambda x: ops.take(x, idx), a), C(lambda x: ops.take(x, idx1, axis=1), a),
      C(lambda x: ops.take(x, idx, axis=-1), t3), C(lambda x: ops.take(x, np.array([-1, 0, -1]), axis=0), a))
cases("take_along_axis", C(lambda x: ops.take_along_axis(x, along, axis=1), a),
      C(lambda x: ops.take_along_axis(x, idx1, axis=None), a),
      C(lambda x: ops.take_along_axis(x, np.array([[0, 2, 2, 1]]), axis=0), a))
cases("diag", C(ops.diag, v), C(lambda x: ops.diag(x, k=1), v), C(ops.diag, a), C(lambda x: ops.diag(x, k=-1), a))
cases("diagonal", C(lambda x: ops.diagonal(x, offset=1, axis1=1, axis2=2), t3), C(ops.diagonal, a),
      C(lambda x: ops.diagonal(x, -1, axis1=-1, axis2=0), t3))
cases("trace", C(ops.trace, a), C(lambda x: ops.trace(x, offset=-1, axis1=1, axis2=2), t3))
cases("triu", C(ops.triu, a), C(lambda x: ops.triu(x, k=1), t3))
cases("tril", C(lambda x: ops.tril(x, k=-1), a), C(ops.tril, t3))
cases("sort", C(ops.sort, a), C(lambda x: ops.sort(x, axis=0), t3))
cases("top_k", C(lambda x: ops.top_k(x, 2), a), C(lambda x: ops.top_k(x, 3), t3))
cases("cast", C(lambda x: ops.cast(x, "float64"), a))
cases("convert_to_tensor", C(ops.convert_to_tensor, a))
cases("array", C(ops.array, a))
cases("moments", C(lambda x: ops.moments(x, (0, 2)), t3), C(lambda x: ops.moments(x, [1], keepdims=True), t3))
cases("norm", C(ops.norm, v), C(ops.norm, a), C(lambda x: ops.norm(x, axis=-1), t3), C(lambda x: ops.norm(x, ord=1, axis=1), a),
      C(lambda x: ops.norm(x, ord=np.inf, axis=0), a), C(lambda x: ops.norm(x, ord=-np.inf, axis=1, keepdims=True), a),
      C(lambda x: ops.norm(x, ord=3, axis=1), a), C(lambda x: ops.norm(x, ord="fro"), a), C(lambda x: ops.norm(x, ord=1), a),
      C(lambda x: ops.norm(x, ord=np.inf), a), C(lambda x: ops.norm(x, ord=-1, axis=(1, 2)), t3))
cases("normalize", C(ops.normalize, a), C(lambda x: ops.normalize(x, axis=0), a), C(lambda x: ops.normalize(x, order=1), a))
cases("batch_normalization", C(lambda x, mu, var: ops.batch_normalization(x, mu, var, 1), a, v, pos[0]),
      C(lambda x, mu, var, beta, gamma: ops.batch_normalization(x, mu, var, -1, offset=beta, scale=gamma, epsilon=0.01),
        t3, v, pos[0], v, pos[1]))
cases("categorical_crossentropy", C(ops.categorical_crossentropy, targets, probs),
      C(lambda t, p: ops.categorical_crossentropy(t, p, from_logits=True), targets, a),
      C(lambda t, p: ops.categorical_crossentropy(t, p, from_logits=True, axis=0), probs, a))
cases("sparse_categorical_crossentropy", C(lambda p: ops.sparse_categorical_crossentropy(idx1, p), probs),
      C(lambda p: ops.sparse_categorical_crossentropy(idx1, p, from_logits=True), a),
      C(lambda p: ops.sparse_categorical_crossentropy(idx1[:, None], p, from_logits=True), a))
cases("binary_crossentropy", C(ops.binary_crossentropy, rates, probs * 0.9),
      C(lambda t, p: ops.binary_crossentropy(t, p, from_logits=True), rates, a * 3))
cases("segment_sum", C(lambda x: ops.segment_sum(x, np.array([0, 0, 2])), a),
      C(lambda x: ops.segment_sum(x, np.array([1, 3, 1]), num_segments=4), t3[:, :, 0].T))
cases("trunc", C(ops.trunc, a * 3))
cases("nan_to_num", C(ops.nan_to_num, a), C(lambda x: ops.nan_to_num(x, nan=1.0, posinf=9.0), a))
cases("hypot", C(ops.hypot, a, b), C(ops.hypot, col, row))
cases("deg2rad", C(ops.deg2rad, a))
cases("rad2deg", C(ops.rad2deg, a))
cases("inner", C(ops.inner, a, b), C(ops.inner, v, v), C(ops.inner, s, a), C(ops.inner, t3, b))
cases("vdot", C(ops.vdot, a, b))
cases("cross", C(ops.cross, R.normal(size=(4, 3)), R.normal(size=(4, 3))),
      C(lambda x, y: ops.cross(x, y, axisa=0), R.normal(size=(3, 4)), R.normal(size=(4, 3))),
      C(lambda x, y: ops.cross(x, y, axis=0), R.normal(size=(3, 2)), R.normal(size=(3, 1))))
cases("ptp", C(ops.ptp, a), C(lambda x: ops.ptp(x, axis=1, keepdims=True), t3))
cases("quantile", C(lambda x: ops.quantile(x, 0.3, axis=1), t3), C(lambda x: ops.quantile(x, np.array([0.1, 0.5, 0.9]), axis=-1,
                                                                                          keepdims=True), t3),
      C(lambda x: ops.quantile(x, 0.5), a), C(lambda x: ops.quantile(x, 0.75, axis=(0, 2)), t3),
      *[C(lambda x, method=method: ops.quantile(x, 0.4, axis=0, method=method), a)
        for method in ("lower", "higher", "midpoint", "nearest")])
cases("median", C(lambda x: ops.median(x, axis=-1), t3), C(ops.median, a), C(lambda x: ops.median(x, 0, keepdims=True), a))
cases("real", C(ops.real, a))
cases("imag", C(ops.imag, a))
cases("conjugate", C(ops.conjugate, a))
cases("conj", C(ops.conj, a))
cases("layer_normalization", C(ops.layer_normalization, a), C(ops.layer_normalization, t3, v, v),
      C(lambda x, gamma, beta: ops.layer_normalization(x, gamma, beta, axis=[1, 2], epsilon=0.01), t3, a, b))
cases("rms_normalization", C(ops.rms_normalization, a), C(lambda x, g: ops.rms_normalization(x, g, epsilon=0.01), t3, v),
      C(lambda x: ops.rms_normalization(x, axis=[1, 2]), t3))
q4, k4, v4 = R.normal(size=(2, 3, 2, 4)), R.normal(size=(2, 5, 2, 4)), R.normal(size=(2, 5, 2, 4))
attention_mask = R.integers(0, 2, size=(2, 1, 3, 5)).astype(bool) | np.eye(3, 5, dtype=bool)
cases("dot_product_attention", C(ops.dot_product_attention, q4, k4, v4),
      C(lambda q, k, v: ops.dot_product_attention(q, k, v, is_causal=True), q4, k4, v4),
      C(lambda q, k, v: ops.dot_product_attention(q, k, v, mask=attention_mask, scale=0.3), q4, k4, v4),
      C(lambda q, k, v, bias: ops.dot_product_attention(q, k, v, bias=bias), q4, k4, v4, R.normal(size=(1, 2, 3, 5))),
      C(ops.dot_product_attention, q4, k4[:, :, :1], v4[:, :, :1]),
      C(lambda q, k, v: ops.dot_product_attention(q, k, v, attn_logits_soft_cap=2.0), q4, k4, v4))
cases("slice", C(lambda x: ops.slice(x, (1, 0, 1), (1, 2, 3)), t3))
cases("slice_update", C(lambda x, y: ops.slice_update(x, (1, 2), y), a, R.normal(size=(2, 2))))
cases("scatter", C(lambda y: ops.scatter(np.array([[0, 1], [2, 3], [0, 1]]), y, (3, 4)), np.array([1.0, 2.0, 3.0])))
cases("scatter_update", C(lambda x, y: ops.scatter_update(x, np.array([[0, 1], [2, 3]]), y), a, np.array([1.0, 2.0])),
      C(lambda x, y: ops.scatter_update(x, np.array([[0, 1], [0, 1]]), y, reduction="add"), a, np.array([1.0, 2.0])))
cases("unstack", C(ops.unstack, t3), C(lambda x: ops.unstack(x, axis=-1), t3))
cases("cond", C(lambda x: ops.cond(True, lambda: x * 3.0, lambda: x), a),  # (the branch not taken gives None)
      C(lambda x: ops.cond(ops.less(1, 0), lambda: x, lambda: ops.sin(x)), a))
cases("switch", C(lambda x: ops.switch(1, [ops.sin, ops.cos], x), a), C(lambda x, y: ops.switch(0, [ops.multiply, ops.add], x, y), a, b))
cases("fori_loop", C(lambda x: ops.fori_loop(0, 3, lambda i, v: ops.sin(v) * (i + 1.0), x), a))
cases("while_loop", C(lambda x: ops.while_loop(lambda v: ops.less(ops.sum(ops.abs(v)), 100.0), lambda v: v * 1.7, x), a),
      C(lambda x: ops.while_loop(lambda v, k: k < 3, lambda v, k: (ops.tanh(v), k + 1), (x, 0))[0], a))
cases("map", C(lambda x: ops.map(lambda r: ops.sum(ops.square(r)), x), t3), C(lambda x: ops.map(lambda r: (ops.max(r), r * 2.0), x), a))
cases("vectorized_map", C(lambda x: ops.vectorized_map(ops.softmax, x), t3),
      C(lambda x, y: ops.vectorized_map(lambda pair: ops.dot(pair[0], pair[1]), (x, y)), a, b))
cases("scan", C(lambda c, x: ops.scan(lambda carry, row: (carry * row, ops.sum(carry)), c, x), v, a),
      C(lambda c, x: ops.scan(lambda carry, row: (carry + row, carry * row), c, x, reverse=True), v, a))
cases("saturate_cast", C(lambda x: ops.saturate_cast(x, "float64"), a * 10))
wellcond = R.normal(size=(4, 4)) + 4 * np.eye(4)
wellcond_batch = np.stack([wellcond, wellcond.T + np.eye(4)])
cases("inv", C(ops.inv, wellcond), C(ops.inv, wellcond_batch))
cases("det", C(ops.det, R.normal(size=(3, 3))), C(ops.det, wellcond_batch))
cases("solve", C(ops.solve, wellcond, m), C(ops.solve, wellcond, v), C(ops.solve, wellcond_batch, bm2))
cases("solve_triangular", C(ops.solve_triangular, wellcond, m), C(lambda a, b: ops.solve_triangular(a, b, lower=True), wellcond, v))

NOT_DIFFERENTIABLE = {
    # integer or bool results, shapes, and new arrays from sizes: no input to differentiate
    "shape", "ndim", "size", "ones", "zeros", "full", "ones_like", "zeros_like", "full_like", "eye",
    "identity", "tri", "arange", "linspace", "equal", "not_equal", "greater", "greater_equal", "less",
    "less_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "isnan", "isfinite", "isinf",
    "argmax", "argmin", "argsort", "nonzero", "all", "any", "count_nonzero", "one_hot", "multi_hot",
    "in_top_k", "convert_to_numpy", "isclose", "allclose", "logspace", "empty", "empty_like", "bincount",
    "searchsorted", "digitize", "argpartition", "unravel_index", "is_tensor", "dtype",
    # no gradient by definition (test_stop_gradient_cuts_the_gradient)
    "stop_gradient",
}

ALL_CASES = [(name, i, case) for name in sorted(GRADIENT_CASES) for i, case in enumerate(GRADIENT_CASES[name])]


def test_every_op_is_checked():
    unchecked = sorted(set(ops.__all__) - set(GRADIENT_CASES) - NOT_DIFFERENTIABLE)
    assert not unchecked, f"ops with neither a gradient case nor a place in NOT_DIFFERENTIABLE: {unchecked}"
    assert not set(GRADIENT_CASES) - set(ops.__all__), "a gradient case names an op that does not exist"
    assert not NOT_DIFFERENTIABLE & set(GRADIENT_CASES)


def test_declared_constants_are_the_ones_skipped():
    # an op declared with @differentiable must be checked, never skipped
    declared = {name for name in ops.__all__ if hasattr(getattr(ops, name), "vjp")}
    assert not declared & NOT_DIFFERENTIABLE, declared & NOT_DIFFERENTIABLE


@pytest.mark.parametrize("name,index,case", ALL_CASES, ids=[f"{n}-{i}" for n, i, _ in ALL_CASES])
def test_gradient_matches_finite_differences(name, index, case):
    fn, inputs, tolerances = case
    check_op_gradients(fn, *inputs, what=f"{name} case {index}", **tolerances)


# -- beyond finite differences ---------------------------------------------------------------

@pytest.mark.parametrize("op,x", [(ops.max, np.array([2.0, 5.0, 5.0, 5.0])), (ops.min, np.array([1.0, 1.0, 1.0, 4.0]))])
def test_reduction_ties_share_the_gradient(op, x):
    with GradientTape() as tape:
        t = tape.watch(x)
        y = op(t)
    grad = tape.gradient(y, t)
    np.testing.assert_allclose(np.sort(grad), np.sort([0, 1 / 3, 1 / 3, 1 / 3]))


def test_maximum_tie_splits_evenly():
    with GradientTape() as tape:
        x, y = tape.watch(np.array([1.0, 2.0])), tape.watch(np.array([1.0, 3.0]))
        z = ops.sum(ops.maximum(x, y))
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_allclose(gx, [0.5, 0.0])
    np.testing.assert_allclose(gy, [0.5, 1.0])


def test_stop_gradient_cuts_the_gradient():
    with GradientTape() as tape:
        x = tape.watch(a)
        y = ops.sum(ops.multiply(ops.stop_gradient(x), x))
        z = ops.sum(ops.stop_gradient(ops.square(x)))
    gx = tape.gradient(y, x)
    np.testing.assert_allclose(gx, a)  # d/dx (c * x) with c = x held fixed
    with GradientTape() as tape:
        x = tape.watch(a)
        z = ops.sum(ops.stop_gradient(ops.square(x)))
    assert tape.gradient(z, x) is None


def test_watched_array_used_directly_in_concatenate_is_recorded():
    x = np.ones((2, 2))
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(ops.concatenate([x, np.zeros((1, 2))]) * 3.0)
    np.testing.assert_allclose(tape.gradient(y, x), np.full((2, 2), 3.0))


def test_public_surface():
    keras = minikeras
    assert keras.ops.add is ops.add and keras.GradientTape is GradientTape
    from minikeras.ops import linalg, nn, numpy  # noqa: F401  (importable as modules, as in Keras)
    assert keras.ops.nn.softmax is ops.softmax and keras.ops.numpy.matmul is ops.matmul
    assert keras.ops.linalg.norm is ops.norm


def test_numpy_ufuncs_on_recorded_values_route_to_ops():
    with GradientTape() as tape:
        x = tape.watch(a)
        y = ops.sum(np.sin(x) * np.cosh(x) + np.remainder(x, 0.7) + np.true_divide(x, 2.0))
    np.testing.assert_allclose(tape.gradient(y, x), np.cos(a) * np.cosh(a) + np.sin(a) * np.sinh(a) + 1.5)
    with GradientTape() as tape:
        x = tape.watch(a)
        with pytest.raises(TypeError, match="np.positive on a recorded value would lose its gradient"):
            np.positive(x)


def test_variables_are_watched_by_ops():
    from minikeras.variable import Variable
    kernel = Variable(np.full((4, 2), 0.5), "kernel")
    frozen = Variable(np.ones(2), "frozen", trainable=False)
    with GradientTape() as tape:
        y = ops.sum(ops.add(ops.matmul(a, kernel), frozen) ** 2)
    grad_kernel, grad_frozen = tape.gradient(y, [kernel, frozen])
    np.testing.assert_allclose(grad_kernel, a.T @ (2 * (a @ kernel.value + 1)), rtol=1e-6)
    assert grad_frozen is None


def test_tensors_given_by_keyword_are_recorded_like_positional_ones():
    keras = minikeras
    rng = np.random.default_rng(3)
    a = rng.normal(size=(3, 4)).astype(np.float32)
    b = rng.normal(size=(4, 2)).astype(np.float32)
    grads = []
    for by_keyword in (False, True):
        with keras.GradientTape() as tape:
            ta = tape.watch(a)
            product = ops.matmul(x1=ta, x2=b) if by_keyword else ops.matmul(ta, b)
            total = ops.sum(x=ops.multiply(product, product), axis=None) if by_keyword else \
                ops.sum(ops.multiply(product, product))
        grads.append(tape.gradient(total, ta))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)
    np.testing.assert_allclose(grads[0], 2 * (a @ b) @ b.T, rtol=1e-5)
    # on symbolic tensors too: the graph node takes the keyword tensor as an input
    x = keras.Input((4,))
    model = keras.Model(x, ops.add(x1=x, x2=x))
    np.testing.assert_allclose(model.predict(a, verbose=0), 2 * a, rtol=1e-6)
