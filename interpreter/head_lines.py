"""How the search explains an attention head: a select that chooses what the head attends to
(a library predicate, a relabelling of the line computing its queries, or a table), and an
aggregate or selector_width matching what it writes.

A part of `interpreter.search.LineSearch`: it uses the search's trace, library, value sets,
cache and counters.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

import numpy as np
from tracr.rasp import rasp

import compiler
from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.literals import table_key
from compiler.language.parser import parse_lambda
from interpreter.lines import (
    Invalid,
    Var,
    aggregate_values,
    call,
    collinear_with,
    known_values,
    make_var,
    object_array,
    row_mapping,
    selector_width_values,
    table_of,
)
from interpreter.mlp_lines import Line, State, label_key
from interpreter.trace import (
    OUTPUT_TOLERANCE,
    Head,
    determines,
    head_ov_weights,
    head_qk_weights,
    head_vectors,
    refines_closely,
    same_partition,
)


class HeadLines:
    """The head steps of `LineSearch`."""

    def head_options(self, head: Head, state: State) -> list[State]:
        before = [v for v in state.vars if v.sublayer < head.sublayer]
        me = ("head", head.layer, head.index)
        # the vars this head reads first (a select by TRUE or FALSE reads neither side)
        found = self._selector(head, [v for v in before if not v.numerical], me, state)
        if found is None:
            self.why = "no two vars read before it determine which positions it attends to"
            return []
        keys, queries, predicate, source, extrapolated = found
        masked = False
        # relabelled: the line that computes it now gives the keys' labels
        if not any(v is queries for v in state.vars):
            state = state.replace(next(v for v in state.vars if v.node is queries.replaces), queries)
        if self.trace.net.config.causal and predicate is rasp.Comparison.TRUE:
            # a causal head that attends to every earlier key: in the program, every key up to the
            # query's index. Spelled TRUE (and its width as `length`), later positions would
            # count too, which the causal net never sees and the compiler refuses.
            keys, queries = [next(v for v in state.vars if v.node is nodes.INDICES)] * 2
            predicate = rasp.Comparison.LEQ
            # its unshown pairs are keys after the query, which the mask, not the select, rules out
            extrapolated, masked = False, True
        try:
            select = nodes.make_select(keys.node, queries.node, predicate)
        except compiler.SourceError as error:
            self.why = f"its select cannot be written ({error})"
            return []
        if extrapolated:
            register_extrapolated(self.extrapolated_selects, select, head.name, self._shown_pairs(keys, queries))
        elif (source not in ("relabelled", "table") and not masked
              and predicate not in (rasp.Comparison.TRUE, rasp.Comparison.FALSE)):
            # read on every pair of the values the rows hold; a value no row holds (a count only a
            # rare input reaches) is as unread as an unshown pair: the certificate searches for it
            register_extrapolated(self.extrapolated_selects, select, head.name, self._read_pairs(head, keys, queries))
        selected = head.selected
        options = []
        for var in before:
            if not var.read_by(me):
                continue
            self.tried += 1
            try:
                values, codes = aggregate_values(self.trace, selected, var)
                node = nodes.make_aggregate(select, var.node, encoding=var.node.encoding)
            except (Invalid, compiler.SourceError):
                continue
            if not same_partition(head.codes, codes):
                # a numerical mean whose values lie closer than the head's classes tell apart
                if not (var.numerical and _written_finer(head, values, codes)):
                    continue
            elif var.numerical and not collinear_with(head.writes, values, codes):
                continue
            line = make_var(node, values, head.sublayer, codes, head.readers)
            if not var.numerical and var.fresh:
                line = self._aggregate_fresh(head, var, line) or line
            options.append(state.add(Line(line, head.name, source)))
        widths, codes = selector_width_values(self.trace, selected)
        if (same_partition(head.codes, codes) or refines_closely(head.writes, head.codes, codes)
                or _written_finer(head, [1.0 / (int(w) + 1) for w in widths], codes)):
            node = nodes.make_selector_width(select)
            var = make_var(node, widths, head.sublayer + 1, codes)
            options.append(dataclasses.replace(state, pending=state.pending + ((var, head, source),)))
        if not options:
            t = self.trace
            several = np.bincount(t.pair_query, weights=selected, minlength=t.rows) > 1
            self.why = ("at some queries it attends to several positions, and what it writes there is no mean "
                        "of a numerical var nor their count (a categorical aggregate must select one position, "
                        "or positions of one value: the net averages values RASP cannot)" if several.any() else
                        "what it writes is no aggregate of a var read before it, nor a selector width")
        return options

    def _aggregate_fresh(self, head: Head, var: Var, line: Var) -> Var | None:
        """`line`, a categorical aggregate of `var`, with `var`'s values no row copies (`Var.fresh`,
        and values `var` shows that no row's selected position held) as its own, each with its
        write: a categorical aggregate copies the one position it attends to, so a value's write
        is a shown value's plus the difference of `var`'s writes through the head's W_V W_O
        (`Var.writes`). Checked first on the shown values; None where they disagree or `var` has
        no writes. The forty-fifth hand-written set's e20: the running total at the previous green,
        fetched by the greens' number, can be a total no row's green holds (a table's new labels),
        and the queue (the total less it) read its pairs with those as holes no input reached,
        while the net wrote an output only they give (a queue of -24)."""
        if var.writes is None:
            return None
        shown = line.distinct
        if any(label_key(x) not in var.writes for x in shown) or head.columns is None:
            return None
        first = np.unique(line.codes, return_index=True)[1]
        class_writes = head.writes[first]
        ov = head_ov_weights(self.trace.net, head.layer, head.index, head.columns)
        sources = np.stack([var.writes[label_key(x)] for x in shown])
        predicted = class_writes[0] + (sources - sources[0]) @ ov
        reach = max(float(np.abs(class_writes).max(initial=0.0)), 1e-9)
        if np.abs(predicted - class_writes).max(initial=0.0) > OUTPUT_TOLERANCE * reach:
            return None
        keys = {label_key(x) for x in shown}
        new = [x for x in var.every_value if label_key(x) not in keys and label_key(x) in var.writes]
        if not new:
            return None
        d = self.trace.net.config.d_model

        def full(write: np.ndarray) -> np.ndarray:
            out = np.zeros(d)
            out[head.columns] = write
            return out
        writes = {label_key(x): full(w) for x, w in zip(shown, class_writes)}
        for x in new:
            writes[label_key(x)] = full(class_writes[0] + (var.writes[label_key(x)] - sources[0]) @ ov)
        return dataclasses.replace(line, writes=writes, fresh=tuple(new))

    def _selector(self, head: Head, candidates: list[Var], me: tuple, state: State) -> tuple | None:
        """The best (keys, queries, predicate, source) selecting exactly what the head attends to:
        on vars the head reads, by the predicate's rank, then by the vars' order."""
        t = self.trace
        best, best_rank, shown = None, None, None
        for qi, queries in enumerate(candidates):
            q_codes = queries.codes[t.pair_query]
            nq = int(queries.codes.max()) + 1
            for ki, keys in enumerate(candidates):
                joint = keys.codes[t.pair_key] * nq + q_codes
                size = (int(keys.codes.max()) + 1) * nq
                total = np.bincount(joint, minlength=size)
                chosen = np.bincount(joint, weights=head.selected, minlength=size)
                if np.any((chosen > 0) & (chosen < total)):
                    continue  # the head's choice is not a function of these keys and queries
                occurs = np.argwhere(total.reshape(-1, nq) > 0)
                want = chosen.reshape(-1, nq)[occurs[:, 0], occurs[:, 1]] > 0
                k_vals, q_vals = keys.distinct, queries.distinct
                pairs = [(k_vals[i], q_vals[j]) for i, j in occurs]
                var_rank = ki + qi
                unread = (not keys.read_by(me)) + (not queries.read_by(me))
                for rank, (predicate, source) in enumerate(self.library.predicates):
                    if best_rank is not None and (unread, rank, var_rank) >= best_rank:
                        break
                    self.tried += 1
                    try:
                        if (all(bool(predicate(k, q)) == w for (k, q), w in zip(pairs, want))
                                and self._predicate_agrees_unseen(head, keys, queries, occurs, want, predicate)):
                            best, best_rank = (keys, queries, predicate, source), (unread, rank, var_rank)
                            shown = (occurs, want)
                            break
                    except (fn.EvaluationError, ArithmeticError, TypeError, ValueError):
                        continue
                relabel_rank = (unread, len(self.library.predicates) - 0.5, var_rank)
                if best_rank is None or relabel_rank < best_rank:
                    relabelled = self._relabelled_select(head, keys, queries, occurs, want, state)
                    if relabelled is not None:
                        new_queries, predicate = relabelled
                        new_keys = new_queries if keys is queries else keys
                        best, best_rank = (new_keys, new_queries, predicate, "relabelled"), relabel_rank
                        continue
                table_rank = (unread, len(self.library.predicates), var_rank)
                if best_rank is None or table_rank < best_rank:
                    selected_pairs = [p for p, w in zip(pairs, want) if w]
                    unseen, whole = self._unseen_selected(head, keys, queries, occurs, want)
                    table = fn.PredicateTable.from_pairs(selected_pairs + unseen)
                    if whole and self._fresh_read(head, keys, queries):
                        k_vals, q_vals = keys.every_value, queries.every_value
                    register_select(self.complete_selects, table, head.name,
                                    (frozenset(map(table_key, k_vals)), frozenset(map(table_key, q_vals)))
                                    if whole else None)
                    best, best_rank = (keys, queries, table, "table"), table_rank
        if best is None:
            return None
        # a library predicate fitted to the pairs the rows show, whose choice on the pairs they do
        # not show could not be read off the QK circuit: the certificate searches for those pairs
        extrapolated = best[3] not in ("relabelled", "table") and \
            self._unseen_choice(head, best[0], best[1], *shown) is None
        return _queries_by_index(best, candidates) + (extrapolated,)

    def _shown_pairs(self, keys: Var, queries: Var) -> frozenset:
        """The (key, query) value pairs (`table_key`s) that some traced query and key hold."""
        t = self.trace
        nq = int(queries.codes.max()) + 1
        joint = np.unique(keys.codes[t.pair_key] * nq + queries.codes[t.pair_query])
        k_vals, q_vals = keys.distinct, queries.distinct
        return frozenset((table_key(k_vals[j // nq]), table_key(q_vals[j % nq])) for j in joint.tolist())

    def _read_pairs(self, head: Head, keys: Var, queries: Var) -> frozenset:
        """Every (key, query) pair (`table_key`s) of the values the rows hold, and of the values no
        row holds (`Var.fresh`) where the head's choice on them was read (`_fresh_read`)."""
        k_vals, q_vals = keys.distinct, queries.distinct
        if self._fresh_read(head, keys, queries):
            k_vals, q_vals = keys.every_value, queries.every_value
        return frozenset(itertools.product(map(table_key, k_vals), map(table_key, q_vals)))

    def _fresh_read(self, head: Head, keys: Var, queries: Var) -> bool:
        """Whether the head's choice on the pairs with the keys' or queries' values no row holds
        was read off its QK circuit (`_read_unseen_selected`)."""
        found = self.cache.get(("unseen selected", head.layer, head.index, id(keys), id(queries)))
        return bool(found) and found[2][2]

    def _unseen_selected(self, head: Head, keys: Var, queries: Var, occurs: np.ndarray,
                         want: np.ndarray) -> tuple[list, bool]:
        """The (key, query) value pairs no traced pair shows that the head selects, and whether every
        pair of the two vars' values is now known (shown, or read selected or not), read off its QK
        circuit (`interpreter.additive`'s counterpart for a select table): a selected key's logit,
        less the BOS's (tracr's default), lies above a threshold the shown pairs set, an unselected
        key's below it; a pair within a quarter of the gap of it leaves nothing read. The logits come
        from one row of each key value and one of each query value, taken from any inputs: two
        such sets of rows must give the same logits (within a tenth of the gap between selected and
        unselected shown pairs), else the head reads more than the two values and nothing is read.
        The values of a table line no row holds (`Var.fresh`) are read too, where they can be
        (`_fresh_vectors`). A pair read so is still only a reading: the certificate checks."""
        picked, whole, _ = self._unseen_selected_codes(head, keys, queries, occurs, want)
        k_vals, q_vals = keys.every_value, queries.every_value
        return [(k_vals[i], q_vals[j]) for i, j in picked], whole

    def _predicate_agrees_unseen(self, head: Head, keys: Var, queries: Var, occurs: np.ndarray, want: np.ndarray,
                       predicate: Any) -> bool:
        """Whether `predicate` gives the head's choice on the pairs of the two vars' values no row
        shows, where those can be read off its QK circuit (`_unseen_selected`); True where they
        cannot. A predicate fitted to the pairs shown may differ from the net's on a pair that only
        rare inputs hold (two values that meet in one input of thousands), and on a value no row
        holds, whose label is the reading's own (`Var.fresh`)."""
        unseen = self._unseen_choice(head, keys, queries, occurs, want)
        if unseen is None:
            return True
        k_vals, q_vals = keys.every_value, queries.every_value
        return all(bool(predicate(k_vals[i], q_vals[j])) == w for (i, j), w in zip(unseen[0].tolist(), unseen[1]))

    def _unseen_choice(self, head: Head, keys: Var, queries: Var, occurs: np.ndarray,
                       want: np.ndarray, fresh: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
        """The (key code, query code) pairs no row shows, and whether the head selects each, read
        off its QK circuit (`_unseen_selected`); none when every pair is shown, None when they
        cannot be read. Where `fresh`, with the pairs of the values no row holds, where those were
        read (codes past the shown values': `Var.fresh` in order)."""
        nk, nq = int(keys.codes.max()) + 1, int(queries.codes.max()) + 1
        if len(occurs) == nk * nq and not (fresh and (keys.fresh or queries.fresh)):
            return np.empty((0, 2), np.int64), np.empty(0, bool)
        picked, whole, with_fresh = self._unseen_selected_codes(head, keys, queries, occurs, want)
        if not whole:
            return None
        if with_fresh and fresh:
            nk, nq = nk + len(keys.fresh), nq + len(queries.fresh)
        unseen = np.ones((nk, nq), bool)
        unseen[occurs[:, 0], occurs[:, 1]] = False
        read = np.argwhere(unseen)
        selected = np.zeros((nk, nq), bool)
        picked = [(i, j) for i, j in picked if i < nk and j < nq]
        if picked:
            selected[tuple(np.array(picked).T)] = True
        return read, selected[read[:, 0], read[:, 1]]

    def _unseen_selected_codes(self, head: Head, keys: Var, queries: Var, occurs: np.ndarray,
                               want: np.ndarray) -> tuple[list[tuple[int, int]], bool, bool]:
        """`_unseen_selected` as (key code, query code) pairs (a value no row holds: a code past the
        shown values'), and whether those values' pairs were read."""
        nk, nq = int(keys.codes.max()) + 1, int(queries.codes.max()) + 1
        if any(v is None for v in list(keys.distinct) + list(queries.distinct)):
            return [], False, False
        if len(occurs) == nk * nq and not (keys.fresh or queries.fresh):
            return [], True, False
        if nk * nq > MAX_SELECT_PAIRS:
            return [], False, False
        key = ("unseen selected", head.layer, head.index, id(keys), id(queries))
        if key not in self.cache:
            self.cache[key] = (keys, queries, self._read_unseen_selected(head, keys, queries, occurs, want))
        return self.cache[key][2]

    def _read_unseen_selected(self, head: Head, keys: Var, queries: Var, occurs: np.ndarray,
                              want: np.ndarray) -> tuple[list[tuple[int, int]], bool, bool]:
        t = self.trace
        nk, nq = int(keys.codes.max()) + 1, int(queries.codes.max()) + 1
        key_codes, query_codes = keys.codes[t.pair_key], queries.codes[t.pair_query]
        # two rows of each value: the first and the last holding it (each set: queries, then keys)
        rows = np.concatenate([_last_rows(query_codes[::-1], nq, t.pair_query[::-1]),
                               _last_rows(key_codes[::-1], nk, t.pair_key[::-1]),
                               _last_rows(query_codes, nq, t.pair_query), _last_rows(key_codes, nk, t.pair_key)])
        # where the rows show every pair, only the values no row holds are left to read: failing
        # that, the pairs shown are all there is, and the select is known on them
        fail = ([], len(occurs) == nk * nq, False)
        if (rows < 0).any():
            return fail
        q, k, bos = head_vectors(t, head.layer, head.index, rows)  # one run of the net for both sets
        sets = [(q[start:start + nq], k[start + nq:start + nq + nk], bos[start:start + nq])
                for start in (0, nq + nk)]
        margins = [_margins(*vectors) for vectors in sets]
        first, second = margins  # [query value, key value]
        shown = first[occurs[:, 1], occurs[:, 0]]
        if want.all() or not want.any():
            return fail  # no threshold to learn from the pairs shown
        low, high = float(shown[~want].max()), float(shown[want].min())
        gap = high - low
        if gap <= 0 or float(np.abs(first - second).max()) > 0.1 * gap:
            return fail  # the logits depend on more than the two values
        unseen = np.ones((nk, nq), bool)
        unseen[occurs[:, 0], occurs[:, 1]] = False
        if (np.abs(first.T[unseen] - (low + high) / 2) < gap / 4).any():
            return [], False, False  # a pair no traced pair resembles: not read
        read = ([(i, j) for i, j in np.argwhere(unseen & (first.T > (low + high) / 2)).tolist()], True, False)
        if not (keys.fresh or queries.fresh) or \
                (nk + len(keys.fresh)) * (nq + len(queries.fresh)) > MAX_SELECT_PAIRS:
            return read
        # the values no row holds: their query and key vectors by substitution (`_fresh_vectors`)
        extended = [self._fresh_vectors(head, keys, queries, vectors, 0.1 * gap) for vectors in sets]
        if any(e is None for e in extended):
            return read
        wider = [_margins(*e) for e in extended]
        if float(np.abs(wider[0] - wider[1]).max()) > 0.1 * gap:
            return read
        unseen = np.ones(wider[0].T.shape, bool)
        unseen[occurs[:, 0], occurs[:, 1]] = False
        if (np.abs(wider[0].T[unseen] - (low + high) / 2) < gap / 4).any():
            return read  # a new value's pair no traced pair resembles: those are not read
        picked = np.argwhere(unseen & (wider[0].T > (low + high) / 2))
        return [(i, j) for i, j in picked.tolist()], True, True

    def _fresh_vectors(self, head: Head, keys: Var, queries: Var, vectors: tuple, tolerance: float
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """`vectors` (query vectors [nq, d], key vectors [nk, d] and the BOS key vector at each
        query's row, one row per shown value) with rows for the values no row holds after them
        (`Var.fresh`): attention is linear in the residual stream before its softmax, so a new
        value's vector is a shown value's plus the difference of their writes (`Var.writes`)
        through W_Q or W_K. Checked first on the shown values (each one's margins over the shown
        keys from another's the same way, within `tolerance`); None where they disagree
        (something else the head reads moves with the var) or a var has no writes."""
        w_q, w_k = head_qk_weights(self.trace.net, head.layer, head.index)
        q, k, bos = vectors
        moved = []
        for var, vecs, weight in ((queries, q, w_q), (keys, k, w_k)):
            if not var.fresh:
                moved.append((vecs, None))
                continue
            if var.writes is None or any(label_key(x) not in var.writes for x in var.distinct):
                return None
            writes = np.stack([var.writes[label_key(x)] for x in var.distinct])
            size = np.abs(writes).max(axis=1, initial=0.0)
            written = np.flatnonzero(size >= 0.5 * max(float(size.max(initial=0.0)), 1e-30))
            if len(written) < 2:
                return None  # one shown value's write: nothing to check the substitution on
            base = int(written[0])
            substituted = vecs[base] + (writes - writes[base]) @ weight
            new = vecs[base] + (np.stack([var.writes[label_key(x)] for x in var.fresh]) - writes[base]) @ weight
            moved.append((substituted[written], written, new, base))
        # the shown values' margins from the substituted vectors, against the measured ones
        q_sub = q.copy()
        k_sub = k.copy()
        if moved[0][1] is not None:
            q_sub[moved[0][1]] = moved[0][0]
        if moved[1][1] is not None:
            k_sub[moved[1][1]] = moved[1][0]
        if float(np.abs(_margins(q_sub, k_sub, bos) - _margins(q, k, bos)).max(initial=0.0)) > tolerance:
            return None
        if moved[0][1] is not None:
            q = np.concatenate([q, moved[0][2]])
            bos = np.concatenate([bos, np.repeat(bos[moved[0][3]][None], len(moved[0][2]), axis=0)])
        if moved[1][1] is not None:
            k = np.concatenate([k, moved[1][2]])
        return q, k, bos

    def _relabelled_select(self, head: Head, keys: Var, queries: Var, occurs: np.ndarray, want: np.ndarray,
                           state: State) -> tuple[Var, Any] | None:
        """(queries relabelled, predicate) such that `select(keys, queries', predicate)` is the
        head's choice, when the line computing `queries` (a map or sequence_map no other line reads
        yet) can take labels that make it so: each query value gets the one key value it selects
        (EQ), or, when keys and queries are one var, its values are ranked in the order the head
        compares them (LT, LEQ, GT, GEQ). Categorical values are known only up to relabelling, so
        the MLP computing the line fits the relabelled line as well; without this, a position
        computed as `indices - length`, or a sort key, could only select through a table.

        `occurs` [(key code, query code)] and `want` (selected or not) are the pairs on the rows.

        The labels must give the head's choice on every pair of the two vars' values, not only on
        the pairs the rows show: a pair no row shows is read off the head's QK circuit
        (`_unseen_selected`), and where that cannot be read there is no relabelling. A rank read
        from the pairs shown alone puts two values that never meet in one input (a sort key
        `semitone * 8 + index`: E at position 7 and F at position 0) in whatever order, and the
        comparison then gives a choice the net never makes on inputs no sample held (tenth
        hand-written set x01, verified and wrong on 60 of 40,016 inputs)."""
        node = queries.node
        if (not isinstance(node, (nodes.Map, nodes.SequenceMap)) or queries.numerical or state.used(node)
                or not any(v is queries for v in state.vars) or None in queries.distinct):
            return None
        unseen = self._unseen_choice(head, keys, queries, occurs, want, fresh=False)
        if unseen is None:
            return None
        occurs, want = np.concatenate([occurs, unseen[0]]), np.concatenate([np.asarray(want, bool), unseen[1]])
        chosen: dict[int, set] = {}
        for (k, q), w in zip(occurs, want):
            chosen.setdefault(int(q), set())
            if w:
                chosen[int(q)].add(int(k))
        label = _equal_labels(keys.distinct, chosen)
        if label is not None and keys is queries and not _labels_select(label, occurs, want):
            label = None  # the keys take the labels too: `k == (q + 4) % 12` is no EQ of one relabelling
        new = self._relabel(queries, label, state) if label is not None else None
        if new is not None:
            return new, rasp.Comparison.EQ
        if keys is not queries:
            return None
        spelled = self._spelled_order(queries, occurs, want, state)
        if spelled is not None:
            return spelled
        for predicate in ORDER_COMPARISONS:
            label = _order_labels(predicate, chosen, occurs, want)
            new = self._relabel(queries, label, state) if label is not None else None
            if new is not None:
                return new, predicate
        return None

    def _spelled_order(self, var: Var, occurs: np.ndarray, want: np.ndarray, state: State) -> tuple[Var, Any] | None:
        """(`var` relabelled by a formula on its line's integer arguments, the comparison) when the
        head compares `var`'s values as the formula orders them: the arguments in lexicographic
        order (either first, the second either way up), or the one argument itself. A sort's key
        `x + i / 10` over 30 tokens takes 300 values, and a sample shows the order of few of
        their pairs; a ranking of those alone (`_order_labels`) puts the others anywhere, where
        a formula orders every pair (and the certificate checks it)."""
        node = var.node
        inputs = [next((v for v in state.vars if v.node is child), None) for child in node.children]
        if any(v is None for v in inputs):
            return None
        code_of = row_mapping(inputs, var.codes)  # argument tuple -> the code of var's value there
        if not code_of or not all(type(x) is int for args in code_of for x in args):
            return None
        spans = []
        for v in inputs:  # each argument's range of values (all it may take, where known)
            values = [x for x in known_values(self.value_sets, v.node) if type(x) is int]
            values = values or [args[len(spans)] for args in code_of]
            spans.append(max(values) - min(values) + 1)
        formulas = ["lambda x: x"] if len(inputs) == 1 else [
            f"lambda x, y: x * {spans[1]} + y", f"lambda x, y: x * {spans[1]} - y",
            f"lambda x, y: y * {spans[0]} + x", f"lambda x, y: y * {spans[0]} - x"]
        for text in formulas:
            function = parse_lambda(text)
            label: dict[int, Any] = {}
            if any(label.setdefault(int(code), value) != value
                   for args, code in code_of.items() for value in [function(*args)]):
                continue  # two arguments of one value apart
            if len(set(label.values())) < len(label):
                continue  # two values merged
            if len(label) < len(var.distinct):
                return None  # a value on rows where an argument is None: no formula gives it
            for predicate in ORDER_COMPARISONS:
                if all(bool(predicate(label[int(k)], label[int(q)])) == bool(w) for (k, q), w in zip(occurs, want)):
                    make = nodes.make_map if len(inputs) == 1 else nodes.make_sequence_map
                    try:
                        new = make(function, *node.children)
                    except compiler.SourceError:
                        return None
                    values = object_array([label[int(c)] for c in var.codes])
                    return dataclasses.replace(var, node=new, values=values, replaces=node, writes=None,
                                               fresh=()), predicate
        return None

    def _relabel(self, var: Var, label: dict[int, Any], state: State) -> Var | None:
        """`var` with value `label[code]` for each of its codes, computed by a table on the inputs
        of its line (the same inputs, so the same component computes it)."""
        if len({_hashable_label(v) for v in label.values()}) < len(label):
            return None  # two values would merge: not a relabelling
        node = var.node
        values = object_array([label[int(c)] for c in var.codes])
        inputs = [next((v for v in state.vars if v.node is child), None) for child in node.children]
        if any(v is None for v in inputs):
            return None
        mapping = row_mapping(inputs, values)
        function = (self._spelled(mapping, self.library.maps if len(inputs) == 1 else self.library.sequence_maps)
                    or table_of(len(inputs), mapping))
        if len(inputs) == 1:
            make = lambda: nodes.make_map(function, node.inner, encoding=node.encoding)  # noqa: E731
        else:
            make = lambda: nodes.make_sequence_map(function, node.fst, node.snd)  # noqa: E731
        try:
            new = make()
        except compiler.SourceError:
            return None
        # (the line's values no row holds are not relabelled: their entries go, as the pairs it
        # read off its block do)
        return dataclasses.replace(var, node=new, values=values, replaces=node, writes=None, fresh=())

    def _spelled(self, mapping: dict[tuple, Any], library: list) -> Any:
        """The first library function giving `mapping` (arguments -> value) exactly, else None:
        a relabelling read as `lambda x: x - 1` rather than as a table."""
        for function, _ in library:
            try:
                if all(_same_value(call(function, *args), value) for args, value in mapping.items()):
                    return function
            except Invalid:
                continue
        return None


#: Most (key value, query value) pairs of a select table read off a head's QK circuit (one logit each).
MAX_SELECT_PAIRS = 1_000_000


def _written_finer(head: Head, values, codes: np.ndarray) -> bool:
    """Whether the classes `codes` of `values` refine the head's write classes and the head writes
    each value, to within a numerical output's tolerance: the write partition's tolerance merges
    values that lie close, a mean's (150 .. 600 over six and seven positions, 1.2 apart in 600: the
    thirty-second hand-written set's s21) or a width's BOS share 1/(w + 1) read on a grid of the
    residual stream's scale (a numerical line of weights up to 800 computed before it merged 1/9
    and 1/10: the thirty-third set's s04)."""
    return bool(len(codes)) and determines(codes, head.codes) and collinear_with(
        head.writes, np.asarray(values), codes, tolerance=OUTPUT_TOLERANCE)


def _last_rows(codes: np.ndarray, n: int, rows: np.ndarray) -> np.ndarray:
    """For each code 0..n-1 of `codes` (one per entry of `rows`), the last row holding it (-1:
    none); given both reversed, the first."""
    last = np.full(n, -1)
    last[codes] = rows
    return last


def _margins(q: np.ndarray, k: np.ndarray, bos: np.ndarray) -> np.ndarray:
    """[query value, key value]: each query's attention logit on each key, less its logit on the
    BOS (tracr's default, which a selected key outscores)."""
    return q @ k.T - (q * bos).sum(axis=1, keepdims=True)


def _equal_labels(key_values: list, chosen: dict[int, set]) -> dict[int, Any] | None:
    """Labels of query codes under which the choice is EQ: the one key value each selects, and a
    fresh integer for queries that select nothing (None when that is not possible)."""
    if any(len(ks) > 1 for ks in chosen.values()) or None in key_values:
        return None
    ints = [v for v in key_values if isinstance(v, int) and not isinstance(v, bool)]
    if len(ints) < len(key_values) and any(not ks for ks in chosen.values()):
        return None  # no fresh label that surely equals no key
    fresh = iter(range(max(ints + [0]) + 1, 1 << 62))
    return {q: key_values[next(iter(ks))] if ks else next(fresh) for q, ks in sorted(chosen.items())}


def _labels_select(label: dict[int, Any], occurs: np.ndarray, want: np.ndarray) -> bool:
    """Whether EQ on `label`ed codes, given to keys and queries alike (one var), selects each
    (key code, query code) pair of `occurs` as `want` says."""
    try:
        return all(k in label and q in label and (_hashable_label(label[k]) == _hashable_label(label[q])) == bool(w)
                   for (k, q), w in zip(occurs.tolist(), want))
    except TypeError:
        return False


def _queries_by_index(found: tuple | None, candidates: list[Var]) -> tuple | None:
    """`found` (keys, queries, predicate, source) with `indices` as its queries when its lambda
    predicate does not read the query (`k == 0`): any queries then give the same choice, and
    `indices`, tracr's spelling, is the one a causal net's compile can show prefix-stable (the
    first key is at or before every query's position)."""
    index = next((v for v in candidates if v.node is nodes.INDICES), None)
    if found is None or index is None or not isinstance(found[2], fn.PredicateLambda) or found[1] is index:
        return found
    keys, queries, predicate, source = found
    try:
        if any(bool(predicate(k, q)) != bool(predicate(k, queries.distinct[0]))
               for k in keys.distinct for q in queries.distinct + index.distinct):
            return found
    except fn.EvaluationError:
        return found
    return keys, index, predicate, source


ORDER_COMPARISONS = (rasp.Comparison.LT, rasp.Comparison.LEQ, rasp.Comparison.GT, rasp.Comparison.GEQ)


def _order_labels(comparison: Any, chosen: dict[int, set], occurs: np.ndarray, want: np.ndarray
                  ) -> dict[int, Any] | None:
    """Ranks of one var's codes under which the choice (keys and queries the same var) is
    `comparison`, when the chosen pairs are consistent with a strict order of the codes: each
    pair says which of its two codes is smaller, and the ranks are a topological order of that
    (None when the pairs contradict every order). Quadratic in the codes, which are few."""
    strict = comparison in (rasp.Comparison.LT, rasp.Comparison.GT)
    smaller_key = comparison in (rasp.Comparison.LT, rasp.Comparison.LEQ)  # selected: key before query
    below: dict[int, set] = {q: set() for q in chosen}
    for (k, q), w in zip(occurs, want):
        k, q = int(k), int(q)
        if k == q:
            if bool(w) == strict:
                return None  # a value compared with itself
            continue
        low, high = (k, q) if bool(w) == smaller_key else (q, k)
        below.setdefault(high, set()).add(low)
        below.setdefault(low, set())
    # one code at a time (codes never compared, such as values that never meet in one input,
    # still get distinct ranks: a relabelling must not merge values)
    rank: dict[int, int] = {}
    waiting = {c: set(b) for c, b in below.items()}
    while waiting:
        ready = [c for c, b in waiting.items() if not b]
        if not ready:
            return None  # a cycle
        c = min(ready)
        rank[c] = len(rank)
        del waiting[c]
        for b in waiting.values():
            b.discard(c)
    label = {q: rank[q] for q in chosen}
    for (k, q), w in zip(occurs, want):
        if bool(comparison(label[int(k)], label[int(q)])) != bool(w):
            return None
    return label


def _same_value(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _hashable_label(value: Any) -> Any:
    return ("bool", value) if isinstance(value, bool) else value


def register_select(complete: dict, table: fn.PredicateTable, head: str,
                    read: tuple[frozenset, frozenset] | None) -> None:
    """Records a select table read off `head`: `read`, the key and query values (`table_key`s) over
    which every pair not in the table was read unselected, or None for a table not read whole.
    The certificate finds a reading's table by value (`read_whole`), so an equal table read off
    another head shares the entry: each head's read is kept, and the table counts as read whole
    only where every head's was. One head may give an equal table over other vars, not read whole
    (the same selection, more values besides): its whole read stands."""
    reads = complete.setdefault(table, {})
    if read is None:
        reads.setdefault(head, None)
    elif reads.get(head) is None:
        reads[head] = read
    else:
        known = reads[head]
        reads[head] = (known[0] & read[0], known[1] & read[1])


def select_key(select: nodes.Select) -> tuple[str, str, str]:
    """What names a select with a library predicate across readings: the canonical text of its keys
    and its queries, and its predicate's."""
    predicate = select.predicate
    text = predicate.name if isinstance(predicate, rasp.Comparison) else predicate.format()
    return prog.Program(select.keys).source, prog.Program(select.queries).source, text


def register_extrapolated(extrapolated: dict, select: nodes.Select, head: str, shown: frozenset) -> None:
    """Records that `head` was read as `select`, whose library predicate was fitted to the value
    pairs `shown` and extrapolated to the others: pairs whose choice could not be read off the QK
    circuit, or pairs with a value no row holds. A select given by several heads is known only on
    the pairs every head showed."""
    reads = extrapolated.setdefault(select_key(select), {})
    reads[head] = reads[head] & shown if head in reads else shown


def shown_pairs(extrapolated: dict | None, select: nodes.Select) -> frozenset | None:
    """The value pairs on which `select`'s library predicate was read off every head that gave it,
    if it was extrapolated to the others (`register_extrapolated`); None if it was not."""
    reads = (extrapolated or {}).get(select_key(select))
    return frozenset.intersection(*reads.values()) if reads else None


def read_whole(complete: dict | None, table) -> tuple[frozenset, frozenset] | None:
    """The key and query values over which `table` was read whole off every head that gave it, if it
    was (see `register_select`)."""
    reads = list((complete or {}).get(table, {}).values())
    if not reads or any(read is None for read in reads):
        return None
    return (frozenset.intersection(*(read[0] for read in reads)),
            frozenset.intersection(*(read[1] for read in reads)))
