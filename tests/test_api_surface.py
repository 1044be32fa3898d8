"""minikeras's public names measured against Keras 3.15.1's (issue 19).

``/work/shared/keras-api-3.15.1.json`` (a copy is read from ``../shared`` next to the repository,
else from the fixture copy in tests/fixtures) lists every public name of each Keras module. For
the modules this issue covers, every Keras name must exist in minikeras and be usable (a class,
a function or a module), except the names in ``KNOWINGLY_ABSENT``, each with its reason; the
README's "Not yet, or knowingly absent" section prints that list, and a name listed there that
minikeras has since gained fails the test too, so the list stays true. The modules of other
issues (layers, ops, ...) are measured and printed (``pytest -s``), not held to the list.
"""
import inspect
import json
import os
import types

import pytest

import minikeras

HERE = os.path.dirname(os.path.abspath(__file__))
_CANDIDATES = [os.path.join(HERE, "..", "..", "shared", "keras-api-3.15.1.json"),
               "/work/shared/keras-api-3.15.1.json", os.path.join(HERE, "fixtures", "keras-api-3.15.1.json")]
API_FILE = next((p for p in _CANDIDATES if os.path.exists(p)), None)
API = json.load(open(API_FILE))["modules"] if API_FILE else None

# Held to Keras's full list (``top`` is ``keras`` itself).
STRICT = ["losses", "metrics", "optimizers", "optimizers.schedules", "initializers", "regularizers", "constraints",
          "callbacks", "activations", "utils", "datasets", "random", "models", "saving", "backend", "top"]
# Measured only: other issues cover them.
MEASURED = ["layers", "ops", "applications", "distribution", "preprocessing"]

_MULTI_BACKEND = "Keras's multi-backend and distribution machinery; minikeras has one NumPy backend"
_IMAGES = "image/audio/text file pipelines: minikeras has no image or audio stack"
KNOWINGLY_ABSENT = {
    "optimizers": {"Muon": "not written yet (needs Newton-Schulz orthogonalization per matrix)",
                   "ScheduleFreeAdamW": "not written yet",
                   "MultiOptimizer": "not written yet (one optimizer per variable group)",
                   "OptimizerMap": "not written yet (goes with MultiOptimizer)",
                   "legacy": "Keras 2 optimizers: not supported"},
    "initializers": {"STFT": "not written yet (STFT kernels for audio front ends)",
                     "STFTInitializer": "not written yet", "stft": "not written yet"},
    "callbacks": {"OrbaxCheckpoint": "needs Orbax (JAX checkpointing); minikeras saves with ModelCheckpoint",
                  "SwapEMAWeights": "needs use_ema, which minikeras optimizers refuse"},
    "utils": {"FeatureSpace": "not written yet (preprocessing of structured data)",
              "array_to_img": _IMAGES, "audio_dataset_from_directory": _IMAGES, "bounding_boxes": _IMAGES,
              "image_dataset_from_directory": _IMAGES, "img_to_array": _IMAGES, "load_img": _IMAGES,
              "save_img": _IMAGES, "text_dataset_from_directory": _IMAGES,
              "disable_interactive_logging": "not written yet", "enable_interactive_logging": "not written yet",
              "is_interactive_logging_enabled": "not written yet", "legacy": "Keras 2 utilities: not supported",
              "model_to_dot": "needs pydot and Graphviz: not written yet",
              "plot_model": "needs pydot and Graphviz: not written yet"},
    "saving": {"KerasFileEditor": "not written yet"},
    "backend": {"result_type": "not written yet (Keras's own type-promotion lattice)"},
    "top": {"DTypePolicy": "float32 only: dtype policies are not supported",
            "FloatDTypePolicy": "float32 only: dtype policies are not supported",
            "Function": _MULTI_BACKEND, "KerasTensor": "not exported yet",
            "Operation": _MULTI_BACKEND, "Quantizer": "quantization is not supported",
            "RematScope": _MULTI_BACKEND, "StatelessScope": _MULTI_BACKEND, "SymbolicScope": _MULTI_BACKEND,
            "applications": "pretrained models need downloads and convolution stacks: not supported",
            "device": _MULTI_BACKEND, "distillation": "not written yet",
            "dtype_policies": "float32 only: dtype policies are not supported", "export": _MULTI_BACKEND,
            "legacy": "Keras 2 APIs: not supported", "mixed_precision": "float32 only",
            "name_scope": _MULTI_BACKEND, "preprocessing": "not written yet (image/text preprocessing)",
            "quantizers": "quantization is not supported", "remat": _MULTI_BACKEND,
            "src": "Keras's private source tree", "tree": "not written yet",
            "visualization": "not written yet", "wrappers": "scikit-learn wrappers: not written yet"},
}


def _module(name):
    """``minikeras.<name>`` as an attribute path (no import: an editable install of another
    checkout could otherwise supply a submodule this one does not have)."""
    module = minikeras
    for part in ([] if name == "top" else name.split(".")):
        module = getattr(module, part, None)
        if not isinstance(module, types.ModuleType):
            return None
    return module


def _usable(obj):
    return inspect.isclass(obj) or callable(obj) or isinstance(obj, types.ModuleType)


def coverage():
    """``{module: (present, total)}`` over every module Keras lists."""
    result = {}
    for name, names in API.items():
        module = _module(name)
        present = [n for n in names if module is not None and hasattr(module, n)]
        result[name] = (len(present), len(names))
    return result


pytestmark = pytest.mark.skipif(API is None, reason="keras-api-3.15.1.json not found")


@pytest.mark.parametrize("module_name", STRICT)
def test_every_keras_name_exists_unless_knowingly_absent(module_name):
    module = _module(module_name)
    assert module is not None, f"minikeras.{module_name} is missing"
    absent = KNOWINGLY_ABSENT.get(module_name, {})
    missing = [n for n in API[module_name] if not hasattr(module, n) and n not in absent]
    assert not missing, f"keras.{module_name} names minikeras lacks (add them, or list them with a reason): {missing}"
    unusable = [n for n in API[module_name] if hasattr(module, n) and not _usable(getattr(module, n))
                and not isinstance(getattr(module, n), str)]
    assert not unusable, f"minikeras.{module_name} names that are neither classes, functions nor modules: {unusable}"
    gained = sorted(n for n in absent if hasattr(module, n))
    assert not gained, f"minikeras.{module_name} now has {gained}: take them off KNOWINGLY_ABSENT and the README"
    stray = sorted(set(absent) - set(API[module_name]))
    assert not stray, f"KNOWINGLY_ABSENT[{module_name!r}] names that Keras does not have: {stray}"


def test_the_readme_lists_what_is_knowingly_absent():
    with open(os.path.join(HERE, "..", "README.md"), encoding="utf8") as handle:
        readme = handle.read()
    section = readme[readme.index("### Not yet, or knowingly absent"):]
    unlisted = [f"{m}.{n}" for m, names in KNOWINGLY_ABSENT.items() for n in names if f"`{n}`" not in section]
    assert not unlisted, f"README's 'Not yet, or knowingly absent' section does not name: {unlisted}"


def test_print_coverage():
    """Per-module counts (``pytest -s tests/test_api_surface.py`` shows them); the README's
    "What is supported" section carries the same numbers."""
    table = coverage()
    for name in STRICT + MEASURED:
        present, total = table[name]
        print(f"keras.{name}: {present} of {total}")
    strict_total = sum(table[n][1] for n in STRICT)
    strict_present = sum(table[n][0] for n in STRICT)
    assert strict_present + sum(len(KNOWINGLY_ABSENT.get(n, {})) for n in STRICT) == strict_total
