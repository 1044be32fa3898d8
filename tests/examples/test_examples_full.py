"""Every example at full size reaches its figure (slow: about 30 minutes on 2 cores).

Run with ``python3 -m pytest -m slow tests/examples``. The targets are the issue's table,
written here independently of what the scripts print about themselves.
"""
import math

import pytest

from examples_runner import NAMES, fashion_mnist_available, finish, start


def at_least(target):
    return lambda value: float(value) >= target


CHECKS = {
    "mnist_mlp": {"test_accuracy": at_least(0.975)},
    "mnist_relu_logits": {"test_accuracy": at_least(0.980)},
    "mnist_sigmoid_quadratic": {"test_accuracy": at_least(0.950)},
    "spiral": {"initial_loss": lambda v: abs(float(v) - math.log(3)) < 1e-3,
               "train_accuracy": at_least(0.90)},
    # 0.95 is a train figure above these data's generalisable ceiling (about 0.936, see
    # vertical.py); fresh points must still be classified nearly as well as the best rule does.
    "vertical": {"train_accuracy": at_least(0.95), "fresh_data_accuracy": at_least(0.90)},
    "linear_regression": {"prediction_for_5": lambda v: abs(float(v) - 10.0) <= 0.01},
    "xor": {"single_layer_correct": lambda v: int(v.split("/")[0]) <= 3,
            "hidden_layer_correct": lambda v: v == "4/4"},
    "perceptron": {"train_accuracy": lambda v: float(v) == 1.0},
    "fashion_mnist_mlp": {"test_accuracy": at_least(0.885)},
    "beginner_quickstart": {"test_accuracy": at_least(0.97)},
    "functional_api": {"test_accuracy": at_least(0.97), "reloaded_identical": lambda v: v == "True",
                       "two_output_reloaded_identical": lambda v: v == "True",
                       "residual_reloaded_identical": lambda v: v == "True",
                       "residual_test_accuracy": at_least(0.95)},
    # the guide's VAE (conv) is near 150 after 10 epochs; this Dense one after 5 must have fallen below 170
    "subclassing": {"add_loss_last_epoch_loss": lambda v: float(v) < 170, "reloaded_identical": lambda v: v == "True",
                    "train_step_last_epoch_loss": lambda v: float(v) < 170},
    # keras.io's convnet: Keras reaches about 0.99 (0.9922 measured); the target is 0.99
    "mnist_convnet": {"test_accuracy": at_least(0.99), "reloaded_identical": lambda v: v == "True"},
    "fashion_mnist_cnn": {"test_accuracy": at_least(0.91)},
}


def test_every_example_has_a_check():
    assert sorted(CHECKS) == sorted(NAMES)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_example_reaches_its_figure(name, tmp_path):
    if name in ("fashion_mnist_mlp", "fashion_mnist_cnn") and not fashion_mnist_available():
        pytest.skip("the Fashion-MNIST files are not on this machine")
    code, stdout, stderr, results = finish(start(name, tmp_path, quick=False), timeout=3 * 3600)
    assert code == 0, f"{name}.py exited {code}\n{stdout[-2000:]}\n{stderr[-3000:]}"
    for key, check in CHECKS[name].items():
        assert key in results, f"{name}.py printed no result {key!r}:\n{stdout[-2000:]}"
        assert check(results[key]), f"{name}.py: {key} = {results[key]} misses its target"
    if name == "vertical":
        assert float(results["train_accuracy"]) >= float(results["best_rule_accuracy"])
    if name == "mnist_mlp":
        assert results["reloaded_accuracy_keras"] == results["test_accuracy"]
        assert results["reloaded_accuracy_h5"] == results["test_accuracy"]
