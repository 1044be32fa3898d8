"""The gradient tape: what a training step (or a ``keras.GradientTape``) records and replays.

While a tape records, every differentiable computation appends one entry
``(outputs, inputs, vjp)``: built-in layers one entry per call whose ``vjp`` is the layer's
hand-written backward, ``keras.ops`` one entry per op. Values produced on the tape are
``Tracer`` objects (an array plus the Python operators routed to ``keras.ops``). Entries are
appended in execution order, so replaying them in reverse is a topological order; a value's
gradient is stored at its first arrival and later arrivals are added to it.

Nothing records outside a tape: ``predict`` and ``evaluate`` run plain NumPy.
"""
import threading

import numpy as np

_local = threading.local()


def recording():
    """The tape recording in this thread, or None (costs one attribute lookup)."""
    return getattr(_local, "tape", None)


def keeping_state():
    """Whether a built-in layer's ``call`` must keep what its backward needs: in training, and
    whenever its call is being recorded (a gradient may be taken at inference too)."""
    return getattr(_local, "keep", False)


def loss_collector():
    """The list that ``add_loss`` and activity penalties go to in this thread, or None."""
    return getattr(_local, "losses", None)


class collecting_losses:
    """Collect the losses layers add (``add_loss``, activity penalties) into ``self.losses``."""

    def __init__(self, losses=None):
        self.losses = [] if losses is None else losses

    def __enter__(self):
        self._previous = loss_collector()
        _local.losses = self.losses
        return self.losses

    def __exit__(self, *exc):
        _local.losses = self._previous
        return False


class Tracer:
    """A value computed while a tape records: ``value`` is the array, the operators are ops.

    ``preactivation`` is set on the output of a layer that ends in a softmax or sigmoid: the
    node holding its logits, so a cross-entropy can record against them (``p - y``).
    """

    __slots__ = ("value", "preactivation", "activation", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, value, preactivation=None, activation=None):
        self.value = value
        self.preactivation = preactivation
        self.activation = activation

    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)
    ndim = property(lambda self: self.value.ndim)
    size = property(lambda self: self.value.size)
    T = property(lambda self: _ops().transpose(self))

    def __len__(self):
        return len(self.value)

    def numpy(self):
        """The array (its gradient is not followed through it)."""
        return self.value

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __bool__(self):
        return bool(self.value)

    def __repr__(self):
        return f"<Tracer shape={self.value.shape} dtype={self.value.dtype}>"

    def __array__(self, dtype=None, copy=None):
        # Refused while a tape records (the conversion would silently drop the gradient); once
        # the tape has stopped, the value is just an array (metrics read losses that way).
        if recording() is not None:
            raise TypeError("A value recorded for gradients cannot become a NumPy array: its gradient would "
                            "be lost. Use keras.ops functions on it (keras.ops.convert_to_numpy or "
                            "keras.ops.stop_gradient to take the value on purpose)")
        value = np.asarray(self.value)
        return value if dtype is None else value.astype(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # np.exp(t), ndarray + t ...: the keras.op of the ufunc's name (or of its alias below)
        # (dtype= is honoured by a cast; out= into an array would lose the gradient)
        dtype = kwargs.pop("dtype", None)
        if kwargs.get("out", None) is None:
            kwargs.pop("out", None)
        op = _UFUNC_OPS.get(ufunc.__name__, ufunc.__name__) if method == "__call__" and not kwargs else None
        if op is None or not hasattr(_ops(), op):
            raise TypeError(f"np.{ufunc.__name__} on a recorded value would lose its gradient: use "
                            "the keras.ops function of the same name")
        result = getattr(_ops(), op)(*inputs)
        if dtype is not None and type(result) is Tracer and result.value.dtype != np.dtype(dtype):
            result = _ops().cast(result, dtype)
        return result

    def __getitem__(self, key):
        return _ops().getitem(self, key)

    def reshape(self, *shape):
        return _ops().reshape(self, shape[0] if len(shape) == 1 else shape)

    def astype(self, dtype):
        return _ops().cast(self, dtype)

    # (np.sum(t) and np.mean(t) call these with dtype= and out=)
    def sum(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return _ops().sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        return _ops().mean(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, out=None, keepdims=False, **kwargs):
        return _ops().max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, out=None, keepdims=False, **kwargs):
        return _ops().min(self, axis=axis, keepdims=keepdims)


def _binary(name, reflected=False):
    if reflected:
        return lambda self, other: getattr(_ops(), name)(other, self)
    return lambda self, other: getattr(_ops(), name)(self, other)


for _name, _op in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"), ("truediv", "divide"),
                   ("matmul", "matmul"), ("pow", "power"), ("floordiv", "floor_divide"), ("mod", "mod")):
    setattr(Tracer, f"__{_name}__", _binary(_op))
    setattr(Tracer, f"__r{_name}__", _binary(_op, reflected=True))
