"""Subclassed models, custom keras.ops layers and losses, add_loss, and the overridable steps."""
import sys
from pathlib import Path

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops

sys.path.insert(0, str(Path(__file__).parents[1]))
from gradient_check import check_model_gradients  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 5)).astype(np.float32)
Y = (X @ RNG.normal(size=(5, 3))).argmax(axis=1)


class OpsDense(layers.Layer):
    """A Dense written with keras.ops only: no backward."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, x):
        return ops.tanh(ops.matmul(x, self.w) + self.b)


class ActivityPenalty(layers.Layer):
    def call(self, x):
        self.add_loss(0.01 * ops.mean(ops.square(x)))
        return x


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.blocks = [OpsDense(8, name="ops_a"), ActivityPenalty(), OpsDense(8, name="ops_b")]
        self.heads = {"out": layers.Dense(3, activation="softmax", name="out")}

    def call(self, x, training=False):
        for block in self.blocks:
            x = block(x)
        return self.heads["out"](x)


def test_a_subclassed_model_of_ops_layers_tracks_weights_in_attribute_order_and_trains():
    keras.utils.set_random_seed(1)
    model = Net()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(X, Y, epochs=30, batch_size=16, verbose=0)
    assert [v.path for v in model.weights] == ["ops_a/w", "ops_a/b", "ops_b/w", "ops_b/b", "out/kernel", "out/bias"]
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


def test_custom_ops_layers_add_loss_and_a_subclassed_model_pass_the_gradient_check():
    keras.utils.set_random_seed(2)
    model = Net()
    model(X[:2])
    check_model_gradients(model, RNG.normal(size=(3, 5)))


def test_add_loss_joins_the_training_loss_and_evaluate():
    keras.utils.set_random_seed(3)
    model = Net()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model(X[:2])
    without = keras.losses.SparseCategoricalCrossentropy()(Y, model.predict(X, verbose=0))
    hidden = np.tanh(X @ model.blocks[0].w.value + model.blocks[0].b.value)
    expected = float(without) + 0.01 * float(np.mean(hidden ** 2))
    assert model.evaluate(X, Y, batch_size=64, verbose=0) == pytest.approx(expected, rel=1e-5)


class GuideModel(keras.Model):
    """keras.io's "Customizing what happens in fit()" step, tf.GradientTape replaced by keras.GradientTape."""

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        trainable_vars = self.trainable_variables
        gradients = tape.gradient(loss, trainable_vars)
        self.optimizer.apply(gradients, trainable_vars)
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


def _functional(cls):
    keras.utils.set_random_seed(4)
    inputs = keras.Input((5,))
    hidden = layers.Dense(16, activation="relu", kernel_regularizer="l2")(inputs)
    return cls(inputs, layers.Dense(3, activation="softmax")(hidden))


def test_a_tensorflow_style_train_step_ports_with_keras_gradient_tape_and_matches_the_built_in_step():
    custom, plain = _functional(GuideModel), _functional(keras.Model)
    assert type(custom).__name__ == "GuideModel" and isinstance(custom, GuideModel)
    results = []
    for model in (custom, plain):
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(X, Y, epochs=3, batch_size=16, shuffle=False, verbose=0)
        results.append((history.history, model.get_weights()))
    (h1, w1), (h2, w2) = results
    np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=1e-5)
    np.testing.assert_allclose(h1["accuracy"], h2["accuracy"])
    for a, b in zip(w1, w2):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_compute_loss_test_step_and_predict_step_overrides_are_used():
    class Custom(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return ops.mean(ops.square(y_pred - y))

        def test_step(self, data):
            x, y = data
            return {"mean_abs": ops.mean(ops.abs(self(x) - y))}

        def predict_step(self, data):
            return self(data) * 2

    inputs = keras.Input((5,))
    model = Custom(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="sgd")
    target = X[:, :1] * 2
    history = model.fit(X, target, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert set(model.evaluate(X, target, verbose=0, return_dict=True)) == {"mean_abs"}
    np.testing.assert_allclose(model.predict(X, verbose=0), 2 * model(X), rtol=1e-6)


def test_gradient_tape_returns_none_for_unconnected_sources_and_apply_skips_them_with_a_warning():
    a, b = keras.layers.Dense(2), keras.layers.Dense(2)
    a(X[:1]), b(X[:1])
    with keras.GradientTape() as tape:
        loss = ops.sum(a(X))
    grads = tape.gradient(loss, a.trainable_weights + b.trainable_weights)
    assert grads[0].shape == (5, 2) and grads[2] is None and grads[3] is None
    optimizer = keras.optimizers.SGD()
    with pytest.warns(UserWarning, match="Gradients do not exist for variables"):
        optimizer.apply(grads, a.trainable_weights + b.trainable_weights)
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        optimizer.apply_gradients(zip([None, None], b.trainable_weights))


def test_a_shared_layer_gets_the_sum_of_its_calls_gradients():
    dense = layers.Dense(3)
    dense(X[:1])
    with keras.GradientTape() as tape:
        loss = ops.sum(dense(X[:4])) + ops.sum(ops.square(dense(X[4:8])))
    kernel_grad = tape.gradient(loss, dense.kernel)
    y2 = X[4:8] @ dense.kernel.value + dense.bias.value
    expected = X[:4].T @ np.ones((4, 3)) + X[4:8].T @ (2 * y2)
    np.testing.assert_allclose(kernel_grad, expected, rtol=1e-5)


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error", "binary_crossentropy",
                                  "sparse_categorical_crossentropy", "huber", "log_cosh"])
def test_loss_functions_on_a_recorded_prediction_are_differentiated_by_their_own_gradient(name):
    from gradient_check import assert_gradients_close, numerical_gradient
    fn = getattr(keras.losses, name)
    rng = np.random.default_rng(5)
    labels = {"sparse_categorical_crossentropy": np.array([0, 2, 1, 2]),
              "binary_crossentropy": (rng.random((4, 3)) > 0.5).astype(np.float32)}.get(name, rng.normal(size=(4, 3)))
    p = (rng.uniform(0.2, 0.8, (4, 3)) if "entropy" in name else rng.normal(size=(4, 3))).astype(np.float32)
    weights = np.arange(1, 5, dtype=np.float32)
    with keras.GradientTape() as tape:
        watched = tape.watch(p)
        total = ops.sum(fn(labels, watched) * weights)
    analytic = tape.gradient(total, watched)
    numeric = numerical_gradient(lambda q: np.sum(fn(labels, q.astype(np.float32)) * weights), p, h=1e-2,
                                 richardson=True)
    assert_gradients_close(analytic, numeric, 2e-3, 1e-4, name)


def test_compute_loss_override_is_used_by_a_model_with_several_outputs():
    class TwoHeads(keras.Model):
        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return ops.mean(ops.square(y_pred[0] - y[0])) + ops.mean(ops.square(y_pred[1] - y[1]))

    inputs = keras.Input((5,))
    model = TwoHeads(inputs, [layers.Dense(1, name="a")(inputs), layers.Dense(2, name="b")(inputs)])
    model.compile(optimizer="sgd", loss=["mae", "mae"])  # replaced by compute_loss
    ya, yb = X[:, :1], X[:, 1:3]
    expected = float(np.mean((model.predict(X, verbose=0)[0] - ya) ** 2) +
                     np.mean((model.predict(X, verbose=0)[1] - yb) ** 2))
    logs = model.train_on_batch(X, [ya, yb], return_dict=True)
    assert logs["loss"] == pytest.approx(expected, rel=1e-5)
