"""Merge layers: combine a list of inputs into one output (Keras: ``keras/src/layers/merging``).

Protocol for layers with several inputs: ``build`` and ``compute_output_shape`` take a list
of shape tuples, ``call`` takes a list of arrays and returns one, ``backward(grad)`` returns a
list of gradients, one per input and each of that input's shape. What backward needs is kept
in ``self._cache`` only (the graph runner saves and restores it around repeated calls).

Elementwise layers (Add, Subtract, Multiply, Average, Maximum, Minimum) broadcast as Keras's
``Merge`` does: inputs of lower rank get size-1 axes inserted after the batch axis until all
ranks agree, then NumPy broadcasting applies (batch axis included). Their backward sums the
gradient over every axis an input was broadcast along.
"""
import numpy as np

from .. import backend
from ..keras_tensor import any_symbolic
from ..tape import Tracer, keeping_state
from ..utils import checks
from .layer import Layer


def _merge_error(layer, text):
    return ValueError(f"{type(layer).__name__} layer {layer.name!r}: {text}")


def _shapes_text(arrays):
    return [tuple(a.shape) for a in arrays]


def _unbroadcast(grad, shape):
    """``grad`` summed over the axes along which an array of ``shape`` was broadcast to ``grad``'s
    shape (missing leading non-batch axes having been inserted at axis 1), reshaped to ``shape``."""
    if grad.shape == tuple(shape):
        return grad
    expanded = (shape[:1] + (1,) * (grad.ndim - len(shape)) + shape[1:]) if shape else (1,) * grad.ndim
    axes = tuple(i for i, (g, e) in enumerate(zip(grad.shape, expanded)) if e == 1 and g != 1)
    if axes:
        grad = np.add.reduce(grad, axis=axes, keepdims=True)
    return grad.reshape(shape)


def _fold(op, inputs):
    """``op(op(x0, x1), x2) ...`` in Keras's order, into a fresh array (never one of the inputs)."""
    if len(inputs) == 1:
        return inputs[0].copy()
    y = op(inputs[0], inputs[1])
    for x in inputs[2:]:
        # y is this layer's own array: accumulate in place unless x broadcasts it to a larger shape.
        y = op(y, x, out=y) if np.broadcast_shapes(y.shape, x.shape) == y.shape else op(y, x)
    return y


class Merge(Layer):
    """Base of the elementwise merge layers (Keras: ``keras.src.layers.merging.base_merge.Merge``).

    Subclasses define ``_merge(inputs)`` (inputs already of one rank) and ``_merge_backward(grad)``
    returning the gradient of each rank-aligned input before un-broadcasting.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._cache = None

    # -- shapes -----------------------------------------------------------------------------
    def _check_shape_list(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape \
                or not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise _merge_error(self, "a merge layer should be called on a list of at least 1 input. "
                                     f"Received: input_shape={input_shape!r}")
        return [tuple(s) for s in input_shape]

    def _elementwise_shape(self, shape1, shape2, input_shape):
        # Keras's _compute_elemwise_op_output_shape on the shapes without the batch axis:
        # right-aligned broadcasting, unknown (None) dimensions stay unknown.
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return shape1
        out = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1 or j == 1 or i == j:
                out.append(j if i == 1 else i)
            else:
                raise _merge_error(self, f"Inputs have incompatible shapes. Received shapes {shape1} and "
                                         f"{shape2} (full input_shape={input_shape})")
        return tuple(out)

    def build(self, input_shape):
        """Check the shapes only (merge layers have no weights), with Keras's messages."""
        input_shape = self._check_shape_list(input_shape)
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise _merge_error(self, "Cannot merge tensors with different batch sizes. Received tensors "
                                     f"with shapes {input_shape}")
        self.compute_output_shape(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = self._check_shape_list(input_shape)
        out = input_shape[0][1:]
        for shape in input_shape[1:]:
            out = self._elementwise_shape(out, shape[1:], input_shape)
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        return ((batch_sizes.pop() if len(batch_sizes) == 1 else None),) + tuple(out)

    def build_for(self, input_shape):
        input_shape = [tuple(s) for s in self._check_shape_list(input_shape)]
        if not self.built:
            self.build(input_shape)
            self.built = True
        self.input_shape = input_shape
        self.output_shape = self.compute_output_shape(input_shape)
        return self.output_shape

    # -- forward / backward --------------------------------------------------------------------
    def _check_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise _merge_error(self, "a merge layer should be called on a list of inputs. Received: "
                                     f"inputs with shape {np.shape(inputs)} (not a list of tensors)")
        if not inputs:
            raise _merge_error(self, "a merge layer should be called on a list of at least 1 input. "
                                     "Received 0 inputs")
        return list(inputs)

    def call(self, inputs, training=False):
        inputs = self._check_inputs(inputs)
        rank = max(x.ndim for x in inputs)
        # Keras: expand each lower-rank input at axis 1 until the ranks agree.
        aligned = [x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:]) if x.ndim < rank else x
                   for x in inputs]
        try:
            np.broadcast_shapes(*(x.shape for x in aligned))
        except ValueError:
            raise _merge_error(self, f"Inputs have incompatible shapes. Received shapes "
                                     f"{_shapes_text(inputs)}") from None
        y, cache = self._merge(aligned, training)
        if training or keeping_state():
            self._cache = ([x.shape for x in inputs], cache)
        return y

    def backward(self, grad):
        shapes, cache = self._cache
        return [_unbroadcast(g, shape) for g, shape in zip(self._merge_backward(grad, cache), shapes)]

    def __call__(self, inputs, training=None, **kwargs):
        """Run the layer on a list of arrays, building it from their shapes the first time (full
        shapes, batch included, as Keras does when called on arrays); on KerasTensors or recorded
        values it is any layer's call."""
        if any_symbolic(inputs) or (isinstance(inputs, (list, tuple)) and any(type(x) is Tracer for x in inputs)):
            return Layer.__call__(self, inputs, training=training, **kwargs)
        inputs = self._check_inputs(inputs)
        arrays = []
        for x in inputs:
            x = np.asarray(x)
            arrays.append(x if x.dtype == np.float32 else x.astype(np.float32))
        if not self.built:
            self.build_for([x.shape for x in arrays])
        return self._call(arrays, training)


