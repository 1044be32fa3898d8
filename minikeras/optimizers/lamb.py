"""Lamb: Adam's step rescaled per variable by the trust ratio ||w|| / ||step|| (You et al. 2019)."""
import numpy as np

from ..utils.checks import number
from .optimizer import Optimizer


class Lamb(Optimizer):
    """Keras ``Lamb``, with slots ``momentum`` and ``velocity``.

    ``m += (g - m)(1 - b1)``, ``v += (g² - v)(1 - b2)``;
    ``step = (m/(1 - b1^t)) / (sqrt(v/(1 - b2^t)) + epsilon)``;
    ``w -= r·lr·step`` with ``r = ||w|| / ||step||`` (1 when either norm is 0). The norms are
    over each whole variable, so the update runs variable by variable.
    """

    slot_names = ("momentum", "velocity")
    per_variable = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = number(beta_1, "Lamb beta_1", minimum=0, maximum=1, upper_open=True)
        self.beta_2 = number(beta_2, "Lamb beta_2", minimum=0, maximum=1, upper_open=True)
        self.epsilon = number(epsilon, "Lamb epsilon", minimum=0)

    def update_step(self, grad, value, slots, lr):
        f32 = np.float32
        m, v = slots
        t = f32(self._iterations + 1)
        b1_power, b2_power = f32(self.beta_1) ** t, f32(self.beta_2) ** t
        m += (grad - m) * f32(1 - self.beta_1)
        v += (np.square(grad) - v) * f32(1 - self.beta_2)
        step = (m / (f32(1) - b1_power)) / (np.sqrt(v / (f32(1) - b2_power)) + f32(self.epsilon))
        w_norm = np.sqrt(np.sum(np.square(value), dtype=np.float32))
        g_norm = np.sqrt(np.sum(np.square(step), dtype=np.float32))
        ratio = w_norm / g_norm if w_norm > 0 and g_norm > 0 else f32(1)
        value -= f32(ratio) * f32(lr) * step

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
