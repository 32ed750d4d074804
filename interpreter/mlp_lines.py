"""How the search explains an MLP block: map, sequence_map and linear_sequence_map lines (library
functions, fitted factors, or tables read off the net: the rows' values, and a sequence_map's pairs
no row shows from the block's weights, `interpreter.additive`) that cover its neuron groups; and the
search state that every step extends (`Line`, `State`). A library line must also agree with the
block's weights where no row looked (`MlpLines._agrees_unseen`), and the output's line must be able
to give every value the block can write (`MlpLines._writes_every_output`).

A part of `interpreter.search.LineSearch`: it uses the search's trace, library, value sets,
cache, deadline and counters.
"""

from __future__ import annotations

import dataclasses
import fractions
import itertools
import math
import time
from typing import Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from tracr.rasp import rasp

import compiler
from compiler.compiling.check import ATOL, RTOL
from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.literals import table_key
from compiler.language.parser import parse_lambda
from compiler.nets.weights import Weights
from interpreter.additive import FIT_TOLERANCE, MAX_PAIRS, nearest, unseen_pairs
from interpreter.lines import (
    WEIGHTED_SUMS,
    Invalid,
    Var,
    call,
    collinear_with,
    covered_groups,
    is_mean_sum,
    is_rounding,
    known_values,
    make_var,
    object_array,
    pair_codes,
    row_mapping,
    table_of,
    value_codes,
)
from interpreter.piecewise import piecewise_functions
from interpreter.trace import (
    OUTPUT_TOLERANCE,
    WRITE_TOLERANCE,
    Group,
    Head,
    determines,
    mlp_pre,
    mlp_read_weights,
    mlp_reads,
    mlp_write_weights,
    partition,
    readable,
    row_classes,
    same_partition,
)

#: The weighted sums as parsed lambdas (`lines.WEIGHTED_SUMS`), to tell them in the library.
_WEIGHTED_SUMS = frozenset(parse_lambda(text) for text in WEIGHTED_SUMS)


@dataclasses.dataclass(frozen=True)
class Line:
    var: Var
    component: str
    source: str


@dataclasses.dataclass(frozen=True)
class State:
    vars: tuple[Var, ...]
    lines: tuple[Line, ...]
    pending: tuple[tuple[Var, Head, str], ...] = ()  # selector widths whose MLP part is next

    def add(self, line: Line) -> "State":
        return dataclasses.replace(self, vars=self.vars + (line.var,), lines=self.lines + (line,))

    def replace(self, old: Var, new: Var) -> "State":
        """The state with the line of `old` computing `new` instead (a relabelling of it)."""
        return dataclasses.replace(self, vars=tuple(new if v is old else v for v in self.vars),
                                   lines=tuple(dataclasses.replace(line, var=new, source="relabelled")
                                               if line.var is old else line for line in self.lines))

    def used(self, node: nodes.Node) -> bool:
        """Whether some line reads `node`."""
        return any(node is child or getattr(child, "keys", None) is node or getattr(child, "queries", None) is node
                   for line in self.lines for child in line.var.node.children)


def _all_numbers(values) -> bool:
    """Whether every value is an int or a float (a bool is a label, not a number)."""
    return all(map(_plain_number, values))


def _plain_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _finer_numerical(groups: list[Group], covered: list[int], per_value: np.ndarray, dom_codes: np.ndarray,
                     index: np.ndarray) -> bool:
    """Whether a line whose values the one direction of a numerical group writes is that group's
    line although it has more classes: the write's partition merges values closer than its
    tolerance (the fractions of a mean over prefixes of 14 come 0.002 apart), so a numerical
    line is matched by its values instead, each row's write their multiple within
    `WRITE_TOLERANCE`."""
    if len(covered) != 1 or not groups[covered[0]].collinear:
        return False
    if not _all_numbers(per_value.tolist()):
        return False
    return collinear_with(groups[covered[0]].writes, per_value[index], dom_codes[index], tolerance=WRITE_TOLERANCE)


def _split_numerical(group: Group, per_value: np.ndarray, dom_codes: np.ndarray, group_dom: np.ndarray,
                     reps: np.ndarray) -> bool:
    """Whether a numerical group writes a line's values although it parts the domain elements
    (`group_dom`, its classes there; `reps`, a row of each) of one value: its classes are its
    writes on a grid of `WRITE_TOLERANCE`, and a value whose write the net's float error puts
    either side of a grid line falls in two (the twenty-sixth hand-written set's n18: a damage
    summed from two numerical maps, 6 of 487 values split): its classes finer than the values, a
    few more of them, and each domain element's write its value's multiple of the one direction
    (the group is one class on each, so its rows write the same)."""
    if not group.collinear:
        return False
    values, classes = int(dom_codes.max(initial=-1)) + 1, int(group_dom.max(initial=-1)) + 1
    if not values < classes <= 1.05 * values + 2 or not determines(group_dom, dom_codes):
        return False  # not a few values each parted into classes of its own: another line
    if not _all_numbers(per_value.tolist()):
        return False
    return collinear_with(group.writes[reps], per_value, tolerance=WRITE_TOLERANCE)


def _merged_width(var: Var, group_codes: list[np.ndarray], max_seq_len: int) -> tuple | None:
    """(groups, the width, the width merged) where the MLP of a selector width writes fewer
    classes than the width takes: it reads two widths as one. tracr's selector-width MLP tells
    1/(w + 1) from 1/(w + 2) by a slope of `mlp_exactness`, which at its default of 100 is too
    shallow for widths near 10 (a length of 10 read as 9). The net then computes the width
    merged, written here as a table on the width that sends each merged class to its smallest
    value (the one the MLP's output stands for when the larger width falls short of its step)."""
    mine = [i for i, g in enumerate(group_codes) if determines(var.codes, g)]
    if not mine:
        return None
    joint = partition(np.stack([group_codes[i] for i in mine], axis=1))
    if not determines(var.codes, joint) or len(np.unique(joint)) < 2:
        return None
    widths = np.array([int(v) for v in var.values])
    smallest = np.full(int(joint.max()) + 1, max_seq_len + 1)
    np.minimum.at(smallest, joint, widths)
    table = {(w,): w for w in range(max_seq_len + 1)}
    table.update({(int(w),): int(smallest[c]) for w, c in zip(widths, joint)})
    try:
        node = nodes.make_map(table_of(1, table), var.node)
    except compiler.SourceError:
        return None
    return mine, var, make_var(node, object_array(smallest[joint].tolist()), var.sublayer, joint)


#: Most entries (rows times hidden neurons, float64) of one layer's pre-activations kept for
#: reading blocks off their weights (`MlpLines._pre`): 5M, 40 MB.
PRE_CACHE_ENTRIES = 5_000_000
#: Rows of each value of a numerical var on which a block's reading of it is fitted and checked
#: (`MlpLines._read_unseen_numbers`).
ROWS_PER_NUMBER = 8
#: Most new values a table line is given for writes no traced class makes beyond twice the values
#: the rows show (`MlpLines._fresh_labels`). 64 left the twenty-eighth set's p19 (a code packing
#: three counts, 181 values shown and 2,013 pairs no row holds, each tracr's own neuron) with
#: holes no search filled in 30 s; with 4,096 it verifies, and the twenty-second's j03 (2,562 new
#: values beside 75, once too many to certify) verifies at 30 s in 23 s rather than 30.
MAX_FRESH = 4096
#: Most entries (rows times neurons) of the pre-activations computed at once when looking for a
#: block's dead neurons that read a line's arguments (`MlpLines._dead_readers`).
DEAD_READER_ENTRIES = 2_000_000


