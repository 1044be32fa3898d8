"""The callbacks argument in the forms Keras accepts (its CallbackList flattens it), a clear
error for anything else, and TensorBoard's explanation."""
import numpy as np
import pytest

import minikeras as keras


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append("epoch")

    def on_test_end(self, logs=None):
        self.calls.append("test")

    def on_predict_end(self, logs=None):
        self.calls.append("predict")


def _model(with_input=True):
    model = keras.Sequential(([keras.Input((3,))] if with_input else []) + [keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


X, Y = np.ones((8, 3), np.float32), np.ones((8, 1), np.float32)


def test_single_callback_object_is_accepted_by_fit_evaluate_and_predict():
    model = _model()
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1e9)
    history = model.fit(X, Y, epochs=5, verbose=0, callbacks=stop)
    assert len(history.history["loss"]) == 2 and stop.stopped_epoch == 1  # the callback really ran
    recorder = Recorder()
    model.fit(X, Y, epochs=2, verbose=0, callbacks=recorder)
    model.evaluate(X, Y, verbose=0, callbacks=recorder)
    model.predict(X, verbose=0, callbacks=recorder)
    assert recorder.calls == ["epoch", "epoch", "test", "predict"]


def test_nested_lists_and_tuples_are_flattened():
    first, second = Recorder(), Recorder()
    _model().fit(X, Y, epochs=1, verbose=0, callbacks=(first, [second]))
    assert first.calls == second.calls == ["epoch"]


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
@pytest.mark.parametrize("bad, shown", [("early_stopping", "got str: 'early_stopping'"),
                                        ([keras.callbacks.History(), print], "got an item of type builtin_function"),
                                        ({"cb": keras.callbacks.History()}, "got dict")])
def test_anything_else_is_a_clear_error_before_the_model_is_built(call, bad, shown):
    model = _model(with_input=False)  # built by the first data it sees
    kwargs = {"verbose": 0, "callbacks": bad}
    with pytest.raises(TypeError, match="callbacks must be a Callback or a list of Callbacks, " + shown):
        if call == "predict":
            model.predict(X, **kwargs)
        else:
            getattr(model, call)(X, Y, **kwargs)
    assert not model.built


def test_tensorboard_explains_that_it_is_not_supported():
    with pytest.raises(NotImplementedError, match=r"TensorBoard \(log_dir='logs'\) is not supported.*CSVLogger.*History"):
        keras.callbacks.TensorBoard(log_dir="logs", histogram_freq=1)
    assert issubclass(keras.callbacks.TensorBoard, keras.callbacks.Callback)
