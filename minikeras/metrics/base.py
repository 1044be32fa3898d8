"""The streaming metric base: ``update_state`` per batch, ``result`` at any time, ``reset_state``.

State is a few float64 totals (or count arrays of a fixed size), so evaluating on any number
of rows uses constant memory. ``Mean`` and ``Sum`` reduce given values; ``MeanMetricWrapper``
averages a per-sample function, which is how every loss-style metric is made.
"""
import numpy as np

from .. import losses as _losses
from ..registry import Registry
from ..utils.naming import first_free_name

registry = Registry("metric")


class Metric:
    """Base class of streaming metrics (Keras: ``keras.metrics.Metric``).

    A metric that knows whether larger values are better says so as Keras's do, with a
    ``_direction`` attribute of ``"up"`` or ``"down"`` (EarlyStopping, ModelCheckpoint and
    ReduceLROnPlateau read it with ``mode="auto"``); the counts, ``Mean`` and ``Sum`` have none.

    A subclass written as Keras documents it creates its state in ``__init__`` with
    ``self.add_variable(shape, initializer, ...)`` (or the alias ``add_weight``), changes it in
    ``update_state`` with the variables' ``assign``/``assign_add``/``assign_sub``, and returns a
    value (or a variable) from ``result``; the base ``reset_state`` sets every variable back to
    zeros, as in Keras, so overriding it is optional.

    The built-in metrics keep their state in plain NumPy totals set by their own
    ``reset_state``, which this constructor runs. A user subclass's ``reset_state`` is never
    run by the constructor (Keras does not call it there either); when the subclass extends a
    built-in metric, only the built-in's ``reset_state`` is.
    """

    def __init__(self, name=None, dtype=None):
        from ..utils.naming import to_snake_case
        self.name = name or to_snake_case(type(self).__name__)
        self._variables = []
        builtin_reset = _builtin_reset_state(type(self))
        if builtin_reset is not None:
            builtin_reset(self)

    @property
    def dtype(self):
        """Always ``"float32"``: the dtype metrics compute in."""
        return "float32"

    # The built-in metrics' NumPy state, as Keras names its variables: (variable name, attribute).
    _state = ()

    @property
    def variables(self):
        """The metric's state as Keras lists it: the built-in totals (``total``, ``count``;
        ``true_positives``, ...; float32 snapshots of the current values, as Keras's names and
        shapes), then the variables made by ``add_variable``/``add_weight``, in creation order."""
        from ..variable import Variable
        snapshots = []
        for name, attribute in type(self)._state:
            value = getattr(self, attribute, None)
            if value is not None:
                variable = Variable(np.asarray(value, dtype=np.float32), name, trainable=False)
                variable.path = f"{self.name}/{name}"
                snapshots.append(variable)
        return snapshots + list(self._variables)

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Create a state variable of ``shape`` filled by ``initializer`` (a name such as
        ``"zeros"``, an initializer, or None for zeros), tracked in ``variables`` and reset by
        ``reset_state``. ``dtype`` defaults to float32. ``aggregation`` is accepted for Keras
        compatibility (there is only one device)."""
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() in __init__() before "
                               "add_variable()")
        from .. import initializers
        from ..variable import Variable
        try:
            shape = tuple(int(d) for d in ((shape,) if np.ndim(shape) == 0 and shape != () else shape))
        except TypeError:
            raise ValueError(f"add_variable on metric {self.name!r}: shape must be a tuple of integers, "
                             f"got {shape!r}") from None
        dtype = np.dtype(dtype or self.dtype)
        init = initializers.get("zeros" if initializer is None else initializer)
        if name is None:
            name = first_free_name("variable", (v.name for v in self._variables))
        value = np.asarray(init(shape, "float32")).astype(dtype)
        variable = Variable(value, name, trainable=False, dtype=dtype)
        variable.path = f"{self.name}/{name}"
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Alias of ``add_variable`` kept by Keras for backward compatibility."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    def reset_state(self):
        """Set every variable made by ``add_variable`` back to zeros (Keras's base ``reset_state``;
        called by fit/evaluate at the start of each epoch and evaluation)."""
        for variable in self._variables:
            variable.assign(np.zeros(variable.shape, dtype=variable.value.dtype))

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        """Update with one batch (the arguments of ``update_state``) and return the running
        result (as Keras's stateful call)."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": "float32"}

    @classmethod
    def from_config(cls, config):
        config = {k: v for k, v in config.items() if k != "dtype"}
        return cls(**config)


def _builtin_reset_state(cls):
    """The ``reset_state`` of the nearest built-in (minikeras) class in ``cls``'s MRO that
    defines one, or None when that is the variable-resetting base ``Metric.reset_state``."""
    for klass in cls.__mro__:
        if klass is Metric:
            return None
        if "reset_state" in klass.__dict__ and klass.__module__.split(".")[0] == "minikeras":
            return klass.__dict__["reset_state"]
    return None


def match_rank(weights, ndim):
    """``weights`` with a trailing axis of 1 dropped or axes appended to reach ``ndim``."""
    if weights.ndim > ndim and weights.shape[-1] == 1:
        weights = weights.reshape(weights.shape[:-1])
    while weights.ndim < ndim:
        weights = weights[..., None]
    return weights


def same_rank(y_true, y_pred):
    """float32 labels and predictions brought to the same rank as Keras's
    ``squeeze_or_expand_to_same_rank`` brings them (see ``squeeze_or_expand``)."""
    return squeeze_or_expand(np.asarray(y_true, dtype=np.float32), np.asarray(y_pred, dtype=np.float32))


def squeeze_or_expand(x1, x2):
    """``x1`` and ``x2`` (as arrays, dtypes kept) brought to the same rank when their ranks differ
    by one and the longer one ends in an axis of 1 (Keras's ``squeeze_or_expand_to_same_rank``):
    that axis is dropped, or, when the other one is 1-D, one is added to the other."""
    return _losses.squeeze_or_expand_to_same_rank(np.asarray(x1), np.asarray(x2))


def divide_no_nan(x, y):
    """x / y, and 0 where y is 0 (Keras's ``ops.divide_no_nan``)."""
    y = np.asarray(y, dtype=np.float64)
    return np.divide(x, y, out=np.zeros(np.broadcast(x, y).shape), where=y != 0)


def as_result(value):
    """A float32 scalar for one value, else a float32 array (what ``result()`` returns)."""
    value = np.asarray(value, dtype=np.float32)
    return value[()] if value.ndim == 0 else value


class Mean(Metric):
    """Weighted mean of the values given to ``update_state(values, sample_weight)``."""

    _state = (("total", "total"), ("count", "count"))

    def reset_state(self):
        self.total = np.float64(0)
        self.count = np.float64(0)

    def update_state(self, values, sample_weight=None):
        if isinstance(values, (float, np.floating)) and isinstance(sample_weight, (int, float, type(None))):
            # One value per step (the training loop's loss): plain scalar arithmetic.
            weight = 1 if sample_weight is None else sample_weight
            self.total += float(values) * weight
            self.count += weight
            return
        if sample_weight is None:
            values = np.asarray(values)
            self.total += np.add.reduce(values, axis=None, dtype=np.float64)  # no float64 copy
            self.count += values.size
        else:
            values = np.asarray(values, dtype=np.float64)
            weights = np.broadcast_to(match_rank(np.asarray(sample_weight, dtype=np.float64), values.ndim),
                                      values.shape)
            self.total += np.sum(values * weights)
            self.count += weights.sum()

    def result(self):
        return np.float32(self.total / self.count) if self.count else np.float32(0)


class Sum(Mean):
    """Weighted sum of the values given to ``update_state(values, sample_weight)`` (Keras ``Sum``)."""

    _state = (("total", "total"),)

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name)

    def result(self):
        return np.float32(self.total)


