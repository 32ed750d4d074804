"""Our changes to tracr's craft graph: functions made total, and the blocks tracr builds wrongly.

* A function that raises on some values (ArithmeticError, or `"a" + 1` on values its inputs
  never take together) gets a copy that tracr's basis inference can run, then a total copy (the
  guards in `compiler.compiling.defined` decide whether the program is defined where it matters).
* Categorical->numerical Map with negative outputs (tracr #24): tracr's MLP puts f(x) through a
  ReLU, so negative values come out as 0. Such Maps become a one-hot lookup table (hidden layer =
  the input's one-hot), which is exact for any sign.
* The MLPs `compiler.compiling.bos` names are switched off at BOS (a large negative weight from
  the BOS token into their hidden neurons; no new neurons).
* Two SelectorWidths in one MLP layer (found here): tracr names both BOS-cleaning neurons
  "_hidden_clean_bos_", they merge, and the BOS position is cleaned twice, which flips BOS
  attention for queries equal to 0. Each gets its own neuron (same parameter order).
* Categorical SequenceMap reading a value an MLP or a head wrote (found here): tracr's hidden
  neuron per pair (a, b) is ReLU(x_a + y_b - 1), exact on exact one-hots, but its inputs are
  one-hots only up to float32 (a selector_width's MLP leaves about 1e-5 on neighbouring labels,
  a head's weights sum to 1 within a rounding). An excess e over 1 on x's label a reaches every
  pair (a, b), e each, and so whatever labels the table gives those pairs, and a chain of such
  maps multiplies it by the pairs that share a label: the nineteenth hand-written set's g20 read
  back (three tables over widths) had 1.000084 on the true label after two, 0.000755 on a wrong
  one after the third, and a numerical map of it 0.0013 off. Such a map's neurons get a margin,
  ReLU(x_a + y_b - 1.25) * 4/3 (`MARGIN`): no pair but the true one fires while an input's
  excess and the other's stray entries stay under 0.25 together, so nothing leaks and the
  output is a one-hot scaled by the true pair's own deviation (times 4/3). Same neurons, same
  inputs; only the bias and the output weight differ from tracr's. A map whose inputs are
  exact (`margined_sequence_maps`) keeps tracr's neuron, and tracr's bytes.
* Categorical->numerical Map of a value off its one-hot, whose error a sum keeps (found here):
  tracr's MLP writes sum_a f(a) x_a, so a true entry 1 + d writes f(a)(1 + d), and a
  linear_sequence_map that cancels two such terms of about 200 down to 0.3 kept 0.018 of error
  (the twentieth hand-written set's first Flesch score). Where the estimate of that error passes
  a quarter of the check's tolerance (`flat_numerical_maps`), the Map is a flat lookup instead:
  ReLU(2 x_a - 0.5) - ReLU(2 x_a - 1.5) per value, exactly 1 within 0.25 of 1 and 0 within 0.25
  of 0, times f(a).
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import math
import numbers
from typing import Any, Iterator

import networkx as nx
import numpy as np
from tracr.compiler import nodes
from tracr.craft import bases, transformers, vectorspace_fns
from tracr.rasp import rasp

from compiler.compiling.facts import Facts
from compiler.language.program import UNDEFINED

_CLEAN_BOS = bases.BasisDirection("_hidden_clean_bos_")


def skipping_raises(facts: Facts, graph: nx.DiGraph) -> None:
    """Lets tracr's basis inference skip the arguments on which a function raises any error rasp's
    evaluation meets where a program is undefined, as it skips those raising ArithmeticError (it
    would stop on the others): `Facts` has shown each unreached, or the guards refuse the program
    or check it on every input. Functions that raise on nothing are left as they are.

    A numerical function giving None on some values (`Facts.filled`, whose table holds another of its
    values there) gives that value: tracr's numerical blocks take numbers.

    Works on copies in the graph (`make_functions_total` replaces them before the blocks are built)."""
    for label, expr, _ in _partial_functions(facts):
        tolerant = copy.copy(expr)
        tolerant.f = _none_on_raise(expr.f)
        graph.nodes[label][nodes.EXPR] = tolerant
    for label in facts.filled:
        filled = copy.copy(graph.nodes[label][nodes.EXPR])
        table = facts.tables[label]
        given = next(iter(table.values()))
        filled.f = lambda *args, t=table, d=given: t.get(args, d)
        graph.nodes[label][nodes.EXPR] = filled


def _none_on_raise(f):
    def skipping(*args):
        try:
            return f(*args)
        except UNDEFINED:
            return None

    return skipping


def _partial_functions(facts: Facts):
    """(label, expr, table) of each Map and SequenceMap whose table lacks some combination of its
    inputs' values (its function raises there)."""
    for label in facts.order:
        expr = facts.exprs[label]
        if isinstance(expr, (rasp.Map, rasp.SequenceMap)):
            table = facts.tables[label]
            if len(table) < math.prod(len(facts.values[c.label]) for c in expr.children):
                yield label, expr, table


