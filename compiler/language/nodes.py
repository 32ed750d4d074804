"""The operations of a program: typed nodes that refer to their inputs directly.

A program's operations are `Node`s that refer to their inputs directly;
a node used twice is computed once (one residual-stream variable in the compiled net),
and two structurally equal nodes are still two computations. Every node is type-checked
when it is made, against the rules of what tracr can compile, so a `Program` that exists
is one tracr's front end accepts.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator, Union

from tracr.rasp import rasp

from compiler.errors import SourceError
from compiler.language.functions import (
    Const,
    Function,
    Predicate,
    Table,
    is_function,
    is_predicate,
)
from compiler.language.literals import Value, format_value

CATEGORICAL = rasp.Encoding.CATEGORICAL
NUMERICAL = rasp.Encoding.NUMERICAL

#: Where in source text a node was written: (line, column), 1-based.
Where = Union[tuple[int, int], None]


# ---------------------------------------------------------------------------------------
# Nodes


@dataclasses.dataclass(frozen=True, eq=False)
class Node:
    """An operation of a program; equality is identity (see module docstring)."""

    name: str | None = dataclasses.field(default=None, kw_only=True)
    where: Where = dataclasses.field(default=None, kw_only=True, repr=False)

    kind = "node"

    @property
    def children(self) -> tuple["Node", ...]:
        return ()


@dataclasses.dataclass(frozen=True, eq=False)
class SOpNode(Node):
    """A node whose value is a sequence (tracr's SOp)."""

    encoding: rasp.Encoding = dataclasses.field(default=CATEGORICAL, kw_only=True)


@dataclasses.dataclass(frozen=True, eq=False)
class Primitive(SOpNode):
    """`tokens`, `indices` or `length` (the last built as tracr's lib builds it)."""

    primitive: str = "tokens"

    @property
    def kind(self) -> str:
        return self.primitive


TOKENS = Primitive("tokens")
INDICES = Primitive("indices")
LENGTH = Primitive("length")
PRIMITIVES = {p.primitive: p for p in (TOKENS, INDICES, LENGTH)}


@dataclasses.dataclass(frozen=True, eq=False)
class Map(SOpNode):
    function: Function
    inner: SOpNode
    kind = "map"

    @property
    def children(self):
        return (self.inner,)


@dataclasses.dataclass(frozen=True, eq=False)
class SequenceMap(SOpNode):
    function: Function
    fst: SOpNode
    snd: SOpNode
    kind = "sequence_map"

    @property
    def children(self):
        return (self.fst, self.snd)


@dataclasses.dataclass(frozen=True, eq=False)
class LinearSequenceMap(SOpNode):
    fst: SOpNode
    snd: SOpNode
    fst_fac: int | float
    snd_fac: int | float
    kind = "linear_sequence_map"

    @property
    def children(self):
        return (self.fst, self.snd)


@dataclasses.dataclass(frozen=True, eq=False)
class Select(Node):
    keys: SOpNode
    queries: SOpNode
    predicate: Predicate
    kind = "select"

    @property
    def children(self):
        return (self.keys, self.queries)


@dataclasses.dataclass(frozen=True, eq=False)
class Aggregate(SOpNode):
    selector: Select
    sop: SOpNode
    kind = "aggregate"

    @property
    def default(self) -> Value:
        """The only default tracr compiles: None when categorical, 0 when numerical."""
        return 0 if self.encoding == NUMERICAL else None

    @property
    def children(self):
        return (self.selector, self.sop)


@dataclasses.dataclass(frozen=True, eq=False)
class SelectorWidth(SOpNode):
    selector: Select
    kind = "selector_width"

    @property
    def children(self):
        return (self.selector,)


OP_KINDS = ("map", "sequence_map", "linear_sequence_map", "select", "aggregate", "selector_width")


# ---------------------------------------------------------------------------------------
# Construction with type checks. Each raises SourceError naming the operation.


def _fail(kind: str, message: str, where: Where) -> SourceError:
    line, column = where or (0, 0)
    return SourceError(f"{kind}: {message}", line, column)


def _describe(node: Node) -> str:
    if isinstance(node, Primitive):
        return node.primitive
    label = f"`{node.name}`" if node.name else "the"
    encoding = ""
    if isinstance(node, SOpNode):
        encoding = "numerical " if node.encoding == NUMERICAL else "categorical "
    return f"{label} ({encoding}{node.kind})" if node.name else f"the {encoding}{node.kind}"


def _expect_sop(kind: str, role: str, node: Node, where: Where) -> None:
    if not isinstance(node, SOpNode):
        raise _fail(kind, f"its {role} must be an S-Op, but {_describe(node)} is a selector", where)


def _expect_selector(kind: str, role: str, node: Node, where: Where) -> None:
    if not isinstance(node, Select):
        raise _fail(kind, f"its {role} must be a selector (made by `select`), but {_describe(node)} "
                    "is an S-Op", where)


def _expect_encoding(kind: str, role: str, node: SOpNode, encoding: rasp.Encoding, why: str,
                     where: Where) -> None:
    if node.encoding != encoding:
        raise _fail(kind, f"its {role} {_describe(node)} must be {encoding.value}: {why}", where)


def _check_function(kind: str, function: Function, arity: int, where: Where) -> None:
    if not is_function(function):
        raise _fail(kind, "expected a function (`lambda ...` or a `{...}` table)", where)
    if function.arity != arity:
        params = "x" if arity == 1 else "x, y"
        raise _fail(kind, f"the function takes {function.arity} argument(s), but {kind} passes "
                    f"{arity}: write `lambda {params}: ...`", where)
    if isinstance(function, Table) and not function.entries:
        raise _fail(kind, "the lookup table is empty", where)


def _check_numeric_outputs(kind: str, function: Function, where: Where) -> None:
    """A numerical S-Op holds one number per position; reject functions that plainly cannot."""
    if isinstance(function, Table):
        outputs = [v for _, v in function.entries]
    elif isinstance(function.body, Const):
        outputs = [function.body.value]
    else:
        return  # the output depends on the input; compiling checks the actual values
    for value in outputs:
        if value is not None and not isinstance(value, (bool, int, float)):
            raise _fail(kind, f"a numerical S-Op holds numbers, but the function can return "
                        f"{format_value(value)}; drop `numerical` or return numbers", where)


def make_map(function: Function, inner: Node, *, encoding=CATEGORICAL, name=None, where=None) -> Map:
    _check_function("map", function, 1, where)
    _expect_sop("map", "input", inner, where)
    if encoding == NUMERICAL:
        _check_numeric_outputs("map", function, where)
    return Map(function, inner, encoding=encoding, name=name, where=where)


def make_sequence_map(function: Function, fst: Node, snd: Node, *, encoding=CATEGORICAL, name=None,
                      where=None) -> SequenceMap:
    kind = "sequence_map"
    _check_function(kind, function, 2, where)
    if isinstance(function, Table):
        for key, _ in function.entries:
            if not (isinstance(key, tuple) and len(key) == 2):
                raise _fail(kind, f"table keys must be pairs (x, y), got {key!r}", where)
    why = ("tracr compiles sequence_map only on categorical values (for a weighted sum a*x + b*y of numbers use "
           "linear_sequence_map; for a product, ratio or other function of two numbers, compute it from their "
           "categorical sources, e.g. counts by selector_width, then make it numerical with a numerical map)")
    if encoding != CATEGORICAL:
        raise _fail(kind, f"the result must be categorical: {why}", where)
    for role, node in (("first input", fst), ("second input", snd)):
        _expect_sop(kind, role, node, where)
        _expect_encoding(kind, role, node, CATEGORICAL, why, where)
    return SequenceMap(function, fst, snd, encoding=encoding, name=name, where=where)


def make_linear_sequence_map(fst: Node, snd: Node, fst_fac, snd_fac, *, encoding=NUMERICAL, name=None,
                             where=None) -> LinearSequenceMap:
    kind = "linear_sequence_map"
    why = "tracr compiles it as a linear layer on numerical values"
    if encoding != NUMERICAL:
        raise _fail(kind, f"the result must be numerical, {why}: write `numerical {kind}(...)`", where)
    for role, node in (("first input", fst), ("second input", snd)):
        _expect_sop(kind, role, node, where)
        _expect_encoding(kind, role, node, NUMERICAL, why, where)
    for factor in (fst_fac, snd_fac):
        if isinstance(factor, bool) or not isinstance(factor, (int, float)):
            raise _fail(kind, f"factors must be numbers, got {factor!r}", where)
    return LinearSequenceMap(fst, snd, fst_fac, snd_fac, encoding=encoding, name=name, where=where)


def make_select(keys: Node, queries: Node, predicate: Predicate, *, name=None, where=None) -> Select:
    kind = "select"
    if not is_predicate(predicate):
        raise _fail(kind, "expected a predicate: a comparison (EQ, LT, ...), `lambda k, q: ...` or "
                    "a set of (key, query) pairs", where)
    for role, node in (("keys", keys), ("queries", queries)):
        _expect_sop(kind, role, node, where)
        # the fix is one line: a categorical copy of the number (the thirty-third hand-written set's
        # s26 compared altitudes with their numerical mean and was told only what was wrong)
        copy = f"`map(lambda x: x, {node.name})`" if getattr(node, "name", None) else "`map(lambda x: x, ...)` of it"
        why = f"attention compares one-hot encoded values; select by a categorical copy of the number, {copy}"
        _expect_encoding(kind, role, node, CATEGORICAL, why, where)
    return Select(keys, queries, predicate, name=name, where=where)


def make_aggregate(selector: Node, sop: Node, *, default: Value = None, encoding=CATEGORICAL,
                   name=None, where=None, default_given: bool = False) -> Aggregate:
    kind = "aggregate"
    _expect_selector(kind, "first argument", selector, where)
    _expect_sop(kind, "second argument", sop, where)
    if sop.encoding != encoding:
        fix = ("aggregate a numerical S-Op, e.g. `numerical map(lambda x: x, ...)` of it"
               if encoding == NUMERICAL else "write `numerical aggregate(...)`")
        raise _fail(kind, f"a {encoding.value} aggregate of {_describe(sop)}: tracr needs both "
                    f"encodings equal; {fix}", where)
    expected = 0 if encoding == NUMERICAL else None
    if default_given and (default != expected or type(default) is bool):
        raise _fail(kind, f"default={default!r}: tracr compiles a {encoding.value} aggregate only "
                    f"with default={expected!r}", where)
    return Aggregate(selector, sop, encoding=encoding, name=name, where=where)


def make_selector_width(selector: Node, *, encoding=CATEGORICAL, name=None, where=None) -> SOpNode:
    """A selector width; the width of the all-true selector over tokens is `length`, so that
    the length of the input has one spelling (and one canonical text)."""
    _expect_selector("selector_width", "argument", selector, where)
    if (encoding == CATEGORICAL and selector.keys is TOKENS and selector.queries is TOKENS
            and selector.predicate is rasp.Comparison.TRUE):
        return LENGTH
    return SelectorWidth(selector, encoding=encoding, name=name, where=where)


# ---------------------------------------------------------------------------------------
# Programs


def postorder(output: Node) -> list[Node]:
    """Operations reachable from `output`, each after its inputs, inputs visited in argument
    order; iterative so that long programs do not meet Python's recursion limit."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, Iterator[Node]]] = [(output, iter(output.children))]
    seen.add(id(output))
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            order.append(node)
        elif id(child) not in seen:
            seen.add(id(child))
            stack.append((child, iter(child.children)))
    return order
