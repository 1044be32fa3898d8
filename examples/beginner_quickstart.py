"""The classic Keras beginner quick start, unchanged but for ``import minikeras as keras``.

TensorFlow's "beginner" tutorial: Flatten(input_shape=(28, 28)) -> Dense(128, relu) ->
Dropout(0.2) -> Dense(10) (logits), ``SparseCategoricalCrossentropy(from_logits=True)``,
adam, 5 epochs; it reports a test accuracy of about 0.98. The target here is >= 0.97.

The tutorial calls ``.numpy()`` and ``tf.nn.softmax`` on TensorFlow tensors; in Keras 3
(and minikeras) a model called on an array returns an array and the softmax is
``keras.activations.softmax``, so those two lines are written the Keras 3 way.

    python examples/beginner_quickstart.py [--out DIR] [--quick]

Prints ``result: test_accuracy = ...`` and saves beginner_quickstart.png.
"""
import minikeras as keras
from _common import parse_args, report, save_history

args = parse_args(__doc__)
keras.utils.set_random_seed(42)

mnist = keras.datasets.mnist
(x_train, y_train), (x_test, y_test) = mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0
if args.quick:
    x_train, y_train, x_test, y_test = x_train[:500], y_train[:500], x_test[:200], y_test[:200]

model = keras.models.Sequential([
    keras.layers.Flatten(input_shape=(28, 28)),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dropout(0.2),
    keras.layers.Dense(10)
])

predictions = model(x_train[:1])
print("untrained probabilities for one image:", keras.activations.softmax(predictions))

loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
print("untrained loss for it (near -ln(1/10) = 2.3 on average):", float(loss_fn(y_train[:1], predictions)))

model.compile(optimizer="adam", loss=loss_fn, metrics=["accuracy"])
history = model.fit(x_train, y_train, epochs=1 if args.quick else 5)
loss, accuracy = model.evaluate(x_test, y_test, verbose=2)

probability_model = keras.Sequential([model, keras.layers.Softmax()])
print("probabilities for 5 test images:\n", probability_model(x_test[:5]))

save_history(history, args.out / "beginner_quickstart.png")
report("test_accuracy", accuracy, "target >= 0.97; the tutorial reports about 0.98")
