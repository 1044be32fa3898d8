"""Optimizer state in Keras's ``optimizer.variables`` order and names.

Keras lists ``iteration`` (int32), ``learning_rate`` (float32, absent when it is a
schedule or a callable), then the slots group by group (``Optimizer.slot_groups``), variable by
variable inside a group, then extra scalars (Nadam's ``u_product``). A slot's name is
``<optimizer>/<model>_<layer>_<weight>_<slot>``.
"""
import warnings

import numpy as np


def _slot_entries(optimizer, variables, paths):
    for group in optimizer.slot_groups:
        for variable in variables:
            slots = optimizer.slots(variable)
            for slot_name in group:
                array = slots[optimizer.slot_names.index(slot_name)]
                yield f"{paths[id(variable)].replace('/', '_')}_{slot_name}", array


def variable_paths(model):
    """``{id(variable): path}`` as Keras names variables: ``sequential/dense/kernel``,
    ``my_model/encoder/kernel``, but ``dense/kernel`` inside a functional model (each object's
    ``_variable_prefix``), found along the layers saving walks (``_saving_children``)."""
    paths, visited = {}, set()

    def walk(layer, prefix):
        if id(layer) in visited:
            return
        visited.add(id(layer))
        for variable in getattr(layer, "_variables", []):
            paths.setdefault(id(variable), f"{prefix}/{variable.name}" if prefix else variable.name)
        for _, child in layer._saving_children():
            for sub in child if isinstance(child, list) else [child]:
                walk(sub, sub._variable_prefix(prefix))
    walk(model, model._variable_prefix(""))
    return paths


def optimizer_entries(optimizer, model):
    """``[(name, array)]``: the optimizer's state as Keras lays it out (arrays are copies); a
    wrapper (LossScaleOptimizer) lists its own variables, then its inner optimizer's."""
    inner = getattr(optimizer, "inner_optimizer", None)
    if inner is not None:
        own = [f"{optimizer.name}/{n}" for n in ("iteration", "learning_rate", "step_counter", "dynamic_scale")]
        return list(zip(own, optimizer.own_state())) + optimizer_entries(inner, model)
    name = optimizer.name
    entries = [(f"{name}/iteration", np.array(optimizer.iterations, dtype=np.int32))]
    if optimizer.has_learning_rate_variable:
        entries.append((f"{name}/learning_rate", np.array(optimizer.learning_rate, dtype=np.float32)))
    tracked = optimizer.tracked_variables
    paths = variable_paths(model)
    for variable in tracked:
        paths.setdefault(id(variable), variable.path)
    entries += [(f"{name}/{slot}", array.copy()) for slot, array in _slot_entries(optimizer, tracked, paths)]
    entries += [(f"{name}/{attr}", np.array(getattr(optimizer, attr), dtype=np.float32))
                for attr in optimizer.extra_state]
    return entries


def prepare_optimizer_restore(optimizer, model, arrays, where):
    """Check ``arrays`` (Keras order) against ``optimizer`` built on the model's trainable weights.

    Returns a function that assigns them, or None when, like Keras, the state is skipped
    with a warning because the count differs (another optimizer configuration). A shape
    mismatch is a ValueError raised before anything is assigned.
    """
    inner = getattr(optimizer, "inner_optimizer", None)
    if inner is not None:  # a wrapper: its four variables, then the inner optimizer's
        if len(arrays) < 4:
            warnings.warn(f"{where}: skipping the optimizer state: {optimizer.name!r} needs at least 4 "
                          f"variables but the file holds {len(arrays)}", stacklevel=3)
            return None
        assign_inner = prepare_optimizer_restore(inner, model, arrays[4:], where)
        if assign_inner is None:
            return None

        def assign_wrapper():
            optimizer.set_own_state(arrays[:4])
            assign_inner()
        return assign_wrapper
    variables = model.trainable_weights
    fresh = not optimizer.tracked_variables
    if fresh:
        optimizer.build(variables)
    else:
        variables = optimizer.tracked_variables
    has_lr = optimizer.has_learning_rate_variable
    slots = [array for _, array in _slot_entries(optimizer, variables,
                                                 {id(v): v.path for v in variables})]
    expected = 1 + has_lr + len(slots) + len(optimizer.extra_state)
    if len(arrays) == 1 + has_lr:
        # An optimizer Keras never built (a model compiled and saved before training) is
        # written as its iteration and learning rate only; its slots start at zeros either way.
        slots, extra_state = [], ()
    elif len(arrays) == expected:
        extra_state = optimizer.extra_state
    else:
        warnings.warn(f"{where}: skipping the optimizer state: {optimizer.name!r} has {expected} "
                      f"variables but the file holds {len(arrays)}", stacklevel=3)
        return None
    arrays = [np.asarray(a) for a in arrays]
    targets = [np.zeros(())] * (1 + has_lr) + slots + [np.zeros(())] * len(extra_state)
    for index, (target, array) in enumerate(zip(targets, arrays)):
        if target.shape != array.shape:
            raise ValueError(f"{where}: optimizer variable {index} has shape {array.shape} in the file "
                             f"but {target.shape} in the model: the file is for another architecture")
    iterations = int(arrays[0])
    if iterations < 0:
        raise ValueError(f"{where}: optimizer iteration count is negative ({iterations})")
    saved_lr = float(arrays[1]) if has_lr else None
    if saved_lr is not None and not (np.isfinite(saved_lr) and saved_lr >= 0):
        raise ValueError(f"{where}: optimizer learning rate in the file is {saved_lr}")

    def assign():
        optimizer.iterations = iterations
        if saved_lr is not None and np.float32(optimizer.learning_rate) != np.float32(saved_lr):
            optimizer.learning_rate = saved_lr
        for slot, array in zip(slots, arrays[1 + has_lr:]):
            slot[...] = array
        for attr, array in zip(extra_state, arrays[len(arrays) - len(extra_state):]):
            setattr(optimizer, attr, float(array))
    return assign
