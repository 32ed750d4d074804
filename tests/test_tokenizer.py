"""The program tokenizer: a closed vocabulary, lossless on canonical text."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import compiler
from compiler.language import tokenizer


def test_vocabulary_is_small_closed_and_stable():
    vocab = tokenizer.vocabulary()
    assert len(vocab) == len(set(vocab)) < 1000
    assert vocab[:4] == tokenizer.SPECIAL
    for word in ("map", "select", "aggregate", "lambda", "return", "numerical", "EQ", "TRUE", "v1", "x"):
        assert word in vocab


def test_numbers_are_spelled_by_digits_and_strings_by_bytes():
    text = compiler.to_source(compiler.parse('a = map({"é": -12.5e-07, 3: "a\\u0001"}, tokens)\nreturn a'))
    assert text == 'v1 = map({3: "a\\u0001", "é": -1.25e-06}, tokens)\nreturn v1\n'
    tokens = tokenizer.tokenize(text)
    assert " ".join(["-", "n:1", "n:.", "n:2", "n:5", "n:e-", "n:0", "n:6"]) in " ".join(tokens)
    assert " ".join(['"', "s:<0xC3>", "s:<0xA9>", '"/']) in " ".join(tokens)
    assert " ".join(['"', "s:a", "s:<0x01>", '"/']) in " ".join(tokens)
    assert tokenizer.detokenize(tokens) == text


def test_non_canonical_names_have_no_tokens():
    with pytest.raises(compiler.SourceError, match="to_source"):
        tokenizer.tokenize("mine = map(lambda x: x, tokens)\nreturn mine\n")


def test_decode_rejects_what_is_not_a_program():
    ids = {t: i for i, t in enumerate(tokenizer.vocabulary())}
    with pytest.raises(compiler.SourceError):
        tokenizer.decode([ids["return"], ids["map"]])
    with pytest.raises(compiler.SourceError, match="outside the vocabulary"):
        tokenizer.decode([10**6])
    with pytest.raises(compiler.SourceError, match="inside a string"):
        tokenizer.decode([ids["return"], ids['"'], ids["s:a"]])


def test_decode_stops_at_eos_and_skips_padding():
    text = "v1 = map(lambda x: x + 1, tokens)\nreturn v1\n"
    ids = tokenizer.encode(text)
    pad = tokenizer.vocabulary().index(tokenizer.PAD)
    assert tokenizer.decode(ids + [pad, pad, ids[1]]) == text


def _canonical_sources() -> list[str]:
    """Canonical text of programs the fountain's builder draws for every recipe, and of the
    hand-written benchmark programs (strings, floats, comments in their raw text)."""
    import random
    import warnings
    from pathlib import Path

    from generator import sampler
    from generator.config import RandomChoices
    from generator.recipes import load_recipe

    texts = []
    for name in ("small", "mixed", "large"):
        for unit in range(4):
            config = load_recipe(name).for_unit(unit).generator
            probes = sampler.probe_inputs(config.vocab, config.max_seq_len, config.probes)[:sampler._QUICK_PROBES]
            choices = RandomChoices(random.Random(unit))
            for _ in range(40):
                try:
                    texts.append(sampler._Builder(config, choices, probes).build().source)
                except sampler._Reject:
                    pass
    for path in sorted(Path(__file__).parents[1].glob("bench/handwritten*/*.rasp")):
        raw = path.read_text(encoding="utf-8")
        texts.append(raw)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the language's warnings about the hand-written text
                texts.append(compiler.to_source(compiler.parse(raw)))
        except compiler.SourceError:  # a few are programs the language refuses, on purpose
            pass
    return texts


_ODD_TEXTS = [
    "", "\n\n", "return v1", "v1 = map(lambda x: x, tokens)  # a comment\n\n\nreturn v1\n",
    "v1 = map(\n  lambda x: x,\n  tokens)\nreturn v1\n", "v1 = map({1: \"a\\\"b\\\\c\\/\\n\\u00e9\"}, tokens)\n",
    "v1 = map(lambda x: 1e5 + 2.5E+3 - 3.0e-2 // 4 % 5, tokens)\n", "v1 = map(lambda x: 1else 2, tokens)\n",
    "v1 = map(lambda x: x, tokens)\r\nreturn v1\r\n", "v1 = map(lambda x: x . 1, tokens)\n", "v1 = mapp(x)\n",
    "return " + "(" * 200 + "1" + ")" * 200 + "\n", "v1 = \"unterminated\n", "v1 = map(lambda x: x\t!= 1, tokens)\f\n",
    'v1 = map({"é": -1.25e-06}, tokens)\n', "lambdax = 1\n", "v1 = map(lambda x: x if x <= 2 else x >= 3, tokens)\n",
]


@pytest.mark.parametrize("texts", ["canonical", "odd"])
def test_the_fast_lexer_gives_larks_tokens_or_leaves_the_text_to_lark(texts):
    """`_fast_tokens` must give exactly lark's tokens (with the layout post-lexer's line breaks),
    or None, never other tokens; on canonical text it must give them (that is what makes it fast)."""
    from compiler.language.tokenizer import _fast_tokens, _lark_tokens

    sources = _canonical_sources() if texts == "canonical" else _ODD_TEXTS
    assert len(sources) > (500 if texts == "canonical" else 10)
    covered = 0
    for text in sources:
        fast = _fast_tokens(text)
        try:
            expected = _lark_tokens(text)
        except Exception:  # lark's lexer, or a word with no token: the fast lexer must have left it
            assert fast is None, text
            continue
        if fast is not None:
            assert fast == expected, text
            covered += 1
        elif texts == "canonical":
            assert text != compiler.to_source(compiler.parse(text)), text  # only raw hand-written text is left
    assert covered >= len(sources) // 2


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["v1", "lambda", "x", "tokens", "map", "(", ")", "{", "}", ",", ":", "=", "==",
                                 "<=", "<", "-", "+", "//", "/", "%", " ", "  ", "\t", "\n", "\n\n", "# c\n", "1",
                                 "2.5", "1e3", "e", "3E-2", '"a"', '"\\u00e9"', '"\\n"', "é", ".", "\r", "if",
                                 "else", "return", "True", "None", "EQ", "v2", "_"]), max_size=40))
def test_the_fast_lexer_agrees_with_lark_on_any_text_of_the_grammars_pieces(pieces):
    from compiler.language.tokenizer import _fast_tokens, _lark_tokens

    text = "".join(pieces)
    fast = _fast_tokens(text)
    try:
        expected = _lark_tokens(text)
    except Exception:
        assert fast is None, text
        return
    assert fast is None or fast == expected, text
