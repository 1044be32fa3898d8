"""keras.ops results equal real Keras's (3.15.1, JAX backend) on the same inputs: values,
shapes and dtypes, for every op (tests/fixtures/keras_ops_reference.npz, made by
tests/fixtures/make_keras_ops_reference.py)."""
import importlib.util
import inspect
import json
import os

import numpy as np
import pytest

from minikeras import ops

FIXTURES = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures")
FIXTURE = os.path.join(FIXTURES, "keras_ops_reference.npz")
_spec = importlib.util.spec_from_file_location("keras_ops_functions", os.path.join(FIXTURES, "keras_ops_functions.py"))
_functions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_functions)
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered")  # NaN where Keras has NaN
DATA = np.load(FIXTURE)
SPEC = json.loads(str(DATA["spec"]))
CASES = [c for c in SPEC["cases"] if "keras_error" not in c]
FUNCTIONS = _functions.make_functions(ops, {k[len("input/"):]: DATA[k] for k in DATA.files if k.startswith("input/")})

# Ops Keras runs elsewhere than keras.ops: x[key] on a tensor.
NOT_IN_KERAS_OPS = {"getitem"}
# Where Keras 3.15.1's JAX backend is wrong: its sparsemax sums the running sums over the
# support instead of taking the k-th one, so its rows do not sum to 1. minikeras follows the
# definition (and Keras's NumPy backend); only shapes and dtypes are compared, plus the sum.
KERAS_JAX_BUGS = {"sparsemax"}
# Keras leaves the values unspecified: shapes and dtypes only.
VALUES_UNSPECIFIED = {"empty", "empty_like"}
# Keras's answer depends on its backend: is_tensor(ndarray) is False under JAX, True under
# its NumPy backend, as in minikeras, whose tensors are NumPy arrays.
BACKEND_DEFINED = {"is_tensor"}
# Looser tolerances where float32 rounding or a documented approximation differs.
ATOL = {"erf": 2e-7, "gelu": 2e-6, "norm": 2e-6, "cumprod": 2e-6, "prod": 2e-6, "einsum": 1e-5,
        "tensordot": 1e-5, "matmul": 1e-5, "dot": 1e-5, "moments": 2e-6, "std": 2e-6, "var": 2e-6,
        "logsumexp": 2e-6, "normalize": 2e-6, "batch_normalization": 2e-6, "power": 1e-5}


def decode(arg):
    if isinstance(arg, dict):
        if "array" in arg:
            return DATA[f"input/{arg['array']}"]
        if "arrays" in arg:
            return [DATA[f"input/{k}"] for k in arg["arrays"]]
        if "tuple" in arg:
            return tuple(decode(a) for a in arg["tuple"])
        if "slice" in arg:
            return slice(*arg["slice"])
        if "float" in arg:
            return float(arg["float"])
        if "fn" in arg:
            return FUNCTIONS[arg["fn"]]
    if isinstance(arg, list):
        return [decode(a) for a in arg]
    return arg


def leaves(result):
    if isinstance(result, (list, tuple)):
        return [leaf for item in result for leaf in leaves(item)]
    return [result]


def _id(case):
    return f"{case['name']}-{SPEC['cases'].index(case)}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_matches_keras(case):
    args = [decode(a) for a in case["args"]]
    kwargs = {k: decode(v) for k, v in case["kwargs"].items()}
    result = getattr(ops, case["name"])(*args, **kwargs)
    if case["structure"] != "single":
        assert isinstance(result, tuple if case["structure"] == "tuple" else (list, tuple)), type(result)
    got = leaves(result)
    assert len(got) == len(case["outputs"])
    for value, expected in zip(got, case["outputs"]):
        if "python" in expected:
            assert value == expected["python"] or case["name"] in BACKEND_DEFINED
            continue
        want = DATA[expected["key"]]
        value = np.asarray(value)
        assert value.shape == want.shape, f"shape {value.shape}, Keras {want.shape}"
        assert value.dtype == want.dtype, f"dtype {value.dtype}, Keras {want.dtype}"
        if case["name"] in VALUES_UNSPECIFIED:
            continue
        if case["name"] in KERAS_JAX_BUGS:
            np.testing.assert_allclose(np.sum(value, axis=case["kwargs"].get("axis", -1)), 1, rtol=1e-6)
        elif want.dtype.kind == "f":
            atol = ATOL.get(case["name"], 1e-6)
            np.testing.assert_allclose(value, want, rtol=1e-5, atol=atol)
        else:
            np.testing.assert_array_equal(value, want)


def test_every_op_has_a_keras_reference():
    covered = {c["name"] for c in CASES}
    missing = sorted(set(ops.__all__) - covered - NOT_IN_KERAS_OPS)
    assert not missing, f"ops without a Keras reference case in make_keras_ops_reference.py: {missing}"


def test_every_op_exists_in_keras_under_the_same_name():
    # the fixture ran each name through keras.ops, so a name there is a Keras name
    names = {c["name"] for c in SPEC["cases"]}
    assert set(ops.__all__) - NOT_IN_KERAS_OPS <= names


def _signature(function):
    return [[p.name, p.kind.name, None if p.default is p.empty else repr(p.default)]
            for p in inspect.signature(function).parameters.values()]


@pytest.mark.parametrize("name", sorted(SPEC["signatures"]))
def test_argument_names_and_defaults_are_keras(name):
    assert _signature(getattr(ops, name)) == SPEC["signatures"][name]
