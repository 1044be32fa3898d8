"""Symbolic tensors and nodes: what ``keras.Input`` returns and layers called on it record.

A ``KerasTensor`` has a ``shape`` (batch first, ``None`` where unknown), a ``dtype`` and a
``name``, and remembers where it came from: ``(operation, node_index, tensor_index)``, as
Keras's ``_keras_history``. Calling a layer (or a ``keras.ops`` function) on KerasTensors
adds a ``Node`` to that operation: its inputs, the call's arguments with the tensors in
place, and its output tensors. A functional model is the graph of these nodes.
"""
import numpy as np

from .utils.naming import unique_name


class KerasTensor:
    """A symbolic tensor of a functional graph (Keras: ``keras.KerasTensor``)."""

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(shape)
        self.dtype = dtype if isinstance(dtype, str) else np.dtype(dtype).name
        self.name = name
        self._keras_history = history  # (operation, node_index, tensor_index)

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"A symbolic KerasTensor ({self.name}, shape {self.shape}) has no value: it stands "
                        "for the data a model will receive. Build a keras.Model from it and call the model "
                        "on arrays")

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python bool")

    def __hash__(self):
        return id(self)

    def __len__(self):
        raise TypeError(f"A symbolic KerasTensor has no length (its batch size is {self.shape[0]})")

    def __getitem__(self, key):
        return _ops().getitem(self, key)

    def reshape(self, *shape):
        return _ops().reshape(self, shape[0] if len(shape) == 1 else shape)


def _binary(name, reflected=False):
    if reflected:
        return lambda self, other: getattr(_ops(), name)(other, self)
    return lambda self, other: getattr(_ops(), name)(self, other)


for _name, _op in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "divide"),
                   ("matmul", "matmul"), ("pow", "power")):
    setattr(KerasTensor, f"__{_name}__", _binary(_op))
    setattr(KerasTensor, f"__r{_name}__", _binary(_op, reflected=True))
KerasTensor.__neg__ = lambda self: _ops().negative(self)
KerasTensor.__abs__ = lambda self: _ops().abs(self)


def _ops():
    from .tape import _ops as installed  # keras.ops, installed by it when imported
    return installed()


def flatten(structure):
    """The leaves of nested lists, tuples and dicts, as a list; a dict's leaves come in sorted
    key order, as Keras's ``tree.flatten`` gives them (so ``model.outputs`` and the layer order
    of a dict-output model are Keras's)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    return [structure]


def map_structure(fn, structure):
    """``structure`` with each leaf replaced by ``fn(leaf)``."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, item) for item in structure) \
            if not hasattr(structure, "_fields") else type(structure)(*(map_structure(fn, i) for i in structure))
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    return fn(structure)


def is_keras_tensor(x):
    """Whether ``x`` is a symbolic KerasTensor (Keras: ``keras.utils.is_keras_tensor``)."""
    return type(x) is KerasTensor


def any_symbolic(structure):
    return any(type(leaf) is KerasTensor for leaf in flatten(structure))


class Node:
    """One call of an operation on KerasTensors: ``args``/``kwargs`` as passed (tensors in
    place) and the output structure of KerasTensors."""

    def __init__(self, operation, args, kwargs, outputs):
        self.operation = operation
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in flatten((args, kwargs)) if type(t) is KerasTensor]
        self.output_tensors = flatten(outputs)
        nodes = operation._inbound_nodes
        self.index = len(nodes)
        nodes.append(self)
        for i, tensor in enumerate(self.output_tensors):
            tensor._keras_history = (operation, self.index, i)

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs."""
        parents = []
        for tensor in self.input_tensors:
            operation, index, _ = tensor._keras_history
            parents.append(operation._inbound_nodes[index])
        return parents

    def is_input(self):
        return not self.input_tensors


def probe(tensor, batch=2):
    """Zeros standing in for ``tensor`` when tracing shapes (unknown dimensions taken as ``batch``)."""
    return np.zeros([batch if d is None else d for d in tensor.shape], dtype=tensor.dtype)


def symbolic_outputs(outputs, batch_unknown, batch=2):
    """KerasTensors shaped like the arrays ``outputs`` of a probe run."""
    def make(array):
        shape = tuple(np.shape(array))
        if batch_unknown and shape and shape[0] == batch:
            shape = (None,) + shape[1:]
        dtype = np.asarray(array).dtype.name if not isinstance(array, KerasTensor) else array.dtype
        return KerasTensor(shape, dtype)
    return map_structure(make, outputs)


class Operation:
    """A ``keras.ops`` function called on KerasTensors: a graph node that reruns the function."""

    def __init__(self, function, name, kwargs):
        self.function = function
        self.name = unique_name(name)
        self.op_name = name
        self.kwargs = kwargs
        self._inbound_nodes = []
        self.weights = []
        self.trainable_weights = []
        self.non_trainable_weights = []

    def run_node(self, args, kwargs, training=False):
        return self.function(*args, **kwargs)

    def __repr__(self):
        return f"<Operation {self.op_name} name={self.name}>"


def symbolic_op(function, name, args, kwargs):
    """Record ``function(*args, **kwargs)`` on KerasTensors as a node; return its outputs."""
    tensors = [t for t in flatten(args) if type(t) is KerasTensor]
    batch_unknown = any(t.shape and t.shape[0] is None for t in tensors)
    arrays = map_structure(lambda a: probe(a) if type(a) is KerasTensor else a, args)
    with np.errstate(all="ignore"):  # zeros stand in for the data: log(0) here means nothing
        result = function(*arrays, **kwargs)
    outputs = symbolic_outputs(result, batch_unknown)
    operation = Operation(function, name, kwargs)
    for i, tensor in enumerate(flatten(outputs)):
        tensor.name = operation.name if i == 0 else f"{operation.name}_{i}"
    Node(operation, tuple(args), dict(kwargs), outputs)
    return outputs


def get_source_inputs(tensor):
    """The ``keras.Input`` tensors ``tensor`` is computed from, in first-seen order (Keras:
    ``keras.utils.get_source_inputs``); anything that is not a KerasTensor comes back as it is."""
    if type(tensor) is not KerasTensor or tensor._keras_history is None:
        return tensor if type(tensor) is not KerasTensor else [tensor]
    operation, index, _ = tensor._keras_history
    nodes = getattr(operation, "_inbound_nodes", None)
    if not nodes:
        return [tensor]
    node = nodes[index]
    if node.is_input():
        return list(node.output_tensors)
    sources = []
    for parent in node.input_tensors:
        for source in get_source_inputs(parent):
            if all(source is not seen for seen in sources):
                sources.append(source)
    return sources
