"""Every layer, activation, loss, metric, optimizer and schedule through every format."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import activations, layers, losses, metrics, optimizers
from minikeras.optimizers import schedules

FORMATS = [".keras", ".h5", ".weights.h5"]
RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 4, 3)).astype(np.float32)
Y = (np.arange(16) % 3).astype(np.int64)

# threshold(x, threshold, default_value) has no defaults, so a layer cannot run it by name (as in
# Keras); its name round trip is tested in tests/core/test_core_activations_more.py.
ACTIVATIONS = sorted({n for n in activations._registry.names()} - {"threshold"})
LOSSES = [n for n in losses._registry.names() if n[0].isupper()]
METRICS = [n for n in metrics._registry.names() if n[0].isupper() and n not in ("Mean", "MeanMetricWrapper")]
# Arguments of the metrics that have no default for them
REQUIRED = {"IoU": {"num_classes": 3, "target_class_ids": [0, 2]}, "MeanIoU": {"num_classes": 3},
            "OneHotIoU": {"num_classes": 3, "target_class_ids": [1]}, "OneHotMeanIoU": {"num_classes": 3},
            "PrecisionAtRecall": {"recall": 0.5}, "RecallAtPrecision": {"precision": 0.5},
            "SensitivityAtSpecificity": {"specificity": 0.5}, "SpecificityAtSensitivity": {"sensitivity": 0.5}}
OPTIMIZERS = [optimizers.SGD(0.05, momentum=0.9, nesterov=True), optimizers.SGD(0.05),
              optimizers.Adam(0.01, amsgrad=True), optimizers.AdamW(0.01),
              optimizers.RMSprop(0.01, momentum=0.5, centered=True), optimizers.Adagrad(0.05),
              optimizers.Adadelta(1.0), optimizers.Adamax(0.01), optimizers.Nadam(0.01)]
SCHEDULES = [schedules.ExponentialDecay(0.05, 3, 0.5, staircase=True),
             schedules.PiecewiseConstantDecay([2, 4], [0.05, 0.02, 0.01]),
             schedules.InverseTimeDecay(0.05, 2, 0.5), schedules.CosineDecay(0.05, 10, warmup_target=0.1,
                                                                              warmup_steps=2),
             schedules.PolynomialDecay(0.05, 5, cycle=True)]


def all_layers_model(activation="relu"):
    return keras.Sequential([
        keras.Input((4, 3)), layers.Reshape((12,)),
        layers.Dense(8, activation=activation, kernel_initializer="he_normal",
                     kernel_regularizer=keras.regularizers.L1L2(0.001, 0.01), bias_initializer="ones"),
        layers.Dropout(0.25, seed=3), layers.Activation("tanh"), layers.Reshape((2, 4)), layers.Flatten(),
        layers.Dense(5, use_bias=False, kernel_initializer=keras.initializers.RandomNormal(0.0, 0.3, seed=1)),
        layers.Dense(3), layers.Softmax()])


def roundtrip(model, tmp_path, extension, compile=True):
    path = tmp_path / f"model{extension}"
    if extension == ".weights.h5":
        model.save_weights(path)
        other = keras.Sequential.from_config(model.get_config())
        if model.compiled:
            fresh = type(model.optimizer).from_config(model.optimizer.get_config())
            other.compile(**{**model.get_compile_config(), "optimizer": fresh})
        other.load_weights(path)
        return other
    model.save(path)
    return keras.saving.load_model(path, compile=compile)


@pytest.mark.parametrize("extension", FORMATS)
def test_every_layer_and_its_config_roundtrip(tmp_path, extension):
    model = all_layers_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, Y, epochs=1, batch_size=8, verbose=0)
    loaded = roundtrip(model, tmp_path, extension)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
    assert loaded.get_config() == model.get_config()
    assert [type(l) for l in loaded.layers] == [type(l) for l in model.layers]


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_every_activation_roundtrips(tmp_path, extension):
    inputs = [keras.Input((4, 3)), layers.Flatten()]
    stack = inputs + [layers.Dense(2, activation=name, name=f"d_{name}") for name in ACTIVATIONS]
    model = keras.Sequential(stack)
    loaded = roundtrip(model, tmp_path, extension)
    for name in ACTIVATIONS:
        assert loaded.get_layer(f"d_{name}").activation is activations.get(name)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)


def _compiled(loss=None, metric=None, optimizer="sgd"):
    model = keras.Sequential([keras.Input((4, 3)), layers.Flatten(), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss=loss or "mse", metrics=[metric] if metric else None)
    return model


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_every_loss_roundtrips_as_class_and_name(tmp_path, extension):
    for name in LOSSES:
        loss = losses._registry.lookup(name)()
        loaded = roundtrip(_compiled(loss=loss), tmp_path, extension)
        assert type(loaded.loss) is type(loss), name
        assert loaded.loss.get_config() == loss.get_config(), name
    loaded = roundtrip(_compiled(loss="huber"), tmp_path, extension)
    # model.loss is what compile was given: the name stays a name (Keras: 'huber' from .keras;
    # its legacy .h5 loader gives the function instead), resolved to the Huber class for training.
    assert loaded.loss == "huber" and type(loaded._compiled_loss) is losses.Huber
    custom = losses.CategoricalCrossentropy(label_smoothing=0.1, from_logits=True, reduction="sum")
    assert roundtrip(_compiled(loss=custom), tmp_path, extension).loss.get_config() == custom.get_config()


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_every_metric_roundtrips(tmp_path, extension):
    for name in METRICS + ["accuracy", "mae", "top_k_categorical_accuracy"]:
        metric = metrics._registry.lookup(name)(**REQUIRED.get(name, {})) if name[0].isupper() else name
        model = _compiled(metric=metric)
        loaded = roundtrip(model, tmp_path, extension)
        assert loaded.metrics_names == model.metrics_names, name
        assert [type(m) for m in loaded.metrics] == [type(m) for m in model.metrics], name


@pytest.mark.parametrize("extension", FORMATS)
@pytest.mark.parametrize("optimizer", OPTIMIZERS + SCHEDULES, ids=lambda o: type(o).__name__)
def test_every_optimizer_and_schedule_roundtrips_with_state(tmp_path, extension, optimizer):
    optimizer = type(optimizer).from_config(optimizer.get_config()) if not isinstance(
        optimizer, schedules.LearningRateSchedule) else optimizers.Adam(learning_rate=optimizer)
    model = _compiled(loss="sparse_categorical_crossentropy", optimizer=optimizer)
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    loaded = roundtrip(model, tmp_path, extension)
    assert type(loaded.optimizer) is type(optimizer)
    assert loaded.optimizer.get_config() == optimizer.get_config()
    assert loaded.optimizer.iterations == optimizer.iterations == 4
    for before, after in zip(model.trainable_weights, loaded.trainable_weights):
        for a, b in zip(optimizer.slots(before), loaded.optimizer.slots(after)):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(loaded.predict(X, verbose=0), model.predict(X, verbose=0), atol=1e-6)
    # One more step from both gives the same weights.
    model.fit(X, Y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    loaded.fit(X, Y, epochs=1, batch_size=16, verbose=0, shuffle=False)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
