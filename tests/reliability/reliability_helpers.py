"""Shared helpers of the reliability tests: small models and a bit-exact state snapshot."""
import numpy as np

import minikeras as keras


def small_classifier(seed=0, compile_loss="sparse_categorical_crossentropy", train=True):
    """Dense(8, relu) -> Dense(3, softmax) on 4 features, Adam, trained one step so the
    optimizer already has slots and an iteration count (the state a failed call must keep)."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss=compile_loss, metrics=["accuracy"])
    if train:
        x, y = data(seed)
        if compile_loss == "categorical_crossentropy":
            y = keras.utils.to_categorical(y, 3)
        elif compile_loss == "mse":
            y = keras.utils.to_categorical(y, 3)
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    return model


def data(seed=0, n=20):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 4)).astype(np.float32), rng.integers(0, 3, n)


def snapshot(model):
    """Every weight, every optimizer slot and the iteration count, as bytes (bit-exact)."""
    weights = [(v.path, v.value.dtype.str, v.value.shape, v.value.tobytes()) for v in model.weights]
    optimizer = model.optimizer
    slots, iterations = None, None
    if optimizer is not None:
        iterations = int(optimizer.iterations)
        slots = [(v.path, [s.tobytes() for s in optimizer.slots(v)]) for v in optimizer.tracked_variables]
    return {"built": model.built, "weights": weights, "slots": slots, "iterations": iterations}
