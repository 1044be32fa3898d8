"""Layers that move or copy pixels without weights: ZeroPadding, Cropping and UpSampling
(1-D and 2-D), and SpatialDropout1D/2D, which drops whole channels."""
import numpy as np

from ..tape import keeping_state
from ..utils import checks
from .conv_math import normalize_tuple
from .dropout import Dropout
from .spatial_base import SpatialLayer


def _pairs(value, rank, what):
    """Keras's padding/cropping argument as ``rank`` ``(before, after)`` pairs: an int, one int
    per axis (symmetric), or one pair per axis."""
    if rank == 1:
        return (normalize_tuple(value, 2, what, minimum=0),)
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        value = checks.integer(value, what, minimum=0)
        return ((value, value), (value, value))
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValueError(f"{what} must be an int, a tuple of 2 ints or a tuple of 2 tuples of 2 ints, got {value!r}")
    return tuple(normalize_tuple(v, 2, what, minimum=0) for v in value)


class ZeroPadding(SpatialLayer):
    """Base of ZeroPadding1D/2D: zeros added before and after each spatial axis."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = _pairs(padding, self.rank, f"{type(self).__name__} padding")

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        spatial, channels = self._spatial_of(input_shape)
        out = tuple(None if n is None else n + a + b for n, (a, b) in zip(spatial, self.padding))
        return self._shape_from(input_shape[0], out, channels)

    def _slices(self, spatial):
        inner = tuple(slice(a, a + n) for n, (a, _) in zip(spatial, self.padding))
        return (slice(None), slice(None)) + inner if self.data_format == "channels_first" else \
            (slice(None),) + inner + (slice(None),)

    def call(self, x, training=False):
        self._check_rank(x.shape)
        y = np.zeros(self.compute_output_shape(x.shape), x.dtype)
        spatial = self._spatial_of(x.shape)[0]
        y[self._slices(spatial)] = x
        if training or keeping_state():
            self._cache = spatial
        return y

    def backward(self, grad):
        return grad[self._slices(self._cache)].copy()

    def get_config(self):
        return {**super().get_config(), "padding": self.padding[0] if self.rank == 1 else self.padding}


class Cropping(SpatialLayer):
    """Base of Cropping1D/2D: rows/steps removed from the start and end of each spatial axis."""

    def __init__(self, cropping=1, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = _pairs(cropping, self.rank, f"{type(self).__name__} cropping")

    def _check_size(self, spatial):
        for n, (a, b) in zip(spatial, self.cropping):
            if n is not None and a + b >= n:
                raise ValueError(f"{type(self).__name__} {self.name!r}: cropping={self.cropping} removes all of "
                                 f"an axis of the input's spatial shape {tuple(spatial)}")

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        spatial, channels = self._spatial_of(input_shape)
        self._check_size(spatial)
        out = tuple(None if n is None else n - a - b for n, (a, b) in zip(spatial, self.cropping))
        return self._shape_from(input_shape[0], out, channels)

    def _slices(self, spatial):
        inner = tuple(slice(a, n - b) for n, (a, b) in zip(spatial, self.cropping))
        return (slice(None), slice(None)) + inner if self.data_format == "channels_first" else \
            (slice(None),) + inner + (slice(None),)

    def call(self, x, training=False):
        self._check_rank(x.shape)
        spatial = self._spatial_of(x.shape)[0]
        self._check_size(spatial)
        if training or keeping_state():
            self._cache = x.shape
        return x[self._slices(spatial)].copy()

    def backward(self, grad):
        shape = self._cache
        dx = np.zeros(shape, grad.dtype)
        dx[self._slices(self._spatial_of(shape)[0])] = grad
        return dx

    def get_config(self):
        cropping = self.cropping[0] if self.rank == 1 else self.cropping
        config = {**super().get_config(), "cropping": cropping}
        if self.rank == 1:
            config.pop("data_format")
        return config


def _linear_weights(length, factor, dtype):
    """``(out, in)`` matrix of half-pixel linear interpolation by an integer ``factor``
    (``jax.image.resize``'s bilinear without antialiasing; edges clamp)."""
    out = length * factor
    position = np.clip((np.arange(out) + 0.5) / factor - 0.5, 0, length - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, length - 1)
    frac = position - low
    weights = np.zeros((out, length), np.float64)
    np.add.at(weights, (np.arange(out), low), 1 - frac)  # build-time table, not the data path
    np.add.at(weights, (np.arange(out), high), frac)
    return weights.astype(dtype)


class UpSampling(SpatialLayer):
    """Base of UpSampling1D/2D: each step/pixel repeated ``size`` times (or, in 2-D with
    ``interpolation="bilinear"``, linearly interpolated between pixel centres)."""

    def __init__(self, size=2, data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        name = type(self).__name__
        self.size = normalize_tuple(size, self.rank, f"{name} size")
        choices = ("nearest", "bilinear") if self.rank == 2 else ("nearest",)
        name_ = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if name_ not in choices:
            raise ValueError(f"{name} interpolation must be one of {', '.join(map(repr, choices))}, "
                             f"got {interpolation!r}")
        self.interpolation = name_
        self._cache = None

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        spatial, channels = self._spatial_of(input_shape)
        out = tuple(None if n is None else n * s for n, s in zip(spatial, self.size))
        return self._shape_from(input_shape[0], out, channels)

    def call(self, x, training=False):
        x4 = self.to_nhwc(x)
        n, h, w, c = x4.shape
        sh, sw = (1,) + self.size if self.rank == 1 else self.size
        if self.interpolation == "nearest":
            y = np.broadcast_to(x4[:, :, None, :, None], (n, h, sh, w, sw, c)).reshape(n, h * sh, w * sw, c)
            weights = None
        else:
            weights = (_linear_weights(h, sh, x4.dtype), _linear_weights(w, sw, x4.dtype))
            y = np.einsum("oh,nhwc->nowc", weights[0], x4)
            y = np.einsum("pw,nowc->nopc", weights[1], y)
        if training or keeping_state():
            self._cache = ((n, h, w, c), (sh, sw), weights)
        return self.from_nhwc(y)

    def backward(self, grad):
        (n, h, w, c), (sh, sw), weights = self._cache
        g = self.grad_to_nhwc(grad)
        if weights is None:
            dx = g.reshape(n, h, sh, w, sw, c).sum(axis=(2, 4))
        else:
            dx = np.einsum("pw,nopc->nowc", weights[1], g)
            dx = np.einsum("oh,nowc->nhwc", weights[0], dx)
        if self.rank == 1:
            dx = dx[:, 0]
        if self.data_format == "channels_first":
            dx = np.moveaxis(dx, -1, 1)
        return np.ascontiguousarray(dx)

    def get_config(self):
        config = {**super().get_config(), "size": self.size}
        if self.rank == 1:
            config.pop("data_format")
            config["size"] = self.size[0]
        else:
            config["interpolation"] = self.interpolation
        return config


class ZeroPadding1D(ZeroPadding):
    """Zeros before and after the steps (Keras: ``keras.layers.ZeroPadding1D``)."""
    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding=padding, data_format=data_format, **kwargs)


class ZeroPadding2D(ZeroPadding):
    """Zero rows and columns around each image (Keras: ``keras.layers.ZeroPadding2D``)."""
    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding=padding, data_format=data_format, **kwargs)


