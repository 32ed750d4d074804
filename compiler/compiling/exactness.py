"""Guard against tracr #7: discretising MLPs too coarse.

Numerical->categorical/numerical Maps and SelectorWidth use MLPs whose step sharpness is
`mlp_exactness`; tracr's default 100 is too blunt once values crowd together (SelectorWidth fails
from max_seq_len 10 on). From the value sets we compute the smallest gap between a value that can
occur and a threshold where the output changes, and choose `mlp_exactness` so every such step is
taken in full (at least tracr's 100). Values closer than float32 can separate are refused.

tracr infers the values of a numerical mean as {v/n}, but a mean of 0/1 values is any k/n; an
MLP reading it can then route a real value to the wrong output. When tracr's value sets would
give a wrong output, the MLPs are built from the true sets (`Facts.values`).
"""

from __future__ import annotations

import bisect
import math
from typing import Any, Callable, Iterable

import networkx as nx
from tracr.compiler import nodes
from tracr.craft import bases
from tracr.rasp import rasp

from compiler.compiling.facts import Facts
from compiler.errors import CompileError

TRACR_MLP_EXACTNESS = 100  # tracr's default; we never go below it
RESOLUTION = 1e-4  # relative distance float32 activations can reliably separate
FLOAT32_BUDGET = 1e6  # max mlp_exactness * |input|: beyond it float32 rounding breaks the steps
ROUNDING = 1e-9  # relative difference of two floats that are one number computed in two orders


def choose_mlp_exactness(facts: Facts, graph: nx.DiGraph) -> tuple[float, bool]:
    """mlp_exactness for exact MLPs, and whether tracr's value sets had to be replaced (in
    `graph`, by the true ones, before tracr builds any MLP from them)."""
    built_from = tracr_value_sets(graph)
    corrected = False
    sharpness, _ = _required_sharpness(facts, built_from)
    if sharpness is None:
        use_true_value_sets(facts, graph)
        corrected = True
        sharpness, label = _required_sharpness(facts, built_from)
        if sharpness is None:
            if isinstance(facts.exprs[label], rasp.SelectorWidth):
                raise CompileError(f"{label}: selector_width reads a width w from an attention weight "
                                   f"1/(w+1), and widths up to {facts.max_seq_len} are too close together "
                                   "for a float32 MLP to tell apart; use a smaller max_seq_len (about 60 "
                                   "or less)")
            twins = _float_twins(facts, built_from, label)
            if twins:  # not the author's values: one number, computed in two orders
                a, b = twins
                raise CompileError(f"{label}: the numerical values it reads include {a!r} and {b!r}, one number "
                                   "computed two ways (they differ in float rounding only), and no MLP can give "
                                   "them different outputs; map the number straight to what is needed (e.g. "
                                   "`lambda x: x < 0`) rather than on as itself")
            raise CompileError(f"{label}: the numerical values it reads are too close together for a "
                               f"float32 MLP to separate them{_closest(facts, built_from, label)}; use values "
                               "further apart")
    exactness = max(float(TRACR_MLP_EXACTNESS), float(math.ceil(sharpness)))
    for label, _, _, occurring in discretising_mlps(facts, built_from):
        largest = max((abs(x) for x in occurring), default=1.0)
        if exactness * max(1.0, largest) > FLOAT32_BUDGET:
            raise CompileError(f"{label}: its input values are too close together for a "
                               f"float32 MLP (needs mlp_exactness {exactness:.3g})")
    return exactness, corrected


def tracr_value_sets(graph: nx.DiGraph) -> Callable[[str], set]:
    """The values tracr builds MLPs reading an S-Op from (its current VALUE_SET), by label."""
    return lambda label: graph.nodes[label][nodes.VALUE_SET]


def discretising_mlps(facts: Facts, built_from: Callable[[str], set]):
    """(label, f, its tracr discretisation, values that can reach it) per such MLP."""
    for label in facts.order:
        expr = facts.exprs[label]
        if isinstance(expr, rasp.Map) and rasp.is_numerical(expr.inner):
            inner = expr.inner.label
            table = facts.tables[label]
            f = lambda x, t=table: t.get((x,))
            yield label, f, Steps(label, f, built_from(inner), rasp.is_numerical(expr)), facts.values[inner]
        elif isinstance(expr, rasp.SelectorWidth):
            # the attention writes 1/(width+1); the MLP rounds 1/x - 1 back to the width
            points = {1 / (w + 1) for w in facts.values[label]}
            f = lambda x: round(1 / x - 1)
            yield label, f, Steps(label, f, points), points


