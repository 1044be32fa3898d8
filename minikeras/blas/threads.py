"""Stopping OpenBLAS's idle threads before an optimizer update that runs on several cores.

After each matrix product, OpenBLAS's worker threads keep spinning, waiting for the next
one, for about 2^28 CPU cycles (~0.1 s) before they sleep. The optimizer update that
follows the backward pass runs on the same cores (``optimizer.elementwise`` splits large
updates between threads), and on a 2-core machine the spinning threads take half its CPU
time. Measured on a 2-core VM, Adam on a 784x1024 kernel inside a training step: 2.4 ms
per update with the threads spinning, 1.2 ms after they are stopped; 784-1024-10 Adam at
batch 32: 3.34 -> 2.66 ms per step. OpenBLAS starts its threads again at the next product
(tens of microseconds), so this only pays before long updates.

``release()`` calls OpenBLAS's ``blas_thread_shutdown_`` (the function OpenBLAS itself
runs before a ``fork``). Stopping the threads while another thread is inside OpenBLAS
would break that call, so ``release()`` does nothing unless it runs in the main thread
and every other Python thread alive is one of minikeras's update threads or tqdm's monitor
(the progress bar's, which only reads the time). It also does
nothing when NumPy's BLAS is not OpenBLAS with its own pthreads server (sequential and
OpenMP builds are left alone), or when the environment variable
``MINIKERAS_RELEASE_BLAS_THREADS`` is ``0``.
"""
import os
import threading

from . import openblas

ENABLED = os.environ.get("MINIKERAS_RELEASE_BLAS_THREADS", "1") != "0"
OWN_THREAD_PREFIX = "minikeras-update"
_GET_PARALLEL = ("openblas_get_parallel", "openblas_get_parallel64_", "scipy_openblas_get_parallel64_",
                 "scipy_openblas_get_parallel")
_shutdown = None
_looked_up = False


def _find_shutdown():
    """OpenBLAS's ``blas_thread_shutdown_`` from the library loaded in this process, or None."""
    for library in openblas.libraries():
        shutdown = getattr(library, "blas_thread_shutdown_", None)
        if shutdown is None:
            continue
        # Only OpenBLAS's own pthreads server (openblas_get_parallel() == 1) spins as described;
        # a sequential build has no threads, and an OpenMP build's threads belong to OpenMP.
        for name in _GET_PARALLEL:
            get_parallel = getattr(library, name, None)
            if get_parallel is not None:
                return shutdown if get_parallel() == 1 else None
    return None


def _only_own_threads():
    main = threading.main_thread()
    if threading.current_thread() is not main:
        return False
    return all(t is main or t.name.startswith(OWN_THREAD_PREFIX) or type(t).__module__.startswith("tqdm")
               for t in threading.enumerate())


def release():
    """Stop OpenBLAS's spinning threads when that is safe (see the module docstring)."""
    global _shutdown, _looked_up
    if not ENABLED:
        return
    if not _looked_up:
        _shutdown, _looked_up = _find_shutdown(), True
    if _shutdown is not None and _only_own_threads():
        _shutdown()
