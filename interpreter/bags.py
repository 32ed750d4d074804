"""Every value a table line's inputs take, by enumerating the bags of tokens a position sees.

A certificate on a sample must show that a table line's missing entries are values no input
gives (`interpreter.certify`). A search for inputs reaching them is evidence, not proof, and the
counting programs researchers write defeat it: a parking meter's `bought = part + 15 * pounds`,
with `part = 6 * length + 9 * big`, read off a net is a table over (part, pounds) whose pairs with
more pounds than big coins no input gives, and no rule on value sets relates two lines' values.

Many such lines are functions of what one position sees as a bag: its own token and the
multiset of the tokens it attends over (the whole input, or causal, its prefix). `tokens` and
`length` are; so is `indices` in a causal net (the prefix's size less one); so are maps and
sequence_maps of such values, and a `selector_width` or an aggregate whose select compares keys
that are functions of each key's token with queries of that kind (a count or a mean over the
bag; or whatever the query, `lambda k, q: k == 0` with `indices` as queries), or compares indices
with indices where the count depends on the query's index alone, or, for an aggregate, chooses
every position it sees. For such lines, one input per bag (non-causal:
every position of it sees the bag) or per bag and last token (causal: the prefix's end) gives
every value they take at any position of any input, and the bags are few: tokens a program
treats alike are one kind (`token_kinds`), and 7 kinds up to length 7 make 3,431 bags.

`bag_arguments` gives, for each table line whose inputs are so determined, every argument value
they take, each with an input that gives it (none where the bags are too many to enumerate in
time). A missing entry it does not list is then one no input gives: a proof, where the search had
only evidence. The rules above are checked on each line, not assumed; tests compare the
enumeration with every input up to the length on generated and hand-written programs.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any, Sequence

from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.literals import normalize_value, table_key
from compiler.language.values import ValueSetError, ValueSets

#: Most bags (non-causal) or bags with a last token (causal) enumerated; past it, no proof.
MAX_STATES = 40_000
#: Most values one token's signature compares over (a select's queries, a sequence_map's other input).
MAX_SIGNATURE = 2_000
#: Most (key, query) value pairs a select's predicate is called on to show it ignores the query.
MAX_PAIRS = 40_000

#: Every this many inputs, the time all will take is estimated (`_work`), and the enumeration
#: given up when it would not finish in time; not in its first `ESTIMATE_AFTER` seconds, whose
#: inputs meet every predicate's and table's values for the first time (z20 of the twelfth set:
#: its first 50 inputs, 0.7% of the work, took 0.25 s, and all of them 0.4 s).
ESTIMATE_EVERY = 50
ESTIMATE_AFTER = 0.5

# What a line's value at one position is a function of: its token alone, or its token and the bag.
_TOKEN, _BAG = 0, 1


def bag_arguments(program: prog.Program, labels: dict[str, nodes.Node], vocab: Sequence, max_seq_len: int,
                  causal: bool, value_sets: ValueSets, deadline: float) -> dict[str, dict]:
    """{label: {table_key(argument): an input giving it}} for the lines of `labels` (nodes of
    `program`) whose inputs are functions of the bag a position sees (module docstring): every
    argument value each takes at any position of any input up to `max_seq_len`; for a select,
    its (key, query) pairs, every key each query sees. A line is left out where that is not
    shown, and all are where the bags are more than MAX_STATES, the program is undefined on one
    of them, or `deadline` (time.monotonic) passes first. In a non-causal net, a map's or
    sequence_map's inputs that are functions of the bag up to the position (`_Determined`'s
    `prefix`) are enumerated as a causal net's."""
    found: dict[str, dict] = {}
    for prefix in (False, True) if not causal else (False,):
        determined = _Determined(causal, max_seq_len, value_sets, vocab, prefix)
        mine = {label: node for label, node in labels.items() if label not in found
                and not (prefix and isinstance(node, nodes.Select))  # its keys after the query count too
                and all(determined.ok(child, key_side=isinstance(node, nodes.Select) and k == 0)
                        for k, child in enumerate(node.children))}
        if mine:
            found.update(_enumerated(program, mine, vocab, max_seq_len, causal or prefix, value_sets, deadline))
    return found


