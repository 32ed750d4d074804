"""Readable labels for a reading's categorical tables: a weighted sum (or a product) where a table is one.

A categorical line between two others writes labels no unembedding names: the search reads
`part = 6 * length + 9 * big` off a net as a table from (length, big) to 0, 1, 2, ... in the order
the trace met them, and the line reading it as a table keyed by those labels. Both are right, and
a researcher learns nothing from them. Where such a table's entries fall in the classes of a small
weighted sum (`a * x + b * y` of its two numbers: equal labels exactly where the sums are equal),
or else of their product,
the labels are renamed to the sums (or, for a table over the indices whose classes are a
flagged position's index and one label elsewhere, to `i if cond else 99`: `_index_or_sentinel`),
the table written as the sum, and every table that reads it
keyed by the sums (not where every pair has a label of its own: then any sum that packs the pairs
fits, and none says more than the table): the same program up to names of values no one sees. `readable_labels` gives
that program; the caller certifies it again before taking it (its lambda is defined where the
table had no entry, and the net is the judge of what compiles from it).

A select's table of (key, query) pairs is read as the pairs the net's head chooses, even where a
comparison or one key value chooses them (tracr's `lib.make_hist` counts read as
`select(v2, v2, {(5, 0), (5, 1), ..., (5, 5)})`, which is `lambda k, q: k == 5` on every value the
keys and queries take): `readable_predicates` writes such a table as the simplest predicate
selecting the same pairs of those values, certified again in the same way. Likewise a map's or
sequence_map's table of two values is read where no library function fits, though a condition
does: the library's constants are small numbers, not the net's words (`numerical map({"C": 1,
"I": 0, "INT": 0, "SACK": 0}, tokens)`, which `readable_functions` writes as `lambda x: 1 if
x == "C" else 0`).

A count fetched at the latest event by the events' number (`aggregate(select(key, resets, EQ),
value)`, key and value `c if t == "r" else 0`) reads as codes in the order met: the key's are
named by the counts the select pairs them with (then `EQ`), the value's by the output map renaming
them or by the count each event passes on (`y if x == "r" else 0`, `readable_functions` writes).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections import defaultdict
from typing import Iterator

from tracr.rasp import rasp

from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.literals import format_value, table_key, value_sort_key
from compiler.language.parser import parse_lambda
from compiler.language.values import ValueSetError, ValueSets
from generator.config import MAP_FUNCTIONS
from interpreter.certify import rebuilt
from interpreter.piecewise import piecewise_functions
from interpreter.search import bound_templates

#: Largest weight of a weighted sum tried (`a * x + b * y`, |a|, |b| <= it).
MAX_WEIGHT = 9
#: Most (key, query) value pairs a select's table is compared over when rewritten as a predicate
#: (a (value, index) pack of 15 tokens at length 10 meets 150 x 150: the thirty-third set's s21).
MAX_PREDICATE_PAIRS = 65_536
#: Most argument values (pairs, for a sequence_map) a map's table is compared over when rewritten.
MAX_FUNCTION_ARGUMENTS = 20_000
#: Largest |a| + |b| of a sum `a * x + b * y` a table over two numbers is read as a function of.
MAX_SUM_WEIGHT = 3


def line_readers(program: prog.Program) -> dict[int, list[nodes.Node]]:
    """The lines reading each node of `program`, by the node's id, each once, in line order."""
    readers: dict[int, list[nodes.Node]] = defaultdict(list)
    for node in program.nodes:
        for child in set(map(id, node.children)):
            readers[child].append(node)
    return readers


