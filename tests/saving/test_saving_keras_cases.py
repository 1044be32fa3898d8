"""Keras 3.15.1 files with configurations a user may have (tests/fixtures/keras_files,
written by make_interop_cases.py): they load in minikeras, predict what Keras predicted,
and continue training as Keras continued from the same file."""
import json
import pathlib
import warnings
import zipfile

import numpy as np
import pytest

import minikeras as keras

FILES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "keras_files"
CASES = np.load(FILES / "cases.npz")


def continue_like_keras(model):
    """The training make_interop_cases.py did after loading: one epoch, batches of 16, in order."""
    model.fit(CASES["x"], CASES["y"], epochs=1, batch_size=16, shuffle=False, verbose=0)
    return model.predict(CASES["x"], verbose=0)


def test_a_never_built_keras_model_loads_unbuilt_and_compiled():
    model = keras.models.load_model(FILES / "unbuilt.keras")
    assert not model.built and len(model.layers) == 2
    assert type(model.optimizer).__name__ == "Adam" and model.optimizer.learning_rate == pytest.approx(0.01)
    continue_like_keras(model)  # builds on the first batch, as in Keras
    assert model.built and model.optimizer.iterations == 3


def test_an_unbuildable_config_with_weights_is_an_error(tmp_path):
    """A config without any input shape but a file with weights: the weights cannot go anywhere."""
    path = tmp_path / "no_shape.keras"
    with zipfile.ZipFile(FILES / "loss_weights.keras") as src, zipfile.ZipFile(path, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "config.json":
                config = json.loads(data)
                config.pop("build_config")
                config["config"].pop("build_input_shape")
                config["config"]["layers"] = config["config"]["layers"][1:]  # no InputLayer
                data = json.dumps(config).encode()
            dst.writestr(name, data)
    with pytest.raises(ValueError, match="no_shape.keras: the file holds weights"):
        keras.models.load_model(path)


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_loss_weights_come_back_and_training_continues_as_in_keras(extension):
    """compile(loss_weights=0.5) scales the loss and its gradient; dropping it on load (as
    minikeras did) moved the continued weights by 4e-3."""
    model = keras.models.load_model(FILES / f"loss_weights{extension}")
    assert model.get_compile_config()["loss_weights"] == 0.5
    np.testing.assert_allclose(model.predict(CASES["x"], verbose=0), CASES["loss_weights_pred"], atol=1e-6)
    np.testing.assert_allclose(continue_like_keras(model), CASES["loss_weights_cont"], atol=1e-5)


@pytest.mark.filterwarnings("ignore:.*skipping the optimizer state")  # a fresh optimizer, as Keras warns
def test_loss_weights_scale_the_reported_loss_and_are_saved(tmp_path):
    model = keras.models.load_model(FILES / "loss_weights.keras")
    weighted = model.evaluate(CASES["x"], CASES["y"], verbose=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", loss_weights=[2.0])
    assert model.evaluate(CASES["x"], CASES["y"], verbose=0) == pytest.approx(4 * weighted, rel=1e-6)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert json.loads(archive.read("config.json"))["compile_config"]["loss_weights"] == [2.0]
    assert keras.models.load_model(tmp_path / "m.keras").evaluate(CASES["x"], CASES["y"], verbose=0) == \
        pytest.approx(4 * weighted, rel=1e-6)


@pytest.mark.parametrize("loss_weights", [[1.0, 2.0], {"dense": 1.0}, "half", float("nan"), True])
def test_loss_weights_that_do_not_fit_one_output_are_refused(loss_weights):
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)])
    with pytest.raises(ValueError, match="loss_weights"):
        model.compile(optimizer="adam", loss="mse", loss_weights=loss_weights)
    assert not model.compiled


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_constraints_load_and_hold_after_each_update_as_in_keras(extension):
    """MaxNorm, NonNeg, MinMaxNorm and UnitNorm from a Keras file: refused before; now the
    continued training tracks Keras's, and each constraint holds after the updates."""
    model = keras.models.load_model(FILES / f"constraints{extension}")
    np.testing.assert_allclose(model.predict(CASES["x"], verbose=0), CASES["constraints_pred"], atol=1e-6)
    np.testing.assert_allclose(continue_like_keras(model), CASES["constraints_cont"], atol=1e-5)
    first, second, last = model.layers
    assert np.linalg.norm(first.kernel.value, axis=0).max() <= 0.5 + 1e-6
    assert first.bias.value.min() >= 0
    assert 0.2 - 1e-6 <= np.linalg.norm(second.kernel.value, axis=0).min()
    np.testing.assert_allclose(np.linalg.norm(last.kernel.value, axis=0), 1, atol=1e-6)


