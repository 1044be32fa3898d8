"""keras.losses.ctc / CTC (issue 19) against real Keras 3.15.1 (tests/fixtures/keras_ctc.npz,
made by tests/fixtures/make_keras_ctc.py with jax.grad for the gradients). minikeras's CTC
has no hand-written gradient: it is written with keras.ops, and the tape differentiates it;
that gradient is checked against Keras's and against finite differences."""
import os

import numpy as np
import pytest

import minikeras as keras
from gradient_check import assert_gradients_close, numerical_gradient

DATA = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_ctc.npz"))
LABELS, LOGITS, WEIGHTS = DATA["labels"], DATA["logits"], DATA["weights"]


def _tape_gradient(loss, logits, sample_weight=None):
    with keras.GradientTape() as tape:
        z = tape.watch(logits)
        value = loss(LABELS, z, sample_weight=sample_weight)
    return tape.gradient(value, z)


def test_values_match_keras():
    np.testing.assert_allclose(keras.losses.ctc(LABELS, LOGITS), DATA["function"], rtol=1e-5)
    assert keras.losses.CTC()(LABELS, LOGITS) == pytest.approx(float(DATA["default"]), rel=1e-5)
    assert keras.losses.CTC(reduction="sum")(LABELS, LOGITS, sample_weight=WEIGHTS) == \
        pytest.approx(float(DATA["sum_weighted"]), rel=1e-5)
    # labels longer than the frames allow: Keras's -1e5 stand-in for log 0 shows through
    np.testing.assert_allclose(keras.losses.ctc(np.array([[1, 2, 3, 4, 1, 2]]), LOGITS[:1, :4]), DATA["too_long"],
                               rtol=1e-5)
    assert keras.losses.CTC().get_config() == {"name": "ctc", "reduction": "sum_over_batch_size"}
    assert isinstance(keras.losses.get("CTC"), keras.losses.CTC) and keras.losses.get("ctc") is keras.losses.ctc


def test_tape_gradient_matches_keras_and_finite_differences():
    np.testing.assert_allclose(_tape_gradient(keras.losses.CTC(), LOGITS), DATA["gradient"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(_tape_gradient(keras.losses.CTC(reduction="sum"), LOGITS, WEIGHTS),
                               DATA["gradient_weighted"], rtol=1e-4, atol=1e-6)
    small = LOGITS[:2, :5]
    labels = LABELS[:2]
    loss = keras.losses.CTC()
    with keras.GradientTape() as tape:
        z = tape.watch(small)
        value = loss(labels, z)
    analytic = tape.gradient(value, z)
    numeric = numerical_gradient(lambda p: float(loss(labels, p)), small, h=1e-2, richardson=True)
    assert_gradients_close(analytic, numeric, 1e-3, 1e-4, "ctc")


def test_ctc_trains_a_model_and_checks_shapes():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 6, 3)).astype("float32")
    y = np.tile(np.array([[1, 2, 0]]), (16, 1))
    model = keras.Sequential([keras.Input((6, 3)), keras.layers.Dense(4)])
    model.compile(keras.optimizers.Adam(0.05), loss=keras.losses.CTC())
    history = model.fit(x, y, epochs=15, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    with pytest.raises(ValueError, match="expected to be a tensor of shape `\\(batch_size, max_length\\)`"):
        keras.losses.ctc(np.zeros(3), LOGITS)
    with pytest.raises(ValueError, match="labels in \\[0, 4\\]"):
        keras.losses.ctc(np.array([[7, 1, 1, 1]] * 4), LOGITS)