def readable_labels(program: prog.Program, value_sets: ValueSets | None = None) -> prog.Program | None:
    """`program` with each categorical sequence_map table that only tables read (not the output)
    and whose classes are those of a weighted sum of its two numbers written as that sum, and
    the tables reading it keyed by the sums; None when no table is. In canonical order, so a
    chain of sums (the sum of a sum and a count) is read as one sum after another. Labels a
    select keys by are renamed to the query values choosing them where it pairs them one to one
    (`_named_by_queries`), and labels one argument's values each have their own of to those values
    (`_passed_labels`); labels a categorical aggregate fetches count as the line's own, the tables
    reading the fetch keyed by the new names too, and an output map that only renames what is
    fetched is dropped, its outputs the fetched line's labels (`_fetch_named_by_output`). With
    `value_sets`, a library lambda over the indices whose labels mix words and numbers (`x if y ==
    "miss" else y`: the index at a miss, the word elsewhere) is written as the index or 99 where its
    table over those values is one (`_index_or_sentinel`)."""
    fetched = _fetch_named_by_output(program)
    program = fetched or program
    readers = line_readers(program)
    renamed: dict[int, dict] = {}  # by node id: {table_key(old label): new label}
    changes: dict[int, dict] = {}
    for node in program.nodes:
        table, tabulated = _renamed_table(node, renamed), False
        if table is not None:
            function = node.predicate if isinstance(node, nodes.Select) else node.function
            if table != function:
                changes[id(node)] = {"predicate" if isinstance(node, nodes.Select) else "function": table}
        elif value_sets is not None:
            table = _mixed_index_table(node, value_sets)
            tabulated = True  # a lambda: only written again as the index or 99
        if table is None:
            continue
        if (node is program.output or not isinstance(node, (nodes.Map, nodes.SequenceMap))
                or node.encoding != nodes.CATEGORICAL or not readers[id(node)]):
            continue
        # the lines holding its labels: itself, and the categorical aggregates fetching them
        holders = [node] + [r for r in readers[id(node)] if _fetches(r, node, program)]
        reading = [r for holder in holders for r in readers[id(holder)] if r not in holders]
        if not reading or not all(_renamed_table(r, {}) is not None for r in reading):
            continue
        found = None
        if tabulated:
            found = _index_or_sentinel(node, table)
            found = None if found is None else (parse_lambda(f"lambda x, y: {found[0]}"), found[1])
        elif isinstance(node, nodes.SequenceMap):
            found = _weighted_sum(table) or _index_or_sentinel(node, table)
            if found is not None:
                found = parse_lambda(f"lambda x, y: {found[0]}"), found[1]
            elif any(isinstance(reader, nodes.Select) for reader in readers[id(node)]):
                # a pack says no more than the table's own labels, but a select reading it may then be a
                # comparison of its blocks
                found = _packed_with_index(node, table)
        if found is None and not tabulated:
            found = _named_by_queries(table, node, reading, renamed) or _passed_labels(table)
        if found is None:
            continue
        function, labels = found
        if not all(_keys_known(reader, holder, labels) for holder in holders for reader in readers[id(holder)]
                   if reader not in holders):
            continue
        for holder in holders:
            renamed[id(holder)] = labels
        changes[id(node)] = {"function": function}
    return rebuilt(program, changes) if renamed else fetched


def _mixed_index_table(node: nodes.Node, value_sets: ValueSets) -> fn.Table | None:
    """A categorical sequence_map lambda over the indices and one other line as its table on the
    values they take, where its labels mix words and numbers (a flagged index, the word itself
    elsewhere: no comparison orders them, so the select reading it stays a table of pairs); None
    for any other line."""
    if not isinstance(node, nodes.SequenceMap) or not isinstance(node.function, fn.Lambda) or \
            node.encoding != nodes.CATEGORICAL or sum(child is nodes.INDICES for child in node.children) != 1:
        return None
    try:
        domains = [sorted(value_sets(child), key=value_sort_key) for child in node.children]
    except ValueSetError:
        return None
    if math.prod(len(d) for d in domains) > MAX_FUNCTION_ARGUMENTS:
        return None
    mapping = {}
    for args in itertools.product(*domains):
        try:
            mapping[args] = node.function(*args)
        except (fn.EvaluationError, TypeError, ValueError, ArithmeticError):
            continue
    kinds = {isinstance(v, str) for v in mapping.values()}
    return fn.Table.from_mapping(2, mapping) if kinds == {True, False} else None


def _fetches(reader: nodes.Node, node: nodes.Node, program: prog.Program) -> bool:
    """Whether `reader` is a categorical aggregate of `node` (its labels, fetched), not the output."""
    return (isinstance(reader, nodes.Aggregate) and reader.sop is node and reader.selector.keys is not node
            and reader.selector.queries is not node and reader.encoding == nodes.CATEGORICAL
            and reader is not program.output)


