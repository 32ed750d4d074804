"""Guard: a program must be defined on every input up to max_seq_len (tracr #25 and kin).

A function that raises ArithmeticError on a value is treated, as tracr's basis inference does,
as never seeing that value, but rasp.evaluate raises there; so does a comparison of None, and a
numerical mean of None. tracr compiles all of these silently, and the net answers where the
program has no answer. Such a program is evaluated on every input when there are at most
EXHAUSTIVE_AGGREGATE_CHECK and the caller allows it, and refused, naming the input and the
line, where it is undefined or cannot be shown defined. The same exhaustive comparison clears
the categorical Aggregates `compiler.compiling.aggregates` could not (`show_on_every_input`).

A program that reads no order (no line reads the index, and it is not causal) computes on a
permutation of its input the same values, permuted alike; whether it is defined, None somewhere,
or averages different values somewhere is the same on every ordering of one multiset of tokens.
Such a program is run on every sorted input instead where there are at most MULTISET_CHECK
(`reads_no_order`): 5,004 for six scores up to length 9, where there are 12 million inputs.
"""

from __future__ import annotations

import itertools
import random

from tracr.rasp import rasp

from compiler.compiling.aggregates import MEAN_OF_WORDS, ONE_POSITION_OR_NUMBERS, ONE_VALUE
from compiler.compiling.check import all_inputs, all_multisets, check_net, multiset_count, sampled_inputs
from compiler.compiling.facts import Facts
from compiler.errors import CompileError
from compiler.language.functions import EvaluationError
from compiler.language.literals import value_sort_key
from compiler.language.program import UndefinedError, evaluate, evaluate_all, evaluate_exprs
from compiler.nets.net import Net

#: Most inputs on which a net whose categorical Aggregates the static argument cannot clear is
#: compared with its program before it is accepted (else it is refused).
EXHAUSTIVE_AGGREGATE_CHECK = 5000


#: Most sorted inputs on which a program that reads no order is run, in place of every input.
MULTISET_CHECK = 50_000


def input_count(vocab: set, max_seq_len: int) -> int:
    """How many inputs of length 1..max_seq_len there are over `vocab`."""
    return sum(len(vocab) ** n for n in range(1, max_seq_len + 1))


def reads_no_order(facts: Facts, causal: bool) -> bool:
    """Whether the program's values on a permutation of an input are its values on the input,
    permuted alike: no line reads the index (a select compares values, a width counts them, a map
    reads its own position), it is not causal (a query sees every key), and every numerical mean
    averages whole numbers (0/1 markers, scores: a whole sum is the same in any order, where a sum
    of fractions in another order may differ in its last bit, and a table then miss it)."""
    if causal or any(isinstance(expr, rasp.IndicesType) for expr in facts.exprs.values()):
        return False
    return all(type(v) in (bool, int) or isinstance(v, float) and v.is_integer()
               for label in facts.order
               if isinstance(facts.exprs[label], rasp.Aggregate) and rasp.is_numerical(facts.exprs[label])
               for v in facts.values[facts.exprs[label].sop.label] if v is not None)


def can_check(vocab: set, max_seq_len: int, unordered: bool) -> bool:
    """Whether the guards can run every input (or, for a program that reads no order, every sorted
    input): at most EXHAUSTIVE_AGGREGATE_CHECK (MULTISET_CHECK) of them."""
    return input_count(vocab, max_seq_len) <= EXHAUSTIVE_AGGREGATE_CHECK or \
        unordered and multiset_count(len(vocab), max_seq_len) <= MULTISET_CHECK


def too_many(vocab: set, max_seq_len: int, unordered: bool) -> str:
    """Why the guards cannot run every input: how many there are, against how many they run."""
    said = (f"it runs every input where there are at most {EXHAUSTIVE_AGGREGATE_CHECK:,}, and there are "
            f"{input_count(vocab, max_seq_len):,}")
    if unordered:  # and too many sorted ones too
        said += (f"; or, for a program that reads no order, as this one, every sorted input where there are at "
                 f"most {MULTISET_CHECK:,}, and there are {multiset_count(len(vocab), max_seq_len):,}")
    return said


