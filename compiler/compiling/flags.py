"""Selects over flagged positions counted by a running count: shown to choose at most one
position at every query, or some position, over value sets, so on every input.

Writers fetch the first occurrence of a token, the first binding of each key or the latest record
by a flag `g(a, n)` of a line a and a count n of positions by their a (a `selector_width` of
`h(a, i)` keys against the indices): `first = 1 if t == "queen" and before == 0 else 0`,
`record_no = c if beaten == 0 else 0` against the number of records. Compile shows a categorical
fetch so one position (`compiler.compiling.aggregates`, tracr #11) and that it always finds one
(`Facts.always_selects`); the decompiler's certificate shows a mean over it one value or its
default (`interpreter.certify.PositionValueSets`). Both give these functions their value sets.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Callable, Iterable

from compiler.language.literals import table_key


def flagged_at_most_once(choices: Iterable[set], gives: dict[Any, list[tuple]], a_values: Iterable,
                         tag: Callable[[Any, int], Any], counts: Callable[[Any, Any], bool], by_index: bool,
                         max_seq_len: int, a_at: Callable[[int], Iterable] | None = None,
                         fetched: dict | None = None) -> bool:
    """Whether a select whose keys are a flag `g(a, n)` chooses at most one position at every
    query (or only positions holding one number of the fetched line), n counting positions by their
    a: `counts(tag(a_j, j), query)` for each position j, the query the index (`by_index`) or the
    same `tag(a, i)` at the counting position i. `choices`: for
    each query value, the flag values (by `table_key`) it chooses; `gives`: each flag value's key ->
    the (a, n) pairs that give it; `a_at(i)`: the values a may hold at position i (`a_values` at
    every position where None: a that is the index where a run starts, 99 elsewhere, holds 3 only
    at index 3). Two positions i < i' one query chooses, holding (a, n) and (a', n'), cannot both
    be: the count at i' holds at least [i counted] + [i' counted], which must exceed n' (a first
    occurrence: `1 if t == "q" and before == 0`), or the count grows from i to i' where n' is at
    most n: whatever position (holding whatever value) the count at i counts, the count at i'
    counts too, and i or i' besides (a record fetched by its number; a position numbered among
    those of its own depth, `d * 16 + n` with n counting the same depth up to here, by a count
    against the same keys). `fetched`: a's key -> the one number the fetched line holds wherever a
    is held, for the a it is one number at; two such positions holding equal numbers may both be
    chosen (their mean is that number: the events' numbers fetched by the latest event's, every
    other position flagged 0 and holding 0). A count that counts its own position holding a is
    never 0 there, so (a, 0) is no position's. Over value sets, so it holds on every input, causal
    or not (the count at i' sees i)."""
    positions = range(max_seq_len)
    a_values = list(a_values)
    held = [a_values if a_at is None else list(a_at(i)) for i in positions]
    keys_held = [{table_key(a) for a in values} for values in held]
    if len(set().union(*keys_held)) ** 2 * max_seq_len ** 2 > MAX_FLAG_CALLS:
        return False  # not shown: too many pairs of values to compare position by position
    bit = {}  # (position, a's key) -> its bit among everything a count may count
    for k in positions:
        for a in held[k]:
            bit.setdefault((k, table_key(a)), len(bit))
    counted_at: dict = {}  # (position, a's key) -> the bits of what the count there counts

    def counted(i: int, a) -> int:
        """What the count at position i, holding a, counts: a bit per (position, value) pair."""
        key = (i, None if by_index else table_key(a))
        if key not in counted_at:
            query = i if by_index else tag(a, i)
            counted_at[key] = sum(1 << bit[k, table_key(b)] for k in positions for b in held[k]
                                  if counts(tag(b, k), query))
        return counted_at[key]
    known: dict = {}  # (a's key, a''s key) -> (the fewest positions the count at i' holds, whether it grows)

    def pair_facts(a, later) -> tuple[int, bool] | None:
        pair = (table_key(a), table_key(later))
        if pair not in known:
            places = [(i, j) for j in positions if pair[1] in keys_held[j] for i in range(j) if pair[0] in keys_held[i]]
            least, grows = None, True
            for i, j in places:
                at_i, at_j = counted(i, a), counted(j, later)
                both = (at_j >> bit[i, pair[0]] & 1) + (at_j >> bit[j, pair[1]] & 1)
                least = both if least is None else min(least, both)
                fresh = at_j & ~at_i  # what the count at j counts and the count at i does not
                grows = grows and at_i & ~at_j == 0 and fresh & (1 << bit[i, pair[0]] | 1 << bit[j, pair[1]]) != 0
            known[pair] = None if not places else (least, grows)
        return known[pair]
    fetched = fetched or {}
    # the least count at a position holding a: 1 where every such position counts itself
    a_of = {table_key(a): a for values in held for a in values}
    least_own = {key: int(all(counted(i, a) >> bit[i, key] & 1 for i in positions if key in keys_held[i]))
                 for key, a in a_of.items()}
    for chosen in {frozenset(chosen) for chosen in choices}:
        by_a: dict = {}  # a's key -> (a, the n it is flagged with)
        for key in chosen:
            for a, n in gives.get(key, ()):
                if isinstance(n, int) and n < least_own.get(table_key(a), 0):
                    continue  # a count of its own position: never n there
                by_a.setdefault(table_key(a), (a, []))[1].append(n)
        for (a, ns), (later, later_ns) in itertools.product(by_a.values(), repeat=2):
            if table_key(a) in fetched and table_key(later) in fetched and \
                    fetched[table_key(a)] == fetched[table_key(later)]:
                continue  # both hold one number: their mean is it
            found = pair_facts(a, later)
            if found is None:
                continue  # a at an earlier position than a' nowhere
            least, grows = found
            # n' of at least `least` is possible at i'; growth rules out each n' at most an n at i
            if any(n_later >= least and not (grows and n_later <= min(ns)) for n_later in later_ns):
                return False
    return True


def one_value_each(held: Iterable[tuple[Any, Any]]) -> dict:
    """{a's key: the value} from (a's key, a value a line holds at a position holding a) pairs,
    None where the line is undefined there, for the a at which the line holds one value, type and
    all (1 and 1.0, True and 1 are two): compile's (on its tables) and the certificate's (on value
    sets) reading of a fetched line, `c if t == "r" else 0` one 0 wherever t is not "r"."""
    by_a: dict = {}
    for key, value in held:
        by_a.setdefault(key, []).append(value)
    return {key: values[0] for key, values in by_a.items()
            if None not in values and all(type(v) is type(values[0]) and v == values[0] for v in values)}


def fetched_numbers(one: dict) -> dict:
    """`one_value_each`'s finite numbers as `flagged_at_most_once`'s `fetched`: a's key -> (whether
    it is a bool, the number); compared exactly, as tracr's one-hot codes are."""
    return {key: (isinstance(v, bool), v) for key, v in one.items()
            if isinstance(v, (bool, int, float)) and math.isfinite(v)}


#: The most (pairs of a's values) x (pairs of positions) `flagged_at_most_once` compares.
MAX_FLAG_CALLS = 4_000_000


def numbered_always_chosen(a_values: Iterable, tag: Callable[[Any, int], Any], counts: Callable[[Any, Any], bool],
                           chooses: Callable[[Any, Any, Any], bool], numbers: Iterable, max_seq_len: int,
                           a_at: Callable[[int], Iterable] | None = None,
                           asked: Callable[[Any], Any] | None = None) -> bool:
    """Whether a select of flag keys `g(a, n)` by the running count n itself, or by a map of it
    (`asked(n)`, None where undefined), chooses some position at every query: n is a
    `selector_width` of `tag(a, i)` keys against the indices (`counts(key, index)`) that counts a
    position from its own index on where its a is flagged and never where it is not, and
    `chooses(a, m, q)` says whether the query q chooses the key `g(a, m)` (`numbers`, the count's
    values; `a_at`: as in `flagged_at_most_once`). At a position whose count is n >= 1, the m-th
    flagged position, for every m from 1 to n, is at or before it and has count m: the record
    fetched by its number (the thirty-fifth hand-written set's t01 and t08), or the one before it
    (`max(n - 1, 0)`), where the query chooses `g(a, m)` for every flagged a. A position whose
    count is 0 holds an a never flagged (a flagged one counts itself), and chooses itself where
    `chooses(a, 0, q)` for each such a: before the first event, the events' key 0 of every other
    position; and where no a at position 0 is ever flagged, position 0 has count 0 in every input,
    chosen where `chooses(a, 0, q)` for each a it may hold (the thirty-eighth's)."""
    numbers, positions = list(numbers), range(max_seq_len)
    a_values = list(a_values)
    flagged: dict = {}  # a's key -> a, for the a some position is counted with
    unflagged: dict = {}  # a's key -> a, for the a some position is not counted with
    first_flagged = False  # whether position 0 may be counted
    for i in positions:
        for a in a_values if a_at is None else a_at(i):
            seen = [bool(counts(tag(a, i), j)) for j in positions]
            if not any(seen):
                unflagged[table_key(a)] = a
                continue  # never counted
            if any(seen[j] != (i <= j) for j in positions):
                return False
            flagged[table_key(a)] = a
            first_flagged = first_flagged or i == 0
    at_first = list(a_values if a_at is None else a_at(0))

    def found(n) -> bool:
        q = n if asked is None else asked(n)
        if q is None:
            return False
        if n != 0 and any(all(chooses(a, m, q) for a in flagged.values()) for m in range(1, n + 1)):
            return True
        if n == 0 and all(chooses(a, 0, q) for a in unflagged.values()):
            return True
        return not first_flagged and all(chooses(a, 0, q) for a in at_first)
    return all(found(n) for n in numbers)


def first_of_kind_chosen(a_values: Iterable, tag: Callable[[Any, int], Any], counts: Callable[[Any, Any], bool],
                         chooses: Callable[[Any], bool], max_seq_len: int) -> bool:
    """Whether a select of flag keys `g(a, n)` by a query that is a function of a itself chooses
    some position at every query: n counts, at a position holding a, only the earlier positions
    holding a (`counts(tag(b, k), tag(a, j))` only where b is a and k < j), so the earliest
    position holding the query's own a, at or before it, has n = 0, and `chooses(a)` says the query
    of a chooses `g(a, 0)` (the first occurrence of each token fetched by the token: `c if
    same_before == 0 else 0` against the code, the thirty-fifth hand-written set's t04)."""
    a_values, positions = list(a_values), range(max_seq_len)
    for a in a_values:
        for b in a_values:
            same = table_key(a) == table_key(b)
            for j in positions:
                if any(counts(tag(b, k), tag(a, j)) and not (same and k < j) for k in positions):
                    return False
    return all(chooses(a) for a in a_values)

