"""The Optimizer base: slots per weight, clipping, weight decay, schedules, in-place updates."""
import operator
import os
import warnings
import threading
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat

import numpy as np

from ..distribution import data_parallel as _parallel
from ..utils import checks
from ..utils.errors import unexpected_keyword
from ..variable import Variable
from ..blas import threads as blas_threads
from . import schedules

# Elementwise updates run over cache-sized pieces: each piece of every array an update reads
# (weight, gradient, slots, one scratch buffer) is 512 KB, so they stay in the nearest caches
# while the update makes its dozen passes, instead of each pass streaming whole arrays.
CHUNK = 131072
# Arrays of at least this many elements are split between threads (NumPy releases the GIL
# inside each ufunc, so the pieces run on separate cores). ``UPDATE_THREADS`` is the number of
# threads an update may use (environment variable MINIKERAS_UPDATE_THREADS); 1 turns the split off.
# Two threads halve Adam's update of a 784x1024 kernel on an idle 2-core machine (1.8 ms -> 0.9 ms);
# on a machine busy with other work they gain nothing, so set 1 there.
PARALLEL_MIN = 2 * CHUNK
# Kernels of a few cheap passes (SGD, the denormal flush) take ~0.3 ms on 814k weights; the split
# saved nothing there (784-1024-10 SGD-momentum batch 32, in-process A/B: 1 thread 0.97-0.98x the
# time of 2), so they are split only from this size on.
CHEAP_PARALLEL_MIN = 8 * CHUNK
# Slots of weights whose gradient has become zero (dead ReLU units, always-blank input pixels)
# decay geometrically (momentum, moving averages) into float32 denormals, on which arithmetic
# is many times slower: 3-5 % of the SGD momentum of an MNIST MLP's first layer is denormal after
# an epoch. Every FLUSH_EVERY steps they are set to zero. No weight can tell: a denormal moves
# a weight by less than 1e-30 (Adam: sqrt of a denormal velocity is < 1.1e-19, invisible next
# to epsilon).
FLUSH_EVERY = 64
_TINY = np.finfo(np.float32).tiny
UPDATE_THREADS = int(os.environ.get("MINIKERAS_UPDATE_THREADS", min(2, os.cpu_count() or 1)))


@_parallel.world.on_join
def _one_thread_per_rank():
    """Under MPI each rank updates with one thread, unless MINIKERAS_UPDATE_THREADS says otherwise."""
    global UPDATE_THREADS
    if "MINIKERAS_UPDATE_THREADS" not in os.environ:
        UPDATE_THREADS = 1


_pool = None
_pool_lock = threading.Lock()
_scratch = threading.local()


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None or _pool._max_workers < UPDATE_THREADS - 1:
            _pool = ThreadPoolExecutor(max_workers=max(UPDATE_THREADS - 1, 1),
                                       thread_name_prefix=blas_threads.OWN_THREAD_PREFIX)
        return _pool


def _scratch_buffer(size):
    buffer = getattr(_scratch, "buffer", None)
    if buffer is None or buffer.size < size:
        buffer = _scratch.buffer = np.empty(max(size, CHUNK), dtype=np.float32)
    return buffer[:size]


def _scratch_pieces(size, count):
    """``count`` float32 scratch arrays of ``size`` elements from this thread's one buffer."""
    buffer = _scratch_buffer(size * count)
    return [buffer[k * size:(k + 1) * size] for k in range(count)]


def _run_pieces(kernel, arrays, start, stop, scratch):
    tmps = _scratch_pieces(min(CHUNK, stop - start), scratch)
    for begin in range(start, stop, CHUNK):
        end = min(begin + CHUNK, stop)
        kernel(*[a[begin:end] for a in arrays], *[t[:end - begin] for t in tmps])


def _flush_denormals(array, tmp):
    np.abs(array, out=tmp)
    np.copyto(array, 0, where=tmp < _TINY)


def _drop_missing_gradients(grads, variables):
    """The (gradient, variable) pairs with a gradient, as Keras filters them: a warning naming
    the variables without one, an error when none has one."""
    kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
    if not kept:
        raise ValueError("No gradients provided for any variable.")
    missing = sorted(getattr(v, "path", str(v)) for g, v in zip(grads, variables) if g is None)
    warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss. If using "
                  "`model.compile()`, did you forget to provide a `loss` argument?", UserWarning, stacklevel=3)
    return [g for g, _ in kept], [v for _, v in kept]


