"""The OpenBLAS library NumPy loaded, for what NumPy does not expose.

Two things the optimizers need from it: stopping its idle threads (``threads.py``) and
``saxpby``, ``y = a·x + b·y`` in one pass over memory where NumPy needs three
(``axpby`` below). Everything here is optional: without OpenBLAS (Accelerate, MKL, another
operating system) ``libraries()`` is empty and the callers use plain NumPy.
"""
import ctypes
import os

import numpy as np

_libraries = None
_FLOAT32 = np.dtype(np.float32)
# (symbol, integer type): NumPy's wheels ship an ILP64 OpenBLAS whose symbols end in "64_";
# a library without the suffix is taken as LP64 (32-bit integers) unless its configuration
# says USE64BITINT.
_SAXPBY_NAMES = ("scipy_cblas_saxpby64_", "cblas_saxpby64_", "scipy_cblas_saxpby", "cblas_saxpby")
_CONFIG_NAMES = ("scipy_openblas_get_config64_", "openblas_get_config64_", "scipy_openblas_get_config",
                 "openblas_get_config")


def libraries():
    """The OpenBLAS libraries mapped into this process (read from ``/proc/self/maps``), as ctypes handles."""
    global _libraries
    if _libraries is None:
        _libraries = []
        try:
            with open("/proc/self/maps") as maps:
                paths = {line.split()[-1] for line in maps if "openblas" in line.rsplit("/", 1)[-1].lower()}
        except OSError:
            paths = set()
        for path in sorted(paths):
            try:
                _libraries.append(ctypes.CDLL(path))
            except OSError:
                continue
    return _libraries


def _integer_type(library, name):
    if name.endswith("64_"):
        return ctypes.c_int64
    for config_name in _CONFIG_NAMES:
        get_config = getattr(library, config_name, None)
        if get_config is not None:
            get_config.restype = ctypes.c_char_p
            return ctypes.c_int64 if b"USE64BITINT" in (get_config() or b"") else ctypes.c_int32
    return ctypes.c_int32


def _find_saxpby():
    """OpenBLAS's ``cblas_saxpby`` as a ctypes function, checked on a small array; or None."""
    for library in libraries():
        for name in _SAXPBY_NAMES:
            function = getattr(library, name, None)
            if function is None:
                continue
            integer = _integer_type(library, name)
            function.argtypes = [integer, ctypes.c_float, ctypes.c_void_p, integer,
                                 ctypes.c_float, ctypes.c_void_p, integer]
            function.restype = None
            x = np.array([1, 2, 3, 4], dtype=np.float32)
            y = np.array([10, 20, 30, 40], dtype=np.float32)
            function(3, 2.0, x.ctypes.data, 1, 0.5, y.ctypes.data, 1)
            if y.tolist() == [7, 14, 21, 40]:
                return function
    return None


_UNRESOLVED = object()
_saxpby = _UNRESOLVED  # looked up at the first axpby (importing minikeras maps no library)


def saxpby():
    """OpenBLAS's checked ``cblas_saxpby``, or None (no OpenBLAS, or ``MINIKERAS_BLAS_AXPBY=0``)."""
    global _saxpby
    if _saxpby is _UNRESOLVED:
        _saxpby = _find_saxpby() if os.environ.get("MINIKERAS_BLAS_AXPBY", "1") != "0" else None
    return _saxpby


def axpby(a, x, b, y, tmp):
    """``y = a·x + b·y`` in place, for float32 ``a`` and ``b``.

    One pass over ``x`` and ``y`` with OpenBLAS's ``saxpby`` when both are C-contiguous
    float32 arrays of the same size; otherwise three NumPy passes through ``tmp`` (scratch of
    ``y``'s shape, which may be ``x`` itself). The two differ only in float32 rounding.
    Set the environment variable ``MINIKERAS_BLAS_AXPBY=0`` to always use NumPy.
    """
    function = _saxpby if _saxpby is not _UNRESOLVED else saxpby()
    if (function is not None and x.dtype == _FLOAT32 and y.dtype == _FLOAT32 and x.size == y.size
            and x.flags.c_contiguous and y.flags.c_contiguous):
        function(y.size, a, x.ctypes.data, 1, b, y.ctypes.data, 1)
        return
    np.multiply(x, a, out=tmp)
    if b != 1:
        y *= b
    y += tmp
