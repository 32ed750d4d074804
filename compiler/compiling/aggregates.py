"""Guard against tracr #11: a categorical Aggregate averages one-hot codes.

The attention averages the one-hot vectors of the selected positions, which decodes to garbage
when they hold different values. A categorical Aggregate passes when its value S-Op has one
value, or each query value selects at most one key value and equal keys imply equal values (keys
are indices or an injective function of them, a sort's "target position" SelectorWidth, ...), or
the keys depend on indices alone (or on indices and the length: the mirror `length - indices - 1`)
and each query value selects at most one position (on each input length); values other than
numbers need the last (rasp.evaluate cannot average them, even when equal). What this
argument cannot clear is returned, one refusal each; compile then compares the net with the
program on every input (`compiler.compiling.defined.show_on_every_input`) or refuses.
"""

from __future__ import annotations

from tracr.rasp import rasp

from compiler.compiling.facts import Facts, is_number
from compiler.compiling.flags import fetched_numbers, flagged_at_most_once, one_value_each
from compiler.compiling.pairs import alike, chosen_hold_one_value
from compiler.language.literals import table_key, value_sort_key

_ORDER_COMPARISONS = (rasp.Comparison.LT, rasp.Comparison.LEQ, rasp.Comparison.GT, rasp.Comparison.GEQ)


def unproven_aggregates(facts: Facts) -> dict[str, str]:
    """Categorical Aggregates that the static argument cannot show never average different
    values (tracr #11): a refusal message for each, by label, in line order (compile then runs the
    program or the net on every input, where they can be enumerated, before refusing)."""
    unproven, memo = {}, {}
    for label, select in facts.selectors():
        expr = facts.exprs[label]
        if not isinstance(expr, rasp.Aggregate) or not rasp.is_categorical(expr):
            continue
        value = expr.sop.label
        # keys that are a function of the index: count the selected positions themselves
        key_at_index = facts.index_function(select.keys.label)
        if key_at_index is not None and facts.selects_at_most_one(select, key_at_index):
            continue
        if _one_position_per_length(facts, select) or _numbered_once(facts, select, expr.sop):
            continue
        clash: list = []  # two values pairs.py found chosen together, where it did not show one number
        if chosen_hold_one_value(facts, select, expr.sop, clash=clash):  # two positions at a time, over the counts
            continue
        # one value, or at most one key value selected where positions with equal keys hold equal values
        determined = (_determined_by(facts, select.keys.label, memo)
                      if facts.selects_at_most_one(select, facts.values[select.keys.label]) else set())
        if len(facts.values[value]) <= 1 or value in determined:
            words = sorted({repr(v) for v in facts.values[value] if not _averageable(v)})
            # several positions, even of one value, are undefined (rasp.evaluate averages them), unless
            # equal keys mean one position (keys unique per position, as a sort's with ties broken)
            if words and rasp.indices.label not in determined:
                unproven[label] = (
                    f"{label}: categorical Aggregate may select several positions of {value}, whose values "
                    f"include {', '.join(words[:3])}{' ...' if len(words) > 3 else ''}; {MEAN_OF_WORDS}. "
                    f"{ONE_POSITION_OR_NUMBERS}")
            continue
        if clash and all(alike(a, b) and not _averageable(a) for a, b in clash):
            # equal words at two positions one query chooses: the program, not only the net, is
            # undefined there (the forty-third hand-written set's writer read "different values" in
            # four drafts whose chosen positions all held "-")
            unproven[label] = (
                f"{label}: categorical Aggregate may select several positions of {value} holding "
                f"{clash[0][0]!r} (compile follows the program two positions at a time and finds two that one "
                f"query chooses together); {MEAN_OF_WORDS}. {ONE_POSITION_OR_NUMBERS}")
            continue
        unproven[label] = (
            f"{label}: categorical Aggregate may select several positions holding different "
            f"values of {value}{_several(facts, select)}; the net would average their one-hot codes "
            "(tracr issue #11). "
            "Compile shows one position where the keys are a function of the index (or of the index and "
            "the length) that each query selects at most once, or where equal keys hold equal values; a key "
            "computed from the tokens (a running count) is not shown one-to-one, even where it is, unless it "
            f"gives the index back (`count * 16 + index`, `index if count == 1 else 8 + index`). {ONE_VALUE}")
    return unproven


#: What to write instead of a categorical aggregate that may average different values.
ONE_VALUE = ("Select by indices where the position can be computed first (`select(indices, position, EQ)`), or "
             "average numbers instead: a numerical code of the value (`numerical aggregate` of a numerical map of "
             "it; where one position is selected, its mean is its code) mapped back by a map, or each bit of the "
             "value, or a 0/1 marker of each value")


#: Why an aggregate of words over several positions is undefined, and what to write instead (also said
#: by `defined.show_on_every_input` when trying the inputs is what shows it).
MEAN_OF_WORDS = ("RASP averages what an aggregate selects, and a mean of anything but numbers is undefined, even of "
                 "equal values")