def possibly_undefined(facts: Facts) -> list[str]:
    """Why the program may be undefined on some input: a function raising on a value its
    input may take, a comparison of keys or queries that may be None, or a numerical mean
    of values that may be None (rasp raises on each); empty when it is defined on every
    input."""
    reasons = list(facts.undefined.values())
    for label in facts.order:
        expr = facts.exprs[label]
        if isinstance(expr, rasp.Aggregate) and rasp.is_numerical(expr) and expr.sop.label in facts.nullable:
            reasons.append(f"{expr.name}: it averages {expr.sop.name}, which may be None "
                           f"({facts.why_none(expr.sop.label)}), and a mean of None is undefined")
    for _, select in facts.selectors():
        if isinstance(select.predicate, rasp.Comparison) and \
                select.predicate not in (rasp.Comparison.TRUE, rasp.Comparison.FALSE):
            for role, sop in (("keys", select.keys.label), ("queries", select.queries.label)):
                if sop in facts.nullable:
                    reasons.append(f"{select.name}: its {role} {facts.exprs[sop].name} may be None "
                                   f"({facts.why_none(sop)}), and a comparison ({select.predicate.name}) of "
                                   "None is undefined")
        elif not isinstance(select.predicate, rasp.Comparison):
            reason = _predicate_raises_on_none(facts, select)
            if reason:
                reasons.append(reason)
        reason = _predicate_raises(facts, select)
        if reason:
            reasons.append(reason)
    return reasons


#: Most (key, query) pairs of values on which a select's predicate is tried for raising (tracr
#: calls it on every pair when it builds the attention, and more would take it minutes too).
MAX_PREDICATE_PAIRS = 1_000_000


def _predicate_raises(facts: Facts, select: rasp.Select) -> str:
    """Why a select's predicate makes the program undefined on values its keys and queries take
    (not None: `_predicate_raises_on_none`): `LT` of a word and a number raises TypeError, as
    rasp.evaluate does on an input holding both, and tracr, calling it on every pair, stopped
    with "values cannot all be ordered" naming no line (the twenty-fourth hand-written set's l26,
    sizes S, M, L beside 38, 40, 42); "" if it never raises."""
    keys = [k for k in facts.values.get(select.keys.label, ()) if k is not None]
    queries = [q for q in facts.values.get(select.queries.label, ()) if q is not None]
    if len(keys) * len(queries) > MAX_PREDICATE_PAIRS:
        return ""
    raised = _first_raise(select.predicate, itertools.product(sorted(keys, key=value_sort_key),
                                                              sorted(queries, key=value_sort_key)))
    if raised is None:
        return ""
    key, query, error = raised
    return (f"{select.name}: its predicate is not defined on key {key!r}, query {query!r} "
            f"({type(error).__name__}: {error}); compare values of one kind (a table giving each "
            "value its rank, `map({\"S\": 0, \"M\": 1, 38: 0}, tokens)`, orders words and numbers alike)")


def _first_raise(predicate, pairs) -> tuple | None:
    """The first (key, query, error) of `pairs` on which `predicate` raises, or None."""
    for key, query in pairs:
        try:
            predicate(key, query)
        except Exception as error:  # noqa: BLE001 - whatever it raises, rasp raises too
            return key, query, error
    return None


def numerical_nones(facts: Facts) -> list[str]:
    """The numerical maps and sequence_maps whose input may be None, in line order: rasp passes
    None on, but a numerical value has no None in the net (a categorical None is the zero
    vector, which a numerical MLP reads as a value: `numerical map(lambda d: d, change)` of a
    difference with the token before writes 0 at the first position, where the program has None,
    and a check skips None positions, so nothing else would catch it)."""
    return [label for label in facts.order
            if isinstance(facts.exprs[label], (rasp.Map, rasp.SequenceMap))
            and rasp.is_numerical(facts.exprs[label]) and label in facts.nullable]


