"""Adamax."""
import numpy as np

from .optimizer import Optimizer


class Adamax(Optimizer):
    """Keras ``Adamax``: ``m += (g - m)(1 - b1)``; ``u = max(b2·u, |g|)``;
    ``w -= lr/(1 - b1^t) · m/(u + epsilon)``."""

    slot_names = ("momentum", "norm")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def update_step(self, grad, value, slots, lr):
        m, u = slots
        t = self.iterations + 1
        m += (grad - m) * np.float32(1 - self.beta_1)
        np.maximum(u * np.float32(self.beta_2), np.abs(grad), out=u)
        correction = np.float32(1) - np.float32(self.beta_1) ** np.float32(t)
        value -= np.float32(lr) * m / (correction * (u + np.float32(self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
