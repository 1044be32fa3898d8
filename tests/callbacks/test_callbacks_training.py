"""Callbacks inside real (small) training runs."""
import math

import numpy as np
import pytest

import minikeras as keras


def _inject(name, values):
    """A callback placed first that writes a scripted value into each epoch's logs."""
    def on_epoch_end(epoch, logs):
        logs[name] = values[epoch]
    return keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)



@pytest.mark.parametrize("scores, patience, epochs_run, best", [
    ([0.9, 0.5, 0.7, 0.8, 0.6, 0.1, 0.1, 0.1], 3, 5, 1),   # stops early at epoch 4 (0-based)
    ([0.9, 0.8, 0.3, 0.6, 0.5, 0.4], 5, 6, 2),             # runs to the end: Keras 3 restores anyway
])
def test_early_stopping_restores_exactly_the_best_epochs_weights(spiral, classifier, scores, patience,
                                                                  epochs_run, best):
    x, y = spiral
    model = classifier(lr=0.1)
    snapshots = []
    record = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    stopper = keras.callbacks.EarlyStopping(monitor="score", mode="min", patience=patience,
                                            restore_best_weights=True)
    history = model.fit(x, y, epochs=len(scores), batch_size=32, verbose=0,
                        callbacks=[_inject("score", scores), record, stopper])
    assert len(history.history["loss"]) == epochs_run
    assert stopper.best_epoch == best
    # the weights changed every epoch, so "the best epoch's weights" is a real distinction
    assert not np.array_equal(snapshots[best][0], snapshots[-1][0])
    for restored, kept in zip(model.get_weights(), snapshots[best]):
        np.testing.assert_array_equal(restored, kept)


def test_early_stopping_without_restore_keeps_the_last_weights(spiral, classifier):
    x, y = spiral
    model = classifier()
    stopper = keras.callbacks.EarlyStopping(monitor="score", patience=1, mode="min")
    snapshots = []
    record = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    model.fit(x, y, epochs=10, verbose=0, callbacks=[_inject("score", [1, 0.5, 0.7, 0.8] + [0] * 6), record, stopper])
    assert stopper.stopped_epoch == 2 and len(snapshots) == 3
    np.testing.assert_array_equal(model.get_weights()[0], snapshots[-1][0])


def test_early_stopping_on_val_loss_in_a_real_run(spiral, classifier):
    x, y = spiral
    model = classifier(lr=0.5)
    stopper = keras.callbacks.EarlyStopping(patience=2, min_delta=0.01)
    history = model.fit(x, y, epochs=200, validation_split=0.25, verbose=0, callbacks=[stopper])
    epochs = len(history.history["val_loss"])
    assert 3 <= epochs < 200
    assert epochs - 1 - stopper.best_epoch >= 2


def test_early_stopping_auto_mode_maximizes_accuracy_and_refuses_unknown_metrics(spiral, classifier):
    x, y = spiral
    model = classifier()
    stopper = keras.callbacks.EarlyStopping(monitor="val_accuracy")
    model.fit(x, y, epochs=1, validation_split=0.2, verbose=0, callbacks=[stopper])
    assert stopper.monitor_op is np.greater
    with pytest.raises(ValueError, match="mode='max'"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[_inject("score", [1.0]), keras.callbacks.EarlyStopping(monitor="score")])


def test_learning_rate_scheduler_keras_docstring_example():
    """Keras's docstring: SGD (lr 0.01), 15 epochs, lr * exp(-0.1) after epoch 10 → 0.00607.

    (The docstring's targets are np.zeros(5), which Keras broadcasts against the (5, 10)
    output; minikeras's MSE wants matching shapes, so they are zeros of shape (5, 10).)"""
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(10)])
    model.compile(keras.optimizers.SGD(), loss="mse")
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch < 10 else lr * math.exp(-0.1))
    history = model.fit(np.arange(100).reshape(5, 20), np.zeros((5, 10)), epochs=15, callbacks=[scheduler], verbose=0)
    assert round(model.optimizer.learning_rate, 5) == 0.00607
    assert history.history["learning_rate"][-1] == pytest.approx(0.01 * math.exp(-0.5))


def test_learning_rate_scheduler_rate_is_used_by_the_updates(spiral, classifier):
    x, y = spiral
    model = classifier()
    seen = []
    probe = keras.callbacks.LambdaCallback(on_train_batch_begin=lambda b, logs: seen.append(float(model.optimizer.learning_rate)))
    before = model.get_weights()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: 0.0), probe])
    assert set(seen) == {0.0}
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: "x")])


