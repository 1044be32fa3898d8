"""Scenarios run twice by test_data_parallel.py: once in the test's own process (a world of one,
the reference) and once under ``mpirun -np 2``; each rank saves what it computed.

    python mpi_worker.py OUT_DIR SCENARIO [SCENARIO ...]

writes ``OUT_DIR/rank<r>.pkl`` (a dict: scenario -> results). Scenarios ``raise``, ``kill``
and ``mismatch`` make a rank fail on purpose.
"""
import os
import pickle
import signal
import sys

import h5py
import numpy as np

import minikeras as keras


def data(n=203, features=12, classes=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    y = (np.abs(x[:, :classes]).argmax(axis=1) + (x[:, -1] > 1)).astype(np.int64) % classes
    weights = rng.uniform(0.2, 2.0, n).astype(np.float32)
    return x, y, weights


def mlp(dropout=0.0, batch_norm=False, synchronized=False, features=12):
    layers = [keras.Input(shape=(features,)), keras.layers.Dense(16, activation="relu")]
    if batch_norm:
        layers.append(keras.layers.BatchNormalization(synchronized=synchronized))
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers += [keras.layers.Dense(8, activation="tanh"), keras.layers.Dense(4, activation="softmax")]
    return keras.Sequential(layers)


class RecordingSGD(keras.optimizers.SGD):
    """SGD that keeps the (reduced) gradient of its last update."""

    def update_step(self, grad, value, slots, lr):
        self.seen = np.array(grad, copy=True)
        super().update_step(grad, value, slots, lr)


def gradients():
    """One train_on_batch of 11 rows with sample weights: the gradient the optimizer applies."""
    keras.utils.set_random_seed(1)
    x, y, w = data(11)
    out = {}
    for reduction in ("sum_over_batch_size", "mean_with_sample_weight", "sum"):
        model = mlp()
        model.compile(optimizer=RecordingSGD(0.1),
                      loss=keras.losses.SparseCategoricalCrossentropy(reduction=reduction), metrics=["accuracy"])
        logs = model.train_on_batch(x, y, sample_weight=w, return_dict=True)
        out[reduction] = {"grad": model.optimizer.seen, "logs": logs}
    return out


def cnn_gradients(tmp=None):
    """One train_on_batch of 11 weighted 9x9 images through a small convnet: the applied gradient."""
    keras.utils.set_random_seed(4)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((11, 9, 9, 2)).astype(np.float32)
    y = rng.integers(0, 3, 11)
    w = rng.uniform(0.2, 2.0, 11).astype(np.float32)
    model = keras.Sequential([keras.Input((9, 9, 2)), keras.layers.Conv2D(4, 3, activation="relu"),
                              keras.layers.MaxPooling2D(2), keras.layers.Conv2D(5, 2, padding="same"),
                              keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=RecordingSGD(0.1), loss="sparse_categorical_crossentropy")
    logs = model.train_on_batch(x, y, sample_weight=w, return_dict=True)
    return {"grad": model.optimizer.seen, "logs": logs}


def fit(tmp, optimizer, **extra):
    keras.utils.set_random_seed(2)
    x, y, w = data()
    model = mlp(dropout=0.25)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  weighted_metrics=["accuracy"])
    callbacks = [keras.callbacks.CSVLogger(os.path.join(tmp, "log.csv")),
                 keras.callbacks.ModelCheckpoint(os.path.join(tmp, "best.keras"), save_best_only=True)]
    history = model.fit(x, y, sample_weight=w, batch_size=32, epochs=3, validation_split=0.2, verbose=0,
                        callbacks=callbacks, **extra)
    # 203 rows: 162 train in batches of 32 (the last of 2 rows), 41 validation
    model.save_weights(os.path.join(tmp, "final.weights.h5"))
    return {"weights": model.get_weights(), "history": history.history,
            "evaluate": model.evaluate(x, y, batch_size=25, verbose=0, return_dict=True),
            "predict": model.predict(x[:57], batch_size=16, verbose=0)}


def fit_adam(tmp):
    return fit(tmp, keras.optimizers.Adam(0.01))


def fit_sgd(tmp):
    return fit(tmp, keras.optimizers.SGD(0.05, momentum=0.9))


def early_stopping(tmp):
    keras.utils.set_random_seed(3)
    x, y, _ = data()
    model = mlp()
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
    # improvements below 0.5 do not count: it stops after epoch 2 (patience 1)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0.5, patience=1)
    # verbose=1: rank 0 shows the progress bar (and so wants every batch's logs), rank 1 nothing
    history = model.fit(x, y, epochs=20, batch_size=16, validation_split=0.25, verbose=1, callbacks=[stop])
    return {"epochs": len(history.history["loss"]), "stopped_epoch": stop.stopped_epoch,
            "weights": model.get_weights()}


def on_disk(tmp):
    """h5py and memmap data (each rank reads its own rows); synchronized BatchNormalization on the
    memmap, per-rank BatchNormalization statistics on arrays (only the ranks are compared)."""
    x, y, _ = data(150)
    path = os.path.join(tmp, f"data{keras.distribution.process_id()}.h5")
    with h5py.File(path, "w") as f:
        f["x"], f["y"] = x, y
    memmap_path = os.path.join(tmp, f"x{keras.distribution.process_id()}.npy")
    np.save(memmap_path, x)
    out = {}
    with h5py.File(path, "r") as f:
        for name, inputs, labels, bn in (("h5", f["x"], f["y"], None), ("memmap_sync_bn", np.load(memmap_path, mmap_mode="r"), y, True),
                                         ("rank_bn", x, y, False)):
            keras.utils.set_random_seed(4)
            model = mlp(batch_norm=bn is not None, synchronized=bool(bn))
            model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
            history = model.fit(inputs, labels, batch_size=20, epochs=2, shuffle="batch" if name == "h5" else True,
                                verbose=0)
            out[name] = {"weights": model.get_weights(), "history": history.history}
    return out


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, size):
        super().__init__(workers=0)
        self.x, self.y, self.size = x, y, size

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, index):
        rows = slice(index * self.size, (index + 1) * self.size)
        return self.x[rows], self.y[rows]


