"""class_weight, sample_weight and weighted_metrics in fit / evaluate / train_on_batch."""
import numpy as np
import pytest

import minikeras as keras
from callbacks_scripted import LOSS_WEIGHTS_CASE as CASE
from minikeras.datasets import toy


def _fixed_model(lr=0.0):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.SGD(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.set_weights([np.array(w, dtype=np.float32) for w in CASE["weights"]])
    return model


def _per_sample_loss(model, x, y):
    p = model.predict(x, verbose=0).astype(np.float64)
    return -np.log(p[np.arange(len(y)), y])


def test_reported_loss_is_the_weighted_mean_computed_by_hand_and_by_keras(keras_reference):
    x, y = np.array(CASE["x"], dtype=np.float32), np.array(CASE["y"])
    model = _fixed_model()
    losses = _per_sample_loss(model, x, y)
    class_w = np.array([CASE["class_weight"][label] for label in y])
    sample_w = np.array(CASE["sample_weight"])
    # Keras: each batch's loss is sum(w * l) / batch size, and the epoch averages batches by their size,
    # so the reported value is sum(w * l) / N over the data (not divided by the sum of the weights).
    expected_fit = np.sum(class_w * losses) / len(y)
    expected_eval = np.sum(sample_w * losses) / len(y)

    history = model.fit(x, y, class_weight=CASE["class_weight"], batch_size=CASE["batch_size"], epochs=1,
                        shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(expected_fit, rel=1e-5)
    assert history.history["loss"][0] == pytest.approx(keras_reference["weighted_loss"]["fit_class_weight"]["loss"],
                                                       rel=1e-5)
    evaluated = model.evaluate(x, y, sample_weight=sample_w, batch_size=CASE["batch_size"], verbose=0,
                               return_dict=True)
    assert evaluated["loss"] == pytest.approx(expected_eval, rel=1e-5)
    assert evaluated == pytest.approx(keras_reference["weighted_loss"]["evaluate_sample_weight"], rel=1e-5)
    # train_on_batch with class_weight: one batch, same rule
    assert model.train_on_batch(x, y, class_weight=CASE["class_weight"])[0] == pytest.approx(expected_fit, rel=1e-5)


def test_class_weight_changes_which_class_the_model_favours():
    # Two overlapping blobs: unweighted, the model splits them near the middle; weighting class 1 by 10
    # makes it claim most of the overlap.
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-0.5, 1.0, size=(400, 2)), rng.normal(0.5, 1.0, size=(400, 2))]).astype(np.float32)
    y = np.repeat([0, 1], 400)

    def share_of_class_1(class_weight):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
        model.compile(keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
        model.fit(x, y, epochs=15, batch_size=64, class_weight=class_weight, verbose=0)
        return float(np.mean(np.argmax(model.predict(x, verbose=0), axis=1) == 1))

    plain, weighted = share_of_class_1(None), share_of_class_1({0: 1.0, 1: 10.0})
    assert 0.35 < plain < 0.65
    assert weighted > plain + 0.25, (plain, weighted)


def test_class_weight_with_one_hot_labels_equals_integer_labels():
    x, y = toy.spiral(50, 3, seed=1)
    one_hot = keras.utils.to_categorical(y, 3)
    results = []
    for labels, loss in ((y, "sparse_categorical_crossentropy"), (one_hot, "categorical_crossentropy")):
        keras.utils.set_random_seed(2)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])
        model.compile(keras.optimizers.SGD(0.1), loss)
        results.append(model.fit(x, labels, epochs=2, class_weight={0: 0.5, 2: 4.0}, shuffle=False,
                                 verbose=0).history["loss"])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)


def test_class_weight_rules_follow_keras(spiral, classifier):
    x, y = spiral
    model = classifier()
    with pytest.raises(ValueError, match="class_weight and sample_weight"):
        model.fit(x, y, class_weight={0: 2.0}, sample_weight=np.ones(len(x)), verbose=0)
    with pytest.raises(ValueError, match="sample_weight and class_weight"):
        model.train_on_batch(x, y, class_weight={0: 2.0}, sample_weight=np.ones(len(x)))
    with pytest.raises(ValueError, match="dict"):
        model.fit(x, y, class_weight=[1.0, 2.0, 3.0], verbose=0)
    with pytest.raises(ValueError, match="integer class indices"):
        model.fit(x, y, class_weight={"cat": 2.0}, verbose=0)
    # string digits are accepted, as in Keras; classes left out weigh 1
    weights = model.get_weights()
    model.fit(x, y, class_weight={"0": 2.0}, epochs=1, verbose=0)
    assert not np.array_equal(weights[0], model.get_weights()[0])


def test_class_weight_does_not_weight_the_validation_split():
    x, y = np.array(CASE["x"] * 2, dtype=np.float32), np.array(CASE["y"] * 2)
    model = _fixed_model()
    history = model.fit(x, y, validation_split=0.5, class_weight={0: 100.0, 1: 100.0, 2: 100.0}, epochs=1,
                        verbose=0)
    unweighted = np.mean(_per_sample_loss(model, x[7:], y[7:]))
    assert history.history["val_loss"][0] == pytest.approx(unweighted, rel=1e-5)
    assert history.history["loss"][0] == pytest.approx(100 * np.mean(_per_sample_loss(model, x[:7], y[:7])), rel=1e-5)


def test_weighted_metrics_use_the_weights_and_get_keras_names():
    x, y = np.array(CASE["x"], dtype=np.float32), np.array(CASE["y"])
    model = _fixed_model()
    model.compile(keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy", metrics=["accuracy"],
                  weighted_metrics=["accuracy"])
    sample_w = np.array(CASE["sample_weight"])
    logs = model.evaluate(x, y, sample_weight=sample_w, verbose=0, return_dict=True)
    correct = np.argmax(model.predict(x, verbose=0), axis=1) == y
    assert set(logs) == {"loss", "accuracy", "weighted_accuracy"}
    assert logs["accuracy"] == pytest.approx(np.mean(correct))
    assert logs["weighted_accuracy"] == pytest.approx(np.sum(sample_w * correct) / np.sum(sample_w))
    history = model.fit(x, y, sample_weight=sample_w, validation_data=(x, y, sample_w), epochs=1, verbose=0)
    # Keras sorts the train and validation keys as one list (trial 2026-12-01 #12)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss", "val_weighted_accuracy",
                                     "weighted_accuracy"]
    assert history.history["val_weighted_accuracy"][0] == pytest.approx(logs["weighted_accuracy"])
    assert history.history["val_loss"][0] == pytest.approx(logs["loss"], rel=1e-6)
