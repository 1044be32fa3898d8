"""SGD with optional (Nesterov) momentum."""
import numpy as np

from .optimizer import Optimizer


class SGD(Optimizer):
    """Keras ``SGD``: ``m = momentum * m - lr * g``; ``w += m`` (Nesterov: ``w += momentum * m - lr * g``)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"SGD momentum must be a float in [0, 1], got {momentum!r}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    @property
    def slot_names(self):
        return ("momentum",) if self.momentum else ()

    def update_step(self, grad, value, slots, lr):
        lr = np.float32(lr)
        if not self.momentum:
            value -= lr * grad
            return
        (m,) = slots
        m *= np.float32(self.momentum)
        m -= lr * grad
        if self.nesterov:
            value += np.float32(self.momentum) * m
            value -= lr * grad
        else:
            value += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
