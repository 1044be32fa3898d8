"""fit/evaluate/predict from Python generators, with Keras's steps and running-out semantics."""
import warnings

import numpy as np
import pytest

import minikeras as mk
from data_helpers import assert_same_weights, mlp, mnist_slice, reader_threads


def batches_of(x, y, size, sample_weight=None, log=None):
    for start in range(0, len(x), size):
        if log is not None:
            log.append(start // size)
        rows = slice(start, start + size)
        yield (x[rows], y[rows]) if sample_weight is None else (x[rows], y[rows], sample_weight[rows])


def ran_out_warnings(caught):
    return sum("ran out of data" in str(w.message) for w in caught)


def test_generator_trains_mnist_like_arrays():
    x, y = mnist_slice(2048)
    weights = np.where(y % 2 == 0, 2.0, 0.5).astype(np.float32)[:1536]

    def epochs_of_batches():  # an endless generator: steps_per_epoch says where epochs end
        while True:
            yield from batches_of(x[:1536], y[:1536], 64, weights)

    from_generator = mlp(seed=2, dropout=0.1)
    with pytest.warns(UserWarning, match="`shuffle=True` was passed, but will be ignored"):
        from_generator.fit(epochs_of_batches(), steps_per_epoch=24, epochs=3, verbose=0)
    from_arrays = mlp(seed=2, dropout=0.1)
    from_arrays.fit(x[:1536], y[:1536], sample_weight=weights, batch_size=64, epochs=3, shuffle=False, verbose=0)
    assert_same_weights(from_generator, from_arrays)
    assert from_generator.evaluate(x[1536:], y[1536:], return_dict=True, verbose=0)["accuracy"] > 0.7
    assert not reader_threads()


def test_steps_per_epoch_continues_the_generator_then_stops_when_it_runs_out():
    x, y = mnist_slice(320)
    log, steps = [], []

    class Steps(mk.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            steps.append(0)

        def on_train_batch_end(self, batch, logs=None):
            steps[-1] += 1

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = mlp().fit(batches_of(x, y, 32, log=log), steps_per_epoch=4, epochs=5, shuffle=False,
                            callbacks=[Steps()], verbose=0)
    # 10 batches: epochs of 4, 4, then 2 (ran out, Keras's warning), then training stops.
    assert steps == [4, 4, 2]
    assert log == list(range(10))
    assert len(history.history["loss"]) == 3
    assert ran_out_warnings(caught) == 1


def test_generator_without_steps_is_one_epoch_and_warns_if_more_were_asked():
    x, y = mnist_slice(128)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = mlp().fit(batches_of(x, y, 32), epochs=3, shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 1 and ran_out_warnings(caught) == 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mlp().fit(batches_of(x, y, 32), epochs=1, shuffle=False, verbose=0)
    assert ran_out_warnings(caught) == 0


def test_validation_generator_with_validation_steps_replays_its_first_batches():
    x, y = mnist_slice(512)
    log = []
    history = mlp().fit(x[:256], y[:256], epochs=3, batch_size=64, verbose=0,
                        validation_data=batches_of(x[256:], y[256:], 32, log=log), validation_steps=2)
    assert log == [0, 1]  # read once, then replayed: each epoch validates the same batches, as in Keras
    assert len(history.history["val_loss"]) == 3 and len(set(history.history["val_loss"])) == 3
    # Without validation_steps the first validation reads it all; later epochs have no data.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = mlp().fit(x[:256], y[:256], epochs=2, batch_size=64, verbose=0,
                            validation_data=batches_of(x[256:], y[256:], 32))
    assert len(history.history["val_loss"]) == 1 and ran_out_warnings(caught) == 1


def test_evaluate_and_predict_from_generators():
    x, y = mnist_slice(300)
    model = mlp()
    model.fit(x, y, verbose=0)
    logs = model.evaluate(batches_of(x, y, 50), return_dict=True, verbose=0)
    assert logs == pytest.approx(model.evaluate(x, y, batch_size=50, return_dict=True, verbose=0), rel=1e-6)
    partial = model.evaluate(batches_of(x, y, 50), steps=2, return_dict=True, verbose=0)
    assert partial == pytest.approx(model.evaluate(x[:100], y[:100], batch_size=50, return_dict=True, verbose=0))
    out = model.predict(((x[i:i + 50],) for i in range(0, 300, 50)), verbose=0)
    np.testing.assert_array_equal(out, model.predict(x, batch_size=50, verbose=0))
    assert model.predict(batches_of(x, y, 50), steps=2, verbose=0).shape == (100, 10)
    # An iterator that is not a generator is accepted too (Keras takes generators only).
    assert model.predict(iter([(x[:7],), (x[7:9],)]), verbose=0).shape == (9, 10)


@pytest.mark.parametrize("kwargs, match", [
    ({"y": np.zeros(64)}, "`y` should not be passed"),
    ({"sample_weight": np.ones(64)}, "`sample_weights` should not be passed"),
    ({"class_weight": {0: 2.0}}, "`class_weight` is not supported for Python generator"),
    ({"validation_split": 0.25}, r"`validation_split` is only supported .*<class 'generator'>"),
])
def test_generator_argument_errors(kwargs, match):
    x, y = mnist_slice(64)
    model = mlp()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=match):
        model.fit(batches_of(x, y, 32), verbose=0, **kwargs)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


@pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")
def test_malformed_generators():
    x, y = mnist_slice(64)
    with pytest.raises(ValueError, match="must yield at least one batch"):
        mlp().fit((b for b in []), verbose=0)
    with pytest.raises(ValueError, match="must return a tuple.*of shape \\(32, 784\\)"):
        mlp().fit((x[i:i + 32] for i in range(0, 64, 32)), verbose=0)
    with pytest.raises(ValueError, match="32 inputs with 5 targets"):
        mlp().fit(((x[:32], y[:5]) for _ in range(2)), verbose=0)
    with pytest.raises(ValueError, match="x has shape \\(32, 780\\)"):
        mlp().fit(((x[:32, :780], y[:32]) for _ in range(2)), verbose=0)
    with pytest.raises(ValueError, match="without targets"):
        mlp().evaluate(((x[:32],) for _ in range(2)), verbose=0)


@pytest.mark.filterwarnings("ignore:`shuffle=True` was passed")
def test_error_inside_generator_reaches_the_caller_and_leaves_no_thread():
    x, y = mnist_slice(128)

    def failing():
        yield x[:32], y[:32]
        yield x[32:64], y[32:64]
        raise OSError("disk went away at batch 2")

    model = mlp()
    with pytest.raises(OSError, match="disk went away at batch 2"):
        model.fit(failing(), epochs=1, verbose=0)
    assert not reader_threads()
