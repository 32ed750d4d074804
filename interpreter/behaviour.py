"""Behavioural decompilation: a program read off what a net does, for nets whose components do
not each compute one program line (retrained nets).

`interpreter.verified` checks each proposed line against the one component that computes it,
which holds exactly in compiled and scrambled nets. A net trained to imitate a program spreads
its lines over dense MLPs and soft attention, so few of its components fit any line exactly.
Two things survive training: what the net outputs, and where its heads attend. The search here
builds *features*, S-Ops evaluated on every row of the trace (`interpreter.trace`):

* the primitives tokens, indices and length;
* selects: each comparison between two primitives, and for each of the net's heads the
  predicate table that best reads its attention pattern between two primitives (each (key
  value, query value) pair selected when the head attends on most such pairs), kept when it
  reproduces the head's pattern on at least `HEAD_FIT` of the (query, key) pairs;
* for each select, its selector_width and its aggregates of tokens and indices (categorical
  where every query's selected keys hold one value, else the numerical mean);

and explains the net's outputs by a table on the fewest features (one, two or three) whose joint
values determine the outputs on the most rows: a feature is added only when it explains more
than `MIN_GAIN` of the rows the smaller set left wrong. Each explanation is a program (the
features' lines, then sequence_maps folding them into the output), yielded best first; the
caller certifies each by compiling it and comparing its net with the net (`interpreter.certify.Certifier`).
Agreement is the grade, and only a program that agrees everywhere is verified, so a table that
also fits some of the net's own mistakes can lower the agreement but never earn a certificate.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Iterator

import numpy as np
from tracr.rasp import rasp

import compiler
from compiler.compiling.check import ATOL, RTOL
from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.parser import parse_lambda
from interpreter.lines import (
    Invalid,
    Var,
    aggregate_values,
    make_var,
    object_array,
    plain,
    primitives,
    selection,
    selector_width_values,
    table_of,
    value_codes,
)
from interpreter.trace import Trace

#: A head's predicate table is a feature when it reproduces this fraction of its attention pattern.
HEAD_FIT = 0.75
#: A further feature must explain this fraction of the rows the smaller set leaves unexplained.
MIN_GAIN = 0.25
#: The comparisons tried between primitives (TRUE is `length`; FALSE selects nothing).
COMPARISONS = (rasp.Comparison.EQ, rasp.Comparison.LT, rasp.Comparison.LEQ, rasp.Comparison.GT,
               rasp.Comparison.GEQ, rasp.Comparison.NEQ)
_IDENTITY = parse_lambda("lambda x: x")


def behavioural_programs(trace: Trace, deadline: float, count: int = 9) -> Iterator[prog.Program]:
    """Up to `count` programs explaining the net's outputs on the trace, in the order to certify
    them (module docstring); stops at `deadline` (time.monotonic())."""
    features, selects, seen = _features(trace, deadline)
    numerical = not trace.net.categorical_output
    readings = [trace.outputs]
    if numerical:  # a trained net's numbers are near the program's: read each as the nicest one near it,
        # within the project's tolerance, and again within 2% (a trained net's numbers are rougher)
        raw = [float(v) for v in trace.outputs.tolist()]
        readings = [object_array([_nicest(v) for v in raw]), object_array([_nicest(v, loose=True) for v in raw])]
        if all(a == b for a, b in zip(*readings)):
            readings = readings[:1]
    _pointers(trace, features, seen, value_codes(readings[-1]), deadline)
    programs: list[tuple[float, prog.Program]] = []
    for values in readings:
        outputs = value_codes(values)
        for fit, chosen in _fits(features, outputs, deadline)[:4 * count]:
            if time.monotonic() > deadline:
                break
            program = _program(list(chosen), values, outputs, numerical)
            if program is not None:
                programs.append((fit, program))
        if numerical:
            programs[:0] = _mean_programs(trace, features, selects, values, deadline)
    yielded = set()
    for _, program in programs:
        if len(yielded) >= count:
            return
        if program.source not in yielded:
            yielded.add(program.source)
            yield program


def _mean_programs(trace: Trace, features: list[Var], selects: list[tuple[nodes.Select, np.ndarray]],
                   values: np.ndarray, deadline: float) -> list[tuple[float, prog.Program]]:
    """Numerical outputs as the mean of a table of a key's values over a select:
    `numerical aggregate(select, numerical map(T, x))`, T fitted by least squares over the rows
    (each row's output is the mean of T over its selected keys; tracr averages only 0/1
    values, so T must round to 0s and 1s); x is tokens, indices or their pair."""
    y = np.array([float(v) for v in values.tolist()])
    base = [f for f in features[:2]]
    keys = base + [_paired(base[0], base[1])]
    best: list[tuple[float, nodes.Select, Var, dict]] = []
    for selector, mask in selects:
        if time.monotonic() > deadline:
            break
        q, k = trace.pair_query[mask], trace.pair_key[mask]
        width = np.bincount(q, minlength=trace.rows).astype(np.float64)
        for x in keys:
            n = int(x.codes.max()) + 1
            if n > 200:
                continue
            a = np.bincount(q * n + x.codes[k], minlength=trace.rows * n).reshape(trace.rows, n)
            a = a / np.maximum(width, 1)[:, None]
            table = np.linalg.lstsq(a.T @ a, a.T @ y, rcond=None)[0]  # the normal equations: n x n
            if np.abs(table - np.round(table)).max(initial=0) > 0.1 or not np.isin(np.round(table), (0, 1)).all():
                continue  # tracr averages only 0/1 values
            table = np.round(table).astype(int)
            fit = float(np.mean(np.abs(a @ table - y) <= ATOL + RTOL * np.abs(y)))
            best.append((fit, selector, x, dict(zip(x.distinct, table.tolist()))))
    best.sort(key=lambda b: -b[0])
    programs = []
    for fit, selector, x, table in best[:3]:
        # values no row shows have no entry: the certificate fills them in and checks them
        mapping = {v: t for v, t in table.items() if v is not None}
        try:
            mapped = nodes.make_map(fn.Table.from_mapping(1, mapping), x.node, encoding=nodes.NUMERICAL)
            programs.append((fit, prog.Program(nodes.make_aggregate(selector, mapped, encoding=nodes.NUMERICAL))))
        except compiler.SourceError:
            continue
    return programs


def _nicest(value: float, loose: bool = False) -> float | int:
    """The simplest number (an integer, else a fraction of denominator at most 12) within half
    the project's tolerance of `value` (`loose`: within 2%); else `value` to 4 decimals."""
    near = 0.02 * (1 + abs(value)) if loose else (ATOL + RTOL * abs(value)) / 2
    if abs(value - round(value)) <= near:
        return int(round(value))
    fraction = Fraction(value).limit_denominator(12)
    if abs(float(fraction) - value) <= near:
        return round(float(fraction), 6)
    return round(value, 4)


