"""Training numerics: extreme logits stay finite, divergence shows in the logs and stops cleanly.

References are SciPy's float64 special functions (scipy.special), not minikeras's own code.
"""
import numpy as np
import pytest
from scipy import special

import minikeras as keras
from minikeras import activations, losses

EXTREME = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4 - 1, -1e4], [-1e4, -1e4, -1e4], [3.0, -2.0, 0.5]],
                   dtype=np.float32)
Z64 = EXTREME.astype(np.float64)


def _finite(*arrays):
    return all(np.all(np.isfinite(a)) for a in arrays)


@pytest.mark.parametrize("name, reference", [
    ("softmax", lambda z: special.softmax(z, axis=-1)),
    ("log_softmax", lambda z: special.log_softmax(z, axis=-1)),
    ("sigmoid", special.expit),
    ("softplus", lambda z: np.logaddexp(0, z)),
    ("tanh", np.tanh),
    ("silu", lambda z: z * special.expit(z)),
    ("elu", lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0)))),
    ("gelu", lambda z: 0.5 * z * (1 + special.erf(z / np.sqrt(2)))),
])
def test_activation_values_and_derivatives_are_finite_at_extreme_logits(name, reference):
    fn = activations.get(name)
    y = fn(EXTREME.copy())
    assert y.dtype == np.float32 and _finite(y), f"{name}({EXTREME.tolist()}) = {y.tolist()}"
    np.testing.assert_allclose(y, reference(Z64), rtol=1e-6, atol=1e-6)
    grad = activations.backward(fn)(np.ones_like(y), EXTREME.copy(), y)
    assert _finite(grad), f"d{name} at extreme logits: {grad.tolist()}"


def test_softmax_rows_sum_to_one_and_the_winner_takes_all():
    p = activations.softmax(EXTREME.copy())
    np.testing.assert_allclose(p.sum(axis=-1), 1, rtol=1e-6)
    assert p[0, 2] == 1 and p[0, 0] == 0
    np.testing.assert_allclose(p[2], 1 / 3, rtol=1e-6)
    # logits one apart at 1e4: exp(-1) / (1 + exp(-1)) survives, not 0/0 or 0.5
    np.testing.assert_allclose(p[1, :2], special.softmax([1.0, 0.0]), rtol=1e-5)


LABELS = np.array([0, 2, 1, 1])


@pytest.mark.parametrize("loss", [losses.SparseCategoricalCrossentropy(from_logits=True),
                                  losses.CategoricalCrossentropy(from_logits=True)], ids=["sparse", "categorical"])
def test_cross_entropy_from_logits_is_exact_at_extreme_logits(loss):
    y = LABELS if isinstance(loss, losses.SparseCategoricalCrossentropy) else np.eye(3, dtype=np.float32)[LABELS]
    expected = -special.log_softmax(Z64, axis=-1)[np.arange(4), LABELS]  # [2e4, 2e4, log 3, ...]
    reduced = loss(y, EXTREME)
    np.testing.assert_allclose(reduced, expected.mean(), rtol=1e-6)
    grad = loss.gradient(y, EXTREME)
    assert _finite(grad)
    np.testing.assert_allclose(grad, (special.softmax(Z64, axis=-1) - np.eye(3)[LABELS]) / 4, atol=1e-7)


@pytest.mark.parametrize("loss", [losses.SparseCategoricalCrossentropy(), losses.CategoricalCrossentropy()],
                         ids=["sparse", "categorical"])
def test_cross_entropy_from_saturated_probabilities_is_clipped_not_infinite(loss):
    y = LABELS if isinstance(loss, losses.SparseCategoricalCrossentropy) else np.eye(3, dtype=np.float32)[LABELS]
    probabilities = activations.softmax(EXTREME.copy())  # exact zeros and ones
    value = loss(y, probabilities)
    assert np.isfinite(value)
    # a certainly-wrong prediction costs -log(eps), eps = 1e-7 (Keras's clip), rows 0 and 1
    assert float(value) == pytest.approx((2 * -np.log(1e-7) + np.log(3) + -special.log_softmax(Z64[3])[1]) / 4,
                                         rel=1e-3)
    assert _finite(loss.gradient(y, probabilities))
    fused = loss.gradient_wrt_logits(loss.prepare(y, probabilities), probabilities)
    np.testing.assert_allclose(fused, (probabilities - np.eye(3)[LABELS]) / 4, atol=1e-7)


def test_binary_cross_entropy_at_extreme_logits():
    targets = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]], dtype=np.float32)
    t64 = targets.astype(np.float64)
    expected = np.mean(np.logaddexp(0, Z64) - t64 * Z64, axis=-1).mean()  # -log sigmoid, exact
    from_logits = losses.BinaryCrossentropy(from_logits=True)
    np.testing.assert_allclose(from_logits(targets, EXTREME), expected, rtol=1e-6)
    np.testing.assert_allclose(from_logits.gradient(targets, EXTREME), (special.expit(Z64) - t64) / 12, atol=1e-7)
    probabilities = activations.sigmoid(EXTREME.copy())
    on_probabilities = losses.BinaryCrossentropy()
    assert np.isfinite(on_probabilities(targets, probabilities))
    assert _finite(on_probabilities.gradient(targets, probabilities))
    np.testing.assert_allclose(on_probabilities.gradient_wrt_logits(targets, probabilities),
                               (probabilities - targets) / 12, atol=1e-7)


@pytest.mark.parametrize("activation, loss", [("softmax", "sparse_categorical_crossentropy"),
                                              ("sigmoid", "binary_crossentropy"),
                                              ("linear", keras.losses.SparseCategoricalCrossentropy(from_logits=True))])
def test_a_training_step_on_saturated_logits_stays_finite(activation, loss):
    keras.utils.set_random_seed(0)
    units = 1 if activation == "sigmoid" else 3
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation=activation)])
    model.compile(optimizer="sgd", loss=loss)
    kernel, bias = model.get_weights()
    model.set_weights([kernel * 1e4, bias])
    x = np.random.default_rng(1).standard_normal((16, 4)).astype(np.float32)
    y = np.random.default_rng(2).integers(0, units if units > 1 else 2, 16)
    logs = model.train_on_batch(x, y, return_dict=True)
    assert np.isfinite(logs["loss"]) and logs["loss"] > 1  # confidently wrong somewhere, yet finite
    assert all(_finite(w) for w in model.get_weights())


def _diverging_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e3), loss="mse")
    x = np.random.default_rng(0).standard_normal((64, 2)).astype(np.float32) * 10
    return model, x, x.sum(axis=1, keepdims=True)


def test_divergence_is_reported_in_the_logs():
    model, x, y = _diverging_model()
    with np.errstate(all="ignore"):
        history = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 4
    assert not np.isfinite(history.history["loss"][-1]), history.history["loss"]


def test_terminate_on_nan_stops_at_the_first_non_finite_batch():
    terminate = getattr(keras.callbacks, "TerminateOnNaN", None)
    if terminate is None:
        pytest.skip("TerminateOnNaN has not landed yet (callbacks issue)")
    model, x, y = _diverging_model()
    seen = []
    record = keras.callbacks.Callback()
    record.on_train_batch_end = lambda batch, logs=None: seen.append(float(logs["loss"]))
    with np.errstate(all="ignore"):
        history = model.fit(x, y, epochs=20, batch_size=8, verbose=0, callbacks=[record, terminate()])
    assert model.stop_training
    assert len(seen) < 20 * 8 and not np.isfinite(seen[-1]) and all(np.isfinite(seen[:-1]))
    assert len(history.history.get("loss", [])) <= 1
