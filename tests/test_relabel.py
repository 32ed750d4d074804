"""`interpreter.relabel`: a reading's tables of labels written as the weighted sums whose classes
they are, the tables reading them keyed by the sums, a select's table of pairs written as the
simplest predicate choosing the same pairs, a table of two values as the condition choosing
between them, and the program the same on every input."""

import itertools
import re

import compiler
from compiler.language import program as prog
from compiler.language.literals import format_value
from compiler.language.values import ValueSets
from interpreter.relabel import readable_functions, readable_labels, readable_predicates


def _table(entries: dict) -> str:
    return "{" + ", ".join(f"{format_value(k)}: {format_value(v)}" for k, v in entries.items()) + "}"


def _outputs(program: prog.Program, vocab, max_seq_len: int) -> list:
    return prog.evaluate_all(program, [list(xs) for n in range(1, max_seq_len + 1)
                                       for xs in itertools.product(vocab, repeat=n)])


#: the parking meter read off a net: `part` (6 n + 9 b) as labels in the order met, `bought`
#: (part + 15 p) as labels keyed by part's, the output keyed by bought's
_PART = {(n, b): 6 * n + 9 * b for n in range(1, 7) for b in range(n + 1)}


def _meter_read() -> str:
    # a label per distinct value of part, numbered as met
    part_label = {}
    for key in _PART:
        part_label.setdefault(_PART[key], len(part_label))
    part_table = {key: part_label[value] for key, value in _PART.items()}
    bought, bought_label = {}, {}
    for (_, b), value in _PART.items():
        for p in range(b + 1):
            minutes = value + 15 * p
            bought[(part_label[value], p)] = bought_label.setdefault(minutes, 100 + len(bought_label))
    out = {label: ("full" if minutes >= 60 else minutes) for minutes, label in bought_label.items()}
    return ("big = selector_width(select(tokens, tokens, lambda k, q: k >= 50))\n"
            "pounds = selector_width(select(tokens, tokens, lambda k, q: k == 100))\n"
            f"part = sequence_map({_table(part_table)}, length, big)\n"
            f"bought = sequence_map({_table(bought)}, part, pounds)\n"
            f"out = map({_table(out)}, bought)\n"
            "return out\n")


def test_tables_of_labels_become_the_weighted_sums_they_are_and_the_program_is_the_same():
    read = compiler.parse(_meter_read())
    readable = readable_labels(read)
    assert readable is not None
    lines = readable.source.splitlines()
    assert "v3 = sequence_map(lambda x, y: 2 * x + 3 * y, length, v2)" in lines  # part
    assert "v6 = sequence_map(lambda x, y: x + 5 * y, v3, v5)" in lines  # bought
    assert lines[-2].startswith("v7 = map({")  # the output keeps its table
    assert _outputs(readable, (20, 50, 100), 6) == _outputs(read, (20, 50, 100), 6)


def test_a_table_no_weighted_sum_or_product_explains_or_a_lambda_reads_is_left_as_read():
    # labels in the classes of (x + y) % 3: no weighted sum or product has them
    modular = {(x, y): (x + y) % 3 for x in range(1, 4) for y in range(1, 4)}
    source = (f"m = sequence_map({_table(modular)}, length, indices)\n"
              f"return map({_table({v: v % 2 for v in set(modular.values())})}, m)\n")
    assert readable_labels(compiler.parse(source)) is None
    product = {(x, y): 10 + x * y for x in range(1, 4) for y in range(1, 4)}
    source = (f"m = sequence_map({_table(product)}, length, indices)\n"
              f"return map({_table({v: v % 2 for v in set(product.values())})}, m)\n")
    assert "sequence_map(lambda x, y: x * y, length, indices)" in readable_labels(compiler.parse(source)).source
    summed = {(x, y): x + y for x in range(1, 4) for y in range(0, 3)}
    injective = {(x, y): 3 * x + y for x in range(1, 4) for y in range(0, 3)}
    packed = (f"m = sequence_map({_table(injective)}, length, indices)\n"
              f"return map({_table({v: v % 2 for v in injective.values()})}, m)\n")
    assert readable_labels(compiler.parse(packed)) is None  # a label for every pair: a packing, not a sum
    read_by_lambda = (f"m = sequence_map({_table(summed)}, length, indices)\n"
                      "return map(lambda v: v + 1, m)\n")
    assert readable_labels(compiler.parse(read_by_lambda)) is None  # its labels are values a lambda reads
    output = f"return sequence_map({_table(summed)}, length, indices)\n"
    assert readable_labels(compiler.parse(output)) is None  # the output's values are the net's


