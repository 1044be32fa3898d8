"""model.summary()'s totals match Keras's printed lines: optimizer variables (iteration,
learning_rate unless scheduled, slots) count in the total once the optimizer is built."""
import json
import os
import sys

import pytest

import minikeras as keras

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures")
sys.path.insert(0, FIXTURES)
from make_keras_summary_totals import optimizers, summary_totals  # noqa: E402

with open(os.path.join(FIXTURES, "keras_summary_totals.json")) as f:
    KERAS = json.load(f)


@pytest.mark.parametrize("name", sorted(KERAS))
def test_totals_match_keras_before_and_after_fit(name):
    before, after = summary_totals(keras, name)
    assert [before, after] == KERAS[name]


def test_every_optimizer_is_covered():
    assert set(optimizers(keras)) == set(KERAS)


def test_user_trial_model_counts_iteration_and_learning_rate():
    # /work/scratch/usertest/t42: Keras prints 47 total, 32 optimizer params (2 x 15 moments + 2).
    import numpy as np
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.compile("adam", "mse")
    model.fit(np.ones((8, 4)), np.ones((8, 3)), verbose=0)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert " Total params: 47 (188.00 B)" in text and " Optimizer params: 32 (128.00 B)" in text