ONE_POSITION_OR_NUMBERS = ("Select one position per query (e.g. break ties by index), or aggregate numbers that "
                           "encode the values")


def _one_position_per_length(facts: Facts, select: rasp.Select, limit: int = 4_000_000) -> bool:
    """Whether keys that depend on the index and the length alone (`Facts.index_length_function`:
    the mirror `length - indices - 1`, a position from the end) are selected at most once by each
    query on every input length: the positions of one input hold one key each, so the aggregate
    selects one position. The queries' values at each (position, length) where those are known
    (`Facts.cell_values`), else every value they take."""
    key_at = facts.index_length_function(select.keys.label)
    if key_at is None:
        return False
    lengths = range(1, facts.max_seq_len + 1)
    cells = facts.cell_values(select.queries.label)
    if cells is not None:
        by_length: dict[int, set] = {}
        for (_, n), taken in cells.items():
            by_length.setdefault(n, set()).update(taken)
    else:
        by_length = dict.fromkeys(lengths, facts.values[select.queries.label])
    if sum(len(by_length.get(n, ())) * n for n in lengths) > limit:
        return False  # not worth the predicate calls
    return all(sum(bool(facts.predicate(select, key_at[i, n], q)) for i in range(n)) <= 1
               for n in lengths for q in by_length.get(n, ()))


def fetches_one_value(facts: Facts, aggregate: rasp.Aggregate) -> bool:
    """Whether `aggregate`'s select, over flag keys numbering positions by a running count
    (`_numbered_once`), chooses at every query of every input one position or positions holding one
    number of the aggregated line, so that a mean over any of them that it chooses is the same."""
    return isinstance(aggregate.selector, rasp.Select) and _numbered_once(facts, aggregate.selector, aggregate.sop)


def _numbered_once(facts: Facts, select: rasp.Select, fetched: rasp.SOp | None = None,
                   limit: int = 200_000) -> bool:
    """Whether `select`'s keys are a flag `g(a, n)` of a line a and a running count n of positions
    by their a (a `selector_width` of `h(a, i)` keys against the indices, or against the same keys)
    such that no query chooses two positions (`flagged_at_most_once`), or only positions where the
    `fetched` line holds one number (`_fetched_by_flag`): a record fetched by its number, `c if h ==
    0 else 0` against the count of records (the thirty-fifth hand-written set's t01 and t08), the
    first occurrence of each token fetched by the token, or a running count at the latest event
    fetched by the event's number, other positions flagged 0 and holding 0 (the thirty-eighth's)."""
    flag = select.keys
    if flag.label in facts.nullable:
        return False
    for part in facts.flag_counts(flag):
        counted = part.count.selector
        if counted.queries.label not in (rasp.indices.label, counted.keys.label):
            continue
        flags = facts.taken(flag.label)
        queries = facts.taken(select.queries.label)
        if len(flags) * len(queries) > limit or None in flags or select.queries.label in facts.nullable:
            return False
        never_a = {table_key(v) for v in facts.never.get(part.a.label, ())}
        never_n = {table_key(v) for v in facts.never.get(part.count.label, ())}
        gives: dict = {}
        for args, value in facts.tables[flag.label].items():
            a, n = args[1 - part.count_at], args[part.count_at]
            if table_key(a) not in never_a and table_key(n) not in never_n:
                gives.setdefault(table_key(value), []).append((a, n))
        choices = [{table_key(k) for k in flags if facts.predicate(select, k, q)} for q in queries]
        a_values = [a for a in facts.values[part.a.label] if table_key(a) not in never_a]
        at = facts.position_values(part.a.label)
        if flagged_at_most_once(choices, gives, a_values, part.tag, part.counts,
                                counted.queries.label == rasp.indices.label, facts.max_seq_len,
                                None if at is None else at.__getitem__,
                                None if fetched is None else _fetched_by_flag(facts, fetched, part.a, a_values)):
            return True
    return False


def _fetched_by_flag(facts: Facts, value: rasp.SOp, a_node: rasp.SOp, a_values: list) -> dict:
    """a's key -> the one number `value` holds at every position holding a (as `(is a bool, the
    number)`: True and 1 are two values to a categorical line), for the a where it is one
    (`_one_at`)."""
    return fetched_numbers(_one_at(facts, value, a_node, a_values))


