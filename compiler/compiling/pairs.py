"""Two positions at a time: whether any two positions one query of a select chooses hold one
number of the line an aggregate fetches (tracr #11), on every input.

Writers flag the position to fetch by conditions on running counts: the first row holding a "b"
(`t == "b"` and no "b" in an earlier row: a count of `b_row` keys below the query's `row`), the
mode's first occurrence (no earlier equal token, no score above its own). The flag may hold at
several positions, all of one row, or at one only, and showing it takes the counts' meaning: a
position that another counts makes that count at least 1. `chosen_hold_one_value` follows the
program at two positions i < i' of an input of length L at once, line by line: the tokens any
two, the indices i and i', maps and sequence_maps by their tables, aggregates any of their values,
and each selector width any value the two positions allow, at least the number of them it counts
and at most L less the number it does not; a count whose query chooses every key another
position may hold where the other's chooses it counts at least as many of the other positions.
Every pair of positions of every input is among the pairs followed, so where none of them has
the two positions chosen by one query with different values, no input has. The states are the
values of the lines still to be read at the two positions (with i, i' and L), merged where equal,
and each line is taken only where its value may still lead to a chosen pair.
"""

from __future__ import annotations

import operator

from tracr.rasp import rasp

from compiler.compiling.facts import Facts
from compiler.errors import CompileError
from compiler.language.literals import table_key

#: The most states (values of the live lines at two positions) followed before giving up.
MAX_PAIR_STATES = 200_000
#: The most states made over all lines, as a multiple of the limit on one line's.
WORK_SHARE = 4
#: The most (key value, query value) pairs of one select whose predicate is called.
MAX_PREDICATE_CALLS = 1_000_000


def chosen_hold_one_value(facts: Facts, select: rasp.Select, value: rasp.SOp,
                          limit: int = MAX_PAIR_STATES, clash: list | None = None) -> bool:
    """Whether no input has two positions one query of `select` chooses holding different values
    of `value`, or, where `value` may hold anything but a number, two positions chosen at all
    (rasp cannot average them). False where not shown: a line in the way may be None, or the pairs
    to follow are more than `limit`, or a predicate raises on values no input may reach. `clash`,
    when given, gets the values of two positions found chosen together that do not hold one number:
    the first pair of one word and the first of two values, if any (where only equal words are
    chosen together, the refusal says so)."""
    try:
        return _chosen_hold_one_value(facts, select, value, limit, clash)
    except CompileError:  # a predicate raising on a pair of values: said where the select is checked
        return False


def _chosen_hold_one_value(facts: Facts, select: rasp.Select, value: rasp.SOp, limit: int,
                           clash: list | None = None) -> bool:
    keys, queries = select.keys.label, select.queries.label
    cone = _cone(facts, [keys, value.label])
    if cone is None or queries in facts.nullable:
        return False
    lines = {label: _Line(facts, label) for label in cone}
    query_values = facts.taken(queries)
    if len(lines[keys].values) * len(query_values) > MAX_PREDICATE_CALLS:
        return False  # not worth the predicate calls
    chosen_keys = {k for k, v in enumerate(lines[keys].values)
                   if any(facts.predicate(select, v, q) for q in query_values)}
    needed = _needed(facts, cone, lines, {keys: chosen_keys})
    order = _order(facts, cone, lines, needed)
    if order is None:
        return False
    last_use = {}
    for step, label in enumerate(order):
        for child in _reads(facts.exprs[label]):
            last_use[child] = step
    for label in (keys, value.label):
        last_use[label] = len(order)
    n = facts.max_seq_len
    # a state: (i, i', L, then the ids of the values at i and at i' of each live line, in `live` order)
    live: list[str] = []
    work = 0  # states made, over every line
    states = {(i, j, length) for length in range(2, n + 1) for j in range(1, length) for i in range(j)}
    for step, label in enumerate(order):
        expand = _expansion(facts, label, lines, {name: 3 + 2 * k for k, name in enumerate(live)},
                            needed.get(label))
        grown: set = set()
        for state in states:
            grown.update(state + pair for pair in expand(state))
            if len(grown) > limit:
                return False
        work += len(grown)
        if work > WORK_SHARE * limit:
            return False
        live.append(label)
        keep = [k for k, name in enumerate(live) if last_use.get(name, -1) > step]
        states = set(map(operator.itemgetter(0, 1, 2, *(3 + 2 * k + side for k in keep for side in (0, 1))), grown))
        live = [live[k] for k in keep]
        if not states:
            return True
    at = {name: 3 + 2 * k for k, name in enumerate(live)}
    key_line, value_line = lines[keys], lines[value.label]
    together: dict = {}
    for state in states:
        key_i, key_j = state[at[keys]], state[at[keys] + 1]
        got_i, got_j = state[at[value.label]], state[at[value.label] + 1]
        if (key_i, key_j) not in together:
            k_i, k_j = key_line.values[key_i], key_line.values[key_j]
            together[key_i, key_j] = any(facts.predicate(select, k_i, q) and facts.predicate(select, k_j, q)
                                         for q in query_values)
        if together[key_i, key_j] and not _one_number(value_line.values[got_i], value_line.values[got_j]):
            if clash is None:
                return False
            pair = (value_line.values[got_i], value_line.values[got_j])
            if all(alike(*pair) != alike(*c) for c in clash):
                clash.append(pair)  # the first of equal words and the first of two values, if any
                if len(clash) == 2:
                    break  # both kinds found: nothing more to say
    return not clash


