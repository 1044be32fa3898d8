"""The text of ``model.summary()``."""


def _shape_text(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def summary_lines(model, width=80, connected=False):
    """Lines of a Keras-style table: layer (type), output shape, parameter count (and, for a
    graph that is not a chain, "Connected to": ``layer[node][tensor]`` of each input), totals."""
    if connected:
        columns = (int(width * 0.3), int(width * 0.25), int(width * 0.13))
    else:
        columns = (int(width * 0.45), int(width * 0.33))
    params_width = width - sum(columns) if not connected else columns[2]
    rule = "─" * width
    header = f"{'Layer (type)':<{columns[0]}}{'Output Shape':<{columns[1]}}{'Param #':>{params_width}}"
    if connected:
        header += "  Connected to"
    lines = [f'Model: "{model.name}"', rule, header, "═" * width]
    for layer in model.layers:
        shape = _shape_text(layer.output_shape) if layer.output_shape is not None else "?"
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        name = f"{layer.name} ({type(layer).__name__})"
        if len(name) >= columns[0]:  # too wide: the type goes on a line of its own, as Keras wraps it
            name, rest = layer.name, f"({type(layer).__name__})"
        else:
            rest = None
        row = f"{name[:columns[0] - 1]:<{columns[0]}}{shape:<{columns[1]}}{params:>{params_width}}"
        sources = _connected_to(model, layer) if connected else []
        if connected:
            row += "  " + (sources[0] if sources else "-")
        lines.append(row)
        pad = " " * (sum(columns[:2]) + params_width + 2)
        for index, extra in enumerate(sources[1:] if connected else []):
            first = rest if index == 0 and rest else ""
            lines.append(f"{first:<{len(pad)}}{extra}")
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
    for node in model._nodes:
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
