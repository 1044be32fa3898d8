"""Train one epoch from an HDF5 file larger than memory budgets, and from the same rows in memory.

    python benchmarks/bench_hdf5.py                      # 1,000,000 x 784 float32 (~3.1 GB)
    python benchmarks/bench_hdf5.py --rows 100000 --dir /data/tmp --json

Builds ``--rows`` x 784 float32 rows (learnable labels: the argmax of a fixed random
projection) in an HDF5 file written 10,000 rows at a time under ``--dir``, then trains one
epoch of the 784-128-10 MLP (relu, softmax, Adam, ``shuffle="batch"``) in several runs, each
in its own subprocess so one run's memory does not pollute another's peak:

- ``hdf5``: ``model.fit(f["x"], f["y"])`` straight from the ``h5py.Dataset``, read one batch
  at a time, with the default read-ahead policy (``prefetch.READ_AHEAD = "auto"``: a reader
  thread only when reading takes half the step time or more);
- ``hdf5 read-ahead`` / ``hdf5 no read-ahead``: the policy forced on / off, to measure it;
- the same three with the file dropped from the page cache first (``posix_fadvise
  DONTNEED`` on our own file: no root needed), so the rows really come from the disk
  (``--no-cold`` skips them);
- ``memory``: the same rows loaded into a NumPy array first (if they fit in the available
  memory with room to spare, else the first rows that do, and the time scaled up).

Prints the peak RSS of each run (``VmHWM`` from /proc/self/status; the target for ``hdf5`` is
under 500 MB), the epoch times and the ratios to the in-memory epoch (target <= 1.3), and
with ``--json`` one JSON object instead. The file is deleted afterwards unless ``--keep``.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

FEATURES = 784
WRITE_ROWS = 10_000


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def available_mb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return 0.0


def build_file(path, rows, seed=0):
    import h5py
    rng = np.random.default_rng(seed)
    projection = rng.normal(size=(FEATURES, 10)).astype(np.float32)
    with h5py.File(path, "w") as f:
        x = f.create_dataset("x", (rows, FEATURES), dtype="float32", chunks=(256, FEATURES))
        y = f.create_dataset("y", (rows,), dtype="int64")
        for start in range(0, rows, WRITE_ROWS):
            block = rng.standard_normal((min(WRITE_ROWS, rows - start), FEATURES), dtype=np.float32)
            x[start:start + len(block)] = block
            y[start:start + len(block)] = np.argmax(block @ projection, axis=1)


def make_model():
    import minikeras as mk
    mk.utils.set_random_seed(0)
    model = mk.Sequential([mk.Input((FEATURES,)), mk.layers.Dense(128, activation="relu"),
                           mk.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def child(mode, path, batch_size, memory_rows):
    """One run, in its own process; prints a JSON line with its numbers.

    ``mode`` is ``memory`` or ``hdf5-<auto|on|off>[-cold]``.
    """
    import h5py

    import minikeras  # noqa: F401  (imports counted in the baseline RSS)
    from minikeras.models import prefetch

    if mode.startswith("hdf5"):
        prefetch.READ_AHEAD = {"auto": "auto", "on": True, "off": False}[mode.split("-")[1]]
        if mode.endswith("-cold"):
            fd = os.open(path, os.O_RDONLY)
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
    baseline = peak_rss_mb()
    model = make_model()
    with h5py.File(path, "r") as f:
        rows = len(f["x"])
        if mode == "memory":
            rows = memory_rows
            x = np.empty((rows, FEATURES), dtype=np.float32)
            for start in range(0, rows, WRITE_ROWS):
                f["x"].read_direct(x, np.s_[start:min(start + WRITE_ROWS, rows)],
                                   np.s_[start:min(start + WRITE_ROWS, rows)])
            y = f["y"][:rows]
        else:
            x, y = f["x"], f["y"]
        start, cpu_start = time.perf_counter(), time.process_time()
        history = model.fit(x, y, batch_size=batch_size, epochs=1, shuffle="batch", verbose=0)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    print(json.dumps({"mode": mode, "rows": rows, "epoch_seconds": seconds, "cpu_seconds": cpu_seconds,
                      "peak_rss_mb": peak_rss_mb(),
                      "baseline_rss_mb": baseline, "loss": history.history["loss"][0],
                      "accuracy": history.history["accuracy"][0]}))


def run_child(mode, path, batch_size, memory_rows):
    command = [sys.executable, os.path.abspath(__file__), "--child", mode, "--file", path,
               "--batch-size", str(batch_size), "--memory-rows", str(memory_rows)]
    out = subprocess.run(command, check=True, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=os.pathsep.join([_repo_root()] + sys.path)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def _repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of 784 float32 (default 1,000,000)")
    parser.add_argument("--dir", default=None, help="where to write the HDF5 file (default: the temp dir)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per mode, interleaved; the fastest counts (use 3 on a shared machine)")
    parser.add_argument("--keep", action="store_true", help="keep the HDF5 file")
    parser.add_argument("--no-cold", action="store_true", help="skip the runs with the file out of the page cache")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--memory-rows", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file, args.batch_size, args.memory_rows)
        return

    directory = tempfile.mkdtemp(prefix="minikeras-bench-hdf5-", dir=args.dir)
    path = os.path.join(directory, "rows.h5")
    try:
        start = time.perf_counter()
        build_file(path, args.rows)
        build_seconds = time.perf_counter() - start
        file_mb = os.path.getsize(path) / 2**20
        # Rows that fit in memory with room for the model, the page cache of the file and others.
        fit_rows = int((available_mb() - 1024) * 0.5 * 2**20 / (FEATURES * 4 + 8))
        memory_rows = max(min(args.rows, fit_rows), args.batch_size)
        modes = ["hdf5-auto", "hdf5-on", "hdf5-off"]
        modes += [] if args.no_cold else ["hdf5-auto-cold", "hdf5-on-cold", "hdf5-off-cold"]
        runs = {mode: [] for mode in modes + ["memory"]}
        for _ in range(args.repeat):  # interleaved, so a busy moment does not hit one mode only
            for mode in runs:
                runs[mode].append(run_child(mode, path, args.batch_size, memory_rows))
        results = {}
        for mode, mode_runs in runs.items():
            best = min(mode_runs, key=lambda r: r["epoch_seconds"])
            best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in mode_runs)
            results[mode] = best
        memory = results.pop("memory")
        memory_full_seconds = memory["epoch_seconds"] * args.rows / memory["rows"]
        memory_cpu_seconds = memory["cpu_seconds"] * args.rows / memory["rows"]
        report = {
            "rows": args.rows, "features": FEATURES, "batch_size": args.batch_size, "file_mb": round(file_mb, 1),
            "build_seconds": round(build_seconds, 1),
            "memory_epoch_seconds": round(memory_full_seconds, 2),
            "memory_cpu_seconds": round(memory_cpu_seconds, 2),
            "memory_rows": memory["rows"], "memory_scaled": memory["rows"] != args.rows,
            "memory_peak_rss_mb": round(memory["peak_rss_mb"], 1),
            "runs": {mode: {"epoch_seconds": round(r["epoch_seconds"], 2),
                            "ratio_to_memory": round(r["epoch_seconds"] / memory_full_seconds, 3),
                            "cpu_seconds": round(r["cpu_seconds"], 2),
                            "cpu_ratio_to_memory": round(r["cpu_seconds"] / memory_cpu_seconds, 3),
                            "peak_rss_mb": round(r["peak_rss_mb"], 1),
                            "baseline_rss_mb": round(r["baseline_rss_mb"], 1),
                            "accuracy": round(r["accuracy"], 4)} for mode, r in results.items()},
            "accuracy_memory": round(memory["accuracy"], 4),
            "targets": {"hdf5_peak_rss_mb": 500, "ratio_hdf5_over_memory": 1.3},
            "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
            "load_average_1min": os.getloadavg()[0], "cpus": os.cpu_count(),
        }
    finally:
        if not args.keep:
            if os.path.exists(path):
                os.remove(path)
            os.rmdir(directory)
    if args.json:
        print(json.dumps(report))
        return
    print(f"{args.rows:,} x {FEATURES} float32 in HDF5 ({file_mb:,.0f} MB, built in {build_seconds:.0f} s), "
          f"batch {args.batch_size}, one epoch of a 784-128-10 MLP")
    names = {"auto": "hdf5", "on": "hdf5 read-ahead", "off": "hdf5 no read-ahead"}
    for mode, run in report["runs"].items():
        name = names[mode.split("-")[1]] + (" (cold)" if mode.endswith("-cold") else "")
        print(f"  {name:28s} {run['epoch_seconds']:8.2f} s  x{run['ratio_to_memory']:.3f}   CPU "
              f"{run['cpu_seconds']:7.2f} s  x{run['cpu_ratio_to_memory']:.3f}   peak RSS "
              f"{run['peak_rss_mb']:7.1f} MB (after imports {run['baseline_rss_mb']:.0f} MB)")
    scaled = f" (scaled from {memory['rows']:,} rows)" if report["memory_scaled"] else ""
    print(f"  {'in memory':28s} {report['memory_epoch_seconds']:8.2f} s           CPU "
          f"{report['memory_cpu_seconds']:7.2f} s{scaled}           peak RSS {report['memory_peak_rss_mb']:7.1f} MB")
    print("  (wall time depends on what else runs; CPU time (all threads of the process) much less)")
    print("  targets: hdf5 peak RSS < 500 MB, hdf5 epoch <= 1.3 x in memory")
    print(f"  (load average {report['load_average_1min']:.1f} on {report['cpus']} CPUs at the end; "
          f"OPENBLAS_NUM_THREADS={report['openblas_num_threads']})")

if __name__ == "__main__":
    main()
