"""Adagrad."""
import numpy as np

from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Keras ``Adagrad``: ``acc += g²``; ``w -= lr·g/sqrt(acc + epsilon)``."""

    slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def initial_slot(self, name, value):
        return np.full_like(value, self.initial_accumulator_value)

    def update_step(self, grad, value, slots, lr):
        (acc,) = slots
        acc += np.square(grad)
        value -= np.float32(lr) * grad / np.sqrt(acc + np.float32(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
