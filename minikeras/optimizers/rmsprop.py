"""RMSprop."""
import numpy as np

from ..blas.openblas import axpby
from .optimizer import Optimizer, elementwise


class RMSprop(Optimizer):
    """Keras ``RMSprop``: ``ms = rho·ms + (1 - rho)·g²``; ``w -= lr·g/sqrt(ms + epsilon)``.

    ``centered`` subtracts the square of the running mean gradient from ``ms``;
    ``momentum`` accumulates the increments.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = rho, momentum, epsilon, bool(centered)

    @property
    def slot_names(self):
        names = ("velocity",)
        if self.momentum > 0:
            names += ("momentum",)
        if self.centered:
            names += ("average_gradient",)
        return names

    @property
    def slot_groups(self):
        return tuple((name,) for name in self.slot_names)

    def update_step(self, grad, value, slots, lr):
        f32 = np.float32
        rho, one_minus_rho, eps, lr = f32(self.rho), f32(1 - self.rho), f32(self.epsilon), f32(lr)
        momentum, centered, one = f32(self.momentum), self.centered, f32(1)

        def kernel(g, w, ms, *rest):
            *extra, t1, t2 = rest
            np.square(g, out=t1)                 # ms = rho·ms + (1 - rho)·g²
            axpby(one_minus_rho, t1, rho, ms, t1)
            if centered:                         # denominator ms - mg² (mg: running mean gradient)
                mg = extra[-1]
                axpby(one_minus_rho, g, rho, mg, t1)
                np.square(mg, out=t1)
                np.subtract(ms, t1, out=t1)
                t1 += eps
            else:
                np.add(ms, eps, out=t1)
            np.sqrt(t1, out=t1)                  # increment = lr·g / sqrt(denominator)
            np.multiply(g, lr, out=t2)
            t2 /= t1
            if momentum > 0:
                mom = extra[0]
                axpby(one, t2, momentum, mom, t1)
                w -= mom
            else:
                w -= t2

        elementwise(kernel, grad, value, *slots, scratch=2)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