def pydataset(tmp):
    """A PyDataset: each step takes one batch per rank. One process reads batches twice as
    large, so both train on the same rows per step."""
    keras.utils.set_random_seed(5)
    x, y, _ = data(150)
    size = 10 if keras.distribution.num_processes() == 2 else 20
    model = mlp()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    history = model.fit(Batches(x, y, size), epochs=2, verbose=0, shuffle=False)  # (a shuffle of 15 batches is not one of 8)
    return {"weights": model.get_weights(), "history": history.history,
            "predict": model.predict(Batches(x[:45], y[:45], 10), verbose=0)}


class CustomStep(keras.Model):
    """A subclassed model whose train_step uses keras.GradientTape and optimizer.apply itself."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(4, activation="softmax")
        self.tracker = keras.metrics.Mean(name="loss")

    def call(self, x):
        return self.out(self.hidden(x))

    @property
    def metrics(self):
        return [self.tracker]

    def train_step(self, data):
        x, y = data
        with keras.GradientTape() as tape:
            loss = keras.ops.mean(keras.losses.sparse_categorical_crossentropy(y, self(x, training=True)))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply(grads, self.trainable_weights)
        self.tracker.update_state(loss, sample_weight=len(x))
        return {"loss": self.tracker.result()}


def custom_step(tmp):
    keras.utils.set_random_seed(6)
    x, y, _ = data(96)
    model = CustomStep()
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.5))
    history = model.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False)
    return {"weights": model.get_weights(), "history": history.history}


class Interrupt(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 1:
            raise RuntimeError("interrupted on every rank")


def backup(tmp):
    """BackupAndRestore resumes an interrupted fit. Rank 1 is given a folder of its own, which it
    never finds (as on another host): rank 0's restored weights, optimizer state and epoch reach
    it through the broadcast at the start of fit."""
    keras.utils.set_random_seed(7)
    x, y, _ = data(96)
    model = mlp()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    folder = os.path.join(tmp, f"backup{keras.distribution.process_id()}")
    try:
        model.fit(x, y, batch_size=16, epochs=3, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(folder), Interrupt()])
    except RuntimeError:
        pass
    saved = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    model = mlp()  # a new model: its weights come from the backup
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(folder)])
    return {"saved": saved, "epochs_run": len(history.history["loss"]), "weights": model.get_weights(),
            "history": history.history}


class Raise(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if keras.distribution.process_id() == 1:
            raise RuntimeError("rank 1 fails on purpose")


class Started(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        print(f"rank {keras.distribution.process_id()} training", flush=True)


class Kill(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if keras.distribution.process_id() == 1 and batch == 2:
            os.kill(os.getpid(), signal.SIGKILL)


def failing(callback, epochs=1000):
    x, y, _ = data()
    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=epochs, verbose=0, callbacks=[callback])


def mismatch(tmp):
    x, y, _ = data(100 + keras.distribution.process_id())
    model = mlp()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    try:
        model.fit(x, y, epochs=1, verbose=0)
    except ValueError as error:
        return {"error": str(error)}
    return {"error": None}


SCENARIOS = {"gradients": lambda tmp: gradients(), "cnn_gradients": cnn_gradients, "fit_adam": fit_adam, "fit_sgd": fit_sgd,
             "early_stopping": early_stopping, "on_disk": on_disk, "pydataset": pydataset, "mismatch": mismatch,
             "custom_step": custom_step, "backup": backup,
             "raise": lambda tmp: failing(Raise()), "kill": lambda tmp: failing(Kill()),
             "forever": lambda tmp: failing(Started())}


def openblas_threads():
    """The thread count of the OpenBLAS NumPy loaded (None without OpenBLAS)."""
    from minikeras.blas import openblas
    for library in openblas.libraries():
        for name in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_", "openblas_get_num_threads",
                     "scipy_openblas_get_num_threads"):
            get = getattr(library, name, None)
            if get is not None:
                return get()
    return None


def run(out_dir, names):
    keras.distribution.initialize()
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    try:
        results = {}
        for name in names:
            tmp = os.path.join(out_dir, name)
            os.makedirs(tmp, exist_ok=True)
            results[name] = SCENARIOS[name](tmp)
        results["blas_threads"] = os.environ.get("OMP_NUM_THREADS")
        results["openblas_threads"] = openblas_threads()
        from minikeras.optimizers import optimizer
        results["update_threads"] = optimizer.UPDATE_THREADS
        results["mpi4py_imported"] = "mpi4py" in sys.modules
        return results
    finally:
        keras.distribution.set_distribution(None)


if __name__ == "__main__":
    out_dir, names = sys.argv[1], sys.argv[2:]
    results = run(out_dir, names)
    with open(os.path.join(out_dir, f"rank{keras.distribution.process_id()}.pkl"), "wb") as f:
        pickle.dump(results, f)
