"""`interpreter.cells`: the values each line takes at each (position, length) cell are a superset of
what every input gives there, and the certificate's proof that a table's missing entry no cell
gives is no hole."""

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

import compiler
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.literals import table_key
from generator.strategies import programs
from interpreter.cells import ANY, Cells
from interpreter.certify import Certifier, PositionValueSets


def _missed(program: prog.Program, vocab, max_seq_len: int, causal: bool, tables: bool = False) -> list:
    """(line, cell, value) for every value an input gives a line at a cell that `Cells` leaves out
    (must be none), and, with `tables`, every table line's argument `may_give` denies."""
    cells = Cells(PositionValueSets(vocab, max_seq_len, causal), causal)
    lines = [node for node in program.nodes if isinstance(node, nodes.SOpNode)]
    at = {cell: k for k, cell in enumerate(cells.cells)}
    values = prog.line_values(program, causal=causal)
    missed = []
    for length in range(1, max_seq_len + 1):
        for xs in itertools.product(vocab, repeat=length):
            rows = values(list(xs))
            for node in lines:
                column = cells.values(node)
                for i, value in enumerate(rows[id(node)]):
                    listed = column[at[(i, i + 1) if causal else (i, length)]]
                    if listed is not ANY and table_key(value) not in {table_key(v) for v in listed}:
                        missed.append((prog.Program(node).source.splitlines()[-1], (i, length), value))
            if tables:
                for node in program.nodes:
                    if isinstance(node, (nodes.Map, nodes.SequenceMap)):
                        args = [rows[id(child)] for child in node.children]
                        for i in range(length):
                            arg = args[0][i] if len(args) == 1 else (args[0][i], args[1][i])
                            if None not in (arg if isinstance(arg, tuple) else (arg,)) and \
                                    not cells.may_give(node, arg):
                                missed.append((type(node).__name__, (i, length), arg))
    assert not cells.failed
    return missed


@settings(max_examples=40, deadline=None)
@given(programs(vocab=(1, 2, 3), max_seq_len=4), st.booleans())
def test_every_value_an_input_gives_a_line_is_in_its_cell(program, causal):
    assert _missed(program, (1, 2, 3), 4, causal, tables=True) == []


def test_a_count_of_misses_in_a_row_is_never_three_before_the_third_position():
    # a high jumper's failures since the last clearance: at index 0 or 1 at most 1 or 2, and the
    # pair (3, 0) the table over (misses, index) lacks is given by no cell
    program = compiler.parse(
        "cleared = sequence_map(lambda t, i: i * 2 + (1 if t == 1 else 0), tokens, indices)\n"
        "clears = selector_width(select(cleared, indices, lambda k, q: k % 2 == 1 and k // 2 <= q))\n"
        "spell = sequence_map(lambda c, k: c * 32 + k, clears, cleared)\n"
        "misses = selector_width(select(spell, spell, lambda k, q: k // 32 == q // 32 and "
        "k % 32 // 2 <= q % 32 // 2 and k % 2 == 0))\n"
        "out = sequence_map({(0, 0): 0, (1, 0): 1, (0, 1): 0, (1, 1): 1, (2, 1): 2}, misses, indices)\n"
        "return out\n")
    assert _missed(program, (0, 1), 5, False) == []
    cells = Cells(PositionValueSets((0, 1), 5, False), False)
    out = program.output
    assert not cells.may_give(out, (3, 0)) and not cells.may_give(out, (3, 1)) and not cells.may_give(out, (2, 0))
    assert cells.may_give(out, (3, 2)) and cells.may_give(out, (1, 0))
    misses = out.fst
    assert cells.values(misses)[0] == frozenset({0, 1})  # index 0 of a 1-token input


def test_a_categorical_aggregate_takes_the_values_of_the_positions_it_may_choose_and_none_where_none():
    # the previous token: None at index 0, a token elsewhere; the pair (None-free) (t, 0) is no input's
    program = compiler.parse("prev = aggregate(select(indices, indices, lambda k, q: k == q - 1), tokens)\n"
                             "return sequence_map(lambda p, i: p * 10 + i, prev, indices)\n")
    cells = Cells(PositionValueSets((1, 2), 3, False), False)
    prev = program.output.fst
    column = cells.values(prev)
    assert column[cells.cells.index((0, 2))] == frozenset({None})
    assert column[cells.cells.index((1, 2))] == frozenset({1, 2})
    assert not cells.may_give(program.output, (1, 0)) and cells.may_give(program.output, (1, 1))
    assert _missed(program, (1, 2), 3, False, tables=True) == []
    assert _missed(program, (1, 2), 3, True, tables=True) == []