class Add(Merge):
    """Elementwise sum of the inputs (Keras: ``keras.layers.Add``)."""

    def _merge(self, inputs, training):
        return _fold(np.add, inputs), len(inputs)

    def _merge_backward(self, grad, count):
        return [grad] * count


class Subtract(Merge):
    """``inputs[0] - inputs[1]`` (Keras: ``keras.layers.Subtract``); exactly two inputs."""

    def _check_two(self, value, what):
        if len(value) != 2:
            raise _merge_error(self, f"A `Subtract` layer should be called on exactly 2 inputs. "
                                     f"Received: {what}={value}")

    def build(self, input_shape):
        super().build(input_shape)
        self._check_two(list(input_shape), "input_shape")

    def call(self, inputs, training=False):
        self._check_two(_shapes_text(self._check_inputs(inputs)), "inputs with shapes")
        return super().call(inputs, training=training)

    def _merge(self, inputs, training):
        return inputs[0] - inputs[1], None

    def _merge_backward(self, grad, cache):
        return [grad, -grad]


class Multiply(Merge):
    """Elementwise product of the inputs (Keras: ``keras.layers.Multiply``)."""

    def _merge(self, inputs, training):
        return _fold(np.multiply, inputs), (inputs if training or keeping_state() else None)

    def _merge_backward(self, grad, inputs):
        # d(x_0 * ... * x_n)/dx_i = product of the others: prefix and suffix products (no division,
        # so zeros are handled).
        n = len(inputs)
        suffix = [None] * n
        running = None
        for i in range(n - 1, -1, -1):
            suffix[i] = running
            running = inputs[i] if running is None else inputs[i] * running
        grads, prefix = [], None
        for i in range(n):
            g = grad if prefix is None else grad * prefix
            grads.append(g if suffix[i] is None else g * suffix[i])
            prefix = inputs[i] if prefix is None else prefix * inputs[i]
        return grads


class Average(Merge):
    """Elementwise mean of the inputs (Keras: ``keras.layers.Average``): their sum divided by
    their count."""

    def _merge(self, inputs, training):
        y = _fold(np.add, inputs)
        y /= len(inputs)
        return y, len(inputs)

    def _merge_backward(self, grad, count):
        return [grad / count] * count


class _Extremum(Merge):
    _op = None

    def _merge(self, inputs, training):
        # Keras folds the inputs pairwise: op(op(x0, x1), x2) ...; the running results are kept
        # for backward.
        running = [inputs[0]]
        for x in inputs[1:]:
            running.append(self._op(running[-1], x))
        y = running[-1] if len(inputs) > 1 else inputs[0].copy()
        return y, ((inputs, running) if training or keeping_state() else None)

    def _merge_backward(self, grad, cache):
        # Each pairwise step passes the gradient to the larger (smaller) of its two arguments and
        # splits it in half on a tie, as JAX differentiates maximum/minimum.
        inputs, running = cache
        grads = [None] * len(inputs)
        upstream = grad
        for i in range(len(inputs) - 1, 0, -1):
            left, right = running[i - 1], inputs[i]
            to_left = np.where(left == right, 0.5, self._op(left, right) == left).astype(grad.dtype, copy=False)
            grads[i] = upstream * (1 - to_left)
            upstream = upstream * to_left
        grads[0] = upstream
        return grads


