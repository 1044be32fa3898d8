"""Hostile and broken files: a clear ValueError/OSError naming the file, never a hang, never code
execution, never a half-loaded model; an interrupted save leaves the previous file intact.

Bounded: every case runs in a worker thread with a timeout, and the whole file takes seconds.
"""
import io
import json
import os
import subprocess
import sys
import threading
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as keras
from reliability_helpers import data, snapshot

CASE_TIMEOUT = 20
FORMATS = ["model.keras", "model.h5", "model.weights.h5"]


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dropout(0.1), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data(seed)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    return model


def _save(model, path):
    if str(path).endswith(".weights.h5"):
        model.save_weights(path)
    else:
        model.save(path)


def _run(fn, *args):
    """fn(*args) in a thread: ("ok", result) or ("error", exception); fails the test on a hang."""
    outcome = {}

    def target():
        try:
            outcome["ok"] = fn(*args)
        except BaseException as error:  # noqa: BLE001 - classified by the caller
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(CASE_TIMEOUT)
    assert not thread.is_alive(), f"{fn.__name__}{args} hung for more than {CASE_TIMEOUT} s"
    return ("ok", outcome["ok"]) if "ok" in outcome else ("error", outcome["error"])


def _load_into(target, path):
    """load_model for model files; load_weights into ``target`` for a weights file."""
    if str(path).endswith(".weights.h5"):
        target.load_weights(path)
        return target
    return keras.saving.load_model(path)


def _check_clean_failure_or_same_model(kind, path, reference, target=None, allow_changed_weights=False):
    """The load either fails with ValueError/OSError naming ``path`` (and leaves ``target``
    exactly as it was), or gives the reference weights (a harmless change, e.g. a zip date)."""
    target = target if target is not None else _model()
    before = snapshot(target)
    status, value = _run(_load_into, target, str(path))
    if status == "error":
        assert isinstance(value, (ValueError, OSError)), f"{kind}: {type(value).__name__}: {value}"
        assert str(path) in str(value), f"{kind}: message does not name the file: {value}"
        assert snapshot(target) == before, f"{kind}: a failed load changed the model"
        return "error"
    loaded = [w.tobytes() for w in value.get_weights()]
    if not allow_changed_weights:
        assert loaded == [w.tobytes() for w in reference.get_weights()], f"{kind}: loaded different weights"
    return "ok"


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("originals")
    model = _model()
    files = {}
    for name in FORMATS:
        _save(model, folder / name)
        files[name] = (folder / name).read_bytes()
    return model, files


def _truncation_points(size):
    return sorted({0, 1, 8, 64, 512, size // 5, size // 3, size // 2, 2 * size // 3, 4 * size // 5,
                   size - 512, size - 64, size - 8, size - 1} & set(range(size)))


@pytest.mark.parametrize("name", FORMATS)
def test_truncated_files_fail_cleanly(saved, name, tmp_path):
    model, files = saved
    original = files[name]
    outcomes = []
    for cut in _truncation_points(len(original)):
        path = tmp_path / f"cut{cut}.{name}"
        path.write_bytes(original[:cut])
        outcomes.append(_check_clean_failure_or_same_model(f"{name} cut at {cut}", path, model))
    assert outcomes.count("error") >= len(outcomes) - 2, outcomes


@pytest.mark.parametrize("name", FORMATS)
def test_flipped_bytes_fail_cleanly_or_load(saved, name, tmp_path):
    model, files = saved
    original = files[name]
    rng = np.random.default_rng(len(name))
    for case in range(24):
        damaged = bytearray(original)
        for position in rng.integers(0, len(damaged), size=rng.integers(1, 5)):
            damaged[position] ^= int(rng.integers(1, 256))
        path = tmp_path / f"flip{case}.{name}"
        path.write_bytes(bytes(damaged))
        # HDF5 has no checksums on data: a flipped weight byte loads as another weight value.
        _check_clean_failure_or_same_model(f"{name} flip case {case}", path, model,
                                           allow_changed_weights=not name.endswith(".keras"))