# ---------------------------------------------------------------------------------------
# Features


def _features(trace: Trace, deadline: float) -> tuple[list[Var], list[tuple[nodes.Select, np.ndarray]], set]:
    """Primitives, then each select's width and aggregates, one feature per partition of the
    rows (the first, simplest spelling of each); the selects, each with the (query, key) pairs it
    selects; and the partitions seen (`_keep_new`)."""
    base = primitives(trace) + [make_var(nodes.LENGTH, object_array(trace.row_length.tolist()), 0)]
    seen: set[bytes] = set()
    features: list[Var] = []

    def keep(var: Var) -> None:
        _keep_new(features, seen, var)

    for var in base:
        keep(var)
    selects: list[tuple[nodes.Select, np.ndarray]] = []
    masks: set[bytes] = set()

    def add_select(node: nodes.Select, mask: np.ndarray) -> None:
        key = np.packbits(mask).tobytes()
        if key not in masks and mask.any():
            masks.add(key)
            selects.append((node, mask))

    for keys in base:
        for queries in base:
            for comparison in COMPARISONS:
                try:
                    mask = selection(trace, keys, queries, comparison)
                except Invalid:
                    continue
                add_select(nodes.make_select(keys.node, queries.node, comparison), mask)
    for head in trace.heads:
        for keys in base:
            for queries in base:
                read = _read_predicate(trace, head.selected, keys, queries)
                if read is not None:
                    add_select(nodes.make_select(keys.node, queries.node, read[0]), read[1])
    numbers = []
    for var in base[:2]:
        try:
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in var.distinct):
                node = nodes.make_map(_IDENTITY, var.node, encoding=nodes.NUMERICAL)
                numbers.append(make_var(node, var.values, 0, var.codes))
        except compiler.SourceError:
            continue
    for selector, mask in selects:
        if time.monotonic() > deadline:
            break
        values, codes = selector_width_values(trace, mask)
        keep(make_var(nodes.make_selector_width(selector), values, 0, codes))
        for var in base[:2]:
            try:
                values, codes = aggregate_values(trace, mask, var)
            except Invalid:
                continue
            keep(make_var(nodes.make_aggregate(selector, var.node), values, 0, codes))
        for var in numbers:
            values, codes = aggregate_values(trace, mask, var)
            keep(make_var(nodes.make_aggregate(selector, var.node, encoding=nodes.NUMERICAL), values, 0, codes))
    return features, selects, seen


