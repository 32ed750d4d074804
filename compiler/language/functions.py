"""The function sub-language of Map, SequenceMap and Select: expressions, lookup tables, predicates.

Every function here is a plain value (a frozen dataclass) that prints canonically and is
callable the way tracr calls it: `f(x)` for a Map, `f(x, y)` for a SequenceMap, and
`predicate(key, query)` for a Select. Evaluation walks our own syntax tree with Python's
operator semantics; program text is never handed to Python's `eval` or `exec`.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from typing import Any, Callable, Union

from tracr.rasp import rasp

from compiler.language.literals import Value, format_value, is_literal, table_key, value_sort_key

#: Canonical parameter names, by role; parsing accepts any names and renames to these.
MAP_PARAMS = ("x",)
SEQUENCE_MAP_PARAMS = ("x", "y")
PREDICATE_PARAMS = ("k", "q")

#: Deepest expression or value nesting accepted; keeps every walk over the tree far from
#: Python's recursion limit.
MAX_DEPTH = 64


class EvaluationError(ValueError):
    """A program function applied to values it is not defined on (e.g. `"a" + 1`)."""


# ---------------------------------------------------------------------------------------
# Expressions.

# Binding strength for printing, loosest first; matches the grammar's precedence.
_PREC_IFELSE, _PREC_OR, _PREC_AND, _PREC_NOT, _PREC_COMPARE, _PREC_ADD, _PREC_MUL, _PREC_NEG, _PREC_ATOM = range(9)

#: The longest string or tuple a function may build (a program's values become one-hot
#: directions and table rows: nothing near this is useful, and `"a" * 10**12` would exhaust memory).
MAX_SEQUENCE_VALUE = 10_000
#: Most entries of one table (a map's or sequence_map's, or a predicate's pairs); checked when
#: the program is parsed. Larger tables take minutes and gigabytes to parse and compile.
MAX_TABLE_ENTRIES = 65_536


def _checked_length(value: Any) -> Any:
    if isinstance(value, (str, tuple)) and len(value) > MAX_SEQUENCE_VALUE:
        raise ValueError(f"it builds a {type(value).__name__} of {len(value):,} items, over the language's "
                         f"limit of {MAX_SEQUENCE_VALUE:,}")
    return value


def _add(a: Any, b: Any) -> Any:
    return _checked_length(operator.add(a, b))


def _mul(a: Any, b: Any) -> Any:
    for seq, times in ((a, b), (b, a)):  # check the size before building it
        if isinstance(seq, (str, tuple)) and isinstance(times, int) and not isinstance(times, bool):
            if len(seq) * max(times, 0) > MAX_SEQUENCE_VALUE:
                raise ValueError(f"it builds a {type(seq).__name__} of {len(seq) * times:,} items, over the "
                                 f"language's limit of {MAX_SEQUENCE_VALUE:,}")
    return operator.mul(a, b)


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, str):  # Python's printf-style formatting ("%999999999d" % x), not a remainder
        raise TypeError("`%` takes numbers; on a string it would be Python's string formatting, which the "
                        "language does not have")
    return operator.mod(a, b)


BINARY_OPS: dict[str, tuple[int, Callable[[Any, Any], Any]]] = {
    "+": (_PREC_ADD, _add),
    "-": (_PREC_ADD, operator.sub),
    "*": (_PREC_MUL, _mul),
    "/": (_PREC_MUL, operator.truediv),
    "//": (_PREC_MUL, operator.floordiv),
    "%": (_PREC_MUL, _mod),
}
COMPARE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
CALLS: dict[str, Callable[..., Any]] = {"min": min, "max": max, "abs": abs}


@dataclasses.dataclass(frozen=True)
class Const:
    value: Value

    def evaluate(self, args: tuple) -> Any:
        return self.value

    def format(self, params: tuple[str, ...]) -> str:
        return format_value(self.value)

    @property
    def precedence(self) -> int:
        negative = isinstance(self.value, (int, float)) and not isinstance(self.value, bool) and (
            self.value < 0 or math.copysign(1, self.value) < 0)
        return _PREC_NEG if negative else _PREC_ATOM


@dataclasses.dataclass(frozen=True)
class Param:
    index: int
    precedence = _PREC_ATOM

    def evaluate(self, args: tuple) -> Any:
        return args[self.index]

    def format(self, params: tuple[str, ...]) -> str:
        return params[self.index]


@dataclasses.dataclass(frozen=True)
class Neg:
    operand: "Expr"
    precedence = _PREC_NEG

    def evaluate(self, args: tuple) -> Any:
        return -self.operand.evaluate(args)

    def format(self, params: tuple[str, ...]) -> str:
        return "-" + _wrap(self.operand, params, _PREC_NEG)


@dataclasses.dataclass(frozen=True)
class Not:
    operand: "Expr"
    precedence = _PREC_NOT

    def evaluate(self, args: tuple) -> Any:
        return not self.operand.evaluate(args)

    def format(self, params: tuple[str, ...]) -> str:
        return "not " + _wrap(self.operand, params, _PREC_NOT)


@dataclasses.dataclass(frozen=True)
class Binary:
    op: str
    left: "Expr"
    right: "Expr"

    @property
    def precedence(self) -> int:
        return BINARY_OPS[self.op][0]

    def evaluate(self, args: tuple) -> Any:
        return BINARY_OPS[self.op][1](self.left.evaluate(args), self.right.evaluate(args))

    def format(self, params: tuple[str, ...]) -> str:
        # Left-associative: the right operand needs parentheses at equal precedence.
        p = self.precedence
        return f"{_wrap(self.left, params, p)} {self.op} {_wrap(self.right, params, p + 1)}"


@dataclasses.dataclass(frozen=True)
class Compare:
    op: str
    left: "Expr"
    right: "Expr"
    precedence = _PREC_COMPARE

    def evaluate(self, args: tuple) -> Any:
        return COMPARE_OPS[self.op](self.left.evaluate(args), self.right.evaluate(args))

    def format(self, params: tuple[str, ...]) -> str:
        # Comparisons do not chain: both operands must bind tighter.
        p = _PREC_COMPARE + 1
        return f"{_wrap(self.left, params, p)} {self.op} {_wrap(self.right, params, p)}"


@dataclasses.dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    left: "Expr"
    right: "Expr"

    @property
    def precedence(self) -> int:
        return _PREC_AND if self.op == "and" else _PREC_OR

    def evaluate(self, args: tuple) -> Any:
        left = self.left.evaluate(args)
        if self.op == "and":
            return left and self.right.evaluate(args)
        return left or self.right.evaluate(args)

    def format(self, params: tuple[str, ...]) -> str:
        p = self.precedence
        return f"{_wrap(self.left, params, p)} {self.op} {_wrap(self.right, params, p + 1)}"


@dataclasses.dataclass(frozen=True)
class IfElse:
    then: "Expr"
    condition: "Expr"
    otherwise: "Expr"
    precedence = _PREC_IFELSE

    def evaluate(self, args: tuple) -> Any:
        return self.then.evaluate(args) if self.condition.evaluate(args) else self.otherwise.evaluate(args)

    def format(self, params: tuple[str, ...]) -> str:
        then = _wrap(self.then, params, _PREC_OR)
        condition = _wrap(self.condition, params, _PREC_OR)
        return f"{then} if {condition} else {_wrap(self.otherwise, params, _PREC_IFELSE)}"


@dataclasses.dataclass(frozen=True)
class Call:
    name: str  # a key of CALLS
    args: tuple["Expr", ...]
    precedence = _PREC_ATOM

    def evaluate(self, args: tuple) -> Any:
        return CALLS[self.name](*(a.evaluate(args) for a in self.args))

    def format(self, params: tuple[str, ...]) -> str:
        return f"{self.name}({', '.join(a.format(params) for a in self.args)})"


Expr = Union[Const, Param, Neg, Not, Binary, Compare, BoolOp, IfElse, Call]


def replace_leaves(expr, replace: Callable[[Any], Any]):
    """`expr` with every leaf (anything but an operator node) replaced by `replace(leaf)`.

    Rebuilt through `negate`, so a constant put under a minus stays canonical.
    """
    if isinstance(expr, Neg):
        return negate(replace_leaves(expr.operand, replace))
    if not isinstance(expr, (Not, Binary, Compare, BoolOp, IfElse, Call)):
        return replace(expr)
    changes = {}
    for field in dataclasses.fields(expr):
        value = getattr(expr, field.name)
        if isinstance(value, tuple):
            changes[field.name] = tuple(replace_leaves(v, replace) for v in value)
        elif not isinstance(value, str):
            changes[field.name] = replace_leaves(value, replace)
    return dataclasses.replace(expr, **changes)


def negate(operand: Expr) -> Expr:
    """`-operand`; minus a number is a negative constant, the one spelling of `-1`."""
    value = operand.value if isinstance(operand, Const) else None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Const(-value)
    return Neg(operand)


def _wrap(expr: Expr, params: tuple[str, ...], min_precedence: int) -> str:
    text = expr.format(params)
    return f"({text})" if expr.precedence < min_precedence else text


def _describe_args(args: tuple) -> str:
    return ", ".join(format_value(a) if is_literal(a) else repr(a) for a in args)


# ---------------------------------------------------------------------------------------
# Functions of Map and SequenceMap.


@dataclasses.dataclass(frozen=True)
class Lambda:
    """`lambda x: body` (or `lambda x, y: body`); arity is the number of parameters."""

    arity: int
    body: Expr

    def __call__(self, *args: Any) -> Any:
        try:
            return self.body.evaluate(args)
        except ArithmeticError:
            raise  # tracr reads these as "input never occurs"; keep their type
        except (TypeError, ValueError, RecursionError) as error:
            raise EvaluationError(
                f"`{self.format()}` is not defined on ({_describe_args(args)}): {error}") from None

    def format(self, params: tuple[str, ...] | None = None) -> str:
        if params is None:
            params = MAP_PARAMS if self.arity == 1 else SEQUENCE_MAP_PARAMS
            params += tuple(f"c{i}" for i in range(self.arity - len(params)))
        return f"lambda {', '.join(params)}: {self.body.format(params)}"

    def bind(self, *constants: Value) -> "Lambda":
        """This lambda with its last `len(constants)` parameters fixed to the constants."""
        arity = self.arity - len(constants)
        fixed = {arity + i: Const(c) for i, c in enumerate(constants)}
        return Lambda(arity, replace_leaves(self.body, lambda leaf: fixed.get(getattr(leaf, "index", None), leaf)))


@dataclasses.dataclass(frozen=True)
class Table:
    """A finite lookup table; inputs missing from it map to None (RASP's "no value"). A float
    key matches a float within rounding of it (`table_key`): -5/7 computed as a mean and as a
    difference of two means differ in the last bit, and are one value."""

    arity: int
    entries: tuple[tuple[Value, Value], ...]  # sorted by value_sort_key of the key

    @staticmethod
    def from_mapping(arity: int, mapping: dict) -> "Table":
        items = sorted(mapping.items(), key=lambda kv: value_sort_key(kv[0]))
        return Table(arity, tuple(items))

    def __post_init__(self):
        object.__setattr__(self, "_lookup", dict(self.entries))
        object.__setattr__(self, "_rounded", {table_key(k): v for k, v in reversed(self.entries)})

    def __call__(self, *args: Any) -> Any:
        key = args[0] if self.arity == 1 else tuple(args)
        try:
            return self._lookup[key] if key in self._lookup else self._rounded.get(table_key(key))
        except TypeError:  # unhashable input
            return None

    def covers(self, key: Any) -> bool:
        """Whether the table has an entry for `key` (an argument, or a tuple of them)."""
        try:
            return key in self._lookup or table_key(key) in self._rounded
        except TypeError:
            return False

    def format(self) -> str:
        # kept: a search prints the same read-off table (hundreds of entries) in every candidate's source
        text = self.__dict__.get("_format")
        if text is None:
            text = "{" + ", ".join(f"{format_value(k)}: {format_value(v)}" for k, v in self.entries) + "}"
            object.__setattr__(self, "_format", text)
        return text


Function = Union[Lambda, Table]


# ---------------------------------------------------------------------------------------
# Select predicates. Plain comparisons are tracr's own `rasp.Comparison` members, so tracr
# recognises them; the rest are ours.

COMPARISON_NAMES = {c.name: c for c in rasp.Comparison}


@dataclasses.dataclass(frozen=True)
class PredicateLambda:
    """`lambda k, q: body`: selects key k for query q when the body is truthy."""

    body: Expr
    precedence = _PREC_IFELSE

    def __call__(self, key: Any, query: Any) -> bool:
        try:
            return bool(self.body.evaluate((key, query)))
        except (TypeError, ValueError, ArithmeticError, RecursionError) as error:
            raise EvaluationError(
                f"`{self.format()}` is not defined on ({_describe_args((key, query))}): {error}") from None

    def format(self) -> str:
        return f"lambda {', '.join(PREDICATE_PARAMS)}: {self.body.format(PREDICATE_PARAMS)}"


@dataclasses.dataclass(frozen=True)
class PredicateTable:
    """The finite set of (key, query) pairs that are selected; every other pair is not."""

    pairs: tuple[tuple[Value, Value], ...]  # sorted, no duplicates
    precedence = _PREC_ATOM

    @staticmethod
    def from_pairs(pairs) -> "PredicateTable":
        unique = {tuple(p) for p in pairs}
        return PredicateTable(tuple(sorted(unique, key=value_sort_key)))

    def __post_init__(self):
        object.__setattr__(self, "_lookup", frozenset(self.pairs))
        object.__setattr__(self, "_rounded", frozenset(table_key(p) for p in self.pairs))

    def __call__(self, key: Any, query: Any) -> bool:
        try:  # float values match within rounding, as a `Table`'s keys do
            return (key, query) in self._lookup or table_key((key, query)) in self._rounded
        except TypeError:
            return False

    def format(self) -> str:
        return "{" + ", ".join(format_value(p) for p in self.pairs) + "}"


@dataclasses.dataclass(frozen=True)
class PredicateNot:
    inner: "Predicate"
    precedence = _PREC_NOT

    def __call__(self, key: Any, query: Any) -> bool:
        return not self.inner(key, query)

    def format(self) -> str:
        return "not " + _wrap_predicate(self.inner, _PREC_NOT)


@dataclasses.dataclass(frozen=True)
class PredicateBool:
    op: str  # "and" | "or"
    left: "Predicate"
    right: "Predicate"

    @property
    def precedence(self) -> int:
        return _PREC_AND if self.op == "and" else _PREC_OR

    def __call__(self, key: Any, query: Any) -> bool:
        left = bool(self.left(key, query))
        if self.op == "and":
            return left and bool(self.right(key, query))
        return left or bool(self.right(key, query))

    def format(self) -> str:
        p = self.precedence
        return f"{_wrap_predicate(self.left, p)} {self.op} {_wrap_predicate(self.right, p + 1)}"


Predicate = Union[rasp.Comparison, PredicateLambda, PredicateTable, PredicateNot, PredicateBool]


def predicate_precedence(predicate: Predicate) -> int:
    return _PREC_ATOM if isinstance(predicate, rasp.Comparison) else predicate.precedence


def format_predicate(predicate: Predicate) -> str:
    if isinstance(predicate, rasp.Comparison):
        return predicate.name
    return predicate.format()


def _wrap_predicate(predicate: Predicate, min_precedence: int) -> str:
    text = format_predicate(predicate)
    # A lambda swallows everything after its colon, so it is parenthesised inside any combination.
    if predicate_precedence(predicate) < min_precedence or isinstance(predicate, PredicateLambda):
        return f"({text})"
    return text


def is_predicate(value: Any) -> bool:
    return isinstance(value, (rasp.Comparison, PredicateLambda, PredicateTable, PredicateNot, PredicateBool))


def is_function(value: Any) -> bool:
    return isinstance(value, (Lambda, Table))
