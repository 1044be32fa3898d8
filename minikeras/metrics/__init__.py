"""Streaming metrics (Keras: ``keras.metrics``): ``update_state`` per batch, ``result`` at any time.

One module per family: base (Metric, Mean, Sum, MeanMetricWrapper), accuracy, regression,
loss_metrics (cross-entropies, divergences, hinges), confusion (counts, Precision, Recall, AUC),
at_constraint (PrecisionAtRecall and the like), iou (IoU and its variants), f_score. Names resolve as Keras 3's ``keras.metrics.get`` resolves them (class name, its
snake_case, and the aliases ``mse``, ``mae``, ``mape``, ``msle``, ``bce``); in
``compile(metrics=[...])`` a metric given by string is logged under that string, and a
function under its ``__name__``. The loss functions Keras 3 also exports here
(``mean_absolute_error``, ``binary_crossentropy``, ``hinge``...) are the very functions of
``keras.losses``, as in Keras.
"""
from .accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
                       SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, _ResolvedAccuracy, accuracy,
                       binary_accuracy, categorical_accuracy, resolve_accuracy, sparse_categorical_accuracy,
                       sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from .. import losses as _losses_module
from ..utils.naming import to_snake_case
from .base import Mean, MeanMetricWrapper, Metric, Sum, same_rank
from .base import registry as _registry
from .confusion import AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives
from .at_constraint import PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity
from .iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from .f_score import F1Score, FBetaScore
from .loss_metrics import (BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, Hinge, KLDivergence,
                           Poisson, SparseCategoricalCrossentropy, SquaredHinge)
from ..losses import (binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
                      categorical_focal_crossentropy, categorical_hinge, hinge, huber,
                      kl_divergence, log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                      mean_squared_error, mean_squared_logarithmic_error, poisson,
                      sparse_categorical_crossentropy, squared_hinge)
from .regression import (ConcordanceCorrelation, CosineSimilarity, LogCoshError, MeanAbsoluteError,
                         MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError,
                         PearsonCorrelation, R2Score, RootMeanSquaredError, concordance_correlation,
                         pearson_correlation)

# Loss functions Keras 3 exports in keras.metrics without a metric class of their own.
for _fn in (binary_focal_crossentropy, categorical_focal_crossentropy):
    _registry.register(_fn, _fn.__name__)


def get(identifier):
    """Resolve a metric name, config, instance or function (Keras: ``keras.metrics.get``).

    As in Keras 3, a name gives an instance of the metric class it names, even where a
    function of that name exists: ``get("accuracy")`` is ``Accuracy()``, ``get("mse")`` is
    ``MeanSquaredError()``. A function given as itself is returned as it is.
    """
    obj = _registry.get(identifier)
    if isinstance(identifier, str) and not isinstance(obj, Metric):
        metric_class = _metric_class_named(getattr(obj, "__name__", None))
        if metric_class is not None:
            return metric_class()
    return obj


def _metric_class_named(function_name):
    """The built-in Metric class whose snake_case name is ``function_name``, if any."""
    for name in _registry.names():
        obj = _registry.lookup(name)
        if isinstance(obj, type) and issubclass(obj, Metric) and to_snake_case(obj.__name__) == function_name:
            return obj
    return None


def to_metric(identifier):
    """A streaming ``Metric`` named as Keras names it in the logs, for ``compile(metrics=...)``."""
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return _ResolvedAccuracy(name=identifier)
    if isinstance(identifier, Metric):
        return identifier
    obj = _registry.get(identifier)
    if isinstance(obj, Metric):
        if isinstance(identifier, str):
            obj.name = identifier
        return obj
    if callable(obj):
        name = identifier if isinstance(identifier, str) else getattr(obj, "__name__", "metric")
        metric = MeanMetricWrapper(obj, name=name)
        if obj in _losses_module._function_classes:
            # Keras's loss functions bring labels of shape (N,) and predictions of shape (N, 1)
            # to the same rank themselves; ours leave that to their callers.
            metric.prepare = same_rank
        return metric
    raise TypeError(f"Could not interpret metric {identifier!r}")


def serialize(metric):
    """A metric's config; a built-in loss function given as a metric is saved by its name (the
    name resolves to the metric of the same values, logged under the same name)."""
    if not isinstance(metric, Metric) and _losses_module.is_loss_function(metric):
        try:
            return _registry.serialize(metric)
        except ValueError:
            return metric.__name__
    return _registry.serialize(metric)


def deserialize(config, custom_objects=None):
    return _registry.get(config, custom_objects)
