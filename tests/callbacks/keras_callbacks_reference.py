"""Write keras_callbacks_reference.json: what real Keras 3 callbacks do on scripted inputs.

Run with Keras (not part of the test suite):
    KERAS_BACKEND=jax /work/kvenv/bin/python tests/callbacks/keras_callbacks_reference.py

The tests drive minikeras's callbacks with the same scripted logs and compare.
"""
import csv
import io
import json
import os
import tempfile
import warnings

import numpy as np
import keras

from callbacks_scripted import (CSV_LOGS, EARLY_STOPPING_CASES, LOSS_WEIGHTS_CASE, REDUCE_LR_CASES,
                                CHECKPOINT_CASES)

warnings.simplefilter("ignore")


def tiny_model(lr=0.1):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.SGD(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def early_stopping():
    out = []
    for case in EARLY_STOPPING_CASES:
        model = tiny_model()
        callback = keras.callbacks.EarlyStopping(**case["kwargs"])
        callback.set_model(model)
        callback.on_train_begin()
        stop_at = None
        for epoch, value in enumerate(case["values"]):
            callback.on_epoch_end(epoch, {case["kwargs"].get("monitor", "val_loss"): value})
            if model.stop_training:
                stop_at = epoch
                break
        out.append({"stop_at": stop_at, "stopped_epoch": callback.stopped_epoch, "best_epoch": callback.best_epoch,
                    "wait": callback.wait, "best": None if callback.best is None else float(callback.best)})
    return out


def reduce_lr():
    out = []
    for case in REDUCE_LR_CASES:
        model = tiny_model(case["initial_lr"])
        callback = keras.callbacks.ReduceLROnPlateau(**case["kwargs"])
        callback.set_model(model)
        callback.on_train_begin()
        rates, logged = [], []
        for epoch, value in enumerate(case["values"]):
            logs = {case["kwargs"].get("monitor", "val_loss"): value}
            callback.on_epoch_end(epoch, logs)
            logged.append(logs["learning_rate"])
            rates.append(float(np.asarray(model.optimizer.learning_rate)))
        out.append({"after_epoch": rates, "logged": logged})
    return out


def csv_logger():
    out = {}
    no_val = [{k: v for k, v in logs.items() if not k.startswith("val_")} for logs in CSV_LOGS]
    for name, kwargs, script in (("default", {}, CSV_LOGS), ("semicolon", {"separator": ";"}, CSV_LOGS),
                                 ("no_val", {}, no_val)):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "log.csv")
            callback = keras.callbacks.CSVLogger(path, **kwargs)
            callback.set_model(tiny_model())
            for logs_list in (script[:1], script):
                callback.on_train_begin()
                for epoch, logs in enumerate(logs_list):
                    callback.on_epoch_end(epoch, dict(logs))
                callback.on_train_end()
            with open(path) as f:
                out[name] = f.read()
            appender = keras.callbacks.CSVLogger(path, append=True, **kwargs)
            appender.set_model(tiny_model())
            appender.on_train_begin()
            appender.on_epoch_end(5, dict(script[0]))
            appender.on_train_end()
            with open(path) as f:
                out[name + "_appended"] = f.read()
    return out


def checkpoint():
    out = []
    for case in CHECKPOINT_CASES:
        with tempfile.TemporaryDirectory() as tmp:
            model = tiny_model()
            model.build((None, 2))
            callback = keras.callbacks.ModelCheckpoint(os.path.join(tmp, case["filepath"]), **case["kwargs"])
            callback.set_model(model)
            callback.on_train_begin()
            written = []
            for epoch, logs in enumerate(case["logs"]):
                stamps = {n: os.stat(os.path.join(tmp, n)).st_mtime_ns for n in os.listdir(tmp)}
                callback.on_epoch_begin(epoch)
                callback.on_epoch_end(epoch, dict(logs))
                written.append(sorted(n for n in os.listdir(tmp)
                                      if stamps.get(n) != os.stat(os.path.join(tmp, n)).st_mtime_ns))
            out.append(written)
    return out


def fit_protocol():
    """Hook order, params and log keys of one small fit with validation."""
    x = np.array([[0, 1], [1, 0], [1, 1], [0, 0], [0.5, 0.5]], dtype="float32")
    y = np.array([0, 1, 2, 0, 1])
    model = tiny_model()
    events = []

    class Recorder(keras.callbacks.Callback):
        def __getattribute__(self, name):
            attr = object.__getattribute__(self, name)
            if name.startswith("on_") and callable(attr):
                def record(*args, **kwargs):
                    logs = kwargs.get("logs", args[-1] if args and isinstance(args[-1], dict) else None)
                    events.append([name] + [a for a in args if isinstance(a, int)] + [sorted(logs) if logs else None])
                return record
            return attr

    recorder = Recorder()
    history = model.fit(x, y, batch_size=3, epochs=1, validation_data=(x[:2], y[:2]), verbose=0,
                        callbacks=[recorder])
    return {"events": events, "params": sorted(recorder.params), "params_values": {
        k: v for k, v in recorder.params.items() if k in ("epochs", "steps", "verbose")},
        "history_keys": list(history.history)}


def weighted_loss():
    case = LOSS_WEIGHTS_CASE
    model = tiny_model(0.0)
    model.set_weights([np.array(w, dtype="float32") for w in case["weights"]])
    x, y = np.array(case["x"], dtype="float32"), np.array(case["y"])
    evaluated = model.evaluate(x, y, sample_weight=np.array(case["sample_weight"], dtype="float32"),
                               batch_size=case["batch_size"], verbose=0, return_dict=True)
    fitted = model.fit(x, y, class_weight=case["class_weight"], batch_size=case["batch_size"], epochs=1,
                       shuffle=False, verbose=0).history
    return {"evaluate_sample_weight": evaluated, "fit_class_weight": {k: v[0] for k, v in fitted.items()}}


if __name__ == "__main__":
    result = {"keras_version": keras.__version__, "early_stopping": early_stopping(), "reduce_lr": reduce_lr(),
              "csv_logger": csv_logger(), "checkpoint": checkpoint(), "fit_protocol": fit_protocol(),
              "weighted_loss": weighted_loss()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_callbacks_reference.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result, indent=1)[:3000])
