"""BatchNormalization and LayerNormalization: normalize, then scale by gamma and shift by beta."""
import numpy as np

from ..distribution import data_parallel as _parallel
from ..utils import checks
from .. import constraints, initializers, regularizers
from ..tape import keeping_state
from .layer import Layer


def _check_flag(value, argument, cls):
    return checks.flag(value, f"{cls} {argument}")


def _check_epsilon(epsilon, cls):
    return float(checks.number(epsilon, f"{cls} epsilon", minimum=0, strict=True))


def _refuse(cls, **unsupported):
    """Keras arguments minikeras accepts only at their defaults (None/False)."""
    for argument, value in unsupported.items():
        if value not in (None, False):
            raise ValueError(f"{cls} {argument} is not supported by minikeras, got {value!r}")


def _positive_axis(axis, ndim, cls):
    if not -ndim <= axis < ndim:
        raise ValueError(f"{cls} axis {axis} is out of range for inputs of rank {ndim}")
    return axis % ndim


class BatchNormalization(Layer):
    """Normalizes each feature with batch statistics (Keras: ``keras.layers.BatchNormalization``).

    Training (``training=True`` and the layer trainable): ``gamma * (x - mean) /
    sqrt(var + epsilon) + beta`` with the mean and the biased variance (divided by the
    number of values, as Keras's ``ops.moments``) over every axis but ``axis``; each call
    then updates ``moving_mean = moving_mean * momentum + mean * (1 - momentum)`` and
    ``moving_variance`` likewise, in place. Inference, or a layer with
    ``trainable=False`` (as in Keras), uses the moving statistics instead.

    Weights as Keras creates them: ``gamma`` (when ``scale``), ``beta`` (when ``center``),
    ``moving_mean``, ``moving_variance``; the last two are non-trainable. ``renorm`` is
    accepted only at its default.

    Under a ``keras.distribution.DataParallel`` over several processes, each rank normalizes
    with the statistics of its own rows (and the moving statistics are averaged over the
    ranks at every step); with ``synchronized=True`` the mean and variance are those of the
    whole global batch (and so is the backward pass), as in one process. Without a
    distribution ``synchronized`` changes nothing, as in Keras.
    """

    compute_output_shape = Layer.same_shape

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", moving_mean_initializer="zeros",
                 moving_variance_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        _refuse(cls, renorm=renorm, renorm_clipping=renorm_clipping)
        self.synchronized = _check_flag(synchronized, "synchronized", cls)
        checks.integer(axis, f"{cls} axis")
        checks.number(momentum, f"{cls} momentum", minimum=0, maximum=1)
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = _check_epsilon(epsilon, cls)
        self.center = _check_flag(center, "center", cls)
        self.scale = _check_flag(scale, "scale", cls)
        self.renorm_momentum = renorm_momentum
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None
        self._cache = None

    def build(self, input_shape):
        axis = _positive_axis(self.axis, len(input_shape), type(self).__name__)
        features = input_shape[axis]
        if features is None:
            raise ValueError(f"BatchNormalization {self.name!r} needs a known size on axis {self.axis}, "
                             f"got input shape {input_shape}")
        shape = (features,)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         name="gamma")
        if self.center:
            self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        name="beta")
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=shape, initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        self.built = True

    def _layout(self, x):
        """(axes reduced over, shape the per-feature vectors broadcast to)."""
        features = self.moving_mean.shape[0]
        if x.ndim < 2 or not -x.ndim <= self.axis < x.ndim or x.shape[self.axis] != features:
            raise ValueError(f"BatchNormalization {self.name!r} expects inputs with {features} features "
                             f"on axis {self.axis} (from build), got shape {x.shape}")
        axis = self.axis % x.ndim
        reduce = tuple(d for d in range(x.ndim) if d != axis)
        shape = (-1,) if axis == x.ndim - 1 else tuple(-1 if d == axis else 1 for d in range(x.ndim))
        return reduce, shape

    def _gamma_beta(self, shape):
        gamma = None if self.gamma is None else self.gamma.value.reshape(shape)
        beta = None if self.beta is None else self.beta.value.reshape(shape)
        return gamma, beta

    def call(self, x, training=False):
        reduce, shape = self._layout(x)
        gamma, beta = self._gamma_beta(shape)
        if not (training and self.trainable):
            # Keras's ops.batch_normalization: x * (gamma / sqrt(var + eps)) + (beta - mean * that).
            multiplier = 1 / np.sqrt(self.moving_variance.value + np.float32(self.epsilon))
            if gamma is not None:
                multiplier = multiplier * self.gamma.value
            offset = -self.moving_mean.value * multiplier
            if beta is not None:
                offset = offset + self.beta.value
            if training or keeping_state():
                self._cache = ("frozen", multiplier.reshape(shape))
            return x * multiplier.reshape(shape) + offset.reshape(shape)
        parallel = _parallel.ACTIVE if self.synchronized else None
        if parallel is None:
            mean = np.mean(x, axis=reduce, keepdims=True)
            centered = x - mean
            variance = np.mean(np.square(centered), axis=reduce)
            count = None
        else:  # the moments of the global batch, summed over the ranks
            mean, count = parallel.global_mean(x, reduce)
            centered = x - mean
            variance = parallel.global_mean(np.square(centered), reduce)[0].reshape(-1)
        inv = 1 / np.sqrt(variance + np.float32(self.epsilon))
        x_hat = np.multiply(centered, inv.reshape(shape), out=centered)
        y = x_hat * gamma if gamma is not None else x_hat.copy()
        if beta is not None:
            y += beta
        self._update_moving(self.moving_mean.value, mean.reshape(-1))
        self._update_moving(self.moving_variance.value, variance)
        self._cache = ("batch", x_hat, inv.reshape(shape), count)
        return y

    def _update_moving(self, moving, batch):
        # moving * m + batch * (1 - m), rounded as Keras rounds it; in place, so the variable keeps its array.
        moving *= np.asarray(self.momentum, moving.dtype)
        moving += batch * np.asarray(1.0 - self.momentum, moving.dtype)

    def backward(self, grad):
        if self._cache[0] == "frozen":
            return grad * self._cache[1] if self.input_grad_needed else None
        _, x_hat, inv, global_count = self._cache
        reduce = tuple(d for d in range(grad.ndim) if d != self.axis % grad.ndim)
        count = grad.size // x_hat.shape[self.axis]
        grad_beta = np.add.reduce(grad, axis=reduce)
        grad_gamma = np.add.reduce(grad * x_hat, axis=reduce)
        sum_grad, sum_grad_x_hat = grad_beta, grad_gamma
        for variable, value in ((self.gamma, grad_gamma), (self.beta, grad_beta)):
            if variable is not None and self.trainable:
                variable.grad_buffer()[...] = value
        if not self.input_grad_needed:
            return None
        if global_count is not None and _parallel.ACTIVE is not None:
            # synchronized: the sums over the global batch, each rank's in the global loss's scale
            sum_grad, sum_grad_x_hat = _parallel.ACTIVE.global_sums(grad_beta, grad_gamma)
            count = global_count
        shape = inv.shape
        # d/dx of gamma * x_hat with x_hat from batch moments:
        # gamma * inv / M * (M * g - sum(g) - x_hat * sum(g * x_hat)).
        multiplier = inv if self.gamma is None else inv * self.gamma.value.reshape(shape)
        multiplier = multiplier / np.asarray(count, multiplier.dtype)
        dx = grad * np.asarray(count, grad.dtype)
        dx -= sum_grad.reshape(shape)
        dx -= x_hat * sum_grad_x_hat.reshape(shape)
        dx *= multiplier
        return dx

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
                "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint), "synchronized": self.synchronized,
                "renorm": False, "renorm_clipping": None, "renorm_momentum": self.renorm_momentum}


