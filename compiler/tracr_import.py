"""Importing any tracr SOp as a `Program`, tabulating Python callables over their value sets.

Functions that are already ours (parsed lambdas and tables) are kept as they are. Any other
callable, such as the lambdas of tracr's `lib.py`, becomes a lookup table over the values
its inputs can take, derived from `vocab` and `max_seq_len` by the rules of tracr's basis
inference, with one correction: a numerical mean of 0/1 values can be any k/w (tracr's
inference lists only 1/w), so tables downstream of it cover every value that occurs.
"""

from __future__ import annotations

import itertools
from typing import Any, Iterable

from tracr.rasp import rasp

from compiler import functions as fn
from compiler import program as prog
from compiler.errors import SourceError

#: Most values a numerical mean may take before we refuse to tabulate what reads it.
MAX_MEAN_VALUES = 10_000


def _label(expr: rasp.RASPExpr) -> str:
    return f"`{expr.label}`"


class _NamedError(SourceError):
    """A SourceError that already names the tracr expression it is about."""


def _fail(expr: rasp.RASPExpr, message: str) -> SourceError:
    return _NamedError(f"{type(expr).__name__} {_label(expr)}: {message}")


class _Importer:
    def __init__(self, vocab, max_seq_len):
        self.vocab = None if vocab is None else set(vocab)
        self.max_seq_len = max_seq_len
        self.value_sets: dict[int, set] = {}

    # -- value sets

    def values(self, expr: rasp.SOp, user: rasp.RASPExpr) -> set:
        """The values `expr` can take; `user` is the expression that needs them (for errors)."""
        if self.vocab is None or self.max_seq_len is None:
            raise _fail(user, "its function is a Python callable, which is written as a lookup "
                        "table over its inputs' values: pass vocab and max_seq_len to tabulate it")
        key = id(expr)
        if key not in self.value_sets:
            self.value_sets[key] = self._compute_values(expr)
        return self.value_sets[key]

    def _compute_values(self, expr: rasp.SOp) -> set:
        n = self.max_seq_len
        if isinstance(expr, rasp.TokensType):
            return set(self.vocab)
        if isinstance(expr, rasp.IndicesType):
            return set(range(n))
        if isinstance(expr, (rasp.LengthType, rasp.SelectorWidth)):
            return set(range(n + 1))
        if isinstance(expr, rasp.Full):
            return {expr.fill}
        if isinstance(expr, rasp.Map):
            return self._outputs(expr, ((x,) for x in self.values(expr.inner, expr)))
        if isinstance(expr, rasp.SequenceMap):
            pairs = itertools.product(self.values(expr.fst, expr), self.values(expr.snd, expr))
            return self._outputs(expr, pairs)
        if isinstance(expr, rasp.Aggregate):
            inner = self.values(expr.sop, expr)
            if rasp.is_categorical(expr):
                return set(inner)
            return self._means(expr, inner)
        raise _fail(expr, "has no value set (constant S-Ops exist only in tracr's tests)")

    def _outputs(self, expr, args: Iterable[tuple]) -> set:
        out = set()
        for arg in args:
            value = self._call(expr, expr.f, arg)
            if value is not None:
                out.add(value)
        return out

    def _call(self, expr, function, args: tuple) -> Any:
        """`function(*args)` as a literal; None where it is undefined (tracr's convention)."""
        try:
            value = function(*args)
        except ArithmeticError:
            return None  # tracr: "assuming this input will never occur"
        except Exception as error:  # a user's callable may raise anything
            shown = ", ".join(repr(a) for a in args)
            raise _fail(expr, f"its function fails on ({shown}): {type(error).__name__}: {error}") from None
        try:
            return fn.normalize_value(value)
        except TypeError as error:
            raise _fail(expr, f"its function returns a value the language cannot write: {error}") from None

    def _means(self, expr, values: set) -> set:
        """Every mean of 1..max_seq_len values drawn from `values`, and the default 0."""
        n = self.max_seq_len
        numbers = set()
        for v in values:
            if isinstance(v, bool) or isinstance(v, (int, float)):
                numbers.add(v)
            else:
                raise _fail(expr, f"a numerical mean of non-numbers ({v!r})")
        if numbers <= {0, 1}:
            return {0} | {k / w for w in range(1, n + 1) for k in range(w + 1)}
        means, sums = {0}, {0}
        for width in range(1, n + 1):
            sums = {s + v for s in sums for v in numbers}
            means |= {s / width for s in sums}
            if len(means) > MAX_MEAN_VALUES:
                raise _fail(expr, f"its mean takes over {MAX_MEAN_VALUES} values, too many to "
                            "tabulate the functions that read it")
        return means

    # -- functions and predicates

    def function(self, expr, arity: int) -> fn.Function:
        if fn.is_function(expr.f) and expr.f.arity == arity:
            return expr.f
        if isinstance(expr, rasp.Map):
            keys = [(x,) for x in sorted(self.values(expr.inner, expr), key=fn.value_sort_key)]
        else:
            keys = list(itertools.product(
                sorted(self.values(expr.fst, expr), key=fn.value_sort_key),
                sorted(self.values(expr.snd, expr), key=fn.value_sort_key)))
        table = {}
        for args in keys:
            value = self._call(expr, expr.f, args)
            if value is not None:
                table[self._literal(expr, args[0] if arity == 1 else args)] = value
        if not table:
            raise _fail(expr, "its function is undefined on every input value")
        return fn.Table.from_mapping(arity, table)

    def predicate(self, select: rasp.Select) -> fn.Predicate:
        predicate = select.predicate
        if isinstance(predicate, rasp.Comparison) or fn.is_predicate(predicate):
            return predicate
        pairs = []
        for key in self.values(select.keys, select):
            for query in self.values(select.queries, select):
                try:
                    selected = predicate(key, query)
                except ArithmeticError:
                    selected = False
                except Exception as error:
                    raise _fail(select, f"its predicate fails on key {key!r}, query {query!r}: "
                                f"{type(error).__name__}: {error}") from None
                if selected:
                    pairs.append((self._literal(select, key), self._literal(select, query)))
        if not pairs:
            return rasp.Comparison.FALSE
        return fn.PredicateTable.from_pairs(pairs)

    def _literal(self, expr, value):
        try:
            return fn.normalize_value(value)
        except TypeError as error:
            raise _fail(expr, f"value cannot be written in source: {error}") from None

    # -- the graph

    def node(self, expr: rasp.RASPExpr, built: dict[int, prog.Node]) -> prog.Node:
        def get(child):
            return built[id(child)]

        # tracr's class-default names ("map", "select", ...) say nothing; drop them.
        common = {"name": expr.name if expr.name != rasp.default_name(expr) else None}
        encoding = rasp.get_encoding(expr) if isinstance(expr, rasp.SOp) else None
        if isinstance(expr, (rasp.TokensType, rasp.IndicesType)):
            if encoding != prog.CATEGORICAL:
                raise _fail(expr, f"{expr.label} is always categorical in tracr")
            return prog.TOKENS if isinstance(expr, rasp.TokensType) else prog.INDICES
        if isinstance(expr, rasp.LengthType):
            select = prog.make_select(prog.TOKENS, prog.TOKENS, rasp.Comparison.TRUE)
            return prog.make_selector_width(select, encoding=encoding)
        if isinstance(expr, rasp.Full):
            constant = fn.Lambda(1, fn.Const(self._literal(expr, expr.fill)))
            return prog.make_map(constant, prog.TOKENS, encoding=encoding, **common)
        if isinstance(expr, rasp.LinearSequenceMap):
            return prog.make_linear_sequence_map(get(expr.fst), get(expr.snd), fn.normalize_value(expr.fst_fac),
                                                 fn.normalize_value(expr.snd_fac), encoding=encoding, **common)
        if isinstance(expr, rasp.SequenceMap):
            return prog.make_sequence_map(self.function(expr, 2), get(expr.fst), get(expr.snd),
                                          encoding=encoding, **common)
        if isinstance(expr, rasp.Map):
            return prog.make_map(self.function(expr, 1), get(expr.inner), encoding=encoding, **common)
        if isinstance(expr, rasp.Select):
            return prog.make_select(get(expr.keys), get(expr.queries), self.predicate(expr), **common)
        if isinstance(expr, rasp.Aggregate):
            return prog.make_aggregate(get(expr.selector), get(expr.sop), default=expr.default,
                                       default_given=True, encoding=encoding, **common)
        if isinstance(expr, rasp.SelectorWidth):
            return prog.make_selector_width(get(expr.selector), encoding=encoding, **common)
        if isinstance(expr, (rasp.SelectorAnd, rasp.SelectorOr)):
            op = "and" if isinstance(expr, rasp.SelectorAnd) else "or"
            return self._combine(expr, get(expr.fst), get(expr.snd), op, **common)
        if isinstance(expr, rasp.SelectorNot):
            inner = get(expr.inner)
            return prog.make_select(inner.keys, inner.queries, fn.PredicateNot(inner.predicate), **common)
        raise _fail(expr, "is not a compilable RASP primitive (constant S-Ops and selectors exist "
                    "only in tracr's tests)")

    def _combine(self, expr, fst: prog.Select, snd: prog.Select, op: str, name: str | None) -> prog.Select:
        if fst.keys is not snd.keys or fst.queries is not snd.queries:
            raise _fail(expr, f"tracr compiles selector_{op} only of two selects with the same keys "
                        "and queries (it merges their predicates)")
        return prog.make_select(fst.keys, fst.queries, fn.PredicateBool(op, fst.predicate, snd.predicate),
                                name=name)


def from_sop(sop: rasp.SOp, vocab=None, max_seq_len: int | None = None) -> prog.Program:
    """The `Program` of a tracr SOp; raises SourceError naming the expression it cannot import."""
    if not isinstance(sop, rasp.SOp):
        raise TypeError(f"expected a tracr rasp.SOp, got {type(sop).__name__}")
    importer = _Importer(vocab, max_seq_len)
    built: dict[int, prog.Node] = {}
    # Iterative post-order over tracr's expression graph (children before parents).
    stack: list[tuple[rasp.RASPExpr, bool]] = [(sop, False)]
    while stack:
        expr, expanded = stack.pop()
        if id(expr) in built:
            continue
        if expanded:
            try:
                built[id(expr)] = importer.node(expr, built)
            except _NamedError:
                raise
            except SourceError as error:  # a type error from the node's checks
                raise _fail(expr, error.message) from None
            continue
        stack.append((expr, True))
        stack.extend((child, False) for child in reversed(expr.children) if id(child) not in built)
    return prog.Program(built[id(sop)])