def _keep_new(features: list[Var], seen: set[bytes], var: Var) -> None:
    """Appends `var` to `features` unless one of them already groups the rows as it does."""
    key = _canonical(var.codes).tobytes()
    if key not in seen:
        seen.add(key)
        features.append(var)


def _pointers(trace: Trace, features: list[Var], seen: set[bytes], outputs: np.ndarray, deadline: float,
              most_values: int = 12, value_features: int = 8) -> None:
    """Adds to `features` (`_keep_new`) features that read a value at another position chosen by
    a query feature: `aggregate(select(indices, q, {(g(v), v), ...}), x)`, each query value v pointing at the
    position g(v) whose value of x best explains the net's outputs on the rows with that query
    value (what a select on a computed query, such as a relabelled index, does). Queries are
    features of at most `most_values` values; the values read are tokens and the
    `value_features` categorical features that explain most outputs alone."""
    n = trace.net.config.max_seq_len
    start = np.zeros(len(trace.inputs), np.int64)
    start[trace.row_input[::-1]] = np.arange(trace.rows)[::-1]  # rows of one input are consecutive
    row_length = trace.row_length
    n_out = int(outputs.max()) + 1
    small = [f for f in features if not f.numerical and int(f.codes.max()) < most_values
             and not any(v is None for v in f.distinct)]
    alone = sorted(small[3:], key=lambda f: -_explained(f.codes, outputs, n_out, np.zeros(trace.rows, bool)))
    readable = small[:1] + alone[:value_features]  # tokens first
    at = {}  # (feature, position) -> the feature's code at that position of the row's input (-1: none)
    for x in readable:
        for j in range(n):
            valid = j < row_length
            at[id(x), j] = np.where(valid, x.codes[np.minimum(start[trace.row_input] + j, trace.rows - 1)], -1)
    key_position = trace.row_position[trace.pair_key]
    for q in small:
        if time.monotonic() > deadline:
            break
        n_q = int(q.codes.max()) + 1
        for x in readable:
            n_x = int(x.codes.max()) + 1
            # per query value, per position: the rows its best table of x's value explains
            scores = np.full((n, n_q), -1.0)
            for j in range(n):
                got = at[id(x), j]
                known = got >= 0
                counts = np.bincount((q.codes[known] * n_x + got[known]) * n_out + outputs[known],
                                     minlength=n_q * n_x * n_out).reshape(n_q, n_x, n_out)
                present = counts.sum(axis=(1, 2)) > 0
                scores[j, present] = counts.max(axis=2).sum(axis=1)[present]
            pointer = {code: int(scores[:, code].argmax()) for code in range(n_q) if scores[:, code].max() >= 0}
            if not pointer:
                continue
            wanted = np.array([pointer.get(c, -1) for c in range(n_q)])
            mask = key_position == wanted[q.codes[trace.pair_query]]
            if not mask.any():
                continue
            table = fn.PredicateTable.from_pairs([(pointer[c], q.distinct[c]) for c in pointer])
            try:
                selector = nodes.make_select(nodes.INDICES, q.node, table)
                values, codes = aggregate_values(trace, mask, x)
                _keep_new(features, seen, make_var(nodes.make_aggregate(selector, x.node), values, 0, codes))
            except (Invalid, compiler.SourceError):
                continue


