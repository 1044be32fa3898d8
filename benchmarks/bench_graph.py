"""The cost of the tape: old (pre-tape) Sequential against new Sequential, Functional and a
custom keras.ops Dense, epochs alternating between worker processes in one run.

    python3 benchmarks/bench_graph.py                       # old code = commit 6085fd2
    python3 benchmarks/bench_graph.py --old-commit <sha> --rows 30000 --epochs 7
    python3 benchmarks/bench_graph.py --instructions        # CPU instructions per step (valgrind)

Each runner is its own process (so each imports its own minikeras), trained one epoch at a
time in turn: old, new, old, new, ... so that a slow phase of the machine hits all of them.
It prints each runner's median and best epoch and the ratios to the old Sequential. This is
a script, not a test: nothing here asserts a time.

``--instructions`` counts instead of timing: each runner's fit runs under valgrind's
callgrind (one BLAS thread) for ``S`` and ``2 S`` steps, and the difference over ``S`` is the
CPU instructions of one training step (data batching, callbacks, forward, tape, backward and
optimizer included; start-up and the first fit cancel out). The count is the same whatever
else the machine is doing, so it can show a difference of a few percent that the
wall-clock epochs on a shared machine cannot. It is a proxy for time: BLAS code retires more
instructions per cycle than the interpreter, so Python overhead weighs more in time than here.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

WORKER = r'''
import json, sys, time
import numpy as np
sys.path.insert(0, sys.argv[1])
import minikeras as keras
kind, hidden, batch, optimizer, rows = sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
(x, y), _ = keras.datasets.mnist.load_data()
x = (x[:rows].reshape(rows, 784) / 255.0).astype("float32"); y = y[:rows]
keras.utils.set_random_seed(0)

def dense_stack(make_dense):
    return [make_dense(h, "relu") for h in hidden] + [make_dense(10, "softmax")]

if kind == "sequential":
    model = keras.Sequential([keras.Input((784,))] + dense_stack(lambda u, a: keras.layers.Dense(u, activation=a)))
elif kind == "functional":
    inputs = keras.Input((784,))
    h = inputs
    for layer in dense_stack(lambda u, a: keras.layers.Dense(u, activation=a)):
        h = layer(h)
    model = keras.Model(inputs, h)
elif kind == "ops_dense":
    from minikeras import ops
    class OpsDense(keras.layers.Layer):
        def __init__(self, units, activation):
            super().__init__()
            self.units, self.act = units, activation
        def build(self, shape):
            self.w = self.add_weight(shape=(shape[-1], self.units), initializer="glorot_uniform")
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")
        def call(self, x):
            z = ops.matmul(x, self.w) + self.b
            return ops.relu(z) if self.act == "relu" else ops.softmax(z)
    model = keras.Sequential([keras.Input((784,))] + dense_stack(OpsDense))
opt = keras.optimizers.Adam(0.001) if optimizer == "adam" else keras.optimizers.SGD(0.01, momentum=0.9)
model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x[:batch * 20], y[:batch * 20], batch_size=batch, epochs=1, verbose=0)  # warm-up
print("ready", flush=True)
if len(sys.argv) > 7:  # --instructions: one fit of the given number of steps, then exit
    steps = int(sys.argv[7])
    model.fit(x[:steps * batch], y[:steps * batch], batch_size=batch, epochs=1, verbose=0)
    sys.exit(0)
for line in sys.stdin:
    start = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    print(json.dumps(time.perf_counter() - start), flush=True)
'''

CONFIGS = [((128,), 32, "adam"), ((128,), 128, "sgd"), ((512, 512, 512), 128, "adam")]
RUNNERS = [("old sequential", "old", "sequential"), ("sequential", "new", "sequential"),
           ("functional", "new", "functional"), ("ops Dense", "new", "ops_dense")]


def old_checkout(commit):
    path = tempfile.mkdtemp(prefix="minikeras-old-")
    archive = subprocess.run(["git", "-C", ROOT, "archive", commit, "minikeras"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", path], input=archive.stdout, check=True)
    return path


def instructions(root, kind, hidden, batch, optimizer, steps):
    """CPU instructions of one training step (callgrind; fit of 2*steps minus fit of steps)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    counts = []
    for n in (steps, 2 * steps):
        run = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                              "-c", WORKER, root, kind, json.dumps(hidden), str(batch), optimizer,
                              str(2 * steps * batch), str(n)], capture_output=True, text=True, env=env, check=True)
        line = next(l for l in run.stderr.splitlines() if "Collected" in l)
        counts.append(int(line.split()[-1]))
    return (counts[1] - counts[0]) / steps