def _passed_labels(table: fn.Table) -> tuple[fn.Table, dict] | None:
    """The labels of a table of two arguments renamed to one argument's values where the other's
    values each give that argument's values their own labels, and one label at the rest (named
    as the passed value it is also, else 0 or -1, one no passed value is): the table is then `y if
    cond(x) else C` (`readable_functions` writes it so): the count at each miss, 0 elsewhere, read
    off a net as codes in the order met and fetched by the latest miss's number. The renamed table
    and {table_key(old label): new label}; None where the table is not so."""
    if table.arity != 2:
        return None
    entries = table.entries
    if not entries or any(label is None for _, label in entries):
        return None
    for passed in (1, 0):
        rows: dict = defaultdict(list)
        for key, label in entries:
            rows[table_key(key[1 - passed])].append((key[passed], table_key(label)))
        named: dict = {}  # label -> the passed value it names
        names: dict = {}  # the passed value's key -> its label
        constant = set()
        for row in rows.values():
            distinct = len({label for _, label in row})
            if distinct == 1 and len(row) > 1:
                constant.add(row[0][1])
                continue
            if distinct != len(row) or len(row) < 2:
                break
            if any(table_key(named.setdefault(label, value)) != table_key(value)
                   or names.setdefault(table_key(value), label) != label for value, label in row):
                break
        else:
            if not named or len(constant) != 1:
                continue
            (off,) = constant
            if off not in named:
                taken = {table_key(v) for v in named.values()}
                if not all(_whole(v) for v in named.values()):
                    continue
                named[off] = next(n for n in itertools.chain((0,), itertools.count(-1, -1)) if n not in taken)
            labels = {label for _, label in entries}
            if set(named) != {table_key(label) for label in labels}:
                continue
            return fn.Table.from_mapping(2, {key: named[table_key(label)] for key, label in entries}), named
    return None


def _named_by_queries(table: fn.Table, node: nodes.Node, readers: list[nodes.Node], renamed: dict[int, dict]
                      ) -> tuple[fn.Table, dict] | None:
    """The labels of `node`'s table renamed to the query values a select keyed by them chooses
    them for, where its table of pairs pairs each label with one query value and each query value
    with one label (the others renamed -1, -2, ..., no query's): the select is then `EQ` on its
    keys and queries (`readable_predicates` writes it so), and the table what the writer keyed by
    (`c if t == "r" else 0` against a count of r's: each r numbered by the count, the rest 0; read
    off a net, codes in the order met, and the select a table of code-count pairs). The renamed
    table and {table_key(old label): new label}; None where no select reads the labels so."""
    labels = {table_key(value) for _, value in table.entries}
    if None in labels:
        return None
    for reader in readers:
        if not isinstance(reader, nodes.Select) or reader.keys is not node or reader.queries is node:
            continue
        pairs = _renamed_table(reader, renamed)
        by_key: dict = defaultdict(list)
        by_query: dict = defaultdict(set)
        for key, query in pairs.pairs:
            by_key[table_key(key)].append(query)
            by_query[(type(query), table_key(query))].add(table_key(key))
        if not by_key or any(len(chosen) != 1 for chosen in [*by_key.values(), *by_query.values()]) \
                or not set(by_key) <= labels:
            continue
        named = {key: chosen[0] for key, chosen in by_key.items()}
        if len(named) < len(labels) and not all(_whole(query) for query in named.values()):
            continue  # the unchosen labels need numbers no query is
        taken = {table_key(query) for query in named.values()}
        fresh = (n for n in itertools.count(-1, -1) if n not in taken)
        named.update({label: next(fresh) for label in sorted(labels - set(named), key=value_sort_key)})
        return fn.Table.from_mapping(table.arity, {key: named[table_key(value)] for key, value in table.entries}), named
    return None


def _fetch_named_by_output(program: prog.Program) -> prog.Program | None:
    """`program` without its output map where that map only renames what a categorical aggregate
    fetches, from a table line that nothing else reads: the table's labels renamed to the map's
    outputs, and the aggregate the output (`aggregate(select(key, count, EQ), value)` of a value
    `c if t == "r" else 0` read off a net as codes in the order met, and a map from the codes to
    the counts at the unembedding); None where the output is not so."""
    out = program.output
    if not isinstance(out, nodes.Map) or not isinstance(out.function, fn.Table) or out.encoding != nodes.CATEGORICAL:
        return None
    fetch = out.inner
    if not isinstance(fetch, nodes.Aggregate) or fetch.encoding != nodes.CATEGORICAL:
        return None
    value = fetch.sop
    if not isinstance(value, (nodes.Map, nodes.SequenceMap)) or not isinstance(value.function, fn.Table) \
            or value.encoding != nodes.CATEGORICAL:
        return None
    readers = line_readers(program)
    if [id(r) for r in readers[id(fetch)]] != [id(out)] or [id(r) for r in readers[id(value)]] != [id(fetch)]:
        return None
    outputs = {table_key(key): image for key, image in out.function.entries}
    # a label the map has no entry for is one no input fetches (compile fills its entry in)
    entries = [(key, outputs[table_key(label)]) for key, label in value.function.entries if table_key(label) in outputs]
    if not entries or any(image is None for _, image in entries):
        return None
    renamed = fn.Table.from_mapping(value.function.arity, dict(entries))
    return prog.Program(rebuilt(program, {id(value): {"function": renamed}}).output.inner)


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


