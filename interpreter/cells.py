"""The values each line of a program can take at each cell, (position i, input length n): a
superset, worked out line by line, that keeps what the value sets lose by taking every input
alone. `indices` is i there and `length` n, so a map of them is one value; a `selector_width`
counts, over the positions j of the input, those whose key values at (j, n) the query values at
(i, n) choose always (at least that many) or may choose (at most), so a count of the clearances at
or before a position is at most its index + 1, and a count of three misses in a row never sits at
index 0 or 1 (the eighteenth hand-written set's f22, whose table over (misses, index) has those
holes, which a search for inputs spent its whole time not reaching). A table line's missing
argument is given by no input where no cell gives its children those values together
(`Cells.may_give`).

Each rule holds on every input, so the sets are supersets: a function that fails on a value, a
select predicate that raises, a value the language cannot write, or a set past `MAX_CELL_VALUES`
makes the cell take every value its value set allows (and None where it may be None); a numerical
mean takes its value set's; a categorical aggregate takes the values of the positions it may
choose, and None where it may choose none. Past `MAX_CALLS` function and predicate calls the
analysis gives up (`may_give` is then True for everything).
"""

from __future__ import annotations

import itertools
from typing import Any, Iterator

import numpy as np

from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language.literals import normalize_value, table_key
from compiler.language.values import ValueSetError, ValueSets

#: Most values one cell of one line is listed with (more: its whole value set).
MAX_CELL_VALUES = 4_096
#: Most function calls and predicate pairs one analysis makes before it gives up (~0.5 s).
MAX_CALLS = 500_000
#: Most combinations of the shared lines' values `Cells._joint` tries at one cell, and in all.
MAX_JOINT = 20_000
MAX_JOINT_CALLS = 200_000


class _Any:
    """A cell that may take any value (its line's value set could not be listed)."""

    def __contains__(self, value: Any) -> bool:
        return True

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "ANY"


ANY = _Any()


class _OutOfCalls(Exception):
    pass