def _rezip(original, path, drop=(), extra=(), replace=None):
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            payload = source.read(info.filename)
            if replace and info.filename in replace:
                payload = replace[info.filename]
            target.writestr(info.filename, payload)
        for member, payload in extra:
            target.writestr(member, payload)


@pytest.mark.parametrize("drop", ["config.json", "model.weights.h5"])
def test_keras_zip_missing_a_member(saved, tmp_path, drop):
    model, files = saved
    path = tmp_path / "missing.keras"
    _rezip(files["model.keras"], path, drop=[drop])
    with pytest.raises(ValueError, match=rf"{path}.*{drop}"):
        keras.saving.load_model(path)
    target = _model(seed=1)
    before = snapshot(target)
    if drop == "model.weights.h5":
        with pytest.raises(ValueError, match=rf"{path}.*{drop}"):
            target.load_weights(path)
        assert snapshot(target) == before


def test_keras_zip_with_extra_members_is_read_and_nothing_is_extracted(saved, tmp_path):
    model, files = saved
    path = tmp_path / "extra.keras"
    outside = tmp_path.parent / "escaped.txt"
    _rezip(files["model.keras"], path, extra=[("../escaped.txt", b"x"), ("assets/evil.py", b"import os"),
                                             ("/abs.txt", b"y")])
    loaded = keras.saving.load_model(path)
    assert [w.tobytes() for w in loaded.get_weights()] == [w.tobytes() for w in model.get_weights()]
    assert not outside.exists() and sorted(os.listdir(tmp_path)) == ["extra.keras"]


EVIL_MODULE = "mk_reliability_evil_sentinel"


@pytest.fixture
def sentinel(tmp_path, monkeypatch):
    """A module that leaves a mark when imported, and os.system/subprocess patched to leave one too."""
    mark = tmp_path / "executed"
    (tmp_path / f"{EVIL_MODULE}.py").write_text(
        f"open({str(mark)!r}, 'w').write('imported')\n"
        "class Boom:\n    def __init__(self, *a, **k):\n        pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(os, "system", lambda *a, **k: mark.write_text("os.system"))
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: mark.write_text("Popen"))
    yield mark
    assert not mark.exists(), f"a loader executed code: {mark.read_text()}"
    assert EVIL_MODULE not in sys.modules


def _dense(config):
    return config["config"]["layers"][1]["config"]


def _set(path_keys, value):
    def mutate(config):
        node = config
        for key in path_keys[:-1]:
            node = node[key]
        node[path_keys[-1]] = value
        return config
    return mutate


def _layer(value, index=1):
    def mutate(config):
        config["config"]["layers"][index] = value
        return config
    return mutate


def _dense_set(key, value):
    def mutate(config):
        _dense(config)[key] = value
        return config
    return mutate


DEEP = "__deeply_nested__"


def _deep(config):
    _dense(config)["activation"] = DEEP  # replaced by 50,000 nested lists in the JSON text
    return config


