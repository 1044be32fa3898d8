"""predict(verbose=1 or 2) prints Keras's summary line (trial 2026-12-01 #13: it printed nothing)."""
import re

import numpy as np
import pytest

import minikeras as keras


@pytest.mark.parametrize("verbose, pattern", [(2, r"^4/4 - \d+s - \d+(us|ms|s)/step\n$"),
                                              (1, r"^4/4 \S+ \d+s \d+(us|ms|s)/step\n$"),
                                              (0, r"^$")])
def test_predict_prints_the_summary_line(verbose, pattern, capsys):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.predict(np.ones((16, 3)), batch_size=4, verbose=verbose)
    assert re.match(pattern, capsys.readouterr().out)
