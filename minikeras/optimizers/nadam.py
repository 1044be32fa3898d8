"""Nadam: Adam with Nesterov momentum."""
import numpy as np

from .optimizer import Optimizer


class Nadam(Optimizer):
    """Keras ``Nadam``, with its momentum schedule ``u_t = b1·(1 - 0.5·0.96^(0.004·t))``."""

    slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.u_product = 1.0
        self._u_product_step = 0

    def apply(self, grads, variables):
        # The momentum-schedule product advances once per step, shared by all variables.
        t = self.iterations + 1
        self._u_t = self.beta_1 * (1 - 0.5 * 0.96 ** (0.004 * t))
        self._u_t_1 = self.beta_1 * (1 - 0.5 * 0.96 ** (0.004 * (t + 1)))
        self._u_product_t = self.u_product * self._u_t
        super().apply(grads, variables)
        self.u_product = self._u_product_t

    def update_step(self, grad, value, slots, lr):
        m, v = slots
        t = self.iterations + 1
        u_product_t_1 = self._u_product_t * self._u_t_1
        m += (grad - m) * np.float32(1 - self.beta_1)
        v += (np.square(grad) - v) * np.float32(1 - self.beta_2)
        m_hat = np.float32(self._u_t_1 / (1 - u_product_t_1)) * m + \
            np.float32((1 - self._u_t) / (1 - self._u_product_t)) * grad
        v_hat = v / np.float32(1 - self.beta_2 ** t)
        value -= np.float32(lr) * m_hat / (np.sqrt(v_hat) + np.float32(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
