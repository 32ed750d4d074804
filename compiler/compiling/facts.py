"""The first of our passes: facts about a program's values that tracr does not check.

`Facts` holds, for each S-Op of tracr's graph (by label), a superset of the values it can take
(the one rule of `compiler.language.values`, applied to tracr's graph: tracr's, except that a
numerical mean of 0/1 values can be any k/n), each Map's and SequenceMap's table (arguments ->
result), the S-Ops rasp may give None (`nullable`) and why a function may raise (`undefined`).
The guards after it read these facts; nothing changes them once they are made.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import networkx as nx
import numpy as np
from tracr.compiler import nodes
from tracr.rasp import rasp

from compiler.compiling.flags import first_of_kind_chosen, numbered_always_chosen
from compiler.errors import CompileError
from compiler.language.literals import table_key, value_sort_key
from compiler.language.program import UNDEFINED
from compiler.language.values import aggregate_values, function_arguments, leaf_values, nearest_values

MAX_VALUE_SET = 200_000  # values per SOp we are willing to enumerate
#: Most splits of the positions a select chooses among classes of values (`Facts._counted_mean`) one
#: line of means is tabulated on.
MAX_COMPOSITIONS = 50_000
FLOAT32_MAX = float(np.finfo(np.float32).max)


def _from_means(expr, seen: dict | None = None) -> bool:
    """Whether `expr` is computed by maps and sequence_maps from numerical means (`seen`: the
    answers so far, by label)."""
    seen = {} if seen is None else seen
    if expr.label not in seen:
        seen[expr.label] = isinstance(expr, (rasp.Map, rasp.SequenceMap)) and any(
            (isinstance(c, rasp.Aggregate) and rasp.is_numerical(c)) or _from_means(c, seen) for c in expr.children)
    return seen[expr.label]


class FlagCount(NamedTuple):
    """A flag `g(a, n)` read as a line and a running count of positions by their a
    (`Facts.flag_counts`)."""
    a: rasp.SOp
    count: rasp.SelectorWidth
    count_at: int  # the count's place among the flag's arguments
    tag: Callable[[Any, int], Any]  # the count's key at position i holding a
    flag_value: Callable[[Any, Any], Any]  # g(a, n), by the flag's table (None where it has no entry)
    counts: Callable[[Any, Any], bool]  # whether the count's select chooses a key for a query (neither None)


class Facts:
    """A RASP graph with the facts about its values that tracr does not check.

    `values[label]` is a superset of the values the SOp can take; `nullable` holds the SOps rasp
    can give None; `tables[label]` is a Map's or SequenceMap's function on every combination of
    its inputs' values (where it does not raise); `undefined[label]` says why rasp may raise there.
    """

    def __init__(self, graph: nx.DiGraph, vocab: set, max_seq_len: int):
        self.max_seq_len = max_seq_len
        self.exprs = {label: node[nodes.EXPR] for label, node in graph.nodes.items()}
        self.order = [label for label in nx.topological_sort(graph)
                      if isinstance(self.exprs[label], rasp.SOp)]
        self.values: dict[str, set] = {}
        self.tables: dict[str, dict[tuple, Any]] = {}  # Map/SequenceMap: arguments -> result
        self.nullable: set[str] = set()
        self.undefined: dict[str, str] = {}  # label -> why rasp may raise there (UndefinedError)
        self._position_values: dict[str, list[set] | None] = {}  # `position_values`, by label
        self._index_length: dict[str, dict[tuple[int, int], Any] | None] = {}  # `index_length_function`
        self._cell_values: dict[str, dict[tuple[int, int], set] | None] = {}  # `cell_values`
        self.never: dict[str, set] = {}  # label -> values in `values[label]` it is shown never to take
        self._vocab = vocab
        self._columns: dict[str, list | None] = {}  # `_at_cells`, by label
        self._reached: dict[tuple, tuple] = {}  # `_unreached`'s values taken, by the inputs' labels
        self.witnesses: list[list] = []  # inputs on which a function in `undefined` is called where it raises
        self._by_width: dict[str, tuple[tuple, dict[int, set]]] = {}  # `_means_by_width`, by label
        # `_counted_mean`, by label: (select key, source label, classes, {w: {counts: value}})
        self._by_counts: dict[str, tuple] = {}
        # numerical Map/SequenceMap -> the arguments its inputs may take where its function gives None
        # (`numerical_none`); its table holds another value of the function there (`tables`)
        self.gaps: dict[str, list[tuple]] = {}
        self.filled: set[str] = set()  # numerical Map/SequenceMap whose table holds such values (`tables`)
        for label in self.order:
            self._infer(label, vocab)

    @property
    def vocab(self) -> set:
        """The tokens the program is compiled for."""
        return self._vocab

    def numerical_none(self, label: str, found: str = "", tried: str = "") -> str:
        """The refusal of a numerical map or sequence_map whose function gives None on some of the
        values its inputs may take (a table without an entry for them, `gaps`): which values, and
        how to write it. `found`: an input that gives such a value; `tried`: why compile could not
        run every input to show that none does."""
        expr, missing = self.exprs[label], self.gaps[label]
        shown = " or ".join(show_args(args) for args in missing[:3]) + (f" (and {len(missing) - 3:,} more)"
                                                                         if len(missing) > 3 else "")
        children = expr.children
        names = children[0].name if len(children) == 1 else f"({children[0].name}, {children[1].name})"
        kind = "map" if isinstance(expr, rasp.Map) else "sequence_map"
        message = (f"{label}: a numerical {kind} whose function gives None where {names} is {shown} (a table "
                   "without an entry for it, or a function returning None), and a numerical value has no None in "
                   "the net")
        if found:
            return f"{message}, as {found}; give the function a value there (a table entry for each)"
        message += "; give the function a value there (a table entry for each)"
        if not all(isinstance(c, (rasp.TokensType, rasp.IndicesType)) for c in children):
            takes = (f"{children[0].name} to take every value the lines it is computed from allow, each taken "
                     "alone" if len(children) == 1 else
                     f"{children[0].name} and {children[1].name} to take their values independently")
            why = f"{tried}; it takes {takes}" if tried else f"it takes {takes}"
            message += (f"; if no input gives {names} such a value, compile cannot show it ({why}), so give those "
                        "entries any number")
        return message

    def why_none(self, label: str) -> str:
        """Where `label`'s None comes from, followed back to its start ("" if it is never None):
        rasp's map and sequence_map pass None on without calling their function (so a function
        guarding against None does not help), and a categorical aggregate is None where its
        select chooses no position."""
        passing, origin = [], ""
        while label in self.nullable and not origin:
            expr = self.exprs[label]
            children = ([expr.inner] if isinstance(expr, rasp.Map) else [expr.fst, expr.snd]
                        if isinstance(expr, rasp.SequenceMap) else [expr.sop] if isinstance(expr, rasp.Aggregate)
                        else [])
            source = next((c for c in children if c.label in self.nullable), None)
            if isinstance(expr, rasp.Aggregate) and rasp.is_categorical(expr):
                origin = f"{expr.name} is a categorical aggregate, None where its select chooses no position"
            elif source is not None:
                passing.append(expr.name)
                label = source.label
            elif label in self.tables:
                args = next(a for a, v in self.tables[label].items() if v is None and not self._unreached(expr, a))
                origin = f"the function of {expr.name} gives None on {show_args(args)}"
            else:
                break
        if passing and origin:
            return (f"{' and '.join(passing)} pass{'es' if len(passing) == 1 else ''} on a None unchanged (a map "
                    f"does not call its function on None, a mean of None is None); {origin}")
        return origin

    # -- value sets ------------------------------------------------------------------------

    def _infer(self, label: str, vocab: set) -> None:
        expr, n = self.exprs[label], self.max_seq_len
        leaf = ("tokens" if isinstance(expr, rasp.TokensType) else "indices" if isinstance(expr, rasp.IndicesType)
                else "selector_width" if isinstance(expr, rasp.SelectorWidth) else None)
        if leaf:
            values = leaf_values(leaf, vocab, n)
            if leaf == "selector_width" and self.always_selects(expr.selector):
                self.never[label] = {0}  # tracr's block still needs its 0 direction: kept in `values`
        elif isinstance(expr, (rasp.Map, rasp.SequenceMap)):
            children = expr.children
            if any(c.label in self.nullable for c in children):
                self.nullable.add(label)
            never = [self.never.get(c.label, set()) for c in children]
            # a weighted sum of means over one select: the pairs they meet (and the splits giving each)
            pairs, splits = self._pairs_by_width(expr) or (None, None)
            table = self._tabulate(expr, [self.values[c.label] for c in children], never, _joint(pairs))
            if any(never):
                # a value given only on arguments an input never takes is one it never takes either:
                # `3 * t + length` is never 0 (a length is at least 1), so a line dividing by it is
                # defined wherever rasp calls it (tracr's block keeps the value in `values`)
                reached = {v for args, v in table.items() if not any(a in nv for a, nv in zip(args, never))}
                unreached = {v for v in table.values() if v is not None} - reached
                if unreached:
                    self.never[label] = unreached
            # a None on arguments the inputs never take together is never given (`_unreached`:
            # `map({0: 1, 1: 3, 2: 2}, place)` of `place = n - 1 - i`, which -4 .. -1 are not)
            given_none = [args for args, v in table.items() if v is None and not self._unreached(expr, args)]
            if None in table.values() and rasp.is_numerical(expr):
                # a numerical value has no None: the entries are given a value the function gives
                # elsewhere (the line's values stay as they are), and compile shows no input reaches
                # them, running every input where it can (`defined.require_no_gaps`), or refuses
                if all(v is None for v in table.values()):
                    self.gaps[label] = given_none or list(table)
                    raise CompileError(self.numerical_none(label))
                if given_none:
                    self.gaps[label] = given_none
                self.filled.add(label)
                table = _gaps_filled(table, rasp.is_numerical(children[0]) and len(children) == 1)
            if given_none and label not in self.filled:
                self.nullable.add(label)
            self.tables[label] = table
            values = {v for v in table.values() if v is not None}
            self._means_by_width(label, expr, table, pairs, splits)
        elif isinstance(expr, rasp.Aggregate):
            values = self._aggregate_values(expr)
            self._means_by_width(label, expr)
            if expr.sop.label in self.nullable or (rasp.is_categorical(expr)
                                                   and not self.always_selects(expr.selector)):
                self.nullable.add(label)
        else:
            raise AssertionError(f"unsupported {expr!r} passed _check_supported")
        if len(values) > MAX_VALUE_SET:
            raise CompileError(f"{label}: more than {MAX_VALUE_SET:,} possible values (compile enumerates each "
                               f"line's values to build its net); {self._smaller(expr)}")
        for value in values:
            if rasp.is_numerical(expr) and not is_number(value):
                if isinstance(value, (bool, int, float)):
                    raise CompileError(f"{label}: a numerical line takes the non-finite value {value!r}, which no "
                                       "float32 weight holds; make its function return finite numbers")
                raise CompileError(f"{label}: a numerical line takes the non-numeric value {value!r}, and holds "
                                   "numbers only; drop `numerical` to keep the values as they are (a categorical "
                                   "line), or make its function return numbers (a 0/1 marker of a value, to "
                                   "average or count)")
            if isinstance(value, float) and value != value:
                raise CompileError(f"{expr.name}: takes the value nan, which equals nothing (not even itself), so "
                                   "no net can output or compare it; make the function return a number")
            if rasp.is_numerical(expr) and abs(value) > FLOAT32_MAX:
                raise CompileError(f"{expr.name}: numerical SOp takes the value {value!r}, which float32 weights "
                                   f"cannot hold (at most {FLOAT32_MAX:.3g}); scale it down")
        self.values[label] = values

    def _smaller(self, expr) -> str:
        """How to bring a line with too many values within reach: what its inputs take (a line
        combining several takes every combination of theirs), and for an input read off a mean, why
        it takes so many."""
        known = [c for c in expr.children if c.label in self.values]
        shown = "its inputs take " + " and ".join(f"{len(self.values[c.label]):,} values ({c.label})"
                                                  for c in known) + ": " if known else ""
        means = [f"{c.label} is a mean" for c in known if isinstance(c, rasp.Aggregate) and rasp.is_numerical(c)]
        means += [f"{c.label} is computed from means" for c in known if _from_means(c)]
        why = (f" ({' and '.join(means)}: a mean takes a value per fraction k/n, n up to max_seq_len, and a line "
               "combining several every combination of theirs, unless all are means over one select, which share "
               "n: average each over the same select where the task allows)") if means else ""
        return (f"{shown}give {'them' if known else 'its inputs'} fewer values (map each to the few values this "
                f"line needs){why}, or use a smaller max_seq_len or vocabulary")

    def _tabulate(self, expr, value_sets: list[set], never: list[set],
                  arguments: Iterable[tuple] | None = None) -> dict[tuple, Any]:
        """f on every combination of input values. Where it raises (ArithmeticError, as tracr
        counts it, or any error rasp's evaluation meets where a program is undefined: `"a" + 1`)
        the combination is left out of the table, and makes the program undefined unless no input
        gives it: an argument is one its input never takes (`never`: `lambda p, c: p // c` on a
        count that always includes its own position), or the inputs, each a function of the token
        and index at a position, never take those values together (`_unreached`; value sets are
        per input, so `sequence_map(lambda w, t: 0 if w >= 0 else t, weekday, tokens)` seems to take
        the weekday words, which a line adding 1 to it would raise on). `arguments`: the
        combinations the inputs can take together, where they are fewer than every one
        (`_pairs_by_width`)."""
        table = {}
        for args in function_arguments(value_sets) if arguments is None else arguments:
            if len(table) >= MAX_VALUE_SET:
                raise CompileError(f"{expr.label}: more than {MAX_VALUE_SET:,} combinations of its inputs' values "
                                   f"(compile tabulates each line on every combination its inputs can take); "
                                   f"{self._smaller(expr)}")
            try:
                result = expr.f(*args)
            except UNDEFINED as e:
                if any(arg in impossible for arg, impossible in zip(args, never)) or self._unreached(expr, args):
                    continue
                if expr.label not in self.undefined:
                    self.undefined[expr.label] = (f"{expr.name}: its function raises {type(e).__name__} ({e}) "
                                                  f"on {show_args(args)}")
                    witness = self._witness(expr, args)
                    if witness is not None:
                        self.witnesses.append(witness)
                continue
            except Exception as e:
                raise CompileError(f"{expr.label}: function raised {type(e).__name__}: {e} "
                                   f"on input {show_args(args)}") from e
            try:
                hash(result)
            except TypeError:
                raise CompileError(f"{expr.label}: function returned unhashable {result!r} "
                                   f"on input {show_args(args)}") from None
            table[args] = result
        return table

    def _means_by_width(self, label: str, expr, table: dict | None = None, pairs: dict | None = None,
                        splits: tuple | None = None) -> None:
        """Records, for a numerical mean of 0/1 values and for maps and linear_sequence_maps of such
        means over one select (`_select_key`), the values it takes where the select chooses w
        positions, for each w: a mean k/w, 0 <= k <= w (0 where it chooses none), and a line of
        them its function of those. Means over the same select share w at every position, so a
        weighted sum of them takes far fewer values than every combination of theirs (`_pairs_by_width`:
        `pairs`, for a linear_sequence_map, and `splits` where they are counted, `_pairs_by_counts`)."""
        if isinstance(expr, rasp.Aggregate):
            if not rasp.is_numerical(expr) or not self.values[expr.sop.label] <= {0, 1}:
                return
            widths = self.select_widths(expr.selector)
            widths = set(range(self.max_seq_len + 1)) if widths is None else widths | {0}
            self._by_width[label] = (self._select_key(expr.selector),
                                     {w: {k / w for k in range(w + 1)} if w else {0} for w in widths})
            counted = self._counted_mean(expr, widths)
            if counted is not None:
                self._by_counts[label] = counted
        elif isinstance(expr, rasp.Map) and expr.inner.label in self._by_width:
            key, inner = self._by_width[expr.inner.label]
            self._by_width[label] = (key, {w: {table[(x,)] for x in xs if table.get((x,)) is not None}
                                           for w, xs in inner.items()})
            if expr.inner.label in self._by_counts:
                key, source, classes, inner = self._by_counts[expr.inner.label]
                self._by_counts[label] = (key, source, classes, {
                    w: {counts: table[(x,)] for counts, x in at.items() if table.get((x,)) is not None}
                    for w, at in inner.items()})
        elif pairs is not None:
            key = self._by_width[expr.fst.label][0]
            self._by_width[label] = (key, {w: {table[args] for args in at if table.get(args) is not None}
                                           for w, at in pairs.items()})
            if splits is not None:
                classes, met = splits
                self._by_counts[label] = (key, self._by_counts[expr.fst.label][1], classes, {
                    w: {counts: table[args] for counts, args in at.items() if table.get(args) is not None}
                    for w, at in met.items()})

    def _counted_mean(self, expr: rasp.Aggregate, widths: set[int]) -> tuple | None:
        """(select key, source, classes, {w: {counts: mean}}) for a numerical mean of a 0/1 map of one
        line (the source) over a select: the source's values the select can choose (all of them
        unless its keys are the source), split by the map into those giving 1 and those giving 0
        (the classes), and for each width w every split of w positions among the classes with the
        mean it gives. Means of maps of one source over one select count the same positions, so
        where they meet (`_pairs_by_counts`) each position's value falls in one class of every map:
        the shares of three tokens add up to 1. None where the mean is no such line."""
        inner = self.exprs[expr.sop.label]
        if not isinstance(inner, rasp.Map) or expr.sop.label in self.nullable \
                or inner.inner.label in self.nullable or expr.sop.label not in self.tables:
            return None
        source, table = inner.inner.label, self.tables[expr.sop.label]
        chosen = set(self.values[source])
        select = expr.selector
        if isinstance(select, rasp.Select) and select.keys.label == source:
            queries = self.values[select.queries.label]
            if len(chosen) * len(queries) > 10_000 or select.queries.label in self.nullable:
                return None
            chosen = {k for k in chosen if any(self.predicate(select, k, q) for q in queries)}
        ones = frozenset(x for x in chosen if table.get((x,)) == 1)
        classes = tuple(c for c in (ones, frozenset(chosen) - ones) if c)
        if not classes:
            return None
        by_width = {}
        for w in widths:
            splits = list(_compositions(w, len(classes)))
            by_width[w] = {split: (split[0] / w if w and ones else 0) for split in splits}
        return self._select_key(select), source, classes, by_width

    def _pairs_by_counts(self, fst: tuple, snd: tuple) -> tuple[tuple, dict[int, dict[tuple, tuple]]] | None:
        """(classes, {w: {split: pair}}): the classes both lines' classes split the source's values
        into, and width by width every split of w positions among them with the pair of values it
        gives two lines of means over one select of maps of one source (`_counted_mean`); None where
        the splits are more than `MAX_COMPOSITIONS`."""
        (_, _, classes_a, at_a), (_, _, classes_b, at_b) = fst, snd
        classes = tuple(a & b for a in classes_a for b in classes_b if a & b)
        widths = at_a.keys() & at_b.keys()
        if not classes or sum(math.comb(w + len(classes) - 1, len(classes) - 1) for w in widths) > MAX_COMPOSITIONS:
            return None
        of_a = [next(i for i, a in enumerate(classes_a) if c <= a) for c in classes]
        of_b = [next(i for i, b in enumerate(classes_b) if c <= b) for c in classes]
        met_by_width = {}
        for w in widths:
            met = {}
            for split in _compositions(w, len(classes)):
                counts_a, counts_b = [0] * len(classes_a), [0] * len(classes_b)
                for count, i, j in zip(split, of_a, of_b):
                    counts_a[i] += count
                    counts_b[j] += count
                a, b = at_a[w].get(tuple(counts_a)), at_b[w].get(tuple(counts_b))
                if a is not None and b is not None:
                    met[split] = (a, b)
            met_by_width[w] = met
        return classes, met_by_width

    def _pairs_by_width(self, expr) -> tuple[dict[int, list[tuple]], tuple | None] | None:
        """The argument pairs a linear_sequence_map of two lines of means over one select
        (`_means_by_width`) can meet, width by width: the pairs of the values each takes there (its
        one line's values paired with themselves where it reads one line twice), or where both are
        counted (`_pairs_by_counts`) those the splits of the positions give, with the splits (else
        None); None for any other line. `a + 0.5 b` of two means over every position, at length 9,
        met every pair of k/n and j/m, whose values crowd closer than an MLP reading them can
        separate, where the true values, (2 k + j) / 2 n, are at least 1/324 apart (the
        twenty-seventh hand-written set's o13 draft)."""
        if not isinstance(expr, rasp.LinearSequenceMap):
            return None
        fst, snd = self._by_width.get(expr.fst.label), self._by_width.get(expr.snd.label)
        if fst is None or snd is None or fst[0] != snd[0] or fst[1].keys() != snd[1].keys():
            return None
        counted = self._by_counts.get(expr.fst.label), self._by_counts.get(expr.snd.label)
        if None not in counted and counted[0][:2] == counted[1][:2]:
            splits = self._pairs_by_counts(*counted)
            if splits is not None:
                return {w: list(dict.fromkeys(met.values())) for w, met in splits[1].items()}, splits
        if expr.fst.label == expr.snd.label:
            return {w: [(x, x) for x in xs] for w, xs in fst[1].items()}, None
        return {w: list(itertools.product(xs, snd[1][w])) for w, xs in fst[1].items()}, None

    @staticmethod
    def _select_key(select) -> tuple:
        """What makes two selects choose the same positions at every query: the same keys,
        queries and predicate (two `select(tokens, tokens, TRUE)` written inline are one)."""
        return (select.keys.label, select.queries.label, select.predicate) if isinstance(select, rasp.Select) \
            else (select.label,)

    def _aggregate_values(self, expr: rasp.Aggregate) -> set:
        values = self.values[expr.sop.label]
        if rasp.is_categorical(expr):
            return set(values)  # the aggregates pass makes sure values are moved, not mixed
        if not values <= {0, 1}:  # tracr's rule lists v/n alone, and it refuses all but 0/1 (< 2) values
            try:
                return aggregate_values(values, False, self.max_seq_len)  # the mean of any 1..n of them
            except ValueError as error:
                raise CompileError(
                    f"{expr.label}: a numerical Aggregate averages {sorted(values, key=value_sort_key)[:8]}, and "
                    f"compile cannot list the values its mean takes ({error}); average fewer distinct values, or a 0/1 "
                    "indicator per value or threshold (`numerical map(lambda x: x >= 100, ...)`) and combine the "
                    "means with linear_sequence_map, or count with selector_width") from None
        widths = self.select_widths(expr.selector) if values <= {0, 1} else None
        if widths is not None:  # a window: k/w for the w it can choose (`select_widths`)
            return {0} | {k / w for w in widths if w > 0 for k in range(w + 1)}
        return aggregate_values(values, False, self.max_seq_len)  # every k/n, not tracr's {v/n}

    # -- selectors -------------------------------------------------------------------------

    def predicate(self, select: rasp.Select, key, query) -> bool:
        try:
            return bool(select.predicate(key, query))
        except Exception as e:
            raise CompileError(f"{select.label}: predicate raised {type(e).__name__}: {e} on "
                               f"key {key!r}, query {query!r}") from e

    def always_selects(self, select) -> bool:
        """Whether `select` chooses a position at every query of every input, so a categorical
        aggregate by it is never None and a selector width by it never 0. Shown three ways:
        - keys and queries are one S-Op that is never None and the predicate holds between each of
          its values and itself (each query chooses its own position: `select(tokens, tokens, EQ)`);
        - keys and queries depend on the index and the length alone (`index_length_function`), and
          on every input length each query position chooses some position of the input
          (`select(indices, length, lambda k, q: k == q - 1)`, the last token, or the mirror
          `length - indices - 1`);
        - keys depend on the index and the length alone, and on every input length every value
          the queries can take chooses some position (`select(indices, x, lambda k, q: k == 0)`);
        - keys are a count that is 0 at some position of every input (`some_width_is_zero`: the
          tokens larger than one's own) and every value the queries take chooses a key of 0 (the
          largest token, `select(larger, larger, lambda k, q: k == 0)`);
        - every value the queries take chooses whatever the first position's key can be
          (`_first_always_chosen`);
        - the queries are a running count of flagged positions (or a map of it), and the keys a
          flag of it that numbers them (`_numbered_chosen`), or the queries are a line (or a map of it)
          and the keys flag the first position holding each of its values (`_first_of_kind`);
        - the indices fetch by a sort's target over keys one position holds each
          (`_sort_target_chosen`).
        What rasp computes on an input of length n is what a causal net computes at position n - 1
        of any input (it sees the positions up to there, and counts them as the length), so each
        holds causal or not."""
        if not isinstance(select, rasp.Select):
            return False
        keys, queries = select.keys.label, select.queries.label
        if queries in self.nullable:
            return False
        if keys == queries and all(self.predicate(select, v, v) for v in self.values[keys]):
            return True
        if 0 in self.values[keys] and isinstance(self.exprs[keys], rasp.SelectorWidth) \
                and _holds_for_all(select, 0, self.values[queries]) and self.some_width_is_zero(keys):
            return True  # the position no other one's value precedes has key 0
        if self._numbered_chosen(select) or self._first_of_kind(select) or self._sort_target_chosen(select):
            return True
        key_at = self.index_length_function(keys)
        if key_at is None:
            return self._first_always_chosen(select)
        query_at = self.index_length_function(queries)
        lengths = range(1, self.max_seq_len + 1)
        if query_at is not None:
            return all(any(self.predicate(select, key_at[i, n], query_at[p, n]) for i in range(n))
                       for n in lengths for p in range(n))
        values = self.values[queries]
        if all(self.predicate(select, key_at[0, n], q) for n in lengths for q in values):
            return True  # the first position, in every input
        cells = self.cell_values(queries)
        if cells is not None and sum(len(v) * n for (_, n), v in cells.items()) <= 4_000_000:
            # what the queries can take at each (position, length) is fewer values than they take
            # on the whole: `n - 1 if f >= 10 else 0` of a fetched code and the length is only a
            # position of the input at every length (the eighteenth hand-written set's f07)
            return all(any(self.predicate(select, key_at[i, n], q) for i in range(n))
                       for (_, n), taken in cells.items() for q in taken)
        if len(values) * self.max_seq_len ** 2 > 4_000_000:
            return False  # not worth the predicate calls
        return all(any(self.predicate(select, key_at[i, n], q) for i in range(n))
                   for n in lengths for q in values)

    def _numbered_chosen(self, select: rasp.Select) -> bool:
        """Whether `select` fetches by a running count of flagged positions (or a map of it), the
        flag `g(a, n)` of that count that it numbers them by (`flags.numbered_always_chosen`: the
        latest record fetched by its number, `c if beaten == 0 else 0` against the count of
        records, always finds it; so does the one before, by `max(n - 1, 0)`, where position 0
        is never flagged)."""
        query = select.queries
        for part in self.flag_counts(select.keys):
            count = part.count
            if count.selector.queries.label != rasp.indices.label:
                continue
            if query.label == count.label:
                asked = None
            elif isinstance(query, rasp.Map) and query.inner.label == count.label and query.label not in self.nullable:
                asked = lambda n, table=self.tables[query.label]: table.get((n,))  # noqa: E731 - `max(n - 1, 0)`
            else:
                continue
            numbers = self.values[count.label] - self.never.get(count.label, set())  # (a count's values: ints)

            def chooses(a, m, q, part=part) -> bool:
                key = part.flag_value(a, m)
                return key is not None and self.predicate(select, key, q)
            at = self.position_values(part.a.label)
            if numbered_always_chosen(self.values[part.a.label], part.tag, part.counts, chooses, numbers,
                                      self.max_seq_len, None if at is None else at.__getitem__, asked):
                return True
        return False

    def _first_of_kind(self, select: rasp.Select) -> bool:
        """Whether `select` fetches, by a line a or a map of it, the first position holding the
        query's a: its keys a flag `g(a, n)` of a count n of the earlier positions holding a
        (`flags.first_of_kind_chosen`: `c if same_before == 0 else 0` against the code)."""
        query = select.queries
        for part in self.flag_counts(select.keys):
            counted, a_node = part.count.selector, part.a
            if counted.keys.label != counted.queries.label:
                continue
            if query.label == a_node.label:
                asked = lambda a: a  # noqa: E731
            elif isinstance(query, rasp.Map) and query.inner.label == a_node.label:
                asked = self.tables[query.label].get  # (a missing entry: None, chosen by no key)
            else:
                continue
            values = self.values[a_node.label]
            if len(values) ** 2 * self.max_seq_len ** 2 > 4_000_000:
                return False

            def chooses(a, part=part, asked=asked) -> bool:
                key, q = part.flag_value(a, 0), asked(a)
                return key is not None and q is not None and self.predicate(select, key, q)
            if first_of_kind_chosen(values, part.tag, part.counts, chooses, self.max_seq_len):
                return True
        return False

    def _sort_target_chosen(self, select: rasp.Select) -> bool:
        """Whether `select` fetches by the indices the position whose sort target is the query's
        index: the target a count of the keys below one's own by a strict total order, of keys
        no two positions share (`one_position_each`), so the targets of an input of length n are
        0 .. n - 1, one each, and every index finds its position (a sort's fetch `aggregate(select(
        target, indices, EQ), x)` is never None: the thirty-fifth hand-written set's first draft of
        t13, ranked counts read by a numerical map)."""
        target = select.keys
        if select.queries.label != rasp.indices.label or not isinstance(target, rasp.SelectorWidth) or \
                not isinstance(target.selector, rasp.Select):
            return False
        ranked = target.selector
        key = ranked.keys.label
        if ranked.queries.label != key or key in self.nullable or not self.one_position_each(key):
            return False
        values = sorted(self.values[key], key=value_sort_key)
        if len(values) > 400:
            return False  # not worth the predicate calls
        below = _strict_order(ranked, values)
        if below is None or not (below | below.T | np.eye(len(values), dtype=bool)).all():
            return False  # not a strict total order (asymmetry follows from the strict order)
        return all(self.predicate(select, t, q) == (t == q) for t in self.values[target.label]
                   for q in self.values[rasp.indices.label])

    def one_position_each(self, label: str) -> bool:
        """Whether no value of `label` can sit at two positions (`position_values`, disjoint
        position by position), so equal values are one position: a sort key `k if seen == 1 else
        200 + k % 16` of packed `t * 16 + i` gives the index back in both branches, though neither
        branch gives back its arguments (the thirty-fifth hand-written set's first drafts of t12
        and t13)."""
        at = self.position_values(label)
        if at is None:
            return False
        seen: set = set()
        for values in at:
            keys = {table_key(v) for v in values}
            if None in values or keys & seen:
                return False
            seen |= keys
        return True

    def flag_counts(self, flag: rasp.SOp) -> list[FlagCount]:
        """The ways `flag` is a flag `g(a, n)` of a line a, never None, and a running count n of
        positions by their a (`compiler.compiling.flags`): n a `selector_width` of a select whose
        keys hold `tag(a, i)` at position i holding a, the keys a itself (`i if start else 99`,
        against the indices) or a sequence_map of a and the indices (`i if h == 0 else 99` of a
        count h), by its table (None where it has no entry). The fetches that read such flags
        (`aggregates`, `always_selects`) add what they need of the count's queries."""
        if not isinstance(flag, rasp.SequenceMap):
            return []
        found = []
        for count_at, count in enumerate(flag.children):
            a_node = flag.children[1 - count_at]
            if not isinstance(count, rasp.SelectorWidth) or not isinstance(count.selector, rasp.Select) or \
                    a_node.label in self.nullable:
                continue
            tag = self._count_tag(count.selector.keys, a_node)
            if tag is not None:
                flags = self.tables[flag.label]
                found.append(FlagCount(
                    a_node, count, count_at, tag,
                    lambda a, n, flags=flags, at=count_at: flags.get((n, a) if at == 0 else (a, n)),
                    lambda key, query, counted=count.selector: (key is not None and query is not None
                                                                and self.predicate(counted, key, query))))
        return found

    def _count_tag(self, tag: rasp.SOp, a_node: rasp.SOp):
        """`tag(a, i)` of `flag_counts`, or None where the keys are neither a nor a sequence_map of a
        and the indices."""
        if tag.label == a_node.label:
            return lambda a, i: a
        if not isinstance(tag, rasp.SequenceMap) or \
                sorted(c.label for c in tag.children) != sorted([a_node.label, rasp.indices.label]):
            return None
        tags, index_at = self.tables[tag.label], [c.label for c in tag.children].index(rasp.indices.label)
        return lambda a, i: tags.get((i, a) if index_at == 0 else (a, i))

    def _first_always_chosen(self, select: rasp.Select) -> bool:
        """Whether every value the queries take chooses every value the keys can hold at the first
        position (`cell_values`; every position sees it, causal or not): a running count of the
        positions flagged `i if start or i == 0 else 99` is never 0 (the thirty-fifth hand-written
        set's run numbers)."""
        keys, queries = select.keys.label, select.queries.label
        if keys in self.nullable:
            return False
        cells = self.cell_values(keys)
        if cells is None:
            return False
        first = [cells.get((0, n)) for n in range(1, self.max_seq_len + 1)]
        if not all(first) or sum(map(len, first)) * len(self.values[queries]) > 1_000_000:
            return False
        return all(self.predicate(select, key, q) for held in first for key in held for q in self.values[queries])

    def taken(self, label: str) -> list:
        """The values of `label` but those shown never taken (`never`: a count that is never 0)."""
        never = {table_key(v) for v in self.never.get(label, ())}
        return [v for v in self.values[label] if table_key(v) not in never]

    def some_width_is_zero(self, label: str) -> bool:
        """Whether `label` is a `selector_width` that is 0 at some position of every input: its
        select compares one S-Op, never None, with itself by a strict order (a predicate
        irreflexive and transitive on the S-Op's values, as GT), so the position whose value no
        other's precedes counts nothing."""
        expr = self.exprs[label]
        if not isinstance(expr, rasp.SelectorWidth) or not isinstance(expr.selector, rasp.Select):
            return False
        select = expr.selector
        compared = select.keys.label
        values = sorted(self.values[compared], key=repr)
        if select.queries.label != compared or compared in self.nullable or len(values) > 60:
            return False
        return _strict_order(select, values) is not None

    def cell_values(self, label: str, limit: int = MAX_VALUE_SET) -> dict[tuple[int, int], set] | None:
        """A superset of the values the S-Op can take at position p of an input of length n, for
        each (p, n), p < n: its one value where it depends on the index and the length alone
        (`index_length_function`), a map's or sequence_map's table applied to its inputs' values
        at the same (p, n), a selector width between the positions surely and possibly chosen
        there (`_width_cells`), else every value it takes (`values`). None where it may be None, or
        where working it out would enumerate more than `limit` combinations.
        `sequence_map(lambda f, n: n - 1 if f >= 10 else 0, first, length)` takes at length n
        only 0 and n - 1, whatever `first` is."""
        if label in self._cell_values:
            return self._cell_values[label]
        expr, found = self.exprs[label], None
        pairs = [(p, n) for n in range(1, self.max_seq_len + 1) for p in range(n)]
        if label in self.nullable or len(pairs) > 50_000:  # max_seq_len over 315: not worth enumerating
            found = None
        elif (at := self.index_length_function(label)) is not None:
            found = {pair: {at[pair]} for pair in pairs}
        elif isinstance(expr, (rasp.Map, rasp.SequenceMap)):
            columns = [self.cell_values(c.label, limit) for c in expr.children]
            table = self.tables[label]
            if all(c is not None for c in columns) and sum(math.prod(len(c[pair]) for c in columns)
                                                             for pair in pairs) <= limit:
                # two counts of positions no (key, query) pair puts in both add up to at most the length
                apart = isinstance(expr, rasp.SequenceMap) and self._counts_apart(*expr.children)
                found = {}
                for pair in pairs:
                    # an argument the table lacks raises ArithmeticError, which rasp never meets
                    found[pair] = {table[args] for args in function_arguments([c[pair] for c in columns])
                                   if args in table and not (apart and args[0] + args[1] > pair[1])}
        elif isinstance(expr, rasp.SelectorWidth) and isinstance(expr.selector, rasp.Select):
            found = self._width_cells(label, expr.selector, pairs, limit)
        else:
            found = dict.fromkeys(pairs, self.values[label])
        self._cell_values[label] = found
        return found

    def _counts_apart(self, fst: rasp.SOp, snd: rasp.SOp, limit: int = 100_000) -> bool:
        """Whether `fst` and `snd` are selector widths of selects over the same keys and queries that
        never both choose a (key, query) pair, so no position is counted by both and their sum is at
        most the length: `before + size`, the positions of earlier groups and of one's own
        (`LT` and `EQ` over group numbers), is at most n, so the last digit of one's group,
        `before + size - 1`, is a position of the input (the thirty-sixth hand-written set's v21,
        read without its writer's clamp to `length - 1`)."""
        if not all(isinstance(w, rasp.SelectorWidth) and isinstance(w.selector, rasp.Select) for w in (fst, snd)):
            return False
        a, b = fst.selector, snd.selector
        if any(sop.label in self.nullable for sop in (a.keys, a.queries, b.keys, b.queries)):
            return False
        # the two selects' keys as functions of one set of lines, and so their queries: the same
        # line, or two lines of the same arguments (`g * 2 + b` and a table of (g, b) relabelling
        # it, the two spellings a reading may give one key), compared argument by argument
        keys, queries = self._over_same_arguments(a.keys, b.keys), self._over_same_arguments(a.queries, b.queries)
        if keys is None or queries is None or len(keys) * len(queries) > limit:
            return False
        try:
            return not any(self.predicate(a, ka, qa) and self.predicate(b, kb, qb)
                           for ka, kb in keys for qa, qb in queries)
        except Exception:  # noqa: BLE001 - a predicate the program's check refuses: not shown here
            return False

    def _over_same_arguments(self, fst: rasp.SOp, snd: rasp.SOp) -> list[tuple] | None:
        """(fst's value, snd's value) for each value of their arguments, where the two are one line
        (its every value, twice) or maps or sequence_maps of the same lines (each argument tuple
        both tables give a value); None otherwise."""
        if fst.label == snd.label:
            return [(v, v) for v in self.values[fst.label]]
        if not all(isinstance(x, (rasp.Map, rasp.SequenceMap)) and x.label in self.tables for x in (fst, snd)):
            return None
        if [c.label for c in fst.children] != [c.label for c in snd.children]:
            return None
        one, other = self.tables[fst.label], self.tables[snd.label]
        # an argument tuple one table lacks (its function raises there) or gives None on is one no
        # input reaches: neither line is nullable, and a raise is refused or shown unreached elsewhere
        return [(v, other[args]) for args, v in one.items()
                if v is not None and other.get(args) is not None]

    def _width_cells(self, label: str, select: rasp.Select, pairs: list[tuple[int, int]],
                     limit: int) -> dict[tuple[int, int], set]:
        """A selector width's values at each (p, n): between the positions j whose every possible
        key the query's every possible value there chooses, and those some possible pair chooses
        (by `cell_values` of keys and queries): a count of the earlier positions is 0 at position 0
        (`select(packed, packed, lambda k, q: k % 16 < q % 16 and ...)`, the thirty-fifth
        hand-written set's records, of which the first position is always one); a select of one
        S-Op against itself compares a position's own value with itself (`EQ` counts it, so the
        count is at least 1). Every value where the cells are not known or too many."""
        values = self.values[label]
        keys, queries = self.cell_values(select.keys.label, limit), self.cell_values(select.queries.label, limit)
        if keys is None or queries is None or \
                sum(len(queries[p, n]) * sum(len(keys[j, n]) for j in range(n)) for p, n in pairs) > limit:
            return dict.fromkeys(pairs, values)

        def chooses(key, query) -> bool | None:
            try:
                return bool(select.predicate(key, query))
            except Exception:  # noqa: BLE001 - refused where the select is checked; here: may choose
                return None
        same = select.keys.label == select.queries.label  # at its own position a query meets its own value
        found = {}
        for p, n in pairs:
            least = most = 0
            for j in range(n):
                chosen = ({chooses(value, value) for value in keys[j, n]} if same and j == p else
                          {chooses(key, query) for key in keys[j, n] for query in queries[p, n]})
                most += bool(chosen - {False})
                least += chosen == {True}
            found[p, n] = {v for v in values if least <= v <= most}
        return found

    def index_length_function(self, label: str, limit: int = 2_000_000) -> dict[tuple[int, int], Any] | None:
        """The S-Op's value at each (position p, input length n), p < n, where it depends on these
        alone, else None: the indices, a selector width whose keys and queries do (`length`, the
        width of `select(tokens, tokens, TRUE)`, is n), and maps and sequence_maps of these. None
        too where working it out would call a predicate more than `limit` times, or a table lacks
        an argument (its function raises there) or gives None."""
        if label in self._index_length:
            return self._index_length[label]
        expr, found = self.exprs[label], None
        pairs = [(p, n) for n in range(1, self.max_seq_len + 1) for p in range(n)]
        if len(pairs) > 50_000:  # max_seq_len over 315: not worth enumerating
            self._index_length[label] = None
            return None
        if isinstance(expr, rasp.IndicesType):
            found = {(p, n): p for p, n in pairs}
        elif isinstance(expr, rasp.SelectorWidth) and isinstance(expr.selector, rasp.Select):
            select = expr.selector
            keys, queries = select.keys.label, select.queries.label
            if keys not in self.nullable and queries not in self.nullable:
                if self._selects_all(select):
                    found = {(p, n): n for p, n in pairs}
                elif self.max_seq_len ** 3 <= 6 * limit:
                    key_at, query_at = self.index_length_function(keys), self.index_length_function(queries)
                    if key_at is not None and query_at is not None:
                        found = {(p, n): sum(bool(self.predicate(select, key_at[i, n], query_at[p, n]))
                                             for i in range(n)) for p, n in pairs}
        elif isinstance(expr, (rasp.Map, rasp.SequenceMap)):
            children = expr.children
            columns = [self.index_length_function(c.label, limit) for c in children]
            table = self.tables[label]
            if all(c is not None for c in columns):
                rows = {pair: tuple(c[pair] for c in columns) for pair in pairs}
                if all(table.get(row) is not None for row in rows.values()):
                    found = {pair: table[row] for pair, row in rows.items()}
        self._index_length[label] = found
        return found

    def select_widths(self, select, limit: int = 2_000_000) -> set[int] | None:
        """How many positions `select` can choose at a query, where its keys and queries depend on
        the index and the length alone (`index_length_function`): the widths at every (position,
        length); None where they do not, or working it out would call the predicate more than
        `limit` times. A mean by `select(indices, indices, lambda k, q: q - 2 <= k and k <= q)`
        averages 1 to 3 values, so it takes k/1, k/2 and k/3 only, not every k/n up to
        max_seq_len (the twenty-seventh hand-written set's o04 draft: a sum of four such means was
        refused at length 10 for its 744 x 621 combinations)."""
        if not isinstance(select, rasp.Select) or self.max_seq_len ** 3 > 6 * limit:
            return None
        keys, queries = select.keys.label, select.queries.label
        if keys in self.nullable or queries in self.nullable:
            return None
        key_at, query_at = self.index_length_function(keys), self.index_length_function(queries)
        if key_at is None or query_at is None:
            return None
        return {sum(bool(self.predicate(select, key_at[i, n], query_at[p, n])) for i in range(n))
                for n in range(1, self.max_seq_len + 1) for p in range(n)}

    def _selects_all(self, select: rasp.Select) -> bool:
        """Whether the predicate holds for every key and query value (`length`'s TRUE)."""
        if select.predicate is rasp.Comparison.TRUE:
            return True
        keys, queries = self.values[select.keys.label], self.values[select.queries.label]
        if len(keys) * len(queries) > 10_000:
            return False
        return all(self.predicate(select, k, q) for k in keys for q in queries)

    def selectors(self):
        """(op label, its Select) for every Aggregate and SelectorWidth."""
        for label in self.order:
            expr = self.exprs[label]
            if isinstance(expr, (rasp.Aggregate, rasp.SelectorWidth)):
                yield label, expr.selector

    def selects_at_most_one(self, select: rasp.Select, keys: Iterable) -> bool:
        """Whether every query value selects at most one of `keys`."""
        keys = list(keys)
        return all(sum(self.predicate(select, k, q) for k in keys) <= 1
                   for q in self.values[select.queries.label])

    def _unreached(self, expr, args: tuple) -> bool:
        """Whether no position of any input gives the Map's or SequenceMap's inputs the values
        `args` (so rasp never calls its function on them), as far as `_at_cells` shows: an
        argument its input takes at no cell, or a pair its two inputs take at no cell together;
        or, where the inputs depend on the index and the length alone (`index_length_function`),
        values they take at no (position, length) together (`n - 1 - i` is never negative)."""
        children = tuple(child.label for child in expr.children)
        if children not in self._reached:
            columns = [self._at_cells(child) for child in children]
            at = [self.index_length_function(child) for child in children]
            self._reached[children] = (
                [None if column is None else set(column) for column in columns],
                set(zip(*columns)) if all(column is not None for column in columns) else None,
                {tuple(a[pair] for a in at) for pair in at[0]} if all(a is not None for a in at) else None)
        alone, together, by_length = self._reached[children]
        if any(taken is not None and arg not in taken for arg, taken in zip(args, alone)):
            return True
        return (together is not None and args not in together) or (by_length is not None and args not in by_length)

    def _witness(self, expr, args: tuple) -> list | None:
        """An input on which rasp calls the function of `expr` on `args`, where its inputs are
        functions of the token and index at a position (`_at_cells`) and take `args` together at
        some cell: that token at that index (after copies of it), else None."""
        children = expr.children
        columns = [self._at_cells(child.label) for child in children]
        if any(column is None for column in columns):
            return None
        for (token, index), taken in zip(self._cells, zip(*columns)):
            if taken == args:
                return [token] * (index + 1)
        return None

    @functools.cached_property
    def _cells(self) -> list[tuple]:
        """Every (token, index) an input can hold at a position, in one order (made when a
        function raises: most programs never need them)."""
        return [(token, index) for index in range(self.max_seq_len)
                for token in sorted(self._vocab, key=value_sort_key)]

    def _at_cells(self, label: str, limit: int = 50_000) -> list | None:
        """The S-Op's value at each cell (a token at an index: `_cells`, every one of which some
        input holds) where it is a function of these alone: tokens, indices, and maps and
        sequence_maps of these (None where rasp passes a None on). None otherwise, where there
        are more than `limit` cells, or where its table lacks an argument a cell gives (the function
        raises there: what it takes is not known)."""
        if label in self._columns:
            return self._columns[label]
        expr, found = self.exprs[label], None
        if len(self._cells) > limit:
            pass
        elif isinstance(expr, rasp.TokensType):
            found = [token for token, _ in self._cells]
        elif isinstance(expr, rasp.IndicesType):
            found = [index for _, index in self._cells]
        elif isinstance(expr, (rasp.Map, rasp.SequenceMap)) and label in self.tables:
            children = expr.children
            columns = [self._at_cells(child.label, limit) for child in children]
            if all(column is not None for column in columns):
                table, found = self.tables[label], []
                for args in zip(*columns):
                    if None in args:  # rasp does not call the function on None: the None passes on
                        found.append(None)
                    elif args in table:
                        found.append(table[args])
                    else:
                        found = None
                        break
        self._columns[label] = found
        return found

    def position_values(self, label: str, limit: int = MAX_VALUE_SET) -> list[set] | None:
        """A superset of the values the SOp can take at each position (0..max_seq_len-1), or None
        when working it out would enumerate more than `limit` combinations. Tokens may be any
        token anywhere and an index is its position; a map or sequence_map applies its table to
        its inputs' values at the same position; an aggregate or a selector width may take any
        of its values. `sequence_map(lambda t, i: 8 * t + i, tokens, indices)` takes at position
        p only the values 8 * t + p."""
        if label in self._position_values:
            return self._position_values[label]
        expr, n = self.exprs[label], self.max_seq_len
        found: list[set] | None
        if isinstance(expr, rasp.IndicesType):
            found = [{p} for p in range(n)]
        elif isinstance(expr, (rasp.Map, rasp.SequenceMap)):
            children = expr.children
            columns = [self.position_values(c.label, limit) for c in children]
            table = self.tables[label]
            found = None
            if all(c is not None for c in columns) and sum(math.prod(len(c[p]) for c in columns)
                                                             for p in range(n)) <= limit:
                found = []
                for p in range(n):
                    # an argument the table lacks raises ArithmeticError, which rasp never meets
                    results = {table[args] for args in function_arguments([c[p] for c in columns]) if args in table}
                    if None in results:  # rasp's None is compared by no table: not shown
                        found = None
                        break
                    found.append(results)
        else:
            found = [self.values[label]] * n
        self._position_values[label] = found
        return found

    def index_function(self, label: str) -> list | None:
        """The SOp's value at each index if it depends on indices alone, else None."""
        expr = self.exprs[label]
        if isinstance(expr, rasp.IndicesType):
            return list(range(self.max_seq_len))
        if isinstance(expr, (rasp.Map, rasp.SequenceMap)):
            children = expr.children
            columns = [self.index_function(c.label) for c in children]
            if any(c is None for c in columns):
                return None
            table = self.tables[label]
            rows = list(zip(*columns))
            if not all(row in table and table[row] is not None for row in rows):
                return None
            return [table[row] for row in rows]
        return None


def _gaps_filled(table: dict[tuple, Any], numbers: bool) -> dict[tuple, Any]:
    """`table` with each None entry given another entry's value: with `numbers` (a map of a
    numerical line), the nearest argument's (`nearest_values`: a step between values close together
    would be refused as too sharp for no input's sake); else the first one's."""
    given = {args: v for args, v in table.items() if v is not None}
    first = next(iter(given.values()))
    if not numbers:
        return {args: first if v is None else v for args, v in table.items()}
    filled = nearest_values({args[0]: v for args, v in given.items()},
                            [args[0] for args, v in table.items() if v is None], first)
    return {args: filled[args[0]] if v is None else v for args, v in table.items()}


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to split `total` into `parts` counts of at least 0, in order."""
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def _joint(pairs: dict[int, list[tuple]] | None) -> list[tuple] | None:
    """`Facts._pairs_by_width`'s pairs of every width, in one order (None for None)."""
    if pairs is None:
        return None
    return sorted(set().union(*pairs.values()), key=lambda pair: tuple(map(value_sort_key, pair)))


def is_number(value) -> bool:
    return isinstance(value, (bool, int, float)) and math.isfinite(value)


def _strict_order(select: rasp.Select, values: list) -> np.ndarray | None:
    """`select`'s predicate over `values` x `values` (holds[a][b]: a before b) where it is a strict
    order on them (irreflexive and transitive), else None (or where it raises: a predicate undefined
    on some pair is refused where the select is checked, not here)."""
    try:
        holds = np.array([[bool(select.predicate(a, b)) for b in values] for a in values], dtype=bool)
    except Exception:  # noqa: BLE001 - whatever it raises, the order is not shown
        return None
    through = (holds.astype(np.int64) @ holds.astype(np.int64)) > 0  # a before b before c
    return None if holds.diagonal().any() or (through & ~holds).any() else holds


def _holds_for_all(select: rasp.Select, key: Any, queries: Iterable) -> bool:
    """Whether `select`'s predicate holds for `key` and every one of `queries` (False where it
    raises: a predicate undefined there is refused where the select is checked)."""
    try:
        return all(bool(select.predicate(key, q)) for q in queries)
    except Exception:  # noqa: BLE001 - whatever it raises, it is not shown to hold
        return False


def show_args(args: tuple) -> str:
    return repr(args[0]) if len(args) == 1 else repr(args)
