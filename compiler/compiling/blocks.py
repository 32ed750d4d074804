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
"""

from __future__ import annotations

import copy
import math
from typing import Any

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

    Works on copies in the graph (`make_functions_total` replaces them before the blocks are built)."""
    for label, expr, _ in _partial_functions(facts):
        tolerant = copy.copy(expr)
        tolerant.f = _none_on_raise(expr.f)
        graph.nodes[label][nodes.EXPR] = tolerant


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


def fix_blocks(facts: Facts, graph: nx.DiGraph, silenced: frozenset[str], bos: bases.BasisDirection) -> None:
    """Replaces the craft blocks tracr builds wrongly (tracr #24, BOS pollution)."""
    for label in facts.order:
        expr, node = facts.exprs[label], graph.nodes[label]
        if label in silenced:
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


def _rename_hidden(mlp: transformers.MLP, old: bases.BasisDirection,
                   new: bases.BasisDirection) -> transformers.MLP:
    """The same MLP with hidden neuron `old` called `new` (its position is kept)."""
    basis = [new if d == old else d for d in mlp.fst.output_space.basis]
    hidden = bases.VectorSpaceWithBasis(basis)
    return transformers.MLP(
        vectorspace_fns.Linear(mlp.fst.input_space, hidden, mlp.fst.matrix),
        vectorspace_fns.Linear(hidden, mlp.snd.output_space, mlp.snd.matrix))
