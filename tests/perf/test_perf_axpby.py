"""``openblas.axpby``: ``y = a·x + b·y`` in one pass with OpenBLAS's saxpby, or three NumPy passes.

Both paths must give the formula's value up to float32 rounding, whatever the arrays, and the
BLAS one must really be in use where NumPy ships OpenBLAS (its pip wheels do)."""
import numpy as np
import pytest

from minikeras.blas import openblas


def _arrays(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)


def _expected(a, x, b, y):
    return (np.float64(a) * x.astype(np.float64) + np.float64(b) * y.astype(np.float64)).astype(np.float32)


@pytest.mark.parametrize("path", ["openblas", "numpy"])
@pytest.mark.parametrize("shape", [(1,), (13,), (300, 129), (70001,)])
@pytest.mark.parametrize("a,b", [(0.1, 0.9), (-0.001, 1.0), (2.5, 0.0)])
def test_axpby_gives_the_formula(path, shape, a, b, monkeypatch):
    if path == "numpy":
        monkeypatch.setattr(openblas, "_saxpby", None)
    elif openblas.saxpby() is None:
        pytest.skip("NumPy's BLAS has no saxpby")
    x, y = _arrays(shape)
    expected = _expected(a, x, b, y)
    x_before = x.copy()
    openblas.axpby(np.float32(a), x, np.float32(b), y, np.empty_like(y))
    np.testing.assert_allclose(y, expected, rtol=3e-7, atol=1e-7)
    np.testing.assert_array_equal(x, x_before)


def test_axpby_accepts_x_as_its_own_scratch():
    x, y = _arrays((1000,), seed=1)
    expected = _expected(0.25, x, 0.5, y)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openblas, "_saxpby", None)
        openblas.axpby(np.float32(0.25), x, np.float32(0.5), y, x)
    np.testing.assert_allclose(y, expected, rtol=3e-7, atol=1e-7)


@pytest.mark.parametrize("kind", ["float64 x", "strided x", "strided y"])
def test_axpby_falls_back_to_numpy_for_arrays_blas_cannot_take(kind):
    x, y = _arrays((40, 6), seed=2)
    if kind == "float64 x":
        x = x.astype(np.float64)
    elif kind == "strided x":
        x = np.asfortranarray(x)
    else:
        y = np.asfortranarray(y)
    expected = _expected(0.3, x, 0.7, y)
    openblas.axpby(np.float32(0.3), x, np.float32(0.7), y, np.empty_like(y))
    np.testing.assert_allclose(y, expected, rtol=3e-7, atol=1e-7)


def test_numpys_openblas_wheel_provides_saxpby():
    if not openblas.libraries():
        pytest.skip("NumPy's BLAS is not OpenBLAS")
    assert openblas.saxpby() is not None


def test_importing_minikeras_maps_no_blas_library():
    """The BLAS code loads lazily: importing minikeras looks nothing up (issue 19)."""
    import subprocess
    import sys
    code = ("import minikeras, minikeras.blas.openblas as o, minikeras.blas.threads as t; "
            "print(o._libraries is None, o._saxpby is o._UNRESOLVED, t._looked_up)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True", "False"]
