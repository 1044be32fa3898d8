"""Files minikeras writes open in real Keras 3 and predict the same (to 1e-5).

Keras runs in one subprocess for the whole module: the interpreter is
``$MINIKERAS_KERAS_PYTHON`` if set (e.g. /work/kvenv/bin/python), else this one; the
tests skip when that interpreter cannot import keras. KERAS_BACKEND=numpy is enough to
load and predict.
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, optimizers
from minikeras.saving.serialization import model_to_config

PYTHON = os.environ.get("MINIKERAS_KERAS_PYTHON") or sys.executable
ENV = {**os.environ, "KERAS_BACKEND": "numpy", "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3"}

KERAS_SIDE = textwrap.dedent('''
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import keras
    folder = sys.argv[1]
    spec = json.load(open(f"{folder}/spec.json"))
    report = {}
    for name in spec["models"]:
        data = np.load(f"{folder}/{name}.npz")
        for ext in (".keras", ".h5"):
            model = keras.models.load_model(f"{folder}/{name}{ext}")
            opt = getattr(model, "optimizer", None)
            report[name + ext] = {
                "diff": float(np.abs(np.asarray(model.predict(data["x"], verbose=0)) - data["y"]).max()),
                "optimizer": type(opt).__name__ if opt is not None else None,
                "iterations": int(opt.iterations) if opt is not None else None,
                "variables": [np.asarray(v).tolist() if np.ndim(v) == 0 else list(np.shape(v))
                              for v in opt.variables] if opt is not None else None,
            }
            if ext == ".keras":
                keras_model = model
        fresh = keras.models.model_from_json(open(f"{folder}/{name}.json").read())
        fresh.compile(optimizer=keras_model.optimizer.__class__.from_config(keras_model.optimizer.get_config()),
                      loss="mse")
        fresh.optimizer.build(fresh.trainable_variables)
        fresh.load_weights(f"{folder}/{name}.weights.h5")
        report[name + ".weights.h5"] = {
            "diff": float(np.abs(np.asarray(fresh.predict(data["x"], verbose=0)) - data["y"]).max()),
            "iterations": int(fresh.optimizer.iterations)}
    L = keras.layers
    same = keras.Sequential([keras.Input((4, 3), name="input"), L.Reshape((12,), name="reshape"),
        L.Dense(5, activation="relu", kernel_initializer="he_normal",
                kernel_regularizer=keras.regularizers.L2(0.01), name="hidden"),
        L.Dropout(0.1, name="dropout"), L.Activation("tanh", name="act"), L.Flatten(name="flatten"),
        L.Dense(3, name="out"), L.Softmax(name="softmax")], name="seq")
    report["config"] = keras.saving.serialize_keras_object(same)
    print("REPORT" + json.dumps(report))
''')

X = np.random.default_rng(3).normal(size=(20, 4, 3)).astype(np.float32)
Y = np.arange(20) % 3


def _models():
    L = layers
    return {
        "adam_all_layers": (keras.Sequential([
            keras.Input((4, 3)), L.Reshape((12,)),
            L.Dense(8, activation="gelu", kernel_regularizer=keras.regularizers.L1L2(0.001, 0.01)),
            L.Dropout(0.2), L.Activation("selu"), L.Reshape((2, 4)), L.Flatten(),
            L.Dense(6, use_bias=False, activation="leaky_relu"), L.Dense(3), L.Softmax()]),
            optimizers.Adam(0.01, amsgrad=True), ["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)]),
        "nadam": (keras.Sequential([keras.Input((4, 3)), L.Flatten(), L.Dense(7, activation="swish"),
                                    L.Dense(3, activation="softmax")]), optimizers.Nadam(0.01), None),
        "rmsprop_schedule": (keras.Sequential([keras.Input((4, 3)), L.Flatten(), L.Dense(5, activation="tanh"),
                                               L.Dense(3, activation="sigmoid")]),
                             optimizers.RMSprop(optimizers.schedules.ExponentialDecay(0.01, 3, 0.9),
                                                momentum=0.2, centered=True), ["sparse_top_k_categorical_accuracy"]),
        "sgd_nesterov": (keras.Sequential([keras.Input((4, 3)), L.Flatten(), L.Dense(4, activation="relu"),
                                           L.Dense(3, activation="softmax")]),
                         optimizers.SGD(0.05, momentum=0.9, nesterov=True), None),
        # Keras's newer elementwise activations, by name (glu and sparsemax differ on purpose:
        # tests/core/test_core_activations_more.py)
        "newer_activations": (keras.Sequential(
            [keras.Input((4, 3)), L.Flatten()]
            + [L.Dense(6, activation=name) for name in ("celu", "hard_shrink", "hard_tanh", "log_sigmoid", "mish",
                                                        "soft_shrink", "sparse_plus", "sparse_sigmoid",
                                                        "squareplus", "tanh_shrink")]
            + [L.Dense(3, activation="softmax")]), optimizers.Adam(0.01), None),
        # Keras 2 style input_shape= on the first layer (the README's quick start): Keras 3
        # records it as an InputLayer only and refuses a batch_input_shape in Flatten's config
        "input_shape_argument": (keras.Sequential([L.Flatten(input_shape=(4, 3)), L.Dense(3, activation="softmax")]),
                                 optimizers.Adam(0.01), ["accuracy"]),
        "constraints": (keras.Sequential([
            keras.Input((4, 3)), L.Flatten(),
            L.Dense(6, kernel_constraint=keras.constraints.MaxNorm(0.5), bias_constraint="non_neg"),
            L.BatchNormalization(gamma_constraint="non_neg"),
            L.PReLU(alpha_constraint=keras.constraints.MinMaxNorm(0.0, 0.2)),
            L.Dense(3, activation="softmax", kernel_constraint="unit_norm")]), optimizers.SGD(0.1), None),
        "activity_regularizers": (keras.Sequential([
            keras.Input((4, 3)), L.Flatten(), L.Dense(6, activity_regularizer="l2"),
            L.ReLU(activity_regularizer=keras.regularizers.L1(0.01)),
            L.Dense(3, activation="softmax", activity_regularizer=keras.regularizers.L1L2(0.01, 0.01))]),
            optimizers.Adam(0.01), None),
        # transfer learning: a built model as the first layer (Keras needs module "keras" for it)
        "nested_sequential": (keras.Sequential([
            keras.Sequential([keras.Input((4, 3)), L.Flatten(), L.Dense(5, activation="relu")], name="base"),
            L.Dense(3, activation="softmax")]), optimizers.Adam(0.01), None),
    }


@pytest.fixture(scope="module")
def keras_report(tmp_path_factory):
    probe = subprocess.run([PYTHON, "-c", "import keras"], env=ENV, capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"keras is not importable by {PYTHON}")
    folder = tmp_path_factory.mktemp("interop")
    ours = {}
    for name, (model, optimizer, metrics) in _models().items():
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=metrics)
        model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
        model.save(folder / f"{name}.keras")
        model.save(folder / f"{name}.h5")
        model.save_weights(folder / f"{name}.weights.h5")
        (folder / f"{name}.json").write_text(model.to_json())
        np.savez(folder / f"{name}.npz", x=X, y=model.predict(X, verbose=0))
        ours[name] = model
    (folder / "spec.json").write_text(json.dumps({"models": sorted(ours)}))
    run = subprocess.run([PYTHON, "-c", KERAS_SIDE, str(folder)], env=ENV, capture_output=True, text=True,
                         timeout=600)
    line = [l for l in run.stdout.splitlines() if l.startswith("REPORT")]
    assert run.returncode == 0 and line, run.stderr[-3000:]
    return json.loads(line[0][len("REPORT"):]), ours


@pytest.mark.parametrize("extension", [".keras", ".h5", ".weights.h5"])
def test_keras_predicts_what_minikeras_predicts(keras_report, extension):
    report, ours = keras_report
    for name in ours:
        assert report[name + extension]["diff"] < 1e-5, (name, report[name + extension])


def test_keras_restores_the_optimizer_state_from_dot_keras_and_weights(keras_report):
    report, ours = keras_report
    for name, model in ours.items():
        entry = report[name + ".keras"]
        assert entry["optimizer"] == type(model.optimizer).__name__
        assert entry["iterations"] == model.optimizer.iterations == 6
        assert report[name + ".weights.h5"]["iterations"] == 6
    # Keras's variable list has the same length and shapes as what minikeras wrote.
    from minikeras.saving.optimizer_state import optimizer_entries
    for name, model in ours.items():
        expected = [a.tolist() if a.ndim == 0 else list(a.shape) for _, a in optimizer_entries(model.optimizer, model)]
        got = report[name + ".keras"]["variables"]
        assert len(got) == len(expected), name
        assert [g for g in got if isinstance(g, list)] == [e for e in expected if isinstance(e, list)], name


def test_sequential_config_has_keras_exact_shape(keras_report):
    report, _ = keras_report
    L = layers
    same = keras.Sequential([keras.Input((4, 3), name="input"), L.Reshape((12,), name="reshape"),
                             L.Dense(5, activation="relu", kernel_initializer="he_normal",
                                     kernel_regularizer=keras.regularizers.L2(0.01), name="hidden"),
                             L.Dropout(0.1, name="dropout"), L.Activation("tanh", name="act"),
                             L.Flatten(name="flatten"), L.Dense(3, name="out"), L.Softmax(name="softmax")],
                            name="seq")
    assert json.loads(json.dumps(model_to_config(same))) == report["config"]