for _name, _op in (("lt", "less"), ("le", "less_equal"), ("gt", "greater"), ("ge", "greater_equal"),
                   ("eq", "equal"), ("ne", "not_equal")):
    setattr(Tracer, f"__{_name}__", _binary(_op))
Tracer.__hash__ = object.__hash__
Tracer.__neg__ = lambda self: _ops().negative(self)
Tracer.__abs__ = lambda self: _ops().abs(self)
Tracer.__pos__ = lambda self: self

_UFUNC_OPS = {"true_divide": "divide", "absolute": "abs", "remainder": "mod"}  # NumPy names keras.ops spells otherwise


_OPS = []  # keras.ops, installed by it when it is imported (it builds on this module)


def install_ops(module):
    """Route the recorded values' operators to ``module`` (called by ``minikeras.ops``)."""
    _OPS[:] = [module]


def _ops():
    return _OPS[0]


def value_of(x):
    """The array behind ``x`` (a Tracer's value, a Variable's value, or ``x`` itself)."""
    if type(x) is Tracer:
        return x.value
    value = getattr(x, "value", None)
    return value if isinstance(value, np.ndarray) and hasattr(x, "grad_buffer") else x


# The gradient a scalar target starts from (read-only: entries never write to it).
UNIT = np.ones((), np.float32)
UNIT.flags.writeable = False


class Replay:
    """What one backward pass has done so far: the layers whose backward ran (a layer reached
    again adds its weight gradients) and the variables whose ``.grad`` a layer wrote."""

    def __init__(self):
        self.layers_done = set()
        self.written = {}


class Tape:
    """A Wengert list of the computations since it started recording.

    ``record`` appends an entry; ``backward(target)`` replays the entries in reverse from
    ``target``, calling each entry's ``vjp`` with the gradients of its outputs (None for an
    output that received none) and routing what it returns to its inputs. Built-in layers
    write their weights' gradients into ``variable.grad`` themselves (a layer called twice
    adds the second call's to the first's); gradients reaching variables through ops are
    in what ``backward`` returns, by the variable's ``id``.
    """

    def __init__(self):
        self.entries = []
        self.losses = []          # add_loss / activity penalties recorded during this tape
        self.watched = {}         # id -> Variable used by an op while recording
        self.replay = Replay()    # what layers' vjps note during backward (no reference back here)
        self.arrays = {}          # id -> array watched by GradientTape.watch
        self.aliases = {}         # id of the Tracer watch() returned -> id of the watched array
        self._previous = None

    def __enter__(self):
        self._previous = getattr(_local, "tape", None), getattr(_local, "losses", None)
        _local.tape = self
        _local.losses = self.losses
        return self

    def __exit__(self, *exc):
        _local.tape, _local.losses = self._previous
        return False

    def record(self, outputs, inputs, vjp):
        self.entries.append((outputs, inputs, vjp))

    def watch(self, variable):
        self.watched[id(variable)] = variable

    def watch_array(self, array):
        if hasattr(array, "grad_buffer"):
            self.watch(array)
        elif type(array) is not Tracer:
            self.arrays[id(array)] = array

    def gradient_of(self, source, grads):
        """The gradient ``backward`` found for ``source`` (a Variable, Tracer or watched array)."""
        key = id(source)
        from_ops = grads.get(key)
        if key in self.replay.written:
            return source.grad if from_ops is None else source.grad + from_ops
        return from_ops

    def backward(self, target, seed=None):
        """Replay from ``target`` (a Tracer); returns the gradients found, by ``id`` of the value
        (watched inputs and variables among them)."""
        self.replay.layers_done.clear()
        self.replay.written.clear()
        if seed is None:
            value = target.value
            if isinstance(value, np.generic) or (type(value) is np.ndarray and value.shape == ()):
                seed = UNIT  # a scalar loss: the read-only 1 that entries may recognise
            else:
                value = np.asarray(value)
                seed = np.empty(value.shape, value.dtype)
                seed.fill(1)
        grads = {id(target): seed}
        pop, get = grads.pop, grads.get
        for outputs, inputs, vjp in reversed(self.entries):
            if len(outputs) == 1:
                g = pop(id(outputs[0]), None)
                if g is None:
                    continue
                in_grads = vjp(g)
            else:
                gs, reached = [], False
                for o in outputs:
                    g = pop(id(o), None)
                    gs.append(g)
                    reached = reached or g is not None
                if not reached:
                    continue
                in_grads = vjp(*gs)
            if len(inputs) == 1:  # most entries: one input, nothing to share
                node, g = inputs[0], in_grads[0]
                if node is not None and g is not None:
                    key = id(node)
                    previous = get(key)
                    grads[key] = g if previous is None else previous + g
                continue
            seen = set()
            for node, g in zip(inputs, in_grads):
                if node is None or g is None:
                    continue
                if id(g) in seen:  # the same array handed to two inputs: each consumer gets its own
                    g = g.copy()
                seen.add(id(g))
                key = id(node)
                previous = get(key)
                grads[key] = g if previous is None else previous + g
        for traced, original in self.aliases.items():
            if traced in grads:
                grads[original] = grads[traced] if original not in grads else grads[original] + grads[traced]
        return grads


