"""An explicit ProgbarLogger() follows fit's verbose, as Keras's does (trial 2026-12-01 #15)."""
import numpy as np

import minikeras as keras


def test_explicit_progbar_is_silent_with_verbose_0(capsys):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 3)), np.ones(4), verbose=0, callbacks=[keras.callbacks.ProgbarLogger()])
    assert capsys.readouterr().out == ""   # Keras: nothing
    model.fit(np.ones((4, 3)), np.ones(4), verbose=2, callbacks=[keras.callbacks.ProgbarLogger()])
    assert capsys.readouterr().out.startswith("1/1 - ")
