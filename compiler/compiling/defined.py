"""Guard: a program must be defined on every input up to max_seq_len (tracr #25 and kin).

A function that raises ArithmeticError on a value is treated, as tracr's basis inference does,
as never seeing that value, but rasp.evaluate raises there; so does a comparison of None, and a
numerical mean of None. tracr compiles all of these silently, and the net answers where the
program has no answer. Such a program is evaluated on every input when there are at most
EXHAUSTIVE_AGGREGATE_CHECK and the caller allows it, and refused, naming the input and the
line, where it is undefined or cannot be shown defined. The same exhaustive comparison clears
the categorical Aggregates `compiler.compiling.aggregates` could not (`show_on_every_input`).
"""

from __future__ import annotations

import itertools

from tracr.rasp import rasp

from compiler.compiling.aggregates import MEAN_OF_WORDS, ONE_POSITION_OR_NUMBERS
from compiler.compiling.check import all_inputs, check_net
from compiler.compiling.facts import Facts
from compiler.errors import CompileError
from compiler.language.functions import EvaluationError
from compiler.language.literals import value_sort_key
from compiler.language.program import UndefinedError, evaluate, evaluate_all
from compiler.nets.net import Net

#: Most inputs on which a net whose categorical Aggregates the static argument cannot clear is
#: compared with its program before it is accepted (else it is refused).
EXHAUSTIVE_AGGREGATE_CHECK = 5000


def input_count(vocab: set, max_seq_len: int) -> int:
    """How many inputs of length 1..max_seq_len there are over `vocab`."""
    return sum(len(vocab) ** n for n in range(1, max_seq_len + 1))


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
                       probe: bool = True) -> None:
    """Refuses a program with a numerical line that may be None (`numerical_nones`) unless
    evaluating that line on every input shows it never is (`check`: the inputs are few enough
    and the caller wants them tried); the refusal names the first such input where one is found
    (where the inputs are too many to try each, among the shortest ones, with `probe`)."""
    inputs = _tried_inputs(vocab, max_seq_len, check, probe)
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
            tried = (f"more than {EXHAUSTIVE_AGGREGATE_CHECK:,} inputs to show it never is, and none of the "
                     f"{len(inputs):,} shortest and one-token ones tried has None" if probe else "not checked")
            raise CompileError(f"{reason} ({tried}); {hint}")


def require_no_gaps(facts: Facts, vocab: set, max_seq_len: int, check: bool, probe: bool = True) -> None:
    """Refuses a program with a numerical map or sequence_map whose function gives None on values
    its inputs may take (`Facts.gaps`: the net writes another of its values there) unless running
    every input shows none gives them (`check`); the refusal names the first input that does
    (where the inputs are too many to try each, among the shortest ones, with `probe`). A line
    that may be None for its inputs' sake was checked on every input already (`require_never_none`)."""
    labels = [label for label in facts.gaps if label not in facts.nullable]
    if not labels:
        return
    inputs = _tried_inputs(vocab, max_seq_len, check, probe)
    for label in labels:
        for xs, values in zip(inputs, evaluate_all(facts.exprs[label], inputs) if inputs else []):
            if None in values:
                raise CompileError(facts.numerical_none(
                    label, found=f"on the input {list(xs)} at position {values.index(None)}"))
        if not check:
            tried = (f"it runs every input where there are at most {EXHAUSTIVE_AGGREGATE_CHECK:,}, and there are "
                     f"{input_count(vocab, max_seq_len):,}" if probe else "checking every input was turned off")
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
                    witnesses: list[list] = (), probe: bool = True) -> None:
    """Refuses a program that may be undefined on some input (`risk` says why) unless
    evaluating it on every input shows it is not (`check`: the inputs are few enough and the
    caller wants them tried). `witnesses` (`Facts.witnesses`: inputs reaching a raise) are tried
    first, whatever their number, so that a refusal names an input where one is known; where the
    inputs are too many to try each, so are the shortest ones (`short_inputs`, with `probe`: a
    None at the first position is undefined on a one-token input)."""
    inputs = _tried_inputs(vocab, max_seq_len, check, probe)
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
        tried = (f"more than {EXHAUSTIVE_AGGREGATE_CHECK:,} inputs to try each, and none of the {len(inputs):,} "
                 "shortest and one-token ones tried is" if probe else "not checked")
        raise CompileError(f"{risk}, so the program may be undefined on some input ({tried}); {_hint(risk)}")


def _tried_inputs(vocab: set, max_seq_len: int, check: bool, probe: bool) -> list[list]:
    """The inputs a guard runs its line on: every input (`check`), else the shortest and one-token
    ones (`short_inputs`, with `probe`), else none."""
    return all_inputs(vocab, max_seq_len, EXHAUSTIVE_AGGREGATE_CHECK) if check else \
        short_inputs(vocab, max_seq_len) if probe else []


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


def show_on_every_input(net: Net, sop: rasp.SOp, vocab: set, max_seq_len: int, refusal: str) -> None:
    """Refuses with `refusal` unless `net` gives the program's outputs on every input (a
    categorical Aggregate the static argument could not clear of averaging, tracr #11)."""
    try:  # every input: the caller has counted them
        result = check_net(sop, net, exhaustive_limit=EXHAUSTIVE_AGGREGATE_CHECK)
    except (ValueError, TypeError, ArithmeticError, EvaluationError) as error:  # e.g. a mean of strings
        if "supported for aggregation" in str(error) and "tracr issue #11" in refusal:
            # rasp's own failure, a mean of words (equal ones too), is what the inputs showed; the averaging
            # of different values the static refusal feared may not occur at all
            where = refusal.split(": ", 1)[0]
            raise CompileError(
                f"{where}: categorical Aggregate selects several positions on some input; {MEAN_OF_WORDS} "
                f"({error}); where the positions hold different values the net would also average their one-hot "
                f"codes (tracr issue #11). {ONE_POSITION_OR_NUMBERS} and map them back") from None
        raise CompileError(f"{refusal} (the program itself fails: {error})") from None
    if not result.ok:
        failure = result.counterexample
        raise CompileError(f"{refusal} (on {failure.input} the net gives {failure.actual}, the program "
                           f"{failure.expected})")
