"""Every object a user can name: get by Keras's names and aliases, get_config/from_config round
trips that behave identically, and unknown names that list the valid ones and suggest the closest."""
import numpy as np
import pytest

import minikeras as keras
from minikeras import activations, initializers, layers, losses, metrics, optimizers, regularizers
from minikeras.optimizers import schedules
from minikeras.variable import Variable

RNG = np.random.default_rng(5)


# -- activations ----------------------------------------------------------------------------------
ACTIVATION_NAMES = ["relu", "sigmoid", "tanh", "softmax", "linear", "leaky_relu", "elu", "selu", "gelu",
                    "softplus", "softsign", "swish", "silu", "hard_sigmoid", "hard_silu", "hard_swish", "relu6",
                    "exponential", "log_softmax", "celu", "glu", "hard_shrink", "hard_tanh", "log_sigmoid", "mish",
                    "soft_shrink", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink",
                    "threshold"]
# Keras serializes by the function's own name: the aliases swish / hard_swish come back as silu / hard_silu.
KERAS_SERIALIZED = {"swish": "silu", "hard_swish": "hard_silu"}


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_by_name_serializes_to_the_keras_name(name):
    fn = activations.get(name)
    assert callable(fn)
    serialized = activations.serialize(fn)
    assert serialized == KERAS_SERIALIZED.get(name, name)
    assert activations.deserialize(serialized) is fn
    assert activations.get(getattr(activations, name)) is fn
    dense = layers.Dense(2, activation=name)
    assert dense.get_config()["activation"] == serialized
    assert layers.Dense.from_config(dense.get_config()).activation is fn


def test_activation_none_is_linear_and_a_keras_function_config_resolves():
    # serialize_keras_object(keras.activations.relu) in Keras 3.15 writes exactly this dict
    assert activations.get({"module": "keras.activations", "class_name": "function", "config": "relu",
                            "registered_name": "function"}) is activations.relu
    assert activations.get(None) is activations.linear


# -- initializers ---------------------------------------------------------------------------------
INITIALIZERS = [
    initializers.GlorotUniform(seed=1), initializers.GlorotNormal(seed=2), initializers.HeUniform(seed=3),
    initializers.HeNormal(seed=4), initializers.LecunUniform(seed=5), initializers.LecunNormal(seed=6),
    initializers.RandomUniform(-0.2, 0.3, seed=7), initializers.RandomNormal(0.5, 0.2, seed=8),
    initializers.TruncatedNormal(0.0, 0.3, seed=9), initializers.Zeros(), initializers.Ones(),
    initializers.Constant(2.5), initializers.VarianceScaling(2.0, "fan_out", "uniform", seed=10),
    initializers.VarianceScaling(0.5, "fan_avg", "untruncated_normal", seed=11, input_axes=[0], output_axes=[1, 2]),
]


@pytest.mark.parametrize("init", INITIALIZERS, ids=lambda i: type(i).__name__)
def test_initializer_round_trip_gives_the_same_values(init):
    clone = initializers.deserialize(initializers.serialize(init))
    assert type(clone) is type(init) and clone.get_config() == init.get_config()
    shape = (4, 3, 2) if getattr(init, "input_axes", None) else (6, 5)
    np.testing.assert_array_equal(clone(shape), init(shape))


@pytest.mark.parametrize("name, cls", [
    ("glorot_uniform", initializers.GlorotUniform), ("glorot_normal", initializers.GlorotNormal),
    ("he_uniform", initializers.HeUniform), ("he_normal", initializers.HeNormal),
    ("lecun_uniform", initializers.LecunUniform), ("lecun_normal", initializers.LecunNormal),
    ("random_uniform", initializers.RandomUniform), ("uniform", initializers.RandomUniform),
    ("random_normal", initializers.RandomNormal), ("normal", initializers.RandomNormal),
    ("truncated_normal", initializers.TruncatedNormal), ("zeros", initializers.Zeros), ("zero", initializers.Zeros),
    ("ones", initializers.Ones), ("one", initializers.Ones), ("constant", initializers.Constant),
    ("variance_scaling", initializers.VarianceScaling), ("GlorotUniform", initializers.GlorotUniform),
])
def test_initializer_keras_names(name, cls):
    assert type(initializers.get(name)) is cls


SHAPE = (400, 300)  # fan_in 400, fan_out 300: 120,000 draws, std error of the std ~0.2 %


