"""The chunked, threaded optimizer updates against the plain textbook formulas.

The fast path cuts each weight into cache-sized pieces (and large weights between threads);
none of that may change a result beyond float32 rounding.
"""
import numpy as np
import pytest

from minikeras import optimizers
from minikeras.blas import openblas
from minikeras.optimizers import optimizer as optimizer_module
from minikeras.variable import Variable

# Sizes: smaller than a piece, not a multiple of it, and large enough to be split between threads.
SIZES = [(7,), (300, 129), (optimizer_module.PARALLEL_MIN + 12345,), (optimizer_module.CHEAP_PARALLEL_MIN + 4321,)]


def _grads(rng, shape, steps):
    grads = [rng.standard_normal(shape).astype(np.float32) * np.float32(0.01) for _ in range(steps)]
    for g in grads:
        g.reshape(-1)[::5] = 0  # weights that get no gradient, as dead units do
    return grads


def _reference_adam(w, grads, lr=0.001, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
    w = w.astype(np.float64)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    vhat = np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vhat = np.maximum(vhat, v)
        # Keras computes the bias correction from float32 powers.
        f, one = np.float32, np.float32(1)
        alpha = float(f(lr) * np.sqrt(one - f(b2) ** f(t)) / (one - f(b1) ** f(t)))
        w = w - alpha * m / (np.sqrt(vhat if amsgrad else v) + eps)
    return w


def _reference_sgd(w, grads, lr=0.01, momentum=0.9, nesterov=False):
    w = w.astype(np.float64)
    m = np.zeros_like(w)
    for g in grads:
        m = momentum * m - lr * g
        w = w + (momentum * m - lr * g if nesterov else m)
    return w


@pytest.fixture(params=["openblas", "numpy"])
def axpby_path(request, monkeypatch):
    """Run a test with OpenBLAS's saxpby (when NumPy's BLAS has it) and with the NumPy fallback."""
    if request.param == "openblas" and openblas.saxpby() is None:
        pytest.skip("NumPy's BLAS has no saxpby")
    if request.param == "numpy":
        monkeypatch.setattr(openblas, "_saxpby", None)
    return request.param


def _run(opt, w, grads):
    variable = Variable(w.copy(), "w")
    for g in grads:
        opt.apply([g], [variable])
    return variable.value


@pytest.mark.parametrize("shape", SIZES)
@pytest.mark.parametrize("amsgrad", [False, True])
def test_chunked_adam_matches_the_formula(shape, amsgrad, axpby_path):
    rng = np.random.default_rng(0)
    w = rng.standard_normal(shape).astype(np.float32)
    grads = _grads(rng, shape, 12)
    got = _run(optimizers.Adam(amsgrad=amsgrad), w, grads)
    np.testing.assert_allclose(got, _reference_adam(w, grads, amsgrad=amsgrad), rtol=2e-6, atol=2e-7)
    assert not np.array_equal(got, w)


@pytest.mark.parametrize("shape", SIZES)
@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_chunked_sgd_matches_the_formula(shape, momentum, nesterov, axpby_path):
    rng = np.random.default_rng(1)
    w = rng.standard_normal(shape).astype(np.float32)
    grads = _grads(rng, shape, 10)
    got = _run(optimizers.SGD(learning_rate=0.01, momentum=momentum, nesterov=nesterov), w, grads)
    np.testing.assert_allclose(got, _reference_sgd(w, grads, 0.01, momentum, nesterov), rtol=1e-5, atol=1e-6)


def test_threads_and_pieces_give_bit_identical_results(monkeypatch):
    rng = np.random.default_rng(2)
    shape = (optimizer_module.PARALLEL_MIN * 2 + 17,)
    w = rng.standard_normal(shape).astype(np.float32)
    grads = _grads(rng, shape, 5)
    monkeypatch.setattr(optimizer_module, "UPDATE_THREADS", 2)
    threaded = _run(optimizers.Adam(), w, grads)
    monkeypatch.setattr(optimizer_module, "UPDATE_THREADS", 1)
    monkeypatch.setattr(optimizer_module, "CHUNK", 10 ** 9)  # one piece: plain whole-array NumPy
    whole = _run(optimizers.Adam(), w, grads)
    np.testing.assert_array_equal(threaded, whole)


def test_adam_flushes_denormal_moments_without_changing_the_weights():
    # A weight that got one gradient and then none: its momentum decays by 0.9 a step and
    # passes through the float32 denormals (below 1.18e-38) on its way to zero.
    tiny = np.finfo(np.float32).tiny
    w = np.full((4,), 0.5, np.float32)
    grads = [np.full((4,), 1e-30, np.float32)] + [np.zeros((4,), np.float32)] * 250
    opt = optimizers.Adam()
    variable = Variable(w.copy(), "w")
    saw_denormal = False
    for g in grads:
        opt.apply([g], [variable])
        m, v = opt.slots(variable)
        saw_denormal |= bool(np.any((m != 0) & (np.abs(m) < tiny)))
        if opt.iterations % 64 == 0:
            assert not np.any((m != 0) & (np.abs(m) < tiny)), "a denormal momentum survived a flush"
            assert not np.any((v != 0) & (np.abs(v) < tiny)), "a denormal velocity survived a flush"
    assert saw_denormal  # the test does reach the denormal range
    np.testing.assert_allclose(variable.value, _reference_adam(w, grads), rtol=1e-6)


def test_sgd_momentum_flushes_denormals_without_changing_the_weights():
    tiny = np.finfo(np.float32).tiny
    grads = [np.full((4,), 1e-28, np.float32)] + [np.zeros((4,), np.float32)] * 300
    opt = optimizers.SGD(learning_rate=0.5, momentum=0.9)
    variable = Variable(np.full((4,), 0.5, np.float32), "w")
    saw_denormal = False
    reference_w, reference_m = np.float64(0.5), np.float64(0)
    for g in grads:
        opt.apply([g], [variable])
        reference_m = 0.9 * reference_m - 0.5 * np.float64(g[0])
        reference_w += reference_m
        (m,) = opt.slots(variable)
        saw_denormal |= bool(np.any((m != 0) & (np.abs(m) < tiny)))
        if opt.iterations % 64 == 0:
            assert not np.any((m != 0) & (np.abs(m) < tiny)), "a denormal momentum survived a flush"
    assert saw_denormal
    np.testing.assert_allclose(variable.value, reference_w, rtol=1e-7)


def _reference_others(name, w, grads, lr=0.01):
    """Float64 textbook updates of the optimizers written as chunked kernels after Adam and SGD."""
    w = w.astype(np.float64)
    a, b, c = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    eps = 1e-7
    for t, g in enumerate(grads, start=1):
        g = g.astype(np.float64)
        if name == "rmsprop":             # rho 0.9, momentum 0.5, centered
            a = 0.9 * a + 0.1 * g * g
            c = 0.9 * c + 0.1 * g
            b = 0.5 * b + lr * g / np.sqrt(a - c * c + eps)
            w = w - b
        elif name == "adagrad":           # initial accumulator 0.1
            a = (a if t > 1 else a + 0.1) + g * g
            w = w - lr * g / np.sqrt(a + eps)
        elif name == "adadelta":          # rho 0.95
            a = 0.95 * a + 0.05 * g * g
            delta = -np.sqrt(b + eps) / np.sqrt(a + eps) * g
            b = 0.95 * b + 0.05 * delta * delta
            w = w + lr * delta
        elif name == "adamax":
            a = 0.9 * a + 0.1 * g
            b = np.maximum(0.999 * b, np.abs(g))
            w = w - lr * a / ((1 - 0.9 ** t) * (b + eps))
        elif name == "nadam":
            u = [0.9 * (1 - 0.5 * 0.96 ** s) for s in range(1, t + 2)]
            a = 0.9 * a + 0.1 * g
            b = 0.999 * b + 0.001 * g * g
            m_hat = u[t] * a / (1 - np.prod(u[:t + 1])) + (1 - u[t - 1]) * g / (1 - np.prod(u[:t]))
            w = w - m_hat * lr / (np.sqrt(b / (1 - 0.999 ** t)) + eps)
    return w


OTHERS = {
    "rmsprop": lambda: optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
    "adagrad": lambda: optimizers.Adagrad(learning_rate=0.01),
    "adadelta": lambda: optimizers.Adadelta(learning_rate=0.01),
    "adamax": lambda: optimizers.Adamax(learning_rate=0.01),
    "nadam": lambda: optimizers.Nadam(learning_rate=0.01),
}


@pytest.mark.parametrize("shape", SIZES)
@pytest.mark.parametrize("name", sorted(OTHERS))
def test_chunked_kernels_of_the_other_optimizers_match_the_formulas(shape, name, monkeypatch):
    monkeypatch.setattr(optimizer_module, "UPDATE_THREADS", 2)
    rng = np.random.default_rng(3)
    w = rng.standard_normal(shape).astype(np.float32)
    grads = _grads(rng, shape, 8)
    got = _run(OTHERS[name](), w, grads)
    np.testing.assert_allclose(got, _reference_others(name, w, grads), rtol=2e-5, atol=2e-6)
    assert not np.array_equal(got, w)
    monkeypatch.setattr(optimizer_module, "UPDATE_THREADS", 1)
    monkeypatch.setattr(optimizer_module, "CHUNK", 10 ** 9)  # one piece: plain whole-array NumPy
    np.testing.assert_array_equal(_run(OTHERS[name](), w, grads), got)
