"""Behavioural decompilation (interpreter.behaviour): programs read off what a net does, for
nets whose components do not each compute one line; and how a retrained net is judged."""

import time

import numpy as np
import pytest

import compiler
from interpreter.behaviour import _nicest, behavioural_programs
from interpreter.certify import Certifier
from interpreter.data import Example
from interpreter.evaluate import functional_difference, net_difference
from interpreter.trace import _close_pairs, trace_net
from interpreter.verified import decompile

VOCAB = {1, 2, 3}


def _verified_programs(net):
    trace = trace_net(net)
    certify = Certifier(net, trace.inputs, trace.exhaustive)
    return [p.source for p in behavioural_programs(trace, time.monotonic() + 30) if certify(p).verified]


@pytest.mark.parametrize("source", [
    # a select no comparison of primitives spells: read off the head's attention as a table
    "s = select(indices, indices, {(1, 0), (0, 1), (2, 2)})\nv = aggregate(s, tokens)\nreturn v\n",
    # the output is a table of two features (an aggregate and the token itself)
    "s = select(tokens, tokens, LT)\nw = selector_width(s)\n"
    "v = sequence_map(lambda x, y: x + y, w, tokens)\nreturn v\n",
    # a numerical mean of 0/1 values over a select, its table fitted by least squares
    "s = select(indices, indices, LEQ)\nm = numerical map(lambda x: x == 1, tokens)\n"
    "v = numerical aggregate(s, m)\nreturn v\n",
])
def test_behaviour_reads_compiled_and_scrambled_nets(source):
    net = compiler.compile_program(source, vocab=VOCAB, max_seq_len=3)
    for candidate in (net, compiler.scramble(net, seed=1)):
        verified = _verified_programs(candidate)
        assert verified, source
        # independent re-check of the first certificate
        assert net_difference(verified[0], net) == ""


def test_retrained_net_is_decompiled_and_its_certificate_is_honest():
    source = "s = select(indices, indices, GT)\nw = selector_width(s)\nv = map(lambda x: x + 1, w)\nreturn v\n"
    trained = compiler.retrain(source, vocab=VOCAB, max_seq_len=4, seed=0, max_steps=1500)
    result = decompile(trained, proposals="uniform", time_budget=20)
    assert result.source
    example = Example(trained, compiler.to_source(compiler.parse(source)), variant="retrained")
    # right where the net is right, and verified only if it agrees with the net everywhere
    assert functional_difference(result.source, example) == ""
    assert result.verified == (net_difference(result.source, trained) == "")
    assert result.agreement >= 0.95
    # the trace tells a trained net's dense writes from a compiled net's exact ones
    compiled = compiler.compile_program(source, vocab=VOCAB, max_seq_len=4)
    assert trace_net(trained).dense and not trace_net(compiled).dense
    assert not trace_net(compiler.scramble(compiled, seed=0)).dense


def test_a_retrained_net_is_judged_where_it_agrees_with_its_program():
    program = "v = map(lambda x: x + 1, tokens)\nreturn v\n"
    # a "retrained" net that is wrong on token 3 (it computes 5 there)
    imitation = compiler.compile_program("v = map({1: 2, 2: 3, 3: 5}, tokens)\nreturn v\n", vocab=VOCAB,
                                         max_seq_len=2)
    example = Example(imitation, program, variant="retrained")
    # what the net computes is right where the net is right
    assert functional_difference("v = map({1: 2, 2: 3, 3: 5}, tokens)\nreturn v\n", example) == ""
    # a program that is wrong where the net is right is wrong
    assert functional_difference("v = map({1: 2, 2: 2, 3: 4}, tokens)\nreturn v\n", example) != ""
    # a compiled net is judged on every input
    strict = Example(imitation, program, variant="compiled")
    assert functional_difference("v = map({1: 2, 2: 3, 3: 5}, tokens)\nreturn v\n", strict) != ""


def test_close_pairs_are_the_pairs_closer_than_the_reach_in_every_coordinate():
    rng = np.random.default_rng(0)
    points = np.round(rng.random((300, 4)) * 3) / 3 + rng.normal(0, 3e-3, (300, 4))
    found = {tuple(sorted(map(int, p))) for p in _close_pairs(points, 0.01)}
    brute = {(i, j) for i in range(300) for j in range(i + 1, 300) if np.abs(points[i] - points[j]).max() < 0.01}
    assert found == brute and brute


def test_nicest_numbers():
    assert _nicest(0.9997) == 1 and _nicest(-4.0004) == -4
    assert _nicest(0.5993) == 0.6 and _nicest(0.6654) == round(2 / 3, 6)
    assert _nicest(0.123456) == 0.1235


def test_a_true_program_this_version_refuses_is_judged_by_its_checked_net():
    # a corpus built before a guard may hold programs this version refuses: their compiled (and
    # scrambled) nets were checked against them when built, and stand in for them
    refused = ("a = aggregate(select(indices, tokens, EQ), tokens)\nm = numerical map(lambda x: x > 2, a)\n"
               "v = numerical aggregate(select(indices, indices, LEQ), m)\nreturn v\n")
    with pytest.raises(compiler.CompileError):
        compiler.compile_program(refused, set(range(1, 7)), 5)
    stand_in = ("v = numerical aggregate(select(indices, indices, LEQ), numerical map(lambda x: x > 2, tokens))\n"
                "return v\n")
    net = compiler.compile_program(stand_in, set(range(1, 7)), 5)
    assert functional_difference(stand_in, Example(net, refused, variant="compiled")) == ""
    assert functional_difference(stand_in, Example(net, refused, variant="retrained")).startswith(
        "the true program does not compile")