def test_constraint_configs_are_the_ones_keras_wrote():
    with zipfile.ZipFile(FILES / "constraints.keras") as archive:
        written = json.loads(archive.read("config.json"))["config"]["layers"][1:]
    model = keras.models.load_model(FILES / "constraints.keras")
    for layer, keras_layer in zip(model.layers, written):
        config = json.loads(json.dumps(layer.get_config()))
        for key in ("kernel_constraint", "bias_constraint"):
            assert config[key] == keras_layer["config"][key], (layer.name, key)


def test_constraints_by_name_and_on_other_layers_round_trip(tmp_path):
    L = keras.layers
    model = keras.Sequential([keras.Input((6,)), L.Dense(5, kernel_constraint="unit_norm"),
                              L.BatchNormalization(gamma_constraint=keras.constraints.NonNeg()),
                              L.PReLU(alpha_constraint=keras.constraints.MaxNorm(0.1)),
                              L.LayerNormalization(beta_constraint="max_norm"), L.Dense(3, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy")
    model.fit(CASES["x"], CASES["y"], epochs=2, batch_size=8, verbose=0)
    np.testing.assert_allclose(np.linalg.norm(model.layers[0].kernel.value, axis=0), 1, atol=1e-6)
    assert model.layers[1].gamma.value.min() >= 0
    assert np.abs(model.layers[2].alpha.value).max() <= 0.1 + 1e-7
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(again.layers[0].kernel_constraint, keras.constraints.UnitNorm)
    assert again.layers[2].alpha_constraint.max_value == 0.1
    assert again.layers[3].beta_constraint.get_config() == {"max_value": 2, "axis": 0}
    np.testing.assert_array_equal(again.predict(CASES["x"], verbose=0), model.predict(CASES["x"], verbose=0))


@pytest.mark.parametrize("argument", [{"max_value": -1}, {"max_value": "big"}, {"rate": float("inf")}])
def test_constraint_arguments_are_checked(argument):
    cls = keras.constraints.MinMaxNorm if "rate" in argument else keras.constraints.MaxNorm
    with pytest.raises(ValueError, match=next(iter(argument))):
        cls(**argument)


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_a_keras_lambda_layer_is_refused_without_touching_its_code(extension, monkeypatch):
    import marshal

    def no_unmarshalling(*args):
        raise AssertionError("the lambda's bytecode was read in safe mode")
    monkeypatch.setattr(marshal, "loads", no_unmarshalling)
    with pytest.raises(ValueError, match="serialized Python lambda.*safe_mode=False"):
        keras.models.load_model(FILES / f"lambda{extension}")


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_with_safe_mode_off_keras_lambda_layer_loads_and_runs(extension):
    """Keras's Lambda layer stores {code, defaults, closure}; with safe_mode=False it is rebuilt
    (here ``t * 2`` before a Dense)."""
    model = keras.models.load_model(FILES / f"lambda{extension}", safe_mode=False)
    assert [type(layer).__name__ for layer in model.layers] == ["Lambda", "Dense"]
    x = np.random.default_rng(0).normal(size=(4, 6)).astype("float32")
    kernel, bias = model.layers[1].get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), (2 * x) @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_a_whole_model_saved_under_a_weights_h5_name_loads_as_in_keras(tmp_path):
    """Keras's model.save("m.weights.h5") writes a legacy whole-model file and load_model reads it."""
    model = keras.models.load_model(FILES / "whole_model.weights.h5")
    np.testing.assert_allclose(model.predict(CASES["x"], verbose=0), CASES["whole_model_pred"], atol=1e-6)
    model.save_weights(tmp_path / "only.weights.h5")
    with pytest.raises(ValueError, match="holds weights only"):
        keras.models.load_model(tmp_path / "only.weights.h5")


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_activity_regularizers_count_in_the_loss_and_its_gradient_as_in_keras(extension):
    """L1 on a hidden Dense, L2 on a ReLU layer, L1L2 on the softmax output (which then cannot
    use the fused softmax/cross-entropy gradient): refused before; now evaluate's loss is
    Keras's and continued training tracks Keras's."""
    model = keras.models.load_model(FILES / f"activity{extension}")
    np.testing.assert_allclose(model.predict(CASES["x"], verbose=0), CASES["activity_pred"], atol=1e-6)
    assert model.evaluate(CASES["x"], CASES["y"], batch_size=48, verbose=0) == \
        pytest.approx(float(CASES["activity_loss"]), rel=1e-6)
    np.testing.assert_allclose(continue_like_keras(model), CASES["activity_cont"], atol=1e-5)


def test_activity_penalty_is_per_sample_and_inference_keeps_no_state():
    L = keras.layers
    model = keras.Sequential([keras.Input((6,)), L.Dense(4, activation="relu"),
                              L.Dense(3, activity_regularizer=keras.regularizers.L2(0.5))])
    model.compile(optimizer="sgd", loss="mse")
    target = np.zeros((48, 3), np.float32)
    outputs = model.predict(CASES["x"], verbose=0)
    assert all(getattr(layer, "_cache", None) is None for layer in model.layers)  # predict kept nothing
    # Keras divides the penalty by the batch size: at 0.5 * sum(y**2) / n it equals
    # 1.5 times the mean squared error against zeros (3 outputs).
    expected = np.mean(outputs ** 2) + 0.5 * np.sum(outputs.astype(np.float64) ** 2) / 48
    assert model.evaluate(CASES["x"], target, batch_size=48, verbose=0) == pytest.approx(expected, rel=1e-5)
    assert model.get_config()["layers"][2]["config"]["activity_regularizer"]["class_name"] == "L2"
    assert "activity_regularizer" not in model.get_config()["layers"][1]["config"]


@pytest.mark.filterwarnings("ignore:.*the compile config has no optimizer")
@pytest.mark.parametrize("name", ["mlp_softmax", "bn_mlp"])
def test_optimizer_variables_are_the_ones_keras_saved(name):
    """optimizer.variables (missing before: AttributeError) lists Keras's optimizer.variables
    in order: the .weights.h5 file Keras wrote holds exactly that list."""
    import h5py
    model = keras.models.load_model(FILES / f"{name}.keras")
    state = model.optimizer.variables
    with h5py.File(FILES / f"{name}.weights.h5", "r") as h5:
        saved = [h5[f"optimizer/vars/{i}"][()] for i in range(len(h5["optimizer/vars"]))]
    assert len(state) == len(saved) and [v.name for v in state[:2]] == ["iteration", "learning_rate"]
    for variable, array in zip(state, saved):
        np.testing.assert_array_equal(variable.numpy(), array)
    slot = state[2]
    slot.value[...] = 0  # a slot Variable is the live slot, not a copy
    assert not model.optimizer.slots(model.optimizer.tracked_variables[0])[0].any()


def test_get_compile_config_is_keras_serialized_form_and_compile_from_config_takes_it():
    """get_compile_config returned the raw compile arguments (optimizer objects); Keras returns
    their configs, as stored in the file's compile_config, and compile_from_config takes them."""
    with zipfile.ZipFile(FILES / "loss_weights.keras") as archive:
        written = json.loads(archive.read("config.json"))["compile_config"]
    model = keras.models.load_model(FILES / "loss_weights.keras")
    config = json.loads(json.dumps(model.get_compile_config()))
    assert sorted(config) == sorted(written)
    for key in ("loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly", "steps_per_execution"):
        assert config[key] == written[key], key
    assert config["optimizer"]["class_name"] == written["optimizer"]["class_name"] == "Adam"
    for key, value in written["optimizer"]["config"].items():
        if key != "name":
            assert config["optimizer"]["config"][key] == pytest.approx(value), key
    fresh = keras.models.clone_model(model)  # compiled from the compile config, as in Keras 3.15
    assert fresh.get_compile_config() == model.get_compile_config()
    assert fresh.get_build_config() == {"input_shape": (None, 6)}
    fresh = keras.Sequential.from_config(model.get_config())
    fresh.compile_from_config(config)
    assert fresh.optimizer.variables[1].numpy() == np.float32(0.01)
    assert fresh.get_compile_config()["loss_weights"] == 0.5


def test_load_weights_by_name_from_a_keras_legacy_h5(tmp_path):
    """Transfer learning from a Keras .h5: by_name=True (a TypeError before) fills the layers
    whose names are in the file and leaves the new head alone; other formats refuse it, as Keras."""
    import h5py
    L = keras.layers
    model = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Dense(64, activation="relu", name="dense"),
                              L.Dense(5, name="new_head")])
    head = model.get_layer("new_head").get_weights()
    model.load_weights(FILES / "mlp_softmax.h5", by_name=True)
    with h5py.File(FILES / "mlp_softmax.h5", "r") as h5:
        group = h5["model_weights/dense"]
        names = [n.decode() if isinstance(n, bytes) else n for n in group.attrs["weight_names"]]
        np.testing.assert_array_equal(model.get_layer("dense").kernel.value, group[names[0]][()])
        np.testing.assert_array_equal(model.get_layer("dense").bias.value, group[names[1]][()])
    for before, after in zip(head, model.get_layer("new_head").get_weights()):
        np.testing.assert_array_equal(before, after)
    wrong = keras.Sequential([keras.Input((28, 28)), L.Flatten(), L.Dense(32, name="dense")])
    kept = wrong.get_weights()
    with pytest.raises(ValueError, match=r"layer 'dense' weight 'kernel' has shape \(784, 32\)"):
        wrong.load_weights(FILES / "mlp_softmax.h5", by_name=True)
    assert all(np.array_equal(a, b) for a, b in zip(kept, wrong.get_weights()))
    with pytest.warns(UserWarning, match="skipping layer 'dense'"):
        wrong.load_weights(FILES / "mlp_softmax.h5", by_name=True, skip_mismatch=True)
    with pytest.raises(ValueError, match="by_name only supports loading legacy"):
        model.load_weights(FILES / "mlp_softmax.weights.h5", by_name=True)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_keras_model_compiled_without_a_loss_loads_and_predicts(suffix):
    """Keras compiles without a loss for predict-only models; fit and evaluate then refuse.
    Its optimizer was never built, so the file holds only its iteration and learning rate:
    restored without a warning (the slots start at zeros either way)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = keras.models.load_model(FILES / f"no_loss{suffix}")
    assert model.compiled and model.loss is None and type(model.optimizer).__name__ == "Adam"
    np.testing.assert_allclose(model.predict(CASES["x"], verbose=0), CASES["no_loss_pred"], rtol=1e-5, atol=1e-6)
    before = [w.copy() for w in model.get_weights()]
    for call in (lambda: model.fit(CASES["x"], CASES["y"], verbose=0),
                 lambda: model.evaluate(CASES["x"], CASES["y"], verbose=0),
                 lambda: model.train_on_batch(CASES["x"], CASES["y"]),
                 lambda: model.test_on_batch(CASES["x"], CASES["y"])):
        with pytest.raises(ValueError, match=r"no loss to compute. Provide a `loss` argument in `compile\(\)`"):
            call()
    assert model.optimizer.iterations == 0
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_a_model_compiled_without_a_loss_saves_and_compiles_again(tmp_path):
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd")
    assert model.get_compile_config()["loss"] is None
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.loss is None and type(loaded.optimizer).__name__ == "SGD"
    np.testing.assert_array_equal(loaded.predict(CASES["x"], verbose=0), model.predict(CASES["x"], verbose=0))
    loaded.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert loaded.fit(CASES["x"], CASES["y"], verbose=0).history["loss"]