#: The number a flagged index is replaced by elsewhere (`i if t == "open" else 99`): no index of
#: the lengths read, and the hand-written sets' writers' own choice.
SENTINEL = 99
#: The least block a (value, index) pack gives each value (`x * 16 + i`), as the writers did.
PACK_WIDTH = 16


def _index_argument(node: nodes.Node, table: fn.Table) -> int | None:
    """Which argument of a sequence_map's table of two is the indices (the other one is not); None
    for any other node."""
    children = node.children
    if table.arity != 2 or not isinstance(node, nodes.SequenceMap) or \
            sum(child is nodes.INDICES for child in children) != 1:
        return None
    return 0 if children[0] is nodes.INDICES else 1


def _index_or_sentinel(node: nodes.Node, table: fn.Table) -> tuple[str, dict] | None:
    """`i if cond(t) else 99` over a sequence_map of the indices and one other line (`i` and `t`
    as `x` and `y` in their order), where the table's classes are its classes: at the values of
    the other line `cond` picks, one label per index, the same for each, and at the rest one label
    no index has; its text and {table_key(label): index or 99}; None when the table is not so or
    no condition of `_one_side` picks those values. Such a key, each flagged position's index and
    99 elsewhere, is how a researcher counts flagged positions up to each one (`selector_width(
    select(open_at, indices, LEQ))`); read off a net, it is a table of labels keying a table of
    pairs (the thirty-third hand-written set's s07 and s04, the thirty-first's s11)."""
    at = _index_argument(node, table)
    if at is None:
        return None
    rows: dict = defaultdict(dict)  # by the other argument's value: {index: label}
    others: dict = {}
    for key, value in table.entries:
        if value is None or not _whole(key[at]) or key[at] < 0:
            return None
        other = key[1 - at]
        others[table_key(other)] = other
        rows[table_key(other)][key[at]] = table_key(value)
    constant = {labels for row in rows.values() if len(row) > 1 and len(set(row.values())) == 1
                for labels in row.values()}
    if len(constant) != 1:
        return None
    (off,) = constant
    by_index: dict = {}
    picked = []
    for other, row in rows.items():
        if all(label == off for label in row.values()):
            continue
        if off in row.values():
            return None
        for index, label in row.items():
            if by_index.setdefault(index, label) != label:
                return None
        picked.append(others[other])
    if not picked or len(set(by_index.values())) != len(by_index) or max(by_index) >= SENTINEL:
        return None
    names = ("x", "y")
    values = sorted(others.values(), key=value_sort_key)
    cond = _one_side(names[1 - at], values, sorted(picked, key=value_sort_key))
    if cond is None:
        return None
    labels = {label: index for index, label in by_index.items()}
    labels[off] = SENTINEL
    return f"{names[at]} if {cond} else {SENTINEL}", labels


def _packed_with_index(node: nodes.Node, table: fn.Table) -> tuple[fn.Lambda | fn.Table, dict] | None:
    """A table of labels over the indices and one other line giving every pair its own label,
    renamed to the packing `x * 16 + i` (16, or the next power of two past the largest index):
    the lambda where the other line's values are whole numbers, else a table of the packs of each
    value's place in order; the function and {table_key(label): pack}; None for any other table.
    A researcher packs (word, index) so that one select compares both (`k // 16 == q // 16 and
    k % 16 < q % 16`: an earlier copy of the same word); read off a net, the pack is a table of
    labels in the order met and that select a table of label pairs (the thirty-second and
    thirty-third hand-written sets' occurrence counts)."""
    at = _index_argument(node, table)
    if at is None:
        return None
    entries = table.entries
    if not entries or any(value is None or not _whole(key[at]) or key[at] < 0 for key, value in entries) \
            or len({table_key(value) for _, value in entries}) != len(entries):
        return None
    others = sorted({table_key(key[1 - at]): key[1 - at] for key, _ in entries}.values(), key=value_sort_key)
    width = PACK_WIDTH
    while width <= max(key[at] for key, _ in entries):
        width *= 2
    whole = all(_whole(v) and v >= 0 for v in others)
    code = {table_key(v): (v if whole else place) for place, v in enumerate(others)}
    labels = {table_key(value): code[table_key(key[1 - at])] * width + key[at] for key, value in entries}
    if whole:
        names = ("x", "y")
        return parse_lambda(f"lambda x, y: {names[1 - at]} * {width} + {names[at]}"), labels
    return fn.Table.from_mapping(2, {key: labels[table_key(value)] for key, value in entries}), labels


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


