"""The program tokenizer: a closed vocabulary, lossless on canonical text."""

import pytest

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
