"""Hypothesis strategies of RASP programs and their parts.

`programs(**config)` draws what the fountain (`generator.sampler`) draws, compilable and
checked, with hypothesis as the source of randomness, so a failure shrinks towards a small
program. `typed_programs()` draws any well-typed program, every construct of the language
included, compilable or not: the strategy the language's own tests use. Both are built
with `st.composite` and `st.recursive`.
"""

from __future__ import annotations

import functools

from hypothesis import reject
from hypothesis import strategies as st
from tracr.rasp import rasp

from compiler.errors import SourceError
from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from generator.config import Choices, GeneratorConfig
from generator.sampler import Sampler

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=4)

#: Numbers and other scalars a program may contain; floats are finite.
numbers = st.one_of(st.integers(-20, 20), st.floats(-100, 100, allow_nan=False, allow_infinity=False))
scalars = st.one_of(st.none(), st.booleans(), numbers, _TEXT)
literals = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3).map(tuple), max_leaves=6)


@functools.lru_cache(maxsize=None)  # strategies are values; build each once
def expressions(arity: int) -> st.SearchStrategy[fn.Expr]:
    """Expressions over `arity` parameters, every operator of the sub-language included."""
    leaves = st.one_of(st.integers(0, arity - 1).map(fn.Param), scalars.map(fn.Const))

    def extend(inner):
        return st.one_of(
            st.builds(fn.Binary, st.sampled_from(sorted(fn.BINARY_OPS)), inner, inner),
            st.builds(fn.Compare, st.sampled_from(sorted(fn.COMPARE_OPS)), inner, inner),
            st.builds(fn.BoolOp, st.sampled_from(["and", "or"]), inner, inner),
            st.builds(fn.Not, inner),
            inner.map(fn.negate),
            st.builds(fn.IfElse, inner, inner, inner),
            st.builds(fn.Call, st.just("abs"), st.tuples(inner)),
            st.builds(fn.Call, st.sampled_from(["min", "max"]), st.lists(inner, min_size=2, max_size=3).map(tuple)),
        )

    return st.recursive(leaves, extend, max_leaves=8)


@functools.lru_cache(maxsize=None)  # strategies are values; build each once
def functions(arity: int) -> st.SearchStrategy[fn.Function]:
    """Lambdas and non-empty lookup tables of the given arity."""
    keys = literals if arity == 1 else st.tuples(literals, literals)
    tables = st.dictionaries(keys, literals, min_size=1, max_size=5).map(lambda m: fn.Table.from_mapping(arity, m))
    return st.one_of(expressions(arity).map(lambda body: fn.Lambda(arity, body)), tables)


@functools.lru_cache(maxsize=None)  # strategies are values; build each once
def predicates() -> st.SearchStrategy[fn.Predicate]:
    """Comparisons, lambdas, tables of pairs, and their and/or/not."""
    base = st.one_of(
        st.sampled_from(list(rasp.Comparison)),
        expressions(2).map(fn.PredicateLambda),
        st.lists(st.tuples(literals, literals), min_size=1, max_size=5).map(fn.PredicateTable.from_pairs),
    )

    def extend(inner):
        return st.one_of(st.builds(fn.PredicateNot, inner),
                         st.builds(fn.PredicateBool, st.sampled_from(["and", "or"]), inner, inner))

    return st.recursive(base, extend, max_leaves=4)


class _DrawChoices(Choices):
    def __init__(self, draw):
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))


@st.composite
def programs(draw, attempts: int = 20, **config) -> prog.Program:
    """Programs as `generator.sample_programs(**config)` makes them: compiled and checked
    (unless config says `check=False`). Shrinks towards fewer operations."""
    sampler = Sampler(_config(**config))
    for _ in range(attempts):
        program = sampler.candidate(_DrawChoices(draw))
        if program is not None:
            return program
    reject()  # pragma: no cover - only for configs that almost never yield a program


@functools.lru_cache(maxsize=64)
def _config_cached(items: tuple) -> GeneratorConfig:
    return GeneratorConfig(**dict(items))


def _config(**config) -> GeneratorConfig:
    try:
        return _config_cached(tuple(sorted(config.items())))
    except TypeError:  # unhashable values (e.g. a dict of op weights)
        return GeneratorConfig(**config)


@st.composite
def typed_programs(draw, min_ops: int = 1, max_ops: int = 8) -> prog.Program:
    """Well-typed programs of `min_ops..max_ops` operations (some may be dead: the output is
    the last S-Op made, and what it does not read is dropped)."""
    categorical: list[nodes.SOpNode] = [nodes.TOKENS, nodes.INDICES, nodes.LENGTH]
    numerical: list[nodes.SOpNode] = []
    selectors: list[nodes.Select] = []
    last: nodes.SOpNode = nodes.TOKENS
    for _ in range(draw(st.integers(min_ops, max_ops))):
        kinds = ["map", "sequence_map", "select"]
        if selectors:
            kinds += ["aggregate", "selector_width"]
        if numerical:
            kinds.append("linear_sequence_map")
        kind = draw(st.sampled_from(kinds))
        any_sop = st.sampled_from(categorical + numerical)
        if kind == "map":
            encoding = draw(st.sampled_from([nodes.CATEGORICAL, nodes.NUMERICAL]))
            function = draw(functions(1))
            try:
                node = nodes.make_map(function, draw(any_sop), encoding=encoding)
            except SourceError:  # a numerical map of a function that returns non-numbers
                node = nodes.make_map(function, draw(any_sop))
        elif kind == "sequence_map":
            node = nodes.make_sequence_map(draw(functions(2)), draw(st.sampled_from(categorical)),
                                          draw(st.sampled_from(categorical)))
        elif kind == "linear_sequence_map":
            node = nodes.make_linear_sequence_map(draw(st.sampled_from(numerical)), draw(st.sampled_from(numerical)),
                                                 draw(numbers), draw(numbers))
        elif kind == "select":
            selectors.append(nodes.make_select(draw(st.sampled_from(categorical)), draw(st.sampled_from(categorical)),
                                              draw(predicates())))
            continue
        elif kind == "aggregate":
            sop = draw(any_sop)
            node = nodes.make_aggregate(draw(st.sampled_from(selectors)), sop, encoding=sop.encoding)
        else:
            encoding = draw(st.sampled_from([nodes.CATEGORICAL, nodes.NUMERICAL]))
            node = nodes.make_selector_width(draw(st.sampled_from(selectors)), encoding=encoding)
        (numerical if node.encoding == nodes.NUMERICAL else categorical).append(node)
        last = node
    return prog.Program(last)
