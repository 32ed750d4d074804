"""The compiled == program property and its counterexamples."""

import dataclasses

import numpy as np

import compiler
from compiler.compiling.check import all_inputs, check_net, outputs_agree

SORT = "s = select(tokens, tokens, LT)\nreturn aggregate(select(selector_width(s), indices, EQ), tokens)\n"


def test_outputs_agree_in_tracrs_convention():
    assert outputs_agree([None, 1, 2.0], [7, 1, 2.0004])
    assert outputs_agree([True, 0.5], [1.0, 0.5])  # bools read as numbers against floats
    assert not outputs_agree([1, 2], [1, 3])
    assert not outputs_agree([0.5], [0.6])
    assert not outputs_agree([1], [1, 2])


def test_compiled_net_passes_on_every_input():
    program = compiler.parse(SORT)
    net = compiler.compile_program(program, vocab={1, 2, 3}, max_seq_len=4)
    result = check_net(program, net)
    assert result.ok and result.exhaustive and result.inputs == 3 + 9 + 27 + 81


def test_a_broken_net_gets_a_smallest_counterexample():
    program = compiler.parse(SORT)
    net = compiler.compile_program(program, vocab={1, 2, 3}, max_seq_len=4)
    broken = dataclasses.replace(net, W_U=net.W_U[:, ::-1].copy())  # outputs read backwards
    result = check_net(program, broken)
    assert not result.ok
    assert len(result.counterexample.input) == 1  # exhaustive order is shortest first
    assert "network" in result.counterexample.format()


def test_search_finds_and_shrinks_when_inputs_are_too_many():
    program = compiler.parse(SORT)
    net = compiler.compile_program(program, vocab={1, 2, 3}, max_seq_len=4)
    broken = dataclasses.replace(net, W_U=net.W_U[:, ::-1].copy())
    result = check_net(program, broken, exhaustive_limit=10, examples=50)
    assert not result.ok and not result.exhaustive
    assert len(result.counterexample.input) == 1  # shrunk


def test_all_inputs_counts_and_gives_up_past_the_limit():
    assert len(all_inputs([1, 2], 3, limit=100)) == 2 + 4 + 8
    assert all_inputs([1, 2], 3, limit=10) is None
    assert np.array_equal(all_inputs(["b", "a"], 1, 10), [["a"], ["b"]])


def test_a_causal_net_is_checked_against_the_program_on_each_prefix():
    from compiler.compiling.check import check_net, reference_outputs

    program = compiler.parse("v = map(lambda x: x, length)\nreturn v\n")
    net = compiler.compile_program(program, {1, 2}, 3, causal=True)
    assert reference_outputs(program, [1, 2, 2], causal=True) == [1, 2, 3]
    assert check_net(program, net).ok  # whole-sequence semantics would say [3, 3, 3]
    wrong = check_net(compiler.parse("v = map(lambda x: x + 1, length)\nreturn v\n"), net)
    assert not wrong.ok and wrong.counterexample.expected == [2] and wrong.counterexample.actual == [1]


def test_a_batched_search_tries_the_inputs_of_the_hypothesis_search_and_shrinks_what_fails():
    """`search_failing_batch` checks, in one call, the inputs the hypothesis search would try
    (kept: a second search generates none), and shrinks the first that fails."""
    from compiler.compiling.check import hypothesis_inputs, search_failing_batch, search_failing_input

    tokens = [1, 2, 3, 4, 5]
    tried = []

    def record(xs):
        tried.append(tuple(xs))
        return False

    assert search_failing_input(tokens, 6, record, 200, seed=3) is None
    assert hypothesis_inputs(tuple(tokens), 6, 200, 3) == tuple(tried)
    calls = []

    def fails(batch):
        calls.append(len(batch))
        return [xs.count(5) >= 2 and len(xs) >= 3 for xs in batch]

    found = search_failing_batch(tokens, 6, fails, 200, seed=3)
    assert calls[0] == len(tried)  # every input at once, then one at a time while shrinking
    assert sorted(found) == [1, 5, 5] and fails([found]) == [True]
    assert search_failing_batch(tokens, 6, lambda batch: [False] * len(batch), 200, seed=3) is None


