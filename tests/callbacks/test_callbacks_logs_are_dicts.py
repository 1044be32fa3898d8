"""Callbacks get real dicts as logs, as in Keras: ``{}`` in the begin hooks (trial 2026-12-01 #7),
and a dict in the batch hooks (#6: it was a read-only Mapping that printed as an object address)."""
import json

import numpy as np

import minikeras as keras

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end",
         "on_batch_begin", "on_batch_end"]


class Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = {}


def _record(hook):
    def method(self, *args):
        logs = args[-1]
        assert isinstance(logs, dict), (hook, type(logs))
        if hook != "on_predict_batch_end":  # {"outputs": array}, in Keras too
            json.dumps(logs)
        self.seen.setdefault(hook, []).append(dict(logs))
    return method


for _hook in HOOKS:
    setattr(Recorder, _hook, _record(_hook))


def _model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    return model


def test_every_hook_gets_a_dict():
    x, y = np.ones((8, 3), "float32"), np.ones((8, 1), "float32")
    recorder = Recorder()
    model = _model()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_data=(x, y), callbacks=[recorder])
    model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[recorder])
    model.predict(x, batch_size=4, verbose=0, callbacks=[recorder])
    assert set(recorder.seen) == set(HOOKS)
    # Keras: {} where there are no logs
    for hook in ("on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_test_begin", "on_predict_begin",
                 "on_predict_batch_begin", "on_predict_end"):
        assert recorder.seen[hook][0] == {}, hook
    assert sorted(recorder.seen["on_train_batch_end"][0]) == ["loss", "mae"]
    assert sorted(recorder.seen["on_test_batch_end"][0]) == ["loss", "mae"]


def test_batch_logs_print_copy_and_change_like_a_dict(capsys):
    class Changer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            print(batch, logs)
            copy = logs.copy()
            logs["extra"] = 1.0
            logs.update(more=2.0)
            assert logs.pop("more") == 2.0 and logs.setdefault("loss", 0) == copy["loss"]

    class Reader(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.extra = logs["extra"]  # the same dict the previous callback changed, as in Keras

    reader = Reader()
    _model().fit(np.ones((4, 3)), np.ones(4), batch_size=4, verbose=0, callbacks=[Changer(), reader])
    printed = capsys.readouterr().out
    assert printed.startswith("0 {'loss': ") and "object at" not in printed
    assert reader.extra == 1.0


def test_lambda_callback_prints_logs(capsys):
    callback = keras.callbacks.LambdaCallback(on_batch_end=lambda b, logs: print(sorted(logs)),
                                              on_train_begin=lambda logs: print(logs))
    _model().fit(np.ones((4, 3)), np.ones(4), batch_size=4, verbose=0, callbacks=[callback])
    assert capsys.readouterr().out == "{}\n['loss', 'mae']\n"
