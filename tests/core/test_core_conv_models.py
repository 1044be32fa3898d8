"""The convolution layers in models (Sequential, Functional, subclassed, shared), their input
checks, and their working-buffer reuse (issue 17)."""
import numpy as np
import pytest

import minikeras as keras
from gradient_check import check_layer_gradients, check_model_gradients

L = keras.layers
RNG = np.random.default_rng(3)


def convnet():
    return keras.Sequential([keras.Input((12, 12, 1)), L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(2),
                             L.Conv2D(6, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(), L.Dropout(0.5),
                             L.Dense(3, activation="softmax")])


def test_a_small_convnet_learns_and_its_gradients_check():
    keras.utils.set_random_seed(0)
    x = RNG.random((64, 12, 12, 1)).astype("float32")
    y = (x[:, :6].mean(axis=(1, 2, 3)) > x[:, 6:].mean(axis=(1, 2, 3))).astype(int) + (x.mean(axis=(1, 2, 3)) > 0.5)
    model = convnet()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.layers[0].input_grad_needed is False  # the first layer skips its input gradient
    no_dropout = keras.Sequential([keras.Input((7, 7, 2)), L.Conv2D(3, 3, padding="same", activation="tanh"),
                                   L.MaxPooling2D(2, padding="same"), L.Conv2D(2, 2), L.GlobalAveragePooling2D(),
                                   L.Dense(2)])
    check_model_gradients(no_dropout, RNG.normal(size=(2, 7, 7, 2)))


def test_functional_and_subclassed_models_and_a_shared_conv_get_the_same_gradients():
    inputs = keras.Input((8, 8, 2))
    shared = L.Conv2D(2, 3, padding="same", activation="tanh")
    branch = shared(shared(inputs))  # the same layer twice: two calls, two working buffers
    outputs = L.Dense(1)(L.Flatten()(L.Add()([branch, L.SeparableConv2D(2, 3, padding="same")(inputs)])))
    model = keras.Model(inputs, outputs)
    check_model_gradients(model, RNG.normal(size=(2, 8, 8, 2)))

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv = L.Conv1D(3, 3, padding="causal", activation="relu")
            self.pool = L.GlobalMaxPooling1D()
            self.out = L.Dense(1)

        def call(self, x):
            return self.out(self.pool(self.conv(x)))

    net = Net()
    x = RNG.normal(size=(4, 9, 2)).astype("float32")
    net(x)
    net.compile("sgd", "mse")
    before = net.evaluate(x, np.ones((4, 1)), verbose=0)
    for _ in range(5):
        net.train_on_batch(x, np.ones((4, 1)))
    assert net.evaluate(x, np.ones((4, 1)), verbose=0) < before


def test_predict_streams_in_batches_and_buffers_are_reused():
    model = convnet()
    x = RNG.random((300, 12, 12, 1)).astype("float32")
    full = model.predict(x, batch_size=64, verbose=0)
    np.testing.assert_allclose(full[:10], model.predict(x[:10], verbose=0), rtol=1e-6, atol=1e-7)
    buffers = model.layers[0]._buffers
    model.compile("adam", "sparse_categorical_crossentropy")
    model.train_on_batch(x[:32], np.zeros(32, int))
    cols = [id(a) for a in buffers.held("col")]  # ids only: holding the arrays would keep them in use
    for start in (32, 64, 96):
        model.train_on_batch(x[start:start + 32], np.zeros(32, int))
    assert [id(a) for a in buffers.held("col")] == cols  # the same array, step after step


def test_a_buffer_still_referenced_is_never_handed_out_again():
    from minikeras.layers.conv_math import Buffers
    buffers = Buffers()
    first = buffers.take("col", (3, 4), np.float32)
    second = buffers.take("col", (3, 4), np.float32)
    assert second is not first  # the first is still held here
    first_id = id(first)
    del first
    assert id(buffers.take("col", (3, 4), np.float32)) == first_id
    layer = L.Conv2D(2, 3, activation="tanh")
    layer.build_for((None, 6, 6, 1))
    x = RNG.normal(size=(2, 6, 6, 1)).astype("float32")
    r = RNG.normal(size=(2, 4, 4, 2)).astype("float32")
    layer.call(x, training=True)
    cache = layer._cache  # e.g. a persistent tape's snapshot of the first call
    layer.call(2 * x, training=True)
    layer._cache = cache
    first_grad = layer.backward_preactivation(r)
    layer.call(x, training=True)
    np.testing.assert_allclose(layer.backward_preactivation(r), first_grad, rtol=1e-6)


@pytest.mark.parametrize("make, shape, message", [
    (lambda: L.Conv2D(2, 3), (1, 5, 5), "expects inputs of rank 4"),
    (lambda: L.Conv1D(2, 3), (1, 5, 5, 1), "expects inputs of rank 3"),
    (lambda: L.Conv2D(2, 5), (1, 4, 6, 1), r"kernel_size=\(5, 5\).*spans 5 positions, more than the padded input's 4"),
    (lambda: L.MaxPooling2D(3), (1, 2, 5, 1), r"pool_size=\(3, 3\) is larger than"),
    (lambda: L.Cropping1D((2, 3)), (1, 5, 1), r"removes all of an axis"),
])
def test_bad_inputs_name_the_layer_the_argument_and_both_values(make, shape, message):
    layer = make()
    with pytest.raises(ValueError, match=message):
        layer(np.zeros(shape, np.float32))


def test_a_built_layer_refuses_other_channels_or_rank_before_anything_changes():
    layer = L.Conv2D(2, 3)
    layer(np.zeros((1, 5, 5, 3), np.float32))
    kernel = layer.kernel.value.copy()
    with pytest.raises(ValueError, match="was built for inputs with 3 channels, got 4 channels"):
        layer(np.zeros((1, 5, 5, 4), np.float32))
    with pytest.raises(ValueError, match="expects inputs of rank 4"):
        layer(np.zeros((1, 5, 3), np.float32))
    np.testing.assert_array_equal(layer.kernel.value, kernel)
    assert layer._cache is None


@pytest.mark.parametrize("make, message", [
    (lambda: L.Conv2D(2, 3, strides=2, dilation_rate=2), "cannot combine strides > 1 with dilation_rate > 1"),
    (lambda: L.Conv2D(2, 3, padding="full"), "Conv2D padding must be one of 'valid', 'same', got 'full'"),
    (lambda: L.Conv2D(2, 3, padding="causal"), "Conv2D padding must be one of 'valid', 'same', got 'causal'"),
    (lambda: L.Conv1D(2, 3, padding="nope"), "Conv1D padding must be one of 'valid', 'same', 'causal'"),
    (lambda: L.Conv2D(3, 3, groups=2), "filters must be divisible by groups"),
    (lambda: L.Conv2D(0, 3), "Conv2D filters must be a positive integer, got 0"),
    (lambda: L.Conv2D(2, (3, 0)), "Conv2D kernel_size must be a positive integer, got 0"),
    (lambda: L.Conv2D(2, (3, 3, 3)), r"Conv2D kernel_size must be an integer or a tuple of 2 integers"),
    (lambda: L.Conv2DTranspose(2, 3, strides=2, output_padding=2), "output_padding must be smaller than strides"),
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier must be a positive integer"),
    (lambda: L.MaxPooling2D(2, padding="causal"), "MaxPooling2D padding must be one of 'valid', 'same'"),
    (lambda: L.UpSampling2D(interpolation="bicubic"), "interpolation must be one of 'nearest', 'bilinear'"),
    (lambda: L.Conv2D(2, 3, data_format="NHWC"), "data_format must be 'channels_last' or 'channels_first'"),
    (lambda: L.ZeroPadding2D(((1, 2, 3), (1, 1))), "ZeroPadding2D padding must be an integer or a tuple of 2"),
])
def test_bad_arguments_are_refused_with_the_argument_and_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_groups_must_divide_the_input_channels():
    with pytest.raises(ValueError, match="the input's 3 channels must be divisible by groups=2"):
        L.Conv2D(4, 3, groups=2).build_for((None, 5, 5, 3))


def test_spatial_dropout_drops_whole_channels_and_its_gradient_checks():
    layer = L.SpatialDropout2D(0.5, seed=1)
    x = np.ones((4, 5, 6, 8), np.float32)
    y = layer(x, training=True)
    per_channel = y.reshape(4, 30, 8)
    assert np.all(per_channel == per_channel[:, :1])  # one draw per sample and channel
    assert set(np.unique(y)) <= {0.0, 2.0}
    np.testing.assert_array_equal(layer(x), x)
    for make, shape in ((lambda: L.SpatialDropout2D(0.3, seed=2), (2, 3, 4, 5)),
                        (lambda: L.SpatialDropout1D(0.3, seed=2), (2, 3, 5))):
        layer = make()
        check_layer_gradients(layer, RNG.normal(size=shape),
                              before_call=lambda layer=layer: setattr(layer, "_generator",
                                                                      np.random.default_rng(4)))


def test_transposed_and_depthwise_layers_train_in_a_model():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((6, 6, 2)), L.Conv2DTranspose(3, 3, strides=2, padding="same"),
                              L.DepthwiseConv2D(3, depth_multiplier=2, activation="relu"), L.AveragePooling2D(2),
                              L.UpSampling2D(interpolation="bilinear"), L.Cropping2D(1), L.ZeroPadding2D(1),
                              L.BatchNormalization(), L.GlobalMaxPooling2D(), L.Dense(1)])
    x = RNG.normal(size=(16, 6, 6, 2)).astype("float32")
    y = x.sum(axis=(1, 2, 3))[:, None]
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(x, y, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_the_blocked_weight_gradient_equals_the_whole_product():
    from minikeras.layers.conv_math import gram_into
    a = RNG.random((20000, 10)).astype(np.float32)
    b = RNG.random((20000, 32)).astype(np.float32)
    out = np.empty((10, 32), np.float32)
    np.testing.assert_allclose(gram_into(a, b, out), a.astype(np.float64).T @ b, rtol=1e-5)
    wide = RNG.random((300, 40)).astype(np.float32)
    np.testing.assert_allclose(gram_into(wide, wide, np.empty((40, 40), np.float32)), wide.T @ wide, rtol=1e-6)
