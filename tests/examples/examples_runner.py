"""Shared by the example tests: run an example script in a subprocess and read its result lines."""
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NAMES = ["mnist_mlp", "mnist_relu_logits", "mnist_sigmoid_quadratic", "spiral", "vertical",
         "linear_regression", "xor", "perceptron", "fashion_mnist_mlp", "beginner_quickstart", "functional_api",
         "subclassing", "mnist_convnet", "fashion_mnist_cnn"]
RESULT = re.compile(r"^result: (\w+) = (\S+)", re.MULTILINE)


def start(name, out, quick):
    """Start ``examples/NAME.py --out OUT [--quick]``; returns the Popen."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MPLBACKEND="Agg", OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    env.pop("MINIKERAS_EXAMPLE_QUICK", None)
    command = [sys.executable, str(EXAMPLES / f"{name}.py"), "--out", str(out)] + (["--quick"] if quick else [])
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(process, timeout):
    """Wait for the process; returns (returncode, stdout, stderr, {result name: value text})."""
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr, dict(RESULT.findall(stdout))


def fashion_mnist_available():
    from minikeras.datasets import fashion_mnist
    return any(all(os.path.isfile(os.path.join(d, f)) for f in fashion_mnist.FILES.values())
               for d in fashion_mnist.search_dirs())


def matplotlib_available():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True

