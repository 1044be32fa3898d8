"""MNIST on several processes: the MLP of mnist_mlp.py, trained data-parallel over MPI.

An ordinary Keras script plus two lines (``initialize`` and ``set_distribution``). Launched
with ``mpirun`` each process trains on its slice of every batch and all of them end with the
model one process would train (to float32 rounding); run without it, it is one process.

    pip install "minikeras[mpi]"
    mpirun -np 2 python examples/mnist_data_parallel.py [--out DIR] [--quick]
    mpirun -np 2 --allow-run-as-root python examples/mnist_data_parallel.py    # as root
    python examples/mnist_data_parallel.py                                    # one process

``batch_size=128`` is the global batch: with 2 processes each computes 64 rows per step.
Rank 0 alone prints progress and writes DIR/mnist_data_parallel.keras (best validation
loss, ModelCheckpoint) and DIR/mnist_data_parallel.csv (CSVLogger); every rank prints its
``result:`` lines only if it is rank 0. About 1 minute on 2 cores.
"""
import time

import minikeras as keras
from _common import parse_args, quick_slice, report

keras.distribution.initialize()  # the MPI world (a world of one without mpirun)
keras.distribution.set_distribution(keras.distribution.DataParallel())


def main():
    args = parse_args(__doc__)
    rank, processes = keras.distribution.process_id(), keras.distribution.num_processes()
    keras.utils.set_random_seed(42)  # the same seed everywhere (fit also broadcasts rank 0's weights)
    start = time.perf_counter()

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    (x_train, y_train), (x_test, y_test), epochs = quick_slice(args, (x_train, y_train), (x_test, y_test), epochs=3)
    x_train, x_test = (x_train / 255.0).astype("float32"), (x_test / 255.0).astype("float32")

    model = keras.Sequential([
        keras.layers.Flatten(input_shape=(28, 28)),
        keras.layers.Dense(1024, activation="relu"),
        keras.layers.Dropout(0.2),  # its masks are those one process would draw
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks = [keras.callbacks.ModelCheckpoint(args.out / "mnist_data_parallel.keras", save_best_only=True),
                 keras.callbacks.CSVLogger(args.out / "mnist_data_parallel.csv")]
    model.fit(x_train, y_train, epochs=epochs, batch_size=128, validation_split=0.1, callbacks=callbacks,
              verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)  # the same numbers on every rank
    if rank == 0:
        report("processes", processes)
        report("test_accuracy", accuracy, "target >= 0.97 after 3 epochs")
        print(f"run time: {time.perf_counter() - start:.0f} s on {processes} process(es)")


if __name__ == "__main__":
    main()
