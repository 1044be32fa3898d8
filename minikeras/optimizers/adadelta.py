"""Adadelta."""
import numpy as np

from .optimizer import Optimizer


class Adadelta(Optimizer):
    """Keras ``Adadelta`` (defaults ``learning_rate=0.001``, ``rho=0.95``).

    ``acc_g = rho·acc_g + (1 - rho)·g²``; ``d = -sqrt(acc_d + eps)/sqrt(acc_g + eps)·g``;
    ``acc_d = rho·acc_d + (1 - rho)·d²``; ``w += lr·d``.
    """

    slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.epsilon = rho, epsilon

    def update_step(self, grad, value, slots, lr):
        acc_grad, acc_delta = slots
        rho, eps = np.float32(self.rho), np.float32(self.epsilon)
        acc_grad *= rho
        acc_grad += (1 - rho) * np.square(grad)
        delta = -np.sqrt(acc_delta + eps) / np.sqrt(acc_grad + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * np.square(delta)
        value += np.float32(lr) * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
