"""Numerical gradient checks shared by the tests: central finite differences against the
analytic backward passes of layers, activations and losses.

Layers are checked entirely in float64: the weights are swapped for float64 copies and the
input is float64, so NumPy carries float64 through the forward and backward code and a
step of 1e-6 is accurate to ~1e-9. Losses cast their inputs to float32 (as Keras does), so
they are differentiated with a larger step and Richardson extrapolation, which cancels the
h**2 error term while keeping float32 rounding noise (~1e-7 / h) small.
"""
import contextlib

import numpy as np

from minikeras import activations


def numerical_gradient(f, x, h=1e-6, richardson=False):
    """d f / d x by central differences; ``f`` maps an array shaped like ``x`` to a scalar."""
    x = np.array(x, dtype=np.float64, order="C")  # C order: reshape(-1) below must be a view
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)

    def central(i, step):
        saved = flat[i]
        flat[i] = saved + step
        up = float(f(x))
        flat[i] = saved - step
        down = float(f(x))
        flat[i] = saved
        return (up - down) / (2 * step)

    for i in range(flat.size):  # test helper: a loop over a few dozen elements
        d = central(i, h)
        out[i] = (4 * central(i, h / 2) - d) / 3 if richardson else d
    return grad


def assert_gradients_close(analytic, numeric, rtol, atol_fraction, what):
    """|analytic - numeric| <= rtol * |numeric| + atol_fraction * max|numeric| (at least 1)."""
    analytic, numeric = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    assert analytic.shape == numeric.shape, f"{what}: analytic shape {analytic.shape} != {numeric.shape}"
    scale = max(1.0, float(np.max(np.abs(numeric))) if numeric.size else 1.0)
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol_fraction * scale,
                               err_msg=f"{what}: analytic gradient differs from finite differences")


# -- layers --------------------------------------------------------------------------------

@contextlib.contextmanager
def float64_weights(layer):
    """Temporarily replace every weight of ``layer`` by a float64 copy (restored on exit)."""
    variables = layer.weights
    saved = [v.value for v in variables]
    try:
        for v in variables:
            v.value = v.value.astype(np.float64)
            v.grad = None
        yield variables
    finally:
        for v, value in zip(variables, saved):
            v.value = value
            v.grad = None


def check_layer_gradients(layer, x, seed=0, rtol=1e-5, atol_fraction=1e-7, before_call=None,
                          check_input=True):
    """Check a built layer's input gradient and every trainable weight's gradient in float64.

    The objective is ``sum(layer.call(x, training=True) * R)`` with a fixed random ``R``, so
    the upstream gradient given to ``backward`` is ``R``. ``before_call`` (e.g. a reseed) runs
    before every forward pass, so a random layer sees the same randomness each time.
    Returns the analytic input gradient.
    """
    x = np.asarray(x, dtype=np.float64)
    before = before_call or (lambda: None)
    with float64_weights(layer) as variables:
        before()
        y = layer.call(x.copy(), training=True)
        r = np.random.default_rng(seed).standard_normal(np.shape(y))

        def objective(inputs):
            before()
            return np.sum(layer.call(inputs, training=True) * r)

        before()
        layer.call(x.copy(), training=True)
        grad_x = layer.backward(r.copy())
        weight_grads = [None if v.grad is None else np.array(v.grad, dtype=np.float64) for v in variables]
        if check_input:
            assert grad_x is not None, f"{layer.name}: backward returned no input gradient"
            numeric = numerical_gradient(objective, x)
            assert_gradients_close(grad_x, numeric, rtol, atol_fraction, f"{layer.name} input")
        for variable, analytic in zip(variables, weight_grads):
            if not variable.trainable or not layer.trainable:
                continue
            assert analytic is not None, f"{layer.name}: backward wrote no gradient for {variable.name}"
            original = variable.value.copy()

            def weight_objective(w, variable=variable):
                variable.value = w
                try:
                    return objective(x.copy())
                finally:
                    variable.value = original

            numeric = numerical_gradient(weight_objective, original)
            variable.value = original
            assert_gradients_close(analytic, numeric, rtol, atol_fraction, f"{layer.name} {variable.name}")
    return grad_x


