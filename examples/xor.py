"""XOR with sigmoid units: why one layer cannot learn it, and how a hidden layer does.

The notebook's single-layer version (sigmoid units, no hidden layer) cannot learn XOR. The target here: show that failure, then get 4/4 with one hidden layer.

Why one layer fails: a single unit sigmoid(w1 x1 + w2 x2 + b) says "1" exactly where
w1 x1 + w2 x2 + b > 0, one side of a straight line. XOR needs
    (0,1) -> 1:  w2 + b > 0          (1,0) -> 1:  w1 + b > 0
    (0,0) -> 0:  b < 0               (1,1) -> 0:  w1 + w2 + b < 0
Adding the first two gives w1 + w2 + 2b > 0; adding the last two gives w1 + w2 + 2b < 0.
No line does it, so at most 3 of the 4 points can be right, whatever the training.
Trained with cross-entropy it does worse still: that loss is convex for one unit and its
gradient vanishes at w = 0, b = 0, so the best single unit predicts 0.5 for every point
(loss ln 2 = 0.693), a coin toss for each point (with Keras's rule "1 when > 0.5" that
counts the two 0s as right: 2/4).

With a hidden layer: Dense(4, sigmoid) -> Dense(1, sigmoid). The hidden units draw
several lines, and the output unit combines their sides (e.g. "x1 OR x2" AND NOT
"x1 AND x2"). Both models: binary cross-entropy, Adam(learning_rate=0.1), 1000 epochs on
the full batch of 4 points.

    python examples/xor.py [--out DIR] [--quick]

Prints ``result: single_layer_correct = k/4`` and ``result: hidden_layer_correct = 4/4``;
saves xor.png (training curves of the hidden-layer model).
"""
import numpy as np

import minikeras as keras
from _common import parse_args, report, save_history


def train(layers, X, y, epochs):
    model = keras.Sequential([keras.Input(shape=(2,))] + layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(X, y, batch_size=4, epochs=epochs, verbose=0)
    probabilities = model.predict(X, verbose=0)[:, 0]
    correct = int(np.sum((probabilities > 0.5) == (y == 1)))
    return model, history, probabilities, correct


def show(title, X, probabilities, correct):
    print(title)
    for point, p in zip(X.astype(int), probabilities):
        print(f"  {point[0]} XOR {point[1]} = {point[0] ^ point[1]}: predicted {p:.3f}")
    print(f"  {correct}/4 correct")


def main():
    args = parse_args(__doc__)
    keras.utils.set_random_seed(0)
    X, y = keras.datasets.toy.xor()
    y = y.astype("float32")
    epochs = 1 if args.quick else 1000

    _, _, probabilities, correct = train([keras.layers.Dense(1, activation="sigmoid")], X, y, epochs)
    show("one sigmoid unit (no hidden layer):", X, probabilities, correct)
    print("  no straight line puts (0,1), (1,0) on one side and (0,0), (1,1) on the other "
          "(see the docstring), so at most 3/4;\n"
          "  cross-entropy's best single unit is w = 0, b = 0: 0.5 everywhere, loss ln 2.")
    report("single_layer_correct", f"{correct}/4", "at most 3/4 is possible")

    model, history, probabilities, correct = train(
        [keras.layers.Dense(4, activation="sigmoid"), keras.layers.Dense(1, activation="sigmoid")],
        X, y, epochs)
    show("hidden layer of 4 sigmoid units:", X, probabilities, correct)
    save_history(history, args.out / "xor.png")
    report("hidden_layer_correct", f"{correct}/4", "target 4/4")


if __name__ == "__main__":
    main()
