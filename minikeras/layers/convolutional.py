"""Conv1D and Conv2D (with groups and dilation) and their transposes, in NHWC by im2col.

Forward: the padded input's patches are copied once into a column matrix ``(N·OH·OW, kh·kw·C)``
ordered (kh, kw, C), multiplied by ``kernel.reshape(kh·kw·C, filters)`` in one GEMM (one batched
GEMM over the groups); with a bias the matrix has one more column of ones and the kernel one
more row, the bias, so the GEMM adds it and the weight-gradient GEMM sums its gradient. Backward: ``dW = colᵀ · dY``; the input gradient is one GEMM
``dY · W[a, b]ᵀ`` per kernel offset, each added into the strided input positions that offset
reads (col2im by offsets, no ``np.add.at``); a model's first layer skips it.

Working memory of one call: the column matrix (``N·OH·OW·(kh·kw·C + 1)`` floats), the padded
input when there is padding, and in backward the padded input gradient and one kernel offset's
share of it (``N·OH·OW·C``); these are reused across steps once nothing references them
(``conv_math.Buffers``), so a training step holds one set per call. ``predict`` runs in batches, so it stays bounded for any
number of samples.

The transposed convolution is the same arithmetic in the other direction: its forward is
the input gradient of a convolution (one GEMM per kernel offset scattered into the output),
its input gradient a convolution of the output gradient (im2col and one GEMM).
"""
import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..tape import keeping_state
from ..utils import checks
from .conv_math import (Buffers, effective_size, gram_into, normalize_padding, normalize_tuple, offset_view,
                        output_length, pads_for, patches, transpose_crop, transpose_output_length)
from .spatial_base import SpatialLayer


class ActivatedSpatialLayer(SpatialLayer):
    """A spatial layer ending in ``activation(z)``, applied in the layer's own layout as Keras
    does; keeps what the activation's derivative needs (the output alone for relu)."""

    _per_call = ("_cache", "_activated")

    def _setup_activation(self, activation):
        self.activation = activations.get(activation)
        self._activation_backward = None
        self._activated = None

    def _activate(self, z, keep):
        """``activation(z)`` (in place on ``z`` when the activation allows it)."""
        in_place = activations.in_place(self.activation)
        if in_place is not None:
            y, z = in_place[0](z), None
        else:
            y = self.activation(z)
        if keep:
            self._activated = (z, y)
        return y

    def activation_gradient(self, grad):
        """dL/d(pre-activation) from dL/d(output), both in the layer's layout."""
        z, y = self._activated
        if z is None:
            return activations.in_place(self.activation)[1](grad, y)
        if self.activation is activations.linear:
            return grad
        if self._activation_backward is None:
            self._activation_backward = activations.backward(self.activation)
        return self._activation_backward(grad, z, y)

    def backward(self, grad):
        return self.backward_preactivation(self.activation_gradient(grad))

    @property
    def output_activation(self):
        return self.activation


def _check_fits(layer, spatial, pads, kernel, dilation, argument="kernel_size"):
    for length, (before, after), k, d in zip(spatial, pads, kernel, dilation):
        if length is not None and length + before + after < effective_size(k, d):
            raise ValueError(f"{type(layer).__name__} {layer.name!r}: {argument}={tuple(kernel)} (dilation_rate="
                             f"{tuple(dilation)}) spans {effective_size(k, d)} positions, more than the padded "
                             f"input's {length + before + after} (input spatial shape {tuple(spatial)}, padding="
                             f"{layer.padding!r})")


def _row(value, rank):
    """A 1-D layer's per-axis tuple as the 2-D one of its one-row view."""
    return (1,) + value if rank == 1 else value