def _one_at(facts: Facts, value: rasp.SOp, a_node: rasp.SOp, a_values: list, depth: int = 0) -> dict:
    """a's key -> the one value `value`, never None, holds at every position holding a, for the a
    where it is one: `value` is a itself, a map or sequence_map of a line b that a is (or is a map
    of) and maybe another line, or a map of such a line: `c if t == "r" else 0` is 0 wherever t is
    not "r", and `2 if t <= 70 else (1 if t >= 90 else 0)` is 0 wherever `1 if t <= 70 or t >= 90
    else 0` is."""
    if value.label in facts.nullable or depth > 8:
        return {}
    if value.label == a_node.label:
        return {table_key(a): a for a in a_values}
    if not isinstance(value, (rasp.Map, rasp.SequenceMap)):
        return {}
    table, children = facts.tables[value.label], [child.label for child in value.children]
    if a_node.label in children:
        base, a_of = a_node.label, None
    elif isinstance(a_node, rasp.Map) and a_node.inner.label in children:
        base, a_of = a_node.inner.label, facts.tables[a_node.label]
    elif isinstance(value, rasp.Map):  # a map of a line that holds one value at a: its image
        inner = _one_at(facts, value.inner, a_node, a_values, depth + 1)
        return {key: table[(one,)] for key, one in inner.items() if (one,) in table}
    else:
        return {}
    at = children.index(base)
    taken = [{table_key(v) for v in facts.taken(label)} for label in children]
    return one_value_each(
        (table_key(args[at] if a_of is None else a_of[args[at],]), result) for args, result in table.items()
        if all(table_key(arg) in taken[k] for k, arg in enumerate(args) if k != at)
        and (a_of is None or (args[at],) in a_of))  # (where a raises, no position holds it)


def _several(facts: Facts, select: rasp.Select, limit: int = 10_000) -> str:
    """How `select` may choose several positions, for a refusal: a query value its predicate
    pairs with two key values (`LT`: every earlier index), else that one key value may sit at
    several positions; "" where the values are too many to look."""
    keys = sorted((k for k in facts.values[select.keys.label] if k is not None), key=value_sort_key)
    queries = sorted((q for q in facts.values[select.queries.label] if q is not None), key=value_sort_key)
    if len(keys) * len(queries) > limit:
        return ""
    try:
        for q in queries:
            chosen = [k for k in keys if select.predicate(k, q)]
            if len(chosen) >= 2:
                return (f" (its predicate chooses the keys {chosen[0]!r} and {chosen[1]!r} for the query {q!r}"
                        f"{', and more' if len(chosen) > 2 else ''})")
    except Exception:  # noqa: BLE001 - an undefined predicate is refused where the select is checked
        return ""
    return f" (one key value of {select.keys.name} may sit at several positions)"


def _averageable(value) -> bool:
    """Whether rasp.evaluate averages `value` with equal ones (numbers; None is never selected)."""
    return value is None or isinstance(value, (int, bool, float))


def _determined_by(facts: Facts, label: str, memo: dict[str, set[str]]) -> set[str]:
    """Labels of SOps equal at any two positions (of one input) where `label` is equal."""
    if label not in memo:
        found, stack = {label}, [label]
        while stack:
            for implied in _implied_equal(facts, stack.pop()):
                if implied not in found:
                    found.add(implied)
                    stack.append(implied)
        if rasp.indices.label in found:  # equal indices: the same position
            found = set(facts.order)
        for other in facts.order:  # children come first, so one pass closes the set
            if other not in found and _function_of(facts, other, found):
                found.add(other)
        memo[label] = found
    return memo[label]


def _implied_equal(facts: Facts, label: str) -> list[str]:
    """SOps whose values are equal at two positions where `label`'s values are equal."""
    expr = facts.exprs[label]
    if isinstance(expr, (rasp.Map, rasp.SequenceMap)):
        if facts.one_position_each(label):  # equal values: one position
            return [rasp.indices.label]
        return [child.label for at, child in enumerate(expr.children) if _recovers(facts, label, at)]
    if isinstance(expr, rasp.SelectorWidth):
        select = expr.selector
        values = facts.values[select.keys.label]
        # counting keys below (or above) one's own key is strictly monotone in the key
        if (select.keys.label == select.queries.label
                and select.predicate in _ORDER_COMPARISONS and _totally_ordered(values)):
            return [select.keys.label]
    return []


def _recovers(facts: Facts, label: str, at: int) -> bool:
    """Whether a Map's or SequenceMap's value gives its argument `at` back: no two argument tuples
    it is defined on with different such arguments give one value (a Map: injective; a SequenceMap
    injective in both gives both back, and a sort key `i if count == 1 else 8 + i` gives the index
    back, though not the count). Arguments are told apart by type too: True and 1 are two values
    to a categorical line, though Python's == calls them one."""
    table = facts.tables[label]
    if None in table.values():
        return False
    seen: dict = {}
    return all(seen.setdefault(value, (type(args[at]), args[at])) == (type(args[at]), args[at])
               for args, value in table.items())


def _function_of(facts: Facts, label: str, known: set[str]) -> bool:
    """Whether `label` at a position is a function of SOps in `known` at that position."""
    expr = facts.exprs[label]
    if isinstance(expr, rasp.Map):
        return expr.inner.label in known
    if isinstance(expr, rasp.SequenceMap):
        return expr.fst.label in known and expr.snd.label in known
    if isinstance(expr, (rasp.Aggregate, rasp.SelectorWidth)):
        # within one sequence the selected keys depend only on the query's value
        return expr.selector.queries.label in known
    return False


def _totally_ordered(values: set) -> bool:
    return (all(is_number(v) for v in values)
            or all(isinstance(v, str) for v in values))
