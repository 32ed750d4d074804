"""Every program of tracr's lib.py and test_cases.py survives to_source -> parse unchanged in
behaviour, and its canonical text is a fixed point; what tracr cannot compile is refused."""

import inspect
import itertools
import random

import pytest
from tracr.compiler import lib, test_cases
from tracr.rasp import causal_eval, rasp

import compiler
from compiler.language import tokenizer

CASES = {c["testcase_name"]: c for c in test_cases.TEST_CASES + test_cases.CAUSAL_TEST_CASES}
CAUSAL = ({c["testcase_name"] for c in test_cases.CAUSAL_TEST_CASES}
          - {c["testcase_name"] for c in test_cases.TEST_CASES})

#: lib.py's programs beyond those in test_cases, with the arguments to build them.
LIB_PROGRAMS = {
    "length": (lambda: lib.length, {"a", "b"}, 6),
    "make_length": (lib.make_length, {"a", "b"}, 6),
    "make_shuffle_dyck2": (lib.make_shuffle_dyck2, {"(", ")", "{", "}"}, 5),
    "make_frac_prevs": (lambda: lib.make_frac_prevs(rasp.tokens == "x"), {"x", "y"}, 6),
    "shift_by": (lambda: lib.shift_by(3, rasp.tokens), {1, 2, 3}, 6),
    "detect_pattern": (lambda: lib.detect_pattern(rasp.tokens, [1, 2, 1]), {1, 2}, 6),
    "make_sort_unique": (lambda: lib.make_sort_unique(rasp.tokens, rasp.indices), {"a", "b"}, 5),
    "make_count": (lambda: lib.make_count(rasp.indices, 2), {"a"}, 5),
    "make_nary_sequencemap": (lambda: lib.make_nary_sequencemap(lambda a, b, c: a * b + c, rasp.tokens,
                                                                rasp.indices, rasp.tokens), {1, 2}, 4),
}


def _inputs(vocab, max_seq_len, limit=1500, samples=300, seed=0):
    """Every input up to max_seq_len when there are at most `limit`, else a seeded sample."""
    values = sorted(vocab, key=str)
    total = sum(len(values) ** n for n in range(1, max_seq_len + 1))
    if total <= limit:
        return [list(xs) for n in range(1, max_seq_len + 1) for xs in itertools.product(values, repeat=n)]
    rng = random.Random(seed)
    return [[rng.choice(values) for _ in range(rng.randint(1, max_seq_len))] for _ in range(samples)] + [
        [values[0]], [values[-1]] * max_seq_len]


def _outcome(program, xs):
    try:
        return compiler.evaluate(program, xs)
    except Exception as error:  # tracr's evaluator raises on some inputs; then ours must too
        return type(error).__name__


def _check_round_trip(sop, vocab, max_seq_len):
    text = compiler.to_source(sop, vocab=vocab, max_seq_len=max_seq_len)
    program = compiler.parse(text)
    assert compiler.to_source(program) == text
    assert tokenizer.decode(tokenizer.encode(text)) == text
    for xs in _inputs(vocab, max_seq_len):
        assert _outcome(program, xs) == _outcome(sop, xs), xs
    return program


@pytest.mark.parametrize("name", sorted(CASES))
def test_test_cases_round_trip(name):
    case = CASES[name]
    program = _check_round_trip(case["program"], case["vocab"], case["max_seq_len"])
    evaluate = causal_eval.evaluate if name in CAUSAL else rasp.evaluate
    assert evaluate(program.sop, case["test_input"]) == pytest.approx(case["expected_output"])


@pytest.mark.parametrize("name", sorted(LIB_PROGRAMS))
def test_lib_programs_round_trip(name):
    make, vocab, max_seq_len = LIB_PROGRAMS[name]
    _check_round_trip(make(), vocab, max_seq_len)


def test_every_lib_program_is_covered():
    covered = set(LIB_PROGRAMS) | {c["program"].name for c in CASES.values()}
    makers = {name for name, f in inspect.getmembers(lib, inspect.isfunction) if f.__module__ == lib.__name__}
    # Each lib function appears here by name or as a test case built with it.
    by_case = {"make_reverse", "make_pair_balance", "make_shuffle_dyck", "make_hist", "make_sort",
               "make_sort_freq", "make_count_less_freq"}
    assert makers - covered - by_case == set()


#: Unsupported only for some vocabularies (a numerical mean of values other than 0 and 1),
#: which is the compiler's to refuse; the language has it.
VALUE_DEPENDENT = {"numerical_numerical_aggregate"}


@pytest.mark.parametrize("case", [c for c in test_cases.UNSUPPORTED_TEST_CASES
                                  if c["testcase_name"] not in VALUE_DEPENDENT], ids=lambda c: c["testcase_name"])
def test_programs_tracr_cannot_compile_are_refused_by_name(case):
    with pytest.raises(compiler.SourceError) as caught:
        compiler.to_source(case["program"], vocab=case["vocab"], max_seq_len=case["max_seq_len"])
    message = str(caught.value)
    assert "`" in message and ":" in message  # names the expression, says why


def test_python_callables_need_vocab_to_be_tabulated():
    with pytest.raises(compiler.SourceError, match="pass vocab and max_seq_len"):
        compiler.to_source(lib.make_reverse(rasp.tokens))
    # A program of comparisons only needs neither.
    hist = "v1 = select(tokens, tokens, EQ)\nv2 = selector_width(v1)\nreturn v2\n"
    assert compiler.to_source(lib.make_hist()) == hist


