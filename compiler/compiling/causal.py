"""Guard against tracr #19: causal compilation only masks attention.

Each position sees its prefix, but values read from earlier positions were computed on *their*
prefixes. The net equals the program evaluated on every prefix (output i = program(x[:i+1])[i])
when every selector's keys and every aggregated value are prefix-stable (a function of the
tokens up to their own position: tokens, indices, maps of stable SOps, aggregates whose selector
only looks backwards: no key value possible at a later position is selected by a query value
possible at an earlier one); otherwise compile refuses.
"""

from __future__ import annotations

from tracr.rasp import rasp

from compiler.compiling.aggregates import fetches_one_value
from compiler.compiling.defined import probe_inputs
from compiler.compiling.facts import Facts
from compiler.errors import CompileError
from compiler.language.functions import EvaluationError
from compiler.language.program import UndefinedError, evaluate_all


def check_causal(facts: Facts) -> None:
    """Refuses programs whose causal net would differ from the program on prefixes."""
    unstable = _prefix_unstable(facts)
    for label, select in facts.selectors():
        expr = facts.exprs[label]
        read = [("keys", select.keys)]
        if isinstance(expr, rasp.Aggregate):
            read.append(("values", expr.sop))
        for role, sop in read:
            if sop.label in unstable:
                fix = (("; read it as the queries instead (a query is computed at its own position, on its own "
                        "prefix), or key the select by what each position's prefix gives (tokens, indices, maps "
                        "and counts of earlier positions)") if role == "keys" else
                       "; aggregate what each position's prefix gives (tokens, indices, maps and counts of earlier "
                       "positions)")
                # a select's keys are read through it: name it (the thirty-second hand-written set's
                # s25 named the aggregate and the select that made place unstable, not the one reading it)
                reader = f"{select.label} (its select) reads" if role == "keys" else "it reads"
                why, select_at_fault = unstable[sop.label]
                if select_at_fault is not None:  # a real input, where one of those tried shows it
                    why = _witness(facts, select_at_fault) or why
                raise CompileError(
                    f"{label}: with causal=True {reader} {role} {sop.label} at earlier positions, but {sop.label} "
                    f"is not shown to stay the same as the sequence grows ({why}), so the causal "
                    f"net might not compute the program on each prefix (tracr #19){fix}")


def _prefix_unstable(facts: Facts) -> dict[str, tuple[str, rasp.Select | None]]:
    """The SOps not shown to depend only on the tokens up to their own position, each with why (a
    select that chooses a later position, or is not shown not to, or an input that is such) and
    the select whose pair of values the reason names, if any (`_witness`, at a refusal)."""
    unstable: dict[str, tuple[str, rasp.Select | None]] = {}
    for label in facts.order:
        expr = facts.exprs[label]
        if isinstance(expr, (rasp.TokensType, rasp.IndicesType)):
            continue
        if isinstance(expr, (rasp.Map, rasp.SequenceMap)):
            inputs = list(expr.children)
        elif _is_length(expr) and facts.max_seq_len > 1:  # the language's `length`: a width of every position
            unstable[label] = ("length, the number of tokens in the input, is counted by a causal net on each "
                               "position's prefix: at an earlier position it is smaller"), None
            continue
        else:
            select = expr.selector
            why, chosen = _looks_forward(facts, select)
            if why and isinstance(expr, rasp.Aggregate) and fetches_one_value(facts, expr) \
                    and facts.always_selects(select):
                # what a longer input adds to the positions chosen holds the number those up to the
                # query's own hold (some always do): the latest event's count fetched by the events'
                # number, before any event every position's key 0 and value 0 (the thirty-eighth
                # hand-written set's first drafts)
                why = ""
            if why:
                # with the select whose chosen pair it names: a refusal looks for an input showing it
                unstable[label] = why, select if chosen else None
                continue
            inputs = [select.keys, select.queries] + ([expr.sop] if isinstance(expr, rasp.Aggregate) else [])
        later = next((s.label for s in inputs if s.label in unstable), None)
        if later is not None:
            unstable[label] = unstable[later]
    return unstable


def _is_length(expr) -> bool:
    """Whether `expr` counts every position of the input (`length`: a width of `select(tokens,
    tokens, TRUE)`)."""
    if not isinstance(expr, rasp.SelectorWidth):
        return False
    select = expr.selector
    return (isinstance(select.keys, rasp.TokensType) and isinstance(select.queries, rasp.TokensType)
            and select.predicate is rasp.Comparison.TRUE)


