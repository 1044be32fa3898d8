"""Max and average pooling (1-D, 2-D, and global), in NHWC.

Each window is read as one strided view per window offset. Max pooling keeps, for each
window, which offset held its FIRST maximum in row-major order (a strict ``>`` keeps the
earlier element), and its backward gives the whole gradient to that element, as Keras's
backends do (JAX's select_and_scatter, TensorFlow's MaxPoolGrad): on a flat region such as
MNIST's background exactly one pixel per window receives it. 2×2 windows of stride 2 use a
comparison tree over the four views. ``"same"`` padding pads max pooling with -inf and
averages over the window's real elements only, as Keras does; ``"valid"`` floors, and the
rows and columns no window reaches get a zero gradient.
"""
import numpy as np

from ..tape import keeping_state
from .conv_math import Buffers, normalize_padding, normalize_tuple, offset_view, output_length, pads_for
from .spatial_base import SpatialLayer


class Pooling(SpatialLayer):
    """Base of the max and average pooling layers."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = type(self).__name__
        self.pool_size = normalize_tuple(pool_size, self.rank, f"{name} pool_size")
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, self.rank,
                                                                                f"{name} strides")
        self.padding = normalize_padding(padding, f"{name} padding")
        self._cache = None
        self._buffers = Buffers()

    def _geometry(self, spatial):
        """Per axis: ``(pad before, pad after, output length)``."""
        out = []
        for n, p, s in zip(spatial, self.pool_size, self.strides):
            before, after = pads_for(n, p, s, 1, self.padding) if n is not None else (0, 0)
            if n is not None and n + before + after < p:
                raise ValueError(f"{type(self).__name__} {self.name!r}: pool_size={self.pool_size} is larger "
                                 f"than the input's spatial shape {tuple(spatial)} (padding={self.padding!r})")
            out.append((before, after, output_length(n, p, s, 1, self.padding)))
        return out

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        spatial, channels = self._spatial_of(input_shape)
        return self._shape_from(input_shape[0], tuple(o for _, _, o in self._geometry(spatial)), channels)

    def _window(self, x):
        """``(x4, (pt, pb, pl, pr), (oh, ow), pool, strides)`` in the one-row form for 1-D."""
        x4 = self.to_nhwc(x)
        geometry = self._geometry(self._spatial_of(x.shape)[0])
        if self.rank == 1:
            geometry = [(0, 0, 1)] + geometry
            pool, strides = (1,) + self.pool_size, (1,) + self.strides
        else:
            pool, strides = self.pool_size, self.strides
        (pt, pb, oh), (pl, pr, ow) = geometry
        return x4, (pt, pb, pl, pr), (oh, ow), pool, strides

    def _padded(self, x4, pads, fill):
        pt, pb, pl, pr = pads
        if not any(pads):
            return x4
        n, h, w, c = x4.shape
        xp = self._buffers.take("padded", (n, h + pt + pb, w + pl + pr, c), x4.dtype, fill=fill)
        xp[:, pt:pt + h, pl:pl + w] = x4
        return xp

    def _input_gradient(self, shape, pads, dxp):
        """The input gradient, cut from the padded one, in the layer's layout."""
        pt, pb, pl, pr = pads
        n, h, w, c = shape
        if any(pads):
            dx = dxp[:, pt:pt + h, pl:pl + w].copy()
        else:
            dx = dxp
        if self.rank == 1:
            dx = dx[:, 0]
        if self.data_format == "channels_first":
            dx = np.ascontiguousarray(np.moveaxis(dx, -1, 1))
        return dx

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling(Pooling):
    """Max pooling; the gradient of each window goes to its first maximum."""

    def call(self, x, training=False):
        x4, pads, (oh, ow), pool, strides = self._window(x)
        keep = training or keeping_state()
        source = self._padded(x4, pads, -np.inf)
        if pool == (2, 2) and strides == (2, 2):
            v = [offset_view(source, a, b, strides, (1, 1), (oh, ow)) for a in (0, 1) for b in (0, 1)]
            m0, m1 = np.maximum(v[0], v[1]), np.maximum(v[2], v[3])
            if keep:
                right_top, right_bottom, bottom = np.greater(v[1], v[0]), np.greater(v[3], v[2]), np.greater(m1, m0)
                choice = ("tree", right_top, right_bottom, bottom)
            y = np.maximum(m0, m1, out=m0)
        else:
            offsets = [(a, b) for a in range(pool[0]) for b in range(pool[1])]
            y = offset_view(source, 0, 0, strides, (1, 1), (oh, ow)).copy()
            which = np.zeros(y.shape, np.uint8 if len(offsets) < 256 else np.int32) if keep else None
            for index, (a, b) in enumerate(offsets[1:], 1):
                v = offset_view(source, a, b, strides, (1, 1), (oh, ow))
                if keep:
                    better = np.greater(v, y)
                    np.copyto(y, v, where=better)
                    which[better] = index
                else:
                    np.maximum(y, v, out=y)
            choice = ("offsets", which, offsets)
        if keep:
            self._cache = (x4.shape, pads, (oh, ow), strides, choice, y.dtype)
        return self.from_nhwc(y)

    def backward(self, grad):
        shape, pads, (oh, ow), strides, choice, dtype = self._cache
        d = self.grad_to_nhwc(grad)
        n, h, w, c = shape
        pt, pb, pl, pr = pads
        hp, wp = h + pt + pb, w + pl + pr
        if choice[0] == "tree":
            _, right_top, right_bottom, bottom = choice
            covered = (2 * oh, 2 * ow) == (hp, wp)
            dxp = np.empty((n, hp, wp, c), dtype) if covered else np.zeros((n, hp, wp, c), dtype)
            v = [offset_view(dxp, a, b, strides, (1, 1), (oh, ow)) for a in (0, 1) for b in (0, 1)]
            low = np.multiply(d, bottom)       # the window's maximum is in its second row
            high = np.subtract(d, low)         # ... or in its first
            np.multiply(high, right_top, out=v[1])
            np.subtract(high, v[1], out=v[0])
            np.multiply(low, right_bottom, out=v[3])
            np.subtract(low, v[3], out=v[2])
        else:
            _, which, offsets = choice
            dxp = np.zeros((n, hp, wp, c), dtype)
            for index, (a, b) in enumerate(offsets):
                offset_view(dxp, a, b, strides, (1, 1), (oh, ow))[...] += d * (which == index)
        return self._input_gradient(shape, pads, dxp)


