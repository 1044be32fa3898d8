"""What ``compile`` gives a model with several outputs: one loss, weight and metric list per
output, matched from a list (output order) or a dict (output names), and the log names
Keras gives them: ``loss``, ``<output>_loss``, ``<output>_<metric>``.
"""
import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..utils import checks


class OutputSpec:
    """The loss (or None), loss weight, metrics and loss tracker of one model output."""

    def __init__(self, name, loss, weight, metrics, weighted_metrics):
        self.name = name
        self.loss = loss
        self.weight = weight
        self.metrics = metrics
        self.weighted_metrics = weighted_metrics
        self.tracker = metrics_module.Mean(name=f"{name}_loss")


def output_specs(names, loss, loss_weights, metrics, weighted_metrics):
    """One ``OutputSpec`` per output name, as Keras 3's CompileLoss/CompileMetrics match them."""
    losses = _losses(names, loss)
    weights = _weights(names, loss_weights, loss)
    metric_lists = _metrics(names, metrics, "metrics")
    weighted_lists = _metrics(names, weighted_metrics, "weighted_metrics")
    return [OutputSpec(n, l, w, m, wm) for n, l, w, m, wm in zip(names, losses, weights, metric_lists, weighted_lists)]


def _losses(names, loss):
    if isinstance(loss, dict):
        if set(loss) != set(names):
            raise ValueError(f"Expected keys {names} in loss dict, but found loss.keys()={list(loss)}")
        return [None if loss[n] is None else losses_module.to_loss(loss[n]) for n in names]
    if isinstance(loss, (list, tuple)):
        if len(loss) > len(names):
            raise ValueError(f"loss has {len(loss)} entries but the model has {len(names)} outputs {names}")
        resolved = [None if l is None else losses_module.to_loss(l) for l in loss]
        return resolved + [None] * (len(names) - len(resolved))  # Keras: the extra outputs get no loss
    if loss is None:
        return [None] * len(names)
    return [losses_module.to_loss(loss) for _ in names]


def _weights(names, loss_weights, loss):
    if loss_weights is None:
        return [None] * len(names)
    if isinstance(loss_weights, dict):
        unknown = [k for k in loss_weights if k not in names]
        if unknown:
            raise ValueError(f"loss_weights has keys {unknown} that are not outputs of the model {names}")
        return [_weight(loss_weights.get(n, 1.0), n) for n in names]
    if isinstance(loss_weights, (list, tuple)):
        count = len(loss) if isinstance(loss, (list, tuple, dict)) else 1
        if len(loss_weights) != len(names) or count != len(names):
            raise ValueError(f"`loss_weights` must match the number of losses, got {count} losses and "
                             f"{len(loss_weights)} weights.")
        return [_weight(w, n) for w, n in zip(loss_weights, names)]
    return [_weight(loss_weights, n) for n in names]


def _weight(value, name):
    return np.float32(checks.number(value, f"loss_weights for output {name!r}"))


def _metrics(names, metrics, argument):
    if metrics is None:
        return [[] for _ in names]
    if isinstance(metrics, dict):
        unknown = [k for k in metrics if k not in names]
        if unknown:
            raise ValueError(f"{argument} has keys {unknown} that are not outputs of the model {names}")
        return [_metric_list(metrics.get(n)) for n in names]
    if isinstance(metrics, (list, tuple)):
        if len(metrics) == len(names):
            return [_metric_list(m) for m in metrics]
        raise ValueError(f"For a model with multiple outputs, when providing the `{argument}` argument as a "
                         f"list, it should have as many entries as the model has outputs ({len(names)}: {names}), "
                         f"got {len(metrics)}: {list(metrics)!r}. Use a dict keyed by output name instead")
    return [_metric_list(metrics) for _ in names]


def _metric_list(value):
    if value is None:
        return []
    values = value if isinstance(value, (list, tuple)) else [value]
    return [metrics_module.to_metric(m) for m in values]


def multi_output_logs(model):
    """``loss``, each output's ``<name>_loss`` (outputs with a loss) in output order, then the
    ``<name>_<metric>`` values in sorted name order (the order of Keras's evaluate list)."""
    logs = {"loss": float(model._loss_tracker.result())}
    for spec in model._output_specs:
        if spec.loss is not None:
            logs[spec.tracker.name] = float(spec.tracker.result())
    named = {}
    for spec in model._output_specs:
        for metric in spec.metrics + spec.weighted_metrics:
            result = metric.result()
            named[f"{spec.name}_{metric.name}"] = float(result) if np.ndim(result) == 0 else np.asarray(result)
    logs.update(sorted(named.items()))
    return logs


def spec_metrics(specs):
    """Every tracker and metric of the outputs (what ``model.metrics`` lists after ``loss``)."""
    found = []
    for spec in specs:
        found.append(spec.tracker)
        found.extend(spec.metrics + spec.weighted_metrics)
    return found