def test_parsed_functions_are_kept_not_tabulated():
    program = compiler.parse("a = map(lambda x: x * 2, tokens)\nreturn sequence_map(lambda x, y: x - y, a, indices)")
    assert compiler.to_source(program.sop) == compiler.to_source(program)  # no vocab needed


def test_import_names_and_merges_selector_combinations():
    keys = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT)
    apart = rasp.SelectorOr(keys, rasp.Select(rasp.indices, rasp.tokens, rasp.Comparison.EQ))
    with pytest.raises(compiler.SourceError, match="same keys and queries"):  # tracr cannot compile it
        compiler.to_source(rasp.SelectorWidth(apart))
    merged = rasp.SelectorWidth(rasp.SelectorNot(rasp.SelectorOr(keys, rasp.Select(keys.keys, keys.queries,
                                                                                   rasp.Comparison.EQ))))
    text = compiler.to_source(merged.named("above"), keep_names=True)
    assert text == "v1 = select(tokens, tokens, not (LT or EQ))\nabove = selector_width(v1)\nreturn above\n"
    assert compiler.evaluate(compiler.parse(text), [1, 2, 3]) == rasp.evaluate(merged, [1, 2, 3])


def test_full_becomes_a_constant_map():
    program = compiler.from_sop(rasp.SequenceMap(lambda x, y: x + y, rasp.tokens, rasp.Full(1)), vocab={1, 2},
                                max_seq_len=3)
    assert compiler.evaluate(program, [1, 2]) == [2, 3]
    assert "map(lambda x: 1, tokens)" in compiler.to_source(program)


def test_evaluate_remembers_each_pair_of_values_and_equals_rasps_evaluator():
    """`compiler.evaluate` computes a select's predicate once per pair of values (and their types:
    True and 1 are one key to a dict, not to a table of pairs); results equal `rasp.evaluate`'s on
    every input, and a pair on which the predicate raises raises again each time."""
    from compiler.language.program import _PAIR_RESULTS

    keys = rasp.Map(lambda x: True if x == 0 else 1 if x == 1 else x, rasp.tokens)
    calls = []

    def table(key, query):
        calls.append((key, query))
        if query == 3:
            raise ArithmeticError("no entry")
        return type(key) is bool and key or key == query

    select = rasp.Select(keys, rasp.tokens, table)
    width = rasp.numerical(rasp.SelectorWidth(select))
    rng = random.Random(0)
    inputs = [[rng.choice([0, 1, 2]) for _ in range(rng.randint(1, 6))] for _ in range(200)]
    for xs in inputs:
        assert compiler.evaluate(width, xs) == rasp.evaluate(width, xs)
    ours = len(calls) - sum(len(xs) ** 2 for xs in inputs)  # rasp's own calls: one per pair of positions
    assert ours == len({(type(k), k, q) for k, q in calls}) <= 9
    with pytest.raises(compiler.UndefinedError):
        compiler.evaluate(width, [0, 3])
    with pytest.raises(compiler.UndefinedError):
        compiler.evaluate(width, [0, 3])
    assert select in _PAIR_RESULTS
    # inputs of 8 x 8 pairs or more are read from a table of the values' results: the same answers,
    # the same raising, and with causal masking no call on a key after its query
    long_inputs = [[rng.choice([0, 1, 2]) for _ in range(rng.randint(8, 14))] for _ in range(100)]
    for xs in long_inputs:
        assert compiler.evaluate(width, xs) == rasp.evaluate(width, xs)
    with pytest.raises(compiler.UndefinedError):
        compiler.evaluate(width, [0, 1, 2] * 3 + [3])
    from compiler.language.program import line_values
    # the pair (key 3, query 0) raises; a 3 only after every 0 meets a 0 only as a masked pair
    program = compiler.parse("w = selector_width(select(tokens, tokens, lambda k, q: 1 // (q + (k != 3)) >= 0))\n"
                             "return w\n")
    xs = [0, 1, 2, 0, 1, 2, 0, 1, 2, 3]
    assert line_values(program, causal=True)(xs)[id(program.output)] == list(range(1, 11))
    with pytest.raises(compiler.UndefinedError):
        line_values(program)(xs)


def test_evaluate_all_equals_evaluate_on_each_input():
    """`evaluate_all` (the fountain's probes, in one pass over the program's lines) gives each
    input's `evaluate` and raises where `evaluate` does, on the first input undefined."""
    from compiler.language.program import evaluate_all

    program = compiler.parse("s = select(tokens, tokens, lambda k, q: k < q)\n"
                             "w = selector_width(s)\n"
                             "p = aggregate(select(indices, indices, lambda k, q: k == q - 1), tokens)\n"
                             "return sequence_map(lambda x, y: x + y, w, p)\n")
    rng = random.Random(1)
    inputs = [[rng.choice([1, 2, 3]) for _ in range(rng.randint(1, 6))] for _ in range(50)]
    assert evaluate_all(program, inputs) == [compiler.evaluate(program, xs) for xs in inputs]
    assert evaluate_all(program, []) == []
    undefined = compiler.parse("return map(lambda x: 6 // (x - 2), tokens)\n")
    assert evaluate_all(undefined, [[1], [3]]) == [[-6], [6]]
    with pytest.raises(compiler.UndefinedError, match=r"\[1, 2\]"):
        evaluate_all(undefined, [[1], [1, 2], [2]])
