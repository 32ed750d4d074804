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
    calls = _Calls.of(pairs, library)
    found = _one_exception(pairs, values, calls, same_value)
    if found is None:
        return []
    if not found and nested:
        found = _nested(pairs, values, calls, same_value)
    found.sort(key=lambda item: item[0])
    out: list[fn.Lambda] = []
    for _, function in found:
        if all(function != have for have in out):
            out.append(function)
    return out[:limit]


class _Calls:
    """Each library function of the pairs' arity on each pair, computed once for a fit (`INVALID`
    where it is undefined): the nested fits look at subsets of the pairs again and again, and each
    computed every function on every pair anew (the twentieth hand-written set's h23: 19 s of a
    30 s search in one output line's fits)."""

    INVALID = object()

    def __init__(self, functions: list, got: list[list]):
        self.functions, self.got = functions, got

    @classmethod
    def of(cls, pairs, library) -> "_Calls":
        """The library's functions of the pairs' arity, each on every pair."""
        functions = [f for f in library if f.arity == len(pairs[0])]
        return cls(functions, [[cls._value(f, p) for p in pairs] for f in functions])

    @classmethod
    def _value(cls, function, pair):
        try:
            return call(function, *pair)
        except Invalid:
            return cls.INVALID

    def subset(self, index) -> "_Calls":
        """The calls on the pairs at `index`."""
        return _Calls(self.functions, [[row[i] for i in index] for row in self.got])

    def defined(self):
        """(function, its value on each pair) for the functions defined on every pair."""
        return [(f, row) for f, row in zip(self.functions, self.got) if not any(v is self.INVALID for v in row)]


def _one_exception(pairs, values, calls: _Calls, same_value) -> list[tuple[tuple, fn.Lambda]] | None:
    """(rank, lambda) of every one-exception fit; None where one piece gives every value, or the
    pairs are too few or too many to fit. `calls`: the library's functions on `pairs`."""
    n = len(pairs)
    if not _fittable(pairs, values):
        return None
    pieces = _Pieces(pairs, values, calls, same_value)
    if pieces.fitting(np.ones(n, bool)):
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
    found += _thresholds(pairs, values, pieces, _measured(pairs, calls), same_value)
    return found


def _fittable(pairs, values) -> bool:
    """Enough rows, not too many (a table this large is not one line with exceptions), and a value
    on each."""
    return 3 <= len(pairs) <= MAX_ENTRIES and all(v is not None for v in values)


def _nested(pairs, values, calls: _Calls, same_value) -> list[tuple[tuple, fn.Lambda]]:
    """`C if cond else F`: the rows giving the word C are those where `cond` holds (an argument
    equal to a value, or past a threshold), and F, a one-exception fit, gives the rest."""
    found = []
    # the outer exception is a word or a flag ("pig", "island"): a number past a threshold is most
    # often the extreme of the arithmetic itself, and trying each such one costs a whole fit
    words = [v for v in values if is_literal(v) and v is not None and not isinstance(v, (int, float))]
    measured = _measured(pairs, calls)
    for c in _distinct(words)[:MAX_CONDITIONS]:
        inside = _equal(values, c, same_value)
        if inside.all() or not inside.any():
            continue
        conditions = _conditions(pairs, inside, measured, same_value)
        if not conditions:
            continue
        rest = np.flatnonzero(~inside)  # the same rows whichever condition picks out c's
        inner = _one_exception([pairs[i] for i in rest], [values[i] for i in rest], calls.subset(rest), same_value)
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


def _measured(pairs, calls: _Calls) -> list[tuple[int, Any, np.ndarray]]:
    """(rank, expression, its value on each pair) for the arguments and the library's functions
    that give a number on every pair."""
    arity = len(pairs[0])
    measures = [(0, fn.Param(s), [call(fn.Lambda(arity, fn.Param(s)), *p) for p in pairs]) for s in range(arity)]
    measures += [(1, f.body, row) for f, row in calls.defined()]
    measured = []
    for rank, body, row in measures:
        got = np.array([_number(v) for v in row])
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