class Conv(ActivatedSpatialLayer):
    """Base of Conv1D and Conv2D (Keras: ``keras.layers.Conv1D``/``Conv2D``)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(data_format=data_format, activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        self.filters = checks.integer(filters, f"{name} filters", minimum=1)
        self.groups = checks.integer(groups, f"{name} groups", minimum=1)
        if self.filters % self.groups:
            raise ValueError(f"{name} filters must be divisible by groups, got filters={filters} and "
                             f"groups={groups}")
        self.kernel_size = normalize_tuple(kernel_size, self.rank, f"{name} kernel_size")
        self.strides = normalize_tuple(strides, self.rank, f"{name} strides")
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, f"{name} dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{name} cannot combine strides > 1 with dilation_rate > 1 (as in Keras), got "
                             f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        allowed = ("valid", "same", "causal") if self.rank == 1 else ("valid", "same")
        self.padding = normalize_padding(padding, f"{name} padding", allowed)
        if self.padding == "causal" and self.data_format == "channels_first":
            raise ValueError(f"{name} padding='causal' needs data_format='channels_last' (as in Keras), got "
                             f"data_format={data_format!r}")
        self._setup_activation(activation)
        self.use_bias = checks.flag(use_bias, f"{name} use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel = self.bias = None
        self._cache = None
        self._buffers = Buffers()

    # -- shapes --------------------------------------------------------------------------------
    def _pads(self, spatial):
        return tuple(pads_for(n, k, s, d, self.padding) if n is not None or self.padding == "causal" else (0, 0)
                     for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def build(self, input_shape):
        self._check_rank(input_shape)
        spatial, channels = self._spatial_of(input_shape)
        name = type(self).__name__
        if channels is None:
            raise ValueError(f"{name} {self.name!r} needs a known channel dimension, got input shape "
                             f"{tuple(input_shape)}")
        if channels % self.groups:
            raise ValueError(f"{name} {self.name!r}: the input's {channels} channels must be divisible by "
                             f"groups={self.groups}")
        _check_fits(self, spatial, self._pads(spatial), self.kernel_size, self.dilation_rate)
        self._channels = channels
        self.kernel = self.add_weight(shape=self.kernel_size + (channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        spatial, _ = self._spatial_of(input_shape)
        _check_fits(self, spatial, self._pads(spatial), self.kernel_size, self.dilation_rate)
        out = tuple(output_length(n, k, s, d, self.padding)
                    for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        return activations.output_shape(self.activation, self._shape_from(input_shape[0], out, self.filters))

    # -- forward ---------------------------------------------------------------------------------
    def call(self, x, training=False):
        x4 = self.to_nhwc(x)
        n, h, w, c = x4.shape
        kernel4 = self.kernel.value.reshape(_row(self.kernel_size, self.rank) + self.kernel.shape[-2:])
        kh, kw, cg, f = kernel4.shape
        strides, dilation = _row(self.strides, self.rank), _row(self.dilation_rate, self.rank)
        pads = self._pads(self._spatial_of(x.shape)[0])
        (pt, pb), (pl, pr) = ((0, 0),) + pads if self.rank == 1 else pads
        _check_fits(self, (h, w), ((pt, pb), (pl, pr)), (kh, kw), dilation)
        oh = output_length(h + pt + pb, kh, strides[0], dilation[0], "valid")
        ow = output_length(w + pl + pr, kw, strides[1], dilation[1], "valid")
        dtype = np.result_type(x4.dtype, kernel4.dtype)
        buffers = self._buffers
        xp = None
        if pt or pb or pl or pr:
            xp = buffers.take("padded", (n, h + pt + pb, w + pl + pr, c), dtype, zeros=True)
            xp[:, pt:pt + h, pl:pl + w] = x4
            source = xp
        else:
            source = x4
        m, g = n * oh * ow, self.groups
        k = kh * kw * cg
        col = None
        if g == 1 and kh == kw == 1 and strides == (1, 1) and source.flags.c_contiguous:
            columns = source.reshape(m, k)  # a 1x1 convolution reads the input as it is
        elif g == 1:
            # One more column of ones, once per buffer: the GEMM adds the bias, and the weight
            # gradient's GEMM sums the bias gradient, with no pass of their own over the output.
            col = buffers.take("col", (m, k + self.use_bias), dtype, fill=1)
            target = col[:, :k].view()
            target.shape = (n, oh, ow, kh, kw, c)  # a view (setting .shape never copies)
            np.copyto(target, patches(source, (kh, kw), strides, dilation, (oh, ow)))
            columns = col
        else:
            col = buffers.take("col", (g, m, k), dtype)
            view = patches(source, (kh, kw), strides, dilation, (oh, ow))
            grouped = view.reshape(n, oh, ow, kh, kw, g, cg)  # a view: C splits into (groups, C/groups)
            np.copyto(col.reshape(g, n, oh, ow, kh, kw, cg), grouped.transpose(5, 0, 1, 2, 3, 4, 6))
            columns = col
        with_ones = col is not None and g == 1 and self.use_bias
        if with_ones:
            weights = buffers.take("weights", (k + 1, f), dtype)
            weights[:k] = kernel4.reshape(k, f)
            weights[k] = self.bias.value
            z = columns @ weights
        elif g == 1:
            z = columns @ kernel4.reshape(k, f)
        else:
            z = np.matmul(columns, kernel4.reshape(k, g, f // g).transpose(1, 0, 2))
            z = np.ascontiguousarray(z.transpose(1, 0, 2)).reshape(m, f)
        if self.use_bias and not with_ones:
            z += self.bias.value
        keep = training or keeping_state()
        if keep:
            self._cache = (columns, col, (n, h, w, c), (pt, pl), (oh, ow), dtype)
        return self._activate(self.from_nhwc(z.reshape(n, oh, ow, f)), keep)

    # -- backward --------------------------------------------------------------------------------
    def backward_preactivation(self, grad):
        """Backward from the gradient with respect to the pre-activation output."""
        columns, col, (n, h, w, c), (pt, pl), (oh, ow), dtype = self._cache
        kernel4 = self.kernel.value.reshape(_row(self.kernel_size, self.rank) + self.kernel.shape[-2:])
        kh, kw, cg, f = kernel4.shape
        g, m, k = self.groups, n * oh * ow, kh * kw * cg
        g2 = self.grad_to_nhwc(grad).reshape(m, f)
        if g > 1:
            per_group = g2.reshape(m, g, f // g).transpose(1, 0, 2)  # (groups, M, F/groups)
        with_ones = col is not None and g == 1 and self.use_bias
        if self.trainable:
            if with_ones:
                both = self._buffers.take("weights", (k + 1, f), dtype)
                gram_into(columns, g2, both)  # the last row, against the ones: the bias gradient
                self.kernel.grad_buffer().reshape(k, f)[...] = both[:k]
                self.bias.grad_buffer()[...] = both[k]
            elif g == 1:
                gram_into(columns, g2, self.kernel.grad_buffer().reshape(k, f))
            else:
                dw = np.matmul(columns.transpose(0, 2, 1), per_group)  # (groups, K, F/groups)
                self.kernel.grad_buffer().reshape(k, g, f // g)[...] = dw.transpose(1, 0, 2)
            if self.use_bias and not with_ones:
                np.add.reduce(g2, axis=0, out=self.bias.grad_buffer())
        if not self.input_grad_needed:
            return None
        strides, dilation = _row(self.strides, self.rank), _row(self.dilation_rate, self.rank)
        if kh == kw == 1 and strides == (1, 1) and g == 1 and (pt, pl) == (0, 0) and oh == h and ow == w:
            dx = (g2 @ kernel4.reshape(c, f).T).reshape(n, h, w, c)
        else:
            hp = (oh - 1) * strides[0] + (kh - 1) * dilation[0] + 1
            wp = (ow - 1) * strides[1] + (kw - 1) * dilation[1] + 1
            hp, wp = max(hp, pt + h), max(wp, pl + w)
            padded = (pt, pl) != (0, 0) or (hp, wp) != (h, w)
            if padded:
                dxp = self._buffers.take("grad", (n, hp, wp, c), dtype)
                dxp.fill(0)
            else:
                dxp = np.zeros((n, h, w, c), dtype)
            part = self._buffers.take("part", (g, m, cg), dtype)  # one offset's share, reused
            for a in range(kh):
                for b in range(kw):
                    target = offset_view(dxp, a, b, strides, dilation, (oh, ow))
                    if g == 1:
                        np.matmul(g2, kernel4[a, b].T, out=part[0])
                        target += part[0].reshape(n, oh, ow, c)
                    else:
                        wt = kernel4[a, b].reshape(cg, g, f // g).transpose(1, 2, 0)  # (groups, F/g, C/g)
                        np.matmul(per_group, wt, out=part)  # (groups, M, C/groups)
                        target += part.transpose(1, 0, 2).reshape(n, oh, ow, c)
            if padded:
                dx = dxp[:, pt:pt + h, pl:pl + w].copy()
            else:
                dx = dxp
        return self.from_nhwc(dx)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate, "groups": self.groups,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class Conv1D(Conv):
    """1-D convolution over ``(batch, steps, channels)`` (Keras: ``keras.layers.Conv1D``);
    ``padding="causal"`` pads ``(kernel_size - 1)·dilation_rate`` steps on the left."""

    rank = 1


class Conv2D(Conv):
    """2-D convolution over ``(batch, rows, cols, channels)`` (Keras: ``keras.layers.Conv2D``).

    Kernel ``(kh, kw, channels // groups, filters)``, bias ``(filters,)``, as in Keras's files.
    """

    rank = 2


class ConvTranspose(ActivatedSpatialLayer):
    """Base of Conv1DTranspose and Conv2DTranspose (Keras: ``keras.layers.Conv2DTranspose``).

    Kernel ``(kh, kw, filters, channels)``. Each input position adds ``x · W[a, b]ᵀ`` to the
    output position ``i·s + a·d`` (a scatter over the full length ``(n - 1)·s + (k - 1)·d + 1``),
    cut to Keras's output length: ``n·s`` with ``"same"``, ``(n - 1)·s + max(k, s)`` with
    ``"valid"``, or ``(n - 1)·s + k - 2·pad + output_padding`` when ``output_padding`` is given.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(data_format=data_format, activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        self.filters = checks.integer(filters, f"{name} filters", minimum=1)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, f"{name} kernel_size")
        self.strides = normalize_tuple(strides, self.rank, f"{name} strides")
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, f"{name} dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{name} cannot combine strides > 1 with dilation_rate > 1, got strides="
                             f"{self.strides} and dilation_rate={self.dilation_rate}")
        self.padding = normalize_padding(padding, f"{name} padding")
        self.output_padding = None if output_padding is None else normalize_tuple(
            output_padding, self.rank, f"{name} output_padding", minimum=0)
        if self.output_padding is not None and any(p >= s for p, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{name} output_padding must be smaller than strides on every axis (as in Keras), got "
                             f"output_padding={self.output_padding} and strides={self.strides}")
        self._setup_activation(activation)
        self.use_bias = checks.flag(use_bias, f"{name} use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel = self.bias = None
        self._cache = None
        self._buffers = Buffers()

    def _lengths(self, spatial):
        padding = self.output_padding or (None,) * self.rank
        return tuple(transpose_output_length(n, k, s, d, self.padding, p) for n, k, s, d, p in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate, padding))

    def build(self, input_shape):
        self._check_rank(input_shape)
        _, channels = self._spatial_of(input_shape)
        if channels is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} needs a known channel dimension, got input "
                             f"shape {tuple(input_shape)}")
        self._channels = channels
        self.kernel = self.add_weight(shape=self.kernel_size + (self.filters, channels),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        spatial, _ = self._spatial_of(input_shape)
        return activations.output_shape(self.activation,
                                        self._shape_from(input_shape[0], self._lengths(spatial), self.filters))

    def _geometry(self, spatial):
        """``(output lengths, crop starts, full lengths)`` in the one-row form for 1-D."""
        out = self._lengths(spatial)
        padding = self.output_padding or (None,) * self.rank
        crops = tuple(transpose_crop(k, s, d, self.padding, p) for k, s, d, p in
                      zip(self.kernel_size, self.strides, self.dilation_rate, padding))
        full = tuple(max((n - 1) * s + (k - 1) * d + 1, c + o) for n, k, s, d, c, o in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate, crops, out))
        if self.rank == 1:
            return (1,) + out, (0,) + crops, (1,) + full
        return out, crops, full

    def call(self, x, training=False):
        x4 = self.to_nhwc(x)
        n, h, w, c = x4.shape
        (oh, ow), (ct, cl), (hf, wf) = self._geometry(self._spatial_of(x.shape)[0])
        kernel4 = self.kernel.value.reshape(_row(self.kernel_size, self.rank) + self.kernel.shape[-2:])
        kh, kw, f, _ = kernel4.shape
        strides, dilation = _row(self.strides, self.rank), _row(self.dilation_rate, self.rank)
        dtype = np.result_type(x4.dtype, kernel4.dtype)
        x2 = np.ascontiguousarray(x4).reshape(n * h * w, c)
        full = self._buffers.take("full", (n, hf, wf, f), dtype)
        full.fill(0)
        part = self._buffers.take("part", (n * h * w, f), dtype)
        for a in range(kh):
            for b in range(kw):
                np.matmul(x2, kernel4[a, b].T, out=part)
                offset_view(full, a, b, strides, dilation, (h, w))[...] += part.reshape(n, h, w, f)
        z = full[:, ct:ct + oh, cl:cl + ow].copy()
        if self.use_bias:
            z += self.bias.value
        keep = training or keeping_state()
        if keep:
            self._cache = (x2, (n, h, w, c), (oh, ow), (ct, cl), (hf, wf), dtype)
        return self._activate(self.from_nhwc(z), keep)

    def backward_preactivation(self, grad):
        """Backward from the gradient with respect to the pre-activation output."""
        x2, (n, h, w, c), (oh, ow), (ct, cl), (hf, wf), dtype = self._cache
        kernel4 = self.kernel.value.reshape(_row(self.kernel_size, self.rank) + self.kernel.shape[-2:])
        kh, kw, f, _ = kernel4.shape
        strides, dilation = _row(self.strides, self.rank), _row(self.dilation_rate, self.rank)
        g = self.grad_to_nhwc(grad)
        full = self._buffers.take("gradfull", (n, hf, wf, f), dtype, zeros=True)
        full[:, ct:ct + oh, cl:cl + ow] = g  # the rest stays zero: those outputs were cut off
        col = self._buffers.take("col", (n * h * w, kh * kw * f), dtype)
        np.copyto(col.reshape(n, h, w, kh, kw, f), patches(full, (kh, kw), strides, dilation, (h, w)))
        if self.trainable:
            np.matmul(col.T, x2, out=self.kernel.grad_buffer().reshape(kh * kw * f, c))
            if self.use_bias:
                np.add.reduce(g.reshape(-1, f), axis=0, out=self.bias.grad_buffer())
        dx = None
        if self.input_grad_needed:
            dx = (col @ kernel4.reshape(kh * kw * f, c)).reshape(n, h, w, c)
        return None if dx is None else self.from_nhwc(dx)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "output_padding": self.output_padding,
                "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint)}


class Conv1DTranspose(ConvTranspose):
    """Transposed 1-D convolution (Keras: ``keras.layers.Conv1DTranspose``)."""

    rank = 1


class Conv2DTranspose(ConvTranspose):
    """Transposed 2-D convolution (Keras: ``keras.layers.Conv2DTranspose``)."""

    rank = 2
