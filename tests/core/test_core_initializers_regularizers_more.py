"""Orthogonal and Identity initializers, Keras's lower-case initializer aliases, and
OrthogonalRegularizer (issue 19). Expected numbers were printed by Keras 3.15.1 (jax) for the
same inputs, the regularizer's gradient by jax.grad of Keras's; the gradient is also checked
against finite differences."""
import numpy as np
import pytest

import minikeras as keras
from gradient_check import assert_gradients_close, numerical_gradient

W = (np.arange(12.0).reshape(3, 4) / 10 - 0.3).astype("float32")
KERAS_ROWS, KERAS_COLUMNS = 0.07152295857667923, 0.09361814707517624
KERAS_ROWS_GRAD = [[0.03402553126215935, -0.01701277866959572, -0.06805108487606049, -0.11908940225839615],
                   [0.05567636713385582, 0.027838189154863358, 0.0, -0.02783818542957306],
                   [0.008995939046144485, 0.0036801565438508987, -0.0016356240957975388, -0.0069514065980911255]]
KERAS_COLUMNS_GRAD = [[0.026439586654305458, 0.00590849481523037, -0.009428383782505989, -0.017493372783064842],
                      [0.01922878623008728, 0.0033762864768505096, -0.004436885938048363, -0.006997346878051758],
                      [0.012017987668514252, 0.0008440688252449036, 0.0005546137690544128, 0.003498673439025879]]


@pytest.mark.parametrize("mode, value, grad", [("rows", KERAS_ROWS, KERAS_ROWS_GRAD),
                                               ("columns", KERAS_COLUMNS, KERAS_COLUMNS_GRAD)])
def test_orthogonal_regularizer_matches_keras_and_finite_differences(mode, value, grad):
    regularizer = keras.regularizers.OrthogonalRegularizer(0.1, mode=mode)
    assert regularizer(W) == pytest.approx(value, rel=1e-6)
    np.testing.assert_allclose(regularizer.gradient(W), grad, rtol=1e-5, atol=1e-7)
    numeric = numerical_gradient(lambda w: float(regularizer(w)), W, h=1e-3, richardson=True)
    assert_gradients_close(regularizer.gradient(W), numeric, 1e-3, 1e-4, f"OrthogonalRegularizer {mode}")
    assert regularizer.get_config() == {"factor": pytest.approx(0.1), "mode": mode}


def test_orthogonal_regularizer_trains_and_refuses_bad_arguments():
    with pytest.raises(ValueError, match='Expected one of {"rows", "columns"}'):
        keras.regularizers.OrthogonalRegularizer(mode="diag")
    with pytest.raises(ValueError, match="must have rank 2"):
        keras.regularizers.OrthogonalRegularizer()(np.ones(3))
    assert keras.regularizers.orthogonal_regularizer is keras.regularizers.OrthogonalRegularizer
    assert isinstance(keras.regularizers.get("orthogonal_regularizer"), keras.regularizers.OrthogonalRegularizer)
    rng = np.random.default_rng(0)
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(
        6, kernel_regularizer=keras.regularizers.OrthogonalRegularizer(1.0))])
    model.compile(keras.optimizers.Adam(0.05), "mse")
    before = float(model.layers[0].kernel_regularizer(model.layers[0].kernel.value))
    model.fit(rng.normal(size=(32, 6)), np.zeros((32, 6)), epochs=30, verbose=0)
    assert float(model.layers[0].kernel_regularizer(model.layers[0].kernel.value)) < 0.5 * before


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 4), (6, 6)])
def test_orthogonal_initializer_is_orthogonal_times_gain(shape):
    values = keras.initializers.Orthogonal(gain=2.0, seed=1)(shape)
    assert values.shape == shape and values.dtype == np.float32
    flat = values.reshape(-1, shape[-1])
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, 4 * np.eye(len(gram)), atol=1e-5)  # Keras 3.15.1: the same
    np.testing.assert_array_equal(values, keras.initializers.Orthogonal(gain=2.0, seed=1)(shape))


def test_identity_initializer_and_the_aliases():
    np.testing.assert_array_equal(keras.initializers.Identity(2.0)((2, 3)), [[2, 0, 0], [0, 2, 0]])
    with pytest.raises(ValueError, match="only be used for 2D matrices"):
        keras.initializers.Identity()((2, 3, 4))
    with pytest.raises(ValueError, match="at least two-dimensional"):
        keras.initializers.Orthogonal()((3,))
    assert keras.initializers.Orthogonal(seed=3).get_config() == {"seed": 3, "gain": 1.0}
    # Keras 3.15.1: keras.initializers.<snake_case> is the class itself
    for alias, cls in (("glorot_uniform", "GlorotUniform"), ("glorot_normal", "GlorotNormal"),
                       ("he_uniform", "HeUniform"), ("he_normal", "HeNormal"), ("lecun_uniform", "LecunUniform"),
                       ("lecun_normal", "LecunNormal"), ("zeros", "Zeros"), ("ones", "Ones"),
                       ("constant", "Constant"), ("random_normal", "RandomNormal"),
                       ("random_uniform", "RandomUniform"), ("truncated_normal", "TruncatedNormal"),
                       ("variance_scaling", "VarianceScaling"), ("identity", "Identity"),
                       ("IdentityInitializer", "Identity"), ("orthogonal", "Orthogonal"),
                       ("OrthogonalInitializer", "Orthogonal")):
        assert getattr(keras.initializers, alias) is getattr(keras.initializers, cls), alias
    layer = keras.layers.Dense(4, kernel_initializer="orthogonal")
    layer.build((None, 4))
    np.testing.assert_allclose(layer.kernel.value.T @ layer.kernel.value, np.eye(4), atol=1e-5)