def readable_predicates(program: prog.Program, value_sets: ValueSets) -> prog.Program | None:
    """`program` with each select whose predicate is a table of pairs written as the simplest
    predicate (`_simple_predicate`) choosing the same pairs among every key and query value the
    select can meet (`value_sets`); None when no table is. On those values the two are one
    function, so the program is the same; the caller certifies it again before taking it (a
    predicate is also asked of keys that are None, where compile may judge the two apart)."""
    changes = {}
    for node in program.nodes:
        if not isinstance(node, nodes.Select) or not isinstance(node.predicate, fn.PredicateTable):
            continue
        try:
            keys, queries = value_sets(node.keys), value_sets(node.queries)
        except ValueSetError:
            continue
        if not keys or not queries or len(keys) * len(queries) > MAX_PREDICATE_PAIRS:
            continue
        simple = _simple_predicate(node.predicate, sorted(keys, key=value_sort_key),
                                   sorted(queries, key=value_sort_key))
        if simple is not None:
            changes[id(node)] = {"predicate": simple}
    return rebuilt(program, changes) if changes else None


def _simple_predicate(table: fn.PredicateTable, keys: list, queries: list):
    """The first of tracr's comparisons, one key's or query's values (`k == 5`, `q != 0`,
    `k >= 3`, `k == 1 or k == 4`), shifts (`k == q - 1`, `k == max(q - 1, 0)`) and blocks (`k // 4 == q // 4`,
    `k % 2 == q % 2`) that chooses exactly the pairs of
    `keys` x `queries` that `table` does; None when none does."""
    chosen = [[bool(table(k, q)) for q in queries] for k in keys]

    def chooses(predicate) -> bool:
        try:
            return all(bool(predicate(k, q)) == chosen[i][j] for i, k in enumerate(keys) for j, q in enumerate(queries))
        except (TypeError, ValueError):  # an EvaluationError is a ValueError
            return False

    for comparison in (rasp.Comparison.EQ, rasp.Comparison.LT, rasp.Comparison.LEQ, rasp.Comparison.GT,
                       rasp.Comparison.GEQ, rasp.Comparison.NEQ, rasp.Comparison.TRUE, rasp.Comparison.FALSE):
        if chooses(comparison):
            return comparison
    # one side alone decides: every key's row (or every query's column) is all chosen or none
    for name, values, rows in (("k", keys, chosen), ("q", queries, [list(c) for c in zip(*chosen)])):
        if all(len(set(row)) == 1 for row in rows):
            picked = [v for v, row in zip(values, rows) if row[0]]
            body = _one_side(name, values, picked)
            if body is not None:
                return fn.PredicateLambda(parse_lambda(f"lambda k, q: {body}").body)
    numbers = all(_whole(v) for v in keys + queries)
    # a (value, index) pack's blocks: the same value at an earlier (later) index
    packs = [PACK_WIDTH * 2 ** e for e in range(4)] if numbers and keys and max(keys + queries) >= PACK_WIDTH else []
    for c in packs:
        for op in ("<", "<=", ">", ">="):
            body = f"k // {c} == q // {c} and k % {c} {op} q % {c}"
            predicate = fn.PredicateLambda(parse_lambda(f"lambda k, q: {body}").body)
            if chooses(predicate):
                return predicate
    for c in range(1, len(keys) + len(queries)) if numbers else ():
        blocks = (f"k // {c} == q // {c}", f"k % {c} == q % {c}") if c > 1 else ()
        # a shift clamped at the first position: the previous token, the first reading itself
        for body in (f"k == q - {c}", f"k == q + {c}", f"k == max(q - {c}, 0)") + blocks:
            predicate = fn.PredicateLambda(parse_lambda(f"lambda k, q: {body}").body)
            if chooses(predicate):
                return predicate
    return None


