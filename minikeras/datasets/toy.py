"""Small synthetic data sets for examples and tests (no Keras equivalent).

Classification sets return ``(X, y)`` with ``X`` float32 of shape (n, features)
and ``y`` int64 class labels of shape (n,), samples grouped by class unless said
otherwise. Regression sets (``linear``, ``sine``) return float32 ``X`` and ``y``
of shape (n, 1).

``seed`` is anything ``numpy.random.default_rng`` accepts (None, an int, a
``Generator``). A legacy ``numpy.random.RandomState`` is accepted too and used
as is: ``spiral`` and ``vertical`` draw their noise in the same order as the
nnfs book's ``spiral_data`` / ``vertical_data``, so ``RandomState(0)`` (what
``nnfs.init()`` seeds) gives the book's points, up to the float32 cast.
"""

import numbers

import numpy as np


def spiral(samples=100, classes=3, seed=None):
    """Interleaved spiral arms, one per class, as nnfs's ``spiral_data``.

    For class c: ``r = linspace(0, 1, samples)``,
    ``t = linspace(4c, 4(c+1), samples) + 0.2 * N(0, 1)``, point
    ``(r sin 2.5t, r cos 2.5t)``. Returns X (samples*classes, 2), y (samples*classes,).
    """
    _check_count("samples", samples)
    _check_count("classes", classes)
    rng = _rng(seed)
    c = np.arange(classes)[:, None]
    r = np.linspace(0.0, 1.0, samples)[None, :]
    t = (np.linspace(0.0, 4.0, samples)[None, :] + 4.0 * c
         + rng.standard_normal((classes, samples)) * 0.2)
    X = np.stack([r * np.sin(t * 2.5), r * np.cos(t * 2.5)], axis=-1)
    return X.reshape(-1, 2).astype(np.float32), _labels(classes, samples)


def vertical(samples=100, classes=3, seed=None):
    """Vertical Gaussian stripes, one per class, as nnfs's ``vertical_data``.

    For class c: ``x = 0.1 * N(0, 1) + c / 3``, ``y = 0.1 * N(0, 1) + 0.5``.
    Returns X (samples*classes, 2), y (samples*classes,).
    """
    _check_count("samples", samples)
    _check_count("classes", classes)
    rng = _rng(seed)
    # noise[c, 0] is class c's x, noise[c, 1] its y: the nnfs draw order.
    noise = rng.standard_normal((classes, 2, samples)) * 0.1
    offset = np.stack([np.arange(classes) / 3, np.full(classes, 0.5)], axis=1)
    X = (noise + offset[:, :, None]).transpose(0, 2, 1)
    return X.reshape(-1, 2).astype(np.float32), _labels(classes, samples)


def xor():
    """The four XOR points: X = [[0,0],[0,1],[1,0],[1,1]] (float32), y = [0,1,1,0]."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    return X, np.array([0, 1, 1, 0], dtype=np.int64)


def blobs(samples=100, centers=3, n_features=2, cluster_std=1.0,
          center_box=(-10.0, 10.0), shuffle=True, seed=None):
    """Isotropic Gaussian blobs, like scikit-learn's ``make_blobs``.

    Unlike ``make_blobs``, ``samples`` counts the points of each center (as in
    ``spiral`` and ``vertical``), so the classes are exactly balanced.
    ``centers``: an int (centers drawn uniformly in ``center_box`` per feature)
    or an array (k, n_features) of centers. ``cluster_std``: a float or one per
    center. ``shuffle``: mix the classes (otherwise grouped by class).
    Returns X (samples*k, n_features), y (samples*k,).
    """
    _check_count("samples", samples)
    rng = _rng(seed)
    if isinstance(centers, numbers.Integral):
        _check_count("centers", centers)
        _check_count("n_features", n_features)
        low, high = center_box
        centers = rng.uniform(low, high, size=(int(centers), int(n_features)))
    else:
        centers = np.asarray(centers, dtype=np.float64)
        if centers.ndim != 2 or len(centers) == 0:
            raise ValueError(f"blobs: centers must be an int or an array of shape "
                             f"(k, n_features), got shape {centers.shape}")
    k = len(centers)
    std = np.asarray(cluster_std, dtype=np.float64)
    if std.ndim > 1 or std.size not in (1, k) or np.any(std < 0):
        raise ValueError(f"blobs: cluster_std must be a non-negative float or {k} of them "
                         f"(one per center), got {cluster_std!r}")
    std = np.broadcast_to(std.reshape(-1), (k,))
    y = _labels(k, samples)
    X = centers[y] + rng.standard_normal((len(y), centers.shape[1])) * std[y, None]
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return X.astype(np.float32), y


def linear(samples=100, slope=2.0, intercept=0.0, noise=0.0, seed=None):
    """Points on the line ``y = slope * x + intercept`` for regression.

    ``x = linspace(-1, 1, samples)``; ``noise`` is the standard deviation of the
    Gaussian noise added to y (0: exactly on the line). Returns X, y float32 (samples, 1).
    """
    _check_count("samples", samples)
    if noise < 0:
        raise ValueError(f"linear: noise must be a standard deviation >= 0, got {noise!r}")
    x = np.linspace(-1.0, 1.0, samples)
    y = slope * x + intercept
    if noise:
        y = y + _rng(seed).standard_normal(samples) * noise
    return x.reshape(-1, 1).astype(np.float32), y.reshape(-1, 1).astype(np.float32)


def sine(samples=1000):
    """One period of a sine for regression, as nnfs's ``sine_data``.

    ``x = arange(samples) / samples``, ``y = sin(2 pi x)``. Returns X, y float32 (samples, 1).
    """
    _check_count("samples", samples)
    x = np.arange(samples).reshape(-1, 1) / samples
    return x.astype(np.float32), np.sin(2 * np.pi * x).astype(np.float32)


def _rng(seed):
    if isinstance(seed, np.random.RandomState):
        return seed
    return np.random.default_rng(seed)


def _labels(classes, samples):
    return np.repeat(np.arange(classes, dtype=np.int64), samples)


def _check_count(name, value):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
