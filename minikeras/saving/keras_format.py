"""Keras 3's native ``.keras`` file: a zip of ``metadata.json``, ``config.json`` and
``model.weights.h5`` (the ``.weights.h5`` layout, optimizer state included)."""
import datetime
import io
import json
import warnings
import zipfile

import h5py

from . import weights_h5
from .serialization import KERAS_VERSION, compile_arguments, compile_model, model_from_config, model_to_config

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
# Bigger members than this are not read into memory (the weights are bounded by the zip itself).
MAX_JSON_BYTES = 64 * 1024 * 1024
# A member is read into memory whole, so one that declares more than this many bytes while
# expanding more than BOMB_EXPANSION times its stored size is a decompression bomb (CWE-409),
# not a model: Keras and minikeras store members uncompressed, and even a re-zipped file of
# float weights compresses far less. (Keras 3.15 has the same guard, from 4 GiB.)
BOMB_FLOOR_BYTES = 64 * 1024 * 1024
BOMB_EXPANSION = 100


def save_keras(model, path):
    """Write ``model`` to ``path`` (a temporary file the caller renames into place)."""
    from .._version import __version__ as minikeras_version
    config = json.dumps(model_to_config(model))
    metadata = json.dumps({"keras_version": KERAS_VERSION, "minikeras_version": minikeras_version,
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        weights_h5.write_weights(h5, model)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in ((METADATA, metadata.encode()), (CONFIG, config.encode()), (WEIGHTS, buffer.getvalue())):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o600 << 16
            archive.writestr(info, data)


def _read_member(archive, name, path, limit=None):
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValueError(f"{path}: not a Keras model file: the zip has no {name!r} "
                         f"(members: {archive.namelist()[:10]})") from None
    if limit is not None and info.file_size > limit:
        raise ValueError(f"{path}: {name} is {info.file_size:,} bytes, more than the {limit:,} allowed")
    if info.file_size > BOMB_FLOOR_BYTES and info.file_size > BOMB_EXPANSION * info.compress_size:
        raise ValueError(f"{path}: {name} declares {info.file_size:,} bytes but stores only "
                         f"{info.compress_size:,}: refusing a likely decompression bomb")
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
        raise ValueError(f"{path}: {name} is damaged in the zip: {error}") from None


def load_keras(path, custom_objects=None, compile=True, safe_mode=True):
    """A model from a ``.keras`` file written by Keras 3 or minikeras."""
    try:
        archive = zipfile.ZipFile(path, "r")
    except zipfile.BadZipFile as error:
        raise ValueError(f"{path}: not a .keras file (not a valid zip archive: {error})") from None
    with archive:
        raw = _read_member(archive, CONFIG, path, MAX_JSON_BYTES)
        try:
            config = json.loads(raw)
        except (UnicodeDecodeError, ValueError) as error:
            raise ValueError(f"{path}: {CONFIG} is not valid JSON: {error}") from None
        weights = _read_member(archive, WEIGHTS, path)
    try:
        h5 = h5py.File(io.BytesIO(weights), "r")
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: {WEIGHTS} inside the zip is not a readable HDF5 file: {error}") from None
    with h5:
        model = model_from_config(config, custom_objects, safe_mode, where=path,
                                  max_parameters=weights_h5.count_values(h5, "layers"))
        compile_config = config.get("compile_config") if isinstance(config, dict) else None
        if compile and compile_config:
            optimizer = None
            if compile_config.get("optimizer") is None:
                optimizer = _optimizer_from_weights(h5, path)
            compiled = compile_model(model, compile_arguments(compile_config, path, custom_objects, optimizer), path)
            if compiled and model.built:
                model.optimizer.build(model.trainable_weights)
        if model.built:
            weights_h5.load_weights(h5, model, path, load_optimizer=compile)
        elif weights_h5.count_values(h5, "layers"):
            raise ValueError(f"{path}: the file holds weights but its config does not say the input "
                             "shape, so the model cannot be built to receive them")
        # else: Keras saved a model that was never built: no weights, as Keras loads it.
    return model


def _optimizer_from_weights(h5, path):
    """The optimizer for a compile config without one.

    Keras 3.15 drops the optimizer from the compile config of a model saved as ``.keras``
    after it was saved as ``.h5`` (its legacy writer pops it from the live config). Keras
    then compiles with the default ``"rmsprop"`` and skips the saved state. minikeras reads
    the optimizer's name from the weights file instead; the hyperparameters are Keras's
    defaults with the saved learning rate, and the state is restored when the variable count
    matches (otherwise Keras's behaviour, with a warning).
    """
    from .. import optimizers
    name = weights_h5.optimizer_group_name(h5)
    try:
        optimizer = optimizers.get(name.rstrip("0123456789").rstrip("_").replace("_", "")
                                   if name else "rmsprop")
    except (ValueError, TypeError):
        optimizer = optimizers.get("rmsprop")
    arrays = h5.get("optimizer/vars")
    if arrays is not None and "1" in arrays and arrays["1"].shape == ():
        rate = float(arrays["1"][()])
        if rate >= 0:
            optimizer.learning_rate = rate
    warnings.warn(f"{path}: the compile config has no optimizer; using {type(optimizer).__name__} with "
                  f"default hyperparameters and learning_rate={optimizer.learning_rate:g} (named "
                  f"{name!r} in the weights file)", stacklevel=4)
    return optimizer
