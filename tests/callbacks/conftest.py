"""Fixtures for the callback tests: a small real classifier on real toy data."""
import json
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras.datasets import toy

_REFERENCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras_callbacks_reference.json")


@pytest.fixture(scope="session")
def keras_reference():
    """What Keras 3 did with the scripted inputs of callbacks_scripted.py (see keras_callbacks_reference.py)."""
    with open(_REFERENCE) as f:
        return json.load(f)


@pytest.fixture
def spiral():
    x, y = toy.spiral(samples=100, classes=3, seed=0)
    order = np.random.default_rng(1).permutation(len(x))  # spiral() groups samples by class
    return x[order], y[order]


def make_classifier(seed=0, lr=0.05, optimizer=None, metrics=("accuracy",), hidden=16):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(hidden, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer or keras.optimizers.SGD(lr), "sparse_categorical_crossentropy", metrics=list(metrics))
    return model


@pytest.fixture
def classifier():
    return make_classifier
