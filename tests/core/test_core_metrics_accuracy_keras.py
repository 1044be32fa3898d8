"""Accuracy functions and classes against Keras 3.15.1 (JAX backend): values and shapes.

The expected numbers were printed by real Keras (``keras.metrics.<name>(...)``) on these very
arrays; the script lives in the report of the change that added this file.
"""
import numpy as np
import pytest

from minikeras import metrics

SOFT_TRUE = np.array([[0.9], [0.1], [0.7], [0.2], [1.0], [0.0]], "float32")
SOFT_PRED = np.array([[0.8], [0.3], [0.2], [0.6], [0.9], [0.1]], "float32")
P3 = np.array([[0.1, 0.6, 0.3], [0.05, 0.95, 0.0], [0.2, 0.2, 0.6]], "float32")
ONE_HOT = np.eye(3)[[1, 0, 2]]

# (description, call, Keras's shape, Keras's values)
CASES = [
    ("binary_accuracy does not threshold soft targets",
     lambda: metrics.binary_accuracy(SOFT_TRUE, SOFT_PRED), (6, 1), [[0], [0], [0], [0], [1], [1]]),
    ("binary_accuracy with (N,) integer labels and (N, 1) predictions",
     lambda: metrics.binary_accuracy(np.array([1, 0, 1, 0, 1, 0]), SOFT_PRED), (6, 1), [[1], [1], [0], [0], [1], [1]]),
    ("binary_accuracy with (N, 1) labels and (N,) predictions",
     lambda: metrics.binary_accuracy(np.array([[1], [0], [1], [0], [1], [0]]), SOFT_PRED[:, 0]), (6, 1),
     [[1], [1], [0], [0], [1], [1]]),
    ("binary_accuracy is elementwise on multi-label rows",
     lambda: metrics.binary_accuracy(np.array([[1, 0, 1], [0, 0, 1]]), np.array([[0.7, 0.5, 0.2], [0.51, 0.1, 0.9]])),
     (2, 3), [[1, 1, 0], [0, 1, 1]]),
    ("binary_accuracy's threshold is strict",
     lambda: metrics.binary_accuracy(np.array([[1], [0], [1]]), np.array([[0.7], [0.5], [0.2]]), threshold=0.6),
     (3, 1), [[1], [1], [0]]),
    ("Accuracy casts float64 labels to the predictions' float32",
     lambda: metrics.Accuracy()(np.array([[0.1], [0.2]], "float64"), np.array([[0.1], [0.3]], "float32")), (), 0.5),
    ("Accuracy brings (N,) labels to (N, 1) predictions",
     lambda: metrics.Accuracy()(np.array([1, 2, 3]), np.array([[1], [2], [4]])), (), 2 / 3),
    ("categorical_accuracy", lambda: metrics.categorical_accuracy(ONE_HOT, P3), (3,), [1, 0, 1]),
    ("sparse_categorical_accuracy with (N, 1) labels",
     lambda: metrics.sparse_categorical_accuracy(np.array([[1], [0], [2]]), P3), (3,), [1, 0, 1]),
    ("sparse_categorical_accuracy with (N, 1) labels on (N, 1, C) sequences",
     lambda: metrics.sparse_categorical_accuracy(np.array([[1], [0], [2]]), P3[:, None, :]), (3,), [1, 0, 1]),
    ("top_k_categorical_accuracy", lambda: metrics.top_k_categorical_accuracy(ONE_HOT, P3, k=1), (3,), [1, 0, 1]),
    ("sparse_top_k_categorical_accuracy keeps the labels' (N, 1) shape",
     lambda: metrics.sparse_top_k_categorical_accuracy(np.array([[1], [0], [2]]), P3, k=2), (3, 1), [[1], [1], [1]]),
    ("a NaN score at the label is never in the top k",
     lambda: metrics.sparse_top_k_categorical_accuracy(
         np.array([1, 0, 2]), np.array([[0.1, np.nan, 0.3], [0.5, 0.2, 0.1], [0.3, 0.2, np.nan]], "float32"), k=1),
     (3,), [0, 1, 0]),
    ("sparse_top_k_categorical_accuracy from sorted ids",
     lambda: metrics.sparse_top_k_categorical_accuracy(np.array([2, 1]), np.array([[1, 0, 3], [1, 2, 3]]), k=1,
                                                       from_sorted_ids=True), (2,), [0, 1]),
    ("TopKCategoricalAccuracy takes k first", lambda: metrics.TopKCategoricalAccuracy(1)(ONE_HOT, P3), (), 2 / 3),
    ("SparseTopKCategoricalAccuracy takes k first",
     lambda: metrics.SparseTopKCategoricalAccuracy(1)(np.array([1, 0, 2]), P3), (), 2 / 3),
    ("SparseTopKCategoricalAccuracy from sorted ids",
     lambda: metrics.SparseTopKCategoricalAccuracy(1, from_sorted_ids=True)(np.array([2, 1]),
                                                                             np.array([[1, 0, 3], [1, 2, 3]])), (), 0.5),
    ("BinaryAccuracy on soft targets, weighted",
     lambda: metrics.BinaryAccuracy()(SOFT_TRUE, SOFT_PRED, sample_weight=[1, 2, 0, 1, 1, 3]), (), 0.5),
    ("BinaryAccuracy on multi-label rows, weighted per row",
     lambda: metrics.BinaryAccuracy(threshold=0.25)(np.array([[1, 0, 1], [0, 0, 1]]),
                                                    np.array([[0.7, 0.5, 0.2], [0.51, 0.1, 0.9]]), sample_weight=[1, 3]),
     (), 0.583333),
]


@pytest.mark.parametrize("call, shape, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_accuracy_matches_keras(call, shape, expected):
    got = np.asarray(call())
    assert got.shape == shape
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_binary_accuracy_on_soft_targets_in_a_compiled_model_matches_keras():
    # t18 of the user trial: Keras gives 1/3 ("accuracy" resolves to binary accuracy on one unit).
    from minikeras import Input, Sequential, layers
    model = Sequential([Input((1,)), layers.Dense(1, activation="sigmoid")])
    model.build((None, 1))
    model.set_weights([np.array([[1.0]], "float32"), np.array([0.0], "float32")])
    logits = np.log(SOFT_PRED / (1 - SOFT_PRED))  # the model outputs SOFT_PRED
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy", metrics.BinaryAccuracy()])
    logs = model.evaluate(logits, SOFT_TRUE, verbose=0, return_dict=True)
    assert logs["accuracy"] == pytest.approx(1 / 3) and logs["binary_accuracy"] == pytest.approx(1 / 3)


def test_top_k_configs_are_keras_configs_and_roundtrip():
    assert metrics.TopKCategoricalAccuracy(1).get_config() == {"name": "top_k_categorical_accuracy",
                                                                "dtype": "float32", "k": 1}
    plain = metrics.SparseTopKCategoricalAccuracy(2).get_config()
    assert plain == {"name": "sparse_top_k_categorical_accuracy", "dtype": "float32", "k": 2}
    sorted_ids = metrics.SparseTopKCategoricalAccuracy(2, from_sorted_ids=True)
    assert sorted_ids.get_config()["from_sorted_ids"] is True
    again = metrics.deserialize(metrics.serialize(sorted_ids))
    assert type(again) is metrics.SparseTopKCategoricalAccuracy and again.k == 2 and again.from_sorted_ids
