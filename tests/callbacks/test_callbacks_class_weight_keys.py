"""class_weight keys must be integer class indices: 1.5 (or True) is an error naming
class_weight instead of silently weighting class 1; unknown classes are accepted as in Keras."""
import numpy as np
import pytest

import minikeras as keras

X = np.eye(4, 3, dtype=np.float32)
Y = np.array([0, 1, 2, 1])


def _model():
    model = keras.Sequential([keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("key", [1.5, True, np.bool_(True), "1.5", "one", None, (1,), float("nan")],
                         ids=["float", "bool", "np_bool", "float_string", "word", "none", "tuple", "nan"])
@pytest.mark.parametrize("call", ["fit", "train_on_batch"])
def test_non_integer_key_is_rejected_before_training(key, call):
    model = _model()
    class_weight = {2: 1.0, key: 2.0}  # (not key 0 or 1: True == 1 would merge the two keys)
    with pytest.raises(ValueError, match=r"class_weight keys must be integer class indices, got the key "):
        if call == "fit":
            model.fit(X, Y, class_weight=class_weight, verbose=0)
        else:
            model.train_on_batch(X, Y, class_weight=class_weight)
    assert not model.built and model.optimizer.iterations == 0


def _weighted_loss(class_weight):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model.train_on_batch(X, Y, class_weight=class_weight)


def test_integer_like_keys_weigh_their_class_and_unknown_classes_are_ignored():
    # Same loss as weighting by hand with sample_weight [1, 3, 1, 3].
    keras.utils.set_random_seed(3)
    reference = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, activation="softmax")])
    reference.compile("sgd", "sparse_categorical_crossentropy")
    expected = reference.train_on_batch(X, Y, sample_weight=np.array([1, 3, 1, 3], np.float32))
    for class_weight in ({1: 3.0}, {np.int64(1): 3.0}, {1.0: 3.0}, {"1": 3.0}, {1: 3.0, 7: 100.0, -2: 5.0}):
        assert _weighted_loss(class_weight) == pytest.approx(expected, rel=1e-6), class_weight
    assert _weighted_loss({0: 1.0}) != pytest.approx(expected)  # the weighting above really matters


def test_two_keys_for_one_class_are_rejected():
    with pytest.raises(ValueError, match="class_weight has two keys for class 1"):
        _model().fit(X, Y, class_weight={1: 2.0, "1": 3.0}, verbose=0)