class Cropping1D(Cropping):
    """Steps cut from the start and end (Keras: ``keras.layers.Cropping1D``)."""
    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping=cropping, **kwargs)


class Cropping2D(Cropping):
    """Rows and columns cut from each side (Keras: ``keras.layers.Cropping2D``)."""
    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping=cropping, data_format=data_format, **kwargs)


class UpSampling1D(UpSampling):
    """Each step repeated ``size`` times (Keras: ``keras.layers.UpSampling1D``)."""
    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size=size, **kwargs)


class UpSampling2D(UpSampling):
    """Rows and columns repeated (or bilinearly interpolated) ``size`` times (Keras:
    ``keras.layers.UpSampling2D``)."""
    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size=size, data_format=data_format, interpolation=interpolation, **kwargs)


class SpatialDropout1D(Dropout):
    """Dropout of whole channels: one draw per sample and channel, shared by all steps
    (Keras: ``keras.layers.SpatialDropout1D``)."""

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)

    def call(self, x, training=False):
        if x.ndim != self.rank + 2:
            raise ValueError(f"{type(self).__name__} {self.name!r} expects inputs of rank {self.rank + 2}, got "
                             f"shape {x.shape}")
        self.noise_shape = self._noise_shape(x.shape)
        try:
            return super().call(x, training=training)
        finally:
            self.noise_shape = None

    def _noise_shape(self, shape):
        return (shape[0], 1, shape[2])

    def get_config(self):
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": super().get_config()["dtype"]}


class SpatialDropout2D(SpatialDropout1D):
    """Dropout of whole feature maps (Keras: ``keras.layers.SpatialDropout2D``)."""

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        from .conv_math import normalize_data_format
        self.data_format = normalize_data_format(data_format, "SpatialDropout2D data_format")

    def _noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1)
        return (shape[0], 1, 1, shape[3])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
