"""Ftrl, Lion, Lamb, Adafactor and LossScaleOptimizer (issue 19) against real Keras 3.15.1.

tests/fixtures/make_keras_optimizer_files.py trained a small model with each in Keras, saved
it with the optimizer state, and recorded the weights after one more epoch. Loading the file
and training that epoch here must land on Keras's weights: that checks the update rule, the
slots' order and shapes in the file, and their restoring at once. The other way round,
a file minikeras writes is checked to hold the same variables, in Keras's order and shapes.
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as keras
from minikeras import optimizers

FILES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "keras_files", "optimizers")
CASES = ["ftrl", "ftrl_default", "lion", "lamb", "adafactor", "adafactor_absolute", "loss_scale"]


def _load(case):
    data = np.load(os.path.join(FILES, f"{case}.npz"))
    with open(os.path.join(FILES, f"{case}.json")) as handle:
        listing = json.load(handle)
    return keras.models.load_model(os.path.join(FILES, f"{case}.keras")), data, listing


def _optimizer_arrays(path, group="optimizer/vars"):
    with zipfile.ZipFile(path) as archive:
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as h5:
            node = h5[group]
            return [np.asarray(node[str(i)]) for i in range(len(node))]


@pytest.mark.parametrize("case", CASES)
def test_a_keras_file_loads_and_trains_on_as_keras(case):
    model, data, listing = _load(case)
    assert model.optimizer.get_config() == listing["optimizer"]["config"]
    assert model.optimizer.iterations == 8
    for index, weight in enumerate(model.get_weights()):
        np.testing.assert_allclose(weight, data[f"trained_{index}"], atol=1e-7)
    model.fit(data["x"], data["y"], batch_size=8, epochs=1, shuffle=False, verbose=0)
    for index, weight in enumerate(model.get_weights()):
        np.testing.assert_allclose(weight, data[f"continued_{index}"], rtol=1e-5, atol=3e-7)


@pytest.mark.parametrize("case", CASES)
def test_a_file_minikeras_writes_holds_keras_layout(case, tmp_path):
    model, data, listing = _load(case)
    path = str(tmp_path / f"{case}.keras")
    model.save(path)
    ours, theirs = _optimizer_arrays(path), _optimizer_arrays(os.path.join(FILES, f"{case}.keras"))
    assert [a.shape for a in ours] == [tuple(v["shape"]) for v in listing["variables"]]
    assert [a.dtype.kind for a in ours] == [a.dtype.kind for a in theirs]
    for mine, keras_array in zip(ours, theirs):
        np.testing.assert_allclose(mine, keras_array, atol=1e-7)
    if case == "loss_scale":
        inner = _optimizer_arrays(path, "optimizer/inner_optimizer/vars")
        assert len(inner) == len(_optimizer_arrays(os.path.join(FILES, f"{case}.keras"),
                                                   "optimizer/inner_optimizer/vars")) == 10
    again = keras.models.load_model(path)
    again.fit(data["x"], data["y"], batch_size=8, epochs=1, shuffle=False, verbose=0)
    for index, weight in enumerate(again.get_weights()):
        np.testing.assert_allclose(weight, data[f"continued_{index}"], rtol=1e-5, atol=3e-7)


def test_loss_scale_optimizer_bookkeeping_as_keras():
    model, _, _ = _load("loss_scale")
    wrapper = model.optimizer
    # Keras after 8 steps with growth every 3: the scale doubled twice (256 -> 1024), counter 2
    assert wrapper.step_counter == 2 and wrapper.dynamic_scale == 1024.0
    assert wrapper.learning_rate is wrapper.inner_optimizer.learning_rate
    variable = keras.Variable(np.ones(2, "float32"))
    before = wrapper.inner_optimizer.iterations
    wrapper.apply([np.array([np.nan, 1.0], "float32")], [variable])
    assert wrapper.dynamic_scale == 512.0 and wrapper.step_counter == 0  # skipped, halved
    assert wrapper.inner_optimizer.iterations == before and np.array_equal(np.array(variable), [1, 1])
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    assert [v.name for v in wrapper.variables][:4] == ["iteration", "learning_rate", "step_counter",
                                                         "dynamic_scale"]


@pytest.mark.parametrize("make, message", [
    (lambda: optimizers.Ftrl(learning_rate_power=0.5), "learning_rate_power must be a number"),
    (lambda: optimizers.Ftrl(initial_accumulator_value=-1.0), "initial_accumulator_value must be a non-negative"),
    (lambda: optimizers.Ftrl(l1_regularization_strength=-0.1), "l1_regularization_strength"),
    (lambda: optimizers.Lion(beta_1=0.0), r"Lion beta_1 must be a number in \(0, 1\]"),
    (lambda: optimizers.Lamb(beta_2=1.0), r"Lamb beta_2 must be a number in \[0, 1\)"),
    (lambda: optimizers.Adafactor(relative_step="yes"), "relative_step must be True or False"),
])
def test_bad_arguments_name_the_argument(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("name", ["ftrl", "lion", "lamb", "adafactor"])
def test_names_resolve_and_configs_round_trip(name):
    optimizer = optimizers.get(name)
    assert type(optimizers.deserialize(optimizers.serialize(optimizer))) is type(optimizer)
    assert optimizer.get_config() == type(optimizer).from_config(optimizer.get_config()).get_config()
