"""minikeras.datasets.toy: shapes, dtypes, seeding, balance, and the nnfs book's points."""

import numpy as np
import pytest

from minikeras.datasets import toy


@pytest.mark.parametrize("make", [toy.spiral, toy.vertical, toy.blobs])
def test_classification_shapes_dtypes_balance(make):
    X, y = make(samples=50, classes=4, seed=1) if make is not toy.blobs \
        else make(samples=50, centers=4, seed=1)
    assert X.shape == (200, 2) and X.dtype == np.float32
    assert y.shape == (200,) and np.issubdtype(y.dtype, np.integer)
    assert np.bincount(y).tolist() == [50, 50, 50, 50]
    assert np.isfinite(X).all()


@pytest.mark.parametrize("make", [toy.spiral, toy.vertical, toy.blobs])
def test_seed_determinism(make):
    a, ya = make(seed=123)
    b, yb = make(seed=123)
    c, _ = make(seed=124)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)
    assert not np.array_equal(a, c)


def test_spiral_geometry():
    X, y = toy.spiral(samples=200, classes=3, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    # r = linspace(0, 1) for each class, whatever the angle noise
    np.testing.assert_allclose(radius.reshape(3, 200), np.tile(np.linspace(0, 1, 200), (3, 1)),
                               atol=1e-6)
    assert y[:200].tolist() == [0] * 200 and y[-1] == 2


def test_vertical_class_means():
    X, y = toy.vertical(samples=2000, classes=3, seed=0)
    for c in range(3):
        mean = X[y == c].mean(axis=0)
        assert mean[0] == pytest.approx(c / 3, abs=0.01)
        assert mean[1] == pytest.approx(0.5, abs=0.01)
        assert X[y == c].std(axis=0) == pytest.approx([0.1, 0.1], abs=0.01)


def test_nnfs_book_points_with_legacy_random_state():
    # Printed by the nnfs package (0.5.1) after nnfs.init(), i.e. np.random.seed(0):
    # spiral_data(samples=100, classes=3) and vertical_data(samples=100, classes=3).
    X, _ = toy.spiral(100, 3, seed=np.random.RandomState(0))
    np.testing.assert_allclose(X[[0, 1, 150, 299]], [[0.0, 0.0], [0.00299556, 0.00964661],
                                                     [0.32209808, -0.38901007],
                                                     [-0.9427888, 0.33339068]], atol=1e-6)
    X, _ = toy.vertical(100, 3, seed=np.random.RandomState(0))
    np.testing.assert_allclose(X[[0, 1, 150, 299]], [[0.17640524, 0.6883151],
                                                     [0.04001572, 0.3652241],
                                                     [0.38543984, 0.4235856],
                                                     [0.6588812, 0.48214108]], atol=1e-6)


def test_xor():
    X, y = toy.xor()
    assert X.dtype == np.float32 and X.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]
    assert (y == (X[:, 0] != X[:, 1])).all()


def test_blobs_given_centers_and_stds():
    centers = [[0.0, 0.0, 0.0], [10.0, -10.0, 5.0]]
    X, y = toy.blobs(samples=3000, centers=centers, cluster_std=[0.5, 2.0], seed=3)
    assert X.shape == (6000, 3) and y.shape == (6000,)
    assert not (np.diff(y) >= 0).all(), "shuffle=True should mix the classes"
    for c in range(2):
        np.testing.assert_allclose(X[y == c].mean(axis=0), centers[c], atol=0.15)
        np.testing.assert_allclose(X[y == c].std(axis=0), [0.5, 2.0][c], rtol=0.05)
    _, y = toy.blobs(samples=5, centers=3, shuffle=False, seed=0)
    assert y.tolist() == [0] * 5 + [1] * 5 + [2] * 5


def test_blobs_random_centers_inside_box():
    X, y = toy.blobs(samples=10, centers=4, n_features=5, cluster_std=0.0,
                     center_box=(2.0, 3.0), seed=0)
    assert X.shape == (40, 5)
    assert ((X >= 2.0) & (X <= 3.0)).all()
    for c in range(4):  # zero spread: every point of a class is its center
        assert np.ptp(X[y == c], axis=0).max() == 0


def test_linear_and_sine():
    X, y = toy.linear(samples=11)
    assert X.shape == y.shape == (11, 1) and X.dtype == y.dtype == np.float32
    np.testing.assert_allclose(y, 2 * X, atol=1e-6)
    X, y = toy.linear(samples=5000, slope=-3.0, intercept=1.0, noise=0.5, seed=0)
    residual = y - (-3.0 * X + 1.0)
    assert residual.std() == pytest.approx(0.5, rel=0.05)
    a, _ = toy.linear(samples=10, noise=0.1, seed=7)
    b, _ = toy.linear(samples=10, noise=0.1, seed=7)
    np.testing.assert_array_equal(a, b)
    X, y = toy.sine(samples=4)
    np.testing.assert_allclose(X.ravel(), [0, 0.25, 0.5, 0.75])
    np.testing.assert_allclose(y.ravel(), [0, 1, 0, -1], atol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: toy.spiral(samples=0), "samples must be a positive int, got 0"),
    (lambda: toy.vertical(classes=2.5), "classes must be a positive int, got 2.5"),
    (lambda: toy.blobs(centers=np.zeros(3)), r"centers must be .*got shape \(3,\)"),
    (lambda: toy.blobs(centers=2, cluster_std=[1, 2, 3]), "cluster_std must be"),
    (lambda: toy.linear(noise=-1), "noise must be"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