@pytest.mark.parametrize("init, distribution, variance", [
    (initializers.GlorotUniform(seed=1), "uniform", 2 / 700), (initializers.GlorotNormal(seed=1), "normal", 2 / 700),
    (initializers.HeUniform(seed=1), "uniform", 2 / 400), (initializers.HeNormal(seed=1), "normal", 2 / 400),
    (initializers.LecunUniform(seed=1), "uniform", 1 / 400), (initializers.LecunNormal(seed=1), "normal", 1 / 400),
    (initializers.VarianceScaling(3.0, "fan_out", "untruncated_normal", seed=1), "untruncated", 3 / 300),
], ids=lambda v: type(v).__name__ if not isinstance(v, (str, float)) else str(v))
def test_variance_scaling_statistics(init, distribution, variance):
    values = init(SHAPE)
    assert values.dtype == np.float32 and values.shape == SHAPE
    std = np.sqrt(variance)
    assert abs(values.mean()) < 0.01 * std * 5
    assert values.std() == pytest.approx(std, rel=0.01)
    if distribution == "uniform":
        limit = np.sqrt(3 * variance)
        assert values.max() <= limit and values.min() >= -limit
        assert values.max() > 0.99 * limit
    elif distribution == "normal":  # truncated at two standard deviations of the untruncated normal
        bound = 2 * std / 0.87962566103423978
        assert np.abs(values).max() <= bound * (1 + 1e-6)
        assert np.abs(values).max() > 0.98 * bound
    else:
        assert np.abs(values).max() > 4 * std


def test_random_initializer_statistics_and_constants():
    u = initializers.RandomUniform(-0.2, 0.3, seed=3)(SHAPE)
    assert u.min() >= -0.2 and u.max() < 0.3 and u.mean() == pytest.approx(0.05, abs=2e-3)
    n = initializers.RandomNormal(0.5, 0.2, seed=3)(SHAPE)
    assert n.mean() == pytest.approx(0.5, abs=2e-3) and n.std() == pytest.approx(0.2, rel=0.01)
    t = initializers.TruncatedNormal(0.0, 0.3, seed=3)(SHAPE)
    assert np.abs(t).max() <= 0.6 and t.std() == pytest.approx(0.3 * 0.87962566103423978, rel=0.01)
    assert initializers.get("random_uniform").get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert initializers.get("random_normal").get_config() == {"mean": 0.0, "stddev": 0.05, "seed": None}
    np.testing.assert_array_equal(initializers.Constant(2.5)((2, 3)), np.full((2, 3), 2.5, np.float32))
    np.testing.assert_array_equal(initializers.get("ones")((3,)), np.ones(3, np.float32))


@pytest.mark.parametrize("init", [i for i in INITIALIZERS if getattr(i, "seed", None) is not None],
                         ids=lambda i: type(i).__name__)
def test_seeded_initializer_returns_the_same_values_on_every_call(init):
    shape = (4, 3, 2) if getattr(init, "input_axes", None) else (5, 7)
    first = init(shape)
    np.testing.assert_array_equal(init(shape), first)
    other = type(init).from_config({**init.get_config(), "seed": init.seed + 100})
    assert not np.array_equal(other(shape), first)


def test_unseeded_initializers_follow_set_random_seed():
    keras.utils.set_random_seed(42)
    a = initializers.GlorotUniform()((4, 4))
    b = initializers.GlorotUniform()((4, 4))
    keras.utils.set_random_seed(42)
    np.testing.assert_array_equal(initializers.GlorotUniform()((4, 4)), a)
    assert not np.array_equal(a, b)


# -- regularizers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name, cls, config", [
    ("l1", regularizers.L1, {"l1": 0.01}), ("l2", regularizers.L2, {"l2": 0.01}),
    ("l1_l2", regularizers.L1L2, {"l1": 0.0, "l2": 0.0}), ("l1l2", regularizers.L1L2, {"l1": 0.0, "l2": 0.0}),
    ("L2", regularizers.L2, {"l2": 0.01}),
])
def test_regularizer_names_and_keras_defaults(name, cls, config):
    regularizer = regularizers.get(name)
    assert type(regularizer) is cls and regularizer.get_config() == config


@pytest.mark.parametrize("regularizer", [regularizers.L1(0.3), regularizers.L2(0.2), regularizers.L1L2(0.1, 0.4)],
                         ids=lambda r: type(r).__name__)
