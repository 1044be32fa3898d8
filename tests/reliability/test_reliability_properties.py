"""Property-based tests (hypothesis): random layer stacks keep shapes and gradients right.

Bounded to a few seconds: few examples, no deadline, derandomized so a failure repeats.
"""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minikeras as keras
from gradient_check import check_model_gradients

PROPERTY = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SMOOTH = ["linear", "tanh", "sigmoid", "softplus", "elu", "gelu", "silu"]


@st.composite
def stacks(draw, activations=tuple(SMOOTH) + ("relu", "softmax"), max_units=6):
    """A per-sample input shape and a list of layer factories that accept it."""
    sample_shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    shape = sample_shape
    factories = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["dense", "activation", "dropout", "flatten", "reshape"]))
        if kind == "dense":
            units = draw(st.integers(1, max_units))
            activation = draw(st.sampled_from(activations))
            factories.append(lambda u=units, a=activation: keras.layers.Dense(u, activation=a))
            shape = shape[:-1] + (units,)
        elif kind == "activation":
            activation = draw(st.sampled_from(activations))
            factories.append(lambda a=activation: keras.layers.Activation(a))
        elif kind == "dropout":
            rate = draw(st.sampled_from([0.0, 0.25, 0.5]))
            factories.append(lambda r=rate: keras.layers.Dropout(r))
        elif kind == "flatten":
            factories.append(keras.layers.Flatten)
            shape = (math.prod(shape),)
        else:
            size = math.prod(shape)
            divisors = [d for d in range(1, size + 1) if size % d == 0]
            first = draw(st.sampled_from(divisors))
            target = draw(st.sampled_from([(first, size // first), (-1, first) if size % first == 0 else (size,),
                                           (size,)]))
            factories.append(lambda t=target: keras.layers.Reshape(t))
            resolved = tuple(size // math.prod(d for d in target if d != -1) if d == -1 else d for d in target)
            shape = resolved
    return sample_shape, factories, shape


def _build(sample_shape, factories, seed=0):
    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input(sample_shape)] + [make() for make in factories])


@pytest.mark.filterwarnings("ignore:You are using a softmax over axis")  # random stacks may end in a width of 1
@PROPERTY
@given(stack=stacks(), n=st.integers(1, 23), batch_size=st.integers(1, 9), seed=st.integers(0, 2**16))
def test_random_stacks_keep_shapes_for_any_batch_size(stack, n, batch_size, seed):
    sample_shape, factories, output_sample_shape = stack
    model = _build(sample_shape, factories)
    assert model.output_shape == (None,) + output_sample_shape
    x = np.random.default_rng(seed).standard_normal((n,) + sample_shape).astype(np.float32)
    whole = model.predict(x, batch_size=n, verbose=0)
    batched = model.predict(x, batch_size=batch_size, verbose=0)  # last batch partial unless it divides n
    assert whole.shape == batched.shape == (n,) + output_sample_shape
    np.testing.assert_allclose(batched, whole, rtol=1e-5, atol=1e-6)
    one = model(x[:1], training=False)
    np.testing.assert_allclose(one, whole[:1], rtol=1e-5, atol=1e-6)
    with keras.GradientTape() as tape:
        watched = tape.watch(x)
        trained = model(watched, training=True)
        total = keras.ops.sum(trained)
    assert trained.shape == whole.shape
    assert tape.gradient(total, watched).shape == x.shape


@PROPERTY
@given(stack=stacks(), n=st.integers(1, 13), batch_size=st.integers(1, 5), seed=st.integers(0, 2**16))
def test_random_stacks_train_on_partial_batches(stack, n, batch_size, seed):
    sample_shape, factories, output_sample_shape = stack
    model = _build(sample_shape, factories)
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n,) + sample_shape).astype(np.float32)
    y = rng.standard_normal((n,) + output_sample_shape).astype(np.float32)
    history = model.fit(x, y, batch_size=batch_size, epochs=2, verbose=0)
    assert history.params["steps"] == math.ceil(n / batch_size)
    assert len(history.history["loss"]) == 2 and np.all(np.isfinite(history.history["loss"]))
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(stack=stacks(activations=tuple(SMOOTH), max_units=4), n=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_random_stacks_pass_the_gradient_check(stack, n, seed):
    """The whole stack as one layer: input and every weight against central differences in float64."""
    sample_shape, factories, _ = stack
    model = _build(sample_shape, factories)
    x = np.random.default_rng(seed).standard_normal((n,) + sample_shape)
    check_model_gradients(model, x, seed=seed, rtol=1e-4, atol_fraction=1e-6,
                          before_call=lambda: keras.utils.set_random_seed(seed))


@pytest.mark.filterwarnings("ignore:You are using a softmax over axis")  # random stacks may end in a width of 1
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(stack=stacks(), n=st.integers(1, 9), seed=st.integers(0, 2**16),
       filename=st.sampled_from(["m.keras", "m.h5", "m.weights.h5"]))
def test_random_stacks_survive_a_save_load_round_trip(tmp_path_factory, stack, n, seed, filename):
    sample_shape, factories, _ = stack
    model = _build(sample_shape, factories, seed=seed)
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n,) + sample_shape).astype(np.float32)
    model.fit(x, model.predict(x, verbose=0) + 0.1, epochs=1, batch_size=4, verbose=0)
    path = tmp_path_factory.mktemp("roundtrip") / filename
    if filename.endswith(".weights.h5"):
        model.save_weights(path)
        loaded = _build(sample_shape, factories, seed=seed + 1)
        loaded.compile(optimizer="adam", loss="mse")
        loaded.load_weights(path)
    else:
        model.save(path)
        loaded = keras.saving.load_model(path)
        assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in model.layers]
        assert loaded.optimizer.iterations == model.optimizer.iterations
    assert [w.tobytes() for w in loaded.get_weights()] == [w.tobytes() for w in model.get_weights()]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
