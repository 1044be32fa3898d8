"""Time keras.io's MNIST convnet in minikeras, Keras 3 on torch and on JAX, and the GEMM floor.

    python3 benchmarks/bench_conv.py              # 3 rounds of 7,680 rows each (about 5 min on 2 cores)
    python3 benchmarks/bench_conv.py --rows 3840 --rounds 2
    python3 benchmarks/bench_conv.py --json out.json

The model is examples/mnist_convnet.py's (Conv2D 32 3x3 relu, MaxPooling2D 2, Conv2D 64 3x3
relu, MaxPooling2D 2, Flatten, Dropout 0.5, Dense 10 softmax; Adam; categorical
cross-entropy; batch 128). Each round trains every runner for one pass over the same
``--rows`` MNIST rows (``fit(epochs=1, verbose=0)``, after one warm-up pass that compiles
Keras's step), in a new random order per round, so load from other processes hits all of
them alike. Reported: seconds per 60,000-row epoch (the median and the best round, scaled
from ``--rows``) and the ratios to minikeras. Keras runs in child processes
(``KERAS_BACKEND=torch`` / ``jax``, with the interpreter in $MINIKERAS_KERAS_PYTHON, default
this one); a backend that cannot be imported is skipped.

  floor      only the matrix products of the step (forward, weight and input gradients), on
             preallocated arrays, per 60,000 rows
  breakdown  minikeras's step by layer (forward and backward of each), and the rest
             (loss, optimizer, batching), in ms per step

On a busy machine, one thread each is the steadier comparison (OpenBLAS's and torch's threads
spin on small products when a core is taken by other work); the children inherit it:

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 XLA_FLAGS=--xla_cpu_multi_thread_eigen=false \
        python3 benchmarks/bench_conv.py

A script, not a test: nothing here asserts a time.
"""
import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BATCH, EPOCH_ROWS = 128, 60000


def build(keras):
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def data(rows):
    from minikeras.datasets import mnist
    (x, y), _ = mnist.load_data()
    x = np.expand_dims(x[:rows].astype("float32") / 255, -1)
    onehot = np.zeros((rows, 10), np.float32)
    onehot[np.arange(rows), y[:rows]] = 1
    return x, onehot


def timed_pass(model, x, y):
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=True)
    return time.perf_counter() - start


# -- the Keras children ------------------------------------------------------------------------

def worker(rows):
    """Child process: build Keras's model, then answer each "go" line with one timed pass."""
    import keras
    x, y = data(rows)
    keras.utils.set_random_seed(1)
    model = build(keras)
    timed_pass(model, x, y)  # compiles the step
    print("ready", keras.backend.backend(), keras.__version__, flush=True)
    for line in sys.stdin:
        if line.strip() != "go":
            break
        print(f"{timed_pass(model, x, y):.6f}", flush=True)