class AveragePooling(Pooling):
    """Average pooling; ``"same"`` windows average over their elements inside the input."""

    def _counts(self, shape, pads, out_shape, pool, strides, dtype):
        """How many real input elements each output window covers, shaped (1, OH, OW, 1)."""
        n, h, w, c = shape
        pt, pb, pl, pr = pads
        per_axis = []
        for length, before, out, p, s in ((h, pt, out_shape[0], pool[0], strides[0]),
                                          (w, pl, out_shape[1], pool[1], strides[1])):
            start = np.arange(out) * s - before
            per_axis.append(np.minimum(start + p, length) - np.maximum(start, 0))
        return (per_axis[0][:, None] * per_axis[1][None, :]).astype(dtype)[None, :, :, None]

    def call(self, x, training=False):
        x4, pads, (oh, ow), pool, strides = self._window(x)
        source = self._padded(x4, pads, 0)
        y = offset_view(source, 0, 0, strides, (1, 1), (oh, ow)).copy()
        for a in range(pool[0]):
            for b in range(pool[1]):
                if a or b:
                    y += offset_view(source, a, b, strides, (1, 1), (oh, ow))
        if any(pads):
            scale = 1 / self._counts(x4.shape, pads, (oh, ow), pool, strides, y.dtype)
        else:
            scale = y.dtype.type(1 / (pool[0] * pool[1]))
        y *= scale
        if training or keeping_state():
            self._cache = (x4.shape, pads, (oh, ow), pool, strides, scale, y.dtype)
        return self.from_nhwc(y)

    def backward(self, grad):
        shape, pads, (oh, ow), pool, strides, scale, dtype = self._cache
        d = self.grad_to_nhwc(grad) * scale
        n, h, w, c = shape
        pt, pb, pl, pr = pads
        dxp = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype)
        for a in range(pool[0]):
            for b in range(pool[1]):
                offset_view(dxp, a, b, strides, (1, 1), (oh, ow))[...] += d
        return self._input_gradient(shape, pads, dxp)