def alike(a, b) -> bool:
    """Whether a and b are one value, type and all."""
    return type(a) is type(b) and a == b


def _one_number(a, b) -> bool:
    """Whether a and b are one number, type and all (a categorical line's True and 1 are two)."""
    return isinstance(a, (bool, int, float)) and alike(a, b)


def _reads(expr) -> list[str]:
    """The lines a line's value at a position is computed from here: a map's or sequence_map's
    arguments there, a selector width's keys and queries (at the two positions); an aggregate
    is taken as any of its values."""
    if isinstance(expr, (rasp.Map, rasp.SequenceMap)):
        return [child.label for child in expr.children]
    if isinstance(expr, rasp.SelectorWidth) and isinstance(expr.selector, rasp.Select):
        return [expr.selector.keys.label, expr.selector.queries.label]
    return []


def _cone(facts: Facts, labels: list[str]) -> set[str] | None:
    """The lines `labels` are computed from (by `_reads`), None where one may be None."""
    found, stack = set(), list(labels)
    while stack:
        label = stack.pop()
        if label in found:
            continue
        if label in facts.nullable:
            return None
        found.add(label)
        stack.extend(_reads(facts.exprs[label]))
    return found


def _needed(facts: Facts, cone: set[str], lines: dict[str, _Line], start: dict[str, set]) -> dict[str, set]:
    """Each line's values (by id) that may still lead to a chosen pair, where fewer than all: a
    map's or sequence_map's arguments that give a value needed of it, for every such line reading
    it (what a selector width reads, or the fetched line, may be anything)."""
    needed = dict(start)
    for label in reversed([name for name in facts.order if name in cone]):
        expr = facts.exprs[label]
        if not isinstance(expr, (rasp.Map, rasp.SequenceMap)) or label not in needed:
            continue
        wanted, own = needed[label], lines[label]
        for at, child in enumerate(expr.children):
            giving = {lines[child.label].id(args[at]) for args, result in facts.tables[label].items()
                      if own.id(result) in wanted}
            needed[child.label] = giving if child.label not in needed else needed[child.label] & giving
    return needed


def _order(facts: Facts, cone: set[str], lines: dict[str, _Line], needed: dict[str, set]) -> list[str] | None:
    """The cone's lines in an order that reads each after what it reads, the cheapest next first
    (a line computed from the two positions' values before one taking any of several), so states
    are cut before they multiply."""
    waiting = [label for label in facts.order if label in cone]
    done: set[str] = set()
    order = []
    while waiting:
        ready = [label for label in waiting if all(c in done for c in _reads(facts.exprs[label]))]
        if not ready:
            return None
        label = min(ready, key=lambda name: (_branching(facts, name, lines, needed), waiting.index(name)))
        order.append(label)
        done.add(label)
        waiting.remove(label)
    return order


def _branching(facts: Facts, label: str, lines: dict[str, _Line], needed: dict[str, set]) -> int:
    if isinstance(facts.exprs[label], (rasp.Map, rasp.SequenceMap, rasp.IndicesType)):
        return 1
    return len(needed.get(label, lines[label].values)) ** 2


class _Line:
    """A line's values, each by an id (its place in `values`): True and 1 are two."""

    def __init__(self, facts: Facts, label: str):
        self.values: list = []
        self._ids: dict = {}
        # an index's id is the index
        for value in range(facts.max_seq_len) if isinstance(facts.exprs[label], rasp.IndicesType) \
                else facts.taken(label):
            self.id(value)

    def id(self, value) -> int:
        """The id of `value`, added where the value sets did not list it."""
        key = _id_key(value)
        if key not in self._ids:
            self._ids[key] = len(self.values)
            self.values.append(value)
        return self._ids[key]


def _id_key(value) -> tuple:
    return (isinstance(value, bool), table_key(value))