HOSTILE = {
    "config is a list": lambda c: [c],
    "config is a string": lambda c: "Sequential",
    "class_name is a number": _set(["class_name"], 5),
    "functional model": _set(["class_name"], "Functional"),
    "config of the model is null": _set(["config"], None),
    "layers is a dict": _set(["config", "layers"], {"dense": 1}),
    "a layer is a number": _layer(5),
    "unknown layer class": _layer({"class_name": "NoSuchLayer", "config": {}}),
    "units is a string": _dense_set("units", "8"),
    "units is negative": _dense_set("units", -1),
    "units is a float": _dense_set("units", 8.5),
    "units is huge": _dense_set("units", 10 ** 12),
    "activation is a list": _dense_set("activation", ["relu"]),
    "activation is unknown": _dense_set("activation", "os.system"),
    "nesting 50000 deep": _deep,
    "input shape is huge": lambda c: _set(["config", "layers", 0, "config", "batch_shape"], [None, 10 ** 10])(c),
    "input shape is negative": lambda c: _set(["config", "layers", 0, "config", "batch_shape"], [None, -4])(c),
    "input shape is text": lambda c: _set(["config", "layers", 0, "config", "batch_shape"], "(None, 4)")(c),
    "layer from module os": _layer({"module": "os", "class_name": "system", "config": {"command": "touch x"}}),
    "layer registered as os>system": _layer({"class_name": "system", "registered_name": "os>system",
                                              "config": {}}),
    "layer from an importable module": _layer({"module": EVIL_MODULE, "class_name": "Boom", "config": {}}),
    "activation function from os": _dense_set("activation", {"module": "os", "class_name": "function",
                                                              "config": "system", "registered_name": "function"}),
    "initializer from an importable module": _dense_set("kernel_initializer", {"module": EVIL_MODULE,
                                                                                "class_name": "Boom", "config": {}}),
    "builtins eval as activation": _dense_set("activation", {"module": "builtins", "class_name": "function",
                                                              "config": "eval"}),
    "serialized lambda": _dense_set("activation", {"class_name": "__lambda__",
                                                    "config": {"value": ["YQ==\n", None, None]}}),
    "optimizer unknown": _set(["compile_config", "optimizer"], "adamm"),
    "optimizer from an importable module": _set(["compile_config", "optimizer"],
                                                {"module": EVIL_MODULE, "class_name": "Boom", "config": {}}),
    "loss is a number": _set(["compile_config", "loss"], 5),
    "compile config is a string": _set(["compile_config"], "adam"),
    "metrics is a number": _set(["compile_config", "metrics"], 5),
}


@pytest.mark.parametrize("mutation", list(HOSTILE), ids=list(HOSTILE))
def test_hostile_configs_are_refused_without_running_anything(saved, tmp_path, sentinel, mutation):
    _, files = saved
    with zipfile.ZipFile(io.BytesIO(files["model.keras"])) as archive:
        config = json.loads(archive.read("config.json"))
    path = tmp_path / "hostile.keras"
    text = json.dumps(HOSTILE[mutation](config)).replace(f'"{DEEP}"', "[" * 50_000 + "]" * 50_000)
    _rezip(files["model.keras"], path, replace={"config.json": text.encode()})
    status, value = _run(keras.saving.load_model, str(path))
    assert status == "error", f"{mutation}: loaded a model from a broken config"
    assert isinstance(value, ValueError), f"{mutation}: {type(value).__name__}: {value}"
    assert str(path) in str(value), f"{mutation}: message does not name the file: {value}"


def test_hostile_legacy_h5_config_is_refused(saved, tmp_path, sentinel):
    _, files = saved
    path = tmp_path / "hostile.h5"
    path.write_bytes(files["model.h5"])
    with h5py.File(path, "a") as h5:
        config = json.loads(h5.attrs["model_config"])
        config["config"]["layers"][1] = {"class_name": "Boom", "module": EVIL_MODULE, "config": {}}
        h5.attrs["model_config"] = json.dumps(config).encode()
    with pytest.raises(ValueError, match=str(path)):
        keras.saving.load_model(path)


def _rewrite_dataset(path, name, **dataset):
    with h5py.File(path, "a") as h5:
        del h5[name]
        h5.create_dataset(name, **dataset)


BAD_DATASETS = {
    "strings": dict(data=np.array([b"abc"] * 8)),
    "complex": dict(data=np.zeros((4, 8), np.complex64)),
    "compound": dict(data=np.zeros(8, dtype=[("a", "f4"), ("b", "i4")])),
    "wrong shape": dict(data=np.zeros((8, 4), np.float32)),
    "scalar": dict(data=np.float32(1)),
    "huge declared shape": dict(shape=(300_000, 200_000), dtype="float32", chunks=(64, 64)),
}