def _looks_forward(facts: Facts, select: rasp.Select, limit: int = 1_000_000) -> tuple[str, bool]:
    """Why the selector may select a key after its query on some input ("" where it never does),
    and whether the reason is a pair of values it chooses (`_witness` may then find an input):
    for every query position q and key position k > q, no value the keys can take at k and the
    queries at q is selected (`Facts.position_values`: keys packing (token, index) take at k only
    values of index k). Each (key value, query value) pair is tried once; past `limit` pairs,
    or where the predicate fails, it is not shown."""
    n, name = facts.max_seq_len, select.label
    keys = facts.position_values(select.keys.label)
    queries = facts.position_values(select.queries.label)
    if keys is None or queries is None:
        return (f"compile cannot list the values the keys and queries of {name} take at each position, so it "
                "cannot show that it never selects a later position"), False
    tried: set = set()
    for q in range(n):
        later = set().union(*keys[q + 1:])  # the keys of every position after q
        pairs = [(key, query) for query in queries[q] for key in later if (key, query) not in tried]
        if len(tried) + len(pairs) > limit:
            return (f"showing that {name} never selects a later position would take over {limit:,} predicate "
                    "calls (its keys and queries take too many values): compile could not show it"), False
        for key, query in pairs:
            try:
                selected = select.predicate(key, query)
            except Exception as error:  # noqa: BLE001 - the program's own function
                return f"{name}'s predicate fails on (key {key!r}, query {query!r}) ({type(error).__name__})", False
            if selected:
                if _never_forward_by_length(facts, select, limit):
                    return "", False
                k = next(k for k in range(q + 1, n) if key in keys[k])
                return (f"{name} may select the key at position {k} ({key!r}) for the query at position {q} "
                        f"({query!r}), a later position, which a causal net cannot see (values its keys and queries "
                        "may take there: no input tried shows the two together)"), True
            tried.add((key, query))
    return "", False


def _witness(facts: Facts, select: rasp.Select, seed: int = 0) -> str | None:
    """An input on which `select` chooses a key after its query, said as a refusal's reason, among
    the shortest inputs and a few hundred drawn (`seed`); None where none of them shows one. The
    values the keys and queries may take at each position are a superset, so the pair they name
    may occur on no input (the forty-second hand-written set's writer was sent to the wrong line
    by a count of 0 that no input gives); a real input shows the select at fault."""
    inputs = probe_inputs(facts.vocab, facts.max_seq_len, 200, seed)
    try:
        keys, queries = evaluate_all(select.keys, inputs), evaluate_all(select.queries, inputs)
    except (UndefinedError, EvaluationError, ArithmeticError, TypeError, ValueError):
        return None  # undefined on one of them: the other guards say so
    for xs, ks, qs in zip(inputs, keys, queries):
        for q in range(len(xs) - 1):
            for k in range(q + 1, len(xs)):
                try:
                    chosen = ks[k] is not None and qs[q] is not None and select.predicate(ks[k], qs[q])
                except Exception:  # noqa: BLE001 - the program's own function: no witness here
                    chosen = False
                if chosen:
                    return (f"on the input {list(xs)}, {select.label} selects the key at position {k} ({ks[k]!r}) "
                            f"for the query at position {q} ({qs[q]!r}), a later position, which a causal net "
                            "cannot see")
    return None


def _never_forward_by_length(facts: Facts, select: rasp.Select, limit: int) -> bool:
    """Whether no query at position q of an input of length n selects a key at a later position
    k < n, by the values keys and queries take at each (position, length) (`Facts.cell_values`),
    finer than at each position: a count of the positions up to one's own among those of its
    kind is at most p + 1 at position p, so `select(indices, count, lambda k, q: k == q - 1)`
    fetches an earlier position, however large the count is elsewhere (a reading of the
    thirty-sixth hand-written set's v07, whose count is a select of table codes)."""
    keys, queries = facts.cell_values(select.keys.label), facts.cell_values(select.queries.label)
    if keys is None or queries is None:
        return False
    tried: dict = {}
    calls = 0
    for n in range(2, facts.max_seq_len + 1):
        for q in range(n - 1):
            for k in range(q + 1, n):
                for query in queries[q, n]:
                    for key in keys[k, n]:
                        pair = (key, query)
                        if pair not in tried:
                            calls += 1
                            if calls > limit:
                                return False
                            try:
                                tried[pair] = bool(select.predicate(key, query))
                            except Exception:  # noqa: BLE001 - the program's own function: not shown
                                return False
                        if tried[pair]:
                            return False
    return True
