"""A built-in loss function given to compile as a metric is saved and reloads (it raised
"Cannot serialize metric <function hinge>", seen while testing issue 19's metric directions)."""
import numpy as np
import pytest

import minikeras as keras


@pytest.mark.parametrize("extension", [".keras", ".h5"])
def test_save_and_reload(tmp_path, extension):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, kernel_initializer="ones")])
    model.compile("sgd", "mse", metrics=[keras.losses.hinge, keras.losses.poisson, keras.losses.mean_squared_error])
    x, y = np.ones((4, 3)), np.ones(4)
    model.fit(x, y, verbose=0)
    model.save(tmp_path / f"m{extension}")
    reloaded = keras.models.load_model(tmp_path / f"m{extension}")
    assert reloaded.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(
        model.evaluate(x, y, verbose=0, return_dict=True))
