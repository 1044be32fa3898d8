"""LossScaleOptimizer: Keras's dynamic loss scaling wrapper, which on float32 passes through."""
import numpy as np

from ..utils.checks import integer, number
from .optimizer import Optimizer

# Base-optimizer arguments Keras's configs of older versions carried; only these defaults are accepted.
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                  "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                  "loss_scale_factor": None, "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Keras ``LossScaleOptimizer(inner_optimizer, initial_scale=2**15, dynamic_growth_steps=2000)``.

    Keras multiplies the loss by ``dynamic_scale`` and divides the gradients by it again, which
    protects float16 gradients from underflow. minikeras computes in float32, where that scaling
    by a power of two changes no number, so the gradients go to the inner optimizer as they are.
    The bookkeeping is Keras's: a step with a non-finite gradient is skipped and halves the
    scale; after ``dynamic_growth_steps`` finite steps the scale doubles. ``learning_rate`` and
    ``iterations`` are the inner optimizer's; ``variables`` are this wrapper's ``iteration``,
    ``learning_rate`` (0), ``step_counter`` and ``dynamic_scale``, then the inner optimizer's,
    as Keras lists them (and files store them).
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000, name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                             "`loss_scale_factor` directly on the `inner_optimizer`.")
        for key in list(kwargs):
            if key in _BASE_DEFAULTS and kwargs[key] == _BASE_DEFAULTS[key]:
                kwargs.pop(key)
            elif key in _BASE_DEFAULTS:
                raise ValueError(f"LossScaleOptimizer does not support `{key}`. Instead, set `{key}` on the "
                                 "`inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError(f"LossScaleOptimizer inner_optimizer must be an Optimizer, got {inner_optimizer!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = number(initial_scale, "LossScaleOptimizer initial_scale", minimum=0, strict=True)
        self.dynamic_growth_steps = integer(dynamic_growth_steps, "LossScaleOptimizer dynamic_growth_steps",
                                            minimum=1)
        self.step_counter = 0
        self.dynamic_scale = float(initial_scale)

    # -- what the inner optimizer owns ------------------------------------------------------
    @property
    def learning_rate(self):
        """The inner optimizer's learning rate."""
        inner = self.__dict__.get("inner_optimizer")
        return Optimizer.learning_rate.fget(self) if inner is None else inner.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        inner = self.__dict__.get("inner_optimizer")
        if inner is None:  # (the wrapper's own rate, 0, set by the base constructor)
            Optimizer.learning_rate.fset(self, value)
        else:
            inner.learning_rate = value

    @property
    def iterations(self):
        """The inner optimizer's iteration count (Keras's wrapper keeps its own at 0)."""
        inner = self.__dict__.get("inner_optimizer")
        return Optimizer.iterations.fget(self) if inner is None else inner.iterations

    @iterations.setter
    def iterations(self, value):
        inner = self.__dict__.get("inner_optimizer")
        if inner is None:
            Optimizer.iterations.fset(self, value)
        else:
            inner.iterations = value

    @property
    def learning_rate_schedule(self):
        return self.inner_optimizer.learning_rate_schedule

    def _computed_learning_rate(self):
        return self.inner_optimizer._computed_learning_rate()

    def build(self, variables):
        self.inner_optimizer.build(variables)
        self.built = True

    @property
    def tracked_variables(self):
        return self.inner_optimizer.tracked_variables

    def count_variables(self):
        return 4 + self.inner_optimizer.count_variables()

    @property
    def variables(self):
        from ..variable import Variable
        own = [Variable(np.array(self._iterations, dtype=np.int64), "iteration", trainable=False, dtype=np.int64),
               self._learning_rate,
               Variable(np.array(self.step_counter, dtype=np.int32), "step_counter", trainable=False,
                        dtype=np.int32),
               Variable(np.float32(self.dynamic_scale), "dynamic_scale", trainable=False)]
        return own + self.inner_optimizer.variables

    # -- the step ----------------------------------------------------------------------------
    def apply(self, grads, variables):
        """Apply ``grads`` with the inner optimizer when they are all finite; otherwise skip the
        step and halve the scale (Keras's dynamic loss scaling)."""
        grads, variables = list(grads), list(variables)
        if all(g is None or np.all(np.isfinite(g)) for g in grads):
            self.inner_optimizer.apply(grads, variables)
            if self.step_counter == self.dynamic_growth_steps - 1:
                self.step_counter, self.dynamic_scale = 0, self.dynamic_scale * 2
            else:
                self.step_counter += 1
        else:
            self.step_counter, self.dynamic_scale = 0, self.dynamic_scale * 0.5
        self.built = True

    def scale_loss(self, loss):
        """``loss`` times the current scale (Keras: what the training step differentiates)."""
        return np.multiply(loss, np.float32(self.dynamic_scale))

    # -- files -------------------------------------------------------------------------------
    def own_state(self):
        """The wrapper's four variables as files store them, before the inner optimizer's."""
        return [np.array(self._iterations, dtype=np.int32), np.array(self._learning_rate.value, np.float32),
                np.array(self.step_counter, dtype=np.int32), np.array(self.dynamic_scale, dtype=np.float32)]

    def set_own_state(self, arrays):
        iteration, _, counter, scale = (np.asarray(a) for a in arrays)
        self._iterations, self.step_counter, self.dynamic_scale = int(iteration), int(counter), float(scale)

    # The optimizers' registry, set by the package once every optimizer is registered.
    _registry = None

    def get_config(self):
        return {"name": self.name, "inner_optimizer": self._registry.serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = cls._registry.get(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)
