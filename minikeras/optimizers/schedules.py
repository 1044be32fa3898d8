"""Learning-rate schedules: ``schedule(step) -> learning rate``.

The optimizer evaluates its schedule at its iteration count before incrementing it, so
the first update uses ``schedule(0)`` (as Keras does).

Every built-in schedule checks its arguments when it is constructed, so that it can only
return finite non-negative learning rates: Keras checks only ``decay_steps > 0`` and lets,
for example, a negative ``decay_rate`` produce NaN (or, in Python, complex) rates in the
middle of training.
"""
import math
import numbers

from ..registry import Registry
from ..utils import checks

_registry = Registry("learning rate schedule")


def _check_number(schedule, argument, value, minimum=None, strict=False, maximum=None):
    """``value`` as checked: a finite real number (not a bool) within the given bounds."""
    name = type(schedule).__name__
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} {argument} must be a finite real number, got {value!r}")
    if minimum is not None and (value <= minimum if strict else value < minimum):
        raise ValueError(f"{name} {argument} must be {'>' if strict else '>='} {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} {argument} must be <= {maximum}, got {value!r}")
    return value


def _check_bool(schedule, argument, value):
    return checks.flag(value, f"{type(schedule).__name__} {argument}")


class LearningRateSchedule:
    """Base class (Keras: ``keras.optimizers.schedules.LearningRateSchedule``)."""

    def __call__(self, step):
        raise NotImplementedError

    def get_config(self):
        raise NotImplementedError

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _register(cls):
    return _registry.register(cls, cls.__name__)


@_register
class ExponentialDecay(LearningRateSchedule):
    """initial * decay_rate ** (step / decay_steps), floored to whole periods when ``staircase``.

    ``initial_learning_rate`` and ``decay_rate`` must be >= 0 (a negative ``decay_rate``
    has no real fractional powers) and ``decay_steps`` > 0.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        _check_number(self, "initial_learning_rate", initial_learning_rate, 0)
        _check_number(self, "decay_steps", decay_steps, 0, strict=True)
        _check_number(self, "decay_rate", decay_rate, 0)
        _check_bool(self, "staircase", staircase)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = step / self.decay_steps
        return self.initial_learning_rate * self.decay_rate ** (math.floor(p) if self.staircase else p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


@_register
class PiecewiseConstantDecay(LearningRateSchedule):
    """values[i] while step <= boundaries[i] (values[-1] after the last boundary).

    ``values`` must be >= 0 and ``boundaries`` strictly increasing (Keras does not check
    the order; unordered boundaries would make the rate depend on which test comes first).
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        for argument, sequence in (("boundaries", boundaries), ("values", values)):
            if isinstance(sequence, (str, bytes)) or not hasattr(sequence, "__len__"):
                raise ValueError(f"PiecewiseConstantDecay {argument} must be a list of numbers, got {sequence!r}")
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"PiecewiseConstantDecay needs len(values) == len(boundaries) + 1, got "
                             f"{len(values)} values and {len(boundaries)} boundaries")
        for index, boundary in enumerate(boundaries):
            _check_number(self, f"boundaries[{index}]", boundary)
            if index and boundary <= boundaries[index - 1]:
                raise ValueError(f"PiecewiseConstantDecay boundaries must be strictly increasing, got "
                                 f"{list(boundaries)!r} (boundaries[{index}] = {boundary!r})")
        for index, value in enumerate(values):
            _check_number(self, f"values[{index}]", value, 0)
        self.boundaries, self.values, self.name = list(boundaries), list(values), name

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@_register
class InverseTimeDecay(LearningRateSchedule):
    """initial / (1 + decay_rate * step / decay_steps).

    ``initial_learning_rate`` and ``decay_rate`` must be >= 0 (a negative ``decay_rate``
    divides by zero, then gives negative rates) and ``decay_steps`` > 0.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        _check_number(self, "initial_learning_rate", initial_learning_rate, 0)
        _check_number(self, "decay_steps", decay_steps, 0, strict=True)
        _check_number(self, "decay_rate", decay_rate, 0)
        _check_bool(self, "staircase", staircase)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.decay_rate, self.staircase, self.name = decay_rate, staircase, name

    def __call__(self, step):
        p = step / self.decay_steps
        return self.initial_learning_rate / (1 + self.decay_rate * (math.floor(p) if self.staircase else p))

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


@_register
class CosineDecay(LearningRateSchedule):
    """Optional linear warmup to ``warmup_target``, then cosine decay to ``alpha`` × the peak.

    ``initial_learning_rate``, ``alpha``, ``warmup_target`` (unless None) and
    ``warmup_steps`` must be >= 0 (a negative ``alpha`` ends in negative rates) and
    ``decay_steps`` > 0.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_number(self, "initial_learning_rate", initial_learning_rate, 0)
        _check_number(self, "decay_steps", decay_steps, 0, strict=True)
        _check_number(self, "alpha", alpha, 0)
        if warmup_target is not None:
            _check_number(self, "warmup_target", warmup_target, 0)
        _check_number(self, "warmup_steps", warmup_steps, 0)
        self.initial_learning_rate, self.decay_steps, self.alpha = initial_learning_rate, decay_steps, alpha
        self.name, self.warmup_target, self.warmup_steps = name, warmup_target, warmup_steps

    def __call__(self, step):
        if self.warmup_target is not None and step < self.warmup_steps:
            fraction = step / self.warmup_steps
            return self.initial_learning_rate + fraction * (self.warmup_target - self.initial_learning_rate)
        peak = self.initial_learning_rate if self.warmup_target is None else self.warmup_target
        step = min(step - (self.warmup_steps if self.warmup_target is not None else 0), self.decay_steps)
        cosine = 0.5 * (1 + math.cos(math.pi * step / self.decay_steps))
        return peak * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


