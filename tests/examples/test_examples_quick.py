"""Every example runs end to end on a tiny slice of its data (``--quick``), so a broken one
is caught in CI: it exits 0, prints its result lines and writes its PNGs.

A module fixture runs the examples two at a time, so two cores share the work; the
figures themselves are checked by test_examples_full.py (slow).
"""
import pytest

from examples_runner import NAMES, fashion_mnist_available, finish, matplotlib_available, start

# The result lines each example must print, and the PNGs it must write.
EXPECTED = {
    "mnist_mlp": (["test_accuracy", "reloaded_accuracy_keras", "reloaded_accuracy_h5"], ["mnist_mlp.png"]),
    "mnist_relu_logits": (["test_accuracy"], ["mnist_relu_logits.png"]),
    "mnist_sigmoid_quadratic": (["test_accuracy"], ["mnist_sigmoid_quadratic.png"]),
    "spiral": (["initial_loss", "train_accuracy"], ["spiral.png", "spiral_regions.png"]),
    "vertical": (["train_accuracy", "best_rule_accuracy", "fresh_data_accuracy"], ["vertical.png"]),
    "linear_regression": (["prediction_for_5"], ["linear_regression.png"]),
    "xor": (["single_layer_correct", "hidden_layer_correct"], ["xor.png"]),
    "perceptron": (["train_accuracy"], ["perceptron.png"]),
    "fashion_mnist_mlp": (["test_accuracy"], ["fashion_mnist_mlp.png"]),
    "beginner_quickstart": (["test_accuracy"], ["beginner_quickstart.png"]),
    "functional_api": (["test_accuracy", "reloaded_identical", "two_output_digit_accuracy",
                        "two_output_is_zero_accuracy", "two_output_reloaded_identical", "residual_test_accuracy",
                        "residual_reloaded_identical"], []),
    "subclassing": (["add_loss_first_epoch_loss", "add_loss_last_epoch_loss", "reloaded_identical",
                     "train_step_first_epoch_loss", "train_step_last_epoch_loss"], []),
    "mnist_convnet": (["test_accuracy", "seconds_per_epoch", "reloaded_identical"], ["mnist_convnet.png"]),
    "fashion_mnist_cnn": (["test_accuracy"], ["fashion_mnist_cnn.png"]),
}


def test_every_example_is_covered():
    assert sorted(EXPECTED) == sorted(NAMES)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run the examples two at a time (each MNIST one holds ~400 MB while it scales the data)."""
    waiting = [name for name in NAMES if not name.startswith("fashion_mnist") or fashion_mnist_available()]
    running, done = {}, {}
    try:
        while waiting or running:
            while waiting and len(running) < 2:
                name = waiting.pop(0)
                out = tmp_path_factory.mktemp(name)
                running[name] = (start(name, out, quick=True), out)
            name = next(iter(running))
            process, out = running.pop(name)
            done[name] = finish(process, timeout=300) + (out,)
    finally:
        for process, _ in running.values():
            process.kill()
            process.wait()
    return done


@pytest.mark.parametrize("name", NAMES)
def test_example_runs_quick(name, runs):
    if name not in runs:
        pytest.skip("the Fashion-MNIST files are not on this machine "
                    "(apt-get install dataset-fashion-mnist)")
    code, stdout, stderr, results, out = runs[name]
    assert code == 0, f"{name}.py --quick exited {code}\n{stdout[-2000:]}\n{stderr[-3000:]}"
    assert "quick mode" in stdout
    names, pngs = EXPECTED[name]
    assert sorted(results) == sorted(names), stdout
    if name in ("functional_api", "subclassing"):
        assert all(results[key] == "True" for key in names if key.endswith("identical")), stdout
        if name == "subclassing":  # the loss falls, with add_loss and with the custom train_step alike
            for way in ("add_loss", "train_step"):
                assert float(results[f"{way}_last_epoch_loss"]) < float(results[f"{way}_first_epoch_loss"])
    if name == "mnist_mlp":
        assert "predictions identical" in stdout
        assert results["reloaded_accuracy_keras"] == results["reloaded_accuracy_h5"] == results["test_accuracy"]
    if matplotlib_available():
        for png in pngs:
            data = (out / png).read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000, png