class LayerNormalization(Layer):
    """Normalizes each sample over ``axis`` (Keras: ``keras.layers.LayerNormalization``).

    ``gamma * (x - mean) / sqrt(var + epsilon) + beta`` with the mean and biased variance
    of each sample over ``axis`` (an int or a list of ints), the same in training and
    inference. ``gamma`` and ``beta`` have the shape of the normalized axes. As in Keras,
    ``axis`` becomes a sorted list when the layer is built (and is saved that way).
    ``rms_scaling`` (deprecated in Keras) is accepted only when off.
    """

    compute_output_shape = Layer.same_shape

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, rms_scaling=False, **kwargs):
        super().__init__(**kwargs)
        cls = type(self).__name__
        _refuse(cls, rms_scaling=rms_scaling)
        if isinstance(axis, (list, tuple)):
            axis = list(axis)
            items = axis
        else:
            items = [axis]
        if not items or any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in items):
            raise ValueError(f"{cls} axis must be an integer or a non-empty list of integers, got {axis!r}")
        self.axis = axis if isinstance(axis, list) else int(axis)
        self.epsilon = _check_epsilon(epsilon, cls)
        self.center = _check_flag(center, "center", cls)
        self.scale = _check_flag(scale, "scale", cls)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None
        self._axes = None
        self._cache = None

    def build(self, input_shape):
        cls = type(self).__name__
        axes = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        positive = sorted({_positive_axis(a, len(input_shape), cls) for a in axes})
        if 0 in positive or len(positive) != len(axes):
            raise ValueError(f"{cls} axis must name distinct non-batch axes, got {self.axis!r} for "
                             f"input shape {input_shape}")
        shape = tuple(input_shape[d] for d in positive)
        if None in shape:
            raise ValueError(f"{cls} {self.name!r} needs known sizes on axis {self.axis!r}, got input "
                             f"shape {input_shape}")
        if self.scale:
            self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                         name="gamma")
        if self.center:
            self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                        name="beta")
        self.axis = axes
        self._axes = tuple(positive)
        self._broadcast = tuple(input_shape[d] if d in positive else 1 for d in range(len(input_shape)))[1:]
        self.built = True

    def _check(self, x):
        if x.ndim != len(self._broadcast) + 1 or any(
                x.shape[d] != self._broadcast[d - 1] for d in self._axes):
            expected = tuple(n if n > 1 or d in self._axes else None for d, n in enumerate(self._broadcast, 1))
            raise ValueError(f"LayerNormalization {self.name!r} expects inputs of shape "
                             f"{(None,) + expected} (from build), got shape {x.shape}")

    def call(self, x, training=False):
        self._check(x)
        mean = np.mean(x, axis=self._axes, keepdims=True)
        centered = x - mean
        inv = 1 / np.sqrt(np.mean(np.square(centered), axis=self._axes, keepdims=True)
                          + np.asarray(self.epsilon, x.dtype))
        x_hat = np.multiply(centered, inv, out=centered)
        y = x_hat * self.gamma.value.reshape(self._broadcast) if self.scale else x_hat.copy()
        if self.center:
            y += self.beta.value.reshape(self._broadcast)
        if training or keeping_state():
            self._cache = (x_hat, inv)
        return y

    def backward(self, grad):
        x_hat, inv = self._cache
        others = tuple(d for d in range(grad.ndim) if d not in self._axes)
        for variable, value in ((self.gamma, lambda: grad * x_hat), (self.beta, lambda: grad)):
            if variable is not None and self.trainable:
                variable.grad_buffer()[...] = np.add.reduce(value(), axis=others).reshape(variable.shape)
        if not self.input_grad_needed:
            return None
        # With g' = g * gamma, per sample over the normalized axes:
        # dx = inv * (g' - mean(g') - x_hat * mean(g' * x_hat)).
        g = grad * self.gamma.value.reshape(self._broadcast) if self.scale else grad.copy()
        projection = np.mean(g * x_hat, axis=self._axes, keepdims=True)
        g -= np.mean(g, axis=self._axes, keepdims=True)
        g -= x_hat * projection
        g *= inv
        return g

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, "rms_scaling": False,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": constraints.serialize(self.beta_constraint),
                "gamma_constraint": constraints.serialize(self.gamma_constraint)}


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm along ``axis`` (Keras: ``keras.layers.UnitNormalization``):
    ``x * min(1 / sqrt(sum(x**2)), 1e12)``, as Keras's ``ops.normalize`` computes it."""

    compute_output_shape = Layer.same_shape

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            axis = [int(a) for a in axis]
        elif isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"UnitNormalization axis must be an integer or a list of integers, got {axis!r}")
        self.axis = axis if isinstance(axis, list) else int(axis)
        self._cache = None

    def _axes(self):
        return tuple(self.axis) if isinstance(self.axis, list) else self.axis

    def call(self, x, training=False):
        with np.errstate(divide="ignore"):  # a zero vector: 1/0 = inf, then capped
            inverse = np.minimum(1 / np.sqrt(np.sum(np.square(x), axis=self._axes(), keepdims=True)),
                                 np.float32(1e12)).astype(x.dtype, copy=False)
        y = x * inverse
        if training or keeping_state():
            self._cache = (y, inverse)
        return y

    def backward(self, grad):
        y, inverse = self._cache
        clamped = inverse >= np.float32(1e12)  # the norm's derivative is cut where the minimum holds
        projected = grad - y * np.sum(grad * y, axis=self._axes(), keepdims=True)
        return np.where(clamped, grad, projected) * inverse

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class RMSNormalization(Layer):
    """``x / sqrt(mean(x**2) + epsilon) * scale`` over ``axis`` (Keras: ``keras.layers.RMSNormalization``).

    ``scale`` is a weight of the normalized axes' shape, initialized to ones. As in Keras,
    ``axis`` becomes a sorted list once built; the axes must be the trailing ones (so ``scale``
    lines up with them).
    """

    compute_output_shape = Layer.same_shape

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        checks.number(epsilon, "RMSNormalization epsilon", minimum=0)
        self.axis, self.epsilon = axis, epsilon
        self.scale = None
        self._cache = None

    def build(self, input_shape):
        ndim = len(input_shape)
        axes = sorted(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        if any(not -ndim <= a < ndim for a in axes):
            raise ValueError(f"RMSNormalization axis {self.axis} is out of range for inputs of rank {ndim}")
        positive = sorted(a % ndim for a in axes)
        if positive != list(range(ndim - len(axes), ndim)):
            raise ValueError(f"RMSNormalization in minikeras normalizes trailing axes only, got axis {self.axis} "
                             f"for inputs of rank {ndim}")
        self.axis = axes
        self._axes = tuple(positive)
        self.scale = self.add_weight(shape=tuple(input_shape[a] for a in positive), initializer="ones", name="scale")
        self.built = True

    def call(self, x, training=False):
        inverse = 1 / np.sqrt(np.mean(np.square(x), axis=self._axes, keepdims=True) + np.float32(self.epsilon))
        normalized = x * inverse.astype(x.dtype, copy=False)
        if training or keeping_state():
            self._cache = (x, normalized, inverse)
        return normalized * self.scale.value

    def backward(self, grad):
        x, normalized, inverse = self._cache
        reduce_axes = tuple(range(x.ndim - len(self._axes)))
        if self.trainable:
            np.add.reduce(grad * normalized, axis=reduce_axes, out=self.scale.grad_buffer())
        scaled = grad * self.scale.value
        count = np.float32(np.prod([x.shape[a] for a in self._axes]))
        # d(x * r)/dx with r = (mean(x**2) + eps)^(-1/2): r * g - x * r**3 * sum(g * x) / count
        return inverse * scaled - x * inverse ** 3 * np.sum(scaled * x, axis=self._axes, keepdims=True) / count

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
