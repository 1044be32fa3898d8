"""The functional API, as keras.io's guide "The Functional API" writes it, on NumPy alone.

1. The guide's MNIST model: Input(784) -> Dense(64, relu) -> Dense(64, relu) -> Dense(10)
   logits, RMSprop, SparseCategoricalCrossentropy(from_logits=True), batch 64,
   validation_split 0.2 (the guide trains 2 epochs and gets about 0.96; 5 here, target >= 0.97).
2. A model with two inputs and two outputs: the pixels and a "thickness" feature in, the
   digit (softmax) and whether it is a zero (sigmoid) out, one loss per output.
3. A residual model: two residual blocks (Dense + Add) sharing nothing, then a classifier.

Each model trains, is saved as .keras, reloaded with keras.models.load_model, and the reloaded
model predicts exactly what the original did.

    python examples/functional_api.py [--out DIR] [--quick]
"""
import time

import numpy as np

import minikeras as keras
from minikeras import layers
from _common import parse_args, quick_slice, report


def reload_and_compare(model, path, x):
    model.save(path)
    reloaded = keras.models.load_model(path)
    before, after = model.predict(x, verbose=0), reloaded.predict(x, verbose=0)
    same = _same(before, after)
    print(f"saved to {path}, reloaded: predictions {'identical' if same else 'DIFFERENT'}")
    return same


def _same(a, b):
    if isinstance(a, dict):
        return list(a) == list(b) and all(np.array_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))
    return np.array_equal(a, b)


def main():
    args = parse_args(__doc__)
    keras.utils.set_random_seed(42)
    start = time.perf_counter()
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train.reshape(60000, 784).astype("float32") / 255
    x_test = x_test.reshape(10000, 784).astype("float32") / 255
    (x_train, y_train), (x_test, y_test), epochs = quick_slice(args, (x_train, y_train), (x_test, y_test), epochs=5)

    # 1. the guide's model
    inputs = keras.Input(shape=(784,))
    x = layers.Dense(64, activation="relu")(inputs)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")
    model.summary()
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_split=0.2, verbose=2)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    report("test_accuracy", accuracy, "target >= 0.97")
    report("reloaded_identical", reload_and_compare(model, args.out / "functional_mnist.keras", x_test[:256]))

    # 2. two inputs, two outputs
    thickness = x_train.mean(axis=1, keepdims=True)
    pixels = keras.Input(shape=(784,), name="pixels")
    feature = keras.Input(shape=(1,), name="thickness")
    hidden = layers.Dense(64, activation="relu")(pixels)
    joined = layers.concatenate([hidden, layers.Dense(8, activation="relu")(feature)])
    digit = layers.Dense(10, activation="softmax", name="digit")(joined)
    is_zero = layers.Dense(1, activation="sigmoid", name="is_zero")(joined)
    two = keras.Model([pixels, feature], [digit, is_zero], name="two_in_two_out")
    two.summary()
    two.compile(optimizer="adam", loss={"digit": "sparse_categorical_crossentropy", "is_zero": "binary_crossentropy"},
                loss_weights={"digit": 1.0, "is_zero": 0.5}, metrics={"digit": ["accuracy"], "is_zero": ["accuracy"]})
    history = two.fit({"pixels": x_train, "thickness": thickness}, {"digit": y_train, "is_zero": (y_train == 0)},
                      batch_size=64, epochs=max(1, epochs // 2), verbose=2)
    print("logged:", sorted(history.history))
    logs = two.evaluate([x_test, x_test.mean(axis=1, keepdims=True)], [y_test, (y_test == 0)], verbose=0,
                        return_dict=True)
    report("two_output_digit_accuracy", logs["digit_accuracy"])
    report("two_output_is_zero_accuracy", logs["is_zero_accuracy"])
    report("two_output_reloaded_identical", reload_and_compare(
        two, args.out / "two_in_two_out.keras", [x_test[:256], x_test[:256].mean(axis=1, keepdims=True)]))

    # 3. residual blocks
    inputs = keras.Input(shape=(784,))
    x = layers.Dense(128, activation="relu")(inputs)
    for _ in range(2):
        block = layers.Dense(128, activation="relu")(x)
        block = layers.Dense(128)(block)
        x = layers.Activation("relu")(layers.add([x, block]))
    residual = keras.Model(inputs, layers.Dense(10, activation="softmax")(x), name="residual")
    residual.summary()
    residual.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    residual.fit(x_train, y_train, batch_size=64, epochs=max(1, epochs // 2), verbose=2)
    _, accuracy = residual.evaluate(x_test, y_test, verbose=0)
    report("residual_test_accuracy", accuracy)
    report("residual_reloaded_identical", reload_and_compare(residual, args.out / "residual.keras", x_test[:256]))
    print(f"run time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
