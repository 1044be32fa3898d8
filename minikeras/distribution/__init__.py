"""``keras.distribution``: data-parallel training over MPI processes.

Launch the same script on several processes (``mpirun -np 4 python train.py``; SLURM's
``srun``), with two lines before an ordinary Keras script::

    keras.distribution.initialize()
    keras.distribution.set_distribution(keras.distribution.DataParallel())

and ``fit``/``evaluate``/``predict`` train and evaluate the model one process would, each
process on its slice of every batch (see ``data_parallel.py``; the MPI world is in
``world.py``). Without a launcher a script is a world of one and nothing changes; mpi4py
(``pip install "minikeras[mpi]"``) is imported only by ``initialize()`` under a launcher.
"""
from . import world
from .data_parallel import (DataParallel, DeviceMesh, distribution, get_device_count, list_devices,
                            set_distribution)
from .world import initialize


def process_id():
    """This process's rank in the MPI world (0 without a launcher)."""
    return world.rank


def num_processes():
    """The number of processes in the MPI world (1 without a launcher)."""
    return world.size


__all__ = ["DataParallel", "DeviceMesh", "distribution", "get_device_count", "initialize", "list_devices",
           "num_processes", "process_id", "set_distribution"]