def test_a_table_line_whose_missing_entries_no_cell_gives_is_verified_without_a_search():
    # the table over (misses, index) lacks (3, 0) and (3, 1): no input gives them, and the
    # certificate says so without reaching for them (no caveat)
    source = ("cleared = sequence_map(lambda t, i: i * 2 + (1 if t == 1 else 0), tokens, indices)\n"
              "clears = selector_width(select(cleared, indices, lambda k, q: k % 2 == 1 and k // 2 <= q))\n"
              "spell = sequence_map(lambda c, k: c * 32 + k, clears, cleared)\n"
              "misses = selector_width(select(spell, spell, lambda k, q: k // 32 == q // 32 and "
              "k % 32 // 2 <= q % 32 // 2 and k % 2 == 0))\n"
              "late = map(lambda m: min(m, 3), misses)\n"
              "return sequence_map(lambda m, i: m * 100 + i, late, indices)\n")
    vocab, max_seq_len = (0, 1), 14  # 32,766 inputs: the trace samples them
    net = compiler.compile_program(source, set(vocab), max_seq_len)
    rows = {(m, i): m * 100 + i for m in range(4) for i in range(max_seq_len) if m <= i + 1}
    table = "{" + ", ".join(f"({m}, {i}): {v}" for (m, i), v in sorted(rows.items())) + "}"
    reading = compiler.parse(source.replace("return sequence_map(lambda m, i: m * 100 + i, late, indices)",
                                            f"return sequence_map({table}, late, indices)"))
    certifier = Certifier(net, [[1, 0, 0, 0]], False)
    # the value sets' rules leave the pairs a count of 3 at index 0 or 1 as holes
    assert {(3, 0), (3, 1)} <= set(certifier._possible_holes(reading)[reading.names(keep=False)[id(reading.output)]])
    reach_calls = []
    import interpreter.certify as certify
    original = certify.reach
    certify.reach = lambda *a, **k: reach_calls.append(a) or original(*a, **k)
    try:
        holes = certifier._holes(reading, reading, net)
    finally:
        certify.reach = original
    assert holes == ("", 0, "", False) and reach_calls == []



def test_a_table_over_a_token_and_a_line_computed_from_it_pairs_only_what_the_token_gives():
    """A table line reading the token and a line computed from it (with a value fetched from
    another position) is given only the pairs the token allows: the name of a capo token never
    meets a chord shape (the twenty-third hand-written set's k17), though each argument alone may
    take each value at every cell. Every pair an input gives is still allowed."""
    program = compiler.parse("""fret = map(lambda t: t - 2 if t > 2 else 0, tokens)
capo = aggregate(select(indices, indices, lambda k, q: k == 0), fret)
pitch = sequence_map(lambda t, c: -1 if t > 2 else t + c, tokens, capo)
out = sequence_map(lambda p, t: p * 10 + t, pitch, tokens)
return out
""")
    cells = Cells(PositionValueSets((1, 2, 3, 4), 4, False), False)
    assert cells.may_give(program.output, (-1, 3)) and cells.may_give(program.output, (3, 1))
    assert not cells.may_give(program.output, (-1, 1)) and not cells.may_give(program.output, (-1, 2))
    assert not cells.may_give(program.output, (1, 3))  # a chord shape is never -1, a capo never a pitch
    assert _missed(program, (1, 2, 3, 4), 4, False, tables=True) == []


