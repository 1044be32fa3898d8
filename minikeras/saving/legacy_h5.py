"""Keras's legacy HDF5 layout (``model.save("m.h5")``), written as Keras 3 writes it.

::

    attrs: keras_version, backend (str); model_config, training_config (JSON bytes)
    /model_weights        attrs layer_names, backend, keras_version
        /<layer name>     attrs weight_names = ["<model>/<layer>/kernel", ...]
            /<model>/<layer>/kernel ...          (the weight names as nested paths)
        /top_level_model_weights  attrs weight_names = []
    /optimizer_weights    attrs weight_names = ["adam/iteration", "adam/learning_rate",
                                                "adam/<model>_<layer>_kernel_momentum", ...]

A legacy weights file (``save_weights("w.h5")``) is the ``model_weights`` group at the root.
Weights are matched to layers by order (layers that have weights), as Keras does.
"""
import json

import h5py
import numpy as np

from .. import optimizers
from .optimizer_state import optimizer_entries, prepare_optimizer_restore, variable_paths
from .serialization import (KERAS_VERSION, compile_arguments, compile_config, compile_model, model_from_config,
                            model_to_config)
from .weights_h5 import count_values, largest_weight, read_array, skip_or_raise


# -- writing -------------------------------------------------------------------------------
def _legacy_object(config):
    """A full Keras object config in the legacy ``{"class_name", "config"}`` form."""
    if not isinstance(config, dict) or "class_name" not in config:
        return config
    return {"class_name": config.get("registered_name") or config["class_name"], "config": config["config"]}


def _legacy_entry(entry):
    """A layer or model config as Keras's legacy format writes it: ``{"class_name", "config"}``
    (plus ``name``/``inbound_nodes`` inside a functional model), nested models likewise."""
    legacy = _legacy_object(entry)
    if not isinstance(legacy, dict) or legacy is entry:
        return legacy
    config = legacy["config"]
    if isinstance(config, dict) and isinstance(config.get("layers"), list):
        legacy["config"] = {**config, "layers": [_legacy_entry(layer) for layer in config["layers"]]}
    for key in ("name", "inbound_nodes"):
        if key in entry:
            legacy[key] = entry[key]
    return legacy


def _legacy_model_config(model):
    config = _legacy_entry(model_to_config(model))
    config["class_name"] = type(model).__name__
    if "build_config" in model_to_config(model) and not hasattr(model, "_output_structure") \
            and config["class_name"] != "Sequential":
        # A subclassed model's legacy config says nothing of its input shape, so Keras cannot
        # rebuild it; minikeras adds the build config (Keras ignores the extra key).
        config["build_config"] = model_to_config(model)["build_config"]
    return config


def _legacy_training_config(model):
    config = compile_config(model)
    optimizer = config.pop("optimizer")
    legacy = {key: (_legacy_object(value) if key == "loss" else
                    [_legacy_object(v) for v in value] if isinstance(value, list) else value)
              for key, value in config.items()}
    legacy["optimizer_config"] = _legacy_object(optimizer)
    return legacy


def _save_names(group, attribute, names):
    # Keras stores an empty list as np.asarray([]) (float64, shape (0,)).
    group.attrs[attribute] = [n.encode("utf8") for n in names] if names else np.asarray([])


def legacy_weights(layer):
    """The weights Keras's legacy format stores for a layer: trainable, then non-trainable."""
    return layer.trainable_weights + layer.non_trainable_weights


def write_model_weights(group, model):
    paths = variable_paths(model)
    _save_names(group, "layer_names", [layer.name for layer in model.layers])
    group.attrs["backend"] = b"numpy"
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in sorted(model.layers, key=lambda l: l.name):
        layer_group = group.create_group(layer.name)
        weights = legacy_weights(layer)
        names = [paths.get(id(v), v.path) for v in weights]
        _save_names(layer_group, "weight_names", names)
        for name, variable in zip(names, weights):
            layer_group.create_dataset(name, data=variable.value)
    _save_names(group.create_group("top_level_model_weights"), "weight_names", [])


def save_h5(model, path, include_optimizer=True):
    """Write ``model`` in the legacy layout to ``path`` (a temporary file the caller renames)."""
    with h5py.File(path, "w") as h5:
        h5.attrs["keras_version"] = KERAS_VERSION
        h5.attrs["backend"] = "numpy"
        h5.attrs["model_config"] = json.dumps(_legacy_model_config(model)).encode("utf8")
        if include_optimizer and model.compiled:
            h5.attrs["training_config"] = json.dumps(_legacy_training_config(model)).encode("utf8")
        write_model_weights(h5.create_group("model_weights"), model)
        if include_optimizer and model.compiled:
            entries = optimizer_entries(model.optimizer, model)
            group = h5.create_group("optimizer_weights")
            _save_names(group, "weight_names", [name for name, _ in entries])
            for name, array in entries:
                group.create_dataset(name, data=array)


def save_h5_weights(model, path):
    """A legacy weights-only file: the ``model_weights`` layout at the root."""
    with h5py.File(path, "w") as h5:
        write_model_weights(h5, model)


# -- reading -------------------------------------------------------------------------------
def _names(group, attribute, where):
    """A list-of-strings attribute, including Keras's chunked form (``name0``, ``name1``...)."""
    if attribute in group.attrs:
        raw = [group.attrs[attribute]]
    else:
        raw, chunk = [], 0
        while f"{attribute}{chunk}" in group.attrs:
            raw.append(group.attrs[f"{attribute}{chunk}"])
            chunk += 1
    names = []
    for values in raw:
        for name in np.atleast_1d(values):
            name = name.decode("utf8") if isinstance(name, bytes) else name
            if not isinstance(name, str):
                raise ValueError(f"{where}: attribute {attribute!r} of {group.name} holds {name!r}, expected names")
            names.append(name)
    return names


