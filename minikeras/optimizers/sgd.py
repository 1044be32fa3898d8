"""SGD with optional (Nesterov) momentum."""
import numpy as np

from ..blas.openblas import axpby
from .optimizer import CHEAP_PARALLEL_MIN, Optimizer, elementwise


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
        momentum = np.float32(self.momentum)
        nesterov = self.nesterov
        one = np.float32(1)

        def kernel(g, w, *rest):
            tmp = rest[-1]
            if len(rest) == 1:
                axpby(-lr, g, one, w, tmp)       # w -= lr·g
                return
            m = rest[0]
            axpby(-lr, g, momentum, m, tmp)      # m = momentum·m - lr·g
            if nesterov:                         # w += momentum·m - lr·g
                axpby(momentum, m, one, w, tmp)
                axpby(-lr, g, one, w, tmp)
            else:                                # w += m
                w += m

        elementwise(kernel, grad, value, *slots, parallel_min=CHEAP_PARALLEL_MIN)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
