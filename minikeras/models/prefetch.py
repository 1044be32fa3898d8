"""Reading the next batches in background threads while the current one trains.

NumPy releases the GIL inside BLAS, so a single reader thread overlaps disk reads (h5py,
memmaps) or a Python generator with the matrix products of the training step.
"""
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

_END = object()


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
        if not getattr(self, "_closed", True):
            self.close()


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


def read_ahead(tasks, load, workers=1, depth=2):
    """A :class:`Prefetcher` for ``workers >= 1``, else a :class:`Synchronous` reader."""
    if workers <= 0:
        return Synchronous(tasks, load)
    return Prefetcher(tasks, load, workers=workers, depth=depth)
