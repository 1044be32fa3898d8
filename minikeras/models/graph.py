"""The graph of a functional model: which nodes run, in which order, and its layers' order.

Walks back from the outputs through each tensor's ``(operation, node_index)`` history, as
Keras 3's ``map_graph`` does: nodes get a depth (0 at the outputs, growing towards the
inputs), run in decreasing depth, and the operations are listed by decreasing depth,
ties broken by the order the walk first met them. A tensor that cannot be computed from
the inputs is "Graph disconnected"; a name used twice is refused.
"""
from ..keras_tensor import KerasTensor


def map_graph(inputs, outputs):
    """``(nodes in run order, operations in Keras's order)`` for the given flat tensor lists."""
    input_ids = {id(t) for t in inputs}
    finished, in_progress, ordered, first_seen = set(), set(), [], {}

    def visit(tensor):
        operation, node_index, _ = tensor._keras_history
        node = operation._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if not node.is_input() and id(tensor) in input_ids:
            finished.add(id(node))  # a declared input made by an inner layer: the walk stops here
            return
        if id(node) in in_progress:
            raise ValueError(f"Tensor {tensor.name} from layer {operation.name!r} is part of a cycle")
        first_seen.setdefault(id(operation), (len(first_seen), operation))
        in_progress.add(id(node))
        if not node.is_input():
            for parent in node.input_tensors:
                visit(parent)
        finished.add(id(node))
        in_progress.discard(id(node))
        ordered.append(node)

    for tensor in outputs:
        visit(tensor)

    in_graph = {id(node) for node in ordered}
    node_depth, operation_depth = {}, {}
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(id(node), 0), operation_depth.get(id(node.operation), 0))
        operation_depth[id(node.operation)] = depth
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    operations = {id(node.operation): node.operation for node in ordered}
    for tensor in inputs:
        operation, node_index, _ = tensor._keras_history
        if id(operation) not in operation_depth and operation._inbound_nodes[node_index].is_input():
            operation_depth[id(operation)] = 0
            first_seen[id(operation)] = (-1, operation)
            operations[id(operation)] = operation

    nodes = sorted(ordered, key=lambda n: -node_depth[id(n)])  # stable: ties keep the walk's order
    ranked = sorted(operations.values(), key=lambda op: (-operation_depth[id(op)], first_seen[id(op)][0]))

    computable = set(input_ids)
    done = []
    for node in nodes:
        if node.is_input():  # an Input's tensor is computable only when it is one of the model's inputs
            continue
        for tensor in node.input_tensors:
            if id(tensor) not in computable:
                raise ValueError(f"Graph disconnected: cannot find parent for tensor {tensor.name} (shape "
                                 f"{tensor.shape}) at layer {node.operation.name!r}. The following previous "
                                 f"layers were accessed without issue: {done}")
        done.append(node.operation.name)
        computable.update(id(t) for t in node.output_tensors)
    for tensor in outputs:
        if id(tensor) not in computable:
            operation = tensor._keras_history[0]
            raise ValueError(f"Graph disconnected: the output {tensor.name} (from layer {operation.name!r}) "
                             f"cannot be computed from the model's inputs {[t.name for t in inputs]}")
    names = [op.name for op in ranked]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f'The name "{name}" is used {names.count(name)} times in the model. All layer '
                             "names should be unique.")
    return [n for n in nodes if not (n.is_input())], ranked


def check_tensors(structure, argument):
    """Every leaf of ``structure`` must be a KerasTensor (what keras.Input and layers return)."""
    from ..keras_tensor import flatten
    leaves = flatten(structure)
    if not leaves:
        raise ValueError(f"keras.Model {argument} must hold at least one KerasTensor, got {structure!r}")
    for leaf in leaves:
        if type(leaf) is not KerasTensor:
            raise ValueError(f"keras.Model {argument} must be KerasTensors (from keras.Input or a layer called on "
                             f"one), got {type(leaf).__name__}: {leaf!r}")
    return leaves
