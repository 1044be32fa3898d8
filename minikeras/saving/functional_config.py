"""A functional model's config in Keras 3's layout, and the model rebuilt from one.

::

    {"name", "trainable",
     "layers": [<layer config> + {"name", "inbound_nodes": [{"args": [...], "kwargs": {...}}]}],
     "input_layers": ["inp", 0, 0] | [["a", 0, 0], ...] | {"key": ["a", 0, 0], ...},
     "output_layers": (the same forms)}

A tensor in a node is ``{"class_name": "__keras_tensor__", "config": {"shape", "dtype",
"keras_history": [layer_name, node_index, tensor_index]}}``, the node index counting only
the nodes of this model (Keras's ``serialize_node``). Loading rebuilds every layer from its
config, then calls the layers on rebuilt tensors node by node, as often as needed, until all
nodes are made (Keras's ``functional_from_config``); nothing named in the config is imported.
Keras 2's node form ``[[["name", 0, 0, {kwargs}], ...]]`` is read too.
"""
import contextvars

from ..keras_tensor import KerasTensor, map_structure
from ..layers import builtin_class, serialize as serialize_layer
from ..layers import deserialize as deserialize_layer
from ..layers.dense import Dense

KERAS_TENSOR = "__keras_tensor__"
# While a file's config is rebuilt: how many values its weights hold, so that a model nested
# in it (rebuilt through its class's from_config) is checked against the file too.
PARAMETER_LIMIT = contextvars.ContextVar("minikeras_parameter_limit", default=None)


# -- writing -------------------------------------------------------------------------------
# The call arguments Keras records in a node although nobody passed them (its __call__ fills in
# ``mask`` for a call that takes one and a non-None ``training`` default); models record mask.
_RECORDED_DEFAULTS = {"BatchNormalization": {"mask": None}, "Dropout": {"training": False},
                      "GaussianNoise": {"training": False}, "GaussianDropout": {"training": False}}

def _is_functional(layer):
    return hasattr(layer, "_output_structure") and hasattr(layer, "_nodes")


def layer_entry(layer):
    """``serialize_keras_object(layer)`` as Keras writes it inside a model: a nested model
    also carries its (empty) compile config, a nested Functional Keras's module and name."""
    config = serialize_layer(layer)
    user_class = getattr(type(layer), "_functional_of", None)  # CustomModel(inputs, outputs)
    if user_class is not None:
        # Keras names the user's class: "package>Name" when registered, else its plain name.
        config["module"] = user_class.__module__
        config["registered_name"] = user_class.__dict__.get("_registered_name") or user_class.__name__
    if _is_functional(layer):
        if config.get("registered_name") is None:
            config["module"] = "keras.src.models.functional"
            config["registered_name"] = "Functional"
        config["build_config"] = {"input_shape": None}
    if config.get("module") == "__main__":
        config["module"] = None  # as Keras writes a class defined in a script
    if callable(getattr(layer, "compile", None)):
        config["compile_config"] = layer.get_compile_config()
    return config


