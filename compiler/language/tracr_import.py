"""Importing any tracr SOp as a `Program`, tabulating Python callables over their value sets.

Functions that are already ours (parsed lambdas and tables) are kept as they are. Any other
callable, such as the lambdas of tracr's `lib.py`, becomes a lookup table over the values
its inputs can take for `vocab` and `max_seq_len` (see `compiler.language.values`).
"""

from __future__ import annotations

import itertools

from tracr.rasp import rasp

from compiler.errors import SourceError
from compiler.language import functions as fn
from compiler.language import nodes, values
from compiler.language import program as prog
from compiler.language.literals import normalize_value, value_sort_key
from compiler.language.printer import format_program
from compiler.language.values import ValueSetError, ValueSets


class _NamedError(SourceError):
    """A SourceError that already names the tracr expression it is about."""


def _fail(expr: rasp.RASPExpr, message: str) -> SourceError:
    return _NamedError(f"{type(expr).__name__} `{expr.label}`: {message}")


class _Importer:
    def __init__(self, vocab, max_seq_len):
        known = vocab is not None and max_seq_len is not None
        self.value_sets = ValueSets(vocab, max_seq_len) if known else None

    def values(self, node: nodes.SOpNode, user: rasp.RASPExpr) -> list:
        """The values of our `node`, sorted; `user` is the expression that needs them."""
        if self.value_sets is None:
            raise _fail(user, "its function is a Python callable, which is written as a lookup "
                        "table over its inputs' values: pass vocab and max_seq_len to tabulate it")
        try:
            return sorted(self.value_sets(node), key=value_sort_key)
        except ValueSetError as error:
            raise _fail(user, f"cannot list the values of its input: {error}") from None

    def _call(self, expr, function, args: tuple):
        try:
            return values.call(None, function, args)
        except ValueSetError as error:
            raise _fail(expr, str(error)) from None

    # -- functions and predicates

    def function(self, expr, inputs: list[nodes.SOpNode]) -> fn.Function:
        """`expr.f` as ours: kept if it is ours, else tabulated over its inputs' values."""
        arity = len(inputs)
        if fn.is_function(expr.f) and expr.f.arity == arity:
            return expr.f
        table = {}
        for args in itertools.product(*(self.values(node, expr) for node in inputs)):
            value = self._call(expr, expr.f, args)
            if value is not None:
                table[args[0] if arity == 1 else args] = value
        if not table:
            raise _fail(expr, "its function is undefined on every input value")
        return fn.Table.from_mapping(arity, table)

    def predicate(self, select: rasp.Select, keys: nodes.SOpNode, queries: nodes.SOpNode) -> fn.Predicate:
        predicate = select.predicate
        if isinstance(predicate, rasp.Comparison) or fn.is_predicate(predicate):
            return predicate
        pairs = []
        for key in self.values(keys, select):
            for query in self.values(queries, select):
                if self._call(select, lambda k, q: bool(predicate(k, q)), (key, query)):
                    pairs.append((key, query))
        if not pairs:
            return rasp.Comparison.FALSE
        return fn.PredicateTable.from_pairs(pairs)

    def _literal(self, expr, value):
        try:
            return normalize_value(value)
        except TypeError as error:
            raise _fail(expr, f"value cannot be written in source: {error}") from None

    # -- the graph

    def node(self, expr: rasp.RASPExpr, built: dict[int, nodes.Node]) -> nodes.Node:
        def get(child):
            return built[id(child)]

        # tracr's class-default names ("map", "select", ...) say nothing; drop them.
        common = {"name": expr.name if expr.name != rasp.default_name(expr) else None}
        encoding = rasp.get_encoding(expr) if isinstance(expr, rasp.SOp) else None
        if isinstance(expr, (rasp.TokensType, rasp.IndicesType)):
            if encoding != nodes.CATEGORICAL:
                raise _fail(expr, f"{expr.label} is always categorical in tracr")
            return nodes.TOKENS if isinstance(expr, rasp.TokensType) else nodes.INDICES
        if isinstance(expr, rasp.LengthType):
            select = nodes.make_select(nodes.TOKENS, nodes.TOKENS, rasp.Comparison.TRUE)
            return nodes.make_selector_width(select, encoding=encoding)
        if isinstance(expr, rasp.Full):
            constant = fn.Lambda(1, fn.Const(self._literal(expr, expr.fill)))
            return nodes.make_map(constant, nodes.TOKENS, encoding=encoding, **common)
        if isinstance(expr, rasp.LinearSequenceMap):
            return nodes.make_linear_sequence_map(get(expr.fst), get(expr.snd), normalize_value(expr.fst_fac),
                                                 normalize_value(expr.snd_fac), encoding=encoding, **common)
        if isinstance(expr, rasp.SequenceMap):
            fst, snd = get(expr.fst), get(expr.snd)
            return nodes.make_sequence_map(self.function(expr, [fst, snd]), fst, snd, encoding=encoding, **common)
        if isinstance(expr, rasp.Map):
            inner = get(expr.inner)
            return nodes.make_map(self.function(expr, [inner]), inner, encoding=encoding, **common)
        if isinstance(expr, rasp.Select):
            keys, queries = get(expr.keys), get(expr.queries)
            return nodes.make_select(keys, queries, self.predicate(expr, keys, queries), **common)
        if isinstance(expr, rasp.Aggregate):
            return nodes.make_aggregate(get(expr.selector), get(expr.sop), default=expr.default,
                                       default_given=True, encoding=encoding, **common)
        if isinstance(expr, rasp.SelectorWidth):
            return nodes.make_selector_width(get(expr.selector), encoding=encoding, **common)
        if isinstance(expr, (rasp.SelectorAnd, rasp.SelectorOr)):
            op = "and" if isinstance(expr, rasp.SelectorAnd) else "or"
            return self._combine(expr, get(expr.fst), get(expr.snd), op, **common)
        if isinstance(expr, rasp.SelectorNot):
            inner = get(expr.inner)
            return nodes.make_select(inner.keys, inner.queries, fn.PredicateNot(inner.predicate), **common)
        raise _fail(expr, "is not a compilable RASP primitive (constant S-Ops and selectors exist "
                    "only in tracr's tests)")

    def _combine(self, expr, fst: nodes.Select, snd: nodes.Select, op: str, name: str | None) -> nodes.Select:
        if fst.keys is not snd.keys or fst.queries is not snd.queries:
            raise _fail(expr, f"tracr compiles selector_{op} only of two selects with the same keys "
                        "and queries (it merges their predicates)")
        return nodes.make_select(fst.keys, fst.queries, fn.PredicateBool(op, fst.predicate, snd.predicate),
                                name=name)