@_register
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): each period decays from its peak to ``alpha`` × it.

    The first period lasts ``first_decay_steps``; each next one ``t_mul`` times longer and
    starting from ``m_mul`` times the previous peak. ``initial_learning_rate``, ``m_mul`` and
    ``alpha`` must be >= 0, ``first_decay_steps`` and ``t_mul`` > 0. With ``t_mul < 1`` the
    periods shrink geometrically and their total length is finite: past it Keras returns NaN,
    and so does this schedule, which the optimizer then refuses with a clear error.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        _check_number(self, "initial_learning_rate", initial_learning_rate, 0)
        _check_number(self, "first_decay_steps", first_decay_steps, 0, strict=True)
        _check_number(self, "t_mul", t_mul, 0, strict=True)
        _check_number(self, "m_mul", m_mul, 0)
        _check_number(self, "alpha", alpha, 0)
        self.initial_learning_rate, self.first_decay_steps = initial_learning_rate, first_decay_steps
        self.t_mul, self.m_mul, self.alpha, self.name = t_mul, m_mul, alpha, name

    def __call__(self, step):
        fraction = step / self.first_decay_steps
        if self.t_mul == 1:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            # Periods 1, t, t², ... end at (t^k - 1)/(t - 1) first periods: solve for k.
            remaining = 1 - fraction * (1 - self.t_mul)
            if remaining <= 0:
                return math.nan
            restart = math.floor(math.log(remaining) / math.log(self.t_mul))
            fraction = (fraction - (1 - self.t_mul ** restart) / (1 - self.t_mul)) / self.t_mul ** restart
        cosine = 0.5 * self.m_mul ** restart * (1 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


@_register
class PolynomialDecay(LearningRateSchedule):
    """(initial - end) * (1 - step / decay_steps) ** power + end; ``cycle`` restarts the decay.

    ``initial_learning_rate``, ``end_learning_rate`` and ``power`` must be >= 0 (a negative
    ``power`` divides by zero at the end of the decay) and ``decay_steps`` > 0.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_number(self, "initial_learning_rate", initial_learning_rate, 0)
        _check_number(self, "decay_steps", decay_steps, 0, strict=True)
        _check_number(self, "end_learning_rate", end_learning_rate, 0)
        _check_number(self, "power", power, 0)
        _check_bool(self, "cycle", cycle)
        self.initial_learning_rate, self.decay_steps = initial_learning_rate, decay_steps
        self.end_learning_rate, self.power, self.cycle, self.name = end_learning_rate, power, cycle, name

    def __call__(self, step):
        decay_steps = self.decay_steps
        if self.cycle:
            decay_steps = decay_steps * max(1, math.ceil(step / decay_steps))
        else:
            step = min(step, decay_steps)
        fraction = 1 - step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * fraction ** self.power + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


def serialize(schedule):
    return _registry.serialize(schedule)


def deserialize(config, custom_objects=None):
    return _registry.get(config, custom_objects)