class Maximum(_Extremum):
    """Elementwise maximum of the inputs (Keras: ``keras.layers.Maximum``)."""

    _op = staticmethod(np.maximum)


class Minimum(_Extremum):
    """Elementwise minimum of the inputs (Keras: ``keras.layers.Minimum``)."""

    _op = staticmethod(np.minimum)


class Concatenate(Merge):
    """Joins the inputs along ``axis`` (Keras: ``keras.layers.Concatenate``); all other
    dimensions must agree (no broadcasting)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = checks.integer(axis, "Concatenate axis")

    def _mismatch(self, input_shape):
        return _merge_error(self, "A `Concatenate` layer requires inputs with matching shapes except "
                                  f"for the concatenation axis. Received: input_shape={input_shape}")

    def build(self, input_shape):
        input_shape = self._check_shape_list(input_shape)
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise self._mismatch(input_shape)
        rank = ranks.pop()
        if not -rank <= self.axis < rank:
            raise _merge_error(self, f"axis={self.axis} is out of range for inputs of rank {rank}. "
                                     f"Received: input_shape={input_shape}")
        axis = self.axis % rank
        for i in range(rank):
            if i != axis and len({s[i] for s in input_shape} - {None}) > 1:
                raise self._mismatch(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = self._check_shape_list(input_shape)
        out = list(input_shape[0])
        sizes = [s[self.axis] for s in input_shape]
        out[self.axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def call(self, inputs, training=False):
        inputs = self._check_inputs(inputs)
        shapes = _shapes_text(inputs)
        rank = inputs[0].ndim
        if any(x.ndim != rank for x in inputs) or not -rank <= self.axis < rank:
            raise self._mismatch(shapes)
        axis = self.axis % rank
        if len({s[:axis] + s[axis + 1:] for s in shapes}) != 1:
            raise self._mismatch(shapes)
        y = np.concatenate(inputs, axis=axis)
        if training or keeping_state():
            self._cache = (axis, np.cumsum([s[axis] for s in shapes])[:-1])
        return y

    def backward(self, grad):
        axis, splits = self._cache
        return np.split(grad, splits, axis=axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _l2_normalize(x, axis):
    """Keras's ``ops.normalize(x, axis)`` for order 2: ``x * min(rsqrt(sum(x**2)), 1/epsilon)``,
    i.e. ``x / max(|x|, epsilon)``. Returns the result, ``1 / max(|x|, epsilon)`` and where the
    norm was clamped."""
    norm = np.sqrt(np.sum(np.square(x), axis=axis, keepdims=True))
    inv_norm = 1 / np.maximum(norm, backend.epsilon())
    return x * inv_norm, (inv_norm, norm <= backend.epsilon())


def _l2_normalize_backward(grad, y, normalization, axis):
    # y = x / |x|: dx = (g - y * <g, y>) / |x|. Where the norm was clamped at epsilon (an all-zero
    # row) y = x / epsilon, so dx = g / epsilon; JAX gives NaN there (rsqrt's derivative at 0).
    inv_norm, clamped = normalization
    projected = grad - y * np.sum(grad * y, axis=axis, keepdims=True)
    return np.where(clamped, grad, projected) * inv_norm


class Dot(Merge):
    """Dot product of two inputs along one axis of each, per sample (Keras: ``keras.layers.Dot``).

    ``axes`` is an int (the same axis in both) or a pair ``(axis_of_first, axis_of_second)``;
    negative axes count from the end; the batch axis 0 cannot be used. The output holds the
    first input's remaining non-batch axes then the second's; when none remain it is
    ``(batch, 1)``. ``normalize=True`` L2-normalizes each input along its dot axis first, so
    the result is the cosine similarity.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Invalid type for argument `axes`: it should be a list or an int. "
                                f"Received: axes={axes}")
            if len(axes) != 2:
                raise ValueError(f"Invalid format for argument `axes`: it should contain two elements. "
                                 f"Received: axes={axes}")
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(f"Invalid format for argument `axes`: list elements should be integers. "
                                 f"Received: axes={axes}")
        self.axes = axes
        self.normalize = normalize

    def _positive_axes(self, rank1, rank2, shapes):
        axes = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        for a, rank in zip(axes, (rank1, rank2)):
            if not -rank <= a < rank:
                raise _merge_error(self, f"axes={self.axes} is out of range for input shapes {shapes}")
        return [axes[0] % rank1, axes[1] % rank2]

    def _check_pair(self, value, what):
        if not isinstance(value, (list, tuple)) or len(value) != 2 \
                or not all(isinstance(s, (list, tuple)) for s in value):
            raise _merge_error(self, f"A `Dot` layer should be called on a list of 2 inputs. "
                                     f"Received: {what}={value}")
        return [tuple(s) for s in value]

    def build(self, input_shape):
        shape1, shape2 = self._check_pair(input_shape, "input_shape")
        a0, a1 = self._positive_axes(len(shape1), len(shape2), [shape1, shape2])
        # As in Keras, an unknown (None) size against a known one is refused too; the message
        # shows a pair of axes as given, negative or not, as Keras's does.
        if shape1[a0] != shape2[a1]:
            shown = (a0, a1) if isinstance(self.axes, int) else tuple(self.axes)
            raise _merge_error(self, f"Incompatible input shapes: axis values {shape1[a0]} (at axis {shown[0]}) "
                                     f"!= {shape2[a1]} (at axis {shown[1]}). Full input shapes: {shape1}, {shape2}")
        self.built = True

    def compute_output_shape(self, input_shape):
        shape1, shape2 = (list(s) for s in self._check_pair(input_shape, "input_shape"))
        a0, a1 = self._positive_axes(len(shape1), len(shape2), [shape1, shape2])
        shape1.pop(a0)
        shape2.pop(a1)
        out = shape1 + shape2[1:]
        return tuple(out + [1] if len(out) == 1 else out)

    def call(self, inputs, training=False):
        shapes = _shapes_text(self._check_inputs(inputs))
        if len(inputs) != 2:
            raise _merge_error(self, f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs "
                                     f"with shapes {shapes}")
        x1, x2 = inputs
        if x1.ndim < 2 or x2.ndim < 2:
            raise _merge_error(self, f"Cannot do batch_dot on inputs with rank < 2. Received inputs with "
                                     f"shapes {shapes[0]} and {shapes[1]}.")
        if x1.shape[0] != x2.shape[0]:
            raise _merge_error(self, f"Cannot do batch_dot on inputs with different batch sizes. Received "
                                     f"inputs with shapes {shapes[0]} and {shapes[1]}.")
        a0, a1 = self._positive_axes(x1.ndim, x2.ndim, shapes)
        if 0 in (a0, a1):
            raise _merge_error(self, "Cannot perform batch_dot over axis 0. If your inputs are not batched, "
                                     "add a dummy batch dimension to your inputs")
        if x1.shape[a0] != x2.shape[a1]:
            raise _merge_error(self, f"Cannot do batch_dot on inputs with shapes {shapes[0]} and {shapes[1]} "
                                     f"with axes={[a0, a1]}. x.shape[{a0}] != y.shape[{a1}] "
                                     f"({x1.shape[a0]} != {x2.shape[a1]}).")
        inv1 = inv2 = None
        if self.normalize:
            x1, inv1 = _l2_normalize(x1, a0)
            x2, inv2 = _l2_normalize(x2, a1)
        # Per sample: x1 as (M, K) with its dot axis last, x2 as (K, N) with its dot axis first.
        m1 = np.moveaxis(x1, a0, -1)
        m2 = np.moveaxis(x2, a1, 1)
        rest1, rest2 = m1.shape[1:-1], m2.shape[2:]
        batch, k = x1.shape[0], x1.shape[a0]
        m1, m2 = m1.reshape(batch, -1, k), m2.reshape(batch, k, -1)
        y = np.matmul(m1, m2).reshape((batch,) + rest1 + rest2)
        if not rest1 and not rest2:
            y = y.reshape(batch, 1)
        if training or keeping_state():
            self._cache = (a0, a1, m1, m2, rest1, rest2, x1, x2, inv1, inv2)
        return y

    def backward(self, grad):
        a0, a1, m1, m2, rest1, rest2, y1, y2, inv1, inv2 = self._cache
        batch, k = m1.shape[0], m1.shape[2]
        g = grad.reshape(batch, m1.shape[1], m2.shape[2])
        g1 = np.moveaxis(np.matmul(g, m2.transpose(0, 2, 1)).reshape((batch,) + rest1 + (k,)), -1, a0)
        g2 = np.moveaxis(np.matmul(m1.transpose(0, 2, 1), g).reshape((batch, k) + rest2), 1, a1)
        if self.normalize:
            g1 = _l2_normalize_backward(g1, y1, inv1, a0)
            g2 = _l2_normalize_backward(g2, y2, inv2, a1)
        return [g1, g2]

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)`` (Keras: ``keras.layers.add``)."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)`` (Keras: ``keras.layers.subtract``)."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)`` (Keras: ``keras.layers.multiply``)."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)`` (Keras: ``keras.layers.average``)."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)`` (Keras: ``keras.layers.maximum``)."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)`` (Keras: ``keras.layers.minimum``)."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis=axis, **kwargs)(inputs)`` (Keras: ``keras.layers.concatenate``)."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """``Dot(axes=axes, **kwargs)(inputs)`` (Keras: ``keras.layers.dot``; note ``axes`` defaults to
    -1 here while ``Dot`` requires it)."""
    return Dot(axes=axes, **kwargs)(inputs)
