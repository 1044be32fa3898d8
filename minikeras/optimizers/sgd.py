"""SGD with optional (Nesterov) momentum."""
import numpy as np

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

        def kernel(g, w, *rest):
            tmp = rest[-1]
            np.multiply(g, lr, out=tmp)          # lr·g
            if len(rest) == 1:
                w -= tmp
                return
            m = rest[0]
            m *= momentum                        # m = momentum·m - lr·g
            m -= tmp
            if not nesterov:                     # w += m
                w += m
                return
            np.multiply(m, momentum, out=tmp)    # w += momentum·m - lr·g
            w += tmp
            np.multiply(g, lr, out=tmp)
            w -= tmp

        elementwise(kernel, grad, value, *slots, parallel_min=CHEAP_PARALLEL_MIN)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