def make_functions_total(facts: Facts, graph: nx.DiGraph) -> None:
    """Lets tracr build MLPs for functions that raise on some values (`skipping_raises`).

    Works on copies in the graph; the caller's program is left untouched.
    """
    for label, expr, table in _partial_functions(facts):  # the others are defined everywhere
        # tracr's categorical->numerical MLP multiplies by f(x); everything else skips None
        to_number = isinstance(expr, rasp.Map) and rasp.is_categorical(expr.inner) \
            and rasp.is_numerical(expr)
        fallback = 0 if to_number else None
        total = copy.copy(expr)
        total.f = lambda *args, t=table, d=fallback: t.get(args, d)
        graph.nodes[label][nodes.EXPR] = total


MARGIN = 0.25  # how far a categorical SequenceMap's inputs may stray from a one-hot without a leak
_TRACR_NEURONS = contextvars.ContextVar("tracr_neurons", default=False)


@contextlib.contextmanager
def tracr_neurons() -> Iterator[None]:
    """Within the block, compile builds categorical SequenceMaps and categorical->numerical Maps with
    tracr's own neurons (no margin, no flat lookup), as stock tracr and this compiler before them
    did: for comparing a candidate's weights with a net compiled that way
    (`interpreter.weights_match`), never for a net to compute with (the leaks are back)."""
    token = _TRACR_NEURONS.set(True)
    try:
        yield
    finally:
        _TRACR_NEURONS.reset(token)


def margined_sequence_maps(facts: Facts) -> frozenset[str]:
    """The categorical SequenceMaps that read a value which may be off a one-hot in float32: one an
    MLP wrote (a selector_width's, a numerical Map's to categories, a margined SequenceMap's), or a
    head (an aggregate), or a categorical Map of such a value (its MLP passes its input's entries
    on as they are). tokens and indices are exact one-hots, and so are categorical Maps and
    SequenceMaps of exact values (tracr's neurons are exact there). A margined neuron's output is
    0 off the true label while each input is within `MARGIN` of its one-hot, but the true label
    carries the inputs' deviation on ((1 + e_x + e_y - MARGIN) / (1 - MARGIN)), so a table that
    reads it is margined too. None under `tracr_neurons`."""
    if _TRACR_NEURONS.get():
        return frozenset()
    exact: set[str] = set()
    margined = set()
    for label in facts.order:
        expr = facts.exprs[label]
        if isinstance(expr, (rasp.TokensType, rasp.IndicesType)):
            exact.add(label)
        elif isinstance(expr, rasp.Map) and rasp.is_categorical(expr) and rasp.is_categorical(expr.inner):
            if expr.inner.label in exact:
                exact.add(label)
        elif isinstance(expr, rasp.SequenceMap) and expr.fst.label == expr.snd.label:
            if expr.fst.label in exact:  # tracr builds f(x, x) as a Map's MLP: no pairs to leak to
                exact.add(label)
        elif isinstance(expr, rasp.SequenceMap) and rasp.is_categorical(expr):
            if {expr.fst.label, expr.snd.label} <= exact:
                exact.add(label)
            else:
                margined.add(label)
    return frozenset(margined)


