"""plot_history: training curves from a History, saved as a PNG (matplotlib, optional)."""
import os


def _figure_class():
    # matplotlib.figure.Figure draws without pyplot, so no GUI backend or display is involved.
    try:
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ImportError("plot_history needs matplotlib, an optional extra of minikeras: "
                          "pip install minikeras[plot]") from None
    return Figure, MaxNLocator


def plot_history(history, path, title=None, dpi=100):
    """Draw loss and every metric per epoch, training against validation, and save a PNG.

    ``history`` is what ``fit`` returns (a ``History``) or its ``.history`` dict. One panel
    per quantity (``loss``, ``accuracy``, ...), each with the training curve and, when the
    logs hold ``val_<name>``, the validation curve; ``learning_rate`` gets its own panel
    (log scale). The x axis counts epochs from 1, at the epochs each value was logged at
    (validation every ``validation_freq`` epochs, a run resumed at epoch 5 starts at 6)
    when ``history`` is a History; for a bare dict values are taken as epochs 1, 2, ...
    Returns ``path``.

    Needs matplotlib (``pip install minikeras[plot]``); draws off-screen, so it works
    without a display. No Keras equivalent (Keras users usually plot ``history.history``
    by hand).
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"plot_history needs a History from fit() or its non-empty .history dict, got {history!r}")
    names = [key for key in logs if not key.startswith("val_")]
    names += [key[4:] for key in logs if key.startswith("val_") and key[4:] not in logs]
    Figure, MaxNLocator = _figure_class()
    columns = min(len(names), 3)
    rows = -(-len(names) // columns)
    figure = Figure(figsize=(4.5 * columns, 3.4 * rows), dpi=dpi, layout="constrained")
    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for axis, name in zip(axes, names):
        for key, label, style in ((name, "training", "-o"), (f"val_{name}", "validation", "-s")):
            values = logs.get(key)
            if values:
                axis.plot(_epoch_numbers(history, key, len(values)), values, style, markersize=3, label=label)
        if name in ("learning_rate", "lr"):
            axis.set_yscale("log")
        axis.set_title(name)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(True, alpha=0.3)
        if f"val_{name}" in logs:
            axis.legend()
    for axis in axes[len(names):]:
        axis.set_visible(False)
    if title:
        figure.suptitle(title)
    directory = os.path.dirname(os.fspath(path))
    if directory:
        os.makedirs(directory, exist_ok=True)
    figure.savefig(path, format="png")
    return path


def _epoch_numbers(history, key, count):
    epochs = getattr(history, "epochs_of", {}).get(key)
    if epochs is not None and len(epochs) == count:
        return [epoch + 1 for epoch in epochs]
    return list(range(1, count + 1))
