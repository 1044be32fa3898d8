"""The Adaline / perceptron of the first notebook, as one Dense unit on separable data.

The first notebook's model is a single linear neuron trained by the Widrow-Hoff
(Adaline) rule on two linearly separable classes: output w.x + b, error y - output with
targets y = -1 / +1, update w += eta * mean(error * x), class = sign(output). The target
here is 100% train accuracy.

That rule is gradient descent on the squared error, so in Keras it is Dense(1) (linear),
loss "mean_squared_error" (whose gradient is 2 * mean(output - y) * x, i.e. the same
step with eta = 2 * learning_rate), SGD(learning_rate=0.01), targets -1 / +1 and the
class read off the sign of the output. The data: two Gaussian blobs,
``keras.datasets.toy.blobs`` with centers (-2, -2) and (2, 2) and standard deviation 0.8,
100 points each, standardised per feature (which keeps one step size right for both
weights); 50 epochs of mini-batches of 32.

    python examples/perceptron.py [--out DIR] [--quick]

Prints the learned weights and ``result: train_accuracy = ...``; saves perceptron.png.
"""
import numpy as np

import minikeras as keras
from _common import parse_args, report, save_history


def main():
    args = parse_args(__doc__)
    keras.utils.set_random_seed(0)
    X, labels = keras.datasets.toy.blobs(samples=100, centers=[[-2.0, -2.0], [2.0, 2.0]],
                                         cluster_std=0.8, seed=0)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = np.where(labels == 1, 1.0, -1.0).astype("float32")
    epochs = 1 if args.quick else 50

    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mean_squared_error")
    history = model.fit(X, y, batch_size=32, epochs=epochs, verbose=0)
    save_history(history, args.out / "perceptron.png")

    kernel, bias = model.layers[0].get_weights()
    print(f"learned w = ({kernel[0, 0]:.4f}, {kernel[1, 0]:.4f}), b = {bias[0]:.4f}; "
          f"final squared error {history.history['loss'][-1]:.4f}")
    predicted = np.where(model.predict(X, verbose=0)[:, 0] > 0, 1.0, -1.0)
    accuracy = float(np.mean(predicted == y))
    print(f"{int(np.sum(predicted == y))} of {len(y)} training points on the right side")
    report("train_accuracy", accuracy, "target 1.0")


if __name__ == "__main__":
    main()
