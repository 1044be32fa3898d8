"""Nadam: Adam with Nesterov momentum."""
import numpy as np

from .optimizer import Optimizer


class Nadam(Optimizer):
    """Keras ``Nadam``, with its momentum schedule ``u_t = b1·(1 - 0.5·0.96^t)``.

    Keras 3 uses ``0.96^t``; Keras 2 / tf.keras used ``0.96^(0.004·t)``.
    """

    slot_names = ("momentum", "velocity")
    extra_state = ("u_product",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.u_product = 1.0
        self._u_product_step = 0

    def apply(self, grads, variables):
        # The momentum-schedule product advances once per step, shared by all variables. The
        # scalars are float32, as Keras keeps them (a float32 variable for the product).
        f32 = np.float32
        t = f32(self.iterations + 1)
        self._u_t = f32(self.beta_1) * (f32(1) - f32(0.5) * f32(0.96) ** t)
        self._u_t_1 = f32(self.beta_1) * (f32(1) - f32(0.5) * f32(0.96) ** (t + f32(1)))
        self._u_product_t = f32(self.u_product) * f32(self.beta_1) * (f32(1) - f32(0.5) * f32(0.96) ** t)
        super().apply(grads, variables)
        self.u_product = float(self._u_product_t)

    def update_step(self, grad, value, slots, lr):
        f32 = np.float32
        m, v = slots
        t = f32(self.iterations + 1)
        u_product_t_1 = self._u_product_t * self._u_t_1
        # Keras's Nadam casts the betas to float32 before 1 - beta (its Adam does not).
        m += (grad - m) * (f32(1) - f32(self.beta_1))
        v += (np.square(grad) - v) * (f32(1) - f32(self.beta_2))
        m_hat = self._u_t_1 * m / (f32(1) - u_product_t_1) + (f32(1) - self._u_t) * grad / (f32(1) - self._u_product_t)
        v_hat = v / (f32(1) - f32(self.beta_2) ** t)
        value -= m_hat * f32(lr) / (np.sqrt(v_hat) + f32(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
