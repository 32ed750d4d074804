"""The parser accepts every construct of the language and builds the program it says."""

import pytest
from tracr.rasp import rasp

import compiler
from compiler.language import functions as fn
from compiler.language import nodes

SORT = """
# sort tokens with unique keys, as in tracr's lib
smaller = select(tokens, tokens, LT)
target_pos = selector_width(smaller)
sort = aggregate(select(target_pos, indices, EQ), tokens)
return sort
"""


def test_parse_builds_the_tracr_program_it_denotes():
    program = compiler.parse(SORT)
    assert isinstance(program.sop, rasp.Aggregate)
    assert rasp.evaluate(program.sop, [3, 1, 2]) == [1, 2, 3]
    assert compiler.evaluate(program, ["c", "a", "b"]) == ["a", "b", "c"]
    assert program.op_count == 4


def test_canonical_text_renames_and_orders():
    assert compiler.to_source(compiler.parse(SORT)) == (
        "v1 = select(tokens, tokens, LT)\n"
        "v2 = selector_width(v1)\n"
        "v3 = select(v2, indices, EQ)\n"
        "v4 = aggregate(v3, tokens)\n"
        "return v4\n")


def test_order_of_definitions_and_names_do_not_change_the_canonical_text():
    shuffled = """
    sorted_ = aggregate(position, tokens)
    return sorted_
    position = select(rank, indices, EQ)
    rank = selector_width(select(tokens, tokens, LT))
    """
    # `return` must come last; the rest may come in any order.
    reordered = "\n".join(line.strip() for line in shuffled.strip().splitlines() if "return" not in line)
    program = compiler.parse(reordered + "\nreturn sorted_\n")
    assert program == compiler.parse(SORT)
    assert compiler.to_source(program, keep_names=True).splitlines()[-1] == "return sorted_"


def test_keep_names_prints_the_programs_own_names():
    text = compiler.to_source(compiler.parse(SORT), keep_names=True)
    assert "target_pos = selector_width(smaller)" in text
    assert compiler.parse(text) == compiler.parse(SORT)


def test_sop_labels_are_the_same_in_every_build():
    first, second = compiler.parse(SORT).sop, compiler.parse(SORT).sop
    assert first.label == second.label == "sort_4"
    assert [c.label for c in first.children] == [c.label for c in second.children] == ["v3_3", "tokens"]


@pytest.mark.parametrize("text, inputs, expected", [
    ("a = map(lambda x: x + 1, tokens)", [1, 2], [2, 3]),
    ("a = map(lambda x: x // 2 if x % 2 == 0 else -x, tokens)", [4, 3], [2, -3]),
    ("a = map(lambda x: min(x, 2) * max(x, 3) - abs(x - 5), tokens)", [1, 4], [-1, 7]),
    ("a = map(lambda x: not (x > 1 and x < 3) or x == 5, tokens)", [2, 5, 1], [False, True, True]),
    ("a = map(lambda x: x / 2, tokens)", [3], [1.5]),
    ("a = map({1: \"one\", 2: (2, \"two\"), \"z\": None}, tokens)", [1, 2, "z", 9], ["one", (2, "two"), None, None]),
    ("a = sequence_map(lambda x, y: x * 10 + y, tokens, indices)", [1, 2], [10, 21]),
    ("a = sequence_map({(1, 0): True, (2, 1): False}, tokens, indices)", [1, 2], [True, False]),
    ("a = numerical map(lambda x: x, tokens)\nb = numerical linear_sequence_map(a, a, 2, -0.5)", [2], [3.0]),
    ("a = selector_width(select(tokens, tokens, EQ))", [1, 1, 2], [2, 2, 1]),
    ("a = selector_width(select(tokens, tokens, LT or EQ))", [1, 2], [1, 2]),
    ("a = selector_width(select(tokens, tokens, not (GEQ) and NEQ))", [1, 2, 3], [0, 1, 2]),
    ("a = selector_width(select(indices, indices, lambda k, q: q == k + 1))", [5, 5, 5], [0, 1, 1]),
    ("a = selector_width(select(indices, indices, {(0, 1), (0, 2)}))", [5, 5, 5], [0, 1, 1]),
    ("a = selector_width(select(tokens, tokens, TRUE))", [7, 8], [2, 2]),
    ("a = numerical selector_width(select(tokens, tokens, FALSE))", [7, 8], [0, 0]),
    ("a = aggregate(select(indices, indices, lambda k, q: k == q - 1), tokens, default=None)", [4, 5], [None, 4]),
    ("a = numerical map({1: 1, 2: 0}, tokens)\nb = numerical aggregate(select(indices, indices, LEQ), a, default=0)",
     [1, 2], [1, 0.5]),
    ("a = map(lambda x: x + 1, length)", [9, 9], [3, 3]),
    ("a = categorical map(lambda x: True, indices)", [9], [True]),
])
def test_each_construct_evaluates(text, inputs, expected):
    name = text.split("\n")[-1].split(" ")[0]
    program = compiler.parse(f"{text}\nreturn {name}\n")
    assert compiler.evaluate(program, inputs) == expected
    canonical = compiler.to_source(program)
    assert compiler.to_source(compiler.parse(canonical)) == canonical


