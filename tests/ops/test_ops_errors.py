"""Bad input to keras.ops: a ValueError that names the op, the argument and the values."""
import re

import numpy as np
import pytest

from minikeras import ops
from minikeras.keras_tensor import KerasTensor
from minikeras.tape import GradientTape

CASES = [
    (lambda: ops.matmul(np.ones((3, 4)), np.ones((5, 2))),
     "matmul: x1 of shape (3, 4) and x2 of shape (5, 2) do not fit: the last axis of x1 (4) must equal the "
     "second-to-last axis of x2 (5)"),
    (lambda: ops.matmul(np.ones((3, 4)), np.ones(5)), "matmul: x1 of shape (3, 4) and x2 of shape (5,)"),
    (lambda: ops.matmul(np.ones((3, 4)), 2.0), "matmul: x1 of shape (3, 4) and x2 of shape ()"),
    (lambda: ops.add(np.ones((3, 4)), np.ones(5)), "add: x1 of shape (3, 4), x2 of shape (5,): operands could not"),
    (lambda: ops.reshape(np.ones((2, 3)), (4, 2)), "reshape: x of shape (2, 3) (6 values) cannot take newshape=(4, 2)"),
    (lambda: ops.reshape(np.ones((2, 3)), (-1, 4)), "reshape: x of shape (2, 3) (6 values) cannot take newshape=(-1, 4)"),
    (lambda: ops.reshape(np.ones((2, 3)), (-1, -1)), "reshape: x of shape (2, 3) (6 values) cannot take newshape=(-1, -1) (at most one -1)"),
    (lambda: ops.concatenate([np.ones((2, 3)), np.ones((2, 4))]),
     "concatenate: xs of shapes [(2, 3), (2, 4)] differ off axis=0 (only the concatenation axis may differ)"),
    (lambda: ops.concatenate([np.ones((2, 3)), np.ones(3)]), "concatenate: xs of shapes [(2, 3), (3,)]: all need the same rank"),
    (lambda: ops.concatenate([np.ones((2, 3))], axis=2), "concatenate: axis=2 is out of range for xs of shapes [(2, 3)] (rank 2)"),
    (lambda: ops.stack([np.ones((2, 3)), np.ones((3, 2))]), "stack: x of shapes [(2, 3), (3, 2)]: all must have the same shape"),
    (lambda: ops.sum(np.ones((2, 3)), axis=3), "sum: x of shape (2, 3), axis=3: axis 3 is out of bounds for array of dimension 2"),
    (lambda: ops.mean(np.ones((2, 3)), axis=-3), "mean: x of shape (2, 3), axis=-3: axis -3 is out of bounds"),
    (lambda: ops.softmax(np.ones((2, 3)), axis=2), "softmax: x of shape (2, 3), axis=2: axis 2 is out of bounds"),
    (lambda: ops.expand_dims(np.ones((2, 3)), 4), "expand_dims: x of shape (2, 3), axis=4: axis 4 is out of bounds"),
    (lambda: ops.squeeze(np.ones((2, 3)), axis=1), "squeeze: x of shape (2, 3) has size 3 on axis=1, not 1"),
    (lambda: ops.split(np.ones((5, 2)), 2), "split: x of shape (5, 2) cannot be cut into 2 equal sections along axis=0 (size 5)"),
    (lambda: ops.transpose(np.ones((2, 3)), (0, 0)), "transpose: x of shape (2, 3), axes=(0, 0): repeated axis"),
    (lambda: ops.where(np.ones(3, bool), np.ones(3)), "where: x1 and x2 must be given together"),
    (lambda: ops.broadcast_to(np.ones((2, 3)), (3, 3)), "broadcast_to: x of shape (2, 3), shape=(3, 3)"),
    (lambda: ops.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 5))), "einsum: subscripts='ij,jk->ik', operands of shapes [(2, 3), (4, 5)]"),
    (lambda: ops.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 4))),
     "categorical_crossentropy: target and output must have the same shape, got target of shape (2, 3) and output of shape (2, 4)"),
    (lambda: ops.sparse_categorical_crossentropy(np.ones(3), np.ones((2, 4))),
     "sparse_categorical_crossentropy: target and output must have the same shape up to output's last axis"),
    (lambda: ops.norm(np.ones((2, 3)), ord="fro", axis=0), "norm: ord='fro' is a matrix norm"),
    (lambda: ops.norm(np.ones((2, 3)), ord=2, axis=(0, 1)), "norm: ord=2 over axes (0, 1) is not supported"),
    (lambda: ops.normalize(np.ones(3), order=0), "normalize: order must be an int >= 1, got order=0"),
    (lambda: ops.pad(np.ones(3), 1, mode="reflect", constant_values=2.0), "pad: constant_values=2.0 only applies to mode='constant'"),
    (lambda: ops.diag(np.ones((2, 2, 2))), "diag: x of shape (2, 2, 2) must be 1-D or 2-D"),
    (lambda: ops.meshgrid(np.ones(2), indexing="xx"), "meshgrid: indexing must be 'xy' or 'ij'"),
    (lambda: ops.unstack(np.ones((2, 3)), num=3), "unstack: num=3 but x of shape (2, 3) has 2 along axis=0"),
    (lambda: ops.cross(np.ones((2, 3)), np.ones((2, 2))), "cross: x1 of shape (2, 3) and x2 of shape (2, 2) need 3 values"),
    (lambda: ops.quantile(np.ones(3), 0.5, method="cubic"), "quantile: method must be one of"),
    (lambda: ops.scatter_update(np.ones(3), [[0]], [1.0], reduction="max"), "scatter_update: reduction must be None or 'add'"),
    (lambda: ops.dot_product_attention(np.ones((2, 3, 4)), np.ones((2, 3, 4)), np.ones((2, 3, 4))),
     "dot_product_attention: query, key and value must be 4-D (batch, time, heads, head_dim), got shapes (2, 3, 4)"),
    (lambda: ops.dot_product_attention(np.ones((1, 2, 3, 4)), np.ones((1, 2, 2, 4)), np.ones((1, 2, 2, 4))),
     "dot_product_attention: query's 3 heads are not a multiple of key's 2"),
    (lambda: ops.take_along_axis(np.ones((2, 3)), np.zeros((2, 2, 2), int), axis=1), "take_along_axis: x of shape (2, 3), indices of shape (2, 2, 2)"),
]


