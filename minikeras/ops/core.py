"""How an op is declared: a NumPy forward and its vector-Jacobian product, side by side.

``@differentiable(vjp)`` turns ``forward(*arrays, **options)`` into a ``keras.ops`` function
that dispatches three ways:

- on plain arrays (and Variables) it is the NumPy forward, nothing else;
- while a tape records and an argument is a recorded value (``Tracer``) or a Variable, it
  computes the forward and appends one tape entry;
- on a ``KerasTensor`` it adds a node to the functional graph being built.

``vjp(g, out, *arrays, **options)`` returns one gradient per positional argument (None
where there is none), each of the broadcast shape; ``unbroadcast`` then sums it back to the
argument's own shape, so no rule has to mention broadcasting.
"""
import functools
import inspect

import numpy as np

from .. import tape as tape_module
from ..keras_tensor import KerasTensor, symbolic_op
from ..tape import Tracer
from ..variable import Variable


def unbroadcast(grad, shape):
    """``grad`` summed down to ``shape`` (undoing NumPy broadcasting)."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, d in enumerate(shape) if d == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


_local = tape_module._local
# argument types that need more than the NumPy forward: unwrapping, recording, a graph node
_NOT_PLAIN = frozenset((Tracer, Variable, KerasTensor, list, tuple))


def _plain(x):
    t = type(x)
    if t is Tracer or t is Variable:
        return x.value
    return x


def as_array(x):
    """``x`` for a NumPy ufunc: arrays and Python numbers as they are (a Python number stays
    "weak", so ``float32_array * 3`` is float32), anything else through ``np.asarray``."""
    if isinstance(x, (np.ndarray, float, int, bool, np.generic)):
        return x
    return np.asarray(x)


def _is_symbolic(args):
    for a in args:
        if type(a) is KerasTensor:
            return True
        if isinstance(a, (list, tuple)) and any(type(e) is KerasTensor for e in a):
            return True
    return False


def _describe(value):
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"of shape {tuple(shape)}"
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "shape") for v in value):
        return f"of shapes {[tuple(v.shape) for v in value]}"
    text = repr(value)
    return "=" + (text if len(text) < 60 else text[:57] + "...")


def explained(name, forward, args, kwargs, error):
    """``error`` (a ValueError from NumPy inside ``forward``) as a ValueError that names the op
    and shows its arguments: ``sum: x of shape (2, 3), axis=3: axis 3 is out of bounds ...``."""
    if str(error).startswith(name + ":"):
        return error
    try:
        arguments = inspect.signature(forward).bind(*args, **kwargs).arguments.items()
    except TypeError:
        arguments = [(f"argument {i}", a) for i, a in enumerate(args)] + list(kwargs.items())
    described = ", ".join(f"{key} {_describe(value)}" if _describe(value).startswith("of ")
                          else f"{key}{_describe(value)}" for key, value in arguments)
    return ValueError(f"{name}: {described}: {error}")


def _forward(forward, name, values, kwargs):
    try:
        return forward(*values, **kwargs)
    except ValueError as error:
        raise explained(name, forward, values, kwargs, error) from None


def record_op(tape, forward, vjp, args, kwargs, name):
    """Compute ``forward`` on the arrays behind ``args`` and record one entry for it."""
    values = [_plain(a) for a in args]
    out = _forward(forward, name, values, kwargs)
    nodes = []
    for a in args:
        t = type(a)
        if t is Tracer:
            nodes.append(a)
        elif t is Variable and a.trainable:
            tape.watch(a)
            nodes.append(a)
        elif tape.arrays and id(a) in tape.arrays:
            nodes.append(a)
        else:
            nodes.append(None)
    if not any(n is not None for n in nodes):
        return out
    result = Tracer(out)

    if getattr(vjp, "wants_needs", False):  # a vjp that can skip the gradients nobody needs
        kwargs = dict(kwargs, needs=tuple(node is not None for node in nodes))

    def entry_vjp(g):
        grads = vjp(g, out, *values, **kwargs)
        shaped = []
        for node, grad, value in zip(nodes, grads, values):
            if node is None or grad is None:
                shaped.append(None)
                continue
            grad = np.asarray(grad)
            shape = np.shape(value)
            shaped.append(unbroadcast(grad, shape) if grad.shape != shape else grad)
        return shaped

    tape.record((result,), nodes, entry_vjp)
    return result


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _tensors_to_positions(parameters, args, kwargs):
    """``(args, kwargs)`` with the arguments given by keyword (``ops.add(x1=a, x2=b)``) moved to
    their positions, any skipped before them filled with their defaults, so that tensors
    given by keyword are recorded and differentiated as positional ones are."""
    positional = [p for p in parameters if p.kind in _POSITIONAL]
    last = max((i for i, p in enumerate(positional) if p.name in kwargs), default=-1)
    if last < len(args):
        return args, kwargs
    args, kwargs = list(args), dict(kwargs)
    for parameter in positional[len(args):last + 1]:
        if parameter.name in kwargs:
            args.append(kwargs.pop(parameter.name))
        elif parameter.default is not inspect.Parameter.empty:
            args.append(parameter.default)
        else:
            raise TypeError(f"{parameter.name} is required before {positional[last].name}")
    return tuple(args), kwargs


def differentiable(vjp, name=None):
    """Declare a differentiable op: ``@differentiable(vjp) def name(x, ...)`` (see the module doc);
    ``name`` is the op's name in errors and graph nodes when it differs from the function's."""
    def wrap(forward):
        op_name = name or forward.__name__
        parameters = list(inspect.signature(forward).parameters.values())

        @functools.wraps(forward)
        def op(*args, **kwargs):
            if kwargs:
                for v in kwargs.values():
                    if type(v) in _NOT_PLAIN:
                        args, kwargs = _tensors_to_positions(parameters, args, kwargs)
                        break
            tape = getattr(_local, "tape", None)
            if tape is None:
                for a in args:
                    if type(a) in _NOT_PLAIN:
                        break
                else:  # the common case: arrays and numbers, no tape
                    try:
                        return forward(*args, **kwargs)
                    except ValueError as error:
                        raise explained(op_name, forward, args, kwargs, error) from None
            else:
                for a in args:
                    t = type(a)
                    if t is Tracer or t is Variable or (tape.arrays and id(a) in tape.arrays):
                        return record_op(tape, forward, vjp, args, kwargs, op_name)
            if _is_symbolic(args):
                return symbolic_op(op, op_name, args, kwargs)
            return _forward(forward, op_name, [_plain(a) for a in args], kwargs)

        op.forward, op.vjp = forward, vjp
        return op
    return wrap


def constant(forward):
    """Declare an op with no gradient (comparisons, argmax, shapes of zeros ...): it runs on
    the arrays behind recorded values, and its result is a plain array."""
    name = forward.__name__

    @functools.wraps(forward)
    def op(*args, **kwargs):
        if _is_symbolic(args):
            return symbolic_op(op, name, args, kwargs)
        return _forward(forward, name, [_plain(a) for a in args], kwargs)

    op.forward = forward
    return op


def structure_op(forward, vjp):
    """An op over a list of tensors (concatenate, stack): ``vjp(g, out, arrays, **kw)`` returns
    one gradient per array."""
    name = forward.__name__

    @functools.wraps(forward)
    def op(xs, *args, **kwargs):
        xs = list(xs)
        tape = getattr(_local, "tape", None)
        if tape is None and not any(type(x) in _NOT_PLAIN for x in xs):  # arrays, no tape
            return _forward(forward, name, (xs,) + args, kwargs)
        if tape is not None and any(type(x) in (Tracer, Variable) or id(x) in tape.arrays for x in xs):
            values = [_plain(x) for x in xs]
            out = _forward(forward, name, (values,) + args, kwargs)
            nodes = [x if type(x) is Tracer or (type(x) is Variable and x.trainable) or id(x) in tape.arrays
                     else None for x in xs]
            for x in xs:
                if type(x) is Variable and x.trainable:
                    tape.watch(x)
            result = Tracer(out)
            tape.record((result,), nodes, lambda g: vjp(g, out, values, *args, **kwargs))
            return result
        if any(type(x) is KerasTensor for x in xs):
            return symbolic_op(op, name, (xs,) + args, kwargs)
        return _forward(forward, name, ([_plain(x) for x in xs],) + args, kwargs)

    op.forward, op.vjp = forward, vjp
    return op


__all__ = ["differentiable", "constant", "structure_op", "unbroadcast", "tape_module"]