def test_regularizer_round_trip(regularizer):
    clone = regularizers.deserialize(regularizers.serialize(regularizer))
    w = RNG.normal(size=(3, 4)).astype(np.float32)
    assert clone.get_config() == regularizer.get_config()
    assert clone(w) == pytest.approx(regularizer(w), rel=1e-12)


# -- losses ---------------------------------------------------------------------------------------
LOSS_OBJECTS = [
    losses.MeanSquaredError(), losses.MeanAbsoluteError(reduction="sum"), losses.MeanAbsolutePercentageError(),
    losses.MeanSquaredLogarithmicError(name="msle_custom"), losses.Huber(delta=0.3), losses.LogCosh(),
    losses.KLDivergence(), losses.Hinge(), losses.SquaredHinge(), losses.CategoricalHinge(), losses.Poisson(),
    losses.CosineSimilarity(axis=0), losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    losses.CategoricalCrossentropy(label_smoothing=0.2, reduction="none"),
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=1),
]


@pytest.mark.parametrize("loss", LOSS_OBJECTS, ids=lambda l: type(l).__name__)
def test_loss_round_trip_gives_the_same_value(loss):
    clone = losses.deserialize(losses.serialize(loss))
    assert type(clone) is type(loss) and clone.get_config() == loss.get_config()
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        y_true, y_pred = np.array([0, 1, 2, 2]), RNG.normal(size=(4, 3))
    else:
        y_true, y_pred = RNG.uniform(0.1, 1, size=(4, 3)), RNG.uniform(0.1, 1, size=(4, 3))
    np.testing.assert_array_equal(clone(y_true, y_pred), loss(y_true, y_pred))