def test_a_search_whose_check_is_slow_still_answers():
    """A check slower than hypothesis's default deadline (200 ms: a big net on a busy machine) is
    no error: `fountain check` raised DeadlineExceeded out of the search (twenty-seventh set)."""
    import time

    from hypothesis import settings

    from compiler.compiling.check import search_failing_input

    def slow(xs):  # a check that is slow on the shortest inputs, and fails on none
        if len(xs) == 1:
            slow.calls += 1
            time.sleep(0.25)
        return False

    slow.calls = 0
    profile = settings._current_profile  # the suite's profile has no deadline; a user's has hypothesis's
    settings.load_profile("default")
    try:
        assert search_failing_input([1, 2], 5, slow, 20, seed=0) is None and slow.calls
    finally:
        settings.load_profile(profile)


def test_nets_outputs_agree_decides_each_input_as_outputs_agree_on_the_decoded_outputs():
    """The batched comparison (scramble verification, compare) gives, input by input, what
    decoding both nets and `outputs_agree` give: for categorical outputs with None positions,
    numerical ones, nets that disagree on some inputs, and outputs spaces that differ."""
    from compiler.compiling.check import nets_outputs_agree

    rng = np.random.default_rng(0)
    # None where no token is one more than the query
    first = "v = aggregate(select(tokens, tokens, lambda k, q: k == q + 1), tokens)\nreturn v\n"
    mean = ("return numerical aggregate(select(tokens, tokens, LEQ), "
            "numerical map(lambda x: 1 if x > 1 else 0, tokens))\n")
    for source in (SORT, first, mean):
        net = compiler.compile_program(source, vocab={1, 2, 3}, max_seq_len=4)
        inputs = [list(xs) for xs in all_inputs([1, 2, 3], 4, limit=200)]
        noisy = dataclasses.replace(net, W_U=net.W_U + rng.normal(0, 0.3, net.W_U.shape).astype(np.float32))
        flipped = dataclasses.replace(net, W_U=net.W_U[:, ::-1].copy() if net.W_U.shape[1] > 1 else net.W_U * 1.5)
        for other in (compiler.scramble(net, seed=1), noisy, flipped):
            want = [outputs_agree(a, b) for a, b in zip(net.run(inputs), other.run(inputs))]
            assert nets_outputs_agree(net, other, inputs) == want
            assert nets_outputs_agree(other, net, inputs) == [outputs_agree(b, a) for a, b in
                                                              zip(net.run(inputs), other.run(inputs))]
            assert not all(want) or other is not noisy and other is not flipped  # the test sees disagreement
    assert nets_outputs_agree(net, net, []) == []


def test_one_causal_evaluation_gives_every_prefixs_values():
    """`line_values(..., causal=True)`: each query sees the keys at or before it and `length` is
    its index + 1, so for a program a causal net computes, every line's value at position i is
    the program's on the prefix `xs[:i + 1]` (the reach search read each prefix apart, 14
    evaluations of a 14-token input)."""
    import random

    from compiler.compiling.check import random_inputs
    from compiler.language import program as prog

    source = ("prev = aggregate(select(indices, indices, lambda k, q: k == q - 1 or (q == 0 and k == 0)), tokens)\n"
              "same = sequence_map(lambda x, y: 1 if x == y else 0, tokens, prev)\n"
              "one = numerical map(lambda x: x + 0, same)\n"
              "share = numerical aggregate(select(indices, indices, LEQ), one, default=0)\n"
              "others = selector_width(select(tokens, tokens, lambda k, q: not (k == q)))\n"
              "late = sequence_map(lambda n, l: n * 10 + l, others, length)\n"
              "half = map(lambda s: s > 0.5, share)\n"
              "out = sequence_map(lambda h, t: t if h else -1, half, late)\nreturn out\n")
    compiler.compile_program(source, {1, 2, 3}, 6, causal=True)  # a net can compute it
    program = compiler.parse(source)
    per_prefix, whole = prog.line_values(program), prog.line_values(program, causal=True)
    for xs in random_inputs([1, 2, 3], 6, 60, random.Random(0)):
        lines = whole(xs)
        assert len(lines) == whole.lines
        for i in range(len(xs)):
            for node, column in per_prefix(xs[:i + 1]).items():
                if column and not isinstance(column[0], list):  # an S-Op's values, not a select's
                    assert lines[node][i] == column[i], (xs, i)
