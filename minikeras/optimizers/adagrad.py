"""Adagrad."""
import numpy as np

from .optimizer import Optimizer, elementwise


class Adagrad(Optimizer):
    """Keras ``Adagrad``: ``acc += g²``; ``w -= lr·g/sqrt(acc + epsilon)``."""

    slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def initial_slot(self, name, value):
        return np.full_like(value, self.initial_accumulator_value)

    def update_step(self, grad, value, slots, lr):
        lr, eps = np.float32(lr), np.float32(self.epsilon)

        def kernel(g, w, acc, t1, t2):
            np.square(g, out=t1)                 # acc += g²
            acc += t1
            np.add(acc, eps, out=t1)             # w -= lr·g / sqrt(acc + eps)
            np.sqrt(t1, out=t1)
            np.multiply(g, lr, out=t2)
            t2 /= t1
            w -= t2

        elementwise(kernel, grad, value, *slots, scratch=2)

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