@pytest.mark.parametrize("name, fn", [
    ("mse", losses.mean_squared_error), ("MSE", losses.mean_squared_error), ("mae", losses.mean_absolute_error),
    ("mape", losses.mean_absolute_percentage_error), ("msle", losses.mean_squared_logarithmic_error),
    ("kld", losses.kl_divergence), ("huber", losses.huber), ("log_cosh", losses.log_cosh),
    ("bce", losses.binary_crossentropy), ("binary_crossentropy", losses.binary_crossentropy),
    ("categorical_crossentropy", losses.categorical_crossentropy),
    ("sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy),
    ("hinge", losses.hinge), ("squared_hinge", losses.squared_hinge), ("categorical_hinge", losses.categorical_hinge),
    ("poisson", losses.poisson), ("cosine_similarity", losses.cosine_similarity),
])
def test_loss_strings_resolve_to_keras_functions_and_train_as_classes(name, fn):
    assert losses.get(name) is fn  # keras.losses.get("mse") is the function, as in Keras
    assert isinstance(losses.to_loss(name), losses.Loss)


def test_loss_class_names_resolve_to_instances_with_keras_default_names():
    assert losses.get("Huber").name == "huber_loss"
    assert losses.get("SparseCategoricalCrossentropy").name == "sparse_categorical_crossentropy"
    assert losses.MeanSquaredError().name == "mean_squared_error"
    assert losses.KLDivergence().name == "kl_divergence"


# -- metrics --------------------------------------------------------------------------------------
METRIC_OBJECTS = [
    metrics.Accuracy(), metrics.BinaryAccuracy(threshold=0.3), metrics.CategoricalAccuracy(),
    metrics.SparseCategoricalAccuracy(), metrics.TopKCategoricalAccuracy(k=2),
    metrics.SparseTopKCategoricalAccuracy(k=2, name="top2"), metrics.MeanSquaredError(), metrics.MeanAbsoluteError(),
    metrics.Precision(thresholds=0.4), metrics.Recall(class_id=1), metrics.Mean(name="m"),
]


@pytest.mark.parametrize("metric", METRIC_OBJECTS, ids=lambda m: type(m).__name__)
def test_metric_round_trip_streams_the_same(metric):
    clone = metrics.deserialize(metrics.serialize(metric))
    assert type(clone) is type(metric) and clone.get_config() == metric.get_config()
    scores = RNG.uniform(size=(6, 3)).astype(np.float32)
    if isinstance(metric, (metrics.SparseCategoricalAccuracy, metrics.SparseTopKCategoricalAccuracy)):
        y_true = np.array([0, 1, 2, 2, 1, 0])
    elif isinstance(metric, metrics.Accuracy):
        y_true, scores = np.array([1, 2, 3, 4, 5, 6.0]), np.array([1, 0, 3, 4, 0, 6.0])
    else:
        y_true = (RNG.uniform(size=(6, 3)) > 0.5).astype(np.float32)
    for m in (metric, clone):
        m.reset_state()
        if isinstance(m, metrics.Mean) and type(m) is metrics.Mean:
            m.update_state(scores)
        else:
            m.update_state(y_true, scores)
    assert float(clone.result()) == float(metric.result())


@pytest.mark.parametrize("name, cls", [
    ("precision", metrics.Precision), ("recall", metrics.Recall), ("Precision", metrics.Precision),
    ("BinaryAccuracy", metrics.BinaryAccuracy), ("SparseTopKCategoricalAccuracy", metrics.SparseTopKCategoricalAccuracy),
])
def test_metric_names(name, cls):
    assert type(metrics.get(name)) is cls


# What Keras 3.15.1's keras.metrics.get returns for these names: an instance of the class, even
# where a function of the same name exists; compile(metrics=[name]) still logs under the name.
@pytest.mark.parametrize("name, cls", [
    ("accuracy", metrics.Accuracy), ("binary_accuracy", metrics.BinaryAccuracy),
    ("categorical_accuracy", metrics.CategoricalAccuracy),
    ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
    ("top_k_categorical_accuracy", metrics.TopKCategoricalAccuracy),
    ("sparse_top_k_categorical_accuracy", metrics.SparseTopKCategoricalAccuracy),
    ("mse", metrics.MeanSquaredError), ("MAE", metrics.MeanAbsoluteError),
    ("mean_squared_error", metrics.MeanSquaredError), ("bce", metrics.BinaryCrossentropy),
    ("categorical_crossentropy", metrics.CategoricalCrossentropy), ("kl_divergence", metrics.KLDivergence),
])
def test_metric_function_names_give_keras_metric_instances(name, cls):
    assert type(metrics.get(name)) is cls
    metric = metrics.to_metric(name)
    assert isinstance(metric, metrics.Metric) and metric.name == name


def test_metric_functions_given_as_themselves_are_returned():
    assert metrics.get(metrics.binary_accuracy) is metrics.binary_accuracy
    assert metrics.get(losses.mean_squared_error) is losses.mean_squared_error


@pytest.mark.parametrize("name", ["accuracy", "acc"])
def test_accuracy_string_becomes_a_shape_resolved_metric(name):
    metric = metrics.to_metric(name)
    metric.update_state(np.array([0, 2, 1]), np.eye(3)[[0, 1, 1]])
    assert metric.name == name and float(metric.result()) == pytest.approx(2 / 3)


# -- optimizers and schedules ---------------------------------------------------------------------
SCHEDULES = [
    schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True), schedules.PiecewiseConstantDecay([3, 6], [1.0, 0.5, 0.1]),
    schedules.InverseTimeDecay(0.1, 5, 0.5), schedules.CosineDecay(0.1, 10, alpha=0.1, warmup_target=0.3, warmup_steps=3),
    schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=2.0, cycle=True),
]


@pytest.mark.parametrize("schedule", SCHEDULES, ids=lambda s: type(s).__name__)
def test_schedule_round_trip(schedule):
    clone = schedules.deserialize(schedules.serialize(schedule))
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()
    assert [clone(s) for s in range(0, 30, 3)] == [schedule(s) for s in range(0, 30, 3)]


OPTIMIZERS = [
    optimizers.SGD(0.1, momentum=0.9, nesterov=True), optimizers.Adam(0.01, amsgrad=True, clipnorm=1.0),
    optimizers.AdamW(weight_decay=0.1), optimizers.RMSprop(momentum=0.3, centered=True, global_clipnorm=2.0),
    optimizers.Adagrad(initial_accumulator_value=0.2, clipvalue=0.5), optimizers.Adadelta(rho=0.9),
    optimizers.Adamax(beta_2=0.99), optimizers.Nadam(weight_decay=0.01),
    optimizers.SGD(learning_rate=schedules.ExponentialDecay(0.1, 2, 0.5)),
]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=lambda o: type(o).__name__)
def test_optimizer_round_trip_takes_the_same_steps(optimizer):
    clone = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(clone) is type(optimizer)
    assert clone.get_config() == optimizer.get_config()
    w0 = RNG.normal(size=(3, 2)).astype(np.float32)
    a, b = Variable(w0.copy(), "a"), Variable(w0.copy(), "b")
    for _ in range(3):
        g = RNG.normal(size=(3, 2)).astype(np.float32)
        optimizer.apply([g.copy()], [a])
        clone.apply([g.copy()], [b])
    np.testing.assert_array_equal(a.value, b.value)