def elementwise(kernel, *arrays, scratch=1, parallel_min=None):
    """Call ``kernel(*pieces, *tmps)`` on matching cache-sized pieces of same-size arrays.

    The arrays are viewed flat (they must be C-contiguous, so the views write through);
    ``tmps`` are ``scratch`` float32 scratch pieces of the same length, so a kernel never
    allocates. Arrays of at least ``parallel_min`` elements (default ``PARALLEL_MIN``; cheap
    kernels pass more, since a split costs a thread hand-off and restarting OpenBLAS's
    threads) are split between up to ``UPDATE_THREADS`` threads. The result is identical to
    one call on the whole arrays, because every element is computed by the same operations.
    """
    size = arrays[0].size
    if size <= CHUNK:
        kernel(*arrays, *[tmp.reshape(arrays[0].shape) for tmp in _scratch_pieces(size, scratch)])
        return
    flat = [a.reshape(-1) for a in arrays]
    parallel_min = PARALLEL_MIN if parallel_min is None else parallel_min
    threads = min(UPDATE_THREADS, size // (parallel_min // 2)) if size >= parallel_min else 1
    if threads <= 1:
        _run_pieces(kernel, flat, 0, size, scratch)
        return
    # Split on piece boundaries; this thread takes the first share.
    pieces = -(-size // CHUNK)
    bounds = [min(size, (pieces * k // threads) * CHUNK) for k in range(threads + 1)]
    blas_threads.release()
    pool = _executor()
    futures = [pool.submit(_run_pieces, kernel, flat, bounds[k], bounds[k + 1], scratch)
               for k in range(1, threads)]
    _run_pieces(kernel, flat, bounds[0], bounds[1], scratch)
    for future in futures:
        future.result()


class Optimizer:
    """Base class (Keras: ``keras.optimizers.Optimizer``).

    Subclasses name their per-weight slots in ``slot_names`` and implement
    ``update_step(grad, value, slots, lr)``, which changes ``value`` (and the slots) in
    place. ``apply(grads, variables)`` does clipping, weight decay and the iteration count.
    """

    slot_names = ()
    # True for an optimizer whose update of a variable depends on the whole variable (Lamb's
    # norms, Adafactor's factored moments): it is never run over the packed flat buffers.
    per_variable = False
    # Scalar float attributes Keras keeps as optimizer variables after the slots (Nadam's u_product).
    extra_state = ()

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        for key in kwargs:
            raise unexpected_keyword(type(self), key)
        if use_ema or loss_scale_factor or gradient_accumulation_steps:
            raise ValueError(f"{type(self).__name__}: use_ema, loss_scale_factor and "
                             "gradient_accumulation_steps are not supported by minikeras")
        given = [n for n, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(given) > 1:
            raise ValueError(f"Only one of clipnorm, clipvalue and global_clipnorm can be set, got {given}")
        for argument, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm), ("weight_decay", weight_decay)):
            checks.number(value, f"{type(self).__name__} {argument}", minimum=0, allow_none=True)
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(f"{type(self).__name__} name must be a string without '/', got {name!r}")
        from ..utils.naming import to_snake_case
        self.name = name or to_snake_case(type(self).__name__)
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.iterations = 0
        self.built = False
        self._slots = {}
        self._flat_slots = None
        self._tracked = []

    @property
    def iterations(self):
        """The number of updates applied so far: an int with the methods of Keras's int64
        ``iterations`` variable that callbacks call (``numpy()``, ``value``, ``assign``)."""
        return IterationCount(self._iterations, self)

    @iterations.setter
    def iterations(self, value):
        self._iterations = int(value)

    # -- learning rate -------------------------------------------------------------------
    @property
    def learning_rate(self):
        """The learning rate, as Keras's ``optimizer.learning_rate`` gives it.

        A number given to the optimizer lives in a float32 ``Variable`` (``learning_rate``,
        path ``<optimizer>/learning_rate``): this returns that variable, so a value read
        earlier follows later changes, and ``.assign(1e-4)``, ``.numpy()``, ``float()`` and
        arithmetic work as on Keras's. A ``LearningRateSchedule`` is evaluated at the
        iteration count, giving a float32 scalar, and a zero-argument callable is called,
        giving its value as a float.
        """
        rate = self._learning_rate
        if isinstance(rate, LearningRateVariable):
            return rate
        if isinstance(rate, schedules.LearningRateSchedule):
            return np.float32(self._computed_learning_rate())
        return self._computed_learning_rate()

    def _current_learning_rate(self):
        """The rate the next update uses, as a Python float."""
        rate = self._learning_rate
        if isinstance(rate, LearningRateVariable):
            return float(rate.value)
        return self._computed_learning_rate()

    def _computed_learning_rate(self):
        """The schedule's rate at this iteration (or the callable's value), checked to be a finite
        non-negative real number.

        ``apply`` reads it before it writes anything, and the training step reads it before
        the forward pass, so a bad rate (from a user-written schedule) stops training with
        the weights, slots, statistics and iteration count as they were.
        """
        source, step = self._learning_rate, self._iterations
        if isinstance(source, schedules.LearningRateSchedule):
            value, what = source(step), f"the learning rate schedule {type(source).__name__}"
        else:  # Keras calls a callable learning rate with no arguments, once per step
            value, what = source(), f"the learning rate callable {getattr(source, '__name__', source)!r}"
        rate = None
        if isinstance(value, (np.ndarray, np.generic)) and np.size(value) == 1 and np.isrealobj(value) \
                and value.dtype != np.bool_:
            rate = float(np.reshape(value, ()))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            rate = float(value)
        if rate is None or not np.isfinite(rate) or rate < 0:
            raise ValueError(f"{type(self).__name__}: {what} returned {value!r} at step {step}; a learning "
                             "rate must be a finite non-negative real number")
        return rate

    # (the old name, kept for callers that read a schedule's rate)
    _scheduled_learning_rate = _computed_learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule) or (callable(value) and not hasattr(value, "value")):
            self._learning_rate = value
            return
        if isinstance(value, Variable):
            value = value.value
        if isinstance(value, (np.ndarray, np.generic)) and np.size(value) == 1:
            value = float(np.reshape(value, ()))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
            raise ValueError(f"{type(self).__name__} learning_rate must be a non-negative float, a "
                             f"LearningRateSchedule or a callable taking no arguments, got {value!r}")
        current = getattr(self, "_learning_rate", None)
        if isinstance(current, schedules.LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its "
                            "`learning_rate` constructor argument, hence its learning rate is not settable. "
                            "If you need the learning rate to be settable, you should instantiate the "
                            "optimizer with a float `learning_rate` argument.")
        if isinstance(current, LearningRateVariable):
            current.value[...] = value
        else:
            self._learning_rate = LearningRateVariable(value, self)

    @property
    def learning_rate_schedule(self):
        return self._learning_rate if isinstance(self._learning_rate, schedules.LearningRateSchedule) else None

    @property
    def has_learning_rate_variable(self):
        """Whether ``learning_rate`` is a variable (Keras lists it in ``optimizer.variables`` and
        files store it), not a schedule or a callable."""
        return isinstance(self._learning_rate, LearningRateVariable)

    # -- slots ----------------------------------------------------------------------------
    def build(self, variables):
        """Create the slots of every variable not seen before, in order."""
        for variable in variables:
            if id(variable) not in self._slots:
                self._slots[id(variable)] = [self.initial_slot(name, variable.value) for name in self.slot_names]
                self._tracked.append(variable)
        self.built = True

    def count_variables(self):
        """How many numbers Keras's ``optimizer.variables`` holds: ``iteration``, ``learning_rate``
        (unless it is a schedule), every slot, and extra scalars such as Nadam's ``u_product``."""
        slots = sum(s.size for v in self._tracked for s in self._slots[id(v)])
        return 1 + self.has_learning_rate_variable + slots + len(self.extra_state)

    @property
    def slot_groups(self):
        """Slot names grouped as Keras creates them, one group per ``add_optimizer_variables`` call.

        Keras's ``optimizer.variables`` is ``iteration``, ``learning_rate`` (unless it is a
        schedule), then group by group: for each model variable, its slots of that group.
        Files store optimizer state in that order.
        """
        return (tuple(self.slot_names),) if self.slot_names else ()

    def initial_slot(self, name, value):
        return np.zeros_like(value)

    def slots(self, variable):
        """The slot arrays of one variable, in ``slot_names`` order."""
        return self._slots[id(variable)]

    @property
    def tracked_variables(self):
        """The variables this optimizer has slots for, in the order it first saw them."""
        return list(self._tracked)

    @property
    def variables(self):
        """Keras's ``optimizer.variables``: ``iteration``, ``learning_rate`` (absent when it is
        a schedule), then the slots in Keras's order (``slot_groups``, variable by variable),
        then extra scalars such as Nadam's ``u_product``. The slot Variables share memory with
        the slots the optimizer updates; the scalars are snapshots of the current values.
        A slot is named ``<layer>_<weight>_<slot>`` (Keras prefixes the model's name).
        """
        state = [Variable(np.array(self.iterations, dtype=np.int64), "iteration", trainable=False,
                          dtype=np.int64)]
        if self.has_learning_rate_variable:
            state.append(self._learning_rate)
        for group in self.slot_groups:
            for variable in self._tracked:
                slots = self._slots[id(variable)]
                for slot_name in group:
                    slot = slots[self.slot_names.index(slot_name)]
                    state.append(Variable(slot, f"{variable.path.replace('/', '_')}_{slot_name}",
                                          trainable=False))
        state += [Variable(np.float32(getattr(self, attr)), attr, trainable=False) for attr in self.extra_state]
        return state

    # -- update -----------------------------------------------------------------------------
    def apply(self, grads, variables):
        """Update ``variables`` in place from ``grads`` (one array per variable)."""
        variables = list(variables)
        grads = list(grads)
        if len(grads) != len(variables):
            raise ValueError(f"apply got {len(grads)} gradients for {len(variables)} variables")
        if _parallel.ACTIVE is not None:  # data-parallel: the global batch's gradients, summed over the ranks
            grads = _parallel.ACTIVE.reduce_gradients(grads, variables)
        if any(map(operator.is_, grads, repeat(None))):
            grads, variables = _drop_missing_gradients(grads, variables)
        lr = self._current_learning_rate()
        constrained = [v for v in variables if getattr(v, "constraint", None) is not None]
        packing = variables[0].packing if variables else None
        if packing is not None and self.clipnorm is None and not self.per_variable and \
                packing.intact(variables, grads):
            # One update over the flat buffers instead of one per variable: the same
            # operations on every element, so the same result.
            grads, variables, slots = [packing.grads], [packing.values], [self._packed_slots(packing)]
        else:
            self.build(variables)
            slots = [self._slots[id(variable)] for variable in variables]
            variables = [variable.value for variable in variables]
        grads = self._clip(grads)
        for grad, value, variable_slots in zip(grads, variables, slots):
            if grad is None:
                continue
            if self.weight_decay:
                value *= np.float32(1 - lr * self.weight_decay)
            self.update_step(grad, value, variable_slots, lr)
        for variable in constrained:
            variable.value[...] = variable.constraint(variable.value)
        self._iterations += 1  # (the plain int: the property makes a Keras-like object per read)
        if self._iterations % FLUSH_EVERY == 0:
            for slot in (s for variable_slots in slots for s in variable_slots):
                elementwise(_flush_denormals, slot, parallel_min=CHEAP_PARALLEL_MIN)

    def _packed_slots(self, packing):
        """Flat slot buffers laid out like ``packing.values``; each variable's slots become views of them.

        Built (copying the current slot values) the first time a packing is seen; only this
        method replaces the slot arrays of variables that already have slots.
        """
        cached = self._flat_slots
        if cached is not None and cached[0] is packing:
            return cached[1]
        self.build(packing.variables)
        flat = [np.empty_like(packing.values) for _ in self.slot_names]
        per_variable = list(zip(*[packing.views(f) for f in flat])) if flat else [()] * len(packing.variables)
        for variable, views in zip(packing.variables, per_variable):
            for view, held in zip(views, self._slots[id(variable)]):
                view[...] = held
            self._slots[id(variable)] = list(views)
        self._flat_slots = (packing, flat)
        return flat

    def apply_gradients(self, grads_and_vars):
        """Keras-style ``apply_gradients(zip(grads, variables))``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def _clip(self, grads):
        if self.clipvalue is not None:
            return [None if g is None else np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            return [None if g is None else _scale_to_norm(g, self.clipnorm, np.linalg.norm(g)) for g in grads]
        if self.global_clipnorm is not None:
            norm = np.sqrt(sum(float(np.sum(np.square(g), dtype=np.float64)) for g in grads if g is not None))
            return [None if g is None else _scale_to_norm(g, self.global_clipnorm, norm) for g in grads]
        return grads

    def update_step(self, grad, value, slots, lr):
        raise NotImplementedError

    # -- config -------------------------------------------------------------------------------
    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, schedules.LearningRateSchedule):
            lr = schedules.serialize(lr)
        elif isinstance(lr, LearningRateVariable):
            lr = float(lr.value)  # float32-rounded, as Keras's float(variable.numpy())
        else:
            lr = _serialize_callable(lr)
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": False, "ema_momentum": 0.99,
                "ema_overwrite_frequency": None, "loss_scale_factor": None,
                "gradient_accumulation_steps": None}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"], custom_objects)
        for key in ("is_legacy_optimizer", "jit_compile", "decay"):
            config.pop(key, None)
        return cls(**config)


def _serialize_callable(fn):
    """Keras's config for a callable learning rate (``serialize_keras_object``): a lambda's
    bytecode form, else ``{"module": "builtins", "class_name": "function", "config": <its
    registered name, else its name>, "registered_name": "function"}``."""
    from ..registry import get_registered_name, serialize_lambda
    if getattr(fn, "__name__", None) == "<lambda>":
        return serialize_lambda(fn)
    return {"module": "builtins", "class_name": "function", "config": get_registered_name(fn),
            "registered_name": "function"}


class LearningRateVariable(Variable):
    """An optimizer's learning rate as Keras keeps it: a float32 scalar ``Variable`` named
    ``learning_rate``. ``assign`` checks the value as the optimizer does (finite, >= 0).
    Unlike layer weights it compares by value (``lr == 0.5``, ``lr > 1e-3``), rounds and
    formats like a number, as Keras's variable does through its tensor."""

    def __init__(self, value, optimizer):
        super().__init__(np.float32(value), "learning_rate", trainable=False)
        self.path = f"{optimizer.name}/learning_rate"
        self._optimizer = optimizer

    def assign(self, value):
        """Set the optimizer's learning rate (Keras: ``optimizer.learning_rate.assign(value)``)."""
        self._optimizer.learning_rate = value
        return self

    def assign_add(self, value):
        return self.assign(float(self.value) + float(np.asarray(value)))

    def assign_sub(self, value):
        return self.assign(float(self.value) - float(np.asarray(value)))

    __hash__ = Variable.__hash__

    def __eq__(self, other):
        return self.value == other

    def __ne__(self, other):
        return self.value != other

    def __lt__(self, other):
        return self.value < other

    def __le__(self, other):
        return self.value <= other

    def __gt__(self, other):
        return self.value > other

    def __ge__(self, other):
        return self.value >= other

    def __pow__(self, other):
        return self.value ** other

    def __round__(self, ndigits=None):
        return round(float(self.value), ndigits)

    def __format__(self, spec):
        return format(float(self.value), spec)

    def __bool__(self):
        return bool(self.value)


class IterationCount(int):
    """``optimizer.iterations``: an int with the methods of Keras's int64 variable."""

    def __new__(cls, value, optimizer):
        count = super().__new__(cls, value)
        count._optimizer = optimizer
        return count

    def assign(self, value):
        """Set the optimizer's iteration count (a schedule then reads it)."""
        self._optimizer.iterations = value

    def assign_add(self, value):
        self._optimizer.iterations = int(self) + int(value)

    def numpy(self):
        return np.array(int(self), dtype=np.int64)

    @property
    def value(self):
        return np.int64(self)

    dtype = "int64"
    shape = ()

    def __reduce__(self):
        return int, (int(self),)

    def __deepcopy__(self, memo):
        return int(self)


def _scale_to_norm(grad, max_norm, norm):
    return grad * np.float32(max_norm / norm) if norm > max_norm else grad
