"""Adamax."""
import numpy as np

from ..blas.openblas import axpby
from .optimizer import Optimizer, elementwise


class Adamax(Optimizer):
    """Keras ``Adamax``: ``m += (g - m)(1 - b1)``; ``u = max(b2·u, |g|)``;
    ``w -= lr/(1 - b1^t) · m/(u + epsilon)``."""

    slot_names = ("momentum", "norm")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def update_step(self, grad, value, slots, lr):
        f32 = np.float32
        c1, b2, eps, lr = f32(1 - self.beta_1), f32(self.beta_2), f32(self.epsilon), f32(lr)
        correction = f32(1) - f32(self.beta_1) ** f32(self._iterations + 1)

        def kernel(g, w, m, u, t1, t2):
            axpby(c1, g, 1 - c1, m, t1)          # m += (g - m)(1 - b1), as m = b1·m + (1 - b1)·g
            u *= b2                              # u = max(b2·u, |g|)
            np.abs(g, out=t1)
            np.maximum(u, t1, out=u)
            np.add(u, eps, out=t1)               # w -= lr·m / ((1 - b1^t)(u + eps))
            t1 *= correction
            np.multiply(m, lr, out=t2)
            t2 /= t1
            w -= t2

        elementwise(kernel, grad, value, *slots, scratch=2)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
