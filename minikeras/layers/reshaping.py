"""Flatten and Reshape: change the shape of each sample, not its values."""
import math

import numpy as np

from ..tape import keeping_state
from .layer import Layer
from ..utils import checks


class Flatten(Layer):
    """Flattens each sample to one dimension (Keras: ``keras.layers.Flatten``).

    ``data_format="channels_first"`` (inputs shaped ``(batch, channels, ...)``) moves the
    channel axis last before flattening, as Keras does, so the features come out in the
    same order as for the channels-last layout.
    """

    _per_call = ("_input_shape",)

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        data_format = "channels_last" if data_format is None else data_format
        if not isinstance(data_format, str) or data_format.lower() not in ("channels_last", "channels_first"):
            raise ValueError("Flatten data_format must be one of 'channels_last' or 'channels_first', "
                             f"got {data_format!r}")
        self.data_format = data_format.lower()
        self._input_shape = None

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def _to_channels_last(self, rank):
        return (0, *range(2, rank), 1) if self.data_format == "channels_first" and rank > 2 else None

    def call(self, x, training=False):
        if training or keeping_state():
            self._input_shape = x.shape
        axes = self._to_channels_last(x.ndim)
        if axes is not None:
            x = x.transpose(axes)
        return x.reshape(x.shape[0], -1)

    def backward(self, grad):
        axes = self._to_channels_last(len(self._input_shape))
        if axes is None:
            return grad.reshape(self._input_shape)
        shape = self._input_shape
        channels_last = grad.reshape((shape[0], *shape[2:], shape[1]))
        return np.ascontiguousarray(channels_last.transpose(0, len(shape) - 1, *range(1, len(shape) - 1)))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to ``target_shape``; one entry may be -1 (Keras: ``keras.layers.Reshape``)."""

    _per_call = ("_input_shape",)

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in target_shape) > 1 or any(d == 0 or d < -1 for d in target_shape):
            raise ValueError(f"Reshape target_shape may hold positive sizes and at most one -1, "
                             f"got {target_shape}")
        self.target_shape = target_shape
        self._input_shape = None

    def _resolve(self, sample_shape):
        if any(d is None for d in sample_shape):
            return self.target_shape
        size = math.prod(sample_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if size % known:
                raise ValueError(f"Reshape {self.name!r} cannot reshape samples of shape {sample_shape} "
                                 f"({size} values) to {self.target_shape}")
            return tuple(size // known if d == -1 else d for d in self.target_shape)
        if known != size:
            raise ValueError(f"Reshape {self.name!r} cannot reshape samples of shape {sample_shape} "
                             f"({size} values) to {self.target_shape} ({known} values)")
        return self.target_shape

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape[1:]))

    def call(self, x, training=False):
        if training or keeping_state():
            self._input_shape = x.shape
        return x.reshape((x.shape[0],) + self._resolve(x.shape[1:]))

    def backward(self, grad):
        return grad.reshape(self._input_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """Permutes the axes of each sample (Keras: ``keras.layers.Permute``); ``dims`` numbers them
    from 1, the batch axis staying first: ``Permute((2, 1))`` swaps rows and columns."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(int(d) for d in dims)
        except (TypeError, ValueError):
            raise ValueError(f"Permute dims must be a tuple of axis numbers from 1, got {dims!r}") from None
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute dims must be a permutation of 1..{len(dims)} (the batch axis is not "
                             f"included), got {dims!r}")
        self.dims = dims
        self._axes = (0,) + dims
        self._inverse = tuple(np.argsort(self._axes))

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self._axes):
            raise ValueError(f"Permute {self.name!r} with dims {self.dims} expects inputs of rank "
                             f"{len(self._axes)}, got shape {tuple(input_shape)}")
        return tuple(input_shape[a] for a in self._axes)

    def call(self, x, training=False):
        if x.ndim != len(self._axes):
            raise ValueError(f"Permute {self.name!r} with dims {self.dims} expects inputs of rank "
                             f"{len(self._axes)}, got shape {x.shape}")
        return np.ascontiguousarray(x.transpose(self._axes))

    def backward(self, grad):
        return np.ascontiguousarray(grad.transpose(self._inverse))

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


class RepeatVector(Layer):
    """Repeats each sample's vector ``n`` times: ``(batch, features)`` to ``(batch, n, features)``
    (Keras: ``keras.layers.RepeatVector``); the backward pass sums over the copies."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        checks.integer(n, "RepeatVector n", minimum=1)
        self.n = int(n)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(f"RepeatVector {self.name!r} expects inputs of shape (batch, features), got shape "
                             f"{tuple(input_shape)}")
        return (input_shape[0], self.n, input_shape[1])

    def call(self, x, training=False):
        if x.ndim != 2:
            raise ValueError(f"RepeatVector {self.name!r} expects inputs of shape (batch, features), got shape "
                             f"{x.shape}")
        return np.repeat(x[:, None, :], self.n, axis=1)

    def backward(self, grad):
        return np.add.reduce(grad, axis=1)

    def get_config(self):
        return {**super().get_config(), "n": self.n}