def check_merge_gradients(layer, inputs, seed=0, rtol=1e-5, atol_fraction=1e-7, h=1e-6):
    """Check the gradient ``backward`` returns for every input of a layer taking a list of inputs
    (a merge layer), in float64.

    The objective is ``sum(layer.call(inputs, training=True) * R)`` with a fixed random ``R``;
    ``backward(R)`` must return one gradient per input, each of that input's shape. The layer is
    built from the inputs' shapes (batch None) if needed; the inputs must be left unchanged.
    ``h`` is the finite-difference step. Returns the analytic gradients.
    """
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    originals = [x.copy() for x in inputs]
    if not layer.built:
        layer.build_for([(None,) + x.shape[1:] for x in inputs])
    y = layer.call([x.copy() for x in inputs], training=True)
    assert y.dtype == np.float64, f"{layer.name}: float64 inputs gave a {y.dtype} output"
    r = np.random.default_rng(seed).standard_normal(np.shape(y))
    layer.call(inputs, training=True)
    grads = layer.backward(r.copy())
    for x, original in zip(inputs, originals):
        np.testing.assert_array_equal(x, original, err_msg=f"{layer.name} modified an input in place")
    assert isinstance(grads, list) and len(grads) == len(inputs), \
        f"{layer.name}: backward must return a list of {len(inputs)} gradients, got {type(grads).__name__}"
    for i, (x, analytic) in enumerate(zip(inputs, grads)):
        def objective(value, i=i):
            return np.sum(layer.call(inputs[:i] + [value] + inputs[i + 1:], training=True) * r)

        assert np.shape(analytic) == x.shape, \
            f"{layer.name}: gradient {i} has shape {np.shape(analytic)}, input {i} has shape {x.shape}"
        numeric = numerical_gradient(objective, x, h)
        assert_gradients_close(analytic, numeric, rtol, atol_fraction, f"{layer.name} input {i}")
    return grads


# -- activations -----------------------------------------------------------------------------

def check_activation_gradient(fn, x, rtol=1e-5, atol_fraction=1e-7, seed=0, **kwargs):
    """Check ``activations.backward(fn)(grad, x, y, **kwargs)`` in float64 against differences of
    ``fn(x, **kwargs)`` with a random upstream gradient."""
    x = np.asarray(x, dtype=np.float64)
    y = fn(x.copy(), **kwargs)
    assert y.dtype == np.float64, f"{fn.__name__} turned float64 input into {y.dtype}"
    g = np.random.default_rng(seed).standard_normal(y.shape)
    analytic = activations.backward(fn)(g.copy(), x.copy(), y.copy(), **kwargs)
    numeric = numerical_gradient(lambda v: np.sum(fn(v, **kwargs) * g), x)
    assert_gradients_close(analytic, numeric, rtol, atol_fraction, f"activation {fn.__name__}{kwargs or ''}")


# -- losses -------------------------------------------------------------------------------------

LOSS_H, LOSS_RTOL, LOSS_ATOL = 1e-2, 2e-3, 2e-4


def _total(value):
    return float(np.sum(np.asarray(value, dtype=np.float64)))


def check_loss_gradient(loss, y_true, y_pred, sample_weight=None, h=LOSS_H, rtol=LOSS_RTOL,
                        atol_fraction=LOSS_ATOL):
    """Check ``loss.gradient`` against differences of ``loss(...)`` (summed when reduction='none')."""
    analytic = loss.gradient(y_true, np.asarray(y_pred, np.float32), sample_weight)
    numeric = numerical_gradient(lambda p: _total(loss(y_true, p, sample_weight)), y_pred, h, richardson=True)
    assert_gradients_close(analytic, numeric, rtol, atol_fraction, f"loss {loss.name} ({loss.reduction})")
    return analytic


def check_fused_gradient(loss, activation, y_true, logits, sample_weight=None, h=LOSS_H, rtol=LOSS_RTOL,
                         atol_fraction=LOSS_ATOL):
    """Check ``loss.gradient_wrt_logits(y_true, activation(z))`` against differences of
    ``loss(y_true, activation(z))`` with respect to the logits ``z``."""
    assert loss.fuses_with(activation), f"{loss.name} does not fuse with {activation.__name__}"
    logits = np.asarray(logits, np.float64)
    probabilities = activation(logits.astype(np.float32))
    prepared = loss.prepare(y_true, probabilities)
    analytic = loss.gradient_wrt_logits(prepared, probabilities, sample_weight)
    numeric = numerical_gradient(lambda z: _total(loss(y_true, activation(z), sample_weight)), logits, h,
                                 richardson=True)
    assert_gradients_close(analytic, numeric, rtol, atol_fraction,
                           f"fused {activation.__name__} + {loss.name} ({loss.reduction})")
    return analytic


# -- models and graphs, through the tape ---------------------------------------------------

