"""Data-parallel fit on this machine: 1 process x 2 threads against 2 MPI ranks x 1 thread.

    python3 benchmarks/bench_data_parallel.py            # ~1 min on 2 cores
    python3 benchmarks/bench_data_parallel.py --steps 40 # fewer steps per measurement

For each model (the MNIST MLPs of examples/, on MNIST-shaped random data) and global batch,
it trains ``--steps`` steps of Adam with ``fit`` in

- one process with 2 BLAS threads and 2 update threads (``OMP_NUM_THREADS=2``), and
- ``mpirun -np 2`` with one thread each (``keras.distribution.DataParallel``), timing the
  gradient allreduce inside the steps (and a bare ``Allreduce`` of the same buffer),

and prints ms per step, the allreduce's share, and the ring-allreduce model of
``DATA-PARALLEL.md`` for p hosts on 10 GbE. On one 2-core host two ranks are not expected to
be faster: both configurations use both cores, and the ranks add the allreduce.
Requires ``pip install "minikeras[mpi]"``. Prints numbers, asserts nothing.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = {"mlp 784-128-10": (128,), "mlp 784-1024-10": (1024,)}
BATCHES = (32, 128, 512)
BANDWIDTH = 10e9 / 8   # 10 GbE, bytes per second
LATENCY = 30e-6        # seconds per message over TCP on 10 GbE (a typical MPI figure)


def child(args):
    """Runs in each process: time ``steps`` steps of fit for every model and batch, print JSON."""
    import numpy as np

    import minikeras as keras
    from minikeras.distribution import world
    keras.distribution.initialize()
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    waits, reduces = [], []  # per call: seconds waiting for the other rank (a barrier), in the allreduce
    allreduce = world.allreduce_

    def timed_allreduce(buffer):
        start = time.perf_counter()
        if world.comm is not None:
            world.comm.Barrier()
        middle = time.perf_counter()
        allreduce(buffer)
        if buffer.dtype == np.float32:  # the gradients (the float64 ones are the logs)
            waits.append(middle - start)
            reduces.append(time.perf_counter() - middle)
        return buffer

    class StepTimes(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            steps.append(time.perf_counter() - self.start)

    world.allreduce_ = timed_allreduce
    rng = np.random.default_rng(0)
    results = []
    for name, hidden in MODELS.items():
        for batch in BATCHES:
            n = batch * args.steps
            x = rng.random((n, 784), dtype=np.float32)
            y = rng.integers(0, 10, n)
            keras.utils.set_random_seed(0)
            model = keras.Sequential([keras.Input((784,))] + [keras.layers.Dense(h, activation="relu") for h in hidden]
                                     + [keras.layers.Dense(10, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x[:batch * 5], y[:batch * 5], batch_size=batch, epochs=1, verbose=0)  # warm-up
            steps, waits[:], reduces[:] = [], [], []
            model.fit(x, y, batch_size=batch, epochs=args.repeats, verbose=0, shuffle=False, callbacks=[StepTimes()])
            params = model.count_params()
            bare = None
            if world.size > 1:  # a bare allreduce of the gradient buffer, median of 200
                buffer = np.ones(params, dtype=np.float32)
                samples = []
                for _ in range(200):
                    world.comm.Barrier()
                    start = time.perf_counter()
                    allreduce(buffer)
                    samples.append(time.perf_counter() - start)
                bare = float(np.median(samples))
            results.append({"model": name, "batch": batch, "params": params, "step": float(np.median(steps)),
                            "fastest_step": float(np.min(steps)),
                            "allreduce": float(np.median(reduces)) if reduces else 0.0,
                            "wait": float(np.median(waits)) if waits else 0.0, "bare_allreduce": bare})
    if world.rank == 0:
        print("RESULT" + json.dumps(results), flush=True)


def run(command, env):
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT"):
            return json.loads(line[6:])
    raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3, help="epochs of --steps steps")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    mpirun = os.path.join(os.path.dirname(sys.executable), "mpirun")
    mpirun = mpirun if os.path.exists(mpirun) else shutil.which("mpirun")
    if mpirun is None:
        raise SystemExit("mpirun not found: pip install \"minikeras[mpi]\"")
    base = {k: v for k, v in os.environ.items()
            if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "MINIKERAS_UPDATE_THREADS")}
    base.update(PYTHONPATH=ROOT + os.pathsep + base.get("PYTHONPATH", ""), OMPI_ALLOW_RUN_AS_ROOT="1",
                OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", PYTHONWARNINGS="ignore")
    me = [sys.executable, os.path.abspath(__file__), "--child", "--steps", str(args.steps),
          "--repeats", str(args.repeats)]
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; {args.steps} steps of Adam per "
          f"measurement, best of {args.repeats}")
    single = run(me, dict(base, OMP_NUM_THREADS="2", MINIKERAS_UPDATE_THREADS="2"))
    ranks = run([mpirun, "-np", "2", "--oversubscribe"] + me, base)
    print("\nms per step, medians (the fastest step in brackets). 1x2: one process, 2 threads. 2x1: mpirun -np 2,"
          " 1 thread each; of its step, 'wait' is the time a rank waits for the other before the gradient"
          " allreduce (a barrier), 'allreduce' the allreduce itself; 'bare' is a lone allreduce of the same buffer"
          " (median of 200).")
    print(f"{'model':16s} {'batch':>5s} {'params':>8s} {'MB/step':>8s} {'1x2':>15s} {'2x1':>15s} {'wait':>8s} "
          f"{'allreduce':>9s} {'bare':>8s} {'2x1 / 1x2':>9s}")
    for one, two in zip(single, ranks):
        print(f"{one['model']:16s} {one['batch']:5d} {one['params']:8d} {4 * one['params'] / 1e6:8.2f} "
              f"{1e3 * one['step']:7.2f} ({1e3 * one['fastest_step']:5.2f}) {1e3 * two['step']:7.2f} "
              f"({1e3 * two['fastest_step']:5.2f}) {1e3 * two['wait']:8.2f} "
              f"{1e3 * two['allreduce']:9.3f} {1e3 * two['bare_allreduce']:8.3f} {two['step'] / one['step']:9.2f}")
    print("\nRing allreduce on 10 GbE, T = 2(p-1)/p * 4P / 1.25 GB/s + 2(p-1) * 30 us; a step on p hosts takes "
          "compute/p + T (compute: the fastest 1x2 step above, one such host per rank), no overlap:")
    print(f"{'model':16s} {'batch':>5s} " + " ".join(f"{f'T p={p} ms':>10s} {f'speed-up {p}':>11s}" for p in (2, 4, 8)))
    for one in single:
        cells = []
        for p in (2, 4, 8):
            t = 2 * (p - 1) / p * 4 * one["params"] / BANDWIDTH + 2 * (p - 1) * LATENCY
            compute = one["fastest_step"]
            cells.append(f"{1e3 * t:10.2f} {compute / (compute / p + t):10.2f}x")
        print(f"{one['model']:16s} {one['batch']:5d} " + " ".join(cells))


if __name__ == "__main__":
    main()
