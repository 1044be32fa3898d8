"""Finite-difference checks of every layer, activation and loss backward (tests/gradient_check.py)."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import activations, layers, losses, regularizers
from minikeras.utils import set_random_seed

from gradient_check import (check_activation_gradient, check_fused_gradient, check_layer_gradients,
                            check_loss_gradient, numerical_gradient)


def _away_from(x, kinks, margin=0.05):
    """Move values within ``margin`` of a kink away from it (finite differences straddle kinks)."""
    x = np.array(x, dtype=np.float64)
    for k in kinks:
        near = np.abs(x - k) < margin
        x[near] = k + np.where(x[near] >= k, margin, -margin) * 2
    return x


RNG = np.random.default_rng(1234)
X = RNG.normal(scale=2.0, size=(4, 5))


# -- the helper itself must be able to fail ------------------------------------------------------

def test_gradient_check_catches_a_wrong_derivative():
    wrong = lambda g, x, y: g * y  # noqa: E731 - tanh's derivative is 1 - y**2, not y
    fn = lambda x: np.tanh(x)  # noqa: E731
    fn.backward = wrong
    with pytest.raises(AssertionError):
        check_activation_gradient(fn, X)


def test_numerical_gradient_of_a_known_function():
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v ** 3), x), 3 * x ** 2, rtol=1e-8)


# -- activations ----------------------------------------------------------------------------------

ACTIVATION_CASES = [
    ("relu", {}, [0.0]), ("sigmoid", {}, []), ("tanh", {}, []), ("linear", {}, []),
    ("leaky_relu", {}, [0.0]), ("leaky_relu", {"negative_slope": 0.05}, [0.0]),
    ("elu", {}, [0.0]), ("elu", {"alpha": 0.5}, [0.0]), ("selu", {}, [0.0]),
    ("gelu", {}, []), ("gelu", {"approximate": True}, []),
    ("softplus", {}, []), ("softsign", {}, [0.0]), ("swish", {}, []), ("silu", {}, []),
    ("hard_sigmoid", {}, [-3.0, 3.0]), ("hard_silu", {}, [-3.0, 3.0]), ("relu6", {}, [0.0, 6.0]),
    ("exponential", {}, []),
    ("relu", {"negative_slope": 0.1}, [0.0]), ("relu", {"max_value": 1.5}, [0.0, 1.5]),
    ("relu", {"threshold": 0.5}, [0.5]),
    ("celu", {}, []), ("celu", {"alpha": 0.5}, []), ("hard_shrink", {}, [-0.5, 0.5]),
    ("hard_shrink", {"threshold": 1.0}, [-1.0, 1.0]), ("hard_tanh", {}, [-1.0, 1.0]), ("log_sigmoid", {}, []),
    ("mish", {}, []), ("soft_shrink", {}, [-0.5, 0.5]), ("soft_shrink", {"threshold": 1.0}, [-1.0, 1.0]),
    ("sparse_plus", {}, [-1.0, 1.0]), ("sparse_sigmoid", {}, [-1.0, 1.0]), ("squareplus", {}, []),
    ("squareplus", {"b": 1}, []), ("tanh_shrink", {}, []),
    ("threshold", {"threshold": 0.5, "default_value": -1.0}, [0.5]),
]


@pytest.mark.parametrize("name, kwargs, kinks", ACTIVATION_CASES,
                         ids=[f"{n}{'-' + '-'.join(map(str, k.values())) if k else ''}" for n, k, _ in ACTIVATION_CASES])
def test_activation_gradient(name, kwargs, kinks):
    x = _away_from(np.concatenate([X, 4 * X]), kinks)
    # exact gelu uses an erf approximation with |error| < 1.5e-7 (2 float32 ulps); its
    # derivative (the exact Gaussian density) differs from the approximation's slope by ~1e-6.
    atol = 2e-6 if name == "gelu" and not kwargs else 1e-7
    check_activation_gradient(activations.get(name), x, atol_fraction=atol, **kwargs)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
def test_softmax_gradient_on_every_axis(name, axis):
    x = RNG.normal(size=(3, 4, 5))
    check_activation_gradient(activations.get(name), x, axis=axis)


@pytest.mark.parametrize("name", ["glu", "sparsemax"])
@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
def test_axis_activation_gradient_on_every_axis(name, axis):
    # glu halves the axis (even sizes); sparsemax at scale 0.5 keeps 1 to 4 elements in the support
    x = RNG.normal(scale=0.5, size=(4, 6, 2))
    check_activation_gradient(activations.get(name), x, axis=axis)


# -- layers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", [None, "relu", "sigmoid", "tanh", "softmax", "linear", "leaky_relu",
                                        "elu", "selu", "gelu", "softplus", "softsign", "swish", "silu",
                                        "hard_sigmoid", "hard_silu", "relu6", "exponential", "log_softmax",
                                        "celu", "glu", "hard_shrink", "hard_tanh", "log_sigmoid", "mish",
                                        "soft_shrink", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus",
                                        "tanh_shrink"])
def test_dense_gradients_with_each_activation(activation):
    layer = layers.Dense(4 if activation == "glu" else 3, activation=activation, bias_initializer="random_normal")
    layer.build_for((None, 5))
    x = RNG.normal(scale=0.7, size=(4, 5))
    if activation in ("relu", "leaky_relu", "elu", "selu", "hard_sigmoid", "hard_silu", "relu6", "softsign"):
        # nudge pre-activations off the kinks at 0 and ±3
        z = x @ layer.kernel.value + layer.bias.value
        assert np.min(np.abs(z)) > 1e-4 and np.min(np.abs(np.abs(z) - 3)) > 1e-4
    check_layer_gradients(layer, x, atol_fraction=2e-6 if activation == "gelu" else 1e-7)


def test_dense_gradients_without_bias_and_on_rank_3_input():
    layer = layers.Dense(4, activation="tanh", use_bias=False)
    layer.build_for((None, 2, 3))
    assert [v.name for v in layer.weights] == ["kernel"]
    check_layer_gradients(layer, RNG.normal(size=(2, 2, 3)))


def test_dense_regularizer_gradients_match_their_penalties():
    for regularizer in (regularizers.L1(0.03), regularizers.L2(0.02), regularizers.L1L2(0.01, 0.05)):
        w = _away_from(RNG.normal(size=(3, 4)), [0.0])
        numeric = numerical_gradient(regularizer, w)
        np.testing.assert_allclose(regularizer.gradient(w), numeric, rtol=1e-6, atol=1e-9)
    layer = layers.Dense(2, kernel_regularizer="l2", bias_regularizer=regularizers.L1(0.1),
                         bias_initializer="ones")
    layer.build_for((None, 3))
    expected = 0.01 * np.sum(layer.kernel.value.astype(np.float64) ** 2) + 0.1 * 2
    assert layer.regularization_loss() == pytest.approx(expected, rel=1e-6)
    check_layer_gradients(layer, RNG.normal(size=(3, 3)))


def test_regularizer_penalty_and_gradient_enter_training():
    # One SGD step with lr=1 and zero data gradient moves the kernel by exactly -dPenalty/dw.
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1, use_bias=False, kernel_regularizer=
                                                              regularizers.L2(0.5), kernel_initializer="ones")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    x = np.zeros((4, 2), np.float32)
    loss = model.train_on_batch(x, np.zeros((4, 1), np.float32))
    assert loss == pytest.approx(0.5 * 2, rel=1e-6)  # penalty 0.5 * (1 + 1), data loss 0
    np.testing.assert_allclose(model.get_weights()[0], 1 - 0.1 * 2 * 0.5 * np.ones((2, 1)), rtol=1e-6)


@pytest.mark.parametrize("make, shape", [
    (lambda: layers.Flatten(), (3, 2, 2, 2)),
    (lambda: layers.Flatten(data_format="channels_first"), (3, 2, 3, 4)),
    (lambda: layers.Reshape((4, -1)), (3, 2, 6)),
    (lambda: layers.Reshape((2, 3)), (2, 6)),
    (lambda: layers.Activation("tanh"), (3, 4)),
    (lambda: layers.Activation("gelu"), (3, 4)),
    (lambda: layers.Activation(activations.log_softmax), (3, 4)),
    (lambda: layers.Softmax(), (3, 4)),
    (lambda: layers.Softmax(axis=1), (3, 4, 2)),
    (lambda: layers.Softmax(axis=0), (3, 4)),
    (lambda: layers.InputLayer(shape=(4,)), (3, 4)),
])
def test_shape_and_activation_layer_gradients(make, shape):
    layer = make()
    layer.build_for((None,) + shape[1:])
    check_layer_gradients(layer, RNG.normal(size=shape))


def test_dropout_gradient_with_fixed_mask():
    layer = layers.Dropout(0.4)
    layer.build_for((None, 6))
    x = RNG.normal(size=(5, 6))
    grad = check_layer_gradients(layer, x, before_call=lambda: set_random_seed(7))
    set_random_seed(7)
    y = layer.call(x, training=True)
    kept = y != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(y[kept], x[kept] / 0.6)
    # The same seeded layer draws the same mask, but a new one on every call.
    seeded = layers.Dropout(0.5, seed=3)
    first, second = seeded.call(np.ones((4, 8)), training=True), seeded.call(np.ones((4, 8)), training=True)
    assert not np.array_equal(first, second)
    again = layers.Dropout(0.5, seed=3).call(np.ones((4, 8)), training=True)
    np.testing.assert_array_equal(first, again)
    assert grad.shape == x.shape


def test_nested_sequential_gradients():
    inner = keras.Sequential([layers.Dense(4, activation="tanh"), layers.Dense(3, activation="sigmoid")])
    model = keras.Sequential([keras.Input((5,)), layers.Flatten(), inner, layers.Dense(2), layers.Softmax()])
    model.build()
    outer_vars = model.weights
    assert len(outer_vars) == 6
    _check_model(model, RNG.normal(size=(3, 5)))


def _check_model(model, x):
    from gradient_check import check_model_gradients
    check_model_gradients(model, x)


# -- losses ---------------------------------------------------------------------------------------

def _probabilities(shape, seed=0):
    p = np.random.default_rng(seed).uniform(0.15, 1.0, size=shape)
    return p / p.sum(axis=-1, keepdims=True)


REG_TRUE = RNG.normal(size=(4, 3))
REG_PRED = REG_TRUE + RNG.normal(scale=0.8, size=(4, 3))
POSITIVE_TRUE = RNG.uniform(0.2, 3.0, size=(4, 3))
POSITIVE_PRED = RNG.uniform(0.2, 3.0, size=(4, 3))
SIGNS = RNG.choice([-1.0, 1.0], size=(4, 3))
BINARY = RNG.integers(0, 2, size=(4, 3)).astype(np.float64)
ONE_HOT = np.eye(3)[[0, 2, 1, 2]]
PROBS = _probabilities((4, 3))
SAMPLE_WEIGHT = np.array([0.5, 2.0, 1.0, 0.0])


def _regression_cases():
    return [
        (losses.MeanSquaredError, {}, REG_TRUE, REG_PRED),
        (losses.MeanAbsoluteError, {}, REG_TRUE, REG_PRED),
        (losses.MeanAbsolutePercentageError, {}, REG_TRUE, REG_PRED),
        (losses.MeanSquaredLogarithmicError, {}, POSITIVE_TRUE, POSITIVE_PRED),
        (losses.Huber, {}, REG_TRUE, REG_PRED),
        (losses.Huber, {"delta": 0.3}, REG_TRUE, REG_PRED),
        (losses.LogCosh, {}, REG_TRUE, REG_PRED),
        (losses.KLDivergence, {}, _probabilities((4, 3), 1), PROBS),
        (losses.Hinge, {}, SIGNS, REG_PRED),
        (losses.Hinge, {}, BINARY, REG_PRED),
        (losses.SquaredHinge, {}, SIGNS, REG_PRED),
        (losses.CategoricalHinge, {}, ONE_HOT, REG_PRED),
        (losses.Poisson, {}, POSITIVE_TRUE, POSITIVE_PRED),
        (losses.CosineSimilarity, {}, REG_TRUE, REG_PRED),
        (losses.CosineSimilarity, {"axis": 0}, REG_TRUE, REG_PRED),
        (losses.BinaryCrossentropy, {}, BINARY, PROBS),
        (losses.BinaryCrossentropy, {"label_smoothing": 0.2}, BINARY, PROBS),
        (losses.BinaryCrossentropy, {"from_logits": True}, BINARY, REG_PRED),
        (losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1}, BINARY, REG_PRED),
        (losses.CategoricalCrossentropy, {}, ONE_HOT, PROBS),
        (losses.CategoricalCrossentropy, {}, ONE_HOT, PROBS * 3),  # unnormalized probabilities
        (losses.CategoricalCrossentropy, {"label_smoothing": 0.3}, ONE_HOT, PROBS),
        (losses.CategoricalCrossentropy, {"from_logits": True}, ONE_HOT, REG_PRED),
        (losses.CategoricalCrossentropy, {"from_logits": True, "label_smoothing": 0.2}, ONE_HOT, REG_PRED),
        (losses.CategoricalCrossentropy, {"axis": 0}, ONE_HOT.T.copy(), PROBS.T.copy()),
        (losses.SparseCategoricalCrossentropy, {}, np.array([0, 2, 1, 2]), PROBS),
        (losses.SparseCategoricalCrossentropy, {}, np.array([0, 2, 1, 2]), PROBS * 2),
        (losses.SparseCategoricalCrossentropy, {"from_logits": True}, np.array([[0], [2], [1], [2]]), REG_PRED),
        (losses.SparseCategoricalCrossentropy, {"from_logits": True, "ignore_class": 1},
         np.array([0, 2, 1, 2]), REG_PRED),
    ]


def _loss_id(case):
    cls, kwargs = case[0], case[1]
    return cls.__name__ + "".join(f"-{k}={v}" for k, v in kwargs.items())


LOSS_CASES = _regression_cases()


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"])
@pytest.mark.parametrize("case", LOSS_CASES, ids=[_loss_id(c) for c in LOSS_CASES])
def test_loss_gradient(case, reduction):
    cls, kwargs, y_true, y_pred = case
    y_pred = _away_from(y_pred, [0.0] if cls in (losses.MeanAbsoluteError, losses.MeanAbsolutePercentageError)
                        else [])
    if cls in (losses.MeanAbsoluteError, losses.MeanAbsolutePercentageError, losses.Huber):
        y_pred = y_true + _away_from(y_pred - y_true, [0.0, -kwargs.get("delta", 9), kwargs.get("delta", 9)])
    loss = cls(reduction=reduction, **kwargs)
    weights = SAMPLE_WEIGHT if kwargs.get("axis", -1) == -1 else None
    check_loss_gradient(loss, y_true, y_pred)
    if weights is not None:
        check_loss_gradient(loss, y_true, y_pred, sample_weight=weights)


def test_hinge_kinks_are_avoided_in_the_cases():
    # hinge is piecewise linear: the cases above must not sit on 1 - y*p == 0
    for y_true in (SIGNS, 2 * BINARY - 1):
        assert np.min(np.abs(1 - y_true * REG_PRED)) > 0.05


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
@pytest.mark.parametrize("loss, activation, y_true", [
    (losses.CategoricalCrossentropy(), activations.softmax, ONE_HOT),
    (losses.CategoricalCrossentropy(label_smoothing=0.2), activations.softmax, ONE_HOT),
    (losses.SparseCategoricalCrossentropy(), activations.softmax, np.array([0, 2, 1, 2])),
    (losses.SparseCategoricalCrossentropy(ignore_class=2), activations.softmax, np.array([0, 2, 1, 2])),
    (losses.BinaryCrossentropy(), activations.sigmoid, BINARY),
    (losses.BinaryCrossentropy(label_smoothing=0.1), activations.sigmoid, BINARY),
], ids=["cce", "cce-smoothing", "scce", "scce-ignore", "bce", "bce-smoothing"])
def test_fused_cross_entropy_gradient_wrt_logits(loss, activation, y_true, reduction):
    loss.reduction = reduction
    logits = RNG.normal(scale=1.5, size=(4, 3))
    check_fused_gradient(loss, activation, y_true, logits)
    check_fused_gradient(loss, activation, y_true, logits, sample_weight=SAMPLE_WEIGHT)


def test_loss_gradient_rank_3_with_per_timestep_weights():
    y_true = RNG.normal(size=(2, 3, 4))
    y_pred = RNG.normal(size=(2, 3, 4))
    weights = RNG.uniform(size=(2, 3))
    check_loss_gradient(losses.MeanSquaredError(), y_true, y_pred, sample_weight=weights)
    labels = np.array([[0, 3, 1], [2, 2, 0]])
    check_loss_gradient(losses.SparseCategoricalCrossentropy(from_logits=True), labels, y_pred,
                        sample_weight=weights)


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
@pytest.mark.parametrize("make_loss", [losses.SparseCategoricalCrossentropy,
                                       lambda **kw: losses.SparseCategoricalCrossentropy(ignore_class=1, **kw),
                                       losses.CategoricalCrossentropy, losses.BinaryCrossentropy],
                         ids=["scce", "scce-ignore", "cce", "bce"])
@pytest.mark.parametrize("weighted", [False, True])
def test_value_and_gradient_wrt_logits_equals_the_separate_calls_bit_for_bit(make_loss, reduction, weighted):
    """The training loop's one call (a short path for the common sparse case) changes no bit."""
    loss = make_loss(reduction=reduction)
    rng = np.random.default_rng(7)
    logits = rng.normal(scale=4.0, size=(33, 10)).astype(np.float32)
    logits[0, 3] = 60.0  # a saturated row: probabilities clipped at both ends
    if isinstance(loss, losses.BinaryCrossentropy):
        probabilities, y = activations.sigmoid(logits), (rng.random((33, 10)) > 0.5).astype(np.float32)
    else:
        probabilities, labels = activations.softmax(logits), rng.integers(0, 10, 33)
        y = labels if isinstance(loss, losses.SparseCategoricalCrossentropy) else np.eye(10, dtype=np.float32)[labels]
    weights = rng.random(33).astype(np.float32) if weighted else None
    y_true = loss.prepare(y, probabilities)
    value, grad = loss.value_and_gradient_wrt_logits(y_true, probabilities, weights)
    assert np.array_equal(value, loss.value(y_true, probabilities, weights))
    expected = loss.gradient_wrt_logits(y_true, probabilities, weights)
    assert grad.dtype == expected.dtype == np.float32 and np.array_equal(grad, expected)
