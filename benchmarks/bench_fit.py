"""Time minikeras's training loop against its rival, a hand-written loop and the BLAS floor.

    python3 benchmarks/bench_fit.py            # full run on MNIST (about 10 minutes on 2 cores)
    python3 benchmarks/bench_fit.py --quick    # small run (about 1 minute)
    python3 benchmarks/bench_fit.py --json results.json

For each configuration (model, batch size, optimizer) it prints seconds per epoch (the
median of several epochs after a warm-up) for:

  minikeras   ``model.fit(verbose=0)``
  keras-jax   Keras 3 on JAX fitting the same model, in a subprocess run by the
              interpreter in $MINIKERAS_KERAS_PYTHON (default: this one), skipped when
              keras or jax cannot be imported there
  loop        a hand-written NumPy float32 loop: same model, loss and optimizer,
              preallocated buffers, in-place ufuncs
  floor       only the matrix products one epoch needs, on preallocated arrays

and the ratios minikeras/keras-jax, minikeras/loop, minikeras/floor, from the median epochs
and (after "best epochs:") from each runner's fastest epoch. Then: the price of
the progress bar, predict and evaluate throughput, peak RSS of a 5-epoch MNIST fit, RSS over
100 epochs on a small set, memory while predicting on a 1,000,000-row float32 memmap, and
epoch time at N = 15k, 30k, 60k. This is a script, not a test: nothing here asserts a time.
"""
import argparse
import contextlib
import ctypes
import glob
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import minikeras as mk  # noqa: E402

CONFIGS = [
    # (hidden sizes, batch size, optimizer)
    ((128,), 32, "adam"), ((128,), 32, "sgd"),
    ((128,), 128, "adam"), ((128,), 128, "sgd"),
    ((1024,), 32, "adam"), ((1024,), 32, "sgd"),
    ((512, 512, 512), 128, "adam"), ((512, 512, 512), 128, "sgd"),
]
ADAM = dict(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)
SGD = dict(learning_rate=0.01, momentum=0.9)


# ---------------------------------------------------------------------------------------------
# Environment
# ---------------------------------------------------------------------------------------------