class Cells:
    """`Cells(value_sets, causal)`: per line, its values at every cell (`values(node)`, a list in
    the order of `cells`), worked out as lines are asked for. A causal net's position i is computed
    on its prefix, so its cells are (i, i + 1), and a select there chooses among positions 0..i."""

    def __init__(self, value_sets: ValueSets, causal: bool, max_calls: int = MAX_CALLS):
        self.value_sets, self.causal = value_sets, causal
        n = value_sets.max_seq_len
        self.cells = ([(i, i + 1) for i in range(n)] if causal
                      else [(i, length) for length in range(1, n + 1) for i in range(length)])
        self._at = {cell: k for k, cell in enumerate(self.cells)}
        self._memo: dict[nodes.Node, list] = {}
        self._general: dict[nodes.Node, Any] = {}
        self._pairs: dict[nodes.Select, dict] = {}
        self._keys: dict[int, Any] = {}  # id of a cell's set -> its values as table keys
        self._joints: dict[tuple, Any] = {}  # `_joint`'s, by the sets it combined
        self._frontiers: dict[tuple, tuple] = {}  # `_frontier`'s, by the children
        self._rows: dict[nodes.Select, list] = {}  # `_choices`'s
        self._disjoint: dict[tuple, bool] = {}  # `disjoint_widths`, by the two widths' ids
        self.calls_left = max_calls
        self.joint_calls_left = MAX_JOINT_CALLS  # `_joint`'s
        self.failed = False

    def may_give(self, node: nodes.Node, args: Any) -> bool:
        """Whether some input may give table line `node` the argument `args` (a map's value, a
        sequence_map's pair, a select's (key, query) pair). True where the analysis gave up."""
        if self.failed:
            return True
        try:
            if isinstance(node, nodes.Select):
                return self._may_pair(node, args)
            children = list(node.children)
            args = (args,) if len(children) == 1 else tuple(args)
            columns = [self.values(child) for child in children]
            wanted = [table_key(a) for a in args]
            return any(all(self._has(column[k], a) for column, a in zip(columns, wanted))
                       and self._together(children, k, tuple(wanted)) for k in range(len(self.cells)))
        except _OutOfCalls:
            self.failed = True
            return True

    def _together(self, children: list, k: int, wanted: tuple) -> bool:
        """Whether the children of a table line may take the values `wanted` (`table_key`s) together
        at cell k, where each is a map, sequence_map or linear_sequence_map of the same few
        lines (`_joint`): `sequence_map(f, name, tokens)` with `name` a function of the token and
        the capo fetched from position 0 never pairs "Am" with the name of a capo token, which the
        children's values one at a time allow (the twenty-third hand-written set's k17). True where
        that cannot be told."""
        if len(children) < 2:
            return True
        room = self._room(children[0], children[1], k) if len(children) == 2 else None
        if room is not None and all(_count(w) for w in wanted) and wanted[0] + wanted[1] > room:
            return False
        joint = self._joint(children, k)
        return joint is None or wanted in joint

    def _joint(self, children: list, k: int) -> frozenset | None:
        """The values (`table_key`s) the children take together at cell k: each a function, through
        maps, sequence_maps and linear_sequence_maps, of the token there, the cell's index and
        length, and lines of other kinds (widths, aggregates, means), which the children share
        (or counts of positions no key of which two of them both count, `disjoint_widths`, which
        add up to at most the positions any may choose: `_bounds`); every combination of those
        lines' values at the cell is tried (a superset: they are otherwise taken as independent).
        None where a combination cannot be evaluated or they are too many."""
        frontier, reads = self._frontier(children)
        if frontier is None:
            return None  # no line read by all of them: their values at the cell are independent
        sets = [self.values(node)[k] for node in frontier]
        if any(values is ANY for values in sets):
            return None
        bounds = self._bounds(frontier, k)
        if not bounds and int(np.prod([len(v) for v in sets])) > MAX_JOINT:
            return None
        i, n = self.cells[k]
        memo_key = (tuple(map(id, sets)), i if nodes.INDICES in reads else None, n if nodes.LENGTH in reads else None,
                    tuple(map(id, children)), tuple(room for _, room in bounds))
        if memo_key in self._joints:
            return self._joints[memo_key]
        found: set | None = set()
        count = 0
        for combination in _bounded_product([list(v) for v in sets], bounds):
            count += 1
            # its own budget: running out leaves the rest of the analysis standing
            if count > MAX_JOINT or count * len(children) > self.joint_calls_left:
                found = None
                break
            known: dict[nodes.Node, Any] = dict(zip(frontier, combination))
            known[nodes.INDICES], known[nodes.LENGTH] = i, n
            try:
                found.add(tuple(table_key(_evaluated(child, known)) for child in children))
            except Exception:  # noqa: BLE001 - undefined there (a table's missing entry): cannot tell
                found = None
                break
        self.joint_calls_left -= count * len(children)
        self._joints[memo_key] = None if found is None else frozenset(found)
        return self._joints[memo_key]

    def _bounds(self, frontier: list, k: int) -> list[tuple[tuple[int, ...], int]]:
        """(members, room): sets of `frontier`'s lines that are counts of positions no key of which
        two of them both count (`disjoint_widths`: every such pair, and a largest such set found
        greedily), and at cell k the most their counts add up to, the positions any of them may
        choose there."""
        widths = [t for t, node in enumerate(frontier) if isinstance(node, nodes.SelectorWidth)]
        linked = {(a, b) for a, b in itertools.combinations(widths, 2) if self._is_disjoint(frontier[a], frontier[b])}
        if not linked:
            return []
        groups = [pair for pair in sorted(linked)]
        for start in widths:
            group = [start]
            for t in widths:
                if t > start and all((m, t) in linked for m in group):
                    group.append(t)
            if len(group) > 2 and tuple(group) not in groups:
                groups.append(tuple(group))
        return [(group, self._union_room([frontier[t] for t in group], k)) for group in groups]

    def _is_disjoint(self, a: nodes.Node, b: nodes.Node) -> bool:
        """`disjoint_widths(a, b)`, once per pair of lines."""
        memo = (id(a), id(b))
        if memo not in self._disjoint:
            self._disjoint[memo] = (isinstance(a, nodes.SelectorWidth) and isinstance(b, nodes.SelectorWidth)
                                    and a is not b and disjoint_widths(a, b, self.value_sets))
        return self._disjoint[memo]

    def _union_room(self, widths: list, k: int) -> int:
        """The positions at cell k that some of the `selector_width`s `widths` may choose."""
        rows = [self._choices(w.selector)[k] for w in widths]
        return sum(max(row[j][1] for row in rows) for j in range(len(rows[0])))

    def _frontier(self, children: list) -> tuple[list | None, set]:
        """The lines other than maps the children read (the token, widths, aggregates, means:
        None where no one of them is read by every child), and which of `indices` and `length`
        they read (one value at a cell)."""
        memo = tuple(map(id, children))
        if memo not in self._frontiers:
            frontier: list[nodes.Node] = []
            reads: set = set()
            shares: list[set] = []  # per child, the ids of the lines of other kinds it reads
            for child in children:
                stack, seen = [child], set()
                while stack:
                    inner = stack.pop()
                    if id(inner) in seen:
                        continue
                    seen.add(id(inner))
                    if inner is nodes.INDICES or inner is nodes.LENGTH:
                        reads.add(inner)
                    elif isinstance(inner, _LOCAL):
                        stack.extend(inner.children)
                    elif all(inner is not known for known in frontier):
                        frontier.append(inner)
                shares.append({id(inner) for inner in frontier if id(inner) in seen})
            linked = set.intersection(*shares) or any(
                self._is_disjoint(a, b) for a, b in itertools.combinations(frontier, 2)
                if not any(id(a) in share and id(b) in share for share in shares))
            self._frontiers[memo] = (frontier if linked else None, reads)
        return self._frontiers[memo]

    def _may_pair(self, select: nodes.Select, pair: tuple) -> bool:
        key, query = map(table_key, pair)
        keys, queries = self.values(select.keys), self.values(select.queries)
        for k, (i, n) in enumerate(self.cells):
            if not self._has(queries[k], query):
                continue
            if any(self._has(keys[self._at[self._key_cell(j, n)]], key) for j in range(i + 1 if self.causal else n)):
                return True
        return False

    def _key_cell(self, j: int, n: int) -> tuple[int, int]:
        return (j, j + 1) if self.causal else (j, n)

    def _has(self, values: Any, key: Any) -> bool:
        if values is ANY:
            return True
        keys = self._keys.get(id(values))
        if keys is None:
            keys = self._keys[id(values)] = (values, frozenset(table_key(v) for v in values))
        return key in keys[1]

    def values(self, node: nodes.Node) -> list:
        """`node`'s values at each cell (a frozenset, None among them where it may be None, or
        `ANY`). Raises `_OutOfCalls` past the call budget."""
        if node in self._memo:
            return self._memo[node]
        for inner in nodes.postorder(node):  # inputs first, without deep recursion
            if isinstance(inner, nodes.SOpNode) and inner not in self._memo:
                self._memo[inner] = self._compute(inner)
        return self._memo[node]

    def general(self, node: nodes.Node) -> Any:
        """Every value `node` takes on any input: its value set, and None where it may be None."""
        if node not in self._general:
            try:
                values = frozenset(self.value_sets(node))
                self._general[node] = values | ({None} if may_be_none(node) else frozenset())
            except ValueSetError:
                self._general[node] = ANY
        return self._general[node]

    def _spend(self, calls: int) -> None:
        self.calls_left -= calls
        if self.calls_left < 0:
            raise _OutOfCalls

    def _compute(self, node: nodes.SOpNode) -> list:
        if node is nodes.TOKENS:
            return [frozenset(self.value_sets.vocab)] * len(self.cells)
        if node is nodes.INDICES:
            return [frozenset([i]) for i, _ in self.cells]
        if node is nodes.LENGTH:
            return [frozenset([n]) for _, n in self.cells]
        if isinstance(node, nodes.Map):
            return self._applied(node, [self.values(node.inner)], node.function)
        if isinstance(node, nodes.SequenceMap) and node.fst is node.snd:  # one value, both arguments
            return self._applied(node, [self.values(node.fst)], lambda x: node.function(x, x))
        if isinstance(node, nodes.SequenceMap):
            return self._applied(node, [self.values(node.fst), self.values(node.snd)], node.function,
                                 self._rooms(node.fst, node.snd))
        if isinstance(node, nodes.LinearSequenceMap):
            return self._applied(node, [self.values(node.fst), self.values(node.snd)],
                                 lambda x, y: node.fst_fac * x + node.snd_fac * y, self._rooms(node.fst, node.snd))
        if isinstance(node, nodes.SelectorWidth):
            return self._widths(node)
        if isinstance(node, nodes.Aggregate) and node.encoding == nodes.CATEGORICAL:
            return self._moved(node)
        return [self.general(node)] * len(self.cells)  # a numerical mean

    def _applied(self, node: nodes.Node, columns: list[list], function, rooms: list | None = None) -> list:
        """A map's or sequence_map's values per cell: its function on its inputs' values there
        (None passed on, as rasp does); `rooms`: per cell, the most two counts of positions no
        key of which both count add up to there (`_rooms`), or None."""
        general = self.general(node)
        done: dict[tuple, Any] = {}
        out = []
        for k in range(len(self.cells)):
            sets = tuple(column[k] for column in columns)
            room = rooms[k] if rooms is not None else None
            memo = (*map(id, sets), room)
            found = done.get(memo)
            if found is None:
                found = done[memo] = self._apply(sets, function, general, room)
            out.append(found)
        return out

    def _apply(self, sets: tuple, function, general: Any, room: int | None = None) -> Any:
        if any(s is ANY for s in sets):
            return general
        self._spend(int(np.prod([len(s) for s in sets])))
        found = set()
        for args in itertools.product(*sets):
            if None in args:
                found.add(None)
                continue
            if room is not None and _count(args[0]) and _count(args[1]) and args[0] + args[1] > room:
                continue  # two counts of positions no key of which both count
            try:
                found.add(normalize_value(function(*args)))
            except Exception:  # noqa: BLE001 - undefined there (a table's missing entry): anything
                return general
            if len(found) > MAX_CELL_VALUES:
                return general
        return frozenset(found)

    def _room(self, a: nodes.Node, b: nodes.Node, k: int) -> int | None:
        """Where `a` and `b` are `selector_width`s that never count one key together
        (`disjoint_widths`), the most they add up to at cell k: the positions there either may
        choose; None for any other pair."""
        return self._union_room([a, b], k) if self._is_disjoint(a, b) else None

    def _rooms(self, a: nodes.Node, b: nodes.Node) -> list | None:
        """`_room` of `a` and `b` at every cell, or None."""
        if not self._is_disjoint(a, b):
            return None
        return [self._union_room([a, b], k) for k in range(len(self.cells))]

    def _choices(self, select: nodes.Select) -> list[list[tuple[int, int]]]:
        """Per cell (i, n): for each position j the select may look at, whether the query at
        (i, n) chooses the key at j always (1, 1), maybe (0, 1) or never (0, 0)."""
        if select in self._rows:
            return self._rows[select]
        keys, queries = self.values(select.keys), self.values(select.queries)
        same = select.keys is select.queries
        done: dict[tuple, tuple[int, int]] = {}
        out = []
        for k, (i, n) in enumerate(self.cells):
            row = []
            for j in range(i + 1 if self.causal else n):
                key_set, query_set = keys[self._at[self._key_cell(j, n)]], queries[k]
                own = same and j == i
                memo = (id(key_set), id(query_set), own)
                if memo not in done:
                    done[memo] = self._chosen(select, key_set, query_set, own)
                row.append(done[memo])
            out.append(row)
        self._rows[select] = out
        return out

    def _chosen(self, select: nodes.Select, keys: Any, queries: Any, own: bool) -> tuple[int, int]:
        if keys is ANY or queries is ANY:
            return (0, 1)
        results = self._pairs.setdefault(select, {})  # the predicate on each pair met, once
        seen = set()
        for key, query in ([(v, v) for v in keys] if own else itertools.product(keys, queries)):
            self._spend(1)  # a bound on the work, met pair or not
            pair = (key.__class__, key, query.__class__, query)
            chosen = results.get(pair)
            if chosen is None:
                try:
                    chosen = results[pair] = bool(select.predicate(key, query))
                except Exception:  # noqa: BLE001 - rasp raises there: either way, as far as a superset goes
                    return (0, 1)
            seen.add(chosen)
            if len(seen) == 2:
                return (0, 1)
        return (1, 1) if seen == {True} else (0, 0) if seen == {False} else (0, 1)

    def _widths(self, node: nodes.SelectorWidth) -> list:
        """A width's values per cell: from the positions its select always chooses to those it
        may, within its value set (whose rules see what the cells do not: `_least_count`)."""
        general, out = self.general(node), []
        for row in self._choices(node.selector):
            least, most = sum(c[0] for c in row), sum(c[1] for c in row)
            out.append(frozenset(v for v in range(least, most + 1) if v in general))
        return out

    def _moved(self, node: nodes.Aggregate) -> list:
        """A categorical aggregate's values per cell: those of the positions it may choose, and
        None where it may choose none."""
        values, general = self.values(node.sop), self.general(node)
        out = []
        for (_, n), row in zip(self.cells, self._choices(node.selector)):
            found: set = set() if any(c[0] for c in row) else {None}
            for j, (_, may) in enumerate(row):
                if may:
                    at = values[self._at[self._key_cell(j, n)]]
                    if at is ANY:
                        found = general
                        break
                    found |= at
            out.append(found if found is general else frozenset(found))
        return out