def test_length_is_one_node_however_it_is_written():
    explicit = compiler.parse("n = selector_width(select(tokens, tokens, TRUE))\nreturn map(lambda x: x, n)")
    builtin = compiler.parse("return map(lambda x: x, length)")
    assert explicit == builtin
    assert compiler.to_source(builtin) == "v1 = map(lambda x: x, length)\nreturn v1\n"


def test_shared_nodes_are_computed_once_and_duplicates_twice():
    shared = compiler.parse("a = map(lambda x: x + 1, tokens)\nreturn sequence_map(lambda x, y: x + y, a, a)")
    assert shared.op_count == 2
    twice = compiler.parse("a = map(lambda x: x + 1, tokens)\nb = map(lambda x: x + 1, tokens)\n"
                           "return sequence_map(lambda x, y: x + y, a, b)")
    assert twice.op_count == 3
    assert shared != twice


def test_line_continuation_inside_brackets_comments_and_blank_lines():
    text = """

    # a table over two lines
    a = map({1: 2,
             3: 4},   # trailing comment
            tokens)

    return a
    """
    program = compiler.parse("\n".join(line.strip() for line in text.splitlines()))
    assert compiler.evaluate(program, [1, 3]) == [2, 4]


def test_canonical_literals():
    program = compiler.parse('a = map({-0.5: 1e-07, "q\\"\\u00e9": (1,), True: -3, None: ()}, tokens)\nreturn a')
    assert compiler.to_source(program).splitlines()[0] == (
        'v1 = map({None: (), True: -3, -0.5: 1e-07, "q\\"é": (1,)}, tokens)')


def test_expression_printing_keeps_meaning_with_minimal_parentheses():
    program = compiler.parse("a = map(lambda v: (v - (1 - v)) * -(v + 1) if not v else (1 if v else 2), tokens)\n"
                             "return a")
    assert compiler.to_source(program).splitlines()[0] == (
        "v1 = map(lambda x: (x - (1 - x)) * -(x + 1) if not x else 1 if x else 2, tokens)")


def test_nodes_carry_their_encoding_and_default():
    program = compiler.parse("a = numerical map(lambda x: x, tokens)\n"
                             "b = numerical aggregate(select(indices, indices, LEQ), a)\nreturn b")
    assert program.output.encoding == nodes.NUMERICAL and program.output.default == 0
    assert rasp.is_numerical(program.sop) and program.sop.default == 0
    assert isinstance(program.output.selector.predicate, rasp.Comparison)
    assert isinstance(program.output.sop.function, fn.Lambda)
