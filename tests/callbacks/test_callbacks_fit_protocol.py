"""What fit tells callbacks (order, params, logs) and the fit arguments that shape the loop."""
import warnings

import numpy as np
import pytest

import minikeras as keras


class Recorder(keras.callbacks.Callback):
    """Records every hook with its integer argument and the sorted keys of its logs."""

    def __init__(self):
        super().__init__()
        self.events = []

    def _record(self, name, *args):
        logs = args[-1] if args else None
        ints = [a for a in args if isinstance(a, int)]
        self.events.append([name] + ints + [sorted(logs) if logs else None])


for _hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end"):
    setattr(Recorder, _hook, (lambda h: lambda self, logs=None: self._record(h, logs))(_hook))
for _hook in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
              "on_test_batch_begin", "on_test_batch_end"):
    setattr(Recorder, _hook, (lambda h: lambda self, i, logs=None: self._record(h, i, logs))(_hook))


def test_hooks_params_and_log_keys_match_keras(keras_reference, classifier):
    expected = keras_reference["fit_protocol"]
    x = np.array([[0, 1], [1, 0], [1, 1], [0, 0], [0.5, 0.5]], dtype=np.float32)
    y = np.array([0, 1, 2, 0, 1])
    recorder = Recorder()
    history = classifier().fit(x, y, batch_size=3, epochs=1, validation_data=(x[:2], y[:2]), verbose=0,
                               callbacks=[recorder])
    assert recorder.events == expected["events"]
    assert sorted(recorder.params) == expected["params"]
    assert {k: recorder.params[k] for k in ("epochs", "steps", "verbose")} == expected["params_values"]
    assert list(history.history) == expected["history_keys"]


def test_callbacks_run_in_the_order_given_then_history(spiral, classifier):
    x, y = spiral
    calls = []
    first = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: (calls.append("first"),
                                                                          logs.__setitem__("extra", 1.5)))
    second = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: calls.append(("second", logs["extra"])))
    model = classifier()
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[first, second])
    assert calls == ["first", ("second", 1.5)] * 2
    assert history.history["extra"] == [1.5, 1.5]  # History runs after the user's callbacks
    assert model.history is history


def test_user_callback_sees_model_and_params(spiral, classifier):
    x, y = spiral
    seen = {}

    class Peek(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["model"], seen["params"] = self.model, dict(self.params)

    model = classifier()
    model.fit(x, y, epochs=3, batch_size=64, verbose=0, callbacks=[Peek()])
    assert seen["model"] is model
    assert seen["params"] == {"verbose": 0, "epochs": 3, "steps": 5}


def test_validation_data_two_and_three_tuples(spiral, classifier):
    x, y = spiral
    model = classifier()
    xv, yv = x[:40], y[:40]
    weights = np.where(yv == 0, 3.0, 0.0).astype(np.float32)
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(xv, yv))
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(xv, yv, verbose=0)[0], rel=1e-6)
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(xv, yv, weights))
    expected = model.evaluate(xv, yv, sample_weight=weights, verbose=0)[0]
    assert history.history["val_loss"][0] == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match="validation_data must be a tuple"):
        model.fit(x, y, verbose=0, validation_data=(xv,))
    with pytest.raises(ValueError, match="same number of samples"):
        model.fit(x, y, verbose=0, validation_data=(xv, yv[:5]))


def test_validation_split_takes_the_last_fraction_before_shuffling(spiral, classifier):
    x, y = spiral
    model = classifier()
    history = model.fit(x, y, epochs=1, validation_split=0.2, verbose=0, shuffle=True)
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[240:], y[240:], verbose=0)[0], rel=1e-6)
    recorder = Recorder()
    model.fit(x, y, epochs=1, batch_size=40, validation_split=0.2, verbose=0, callbacks=[recorder])
    assert recorder.params["steps"] == 6  # 240 training samples
    for bad in (1.0, -0.1, 1.5, "0.2"):
        with pytest.raises(ValueError, match="validation_split"):
            model.fit(x, y, validation_split=bad, verbose=0)
    with pytest.raises(ValueError, match="leaves 0 training"):
        model.fit(x[:3], y[:3], validation_split=0.9, verbose=0)
    with pytest.raises(ValueError, match="leaves 3 training and 0 validation"):
        model.fit(x[:3], y[:3], validation_split=1e-17, verbose=0)  # 1 - 1e-17 rounds to 1
    # validation_data wins over validation_split, as in Keras: all 300 samples train
    recorder = Recorder()
    history = model.fit(x, y, epochs=1, batch_size=100, validation_split=0.5, validation_data=(x[:10], y[:10]),
                        verbose=0, callbacks=[recorder])
    assert recorder.params["steps"] == 3
    assert history.history["val_loss"][0] == pytest.approx(model.evaluate(x[:10], y[:10], verbose=0)[0], rel=1e-6)