class GradientTape:
    """Record computations and differentiate them (a minikeras extension, in TensorFlow's form).

    Keras 3 has no backend-neutral gradient API (its guides use ``tf.GradientTape``,
    ``jax.grad`` or torch's ``backward``); this is ``tf.GradientTape``'s interface, so a
    TensorFlow-style ``train_step`` ports by replacing ``tf.GradientTape`` with
    ``keras.GradientTape``::

        with keras.GradientTape() as tape:
            y_pred = model(x, training=True)
            loss = model.compute_loss(y=y, y_pred=y_pred)
        grads = tape.gradient(loss, model.trainable_variables)

    Trainable variables are watched automatically; ``watch(x)`` adds an input array.
    ``gradient(target, sources)`` returns one gradient per source (a list, or the same
    structure), ``None`` for a source the target does not depend on.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = persistent
        self.watch_accessed_variables = watch_accessed_variables
        self._tape = Tape()
        self._used = False

    def __enter__(self):
        self._tape.__enter__()
        return self

    def __exit__(self, *exc):
        return self._tape.__exit__(*exc)

    def watch(self, tensor):
        """Differentiate with respect to ``tensor`` too (an array, a Variable, or a list of them).

        keras.ops functions given the same array object are recorded from now on; NumPy's own
        operators on it are not (``x * 2`` on an ndarray is NumPy's), so use the returned
        recorded value where that matters: ``x = tape.watch(x)`` (a minikeras extension).
        """
        items = tensor if isinstance(tensor, (list, tuple)) else [tensor]
        watched = []
        for item in items:
            if type(item) is Tracer or hasattr(item, "grad_buffer"):
                self._tape.watch_array(item)
                watched.append(item)
            else:
                array = np.asarray(item)
                if array.dtype.kind != "f":
                    array = array.astype(np.float32)
                traced = Tracer(array)
                self._tape.arrays[id(item)] = item
                self._tape.aliases[id(traced)] = id(item)
                watched.append(traced)
        return watched if isinstance(tensor, (list, tuple)) else watched[0]

    def gradient(self, target, sources, output_gradients=None):
        """d target / d each source (``None`` where unconnected); see the class docstring."""
        if self._used and not self.persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set of "
                               "gradients: create it with persistent=True to call gradient() again")
        self._used = True
        structure = sources
        flat = list(sources) if isinstance(sources, (list, tuple)) else \
            list(sources.values()) if isinstance(sources, dict) else [sources]
        if type(target) is not Tracer:
            grads = [None] * len(flat)
        else:
            seed = None if output_gradients is None else np.asarray(value_of(output_gradients), target.value.dtype)
            replayed = self._tape.backward(target, seed)
            grads = [self._tape.gradient_of(source, replayed) for source in flat]
        if isinstance(structure, dict):
            return dict(zip(structure, grads))
        if isinstance(structure, (list, tuple)):
            return type(structure)(grads) if isinstance(structure, tuple) else grads
        return grads[0]
