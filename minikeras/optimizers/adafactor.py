"""Adafactor: second moments factored into row and column statistics (Shazeer & Stern 2018),
as Keras 3 writes it."""
import numpy as np

from ..utils.checks import flag, number
from .optimizer import Optimizer


def _rms(x):
    return np.sqrt(np.mean(np.square(x), dtype=np.float32))


class Adafactor(Optimizer):
    """Keras ``Adafactor``.

    For a variable of rank >= 2 the slots are ``r`` (its shape without the last axis) and
    ``c`` (without the second-to-last), running means of ``g² + epsilon_1`` over the last and
    the second-to-last axis, and ``velocity = r/mean(r) ⊗ c``; a variable of rank < 2 keeps
    ``velocity`` as a running mean of ``g² + epsilon_1`` (its ``r`` and ``c`` are int32 zeros,
    the placeholders Keras creates). With ``t`` the step count, ``beta_2_t = 1 - t^beta_2_decay``,
    ``rho = min(lr, 1/sqrt(t))``, ``alpha = max(epsilon_2, rms(w))·rho``, ``u = g/sqrt(velocity)``
    and ``w -= alpha·u / max(1, rms(u)/clip_threshold)``. (Keras takes ``min(lr, 1/sqrt(t))``
    whatever ``relative_step`` says; so does this.)
    """

    slot_names = ("r", "c", "velocity")
    per_variable = True

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay = number(beta_2_decay, "Adafactor beta_2_decay")
        self.epsilon_1 = number(epsilon_1, "Adafactor epsilon_1", minimum=0)
        self.epsilon_2 = number(epsilon_2, "Adafactor epsilon_2", minimum=0)
        self.clip_threshold = number(clip_threshold, "Adafactor clip_threshold", minimum=0, strict=True)
        self.relative_step = flag(relative_step, "Adafactor relative_step")

    def initial_slot(self, name, value):
        if name == "velocity":
            return np.zeros_like(value)
        if value.ndim < 2:
            return np.zeros((), dtype=np.int32)
        shape = value.shape[:-1] if name == "r" else value.shape[:-2] + value.shape[-1:]
        return np.zeros(shape, dtype=np.float32)

    def update_step(self, grad, value, slots, lr):
        f32 = np.float32
        r, c, v = slots
        t = f32(self._iterations + 1)
        rho = min(f32(lr), f32(1) / np.sqrt(t))
        alpha = max(f32(self.epsilon_2), _rms(value)) * rho
        squared = np.square(grad) + f32(self.epsilon_1)
        beta = f32(1) - t ** f32(self.beta_2_decay)
        if value.ndim >= 2:
            r[...] = beta * r + (f32(1) - beta) * np.mean(squared, axis=-1)
            c[...] = beta * c + (f32(1) - beta) * np.mean(squared, axis=-2)
            v[...] = (r / np.mean(r, axis=-1, keepdims=True))[..., None] * c[..., None, :]
        else:
            v[...] = beta * v + (f32(1) - beta) * squared
        u = grad / np.sqrt(v)
        u /= max(f32(1), _rms(u) / f32(self.clip_threshold))
        value -= alpha * u

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step}
