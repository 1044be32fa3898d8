"""Flatten and Reshape: change the shape of each sample, not its values."""
import math

from .layer import Layer


class Flatten(Layer):
    """Flattens each sample to one dimension (Keras: ``keras.layers.Flatten``)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format
        self._input_shape = None

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def call(self, x, training=False):
        if training:
            self._input_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad):
        return grad.reshape(self._input_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format or "channels_last"}


class Reshape(Layer):
    """Reshapes each sample to ``target_shape``; one entry may be -1 (Keras: ``keras.layers.Reshape``)."""

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
        if training:
            self._input_shape = x.shape
        return x.reshape((x.shape[0],) + self._resolve(x.shape[1:]))

    def backward(self, grad):
        return grad.reshape(self._input_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}