def _enumerated(program: prog.Program, labels: dict[str, nodes.Node], vocab: Sequence, max_seq_len: int,
                causal: bool, value_sets: ValueSets, deadline: float) -> dict[str, dict]:
    """`bag_arguments` for lines shown to be functions of the bag (`causal`: of the prefix)."""
    members = token_kinds(list(labels.values()), vocab, value_sets)
    if members is None or _count_states(len(members), max_seq_len, causal) > MAX_STATES or time.monotonic() >= deadline:
        return {}
    inputs = list(_inputs(list(members), max_seq_len, causal))
    values = prog.line_values(program, partial=True, causal=causal,
                              only=[child for node in labels.values() for child in node.children])
    members = {table_key(token): tokens for token, tokens in members.items()}
    found: dict[str, dict] = {label: {} for label in labels}
    handled: dict[str, set] = {label: set() for label in labels}  # (argument, pattern) met before
    began, work, done = time.monotonic(), sum(map(_work, inputs)), 0
    for count, xs in enumerate(inputs):
        if count % ESTIMATE_EVERY == 0 and count:
            now = time.monotonic()
            if now > deadline or (now - began > ESTIMATE_AFTER and (now - began) / done * work > deadline - began):
                return {}  # out of time, or on course to be
        done += _work(xs)
        rows = values(xs)
        for label, node in labels.items():
            columns = [rows.get(id(child)) for child in node.children]
            if any(column is None for column in columns):
                return {}  # undefined on this input: nothing is shown for the lines after
            reads_tokens = [child is nodes.TOKENS for child in node.children]
            try:
                for (argument, pattern), place in _arguments(node, columns, causal, any(reads_tokens)).items():
                    if (argument, pattern) not in handled[label]:
                        handled[label].add((argument, pattern))
                        _record(found[label], argument, place, reads_tokens, members, xs)
            except TypeError:  # an unhashable value: no table holds it
                return {}
    return found


def _work(xs: list) -> float:
    """An input's share of an enumeration's time: a fixed part, a part per position, and a part
    per pair of positions (a select compares each), as measured on hand-written programs."""
    return 4 + len(xs) + len(xs) ** 2 / 8


def _arguments(node: nodes.Node, columns: list, causal: bool, reads_tokens: bool) -> dict:
    """{(argument, pattern): where} for each argument value (as `table_key`s) `node` reads on one
    input, from its inputs' `columns`: where, the positions of each of its inputs (a select: its
    key's and its query's); each argument once, and, where the node reads `tokens`, once for each
    way its inputs' positions coincide (`pattern`: a token at one position is one token)."""
    keyed = [[table_key(v) for v in column] for column in columns]
    out: dict = {}
    if isinstance(node, nodes.Select):
        for i, query in enumerate(keyed[1]):
            for j in range(i + 1) if causal else range(len(keyed[0])):
                out.setdefault(((keyed[0][j], query), (j == i) if reads_tokens else None), (j, i))
    else:
        for i, argument in enumerate(zip(*keyed)):
            out.setdefault((argument[0] if len(argument) == 1 else argument, None), (i,) * len(keyed))
    return out


def _record(seen: dict, argument: Any, place: tuple, reads_tokens: list, members: dict, xs: list) -> None:
    """Adds to `seen` an argument (a `table_key`) that positions `place` of `xs` give, with the
    input giving it; where an input is `tokens`, every token of the kind at that position gives it
    too (the other lines' values are the same), in `xs` with that token there."""
    if not any(reads_tokens):
        seen.setdefault(argument, xs)
        return
    values = argument if len(reads_tokens) > 1 else (argument,)
    options = [members[v] if read else [v] for v, read in zip(values, reads_tokens)]
    for chosen_values in itertools.product(*options):
        chosen: dict = {}
        if any(read and chosen.setdefault(p, v) != v for p, v, read in zip(place, chosen_values, reads_tokens)):
            continue  # one position holds one token
        key = table_key(chosen_values[0] if len(chosen_values) == 1 else chosen_values)
        if key not in seen:
            given = list(xs)
            for p, v in chosen.items():
                given[p] = v
            seen[key] = given


