"""Training packs the trainable weights into one flat buffer so each optimizer step is one
update over all of them. That must give exactly the weights the per-variable update gives,
and must survive the things users do to variables between and during fits."""
import numpy as np
import pytest

import minikeras as keras
from minikeras.variable import Packing


def _data(n=96, features=10, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, features)).astype(np.float32), rng.integers(0, classes, n)


def _model(optimizer):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(12, activation="relu"),
                              keras.layers.Dense(7, activation="tanh"), keras.layers.Dense(4, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


OPTIMIZERS = [
    lambda: keras.optimizers.Adam(learning_rate=0.01),
    lambda: keras.optimizers.Adam(learning_rate=0.01, amsgrad=True, clipvalue=0.05),
    lambda: keras.optimizers.AdamW(learning_rate=0.01),
    lambda: keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True),
    lambda: keras.optimizers.SGD(learning_rate=0.1),
    lambda: keras.optimizers.RMSprop(learning_rate=0.01, momentum=0.5, centered=True),
    lambda: keras.optimizers.Adagrad(learning_rate=0.05),
    lambda: keras.optimizers.Adadelta(learning_rate=1.0),
    lambda: keras.optimizers.Adamax(learning_rate=0.01),
    lambda: keras.optimizers.Nadam(learning_rate=0.01),
    lambda: keras.optimizers.Adam(learning_rate=0.01, clipnorm=0.1),
]


@pytest.mark.parametrize("make_optimizer", OPTIMIZERS)
def test_packed_update_gives_the_per_variable_weights_and_slots(make_optimizer, monkeypatch):
    x, y = _data()
    packed = _model(make_optimizer())
    packed.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    assert packed.trainable_weights[0].packing is not None

    monkeypatch.setattr(Packing, "intact", lambda self, variables, grads=None: False)
    plain = _model(make_optimizer())
    plain.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)

    for a, b in zip(packed.get_weights(), plain.get_weights()):
        np.testing.assert_array_equal(a, b)
    for va, vb in zip(packed.trainable_weights, plain.trainable_weights):
        for sa, sb in zip(packed.optimizer.slots(va), plain.optimizer.slots(vb)):
            np.testing.assert_array_equal(sa, sb)


def test_global_clipnorm_packed_matches_per_variable(monkeypatch):
    x, y = _data()
    packed = _model(keras.optimizers.Adam(learning_rate=0.01, global_clipnorm=0.2))
    packed.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    monkeypatch.setattr(Packing, "intact", lambda self, variables, grads=None: False)
    plain = _model(keras.optimizers.Adam(learning_rate=0.01, global_clipnorm=0.2))
    plain.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(packed.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_weights_stay_views_of_the_buffer_through_assign_set_weights_and_load(tmp_path):
    x, y = _data()
    model = _model("adam")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    kernel = model.layers[0].kernel
    packing = kernel.packing
    assert np.shares_memory(kernel.value, packing.values)

    kernel.assign(np.full(kernel.shape, 0.25, np.float32))
    model.layers[1].set_weights([np.ones((12, 7), np.float32), np.zeros(7, np.float32)])
    start, stop = packing.bounds[0]
    assert np.all(packing.values[start:stop] == 0.25)
    assert packing.intact(model.trainable_weights)

    path = tmp_path / "m.keras"
    model.save(path)
    before = model.get_weights()
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert not np.array_equal(model.get_weights()[0], before[0])  # the packed update moved the assigned weights
    model.load_weights(path)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert packing.intact(model.trainable_weights)


class ReplacingDense(keras.layers.Dense):
    """A layer that hands back fresh gradient arrays instead of writing in place."""

    def backward_preactivation(self, grad):
        self.kernel.grad, self.bias.grad = None, None
        return super().backward_preactivation(grad)


def test_a_layer_that_replaces_its_gradient_arrays_still_trains_correctly(monkeypatch):
    x, y = _data()

    def build(layer_class):
        keras.utils.set_random_seed(3)
        model = keras.Sequential([keras.Input((10,)), layer_class(12, activation="relu"),
                                  keras.layers.Dense(4, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
        return model

    replacing = build(ReplacingDense)
    replacing.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    normal = build(keras.layers.Dense)
    normal.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(replacing.get_weights(), normal.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_freezing_a_layer_repacks_and_the_frozen_weights_do_not_move():
    x, y = _data()
    model = _model("adam")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    model.layers[0].trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    frozen = [w.copy() for w in model.layers[0].get_weights()]
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    for a, b in zip(model.layers[0].get_weights(), frozen):
        np.testing.assert_array_equal(a, b)
    assert len(model.trainable_weights[0].packing.variables) == 4
    model.layers[0].trainable = True
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert not np.array_equal(model.layers[0].get_weights()[0], frozen[0])
