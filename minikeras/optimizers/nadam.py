"""Nadam: Adam with Nesterov momentum."""
import numpy as np

from .adam import update_moments
from .optimizer import Optimizer, elementwise


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
        t = f32(self._iterations + 1)
        self._u_t = f32(self.beta_1) * (f32(1) - f32(0.5) * f32(0.96) ** t)
        self._u_t_1 = f32(self.beta_1) * (f32(1) - f32(0.5) * f32(0.96) ** (t + f32(1)))
        self._u_product_t = f32(self.u_product) * f32(self.beta_1) * (f32(1) - f32(0.5) * f32(0.96) ** t)
        super().apply(grads, variables)
        self.u_product = float(self._u_product_t)

    def update_step(self, grad, value, slots, lr):
        f32 = np.float32
        t = f32(self._iterations + 1)
        u_t, u_t_1, u_product_t = self._u_t, self._u_t_1, self._u_product_t
        u_product_t_1 = u_product_t * u_t_1
        # Keras's Nadam casts the betas to float32 before 1 - beta (its Adam does not).
        c1, c2 = f32(1) - f32(self.beta_1), f32(1) - f32(self.beta_2)
        m_scale, m_denominator = u_t_1, f32(1) - u_product_t_1
        g_scale, g_denominator = f32(1) - u_t, f32(1) - u_product_t
        v_denominator, eps, lr = f32(1) - f32(self.beta_2) ** t, f32(self.epsilon), f32(lr)

        def kernel(g, w, m, v, t1, t2):
            update_moments(g, m, v, c1, c2, t1)
            np.multiply(m, m_scale, out=t1)      # m_hat = u_{t+1}·m/(1 - Πu_{t+1}) + (1 - u_t)·g/(1 - Πu_t)
            t1 /= m_denominator
            np.multiply(g, g_scale, out=t2)
            t2 /= g_denominator
            t1 += t2
            t1 *= lr                             # w -= m_hat·lr / (sqrt(v/(1 - b2^t)) + eps)
            np.divide(v, v_denominator, out=t2)
            np.sqrt(t2, out=t2)
            t2 += eps
            t1 /= t2
            w -= t1

        elementwise(kernel, grad, value, *slots, scratch=2)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
