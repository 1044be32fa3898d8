"""DepthwiseConv1D/2D and SeparableConv1D/2D.

A depthwise convolution filters each input channel on its own with ``depth_multiplier``
kernels: output channel ``c·mult + j`` is input channel ``c`` convolved with
``depthwise_kernel[..., c, j]``. It is computed one kernel offset at a time (a broadcast
multiply-add of the offset's strided view of the input; a handful of offsets, no loop over
pixels), and so is its backward. A separable convolution is a depthwise one (no bias) then a
1×1 "pointwise" convolution, one GEMM, with the bias and the activation at the end.
"""
import numpy as np

from .. import constraints, initializers, regularizers, activations
from ..tape import keeping_state
from ..utils import checks
from .conv_math import Buffers, normalize_padding, normalize_tuple, offset_view, output_length, pads_for
from .convolutional import ActivatedSpatialLayer, _check_fits, _row


def _depthwise_forward(layer, x4, kernel4, buffers):
    """``(output (N, OH, OW, C·mult), state for the backward)`` of a depthwise convolution."""
    n, h, w, c = x4.shape
    kh, kw, _, mult = kernel4.shape
    strides, dilation = _row(layer.strides, layer.rank), _row(layer.dilation_rate, layer.rank)
    pads = tuple(pads_for(length, k, s, d, layer.padding) for length, k, s, d in
                 zip((h, w), (kh, kw), strides, dilation))
    if layer.rank == 1:
        pads = ((0, 0), pads[1])
    _check_fits(layer, (h, w), pads, (kh, kw), dilation)
    (pt, pb), (pl, pr) = pads
    oh = output_length(h + pt + pb, kh, strides[0], dilation[0], "valid")
    ow = output_length(w + pl + pr, kw, strides[1], dilation[1], "valid")
    dtype = np.result_type(x4.dtype, kernel4.dtype)
    if pt or pb or pl or pr:
        xp = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype)
        xp[:, pt:pt + h, pl:pl + w] = x4
    else:
        xp = x4
    y = np.zeros((n, oh, ow, c, mult), dtype)
    for a in range(kh):
        for b in range(kw):
            view = offset_view(xp, a, b, strides, dilation, (oh, ow))
            y += view[..., None] * kernel4[a, b]
    return y.reshape(n, oh, ow, c * mult), (xp, (n, h, w, c), (pt, pl), (oh, ow), strides, dilation)


def _depthwise_backward(state, grad4, kernel4, kernel_grad, input_grad):
    """Write the kernel gradient into ``kernel_grad`` (when given); return the input gradient
    (when ``input_grad``)."""
    xp, (n, h, w, c), (pt, pl), (oh, ow), strides, dilation = state
    kh, kw, _, mult = kernel4.shape
    g5 = grad4.reshape(n, oh, ow, c, mult)
    if kernel_grad is not None:
        for a in range(kh):
            for b in range(kw):
                view = offset_view(xp, a, b, strides, dilation, (oh, ow))
                kernel_grad[a, b] = np.einsum("nhwc,nhwcm->cm", view, g5)
    if not input_grad:
        return None
    dxp = np.zeros(xp.shape, g5.dtype)
    for a in range(kh):
        for b in range(kw):
            offset_view(dxp, a, b, strides, dilation, (oh, ow))[...] += np.einsum("nhwcm,cm->nhwc", g5, kernel4[a, b])
    return dxp[:, pt:pt + h, pl:pl + w]