def _json_attribute(h5, name, where):
    raw = h5.attrs.get(name)
    if raw is None:
        return None
    try:
        return json.loads(raw.decode("utf8") if isinstance(raw, bytes) else str(raw))
    except (UnicodeDecodeError, ValueError) as error:
        raise ValueError(f"{where}: attribute {name!r} is not valid JSON: {error}") from None


def _group(parent, name, where):
    node = parent.get(name)
    if not isinstance(node, h5py.Group):
        raise ValueError(f"{where}: the file has no group {name!r} under {parent.name}")
    return node


def load_model_weights(group, model, where, skip_mismatch=False, by_name=False):
    """Assign the weights of a ``model_weights`` group, matching layers with weights by order,
    or with ``by_name`` (Keras's ``load_weights(..., by_name=True)``) each layer of the file to
    the model's layer of the same name, leaving layers of other names alone.
    Every count and shape is checked before anything is assigned."""
    if not model.built:
        raise ValueError(f"{where}: the model {model.name!r} is not built yet; build it before loading weights")
    pairs = _layers_by_name(group, model, where) if by_name else _layers_by_order(group, model, where)
    plan = []
    for name, weight_names, layer in pairs:
        variables = legacy_weights(layer)
        problem = None
        if len(weight_names) != len(variables):
            if not by_name:
                raise ValueError(f"{where}: layer {layer.name!r} expects {len(variables)} weights, the file's "
                                 f"layer {name!r} has {len(weight_names)}")
            problem = (f"layer {name!r} expects {len(variables)} weights, the file's layer of that name "
                       f"has {len(weight_names)}")
        else:
            arrays = [read_array(group[name].get(n), where, f"{name}/{n}", largest_weight(model))
                      for n in weight_names]
            mismatch = [(v, a) for v, a in zip(variables, arrays) if v.shape != a.shape]
            if mismatch:
                variable, array = mismatch[0]
                problem = (f"layer {name if by_name else layer.name!r} weight {variable.name!r} has shape "
                           f"{variable.shape} in the model but {array.shape} in the file"
                           + ("" if by_name else f" (layer {name!r})"))
        if problem:
            skip_or_raise(problem, where, skip_mismatch)
            continue
        plan.extend(zip(variables, arrays))
    return plan


def _layers_by_order(group, model, where):
    """(file layer name, its weight names, model layer) for the layers with weights, in order."""
    layers = [layer for layer in model.layers if legacy_weights(layer)]
    saved = []
    for name in _names(group, "layer_names", where):
        weight_names = _names(_group(group, name, where), "weight_names", where)
        if weight_names:
            saved.append((name, weight_names))
    if len(saved) != len(layers):
        raise ValueError(f"{where}: the file has weights for {len(saved)} layers {[n for n, _ in saved]}, "
                         f"the model has {len(layers)} layers with weights {[l.name for l in layers]}")
    return [(name, weight_names, layer) for (name, weight_names), layer in zip(saved, layers)]


def _layers_by_name(group, model, where):
    """(file layer name, its weight names, model layer) for the file's layers the model has by name."""
    by_name = {layer.name: layer for layer in model.layers}
    return [(name, _names(_group(group, name, where), "weight_names", where), by_name[name])
            for name in _names(group, "layer_names", where) if name in by_name]


def load_h5_weights(h5, model, where, skip_mismatch=False, by_name=False):
    group = h5["model_weights"] if "layer_names" not in h5.attrs and "model_weights" in h5 else h5
    if "layer_names" not in group.attrs and "layer_names0" not in group.attrs:
        raise ValueError(f"{where}: not a Keras HDF5 weights file (no 'layer_names' attribute)")
    for variable, array in load_model_weights(group, model, where, skip_mismatch, by_name):
        variable.assign(array)


def load_h5(h5, where, custom_objects=None, compile=True, safe_mode=True):
    """A model from an open legacy ``.h5`` model file."""
    config = _json_attribute(h5, "model_config", where)
    if config is None:
        raise ValueError(f"{where}: the file has no model_config: it holds weights only; build the "
                         "model and use model.load_weights() instead")
    model = model_from_config(config, custom_objects, safe_mode, where=where,
                              max_parameters=count_values(h5, "model_weights"))
    if model.built:
        plan = load_model_weights(_group(h5, "model_weights", where), model, where)
    elif count_values(h5, "model_weights"):
        raise ValueError(f"{where}: the file holds weights but its config does not say the input "
                         "shape, so the model cannot be built to receive them")
    else:  # a model saved before it was built: no weights, as Keras loads it
        plan = []
    training = _json_attribute(h5, "training_config", where) if compile else None
    assign_optimizer = None
    if training is not None:
        if not isinstance(training, dict) or not isinstance(training.get("optimizer_config"), dict):
            raise ValueError(f"{where}: training_config has no optimizer_config")
        optimizer = optimizers.deserialize(training["optimizer_config"], custom_objects)
        compiled = compile_model(model, compile_arguments(training, where, custom_objects, optimizer), where)
        group = h5.get("optimizer_weights")
        if not compiled:
            pass
        elif isinstance(group, h5py.Group):
            names = _names(group, "weight_names", where)
            arrays = [read_array(group.get(n), where, f"optimizer_weights/{n}", largest_weight(model))
                      for n in names]
            assign_optimizer = prepare_optimizer_restore(model.optimizer, model, arrays, where)
        else:
            model.optimizer.build(model.trainable_weights)
    for variable, array in plan:
        variable.assign(array)
    if assign_optimizer is not None:
        assign_optimizer()
    return model