class _Pieces:
    """The candidate pieces of a fit, in the order they are preferred, each with its rank: a
    constant; an argument; an argument plus a number; a library function; one plus a number.
    `fitting(mask)` is every piece giving every value of the rows in `mask` (its expression), found
    for all pieces at once: one array per kind, not one closure per piece and mask (h23's output
    line tried 64 constants per argument against a hundred library functions)."""

    def __init__(self, pairs, values, calls: _Calls, same_value):
        self.values, self.same_value = values, same_value
        arity = len(pairs[0])
        numbers = np.array([_number(v) for v in values])
        kinds: list[tuple[int, str, Any]] = [(0, "constant", None)]  # (rank, kind, expression)
        matches, offsets = [], []
        for side in range(arity):
            kinds.append((1, "match", fn.Param(side)))
            matches.append([same_value(p[side], v) for p, v in zip(pairs, values)])
        for side in range(arity):  # an argument plus a number: `y + 50 if x == 7 else y` (a bingo bonus)
            kinds.append((2, "shift", fn.Param(side)))
            offsets.append(numbers - np.array([_number(p[side]) for p in pairs]))
        for function, got in calls.defined():
            kinds.append((2, "match", function.body))
            matches.append([same_value(g, v) for g, v in zip(got, values)])
            kinds.append((3, "shift", function.body))
            offsets.append(numbers - np.array([_number(g) for g in got]))
        self.kinds = kinds
        self.matches = np.array(matches, bool).reshape(len(matches), len(pairs))
        self.offsets = np.array(offsets, float).reshape(len(offsets), len(pairs))

    def fitting(self, mask: np.ndarray) -> list[tuple[int, Any]]:
        """(rank, expression) of each piece giving every value of the rows in `mask`, in order."""
        matched = iter(self.matches[:, mask].all(axis=1).tolist())
        shifted = iter(_shifts(self.offsets[:, mask]))
        out = []
        for rank, kind, expr in self.kinds:
            if kind == "constant":
                const = self._constant(mask)
                if const is not None:
                    out.append((rank, const))
            elif kind == "match":
                if next(matched):
                    out.append((rank, expr))
            else:
                k = next(shifted)
                if k is not None:
                    out.append((rank, fn.Binary("+", expr, fn.Const(k)) if k > 0
                                else fn.Binary("-", expr, fn.Const(-k))))
        return out

    def _constant(self, mask: np.ndarray):
        chosen = [v for v, m in zip(self.values, mask.tolist()) if m]
        first = chosen[0]
        if is_literal(first) and all(self.same_value(v, first) and type(v) is type(first) for v in chosen):
            return fn.Const(first)
        return None


def _shifts(offsets: np.ndarray) -> list[int | None]:
    """Per row of `offsets` [pieces, rows]: the whole number k != 0 that every offset is (`body +
    k`), else None (NaN: not a number)."""
    if not offsets.shape[1]:
        return [None] * len(offsets)
    k = offsets[:, 0]
    with np.errstate(invalid="ignore"):
        same = ~np.isnan(offsets).any(axis=1) & (np.nanmax(offsets, axis=1, initial=-np.inf)
                                                 - np.nanmin(offsets, axis=1, initial=np.inf) <= 1e-9)
        whole = same & (k != 0) & (k == np.floor(k)) & (np.abs(k) <= 1e6)
    return [int(x) if ok else None for x, ok in zip(k.tolist(), whole.tolist())]


def _first_fit(pieces: _Pieces, mask: np.ndarray, like=None):
    """The simplest piece giving every value of the rows in `mask`: a constant or an argument,
    then `like`'s own function (plus a number: `x + y + 50 if y == 7 else x + y`), then the rest."""
    fitting = pieces.fitting(mask)
    if not fitting:
        return None
    if like is None:
        return fitting[0]

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