def test_lr_callbacks_refuse_an_optimizer_driven_by_a_schedule(spiral):
    x, y = spiral
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    model.compile(keras.optimizers.SGD(schedule), "sparse_categorical_crossentropy")
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.LearningRateScheduler(lambda e, lr: 0.1)])
    assert model.optimizer.learning_rate_schedule is schedule


def test_reduce_lr_on_plateau_in_a_real_run_logs_the_rate(spiral, classifier):
    x, y = spiral
    model = classifier(lr=0.1)
    history = model.fit(x, y, epochs=6, verbose=0, callbacks=[
        _inject("score", [1.0] * 6), keras.callbacks.ReduceLROnPlateau(monitor="score", mode="min", factor=0.5, patience=1)])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.1, 0.05, 0.025, 0.0125, 0.00625])
    assert model.optimizer.learning_rate == pytest.approx(0.003125)


def test_terminate_on_nan_stops_at_the_first_bad_batch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32) * 100
    y = rng.normal(size=(64, 1)).astype(np.float32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(10.0), "mse")
    losses = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: losses.append(logs["loss"]))
    history = model.fit(x, y, epochs=50, batch_size=8, verbose=0,
                        callbacks=[counter, keras.callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) < 50
    assert not np.isfinite(history.history["loss"][-1])
    assert np.all(np.isfinite(losses[:-1])) and not np.isfinite(losses[-1])  # stopped at the first bad batch
    model.compile(keras.optimizers.SGD(10.0), "mse")
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        model.fit(x, y, epochs=50, batch_size=8, verbose=0, callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)])


def test_stop_training_from_a_batch_hook_ends_after_that_batch(spiral, classifier):
    x, y = spiral
    model = classifier()
    batches = []

    def on_batch_end(batch, logs):
        batches.append(batch)
        if batch == 3:
            model.stop_training = True

    epochs = []
    history = model.fit(x, y, epochs=5, batch_size=32, verbose=0, validation_data=(x, y), callbacks=[
        keras.callbacks.LambdaCallback(on_train_batch_end=on_batch_end,
                                       on_epoch_end=lambda e, logs: epochs.append(e))])
    assert batches == [0, 1, 2, 3] and epochs == [0]
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_stop_training_from_an_epoch_hook_ends_after_that_epoch(spiral, classifier):
    x, y = spiral
    model = classifier()

    class StopAtTwo(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 2:
                self.model.stop_training = True

    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[StopAtTwo()])
    assert history.epoch == [0, 1, 2]
    assert model.fit(x, y, epochs=1, verbose=0).epoch == [0]  # the flag is reset by the next fit


def test_lambda_callback_hooks_including_batch_and_keyword_hooks(spiral, classifier):
    x, y = spiral
    calls = []
    callback = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_train_batch_end=lambda batch, logs: calls.append(("batch_end", batch, round(logs["loss"], 3) > 0)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
        on_train_end=lambda logs: calls.append("train_end"),
        on_test_end=lambda logs: calls.append("test_end"))
    classifier().fit(x, y, epochs=1, batch_size=150, validation_data=(x[:10], y[:10]), verbose=0, callbacks=[callback])
    assert calls == ["train_begin", ("epoch_begin", 0), ("batch_end", 0, True), ("batch_end", 1, True), "test_end",
                     ("epoch_end", 0, ["accuracy", "loss", "val_accuracy", "val_loss"]), "train_end"]


def test_csv_logger_in_fit_appends_across_runs(spiral, classifier, tmp_path):
    x, y = spiral
    path = tmp_path / "log.tsv"
    model = classifier()
    first = model.fit(x, y, epochs=2, validation_split=0.2, verbose=0,
                      callbacks=[keras.callbacks.CSVLogger(path, separator="\t")])
    second = model.fit(x, y, epochs=4, initial_epoch=2, validation_split=0.2, verbose=0,
                       callbacks=[keras.callbacks.CSVLogger(path, separator="\t", append=True)])
    lines = path.read_text().splitlines()
    assert lines[0].split("\t") == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [line.split("\t")[0] for line in lines[1:]] == ["0", "1", "2", "3"]
    losses = [float(line.split("\t")[2]) for line in lines[1:]]
    assert losses == first.history["loss"] + second.history["loss"]
