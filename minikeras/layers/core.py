"""Identity and ActivityRegularization: layers that pass their input through unchanged."""
from .. import regularizers
from ..utils import checks
from .layer import Layer


class Identity(Layer):
    """Returns its input (Keras: ``keras.layers.Identity``), a placeholder in a stack of layers."""

    compute_output_shape = Layer.same_shape

    def call(self, x, training=False):
        return x

    def backward(self, grad):
        return grad


class ActivityRegularization(Identity):
    """Passes its input through and adds ``l1 * sum(|x|) + l2 * sum(x**2)``, divided by the batch
    size, to the loss (Keras: ``keras.layers.ActivityRegularization``), with its gradient."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        for argument, value in (("l1", l1), ("l2", l2)):
            checks.number(value, f"ActivityRegularization {argument}", minimum=0)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = float(l1), float(l2)

    def get_config(self):
        config = {**super().get_config(), "l1": self.l1, "l2": self.l2}
        config.pop("activity_regularizer", None)
        return config