def test_validation_batch_size_and_steps(spiral, classifier):
    x, y = spiral
    recorder = Recorder()
    classifier().fit(x, y, epochs=1, batch_size=32, validation_data=(x[:100], y[:100]), validation_batch_size=25,
                     verbose=0, callbacks=[recorder])
    assert sum(e[0] == "on_test_batch_end" for e in recorder.events) == 4
    recorder = Recorder()
    classifier().fit(x, y, epochs=1, batch_size=32, validation_data=(x[:100], y[:100]), validation_steps=2,
                     verbose=0, callbacks=[recorder])
    assert sum(e[0] == "on_test_batch_end" for e in recorder.events) == 2
    recorder = Recorder()
    classifier().fit(x, y, epochs=1, batch_size=50, validation_data=(x[:100], y[:100]), verbose=0,
                     callbacks=[recorder])
    assert sum(e[0] == "on_test_batch_end" for e in recorder.events) == 2  # defaults to batch_size


@pytest.mark.parametrize("freq, validated", [(1, [0, 1, 2, 3, 4, 5]), (2, [1, 3, 5]), (4, [3]),
                                             ([1, 5, 6], [0, 4, 5]), ([], [])])
def test_validation_freq_interval_or_list_of_epochs(spiral, classifier, freq, validated):
    x, y = spiral
    history = classifier().fit(x, y, epochs=6, validation_data=(x[:30], y[:30]), validation_freq=freq, verbose=0)
    assert history.epochs_of.get("val_loss", []) == validated
    assert len(history.history.get("val_loss", [])) == len(validated)
    assert len(history.history["loss"]) == 6


def test_validation_freq_rejects_bad_values(spiral, classifier):
    x, y = spiral
    for bad in (0, -1, 1.5, "2", [1, "2"]):
        with pytest.raises(ValueError, match="validation_freq"):
            classifier().fit(x, y, validation_data=(x, y), validation_freq=bad, verbose=0)


def test_initial_epoch_numbers_epochs_and_runs_the_rest(spiral, classifier):
    x, y = spiral
    model = classifier()
    seen = []
    history = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0,
                        callbacks=[keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(e))])
    assert seen == [3, 4] and history.epoch == [3, 4]
    assert model.fit(x, y, epochs=2, initial_epoch=2, verbose=0).epoch == []
    with pytest.raises(ValueError, match="initial_epoch"):
        model.fit(x, y, initial_epoch=-1, verbose=0)


def test_steps_per_epoch_continues_through_the_data_like_keras(spiral, classifier):
    x, y = spiral  # 300 samples: 10 batches of 32 per pass
    steps = []
    counter = keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: steps.append(0),
                                             on_train_batch_end=lambda b, logs: steps.__setitem__(-1, b + 1))
    model = classifier()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, batch_size=32, epochs=6, steps_per_epoch=4, verbose=0, callbacks=[counter])
    assert steps == [4, 4, 2, 4, 4, 2]  # a pass of 10 batches is cut into 4 + 4 + 2, as Keras's EpochIterator does
    assert model.optimizer.iterations == 20
    assert sum("ran out of data" in str(w.message) for w in caught) == 2
    steps.clear()
    model.fit(x, y, batch_size=30, epochs=2, steps_per_epoch=5, verbose=0, callbacks=[counter])
    assert steps == [5, 5]
    recorder = Recorder()
    model.fit(x, y, steps_per_epoch=4, epochs=1, verbose=0, callbacks=[recorder])  # batch size ceil(300 / 4)
    assert recorder.params["steps"] == 4
    assert sum(e[0] == "on_train_batch_end" for e in recorder.events) == 4


def test_shuffle_false_is_deterministic_and_true_is_not(spiral):
    from conftest import make_classifier
    x, y = spiral
    results = {}
    for shuffle in (False, True):
        for seed in (0, 1):
            model = make_classifier(seed=0)
            keras.utils.set_random_seed(seed)
            model.fit(x, y, epochs=2, batch_size=16, shuffle=shuffle, verbose=0)
            results[shuffle, seed] = model.get_weights()[0]
    np.testing.assert_array_equal(results[False, 0], results[False, 1])
    assert not np.array_equal(results[True, 0], results[True, 1])
    assert not np.array_equal(results[False, 0], results[True, 0])
