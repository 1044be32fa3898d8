"""Lion: the sign of an interpolated momentum (Chen et al. 2023), as Keras 3 writes it."""
import numpy as np

from ..utils.checks import number
from .optimizer import Optimizer, elementwise


class Lion(Optimizer):
    """Keras ``Lion``: ``w -= lr·sign(b1·m + (1 - b1)·g)``, then ``m = b2·m + (1 - b2)·g``
    (slot ``momentum``). ``beta_1`` must be in (0, 1] (at 0 it would be SignSGD)."""

    slot_names = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = number(beta_1, "Lion beta_1", minimum=0, maximum=1, strict=True)
        self.beta_2 = number(beta_2, "Lion beta_2", minimum=0, maximum=1)

    def update_step(self, grad, value, slots, lr):
        f32 = np.float32
        b1, b2, lr = f32(self.beta_1), f32(self.beta_2), f32(lr)
        c1, c2 = f32(1) - b1, f32(1) - b2

        def kernel(g, w, m, t1, t2):
            np.multiply(m, b1, out=t1)
            np.multiply(g, c1, out=t2)
            t1 += t2
            np.sign(t1, out=t1)
            t1 *= lr
            w -= t1
            m *= b2
            np.multiply(g, c2, out=t2)
            m += t2

        elementwise(kernel, grad, value, *slots, scratch=2)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
