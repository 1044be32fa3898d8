"""History and epoch-log keys are sorted as one list, as in Keras (trial 2026-12-01 #12)."""
import numpy as np

import minikeras as keras


def test_train_and_validation_keys_sorted_together():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"], weighted_metrics=["mae"])
    seen = []
    callback = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(list(logs)))
    x, y = np.ones((4, 3)), np.ones(4)
    history = model.fit(x, y, verbose=0, validation_data=(x, y), callbacks=[callback])
    # Keras 3.15.1: loss, mae, val_loss, val_mae, val_weighted_mae, weighted_mae
    expected = ["loss", "mae", "val_loss", "val_mae", "val_weighted_mae", "weighted_mae"]
    assert list(history.history) == expected and seen == [expected]