def check_model_gradients(model, inputs, seed=0, rtol=1e-5, atol_fraction=1e-7, check_input=True,
                          before_call=None):
    """Check d sum(model(x) * R) / d x and / d each trainable weight, taken by
    ``keras.GradientTape`` (the tape a training step replays), against finite differences
    in float64. ``inputs`` is an array or a list of arrays (several model inputs); the
    model may have several outputs. Works for any model kind, shared layers included.
    ``before_call`` (e.g. a reseed) runs before every forward pass."""
    from minikeras import ops
    from minikeras.tape import GradientTape, Tape, Tracer, value_of

    several = isinstance(inputs, (list, tuple))
    xs = [np.asarray(x, dtype=np.float64) for x in (inputs if several else [inputs])]
    rng = np.random.default_rng(seed)
    before = before_call or (lambda: None)
    with float64_weights(model) as variables:
        trainable = [v for v in model.trainable_weights]
        before()
        probe = model._call(xs if several else xs[0], True)
        outs = probe if isinstance(probe, (list, tuple)) else [probe]
        rs = [rng.standard_normal(np.shape(o)) for o in outs]

        def objective(arrays):
            before()
            # on recorded values, so that layers keep float64 (plain arrays become float32)
            with Tape():
                traced = [Tracer(np.asarray(a)) for a in arrays]
                y = model._call(traced if several else traced[0], True)
            ys = y if isinstance(y, (list, tuple)) else [y]
            return sum(float(np.sum(np.asarray(value_of(o), np.float64) * r)) for o, r in zip(ys, rs))

        before()
        with GradientTape() as tape:
            watched = tape.watch(list(xs))
            y = model._call(watched if several else watched[0], True)
            ys = y if isinstance(y, (list, tuple)) else [y]
            total = None
            for o, r in zip(ys, rs):
                term = ops.sum(ops.multiply(o, r))
                total = term if total is None else ops.add(total, term)
        grads = tape.gradient(total, watched + trainable)
        grads = [None if g is None else np.array(g, dtype=np.float64) for g in grads]
        if check_input:
            for i, (x, g) in enumerate(zip(xs, grads)):
                def f(xi, i=i):
                    arrays = list(xs)
                    arrays[i] = xi
                    return objective(arrays)
                assert g is not None, f"input {i}: no gradient"
                assert_gradients_close(g, numerical_gradient(f, x), rtol, atol_fraction, f"input {i}")
        for variable, g in zip(trainable, grads[len(xs):]):
            original = variable.value.copy()

            def weight_objective(w, variable=variable):
                variable.value = w
                try:
                    return objective(xs)
                finally:
                    variable.value = original

            numeric = numerical_gradient(weight_objective, original)
            variable.value = original
            if g is None:
                g = np.zeros_like(numeric)
            assert_gradients_close(g, numeric, rtol, atol_fraction, f"{variable.path}")


# -- keras.ops ------------------------------------------------------------------------------

def _leaves(structure):
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _leaves(item)]
    return [structure]


def check_op_gradients(fn, *inputs, seed=0, rtol=1e-5, atol_fraction=1e-7, h=1e-6, what=None):
    """Check the gradients ``keras.GradientTape`` records through ``fn(*inputs)`` against central
    differences, in float64, with respect to every input.

    The objective is ``sum(output * R)`` over each float output (a list or tuple of outputs
    too, e.g. split or moments) with fixed random ``R``. Inside the tape the inputs are the
    values ``watch`` returns; the finite differences run ``fn`` on plain arrays, so this
    also checks that recording does not change the values. Returns the analytic gradients.
    """
    from minikeras import ops
    from minikeras.tape import GradientTape, Tracer

    what = what or getattr(fn, "__name__", "op")
    inputs = [np.array(x, dtype=np.float64) for x in inputs]
    plain = [np.asarray(o) for o in _leaves(fn(*[x.copy() for x in inputs]))]
    floats = [i for i, o in enumerate(plain) if o.dtype.kind == "f"]
    for i in floats:
        assert plain[i].dtype == np.float64, f"{what}: float64 inputs gave a {plain[i].dtype} output"
    rng = np.random.default_rng(seed)
    weights = {i: rng.standard_normal(plain[i].shape) for i in floats}

    def objective(*xs):
        outs = _leaves(fn(*xs))
        return float(np.sum([np.sum(np.asarray(outs[i], np.float64) * weights[i]) for i in floats]))

    with GradientTape() as tape:
        traced = [tape.watch(x) for x in inputs]
        outs = _leaves(fn(*traced))
        total = None
        for i in floats:
            assert type(outs[i]) is Tracer, f"{what}: output {i} was not recorded (got {type(outs[i]).__name__})"
            np.testing.assert_allclose(outs[i].value, plain[i], rtol=1e-12, atol=1e-12,
                                       err_msg=f"{what}: recording changed output {i}")
            term = ops.sum(ops.multiply(outs[i], weights[i]))
            total = term if total is None else ops.add(total, term)
    analytic = tape.gradient(total, traced)
    for k, (x, grad) in enumerate(zip(inputs, analytic)):
        assert grad is not None, f"{what}: no gradient reached input {k}"
        assert np.shape(grad) == x.shape, f"{what}: gradient of input {k} has shape {np.shape(grad)}, input {x.shape}"

        def partial(xk, k=k):
            return objective(*inputs[:k], xk, *inputs[k + 1:])

        numeric = numerical_gradient(partial, x, h)
        assert_gradients_close(grad, numeric, rtol, atol_fraction, f"{what} input {k}")
    return analytic