def test_two_counts_no_key_of_which_both_count_add_up_to_at_most_the_positions():
    # residues counted in two disjoint groups (the twenty-fifth hand-written set's m07): at a cell
    # the two add up to at most the positions there, through a weighted sum and through lines that
    # read them beside the token; a superset still (every input's values are listed)
    vocab = (0, 1, 2, 3)
    counts = ("low = selector_width(select(tokens, tokens, lambda k, q: k <= 1))\n"
              "high = selector_width(select(tokens, tokens, lambda k, q: k == 3))\n")
    weighted = compiler.parse(counts + "return sequence_map(lambda a, b: a + 8 * b, low, high)\n")
    assert _missed(weighted, vocab, 4, False) == [] and _missed(weighted, vocab, 4, True) == []
    cells = Cells(PositionValueSets(vocab, 4, False), False)
    at = {cell: k for k, cell in enumerate(cells.cells)}
    assert max(cells.values(weighted.output)[at[(0, 2)]]) == 16 and 17 not in cells.values(weighted.output)[at[(0, 2)]]
    assert 33 not in cells.values(weighted.output)[at[(0, 4)]]  # four high and one low: five positions
    table = "{" + ", ".join(f"({a}, {b}): {a + b}" for a in range(5) for b in range(5 - a)) + "}"
    pair = compiler.parse(counts + f"return sequence_map({table}, low, high)\n")
    assert not cells.may_give(pair.output, (2, 3)) and cells.may_give(pair.output, (1, 3))
    beside = compiler.parse(counts + "x = sequence_map(lambda a, t: a * 10 + t, low, tokens)\n"
                            "y = sequence_map(lambda b, t: b * 10 + t, high, tokens)\n"
                            "return sequence_map(lambda p, q: p + q, x, y)\n")
    assert _missed(beside, vocab, 4, False) == []
    assert not cells.may_give(beside.output, (32, 22)) and cells.may_give(beside.output, (12, 22))
    overlapping = compiler.parse(counts.replace("k == 3", "k >= 1") + f"return sequence_map({table}, low, high)\n")
    assert cells.may_give(overlapping.output, (2, 3))


def test_sums_of_counts_of_disjoint_kinds_are_bounded_together():
    # a snooker break's points (the twenty-second hand-written set's j03): four counts of the balls
    # potted, weighed in two sums; the sums at one position share no line, but their counts add
    # up to at most the positions there, so (11, 13) (one red, two blues, a pink and a black: five
    # balls) is given by no input of four tokens, and (10, 13) is
    vocab = (0, 1, 2, 3)
    program = compiler.parse(
        "c0 = selector_width(select(tokens, tokens, lambda k, q: k == 0))\n"
        "c1 = selector_width(select(tokens, tokens, lambda k, q: k == 1))\n"
        "c2 = selector_width(select(tokens, tokens, lambda k, q: k == 2))\n"
        "c3 = selector_width(select(tokens, tokens, lambda k, q: k == 3))\n"
        "low = sequence_map(lambda r, b: r + 5 * b, c0, c1)\n"
        "high = sequence_map(lambda p, b: 6 * p + 7 * b, c2, c3)\n"
        "return sequence_map(lambda x, y: x + y, low, high)\n")
    assert _missed(program, vocab, 4, False, tables=True) == []
    cells = Cells(PositionValueSets(vocab, 4, False), False)
    assert not cells.may_give(program.output, (11, 13)) and cells.may_give(program.output, (10, 13))
    assert cells.may_give(program.output, (0, 26)) and not cells.may_give(program.output, (1, 26))


def test_counts_that_both_count_a_none_key_are_not_disjoint():
    # a select's predicate is called on a None key: two counts whose predicates both take None
    # (the token before, None at index 0) count that position twice, so their sum may pass the
    # positions there; guarded against None, the same predicates are disjoint
    from interpreter.cells import disjoint_widths

    vocab = (0, 1, 2, 3)
    program = compiler.parse(
        "prev = aggregate(select(indices, indices, lambda k, q: k == q - 1), tokens)\n"
        "low = selector_width(select(prev, prev, lambda k, q: k == None or k <= 1))\n"
        "high = selector_width(select(prev, prev, lambda k, q: k == None or k == 3))\n"
        "return sequence_map(lambda a, b: a + 8 * b, low, high)\n")
    sets = PositionValueSets(vocab, 4, False)
    low, high = program.output.fst, program.output.snd
    assert not disjoint_widths(low, high, sets)
    assert _missed(program, vocab, 4, False) == []
    guarded = compiler.parse(program.source.replace("k == None or ", "k != None and "))
    assert disjoint_widths(guarded.output.fst, guarded.output.snd, sets)
    assert _missed(guarded, vocab, 4, False) == []
