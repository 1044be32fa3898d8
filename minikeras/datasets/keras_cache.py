"""Reading the files Keras caches for its data sets (``~/.keras/datasets``, or ``$KERAS_HOME``).

minikeras does not download: each loader asks ``keras.utils.get_file`` for Keras's file name in
Keras's cache folder, which returns it when it is there and otherwise raises an error naming
the URL and the path to save it under. Files that hold Python objects (CIFAR's pickled
batches, the ragged sequences of IMDB and Reuters) are read with an unpickler that rebuilds
NumPy arrays and plain containers only, so a tampered file cannot run code.
"""
import io
import pickle
import zipfile

import numpy as np

from ..utils.file_utils import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct")}


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data set file: only NumPy arrays "
                                     "and plain containers are read (the file may be damaged or tampered with)")


def unpickle(handle, **kwargs):
    """``pickle.load`` limited to NumPy arrays, dtypes and built-in containers."""
    return _ArraysOnly(handle, **kwargs).load()


def load_npz(path):
    """The arrays of an ``.npz`` file as a dict, object arrays included (read by ``unpickle``)."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if not member.endswith(".npy"):
                continue
            buffer = io.BytesIO(archive.read(member))
            try:
                arrays[member[:-4]] = np.lib.format.read_array(buffer, allow_pickle=False)
            except ValueError:  # an object array: its payload is a pickle stream after the header
                buffer.seek(0)
                major, _ = np.lib.format.read_magic(buffer)
                (np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0)(buffer)
                arrays[member[:-4]] = unpickle(buffer)
    return arrays


def cached(fname, origin, **kwargs):
    """The path of Keras's cached ``fname`` (see ``keras.utils.get_file``; no download)."""
    return get_file(fname, origin=origin, **kwargs)


def shuffled_split(x, y, test_split, seed):
    """Keras's split of the regression sets: rows shuffled by ``np.random.RandomState(seed)``,
    the first ``int(n * (1 - test_split))`` for training."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 (exclusive of 1).")
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def remove_long_seq(maxlen, seq, label):
    """Keep the sequences shorter than ``maxlen`` (Keras's ``remove_long_seq``)."""
    kept = [(s, l) for s, l in zip(seq, label) if len(s) < maxlen]
    return [s for s, _ in kept], [l for _, l in kept]


def index_words(sequences, start_char, oov_char, index_from):
    """Keras's re-indexing: ``start_char`` first, every word id shifted by ``index_from``."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in sequences]
    if index_from:
        return [[w + index_from for w in x] for x in sequences]
    return [[w for w in x] for x in sequences]


def limit_words(sequences, num_words, skip_top, oov_char):
    """Words outside ``[skip_top, num_words)`` become ``oov_char`` (or are dropped when it is None)."""
    if not num_words:
        num_words = max(max(x) for x in sequences)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]


def object_array(sequences):
    """A 1-D object array of lists, as Keras returns them (``np.array(..., dtype=object)`` would make
    a 2-D array when all lists have the same length)."""
    out = np.empty(len(sequences), dtype=object)
    out[:] = [list(s) for s in sequences]
    return out
