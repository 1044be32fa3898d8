"""Fashion-MNIST with a small convnet: the MNIST convnet's two conv blocks and a hidden Dense.

Conv2D(32, 3x3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2) -> Flatten
-> Dropout(0.3) -> Dense(128, relu) -> Dropout(0.3) -> Dense(10, softmax); Adam, sparse
categorical cross-entropy, batch 128, 15 epochs, validation_split=0.1, pixels / 255. The
target is a test accuracy >= 0.91 (the MLP of fashion_mnist_mlp.py reaches about 0.886).

The data come from ``keras.datasets.fashion_mnist.load_data()``, which minikeras reads
from the original IDX files on disk and never downloads: install Debian's
``dataset-fashion-mnist`` package, or put the 4 files in ~/.keras/datasets/fashion-mnist/,
or point MINIKERAS_FASHION_MNIST_DIR at them. Without them the script stops with a
message saying exactly that.

    python examples/fashion_mnist_cnn.py [--out DIR] [--quick]

Prints ``result: test_accuracy = ...`` and saves fashion_mnist_cnn.png.
"""
import sys
import time

import numpy as np

import minikeras as keras
from _common import parse_args, quick_slice, report, save_history


def main():
    args = parse_args(__doc__)
    keras.utils.set_random_seed(42)
    start = time.perf_counter()

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except FileNotFoundError as error:
        sys.exit(f"fashion_mnist_cnn.py needs the Fashion-MNIST files.\n{error}")
    x_train = np.expand_dims(x_train.astype("float32") / 255, -1)
    x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
    (x_train, y_train), (x_test, y_test), epochs = quick_slice(
        args, (x_train, y_train), (x_test, y_test), epochs=15)

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=128, epochs=epochs, validation_split=0.1, verbose=2)
    save_history(history, args.out / "fashion_mnist_cnn.png")

    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    report("test_accuracy", float(accuracy), "target >= 0.91")
    print(f"run time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