def from_sop(sop: rasp.SOp, vocab=None, max_seq_len: int | None = None) -> prog.Program:
    """The `Program` of a tracr SOp; raises SourceError naming the expression it cannot import."""
    if not isinstance(sop, rasp.SOp):
        raise TypeError(f"expected a tracr rasp.SOp, got {type(sop).__name__}")
    importer = _Importer(vocab, max_seq_len)
    built: dict[int, nodes.Node] = {}
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


def to_source(program_or_sop, vocab=None, max_seq_len: int | None = None, keep_names: bool = False) -> str:
    """Canonical text of a `Program` or of any tracr SOp.

    An SOp whose Map/SequenceMap/Select functions are Python callables is imported by
    tabulating each callable over the values its inputs can take, which tracr's basis
    inference derives from `vocab` and `max_seq_len` (needed only in that case).
    """
    if isinstance(program_or_sop, prog.Program):
        program = program_or_sop
    elif isinstance(program_or_sop, rasp.RASPExpr):
        program = from_sop(program_or_sop, vocab=vocab, max_seq_len=max_seq_len)
    else:
        raise TypeError(f"to_source takes a compiler.Program or a tracr rasp.SOp, "
                        f"not {type(program_or_sop).__name__}")
    return format_program(program, keep_names=keep_names)
