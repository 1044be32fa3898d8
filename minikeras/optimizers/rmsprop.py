"""RMSprop."""
import numpy as np

from .optimizer import Optimizer


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
        rho = np.float32(self.rho)
        ms = slots[0]
        ms *= rho
        ms += np.float32(1 - self.rho) * np.square(grad)
        denominator = ms
        if self.centered:
            mg = slots[-1]
            mg *= rho
            mg += np.float32(1 - self.rho) * grad
            denominator = ms - np.square(mg)
        increment = np.float32(lr) * grad / np.sqrt(denominator + np.float32(self.epsilon))
        if self.momentum > 0:
            mom = slots[1]
            mom *= np.float32(self.momentum)
            mom += increment
            value -= mom
        else:
            value -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