class MlpLines:
    """The MLP steps of `LineSearch`, and whether values are the net's outputs."""

    def mlp_options(self, layer: int, state: State) -> list[State]:
        groups = [g for g in self.trace.groups if g.layer == layer]
        sublayer = 2 * layer + 2
        group_codes = [g.codes for g in groups]
        uncovered = set(range(len(groups)))
        pending, state = state.pending, dataclasses.replace(state, pending=())
        for var, head, source in pending:
            covered = covered_groups(var.codes, group_codes) if groups else None
            merged = None
            if covered is None:
                merged = _merged_width(var, group_codes, self.trace.net.config.max_seq_len) if groups else None
                if merged is None:
                    self.why = f"it does not write {head.name}'s selector width, nor that width merged with a line"
                    return []
                covered, raw, var = merged
                state = state.add(Line(dataclasses.replace(raw, readers=frozenset()), head.name, source))
            uncovered -= set(covered)
            var = dataclasses.replace(var, readers=_readers(groups, covered))
            if merged is None and not (len(covered) == 1 and groups[covered[0]].collinear):
                # the widths no row shows, read off the block: the lines reading it read them too
                var.writes, var.fresh = self._width_fresh(var, [groups[i] for i in covered])
            if merged is not None:
                state = state.add(Line(var, f"layer {layer} MLP ({head.name}'s width, merged)", "table"))
                continue
            if (len(covered) == 1 and groups[covered[0]].collinear and len(var.distinct) > 2
                    and collinear_with(groups[covered[0]].writes, var.values, var.codes)):
                # its MLP writes one direction in proportion to the width: a numerical selector_width
                # (`length` is the categorical width of the all-true select: its numerical twin is spelled out)
                selector = var.node.selector if isinstance(var.node, nodes.SelectorWidth) else \
                    nodes.make_select(nodes.TOKENS, nodes.TOKENS, rasp.Comparison.TRUE)
                var = dataclasses.replace(var, node=nodes.make_selector_width(selector, encoding=nodes.NUMERICAL))
            state = state.add(Line(var, f"{head.name} + layer {layer} MLP", source))
        options = self._cover(state, groups, uncovered, sublayer, first=True)
        if not options:
            self.why = ("what it writes is no map or sequence_map of the vars read before it (in the library "
                        "or as a table)")
        return options

    def _cover(self, state: State, groups: list[Group], uncovered: set, sublayer: int,
               first: bool) -> list[State]:
        if not uncovered:
            return [state]
        if time.monotonic() > self.deadline:
            return []
        before = [v for v in state.vars if v.sublayer < sublayer and v.read_by(("mlp", groups[0].layer))]
        # a line computed again is the earlier line, but one block may write one function twice:
        # tracr keeps two S-Ops of one function apart (`lib.detect_pattern(tokens, [-1, -1])`
        # builds `tokens == -1` twice, one read by a shift's head, one by the final MLP)
        existing = {_signature(v.node) for v in state.vars if v.sublayer != sublayer}
        options = [option for option in self._mlp_candidates(before, groups, uncovered, sublayer)
                   if _signature(option[0].node) not in existing]
        taken = options[:self.branching if first else 1]
        if first and len(taken) > 1 and all(option[3] != "table" for option in taken):
            # a table reads any block, and a library line fitting the rows may still be the wrong
            # one past them (an identity map of a mean's values: a categorical line of every mean,
            # which no block of the net's size reads): one branch keeps the table's reading
            table = next((option for option in options[len(taken):] if option[3] == "table"), None)
            if table is not None:
                taken = taken[:-1] + [table]
        results = []
        for var, covered, component, source in taken:
            rest = self._cover(state.add(Line(var, component, source)), groups, uncovered - set(covered),
                               sublayer, first=False)
            results += rest[:1]
        return results

    def _mlp_candidates(self, before: list[Var], groups: list[Group], uncovered: set,
                        sublayer: int) -> list[tuple]:
        """Lines covering some uncovered groups, best first: (var, groups, component, source)."""
        found: list[tuple] = []
        layer = groups[0].layer
        writers = {g.index for g in groups if ("group", g.layer, g.index) in self.trace.output_writers}
        determined = {id(v): self._determined(v.codes, ("var", id(v)), groups) for v in before}
        parts = self._line_parts(groups)

        def consider(node_maker, index: np.ndarray, reps: np.ndarray, table: list, det: list[int],
                     source: str, rank: tuple, inputs: tuple = ()) -> None:
            """A line whose value on each domain element (a var's values or a pair's) is `table`;
            checked on the domain, then spread over the rows."""
            self.tried += 1
            per_value = object_array(table)
            dom_codes = value_codes(per_value)
            group_dom = {i: groups[i].codes[reps] for i in det}
            determined_here = [i for i in det if determines(dom_codes, group_dom[i])
                               or _split_numerical(groups[i], per_value, dom_codes, group_dom[i], reps)]
            for covered, coherent in _claims(determined_here, groups, parts):
                if set(covered) & uncovered:
                    joint = partition(np.stack([group_dom[i] for i in covered], axis=1))
                    if same_partition(joint, dom_codes) or _finer_numerical(groups, covered, per_value, dom_codes,
                                                                            index):
                        claim(node_maker, per_value, dom_codes, index, covered, coherent, source, rank, inputs)

        def claim(node_maker, per_value: np.ndarray, dom_codes: np.ndarray, index: np.ndarray, covered: list[int],
                  coherent: bool, source: str, rank: tuple, inputs: tuple) -> None:
            values, codes = per_value[index], dom_codes[index]
            writes_output = any(groups[i].index in writers for i in covered)
            if writes_output and not self.is_output(values):
                # the right partition of the outputs under other labels: a condition's branches
                # (or a comparison's True and False) take the outputs' labels, `"front" if x > 0 ...`
                relabel = self._output_labels(values)
                try:
                    made = node_maker(nodes.CATEGORICAL) if relabel is not None else None
                except compiler.SourceError:
                    return
                function = _relabelled_leaves(made.function, relabel) if isinstance(made, nodes.Map) else None
                if function is None:
                    return
                inner = made.inner
                node_maker = lambda enc, f=function, v=inner: nodes.make_map(f, v, encoding=enc)  # noqa: E731
                if any(v is not None and label_key(v) not in relabel for v in per_value.tolist()):
                    return
                per_value = object_array([None if v is None else relabel[label_key(v)] for v in per_value.tolist()])
                values = per_value[index]
            numerical = (len(covered) == 1 and groups[covered[0]].collinear
                         and collinear_with(groups[covered[0]].writes, values, codes)
                         and len(set(dom_codes.tolist())) > 2 - (0 in per_value.tolist()))
            if not numerical and _conflated(per_value.tolist()):
                return  # two of its classes would be one value to the program
            try:
                node = node_maker(nodes.NUMERICAL if numerical else nodes.CATEGORICAL)
                if isinstance(node, nodes.LinearSequenceMap) and not numerical and not writes_output:
                    # numerical by its kind, so its values must be its write's coordinates: the
                    # weights of a sum of bits decide which bit is which (twelfth hand-written set
                    # z17's `low + 4 * m2` was read as `m2 + 2 * low`, which packs the same pairs)
                    return
            except compiler.SourceError:
                try:
                    node = node_maker(nodes.CATEGORICAL)
                except compiler.SourceError:
                    return
            if node.encoding == nodes.NUMERICAL and any(r[0] == "head" for r in _readers(groups, covered)) \
                    and not gives_flags(self.value_sets, node):
                return  # a head averages it, and compile averages 0/1 values only: a guess past the rows
            if self.fitted_functions is not None and isinstance(getattr(node, "function", None), fn.Lambda) \
                    and inputs and not any(v.numerical for v in inputs):
                # a lambda is fitted to the argument values the rows show like a table: past them
                # it is a guess (`x == 3` fits counts of 0-3 as well as `x >= 3`), which the
                # certificate checks (`register_fitted`); the block's weights read, where they can
                args = inputs[0].distinct if len(inputs) == 1 else self._pair(*inputs)[1]
                register_fitted(self.fitted_functions, lambda: node, args, self._source_of)
            agreed = self._agrees_unseen(node, inputs, [groups[i] for i in covered], values, writes_output,
                                         per_value[np.unique(index)].tolist())
            if agreed is None:
                return  # the block's weights give another value where no row looked
            component = f"layer {layer} MLP (neuron groups {_runs(groups[i].index for i in covered)})"
            # one direction written is a numerical line; several, a categorical one
            one_direction = len(covered) == 1 and groups[covered[0]].collinear
            mismatch = one_direction != (node.encoding == nodes.NUMERICAL) and not writes_output
            found.append(((not coherent, _splits(covered, uncovered, groups, parts), mismatch,
                           -len(set(covered) & uncovered), -writes_output, False) + rank,
                          _with_fresh(make_var(node, values, sublayer, codes, _readers(groups, covered)), *agreed),
                          covered, component, source))

        for vi, var in enumerate(before):
            if not set(determined[id(var)]) & uncovered:
                continue
            reps = np.unique(var.codes, return_index=True)[1]
            distinct = [var.values[r] for r in reps]
            for fi, (function, source) in enumerate(self.library.maps):
                if is_rounding(function) and not any(_fraction(x) for x in [*distinct, *var.fresh]):
                    continue  # no fraction to round (`lines.ROUNDING`; the rows' sums are whole, the
                    # values the block's weights give beside them need not be)
                try:
                    table = [call(function, x) for x in distinct]
                except Invalid:
                    continue
                consider(lambda enc, f=function, v=var: nodes.make_map(f, v.node, encoding=enc),
                         var.codes, reps, table, determined[id(var)], source, (fi, vi), (var,))
            if var.numerical and not self.trace.net.categorical_output \
                    and any(groups[i].index in writers for i in determined[id(var)]):
                # a numerical output's line on a numerical var: an affine function fitted to the
                # outputs (a unit's offset, `x + 11`, or `1.8 * x + 32`, which no template binds)
                function = self._affine(var)
                table = _calls(function, distinct) if function is not None else None
                if table is not None:
                    consider(lambda enc, f=function, v=var: nodes.make_map(f, v.node, encoding=enc),
                             var.codes, reps, table, determined[id(var)], "fitted", (len(self.library.maps), vi),
                             (var,))
            if not var.numerical and any(groups[i].index in writers for i in determined[id(var)]):
                # the output's line: one library function with an exception or two (`piecewise`)
                args = [(x,) for x in distinct]
                for k, function in enumerate(self._piecewise((var,), var.codes, reps, args)):
                    table = [call(function, x) for x in distinct]
                    consider(lambda enc, f=function, v=var: nodes.make_map(f, v.node, encoding=enc),
                             var.codes, reps, table, determined[id(var)], "library",
                             (len(self.library.maps) + k, vi), (var,))
        for ai, a in enumerate(before):
            for bi, b in enumerate(before):
                if a is b or a.numerical or b.numerical:
                    continue  # a sequence_map of one S-Op with itself is a map
                if time.monotonic() > self.deadline:
                    break  # the pairs are the costly part; what was found so far stands
                index, pairs = self._pair(a, b)
                det = self._determined(index, ("pair", id(a), id(b)), groups)
                if not [i for i in det if i in uncovered and i not in determined[id(a)] and i not in determined[id(b)]
                        or i in uncovered and groups[i].index in writers]:
                    # the output's line is tried on both vars the block reads even where one
                    # determines it on the rows: "pig" at a total of 0 is a token of 1 on every
                    # input, while the block also writes 0 (total 0, another token) where no row looked
                    continue
                reps = np.unique(index, return_index=True)[1]
                for fi, (function, source) in enumerate(self.library.sequence_maps):
                    try:
                        table = [call(function, x, y) for x, y in pairs]
                    except Invalid:
                        continue
                    if function in _WEIGHTED_SUMS and len(set(map(label_key, table))) == len(pairs) \
                            and not any(groups[i].index in writers for i in det):
                        continue  # a packing of every pair, as a table would be (`WEIGHTED_SUMS`)
                    if is_mean_sum(function) and not any(_fraction(x) for x, _ in pairs):
                        continue  # no mean to sum (`MEAN_SUMS`)
                    consider(lambda enc, f=function, x=a, y=b: nodes.make_sequence_map(f, x.node, y.node),
                             index, reps, table, det, source, (fi, ai + bi), (a, b))
                if any(groups[i].index in writers for i in det):
                    # the output's line: one library function with one exception (`piecewise`)
                    for k, function in enumerate(self._piecewise((a, b), index, reps, pairs)):
                        table = [call(function, x, y) for x, y in pairs]
                        consider(lambda enc, f=function, x=a, y=b: nodes.make_sequence_map(f, x.node, y.node),
                                 index, reps, table, det, "library",
                                 (len(self.library.sequence_maps) + k, ai + bi), (a, b))
        numerical = [v for v in before if v.numerical]
        for ai, a in enumerate(numerical):
            for bi, b in enumerate(numerical):
                if a is b:
                    continue  # p x + q x is a numerical map, read as one (a 0/1 flag as 1 x + 1 x took its place)
                index, pairs = self._pair(a, b)
                det = self._determined(index, ("pair", id(a), id(b)), groups)
                if not set(det) & uncovered:
                    continue
                reps = np.unique(index, return_index=True)[1]
                factors = list(self.library.factors)
                if not self.trace.net.categorical_output and any(groups[i].index in writers for i in det):
                    # a numerical value is known only up to scale until the unembedding reads it:
                    # the output line's factors are fitted to the net's outputs
                    fitted = self._fitted_factors(a, b, self.trace.outputs)
                    if fitted is not None:
                        factors.insert(0, (fitted, "fitted"))
                for i in sorted(set(det) & uncovered):
                    if groups[i].collinear and groups[i].index not in writers:
                        # an intermediate line: its write fixes the factors' ratio (its scale is free)
                        fitted = self._fitted_factors(a, b, _coordinate(groups[i]), free_scale=True)
                        if fitted is not None and all(fitted != f for f, _ in factors):
                            factors.append((fitted, "fitted"))
                for fi, ((fa, fb), source) in enumerate(factors):
                    try:
                        table = [fa * float(x) + fb * float(y) for x, y in pairs]
                    except (TypeError, ValueError):
                        continue
                    consider(lambda enc, x=a, y=b, p=fa, q=fb: nodes.make_linear_sequence_map(x.node, y.node, p, q),
                             index, reps, table, det, source, (fi, ai + bi))
        for option in self._tables(before, groups, uncovered, sublayer, writers, determined):
            # a table explains anything, so it comes after every library line of the same reach
            found.append(((False, False, False, -len(set(option[1]) & uncovered), 0, True, len(found)), *option))
        found.sort(key=lambda item: item[0])
        return [item[1:] for item in found]

    def _agrees_unseen(self, node: nodes.Node, inputs: tuple, chosen: list[Group], values: np.ndarray,
                       output: bool, distinct: list | None = None) -> tuple[dict | None, tuple] | None:
        """(writes, fresh) where a library line agrees with its block's weights on argument values no row shows
        (None where it does not; `distinct`, when given, the values `values` holds):
        a sequence_map's pairs of two categorical vars (`_table_pair_reads`), a map's values of a
        numerical var (`_unseen_numbers`). A function that fits every traced row may still differ
        there, and no table hole sends the certificate to look: `c * 10 >= l * 9` over a count of
        fixed points and the length read as `c == l` (seventh hand-written set u26: 9 of 10 is
        shown by 90 of 10^10 inputs), a share's `"close" if s >= 0.9` dropped (u25). Where the
        block writes a traced class's write the line must give that class's value; where it writes
        no traced class's, the line must not give a traced value.

        A categorical line's writes no traced class makes are its values no row holds: where the
        line's values there group the pairs as their writes do (one value per distinct write, a
        distinct one each), those are read as the line's values too (`fresh`, with every value's
        write: `Var.writes`), which the lines reading it read through their weights, and the pairs
        count as shown. The twenty-fifth set's m07: a sum `x + 2 * y` of two counts whose pair
        (0, 9) (all nine residues of a check digit at 8 or more) no sample held was a hole the
        certificate's search never reached and took on trust, and the reading was wrong there."""
        function = getattr(node, "function", None)
        if function is None or isinstance(function, fn.Table):
            return None, ()
        # one line on one block reads the same in every state the search reaches it from (the
        # trace is fixed, and a line's text fixes its values; its inputs' values read off the
        # weights, `Var.fresh`, are part of the key): a map of a mean's thousands of
        # unseen values is checked once, not once per path (most of s17's time, 31st hand-written set)
        key = ("agrees unseen", function_key(node, self._source_of), node.encoding, chosen[0].layer,
               tuple(g.index for g in chosen), output, tuple(tuple(map(label_key, v.fresh)) for v in inputs))
        if key not in self.cache:
            self.cache[key] = self._agrees_unseen_read(node, inputs, chosen, values, output, distinct)
        return self.cache[key]

    def _agrees_unseen_read(self, node: nodes.Node, inputs: tuple, chosen: list[Group], values: np.ndarray,
                            output: bool, distinct: list | None) -> tuple[dict | None, tuple] | None:
        function = node.function
        if output and not self._writes_every_output(function, inputs, chosen[0].layer):
            return None
        writes = None
        if isinstance(node, nodes.SequenceMap) and len(inputs) == 2 and not any(v.numerical for v in inputs):
            joint = self._joint(chosen)
            read, unmatched, writes, dims = self._table_pair_reads(*inputs, chosen, joint, values, output)
        elif isinstance(node, nodes.Map) and len(inputs) == 1 and inputs[0].fresh:
            joint = self._joint(chosen)
            fresh = self._fresh_map_reads(inputs[0], chosen, joint, values, output)
            if fresh is None:
                return None, ()  # past the deadline: its values no row holds stay holes for the certificate
            read, unmatched, writes, dims = fresh[0], [args for args, _ in fresh[1]], fresh[1], fresh[2]
        elif isinstance(node, nodes.Map) and len(inputs) == 1 and inputs[0].numerical:
            joint = self._joint(chosen)
            numbers = self._unseen_numbers(inputs[0], chosen, joint, values, output)
            if numbers is None:  # past the deadline: agreement where no row looked is not shown
                return None
            read, writes, dims = numbers
            unmatched = [args for args, _ in writes]
        else:
            return None, ()
        # a categorical line's values are labels: 25.875 is not 26 however close (a copy of a mean
        # of rings 21 .. 27, the thirty-fourth hand-written set's s04, where the project's tolerance
        # for numbers, 0.5%, took the identity's 25.875 for the traced 26 and `x * x` was read)
        exact = node.encoding == nodes.CATEGORICAL
        same = _same_label if exact else _same_value
        for args, want in read.items():
            try:
                got = call(function, *args)
            except Invalid:
                continue
            if not same(got, want):
                return None
        shown = None
        for args in unmatched:
            try:
                got = call(function, *args)
            except Invalid:
                continue
            if got is None:
                continue
            if shown is None:  # the values the rows show (once per call: there may be 10^5 rows)
                shown = _ShownValues((value for _, value in set(map(label_key, values.tolist() if distinct is None
                                                                   else distinct)) if value is not None), exact)
            if got in shown:
                return None
        new_values, fresh_pairs = (None, ()), []
        if writes and not output and node.encoding == nodes.CATEGORICAL and isinstance(function, fn.Lambda):
            new_values, fresh_pairs = self._lambda_fresh(function, chosen, joint, values, writes, dims)
        fitted = (self.fitted_functions.get(function_key(node, self._source_of))
                  if self.fitted_functions and isinstance(function, fn.Lambda) else None)
        if fitted is not None:  # a lambda is shown, too, where the block's weights were read
            fitted.update(table_key(args[0] if len(args) == 1 else args) for args in list(read) + fresh_pairs)
        return new_values

    def _joint(self, chosen: list[Group]) -> np.ndarray:
        """The classes of the rows by the writes of the groups `chosen` together, once per set of groups."""
        key = ("joint", chosen[0].layer, tuple(g.index for g in chosen))
        if key not in self.cache:
            self.cache[key] = partition(np.stack([g.codes for g in chosen], axis=1))
        return self.cache[key]

    def _lambda_fresh(self, function, chosen: list[Group], joint: np.ndarray, values: np.ndarray, unmatched: list,
                      dims: np.ndarray | None) -> tuple[tuple[dict | None, tuple], list]:
        """((writes, fresh), pairs) for a categorical library line whose block writes, at the pairs
        `unmatched` ((pair, write on `dims`)), writes no traced class makes: each value of the
        function there whose pairs all write one write (`_fresh_labels`' grid) that no pair of
        another value writes is a value of the line no row holds, with that write; the pairs of
        those values are read. ((None, ()), []) where none is, or past the deadline."""
        if not unmatched or dims is None or time.monotonic() > self.deadline:
            return (None, ()), []
        class_rows, full = _class_writes(chosen, joint, self.trace.net.config.d_model)
        labels = {label_key(v) for v in values[class_rows].tolist()}
        reach = max(float(np.abs(full).max(initial=0.0)), 1e-9)
        written = np.stack([write for _, write in unmatched])
        valued = _own_writes(written, full[:, dims], reach)  # the others: holes
        if not len(valued):
            return (None, ()), []
        try:
            got = [call(function, *unmatched[i][0]) for i in valued.tolist()]
        except Invalid:
            return (None, ()), []
        if any(v is None for v in got):
            return (None, ()), []
        grid = np.round(written[valued] / (2 * WRITE_TOLERANCE * reach))
        _, by_write = np.unique(grid, axis=0, return_inverse=True)
        by_write = by_write.reshape(-1).tolist()
        keys = [label_key(v) for v in got]
        # a value is read where all its pairs write one write and no pair of another value writes
        # it (pairs no input gives, 5 ones and 4 twos among 6 tokens, may fire neurons of two)
        write_of: dict = {}
        for key, w in zip(keys, by_write):
            write_of.setdefault(key, set()).add(w)
        owners: dict = {}
        for key, ws in write_of.items():
            for w in ws:
                owners.setdefault(w, set()).add(key)
        kept = [key for key, ws in write_of.items() if len(ws) == 1 and len(owners[next(iter(ws))]) == 1]
        if not kept or len(kept) > max(MAX_FRESH, 2 * len(labels)):
            return (None, ()), []
        kept_set = set(kept)
        writes = _writes_by_value(class_rows, full, values)
        pairs = []
        for key, i in zip(keys, valued.tolist()):
            if key in kept_set:
                if key not in writes:
                    writes[key] = np.zeros(full.shape[1])
                    writes[key][dims] = unmatched[i][1]
                pairs.append(unmatched[i][0])
        return (writes, tuple(value for _, value in kept)), pairs

    def _writes_every_output(self, function, inputs: tuple, layer: int) -> bool:
        """Whether a line of categorical vars (a library function, or a map's table) that writes the
        net's categorical output can give each output value that one of the block's neurons no traced
        row made fire writes (the unembedding names it): such a neuron fires on some argument of the
        block's, and a line that can never give its value leaves out an input the block reads, or
        reads the wrong one. A map's table is taken as it is (its holes are values of its var no row
        shows); a sequence_map's table is not judged (a pair no row shows and no weight gave may give
        the value: the certificate looks for inputs that reach it). `"zigzag" if n == 0 and l ==
        12` over a fault count and the length, whose l == 12 with no fault no sample holds, was read
        as a map of the count alone (sixth hand-written set t17: a false certificate)."""
        net = self.trace.net
        if not net.categorical_output or not inputs or any(v.numerical for v in inputs):
            return True
        dead = self._output_writers(layer)
        if not dead:
            return True
        if isinstance(function, fn.Table):
            if function.arity > 1:
                return True  # its pairs no row shows and no weight gave are holes, which may give those values
            given = {label_key(value) for _, value in function.entries}
            seen = {label_key(key) for key, _ in function.entries}
            if any(label_key(v) not in seen for v in known_values(self.value_sets, inputs[0].node)):
                # a value of its var no row shows (a hole) may give what a neuron writes that reads
                # nothing the traced rows vary: tracr's neuron for an output only such values give
                # (a count of records "0 -> 0" that is never 0: eighth hand-written set v15). A
                # neuron whose input varies on the rows reads what they show (t17's length 12).
                pre = self._pre(layer, np.arange(self.trace.rows), dead)
                dead = [n for n, column in zip(dead, pre.T)
                        if np.ptp(column) > 1e-3 * max(1.0, float(np.abs(column).max()))]
                if not dead:
                    return True
        else:
            domains = [known_values(self.value_sets, v.node) for v in inputs]
            if not all(domains) or np.prod([len(d) for d in domains]) > MAX_PAIRS:
                return True
            given = set()
            for args in itertools.product(*domains):
                try:
                    given.add(label_key(call(function, *args)))
                except Invalid:
                    continue
        logits = self._w_out(layer)[dead] @ net.W_U.astype(np.float64)
        written = {label_key(net.output_values[i]) for i in logits.argmax(axis=1).tolist()}
        return written <= given

    def _unseen_numbers(self, var: Var, chosen: list[Group], joint: np.ndarray, values: np.ndarray,
                        output: bool) -> tuple[dict, list, np.ndarray | None] | None:
        """({(x,): value}, [((x,), write), ...], dims): for the values a numerical var can take (its
        value set) that no row shows, what the block that reads it writes, as `_table_pair_reads`
        gives for pairs: a numerical var is a magnitude along one direction, so each neuron's input
        before the ReLU is linear in it, fitted to the rows (three values at least, the fit checked
        on every one). The values whose write is no traced class's are left, with that write on
        `dims` (a categorical map's values no row holds: `_fresh_labels`), as `_fresh_map_reads`
        gives them. None past the search's deadline, when it was not read."""
        key = ("unseen numbers", id(var), chosen[0].layer, tuple(g.index for g in chosen), output,
               _class_labels(joint, values))
        if key not in self.cache:
            if time.monotonic() > self.deadline:
                return None  # not read (a block of thousands of neurons takes a second): nothing is shown
            self.cache[key] = self._read_unseen_numbers(var, chosen, joint, values, output)
        return self.cache[key]

    def _read_unseen_numbers(self, var: Var, chosen: list[Group], joint: np.ndarray, values: np.ndarray,
                             output: bool) -> tuple[dict, list, np.ndarray | None]:
        none: tuple = ({}, [], None)
        reps = np.unique(var.codes, return_index=True)[1]
        shown = [var.values[r] for r in reps]
        if len(reps) < 2 or not all(isinstance(x, (int, float)) for x in shown if x is not None):
            return none
        known = {round(float(x), 9) for x in shown if x is not None}
        possible = [x for x in known_values(self.value_sets, var.node)
                    if isinstance(x, (int, float)) and round(float(x), 9) not in known]
        if not possible or len(possible) > MAX_PAIRS:
            return none
        # up to ROWS_PER_NUMBER rows of each value: the fit is checked on rows that hold one value
        # beside other lines' values, which a block reading more than this var writes apart (two
        # values shown fit any line, so there the rows are the only check)
        rows = _rows_of_each(var.codes, [x is not None for x in shown])
        if len(known) == 2 and len(rows) < 2 * len(known) + 1:
            return none  # a line through two points, checked on no other row
        xs = np.array([float(var.values[r]) for r in rows])
        design = np.stack([xs, np.ones_like(xs)], axis=1)
        neurons, w_out, class_writes, class_values, read_write, dims = self._block_classes(chosen, joint, values,
                                                                                           output, rows, design)
        pre = self._pre(chosen[0].layer, rows, neurons)
        scale = float(np.abs(pre).max(initial=0.0))
        slope, offset = np.linalg.lstsq(design, pre, rcond=None)[0]
        if scale == 0.0 or np.abs(design @ np.stack([slope, offset]) - pre).max() > FIT_TOLERANCE * scale:
            return none  # the block reads more than this var
        unseen = np.array([float(x) for x in possible])
        predicted = np.maximum(np.outer(unseen, slope) + offset, 0.0) @ w_out
        reach = max(float(np.abs(class_writes).max(initial=0.0)), 1e-9)
        number = _numerical_reader(class_writes, class_values)
        if number is not None:  # a numerical line: the number each write is (`_written_value`)
            read = [_written_value(write, class_writes, class_values, reach, number) for write in predicted]
        else:
            # values on one side of every breakpoint write the same: each distinct write is compared with the
            # classes once (a value set of thousands against a block of 5,523 neurons took 0.5 s a call),
            # and only with the classes one product says may be close (`additive.nearest`: every write
            # against every class in every dimension was 80% of the forty-first set's k03's search)
            _, first, inverse = np.unique(np.round(predicted / reach, 9), axis=0, return_index=True,
                                          return_inverse=True)
            near = np.asarray(nearest(predicted[first], class_writes, 2 * WRITE_TOLERANCE * reach),
                              dtype=np.int64)[inverse.reshape(-1)]
            read = [class_values[k] if k >= 0 else None if read_write is None else read_write(predicted[i])
                    for i, k in enumerate(near.tolist())]
        found, unmatched = {}, []
        for x, value, write in zip(possible, read, predicted):
            if value is not None:
                found[(x,)] = value
            else:
                unmatched.append(((x,), write))
        return found, unmatched, dims

    def _affine(self, var: Var) -> fn.Lambda | None:
        """`lambda x: p * x + q` giving the net's numerical outputs from the numerical `var` on every
        row where both have values (least squares; the constants to the fewest decimals that fit,
        `_fewest_decimals`, as `_fitted_factors` takes them), or None."""
        outputs = self.trace.output_column
        rows = [i for i, v in enumerate(var.values.tolist()) if v is not None]
        if outputs is None or len(rows) < 2:
            return None
        try:
            x = np.array([float(var.values[i]) for i in rows])
        except (TypeError, ValueError):
            return None
        if np.ptp(x) == 0:
            return None
        y = outputs[rows].astype(np.float64)
        design = np.stack([x, np.ones_like(x)], axis=1)
        snapped = _fewest_decimals(design, y, np.linalg.lstsq(design, y, rcond=None)[0], (0, 1, 2, 3, 4, None))
        if snapped[0] == 0 or not np.all(np.abs(design @ snapped - y) <= ATOL + RTOL * np.abs(y)):
            return None
        p, q = (int(v) if float(v).is_integer() else float(v) for v in snapped)
        scaled = "x" if p == 1 else f"{p} * x"
        text = scaled if q == 0 else f"{scaled} + {q}" if q > 0 else f"{scaled} - {-q}"
        try:
            return parse_lambda(f"lambda x: {text}")
        except compiler.SourceError:
            return None

    def _fitted_factors(self, a: Var, b: Var, target: Sequence, free_scale: bool = False
                        ) -> tuple[float, float] | None:
        """(p, q) with p a + q b equal to `target` on every row where all three have values
        (least squares, then checked within the project's tolerance), or None. With
        `free_scale`, any multiple will do: the factors are scaled so the smaller is +-1."""
        rows = [i for i, (x, y, out) in enumerate(zip(a.values, b.values, target))
                if x is not None and y is not None and out is not None]
        if not rows:
            return None
        try:
            x = np.array([[float(a.values[i]), float(b.values[i])] for i in rows])
        except (TypeError, ValueError):
            return None
        y = np.array([float(target[i]) for i in rows])
        w = np.linalg.lstsq(x, y, rcond=None)[0]
        if np.abs(x @ w - y).max() > ATOL + RTOL * np.abs(y).max():
            return None
        if free_scale:
            nonzero = np.abs(w[np.abs(w) > 1e-9])
            if not len(nonzero):
                return None
            w = w / nonzero.min()
            whole = _whole_ratio(w)
            if whole is not None:  # 809 coal + 479 gas, not 1.688935 coal + gas: a chain of sums stays exact
                return whole
        snapped = _fewest_decimals(x, y, w, (None,) if free_scale else (0, 1, 2, 3, None))
        return tuple(int(v) if float(v).is_integer() else float(v) for v in snapped)

    def _determined(self, codes: np.ndarray, key: tuple, groups: list[Group]) -> list[int]:
        """Indices of the groups (of one layer) that the partition `codes` determines; cached."""
        key = key + (groups[0].layer,)
        if key not in self.cache:
            self.cache[key] = [i for i, g in enumerate(groups) if determines(codes, g.codes)]
        return self.cache[key]

    def _source_of(self, node: nodes.Node) -> str:
        """The canonical text of the program computing `node` (memoised: the states keep it alive)."""
        key = ("source", id(node))
        if key not in self.cache:
            self.cache[key] = prog.Program(node).source
        return self.cache[key]

    def _pair(self, a: Var, b: Var) -> tuple[np.ndarray, list[tuple]]:
        key = ("pair codes", id(a), id(b))
        if key not in self.cache:
            self.cache[key] = pair_codes(a, b)
        return self.cache[key]

    def _piecewise(self, inputs: tuple[Var, ...], index: np.ndarray, reps: np.ndarray,
                   args: list[tuple]) -> list[fn.Lambda]:
        """`interpreter.piecewise.piecewise_functions` fitted to the net's outputs on the arguments
        of `inputs` (one var or two) the rows show, where they determine the output (categorical
        outputs only)."""
        if not self.trace.net.categorical_output or not determines(index, self.output_codes):
            return []
        observed = [self.trace.outputs[r] for r in reps]
        # by what the fit reads, not by var: the states of a search read the same lines again as
        # new vars (f17's output line was fitted 96 times, 7 of its 22 s), and types apart (1, True)
        key = ("piecewise", len(inputs), tuple((type(v), v) for pair in args for v in pair),
               tuple((type(v), v) for v in observed))
        if key not in self.cache:
            functions = self.library.maps if len(inputs) == 1 else self.library.sequence_maps
            library = [f for f, _ in functions if isinstance(f, fn.Lambda)]
            self.cache[key] = piecewise_functions(args, observed, library, _same_value)
        return self.cache[key]

    def _tables(self, before: list[Var], groups: list[Group], uncovered: set, sublayer: int,
                writers: set, determined: dict) -> list[tuple]:
        """For each set of uncovered groups with the same readers (one line, by `readers`; a head's
        by the role it reads them in), a map or sequence_map written as a table of what they do,
        on the coarsest var (else pair of vars) that determines them."""
        layer = groups[0].layer
        unread = {i for i in uncovered if not groups[i].readers}
        classes: dict[tuple[frozenset, int], list[int]] = {}
        read = sorted(uncovered - unread)
        for i, line in zip(read, _lines_by_role([groups[i] for i in read], self._line_parts(groups))):
            classes.setdefault(line, []).append(i)
        if not classes and unread:
            classes[(frozenset(), 0)] = sorted(unread)
        lines = []
        for wanted in _joined_by_firing(classes, groups):
            # a numerical line writes one direction, so it is one group: groups writing one
            # direction each, in more than two classes (a categorical line's groups write their
            # value's direction or nothing), are as many lines, however they are read (`s` and `m`
            # of `60 * m + s`, two numerical maps in one block, read by the sum's MLP alone: the
            # eighteenth hand-written set's f05, read as one table of 1,388 labels)
            numerical = [i for i in wanted if groups[i].numerical]
            rest = [i for i in wanted if not groups[i].numerical]
            lines += [[i] for i in numerical] + ([rest] if rest else []) if len(wanted) > 1 else [wanted]
        options = []
        by_size = sorted(before, key=lambda v: int(v.codes.max()))
        for wanted in lines:
            line = None
            # a numerical line is its one group: the unread groups its var also determines are
            # another line's (`query`'s -1 beside `numerical map(lambda p: p, perch)`, read as one
            # categorical table of both, then a categorical aggregate where a mean stood: the
            # thirty-fourth hand-written set's s01)
            alone = len(wanted) == 1 and groups[wanted[0]].numerical
            for var in by_size:
                if set(wanted) <= set(determined[id(var)]):
                    mine = sorted(set(wanted) | (set() if alone else unread & set(determined[id(var)])))
                    line = self._table_line([var], mine, groups, sublayer, writers, layer)
                    if line is not None:  # None: a var the output's line needs more than
                        break
            if line is None:
                line = self._pair_table(by_size, wanted, set() if alone else unread, groups, sublayer, writers, layer)
            if line is None:
                line = self._part_table(by_size, wanted, groups, sublayer, writers, layer, determined)
            options += line or []
        return options

    def _part_table(self, by_size: list[Var], wanted: list[int], groups: list[Group], sublayer: int,
                    writers: set, layer: int, determined: dict) -> list[tuple] | None:
        """A table line covering as many of `wanted` as one var, else one pair, determines, when no
        var or pair determines them all: groups with the same readers are then more than one line,
        which the search covers one at a time (`out = sequence_map(f(a, b), g(c, d))` reads both
        f's and g's groups: eighth hand-written set v04)."""
        best, best_inputs = set(), None
        for var in by_size:
            part = set(wanted) & set(determined[id(var)])
            if len(part) > len(best):
                best, best_inputs = part, [var]
        categorical = [v for v in by_size if not v.numerical]
        for ai, a in enumerate(categorical):
            for b in categorical[ai + 1:]:
                index = self._pair(a, b)[0]
                part = {i for i in wanted if determines(index, groups[i].codes)}
                if len(part) > len(best):
                    best, best_inputs = part, [a, b]
        if best_inputs is None:
            return None
        return self._table_line(best_inputs, sorted(best), groups, sublayer, writers, layer)

    def _pair_table(self, by_size: list[Var], wanted: list[int], unread: set, groups: list[Group], sublayer: int,
                    writers: set, layer: int) -> list[tuple] | None:
        for a in by_size:
            for b in by_size:
                if a is b or a.numerical or b.numerical:
                    continue
                pair = partition(np.stack([a.codes, b.codes], axis=1))
                if all(determines(pair, groups[i].codes) for i in wanted):
                    mine = sorted(set(wanted) | {i for i in unread if determines(pair, groups[i].codes)})
                    return self._table_line([a, b], mine, groups, sublayer, writers, layer)
        return None

    def _table_line(self, inputs: list[Var], mine: list[int], groups: list[Group], sublayer: int,
                    writers: set, layer: int) -> list[tuple] | None:
        """The table line on `inputs` covering the groups `mine` ([] if none fits; None for a map
        that writes the output and cannot give a value the block can write: the output's line reads
        more than this var, `_writes_every_output`)."""
        self.tried += 1
        joint = partition(np.stack([groups[i].codes for i in mine], axis=1))
        writes_output = any(groups[i].index in writers for i in mine)
        numerical = False
        if writes_output:
            values = self.trace.outputs
            if not determines(joint, self.output_codes):
                return []
        elif len(mine) == 1 and groups[mine[0]].collinear:
            numerical = True
            # one value per class of the write (`_snapped`): an indicator reads as exactly 0 and 1
            codes = groups[mine[0]].codes
            means = np.bincount(codes, weights=_coordinate(groups[mine[0]])) / np.bincount(codes)
            means = means * (_own_scale(inputs, codes, means) or _integer_scale(means))
            values = object_array([_snapped(float(v)) for v in means[codes]])
        else:
            values = object_array(joint.tolist())
        numerical = numerical or (writes_output and not self.trace.net.categorical_output)
        if writes_output and numerical and len(inputs) == 1 and not inputs[0].numerical:
            values = self._output_by_value(inputs[0], values)
        mapping = row_mapping(inputs, values)
        writes, fresh = None, ()
        chosen = [groups[i] for i in mine]
        if len(inputs) == 1:
            var, read = inputs[0], None
            if var.numerical:  # values no row shows, read off the block's weights (the block is linear in var
                # before its ReLU); values no read gives have no entry: the certificate fills them and checks them
                read = self._unseen_numbers(var, chosen, joint, values, writes_output)
            elif var.fresh:  # values no row holds (`Var.fresh`), read through the block's weights
                read = self._fresh_map_reads(var, chosen, joint, values, writes_output)
            if read:
                mapping = {**read[0], **mapping}
                if not writes_output and not numerical:
                    # a write no traced class makes is a value of the map's own (`_fresh_labels`)
                    writes, fresh, more = self._fresh_labels(chosen, joint, values, *read[1:])
                    mapping = {**more, **mapping}
            table = table_of(1, mapping)
            make = lambda enc: nodes.make_map(table, var.node, encoding=enc)  # noqa: E731
            if writes_output and not self._writes_every_output(table, inputs, layer):
                return None
        if len(inputs) == 2:
            a, b = inputs
            # pairs no row shows, read off the block's weights where it is additive in a and b, with
            # the values of a and b no row holds; a write no traced class makes is a value of its own
            found, _, unmatched, dims = self._table_pair_reads(a, b, chosen, joint, values, writes_output)
            mapping = {**found, **mapping}
            if not writes_output and not numerical:
                # (a head reading the line reads the new values' query and key vectors the same way,
                # `head_lines._fresh_vectors`)
                writes, fresh, more = self._fresh_labels(chosen, joint, values, unmatched, dims)
                mapping = {**more, **mapping}
            table = table_of(2, mapping)
            make = lambda enc: nodes.make_sequence_map(table, a.node, b.node)  # noqa: E731
        try:
            node = make(nodes.NUMERICAL if numerical and len(inputs) == 1 else nodes.CATEGORICAL)
        except compiler.SourceError:
            return []
        line = make_var(node, values, sublayer, readers=_readers(groups, mine))
        if fresh:
            line.writes, line.fresh = writes, fresh
        return [(line, mine, f"layer {layer} MLP (neuron groups {_runs(groups[i].index for i in mine)})", "table")]

    def _fresh_labels(self, chosen: list[Group], joint: np.ndarray, values: np.ndarray, unmatched: list,
                      dims: np.ndarray | None) -> tuple[dict | None, tuple, dict]:
        """(writes, fresh labels, {pair: label}) for the pairs of a categorical table line whose write
        (`unmatched`: (pair, write on `dims`)) is no traced class's: tracr gives each value of a line
        its own direction, and a value only pairs no row shows give writes one no row does. Each
        distinct such write is a value of its own, a new label (the next integers past the line's),
        kept with its write and every traced class's (`Var.writes`) for the lines that read it
        (`_fresh_parts`); a pair writing nothing is left without one (a hole). The thirty-fifth
        session's j01 (and the twenty-second set's j12, j17): such pairs were holes no input reaches
        while the net had an output only they give."""
        labels = list(dict.fromkeys(values.tolist()))
        if not unmatched or dims is None or not labels or not all(type(v) is int for v in labels) \
                or time.monotonic() > self.deadline:
            return None, (), {}
        class_rows, full = _class_writes(chosen, joint, self.trace.net.config.d_model)
        reach = max(float(np.abs(full).max(initial=0.0)), 1e-9)
        writes = _writes_by_value(class_rows, full, values)
        pairs = [pair for pair, _ in unmatched]
        written = np.stack([write for _, write in unmatched])
        valued = _own_writes(written, full[:, dims], reach)  # the others: holes
        if not len(valued):
            return None, (), {}
        # one label per distinct write (tracr's are exact; the grid is the classes' tolerance)
        grid = np.round(written[valued] / (2 * WRITE_TOLERANCE * reach))
        _, first, which = np.unique(grid, axis=0, return_index=True, return_inverse=True)
        if len(first) > max(MAX_FRESH, 2 * len(labels)):
            # new values cascading through a chain make a reading too big to certify in the
            # budget (`MAX_FRESH`): left holes
            return None, (), {}
        fresh = tuple(range(max(labels) + 1, max(labels) + 1 + len(first)))
        for label, k in zip(fresh, first.tolist()):
            vec = np.zeros(full.shape[1])
            vec[dims] = written[valued[k]]
            writes[label_key(label)] = vec
        mapping = {pairs[i]: fresh[j] for i, j in zip(valued.tolist(), which.reshape(-1).tolist())}
        return writes, fresh, mapping

    def _fresh_map_reads(self, var: Var, chosen: list[Group], joint: np.ndarray, values: np.ndarray,
                         output: bool) -> tuple[dict, list, np.ndarray | None] | None:
        """({(x,): value}, [((x,), write), ...], dims): for a map of `var` written by the groups `chosen`
        (classes `joint`, values `values` per row), what the block writes for each value of `var`
        no row holds (`Var.fresh`), through its weights (`_fresh_parts`): a traced class's write
        is that class's value, a write on the line of a numerical line's classes the value its
        length gives, the categorical output's is read through the unembedding; the others
        are left (with their write on `dims`, the dimensions the block writes). Empty where the
        block reads more than `var` on the rows (two rows of one value with different inputs before
        the ReLU); None past the deadline."""
        key = ("fresh map", id(var), chosen[0].layer, tuple(g.index for g in chosen), output,
               _class_labels(joint, values))
        if key not in self.cache:
            if time.monotonic() > self.deadline:
                return None
            self.cache[key] = self._read_fresh_map(var, chosen, joint, values, output)
        return self.cache[key]

    def _read_fresh_map(self, var: Var, chosen: list[Group], joint: np.ndarray, values: np.ndarray,
                        output: bool) -> tuple[dict, list, np.ndarray | None]:
        written = self._fresh_map_writes(var, chosen, joint, values, output)
        if written is None:
            return {}, [], None
        predicted, dims = written
        class_rows, full = _class_writes(chosen, joint, self.trace.net.config.d_model)
        class_writes, class_values = full[:, dims], values[class_rows].tolist()
        read = (self._output_reader(class_writes, class_values, dims)
                if output and self.trace.net.categorical_output else None)
        reach = max(float(np.abs(class_writes).max(initial=0.0)), 1e-9)
        number = _numerical_reader(class_writes, class_values)
        found, unmatched = {}, []
        for x, write in zip(var.fresh, predicted):
            value = _written_value(write, class_writes, class_values, reach, number)
            if value is None and read is not None:
                value = read(write)
            if value is not None:
                found[(x,)] = value
            else:
                unmatched.append(((x,), write))
        return found, unmatched, dims

    def _fresh_map_writes(self, var: Var, chosen: list[Group], joint: np.ndarray, values: np.ndarray,
                          output: bool) -> tuple[np.ndarray, np.ndarray] | None:
        """(writes [len(var.fresh), len(dims)], dims): the block's write for each value of `var` no
        row holds, the same whatever values the line's classes are given (once per var and block);
        None where the block reads more than `var` on the rows."""
        # by what the var is, not which object: each branch of the search holds its own copy
        new_writes = np.stack([var.writes[label_key(x)] for x in var.fresh]) if var.writes else np.zeros(0)
        key = ("fresh map writes", hash(var.codes.tobytes()), hash(new_writes.tobytes()), chosen[0].layer,
               tuple(g.index for g in chosen), output)
        if key in self.cache:
            return self.cache[key]
        n = int(var.codes.max()) + 1
        rows = _rows_of_each(var.codes)
        codes = var.codes[rows]
        design = np.zeros((len(rows), n))
        design[np.arange(len(rows)), codes] = 1.0
        neurons, w_out, _, _, _, dims = self._block_classes(chosen, joint, values, output, rows, design, (var,))
        layer = chosen[0].layer
        every = ("rows pre", layer, hash(rows.tobytes()))  # every neuron's, once for the var's rows
        if every not in self.cache:
            self.cache[every] = self._pre(layer, rows)
        pre = self.cache[every][:, np.asarray(neurons, int)]
        first = np.zeros(n, dtype=np.int64)
        first[codes[::-1]] = np.arange(len(rows))[::-1]
        part = pre[first]
        tolerance = FIT_TOLERANCE * max(float(np.abs(pre).max(initial=0.0)), 1e-30)
        new = None
        if np.abs(pre - part[codes]).max(initial=0.0) <= tolerance:  # else the block reads more than the var
            new = self._fresh_parts(layer, neurons, own=sum(len(g.neurons) for g in chosen), var=var, part=part,
                                    pre=pre)
        found = None if new is None else (np.maximum(new, 0.0) @ w_out, dims)
        self.cache[key] = found
        return found

    def _width_fresh(self, var: Var, chosen: list[Group]) -> tuple[dict | None, tuple]:
        """(writes, fresh) for a categorical selector width written by the groups `chosen`: each
        width its value set allows (`Var.writes`, every traced class's and each of the others'),
        and the widths no row shows (`Var.fresh`), read off the block. tracr's width head attends
        to the BOS beside the keys it selects and writes 1 / (width + 1) of the BOS's value, and its
        MLP maps that to the width's direction: each neuron's input before the ReLU is linear in
        1 / (width + 1), fitted to the rows (`ROWS_PER_NUMBER` of each width) and checked on every
        one, so a width no row shows fires the neurons no row made fire (`_dead_readers`). A width
        whose write is nothing or a traced class's is left out (a hole, as before). ((None, ())
        past the deadline, or where the fit fails: the block reads more than the head's write.)
        The twenty-second set's j01: 12 resets in a row, in no sampled input, are a count whose
        pairs were holes the certificate searched for."""
        key = ("width fresh", chosen[0].layer, tuple(g.index for g in chosen), hash(var.codes.tobytes()))
        if key not in self.cache:
            if time.monotonic() > self.deadline:
                return None, ()
            self.cache[key] = self._read_width_fresh(var, chosen)
        return self.cache[key]

    def _read_width_fresh(self, var: Var, chosen: list[Group]) -> tuple[dict | None, tuple]:
        shown = var.distinct
        if len(shown) < 2 or not all(type(x) is int and x >= 0 for x in shown):
            return None, ()
        possible = sorted(x for x in known_values(self.value_sets, var.node)
                          if type(x) is int and x >= 0 and x not in set(shown))
        if not possible:
            return None, ()
        rows = _rows_of_each(var.codes)
        if len(shown) == 2 and len(rows) < 5:
            return None, ()  # a line through two points, checked on no other row
        xs = 1.0 / (np.array([var.values[r] for r in rows], dtype=np.float64) + 1.0)
        design = np.stack([xs, np.ones_like(xs)], axis=1)
        neurons, w_out, class_writes, class_values, _, dims = self._block_classes(chosen, var.codes, var.values,
                                                                                  False, rows, design)
        pre = self._pre(chosen[0].layer, rows, neurons)
        scale = float(np.abs(pre).max(initial=0.0))
        fit = np.linalg.lstsq(design, pre, rcond=None)[0]
        if scale == 0.0 or np.abs(design @ fit - pre).max() > FIT_TOLERANCE * scale:
            return None, ()
        reach = max(float(np.abs(class_writes).max(initial=0.0)), 1e-9)
        predicted = np.maximum(np.stack([1.0 / (np.array(shown, dtype=np.float64) + 1.0),
                                         np.ones(len(shown))], axis=1) @ fit, 0.0) @ w_out
        by_value = {x: k for k, x in enumerate(class_values)}
        if np.abs(predicted - class_writes[[by_value[x] for x in shown]]).max() > 2 * WRITE_TOLERANCE * reach:
            return None, ()  # the fit does not give the traced widths' own writes
        new = np.maximum(np.stack([1.0 / (np.array(possible, dtype=np.float64) + 1.0),
                                   np.ones(len(possible))], axis=1) @ fit, 0.0) @ w_out
        width = self.trace.net.config.d_model
        writes = _writes_by_value(*_class_writes(chosen, var.codes, width), var.values)
        fresh = []
        for x, write in zip(possible, new):
            if (np.abs(write).max(initial=0.0) < 0.5 * reach
                    or (np.abs(class_writes - write[None]).max(axis=1) <= 2 * WRITE_TOLERANCE * reach).any()):
                continue
            writes[label_key(x)] = np.zeros(width)
            writes[label_key(x)][dims] = write
            fresh.append(x)
        return (writes, tuple(fresh)) if fresh else (None, ())

    def _output_by_value(self, var: Var, values: np.ndarray) -> np.ndarray:
        """A numerical output read off the net per value of the categorical `var` its line maps:
        each value's mean of the outputs as written, where every value's outputs lie within the
        output classes' tolerance (`trace.OUTPUT_TOLERANCE` of the largest) of one another; else
        `values` (the output classes' means). The classes are cut on the values alone, and merge
        values a share of the largest apart, which `var`'s classes tell apart: prices over powers
        of 2 and 3 (the twentieth hand-written set's h18) output 20/2187 = 0.009 beside 0 and 100."""
        column = self.trace.output_column
        if column is None:
            return values
        counts = np.bincount(var.codes)
        means = np.bincount(var.codes, weights=column) / np.maximum(counts, 1)
        spread = np.abs(column - means[var.codes])
        if spread.max(initial=0.0) > OUTPUT_TOLERANCE * max(float(np.abs(column).max(initial=0.0)), 1.0):
            return values
        return object_array([readable(float(v)) for v in means[var.codes]])

    def _table_pair_reads(self, a: Var, b: Var, chosen: list[Group], joint: np.ndarray, values: np.ndarray,
                          output: bool, fresh: bool = True) -> tuple[dict, list, list, np.ndarray | None]:
        """({pair: value}, [pair, ...], [(pair, write), ...], dims): `interpreter.additive.unseen_pairs`
        for a table line on (a, b) written by the groups `chosen`, whose classes are `joint` and
        values `values` per row; the pairs no row shows whose write is no traced class's (its
        `unmatched`), with their writes on `dims`. The neurons include the block's dead ones
        writing where the groups write, or reading what they read (`_dead_readers`): a pair no row
        shows has its own neuron in tracr's MLP, which no traced row made fire. A line that writes
        the net's categorical `output` also takes the dead neurons writing only into the output
        space (a value no row shows has its own direction there), and reads a write no traced class
        makes through the unembedding (`_output_reader`). Where `fresh`, also the pairs with the
        values of `a` and `b` no row holds (`Var.fresh`, `_read_unseen_pairs`)."""
        fresh = fresh and bool(a.fresh or b.fresh)
        key = ("unseen pairs", id(a), id(b), chosen[0].layer, tuple(g.index for g in chosen), output,
               _class_labels(joint, values), fresh)
        if key not in self.cache:
            self.cache[key] = self._read_unseen_pairs(a, b, chosen, joint, values, output, fresh)
        return self.cache[key]

    def _read_unseen_pairs(self, a: Var, b: Var, chosen: list[Group], joint: np.ndarray, values: np.ndarray,
                           output: bool, fresh: bool = False) -> tuple[dict, list, list, np.ndarray | None]:
        na, nb = int(a.codes.max()) + 1, int(b.codes.max()) + 1
        if (na + len(a.fresh)) * (nb + len(b.fresh)) > MAX_PAIRS:
            return {}, [], [], None
        reps = np.unique(a.codes * nb + b.codes, return_index=True)[1]
        if len(reps) == na * nb and not fresh:
            return {}, [], [], None
        design = np.zeros((len(reps), na + nb))
        design[np.arange(len(reps)), a.codes[reps]] = 1.0
        design[np.arange(len(reps)), na + b.codes[reps]] = 1.0
        neurons, w_out, class_writes, class_values, read, dims = self._block_classes(
            chosen, joint, values, output, reps, design, (a, b) if fresh else ())
        layer = chosen[0].layer
        pre = self._pre(layer, reps, neurons)
        unmatched: list = []
        writes: list = []
        parts = self._value_parts(layer, neurons, a, b, reps, pre)
        extra = None
        if fresh and parts is not None:
            own = sum(len(g.neurons) for g in chosen)  # the line's fired neurons come first
            fa = self._fresh_parts(layer, neurons, own, a, parts[0], pre, beside=b)
            fb = self._fresh_parts(layer, neurons, own, b, parts[1], pre, beside=a)
            if fa is not None and fb is not None:
                extra = (list(a.fresh), fa, list(b.fresh), fb)
        found = unseen_pairs(a.codes[reps], a.distinct, b.codes[reps], b.distinct, pre, w_out, class_writes,
                             class_values, read, unmatched, parts, extra, writes)
        return found, unmatched, writes, dims

    def _fresh_parts(self, layer: int, neurons: list[int], own: int, var: Var, part: np.ndarray, pre: np.ndarray,
                     beside: Var | None = None) -> np.ndarray | None:
        """[len(var.fresh), n]: the share of `neurons`' inputs of each value of `var` no row holds,
        from its write (`Var.writes`): the block is linear in the residual stream before its ReLU,
        so a value's share is a shown value's, `part` [values shown, n], plus the difference of their
        writes through W_in. Checked first on the values the rows show (each one's share from
        another's the same way); None where they disagree (something else the block reads moves with
        the var), or the var has no writes. Only neurons reading what the line's own (the first
        `own` of `neurons`, which fired) read are moved: another line's neuron in the block that no
        row made fire and that reads a function of the var on the rows (the widths a score packs)
        keeps its share, and does not fire there either. `beside`: the other var of a table on a
        pair, whose values no row holds are read the same way: the neurons reading them are the
        line's too (tracr's neuron for a pair of two such values reads both; the one for such a
        value of `beside` and a shown value of `var` reads that shown value's direction, and keeping
        the base value's share there fired it when the base was that value: the twentieth set's h08
        read (9, 19) as the sum of two classes' writes, a new label, and certified a wrong program)."""
        if not var.fresh:
            return np.zeros((0, part.shape[1]))
        if var.writes is None:
            return None
        reads, w_in = mlp_read_weights(self.trace.net, layer)
        w_in = w_in[:, np.asarray(neurons, int)]
        new = np.stack([var.writes[label_key(x)] for x in var.fresh])[:, reads]
        # the line's own neurons read what the fired ones read, and the new values' directions
        support = (np.abs(w_in[:, :own]).max(axis=1, initial=0.0) > 0) | (np.abs(new).max(axis=0) > 0)
        if beside is not None and beside.fresh and beside.writes is not None:
            support |= np.abs(np.stack([beside.writes[label_key(x)] for x in beside.fresh])[:, reads]).max(axis=0) > 0
        line = np.abs(w_in[~support]).max(axis=0, initial=0.0) == 0
        w_in = np.where(line[None], w_in, 0.0)
        shown = var.distinct
        if any(label_key(x) not in var.writes for x in shown):
            return None
        # the shown values whose write the line's own neurons make (a class written by groups
        # another line claimed writes nothing there, and is no base to substitute from)
        writes = np.stack([var.writes[label_key(x)] for x in shown])
        size = np.abs(writes).max(axis=1, initial=0.0)
        written = np.flatnonzero(size >= 0.5 * max(float(size.max(initial=0.0)), 1e-30))
        if len(written) < 2:
            return None
        base, x0 = writes[written[0]], written[0]
        moved = (writes[written] - base)[:, reads] @ w_in
        tolerance = FIT_TOLERANCE * max(float(np.abs(pre).max(initial=0.0)), 1e-30)
        if np.abs((part[written] - part[x0] - moved)[:, line]).max(initial=0.0) > tolerance:
            return None
        return part[x0] + (new - base[reads]) @ w_in

    def _value_parts(self, layer: int, neurons: list[int], a: Var, b: Var, rows: np.ndarray,
                     pre: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Each value of `a`'s and of `b`'s share of `neurons`' inputs before the ReLU in `layer`
        ([na, n] and [nb, n], the constant parts in a's), from what the residual stream holds at
        `rows` (`pre` there): the embeddings, the writes of the heads up to `layer` and of the
        neuron groups before it, each through W_in. Each must be the same on every row, or a
        function of a, or of b (not of both: whose share it is would be a guess); None when one
        is not. A value's share is then its writers' whatever it is paired with, which the rows'
        additive fit (`unseen_pairs`) cannot tell for values no shown pair links to the rest."""
        trace, net = self.trace, self.trace.net
        # only the residual dimensions the neurons read take part (a compiled net's few of hundreds:
        # a head writing none of them has no share, and each product is that much smaller)
        block, w_block = mlp_read_weights(net, layer)
        w_in = w_block[:, np.asarray(neurons, int)]
        used = np.abs(w_in).max(axis=1, initial=0.0) > 0
        reads, w_in = block[used], w_in[used]
        read = np.zeros(net.config.d_model, bool)
        read[reads] = True
        tolerance = FIT_TOLERANCE * max(float(np.abs(pre).max(initial=0.0)), 1e-30)
        ids = {token: i for i, token in enumerate(net.input_tokens)}
        tokens = [trace.inputs[i][p] for i, p in zip(trace.row_input[rows].tolist(), trace.row_position[rows].tolist())]
        # each writer's write on the dimensions read, and those dimensions' W_in: its share of the
        # neurons' inputs is their product, found on its distinct writes (below)
        # (with the sublayer each writes at: `Var.sublayer`)
        embedded = net.params["token_embed/embeddings"][[ids[t] for t in tokens]][:, reads].astype(np.float64)
        placed = net.params["pos_embed/embeddings"][trace.row_position[rows] + 1][:, reads].astype(np.float64)
        shares = [(embedded, w_in, 0), (placed, w_in, 0)]

        def on_read(writer) -> tuple[np.ndarray, np.ndarray] | None:
            """A head's or group's write on the dimensions read that it writes, and their W_in."""
            mine = read[np.asarray(writer.columns)]
            if not mine.any():
                return None
            return (writer.writes[np.ix_(rows, np.flatnonzero(mine))],
                    w_in[np.searchsorted(reads, np.asarray(writer.columns)[mine])])

        for head in trace.heads:
            share = on_read(head) if head.layer <= layer else None
            if share is not None and share[0].any():
                shares.append((*share, 2 * head.layer + 1))
        constant = np.zeros(len(neurons))
        for group in trace.groups:
            if group.layer >= layer:
                continue
            if time.monotonic() > self.deadline:
                return None  # a net of thousands of groups (d_mlp 10,001): past the budget, not read
            share = on_read(group)
            if share is not None:
                shares.append((*share, 2 * group.layer + 2))  # one the same on every row is one distinct write
        na, nb = int(a.codes.max()) + 1, int(b.codes.max()) + 1
        a_codes, b_codes = a.codes[rows], b.codes[rows]
        # each value's writes and their W_in, of the writers that are functions of a (of b): the
        # parts are one product of them side by side
        a_writes, a_weights, b_writes, b_weights = [], [], [], []
        for writes, weights, sublayer in shares:
            if time.monotonic() > self.deadline:
                return None
            # the share on each distinct write only: a writer takes a few patterns over the rows,
            # and [rows, neurons] per writer held 24 GB for a table of 6,561 neurons after 809
            # groups (the twenty-second set's j13)
            first, classes = row_classes(writes)
            share = writes[first] @ weights
            if np.abs(share - share[classes[0]]).max(initial=0.0) <= tolerance:
                constant += share[classes[0]]
                continue
            by_a = _per_code(share, classes, a_codes, na, tolerance)
            by_b = _per_code(share, classes, b_codes, nb, tolerance)
            if by_a is not None and by_b is not None and (sublayer == a.sublayer) != (sublayer == b.sublayer):
                # a function of either on the rows (one determines the other there: a flag `over` is 1
                # only beside one value of `shown`, the forty-first set's k14, as k08's `saves` beside
                # its marker, whose output tables then read no pair the rows lack): the var written
                # where the writer writes owns it
                by_a, by_b = (by_a, None) if sublayer == a.sublayer else (None, by_b)
            if (by_a is None) == (by_b is None):
                return None
            if by_a is not None:
                a_writes.append(writes[first[by_a]])
                a_weights.append(weights)
            else:
                b_writes.append(writes[first[by_b]])
                b_weights.append(weights)
        a_part, b_part = _summed(a_writes, a_weights, na, len(neurons)), _summed(b_writes, b_weights, nb, len(neurons))
        rest = pre - a_part[a_codes] - b_part[b_codes] - constant  # the biases: the same on every row
        if np.abs(rest - rest[0]).max(initial=0.0) > tolerance:
            return None
        return a_part + constant + rest[0], b_part

    def _pre(self, layer: int, rows: np.ndarray, neurons=None) -> np.ndarray:
        """`mlp_pre` on `rows` (only `neurons`' columns, when given), from every traced row's,
        computed once per layer and kept while they fit in `PRE_CACHE_ENTRIES` (library lines are
        checked against their block's weights on many pairs of vars); else from the rows' residual
        stream on the dimensions the MLP reads, which the trace keeps (`Trace.mlp_inputs`: a few
        hundred wide where a table has thousands of neurons, h09's 99 x 99 table 9,801)."""
        key = ("mlp pre", layer)
        if key not in self.cache:
            n = len(self.trace.row_input)
            fits = n * self.trace.net.config.d_mlp <= PRE_CACHE_ENTRIES
            self.cache[key] = mlp_pre(self.trace, layer, np.arange(n)) if fits else None
        full = self.cache[key]
        if full is None:
            return mlp_pre(self.trace, layer, rows, neurons)
        return full[rows] if neurons is None else full[np.ix_(rows, np.asarray(neurons, int))]

    def _block_classes(self, chosen: list[Group], joint: np.ndarray, values: np.ndarray, output: bool,
                       rows: np.ndarray, design: np.ndarray, fresh: tuple = ()) -> tuple:
        """What reading a line's block off its weights needs: its neurons (the groups', their dead
        partners, the dead neurons reading what `design` says the line's arguments are on `rows`
        (`_dead_readers`), and for the categorical output's line the dead neurons writing only
        there), their output rows on the dimensions they write, each traced class's write there and
        its value, and the reader of a write no class makes (through the unembedding, for the output's
        line)."""
        layer = chosen[0].layer
        w_out = self._w_out(layer)
        neurons = [n for g in chosen for n in g.neurons]
        neurons += self._dead_partners(layer, neurons)
        neurons += self._dead_readers(layer, neurons, rows, design)
        neurons += self._fresh_readers(layer, neurons, fresh)
        output = output and self.trace.net.categorical_output
        if output:
            neurons += [n for n in self._output_writers(layer) if n not in neurons]
        dims = np.flatnonzero(np.abs(w_out[neurons]).max(axis=0) > 0)
        class_rows, writes = _class_writes(chosen, joint, w_out.shape[1])
        class_writes, class_values = writes[:, dims], values[class_rows].tolist()
        read = self._output_reader(class_writes, class_values, dims) if output else None
        return neurons, w_out[neurons][:, dims], class_writes, class_values, read, dims

    def _fresh_readers(self, layer: int, neurons: list[int], fresh: tuple) -> list[int]:
        """The neurons of `layer` in no group, not among `neurons`, that read a dimension the values
        no row holds of the vars `fresh` write (`Var.writes`) and write nowhere other groups write:
        a map's neuron for a value no row holds reads that value's direction alone, which varies
        over no row (`_dead_readers` does not see it)."""
        new = [var.writes[label_key(x)] for var in fresh if var.writes is not None for x in var.fresh]
        if not new:
            return []
        dead = np.setdiff1d(self._dead(layer)[3], neurons)
        if not len(dead):
            return []
        reads, w_in = mlp_read_weights(self.trace.net, layer)
        written = np.abs(np.stack(new)[:, reads]).max(axis=0) > 0
        if not written.any():
            return []
        dead = dead[np.abs(w_in[np.ix_(written, dead)]).max(axis=0, initial=0.0) > 0]
        return dead[~self._overlaps_others(layer, dead, neurons)].tolist()

    def _output_writers(self, layer: int) -> list[int]:
        """The neurons of `layer` in no group whose output rows lie in the space the unembedding
        reads (within float rounding): a compiled output table's neurons for pairs no row shows."""
        w_out, norms, _, dead = self._dead(layer)
        return _in_output_space(self.trace.net, w_out, norms, dead).tolist()

    def _output_reader(self, class_writes: np.ndarray, class_values: list, dims: np.ndarray):
        """A function from a write on `dims` to the output value the net reads from it, for a write
        whose logits are a traced class's with another value hot (each class's logits sorted, the
        same within float rounding); None when the traced classes' own logits do not decode to their
        values (something else writes the output space)."""
        net = self.trace.net
        w_u = net.W_U.astype(np.float64)[dims]
        logits = class_writes @ w_u
        if net.decode(logits) != class_values:
            return None
        patterns = np.sort(logits, axis=1)
        tolerance = 2 * WRITE_TOLERANCE * max(float(np.abs(logits).max(initial=0.0)), 1e-9)

        def read(write: np.ndarray):
            row = write @ w_u
            if np.abs(np.sort(row)[None] - patterns).max(axis=1).min() > tolerance:
                return None
            return net.decode(row[None])[0]
        return read

    def _dead(self, layer: int) -> tuple[np.ndarray, np.ndarray, list[int], np.ndarray]:
        """`layer`'s output rows, their norms, the neurons in some group, and the neurons in none
        that write something (no traced row made them fire); once per layer."""
        key = ("dead", layer)
        if key not in self.cache:
            w_out = self._w_out(layer)
            self.cache[key] = (w_out, *_unfired(self.trace, layer, w_out))
        return self.cache[key]

    def _dead_partners(self, layer: int, neurons: list[int]) -> list[int]:
        """The neurons of `layer` in no group (no traced row made them fire) whose output rows are
        not orthogonal to those of `neurons` and orthogonal to every other group's."""
        _, _, _, dead = self._dead(layer)
        if not len(dead):
            return []
        mine = self._overlaps(layer, dead, np.asarray(neurons, int))
        return dead[mine & ~self._overlaps_others(layer, dead, neurons)].tolist()

    def _overlaps(self, layer: int, dead: np.ndarray, neurons: np.ndarray) -> np.ndarray:
        """Per neuron of `dead`: whether its output row is not orthogonal to some of `neurons`'.
        The unit rows are kept sparse, once per layer: a compiled neuron writes a few of the
        residual stream's dimensions (a dense product per call over a block of thousands of
        neurons took a second of a 10 s search, the twenty-fifth set's m06)."""
        if not len(neurons) or not len(dead):
            return np.zeros(len(dead), bool)
        key = ("unit rows", layer)
        if key not in self.cache:
            w_out, norms, _, _ = self._dead(layer)
            unit = w_out / np.maximum(norms, 1e-30)[:, None]
            unit[np.abs(unit) <= 1e-12] = 0.0
            self.cache[key] = csr_matrix(unit)
        unit = self.cache[key]
        products = abs(unit[np.asarray(dead, int)] @ unit[np.asarray(neurons, int)].T)
        return np.asarray((products > 1e-4).sum(axis=1)).reshape(-1) > 0

    def _overlaps_others(self, layer: int, dead: np.ndarray, neurons: list[int]) -> np.ndarray:
        """`_overlaps` with the groups' neurons of `layer` other than `neurons`."""
        return self._overlaps(layer, dead, np.setdiff1d(self._dead(layer)[2], neurons))

    def _line_parts(self, groups: list[Group]) -> dict[int, int]:
        """`line_parts` of a block's groups, once per block."""
        key = ("line parts", groups[0].layer, len(groups))
        if key not in self.cache:
            self.cache[key] = line_parts(groups)
        return self.cache[key]

    def _dead_readers(self, layer: int, neurons: list[int], rows: np.ndarray, design: np.ndarray) -> list[int]:
        """The neurons of `layer` in no group (no traced row made them fire), not among `neurons`,
        whose output rows are orthogonal to every other group's, and whose inputs before the ReLU
        vary over `rows` as a function of the line's arguments, `design` [rows, p] of their model
        (one-hot codes of two vars, which add; a number and 1) fitted to them: a table's neurons for
        argument values no row shows together. tracr gives each output value its own direction, so
        the neuron of a pair that no row holds and no other pair gives the value of writes where no
        traced class does, and is no dead partner of the groups: left out, the pair read as writing
        nothing, which matched a class that writes nothing there (the twentieth hand-written set's
        h01, a score table read at (1, 11) as (0, 0): a false certificate)."""
        dead = np.setdiff1d(self._dead(layer)[3], neurons)
        if not len(dead):
            return []
        # only neurons reading a dimension the line's neurons read that varies over the rows (a
        # dimension every neuron reads, tracr's constant one, does not): few of thousands
        reads = mlp_reads(self.trace, layer, rows)
        _, w_in = mlp_read_weights(self.trace.net, layer)
        varies = np.ptp(reads, axis=0) > 1e-9 * max(float(np.abs(reads).max(initial=0.0)), 1e-30)
        mine = varies & (np.abs(w_in[:, neurons]).max(axis=1, initial=0.0) > 0)
        dead = dead[np.abs(w_in[np.ix_(mine, dead)]).max(axis=0, initial=0.0) > 0]
        if not len(dead):
            return []
        dead = dead[~self._overlaps_others(layer, dead, neurons)]
        found = []
        step = max(1, DEAD_READER_ENTRIES // max(len(rows), 1))
        for start in range(0, len(dead), step):
            block = dead[start:start + step]
            pre = mlp_pre(self.trace, layer, rows, block, reads)
            scale = np.abs(pre).max(axis=0, initial=0.0)
            changes = np.ptp(pre, axis=0) > FIT_TOLERANCE * np.maximum(scale, 1e-30)
            if not changes.any():
                continue
            fitted = np.linalg.lstsq(design, pre[:, changes], rcond=None)[0]
            fits = np.abs(design @ fitted - pre[:, changes]).max(axis=0) <= FIT_TOLERANCE * scale[changes]
            found += block[changes][fits].tolist()
        return found

    def _w_out(self, layer: int) -> np.ndarray:
        key = ("W_out", layer)
        if key not in self.cache:
            self.cache[key] = Weights(self.trace.net).W_out[layer].astype(np.float64)
        return self.cache[key]

    def _output_labels(self, values: np.ndarray) -> dict | None:
        """{value: the net's output} when `values` and the categorical outputs group the rows
        alike (each value always gives one output, and no two give the same); else None."""
        if not self.trace.net.categorical_output:
            return None
        labels: dict = {}
        for value, output in zip(values.tolist(), self.trace.outputs.tolist()):
            if value is None or output is None:
                if value is not output:
                    return None
                continue
            if labels.setdefault(label_key(value), output) != output:
                return None
        outputs = [label_key(v) for v in labels.values()]
        return labels if len(set(outputs)) == len(outputs) else None

    def is_output(self, values: np.ndarray) -> bool:
        numerical = not self.trace.net.categorical_output
        # a numerical output as the net wrote it, not its classes' means (`_output_by_value`)
        written = self.trace.output_column if numerical and self.trace.output_column is not None else None
        for want, got in zip(values.tolist(), (self.trace.outputs if written is None else written).tolist()):
            if want is None or got is None:
                if want is not got and not (numerical and want is None):
                    return False
            elif numerical:
                if not isinstance(want, (int, float)) or abs(want - got) > ATOL + RTOL * abs(want):
                    return False
            elif want != got or isinstance(want, bool) != isinstance(got, bool):
                return False
        return True


def _rows_of_each(codes: np.ndarray, keep: Sequence[bool] | None = None) -> np.ndarray:
    """Up to `ROWS_PER_NUMBER` rows of each code (the first ones, codes in order; only the codes
    `keep` marks, when given): a fit over a var's values is checked on rows that hold one value
    beside other lines' values."""
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(int(codes.max()) + 1))
    return np.concatenate([order[s:s + ROWS_PER_NUMBER][codes[order[s:s + ROWS_PER_NUMBER]] == c]
                           for c, s in enumerate(starts) if keep is None or keep[c]])


def _writes_by_value(class_rows: np.ndarray, writes: np.ndarray, values: np.ndarray) -> dict:
    """`Var.writes` of the traced classes: each class's value (`label_key`, from the row of it
    `class_rows` gives) and its write (`_class_writes`)."""
    return {label_key(values[r]): writes[k] for k, r in enumerate(class_rows.tolist())}


def _own_writes(written: np.ndarray, known: np.ndarray, reach: float) -> np.ndarray:
    """The indices of the writes `written` [W, d] that can be a value of their own beside the traced
    classes' writes `known` [C, d]: a write of at least half the classes' `reach`, apart from
    every class's direction (tracr gives each value its own, orthonormal). A write with a share
    along one is a misread, not a new value: the twentieth set's h08 read a pair as the sum of two
    classes' writes, before `_fresh_parts` took the pair's other new values as the line's, gave it
    a label of its own and certified a wrong program."""
    norms = np.linalg.norm(known, axis=1)
    unit = known[norms > 0] / norms[norms > 0, None]
    apart = np.abs(written @ unit.T).max(axis=1, initial=0.0) <= 2 * WRITE_TOLERANCE * reach
    return np.flatnonzero((np.abs(written).max(axis=1, initial=0.0) >= 0.5 * reach) & apart)


def _class_writes(chosen: list[Group], joint: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """A row of each class of `joint`, and the groups' write there [classes, width] (the residual
    stream's dimensions)."""
    class_rows = np.unique(joint, return_index=True)[1]
    writes = np.zeros((len(class_rows), width))
    for g in chosen:
        writes[:, g.columns] += g.writes[class_rows]
    return class_rows, writes


def _per_code(share: np.ndarray, classes: np.ndarray, codes: np.ndarray, count: int,
              tolerance: float) -> np.ndarray | None:
    """[count]: for each code, the class whose share the rows having it have, when every row of a
    code has the same one (within `tolerance`); None when some code's rows differ. Row r's share
    is `share[classes[r]]` (a writer's distinct writes' shares, `row_classes`): each pair of
    classes a code's rows hold is compared once. A code no row has gets row 0's class."""
    first = np.zeros(count, dtype=np.int64)
    present, where = np.unique(codes, return_index=True)
    first[present] = where
    held = np.unique(classes * len(share) + classes[first[codes]])
    held = held[held // len(share) != held % len(share)]
    if np.abs(share[held // len(share)] - share[held % len(share)]).max(initial=0.0) > tolerance:
        return None
    return classes[first]


def _summed(writes: list[np.ndarray], weights: list[np.ndarray], count: int, n: int) -> np.ndarray:
    """[count, n]: the sum of `writes[i] @ weights[i]` ([count, c_i] @ [c_i, n]), as one product of
    them side by side; sparse where most writes are zero (a categorical line's one-hot values, each
    its own neuron group: 702 of them before the twenty-second set's j13's last table)."""
    if not writes:
        return np.zeros((count, n))
    left, right = np.hstack(writes), np.vstack(weights)
    if np.count_nonzero(left) < 0.1 * left.size:
        return np.asarray(csr_matrix(left) @ right)
    return left @ right


def unwritten_outputs(trace) -> list:
    """The categorical output values that a neuron no traced row made fire writes into the space
    the unembedding reads, and no traced row outputs, once per such neuron: values the net can give
    on some input, or whose neuron no input fires, which the trace alone cannot tell apart. The
    certificate does not take a table's unreached holes as never occurring while one is left that
    the reading's output table does not give as often (seventh set u15: "open", the whole code of
    a lock, one input of 13^13, written by such a neuron and read as never; tracr gives each
    argument of a categorical table its own neuron)."""
    net = trace.net
    if not net.categorical_output:
        return []
    w_u = net.W_U.astype(np.float64)
    seen = {label_key(v) for v in trace.outputs.tolist()}
    found: list = []
    for layer in range(net.config.n_layers):
        # on the dimensions the block writes: a wide net's whole W_out is 12 million numbers a layer
        columns, w_out = mlp_write_weights(net, layer)
        norms, _, dead = _unfired(trace, layer, w_out)
        writing = _in_output_space(net, w_out, norms, dead, columns)
        if not len(writing):
            continue
        for k in np.argmax(w_out[writing] @ w_u[columns], axis=1).tolist():  # one product for the layer
            value = net.output_values[k]
            if label_key(value) not in seen:
                found.append(value)
    return found


#: The primitives whose every value an input may give the net's shape says (its tokens, its
#: positions, its lengths): a left-out one an MLP reads can be shown ignored (`ignores_primitive`).
PRIMITIVES = ("tokens", "indices", "length")
#: Rows whose neurons' inputs `ignores_primitive` compares at once.
PRE_CHUNK = 4096


def ignores_primitive(trace, layer: int, left_out: str, read: Sequence[str]) -> bool:
    """Whether `layer`'s MLP writes the same on every input whatever the primitive `left_out`
    (one of `PRIMITIVES`) is there, given the primitives `read` (what the program's lines computed
    there read): shown on the rows alone, where (1) every combination of their values an input may
    give (a token of the vocabulary, a position below the length, a causal net's length its
    prefix's) is on some row, (2) the MLP's
    input is the same on every row of one combination (it reads nothing else), and (3) its output
    is the same for each combination of `read` whatever `left_out` is. Any input then gives the
    MLP an input some row gave it, and an output `read` decides (the held-out mixed net bc1d9b:
    `sequence_map(lambda x, y: x if y == 3 else y, length, tokens)` over letters, whose MLP reads
    the length and whose line is a map of the tokens). A line whose values the net's shape does
    not give is not shown so: a value no row holds may be where the MLP reads it (the fortieth
    hand-written set's g03: a "solved" flag, 0 on every row)."""
    names = [*dict.fromkeys(name for name in read if name != left_out), left_out]
    if not set(names) <= set(PRIMITIVES):
        return False
    net = trace.net
    n = net.config.max_seq_len
    # each row's value of each, computed only for `names` (a causal net's length at a position is its prefix's)
    columns = {"tokens": trace.tokens, "indices": lambda: trace.row_position,
               "length": lambda: trace.row_position + 1 if net.config.causal else trace.row_length}
    every = {"tokens": list(net.vocab), "indices": list(range(n)), "length": list(range(1, n + 1))}

    def key(name, value):
        return label_key(value) if name == "tokens" else int(value)
    rows = list(zip(*[[key(name, v) for v in columns[name]().tolist()] for name in names]))
    first: dict = {}
    for r, combination in enumerate(rows):
        first.setdefault(combination, r)
    for combination in itertools.product(*[[key(name, v) for v in every[name]] for name in names]):
        at = dict(zip(names, combination))
        if "indices" in at and "length" in at and (at["indices"] >= at["length"] or (
                net.config.causal and at["indices"] != at["length"] - 1)):
            continue  # no input gives it
        if combination not in first:
            return False
    order = sorted(first)
    shown = np.array([first[c] for c in order])
    pre = mlp_pre(trace, layer, shown)  # the neurons' inputs (a scrambled net's MLP reads every dimension)
    at = {c: k for k, c in enumerate(order)}
    reps = np.array([at[c] for c in rows])
    tolerance = FIT_TOLERANCE * max(float(np.abs(pre).max(initial=0.0)), 1e-9)
    for start in range(0, trace.rows, PRE_CHUNK):
        chunk = np.arange(start, min(start + PRE_CHUNK, trace.rows))
        if np.abs(mlp_pre(trace, layer, chunk) - pre[reps[chunk]]).max(initial=0.0) > tolerance:
            return False  # it reads something else the rows vary
    _, w_out = mlp_write_weights(net, layer)  # on the dimensions it writes: the rest are 0
    out = np.maximum(pre, 0.0) @ w_out
    tolerance = FIT_TOLERANCE * max(float(np.abs(out).max(initial=0.0)), 1e-9)
    by_read: dict = {}
    for combination, written in zip(order, out):
        base = by_read.setdefault(combination[:len(names) - 1], written)
        if np.abs(written - base).max(initial=0.0) > tolerance:
            return False
    return True


def _unfired(trace, layer: int, w_out: np.ndarray) -> tuple[np.ndarray, list[int], np.ndarray]:
    """The norms of `layer`'s output rows `w_out`, the neurons in some group of the trace, and the
    neurons in none that write something (no traced row made them fire)."""
    grouped = [n for g in trace.groups if g.layer == layer for n in g.neurons]
    norms = np.linalg.norm(w_out, axis=1)
    return norms, grouped, np.setdiff1d(np.flatnonzero(norms > 0), grouped)


def _in_output_space(net, w_out: np.ndarray, norms: np.ndarray, neurons: np.ndarray,
                     columns: np.ndarray | None = None) -> np.ndarray:
    """Those of `neurons` whose output rows lie in the space the unembedding reads (within float
    rounding); its basis is kept with the net. `columns`: the residual dimensions `w_out`'s
    columns are, where not all of them."""
    if not len(neurons):
        return neurons

    def basis() -> np.ndarray:
        u, singular, _ = np.linalg.svd(net.W_U.astype(np.float64), full_matrices=False)
        return u[:, singular > 1e-9 * max(float(singular.max(initial=0.0)), 1e-30)]
    space = net.cached("unembedding basis", basis)
    inside = np.linalg.norm(w_out[neurons] @ (space if columns is None else space[columns]), axis=1)
    return neurons[inside >= (1 - 1e-6) * norms[neurons]]


def _class_labels(joint: np.ndarray, values: np.ndarray) -> tuple:
    """The value of each class of `joint`, in class order: two lines that cover the same groups
    with other values (`x + y`, `x - y`) read their unseen pairs under their own labels."""
    return tuple(label_key(v) for v in values[np.unique(joint, return_index=True)[1]].tolist())


class _ShownValues:
    """`x in shown`: whether some value of `values` is `_same_value` as x, by a set for the values
    that are not numbers and a sorted array for those that are (a map of a mean checks thousands
    of values no row shows against thousands the rows show: 11 million comparisons one by one,
    most of the thirty-first hand-written set's s17's 30 s)."""

    def __init__(self, values, exact: bool = False):
        values = list(values)
        self.same = _same_label if exact else _same_value  # labels, or numbers within the tolerance
        self.numbers = np.sort(np.array([v for v in values if _plain_number(v)], dtype=float))
        self.others = [v for v in values if not _plain_number(v)]
        try:
            self.other_keys = {label_key(v) for v in self.others}
        except TypeError:  # an unhashable value: compared one by one
            self.other_keys = None

    def __contains__(self, x) -> bool:
        if _plain_number(x):
            # any b within ATOL + RTOL * |b| of x lies within this window (RTOL < 1/2)
            width = 2 * (ATOL + RTOL * (abs(x) + ATOL))
            lo, hi = np.searchsorted(self.numbers, [x - width, x + width], side="left")
            return any(self.same(x, float(b)) for b in self.numbers[lo:hi + 1])
        if self.other_keys is not None:
            try:
                return label_key(x) in self.other_keys
            except TypeError:
                pass
        return any(self.same(x, v) for v in self.others)


#: Relative difference of two numbers that are one label: float rounding of one value computed
#: in two orders (a mean summed two ways), not the tolerance of a net's numerical outputs.
LABEL_ROUNDING = 1e-9


def _same_label(a, b) -> bool:
    """Equal as values of a categorical line (labels): numbers up to float rounding
    (`LABEL_ROUNDING`), True and 1 apart, the rest by ==."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return abs(a - b) <= LABEL_ROUNDING * max(1.0, abs(a), abs(b))
    return _same_value(a, b)


def _same_value(a, b) -> bool:
    """Equal as values of a line: numbers within the project's tolerance (a sum taken in another
    order), True and 1 apart (two values to RASP)."""
    if a is None or b is None:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= ATOL + RTOL * abs(b)
    return a == b


def label_key(value) -> tuple:
    """A line's value as a dict key (its writes' keys, `Var.writes`): True and 1 are one key to a
    dict, and two values to RASP."""
    return (type(value) is bool, value)


def _conflated(values: list) -> bool:
    """Whether a categorical line's values hold two labels that are one value to a program's
    tables, sets and comparisons: True and 1, False and 0 (`x or y` of a flag and a line of codes
    gives True where the flag holds and the code elsewhere; where a code is 1 the line's two classes
    are one to every select reading it: a reading of the thirty-sixth hand-written set's v07, whose
    select table then chose the flag's positions as the code's)."""
    flags = {v for v in values if type(v) is bool}
    return bool(flags) and any(type(v) is not bool and isinstance(v, (int, float)) and v in flags for v in values)


def _relabelled_leaves(function, labels: dict):
    """`function` (a lambda whose body is a condition with constant branches, or a comparison)
    with each branch's constant, or True and False, replaced by its label; None for any other
    body, or a branch value without a label."""
    if not isinstance(function, fn.Lambda):
        return None

    def leaf(value):
        key = label_key(value)
        return fn.Const(labels[key]) if key in labels else None

    def walk(expr):
        if isinstance(expr, fn.IfElse):
            then, otherwise = walk(expr.then), walk(expr.otherwise)
            return None if then is None or otherwise is None else fn.IfElse(then, expr.condition, otherwise)
        if isinstance(expr, fn.Const):
            return leaf(expr.value)
        return None

    body = function.body
    if isinstance(body, (fn.Compare, fn.Not, fn.BoolOp)):
        then, otherwise = leaf(True), leaf(False)
        new = None if then is None or otherwise is None else fn.IfElse(then, body, otherwise)
    else:
        new = walk(body)
    return None if new is None else fn.Lambda(function.arity, new)


def _signature(node: nodes.Node) -> tuple:
    """What a line computes, up to its name: two lines with one signature are one line."""
    what = {key: value for key, value in vars(node).items() if key not in ("name", "where")}
    return (type(node).__name__,) + tuple(id(v) if isinstance(v, nodes.Node) else repr(v)
                                          for _, v in sorted(what.items()))


def _claims(covered: list[int], groups: list[Group], parts: dict[int, int] | None = None
            ) -> list[tuple[list[int], bool]]:
    """The sets of groups a line determining `covered` may stand for, with whether each is
    coherent: all its groups are read by the same later components, a head by the same role (a
    line's readers read all of its values; a group read by nothing is a value no reader uses and
    fits any line). Groups of different readers are different lines, so the wide claim is kept
    only as a last resort: a head comparing two lines of one MLP (`select(rk, qk, EQ)`, eleventh
    hand-written set y06) reads one through its queries and the other through its keys, and a
    sample on which one line determines some of the other's groups would let it claim them.
    `parts` (`line_parts`) tells the lines of groups with the same readers apart where it can."""
    parts = parts or {}
    numerical = [i for i in covered if groups[i].numerical]
    if numerical and len(covered) > 1:
        # a numerical line writes one direction, one group: a line claiming it with others (an
        # unread group its var also determines, `query`'s -1 beside `numerical map(lambda p: p,
        # perch)`: the thirty-fourth hand-written set's s01) is a categorical line where a
        # numerical one stood, and the head averaging it a categorical aggregate
        rest = [i for i in covered if not groups[i].numerical]
        return [([i], True) for i in numerical] + (_claims(rest, groups, parts) if rest else [])

    def signature(i: int) -> tuple[frozenset, int]:
        return groups[i].roles or groups[i].readers, parts.get(groups[i].index, 0)

    signatures = {signature(i) for i in covered if signature(i)[0]}
    if len(signatures) <= 1:
        return [(covered, True)]
    claims = [([i for i in covered if signature(i)[0] <= chosen and signature(i)[1] == part], True)
              for chosen, part in sorted(signatures, key=lambda item: (sorted(item[0]), item[1]))]
    return claims + [(covered, False)]


def _lines_by_role(groups: list[Group], parts: dict[int, int] | None = None) -> list[tuple[frozenset, int]]:
    """Which line each group's readers say it belongs to: for a group some head reads, the widest of
    the groups' readers by role (`Group.roles`) that holds its own, when one does (a select reads
    some of its keys' values through both W_Q and W_K and others, never selected, through W_Q
    alone: one line), else its readers (two heads each reading part: no role tells)."""
    signatures = {g.roles for g in groups if g.roles}
    widest = [s for s in signatures if not any(s < other for other in signatures)]
    out = []
    for g in groups:
        # only a head's reads tell part of a line from the rest (values a select never chooses):
        # groups read by MLPs alone are their own line (a map beside another in one block, read
        # by the same MLP, one also fetched by a head: the twenty-first hand-written set's i14,
        # a character's class and its digit, read as one table the fetch was no aggregate of)
        holding = [s for s in widest if g.roles and g.roles <= s] if _head_read(g.roles) else []
        out.append((holding[0] if len(holding) == 1 else g.readers, (parts or {}).get(g.index, 0)))
    return out


def _joined_by_firing(classes: dict[tuple[frozenset, int], list[int]], groups: list[Group]) -> list[list[int]]:
    """`_tables`' classes of groups (by `_lines_by_role`), where a class read by MLPs alone joins
    the one class whose readers hold its own and more, when no row has a group of each writing: a
    categorical line writes one value a row, two lines two, so groups that never write together
    are one line whose values one reader does not read: a select never chooses them as its queries
    (`q % 2 == 0` over `n * 2 + b` reads the even values only: the thirty-sixth hand-written set's
    v07, a name's key read as two tables, one for the breaks' odd values, which no select then read
    whole), or a map gives them nothing to write (a permission bit's MLP reads the symbols 1, 2, 4,
    not the 0 and the 8 it maps to 0: the forty-sixth set's d13, read as two tables, while the
    output's block reads every value of the line, so its pairs with values no row holds were not
    read). Two lines of one block, one also read by a head, write together (the twenty-first set's
    i14) and stay apart."""
    def fires(members: list[int]) -> np.ndarray:
        return np.any([np.abs(groups[i].writes).max(axis=1, initial=0.0) > 0 for i in members], axis=0)
    joined = {key: list(members) for key, members in classes.items()}
    for key, members in classes.items():
        signature, part = key
        if part or not signature or _head_read(signature) or any(groups[i].numerical for i in members):
            continue
        holders = [other for other in joined if other != key and not other[1] and signature < other[0]
                   and not any(groups[i].numerical for i in joined[other])]
        # (with the groups joined to it so far: none of them may write beside the holder's)
        if len(holders) == 1 and not (fires(joined[key]) & fires(joined[holders[0]])).any():
            joined[holders[0]] = sorted(joined[holders[0]] + joined.pop(key))
    return list(joined.values())


def line_parts(groups: list[Group]) -> dict[int, int]:
    """Group index -> which of the lines that share its readers it belongs to (1, 2, ...), for the
    categorical groups of one block read by the same components where they are several lines: a
    categorical line writes one value a row, so its groups never write together, and where every
    row has exactly k of them writing, k > 1, and the groups fall into k sets each with exactly
    one writing on every row, each set is a line. Two maps of one var in one block, read by the
    same MLP (`d // 12` and `d % 12` of a sum of pence, then their two tables, the twenty-fourth
    hand-written set's l22), were read as one map of the var, whose values the output's table
    could not give every output from. Groups not so split are absent (one line, as before).

    Groups that never write beside the rest (a rare value of each of two lines: they write
    together, and with nothing else) may swap sets with no row telling: their roles decide
    (`_aligned`), and where roles tell nothing either the readers' groups are not split (the
    forty-fifth hand-written set's e17: the stops 8 and 9 of a select's keys, and of its queries,
    swapped, so neither line covered its groups and no select was read)."""
    by_readers: dict[frozenset, list[Group]] = {}
    for g in groups:
        if g.readers and not g.numerical:
            by_readers.setdefault(g.readers, []).append(g)
    out: dict[int, int] = {}
    for members in by_readers.values():
        if len(members) < 2:
            continue
        fires = np.stack([np.abs(g.writes).max(axis=1, initial=0.0) > 0 for g in members], axis=1)
        per_row = fires.sum(axis=1)
        k = int(per_row.max()) if len(per_row) else 0
        if k < 2 or int(per_row.min()) != k:
            continue
        together = (fires.T.astype(np.int64) @ fires.astype(np.int64)) > 0
        np.fill_diagonal(together, False)
        assigned = _colouring(together, k)
        if assigned is None:
            continue
        assigned = _aligned(assigned, together, [g.roles or g.readers for g in members], k)
        if assigned is None:
            continue
        if all((fires[:, assigned == p].sum(axis=1) == 1).all() for p in range(k)):
            out.update({g.index: int(p) + 1 for g, p in zip(members, assigned)})
    return out


def _aligned(sets: np.ndarray, edges: np.ndarray, roles: list, k: int) -> np.ndarray | None:
    """`sets` (a colouring of `edges` into k sets) with each connected component's sets permuted
    to agree best with the larger components' by the groups' roles: a component's colouring is
    fixed only up to a permutation of its sets, which no co-firing ties to another component's.
    None where a component's best permutation is not unique (no role tells the sets apart)."""
    _, component = connected_components(csr_matrix(edges), directed=False)
    order = sorted(set(component.tolist()), key=lambda c: (-int(np.sum(component == c)), c))
    if len(order) == 1:
        return sets
    if k > 4:
        return None  # too many permutations to weigh; not split
    out = sets.copy()
    seen: list[set] = [set() for _ in range(k)]  # the roles each set holds so far
    for index, c in enumerate(order):
        members = np.flatnonzero(component == c)
        if index:
            scores = {perm: sum(roles[i] in seen[perm[sets[i]]] for i in members)
                      for perm in itertools.permutations(range(k))}
            best = max(scores.values())
            winners = [perm for perm, score in scores.items() if score == best]
            if len(winners) > 1:
                return None
            for i in members:
                out[i] = winners[0][sets[i]]
        for i in members:
            seen[out[i]].add(roles[i])
    return out


def _colouring(edges: np.ndarray, k: int) -> np.ndarray | None:
    """A set 0..k-1 for each node of the graph `edges` [n, n] (bool, symmetric) with no edge inside a
    set, by DSatur (the node whose neighbours use the most sets first; exact for two sets), or
    None where it needs more than k."""
    n = len(edges)
    sets = np.full(n, -1)
    degree = edges.sum(axis=1)
    for _ in range(n):
        free = np.flatnonzero(sets < 0)
        saturation = [len(set(sets[edges[i]].tolist()) - {-1}) for i in free]
        i = int(free[max(range(len(free)), key=lambda j: (saturation[j], degree[free[j]], -free[j]))])
        used = set(sets[edges[i]].tolist())
        choice = next((c for c in range(k) if c not in used), None)
        if choice is None:
            return None
        sets[i] = choice
    return sets if len(set(sets.tolist())) == k else None


def _head_read(roles) -> bool:
    """Whether some head reads a group (`Group.roles`)."""
    return any(role[0] == "head" for role in roles or ())


def gives_flags(value_sets, node: nodes.Node) -> bool:
    """Whether a numerical map or sequence_map gives 0 or 1 on every value its inputs can take,
    as compile requires of what a numerical mean averages (a head that reads a numerical line
    averages it: a select's keys and queries are categorical). A lambda fitting the rows may not:
    the nineteenth hand-written set's g03 counts earlier hits, 0 or 1 on every traced row though
    its value set is 0..7, and `x + 0` fitted where the net has `1 if x > 0 else 0`, a reading
    compile then refused. True where the values are not known or too many (compile decides), and
    for a table (its entries are what the rows showed)."""
    function = getattr(node, "function", None)
    if function is None or isinstance(function, fn.Table):
        return True
    domains = [known_values(value_sets, child) for child in node.children]
    if not all(domains) or math.prod(len(d) for d in domains) > MAX_PAIRS:
        return True
    for args in itertools.product(*domains):
        try:
            value = call(function, *args)
        except Invalid:
            continue
        if value is not None and not (isinstance(value, (int, float)) and value in (0, 1)):
            return False
    return True


def _readers(groups: list[Group], covered: list[int]) -> frozenset:
    return frozenset().union(*(groups[i].readers for i in covered))


def _with_fresh(var: Var, writes: dict | None, fresh: tuple) -> Var:
    """`var` with the values no row holds that its block's weights give (`Var.fresh`), if any."""
    if fresh:
        var.writes, var.fresh = writes, fresh
    return var


def _numerical_reader(class_writes: np.ndarray, class_values: list):
    """A function from a write to the number a numerical line writes with it, when the traced
    classes' writes lie on one line through the origin and their values are its coordinate along
    it times one factor (within the project's tolerance); else None."""
    if len(class_values) < 2 or not _all_numbers(class_values):
        return None
    target = np.array(class_values, dtype=np.float64)
    coef = np.linalg.lstsq(class_writes, target, rcond=None)[0]
    scale = max(float(np.abs(target).max(initial=0.0)), 1.0)
    if np.abs(class_writes @ coef - target).max(initial=0.0) > 1e-4 * scale:
        return None
    if np.linalg.matrix_rank(class_writes, tol=WRITE_TOLERANCE * max(float(np.abs(class_writes).max()), 1e-9)) > 1:
        return None  # several directions: a categorical line
    return lambda write: _snapped(float(write @ coef))


def _written_value(write: np.ndarray, class_writes: np.ndarray, class_values: list, reach: float, number):
    """The value a block's `write` for an argument no row holds gives: on a numerical line (`number`,
    `_numerical_reader`: its classes' writes on one line) the number the write is, a traced class's
    value where it is within 1e-4 of it relatively (float noise); on another, the traced class whose
    write is within 2 `WRITE_TOLERANCE` of the classes' largest (`reach`); None where none is. A
    numerical line's values may span orders of magnitude, and the classes' tolerance then spans
    many values: the twenty-seventh set's o06 (1000 / 2^x 5^y, 1000 down to 0.00001) read its
    untraced 0.00005 as the traced 0.2 (0.2 away: 2e-4 of a reach of 1,000), and a reading certified
    with it was wrong on 64 of 40,000 inputs."""
    if number is not None:
        value = number(write)
        near = [c for c in class_values if abs(c - value) <= 1e-4 * max(abs(c), abs(value))]
        return min(near, key=lambda c: abs(c - value)) if near else value
    if not len(class_writes):
        return None
    distance = np.abs(class_writes - write[None]).max(axis=1, initial=0.0) / reach
    k = int(distance.argmin())
    return class_values[k] if distance[k] <= 2 * WRITE_TOLERANCE else None


def _snapped(value: float) -> float | int:
    """A value read off float weights: an integer when within 1e-4 of one, else 6 decimals
    (float noise, a scramble's ~1e-6, is not part of the value; 2/3 stays 0.666667)."""
    if abs(value - round(value)) < 1e-4:
        return float(round(value)) + 0.0
    return round(value, 6) + 0.0


def _own_scale(inputs: list[Var], codes: np.ndarray, means: np.ndarray) -> float | None:
    """The factor making a numerical map's values, `means` per class of `codes` (read up to
    scale), its one input's own values, where they are numbers in proportion to them: a coin's
    cents `numerical map(lambda x: x, tokens)` over 5, 10, 20 and 50 are read as themselves, not
    as 1, 2, 4 and 10 (`_integer_scale`), which a running total's sum would need a factor of 5
    to give (the forty-fourth hand-written set's m06 read its total as a 1,216-entry table).
    None where there is no one such factor."""
    if len(inputs) != 1:
        return None
    first = np.unique(inputs[0].codes, return_index=True)[1]  # a row of each input value
    if not _all_numbers(inputs[0].values[first].tolist()):
        return None
    own = np.array([float(v) for v in inputs[0].values[first].tolist()])
    mine = means[codes[first]]  # the map's value there
    if np.abs(own[np.abs(mine) <= 1e-9]).max(initial=0.0) > 1e-9:
        return None  # a nonzero input written as 0
    written = np.abs(mine) > 1e-9
    if not written.any():
        return None
    factors = own[written] / mine[written]
    factor = float(factors[0])
    if factor <= 0.0 or np.abs(factors - factor).max() > 1e-6 * factor:
        return None  # (the values' sign is kept as `_coordinate` reads it)
    return factor


#: The largest denominator of a numerical write's common measure (`_integer_scale`).
MAX_SCALE_DENOMINATOR = 12


def _integer_scale(values: np.ndarray) -> float:
    """A factor making every value an integer (within 1e-4), when a simple one does: one over
    the smallest value, the smallest gap between values, or their common measure (the smallest
    over the least common denominator of the others' ratios to it, at most `MAX_SCALE_DENOMINATOR`:
    0.6 and 1.0, minutes of 3 and 5 written on the largest, are 3 and 5 of 0.2; the forty-fourth
    hand-written set's m05, whose mean of 0.6s and 1.0s gave 0.19999999999999998 beside 0.2, two
    values compile cannot tell apart, in every reading). A numerical write fixes its values only
    up to scale, and integers keep sums exact where 2/3 written as a float would not."""
    distinct = np.unique(np.round(values, 6))
    nonzero = np.abs(distinct[np.abs(distinct) > 1e-6])
    gaps = np.diff(distinct)
    units = [1.0] + ([nonzero.min()] if len(nonzero) else []) + ([gaps.min()] if len(gaps) else [])
    if len(nonzero):
        base = float(nonzero.min())
        denominator = math.lcm(*(fractions.Fraction(float(v) / base).limit_denominator(MAX_SCALE_DENOMINATOR)
                                 .denominator for v in nonzero))
        if denominator <= MAX_SCALE_DENOMINATOR:
            units.append(base / denominator)
    for unit in units:
        scaled = values / unit
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-4) and np.abs(scaled).max() <= 1e6:
            return 1.0 / unit
    return 1.0


def _coordinate(group: Group) -> np.ndarray:
    """A one-direction write as a number per row (1.0 on its largest write), None-free."""
    writes = group.writes
    direction = writes[np.argmax(np.abs(writes).sum(1))]
    return writes @ (direction / np.dot(direction, direction))


def _splits(covered: list[int], uncovered: set, groups: list[Group], parts: dict[int, int] | None = None) -> bool:
    """Whether a line covering `covered` leaves out an uncovered group with the same readers as
    one it covers (likely the same line, so the claim is partial), and the same part of them
    (`line_parts`); a numerical group is a line of its own (`Group.numerical`), so leaving one out,
    or covering one, splits nothing."""
    parts = parts or {}

    def line(i: int) -> tuple[frozenset, int]:
        return groups[i].readers, parts.get(groups[i].index, 0)

    mine = {line(i) for i in covered if groups[i].readers and not groups[i].numerical}
    return any(line(i) in mine for i in uncovered - set(covered) if not groups[i].numerical)


def function_key(node: nodes.Node, source_of=None) -> tuple[str, ...]:
    """What names a map or sequence_map with a lambda across readings: the canonical text of its
    inputs and its function's (`source_of`: a node's canonical text, memoised by the caller)."""
    source_of = source_of or (lambda child: prog.Program(child).source)
    return tuple(source_of(child) for child in node.children) + (node.function.format(),)


def register_fitted(fitted: dict, make_node, shown, source_of=None) -> None:
    """Records that the line `make_node()` builds has a lambda fitted to the argument values `shown`
    (a map's values, a sequence_map's pairs) and extrapolated to the others: the certificate
    treats those as a table's missing entries (`interpreter.certify.table_holes`). Readings add
    what each showed."""
    try:
        node = make_node()
    except compiler.SourceError:
        return
    fitted.setdefault(function_key(node, source_of), set()).update(table_key(arg) for arg in shown)


def _fraction(value) -> bool:
    """Whether `value` is a number with a fractional part (a mean's value, not a count's)."""
    return isinstance(value, float) and math.isfinite(value) and not value.is_integer()


def _runs(indices) -> str:
    """Numbers as runs: 0, 1, 2, 3, 7 as "0-3, 7" (a table's neuron groups are often dozens in a row)."""
    runs: list[list[int]] = []
    for i in indices:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ", ".join(str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}-{b}" for a, b in runs)


def _fewest_decimals(design: np.ndarray, y: np.ndarray, fit: np.ndarray, digits: Sequence) -> np.ndarray:
    """`fit` (least squares of `design` on `y`) to the first of `digits` decimals that still fits
    (None: `_snapped`, taken as it is). A net's float error (a leak of attention, ~1e-3) turns 0.6
    into 0.5995, which the program did not say. A rounding fits when each row lies within its own
    tolerance (as `is_output` holds the line to) and the rounding adds no error of its own beyond
    the fit's noise: within the largest output's tolerance, 53.75 and 1.2 rounded to 54 and 1 (and
    then to 53.7) fit a tax of up to 55, missing every small output by 0.2 (the seventeenth
    hand-written set's e14 then had no line for its output) and the largest by 0.05, where 53.75
    misses none by 1e-5."""
    tolerance = np.minimum(ATOL + RTOL * np.abs(y), 4 * np.abs(design @ fit - y).max() + 1e-5 * np.abs(y).max())
    for places in digits:
        snapped = np.array([_snapped(float(v)) if places is None else round(float(v), places) + 0.0 for v in fit])
        if places is None or np.all(np.abs(design @ snapped - y) <= tolerance):
            return snapped
    return snapped


def _calls(function, args: Sequence) -> list | None:
    """`function` on each argument, None where it fails on one (`Invalid`)."""
    try:
        return [call(function, x) for x in args]
    except Invalid:
        return None


#: Largest denominators tried, in turn, for a free-scale pair of factors read as whole numbers
#: (`_whole_ratio`), and how close (relative) the ratio must come.
WHOLE_DENOMINATORS, WHOLE_RATIO_CLOSE = (10, 100, 1000), 2e-6


def _whole_ratio(w: np.ndarray) -> tuple[int, int] | None:
    """Two factors whose scale is free (`p a + q b` of an intermediate line, read off its write up
    to a multiple) as whole numbers with their ratio, where a fraction of small denominator gives
    it within float noise: 1.688935 : 1 as 809 : 479. A chain of such sums (the thirtieth set's
    grid carbon intensity, 809 coal + 479 gas + 219 biomass + nuclear) then keeps whole values,
    where factors rounded to six digits drifted by 1e-4 a step; None where no such fraction is
    close."""
    if len(w) != 2 or not np.all(np.abs(w) > 1e-9):
        return None
    big = int(np.argmax(np.abs(w)))
    ratio = float(abs(w[big] / w[1 - big]))
    for limit in WHOLE_DENOMINATORS:
        fraction = fractions.Fraction(ratio).limit_denominator(limit)
        if abs(float(fraction) - ratio) <= WHOLE_RATIO_CLOSE * ratio:
            whole = [0, 0]
            whole[big] = int(np.sign(w[big])) * fraction.numerator
            whole[1 - big] = int(np.sign(w[1 - big])) * fraction.denominator
            return whole[0], whole[1]
    return None
