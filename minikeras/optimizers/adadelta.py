"""Adadelta."""
import numpy as np

from .optimizer import Optimizer, elementwise


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
        rho, eps, lr = np.float32(self.rho), np.float32(self.epsilon), np.float32(lr)
        one_minus_rho = np.float32(1) - rho

        def kernel(g, w, acc_grad, acc_delta, t1, t2):
            acc_grad *= rho                      # acc_g = rho·acc_g + (1 - rho)·g²
            np.square(g, out=t1)
            t1 *= one_minus_rho
            acc_grad += t1
            np.add(acc_delta, eps, out=t1)       # d = -sqrt(acc_d + eps) / sqrt(acc_g + eps) · g
            np.sqrt(t1, out=t1)
            np.negative(t1, out=t1)
            np.add(acc_grad, eps, out=t2)
            np.sqrt(t2, out=t2)
            t1 /= t2
            t1 *= g
            acc_delta *= rho                     # acc_d = rho·acc_d + (1 - rho)·d²
            np.square(t1, out=t2)
            t2 *= one_minus_rho
            acc_delta += t2
            t1 *= lr                             # w += lr·d
            w += t1

        elementwise(kernel, grad, value, *slots, scratch=2)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