class MeanMetricWrapper(Mean):
    """Mean over samples of a per-sample function ``fn(y_true, y_pred)``.

    ``prepare``, when set (on a subclass, or on an instance), turns the raw labels and
    predictions into what ``fn`` takes, e.g. ``same_rank``.
    """

    prepare = None

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self._fn = fn
        self._fn_kwargs = kwargs
        super().__init__(name=name or getattr(fn, "__name__", None))
        if fn is not None and _losses.is_loss_function(fn):
            self._direction = "down"  # Keras: a wrapped loss is minimized

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self.prepare is not None:
            y_true, y_pred = self.prepare(y_true, y_pred)
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        return {**super().get_config(), **self._fn_kwargs}


def metric_class(class_name, fn, default_name, doc=None, prepare=None, direction=None, **defaults):
    """A ``MeanMetricWrapper`` subclass named ``class_name`` over ``fn``, registered by class name.

    Its constructor is Keras's: ``(name=default_name, dtype=None, **defaults)``; ``prepare``
    turns the raw labels and predictions into what ``fn`` takes; ``direction`` (``"up"`` or
    ``"down"``) is Keras's ``_direction``, read by EarlyStopping and the other monitors.
    """
    def __init__(self, name=None, dtype=None, **kwargs):
        unknown = sorted(set(kwargs) - set(defaults))
        if unknown:
            raise TypeError(f"{class_name}.__init__() got an unexpected keyword argument {unknown[0]!r}; it "
                            f"takes name, dtype{''.join(', ' + k for k in defaults)}")
        MeanMetricWrapper.__init__(self, fn, name=name or default_name, **{**defaults, **kwargs})

    body = {"__init__": __init__, "__module__": "minikeras.metrics",
            "__doc__": f"Keras ``{class_name}``: {doc or fn.__doc__}"}
    if prepare is not None:
        body["prepare"] = staticmethod(prepare)
    if direction is not None:
        body["_direction"] = direction
    cls = type(class_name, (MeanMetricWrapper,), body)
    registry.register(cls, class_name)
    return cls


registry.register(Mean, "Mean", "mean")
registry.register(Sum, "Sum", "sum")
registry.register(MeanMetricWrapper, "MeanMetricWrapper")