class _Determined:
    """Whether a line's value at a position is a function of that position's token (`_TOKEN`) or
    of its token and the bag it sees (`_BAG`), by the rules of the module docstring; None: neither
    is shown. `prefix`, for a non-causal net: the bag of the tokens up to the position, where every
    select of the line's chooses only keys at or before its query (a causal count written with
    indices packed into the keys), so that the line is computed as a causal net would."""

    def __init__(self, causal: bool, max_seq_len: int, value_sets: ValueSets, vocab: Sequence,
                 prefix: bool = False):
        self.causal, self.prefix = causal or prefix, prefix
        self.max_seq_len, self.value_sets, self.vocab = max_seq_len, value_sets, list(vocab)
        self.memo: dict[int, int | None] = {}
        self.cell_memo: dict[int, dict | None] = {}

    def ok(self, node: nodes.Node, key_side: bool = False) -> bool:
        """Whether `node` may be read as a select's keys (`key_side`: causal, each key position
        sees a bag of its own, so only functions of the token), or else at the query's position."""
        level = self.of(node)
        return level is not None and (level == _TOKEN or not (key_side and self.causal))

    def of(self, node: nodes.Node) -> int | None:
        if id(node) not in self.memo:
            self.memo[id(node)] = self._compute(node)
        return self.memo[id(node)]

    def _compute(self, node: nodes.Node) -> int | None:
        if node is nodes.TOKENS:
            return _TOKEN
        if node is nodes.LENGTH:
            return None if self.prefix else _BAG  # causal: the prefix's length (what a causal net computes)
        if node is nodes.INDICES:
            return _BAG if self.causal else None
        if isinstance(node, (nodes.Map, nodes.SequenceMap, nodes.LinearSequenceMap)):
            levels = [self.of(child) for child in node.children]
            return None if None in levels else max(levels)
        if isinstance(node, nodes.SelectorWidth):
            return _BAG if self._select(node.selector, whole=False) else None
        if isinstance(node, nodes.Aggregate):
            if not self.ok(node.sop, key_side=True) or not self._select(node.selector, whole=True):
                return None
            return _BAG
        return None

    def _query_free(self, select: nodes.Select) -> bool:
        """Whether `select` chooses a key or not whatever the query (`lambda k, q: k == 0` read
        with `indices` as its queries): on every pair of values its keys and queries may take."""
        try:
            keys, queries = self.value_sets(select.keys), self.value_sets(select.queries)
            if len(keys) * len(queries) > MAX_PAIRS:
                return False
            return all(len({bool(select.predicate(k, q)) for q in queries}) == 1 for k in keys)
        except Exception:  # noqa: BLE001 - a value set unknown, or a predicate undefined on a pair
            return False

    def _select(self, select: nodes.Node, whole: bool) -> bool:
        """Whether the positions `select` chooses at a query are given by the bag: keys that are
        functions of their tokens and queries of the bag; keys packing a token with its index
        against the query's index, choosing by the token alone among the keys up to the query
        (`_by_token_up_to_query`); or indices by indices choosing a number of positions that only
        the query's index and the length fix, or (`whole`: an aggregate, whose mean depends on
        which positions) every position the query sees. In `prefix` mode, only keys at or before
        the query."""
        if not isinstance(select, nodes.Select):
            return False
        if (not self.prefix and self.ok(select.keys, key_side=True)
                and (self.ok(select.queries) or self._query_free(select))):
            return True
        if select.queries is nodes.INDICES and select.keys is not nodes.INDICES and self.causal:
            return self._by_token_up_to_query(select)
        if select.keys is not nodes.INDICES or select.queries is not nodes.INDICES:
            return False
        try:
            for length in range(1, self.max_seq_len + 1):
                counts = set()
                for q in range(length):
                    chosen = [bool(select.predicate(k, q)) for k in range(q + 1 if self.causal else length)]
                    if whole and not all(chosen):
                        return False
                    counts.add(sum(chosen))
                if not self.causal and len(counts) > 1:
                    return False  # the count depends on the query's index, which no bag fixes
            if self.prefix and any(select.predicate(k, q) for q in range(self.max_seq_len)
                                   for k in range(q + 1, self.max_seq_len)):
                return False  # a key after its query: more than the prefix
        except Exception:  # noqa: BLE001 - a predicate undefined on some pair: nothing shown
            return False
        return True

    def _by_token_up_to_query(self, select: nodes.Select) -> bool:
        """Whether `select`, its keys a function of each key's token and index and its queries
        `indices`, chooses among the keys up to its query by the key's token alone: for every
        token and index, the same choice at every query from that index on (and, `prefix`, none
        before it). `(s + 2) * 16 + i` against `lambda k, q: k % 16 <= q and k // 16 >= 1` counts
        the steps of at least -1 so far."""
        cells = self._cells(select.keys)
        if cells is None:
            return False
        try:
            for token in self.vocab:
                choices = set()
                for index in range(self.max_seq_len):
                    key = cells[(token, index)]
                    choices.update(bool(select.predicate(key, q)) for q in range(index, self.max_seq_len))
                    if self.prefix and any(select.predicate(key, q) for q in range(index)):
                        return False
                if len(choices) > 1:
                    return False
        except Exception:  # noqa: BLE001 - a predicate undefined on some pair: nothing shown
            return False
        return True

    def _cells(self, node: nodes.Node) -> dict | None:
        """{(token, index): value} of a line that is a function of a position's token and index
        alone (maps and sequence_maps of them); None for any other."""
        if id(node) in self.cell_memo:
            return self.cell_memo[id(node)]
        cells = None
        grid = [(token, index) for token in self.vocab for index in range(self.max_seq_len)]
        try:
            if node is nodes.TOKENS:
                cells = {cell: cell[0] for cell in grid}
            elif node is nodes.INDICES:
                cells = {cell: cell[1] for cell in grid}
            elif isinstance(node, (nodes.Map, nodes.SequenceMap, nodes.LinearSequenceMap)):
                parts = [self._cells(child) for child in node.children]
                if all(part is not None for part in parts):
                    if isinstance(node, nodes.LinearSequenceMap):
                        cells = {c: node.fst_fac * parts[0][c] + node.snd_fac * parts[1][c] for c in grid}
                    else:
                        cells = {c: node.function(*(part[c] for part in parts)) for c in grid}
        except Exception:  # noqa: BLE001 - a function undefined on a cell: nothing shown
            cells = None
        self.cell_memo[id(node)] = cells
        return cells


