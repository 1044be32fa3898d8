"""Activation and Softmax layers: an activation function as a layer."""
from .. import activations
from ..tape import keeping_state
from .layer import Layer


class Activation(Layer):
    """Applies an activation function (Keras: ``keras.layers.Activation``)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self._cache = None

    def compute_output_shape(self, input_shape):
        return activations.output_shape(self.activation, input_shape)

    def call(self, x, training=False):
        y = self.activation(x)
        if training or keeping_state():
            self._cache = (x, y)
        return y

    def backward(self, grad):
        x, y = self._cache
        return activations.backward(self.activation)(grad, x, y)

    activation_gradient = backward

    def backward_preactivation(self, grad):
        return grad

    @property
    def output_activation(self):
        return self.activation

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Softmax(Layer):
    """Softmax along ``axis`` (Keras: ``keras.layers.Softmax``)."""

    compute_output_shape = Layer.same_shape

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self._cache = None

    def call(self, x, training=False):
        y = activations.softmax(x, axis=self.axis)
        if training or keeping_state():
            self._cache = y
        return y

    def backward(self, grad):
        return activations._softmax_backward(grad, None, self._cache, axis=self.axis)

    activation_gradient = backward

    def backward_preactivation(self, grad):
        return grad

    @property
    def output_activation(self):
        return activations.softmax if self.axis in (-1,) else None

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