def blas_info():
    """BLAS library, version, kernel and thread count (threadpoolctl when importable)."""
    info = {"numpy": np.__version__, "python": platform.python_version(), "cpus": os.cpu_count(),
            "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
            "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE")}
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["blas"] = f"{config.get('name')} {config.get('version')}"
    except Exception:  # noqa: BLE001 - show_config's layout varies between numpy versions
        info["blas"] = "unknown"
    try:
        import threadpoolctl
        pools = [p for p in threadpoolctl.threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            info.update(threads=pools[0].get("num_threads"), kernel=pools[0].get("architecture"),
                        library=pools[0].get("filepath"))
            return info
    except ImportError:
        pass
    # Without threadpoolctl: ask the OpenBLAS that numpy ships directly.
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*"))
    for path in libs:
        lib = ctypes.CDLL(path)
        for suffix in ("64_", "", "_64"):
            for prefix in ("scipy_openblas_", "openblas_"):
                corename = getattr(lib, f"{prefix}get_corename{suffix}", None)
                threads = getattr(lib, f"{prefix}get_num_threads{suffix}", None)
                if corename is not None and threads is not None:
                    corename.restype = ctypes.c_char_p
                    info.update(threads=threads(), kernel=corename().decode(), library=path)
                    return info
    return info


def load_mnist(n):
    (x, y), (x_test, y_test) = mk.datasets.mnist.load_data()
    x = (x.reshape(len(x), -1)[:n].astype(np.float32) / np.float32(255))
    x_test = x_test.reshape(len(x_test), -1).astype(np.float32) / np.float32(255)
    return x, y[:n].astype(np.int64), x_test, y_test.astype(np.int64)


def median_epoch(times, warmup):
    measured = times[warmup:] or times
    return statistics.median(measured)


def best_epoch(times, warmup):
    measured = times[warmup:] or times
    return min(measured) if measured else None


# ---------------------------------------------------------------------------------------------
# minikeras
# ---------------------------------------------------------------------------------------------

class EpochTimer(mk.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def minikeras_model(hidden, optimizer, metrics=None):
    mk.utils.set_random_seed(0)
    layers = [mk.Input((784,))] + [mk.layers.Dense(h, activation="relu") for h in hidden]
    model = mk.Sequential(layers + [mk.layers.Dense(10, activation="softmax")])
    opt = mk.optimizers.Adam(**ADAM) if optimizer == "adam" else mk.optimizers.SGD(**SGD)
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=metrics)
    return model


class _FakeTerminal(io.StringIO):
    """Where the progress bar draws: a string buffer that says it is a terminal."""

    def isatty(self):
        return True


def fit_minikeras(x, y, hidden, batch, optimizer, epochs, warmup, progress_bar=False, metrics=None):
    """Epoch times of one ``fit`` call (the progress bar draws to a terminal-like buffer)."""
    model = minikeras_model(hidden, optimizer, metrics)
    timer = EpochTimer()
    if progress_bar:
        terminal = _FakeTerminal()
        with contextlib.redirect_stdout(terminal):
            model.fit(x, y, batch_size=batch, epochs=warmup + epochs, verbose=1, callbacks=[timer])
        assert "\r" in terminal.getvalue(), "the progress bar did not draw"
    else:
        model.fit(x, y, batch_size=batch, epochs=warmup + epochs, verbose=0, callbacks=[timer])
    return median_epoch(timer.times, warmup), timer.times


class MinikerasRunner:
    """One epoch per call of ``model.fit(epochs=1)``, so runs can be interleaved."""

    def __init__(self, x, y, hidden, batch, optimizer, metrics=None, verbose=0):
        self.model = minikeras_model(hidden, optimizer, metrics)
        self.x, self.y, self.batch, self.verbose = x, y, batch, verbose

    def epoch(self):
        timer = EpochTimer()
        if self.verbose:
            terminal = _FakeTerminal()
            with contextlib.redirect_stdout(terminal):
                self.model.fit(self.x, self.y, batch_size=self.batch, epochs=1, verbose=1, callbacks=[timer])
            assert "\r" in terminal.getvalue(), "the progress bar did not draw"
        else:
            self.model.fit(self.x, self.y, batch_size=self.batch, epochs=1, verbose=0, callbacks=[timer])
        return timer.times[0]


@contextlib.contextmanager
def time_spent_in(owner, names):
    """Seconds spent inside each of ``owner``'s methods ``names`` (a class or an instance)
    while the block runs: the methods are wrapped, then restored."""
    spent = dict.fromkeys(names, 0.0)
    originals = {name: vars(owner).get(name) for name in names}
    for name in names:
        def timed(*args, _fn=getattr(owner, name), _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _fn(*args, **kwargs)
            finally:
                spent[_name] += time.perf_counter() - start
        setattr(owner, name, timed)
    try:
        yield spent
    finally:
        for name, original in originals.items():
            if original is None:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


PROGRESS_BAR_HOOKS = ("on_epoch_begin", "on_train_batch_begin", "on_train_batch_end", "on_epoch_end", "on_train_end")


def interleaved(runners, epochs, warmup, pause=0.3):
    """Median epoch time of each runner, epochs taken in turn so that load hits all alike.

    Each round takes the runners in a new random order (a fixed seed) and each epoch starts
    after a short pause, so that no runner always follows the same one or inherits the
    threads it left spinning (OpenBLAS's worker threads spin ~0.1 s after a product).
    """
    times = {name: [] for name in runners}
    order = np.random.default_rng(3)
    for _ in range(warmup + epochs):
        for name in order.permutation(list(runners)):
            time.sleep(pause)
            times[name].append(runners[name]())
    return {name: median_epoch(t, warmup) for name, t in times.items()}, times


# ---------------------------------------------------------------------------------------------
# The hand-written loop and the floor
# ---------------------------------------------------------------------------------------------

class HandLoop:
    """One MLP (ReLU hidden layers, softmax output, sparse cross-entropy) trained with plain NumPy.

    Every buffer is allocated once; each step is matmuls plus in-place ufuncs. All weights
    live in one flat array (the layers' kernels and biases are views of it), and so do their
    gradients and moments, so the optimizer makes its per-operation passes once per step over
    all weights rather than once per weight array.
    """

    def __init__(self, hidden, batch, optimizer, seed=0):
        rng = np.random.default_rng(seed)
        sizes = (784,) + tuple(hidden) + (10,)
        self.sizes, self.batch, self.optimizer = sizes, batch, optimizer
        shapes = [shape for fan_in, fan_out in zip(sizes[:-1], sizes[1:]) for shape in ((fan_in, fan_out), (fan_out,))]
        total = sum(int(np.prod(shape)) for shape in shapes)
        self.flat_params, self.flat_grads = np.zeros(total, np.float32), np.zeros(total, np.float32)
        self.flat_m, self.flat_v = np.zeros(total, np.float32), np.zeros(total, np.float32)
        self.flat_tmp = np.empty(total, np.float32)

        def views(flat):
            out, start = [], 0
            for shape in shapes:
                size = int(np.prod(shape))
                out.append(flat[start:start + size].reshape(shape))
                start += size
            return out

        self.params, self.grads = views(self.flat_params), views(self.flat_grads)
        self.W, self.b = self.params[0::2], self.params[1::2]
        for fan_in, fan_out, w in zip(sizes[:-1], sizes[1:], self.W):
            limit = np.sqrt(6 / (fan_in + fan_out))
            w[...] = rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)
        self.t = 0
        self.x = np.empty((batch, 784), np.float32)
        self.acts = [np.empty((batch, s), np.float32) for s in sizes[1:]]
        self.deltas = [np.empty((batch, s), np.float32) for s in sizes[1:]]
        self.masks = [np.empty((batch, s), bool) for s in sizes[1:-1]]
        self.rowmax = np.empty((batch, 1), np.float32)
        self.rows = np.arange(batch)

    def step(self, X, Y, idx):
        x, labels = self.gather(X, Y, idx)
        p = self.forward(x)
        loss, g = self.loss_and_delta(p, labels)
        self.backward(x, g)
        self.update()
        return loss

    def gather(self, X, Y, idx):
        x = self.x[:len(idx)]
        np.take(X, idx, axis=0, out=x, mode="clip")  # the default mode='raise' copies through a buffer
        return x, Y[idx]

    def forward(self, x):
        n, a_prev, L = len(x), x, len(self.W)
        for i in range(L):
            z = self.acts[i][:n]
            np.matmul(a_prev, self.W[i], out=z)
            z += self.b[i]
            if i < L - 1:
                np.maximum(z, 0, out=z)
            a_prev = z
        p, rowmax = a_prev, self.rowmax[:n]
        np.max(p, axis=1, keepdims=True, out=rowmax)
        p -= rowmax
        np.exp(p, out=p)
        np.sum(p, axis=1, keepdims=True, out=rowmax)
        p /= rowmax
        return p

    def loss_and_delta(self, p, labels):
        n = len(p)
        rows = self.rows[:n]
        picked = p[rows, labels]
        loss = -np.log(np.maximum(picked, np.float32(1e-7))).sum(dtype=np.float64)
        g = self.deltas[-1][:n]
        np.multiply(p, np.float32(1 / n), out=g)
        g[rows, labels] -= np.float32(1 / n)
        return loss, g

    def backward(self, x, g):
        n = len(x)
        for i in range(len(self.W) - 1, -1, -1):
            a_in = x if i == 0 else self.acts[i - 1][:n]
            np.matmul(a_in.T, g, out=self.grads[2 * i])
            np.sum(g, axis=0, out=self.grads[2 * i + 1])
            if i > 0:
                g_prev = self.deltas[i - 1][:n]
                np.matmul(g, self.W[i].T, out=g_prev)
                mask = self.masks[i - 1][:n]
                np.greater(a_in, 0, out=mask)
                np.multiply(g_prev, mask, out=g_prev)
                g = g_prev

    def update(self):
        self.t += 1
        if self.optimizer == "adam":
            b1, b2 = ADAM["beta_1"], ADAM["beta_2"]
            alpha = np.float32(ADAM["learning_rate"] * np.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t))
            c1, c2, eps = np.float32(1 - b1), np.float32(1 - b2), np.float32(ADAM["epsilon"])
            w, g, m, v, t = self.flat_params, self.flat_grads, self.flat_m, self.flat_v, self.flat_tmp
            np.subtract(g, m, out=t)
            t *= c1
            m += t
            np.multiply(g, g, out=t)
            t -= v
            t *= c2
            v += t
            np.sqrt(v, out=t)
            t += eps
            np.divide(m, t, out=t)
            t *= alpha
            w -= t
        else:
            lr, mom = np.float32(SGD["learning_rate"]), np.float32(SGD["momentum"])
            w, g, m = self.flat_params, self.flat_grads, self.flat_m
            m *= mom
            np.multiply(g, lr, out=g)
            m -= g
            w += m

    def epoch(self, X, Y, rng):
        order = rng.permutation(len(X))
        total = 0.0
        for start in range(0, len(X), self.batch):
            total += self.step(X, Y, order[start:start + self.batch])
        return total / len(X)