class DepthwiseBase(ActivatedSpatialLayer):
    """What depthwise and separable convolutions share: the depthwise kernel and its arguments."""

    def _depthwise_setup(self, kernel_size, strides, padding, depth_multiplier, dilation_rate, activation,
                         use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
                         bias_regularizer, depthwise_constraint, bias_constraint):
        name = type(self).__name__
        self.depth_multiplier = checks.integer(depth_multiplier, f"{name} depth_multiplier", minimum=1)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, f"{name} kernel_size")
        self.strides = normalize_tuple(strides, self.rank, f"{name} strides")
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, f"{name} dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{name} cannot combine strides > 1 with dilation_rate > 1 (as in Keras), got "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.padding = normalize_padding(padding, f"{name} padding")
        self._setup_activation(activation)
        self.use_bias = checks.flag(use_bias, f"{name} use_bias")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.depthwise_kernel = self.bias = None
        self._cache = None
        self._buffers = Buffers()

    def _build_depthwise(self, input_shape):
        self._check_rank(input_shape)
        spatial, channels = self._spatial_of(input_shape)
        if channels is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} needs a known channel dimension, got input "
                             f"shape {tuple(input_shape)}")
        pads = tuple(pads_for(n, k, s, d, self.padding) if n is not None else (0, 0) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        _check_fits(self, spatial, pads, self.kernel_size, self.dilation_rate)
        self._channels = channels
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier), initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint, name="depthwise_kernel")
        return channels

    def _spatial_out(self, input_shape):
        self._check_rank(input_shape)
        spatial, channels = self._spatial_of(input_shape)
        return tuple(output_length(n, k, s, d, self.padding) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate)), channels

    def _kernel4(self):
        return self.depthwise_kernel.value.reshape(_row(self.kernel_size, self.rank) +
                                                   self.depthwise_kernel.shape[-2:])

    def _input_layout(self, dx):
        return np.ascontiguousarray(self.from_nhwc(dx))  # (from_nhwc may return a view)

    def _depthwise_config(self):
        return {"depth_multiplier": self.depth_multiplier, "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class DepthwiseConv(DepthwiseBase):
    """Base of DepthwiseConv1D and DepthwiseConv2D (kernel ``(*kernel_size, channels, depth_multiplier)``)."""

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(data_format=data_format, activity_regularizer=activity_regularizer, **kwargs)
        self._depthwise_setup(kernel_size, strides, padding, depth_multiplier, dilation_rate, activation, use_bias,
                              depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
                              depthwise_constraint, bias_constraint)

    def build(self, input_shape):
        channels = self._build_depthwise(input_shape)
        if self.use_bias:
            self.bias = self.add_weight(shape=(channels * self.depth_multiplier,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self.built = True

    def compute_output_shape(self, input_shape):
        out, channels = self._spatial_out(input_shape)
        return self._shape_from(input_shape[0], out, None if channels is None else channels * self.depth_multiplier)

    def call(self, x, training=False):
        z, state = _depthwise_forward(self, self.to_nhwc(x), self._kernel4(), self._buffers)
        if self.use_bias:
            z += self.bias.value
        keep = training or keeping_state()
        if keep:
            self._cache = state
        return self._activate(self.from_nhwc(z), keep)

    def backward_preactivation(self, grad):
        g = self.grad_to_nhwc(grad)
        kernel_grad = None
        if self.trainable:
            kernel_grad = self.depthwise_kernel.grad_buffer().reshape(self._kernel4().shape)
            if self.use_bias:
                np.add.reduce(g.reshape(-1, g.shape[-1]), axis=0, out=self.bias.grad_buffer())
        dx = _depthwise_backward(self._cache, g, self._kernel4(), kernel_grad, self.input_grad_needed)
        return None if dx is None else self._input_layout(dx)

    def get_config(self):
        return {**super().get_config(), **self._depthwise_config()}


class SeparableConv(DepthwiseBase):
    """Base of SeparableConv1D and SeparableConv2D: a depthwise convolution (no bias), then a
    1×1 convolution to ``filters`` channels with the bias, then the activation."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(data_format=data_format, activity_regularizer=activity_regularizer, **kwargs)
        self.filters = checks.integer(filters, f"{type(self).__name__} filters", minimum=1)
        self._depthwise_setup(kernel_size, strides, padding, depth_multiplier, dilation_rate, activation, use_bias,
                              depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
                              depthwise_constraint, bias_constraint)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.pointwise_kernel = None

    def build(self, input_shape):
        channels = self._build_depthwise(input_shape)
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, name="pointwise_kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self.built = True

    def compute_output_shape(self, input_shape):
        out, _ = self._spatial_out(input_shape)
        return self._shape_from(input_shape[0], out, self.filters)

    def call(self, x, training=False):
        d, state = _depthwise_forward(self, self.to_nhwc(x), self._kernel4(), self._buffers)
        n, oh, ow, cm = d.shape
        pointwise = self.pointwise_kernel.value.reshape(cm, self.filters)
        z = (d.reshape(-1, cm) @ pointwise).reshape(n, oh, ow, self.filters)
        if self.use_bias:
            z += self.bias.value
        keep = training or keeping_state()
        if keep:
            self._cache = (state, d)
        return self._activate(self.from_nhwc(z), keep)

    def backward_preactivation(self, grad):
        state, d = self._cache
        g = self.grad_to_nhwc(grad)
        cm = d.shape[-1]
        g2, d2 = g.reshape(-1, self.filters), d.reshape(-1, cm)
        pointwise = self.pointwise_kernel.value.reshape(cm, self.filters)
        kernel_grad = None
        if self.trainable:
            np.matmul(d2.T, g2, out=self.pointwise_kernel.grad_buffer().reshape(cm, self.filters))
            if self.use_bias:
                np.add.reduce(g2, axis=0, out=self.bias.grad_buffer())
            kernel_grad = self.depthwise_kernel.grad_buffer().reshape(self._kernel4().shape)
        dd = (g2 @ pointwise.T).reshape(d.shape)
        dx = _depthwise_backward(state, dd, self._kernel4(), kernel_grad, self.input_grad_needed)
        return None if dx is None else self._input_layout(dx)

    def get_config(self):
        config = {**super().get_config(), **self._depthwise_config(), "filters": self.filters,
                  "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                  "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
                  "pointwise_constraint": constraints.serialize(self.pointwise_constraint)}
        return config


class DepthwiseConv1D(DepthwiseConv):
    """Depthwise 1-D convolution (Keras: ``keras.layers.DepthwiseConv1D``)."""
    rank = 1


class DepthwiseConv2D(DepthwiseConv):
    """Depthwise 2-D convolution (Keras: ``keras.layers.DepthwiseConv2D``)."""
    rank = 2


class SeparableConv1D(SeparableConv):
    """Depthwise-separable 1-D convolution (Keras: ``keras.layers.SeparableConv1D``)."""
    rank = 1


class SeparableConv2D(SeparableConv):
    """Depthwise-separable 2-D convolution (Keras: ``keras.layers.SeparableConv2D``)."""
    rank = 2
