"""The read-ahead thread: bounded, ordered, errors reach the caller, no thread outlives its use."""
import threading
import time

import numpy as np
import pytest

import minikeras as mk
from data_helpers import mlp, mnist_slice, reader_threads
from minikeras.models import prefetch
from minikeras.models.prefetch import Adaptive, Prefetcher, read_ahead


def test_reads_in_order_and_at_most_depth_ahead():
    loaded = []

    def load(task):
        loaded.append(task)
        return task * 10

    reader = Prefetcher(range(100), load, workers=1, depth=2)
    got = []
    for value in reader:
        got.append(value)
        time.sleep(0.002)  # let the reader run ahead as far as it may
        assert len(loaded) <= len(got) + 2
        if len(got) == 10:
            break
    unused = reader.close()
    assert got == [t * 10 for t in range(10)]
    # What was read ahead but not handed out comes back, in order, for the next epoch.
    assert unused == loaded[10:] and len(unused) <= 2
    assert not reader_threads()


def test_several_workers_keep_task_order():
    def load(task):
        time.sleep(0.001 * (task % 4))
        return task

    with Prefetcher(iter(range(40)), load, workers=4, depth=8) as reader:
        assert list(reader) == list(range(40))
    assert not reader_threads()


def test_an_error_in_the_reader_is_raised_in_the_caller_with_its_traceback():
    def load(task):
        if task == 3:
            raise KeyError("row 3 is missing")
        return task

    reader = Prefetcher(range(10), load)
    got = []
    with pytest.raises(KeyError, match="row 3 is missing") as info:
        for value in reader:
            got.append(value)
    assert got == [0, 1, 2]
    assert any(entry.name == "load" for entry in info.traceback)
    assert not reader_threads()


def test_synchronous_reader_for_zero_workers():
    reader = read_ahead(range(3), lambda t: t + 1, workers=0)
    assert list(reader) == [1, 2, 3] and reader.close() == []
    assert not reader_threads()


def test_auto_reads_ahead_only_when_reading_is_slow():
    def consume(reader, work_seconds):
        out = []
        for value in reader:
            time.sleep(work_seconds)  # the training step
            out.append(value)
        return out

    slow_reads = Adaptive(range(12), lambda t: (time.sleep(0.01), t)[1])
    assert consume(slow_reads, 0.005) == list(range(12)) and slow_reads.prefetching
    fast_reads = Adaptive(range(12), lambda t: t)
    assert consume(fast_reads, 0.005) == list(range(12)) and not fast_reads.prefetching
    with read_ahead(range(3), str, workers=1) as reader:
        assert isinstance(reader, Adaptive)
    with read_ahead(range(3), str, workers=3) as reader:
        assert isinstance(reader, Prefetcher)
    assert not reader_threads()


def _slow_batches(x, y, size=32):
    for start in range(0, len(x), size):
        time.sleep(0.001)
        yield x[start:start + size], y[start:start + size]


@pytest.mark.parametrize("source", ["generator", "memmap"])
def test_no_thread_left_after_early_stop_or_ctrl_c(source, tmp_path, monkeypatch):
    monkeypatch.setattr(prefetch, "READ_AHEAD", True)
    x, y = mnist_slice(640)
    if source == "memmap":
        np.save(tmp_path / "x.npy", x)
        x = np.load(tmp_path / "x.npy", mmap_mode="r")

    def data():
        return _slow_batches(x, y) if source == "generator" else x

    class StopAt(mk.callbacks.Callback):
        def __init__(self, at, interrupt=False):
            super().__init__()
            self.at, self.interrupt = at, interrupt
            self.threads_seen = 0

        def on_train_batch_end(self, batch, logs=None):
            self.threads_seen = max(self.threads_seen, len(reader_threads()))
            if batch == self.at:
                if self.interrupt:
                    raise KeyboardInterrupt
                self.model.stop_training = True

    before = set(threading.enumerate())
    stop = StopAt(4)
    y_arg = None if source == "generator" else y
    history = mlp().fit(data(), y_arg, batch_size=32, epochs=3, shuffle=False, callbacks=[stop], verbose=0)
    assert len(history.history["loss"]) == 1
    assert stop.threads_seen == 1  # the read-ahead thread was really there
    assert not reader_threads()

    with pytest.raises(KeyboardInterrupt):
        mlp().fit(data(), y_arg, batch_size=32, epochs=3, shuffle=False, verbose=0,
                  callbacks=[StopAt(2, interrupt=True)])
    assert not reader_threads()
    assert set(threading.enumerate()) == before


def test_an_epoch_left_early_hands_back_the_batches_read_ahead(monkeypatch):
    # Batches read ahead but never handed out are not lost: the adapter's next epoch
    # starts with them (fit itself stops training when an epoch is left early).
    monkeypatch.setattr(prefetch, "READ_AHEAD", True)
    x, _ = mnist_slice(320)
    log = []

    def batches():
        for index in range(10):
            log.append(index)
            yield x[index * 32:(index + 1) * 32], np.full(32, index)

    adapter = mk.models.data_adapter.get_data_adapter(batches(), steps=4)
    epoch = adapter.epoch()
    assert [int(next(epoch)[1][0]) for _ in range(2)] == [0, 1]
    time.sleep(0.05)
    epoch.close()
    assert len(log) >= 3 and not reader_threads()
    assert [int(b[1][0]) for b in adapter.epoch()] == [2, 3, 4, 5]
    assert log == list(range(6))  # never read past the epoch's 4 steps
