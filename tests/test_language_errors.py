"""Bad source text gets one SourceError saying what, where (line, column) and how to fix it."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import compiler
from compiler.errors import SourceError
from generator.strategies import typed_programs


@pytest.mark.parametrize("text, line, column, words", [
    # syntax
    ("a = map(lambda x: x +, tokens)\nreturn a", 1, 22, ["unexpected ','", "a name"]),
    ("a = map(lambda x: x + 1 tokens)\nreturn a", 1, 25, ["unexpected 'tokens'", "','"]),
    ("a = map(lambda x: x, tokens)\nreturn\n", 2, 7, ["unexpected line break", "an operation"]),
    ("a = map(lambda x: x, tokens", 1, 28, ["end of the text", "')'"]),
    ("a = map({'a': 1}, tokens)\nreturn a", 1, 10, ["double quotes"]),
    ("a = map(lambda x: x @ 2, tokens)\nreturn a", 1, 21, ["unexpected character '@'"]),
    ("a = map(lambda x: 1 < x < 3, tokens)\nreturn a", 1, 25, ["unexpected '<'", "write `1 <= t and t <= 3`"]),
    ("a = map(lambda t: t[0], tokens)\nreturn a", 1, 20, ["unexpected character '['", "no indexing or lists"]),
    ("a = tokens[1]\nreturn a", 1, 11, ["unexpected character '['", "aggregate(select(indices, indices"]),
    ("a = map(lambda t: t in (1, 2), tokens)\nreturn a", 1, 21, ["unexpected 'in'", "`t == 1 or t == 2`"]),
    ("a = map(lambda t: str(t), tokens)\nreturn a", 1, 22, ["`str` is not a function", "min, max and abs"]),
    ("a = map(lambda t: 2 ** t, tokens)\nreturn a", 1, 22, ["unexpected '*'", "a power (`**`)"]),
    ("a = sequence_map(lambda t, i: (t, i), tokens, indices)\nreturn a", 1, 33,
     ["unexpected ','", "a lambda cannot build a tuple"]),
    # arithmetic in a table's value (the twenty-fourth hand-written set's l17 draft)
    ('a = map({"50x11": 50 / 11, "b": 2}, tokens)\nreturn a', 1, 22,
     ["unexpected '/'", "a table's keys and values are constants", "compute it with a lambda"]),
    # an input too many after the lambda: no tuple in it (the twenty-second hand-written set's j26)
    ("a = sequence_map(lambda b, h, x: b + h + x, tokens, indices, tokens)\nreturn a", 1, 60,
     ["unexpected ','", "sequence_map takes a function and two inputs", "combine two of them first"]),
    ("a = map(lambda t: min(t, 1), tokens, indices)\nreturn a", 1, 36,
     ["unexpected ','", "map takes a function and one input", "sequence_map"]),
    ("a = select(tokens, tokens, EQ) and select(indices, indices, LT)\nreturn selector_width(a)", 1, 32,
     ["unexpected 'and'", "selects combine inside one select", "EQ and (lambda k, q: ...)"]),
    ("a = select(tokens, tokens, LT and lambda k, q: k > 1)\nreturn selector_width(a)", 1, 35,
     ["unexpected 'lambda'", "put in parentheses", "LT and (lambda k, q: ...)"]),
    # a table or lambda given a name of its own (the twenty-seventh hand-written set's o01 draft)
    ('spelt = {0: "0", 1: "1"}\na = map(spelt, indices)\nreturn a', 1, 9,
     ["unexpected '{'", "not a table", "write a table inline", 'spelt = map({0: "0", 1: "1"}, tokens)']),
    ("f = lambda x: x + 1\na = map(f, tokens)\nreturn a", 1, 12, ["not a lambda", "write a lambda inline"]),
    ("tokens = map(lambda x: x, indices)\nreturn tokens", 1, 1, ["`tokens` is a word of the language"]),
    ("a = map(lambda map: map, indices)\nreturn a", 1, 16, ["`map` is a word of the language"]),
    # structure
    ("a = map(lambda x: x, tokens)", 1, 1, ["no output", "return"]),
    ("a = map(lambda x: x, tokens)\nreturn a\nreturn a", 3, 1, ["one `return`"]),
    ("return a\na = map(lambda x: x, tokens)", 2, 1, ["last line"]),
    ("a = map(lambda x: x, tokens)\na = map(lambda x: x, a)\nreturn a", 2, 1, ["already defined on line 1"]),
    ("a = map(lambda x: x, tokns)\nreturn a", 1, 22, ["`tokns` is not defined", "did you mean `tokens`"]),
    ("a = map(lambda x: x, b)\nb = map(lambda x: x, a)\nreturn a", 1, 1,
     ["depends on itself", "a -> b -> a", "no recurrence", "aggregate or selector_width"]),
    ("a = map(lambda x: x, a)\nreturn a", 1, 1, ["depends on itself"]),
    ("a = map(lambda x: x, tokens)\nb = a\nreturn b", 2, 1, ["only renames"]),
    ("a = select(tokens, tokens, EQ)\nreturn a", 2, 1, ["returns an S-Op, not a selector"]),
    # functions
    ("a = map(lambda x: y, tokens)\nreturn a", 1, 19,
     ["`y` is not defined in this lambda", "pass it in as an input", "sequence_map(lambda x, y: ..., x, y)"]),
    ("a = map(lambda x, x: x, tokens)\nreturn a", 1, 19, ["appears twice"]),
    ("a = map(lambda x, y: x, tokens)\nreturn a", 1, 9, ["takes 2 argument(s)", "lambda x: ..."]),
    ("a = sequence_map(lambda x: x, tokens, indices)\nreturn a", 1, 18, ["lambda x, y: ..."]),
    ("a = map({1: 2, 1: 3}, tokens)\nreturn a", 1, 9, ["key 1 twice"]),
    ("a = map({}, tokens)\nreturn a", 1, 5, ["table is empty"]),
    ("a = sequence_map({1: 2}, tokens, indices)\nreturn a", 1, 18, ["pairs (x, y)"]),
    ("a = map(lambda x: max(x), tokens)\nreturn a", 1, 19, ["at least two arguments"]),
    ("a = map(lambda x: abs(x, 1), tokens)\nreturn a", 1, 19, ["one argument"]),
    ("a = selector_width(select(tokens, tokens, lambda k: k))\nreturn a", 1, 43, ["a key and a query"]),
    ("a = selector_width(select(tokens, tokens, {1, 2}))\nreturn a", 1, 43, ["(key, query) pairs"]),
    ("a = map(lambda x: 1e999, tokens)\nreturn a", 1, 19, ["too large"]),
    ("a = map(lambda x: " + "9" * 5000 + ", tokens)\nreturn a", 1, 19, ["too many digits"]),
    # types: what tracr cannot compile
    ("s = select(tokens, tokens, EQ)\na = numerical aggregate(s, tokens)\nreturn a", 2, 15,
     ["numerical aggregate of tokens", "encodings equal"]),
    ("n = numerical map(lambda x: x, tokens)\ns = select(n, tokens, EQ)\nreturn selector_width(s)", 2, 5,
     ["its keys `n` (numerical map) must be categorical", "a categorical copy of the number, `map(lambda x: x, n)`"]),
    ("n = numerical map(lambda x: x, tokens)\nreturn sequence_map(lambda x, y: x, n, tokens)", 2, 8,
     ["must be categorical", "linear_sequence_map"]),
    ("n = numerical map(lambda x: x, tokens)\nreturn linear_sequence_map(n, n, 1, 1)", 2, 8,
     ["must be numerical", "numerical linear_sequence_map"]),
    ("return numerical linear_sequence_map(tokens, indices, 1, 1)", 1, 18, ["tokens must be numerical"]),
    ('n = numerical map(lambda x: x, tokens)\nreturn numerical linear_sequence_map(n, n, "a", 1)', 2, 18,
     ["factors must be numbers"]),
    ("s = select(tokens, tokens, EQ)\nreturn aggregate(s, tokens, default=0)", 2, 8, ["default=None"]),
    ("n = numerical map(lambda x: x, tokens)\ns = select(tokens, tokens, EQ)\n"
     "return numerical aggregate(s, n, default=1)", 3, 18, ["default=0"]),
    ("return aggregate(tokens, tokens)", 1, 8, ["must be a selector", "tokens is an S-Op"]),
    ("s = select(tokens, tokens, EQ)\nreturn aggregate(s, s)", 2, 8, ["must be an S-Op", "selector"]),
    ("s = select(tokens, tokens, EQ)\nreturn map(lambda x: x, s)", 2, 8, ["must be an S-Op"]),
    ("return numerical select(tokens, tokens, EQ)", 1, 8, ["no encoding"]),
    ('return numerical map({1: "a"}, tokens)', 1, 18, ['can return "a"']),
    # nesting bounds
    ("return map(lambda x: " + "(" * 100 + "x" + ")" * 100 + ", tokens)", 1, 85, ["nested more than 64"]),
    ("return map(lambda x: " + "not " * 100 + "x, tokens)", 1, 162, ["nested more than 64"]),
    ("return map(lambda x: x" + " + 1" * 100 + ", tokens)", 1, 22, ["nested more than 64"]),
])
def test_errors_say_what_and_where(text, line, column, words):
    with pytest.raises(SourceError) as caught:
        compiler.parse(text)
    error = caught.value
    message = str(error)
    for word in words:
        assert word in message
    assert (error.line, error.column) == (line, column), message
    assert error.excerpt.splitlines()[-1].strip() == "^"
    assert isinstance(error, ValueError)


def test_long_programs_are_not_limited_by_recursion():
    lines = ["v0 = map(lambda x: x + 1, tokens)"] + [f"v{i} = map(lambda x: x + 1, v{i - 1})" for i in range(1, 3000)]
    program = compiler.parse("\n".join(lines) + "\nreturn v2999\n")
    assert program.op_count == 3000
    assert compiler.to_source(program).count("\n") == 3001


@st.composite
def mutations(draw):
    """A valid program's text with a few characters deleted, inserted or replaced."""
    text = list(compiler.to_source(draw(typed_programs(max_ops=5))))
    alphabet = st.sampled_from(list("()[]{},:=+-*/%<>!\"'#\\\n x1.eE_") + ["lambda", "map", "return", "not"])
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "replace"]))
        if action == "delete" and position < len(text):
            del text[position]
        elif action == "insert":
            text.insert(position, draw(alphabet))
        elif position < len(text):
            text[position] = draw(alphabet)
    return "".join(text)


