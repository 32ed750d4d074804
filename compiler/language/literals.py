"""The literals of the language (None, bools, numbers, strings, tuples of them): which Python
values are literals, their canonical text, the one order on values, and how a table matches them.

For the language, the compiler, the generator and the interpreter alike: a value has one spelling
(`format_value`) and one place in every sorted list (`value_sort_key`: vocabularies, tables,
value sets).
"""

from __future__ import annotations

import json
import math
from typing import Any, Union

import numpy as np

Value = Union[None, bool, int, float, str, tuple]


def normalize_value(value: Any) -> Value:
    """Returns `value` as a plain Python literal value, or raises TypeError if it has none.

    numpy scalars (which tracr programs often produce) become int/float/bool; tuples are
    normalised element-wise; floats must be finite.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if not math.isfinite(value):
            raise TypeError(f"{value!r} is not a finite number")
        return value
    if isinstance(value, tuple):
        return tuple(normalize_value(v) for v in value)
    raise TypeError(f"{value!r} of type {type(value).__name__} is not a RASP literal")


def table_key(value: Any) -> Any:
    """`value` as a table matches it: a float rounded to 9 decimals (means computed in different
    orders differ in their last bits), tuples element by element, anything else as it is."""
    if isinstance(value, float):
        return round(value, 9) + 0.0
    if isinstance(value, tuple):
        return tuple(table_key(v) for v in value)
    return value


def format_value(value: Value) -> str:
    """Canonical text of a literal value."""
    if value is None or isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back as the same float
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple):
        inner = ", ".join(format_value(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    raise TypeError(f"{value!r} is not a RASP literal")


def value_sort_key(value: Any) -> tuple:
    """A total order on values: None < bools < numbers < strings < tuples < anything else
    (by type name and repr, e.g. what an imported Python function returns)."""
    if value is None:
        return (0,)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, (int, float)) and math.isfinite(value):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, tuple):
        return (4, tuple(value_sort_key(v) for v in value))
    return (5, type(value).__name__, repr(value))


def is_literal(value: Any) -> bool:
    """Whether `value` is a literal of the language (`normalize_value` takes it)."""
    try:
        normalize_value(value)
    except TypeError:
        return False
    return True
