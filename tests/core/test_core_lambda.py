"""keras.layers.Lambda: shapes, training through keras.ops, configs, saving, safe mode, Keras's files."""
import json
import marshal
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops

sys.path.insert(0, str(Path(__file__).parents[1]))
from gradient_check import check_model_gradients  # noqa: E402

FILES = Path(__file__).parents[1] / "fixtures" / "keras_files" / "lambda"
RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 4)).astype(np.float32)
Y = np.sin(X @ RNG.normal(size=(4, 2))).astype(np.float32)


def swish_square(x):
    return ops.square(x) * ops.sigmoid(x)


def functional(function=lambda x: ops.tanh(x) * x + 0.5 * ops.square(x), **kwargs):
    inp = keras.Input((4,), name="inp")
    h = layers.Dense(5, name="hidden")(inp)
    h = layers.Lambda(function, name="lam", **kwargs)(h)
    return keras.Model(inp, layers.Dense(2, name="out")(h))


def test_call_arguments_and_output_shapes():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    scaled = layers.Lambda(lambda t, scale: t * scale, arguments={"scale": 3.0})
    np.testing.assert_allclose(scaled(x), x * 3)
    inp = keras.Input((3,))
    assert layers.Lambda(lambda t: ops.sum(t, axis=-1, keepdims=True))(inp).shape == (None, 1)
    assert layers.Lambda(lambda t: t[:, :2], output_shape=(2,))(inp).shape == (None, 2)
    assert layers.Lambda(lambda t: ops.concatenate([t, t], axis=-1),
                         output_shape=lambda s: (s[0], 2 * s[1]))(inp).shape == (None, 6)
    seen = []
    layers.Lambda(lambda t, training=None: seen.append(training) or t)(x, training=True)
    assert seen[-1] is True
    with pytest.raises(ValueError, match="Lambda function must be callable"):
        layers.Lambda(3)


def test_trains_in_sequential_functional_and_subclassed_models():
    class Net(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = layers.Dense(8)
            self.lam = layers.Lambda(swish_square)
            self.out = layers.Dense(2)

        def call(self, x):
            return self.out(self.lam(self.hidden(x)))

    models = [keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Lambda(lambda t: ops.tanh(t) * 2.0),
                                layers.Dense(2)]),
              functional(), Net()]
    for model in models:
        model.compile(keras.optimizers.Adam(0.02), "mse")
        history = model.fit(X, Y, epochs=15, batch_size=16, verbose=0).history["loss"]
        assert history[-1] < 0.7 * history[0], (type(model).__name__, history)


def test_gradients_through_a_lambda_match_finite_differences():
    check_model_gradients(functional(), RNG.normal(size=(3, 4)))
    check_model_gradients(functional(swish_square), RNG.normal(size=(3, 4)))


def test_config_has_keras_layout():
    lam = layers.Lambda(lambda t, k: t * k + 1.0, output_shape=(5,), arguments={"k": 2}, name="lam")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = lam.get_config()
    assert set(config) == {"name", "trainable", "dtype", "function", "output_shape", "arguments"}
    assert config["function"]["class_name"] == "__lambda__"
    assert set(config["function"]["config"]) == {"code", "defaults", "closure"}
    assert config["output_shape"] == (5,) and config["arguments"] == {"k": 2}
    named = layers.Lambda(ops.square).get_config()["function"]
    assert named == {"module": "keras.ops", "class_name": "function", "config": "square",
                     "registered_name": "square"}
    assert layers.Lambda.from_config(layers.Lambda(ops.square).get_config()).function is ops.square


def test_from_config_refuses_bytecode_unless_safe_mode_is_off(monkeypatch):
    config = layers.Lambda(lambda t: t * 2.0).get_config()
    loads = marshal.loads
    monkeypatch.setattr(marshal, "loads", lambda *a: pytest.fail("bytecode decoded in safe mode"))
    with pytest.raises(ValueError, match="serialized Python lambda.*safe_mode=False"):
        layers.Lambda.from_config(config)
    monkeypatch.setattr(marshal, "loads", loads)
    rebuilt = layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(rebuilt(np.ones((2, 3), np.float32)), 2 * np.ones((2, 3)))


