"""`interpreter.bags`: every argument value a table line takes, from one input per bag of tokens,
against every input up to the length; and the certificate's proof that a missing entry no bag
gives is no hole."""

import itertools
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import compiler
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.literals import table_key
from compiler.language.values import ValueSets
from generator.strategies import programs
from interpreter.bags import bag_arguments, token_kinds
from interpreter.certify import Certifier

#: a parking meter's minutes: 6 for each coin so far, 9 more for each of 50 or more, 15 more for each
#: pound; the pairs (coins, big coins) with more big coins than coins no input gives
_METER = ("big = selector_width(select(tokens, tokens, lambda k, q: k >= 50))\n"
          "pounds = selector_width(select(tokens, tokens, lambda k, q: k == 100))\n"
          "part = sequence_map(lambda n, b: 6 * n + 9 * b, length, big)\n"
          "bought = sequence_map(lambda m, p: m + 15 * p, part, pounds)\n"
          "return bought\n")
_COINS = (20, 50, 100)


def _lines(program: prog.Program) -> dict[str, nodes.Node]:
    """The lines that may be tables (maps, sequence_maps, selects), by name."""
    names = program.names(keep=True)
    return {names[id(node)]: node for node in program.nodes
            if isinstance(node, (nodes.Map, nodes.SequenceMap, nodes.Select))}


def _every_argument(program: prog.Program, labels: dict, vocab, max_seq_len: int, causal: bool) -> dict:
    """What `bag_arguments` claims to give, by brute force: every input up to max_seq_len."""
    values = prog.line_values(program, causal=causal)
    found = {label: set() for label in labels}
    for length in range(1, max_seq_len + 1):
        for xs in itertools.product(vocab, repeat=length):
            rows = values(list(xs))
            for label, node in labels.items():
                columns = [rows[id(child)] for child in node.children]
                for i in range(length):
                    if isinstance(node, nodes.Select):
                        keys = range(i + 1) if causal else range(length)
                        found[label].update(table_key((columns[0][j], columns[1][i])) for j in keys)
                    else:
                        found[label].add(table_key(columns[0][i] if len(columns) == 1
                                                   else tuple(c[i] for c in columns)))
    return found


def _bags(program: prog.Program, labels: dict, vocab, max_seq_len: int, causal: bool) -> dict:
    return bag_arguments(program, labels, sorted(vocab, key=repr), max_seq_len, causal,
                         ValueSets(sorted(vocab, key=repr), max_seq_len), time.monotonic() + 60)


@pytest.mark.parametrize("causal", [False, True])
def test_the_bags_give_every_pair_of_counts_inputs_give_and_no_other(causal):
    program = compiler.parse(_METER)
    labels = _lines(program)
    shown = _bags(program, labels, _COINS, 5, causal)
    assert set(shown) == set(labels)  # every line is a function of the bag its position sees
    expected = _every_argument(program, labels, _COINS, 5, causal)
    assert {label: set(found) for label, found in shown.items()} == expected
    pairs = shown["part"]
    assert (2, 1) in pairs and (1, 2) not in pairs and len(pairs) == sum(n + 1 for n in range(1, 6))
    values = prog.line_values(program, causal=causal)
    for (n, b), xs in pairs.items():  # each comes with an input that gives it
        rows = values(xs)
        assert (n, b) in set(zip(rows[id(labels["part"].fst)], rows[id(labels["part"].snd)]))


def test_a_line_no_bag_determines_is_left_out_and_the_rest_still_shown():
    """Non-causal, `indices` is no function of the bag (a permutation moves it); causal, a select
    whose keys are counts (each key position counts its own prefix) is not either."""
    program = compiler.parse("big = selector_width(select(tokens, tokens, lambda k, q: k >= 50))\n"
                             "at = sequence_map(lambda i, b: i + b, indices, big)\n"
                             "n = sequence_map(lambda l, b: l - b, length, big)\n"
                             "below = select(big, big, LT)\n"
                             "return sequence_map(lambda x, y: x + y, at, sequence_map(lambda a, b: a + b, n, "
                             "selector_width(below)))\n")
    labels = _lines(program)
    plain = _bags(program, labels, _COINS, 4, causal=False)
    assert "at" not in plain and "n" in plain and "below" in plain
    causal = _bags(program, labels, _COINS, 4, causal=True)
    assert "at" in causal and "n" in causal and "below" not in causal
    expected = _every_argument(program, labels, _COINS, 4, causal=True)
    assert all(set(found) == expected[label] for label, found in causal.items())