#: The lines `Cells._joint` evaluates at one position from the lines they read.
_LOCAL = (nodes.Map, nodes.SequenceMap, nodes.LinearSequenceMap)


def _evaluated(node: nodes.Node, known: dict) -> Any:
    """`node`'s value at one position, from the values `known` of the lines it reads through maps,
    sequence_maps and linear_sequence_maps (None passed on, as rasp does); memoised in `known`."""
    if node in known:
        return known[node]
    args = [_evaluated(child, known) for child in node.children]
    if None in args:
        value = None
    elif isinstance(node, nodes.LinearSequenceMap):
        value = node.fst_fac * args[0] + node.snd_fac * args[1]
    else:
        value = node.function(*args)
    known[node] = value = normalize_value(value)
    return value


#: The most (key value, query value) pairs `disjoint_widths` evaluates two predicates on.
DISJOINT_PAIRS = 250_000


def disjoint_widths(a: nodes.Node, b: nodes.Node, value_sets: ValueSets) -> bool:
    """Whether `a` and `b` are `selector_width`s of selects on the same keys whose predicates
    never both hold for one key value, whatever query values the two selects see at one position
    (the queries' values alike where both selects read the same queries): at every position the
    two count disjoint sets of positions, so together at most the length. False where it cannot
    be told (values too many, a predicate that fails, on a None key or query too). A table over two such counts has
    no entry for the pairs adding up past `max_seq_len`, which no input gives (the twenty-fifth
    hand-written set's m07: the residues 4-7 and 8-10 counted among nine digits, 217 pairs such as
    (3, 9); m10: the findings adding to the score and the one subtracting, (2, 6))."""
    if not (isinstance(a, nodes.SelectorWidth) and isinstance(b, nodes.SelectorWidth)):
        return False
    sa, sb = a.selector, b.selector
    if sa.keys != sb.keys:
        return False
    try:
        # (a select's predicate is called on a None key or query too: where one may be None, so is it)
        keys, qa = with_none(sa.keys, value_sets(sa.keys)), with_none(sa.queries, value_sets(sa.queries))
        qb = qa if sa.queries == sb.queries else with_none(sb.queries, value_sets(sb.queries))
        if sa.queries == sb.queries:
            if len(keys) * len(qa) > DISJOINT_PAIRS:
                return False
            return not any(sa.predicate(k, q) and sb.predicate(k, q) for k in keys for q in qa)
        if len(keys) * (len(qa) + len(qb)) > DISJOINT_PAIRS:
            return False
        # a key both could count: one some query of a's select chooses and some query of b's
        return not any(any(sa.predicate(k, q) for q in qa) and any(sb.predicate(k, q) for q in qb) for k in keys)
    except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError):
        return False


