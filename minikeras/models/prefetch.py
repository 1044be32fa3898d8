"""Reading the next batches in background threads while the current one trains.

NumPy releases the GIL inside BLAS (and h5py during its reads), so a reader thread overlaps
disk reads or a Python generator with the matrix products of the training step. A thread
is not free, though: each batch handed over costs wake-ups and GIL hand-offs. Measured with
bench_hdf5.py (1M x 784 float32 in HDF5, batch 128, 2 CPUs shared with other work): a
batch read from the page cache takes about 0.2 ms of a 1.2 ms step, and a reader thread
added about 0.25 ms of CPU per batch, more than it can hide. So by default
(``READ_AHEAD = "auto"``) the first batches of each epoch are read in the training thread
and timed, and a reader thread starts only if reading took at least half the training
time between reads (a cold disk, a slow generator).
"""
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

_END = object()

READ_AHEAD = "auto"  # True: always a reader thread; False: never; "auto": when reading is slow
PROBE_BATCHES = 8  # timed after the first batch, whose read and step include warm-up costs
PROBE_THRESHOLD = 0.5


class Prefetcher:
    """Iterate ``load(task)`` for each task of ``tasks``, up to ``depth`` batches ahead.

    ``workers=1``: one thread pulls the tasks and loads them in order (a Python generator
    is always read by one thread). ``workers>1``: the tasks are pulled here and loaded by
    that many threads; results still come out in task order. At most ``depth`` batches are
    read or in flight at any time, so memory stays bounded by ``depth`` batches.

    An exception raised while reading comes out of ``next()`` in the caller's thread.
    ``close()`` (also called on exhaustion, on error and on exit of a ``with`` block)
    stops reading, joins the threads and returns the tasks pulled but never handed out,
    in order, so the caller can put them back.
    """

    def __init__(self, tasks, load, workers=1, depth=2):
        self._tasks = iter(tasks)
        self._load = load
        self._pull_in_worker = workers == 1
        self._depth = max(depth, workers)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="minikeras-prefetch")
        self._pending = deque()  # (task or None when pulled by the worker, future), oldest first
        self._finished = False
        self._closed = False
        for _ in range(self._depth):
            self._submit()

    def _pull_and_load(self):
        task = next(self._tasks, _END)
        return (task, None) if task is _END else (task, self._load(task))

    def _submit(self):
        if self._finished:
            return
        if self._pull_in_worker:
            self._pending.append((None, self._pool.submit(self._pull_and_load)))
            return
        task = next(self._tasks, _END)
        if task is _END:
            self._finished = True
            return
        self._pending.append((task, self._pool.submit(self._load, task)))

    def __iter__(self):
        return self

    def __next__(self):
        if not self._pending:
            self.close()
            raise StopIteration
        task, future = self._pending.popleft()
        try:
            result = future.result()
        except BaseException:
            self.close()
            raise
        if self._pull_in_worker:
            task, result = result
            if task is _END:
                self._finished = True
                self.close()
                raise StopIteration
        self._submit()
        return result

    def close(self):
        """Stop reading, join the threads and return the tasks read but not handed out."""
        if self._closed:
            return []
        self._closed = True
        self._finished = True
        for _, future in self._pending:
            future.cancel()
        self._pool.shutdown(wait=True)
        unused = []
        for task, future in self._pending:
            if future.cancelled():
                if not self._pull_in_worker:
                    unused.append(task)  # pulled here, never loaded
                continue
            if future.exception() is not None:
                continue  # a batch nobody asked for failed: nothing to hand back
            if self._pull_in_worker:
                task = future.result()[0]
                if task is _END:
                    continue
            unused.append(task)
        self._pending.clear()
        return unused

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __del__(self):
        # Dropped without close(): stop without joining (this may run in a reader thread).
        if not getattr(self, "_closed", True):
            self._closed = self._finished = True
            self._pool.shutdown(wait=False, cancel_futures=True)


class Synchronous:
    """The same interface as :class:`Prefetcher`, reading each batch when it is asked for."""

    def __init__(self, tasks, load):
        self._tasks = iter(tasks)
        self._load = load

    def __iter__(self):
        return self

    def __next__(self):
        return self._load(next(self._tasks))

    def close(self):
        return []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        pass


class Adaptive:
    """Read the first batches here, timing them; then read ahead only if reading is slow.

    Over ``PROBE_BATCHES`` batches after the first (whose read and step carry one-off
    costs: file opening, caches, first allocations) the time spent reading and the
    caller's time between reads (the training steps) are summed; if reading took at least
    ``PROBE_THRESHOLD`` of the caller's time, the rest is read by a :class:`Prefetcher`,
    else here. Which batches come, and in which order, never depends on the choice.
    """

    def __init__(self, tasks, load, depth=2):
        self._tasks = iter(tasks)
        self._load = load
        self._depth = depth
        self._reader = None
        self._reading = self._working = 0.0
        self._count = 0
        self._returned_at = None

    @property
    def prefetching(self):
        return isinstance(self._reader, Prefetcher)

    def __iter__(self):
        return self

    def __next__(self):
        if self._reader is not None:
            return next(self._reader)
        start = time.perf_counter()
        if self._count > 1:
            self._working += start - self._returned_at
        batch = self._load(next(self._tasks))
        self._returned_at = time.perf_counter()
        if self._count > 0:
            self._reading += self._returned_at - start
        self._count += 1
        if self._count > PROBE_BATCHES + 1:
            slow = self._reading >= PROBE_THRESHOLD * self._working
            self._reader = (Prefetcher(self._tasks, self._load, 1, self._depth) if slow
                            else Synchronous(self._tasks, self._load))
        return batch

    def close(self):
        return self._reader.close() if self._reader is not None else []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def read_ahead(tasks, load, workers=1, depth=2):
    """The reader for ``workers`` threads: none (``Synchronous``), one (as ``READ_AHEAD`` says),
    or a pool of ``workers`` threads (a PyDataset that asked for them: always)."""
    if workers <= 0 or (workers == 1 and READ_AHEAD is False):
        return Synchronous(tasks, load)
    if workers > 1 or READ_AHEAD is True:
        return Prefetcher(tasks, load, workers=workers, depth=depth)
    return Adaptive(tasks, load, depth=depth)