def functional_config(model):
    """Keras's ``Functional.get_config()`` for ``model``."""
    own = {id(node) for node in model._nodes}
    for tensor in model._inputs:
        operation, index, _ = tensor._keras_history
        own.add(id(operation._inbound_nodes[index]))

    def kept_index(operation, node_index):
        return sum(id(n) in own for n in operation._inbound_nodes[:node_index])

    def tensor_config(value):
        if type(value) is not KerasTensor:
            if value is None or isinstance(value, (bool, int, float, str)):
                return value
            raise ValueError(f"Cannot save model {model.name!r}: a layer call has the argument {value!r} "
                             f"({type(value).__name__}); only tensors, numbers, strings and None can be saved")
        operation, node_index, tensor_index = value._keras_history
        return {"class_name": KERAS_TENSOR,
                "config": {"shape": list(value.shape), "dtype": value.dtype,
                           "keras_history": [operation.name, kept_index(operation, node_index), tensor_index]}}

    def plain(structure):
        # Keras writes tuples as JSON lists.
        if isinstance(structure, (list, tuple)):
            return [plain(item) for item in structure]
        if isinstance(structure, dict):
            return {key: plain(value) for key, value in structure.items()}
        return structure

    layers = []
    for operation in model._operations:
        if not hasattr(operation, "get_config"):
            raise ValueError(f"Cannot save model {model.name!r}: it calls the keras.ops function "
                             f"{operation.op_name!r} on a KerasTensor directly ({operation.name}); wrap it "
                             "in a Layer (e.g. a registered custom layer) to make the model saveable")
        nodes = []
        for node in operation._inbound_nodes:
            if id(node) not in own or not node.input_tensors:
                continue
            kwargs = {**_RECORDED_DEFAULTS.get(type(operation).__name__, {}), **node.kwargs}
            if callable(getattr(operation, "compile", None)):
                kwargs.setdefault("mask", None)
            nodes.append({"args": plain(map_structure(tensor_config, list(node.args))),
                          "kwargs": plain(map_structure(tensor_config, kwargs))})
        entry = layer_entry(operation)
        entry["name"] = operation.name
        entry["inbound_nodes"] = nodes
        layers.append(entry)

    def end_config(tensor):
        operation, node_index, tensor_index = tensor._keras_history
        # Keras counts a nested Functional's own (input to output) node first here.
        shift = 1 if _is_functional(operation) else 0
        return [operation.name, kept_index(operation, node_index) + shift, tensor_index]

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": plain(map_structure(end_config, model._input_structure)),
            "output_layers": plain(map_structure(end_config, model._output_structure))}


# -- reading -------------------------------------------------------------------------------
class _NotReady(Exception):
    """A node's input tensor is made by a node not rebuilt yet."""


def _history_tensor(created, history, where):
    if not isinstance(history, (list, tuple)) or len(history) < 3 or not isinstance(history[0], str):
        raise ValueError(f"{where}: a keras_history must be [layer_name, node_index, tensor_index], got {history!r}")
    name, node_index, tensor_index = history[:3]
    if name not in created:
        raise ValueError(f"{where}: a node refers to the layer {name!r}, which the config does not have "
                         f"(layers: {list(created)})")
    if isinstance(node_index, bool) or not isinstance(node_index, int) or node_index < 0 or \
            isinstance(tensor_index, bool) or not isinstance(tensor_index, int) or tensor_index < 0:
        raise ValueError(f"{where}: invalid keras_history {history!r}")
    nodes = created[name]._inbound_nodes
    if node_index >= len(nodes):
        raise _NotReady(name)
    tensors = nodes[node_index].output_tensors
    if tensor_index >= len(tensors):
        raise ValueError(f"{where}: layer {name!r} node {node_index} has {len(tensors)} output(s), the config "
                         f"asks for output {tensor_index}")
    return tensors[tensor_index]


def _node_call(node_data, created, where):
    """``(args, kwargs)`` for one layer call described by ``node_data``."""
    if isinstance(node_data, list):  # Keras 2: [["name", node, tensor, {kwargs}], ...]
        tensors, kwargs = [], {}
        for item in node_data:
            if not isinstance(item, list) or len(item) not in (3, 4):
                raise ValueError(f"{where}: invalid inbound node {node_data!r}")
            tensors.append(_history_tensor(created, item, where))
            if len(item) == 4 and isinstance(item[3], dict):
                kwargs = item[3]
        return [tensors[0] if len(tensors) == 1 else tensors], dict(kwargs)
    if not isinstance(node_data, dict):
        raise ValueError(f"{where}: an inbound node must be a dict with 'args' and 'kwargs', got {node_data!r}")

    def revive(value):
        if isinstance(value, dict):
            if value.get("class_name") == KERAS_TENSOR:
                return _history_tensor(created, (value.get("config") or {}).get("keras_history"), where)
            return {key: revive(item) for key, item in value.items()}
        if isinstance(value, list):
            return [revive(item) for item in value]
        return value
    args = revive(node_data.get("args", []))
    kwargs = revive(node_data.get("kwargs") or {})
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        raise ValueError(f"{where}: invalid inbound node {node_data!r}")
    if kwargs.get("mask", 0) is None:
        kwargs.pop("mask")  # minikeras has no masks; Keras records mask=None
    # A recorded training flag is overridden by the model's own call (fit, predict) in Keras.
    kwargs.pop("training", None)
    return args, kwargs


