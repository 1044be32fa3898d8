"""Dense: ``activation(x @ kernel + bias)``."""
import numpy as np

from .. import activations, constraints, initializers, regularizers
from ..tape import keeping_state
from ..utils import checks
from .layer import Layer


class Dense(Layer):
    """Densely connected layer (Keras: ``keras.layers.Dense``).

    Defaults as in Keras: ``glorot_uniform`` kernel, ``zeros`` bias. Inputs of rank > 2
    are multiplied along their last axis.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        checks.integer(units, "Dense units", minimum=1)
        activation = activations.get(activation)
        if activation is activations.glu and units % 2:
            raise ValueError(f"Dense units must be even with activation 'glu' (it returns the first "
                             f"half gated by the second), got units={units}")
        self.units = int(units)
        self.activation = activation
        self._activation_backward = None
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel = self.bias = None
        self._cache = None

    def build(self, input_shape):
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f"Dense layer {self.name!r} needs a known last input dimension, "
                             f"got input shape {input_shape}")
        self.kernel = self.add_weight(shape=(in_features, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self.built = True

    def compute_output_shape(self, input_shape):
        """``(..., units)``, or ``(..., units // 2)`` with ``glu`` (Keras reports ``units`` there
        but returns ``units // 2`` columns)."""
        return activations.output_shape(self.activation, tuple(input_shape[:-1]) + (self.units,))

    def call(self, x, training=False):
        kernel = self.kernel.value
        if x.ndim < 2 or x.shape[-1] != kernel.shape[0]:
            raise ValueError(f"Dense layer {self.name!r} expects input with {kernel.shape[0]} features "
                             f"(from build), got shape {x.shape}")
        z = x @ kernel
        if self.use_bias:
            z += self.bias.value
        in_place = activations.in_place(self.activation)
        if in_place is not None:
            # z is this layer's own fresh array: activate it in place, keep only the output.
            y, z = in_place[0](z), None
        else:
            y = self.activation(z)
        if training or keeping_state():
            self._cache = (x, z, y)
        return y

    def backward(self, grad):
        return self.backward_preactivation(self.activation_gradient(grad))

    def activation_gradient(self, grad):
        """dL/d(x @ kernel + bias) from dL/d(output)."""
        _, z, y = self._cache
        if z is None:
            return activations.in_place(self.activation)[1](grad, y)
        if self.activation is not activations.linear:
            if self._activation_backward is None:
                self._activation_backward = activations.backward(self.activation)
            return self._activation_backward(grad, z, y)
        return grad

    def backward_preactivation(self, grad):
        """Backward from the gradient with respect to ``x @ kernel + bias``."""
        x = self._cache[0]
        kernel = self.kernel.value
        x2 = x.reshape(-1, kernel.shape[0])
        g2 = grad.reshape(-1, self.units)
        if self.trainable:
            np.matmul(x2.T, g2, out=self.kernel.grad_buffer())
            if self.use_bias:
                np.add.reduce(g2, axis=0, out=self.bias.grad_buffer())
        if not self.input_grad_needed:
            return None
        return grad @ kernel.T

    @property
    def output_activation(self):
        return self.activation

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint), "quantization_config": None}
