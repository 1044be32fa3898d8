"""keras.utils.get_file, offline: files already in Keras's cache folder, local paths and file:// URLs."""
import hashlib
import os
import shutil
import tarfile
import urllib.parse
import zipfile


def keras_home(cache_dir=None):
    """Keras's cache folder: ``cache_dir``, else ``$KERAS_HOME``, else ``~/.keras``."""
    return cache_dir or os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def _hash(path, algorithm):
    digest = hashlib.sha256() if algorithm in ("sha256", "auto") else hashlib.md5()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None, force_download=False):
    """The path of ``fname`` in Keras's cache (``<cache_dir>/<cache_subdir>/<fname>``, with
    ``cache_dir`` defaulting to ``$KERAS_HOME`` or ``~/.keras``; Keras's ``keras.utils.get_file``),
    fetched from ``origin`` when it is not there yet.

    minikeras does not download: ``origin`` may be a local path or a ``file://`` URL, which is
    copied into the cache; any other URL raises an ``OSError`` naming the URL and the path where
    the file can be placed by hand. A fetched file is checked against ``file_hash`` (sha256, or
    md5 by its length) when one is given. With ``extract`` (or ``untar``) the archive (.tar, .tar.gz,
    .zip) is unpacked as Keras 3.15 lays it out: for ``fname="data"`` the archive is
    ``data_archive`` and the folder ``data``; for ``fname="data.tar.gz"`` the folder is
    ``data_extracted``. The folder's path is returned; one already there is used as it is.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    provided = fname is not None
    fname = fname or os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. Please specify the "
                         "`fname` argument.")
    if os.sep in fname:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the file's parent "
                         f"directory, use the `cache_dir` argument. Received: fname={fname}")
    home = keras_home(cache_dir)
    folder = os.path.join(home, cache_subdir)
    if os.path.exists(home) and not os.access(home, os.W_OK):  # (Keras falls back to /tmp/.keras too)
        folder = os.path.join("/tmp", ".keras", cache_subdir)
    os.makedirs(folder, exist_ok=True)
    extraction_dir = None
    if extract or untar:
        if provided and "." in fname:
            download_target = os.path.join(folder, fname)
            extraction_dir = os.path.join(folder, fname[:fname.find(".")] + "_extracted")
        else:
            extraction_dir = os.path.join(folder, fname)
            download_target = os.path.join(folder, f"{fname}_archive")
        if os.path.isdir(extraction_dir) and not force_download:
            return extraction_dir
    else:
        download_target = os.path.join(folder, fname)
    file_hash = file_hash or md5_hash
    algorithm = "md5" if md5_hash or (file_hash and hash_algorithm == "auto" and len(file_hash) == 32) \
        else hash_algorithm
    if force_download or not os.path.exists(download_target):
        parsed = urllib.parse.urlsplit(origin)
        source = urllib.parse.unquote(parsed.path) if parsed.scheme == "file" else \
            origin if parsed.scheme == "" else None
        if source is None or not os.path.exists(source):
            raise OSError(f"minikeras does not download files: fetch {origin} yourself and save it as "
                          f"{download_target} (Keras's cache layout), or pass a local path or a file:// URL "
                          "as origin")
        shutil.copyfile(source, download_target + ".part")
        if file_hash and _hash(download_target + ".part", algorithm) != file_hash:
            os.remove(download_target + ".part")
            raise ValueError(f"Incomplete or corrupted file detected: the file from {origin} does not match the "
                             f"expected hash {file_hash}")
        os.replace(download_target + ".part", download_target)
    elif file_hash and _hash(download_target, algorithm) != file_hash:
        raise ValueError(f"The file {download_target} in Keras's cache does not match the expected hash "
                         f"{file_hash}; delete it and fetch it again")
    if extraction_dir is None:
        return download_target
    archive_format = "tar" if untar else archive_format
    if tarfile.is_tarfile(download_target) and archive_format in ("auto", "tar"):
        with tarfile.open(download_target) as archive:
            archive.extractall(extraction_dir, filter="data")
    elif zipfile.is_zipfile(download_target) and archive_format in ("auto", "zip"):
        with zipfile.ZipFile(download_target) as archive:
            archive.extractall(extraction_dir)
    else:
        raise ValueError(f"{download_target} is not a tar or zip archive, so it cannot be extracted")
    return extraction_dir