def _only_source_errors(text: str) -> None:
    try:
        program = compiler.parse(text)
    except SourceError as error:
        assert error.message
        return
    # Whatever parses prints canonically and parses again to the same program.
    assert compiler.parse(compiler.to_source(program)) == program


@pytest.mark.filterwarnings("ignore::compiler.errors.SourceWarning")  # a mutation may test for None
@given(mutations())
def test_fuzz_mutated_programs_raise_only_source_errors(text):
    _only_source_errors(text)


@given(st.text(max_size=200))
def test_fuzz_random_text_raises_only_source_errors(text):
    _only_source_errors(text)


@given(st.lists(st.sampled_from(["a", "=", "map", "(", ")", "lambda", "x", ":", ",", "tokens", "select", "EQ",
                                 "{", "}", "1", "\n", "return", "-", "not", "aggregate", "numerical", "\"s\"",
                                 "if", "else", "or", "TRUE", "length"]), max_size=40).map(" ".join))
def test_fuzz_token_soup_raises_only_source_errors(text):
    _only_source_errors(text)


def test_tables_over_the_limit_are_refused_at_their_place(monkeypatch):
    from compiler.language import functions as fn

    monkeypatch.setattr(fn, "MAX_TABLE_ENTRIES", 3)
    with pytest.raises(SourceError, match="the table has 4 entries, over the limit of 3") as error:
        compiler.parse("v = map({1: 2, 2: 3, 3: 4, 4: 5}, tokens)\nreturn v\n")
    assert (error.value.line, error.value.column) == (1, 9)
    with pytest.raises(SourceError, match="predicate table has 4 pairs, over the limit of 3"):
        compiler.parse("s = select(tokens, tokens, {(1, 1), (2, 2), (3, 3), (1, 2)})\n"
                       "return selector_width(s)\n")
    # text with far more commas than such tables need is refused before it is parsed
    with pytest.raises(SourceError, match="commas"):
        compiler.parse("v = map({" + ", ".join(f"{i}: 0" for i in range(20)) + "}, tokens)\nreturn v\n")


