"""The one helper for constructor numbers and flags: one message form, bools never numbers."""
import math

import numpy as np
import pytest

import minikeras as keras
from minikeras.utils import checks


@pytest.mark.parametrize("make, message", [
    (lambda: keras.layers.Dense(0), "Dense units must be a positive integer, got 0"),
    (lambda: keras.layers.Dense(True), "Dense units must be a positive integer, got True"),
    (lambda: keras.layers.Dropout(1.0), r"Dropout rate must be a number in \[0, 1\), got 1.0"),
    (lambda: keras.layers.Dropout(math.nan), r"Dropout rate must be a number in \[0, 1\), got nan"),
    (lambda: keras.layers.BatchNormalization(momentum=2), r"BatchNormalization momentum must be a number in \[0, 1\]"),
    (lambda: keras.layers.BatchNormalization(epsilon=0), "BatchNormalization epsilon must be a positive number"),
    (lambda: keras.layers.Dense(2, trainable="no"), "Dense trainable must be True or False, got 'no'"),
    (lambda: keras.layers.GaussianDropout(1.5), r"GaussianDropout rate must be a number in \[0, 1\)"),
    (lambda: keras.layers.LeakyReLU(negative_slope=-1), "LeakyReLU negative_slope must be a non-negative number"),
])
def test_constructors_name_the_argument_the_expectation_and_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_the_helpers():
    assert checks.integer(np.int64(3), "n", minimum=1) == 3 and checks.integer(None, "n", allow_none=True) is None
    assert checks.number(0.5, "r", minimum=0, maximum=1) == 0.5 and checks.flag(np.bool_(True), "f") is True
    with pytest.raises(ValueError, match="n must be a non-negative integer or None, got -1"):
        checks.integer(-1, "n", minimum=0, allow_none=True)
    with pytest.raises(ValueError, match="x must be a number, got inf"):
        checks.number(math.inf, "x")