def _check_size(layer, args, where, budget):
    """Refuse, before its weights are allocated, a Dense asking for more values than the file holds."""
    if isinstance(layer, Dense) and not layer.built and args and type(args[0]) is KerasTensor:
        width = args[0].shape[-1] if args[0].shape else None
        if width is not None:
            budget[0] -= width * layer.units + layer.units * layer.use_bias
            if budget[0] < 0:
                raise ValueError(f"{where}: layer {layer.name!r} asks for {width * layer.units:,} parameters, "
                                 "more than the file holds: the architecture does not match the weights")


def functional_from_config(config, custom_objects=None, cls=None, where="config", limit=None):
    """A functional model (of class ``cls``) from ``Functional.get_config()``'s dict."""
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError(f"{where}: a Functional config must be a dict with a 'layers' list")
    for key in ("input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"{where}: the Functional config has no {key!r}")
    created, queues, order = {}, {}, []
    for index, data in enumerate(config["layers"]):
        if not isinstance(data, dict):
            raise ValueError(f"{where}: layer {index} of the config is {type(data).__name__}, not a dict")
        layer = deserialize_layer(data, custom_objects)
        name = data.get("name", layer.name)
        if name in created:
            raise ValueError(f"{where}: two layers of the config are named {name!r}")
        created[name] = layer
        inbound = data.get("inbound_nodes") or []
        if not isinstance(inbound, list):
            raise ValueError(f"{where}: inbound_nodes of layer {name!r} must be a list")
        queues[name] = list(inbound)
        order.append(name)
    limit = PARAMETER_LIMIT.get() if limit is None else limit
    budget = [float("inf") if limit is None else limit]
    while any(queues.values()):
        progress = False
        for name in order:
            queue, layer = queues[name], created[name]
            while queue:
                try:
                    args, kwargs = _node_call(queue[0], created, f"{where} layer {name!r}")
                except _NotReady:
                    break
                _check_size(layer, args, where, budget)
                layer(*args, **kwargs)
                queue.pop(0)
                progress = True
        if not progress:
            waiting = {name: len(queue) for name, queue in queues.items() if queue}
            raise ValueError(f"{where}: invalid Functional model configuration: the graph either has loops or "
                             f"disconnected nodes; these layers' nodes could not be resolved: {waiting}")

    def end_tensor(spec):
        if isinstance(spec, (list, tuple)) and len(spec) == 3 and isinstance(spec[0], str):
            name, node_index, tensor_index = spec
            if name in created and _is_functional(created[name]) and isinstance(node_index, int):
                node_index -= 1  # Keras counts a nested Functional's own node first
            return _history_tensor(created, [name, node_index, tensor_index], where)
        if isinstance(spec, dict):
            return {key: end_tensor(value) for key, value in spec.items()}
        if isinstance(spec, (list, tuple)):
            return [end_tensor(value) for value in spec]
        raise ValueError(f"{where}: invalid input_layers/output_layers entry {spec!r}")

    def ends(key):
        try:
            return end_tensor(config[key])
        except _NotReady as missing:
            raise ValueError(f"{where}: {key} names a node of layer {missing} that the config never makes") from None
    inputs, outputs = ends("input_layers"), ends("output_layers")
    name = config.get("name")
    cls = cls or builtin_class("Functional")
    return cls(inputs, outputs, name=name if isinstance(name, str) and name else None,
               trainable=bool(config.get("trainable", True)))