def _expansion(facts: Facts, label: str, lines: dict[str, _Line], at: dict[str, int], wanted: set | None):
    """A function of a state giving the (id at i, id at i') pairs `label` may hold there: the
    indices i and i'; a map or sequence_map by its table (none where its table lacks the
    arguments: the function raises there, which compile shows no input reaches, or refuses); a
    selector width any pair of counts the two positions allow (`_Widths`); else any two of its
    values."""
    expr, own = facts.exprs[label], lines[label]
    allowed = range(len(own.values)) if wanted is None else sorted(wanted)
    ok = (lambda k: True) if wanted is None else wanted.__contains__
    if isinstance(expr, rasp.IndicesType):
        return lambda state: [(state[0], state[1])] if ok(state[0]) and ok(state[1]) else []
    if isinstance(expr, (rasp.Map, rasp.SequenceMap)):
        children = [child.label for child in expr.children]
        table = {}
        for args, result in facts.tables[label].items():
            ids = tuple(lines[c].id(arg) for c, arg in zip(children, args))
            if ok(own.id(result)):
                table[ids] = own.id(result)
        places = [at[c] for c in children]
        if len(places) == 1:
            (place,) = places

            def mapped(state):
                a, b = table.get((state[place],)), table.get((state[place + 1],))
                return [] if a is None or b is None else [(a, b)]
            return mapped
        first, second = places

        def sequence_mapped(state):
            a, b = table.get((state[first], state[second])), table.get((state[first + 1], state[second + 1]))
            return [] if a is None or b is None else [(a, b)]
        return sequence_mapped
    if isinstance(expr, rasp.SelectorWidth) and isinstance(expr.selector, rasp.Select) and \
            all(isinstance(own.values[k], int) and not isinstance(own.values[k], bool) for k in allowed) and \
            len(lines[expr.selector.keys.label].values) * len(lines[expr.selector.queries.label].values) \
            <= MAX_PREDICATE_CALLS:  # (past that, any two of its values: no bound is lost to soundness)
        widths = _Widths(facts, expr.selector, lines, own, allowed)
        keys, queries = at[expr.selector.keys.label], at[expr.selector.queries.label]
        return lambda state: widths(state[keys], state[keys + 1], state[queries], state[queries + 1], state[2])
    every = [(a, b) for a in allowed for b in allowed]
    return lambda state: every


class _Widths:
    """The (width at i, width at i') id pairs a selector width may hold, given its keys' and
    queries' ids at the two positions and the length: at least the number of the two positions
    each counts, at most the length less the number it does not; exactly all or none of the
    others where its query chooses every key value or none; and at i' at least as many of the
    others as at i where every key value i's query chooses, i''s chooses too (and the other way)."""

    def __init__(self, facts: Facts, select: rasp.Select, lines: dict[str, _Line], own: _Line, allowed):
        self.facts, self.select = facts, select
        self.keys, self.queries = lines[select.keys.label], lines[select.queries.label]
        self.taken = sum(1 << self.keys.id(k) for k in facts.taken(select.keys.label))
        self.counts = [(k, own.values[k]) for k in allowed]
        self._masks: dict = {}
        self._found: dict = {}

    def mask(self, query: int) -> int:
        """The keys' values `query` chooses, a bit per id."""
        if query not in self._masks:
            value = self.queries.values[query]
            self._masks[query] = sum(1 << k for k, key in enumerate(self.keys.values)
                                     if self.facts.predicate(self.select, key, value))
        return self._masks[query]

    def chooses(self, key: int, query: int) -> bool:
        return bool(self.mask(query) >> key & 1)

    def every(self, query: int) -> bool | None:
        """True where the query chooses every key value, False where none, else None."""
        chosen = self.mask(query) & self.taken
        return True if chosen == self.taken else False if chosen == 0 else None

    def within(self, query: int, other: int) -> bool:
        """Whether every key value `query` chooses, `other` chooses too."""
        return self.mask(query) & ~self.mask(other) & self.taken == 0

    def __call__(self, key_i: int, key_j: int, query_i: int, query_j: int, length: int) -> list[tuple[int, int]]:
        found = (key_i, key_j, query_i, query_j, length)
        if found not in self._found:
            self._found[found] = self._pairs(key_i, key_j, query_i, query_j, length)
        return self._found[found]

    def _pairs(self, key_i: int, key_j: int, query_i: int, query_j: int, length: int) -> list[tuple[int, int]]:
        bounds = []  # at each position: the two it counts, and the least and most of the others
        for query in (query_i, query_j):
            counted = self.chooses(key_i, query) + self.chooses(key_j, query)
            every = self.every(query)
            others = (length - 2, length - 2) if every else (0, 0) if every is False else (0, length - 2)
            bounds.append((counted, others))
        (counted_i, (least_i, most_i)), (counted_j, (least_j, most_j)) = bounds
        up, down = self.within(query_i, query_j), self.within(query_j, query_i)
        found = []
        for a, n_i in self.counts:
            o_i = n_i - counted_i
            if not least_i <= o_i <= most_i:
                continue
            for b, n_j in self.counts:
                o_j = n_j - counted_j
                if least_j <= o_j <= most_j and not (up and o_i > o_j) and not (down and o_j > o_i):
                    found.append((a, b))
        return found