def _one_side(name: str, values: list, picked: list) -> str | None:
    """A condition on `name` (k or q) true exactly for `picked` among `values` (sorted); None
    when none of one or two values, or one threshold, is."""
    rest = [v for v in values if v not in picked]
    if all(isinstance(v, bool) for v in values) and len(picked) == 1:
        return name if picked[0] else f"not {name}"
    if len(picked) == 1:
        return f"{name} == {format_value(picked[0])}"
    if len(rest) == 1:
        return f"{name} != {format_value(rest[0])}"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) and picked and rest:
        if picked == values[-len(picked):]:
            return f"{name} >= {format_value(picked[0])}"
        if picked == values[:len(picked)]:
            return f"{name} <= {format_value(picked[-1])}"
    if len(picked) == 2:
        return f"{name} == {format_value(picked[0])} or {name} == {format_value(picked[1])}"
    return None


def readable_functions(program: prog.Program, value_sets: ValueSets) -> prog.Program | None:
    """`program` with each map's or sequence_map's table of two values written as a condition
    (`_condition`) choosing between them where one gives the table's every entry on the values
    its inputs take (`value_sets`), a table over two numbers whose entries depend on a small
    weighted sum of them as a function of that sum (`_of_sum`: `"retired" if x + y >= 4 else (x +
    y) * 5`), and a lambda over whole numbers with its arithmetic tidied (`_tidied`: `x` for
    `x + 0`, `15 - x` for `0 - x + 15`); None when no line changes. Where the table has no entry
    the lambda gives a value too: the caller certifies the program again before taking it."""
    changes = {}
    for node in program.nodes:
        if not isinstance(node, (nodes.Map, nodes.SequenceMap)) or \
                not isinstance(node.function, (fn.Table, fn.Lambda)):
            continue
        try:
            domains = [sorted(value_sets(child), key=value_sort_key) for child in node.children]
        except ValueSetError:
            continue
        if isinstance(node.function, fn.Lambda):
            tidy = _tidied(node.function, domains)
            if tidy is not None:
                changes[id(node)] = {"function": tidy}
            continue
        if math.prod(len(d) for d in domains) > MAX_FUNCTION_ARGUMENTS:
            continue
        table = node.function
        args = [arg for arg in itertools.product(*domains) if table.covers(arg[0] if len(arg) == 1 else arg)]
        values = [table(*arg) for arg in args]
        body = _condition(args, values, domains)
        if body is None and len(domains) == 2:
            body = _of_sum(args, values, domains) or _passed_or_constant(args, values, domains)
        if body is not None:
            params = "x" if len(domains) == 1 else "x, y"
            changes[id(node)] = {"function": parse_lambda(f"lambda {params}: {body}")}
    return rebuilt(program, changes) if changes else None


def _condition(args: list[tuple], values: list, domains: list[list]) -> str | None:
    """`A if cond else B` (`cond` alone for True and False) giving `values` on `args`, where the
    values are two: cond a comparison of x and y, or one argument's values (`_one_side`); None
    when there is none."""
    distinct = sorted({table_key(v) for v in values}, key=value_sort_key)
    if len(distinct) != 2 or any(v is None for v in values):
        return None
    names = ("x", "y")[:len(domains)]
    for first in (1, 0):  # the larger value (1, True) on the condition's side first: `x <= y`, not `False if x > y ...`
        chosen = [table_key(v) == distinct[first] for v in values]
        conditions = [f"x {op} y" for op in ("==", "!=", "<", "<=", ">", ">=")] if len(domains) == 2 else []
        for i, name in enumerate(names):
            # the condition reads this argument alone where its value decides the output
            by_value: dict = {}
            if all(by_value.setdefault(table_key(arg[i]), c) == c for arg, c in zip(args, chosen)):
                shown = [v for v in domains[i] if table_key(v) in by_value]
                side = _one_side(name, shown, [v for v in shown if by_value[table_key(v)]])
                if side is not None:
                    conditions.append(side)
        found = _first_holding(conditions, names, args, values, chosen)
        if found is not None:
            return found
    if len(domains) == 2:  # one side's condition and the other's: `x == "drive" and y == 0`
        for joined in ("and", "or"):
            for first in (1, 0):
                chosen = [table_key(v) == distinct[first] for v in values]
                cond = _joined_sides(args, chosen if joined == "and" else [not c for c in chosen], joined)
                found = _first_holding([cond] if cond else [], names, args, values, chosen)
                if found is not None:
                    return found
    return None


