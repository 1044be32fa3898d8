"""The checks every constructor runs on its numbers and flags, with one message form:
``"<what> must be <a positive integer | a number in [0, 1) | True or False ...>, got <value>"``.

Booleans are never numbers here (``units=True`` is refused), and numbers must be finite.
"""
import math

import numpy as np

_INTEGERS = (int, np.integer)
_NUMBERS = (int, float, np.integer, np.floating)


def integer(value, what, minimum=None, allow_none=False):
    """``value`` as an int, at least ``minimum``; ``what`` names it in the error."""
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, _INTEGERS) or \
            (minimum is not None and value < minimum):
        kind = {1: "a positive integer", 0: "a non-negative integer"}.get(minimum, "an integer" if minimum is None
                                                                          else f"an integer >= {minimum}")
        raise ValueError(f"{what} must be {kind}{' or None' if allow_none else ''}, got {value!r}")
    return int(value)


def number(value, what, minimum=None, maximum=None, strict=False, upper_open=False, allow_none=False):
    """``value`` as a float within the bounds (``strict``: above ``minimum``; ``upper_open``:
    below ``maximum``)."""
    if value is None and allow_none:
        return None
    ok = not isinstance(value, (bool, np.bool_)) and isinstance(value, _NUMBERS) and math.isfinite(value)
    if ok and minimum is not None:
        ok = value > minimum if strict else value >= minimum
    if ok and maximum is not None:
        ok = value < maximum if upper_open else value <= maximum
    if not ok:
        if minimum is not None and maximum is not None:
            kind = f"a number in {'(' if strict else '['}{minimum:g}, {maximum:g}{')' if upper_open else ']'}"
        elif minimum == 0:
            kind = "a positive number" if strict else "a non-negative number"
        elif minimum is not None:
            kind = f"a number {'>' if strict else '>='} {minimum:g}"
        else:
            kind = "a number"
        raise ValueError(f"{what} must be {kind}{' or None' if allow_none else ''}, got {value!r}")
    return value


def flag(value, what):
    """``value`` as a bool: only True or False (a string such as ``"no"`` is refused)."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{what} must be True or False, got {value!r}")
    return bool(value)
