"""InputLayer and Input: declare the shape of a model's input."""
import numpy as np

from ..keras_tensor import KerasTensor, Node
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
        self.input_dtype = _input_dtype(dtype)
        self.input_shape = self.output_shape = batch_shape
        # The input's own tensor: one node with no inputs (Keras: ``InputLayer.output``).
        Node(self, (), {}, KerasTensor(batch_shape, self.input_dtype, name=self.name))

    @property
    def shape(self):
        return self.batch_shape

    def call(self, x, training=False):
        return x

    def backward(self, grad):
        return grad

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.input_dtype, "sparse": False,
                "ragged": False, "name": self.name, "optional": False}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic model input (Keras: ``keras.Input``): a KerasTensor of shape
    ``(batch_size, *shape)``, made by an InputLayer, to call layers on and pass to
    ``keras.Model(inputs, outputs)``; also accepted as the first entry of a Sequential list."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name)
    return layer.output


def _input_dtype(dtype):
    """An Input's dtype name: float32 unless an integer or bool dtype is asked for (inputs of
    Embedding-like layers); other float dtypes are refused (minikeras computes in float32)."""
    if dtype is None:
        return "float32"
    if isinstance(dtype, dict):
        dtype = (dtype.get("config") or {}).get("name", dtype.get("name"))
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise ValueError(f"Input dtype must be a NumPy dtype name such as 'float32' or 'int32', got {dtype!r}") from None
    if name == "float32" or np.dtype(name).kind in "iub":
        return name
    raise ValueError(f"Input dtype must be 'float32' or an integer/bool dtype (minikeras computes in float32), "
                     f"got dtype={dtype!r}")