FLAT_SHARE = 0.25  # of the check's absolute tolerance: a numerical line's error bound past it gets flat lookups
_FLOAT32_EPS = 2.0 ** -23


def largest_magnitude(values) -> float:
    """The largest magnitude among a numerical S-Op's finite values (numpy's too), 0 where it has
    none: the scale its errors are measured against."""
    return max((abs(float(v)) for v in values if isinstance(v, numbers.Real) and math.isfinite(v)), default=0.0)


def flat_numerical_maps(facts: Facts, margined: frozenset[str], mlp_exactness: float) -> frozenset[str]:
    """The categorical->numerical Maps to build as flat lookups (`_flat_lookup_mlp`): those of a
    value that may be off its one-hot whose error could reach a numerical line past `FLAT_SHARE`
    of the check's tolerance.

    tracr's Map writes sum_a f(a) x_a: its input's true entry off 1 by d moves the output by d
    of itself (a relative error), and stray entries of up to d on other values move it by up to
    max|f| d (an absolute one). The estimate d of each categorical value: 0 for tokens, indices
    and tables of exact values; a selector_width's or a numerical Map's MLP steps, differences of
    ReLUs of size up to mlp_exactness * |x|, leave 4 float32 roundings of that (8e-6 measured
    where this gives 5e-5); a margined table (d_x + d_y) / (1 - MARGIN); a head adds what it may
    leave on BOS (`compiler.compiling.assemble`: 1e-5). A
    linear_sequence_map a x + b y turns its terms' relative errors into absolute ones (a sum can
    cancel to a small result, and the error stays): |a| (E_x + max|x| R_x) + the same for y; a
    mean keeps its value's. A numerical Map of a number steps at its thresholds, which
    `compiler.compiling.exactness` keeps clear. Past FLAT_SHARE of ATOL (absolute) or of RTOL
    (relative), the Maps the error comes from are flat. The twentieth hand-written set's first
    Flesch score (206.835 - 1.015 w - 84.6 s over widths' ratios) was 0.018 off at a score of 0.3."""
    from compiler.compiling.arguments import CATEGORICAL_LEAK, NUMERICAL_LEAK
    from compiler.compiling.check import ATOL, RTOL

    if _TRACR_NEURONS.get():
        return frozenset()
    noise: dict[str, float] = {}  # categorical: the one-hot deviation estimate
    absolute: dict[str, float] = {}  # numerical: the absolute error estimate
    relative: dict[str, float] = {}  # numerical: the error relative to the value
    sources: dict[str, set[str]] = {}  # numerical: the categorical->numerical Maps its error comes from

    def largest(label: str) -> float:
        return largest_magnitude(facts.values.get(label, ()))

    for label in facts.order:
        expr = facts.exprs[label]
        children = [c.label for c in expr.children if isinstance(c, rasp.SOp)]
        if rasp.is_categorical(expr):
            if isinstance(expr, (rasp.TokensType, rasp.IndicesType)):
                noise[label] = 0.0
            elif isinstance(expr, rasp.SelectorWidth):
                noise[label] = 4 * mlp_exactness * _FLOAT32_EPS
            elif isinstance(expr, rasp.Map) and rasp.is_numerical(expr.inner):
                noise[label] = 4 * mlp_exactness * max(1.0, largest(children[0])) * _FLOAT32_EPS
            elif isinstance(expr, rasp.SequenceMap) and label in margined:
                noise[label] = sum(noise.get(c, 0.0) for c in children) / (1 - MARGIN)
            elif isinstance(expr, rasp.Aggregate):  # its head may leave up to this much on BOS
                noise[label] = noise.get(expr.sop.label, 0.0) + CATEGORICAL_LEAK
            else:  # a Map, or a table of exact values
                noise[label] = max((noise.get(c, 0.0) for c in children), default=0.0)
            continue
        absolute[label], relative[label], sources[label] = 0.0, 0.0, set()
        if isinstance(expr, rasp.Map) and rasp.is_categorical(expr.inner):
            d = noise.get(expr.inner.label, 0.0)
            absolute[label], relative[label] = largest(label) * d, d
            sources[label] = {label} if d else set()
        elif isinstance(expr, rasp.LinearSequenceMap):
            absolute[label] = sum(abs(factor) * (absolute.get(c, 0.0) + largest(c) * relative.get(c, 0.0))
                                  for factor, c in ((expr.fst_fac, expr.fst.label), (expr.snd_fac, expr.snd.label)))
            sources[label] = sources.get(expr.fst.label, set()) | sources.get(expr.snd.label, set())
        elif isinstance(expr, rasp.Aggregate):  # a mean, whose head may leave this much on BOS (0 there)
            absolute[label] = absolute.get(expr.sop.label, 0.0)
            relative[label] = relative.get(expr.sop.label, 0.0) + NUMERICAL_LEAK
            sources[label] = sources.get(expr.sop.label, set())
    flat: set[str] = set()
    for label in absolute:
        if absolute[label] > FLAT_SHARE * ATOL or relative[label] > FLAT_SHARE * RTOL:
            flat |= sources[label]
    return frozenset(flat)


