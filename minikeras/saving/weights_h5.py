"""Keras 3's ``.weights.h5`` layout (also the ``model.weights.h5`` inside a ``.keras`` zip).

::

    /vars                          attrs name=<model name>   (the model's own variables: none)
    /layers/<key>/vars/0, 1, ...   attrs name=<layer name>   (trainable first, then non-trainable)
    /layers/<key>/layers/...       (a nested Sequential's or Functional's layers)
    /<attribute>/vars/...          (a subclassed model's layer attributes; lists as /<attribute>/<key>)
    /optimizer/vars/0, 1, ...      attrs name=<optimizer name> (Keras's optimizer.variables order)

``<key>`` is the snake-cased class name made unique within its list (``dense``,
``dense_1``, ...), not the layer's name: files match models by position and type. The paths
come from one walk over each object's ``_saving_children()``, as Keras's ``_walk_saveable``.
"""
import re
import warnings

import h5py
import numpy as np

from ..utils.naming import to_snake_case
from .optimizer_state import optimizer_entries, prepare_optimizer_restore



def skip_or_raise(problem, where, skip_mismatch):
    """A layer whose weights do not fit the file's: with Keras's ``skip_mismatch`` a warning and
    the layer is skipped, else a ValueError (raised before anything is assigned)."""
    if not skip_mismatch:
        raise ValueError(f"{where}: {problem}")
    warnings.warn(f"{where}: skipping {problem}", stacklevel=4)

def ordered_weights(layer):
    """A layer's own variables in the order Keras stores them: trainable, then non-trainable
    (a model's own are none: its layers' are stored under their own paths)."""
    own = getattr(layer, "_variables", [])
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def layer_entries(model):
    """``[(group path, layer)]`` for every layer Keras's saving visits below ``model``, in its
    order: each object's ``_saving_children()``, depth first; a list's layers are keyed by
    their snake-cased class name, numbered per list (``dense``, ``dense_1``); a layer met
    again (shared, or listed twice) is stored once, at its first path, but still counts for
    the numbering."""
    entries, visited = [], {id(model)}

    def visit(layer, path):
        if id(layer) in visited:
            return
        visited.add(id(layer))
        entries.append((path, layer))
        walk(layer, path)

    def walk(obj, prefix):
        for name, child in obj._saving_children():
            path = f"{prefix}/{name}" if prefix else name
            if not isinstance(child, list):
                visit(child, path)
                continue
            used = {}
            for layer in child:
                base = to_snake_case(type(layer).__name__)
                used[base] = used.get(base, -1) + 1
                visit(layer, f"{path}/{base}_{used[base]}" if used[base] else f"{path}/{base}")
    walk(model, "")
    return entries


def _write_vars(h5, path, name, arrays):
    group = h5.create_group(f"{path}/vars" if path else "vars")
    group.attrs["name"] = name
    for index, array in enumerate(arrays):
        group.create_dataset(str(index), data=np.asarray(array))


def write_weights(h5, model, include_optimizer=True):
    """Write ``model``'s weights (and optimizer state) into an open, empty h5py file."""
    _write_vars(h5, "", model.name, [])
    for path, layer in layer_entries(model):
        _write_vars(h5, path, layer.name, [v.value for v in ordered_weights(layer)])
    if include_optimizer and model.compiled and model.optimizer is not None:
        entries = optimizer_entries(model.optimizer, model)
        _write_vars(h5, "optimizer", model.optimizer.name, [array for _, array in entries])
        inner = getattr(model.optimizer, "inner_optimizer", None)
        if inner is not None:  # Keras also stores the wrapped optimizer's variables on their own
            _write_vars(h5, "optimizer/inner_optimizer", inner.name,
                        [array for _, array in optimizer_entries(inner, model)])


def read_array(node, where, what, max_values=None):
    """A numeric array from an h5py dataset, or a ValueError naming the file and entry.

    A dataset declaring more than ``max_values`` values (the model's largest weight) cannot
    match any weight, and a damaged or hostile file can declare terabytes backed by nothing:
    it is not read but stood in for by a zero-memory array of the declared shape, so the
    callers' shape checks report (or skip) it like any other mismatch.
    """
    if not isinstance(node, h5py.Dataset):
        raise ValueError(f"{where}: {what} is not a dataset (found {type(node).__name__})")
    if node.dtype.kind not in "fiub":
        raise ValueError(f"{where}: {what} holds {node.dtype} data, expected numbers")
    if max_values is not None and node.size > max_values:
        return np.broadcast_to(np.zeros((), node.dtype), node.shape)
    return np.asarray(node[()])