def _bounded_product(sets: list[list], bounds: list[tuple[tuple[int, ...], int]]) -> Iterator[tuple]:
    """`itertools.product(*sets)` less the combinations whose counts at some bound's members
    (`Cells._bounds`: (members, room)) add up past its room, pruned as they are built."""
    if not bounds:
        yield from itertools.product(*sets)
        return
    checks: list[list[tuple[tuple[int, ...], int]]] = [[] for _ in sets]
    for members, room in bounds:
        checks[max(members)].append((members, room))  # checked once all its members have values
    chosen: list = []

    def extend(t: int) -> Iterator[tuple]:
        if t == len(sets):
            yield tuple(chosen)
            return
        for value in sets[t]:
            chosen.append(value)
            if all(not all(_count(chosen[m]) for m in members) or sum(chosen[m] for m in members) <= room
                   for members, room in checks[t]):
                yield from extend(t + 1)
            chosen.pop()

    yield from extend(0)


def with_none(node: nodes.Node, values) -> list:
    """`values`, with None where `node` may be None (`may_be_none`)."""
    return list(values) + ([None] if may_be_none(node) and None not in values else [])


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def may_be_none(node: nodes.Node) -> bool:
    """Whether an S-Op may be None in RASP: a categorical aggregate (where its select chooses
    nothing), a table (where it has no entry), and what a map computes from either."""
    if isinstance(node, nodes.Aggregate):
        return node.encoding == nodes.CATEGORICAL or may_be_none(node.sop)
    if isinstance(node, (nodes.Map, nodes.SequenceMap)):
        return isinstance(node.function, fn.Table) or any(may_be_none(child) for child in node.children)
    if isinstance(node, nodes.LinearSequenceMap):
        return any(may_be_none(child) for child in node.children)
    return False