def main_instructions(args, old):
    results = {}
    for index, (hidden, batch, optimizer) in enumerate(CONFIGS):
        if args.config is not None and index not in args.config:
            continue
        name = f"784-{'-'.join(map(str, hidden))}-10 batch {batch} {optimizer}"
        counts = {label: instructions(old if code == "old" else ROOT, kind, hidden, batch, optimizer, args.steps)
                  for label, code, kind in RUNNERS}
        base = counts["old sequential"]
        print(f"\n{name}: CPU instructions per training step (callgrind, 1 BLAS thread, {args.steps} steps)")
        print(f"  {'runner':<16}{'instructions':>14}{'vs old':>9}")
        for label, count in counts.items():
            print(f"  {label:<16}{count:>14,.0f}{count / base:>9.3f}")
        results[name] = counts
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--old-commit", default="6085fd2")
    parser.add_argument("--rows", type=int, default=30000)
    parser.add_argument("--epochs", type=int, default=7)
    parser.add_argument("--json")
    parser.add_argument("--instructions", action="store_true", help="count CPU instructions per step instead")
    parser.add_argument("--steps", type=int, default=100, help="steps per counted fit (--instructions)")
    parser.add_argument("--config", type=int, action="append", help="count only these configurations (0, 1, 2)")
    args = parser.parse_args()
    old = old_checkout(args.old_commit)
    if args.instructions:
        try:
            results = main_instructions(args, old)
        finally:
            shutil.rmtree(old, ignore_errors=True)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
        return
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    results = {}
    try:
        for hidden, batch, optimizer in CONFIGS:
            name = f"784-{'-'.join(map(str, hidden))}-10 batch {batch} {optimizer}"
            workers = {}
            for label, code, kind in RUNNERS:
                root = old if code == "old" else ROOT
                workers[label] = subprocess.Popen(
                    [sys.executable, "-c", WORKER, root, kind, json.dumps(hidden), str(batch), optimizer,
                     str(args.rows)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
            for worker in workers.values():
                assert worker.stdout.readline().strip() == "ready"
            times = {label: [] for label in workers}
            for _ in range(args.epochs):
                for label, worker in workers.items():
                    worker.stdin.write("epoch\n")
                    worker.stdin.flush()
                    times[label].append(json.loads(worker.stdout.readline()))
            for worker in workers.values():
                worker.stdin.close()
                worker.wait()
            base = statistics.median(times["old sequential"])
            base_best = min(times["old sequential"])
            print(f"\n{name}, {args.rows} rows, {args.epochs} alternating epochs")
            print(f"  {'runner':<16}{'median s':>10}{'best s':>9}{'median/old':>12}{'best/old':>10}")
            for label, values in times.items():
                median, best = statistics.median(values), min(values)
                print(f"  {label:<16}{median:>10.3f}{best:>9.3f}{median / base:>12.3f}{best / base_best:>10.3f}")
            steps = -(-args.rows // batch)
            extra = (statistics.median(times["ops Dense"]) - statistics.median(times["sequential"])) / steps
            print(f"  custom ops Dense stack costs {extra * 1e6:+.0f} us per step over the built-in Dense "
                  f"({len(hidden) + 1} layers)")
            results[name] = times
    finally:
        shutil.rmtree(old, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