def fix_blocks(facts: Facts, graph: nx.DiGraph, silenced: frozenset[str], bos: bases.BasisDirection,
               margined: frozenset[str] = frozenset(), flat: frozenset[str] = frozenset()) -> None:
    """Replaces the craft blocks tracr builds wrongly (tracr #24, BOS pollution, the leak of the
    categorical SequenceMaps in `margined`, the error of the categorical->numerical Maps in `flat`)."""
    for label in facts.order:
        expr, node = facts.exprs[label], graph.nodes[label]
        if label in margined:
            node[nodes.MODEL_BLOCK] = _margined(node[nodes.MODEL_BLOCK])
        if label in flat:
            node[nodes.MODEL_BLOCK] = _flat_lookup_mlp(
                label, bases.VectorSpaceWithBasis(graph.nodes[expr.inner.label][nodes.OUTPUT_BASIS]),
                bases.VectorSpaceWithBasis(node[nodes.OUTPUT_BASIS]), facts.tables[label])
        elif label in silenced:
            node[nodes.MODEL_BLOCK] = _silent_at_bos(node[nodes.MODEL_BLOCK], bos)
        elif (isinstance(expr, rasp.Map) and rasp.is_categorical(expr.inner)
                and rasp.is_numerical(expr)
                and any(v < 0 for v in facts.tables[label].values())):
            node[nodes.MODEL_BLOCK] = _lookup_table_mlp(
                label, bases.VectorSpaceWithBasis(graph.nodes[expr.inner.label]
                                                  [nodes.OUTPUT_BASIS]),
                bases.VectorSpaceWithBasis(node[nodes.OUTPUT_BASIS]), facts.tables[label])
        elif isinstance(expr, rasp.SelectorWidth):
            attn, mlp = node[nodes.MODEL_BLOCK].blocks
            node[nodes.MODEL_BLOCK] = transformers.SeriesWithResiduals(
                [attn, _rename_hidden(mlp, _CLEAN_BOS,
                                      bases.BasisDirection(f"{_CLEAN_BOS.name}{label}_"))])


def _margined(mlp: transformers.MLP) -> transformers.MLP:
    """tracr's categorical SequenceMap MLP (hidden ReLU(x_a + y_b - 1) per pair) with a margin:
    each neuron's bias lowered by `MARGIN` and its output scaled by 1 / (1 - MARGIN), so a pair
    fires only above x_a + y_b = 1 + MARGIN and gives 1 on exact inputs (module docstring)."""
    fst, snd = mlp.fst, mlp.snd  # changed in place: tracr's block is not kept, and a wide one is large
    fst.matrix[fst.input_space.index_by_direction[bases.BasisDirection("one")]] -= MARGIN
    snd.matrix /= 1 - MARGIN
    return mlp


