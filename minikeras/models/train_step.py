"""The pieces of one training step that sit between the model and the optimizer.

``loss_on_tape`` records a compiled loss on the tape: a built-in loss as one entry whose
vjp is its hand-written gradient, against the logits when the output came from a softmax
or sigmoid the loss fuses with (``p - y``); a loss without a hand-written gradient (a
custom one written with ``keras.ops``) op by op. ``gradients_into_variables`` replays the
tape and leaves every trainable variable's gradient in ``variable.grad``.
"""
import numpy as np

from ..tape import UNIT, Tracer


def weighted(value, weight):
    """A loss value (or gradient) times its loss weight (None: unweighted)."""
    return value if weight is None else value * weight


def loss_on_tape(tape, loss, y, y_pred, sample_weight, weight=None):
    """The reduced loss of ``y_pred`` (times ``weight``) as a recorded scalar."""
    if type(y_pred) is not Tracer or not loss.has_gradient:
        return weighted(loss(y, y_pred, sample_weight), weight)
    probabilities = y_pred.value
    if y_pred.preactivation is not None and loss.fuses_with(y_pred.activation):
        value, grad = loss.value_and_gradient_wrt_logits(loss.prepare(y, probabilities), probabilities,
                                                         sample_weight)
        node = y_pred.preactivation
    else:
        value, grad = loss.value_and_gradient(y, probabilities, sample_weight)
        node = y_pred
    if weight is not None:
        value, grad = value * weight, grad * weight
    total = Tracer(value if isinstance(value, np.generic) else np.asarray(value))  # (a float64 sum stays one)

    def vjp(g):
        return (grad if g is UNIT else grad * g.astype(grad.dtype),)

    tape.entries.append(((total,), (node,), vjp))
    return total


def gradients_into_variables(tape, total, variables):
    """Backpropagate ``total`` and leave d total / d v in each ``v.grad`` (zeros where the
    loss does not depend on ``v``); returns the loss value."""
    if type(total) is not Tracer:
        for variable in variables:
            variable.grad_buffer()[...] = 0
        return np.asarray(total)[()]
    from_ops, written = tape.backward(total), tape.replay.written
    for variable in variables:
        key = id(variable)
        grad = from_ops.get(key)
        if key in written:
            if grad is not None:
                variable.grad += grad
        elif grad is not None:
            variable.grad_buffer()[...] = grad
        else:
            variable.grad_buffer()[...] = 0
    value = total.value
    return value[()] if isinstance(value, np.ndarray) else value  # a NumPy scalar: the loss tracker's fast path


def regularization_on_tape(tape, variables):
    """The weight penalties of ``variables`` (their regularizers), recorded against them."""
    total = np.float32(0)
    for variable in variables:
        regularizer = variable.regularizer
        if regularizer is None or not variable.trainable:
            continue
        value = variable.value
        penalty = Tracer(np.asarray(regularizer(value), np.float32))
        tape.watch(variable)
        tape.record((penalty,), (variable,), lambda g, r=regularizer, v=value: (r.gradient(v) * g,))
        total = penalty if type(total) is not Tracer else _ops().add(total, penalty)
    return total


def _ops():
    from .. import ops
    return ops