def _required_sharpness(facts: Facts, built_from: Callable[[str], set]) -> tuple[float | None, str]:
    """The smallest mlp_exactness making all discretising MLPs exact (None if none can, with
    the label of the first MLP that cannot be)."""
    sharpness = 0.0
    for label, f, steps, occurring in discretising_mlps(facts, built_from):
        for x in occurring:
            if f(x) is None:
                continue  # rasp gives None or raises there
            if not steps.same(steps.output(x), f(x)):
                return None, label  # x falls into the region of another output
            below, above = steps.distances(x)
            if min(below, above) < RESOLUTION * max(1.0, abs(x)):
                return None, label
            if above < math.inf:
                # the step ReLU(L(x-t)+1) - ReLU(L(x-t)) is 0 once L(t-x) >= 1; ask for 2
                sharpness = max(sharpness, 2 / above)
    return sharpness, ""


def _closest(facts: Facts, built_from: Callable[[str], set], label: str) -> str:
    """Which two values `label`'s MLP reads lie closest while its function tells them apart, and how
    many values compile takes its input to reach (a superset of those inputs give: it may take
    lines to vary independently that do not), as a clause of the refusal; "" if none do."""
    for at, f, steps, occurring in discretising_mlps(facts, built_from):
        if at != label:
            continue
        values = sorted(x for x in occurring if f(x) is not None)
        apart = [(b - a, a, b) for a, b in zip(values, values[1:]) if not steps.same(f(a), f(b))]
        if not apart:
            return ""
        gap, a, b = min(apart)
        return (f" ({a:.6g} and {b:.6g}, {gap:.2g} apart, give different outputs, among the {len(values):,} values "
                "compile takes its input to reach)")
    return ""


def _float_twins(facts: Facts, built_from: Callable[[str], set], label: str) -> tuple[float, float] | None:
    """Two values `label`'s MLP reads that are one number up to float rounding (-6/7 as a mean and
    as a difference of means), where its function tells them apart; None if there are none."""
    for mlp, f, steps, occurring in discretising_mlps(facts, built_from):
        if mlp != label:
            continue
        values = sorted(x for x in occurring if isinstance(x, float))
        for a, b in zip(values, values[1:]):
            if b - a <= ROUNDING * max(1.0, abs(a)) and not steps.same(f(a), f(b)):
                return a, b
    return None


def use_true_value_sets(facts: Facts, graph: nx.DiGraph) -> None:
    """Puts `facts`' value sets (the true ones) in `graph` in place of tracr's, for tracr to build from."""
    for label in facts.order:
        expr, node = facts.exprs[label], graph.nodes[label]
        node[nodes.VALUE_SET] = set(facts.values[label])
        space = (bases.VectorSpaceWithBasis.from_values(label, facts.values[label])
                 if rasp.is_categorical(expr)
                 else bases.VectorSpaceWithBasis.from_names([label]))
        node[nodes.OUTPUT_BASIS] = space.basis


def same_output(a: Any, b: Any) -> bool:
    """Whether two outputs of a discretising MLP are one: equal, or numbers that differ by float
    rounding only (relative `ROUNDING`)."""
    if a == b:
        return True
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    return numbers and abs(a - b) <= ROUNDING * max(1.0, abs(a), abs(b))


class Steps:
    """tracr's discretisation of f: each input goes to the value of the nearest known point."""

    def __init__(self, label: str, f: Callable, points: Iterable, numerical: bool = False):
        self.numerical = numerical  # a numerical output: numbers equal but for float rounding are one
        self.points = sorted(x for x in points if f(x) is not None)
        if not self.points:
            raise CompileError(f"{label}: the function is undefined on every input value")
        self.outputs = [f(x) for x in self.points]
        self.thresholds = [(a + b) / 2 for a, b in zip(self.points, self.points[1:])]
        # only thresholds where the output changes matter: elsewhere a partial step mixes
        # two equal outputs
        # (a numerical output's numbers equal but for float rounding, a continuous function of one
        # number computed two ways, are one: a partial step between them is off by that rounding;
        # a categorical output's two labels stay two)
        self.changes = [t for t, a, b in zip(self.thresholds, self.outputs, self.outputs[1:])
                        if not self.same(a, b)]

    def same(self, a: Any, b: Any) -> bool:
        """Whether `a` and `b` are one output (`same_output` where the output is numerical)."""
        return same_output(a, b) if self.numerical else a == b

    def output(self, x) -> Any:
        return self.outputs[bisect.bisect_right(self.thresholds, x)]

    def distances(self, x) -> tuple[float, float]:
        """Distance from x down to the last change at or below it, and up to the next."""
        i = bisect.bisect_right(self.changes, x)
        below = x - self.changes[i - 1] if i > 0 else math.inf
        above = self.changes[i] - x if i < len(self.changes) else math.inf
        return below, above