def require_never_none(facts: Facts, labels: list[str], vocab: set, max_seq_len: int, check: bool,
                       probe: bool = True, unordered: bool = False) -> None:
    """Refuses a program with a numerical line that may be None (`numerical_nones`) unless
    evaluating that line on every input shows it never is (`check`: the inputs are few enough
    and the caller wants them tried; every sorted one, of a program that reads no order, with
    `unordered`); the refusal names the first such input where one is found (where the inputs are
    too many to try each, among the shortest ones, with `probe`)."""
    inputs = _tried_inputs(vocab, max_seq_len, check, probe, unordered)
    for label in labels:
        expr = facts.exprs[label]
        source = next(c for c in expr.children if c.label in facts.nullable)
        why = facts.why_none(source.label)
        reason = (f"{expr.name}: a numerical {_kind(expr)} of {source.name}, which may be None "
                  f"({why}); a numerical value has no None in the net, which writes a "
                  "number where the program has None")
        hint = (_TABLE_HINT if "gives None on" in why else "") + _NONE_HINT
        for xs, values in zip(inputs, evaluate_all(expr, inputs) if inputs else []):
            if None in values:
                raise CompileError(f"{reason}, as on the input {list(xs)} at position {values.index(None)}; "
                                   f"{hint}")
        if not check:
            tried = (f"{too_many(vocab, max_seq_len, unordered)}, to show it never is; none of the {len(inputs):,} "
                     "shortest and one-token ones tried has None" if probe else "not checked")
            raise CompileError(f"{reason} ({tried}); {hint}")


def require_no_gaps(facts: Facts, vocab: set, max_seq_len: int, check: bool, probe: bool = True,
                    unordered: bool = False) -> None:
    """Refuses a program with a numerical map or sequence_map whose function gives None on values
    its inputs may take (`Facts.gaps`: the net writes another of its values there) unless running
    every input shows none gives them (`check`; every sorted one, with `unordered`); the refusal
    names the first input that does (where the inputs are too many to try each, among the
    shortest ones, with `probe`). A line that may be None for its inputs' sake was checked on every
    input already (`require_never_none`)."""
    labels = [label for label in facts.gaps if label not in facts.nullable]
    if not labels:
        return
    inputs = _tried_inputs(vocab, max_seq_len, check, probe, unordered)
    for label in labels:
        for xs, values in zip(inputs, evaluate_all(facts.exprs[label], inputs) if inputs else []):
            if None in values:
                raise CompileError(facts.numerical_none(
                    label, found=f"on the input {list(xs)} at position {values.index(None)}"))
        if not check:
            tried = too_many(vocab, max_seq_len, unordered) if probe else "checking every input was turned off"
            raise CompileError(facts.numerical_none(label, tried=tried))


_TABLE_HINT = "where a function gives the None (a table without an entry for those values), give it a value there; or "
_NONE_HINT = ("give the value one on every input before it becomes numerical: a select that chooses a position "
              "for every query (a lookback clamped as `k == max(q - 1, 0)`), or a numerical aggregate "
              "(`numerical aggregate(sel, x, default=0)` is 0 where it selects nothing)")


def _kind(expr: rasp.SOp) -> str:
    return ("linear_sequence_map" if isinstance(expr, rasp.LinearSequenceMap) else
            "sequence_map" if isinstance(expr, rasp.SequenceMap) else "map")


def _predicate_raises_on_none(facts: Facts, select: rasp.Select) -> str:
    """Why a custom predicate makes the program undefined where its keys or queries are None
    (rasp calls it on None, and `lambda k, q: k >= 0` raises there), or "" if it never raises."""
    keys, queries = select.keys.label, select.queries.label
    pairs = []
    if keys in facts.nullable:
        none_query = {None} if queries in facts.nullable else set()
        pairs += [("keys", keys, None, q) for q in facts.values[queries] | none_query]
    if queries in facts.nullable:
        pairs += [("queries", queries, k, None) for k in facts.values[keys]]
    for role, sop, key, query in pairs:
        raised = _first_raise(select.predicate, [(key, query)])
        if raised is not None:
            error = raised[2]
            return (f"{select.name}: its {role} {facts.exprs[sop].name} may be None ({facts.why_none(sop)}), and its "
                    f"predicate is not defined on key {key!r}, query {query!r} ({type(error).__name__}: {error}); "
                    "guard it (`k != None and ...`) or keep None out of the keys and queries")
    return ""


_DEFINED_HINT = ("make each function total (defined on every value its input can take) and keep None out "
                 "of comparisons and numerical means")


