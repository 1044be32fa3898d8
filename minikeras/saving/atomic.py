"""Write files so that a crash or Ctrl-C never leaves a half-written file in place."""
import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path, overwrite=True):
    """Yield a temporary path in the folder of ``path``; on success, fsync it and rename it
    over ``path`` in one step (``os.replace``). On any exception, KeyboardInterrupt
    included, the temporary file is removed and an existing ``path`` is left untouched.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path} is a folder; the file path to save to must not be one")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} already exists and overwrite=False")
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    os.close(handle)
    try:
        yield temporary
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        # mkstemp makes the file private (0600); give it the mode a normal save would have.
        os.chmod(temporary, os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    with contextlib.suppress(OSError):
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
