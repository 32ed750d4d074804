"""Guard against tracr #19: causal compilation only masks attention.

Each position sees its prefix, but values read from earlier positions were computed on *their*
prefixes. The net equals the program evaluated on every prefix (output i = program(x[:i+1])[i])
when every selector's keys and every aggregated value are prefix-stable (a function of the
tokens up to their own position: tokens, indices, maps of stable SOps, aggregates whose selector
only looks backwards: no key value possible at a later position is selected by a query value
possible at an earlier one); otherwise compile refuses.
"""

from __future__ import annotations

from tracr.rasp import rasp

from compiler.compiling.facts import Facts
from compiler.errors import CompileError


def check_causal(facts: Facts) -> None:
    """Refuses programs whose causal net would differ from the program on prefixes."""
    stable = _prefix_stable(facts)
    for label, select in facts.selectors():
        expr = facts.exprs[label]
        read = [("keys", select.keys)]
        if isinstance(expr, rasp.Aggregate):
            read.append(("values", expr.sop))
        for role, sop in read:
            if sop.label not in stable:
                raise CompileError(
                    f"{label}: with causal=True it reads {role} {sop.label} at earlier "
                    f"positions, but {sop.label} can change when the sequence grows, so the "
                    "causal net would not compute the program on each prefix (tracr #19)")


def _prefix_stable(facts: Facts) -> set[str]:
    """SOps whose value at a position depends only on the tokens up to that position."""
    stable = set()
    for label in facts.order:
        expr = facts.exprs[label]
        if isinstance(expr, (rasp.TokensType, rasp.IndicesType)):
            stable.add(label)
        elif isinstance(expr, (rasp.Map, rasp.SequenceMap)):
            if all(c.label in stable for c in expr.children):
                stable.add(label)
        else:
            select = expr.selector
            inputs = [select.keys, select.queries]
            if isinstance(expr, rasp.Aggregate):
                inputs.append(expr.sop)
            if _looks_backward(facts, select) and all(s.label in stable for s in inputs):
                stable.add(label)
    return stable


def _looks_backward(facts: Facts, select: rasp.Select, limit: int = 200_000) -> bool:
    """Whether the selector never selects a key after its query, on any input: for every query
    position q and key position k > q, no value the keys can take at k and the queries at q is
    selected (`Facts.position_values`: keys packing (token, index) take at k only values of index
    k). Not shown (False) when that is more than `limit` predicate calls."""
    n = facts.max_seq_len
    keys = facts.position_values(select.keys.label)
    queries = facts.position_values(select.queries.label)
    if keys is None or queries is None:
        return False
    if sum(len(keys[k]) * len(queries[q]) for q in range(n) for k in range(q + 1, n)) > limit:
        return False
    try:
        return not any(select.predicate(key, query)
                       for q in range(n) for k in range(q + 1, n)
                       for query in queries[q] for key in keys[k])
    except Exception:
        return False