def test_a_decompiled_meter_reads_as_sums_and_stays_verified():
    import interpreter

    net = compiler.compile_program(
        "big = selector_width(select(tokens, tokens, lambda k, q: k >= 50))\n"
        "pounds = selector_width(select(tokens, tokens, lambda k, q: k == 100))\n"
        "part = sequence_map(lambda n, b: 6 * n + 9 * b, length, big)\n"
        "bought = sequence_map(lambda m, p: m + 15 * p, part, pounds)\n"
        "return sequence_map(lambda m, c: \"full\" if m >= 60 else m, bought, tokens)\n",
        {20, 50, 100}, 5, causal=True)
    result = interpreter.decompile(net, time_budget=30)
    assert result.verified
    assert "lambda x, y: 2 * x + 3 * y" in result.source and "lambda x, y: 5 * x + y" in result.source


def _pairs(pairs) -> str:
    return "{" + ", ".join(format_value(p) for p in sorted(pairs)) + "}"


def test_a_selects_table_of_pairs_becomes_the_simplest_predicate_choosing_them():
    widths, places = range(6), range(5)
    pairs = [(k, q) for k in places for q in places if k // 2 == q // 2]
    source = (
        "h = selector_width(select(tokens, tokens, EQ))\n"
        f"five = selector_width(select(h, h, {_pairs((5, q) for q in widths)}))\n"  # k == 5 on every query
        f"late = aggregate(select(h, indices, {_pairs((k, q) for k in (3, 4, 5) for q in places)}), tokens)\n"
        f"before = aggregate(select(indices, indices, {_pairs((q - 1, q) for q in range(1, 5))}), tokens)\n"
        f"less = selector_width(select(indices, indices, {_pairs((k, q) for k in places for q in places if k < q)}))\n"
        f"odd = selector_width(select(h, h, {_pairs((k, q) for k in (1, 4) for q in widths)}))\n"
        f"mixed = selector_width(select(h, h, {_pairs([(1, 2), (3, 0)])}))\n"
        f"ear = selector_width(select(indices, indices, {_pairs(pairs)}))\n"
        "a = sequence_map(lambda x, y: x + y, five, less)\n"
        "b = sequence_map(lambda x, y: x + y, late, before)\n"
        "c = sequence_map(lambda x, y: x + y, odd, mixed)\n"
        "e = sequence_map(lambda x, y: x + y, c, ear)\n"
        "d = sequence_map(lambda x, y: x + y, a, b)\n"
        "return sequence_map(lambda x, y: x + y, e, d)\n")
    read = compiler.parse(source)
    readable = readable_predicates(read, ValueSets({1, 2, 3}, 5))
    text = readable.source
    for predicate in ("lambda k, q: k == 5", "lambda k, q: k >= 3", "lambda k, q: k == q - 1", "LT",
                      "lambda k, q: k == 1 or k == 4", "lambda k, q: k // 2 == q // 2"):
        assert predicate in text, predicate
    assert "{(1, 2), (3, 0)}" in text  # neither a comparison nor one side's values: left as read
    assert _outputs(readable, (1, 2, 3), 5) == _outputs(read, (1, 2, 3), 5)
    assert readable_predicates(readable, ValueSets({1, 2, 3}, 5)) is None  # nothing left it can write
    assert readable_predicates(compiler.parse("return selector_width(select(tokens, tokens, EQ))"),
                               ValueSets({1, 2}, 3)) is None


def test_a_decompiled_histogram_box_reads_its_predicates_and_stays_verified():
    import interpreter

    net = compiler.compile_program(
        "h = selector_width(select(tokens, tokens, EQ))\n"
        "fives = selector_width(select(h, h, lambda k, q: k == 3))\n"
        "return map(lambda x: \"triple\" if x > 0 else \"-\", fives)\n", {1, 2, 3}, 4)
    result = interpreter.decompile(net, time_budget=30)
    assert result.verified
    assert "{(" not in result.source, result.source


def test_a_table_of_two_values_becomes_the_condition_choosing_between_them():
    source = ('hit = numerical map({"C": 1, "I": 0, "INT": 0, "SACK": 0}, tokens)\n'
              "late = map({0: 0, 1: 0, 2: 0, 3: 1, 4: 1, 5: 1}, length)\n"
              "order = sequence_map({(0, 0): True, (0, 1): True, (1, 0): False, (1, 1): True}, late, late)\n"
              'word = sequence_map({(False, "C"): "b", (False, "I"): "b", (False, "INT"): "b", (False, "SACK"): "b", '
              '(True, "C"): "a", (True, "I"): "a", (True, "INT"): "a", (True, "SACK"): "a"}, order, tokens)\n'
              'many = sequence_map({(0, "C"): 1, (0, "I"): 2, (1, "C"): 3, (1, "I"): 1, (0, "INT"): 1, (1, "INT"): 1, '
              '(0, "SACK"): 1, (1, "SACK"): 1}, late, tokens)\n'
              'back = numerical map({"a": 1, "b": 0}, word)\n'
              "share = numerical aggregate(select(indices, indices, TRUE), hit)\n"
              "both = numerical linear_sequence_map(back, share, 1, 1)\n"
              "return sequence_map(lambda x, y: x + y, many, late)\n")
    vocab = ("C", "I", "INT", "SACK")
    read = compiler.parse(source)
    text = readable_functions(read, ValueSets(vocab, 5)).source
    assert "map(lambda x: 1 if x >= 3 else 0, length)" in text
    assert "{(0, \"C\"): 1" in text  # three values: left as read
    wide = compiler.parse(source.replace("return sequence_map(lambda x, y: x + y, many, late)", "return both"))
    text = readable_functions(wide, ValueSets(vocab, 5)).source
    for line in ('numerical map(lambda x: 1 if x == "C" else 0, tokens)', 'lambda x, y: "a" if x else "b"',
                 "sequence_map(lambda x, y: x <= y,",
                 'numerical map(lambda x: 1 if x == "a" else 0,'):
        assert line in text, line
    assert _outputs(compiler.parse(text), vocab, 4) == _outputs(wide, vocab, 4)


def test_a_decompiled_share_of_one_word_reads_its_condition_and_stays_verified():
    import interpreter

    net = compiler.compile_program(
        'hit = numerical map(lambda t: 1 if t == "ace" else 0, tokens)\n'
        "return numerical aggregate(select(indices, indices, TRUE), hit)\n", {"ace", "fault", "let"}, 5)
    result = interpreter.decompile(net, time_budget=30)
    assert result.verified
    assert 'lambda x: 1 if x == "ace" else 0' in result.source, result.source


def test_flagged_indices_read_as_labels_become_the_index_or_99_and_their_select_a_comparison():
    """A researcher's prefix count of flagged positions, `i if t == "(" else 99` against the
    index: read off a net, the key is a table of labels in the order met and the select a table
    of label pairs; renamed, the key is the index where the flag is on and 99 elsewhere, and the
    select's pairs those of `LEQ` (the thirty-third hand-written set's s07 and s04)."""
    vocab, n = ("(", ")", "x"), 6
    labels = {}
    key = {(t, i): labels.setdefault(i if t == "(" else "off", 40 + len(labels))
           for t in vocab for i in range(n)}
    pairs = {(key[(t, k)], q) for t in vocab for k in range(n) for q in range(n) if t == "(" and k <= q}
    read = compiler.parse(f"open_at = sequence_map({_table(key)}, tokens, indices)\n"
                          f"opened = selector_width(select(open_at, indices, {_pairs(pairs)}))\n"
                          "return opened\n")
    relabelled = readable_labels(read)
    assert relabelled is not None
    assert 'sequence_map(lambda x, y: y if x == "(" else 99, tokens, indices)' in relabelled.source
    readable = readable_predicates(relabelled, ValueSets(list(vocab), n))
    assert "select(v1, indices, LEQ)" in readable.source
    assert _outputs(readable, vocab, n) == _outputs(read, vocab, n)
    # a row holding the off label at some indices and another label at one is no flag's
    scrambled = dict(key)
    scrambled[(")", 0)] = 77
    assert readable_labels(compiler.parse(f"k = sequence_map({_table(scrambled)}, tokens, indices)\n"
                                          "return selector_width(select(k, indices, "
                                          f"{_pairs({(v, 0) for v in scrambled.values()})}))\n")) is None


def test_a_decompiled_count_of_flagged_positions_reads_as_the_researcher_wrote_it():
    import interpreter

    source = ('open_at = sequence_map(lambda t, i: i if t == "(" else 99, tokens, indices)\n'
              "opened = selector_width(select(open_at, indices, LEQ))\n"
              "return opened\n")
    result = interpreter.decompile(compiler.compile_program(source, {"(", ")", "x"}, 6), time_budget=30)
    assert result.verified
    assert 'sequence_map(lambda x, y: y if x == "(" else 99, tokens, indices)' in result.source
    assert "select(v1, indices, LEQ)" in result.source


def test_a_table_of_two_values_one_side_each_decides_becomes_their_joined_condition():
    """A flag set where a word comes before any other (`1 if t == "drive" and n == 0 else 0`), read
    off a net as a table of two values over (word, count), and a shift clamped at the first
    position read as a table of pairs: written as the researcher wrote them (the thirty-third
    hand-written set's s07)."""
    vocab, n = ("drive", "fetch", "lift"), 5
    early = {(t, c): 1 if t == "drive" and c == 0 else 0 for t in vocab for c in range(n + 1)}
    either = {(t, c): "x" if t == "lift" or c == 4 else "-" for t in vocab for c in range(n + 1)}
    back = {(max(q - 1, 0), q) for q in range(n)}
    source = ('fetches = selector_width(select(tokens, tokens, lambda k, q: k == "fetch"))\n'
              f"early = sequence_map({_table(early)}, tokens, fetches)\n"
              f"either = sequence_map({_table(either)}, tokens, fetches)\n"
              f"before = aggregate(select(indices, indices, {_pairs(back)}), tokens)\n"
              "pair = sequence_map(lambda a, b: a == b, before, tokens)\n"
              "joined = sequence_map(lambda a, b: a + 2 * b, early, pair)\n"
              "return sequence_map(lambda a, b: b if a == 0 else a, joined, either)\n")
    read = compiler.parse(source)
    readable = readable_predicates(read, ValueSets(list(vocab), n))
    readable = readable_functions(readable, ValueSets(list(vocab), n))
    text = readable.source
    assert 'lambda x, y: 1 if x == "drive" and y == 0 else 0' in text
    assert 'lambda x, y: "-" if x != "lift" and y != 4 else "x"' in text
    assert "lambda k, q: k == max(q - 1, 0)" in text
    assert _outputs(readable, vocab, n) == _outputs(read, vocab, n)


def test_a_table_packing_each_word_with_its_index_becomes_the_pack_and_its_select_a_block_comparison():
    """A researcher's (word, index) pack, `code * 16 + i`, read off a net as a label per pair in
    the order met, and the select counting earlier copies of the same word as a table of label
    pairs: renamed to the packs (a table, the words not being numbers; a lambda where they are),
    the select reads `k // 16 == q // 16 and k % 16 < q % 16` (the thirty-second hand-written
    set's s10 and s15)."""
    vocab, n = ("ann", "bob", "cy"), 5
    order = [(t, i) for i in range(n) for t in reversed(vocab)]  # labels as a trace meets them
    label = {pair: 7 + place for place, pair in enumerate(order)}
    pairs = {(label[(t, k)], label[(t, q)]) for t in vocab for k in range(n) for q in range(n) if k < q}
    read = compiler.parse(f"tagged = sequence_map({_table(label)}, tokens, indices)\n"
                          f"earlier = selector_width(select(tagged, tagged, {_pairs(pairs)}))\n"
                          "return earlier\n")
    relabelled = readable_labels(read)
    assert relabelled is not None and '("bob", 2): 18' in relabelled.source
    readable = readable_predicates(relabelled, ValueSets(list(vocab), n))
    assert "lambda k, q: k // 16 == q // 16 and k % 16 < q % 16" in readable.source
    assert _outputs(readable, vocab, n) == _outputs(read, vocab, n)
    numbers = {(c, i): 3 + 5 * c + i for c in range(3) for i in range(n)}  # a width packed with the index
    later = {(numbers[(c, k)], numbers[(c, q)]) for c in range(3) for k in range(n) for q in range(n) if k >= q}
    source = (f"w = selector_width(select(tokens, tokens, EQ))\np = sequence_map({_table(numbers)}, w, indices)\n"
              f"return selector_width(select(p, p, {_pairs(later)}))\n")
    assert "sequence_map(lambda x, y: x * 16 + y, v2, indices)" in readable_labels(compiler.parse(source)).source


def test_a_table_over_two_counts_that_depends_on_their_sum_becomes_a_function_of_the_sum():
    """A researcher adds two counts and thresholds or scales the total (`"retired" if 5 * (a + b)
    >= 20 else 5 * (a + b)`, the thirty-third hand-written set's s07); read off a net, a table of
    121 pairs. Tables whose entries are not one function of a small weighted sum stay tables."""
    card = {(a, b): "retired" if 5 * (a + b) >= 20 else 5 * (a + b) for a in range(11) for b in range(11)}
    gap = {(a, b): 1 if a - b >= 2 else 0 for a in range(11) for b in range(11)}
    mixed = {(a, b): a * b for a in range(11) for b in range(11)}
    source = ("ones = selector_width(select(tokens, tokens, EQ))\n"
              "lows = selector_width(select(tokens, tokens, LT))\n"
              f"card = sequence_map({_table(card)}, ones, lows)\n"
              f"gap = sequence_map({_table(gap)}, ones, lows)\n"
              f"mixed = sequence_map({_table(mixed)}, ones, lows)\n"
              "both = sequence_map(lambda x, y: x if y == 1 else 0, card, gap)\n"
              "return sequence_map(lambda x, y: x if y > 3 else 0, both, mixed)\n")
    vocab = ("a", "b", "c")
    read = compiler.parse(source)
    text = readable_functions(read, ValueSets(vocab, 10)).source
    assert 'sequence_map(lambda x, y: "retired" if x + y >= 4 else (x + y) * 5, v2, v4)' in text, text
    assert "sequence_map(lambda x, y: 1 if x - y >= 2 else 0, v2, v4)" in text, text
    assert "(0, 0): 0, (0, 1): 0" in text  # a product: left as read
    assert _outputs(compiler.parse(text), vocab, 5) == _outputs(read, vocab, 5)


def test_a_lambdas_arithmetic_is_tidied_on_whole_numbers_only():
    """`x + 0` (the library's `x + c` at 0) reads `x`, `0 - x + 15` (a fitted number added to `0 -
    x`) reads `15 - x`; on a mean's values, where the order of a sum changes its rounding, and on
    booleans (`True + 0` is 1), the lambda is left as read."""
    source = ("w = selector_width(select(tokens, tokens, EQ))\n"
              "same = map(lambda x: x + 0, w)\n"
              "left = map(lambda x: 0 - x + 15, same)\n"
              "more = map(lambda x: x + 1 + 2, left)\n"
              "flag = map(lambda x: x > 2, more)\n"
              "as_number = map(lambda x: x + 0, flag)\n"
              "hit = numerical map(lambda t: 1 if t == \"a\" else 0, tokens)\n"
              "share = numerical aggregate(select(indices, indices, TRUE), hit)\n"
              "twice = numerical map(lambda x: x * 1 + 0, share)\n"
              "return sequence_map(lambda x, y: x * 1 - y, more, as_number)\n")
    vocab = ("a", "b")
    read = compiler.parse(source)
    text = readable_functions(read, ValueSets(vocab, 6)).source
    for line in ("map(lambda x: x, v2)", "map(lambda x: 15 - x, v3)", "map(lambda x: x + 3, v4)",
                 "map(lambda x: x + 0, v6)", "sequence_map(lambda x, y: x - y, v5, v7)"):
        assert line in text, (line, text)
    twice = readable_functions(compiler.parse(source.replace("return sequence_map(lambda x, y: x * 1 - y, "
                                                             "more, as_number)", "return twice")), ValueSets(vocab, 6))
    assert twice is None
    assert _outputs(compiler.parse(text), vocab, 5) == _outputs(read, vocab, 5)


def test_a_quotients_sum_is_not_regrouped():
    """`x / 3 + 1 + 2` is not `x / 3 + 3` in floats: left as read, while the whole sum beside it
    is tidied."""
    source = ("w = selector_width(select(tokens, tokens, EQ))\n"
              "third = numerical map(lambda x: x / 3 + 1 + 2, w)\n"
              "more = map(lambda x: x + 1 + 2, w)\n"
              "return sequence_map(lambda x, y: x + y, more, w)\n")
    text = readable_functions(compiler.parse(source), ValueSets(("a", "b"), 6)).source
    assert "map(lambda x: x + 3, v2)" in text, text
    third = compiler.parse(source.replace("return sequence_map(lambda x, y: x + y, more, w)", "return third"))
    assert readable_functions(third, ValueSets(("a", "b"), 6)) is None


def _latest_event_read() -> tuple[str, str]:
    """The count of a's at the latest r, fetched by the number of r's so far, as a researcher writes
    it and as it is read off a net: the key and the value as codes in the order met, the select a
    table of (code, count) pairs, and the codes renamed back to the counts by the output's map."""
    vocab, n = ("a", "r"), 6
    counts = ('a_at = sequence_map(lambda t, i: i if t == "a" else 99, tokens, indices)\n'
              "count = selector_width(select(a_at, indices, LEQ))\n"
              'r_at = sequence_map(lambda t, i: i if t == "r" else 99, tokens, indices)\n'
              "resets = selector_width(select(r_at, indices, LEQ))\n")
    written = (counts + 'key = sequence_map(lambda t, c: c if t == "r" else 0, tokens, resets)\n'
               'value = sequence_map(lambda t, c: c if t == "r" else 0, tokens, count)\n'
               "return aggregate(select(key, resets, EQ), value)\n")
    key_codes, value_codes = {}, {}
    key = {(t, c): key_codes.setdefault(c if t == "r" else 0, 40 + len(key_codes))
           for t in reversed(vocab) for c in range(n + 1)}
    value = {(t, c): value_codes.setdefault(c if t == "r" else 0, 70 + len(value_codes))
             for t in reversed(vocab) for c in range(n + 1)}
    pairs = {(code, count) for count, code in key_codes.items()}
    out = {code: count for count, code in value_codes.items()}
    read = (counts + f"key = sequence_map({_table(key)}, tokens, resets)\n"
            f"value = sequence_map({_table(value)}, tokens, count)\n"
            f"fetched = aggregate(select(key, resets, {_pairs(pairs)}), value)\n"
            f"return map({_table(out)}, fetched)\n")
    return written, read


def test_codes_fetched_by_a_count_become_the_numbers_their_select_and_output_name():
    """Read off a net, a key numbering each r by the count of r's (0 elsewhere) is a table of
    codes and its select a table of (code, count) pairs; the value fetched, codes the output's map
    renames. Renamed to the counts each code is chosen by (the select then `EQ`) and to the map's
    outputs (the map dropped), each table is `y if x == "r" else 0`, as the researcher wrote it,
    and the program the same on every input. A select pairing a code with two counts names none."""
    vocab, n = ("a", "r"), 6
    written, read_source = _latest_event_read()
    read = compiler.parse(read_source)
    relabelled = readable_labels(read)
    assert relabelled is not None
    sets = ValueSets(list(vocab), n)
    readable = readable_functions(readable_predicates(relabelled, sets) or relabelled, sets)
    lines = readable.source.splitlines()
    assert 'v4 = sequence_map(lambda x, y: y if x == "r" else 0, tokens, v3)' in lines  # the key
    assert "v5 = select(v4, v3, EQ)" in lines
    assert 'v9 = sequence_map(lambda x, y: y if x == "r" else 0, tokens, v8)' in lines  # the value
    assert lines[-2:] == ["v10 = aggregate(v5, v9)", "return v10"]
    assert _outputs(readable, vocab, n) == _outputs(read, vocab, n) == _outputs(compiler.parse(written), vocab, n)
    # a code chosen by two counts: no count names it (and the output map keeps the fetch's codes)
    code = next(iter(re.findall(r"\(4\d, 0\)", read_source)))
    shared = read_source.replace(code, f"{code}, ({code[1:3]}, 1)")
    again = readable_labels(compiler.parse(shared))
    assert again is not None
    assert any(line.startswith("v5 = select(v4, v3, {(") for line in again.source.splitlines())


def test_a_decompiled_latest_events_count_reads_as_the_researcher_wrote_it():
    import interpreter

    written, _ = _latest_event_read()
    net = compiler.compile_program(written, {"a", "r"}, 6, causal=True)
    result = interpreter.decompile(net, time_budget=30)
    assert result.verified
    assert result.source.count('sequence_map(lambda x, y: y if x == "r" else 0, tokens, ') == 2
    assert "EQ)" in result.source


def test_passed_labels_name_the_rest_by_a_number_no_passed_value_is():
    """Codes of `c + 1 if t == "r" else 0` (each r's own code, one code elsewhere) are renamed to
    the count each r passes on and the rest to a number none of those is (0 where it is free, else
    -1); codes no argument passes on one to one stay as read."""
    from compiler.language import functions as fn
    from interpreter.relabel import _passed_labels

    codes: dict = {}
    table = {(t, c): codes.setdefault(c + 1 if t == "r" else 0, 50 + len(codes)) for t in ("r", "a") for c in range(4)}
    renamed, names = _passed_labels(fn.Table.from_mapping(2, table))
    assert {key: renamed(*key) for key in table} == {("r", c): c for c in range(4)} | {("a", c): -1 for c in range(4)}
    assert len(set(names.values())) == len(names) == 5
    shifted = {(t, c + 1): v for (t, c), v in table.items()}  # the counts 1..4: 0 is free
    renamed, _ = _passed_labels(fn.Table.from_mapping(2, shifted))
    assert renamed("a", 1) == 0 and renamed("r", 3) == 3
    mixed = dict(table) | {("a", 2): 99}  # the rest not one code
    assert _passed_labels(fn.Table.from_mapping(2, mixed)) is None


def test_a_library_lambda_flagging_indices_with_the_word_itself_elsewhere_becomes_the_index_or_99():
    """`x if y == "miss" else y` over (indices, tokens), a library line the search fits to a count's
    flagged keys: the index at a miss, the word elsewhere, which no comparison orders against the
    indices, so the select counting the misses up to each position stays a table of pairs. Given
    the value sets, it is written `x if y == "miss" else 99` and the select `LEQ`; the same program."""
    vocab, n = ("hit", "miss"), 6
    pairs = {(k, q) for k in range(n) for q in range(n) if k <= q}
    read = compiler.parse('at = sequence_map(lambda x, y: x if y == "miss" else y, indices, tokens)\n'
                          f"return selector_width(select(at, indices, {_pairs(pairs)}))\n")
    assert readable_labels(read) is None  # without the value sets: a lambda is left as it is
    sets = ValueSets(list(vocab), n)
    relabelled = readable_labels(read, sets)
    assert 'sequence_map(lambda x, y: x if y == "miss" else 99, indices, tokens)' in relabelled.source
    readable = readable_predicates(relabelled, sets)
    assert "select(v1, indices, LEQ)" in readable.source
    assert _outputs(readable, vocab, n) == _outputs(read, vocab, n)
