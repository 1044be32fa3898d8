"""The text of ``model.summary()``."""


def _shape_text(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _column_widths(width, positions):
    """Widths of the name, shape and parameter columns from Keras's ``positions``: the right end
    of each column, as fractions of ``width`` (all <= 1) or as character positions."""
    if positions is None:
        positions = (0.45, 0.78, 1.0)
    positions = list(positions)
    if len(positions) < 3 or any(not isinstance(p, (int, float)) or isinstance(p, bool) for p in positions):
        raise ValueError(f"summary positions must be 3 or 4 increasing numbers (column ends), got {positions!r}")
    ends = [int(p * width) if all(q <= 1 for q in positions) else int(p) for p in positions[:3]]
    if not 0 < ends[0] < ends[1] < ends[2]:
        raise ValueError(f"summary positions must be increasing column ends, got {positions!r}")
    return ends[0], ends[1] - ends[0], ends[2] - ends[1]


def _rows(layers, expand_nested, depth=0):
    for layer in layers:
        yield layer, depth
        if expand_nested and hasattr(layer, "layers"):
            yield from _rows(layer.layers, expand_nested, depth + 1)


def summary_lines(model, width=80, positions=None, expand_nested=False, show_trainable=False, layer_range=None,
                  connected=False):
    """Lines of a Keras-style table: layer (type), output shape, parameter count, totals.

    As Keras's ``summary``: ``positions`` sets where the columns end, ``expand_nested`` lists a
    nested model's layers under it (``└``-indented), ``show_trainable`` adds a Y/N column;
    ``connected`` (a graph that is not a chain) adds "Connected to": ``layer[node][tensor]`` of
    each input of the layer's nodes, one per line.
    """
    if layer_range is not None:
        raise ValueError("summary layer_range is not supported by minikeras; use expand_nested or print "
                         "model.layers[i:j] instead")
    if connected and positions is None:
        positions = (0.3, 0.55, 0.68)
    columns = _column_widths(width, positions)
    trainable_column = 11 if show_trainable else 0
    total_width = sum(columns) + trainable_column
    rule = "─" * total_width
    header = f"{'Layer (type)':<{columns[0]}}{'Output Shape':<{columns[1]}}{'Param #':>{columns[2]}}"
    if connected:
        header += "  Connected to"
        rule, total_width = "─" * width, width
    lines = [f'Model: "{model.name}"', rule, header + (f"{'Trainable':>{trainable_column}}" if show_trainable else ""),
             "═" * total_width]
    for layer, depth in _rows(model.layers, expand_nested):
        shape = _shape_text(layer.output_shape) if layer.output_shape is not None else "?"
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        indent = "   " * (depth - 1) + "   └ " if depth else ""
        name = f"{indent}{layer.name} ({type(layer).__name__})"
        if len(name) >= columns[0]:  # too wide: the type goes on a line of its own, as Keras wraps it
            name, rest = indent + layer.name, f"({type(layer).__name__})"
        else:
            rest = None
        line = f"{name[:columns[0] - 1]:<{columns[0]}}{shape:<{columns[1]}}{params:>{columns[2]}}"
        if show_trainable:
            line += f"{'Y' if layer.trainable else 'N':>{trainable_column - 4}}    "
        sources = _connected_to(model, layer) if connected and depth == 0 else []
        if connected:
            line += "  " + (sources[0] if sources else "-")
        lines.append(line)
        for index, extra in enumerate(sources[1:]):
            first = rest if index == 0 and rest else ""
            lines.append(f"{first[:columns[0] - 1]:<{len(line) - len(sources[0])}}{extra}")
            if index == 0:
                rest = None
        if rest:
            lines.append(rest[:columns[0] - 1])
    lines.append(rule)
    weights = model.count_params()
    trainable = sum(v.value.size for v in model.trainable_weights)
    # As Keras: once the optimizer is built (by fit), its variables (iteration, learning_rate,
    # slots; all 4-byte numbers) are counted in the total and on a line of their own.
    optimizer = getattr(model, "optimizer", None)
    optimizer_count = optimizer.count_variables() if optimizer is not None and optimizer.built else None
    total = weights + (optimizer_count or 0)
    lines += [f" Total params: {total:,} ({_bytes(total)})",
              f" Trainable params: {trainable:,} ({_bytes(trainable)})",
              f" Non-trainable params: {weights - trainable:,} ({_bytes(weights - trainable)})"]
    if optimizer_count is not None:
        lines.append(f" Optimizer params: {optimizer_count:,} ({_bytes(optimizer_count)})")
    return lines


def _connected_to(model, layer):
    """``name[node][tensor]`` for every input of every node of ``layer`` in ``model``'s graph,
    comma-separated as Keras prints them."""
    sources = []
    for node in getattr(model, "_nodes", ()):
        if node.operation is layer:
            for tensor in node.input_tensors:
                producer, node_index, tensor_index = tensor._keras_history
                sources.append(f"{producer.name}[{node_index}][{tensor_index}]")
    return [s + ("," if i < len(sources) - 1 else "") for i, s in enumerate(sources)]


def _bytes(count):
    size = count * 4
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.2f} {unit}"
        size /= 1024