def require_defined(sop: rasp.SOp, vocab: set, max_seq_len: int, risk: str, check: bool,
                    witnesses: list[list] = (), probe: bool = True, unordered: bool = False) -> None:
    """Refuses a program that may be undefined on some input (`risk` says why) unless
    evaluating it on every input shows it is not (`check`: the inputs are few enough and the
    caller wants them tried; every sorted one, of a program that reads no order, with
    `unordered`). `witnesses` (`Facts.witnesses`: inputs reaching a raise) are tried first,
    whatever their number, so that a refusal names an input where one is known; where the inputs
    are too many to try each, so are the shortest ones (`short_inputs`, with `probe`: a None at
    the first position is undefined on a one-token input)."""
    inputs = _tried_inputs(vocab, max_seq_len, check, probe, unordered)
    for xs in itertools.chain(witnesses, inputs):
        try:
            evaluate(sop, xs)
        except UndefinedError as error:
            # the risk a raising function is, said again for the line the error names, only repeats it
            repeated = risk.startswith(f"{error.line}: its function raises")
            said = risk.replace(f" ({error.why})", "")  # the error it names, said once
            raise CompileError(f"the program must be defined on every input up to max_seq_len, but {error}; "
                               + ("" if repeated else f"{said}; ") + _hint(risk)) from None
    if not check:
        tried = (f"{too_many(vocab, max_seq_len, unordered)}; none of the {len(inputs):,} shortest and one-token "
                 "ones tried is" if probe else "not checked")
        raise CompileError(f"{risk}, so the program may be undefined on some input ({tried}); {_hint(risk)}")


def output_none_note(facts: Facts, sop: rasp.SOp, vocab: set, max_seq_len: int, causal: bool,
                     seed: int = 0) -> str:
    """What a writer should know of an output that is None on some input: the first such input
    among the shortest ones (`short_inputs`) and a few hundred drawn (`sampled_inputs`, `seed`),
    where the value sets say it may be (`Facts.nullable`), and where its None comes from; "" where
    none of them gives None (the value sets may list a None no input gives: a note then would
    mislead). A categorical None is a value the net gives too, so this is no refusal: the
    thirty-sixth hand-written set's writer fetched one past a text's end in two drafts, whose nets
    agreed with their programs, None included, and nothing said so."""
    if sop.label not in facts.nullable:
        return ""
    inputs = probe_inputs(vocab, max_seq_len, 150, seed)
    try:
        outputs = evaluate_all(sop, inputs)
    except (UndefinedError, EvaluationError, ArithmeticError):  # undefined on one of them: no note, no fault
        return ""
    for xs, values in zip(inputs, outputs):
        # a causal net's output at position i is the program's on the prefix up to i: the last one's
        at = [len(values) - 1] if causal else range(len(values))
        position = next((i for i in at if values[i] is None), None)
        if position is not None:
            return (f"{sop.label}: the output is None on the input {list(xs)} at position {position} "
                    f"({facts.why_none(sop.label)}); the net outputs None there too. Where a value is meant, "
                    "select a position for every query (a lookback clamped as `k == max(q - 1, 0)`) or map the "
                    "None's source to a value")
    return ""


def _tried_inputs(vocab: set, max_seq_len: int, check: bool, probe: bool, unordered: bool = False) -> list[list]:
    """The inputs a guard runs its line on: every input (`check`; every sorted one where those are
    too many, for a program that reads no order: `unordered`), else the shortest and one-token ones
    (`short_inputs`, with `probe`), else none."""
    if not check:
        return short_inputs(vocab, max_seq_len) if probe else []
    inputs = all_inputs(vocab, max_seq_len, EXHAUSTIVE_AGGREGATE_CHECK)
    if inputs is None and unordered:
        inputs = all_multisets(vocab, max_seq_len, MULTISET_CHECK)
    if inputs is None:  # a guard that ran none would pass what it never saw
        raise ValueError(f"every input asked for, where there are too many to run "
                         f"({too_many(vocab, max_seq_len, unordered)})")
    return inputs


def probe_inputs(vocab: set, max_seq_len: int, drawn: int, seed: int = 0) -> list[list]:
    """Inputs a message looks for an example among: the shortest ones (`short_inputs`, up to 500)
    and `drawn` more sampled with `seed`."""
    return short_inputs(vocab, max_seq_len, limit=500) + sampled_inputs(sorted(vocab, key=value_sort_key),
                                                                        max_seq_len, drawn, random.Random(seed))


