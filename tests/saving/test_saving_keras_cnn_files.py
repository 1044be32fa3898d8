"""CNN files across the two libraries (issue 17).

Keras-written files (tests/fixtures/keras_files/cnn.*, made by
tests/fixtures/make_keras_conv_reference.py): minikeras loads the ``.keras``, ``.h5`` and
``.weights.h5`` files, predicts Keras's outputs to 1e-5, and continues training from the
``.keras`` file's optimizer state along Keras's own trajectory. And the other way: a CNN
with every conv layer kind saved by minikeras loads in real Keras 3 (a subprocess with
``KERAS_BACKEND=jax``), which predicts the same.
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import minikeras as keras

FILES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "keras_files")
IO = np.load(os.path.join(FILES, "cnn.io.npz"))
L = keras.layers


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_keras_cnn_files_load_and_predict_keras_outputs(extension):
    model = keras.models.load_model(os.path.join(FILES, "cnn" + extension))
    np.testing.assert_allclose(model.predict(IO["x"], verbose=0), IO["y"], rtol=1e-5, atol=1e-5)


def test_keras_cnn_weights_file_loads_into_the_same_architecture():
    model = keras.models.load_model(os.path.join(FILES, "cnn.keras"))
    fresh = keras.models.clone_model(model)
    fresh.load_weights(os.path.join(FILES, "cnn.weights.h5"))
    np.testing.assert_allclose(fresh.predict(IO["x"], verbose=0), IO["y"], rtol=1e-5, atol=1e-5)


def test_training_resumes_along_keras_trajectory():
    model = keras.models.load_model(os.path.join(FILES, "cnn.keras"))
    losses = []
    for step in range(3):
        rows = slice(step * 32, (step + 1) * 32)
        logs = model.train_on_batch(IO["cont_x"][rows], IO["cont_y_true"][rows], return_dict=True)
        losses.append(logs["loss"])
    np.testing.assert_allclose(losses, IO["cont_loss"], rtol=1e-4)
    np.testing.assert_allclose(model.predict(IO["x"], verbose=0), IO["cont_y"], rtol=1e-4, atol=1e-5)


KERAS_SIDE = textwrap.dedent('''
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import numpy as np
    import keras
    folder = sys.argv[1]
    data = np.load(f"{folder}/io.npz")
    report = {}
    for ext in (".keras", ".h5"):
        model = keras.models.load_model(f"{folder}/cnn{ext}")
        report[ext] = float(np.abs(np.asarray(model.predict(data["x"], verbose=0)) - data["y" + ext]).max())
    print(json.dumps(report))
''')


def test_minikeras_cnn_files_load_in_keras_and_predict_the_same(tmp_path):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input((12, 12, 2)),
        L.ZeroPadding2D(((1, 0), (0, 1))),
        L.Conv2D(6, 3, strides=2, padding="same", groups=2, activation="relu"),
        L.BatchNormalization(),
        L.DepthwiseConv2D(2, depth_multiplier=2, padding="same"),
        L.SeparableConv2D(4, 3, padding="same", dilation_rate=1, activation="tanh"),
        L.Conv2DTranspose(3, 3, strides=2, output_padding=1),
        L.Cropping2D(1),
        L.UpSampling2D(interpolation="bilinear"),
        L.MaxPooling2D(3, strides=2, padding="same"),
        L.AveragePooling2D(2),
        L.SpatialDropout2D(0.2),
        L.Reshape((-1, 3)),
        L.Conv1D(4, 3, padding="causal", dilation_rate=2),
        L.Conv1DTranspose(3, 2, strides=2),
        L.DepthwiseConv1D(3, padding="same"),
        L.SeparableConv1D(3, 2),
        L.MaxPooling1D(2),
        L.AveragePooling1D(2, padding="same"),
        L.ZeroPadding1D(1), L.Cropping1D((1, 0)), L.UpSampling1D(2), L.SpatialDropout1D(0.1),
        L.GlobalMaxPooling1D(keepdims=True),
        L.Flatten(),
        L.Dense(3, activation="softmax"),
    ])
    # Keras takes long to load a model (it traces every layer): the legacy .h5 file gets the 2-D
    # layers with weights only (its weight layout is what differs between the formats).
    small = keras.Sequential([keras.Input((12, 12, 2)), *(model.layers[i] for i in range(1, 6)), L.Flatten(),
                              model.layers[-1].__class__(3, activation="softmax")])
    x = np.random.default_rng(0).normal(size=(8, 12, 12, 2)).astype("float32")
    predictions = {}
    for net, ext in ((model, ".keras"), (small, ".h5")):  # (small shares layers with model: save, then predict)
        net.compile("adam", "sparse_categorical_crossentropy")
        net.fit(x, np.arange(8) % 3, epochs=1, batch_size=4, verbose=0)
        net.save(tmp_path / f"cnn{ext}")
        predictions["y" + ext] = net.predict(x, verbose=0)
    np.savez(tmp_path / "io.npz", x=x, **predictions)
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "-c", KERAS_SIDE, str(tmp_path)], env=env, capture_output=True,
                          text=True, timeout=600, cwd=str(tmp_path))
    if done.returncode != 0 and "ModuleNotFoundError" in done.stderr:
        pytest.skip(f"real Keras 3 with JAX is not importable here: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report[".keras"] < 1e-5 and report[".h5"] < 1e-5, report
