"""Several outputs in compile/fit/evaluate/predict, against what Keras 3.15.1 logged for the
same models, data, initial weights and compile arguments (tests/fixtures/keras_multi_output_logs.json,
made by tests/fixtures/make_keras_multi_output_logs.py)."""
import json
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers as L

REFERENCE = json.loads((Path(__file__).parents[1] / "fixtures" / "keras_multi_output_logs.json").read_text())
DATA = REFERENCE["data"]
X, XV = np.asarray(DATA["x"], np.float32), np.asarray(DATA["xv"], np.float32)
T = {k: np.asarray(v) for k, v in DATA["y"].items()}
TV = {k: np.asarray(v) for k, v in DATA["yv"].items()}
HEADS = {"list2": ["cls", "reg"], "auto2": ["cls", "reg"], "dict2": ["cls", "reg"], "list3": ["cls", "reg", "bin"]}
CASES = {case["name"]: case for case in REFERENCE["cases"]}


def build(kind):
    inp = keras.Input((6,), name="x")
    h = L.Dense(8, activation="relu", name="hidden")(inp)
    if kind == "auto2":
        model = keras.Model(inp, [L.Dense(3, activation="softmax", name="dense")(h),
                                  L.Dense(1, name="dense_1")(h)], name="auto2")
    else:
        cls = L.Dense(3, activation="softmax", name="cls")(h)
        reg = L.Dense(1, name="reg")(h)
        if kind == "list2":
            model = keras.Model(inp, [cls, reg], name="list2")
        elif kind == "dict2":
            model = keras.Model(inp, {"cls": cls, "reg": reg}, name="dict2")
        else:
            model = keras.Model(inp, [cls, reg, L.Dense(1, activation="sigmoid", name="bin")(h)], name="list3")
    for entry in REFERENCE["initial_weights"][kind]:
        layer_name, weight = entry["path"].split("/")
        getattr(model.get_layer(layer_name), weight).assign(np.asarray(entry["values"], np.float32))
    return model


def targets(model, kind, t, y_form):
    heads = HEADS[kind]
    if y_form == "dict":
        return {name: t[head] for name, head in zip(model.output_names, heads)}
    if y_form == "list_onehot":
        return [np.eye(3, dtype="float32")[t[head]] if head == "cls" else t[head] for head in heads]
    return [t[head] for head in heads]


def compiled(case):
    model = build(case["model"])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  **eval(case["compile"], {"dict": dict, "keras": keras}))  # noqa: S307 (the fixture's source)
    return model


def close(ours, theirs, rtol=2e-5):
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=rtol, atol=1e-6, err_msg=key)


WORKING = [name for name, case in CASES.items() if "error" not in case]
FAILING = [name for name, case in CASES.items() if "error" in case]


@pytest.mark.parametrize("name", WORKING)
def test_logs_values_and_history_match_keras(name):
    case = CASES[name]
    model = compiled(case)
    assert list(model.output_names) == case["output_names"]
    y = targets(model, case["model"], T, case["y_form"])
    yv = targets(model, case["model"], TV, case["y_form"])
    close(model.evaluate(X, y, batch_size=16, verbose=0, return_dict=True), case["evaluate_before"])
    close(model.train_on_batch(X, y, return_dict=True), case["train_on_batch"])
    close(model.evaluate(X, y, batch_size=16, verbose=0, return_dict=True), case["evaluate_after"], rtol=1e-4)

    model = compiled(case)
    history = model.fit(X, y, epochs=2, batch_size=8, shuffle=False, validation_data=(XV, yv), verbose=0)
    assert list(history.history) == case["history_keys"]
    for key, values in case["fit"].items():
        np.testing.assert_allclose(history.history[key], values, rtol=2e-4, atol=1e-6, err_msg=key)
    assert list(model.evaluate(XV, yv, batch_size=8, verbose=0, return_dict=True)) == case["evaluate_keys"]
    np.testing.assert_allclose(np.ravel(model.evaluate(XV, yv, batch_size=8, verbose=0)), case["evaluate_list"],
                               rtol=2e-4, atol=1e-6)
    assert model.metrics_names == case["metrics_names"]


@pytest.mark.parametrize("name", FAILING)
def test_compile_arguments_keras_refuses_are_refused(name):
    case = CASES[name]
    with pytest.raises(ValueError):
        model = compiled(case)
        model.fit(X, targets(model, case["model"], T, case["y_form"]), epochs=1, verbose=0)


@pytest.mark.parametrize("kind", ["list2", "list3", "dict2", "auto2"])
def test_predict_returns_what_keras_returns(kind):
    reference = REFERENCE["predict"][kind]
    model = build(kind)
    predicted = model.predict(X[:4], verbose=0)
    assert type(predicted).__name__ == reference["type"]
    if isinstance(predicted, dict):
        assert list(predicted) == reference["keys_in_order"]
    else:
        assert [list(p.shape) for p in predicted] == reference["shapes"]
    assert list(model.output_names) == reference["output_names"]
