"""What every 1-D/2-D spatial layer shares: its input checks and its NHWC view of the data.

A layer of ``rank`` 1 or 2 takes ``(batch, *spatial, channels)`` (``channels_last``) or
``(batch, channels, *spatial)`` (``channels_first``) and computes on the 4-D NHWC array
``to_nhwc`` gives: a 1-D input becomes one row, and channels_first is moved last at the
layer's edges (a view on the way in; the output is transposed back).
"""
import numpy as np

from .conv_math import normalize_data_format
from .layer import Layer


class SpatialLayer(Layer):
    """Base of the convolution, pooling, padding, cropping and upsampling layers."""

    rank = 2

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, f"{type(self).__name__} data_format")
        self._channels = None

    def build(self, input_shape):
        """Check the rank (Keras builds these layers too, and records their build shape)."""
        self._check_rank(input_shape)
        self.built = True

    # -- shapes --------------------------------------------------------------------------------
    def _spatial_of(self, shape):
        """``(spatial sizes, channels)`` of a full input shape in this layer's data format."""
        if self.data_format == "channels_first":
            return tuple(shape[2:]), shape[1]
        return tuple(shape[1:-1]), shape[-1]

    def _shape_from(self, batch, spatial, channels):
        if self.data_format == "channels_first":
            return (batch, channels, *spatial)
        return (batch, *spatial, channels)

    def _check_rank(self, shape):
        if len(shape) != self.rank + 2:
            layout = {1: "(batch, steps, channels)", 2: "(batch, rows, cols, channels)"}[self.rank]
            if self.data_format == "channels_first":
                layout = {1: "(batch, channels, steps)", 2: "(batch, channels, rows, cols)"}[self.rank]
            raise ValueError(f"{type(self).__name__} {self.name!r} expects inputs of rank {self.rank + 2} "
                             f"{layout}, got shape {tuple(shape)}")

    def _check_channels(self, channels):
        if self._channels is not None and channels != self._channels:
            raise ValueError(f"{type(self).__name__} {self.name!r} was built for inputs with {self._channels} "
                             f"channels, got {channels} channels")

    # -- layouts -------------------------------------------------------------------------------
    def to_nhwc(self, x):
        """The 4-D NHWC view of an input (checked for rank and channels)."""
        self._check_rank(x.shape)
        self._check_channels(self._spatial_of(x.shape)[1])
        if self.data_format == "channels_first":
            x = np.moveaxis(x, 1, -1)
        return x[:, None] if self.rank == 1 else x

    def from_nhwc(self, y):
        """An NHWC result in this layer's layout (``y`` itself for 2-D channels_last)."""
        if self.rank == 1:
            y = y[:, 0]
        if self.data_format == "channels_first":
            y = np.ascontiguousarray(np.moveaxis(y, -1, 1))
        return y

    def grad_to_nhwc(self, grad):
        """An output gradient in the layer's layout as a C-contiguous NHWC array."""
        if self.data_format == "channels_first":
            grad = np.ascontiguousarray(np.moveaxis(grad, 1, -1))
        return grad[:, None] if self.rank == 1 else grad

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
