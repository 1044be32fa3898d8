"""Ftrl: follow the regularized leader (McMahan et al. 2013), as Keras 3 writes it."""
import numpy as np

from ..utils.checks import number
from .optimizer import Optimizer, elementwise


class Ftrl(Optimizer):
    """Keras ``Ftrl``, with its slots ``accumulator`` (starting at ``initial_accumulator_value``)
    and ``linear``.

    ``n' = n + g²``; ``z += g + 2·l2_shrinkage·w - (n'^-p - n^-p)/lr·w``;
    ``w = (clip(z, -l1, l1) - z) / (n'^-p/lr + 2·(l2 + beta/(2·lr)))``; ``n = n'`` (``p`` is
    ``learning_rate_power``). Each value is computed in float32, as Keras does.
    """

    slot_names = ("accumulator", "linear")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.learning_rate_power = number(learning_rate_power, "Ftrl learning_rate_power", maximum=0)
        self.initial_accumulator_value = number(initial_accumulator_value, "Ftrl initial_accumulator_value",
                                                minimum=0)
        self.l1_regularization_strength = number(l1_regularization_strength, "Ftrl l1_regularization_strength",
                                                 minimum=0)
        self.l2_regularization_strength = number(l2_regularization_strength, "Ftrl l2_regularization_strength",
                                                 minimum=0)
        self.l2_shrinkage_regularization_strength = number(
            l2_shrinkage_regularization_strength, "Ftrl l2_shrinkage_regularization_strength", minimum=0)
        self.beta = number(beta, "Ftrl beta")

    def initial_slot(self, name, value):
        if name == "accumulator":
            return np.full_like(value, self.initial_accumulator_value)
        return np.zeros_like(value)

    def update_step(self, grad, value, slots, lr):
        f32 = np.float32
        lr = f32(lr)
        power = f32(-self.learning_rate_power)
        l1 = f32(self.l1_regularization_strength)
        l2 = f32(self.l2_regularization_strength) + f32(self.beta) / (f32(2) * lr)
        shrinkage = f32(2 * self.l2_shrinkage_regularization_strength)

        def kernel(g, w, n, z, t1, t2, t3):
            np.multiply(w, shrinkage, out=t1)        # t1 = g + 2·l2_shrinkage·w
            t1 += g
            np.square(g, out=t2)                     # t2 = n' = n + g²
            t2 += n
            np.power(t2, power, out=t3)              # t3 = n'^-p
            np.power(n, power, out=n)                # z += t1 - (n'^-p - n^-p)/lr·w (n is free now)
            np.subtract(t3, n, out=n)
            n /= lr
            n *= w
            t1 -= n
            z += t1
            t3 /= lr                                 # quadratic = n'^-p/lr + 2·l2
            t3 += f32(2) * l2
            np.clip(z, -l1, l1, out=w)               # w = (clip(z, -l1, l1) - z)/quadratic
            w -= z
            w /= t3
            np.copyto(n, t2)                         # n = n'

        elementwise(kernel, grad, value, *slots, scratch=3)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}