def _passed_or_constant(args: list[tuple], values: list, domains: list[list]) -> str | None:
    """`y if cond(x) else C` (or `x if cond(y) else C`) giving `values` on `args`: at the values of
    one argument that `_one_side`'s condition picks, the other argument itself, and one constant at
    the rest (`c if t == "r" else 0`: each r numbered by a count, every other position 0; read off
    a net as a table of pairs); None when there is none."""
    if any(v is None for v in values):
        return None
    names = ("x", "y")
    for passed in (1, 0):
        side = 1 - passed
        rows: dict = defaultdict(list)  # the other argument's value -> [(the passed one, the value)]
        for arg, value in zip(args, values):
            rows[table_key(arg[side])].append((arg[passed], value))
        picked, constants = [], set()
        for key, row in rows.items():
            if len({table_key(a) for a, _ in row}) > 1 and all(
                    type(a) is type(v) and table_key(a) == table_key(v) for a, v in row):
                picked.append(key)
            elif len({(type(v), table_key(v)) for _, v in row}) == 1:
                constants.add((type(row[0][1]), table_key(row[0][1])))
            else:
                break
        else:
            if not picked or len(constants) != 1:
                continue
            shown = [v for v in domains[side] if table_key(v) in rows]
            cond = _one_side(names[side], shown, [v for v in shown if table_key(v) in picked])
            if cond is not None:
                constant = next(v for key, row in rows.items() if key not in picked for _, v in row[:1])
                return f"{names[passed]} if {cond} else {format_value(constant)}"
    return None


def _of_sum(args: list[tuple], values: list, domains: list[list]) -> str | None:
    """`g(a * x + b * y)` for the simplest weights (`_weights`, |a| + |b| at most `MAX_SUM_WEIGHT`)
    whose sum decides the value of every pair `args` holds (pairs of whole numbers, some of them
    sharing a sum: where every pair has its own, any weights would do), g a condition between two
    values (`_condition`) or a piecewise lambda of the sum (`interpreter.piecewise`); None when
    none fits. Hand-written programs add two counts and then threshold or scale the total
    (`"retired" if 5 * (a + b) >= 20 else 5 * (a + b)`), which a net computes as one table of
    the pairs: read off it, a table of 121 entries."""
    if any(v is None for v in values) or not all(_whole(v) for d in domains for v in d):
        return None
    for a, b in _weights():
        if a + abs(b) > MAX_SUM_WEIGHT:
            break
        by_sum: dict = {}  # each sum's value, the first pair's
        if not all(table_key(by_sum.setdefault(a * x + b * y, v)) == table_key(v) for (x, y), v in zip(args, values)):
            continue
        if len(by_sum) == len(args):
            return None
        sums = sorted(by_sum)
        fitted = [by_sum[s] for s in sums]
        text = _condition([(s,) for s in sums], fitted, [sums])
        if text is None:
            found = piecewise_functions([(s,) for s in sums], fitted, _one_argument_library(),
                                        lambda p, q: table_key(p) == table_key(q), limit=1)
            if not found:
                continue
            text = found[0].body.format(("x",))
        total = parse_lambda(f"lambda x, y: {_sum_text(a, b)}").body
        body = fn.replace_leaves(parse_lambda(f"lambda x: {text}").body,
                                 lambda leaf: total if leaf == fn.Param(0) else leaf)
        return body.format(("x", "y"))
    return None


@functools.cache
def _one_argument_library() -> tuple[fn.Lambda, ...]:
    """The generator's map functions, each constant 0-9 bound: the pieces a function of a sum is
    made of."""
    return tuple(bound_templates(MAP_FUNCTIONS, 1, range(10)))


def _tidied(function: fn.Lambda, domains: list[list]) -> fn.Lambda | None:
    """`function` with its arithmetic tidied where every argument is a whole number (on floats the
    order of a sum changes its rounding, and `True + 0` is 1): `x` for `x + 0`, `x - 0`, `x * 1`
    and `x // 1`, `-x` for `0 - x`, `15 - x` for `-x + 15`, `x + 3` for `x + 1 + 2`; None where
    nothing changes. A library function with a constant bound (`x + c` at 0) or a fitted number
    added to one (`0 - x`, plus 15) reads so."""
    if not all(_whole(v) for d in domains for v in d):
        return None
    body = _simplified(function.body)
    return None if body == function.body else fn.Lambda(function.arity, body)