def test_registered_function_is_saved_by_name(tmp_path):
    @keras.saving.register_keras_serializable(package="mk_lambda_test")
    def cube(x):
        return x * x * x

    model = functional(cube)
    assert model.get_layer("lam").get_config()["function"]["registered_name"] == "mk_lambda_test>cube"
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")  # safe mode: nothing to decode
    assert loaded.get_layer("lam").function is cube
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_saved_lambda_models_reload_with_safe_mode_off(tmp_path, extension):
    shift = 0.25
    for model in (functional(lambda x: ops.tanh(x) + shift),
                  keras.Sequential([keras.Input((4,)), layers.Lambda(lambda t, k: t * k, arguments={"k": 1.5}),
                                    layers.Dense(2)])):
        model.compile("adam", "mse")
        model.fit(X, Y, epochs=1, verbose=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.save(tmp_path / f"m{extension}")
        loaded = keras.models.load_model(tmp_path / f"m{extension}", safe_mode=False)
        np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), rtol=1e-6)
        assert loaded.compiled
        loaded.fit(X, Y, epochs=1, verbose=0)


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_safe_mode_refuses_a_lambda_without_running_or_decoding_it(tmp_path, monkeypatch, extension):
    marker = tmp_path / "ran.txt"
    path = str(marker)
    model = functional(lambda x: (open(path, "w").write("ran"), x)[1])
    marker.unlink()  # the model was built by calling the lambda once
    model.save(tmp_path / f"m{extension}")
    monkeypatch.setattr(marshal, "loads", lambda *a: pytest.fail("bytecode decoded in safe mode"))
    with pytest.raises(ValueError, match="serialized Python lambda.*safe_mode=False"):
        keras.models.load_model(tmp_path / f"m{extension}")
    assert not marker.exists()


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_keras_lambda_files_predict_like_keras(extension):
    io = np.load(FILES / "lambda_func.io.npz")
    with pytest.raises(ValueError, match="serialized Python lambda"):
        keras.models.load_model(FILES / f"lambda_func{extension}")
    model = keras.models.load_model(FILES / f"lambda_func{extension}", safe_mode=False)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense", "Lambda", "Dense", "Lambda"]
    assert model.get_layer("square_scale").arguments == {"scale": 1.5}
    assert model.get_layer("affine").get_config()["output_shape"] == (3,)
    np.testing.assert_allclose(model.predict(io["x"], verbose=0), io["y"], rtol=1e-5, atol=1e-5)


KERAS_SIDE = textwrap.dedent('''
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import keras
    folder = sys.argv[1]
    x = np.load(folder + "/x.npy")
    report = {}
    for name in json.load(open(folder + "/names.json")):
        model = keras.models.load_model(folder + "/" + name, safe_mode=False)
        report[name] = np.asarray(model.predict(x, verbose=0)).tolist()
        try:
            keras.models.load_model(folder + "/" + name)
            report[name + ":safe"] = "loaded"
        except ValueError as error:
            report[name + ":safe"] = str(error)[:80]
    print("REPORT" + json.dumps(report))
''')


def test_real_keras_loads_minikeras_lambda_files(tmp_path):
    python = os.environ.get("MINIKERAS_KERAS_PYTHON") or sys.executable
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONWARNINGS": "ignore", "TF_CPP_MIN_LOG_LEVEL": "3",
           "JAX_PLATFORMS": "cpu"}
    if subprocess.run([python, "-c", "import keras, jax"], env=env, capture_output=True).returncode != 0:
        pytest.skip(f"keras with jax is not importable by {python}")
    shift = 0.5
    models = {"func": functional(lambda x: x * x * 0.5 + shift),
              "seq": keras.Sequential([keras.Input((4,)), layers.Dense(3),
                                       layers.Lambda(lambda t, k: t * k, arguments={"k": -2.0}, output_shape=(3,)),
                                       layers.Dense(2)])}
    names = []
    for key, model in models.items():
        for extension in (".keras", ".h5"):
            model.save(tmp_path / f"{key}{extension}")
            names.append(f"{key}{extension}")
    np.save(tmp_path / "x.npy", X[:8])
    (tmp_path / "names.json").write_text(json.dumps(names))
    run = subprocess.run([python, "-c", KERAS_SIDE, str(tmp_path)], env=env, capture_output=True, text=True,
                         timeout=600)
    line = [l for l in run.stdout.splitlines() if l.startswith("REPORT")]
    assert run.returncode == 0 and line, run.stderr[-3000:]
    report = json.loads(line[0][len("REPORT"):])
    for name in names:
        model = models[name.split(".")[0]]
        np.testing.assert_allclose(np.array(report[name]), model.predict(X[:8], verbose=0), rtol=1e-5, atol=1e-6)
        assert report[name + ":safe"] != "loaded"


def test_a_lambda_on_several_inputs_trains_and_round_trips(tmp_path):
    k = np.float32(0.5)  # a NumPy scalar in the closure is saved as a number
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    h = layers.Lambda(lambda xs: xs[0] * xs[1] + k, name="mix")([layers.Dense(4)(a), b])
    model = keras.Model([a, b], layers.Dense(2)(h))
    x = [X, X[::-1]]
    check_model_gradients(model, [x[0][:3], x[1][:3]])
    model.compile("adam", "mse")
    model.fit(x, Y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_a_closure_json_cannot_hold_is_a_clear_error(tmp_path):
    f = ops.tanh
    model = keras.Sequential([keras.Input((4,)), layers.Lambda(lambda t: f(t), name="lam")])
    with pytest.raises(ValueError, match="Lambda 'lam' function: the value of 'f' it closes over"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()