def _read_predicate(trace: Trace, selected: np.ndarray, keys: Var, queries: Var
                    ) -> tuple[fn.PredicateTable, np.ndarray] | None:
    """The (key value, query value) pairs a head selects on most of their (query, key) pairs,
    with the selection they make, when it reproduces the head's pattern on `HEAD_FIT` of them."""
    n_queries = int(queries.codes.max()) + 1
    joint = keys.codes[trace.pair_key] * n_queries + queries.codes[trace.pair_query]
    size = (int(keys.codes.max()) + 1) * n_queries
    chosen = np.bincount(joint, weights=selected.astype(np.float64), minlength=size)
    total = np.bincount(joint, minlength=size)
    table = 2 * chosen > total
    mask = table[joint]
    if not mask.any() or np.mean(mask == selected) < HEAD_FIT:
        return None
    k_vals, q_vals = keys.distinct, queries.distinct
    pairs = [(k_vals[i // n_queries], q_vals[i % n_queries]) for i in np.flatnonzero(table)]
    if any(k is None or q is None for k, q in pairs):
        return None
    return fn.PredicateTable.from_pairs(pairs), mask


def _canonical(codes: np.ndarray) -> np.ndarray:
    """Codes renumbered by first occurrence: equal for two labellings of one partition."""
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    rank = np.empty(len(first), np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.reshape(-1)]


# ---------------------------------------------------------------------------------------
# Tables on features


def _explained(joint: np.ndarray, outputs: np.ndarray, n_out: int, unknown: np.ndarray) -> float:
    """Rows whose output is the most common one of their joint class (rows where a feature is
    None count as unexplained: a table cannot read None)."""
    k = int(joint.max()) + 1
    counts = np.bincount(joint[~unknown] * n_out + outputs[~unknown], minlength=k * n_out).reshape(k, n_out)
    return float(counts.max(axis=1).sum())


def _joint(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    joint = a * (int(b.max()) + 1) + b
    if joint.max() < 4 * len(joint):
        return joint
    return np.unique(joint, return_inverse=True)[1].reshape(-1)


def _fits(features: list[Var], outputs: np.ndarray, deadline: float) -> list[tuple[float, tuple[Var, ...]]]:
    """Sets of one to three features: by rows explained, then by fewer table entries, a larger
    size only when it gains `MIN_GAIN` of what the smaller one leaves; the sizes interleaved."""
    rows = len(outputs)
    n_out = int(outputs.max()) + 1
    unknown = [np.array([v is None for v in f.values.tolist()]) for f in features]
    categorical = [i for i, f in enumerate(features) if not f.numerical]

    def score(members: tuple[int, ...]) -> tuple[float, int]:
        joint = features[members[0]].codes
        for m in members[1:]:
            joint = _joint(joint, features[m].codes)
        missing = np.logical_or.reduce([unknown[m] for m in members])
        return _explained(joint, outputs, n_out, missing), int(joint.max()) + 1

    singles = sorted(((score((i,)), (i,)) for i in range(len(features))), key=lambda s: (-s[0][0], s[0][1], s[1]))
    pairs: list = []
    top = [m[0] for _, m in singles if m[0] in categorical][:24]
    for a in top:
        if time.monotonic() > deadline:
            break
        for b in categorical:
            if b != a and (b not in top or b > a):
                pairs.append((score((a, b)), (a, b)))
    pairs.sort(key=lambda s: (-s[0][0], s[0][1], s[1]))
    triples: list = []
    for (_, (a, b)) in pairs[:10]:
        if time.monotonic() > deadline:
            break
        for c in categorical:
            if c not in (a, b):
                triples.append((score((a, b, c)), (a, b, c)))
    triples.sort(key=lambda s: (-s[0][0], s[0][1], s[1]))
    accepted: list[list] = []
    best_left = rows
    for group in (singles, pairs, triples):
        if not group:
            continue
        left = rows - group[0][0][0]
        if accepted and best_left - left <= MIN_GAIN * best_left:
            continue
        best_left = left
        accepted.insert(0, group[:6])
    # the best of each size, largest first, then the second best of each, ...: a smaller set that
    # a trained net's few mistakes push below a larger one is still certified
    ranked = [group[i] for i in range(6) for group in accepted if i < len(group)]
    return [(s[0] / rows, tuple(features[i] for i in members)) for s, members in ranked]


def _program(chosen: list[Var], values: np.ndarray, outputs: np.ndarray, numerical: bool) -> prog.Program | None:
    """The features' lines folded into the output by tables of the outputs' majority values."""
    try:
        if len(chosen) == 1 and chosen[0].numerical:
            var = chosen[0]
            if numerical and _same_numbers(var.values, values):
                return prog.Program(var.node)
            return None
        current = chosen[0]
        for var in chosen[1:] if numerical else chosen[1:-1]:
            current = _paired(current, var)
        if numerical:
            table = _majority([current], values, outputs)  # no entry where no row shows a value: as above
            return prog.Program(nodes.make_map(table_of(1, table), current.node, encoding=nodes.NUMERICAL))
        if len(chosen) == 1:
            return prog.Program(nodes.make_map(table_of(1, _majority([current], values, outputs)), current.node))
        last = chosen[-1]
        table = _majority([current, last], values, outputs)
        return prog.Program(nodes.make_sequence_map(table_of(2, table), current.node, last.node))
    except compiler.SourceError:
        return None


def _paired(a: Var, b: Var) -> Var:
    """A line numbering the (a, b) value pairs the rows show (0, 1, ...): two features as one."""
    joint = _canonical(_joint(a.codes, b.codes))
    first = np.unique(joint, return_index=True)[1]
    mapping = {(a.values[i], b.values[i]): int(joint[i]) for i in first
               if a.values[i] is not None and b.values[i] is not None}
    node = nodes.make_sequence_map(table_of(2, mapping), a.node, b.node)
    values = object_array([None if a.values[i] is None or b.values[i] is None else int(c)
                           for i, c in enumerate(joint.tolist())])
    return make_var(node, values, 0)


def _majority(inputs: list[Var], values: np.ndarray, outputs: np.ndarray) -> dict[tuple, object]:
    """For each argument tuple the rows show, the output most rows with it give."""
    joint = inputs[0].codes if len(inputs) == 1 else _joint(inputs[0].codes, inputs[1].codes)
    n_out = int(outputs.max()) + 1
    k = int(joint.max()) + 1
    counts = np.bincount(joint * n_out + outputs, minlength=k * n_out).reshape(k, n_out)
    best = counts.argmax(axis=1)
    first_of_output = np.unique(outputs, return_index=True)[1]
    first_of_class = np.unique(joint, return_index=True)[1]
    mapping = {}
    for i in first_of_class:
        args = tuple(var.values[i] for var in inputs)
        if any(arg is None for arg in args):
            continue
        mapping[args] = plain(values[first_of_output[best[joint[i]]]])
    return mapping


def _same_numbers(got: np.ndarray, want: np.ndarray) -> bool:
    try:
        a = np.array([float(v) for v in got.tolist()])
        b = np.array([float(v) for v in want.tolist()])
    except (TypeError, ValueError):
        return False
    return bool(np.mean(np.abs(a - b) <= 1e-3 + 1e-3 * np.abs(b)) >= 0.5)

