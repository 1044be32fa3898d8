"""Adam and AdamW."""
import numpy as np

from ..blas.openblas import axpby
from .optimizer import Optimizer, elementwise


def update_moments(g, m, v, c1, c2, tmp):
    """Adam's (and Nadam's) moments, in place: ``m = (1 - c1)·m + c1·g``, ``v = (1 - c2)·v + c2·g²``.

    Keras writes ``m += (g - m)·c1``; the same value up to float32 rounding, in three passes
    over memory instead of seven.
    """
    axpby(c1, g, 1 - c1, m, tmp)
    np.square(g, out=tmp)
    axpby(c2, tmp, 1 - c2, v, tmp)


class Adam(Optimizer):
    """Keras ``Adam``.

    ``m += (g - m)(1 - b1)``, ``v += (g² - v)(1 - b2)``, ``alpha = lr·sqrt(1 - b2^t)/(1 - b1^t)``,
    ``w -= alpha·m/(sqrt(v) + epsilon)`` (epsilon is added after the bias correction is
    folded into the step, as Keras does). With ``amsgrad`` the running maximum of ``v`` is used.
    The moments and the step are scaled additions, done by OpenBLAS's ``saxpby`` in one pass
    each when NumPy's BLAS is OpenBLAS (``openblas.axpby``): Keras's values up to float32 rounding.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        for argument, value in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not isinstance(value, (int, float)) or not 0 <= value < 1:
                raise ValueError(f"{type(self).__name__} {argument} must be a float in [0, 1), got {value!r}")
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, bool(amsgrad)

    @property
    def slot_names(self):
        return ("momentum", "velocity", "velocity_hat") if self.amsgrad else ("momentum", "velocity")

    @property
    def slot_groups(self):
        return (("momentum", "velocity"), ("velocity_hat",)) if self.amsgrad else (("momentum", "velocity"),)

    def update_step(self, grad, value, slots, lr):
        # The bias-correction powers are float32, as in Keras (float32 variables): in double
        # precision, 1 - 0.999 differs from float32's 1 - 0.999 by 1.3e-5 relative.
        t = np.float32(self._iterations + 1)
        one = np.float32(1)
        alpha = np.float32(lr) * np.sqrt(one - np.float32(self.beta_2) ** t) / (one - np.float32(self.beta_1) ** t)
        c1, c2, eps = np.float32(1 - self.beta_1), np.float32(1 - self.beta_2), np.float32(self.epsilon)

        def kernel(g, w, m, v, *rest):
            tmp = rest[-1]
            update_moments(g, m, v, c1, c2, tmp)
            if len(rest) == 2:               # amsgrad: the running maximum of v
                np.maximum(rest[0], v, out=rest[0])
                v = rest[0]
            np.sqrt(v, out=tmp)              # w -= alpha·m/(sqrt(v) + eps)
            tmp += eps
            np.divide(m, tmp, out=tmp)
            axpby(-alpha, tmp, one, w, tmp)

        elementwise(kernel, grad, value, *slots)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Keras ``AdamW``: Adam with decoupled weight decay, ``w -= lr·weight_decay·w`` before each step."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
