"""save_model / load_model / save_weights / load_weights: pick the format by extension.

Every save goes through ``atomic_write`` (a temporary file renamed into place), and every
load turns what can go wrong with a file (not found, not HDF5 / not a zip, truncated,
missing entries, another architecture) into an ``OSError`` or ``ValueError`` that names
the file.
"""
import contextlib
import os
import warnings
import zipfile

import h5py

from . import keras_format, legacy_h5, weights_h5
from .atomic import atomic_write
from ..distribution.data_parallel import writes_files

_H5 = (".h5", ".hdf5")


def _path(filepath, argument="filepath"):
    try:
        return os.fspath(filepath)
    except TypeError:
        raise TypeError(f"{argument} must be a path (str or os.PathLike), got {type(filepath).__name__}") from None


@contextlib.contextmanager
def _file_errors(path):
    """Re-raise low-level errors from reading ``path`` as ValueError/OSError naming it."""
    try:
        yield
    except (ValueError, OSError) as error:
        message = str(error)
        if path in message:
            raise
        raise type(error)(f"{path}: {message}") from None
    except (KeyError, AttributeError, TypeError, IndexError, RuntimeError, UnicodeDecodeError,
            EOFError, zipfile.BadZipFile) as error:
        raise ValueError(f"{path}: the file is damaged or not what its name says "
                         f"({type(error).__name__}: {error})") from None


def _open_h5(path):
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return h5py.File(path, "r")
    except OSError as error:
        raise OSError(f"{path}: not a readable HDF5 file ({error})") from None


def save_model(model, filepath, overwrite=True, zipped=None, include_optimizer=True, **kwargs):
    """Save architecture, weights, compile config and optimizer state (Keras: ``keras.saving.save_model``).

    ``.keras`` writes Keras 3's native zip; ``.h5``/``.hdf5`` the legacy HDF5 layout. Other
    extensions are refused, as in Keras 3. The file is replaced atomically.
    """
    path = _path(filepath)
    if kwargs:
        raise TypeError(f"save_model got unexpected keyword arguments {sorted(kwargs)}")
    if zipped is False:
        raise ValueError("zipped=False (an unzipped .keras folder) is not supported by minikeras")
    if not model.built:
        # Keras saves the architecture (and compile config) of an unbuilt model, and warns.
        warnings.warn(f"Model {model.name!r} is not built yet, so the file holds no weights; build it "
                      "(model.build(input_shape), an Input first layer, or fit/predict once) to save "
                      "them", stacklevel=3)
    if not writes_files():  # data-parallel: rank 0 writes, the other ranks hold the same model
        return
    if path.endswith(".keras"):
        with atomic_write(path, overwrite) as temporary:
            keras_format.save_keras(model, temporary)
    elif path.endswith(_H5):
        with atomic_write(path, overwrite) as temporary:
            legacy_h5.save_h5(model, temporary, include_optimizer)
    else:
        raise ValueError(f"Invalid filepath extension for saving: {path!r}. Use '.keras' for the native "
                         "Keras format (recommended) or '.h5' for the legacy HDF5 format.")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by Keras 3 or minikeras (``.keras`` or legacy ``.h5``).

    Same as ``keras.saving.load_model``: the model comes back compiled (with its optimizer
    state) when the file has a compile config and ``compile=True``. Nothing named in the
    file is imported or executed; serialized lambdas need ``safe_mode=False``.
    """
    path = _path(filepath)
    if os.path.isdir(path):
        raise ValueError(f"{path}: is a folder; minikeras loads .keras and .h5 files (not SavedModel folders)")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    with _file_errors(path):
        if path.endswith(".keras") or (not path.endswith(_H5) and zipfile.is_zipfile(path)):
            return keras_format.load_keras(path, custom_objects, compile, safe_mode)
        if path.endswith(_H5) or h5py.is_hdf5(path):
            with _open_h5(path) as h5:
                if "model_config" not in h5.attrs and ("layers" in h5 or path.endswith(".weights.h5")):
                    raise ValueError(f"{path}: a .weights.h5 file holds weights only; build the model and "
                                     "call model.load_weights() instead")
                # (model.save("m.weights.h5") writes a whole legacy model, as Keras does; it loads.)
                return legacy_h5.load_h5(h5, path, custom_objects, compile, safe_mode)
    raise ValueError(f"{path}: unknown file format; expected a .keras zip or a .h5 HDF5 file")


def save_weights(model, filepath, overwrite=True):
    """Save the weights (and optimizer state) in Keras 3's ``.weights.h5`` layout.

    A path ending in plain ``.h5`` writes the legacy weights layout instead (Keras 3 refuses
    such a name; minikeras writes it so older tools can read it).
    """
    path = _path(filepath)
    if not model.built:
        raise ValueError(f"Model {model.name!r} is not built yet, so it has no weights to save")
    if not writes_files():
        return
    if path.endswith(".weights.h5"):
        with atomic_write(path, overwrite) as temporary, h5py.File(temporary, "w") as h5:
            weights_h5.write_weights(h5, model)
    elif path.endswith(_H5):
        with atomic_write(path, overwrite) as temporary:
            legacy_h5.save_h5_weights(model, temporary)
    else:
        raise ValueError(f"The filename must end in '.weights.h5' (or '.h5' for the legacy layout), "
                         f"got {path!r}")


def load_weights(model, filepath, skip_mismatch=False, by_name=None):
    """Load weights into ``model`` from ``.weights.h5``, ``.keras`` or a legacy ``.h5`` file.

    Every layer's weight count and shapes are checked before anything is assigned; the error
    names the layer that does not match. A ``.weights.h5`` file also restores the optimizer
    state when the model is compiled. ``by_name=True`` matches the layers of a legacy ``.h5``
    file to the model's layers of the same name (others are left as they are), as Keras does;
    for other formats it is an error, as in Keras.
    """
    path = _path(filepath)
    if by_name is not None and (path.endswith((".keras", ".weights.h5")) or not path.endswith(_H5)):
        raise ValueError(f"by_name only supports loading legacy '.h5' or '.hdf5' files, got {path!r}")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path}: is a folder, not a weights file (.weights.h5, .keras or .h5)")
    with _file_errors(path):
        if path.endswith(".keras"):
            with zipfile.ZipFile(path) as archive:
                data = keras_format._read_member(archive, keras_format.WEIGHTS, path)
            import io
            with h5py.File(io.BytesIO(data), "r") as h5:
                weights_h5.load_weights(h5, model, path, skip_mismatch)
            return
        if not path.endswith(_H5):
            raise ValueError(f"{path}: load_weights expects a .weights.h5, .keras or .h5 file")
        with _open_h5(path) as h5:
            if (path.endswith(".weights.h5") or "layers" in h5) and not by_name:
                weights_h5.load_weights(h5, model, path, skip_mismatch)
            else:
                legacy_h5.load_h5_weights(h5, model, path, skip_mismatch, by_name=bool(by_name))