@pytest.mark.parametrize("name, cls, lr", [
    ("sgd", optimizers.SGD, 0.01), ("adam", optimizers.Adam, 0.001), ("adamw", optimizers.AdamW, 0.001),
    ("rmsprop", optimizers.RMSprop, 0.001), ("adagrad", optimizers.Adagrad, 0.001),
    ("adadelta", optimizers.Adadelta, 0.001), ("adamax", optimizers.Adamax, 0.001), ("nadam", optimizers.Nadam, 0.001),
    ("Adam", optimizers.Adam, 0.001),
])
def test_optimizer_strings_have_keras_defaults(name, cls, lr):
    optimizer = optimizers.get(name)
    assert type(optimizer) is cls and optimizer.learning_rate == lr


def test_optimizer_keras_defaults_of_note():
    assert optimizers.AdamW().weight_decay == 0.004
    assert optimizers.RMSprop().rho == 0.9 and optimizers.Adadelta().rho == 0.95
    assert optimizers.Adam().epsilon == 1e-7 and optimizers.Adagrad().initial_accumulator_value == 0.1


# -- layers ---------------------------------------------------------------------------------------
LAYERS = [
    lambda: layers.Dense(3, activation="swish", use_bias=False, kernel_initializer=initializers.HeNormal(seed=1),
                         kernel_regularizer=regularizers.L1L2(0.1, 0.2), name="d"),
    lambda: layers.Dense(2, bias_initializer="ones", bias_regularizer="l2"),
    lambda: layers.Flatten(), lambda: layers.Reshape((2, -1)), lambda: layers.Activation("gelu"),
    lambda: layers.Softmax(axis=1), lambda: layers.Dropout(0.3, seed=4), lambda: layers.InputLayer(shape=(4,)),
]


@pytest.mark.parametrize("make", LAYERS, ids=lambda m: type(m()).__name__)
def test_layer_round_trip_computes_the_same(make):
    layer = make()
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    y = layer(x)
    config = layers.serialize(layer)
    assert config["class_name"] == type(layer).__name__ and config["module"] == "keras.layers"
    clone = layers.deserialize(config)
    assert type(clone) is type(layer)
    assert clone.get_config() == layer.get_config()
    if not isinstance(layer, layers.InputLayer):
        clone.build_for((None, 4))
    clone.set_weights(layer.get_weights())
    np.testing.assert_array_equal(clone(x), y)


def test_sequential_round_trip():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(5, activation="relu"), layers.Dropout(0.1),
                              layers.Dense(3), layers.Softmax()])
    clone = keras.Sequential.from_config(model.get_config())
    assert [type(l) for l in clone.layers] == [type(l) for l in model.layers]
    clone.set_weights(model.get_weights())
    x = RNG.normal(size=(2, 4)).astype(np.float32)
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))
    nested = layers.deserialize(layers.serialize(keras.Sequential([model, layers.Activation("tanh")])))
    assert isinstance(nested.layers[0], keras.Sequential)


# -- unknown names --------------------------------------------------------------------------------
@pytest.mark.parametrize("getter, typo, suggestion, valid", [
    (optimizers.get, "adamm", "adam", "rmsprop"), (losses.get, "mean_squared_eror", "mean_squared_error", "huber"),
    (metrics.get, "acuracy", "accuracy", "precision"), (activations.get, "reluu", "relu", "gelu"),
    (initializers.get, "glorot_unifrom", "glorot_uniform", "he_normal"), (regularizers.get, "l22", "l2", "l1"),
    (layers.get, "Dense2", "Dense", "Flatten"), (schedules.deserialize, "ExponentialDecayy", "ExponentialDecay",
                                                 "CosineDecay"),
])
def test_unknown_names_list_valid_ones_and_suggest_the_closest(getter, typo, suggestion, valid):
    with pytest.raises(ValueError) as error:
        getter(typo)
    message = str(error.value)
    assert repr(typo) in message and f"Did you mean {suggestion!r}?" in message and valid in message


def test_compile_with_an_unknown_optimizer_changes_nothing():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        model.compile(optimizer="adamm", loss="mse")
    assert model.optimizer is None and not model.compiled
