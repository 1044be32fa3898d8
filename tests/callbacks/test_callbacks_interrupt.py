"""Ctrl-C during fit: stop at the current batch with consistent weights, flush, keep history, re-raise."""
import csv
import os
import signal

import numpy as np
import pytest

import minikeras as keras
from conftest import make_classifier


def _saving_available(tmp_path, model):
    try:
        model.save_weights(str(tmp_path / "probe.weights.h5"))
    except NotImplementedError:
        return False
    return True


class InterruptAt(keras.callbacks.Callback):
    """Raises KeyboardInterrupt at the end of batch ``batch`` of epoch ``epoch`` (as Ctrl-C there would)."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.epoch, self.batch, self.current = epoch, batch, None
        self.train_end_called = False

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.current, batch) == (self.epoch, self.batch):
            raise KeyboardInterrupt

    def on_train_end(self, logs=None):
        self.train_end_called = True


def _adam_classifier():
    return make_classifier(seed=3, optimizer=keras.optimizers.Adam(0.01))


def _run_interrupted(spiral, tmp_path, extra_callbacks=()):
    x, y = spiral
    model = _adam_classifier()
    interrupter = InterruptAt(epoch=2, batch=4)
    logger = keras.callbacks.CSVLogger(tmp_path / "log.csv")
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=10, batch_size=32, shuffle=False, validation_data=(x[:50], y[:50]), verbose=0,
                  callbacks=[logger, *extra_callbacks, interrupter])
    return model, interrupter, logger


def test_interrupt_keeps_weights_history_and_csv(spiral, tmp_path):
    x, y = spiral
    model, interrupter, logger = _run_interrupted(spiral, tmp_path)

    # The same updates without an interruption: 2 epochs, then the 5 steps of epoch 2 that completed.
    reference = _adam_classifier()
    reference.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    reference.fit(x, y, epochs=1, batch_size=32, shuffle=False, steps_per_epoch=5, verbose=0)
    assert model.optimizer.iterations == reference.optimizer.iterations == 2 * 10 + 5
    for got, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, expected)

    assert interrupter.train_end_called
    assert logger.csv_file.closed
    assert model.history.epoch == [0, 1]
    assert len(model.history.history["loss"]) == 2 and len(model.history.history["val_loss"]) == 2
    with open(tmp_path / "log.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [row["epoch"] for row in rows] == ["0", "1"]
    assert [float(row["loss"]) for row in rows] == pytest.approx(model.history.history["loss"])


def test_interrupt_leaves_a_loadable_checkpoint(spiral, tmp_path):
    x, y = spiral
    if not _saving_available(tmp_path, make_classifier()):
        pytest.skip("model saving has not landed yet")
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch:02d}.keras"))
    weights_checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "every-3.weights.h5"),
                                                         save_weights_only=True, save_freq=3)
    model, _, _ = _run_interrupted(spiral, tmp_path, [checkpoint, weights_checkpoint])
    assert sorted(p.name for p in tmp_path.glob("ckpt-*")) == ["ckpt-01.keras", "ckpt-02.keras"]
    loaded = keras.models.load_model(tmp_path / "ckpt-02.keras")
    assert loaded.predict(x[:5], verbose=0).shape == (5, 3)
    # the batch checkpoint was last written after step 3 of epoch 2 (steps 3, 6, ... 24 counted from 1)
    restored = _adam_classifier()
    restored.load_weights(tmp_path / "every-3.weights.h5")
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no partial files left behind


class _SignalDuringUpdate(keras.optimizers.SGD):
    """SGD that delivers a real SIGINT to this process while step ``at`` is writing its first weight."""

    def __init__(self, at, **kwargs):
        super().__init__(**kwargs)
        self.at = at
        self.fired = False

    def update_step(self, grad, value, slots, lr):
        if self.iterations == self.at and not self.fired:
            self.fired = True
            value -= lr * grad
            os.kill(os.getpid(), signal.SIGINT)  # Python runs the handler before the next bytecode
            return
        super().update_step(grad, value, slots, lr)


def test_real_sigint_during_the_update_waits_for_the_whole_step(spiral):
    x, y = spiral
    model = make_classifier(seed=5, optimizer=_SignalDuringUpdate(at=13, learning_rate=0.1))
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=5, batch_size=32, shuffle=False, verbose=0)
    assert model.optimizer.fired
    reference = make_classifier(seed=5, optimizer=keras.optimizers.SGD(0.1))
    reference.fit(x, y, epochs=1, batch_size=32, shuffle=False, verbose=0)  # 10 steps
    reference.fit(x, y, epochs=1, batch_size=32, shuffle=False, steps_per_epoch=4, verbose=0)  # + 4
    assert model.optimizer.iterations == reference.optimizer.iterations == 14
    for got, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the guard put the handler back


def test_other_exceptions_propagate_without_on_train_end(spiral, classifier):
    """As in Keras: only a finished run (or Ctrl-C, a minikeras addition) gets on_train_end."""
    x, y = spiral
    ended = []

    def fail(epoch, logs):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        classifier().fit(x, y, epochs=3, verbose=0, callbacks=[keras.callbacks.LambdaCallback(
            on_epoch_end=fail, on_train_end=lambda logs: ended.append(True))])
    assert ended == []
