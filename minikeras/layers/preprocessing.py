"""Normalization and Rescaling: fixed affine maps of the input (Keras's preprocessing layers)."""
import math

import numpy as np

from .layer import Layer
from ..utils.numerical import numeric_array

# Keras's backend.epsilon(): the smallest standard deviation Normalization divides by.
_EPSILON = np.float32(1e-7)


def _number_or_array(value, argument, cls):
    """A float, or a list of floats (a per-channel value), as given."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf" or array.dtype.kind == "b":
        raise ValueError(f"{cls} {argument} must be a number or a list of numbers, got {value!r}")
    return float(array) if array.ndim == 0 else array.tolist()


class Rescaling(Layer):
    """``x * scale + offset`` (Keras: ``keras.layers.Rescaling``), e.g. ``Rescaling(1/255)``.

    ``scale`` and ``offset`` are numbers or lists broadcast against the last axis (a NumPy
    array is kept, and saved, as a list; Keras saves it as a serialized array). The same in
    training and inference; no weights.
    """

    compute_output_shape = Layer.same_shape

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        self.scale = _number_or_array(scale, "scale", cls)
        self.offset = _number_or_array(offset, "offset", cls)
        self._scale = np.asarray(self.scale, np.float32)
        self._offset = np.asarray(self.offset, np.float32)

    def call(self, x, training=False):
        return x * self._scale + self._offset

    def backward(self, grad):
        return grad * self._scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Normalization(Layer):
    """``(x - mean) / sqrt(variance)`` per position of ``axis`` (Keras: ``keras.layers.Normalization``).

    ``mean`` and ``variance`` are given, or computed from data by ``adapt(data)`` (the
    population variance, as NumPy's ``var``). Adapted values are the layer's non-trainable
    weights ``mean``, ``variance`` and ``count`` (an int32 scalar Keras keeps for old files
    and leaves at 0), so they are saved with the model; given values are not weights but
    part of the config. As in Keras the divisor is ``max(sqrt(variance), 1e-7)``, and
    ``invert=True`` maps back: ``mean + x * sqrt(variance)``. ``axis=None`` uses one mean
    and variance for all values. Gradients pass through the same affine map.
    """

    compute_output_shape = Layer.same_shape

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        if axis is None:
            axis = ()
        elif isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
            axis = (int(axis),)
        elif isinstance(axis, (list, tuple)) and all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis):
            axis = tuple(int(a) for a in axis)
        else:
            raise ValueError(f"{cls} axis must be an integer, a list of integers or None, got {axis!r}")
        if (mean is None) != (variance is None):
            raise ValueError(f"{cls} needs both mean and variance, or neither; got mean={mean!r} and "
                             f"variance={variance!r}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"{cls} mean and variance must have the same shape, got "
                                 f"{np.shape(mean)} and {np.shape(variance)}")
            if np.ndim(mean) > len(axis):
                raise ValueError(f"{cls} mean may have at most {len(axis)} dimensions (one per axis), "
                                 f"got shape {np.shape(mean)} for axis {axis}")
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.adapt_mean = self.adapt_variance = self.count = None
        self._fixed = None

    def build(self, input_shape):
        cls = type(self).__name__
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"{cls} axis {self.axis} is out of range for inputs of rank {ndim}")
        keep = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[d] is None for d in keep):
            raise ValueError(f"{cls} {self.name!r} needs known sizes on axis {self.axis}, got input "
                             f"shape {input_shape}")
        self._keep = keep
        self._reduce = tuple(d for d in range(ndim) if d not in keep)
        self._broadcast = tuple(input_shape[d] if d in keep else 1 for d in range(ndim))
        shape = tuple(input_shape[d] for d in keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(shape=shape, initializer="zeros", trainable=False, name="mean")
            self.adapt_variance = self.add_weight(shape=shape, initializer="ones", trainable=False,
                                                  name="variance")
            self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")
            self.count.value = np.zeros((), np.int32)  # Keras stores it as an int32 scalar
        else:
            # Keras aligns the given values with the kept axes from the right.
            aligned = [1] * ndim
            for i, size in enumerate(reversed(np.shape(self.input_mean)), 1):
                aligned[keep[-i]] = size
            self._fixed = tuple(np.broadcast_to(np.reshape(np.asarray(v, np.float32), aligned),
                                                self._broadcast).copy()
                                for v in (self.input_mean, self.input_variance))
        self.built = True

    def adapt(self, data):
        """Compute ``mean`` and ``variance`` from ``data`` (Keras: ``Normalization.adapt``).

        ``data`` is an array or nested lists of numbers (statistics over every axis not in
        ``axis``) or, as in Keras, any other iterable of batches (a list of arrays, a
        generator, a PyDataset; an ``(x, y)`` batch uses ``x``), merged batch by batch with
        Keras's pooled formula. Builds the layer from the data's shape when needed.
        Statistics are computed in float64 and stored as float32.
        """
        cls = type(self).__name__
        if self.input_mean is not None:
            raise ValueError(f"{cls} {self.name!r} was given mean and variance; adapt() cannot change them")
        if isinstance(data, (list, tuple)) and data and not any(hasattr(item, "shape") for item in data):
            data = np.asarray(data)  # nested lists of numbers: one array (a list of arrays is batches)
        batches = [data] if hasattr(data, "shape") else data
        try:
            iterator = iter(batches)
        except TypeError:
            raise ValueError(f"{cls}.adapt expects an array or an iterable of batches, got "
                             f"{type(data).__name__}") from None
        total_mean = total_var = None
        total_count = 0
        for batch in iterator:
            if isinstance(batch, tuple):
                batch = batch[0]
            try:
                batch = numeric_array(batch, f"{cls}.adapt data")
            except ValueError as error:
                raise ValueError(f"{cls}.adapt expects numeric arrays: {error}") from None
            if batch.dtype.kind not in "biuf" or batch.ndim == 0:
                raise ValueError(f"{cls}.adapt expects numeric arrays, got {batch.dtype} of shape {batch.shape}")
            if not self.built:
                self.build_for(batch.shape)
            expected = tuple(self._broadcast[d] for d in self._keep)
            if self._keep and (batch.ndim != len(self._broadcast)
                               or tuple(batch.shape[d] for d in self._keep) != expected):
                raise ValueError(f"{cls} {self.name!r} was built for sizes {expected} on axis {self.axis}, "
                                 f"adapt() got data of shape {batch.shape}")
            # axis=None: one mean and variance over every value, whatever the data's rank (Keras).
            reduce = self._reduce if self._keep else tuple(range(batch.ndim))
            count = math.prod(batch.shape[d] for d in reduce)
            if count == 0:
                continue  # an empty batch adds nothing (it made a division by zero below)
            batch_mean = np.mean(batch, axis=reduce, dtype=np.float64)
            batch_var = np.var(batch, axis=reduce, dtype=np.float64)
            if not (np.isfinite(batch_mean).all() and np.isfinite(batch_var).all()):
                raise ValueError(f"{cls}.adapt got data holding NaN or inf (in a batch of shape {batch.shape}): "
                                 "the mean and variance would be NaN and so would every output; clean or "
                                 "impute the data first")
            if total_mean is None:
                total_mean, total_var, total_count = batch_mean, batch_var, 0
            total_count += count
            weight = count / total_count
            new_mean = total_mean * (1 - weight) + batch_mean * weight
            # Pooled variance: each part's variance plus its mean's squared distance to the new mean.
            total_var = ((total_var + (total_mean - new_mean) ** 2) * (1 - weight)
                         + (batch_var + (batch_mean - new_mean) ** 2) * weight)
            total_mean = new_mean
        if total_mean is None:
            raise ValueError(f"{cls}.adapt got no data (an empty array or iterable)")
        self.adapt_mean.assign(total_mean.astype(np.float32))
        self.adapt_variance.assign(total_var.astype(np.float32))

    @property
    def mean(self):
        """The mean with the input's rank, ``(1, features)`` for 2-D inputs (Keras's ``mean``;
        the weight itself, of shape ``(features,)``, is ``adapt_mean``). None before build."""
        return self._broadcast_view(self.adapt_mean, 0, "mean")

    @property
    def variance(self):
        """The variance with the input's rank, as ``mean`` (the weight is ``adapt_variance``)."""
        return self._broadcast_view(self.adapt_variance, 1, "variance")

    def _broadcast_view(self, weight, index, name):
        from ..variable import Variable
        if not self.built:
            return None
        value = self._fixed[index] if self._fixed is not None else weight.value.reshape(self._broadcast)
        return Variable(value, name, trainable=False)

    def _statistics(self):
        if self._fixed is not None:
            mean, variance = self._fixed
        else:
            mean = self.adapt_mean.value.reshape(self._broadcast)
            variance = self.adapt_variance.value.reshape(self._broadcast)
        if not self._keep:  # axis=None: scalars, which broadcast against inputs of any rank as in Keras
            mean, variance = mean.reshape(()), variance.reshape(())
        return mean, np.maximum(np.sqrt(variance), _EPSILON)

    def _check(self, x):
        if not self._keep:
            return
        if x.ndim != len(self._broadcast) or any(x.shape[d] != self._broadcast[d] for d in self._keep):
            expected = tuple(self._broadcast[d] for d in self._keep)
            raise ValueError(f"{type(self).__name__} {self.name!r} expects inputs of rank "
                             f"{len(self._broadcast)} with sizes {expected} on axis {self.axis} (from build), "
                             f"got shape {x.shape}")

    def call(self, x, training=False):
        self._check(x)
        mean, std = self._statistics()
        if self.invert:
            return mean + x * std
        return (x - mean) / std

    def backward(self, grad):
        _, std = self._statistics()
        return grad * std if self.invert else grad / std

    def get_config(self):
        return {**super().get_config(), "axis": list(self.axis), "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(), "variance": np.array(self.input_variance).tolist()}