def largest_weight(model):
    """The size of the model's largest weight: no stored array that can be loaded is bigger."""
    return max((v.value.size for v in model.weights), default=1)


def _read_vars(h5, path, where, max_values=None):
    """The arrays stored in ``<path>/vars`` in index order ([] when the group is absent)."""
    group_path = f"{path}/vars" if path else "vars"
    if group_path not in h5:
        return None
    group = h5[group_path]
    if not isinstance(group, h5py.Group):
        raise ValueError(f"{where}: {group_path} is not a group")
    keys = list(group.keys())
    if sorted(keys) != sorted(str(i) for i in range(len(keys))):
        raise ValueError(f"{where}: {group_path} should hold datasets named 0..{len(keys) - 1}, got {sorted(keys)}")
    return [read_array(group[str(i)], where, f"{group_path}/{i}", max_values) for i in range(len(keys))]


def load_weights(h5, model, where, skip_mismatch=False, load_optimizer=True):
    """Load a Keras-layout weights file into ``model``: every layer's count and shapes are
    checked first, then everything is assigned (nothing changes when an error is raised).
    """
    if not model.built:
        raise ValueError(f"{where}: the model {model.name!r} is not built yet, so its weights do not exist; "
                         "build it (model.build(input_shape), or give it an Input) before loading weights")
    plan, known = [], set()
    limit = largest_weight(model)
    for path, layer in layer_entries(model):
        known.add(path)
        variables = ordered_weights(layer)
        arrays = _read_vars(h5, path, where, limit)
        arrays = [] if arrays is None and not variables else arrays
        problem = None
        if arrays is None:
            problem = f"the file has no weights for layer {layer.name!r} ({path})"
        elif len(arrays) != len(variables):
            problem = (f"layer {layer.name!r} ({type(layer).__name__}, {path}) expects "
                       f"{len(variables)} weights {[v.name for v in variables]}, the file has {len(arrays)}")
        else:
            for variable, array in zip(variables, arrays):
                if array.shape != variable.shape:
                    problem = (f"layer {layer.name!r} ({path}) weight {variable.name!r} has shape "
                               f"{variable.shape} in the model but {array.shape} in the file")
                    break
        if problem:
            skip_or_raise(problem, where, skip_mismatch)
            continue
        plan.extend(zip(variables, arrays))
    if "layers" in h5:
        extra = sorted(f"layers/{key}" for key in h5["layers"] if f"layers/{key}" not in known
                       and _read_vars(h5, f"layers/{key}", where, limit))
        if extra and not skip_mismatch:
            raise ValueError(f"{where}: the file has weights for layers the model does not have: {extra} "
                             f"(the model has {len(model.layers)} layers)")
    assign_optimizer = None
    if load_optimizer and model.compiled and model.optimizer is not None:
        arrays = _read_vars(h5, "optimizer", where, limit)
        if arrays:
            assign_optimizer = prepare_optimizer_restore(model.optimizer, model, arrays, where)
    for variable, array in plan:
        variable.assign(array)
    if assign_optimizer is not None:
        assign_optimizer()


def optimizer_group_name(h5):
    """The optimizer name recorded in a weights file (``optimizer/vars`` attribute), or None."""
    node = h5.get("optimizer/vars")
    name = node.attrs.get("name") if isinstance(node, h5py.Group) else None
    return name.decode() if isinstance(name, bytes) else name


def count_values(h5, prefix):
    """How many numbers the datasets under ``prefix`` hold (bounds what a config may build)."""
    total = 0
    node = h5.get(prefix)

    def visit(_, obj):
        nonlocal total
        if isinstance(obj, h5py.Dataset):
            total += int(np.prod(obj.shape, dtype=np.int64))
    if isinstance(node, h5py.Group):
        node.visititems(visit)
    return total