def test_a_word_the_lexer_splits_is_named_whole_with_the_keyword_meant():
    """`GTE` lexes as the keyword GT and a stray E: say what was written and what was meant."""
    with pytest.raises(compiler.SourceError) as error:
        compiler.parse("s = select(tokens, tokens, GTE)\nreturn selector_width(s)\n")
    assert "`GTE` is not a word of the language; did you mean `GEQ`?" in str(error.value)
    assert (error.value.line, error.value.column) == (1, 28)


@pytest.mark.parametrize("line, where", [
    ("d = sequence_map(lambda a, b: 0 if b == None else a - b, tokens, p)", "line 2, column 18: sequence_map"),
    ("d = map(lambda x: -1 if None == x else x, p)", "line 2, column 9: map"),
    ("d = sequence_map(lambda a, b: a if (b != None and b > 1) else 0, tokens, p)", "line 2, column 18"),
])
def test_a_map_testing_for_none_warns_that_the_test_never_fires(line, where):
    """map and sequence_map pass a None on without calling their function, so `b == None` inside is
    never true: four of the fourteenth hand-written set's first drafts relied on such a guard, and
    their outputs were None where they meant a value. It compiles (the program means what rasp
    computes) with one warning naming the line, the column and what to write instead."""
    import warnings

    from compiler.errors import SourceWarning

    source = f"p = aggregate(select(indices, indices, lambda k, q: k == q - 1), tokens)\n{line}\nreturn d\n"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiler.parse(source)
    found = [w for w in caught if issubclass(w.category, SourceWarning)]
    assert len(found) == 1 and str(found[0].message).startswith(where)
    assert "never sees" in str(found[0].message) and "max(q - 1, 0)" in str(found[0].message)


def test_a_select_testing_for_none_does_not_warn():
    """A select's predicate is called on None keys and queries: its test is meaningful."""
    import warnings

    source = ("p = aggregate(select(indices, indices, lambda k, q: k == q - 1), tokens)\n"
              "n = selector_width(select(p, tokens, lambda k, q: k != None and k == q))\nreturn n\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiler.parse(source)


def test_the_cli_prints_a_source_warning_as_one_line(tmp_path, capsys):
    from fountain.cli import main

    path = tmp_path / "p.rasp"
    path.write_text("p = aggregate(select(indices, indices, lambda k, q: k == q - 1), tokens)\n"
                    "d = sequence_map(lambda a, b: 0 if b == None else a - b, tokens, p)\nreturn d\n")
    main(["parse", str(path)])
    err = capsys.readouterr().err
    assert err.startswith("warning: line 2, column 18: sequence_map: the function compares an argument with None")
    assert "Warning" not in err.splitlines()[0]
