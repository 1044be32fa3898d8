"""``layer.trainable = False`` sets its variables' ``trainable`` as Keras 3 does (trial 2026-12-01 #2).

Keras 3.15.1's values are in the comments (run with import keras).
"""
import numpy as np

import minikeras as keras


def _model():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.BatchNormalization(),
                             keras.layers.Dense(1)])


def test_freezing_a_layer_freezes_its_variables_and_unfreezing_restores_them():
    model = _model()
    model.layers[0].trainable = False
    model.layers[1].trainable = False
    # Keras: [False] * 6 + [True, True]
    assert [w.trainable for w in model.weights] == [False] * 6 + [True, True]
    model.layers[1].trainable = True
    # Keras: the moving statistics stay non-trainable
    assert [w.trainable for w in model.weights] == [False, False, True, True, False, False, True, True]
    assert len(model.trainable_weights) == 4


def test_freezing_the_model_and_back():
    model = _model()
    model.trainable = False
    assert not any(w.trainable for w in model.weights)            # Keras: all False
    model.trainable = True
    assert [w.trainable for w in model.weights] == [True] * 4 + [False, False] + [True] * 2


def test_a_layer_built_frozen_has_frozen_variables():
    dense = keras.layers.Dense(4, trainable=False)
    dense.build((None, 3))
    assert [w.trainable for w in dense.weights] == [False, False]  # Keras: [False, False]
    dense.trainable = True
    assert [w.trainable for w in dense.weights] == [True, True]


def test_frozen_weights_filtered_by_trainable_do_not_move_in_fit():
    model = _model()
    model.layers[0].trainable = False
    model.compile("adam", "mse")
    before = [w.numpy() for w in model.weights if not w.trainable and "moving" not in w.path]
    model.fit(np.ones((8, 3), "float32"), np.ones((8, 1), "float32"), epochs=2, verbose=0)
    after = [w.numpy() for w in model.weights if not w.trainable and "moving" not in w.path]
    assert len(before) == 2 and all(np.array_equal(a, b) for a, b in zip(before, after))


def test_config_round_trip_keeps_the_frozen_variables():
    model = _model()
    model.layers[0].trainable = False
    clone = keras.models.clone_model(model)
    assert [w.trainable for w in clone.weights] == [w.trainable for w in model.weights]