def loop_runner(x, y, hidden, batch, optimizer):
    loop, rng = HandLoop(hidden, batch, optimizer), np.random.default_rng(1)

    def epoch():
        start = time.perf_counter()
        loop.epoch(x, y, rng)
        return time.perf_counter() - start
    return epoch


def floor_runner(n, hidden, batch):
    """Only the matmuls of one epoch: forward, weight gradients, and input gradients past layer 1.

    Operands hold values of the size training sees (no zeros, no denormals)."""
    sizes = (784,) + tuple(hidden) + (10,)
    rng = np.random.default_rng(2)

    def arrays(rows):
        acts = [rng.random((rows, s), dtype=np.float32) for s in sizes]
        deltas = [rng.standard_normal((rows, s), dtype=np.float32) * np.float32(1e-3) for s in sizes]
        return acts, deltas

    W = [rng.standard_normal((a, b), dtype=np.float32) * np.float32(0.05) for a, b in zip(sizes[:-1], sizes[1:])]
    dW = [np.empty_like(w) for w in W]
    shapes = [batch] * (n // batch) + ([n % batch] if n % batch else [])
    buffers = {rows: arrays(rows) for rows in set(shapes)}

    def epoch():
        start = time.perf_counter()
        for rows in shapes:
            acts, deltas = buffers[rows]
            for i, w in enumerate(W):
                np.matmul(acts[i], w, out=acts[i + 1])
            for i in range(len(W) - 1, -1, -1):
                np.matmul(acts[i].T, deltas[i + 1], out=dW[i])
                if i > 0:
                    np.matmul(deltas[i + 1], W[i].T, out=deltas[i])
        return time.perf_counter() - start
    return epoch


# ---------------------------------------------------------------------------------------------
# Keras 3 on JAX (subprocess)
# ---------------------------------------------------------------------------------------------

KERAS_CHILD = r"""
import json, os, sys, time
os.environ["KERAS_BACKEND"] = "jax"
import numpy as np
import keras
import jax
args = json.loads(sys.argv[1])
data = np.load(args["data"])
x, y = data["x"], data["y"]
keras.utils.set_random_seed(0)
layers = [keras.Input((784,))] + [keras.layers.Dense(h, activation="relu") for h in args["hidden"]]
model = keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])
opt = (keras.optimizers.Adam(**args["adam"]) if args["optimizer"] == "adam"
       else keras.optimizers.SGD(**args["sgd"]))
model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
class Timer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()
    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start
timer = Timer()
print(json.dumps({"keras": keras.__version__, "jax": jax.__version__}), flush=True)
for command in sys.stdin:
    if command.strip() != "epoch":
        break
    model.fit(x, y, batch_size=args["batch"], epochs=1, verbose=0, callbacks=[timer])
    print(json.dumps({"seconds": timer.seconds}), flush=True)
"""


class KerasJaxRunner:
    """Keras 3 on JAX in a child process that trains one epoch each time it is asked.

    Its epochs are timed inside ``fit`` (epoch begin to epoch end), as minikeras's are, and
    taken in turn with the other runners' epochs, so load from other work hits both alike.
    """

    def __init__(self, data_path, hidden, batch, optimizer):
        args = {"data": data_path, "hidden": list(hidden), "batch": batch, "optimizer": optimizer,
                "adam": ADAM, "sgd": SGD}
        self.child = subprocess.Popen([keras_python(), "-c", KERAS_CHILD, json.dumps(args)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True, env={**os.environ, "KERAS_BACKEND": "jax"})
        self.versions = self._read()

    def _read(self):
        line = self.child.stdout.readline()
        if not line:
            raise RuntimeError(f"keras-jax failed: {self.child.stderr.read().strip().splitlines()[-1:]}")
        return json.loads(line)

    def epoch(self):
        self.child.stdin.write("epoch\n")
        self.child.stdin.flush()
        return self._read()["seconds"]

    def close(self):
        try:
            self.child.stdin.close()
        finally:
            self.child.wait(timeout=60)


def keras_python():
    return os.environ.get("MINIKERAS_KERAS_PYTHON", sys.executable)


def keras_available():
    try:
        result = subprocess.run([keras_python(), "-c", "import keras, jax"], capture_output=True,
                                env={**os.environ, "KERAS_BACKEND": "jax"}, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


# ---------------------------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------------------------

RSS_CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])

def status(key):
    # VmHWM is this process's own peak. resource.getrusage's ru_maxrss is not: Linux carries
    # the parent's peak across fork and exec, so a child of a big process reports the parent's.
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024

import numpy as np
import minikeras as mk
after_imports = status("VmRSS")
(x, y), _ = mk.datasets.mnist.load_data()
x = x.reshape(len(x), -1).astype(np.float32)
x /= np.float32(255)
data_mb = x.nbytes / 2**20
before_fit = status("VmRSS")
peak_loading = status("VmHWM")
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM: from here on it is the peak of the fit alone
except OSError:
    pass
mk.utils.set_random_seed(0)
model = mk.Sequential([mk.Input((784,)), mk.layers.Dense(128, activation="relu"),
                       mk.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=int(sys.argv[2]), epochs=5, verbose=0)
print(json.dumps({"peak_rss_mb": max(peak_loading, status("VmHWM")), "peak_rss_during_fit_mb": status("VmHWM"),
                  "peak_rss_while_loading_mb": peak_loading, "rss_after_imports_mb": after_imports,
                  "rss_before_fit_mb": before_fit, "rss_after_fit_mb": status("VmRSS"),
                  "train_set_float32_mb": data_mb}))
"""

FLAT_CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import minikeras as mk

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

class Rss(mk.callbacks.Callback):
    values = []
    def on_epoch_end(self, epoch, logs=None):
        self.values.append(rss_mb())

rng = np.random.default_rng(0)
x = rng.random((2000, 784), dtype=np.float32)
y = rng.integers(0, 10, 2000)
model = mk.Sequential([mk.Input((784,)), mk.layers.Dense(128, activation="relu"),
                       mk.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, batch_size=32, epochs=int(sys.argv[2]), verbose=0, callbacks=[Rss()])
print(json.dumps(Rss.values))
"""

MEMMAP_CHILD = r"""
import json, resource, sys, threading, time
sys.path.insert(0, sys.argv[1])
import numpy as np
import minikeras as mk

def anon_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024

path, rows, batch = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
x = np.memmap(path, dtype=np.float32, mode="r", shape=(rows, 784))
mk.utils.set_random_seed(0)
model = mk.Sequential([mk.Input((784,)), mk.layers.Dense(128, activation="relu"),
                       mk.layers.Dense(10, activation="softmax")])
model.predict(x[:batch], batch_size=batch, verbose=0)
base = anon_mb()
peak = [base]
done = threading.Event()

def sample():
    while not done.is_set():
        peak[0] = max(peak[0], anon_mb())
        time.sleep(0.01)

sampler = threading.Thread(target=sample)
sampler.start()
start = time.perf_counter()
out = model.predict(x, batch_size=batch, verbose=0)
seconds = time.perf_counter() - start
done.set()
sampler.join()
peak[0] = max(peak[0], anon_mb())
print(json.dumps({"rows": rows, "batch": batch, "seconds": seconds, "input_mb": x.nbytes / 2**20,
                  "output_mb": out.nbytes / 2**20, "anon_growth_mb": peak[0] - base,
                  "anon_growth_beyond_output_mb": peak[0] - base - out.nbytes / 2**20}))
"""


def run_child(code, *args):
    result = subprocess.run([sys.executable, "-c", code, os.path.dirname(HERE), *map(str, args)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------

def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt(value, digits=3):
    return "   -  " if value is None else f"{value:.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, few epochs (about a minute)")
    parser.add_argument("--json", metavar="PATH", help="write all results to this JSON file")
    parser.add_argument("--no-keras", action="store_true", help="skip Keras 3 on JAX")
    parser.add_argument("--only", type=int, nargs="*", help="run only these configuration indices")
    parser.add_argument("--skip-extras", action="store_true", help="configurations only")
    args = parser.parse_args()

    n = 10_000 if args.quick else 60_000
    warmup, epochs = (1, 2) if args.quick else (1, 5)
    x, y, x_test, y_test = load_mnist(n)
    env = blas_info()
    results = {"env": env, "n": n, "warmup": warmup, "epochs": epochs, "configs": [], "extras": {}}
    print(f"numpy {env['numpy']}, BLAS {env.get('blas')}, kernel {env.get('kernel')}, "
          f"threads {env.get('threads')}, cpus {env['cpus']}, OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']}, "
          f"OPENBLAS_L2_SIZE={env['OPENBLAS_L2_SIZE']}")
    load = os.getloadavg()[0]
    results["load_average_at_start"] = load
    print(f"load average {load:.1f} on {env['cpus']} cpus"
          + ("  ** the machine is busy: wall times below are inflated and noisy **" if load > 0.5 * env["cpus"] else ""))
    print(f"MNIST N={n}, seconds per epoch = median of {epochs} epochs after {warmup} warm-up\n")

    use_keras = not args.no_keras and keras_available()
    if not use_keras:
        print("keras-jax: not run (keras and jax not importable by", keras_python(), ")\n")
    tmpdir = tempfile.mkdtemp(prefix="minikeras-bench-")
    data_path = os.path.join(tmpdir, "data.npz")
    np.savez(data_path, x=x, y=y)

    header = (f"{'model':<20}{'batch':>6} {'opt':<5}{'minikeras':>10}{'keras-jax':>10}{'loop':>8}"
              f"{'floor':>8}{'mk/kj':>8}{'mk/loop':>8}{'mk/floor':>9}")
    print(header)
    for index, (hidden, batch, optimizer) in enumerate(CONFIGS):
        if args.only is not None and index not in args.only:
            continue
        name = "-".join(map(str, (784,) + hidden + (10,)))
        runners = {"minikeras": MinikerasRunner(x, y, hidden, batch, optimizer).epoch,
                   "loop": loop_runner(x, y, hidden, batch, optimizer),
                   "floor": floor_runner(n, hidden, batch)}
        keras_jax = KerasJaxRunner(data_path, hidden, batch, optimizer) if use_keras else None
        if keras_jax is not None:
            runners["keras_jax"] = keras_jax.epoch
            results["env"].update(keras_jax.versions)
        try:
            medians, times = interleaved(runners, epochs, warmup)
        finally:
            if keras_jax is not None:
                keras_jax.close()
        mk_s, loop_s, floor_s = medians["minikeras"], medians["loop"], medians["floor"]
        mk_times, loop_times, floor_times = times["minikeras"], times["loop"], times["floor"]
        kj_s, kj_times = medians.get("keras_jax"), times.get("keras_jax", [])
        row = {"model": name, "batch": batch, "optimizer": optimizer, "minikeras": mk_s,
               "keras_jax": kj_s, "loop": loop_s, "floor": floor_s,
               "mk_over_keras_jax": ratio(mk_s, kj_s), "mk_over_loop": ratio(mk_s, loop_s),
               "mk_over_floor": ratio(mk_s, floor_s),
               "epoch_times": {"minikeras": mk_times, "keras_jax": kj_times, "loop": loop_times,
                               "floor": floor_times}}
        # The best (least disturbed) epochs: steadier than medians on a machine shared with other work.
        best = {key: best_epoch(t, warmup) for key, t in times.items()}
        row["best_epoch_ratios"] = {"mk_over_keras_jax": ratio(best["minikeras"], best.get("keras_jax")),
                                    "mk_over_loop": ratio(best["minikeras"], best["loop"]),
                                    "mk_over_floor": ratio(best["minikeras"], best["floor"])}
        results["configs"].append(row)
        bests = row["best_epoch_ratios"]
        print(f"{name:<20}{batch:>6} {optimizer:<5}{fmt(mk_s):>10}{fmt(kj_s):>10}{fmt(loop_s):>8}"
              f"{fmt(floor_s):>8}{fmt(row['mk_over_keras_jax'], 2):>8}{fmt(row['mk_over_loop'], 2):>8}"
              f"{fmt(row['mk_over_floor'], 2):>9}   best epochs: {fmt(bests['mk_over_keras_jax'], 2).strip()} / "
              f"{fmt(bests['mk_over_loop'], 2).strip()} / {fmt(bests['mk_over_floor'], 2).strip()}", flush=True)

    if not args.skip_extras:
        extras(results["extras"], x, y, x_test, y_test, warmup, epochs, quick=args.quick, tmpdir=tmpdir)
    results["load_average_at_end"] = os.getloadavg()[0]
    print(f"\nload average at the end {results['load_average_at_end']:.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
        print(f"\nwrote {args.json}")


PHASES = ("gather", "forward", "loss_and_delta", "backward", "update")


def loop_phases(x, y, hidden, batch, optimizer, epochs):
    """Microseconds per step in each phase of the hand-written loop (median over epochs).

    Beside the floor's products per step, this shows what no NumPy step can shed: copying the
    batch's rows out of the data set, and the optimizer's passes over all weights.
    """
    loop, rng = HandLoop(hidden, batch, optimizer), np.random.default_rng(1)
    steps = -(-len(x) // batch)
    per_epoch = []
    with time_spent_in(loop, PHASES) as spent:
        for epoch in range(epochs + 1):
            before = dict(spent)
            loop.epoch(x, y, rng)
            if epoch:  # the first epoch warms up
                per_epoch.append({name: (spent[name] - before[name]) / steps * 1e6 for name in PHASES})
    return {name: statistics.median(e[name] for e in per_epoch) for name in PHASES}


def extras(out, x, y, x_test, y_test, warmup, epochs, quick, tmpdir):
    print("\nprogress bar (verbose=1 drawing to a terminal-like buffer) vs verbose=0, 784-128-10 adam")
    out["progress_bar"] = []
    for batch in (32, 128):
        runners = {"plain": MinikerasRunner(x, y, (128,), batch, "adam").epoch,
                   "bar": MinikerasRunner(x, y, (128,), batch, "adam", verbose=1).epoch}
        medians, _ = interleaved(runners, epochs + 2, warmup)
        plain, bar = medians["plain"], medians["bar"]
        bar_runner = MinikerasRunner(x, y, (128,), batch, "adam", verbose=1)
        cls = mk.callbacks.ProgbarLogger
        with time_spent_in(cls, [name for name in PROGRESS_BAR_HOOKS if name in vars(cls)]) as spent:
            seconds = bar_runner.epoch()
        inside = sum(spent.values()) / seconds
        out["progress_bar"].append({"batch": batch, "verbose0": plain, "verbose1": bar,
                                    "cost_from_epoch_times": bar / plain - 1, "time_inside_bar_hooks": inside})
        print(f"  batch {batch:>4}: verbose=0 {plain:.3f} s, verbose=1 {bar:.3f} s ({100 * (bar / plain - 1):+.1f}%, "
              f"noisy); time inside the bar's hooks: {100 * inside:.2f}% of an epoch")

    print("\nwhere the hand-written loop's step goes at batch 128 (us per step; 'products' is the floor)")
    out["loop_phases"] = []
    for hidden, optimizer in (((128,), "sgd"), ((128,), "adam"), ((512, 512, 512), "sgd"), ((512, 512, 512), "adam")):
        phases = loop_phases(x, y, hidden, 128, optimizer, min(epochs, 3))
        floor = floor_runner(len(x), hidden, 128)
        products = statistics.median(floor() for _ in range(3)) / -(-len(x) // 128) * 1e6
        total = sum(phases.values())
        name = "-".join(map(str, (784,) + hidden + (10,)))
        out["loop_phases"].append({"model": name, "optimizer": optimizer, "products": products, **phases})
        print(f"  {name:<19}{optimizer:<5} step {total:6.0f} = " + ", ".join(
            f"{key} {value:.0f}" for key, value in phases.items()) +
            f"; products alone {products:.0f} (step/products {total / products:.2f})")

    with_acc, _ = fit_minikeras(x, y, (128,), 32, "adam", epochs, warmup, metrics=["accuracy"])
    out["accuracy_metric_epoch"] = with_acc
    print(f"  784-128-10 adam batch 32 with metrics=['accuracy']: {with_acc:.3f} s/epoch")

    print("\npredict / evaluate throughput, 784-128-10 (rows per second)")
    model = minikeras_model((128,), "adam", metrics=["accuracy"])
    model.fit(x[:1000], y[:1000], epochs=1, verbose=0)
    out["throughput"] = []
    data = np.concatenate([x_test] * 6)  # 60,000 rows
    labels = np.concatenate([y_test] * 6)
    for batch in (32, 1024):
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            model.predict(data, batch_size=batch, verbose=0)
            runs.append(time.perf_counter() - start)
        predict = len(data) / min(runs)
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            model.evaluate(data, labels, batch_size=batch, verbose=0)
            runs.append(time.perf_counter() - start)
        evaluate = len(data) / min(runs)
        out["throughput"].append({"batch": batch, "predict_rows_per_s": predict, "evaluate_rows_per_s": evaluate})
        print(f"  batch {batch:>5}: predict {predict:>10,.0f}   evaluate {evaluate:>10,.0f}")

    print("\nmemory")
    for batch in (32, 128):
        rss = run_child(RSS_CHILD, batch)
        target = 1.3 * rss["train_set_float32_mb"] + 50
        rss.update(batch=batch, target_mb=target)
        out.setdefault("peak_rss", []).append(rss)
        print(f"  peak RSS, 5-epoch MNIST fit (batch {batch}): {rss['peak_rss_mb']:.0f} MB, target <= "
              f"{target:.0f} MB; during fit {rss['peak_rss_during_fit_mb']:.0f} MB (after imports {rss['rss_after_imports_mb']:.0f} MB, before fit "
              f"{rss['rss_before_fit_mb']:.0f} MB, after fit {rss['rss_after_fit_mb']:.0f} MB; float32 "
              f"training set {rss['train_set_float32_mb']:.0f} MB)")
    flat_epochs = 30 if quick else 100
    flat = run_child(FLAT_CHILD, flat_epochs)
    out["rss_per_epoch_mb"] = flat
    print(f"  RSS over {flat_epochs} epochs on 2,000 rows: epoch 1 {flat[0]:.1f} MB, epoch 10 "
          f"{flat[min(9, len(flat) - 1)]:.1f} MB, last {flat[-1]:.1f} MB")
    rows = 200_000 if quick else 1_000_000
    path = os.path.join(tmpdir, "big.f32")
    big = np.memmap(path, dtype=np.float32, mode="w+", shape=(rows, 784))
    big[::997] = 0.5  # mostly a sparse file: cheap to create, still read page by page
    big.flush()
    del big
    mm = run_child(MEMMAP_CHILD, path, rows, 1024)
    os.remove(path)
    out["memmap_predict"] = mm
    print(f"  predict on a {rows:,}-row float32 memmap ({mm['input_mb']:.0f} MB): anonymous memory grew "
          f"{mm['anon_growth_mb']:.1f} MB, of which the output is {mm['output_mb']:.1f} MB "
          f"({mm['seconds']:.1f} s)")

    print("\nlinearity, 784-128-10 adam batch 32")
    out["linearity"] = []
    full_x, full_y = x, y
    if quick:
        sizes = (2500, 5000, 10000)
    else:
        sizes = (15_000, 30_000, 60_000)
    for size in sizes:
        seconds, _ = fit_minikeras(full_x[:size], full_y[:size], (128,), 32, "adam", epochs, warmup)
        out["linearity"].append({"n": size, "seconds": seconds, "us_per_sample": 1e6 * seconds / size})
        print(f"  N={size:>6}: {seconds:.3f} s/epoch, {1e6 * seconds / size:.2f} us/sample")


if __name__ == "__main__":
    main()