class Child:
    def __init__(self, backend, rows):
        env = dict(os.environ, KERAS_BACKEND=backend, PYTHONPATH=ROOT)
        python = os.environ.get("MINIKERAS_KERAS_PYTHON", sys.executable)
        self.process = subprocess.Popen([python, os.path.abspath(__file__), "--worker", str(rows)], env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
        line = self.process.stdout.readline().split()
        if not line or line[0] != "ready":
            self.process.kill()
            raise RuntimeError(f"Keras on {backend} did not start: {self.process.stderr.read()[-500:]}")
        self.version = f"keras {line[2]} ({line[1]})"

    def run(self):
        self.process.stdin.write("go\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


# -- the floor -----------------------------------------------------------------------------------

def gemm_floor(rows, repeats=5):
    """Seconds per 60,000 rows of only the step's matrix products (best of ``repeats``)."""
    rng = np.random.default_rng(0)
    f32 = np.float32
    n = BATCH
    shapes = []  # (M, K, N) of each product in forward + backward
    for m, k, f, first in ((n * 26 * 26, 9, 32, True), (n * 11 * 11, 288, 64, False)):
        shapes.append((m, k, f))          # forward: col @ W
        shapes.append((k, m, f))          # dW = col.T @ dY
        if not first:
            shapes += [(m, f, k // 9)] * 9  # dX: one product per kernel offset
    shapes += [(n, 1600, 10), (1600, n, 10), (n, 10, 1600)]
    arrays = [(rng.random((m, k), f32), rng.random((k, nn), f32), np.empty((m, nn), f32)) for m, k, nn in shapes]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for a, b, out in arrays:
            np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return best * EPOCH_ROWS / BATCH


# -- minikeras's breakdown ----------------------------------------------------------------------------

def breakdown(model, x, y, steps=20):
    """ms per step in each layer's forward and backward, and the rest of the step."""
    spent = {}
    originals = []
    depth = [0]  # backward calls backward_preactivation: time only the outermost call
    for layer in model.layers:
        for method in ("call", "backward", "backward_preactivation"):
            if not hasattr(layer, method):
                continue
            original = getattr(layer, method)
            originals.append((layer, method))
            key = f"{layer.name} {'forward' if method == 'call' else 'backward'}"
            spent[key] = 0.0

            def timed(*args, _original=original, _key=key, **kwargs):
                depth[0] += 1
                start = time.perf_counter()
                try:
                    return _original(*args, **kwargs)
                finally:
                    depth[0] -= 1
                    if depth[0] == 0:
                        spent[_key] += time.perf_counter() - start
            setattr(layer, method, timed)
    model.train_on_batch(x[:BATCH], y[:BATCH])
    for key in spent:
        spent[key] = 0.0
    start = time.perf_counter()
    for i in range(steps):
        j = (i * BATCH) % (len(x) - BATCH)
        model.train_on_batch(x[j:j + BATCH], y[j:j + BATCH])
    total = (time.perf_counter() - start) / steps * 1e3
    for layer, method in originals:
        del layer.__dict__[method]
    table = {key: value / steps * 1e3 for key, value in spent.items()}
    table["rest (loss, optimizer, batching)"] = total - sum(table.values())
    table["step"] = total
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=BATCH * 60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)
    sys.path.insert(0, ROOT)
    import minikeras
    x, y = data(args.rows)
    minikeras.utils.set_random_seed(1)
    model = build(minikeras)
    timed_pass(model, x, y)
    runners = {"minikeras": lambda: timed_pass(model, x, y)}
    versions = {"minikeras": f"minikeras {minikeras.__version__}"}
    children = []
    for backend in ("torch", "jax"):
        try:
            child = Child(backend, args.rows)
        except (RuntimeError, OSError) as error:
            print(f"keras-{backend}: skipped ({str(error).strip().splitlines()[-1] if str(error) else error})")
            continue
        children.append(child)
        runners[f"keras-{backend}"] = child.run
        versions[f"keras-{backend}"] = child.version
    scale = EPOCH_ROWS / args.rows
    times = {name: [] for name in runners}
    order = random.Random(0)
    for round_ in range(args.rounds):
        names = list(runners)
        order.shuffle(names)
        for name in names:
            time.sleep(0.3)
            times[name].append(runners[name]() * scale)
        print(f"round {round_ + 1}: " + ", ".join(f"{n} {times[n][-1]:.1f} s" for n in runners), flush=True)
    for child in children:
        child.close()
    floor = gemm_floor(args.rows)
    load = os.getloadavg()
    print(f"\nmachine: {os.cpu_count()} cpus, {platform.processor() or platform.machine()}, numpy "
          f"{np.__version__}, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"seconds per 60,000-row epoch (batch {BATCH}; median / best of {args.rounds} rounds of {args.rows} rows)")
    mk_median, mk_best = statistics.median(times["minikeras"]), min(times["minikeras"])
    for name, values in times.items():
        median, best = statistics.median(values), min(values)
        ratio = "" if name == "minikeras" else f"   minikeras/{name}: {mk_median / median:.2f} / {mk_best / best:.2f}"
        print(f"  {name:12s} {median:7.2f} / {best:7.2f}   ({versions[name]}){ratio}")
    print(f"  {'GEMM floor':12s} {floor:7.2f}             minikeras/floor: {mk_median / floor:.2f} / "
          f"{mk_best / floor:.2f}")
    table = breakdown(model, x, y)
    print("\nminikeras step by layer, ms per step of 128 rows:")
    for key, value in table.items():
        print(f"  {key:34s} {value:7.2f}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"seconds_per_epoch": times, "floor": floor, "breakdown_ms": table, "versions": versions,
                       "load": load, "rows": args.rows}, handle, indent=1)


if __name__ == "__main__":
    main()