@pytest.mark.parametrize("call,message", CASES, ids=[m.split(":")[0] + f"-{i}" for i, (_, m) in enumerate(CASES)])
def test_message_names_op_argument_and_values(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_same_message_while_recording():
    with GradientTape() as tape:
        x = tape.watch(np.ones((3, 4)))
        with pytest.raises(ValueError, match=re.escape("matmul: x1 of shape (3, 4) and x2 of shape (5, 2)")):
            ops.matmul(x, np.ones((5, 2)))
        with pytest.raises(ValueError, match=re.escape("sum: x of shape (3, 4), axis=2")):
            ops.sum(x, axis=2)
        with pytest.raises(ValueError, match=re.escape("concatenate: xs of shapes [(3, 4), (3, 5)] differ off axis=0")):
            ops.concatenate([x, np.ones((3, 5))])


def test_symbolic_errors_surface_when_the_graph_is_built():
    x = KerasTensor((None, 4))
    with pytest.raises(ValueError, match=re.escape("matmul: x1 of shape (2, 4) and x2 of shape (5, 2)")):
        ops.matmul(x, np.ones((5, 2)))


def test_symbolic_shapes():
    x = KerasTensor((None, 4))
    assert ops.matmul(x, np.ones((4, 2))).shape == (None, 2)
    assert ops.sum(x, axis=-1).shape == (None,)
    assert ops.argmax(x, axis=-1).dtype == "int32"
    pieces = ops.split(x, 2, axis=1)
    assert [p.shape for p in pieces] == [(None, 2), (None, 2)]
    mean, variance = ops.moments(x, axes=[1])
    assert mean.shape == variance.shape == (None,)
    values, indices = ops.top_k(x, 3)
    assert values.shape == (None, 3) and indices.dtype == "int32"
    assert ops.einsum("bi,ij->bj", x, np.ones((4, 3))).shape == (None, 3)
    assert ops.concatenate([x, x], axis=-1).shape == (None, 8)
    assert ops.nn.sparse_categorical_crossentropy(np.zeros(2), KerasTensor((2, 4))).shape == (2,)