class MaxPooling1D(MaxPooling):
    """Max pooling over steps (Keras: ``keras.layers.MaxPooling1D``)."""
    rank = 1


class MaxPooling2D(MaxPooling):
    """Max pooling over rows and columns (Keras: ``keras.layers.MaxPooling2D``)."""
    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(AveragePooling):
    """Average pooling over steps (Keras: ``keras.layers.AveragePooling1D``; ``pool_size`` is
    required, as in Keras)."""
    rank = 1

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(AveragePooling):
    """Average pooling over rows and columns (Keras: ``keras.layers.AveragePooling2D``; ``pool_size``
    is required, as in Keras)."""
    rank = 2

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class GlobalPooling(SpatialLayer):
    """Base of the global pooling layers: one value per channel (``keepdims`` keeps the axes)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        from ..utils import checks
        self.keepdims = checks.flag(keepdims, f"{type(self).__name__} keepdims")
        self._cache = None

    def _axes(self):
        return tuple(range(2, 2 + self.rank)) if self.data_format == "channels_first" else \
            tuple(range(1, 1 + self.rank))

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        _, channels = self._spatial_of(input_shape)
        if self.keepdims:
            return self._shape_from(input_shape[0], (1,) * self.rank, channels)
        return (input_shape[0], channels)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling(GlobalPooling):
    """The mean over the spatial axes."""

    def call(self, x, training=False):
        self._check_rank(x.shape)
        if training or keeping_state():
            self._cache = x.shape
        return np.mean(x, axis=self._axes(), keepdims=self.keepdims, dtype=x.dtype)

    def backward(self, grad):
        shape = self._cache
        axes = self._axes()
        size = int(np.prod([shape[a] for a in axes]))
        if not self.keepdims:
            grad = np.expand_dims(grad, axes)
        return np.broadcast_to(grad / grad.dtype.type(size), shape).copy()


class GlobalMaxPooling(GlobalPooling):
    """The maximum over the spatial axes; tied maxima share the gradient equally, as the
    gradient of Keras's ``ops.max`` does."""

    def call(self, x, training=False):
        self._check_rank(x.shape)
        y = np.max(x, axis=self._axes(), keepdims=True)
        if training or keeping_state():
            self._cache = (x == y)
        return y if self.keepdims else np.squeeze(y, self._axes())

    def backward(self, grad):
        hits = self._cache
        axes = self._axes()
        if not self.keepdims:
            grad = np.expand_dims(grad, axes)
        counts = np.sum(hits, axis=axes, keepdims=True)
        return hits * (grad / counts.astype(grad.dtype))


class GlobalAveragePooling1D(GlobalAveragePooling):
    """Mean over steps (Keras: ``keras.layers.GlobalAveragePooling1D``)."""
    rank = 1


class GlobalAveragePooling2D(GlobalAveragePooling):
    """Mean over rows and columns (Keras: ``keras.layers.GlobalAveragePooling2D``)."""
    rank = 2


class GlobalMaxPooling1D(GlobalMaxPooling):
    """Maximum over steps (Keras: ``keras.layers.GlobalMaxPooling1D``)."""
    rank = 1


class GlobalMaxPooling2D(GlobalMaxPooling):
    """Maximum over rows and columns (Keras: ``keras.layers.GlobalMaxPooling2D``)."""
    rank = 2