def _simplified(expr):
    """`_tidied`'s rewrites of `expr`, innermost first."""
    if isinstance(expr, fn.Neg):
        return fn.negate(_simplified(expr.operand))
    if not isinstance(expr, (fn.Not, fn.Binary, fn.Compare, fn.BoolOp, fn.IfElse, fn.Call)):
        return expr
    changes = {}
    for field in dataclasses.fields(expr):
        value = getattr(expr, field.name)
        if isinstance(value, tuple):
            changes[field.name] = tuple(_simplified(v) for v in value)
        elif not isinstance(value, str):
            changes[field.name] = _simplified(value)
    expr = dataclasses.replace(expr, **changes)
    if not isinstance(expr, fn.Binary) or not _whole_arithmetic(expr):
        return expr  # a quotient or a float inside: regrouping its sum may change its rounding
    op, left, right = expr.op, expr.left, expr.right
    number = lambda e: e.value if isinstance(e, fn.Const) and _whole(e.value) else None  # noqa: E731
    if (op in ("+", "-") and number(right) == 0) or (op in ("*", "//") and number(right) == 1):
        return left
    if (op == "+" and number(left) == 0) or (op == "*" and number(left) == 1):
        return right
    if op == "-" and number(left) == 0:
        return fn.negate(right)
    if op == "+" and isinstance(left, fn.Neg) and number(right) is not None:
        return fn.Binary("-", right, left.operand) if number(right) > 0 else \
            fn.Binary("-", left, fn.Const(-number(right)))
    if op in ("+", "-") and number(right) is not None and isinstance(left, fn.Binary) and \
            left.op in ("+", "-") and number(left.right) is not None:
        total = (number(left.right) if left.op == "+" else -number(left.right)) + \
            (number(right) if op == "+" else -number(right))
        inner = left.left
        return inner if total == 0 else fn.Binary("+" if total > 0 else "-", inner, fn.Const(abs(total)))
    return expr


def _whole_arithmetic(expr) -> bool:
    """Whether `expr` computes on whole numbers only, given whole arguments: no `/` and no constant
    but a whole number (its parts may be regrouped exactly)."""
    if isinstance(expr, fn.Const):
        return _whole(expr.value)
    if isinstance(expr, fn.Binary):
        return expr.op != "/" and _whole_arithmetic(expr.left) and _whole_arithmetic(expr.right)
    if isinstance(expr, fn.Neg):
        return _whole_arithmetic(expr.operand)
    return isinstance(expr, fn.Param)


def _first_holding(conditions: list[str], names: tuple, args: list[tuple], values: list, chosen: list[bool]
                   ) -> str | None:
    """`A if cond else B` for the first of `conditions` true exactly where `chosen` (cond alone
    for True and False), A and B the values there and elsewhere; None when none is."""
    for cond in conditions:
        test = parse_lambda(f"lambda {', '.join(names)}: {cond}")
        try:
            if all(bool(test(*arg)) == c for arg, c in zip(args, chosen)):
                a = next(v for v, c in zip(values, chosen) if c)
                b = next(v for v, c in zip(values, chosen) if not c)
                if a is True and b is False:
                    return cond
                if cond.startswith("not ") and " and " not in cond and " or " not in cond:
                    cond, a, b = cond[len("not "):], b, a
                return f"{format_value(a)} if {cond} else {format_value(b)}"
        except (fn.EvaluationError, TypeError, ValueError, ArithmeticError):
            continue
    return None


def _joined_sides(args: list[tuple], inside: list[bool], joined: str) -> str | None:
    """Where the pairs `inside` are exactly those of `args` whose x lies in one set and y in
    another: with `joined` "and", that condition (`x == "drive" and y == 0`); with "or", the one true
    everywhere else (`x != "drive" or y != 0`); None where they are not such a product, or a side is
    none of `_one_side`'s conditions (or takes every value: one side's condition alone says it)."""
    xs = {table_key(arg[0]) for arg, c in zip(args, inside) if c}
    ys = {table_key(arg[1]) for arg, c in zip(args, inside) if c}
    if not xs or any(c != (table_key(arg[0]) in xs and table_key(arg[1]) in ys) for arg, c in zip(args, inside)):
        return None
    sides = []
    for at, (name, picked) in enumerate((("x", xs), ("y", ys))):
        shown = sorted({table_key(arg[at]): arg[at] for arg in args}.values(), key=value_sort_key)
        chosen = [v for v in shown if (table_key(v) in picked) == (joined == "and")]
        if len(chosen) in (0, len(shown)):
            return None
        side = _one_side(name, shown, chosen)
        if side is None or " or " in side:
            return None
        sides.append(side)
    return f" {joined} ".join(sides)


def readable_tables(program: prog.Program, value_sets: ValueSets) -> prog.Program | None:
    """`readable_predicates` then `readable_functions`, one program to certify; None when neither
    changes a line."""
    predicates = readable_predicates(program, value_sets)
    return readable_functions(predicates or program, value_sets) or predicates
