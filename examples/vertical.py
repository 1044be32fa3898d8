"""The nnfs vertical data: three vertical stripes of points, classified by the spiral's MLP.

The notebook (nnfs) used its ``vertical_data`` (100 points in each of 3 classes: x drawn
around c/3 for class c, y around 0.5, both with standard deviation 0.1) with the same
network as the spiral: Dense(2 -> 64) -> ReLU -> Dense(64 -> 3) -> softmax, categorical
cross-entropy, weights 0.01 * randn, biases zero. The issue's target is a train accuracy
of >= 0.95.

That target is above what these data allow. The stripes' centres are 1/3 apart, only
3.3 standard deviations, so they overlap: the best possible rule (the nearest centre
along x) misclassifies a point with probability P(|z| > 1.67) on each inner side,
which gives an expected accuracy of 1 - 4 * 0.048 / 3 = 0.936 for any classifier. A
train accuracy above that on a given sample can only come from memorising the
overlapping points. So the example prints, next to the model's train accuracy, the
accuracy of that best rule on the same 300 points, and the model's accuracy on 3,000
fresh points: the model matches the best rule (it learned the stripes) and no more.

Keras terms as in spiral.py: ``RandomNormal(stddev=0.01)`` kernels,
``sparse_categorical_crossentropy`` on the class indices, Adam(learning_rate=0.01) on
full batches of the 300 points, 1000 epochs.

    python examples/vertical.py [--out DIR] [--quick]

Prints ``result: train_accuracy``, ``result: best_rule_accuracy`` (on the same points)
and ``result: fresh_data_accuracy``; saves vertical.png (training curves).
"""
import numpy as np

import minikeras as keras
from _common import parse_args, report, save_history


def nearest_stripe(X):
    """The best possible rule for these data: the class whose centre c/3 is nearest to x."""
    return np.clip(np.round(X[:, 0] * 3), 0, 2).astype("int64")


def main():
    args = parse_args(__doc__)
    keras.utils.set_random_seed(0)
    X, y = keras.datasets.toy.vertical(samples=100, classes=3, seed=0)
    X_fresh, y_fresh = keras.datasets.toy.vertical(samples=1000, classes=3, seed=1)
    epochs = 1 if args.quick else 1000

    small = keras.initializers.RandomNormal(stddev=0.01)
    model = keras.Sequential([
        keras.Input(shape=(2,)),
        keras.layers.Dense(64, activation="relu", kernel_initializer=small),
        keras.layers.Dense(3, activation="softmax", kernel_initializer=small),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    initial_loss = model.evaluate(X, y, verbose=0)[0]
    print(f"loss before training: {initial_loss:.4f} (about ln 3 = 1.0986)")
    history = model.fit(X, y, batch_size=len(X), epochs=epochs, verbose=0)
    save_history(history, args.out / "vertical.png")
    loss, accuracy = model.evaluate(X, y, verbose=0)
    print(f"after {epochs} epochs: loss {loss:.4f}")
    report("train_accuracy", accuracy, "the issue's target >= 0.95 is above these data's "
           "ceiling, about 0.936: see the docstring")
    report("best_rule_accuracy", float(np.mean(nearest_stripe(X) == y)),
           "the nearest stripe centre, on the same points")
    report("fresh_data_accuracy", model.evaluate(X_fresh, y_fresh, verbose=0)[1],
           f"on {len(X_fresh)} new points; the best rule gets "
           f"{np.mean(nearest_stripe(X_fresh) == y_fresh):.4f} on them")


if __name__ == "__main__":
    main()
