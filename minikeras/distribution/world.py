"""The MPI world: which process this is, how many there are, and the few collectives training needs.

Nothing here imports ``mpi4py`` until ``initialize()`` runs inside a job started by an MPI
launcher (``mpirun``, ``mpiexec``, SLURM's ``srun``); anywhere else the world is one process
and every collective is the identity. Under MPI, ``initialize()`` also

- keeps each rank to one BLAS thread and one optimizer-update thread (two ranks of two threads
  on two cores thrash), unless ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS`` or
  ``MINIKERAS_UPDATE_THREADS`` say otherwise;
- makes an exception that reaches the top of any rank end the whole job: the rank prints its
  traceback (prefixed with its rank) and calls ``MPI_Abort``, so the other ranks, waiting in
  a collective, are stopped at once instead of hanging (Ctrl-C raises KeyboardInterrupt in
  every rank and ends the same way).
"""
import os
import sys
import traceback

import numpy as np

# Variables the launchers set in every process they start (Open MPI, PMIx, MPICH/Intel MPI; SLURM's
# srun sets the PMIx or PMI ones with --mpi=pmix or --mpi=pmi2).
_LAUNCHER_SIZE = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS")
_LAUNCHER_MARKS = _LAUNCHER_SIZE + ("PMIX_RANK", "PMI_RANK", "OMPI_COMM_WORLD_RANK")
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_SET_THREADS = ("openblas_set_num_threads", "openblas_set_num_threads64_", "scipy_openblas_set_num_threads64_",
                "scipy_openblas_set_num_threads")

comm = None      # mpi4py's COMM_WORLD once initialized under MPI with more than one process
rank = 0
size = 1
_initialized = False


def launched_by_mpi():
    """Whether an MPI launcher started this process (its environment says so)."""
    return any(name in os.environ for name in _LAUNCHER_MARKS)


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Join the MPI world (Keras: ``keras.distribution.initialize``).

    The ranks and their number come from the launcher; ``num_processes`` and
    ``process_id``, when given, must agree with it (Keras's JAX backend needs them, MPI does
    not); ``job_addresses`` is accepted and unused (the launcher connects the processes).
    Outside a launcher this is a world of one and ``mpi4py`` is not imported. Calling it
    again does nothing.
    """
    global comm, rank, size, _initialized
    if not _initialized and launched_by_mpi():
        try:
            from mpi4py import MPI
        except ImportError as error:
            if _launcher_size() > 1:
                raise ImportError("keras.distribution.initialize(): this process was started by an MPI launcher, "
                                  "but mpi4py cannot be imported. Install it with pip install "
                                  f"\"minikeras[mpi]\" ({error})") from None
            MPI = None
        if MPI is not None:
            world = MPI.COMM_WORLD
            rank, size = world.Get_rank(), world.Get_size()
            if size == 1 and _launcher_size() > 1:
                raise RuntimeError(f"keras.distribution.initialize(): the launcher started {_launcher_size()} "
                                   "processes but MPI sees a world of one in each: mpi4py's MPI cannot talk to "
                                   "this launcher (under SLURM try srun --mpi=pmix, or mpirun inside the "
                                   "allocation)")
            if size > 1:
                comm = world
                _one_thread_each()
                _abort_on_uncaught_exceptions()
    _initialized = True
    for given, actual, argument in ((num_processes, size, "num_processes"), (process_id, rank, "process_id")):
        if given is not None and int(given) != actual:
            raise ValueError(f"keras.distribution.initialize({argument}={given!r}): the MPI launcher started "
                             f"this process with {argument}={actual}; pass None or the launcher's value")


def _launcher_size():
    for name in _LAUNCHER_SIZE:
        try:
            return int(os.environ[name])
        except (KeyError, ValueError):
            continue
    return 1


def _one_thread_each():
    """One BLAS thread (through OpenBLAS's own call: NumPy has loaded it already) and one
    optimizer-update thread per rank, unless the environment chose other numbers."""
    if not any(name in os.environ for name in _THREAD_VARIABLES):
        os.environ["OMP_NUM_THREADS"] = "1"  # for processes this one starts
        from ..blas import openblas
        for library in openblas.libraries():
            for name in _SET_THREADS:
                set_threads = getattr(library, name, None)
                if set_threads is not None:
                    set_threads(1)
                    break
    for hook in _JOIN_HOOKS:
        hook()


_JOIN_HOOKS = []


def on_join(hook):
    """Run ``hook()`` when this process joins a world of several (the optimizers register
    theirs: one update thread per rank)."""
    _JOIN_HOOKS.append(hook)
    return hook


def _abort_on_uncaught_exceptions():
    previous = sys.excepthook

    def abort(kind, value, trace):
        try:
            text = "".join(traceback.format_exception(kind, value, trace))
            sys.stderr.write("".join(f"[rank {rank}] {line}\n" for line in text.rstrip().splitlines()))
            sys.stderr.flush()
            sys.stdout.flush()
        finally:
            if comm is not None:
                comm.Abort(130 if issubclass(kind, KeyboardInterrupt) else 1)
            previous(kind, value, trace)

    sys.excepthook = abort


# -- collectives (the identity in a world of one) ----------------------------------------------
def allreduce_(buffer):
    """Sum ``buffer`` (a contiguous float32/float64 array) over the ranks, in place."""
    if comm is not None:
        from mpi4py import MPI
        comm.Allreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)
    return buffer


def allreduce_max(value):
    """The largest of ``value`` (a number) over the ranks."""
    if comm is None:
        return value
    from mpi4py import MPI
    return comm.allreduce(value, op=MPI.MAX)


def allgather(values):
    """Each rank's float64 ``values`` (same length everywhere), as a ``(ranks, len)`` array."""
    local = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
    if comm is None:
        return local[None]
    gathered = np.empty((size, local.size), dtype=np.float64)
    comm.Allgather(local, gathered)
    return gathered


def broadcast_(array):
    """Rank 0's ``array`` copied into every rank's ``array``, in place (a contiguous array)."""
    if comm is not None:
        comm.Bcast(array, root=0)
    return array


def broadcast_object(value):
    """Rank 0's ``value`` (any picklable object) on every rank."""
    return value if comm is None else comm.bcast(value, root=0)


def allgather_object(value):
    """Every rank's ``value``, in rank order."""
    return [value] if comm is None else comm.allgather(value)
