"""Canonical text of a program: one operation per line, inputs first, variables `v1, v2, ...`.

The order is a depth-first walk from the output that visits inputs in argument order, so it
depends only on the program's structure: two programs are the same (up to variable names
and the order their lines were written in) exactly when their canonical texts are equal,
and parsing a canonical text and printing it again gives the same text.
"""

from __future__ import annotations

from compiler.language.functions import format_predicate
from compiler.language.literals import format_value
from compiler.language.nodes import (
    NUMERICAL,
    Aggregate,
    LinearSequenceMap,
    Map,
    Node,
    Primitive,
    Select,
    SelectorWidth,
    SequenceMap,
)


def format_program(program, keep_names: bool = False) -> str:
    """A `Program`'s text; canonical unless `keep_names` keeps the names it was written with."""
    names = program.names(keep=keep_names)

    def ref(node: Node) -> str:
        return node.primitive if isinstance(node, Primitive) else names[id(node)]

    lines = [f"{names[id(node)]} = {_format_operation(node, ref)}" for node in program.nodes]
    lines.append(f"return {ref(program.output)}")
    return "\n".join(lines) + "\n"


def _format_operation(node: Node, ref) -> str:
    if isinstance(node, Map):
        call = f"map({node.function.format()}, {ref(node.inner)})"
    elif isinstance(node, LinearSequenceMap):
        factors = f"{format_value(node.fst_fac)}, {format_value(node.snd_fac)}"
        call = f"linear_sequence_map({ref(node.fst)}, {ref(node.snd)}, {factors})"
    elif isinstance(node, SequenceMap):
        call = f"sequence_map({node.function.format()}, {ref(node.fst)}, {ref(node.snd)})"
    elif isinstance(node, Select):
        return f"select({ref(node.keys)}, {ref(node.queries)}, {format_predicate(node.predicate)})"
    elif isinstance(node, Aggregate):
        call = f"aggregate({ref(node.selector)}, {ref(node.sop)})"
    elif isinstance(node, SelectorWidth):
        call = f"selector_width({ref(node.selector)})"
    else:  # pragma: no cover - the node classes above are all there are
        raise TypeError(f"unknown node {node!r}")
    return f"numerical {call}" if node.encoding == NUMERICAL else call