@pytest.mark.parametrize("kind", list(BAD_DATASETS))
@pytest.mark.parametrize("name, dataset", [("model.weights.h5", "layers/dense/vars/0"),
                                           ("model.weights.h5", "layers/dense_1/vars/1"),
                                           ("model.weights.h5", "optimizer/vars/3"),
                                           ("model.h5", None)])
def test_weight_datasets_of_the_wrong_kind_change_nothing(saved, tmp_path, kind, name, dataset):
    _, files = saved
    path = tmp_path / name
    path.write_bytes(files[name])
    if dataset is None:  # legacy layout: the first kernel
        with h5py.File(path, "r") as h5:
            dataset = next(f"model_weights/{layer}/{key}" for layer in h5["model_weights"].attrs["layer_names"]
                           for key in [h5["model_weights"][layer].attrs["weight_names"][0]]
                           if len(h5["model_weights"][layer].attrs["weight_names"]))
            dataset = dataset if isinstance(dataset, str) else dataset.decode()
    _rewrite_dataset(path, dataset, **BAD_DATASETS[kind])
    target = _model(seed=3)
    before = snapshot(target)
    status, value = _run(target.load_weights, str(path))
    assert status == "error", f"{kind} {dataset}: loaded"
    assert isinstance(value, (ValueError, OSError)), f"{kind} {dataset}: {type(value).__name__}: {value}"
    assert str(path) in str(value)
    assert snapshot(target) == before
    if name == "model.h5":
        status, value = _run(keras.saving.load_model, str(path))
        assert status == "error" and isinstance(value, (ValueError, OSError)) and str(path) in str(value), value


def test_load_weights_from_another_architecture_is_all_or_nothing(tmp_path):
    """The first layer matches, the last does not: the first must not have been assigned."""
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Dropout(0.1),
                              keras.layers.Dense(5)])
    path = tmp_path / "other.weights.h5"
    other.save_weights(path)
    target = _model()
    before = snapshot(target)
    with pytest.raises(ValueError, match=rf"{path}.*\(8, 5\)|{path}.*\(5,\)"):
        target.load_weights(path)
    assert snapshot(target) == before


# -- interrupted saves ---------------------------------------------------------------------------
def _interrupt_on_call(monkeypatch, owner, attribute, call_number):
    original = getattr(owner, attribute)
    calls = {"n": 0}

    def patched(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == call_number:
            raise KeyboardInterrupt(f"interrupted {attribute} call {call_number}")
        return original(*args, **kwargs)
    monkeypatch.setattr(owner, attribute, patched)


INTERRUPTS = [
    ("h5 dataset 1", h5py.Group, "create_dataset", 1),
    ("h5 dataset 3", h5py.Group, "create_dataset", 3),
    ("h5 dataset 9", h5py.Group, "create_dataset", 9),
    ("zip member 2", zipfile.ZipFile, "writestr", 2),
    ("zip member 3", zipfile.ZipFile, "writestr", 3),
    ("fsync", os, "fsync", 1),
    ("rename", os, "replace", 1),
]


@pytest.mark.parametrize("name", FORMATS)
@pytest.mark.parametrize("where, owner, attribute, call_number", INTERRUPTS, ids=[i[0] for i in INTERRUPTS])
def test_an_interrupted_save_leaves_the_previous_file_intact(tmp_path, monkeypatch, name, where, owner,
                                                            attribute, call_number):
    if attribute == "writestr" and not name.endswith(".keras"):
        pytest.skip("only .keras files are zips")
    path = tmp_path / name
    first = _model(seed=0)
    _save(first, path)
    original = path.read_bytes()
    second = _model(seed=5)
    _interrupt_on_call(monkeypatch, owner, attribute, call_number)
    with pytest.raises(KeyboardInterrupt):
        _save(second, path)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert sorted(os.listdir(tmp_path)) == [name], "a temporary file was left behind"
    reloaded = _load_into(_model(seed=9), path)
    assert [w.tobytes() for w in reloaded.get_weights()] == [w.tobytes() for w in first.get_weights()]