def test_an_aggregate_over_indices_is_shown_only_where_it_averages_every_position_it_sees():
    every = compiler.parse("m = numerical aggregate(select(indices, indices, LEQ), numerical map(lambda x: x / 100, "
                           "tokens))\ndoubled = numerical map(lambda a: 2 * a, m)\nreturn doubled\n")
    first = compiler.parse("m = numerical aggregate(select(indices, indices, lambda k, q: k == 0), "
                           "numerical map(lambda x: x / 100, tokens))\n"
                           "doubled = numerical map(lambda a: 2 * a, m)\nreturn doubled\n")
    assert "doubled" in _bags(every, _lines(every), _COINS, 4, causal=True)
    assert "doubled" not in _bags(first, _lines(first), _COINS, 4, causal=True)  # which is first: no bag says


def test_token_kinds_are_the_tokens_every_reader_treats_alike():
    program = compiler.parse("v = map({\"a\": 1, \"b\": 1, \"c\": 2, \"d\": 2, \"e\": 3, \"f\": 3}, tokens)\n"
                             "w = selector_width(select(tokens, v, lambda k, q: k == \"a\" or q == 3))\n"
                             "return sequence_map(lambda x, y: x + y, v, w)\n")
    vocab = list("abcdef")
    kinds = token_kinds([program.output], vocab, ValueSets(vocab, 4))
    # the map makes three kinds and the select, against v's values 1-3, splits "a" from "b"
    assert kinds == {"a": ["a"], "b": ["b"], "c": ["c", "d"], "e": ["e", "f"]}
    aggregated = compiler.parse("return aggregate(select(tokens, tokens, EQ), tokens)\n")
    assert list(token_kinds([aggregated.output], vocab, ValueSets(vocab, 4))) == vocab


@settings(max_examples=25, deadline=None)
@given(programs(vocab=(1, 2, 3), max_seq_len=4), st.booleans())
def test_bag_arguments_are_every_argument_every_input_gives(program, causal):
    labels = _lines(program)
    shown = _bags(program, labels, (1, 2, 3), 4, causal)
    if not shown:
        return
    expected = _every_argument(program, {label: labels[label] for label in shown}, (1, 2, 3), 4, causal)
    assert {label: set(found) for label, found in shown.items()} == expected


def test_a_missing_entry_no_bag_gives_is_no_hole_and_one_a_bag_gives_is_found():
    """A table over (minutes of coins, pounds) read off a sample has entries only for what coins
    give: no more pounds than big coins (which no value-set rule knows). The certificate proves the
    rest no input gives (no caveat taken on trust), and an entry left out that a bag gives is
    found, and the input handed back for the search to read."""
    net = compiler.compile_program(_METER, set(_COINS), 6, causal=True)
    sample = [[20, 50, 100, 20, 50, 100], [100] * 6, [20] * 6, [50, 20]]
    complete = {(6 * n + 9 * b, p): 6 * n + 9 * b + 15 * p
                for n in range(1, 7) for b in range(n + 1) for p in range(b + 1)}

    def reading(table: dict) -> str:
        return _METER.replace("lambda m, p: m + 15 * p",
                              "{" + ", ".join(f"({m}, {p}): {v}" for (m, p), v in table.items()) + "}")
    cert = Certifier(net, sample, exhaustive=False)(compiler.parse(reading(complete)))
    assert cert.verified and not cert.caveat and not cert.reason

    certify = Certifier(net, sample, exhaustive=False)
    cert = certify(compiler.parse(reading({k: v for k, v in complete.items() if k != (33, 0)})))
    assert not cert.verified and "an input its tables had not seen" in cert.reason
    # 33 minutes without a pound: 4 coins, 1 of them of 50p
    (found,) = [xs for xs in certify.extra_inputs if len(xs) >= 4 and sorted(xs[:4]) == [20, 20, 20, 50]]
    assert str(found) in cert.reason


def test_line_values_of_only_some_lines_evaluates_only_what_they_read():
    program = compiler.parse("big = selector_width(select(tokens, tokens, lambda k, q: k >= 50))\n"
                             "odd = map(lambda b: 100 // (b - 1), big)\n"
                             "return sequence_map(lambda x, y: x + y, odd, tokens)\n")
    big = program.output.fst.inner
    with pytest.raises(prog.UndefinedError):
        prog.line_values(program)([50, 20])  # one big coin: 100 // 0
    rows = prog.line_values(program, only=[big])([50, 20])
    assert rows[id(big)] == [1, 1] and id(program.output) not in rows


