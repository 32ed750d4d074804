"""Readable labels for a reading's categorical tables: a weighted sum (or a product) where a table is one.

A categorical line between two others writes labels no unembedding names: the search reads
`part = 6 * length + 9 * big` off a net as a table from (length, big) to 0, 1, 2, ... in the order
the trace met them, and the line reading it as a table keyed by those labels. Both are right, and
a researcher learns nothing from them. Where such a table's entries fall in the classes of a small
weighted sum (`a * x + b * y` of its two numbers: equal labels exactly where the sums are equal),
or else of their product,
the labels are renamed to the sums, the table written as the sum, and every table that reads it
keyed by the sums (not where every pair has a label of its own: then any sum that packs the pairs
fits, and none says more than the table): the same program up to names of values no one sees. `readable_labels` gives
that program; the caller certifies it again before taking it (its lambda is defined where the
table had no entry, and the net is the judge of what compiles from it).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Iterator

from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.literals import table_key
from compiler.language.parser import parse_lambda
from interpreter.certify import rebuilt

#: Largest weight of a weighted sum tried (`a * x + b * y`, |a|, |b| <= it).
MAX_WEIGHT = 9


def line_readers(program: prog.Program) -> dict[int, list[nodes.Node]]:
    """The lines reading each node of `program`, by the node's id, each once, in line order."""
    readers: dict[int, list[nodes.Node]] = defaultdict(list)
    for node in program.nodes:
        for child in set(map(id, node.children)):
            readers[child].append(node)
    return readers


def readable_labels(program: prog.Program) -> prog.Program | None:
    """`program` with each categorical sequence_map table that only tables read (not the output)
    and whose classes are those of a weighted sum of its two numbers written as that sum, and
    the tables reading it keyed by the sums; None when no table is. In canonical order, so a
    chain of sums (the sum of a sum and a count) is read as one sum after another."""
    readers = line_readers(program)
    renamed: dict[int, dict] = {}  # by node id: {table_key(old label): new label}
    changes: dict[int, dict] = {}
    for node in program.nodes:
        table = _renamed_table(node, renamed)
        if table is None:
            continue
        function = node.predicate if isinstance(node, nodes.Select) else node.function
        if table != function:
            changes[id(node)] = {"predicate" if isinstance(node, nodes.Select) else "function": table}
        if (node is program.output or not isinstance(node, nodes.SequenceMap) or node.encoding != nodes.CATEGORICAL
                or not readers[id(node)] or not all(_renamed_table(r, {}) is not None for r in readers[id(node)])):
            continue
        found = _weighted_sum(table)
        if found is None:
            continue
        text, labels = found
        if not all(_keys_known(reader, node, labels) for reader in readers[id(node)]):
            continue
        renamed[id(node)] = labels
        changes[id(node)] = {"function": parse_lambda(f"lambda x, y: {text}")}
    return rebuilt(program, changes) if renamed else None


def _renamed_table(node: nodes.Node, renamed: dict[int, dict]):
    """`node`'s table (a map's or sequence_map's `fn.Table`, a select's `fn.PredicateTable`) with
    the labels of its inputs in `renamed` renamed; None for a node with no table."""
    children = node.children
    if isinstance(node, (nodes.Map, nodes.SequenceMap)) and isinstance(node.function, fn.Table):
        def key(k):
            parts = (k,) if len(children) == 1 else k
            new = tuple(renamed[id(c)][table_key(p)] if id(c) in renamed else p for c, p in zip(children, parts))
            return new[0] if len(children) == 1 else new
        table = node.function
        if not any(id(c) in renamed for c in children):
            return table
        return fn.Table.from_mapping(table.arity, {key(k): v for k, v in table.entries})
    if isinstance(node, nodes.Select) and isinstance(node.predicate, fn.PredicateTable):
        if not any(id(c) in renamed for c in children):
            return node.predicate
        return fn.PredicateTable.from_pairs(
            tuple(renamed[id(c)][table_key(p)] if id(c) in renamed else p for c, p in zip(children, pair))
            for pair in node.predicate.pairs)
    return None


def _keys_known(reader: nodes.Node, node: nodes.Node, labels: dict) -> bool:
    """Whether every key `reader`'s table holds for `node`'s value is a label `labels` renames."""
    table = reader.predicate if isinstance(reader, nodes.Select) else reader.function
    keys = table.pairs if isinstance(reader, nodes.Select) else [k if table.arity > 1 else (k,)
                                                                 for k, _ in table.entries]
    places = [i for i, child in enumerate(reader.children) if child is node]
    return all(table_key(key[i]) in labels for key in keys for i in places)


def _weighted_sum(table: fn.Table) -> tuple[str, dict] | None:
    """The first weighted sum (`_weights`), or else the product, whose classes on the table's keys
    are the table's classes (equal values exactly where the sums are equal): its text, and
    {table_key(value): its sum}; None when the keys are not pairs of whole numbers or none fits."""
    entries = table.entries
    if not entries or table.arity != 2 or not all(
            _whole(x) and _whole(y) and value is not None for (x, y), value in entries):
        return None
    if len({table_key(value) for _, value in entries}) == len(entries):
        return None  # every pair its own label: many sums pack them, and none says more than the table
    forms = [(_sum_text(a, b), lambda x, y, a=a, b=b: a * x + b * y) for a, b in _weights()]
    for text, form in forms + [("x * y", lambda x, y: x * y)]:
        labels: dict = {}
        sums: dict = {}
        if all(labels.setdefault(table_key(value), form(x, y)) == form(x, y)
               and sums.setdefault(form(x, y), table_key(value)) == table_key(value)
               for (x, y), value in entries):
            return text, labels
    return None


def _weights() -> Iterator[tuple[int, int]]:
    """(a, b) for `a * x + b * y`, simplest first (by |a| + |b|, then the larger weight on x):
    a > 0 (a sum and its negation have the same classes), b != 0, no common factor."""
    pairs = [(a, b) for a in range(1, MAX_WEIGHT + 1) for b in range(-MAX_WEIGHT, MAX_WEIGHT + 1)
             if b and math.gcd(a, abs(b)) == 1]
    return iter(sorted(pairs, key=lambda p: (p[0] + abs(p[1]), p[1] < 0, -p[0])))


def _sum_text(a: int, b: int) -> str:
    first = "x" if a == 1 else f"{a} * x"
    second = "y" if abs(b) == 1 else f"{abs(b)} * y"
    return f"{first} {'+' if b > 0 else '-'} {second}"


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
