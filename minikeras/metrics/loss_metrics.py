"""Loss-style metrics over probabilities and margins: the mean of a loss function's per-sample values."""
from .. import losses
from .base import metric_class, registry, same_rank


def _loss_metric(class_name, fn, *aliases, prepare=same_rank, **defaults):
    from ..utils.naming import to_snake_case
    name = to_snake_case(class_name)
    cls = metric_class(class_name, fn, name, prepare=prepare, direction="down", **defaults)
    registry.register(cls, name, *aliases)
    return cls


def _float_predictions(y_true, y_pred):
    return y_true, same_rank(y_pred, y_pred)[1]


BinaryCrossentropy = _loss_metric("BinaryCrossentropy", losses.binary_crossentropy, "bce",
                                  from_logits=False, label_smoothing=0)
CategoricalCrossentropy = _loss_metric("CategoricalCrossentropy", losses.categorical_crossentropy,
                                       from_logits=False, label_smoothing=0, axis=-1)
SparseCategoricalCrossentropy = _loss_metric("SparseCategoricalCrossentropy", losses.sparse_categorical_crossentropy,
                                             prepare=_float_predictions, from_logits=False, ignore_class=None, axis=-1)
KLDivergence = _loss_metric("KLDivergence", losses.kl_divergence)
Poisson = _loss_metric("Poisson", losses.poisson)
Hinge = _loss_metric("Hinge", losses.hinge)
SquaredHinge = _loss_metric("SquaredHinge", losses.squared_hinge)
CategoricalHinge = _loss_metric("CategoricalHinge", losses.categorical_hinge)