def test_a_select_that_ignores_its_queries_counts_a_bag_whatever_they_are():
    """`lambda k, q: k == 0` with `indices` as its queries (how the search reads a fixed key) counts
    the keys of value 0 at every query: non-causal, `indices` no bag fixes does not matter."""
    program = compiler.parse("v = map(lambda t: 0 if t < 50 else 1, tokens)\n"
                             "zeros = selector_width(select(v, indices, lambda k, q: k == 0))\n"
                             "both = sequence_map(lambda z, n: z + n, zeros, length)\n"
                             "picky = selector_width(select(v, indices, lambda k, q: k == q))\n"
                             "return sequence_map(lambda a, b: a + b, both, picky)\n")
    labels = _lines(program)
    shown = _bags(program, labels, _COINS, 4, causal=False)
    assert "both" in shown and set(shown["both"]) == _every_argument(program, {"both": labels["both"]}, _COINS, 4,
                                                                     causal=False)["both"]
    assert not any(label not in ("both", "v") and label in shown for label in labels)  # k == q: not so


def test_a_reading_the_untraced_sample_shows_wrong_is_read_again_with_every_hole_the_bags_reach():
    """The sample's untraced inputs hit one of a reading's holes; the search reads the net again
    with an input for that one and for each other hole inputs reach, where the bags show them,
    not one reading per hole the sample happens to hit."""
    net = compiler.compile_program(_METER, set(_COINS), 6, causal=True)
    complete = {(6 * n + 9 * b, p): 6 * n + 9 * b + 15 * p
                for n in range(1, 7) for b in range(n + 1) for p in range(b + 1)}
    table = {k: v for k, v in complete.items() if k not in ((33, 0), (48, 1))}
    reading = _METER.replace("lambda m, p: m + 15 * p",
                             "{" + ", ".join(f"({m}, {p}): {v}" for (m, p), v in table.items()) + "}")
    certify = Certifier(net, [[20, 50, 100, 20, 50, 100], [100] * 6, [20] * 6], exhaustive=False,
                        untraced=[[50, 20, 20, 20]])  # 33 minutes, no pound
    cert = certify(compiler.parse(reading))
    assert not cert.verified and "a sampled input not traced" in cert.reason
    meter = compiler.parse(_METER)
    values, bought = prog.line_values(meter, causal=True), _lines(meter)["bought"]

    def reaches(xs, pair):
        rows = values(xs)
        return pair in zip(rows[id(bought.fst)], rows[id(bought.snd)])
    assert any(reaches(xs, (33, 0)) for xs in certify.extra_inputs)
    assert any(reaches(xs, (48, 1)) for xs in certify.extra_inputs)  # 48 minutes and a pound: no sample had it


#: counts up to each position written with the index packed into the keys (a causal count in a
#: non-causal program, the seventeenth set's ferry lane): the bag up to the position fixes them
_PACKED = ("size = map(lambda t: t // 20, tokens)\n"
           "key = sequence_map(lambda i, s: i * 10 + s, indices, size)\n"
           "big = selector_width(select(key, indices, lambda k, q: k // 10 <= q and k % 10 >= 2))\n"
           "all = selector_width(select(key, indices, lambda k, q: k // 10 <= q))\n"
           "used = sequence_map(lambda b, a: 2 * b + a, big, all)\n"
           "whole = selector_width(select(tokens, tokens, lambda k, q: k >= 50))\n"
           "out = sequence_map(lambda u, w: u - w, used, whole)\nreturn out\n")


@pytest.mark.parametrize("causal", [False, True])
def test_counts_up_to_each_position_through_packed_keys_are_shown_as_a_prefix_would_give_them(causal):
    program = compiler.parse(_PACKED)
    labels = _lines(program)
    shown = _bags(program, labels, _COINS, 5, causal)
    assert "used" in shown and "size" in shown
    # non-causal, `whole` counts every position: the output's pair mixes the prefix and the whole
    assert ("out" in shown) == causal
    expected = _every_argument(program, {label: labels[label] for label in shown}, _COINS, 5, causal)
    assert {label: set(found) for label, found in shown.items()} == expected
