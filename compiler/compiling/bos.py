"""Guards for the BOS position and for None (tracr #25).

Values written at the BOS position (found here). A numerical->X MLP has a bias, so at BOS (no
token, no index) it writes f(0). As keys, that value lets BOS out-bid the real keys; as a
numerical Aggregate's values it replaces the default 0. `plan_bos` traces what every SOp holds at
BOS and, where it matters, names the MLPs to switch off there (`compiler.compiling.blocks` does).

None. A categorical None is the all-zero vector, which Maps and Aggregates propagate as rasp
does; `Net.run` decodes it as None rather than argmax of leakage. Where rasp may have None but the
net a value (numerical SOps, and what is computed from them), a custom (non-Comparison) Select
predicate is refused, as is one selecting a None key or query (the net never selects those)
(`check_nones`). Elsewhere such positions are None in rasp, which tracr's convention (and ours)
leaves unchecked.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import networkx as nx
from tracr.rasp import rasp

from compiler.compiling.exactness import RESOLUTION, Steps, discretising_mlps, tracr_value_sets
from compiler.compiling.facts import Facts
from compiler.errors import CompileError


class BosPlan(NamedTuple):
    """What `plan_bos` decided: the discretising MLPs to switch off at BOS, and the S-Ops
    where rasp may give None while the net holds a value."""

    silenced: frozenset[str]
    hides_none: frozenset[str]


def plan_bos(facts: Facts, graph: nx.DiGraph, mlp_exactness: float) -> BosPlan:
    """Decides which MLPs to silence at BOS, and which SOps may hide a None (tracr #25).

    A value at BOS matters where BOS is a key (it can out-bid the real keys) and in a
    numerical Aggregate's values (read when nothing is selected); then every discretising
    Map is silenced. In a categorical Aggregate's values it only replaces a None.
    """
    held = _bos_values(facts, graph, mlp_exactness)
    harmful, silenced, hides_none = [], set(), set()
    for label, select in facts.selectors():
        expr = facts.exprs[label]
        key = held[select.keys.label]
        if key is _UNKNOWN or (key is not _CLEAN and any(
                facts.predicate(select, key, q) for q in facts.values[select.queries.label])):
            harmful.append(label)
        if isinstance(expr, rasp.Aggregate) and held[expr.sop.label] is not _CLEAN:
            if rasp.is_numerical(expr):
                harmful.append(label)
            else:
                hides_none.add(label)
    if harmful:
        # all of them: a Map clean only thanks to a polluted input would pollute once
        # that input is silenced
        silenced = {label for label, _, _, _ in discretising_mlps(facts, tracr_value_sets(graph))
                    if isinstance(facts.exprs[label], rasp.Map)}
        hides_none = set()  # BOS is clean everywhere now
    for label in facts.order:  # a None in rasp that the net may hold as a value
        expr = facts.exprs[label]
        if label in facts.nullable and (
                rasp.is_numerical(expr)
                or any(c.label in hides_none for c in expr.children
                       if isinstance(c, rasp.SOp))):
            hides_none.add(label)
    return BosPlan(frozenset(silenced), frozenset(hides_none))


def check_nones(facts: Facts, hides_none: frozenset[str]) -> None:
    """Refuses selectors whose predicate would select None, which the net never does."""
    for label, select in facts.selectors():
        if isinstance(select.predicate, rasp.Comparison):
            continue  # rasp raises on None keys or queries: no output to match
        keys, queries = select.keys.label, select.queries.label
        for sop in (keys, queries):
            if sop in hides_none:
                raise CompileError(
                    f"{label}: {sop} can be None in rasp where the net holds some value, so "
                    f"the custom predicate of {select.label} may select differently")
        pairs = []
        if keys in facts.nullable:
            pairs += [(None, q) for q in facts.values[queries] | {None}]
        if queries in facts.nullable:
            pairs += [(k, None) for k in facts.values[keys]]
        for key, query in pairs:
            try:
                selected = select.predicate(key, query)
            except Exception:
                continue  # rasp raises here too
            if selected:
                which = keys if key is None else queries
                raise CompileError(
                    f"{label}: the predicate of {select.label} selects key {key!r} for query "
                    f"{query!r}, but a None key or query never matches in the net (the "
                    f"{'keys' if key is None else 'queries'} {facts.exprs[which].name} may be None: "
                    f"{facts.why_none(which)})")


def _bos_values(facts: Facts, graph: nx.DiGraph, mlp_exactness: float) -> dict[str, Any]:
    """What each SOp holds at the BOS position: _CLEAN, a value, or _UNKNOWN.

    BOS has no token or index, so everything there should be None (the zero vector) or 0.
    But a numerical->X MLP has a bias and writes f(0) there, and that value travels on.
    """
    steps = {label: s for label, _, s, _ in discretising_mlps(facts, tracr_value_sets(graph))}
    held: dict[str, Any] = {}
    for label in facts.order:
        expr = facts.exprs[label]
        if isinstance(expr, (rasp.TokensType, rasp.IndicesType, rasp.SelectorWidth)):
            # tracr's SelectorWidth cleans BOS itself, if the BOS query selects nothing
            value = (_CLEAN if not isinstance(expr, rasp.SelectorWidth)
                     or held[expr.selector.queries.label] is _CLEAN else _UNKNOWN)
        elif isinstance(expr, rasp.Map) and rasp.is_numerical(expr.inner):
            value = _bos_step(steps[label], held[expr.inner.label], mlp_exactness)
        elif isinstance(expr, rasp.LinearSequenceMap):
            args = [held[c.label] for c in expr.children]
            value = (_UNKNOWN if _UNKNOWN in args else
                     expr.fst_fac * _number(args[0]) + expr.snd_fac * _number(args[1]))
        elif isinstance(expr, (rasp.Map, rasp.SequenceMap)):
            args = tuple(held[c.label] for c in expr.children)
            if _CLEAN in args:  # the one-hot input is zero: tracr's MLPs output zero
                value = _CLEAN
            elif _UNKNOWN in args:
                value = _UNKNOWN
            else:
                value = facts.tables[label].get(args)
        else:  # Aggregate: a BOS query without a value selects only BOS, so copies BOS's value
            value = (held[expr.sop.label] if held[expr.selector.queries.label] is _CLEAN
                     else _UNKNOWN)
        held[label] = _CLEAN if value is None or (value == 0 and rasp.is_numerical(expr)) \
            else value
    return held


def _bos_step(steps: Steps, x, mlp_exactness: float) -> Any:
    """A discretising MLP's output at BOS for input x there."""
    if x is _UNKNOWN:
        return _UNKNOWN
    x = _number(x)
    below, above = steps.distances(x)
    if below < RESOLUTION or above * mlp_exactness < 2:
        return _UNKNOWN  # on a step
    return steps.output(x)


_CLEAN = object()  # BOS holds None (the zero vector) or the number 0, as it should
_UNKNOWN = object()  # BOS holds something that depends on the input


def _number(value) -> float:
    return 0.0 if value is _CLEAN else value