def _silent_at_bos(mlp: transformers.MLP, bos: bases.BasisDirection) -> transformers.MLP:
    """The MLP with every hidden neuron switched off at BOS, where its input is (about) 0.

    The BOS direction pushes each pre-activation to -1 or below for any input within [-1, 1]
    (an attention's leakage at BOS is far smaller).
    """
    fst = mlp.fst
    space = bases.join_vector_spaces(fst.input_space, bases.VectorSpaceWithBasis([bos]))
    matrix = np.zeros((space.num_dims, fst.output_space.num_dims))
    for i, direction in enumerate(fst.input_space.basis):
        matrix[space.index_by_direction[direction]] = fst.matrix[i]
    one = fst.input_space.index_by_direction[bases.BasisDirection("one")]
    inputs = np.delete(fst.matrix, one, axis=0)
    matrix[space.index_by_direction[bos]] = -(np.maximum(fst.matrix[one], 0) + 1
                                              + np.abs(inputs).sum(axis=0))
    return transformers.MLP(vectorspace_fns.Linear(space, fst.output_space, matrix), mlp.snd)


def _lookup_table_mlp(label: str, input_space: bases.VectorSpaceWithBasis,
                      output_space: bases.VectorSpaceWithBasis,
                      table: dict[tuple, Any]) -> transformers.MLP:
    """A categorical->numerical MLP exact for negative values: one-hot hidden, then f."""
    hidden_name = f"_hidden_{label}_"
    hidden_space = bases.VectorSpaceWithBasis(
        [bases.BasisDirection(hidden_name, d.value) for d in input_space.basis])
    out = output_space.vector_from_basis_direction(output_space.basis[0])
    first = vectorspace_fns.Linear(input_space, hidden_space, np.eye(input_space.num_dims))
    second = vectorspace_fns.Linear.from_action(
        hidden_space, output_space, lambda d: (table.get((d.value,)) or 0) * out)
    return transformers.MLP(first, second)


def _flat_lookup_mlp(label: str, input_space: bases.VectorSpaceWithBasis,
                     output_space: bases.VectorSpaceWithBasis, table: dict[tuple, Any]) -> transformers.MLP:
    """A categorical->numerical MLP that writes f(a) exactly while x_a is within 0.25 of 1 and the
    other entries within 0.25 of 0: two neurons per value, ReLU(2 x_a - 0.5) - ReLU(2 x_a - 1.5)
    (flat at 0 and at 1), times f(a). Exact for negative f too (tracr #24)."""
    hidden_name = f"_hidden_{label}_"
    parts = {"rise": (0.5, 1.0), "cap": (1.5, -1.0)}  # what each takes off 2 x_a, and its sign out
    one = bases.BasisDirection("one")
    space = bases.join_vector_spaces(input_space, bases.VectorSpaceWithBasis([one]))
    hidden_space = bases.VectorSpaceWithBasis([bases.BasisDirection(hidden_name, (d.value, part))
                                               for d in input_space.basis for part in parts])
    first = np.zeros((space.num_dims, hidden_space.num_dims))
    second = np.zeros((hidden_space.num_dims, output_space.num_dims))
    at = hidden_space.index_by_direction
    for direction in input_space.basis:
        value = table.get((direction.value,)) or 0
        for part, (drop, sign) in parts.items():
            j = at[bases.BasisDirection(hidden_name, (direction.value, part))]
            first[space.index_by_direction[direction], j] = 2.0
            first[space.index_by_direction[one], j] = -drop
            second[j, 0] = sign * value
    return transformers.MLP(vectorspace_fns.Linear(space, hidden_space, first),
                            vectorspace_fns.Linear(hidden_space, output_space, second))


def _rename_hidden(mlp: transformers.MLP, old: bases.BasisDirection,
                   new: bases.BasisDirection) -> transformers.MLP:
    """The same MLP with hidden neuron `old` called `new` (its position is kept)."""
    basis = [new if d == old else d for d in mlp.fst.output_space.basis]
    hidden = bases.VectorSpaceWithBasis(basis)
    return transformers.MLP(
        vectorspace_fns.Linear(mlp.fst.input_space, hidden, mlp.fst.matrix),
        vectorspace_fns.Linear(hidden, mlp.snd.output_space, mlp.snd.matrix))
