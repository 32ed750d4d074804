"""Piecewise lambdas fitted to what the output's line gives on the arguments a trace shows.

Hand-written programs often end in one arithmetic function with an exception or two:
`lambda d, n: "idle" if d == 0 else d + n`, `lambda e, n: e + n + 50 if n == 7 else e + n`,
`lambda a, d: "full" if a - d >= 3 else a - d`, `lambda s: "pig" if s == 0 else ("hold" if s >= 12
else s)`. The library holds the arithmetic but not the exceptions, so the output's line is read as
a table, and a table has no entry for the arguments no traced input gives: the certificate must
then show each of them never occurs, which the value sets often cannot (a sum of counts at length
1). A lambda has no holes. `piecewise_functions` finds the lambdas of one or two arguments
`E1 if arg == c else E2` or `C if g >= t else E2` (g an argument or a library function; also
`<=`), one more such exception in front where one is not enough, that give every value shown.
Each piece is a constant, an argument, an argument or a library function plus a fitted number, or
a library function. They are proposals like any library line: the search checks each against the
block's weights where no row looked, and the certificate compares the whole answer with the net.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from compiler.language import functions as fn
from compiler.language.literals import is_literal
from interpreter.lines import Invalid, call

#: Most pairs a fit looks at (a table this large is not one line with one exception).
MAX_ENTRIES = 4096
#: Most argument values tried as the exception's constant, per argument.
MAX_CONDITIONS = 64


def piecewise_functions(pairs: Sequence[tuple], values: Sequence, library: Sequence[fn.Lambda],
                        same_value, limit: int = 3, nested: bool = True) -> list[fn.Lambda]:
    """Up to `limit` lambdas `E1 if x == c else E2` (or `y == c`, or a constant `E1` past a
    threshold: `_thresholds`) giving `values[i]` on the arguments `pairs[i]` (one or two) for every i, simplest
    first, where no single piece gives them all; failing those and with `nested`, one more
    exception in front (`_nested`: `"pig" if y == 1 else ("hold" if x >= 12 else x)`). A piece is a
    constant, `x`, `y`, a function of `library` or one plus a number fitted to its branch.
    `same_value(a, b)`: equality of values as the caller judges it (numbers within tolerance)."""
    if not _fittable(pairs, values):
        return []
    measured = _measured(pairs, library)
    found = _one_exception(pairs, values, library, same_value, measured)
    if found is None:
        return []
    if not found and nested:
        found = _nested(pairs, values, library, same_value, measured)
    found.sort(key=lambda item: item[0])
    out: list[fn.Lambda] = []
    for _, function in found:
        if all(function != have for have in out):
            out.append(function)
    return out[:limit]


def _one_exception(pairs, values, library, same_value, measured=None) -> list[tuple[tuple, fn.Lambda]] | None:
    """(rank, lambda) of every one-exception fit; None where one piece gives every value, or the
    pairs are too few or too many to fit. `measured`: `_measured(pairs, library)`, when known."""
    n = len(pairs)
    if not _fittable(pairs, values):
        return None
    pieces = _pieces(pairs, values, library, same_value)
    everywhere = np.ones(n, bool)
    if any(fits(everywhere) is not None for _, fits in pieces):
        return None  # one piece gives every value: the library (or a constant) already has it
    found: list[tuple[tuple, fn.Lambda]] = []
    arity = len(pairs[0])
    for side in range(arity):
        column = [p[side] for p in pairs]
        constants = _distinct([c for c in column if is_literal(c) and c is not None])[:MAX_CONDITIONS]
        for c in constants:
            inside = _equal(column, c, same_value)
            if inside.all() or not inside.any():
                continue
            otherwise = _first_fit(pieces, ~inside)
            if otherwise is None:
                continue
            then = _first_fit(pieces, inside, like=otherwise[1])
            if then is None:
                continue
            (r1, e1), (r2, e2) = then, otherwise
            condition = fn.Compare("==", fn.Param(side), fn.Const(c))
            function = fn.Lambda(arity, fn.IfElse(e1, condition, e2))
            if _gives(function, pairs, values, same_value):
                found.append(((r1 + r2, r2, side), function))
    measured = _measured(pairs, library) if measured is None else measured
    found += _thresholds(pairs, values, pieces, measured, same_value)
    return found


def _fittable(pairs, values) -> bool:
    """Enough rows, not too many (a table this large is not one line with exceptions), and a value
    on each."""
    return 3 <= len(pairs) <= MAX_ENTRIES and all(v is not None for v in values)


def _nested(pairs, values, library, same_value, measured) -> list[tuple[tuple, fn.Lambda]]:
    """`C if cond else F`: the rows giving the word C are those where `cond` holds (an argument
    equal to a value, or past a threshold), and F, a one-exception fit, gives the rest."""
    found = []
    # the outer exception is a word or a flag ("pig", "island"): a number past a threshold is most
    # often the extreme of the arithmetic itself, and trying each such one costs a whole fit
    words = [v for v in values if is_literal(v) and v is not None and not isinstance(v, (int, float))]
    for c in _distinct(words)[:MAX_CONDITIONS]:
        inside = _equal(values, c, same_value)
        if inside.all() or not inside.any():
            continue
        conditions = _conditions(pairs, inside, measured, same_value)
        if not conditions:
            continue
        rest = np.flatnonzero(~inside)  # the same rows whichever condition picks out c's
        inner = _one_exception([pairs[i] for i in rest], [values[i] for i in rest], library, same_value)
        if not inner:
            continue
        (inner_rank, function), *_ = sorted(inner, key=lambda item: item[0])
        for rank, condition in conditions:
            whole = fn.Lambda(len(pairs[0]), fn.IfElse(fn.Const(c), condition, function.body))
            if _gives(whole, pairs, values, same_value):
                found.append(((10 + rank + inner_rank[0],) + tuple(inner_rank[1:]), whole))
                break
    return found


def _conditions(pairs, inside: np.ndarray, measured, same_value) -> list[tuple[int, Any]]:
    """(rank, condition) holding on exactly the rows in `inside`: an argument equal to one value,
    or an argument or library function past a threshold."""
    conditions = []
    for side in range(len(pairs[0])):
        column = [p[side] for p in pairs]
        first = column[int(np.flatnonzero(inside)[0])]
        if is_literal(first) and first is not None and (_equal(column, first, same_value) == inside).all():
            conditions.append((0, fn.Compare("==", fn.Param(side), fn.Const(first))))
    return conditions + [(1 + rank, condition) for rank, condition in _threshold_conditions(inside, measured)]


def _measured(pairs, library) -> list[tuple[int, Any, np.ndarray]]:
    """(rank, expression, its value on each pair) for the arguments and the library's functions
    that give a number on every pair."""
    arity = len(pairs[0])
    measures = [(0, fn.Param(s)) for s in range(arity)] + [(1, f.body) for f in library if f.arity == arity]
    measured = []
    for rank, body in measures:
        try:
            got = np.array([_number(call(fn.Lambda(arity, body), *p)) for p in pairs])
        except Invalid:
            continue
        if len(got) and not np.isnan(got).any():
            measured.append((rank, body, got))
    return measured


def _threshold_conditions(inside: np.ndarray, measured) -> list[tuple[int, Any]]:
    """(rank, `g >= t` or `g <= t`) for each measure g (`_measured`) past a threshold on exactly
    the rows in `inside`."""
    conditions = []
    for rank, body, got in measured:
        low_in, high_in, low_out, high_out = got[inside].min(), got[inside].max(), got[~inside].min(), \
            got[~inside].max()
        if low_in > high_out:
            conditions.append((rank, fn.Compare(">=", body, fn.Const(_plain(low_in)))))
        elif high_in < low_out:
            conditions.append((rank, fn.Compare("<=", body, fn.Const(_plain(high_in)))))
    return conditions


def _equal(column, c, same_value) -> np.ndarray:
    """Where `column` holds the value `c` (as the caller judges values, and of its type: True is not 1)."""
    return np.array([same_value(x, c) and type(x) is type(c) for x in column])


def _thresholds(pairs, values, pieces, measured, same_value) -> list[tuple[tuple, fn.Lambda]]:
    """((rank...), `C if g >= t else E`) (or `<=`) where the rows giving the constant C are exactly
    those where g, an argument or a library function, is past a threshold, and E gives the rest:
    `"full" if x - y >= 3 else x - y` (a car park's occupancy)."""
    found = []
    constants = _distinct([v for v in values if is_literal(v) and v is not None])[:MAX_CONDITIONS]
    for c in constants:
        inside = _equal(values, c, same_value)
        if inside.all() or not inside.any():
            continue
        conditions = _threshold_conditions(inside, measured)
        if not conditions:
            continue
        otherwise = _first_fit(pieces, ~inside)
        if otherwise is None:
            continue
        for rank, condition in conditions:
            function = fn.Lambda(len(pairs[0]), fn.IfElse(fn.Const(c), condition, otherwise[1]))
            if _gives(function, pairs, values, same_value):
                found.append(((1 + rank + otherwise[0], otherwise[0], 2), function))
                break
    return found


def _plain(number: float):
    """An int where the number is whole (a threshold as a program would write it)."""
    return int(number) if float(number).is_integer() else float(number)


def _pieces(pairs, values, library, same_value) -> list[tuple[int, Any]]:
    """(rank, fits) per candidate piece; `fits(mask)` is its expression if it gives every value of
    the rows in `mask`, else None."""
    n = len(pairs)
    pieces: list[tuple[int, Any]] = []

    def constant(mask):
        chosen = [v for v, m in zip(values, mask) if m]
        first = chosen[0]
        if is_literal(first) and all(same_value(v, first) and type(v) is type(first) for v in chosen):
            return fn.Const(first)
        return None

    pieces.append((0, constant))
    arity = len(pairs[0])
    for side in range(arity):
        matches = np.array([same_value(p[side], v) for p, v in zip(pairs, values)])
        pieces.append((1, lambda mask, m=matches, s=side: fn.Param(s) if m[mask].all() else None))
    numbers = np.array([_number(v) for v in values])
    for side in range(arity):  # an argument plus a number: `y + 50 if x == 7 else y` (a bingo bonus)
        offsets = numbers - np.array([_number(p[side]) for p in pairs])
        pieces.append((2, lambda mask, d=offsets, s=side: _shifted(fn.Param(s), d[mask])))
    for function in library:
        if function.arity != arity:
            continue
        try:
            got = [call(function, *p) for p in pairs]
        except Invalid:
            got = None
        if got is None or len(got) != n:
            continue
        matches = np.array([same_value(g, v) for g, v in zip(got, values)])
        offsets = numbers - np.array([_number(g) for g in got])
        pieces.append((2, lambda mask, m=matches, f=function: f.body if m[mask].all() else None))
        pieces.append((3, lambda mask, d=offsets, f=function: _shifted(f.body, d[mask])))
    return pieces


def _shifted(body, offsets: np.ndarray):
    """`body + k` when every offset is the same whole number k != 0 (NaN: not a number)."""
    if not len(offsets) or np.isnan(offsets).any():
        return None
    k = offsets[0]
    if k == 0 or offsets.max() - offsets.min() > 1e-9 or k != math.floor(k) or abs(k) > 1e6:
        return None
    return fn.Binary("+", body, fn.Const(int(k))) if k > 0 else fn.Binary("-", body, fn.Const(int(-k)))


def _first_fit(pieces, mask: np.ndarray, like=None):
    """The simplest piece giving every value of the rows in `mask`: a constant or an argument,
    then `like`'s own function (plus a number: `x + y + 50 if y == 7 else x + y`), then the rest."""
    if like is None:
        return next(((rank, expr) for rank, fits in pieces if (expr := fits(mask)) is not None), None)
    fitting = [(rank, expr) for rank, fits in pieces if (expr := fits(mask)) is not None]
    if not fitting:
        return None

    def order(item):
        rank, expr = item
        own = expr == like or (isinstance(expr, fn.Binary) and expr.left == like)
        return (rank > 1, not own, rank)

    return min(fitting, key=order)


def _gives(function: fn.Lambda, pairs, values, same_value) -> bool:
    try:
        return all(same_value(call(function, *p), v) for p, v in zip(pairs, values))
    except Invalid:
        return False


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    return float(value)


def _distinct(values: list) -> list:
    out: list = []
    for v in values:
        if not any(type(v) is type(u) and v == u for u in out):
            out.append(v)
    return out