def short_inputs(vocab: set, max_seq_len: int, limit: int = 2_500) -> list[list]:
    """A few inputs where a program's edge cases lie, for a refusal to name one: every input of
    one and two tokens (of one where two are over `limit`), and one token repeated to each length."""
    tokens = sorted(vocab, key=value_sort_key)
    pairs = [[a, b] for a in tokens for b in tokens] if max_seq_len >= 2 and len(tokens) ** 2 <= limit else []
    return [[t] for t in tokens] + pairs + [[t] * n for n in range(3, max_seq_len + 1) for t in tokens][:limit]


def _hint(risk: str) -> str:
    """What to do about an undefined program: the general advice, and for a None a fetch makes
    (a select choosing no position), how to make it choose one."""
    if "None where its select chooses no position" in risk:
        return f"{_DEFINED_HINT}; {_FETCH_HINT}"
    if "None" not in risk:  # a function or a predicate raising on values: None is not the matter
        return "make each function total (defined on every value its input can take)"
    return _DEFINED_HINT


_FETCH_HINT = "a fetch that chooses a position for every query has no None (a lookback clamped as `k == max(q - 1, 0)`)"


def show_one_value(facts: Facts, sop: rasp.SOp, unproven: dict[str, str], vocab: set, max_seq_len: int) -> str:
    """Refuses unless, on every sorted input, each categorical Aggregate of `unproven` (its label:
    its refusal) selects for every query positions holding one value, of a program that reads no
    order (`reads_no_order`; there are at most MULTISET_CHECK sorted inputs), so on every input.
    That is the condition the static argument (`aggregates.unproven_aggregates`) shows where it
    can: the attention then averages equal one-hot codes, which is the value. Several positions of
    one word are undefined in RASP (the program fails there, and is refused). Returns what was
    shown, for the net's provenance."""
    inputs = _tried_inputs(vocab, max_seq_len, True, False, unordered=True)
    aggregates = [facts.exprs[label] for label in unproven]
    exprs = [part for aggregate in aggregates for part in (aggregate.selector, aggregate.sop)]
    try:
        for xs, values in zip(inputs, evaluate_exprs(sop, inputs, exprs)):
            for label, rows, held in zip(unproven, values[::2], values[1::2]):
                for query, row in enumerate(rows):
                    chosen = [key for key, selected in enumerate(row) if selected]
                    other = next((key for key in chosen if held[key] != held[chosen[0]]), None)
                    if other is not None:
                        first = chosen[0]
                        raise CompileError(
                            f"{label}: categorical Aggregate selects positions holding different values of "
                            f"{facts.exprs[label].sop.label} on the input {xs} (the query at position {query} selects "
                            f"{held[first]!r} at position {first} and {held[other]!r} at position {other}); the net "
                            f"would average their one-hot codes (tracr issue #11). {ONE_VALUE}")
    except UndefinedError as error:
        raise _failed(next(iter(unproven.values())), error) from None
    return (f"every sorted input checked ({len(inputs)}; the program reads no order, so its values on any "
            "ordering are these, permuted alike)")


def _failed(refusal: str, error: Exception) -> CompileError:
    """The refusal of an unproven aggregate where running the program on an input fails."""
    if "supported for aggregation" in str(error) and "tracr issue #11" in refusal:
        # rasp's own failure, a mean of words (equal ones too), is what the inputs showed; the averaging
        # of different values the static refusal feared may not occur at all
        where = refusal.split(": ", 1)[0]
        return CompileError(
            f"{where}: categorical Aggregate selects several positions on some input; {MEAN_OF_WORDS} "
            f"({error}); where the positions hold different values the net would also average their one-hot "
            f"codes (tracr issue #11). {ONE_POSITION_OR_NUMBERS} and map them back")
    return CompileError(f"{refusal} (the program itself fails: {error})")


def show_on_every_input(net: Net, sop: rasp.SOp, vocab: set, max_seq_len: int, refusal: str) -> None:
    """Refuses with `refusal` unless `net` gives the program's outputs on every input (a
    categorical Aggregate the static argument could not clear of averaging, tracr #11)."""
    try:  # every input: the caller has counted them
        result = check_net(sop, net, exhaustive_limit=EXHAUSTIVE_AGGREGATE_CHECK)
    except (ValueError, TypeError, ArithmeticError, EvaluationError) as error:  # e.g. a mean of strings
        raise _failed(refusal, error) from None
    if not result.ok:
        failure = result.counterexample
        raise CompileError(f"{refusal} (on {failure.input} the net gives {failure.actual}, the program "
                           f"{failure.expected})")
