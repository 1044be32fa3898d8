"""InputLayer and Input: declare the shape of a model's input."""
from .layer import Layer, _shape_tuple, drop_keras_only_fields


class InputLayer(Layer):
    """Declares the per-sample input shape of a Sequential model (Keras: ``keras.layers.InputLayer``)."""

    compute_output_shape = Layer.same_shape

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        kwargs = drop_keras_only_fields("InputLayer", kwargs)
        legacy = kwargs.pop("input_shape", None)
        legacy_batch = kwargs.pop("batch_input_shape", None)
        super().__init__(name=name, **kwargs)
        shape = shape if shape is not None else legacy
        batch_shape = batch_shape if batch_shape is not None else legacy_batch
        if shape is not None and batch_shape is not None:
            raise ValueError("InputLayer takes either shape or batch_shape, not both: "
                             f"got shape={shape!r}, batch_shape={batch_shape!r}")
        if shape is not None:
            batch_shape = (batch_size,) + _shape_tuple(shape, "shape")
        elif batch_shape is not None:
            batch_shape = _shape_tuple(batch_shape, "batch_shape")
        else:
            raise ValueError("InputLayer needs shape= (per-sample shape) or batch_shape=, got neither")
        self.batch_shape = batch_shape
        self._batch_input_shape = batch_shape
        self.built = True

    @property
    def shape(self):
        return self.batch_shape

    def call(self, x, training=False):
        return x

    def backward(self, grad):
        return grad

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": "float32", "sparse": False,
                "ragged": False, "name": self.name, "optional": False}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """Declare a model input (Keras: ``keras.Input``).

    minikeras has no symbolic tensors: this returns an ``InputLayer``, which works as the
    first entry of a ``Sequential`` list, the way ``keras.Input`` is used there.
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                      batch_shape=batch_shape, name=name)