def token_kinds(readers: Sequence[nodes.Node], vocab: Sequence, value_sets: ValueSets) -> dict | None:
    """The tokens of each kind, by the first of them (in `vocab`'s order): tokens that every
    line of the program reading `tokens` treats alike, so that any input with a token replaced by
    another of its kind, at any positions, gives every other line the same values at every
    position. A map: the same value (and type); a select: the same
    selections as a key against every query value and as a query against every key value (so a
    select of tokens against tokens depends on the two kinds alone); a sequence_map: the same value
    beside every value of its other input; an aggregate of the tokens themselves: every token its
    own kind. `readers` are the lines whose inputs matter (their ancestors are walked). None where
    a value set is unknown or too large to compare over."""
    lines, stack, seen = [], list(readers), set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        lines.append(node)
        stack.extend(node.children)
    readers = [node for node in lines if any(child is nodes.TOKENS for child in node.children)]

    def others(node: nodes.Node) -> list | None:
        if node is nodes.TOKENS:
            return list(vocab)
        try:
            found = sorted(value_sets(node), key=repr)
        except ValueSetError:
            return None
        return found if len(found) <= MAX_SIGNATURE else None

    def signature(token) -> tuple | None:
        out: list[Any] = []
        for node in readers:
            try:
                if isinstance(node, nodes.Map):
                    out.append(_typed(node.function(token)))
                elif isinstance(node, (nodes.Select, nodes.SequenceMap)):
                    call = node.predicate if isinstance(node, nodes.Select) else node.function
                    first, second = node.children
                    for side, other in ((0, second), (1, first)):
                        if node.children[side] is not nodes.TOKENS:
                            continue
                        values = others(other)
                        if values is None:
                            return None
                        out.extend(_typed(call(token, v) if side == 0 else call(v, token)) for v in values)
                else:  # the tokens themselves aggregated, or a linear_sequence_map of them
                    out.append(("own", repr(token)))
            except Exception:  # noqa: BLE001 - a function undefined on a token: a kind of its own
                out.append(("undefined", repr(token)))
        return tuple(out)

    kinds: dict[tuple, list] = {}
    for token in vocab:
        key = signature(token)
        if key is None:
            return None
        kinds.setdefault(key, []).append(token)
    return {tokens[0]: tokens for tokens in kinds.values()}


def _typed(value: Any) -> tuple:
    value = normalize_value(value)
    return type(value).__name__, repr(value)


def _count_states(kinds: int, max_seq_len: int, causal: bool) -> int:
    """Bags of 1 to max_seq_len tokens of `kinds` kinds (causal: with each kind in it last)."""
    bags = math.comb(max_seq_len + kinds, kinds) - 1
    if not causal:
        return bags
    # a bag with its last token: the bag less that token is any bag of one token fewer
    return kinds * math.comb(max_seq_len - 1 + kinds, kinds)


def _inputs(kinds: list, max_seq_len: int, causal: bool):
    """Inputs that together show every bag (non-causal: one input each, every position of it
    seeing the bag) or, causal, every bag with each of its kinds at its end: each input ends a
    bag not yet shown with one of its tokens, its earlier tokens ordered from the end so that
    each prefix ends one not yet shown where it can."""
    count = len(kinds)
    if not causal:
        for length in range(1, max_seq_len + 1):
            for bag in itertools.combinations_with_replacement(range(count), length):
                yield [kinds[k] for k in bag]
        return
    shown: set[tuple] = set()
    for length in range(max_seq_len, 0, -1):
        for bag in itertools.combinations_with_replacement(range(count), length):
            for last in sorted(set(bag)):
                if (bag, last) in shown:
                    continue
                order, rest = [], list(bag)
                end = last
                while True:
                    shown.add((tuple(rest), end))
                    order.append(end)
                    rest.remove(end)
                    if not rest:
                        break
                    here = tuple(rest)
                    end = next((k for k in sorted(set(rest)) if (here, k) not in shown), rest[-1])
                yield [kinds[k] for k in reversed(order)]
