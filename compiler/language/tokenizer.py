"""Program tokenizer: canonical text <-> ids in a small closed vocabulary, losslessly.

The interpreter emits programs token by token, so the vocabulary is closed and small:
the language's keywords and punctuation, the canonical variables `v1 ... v{MAX_VARIABLES}`,
the lambda parameters, and literal pieces. Numbers are spelled digit by digit (`1`, `.`,
`5`, `e-`, ...); strings byte by byte, with printable ASCII as itself and every other
UTF-8 byte as `<0xNN>`, so any literal has a spelling.

`decode(encode(text)) == text` for every canonical text: decoding joins the pieces and
prints the parsed program canonically again.
"""

from __future__ import annotations

import functools
import json
import re

from compiler.errors import SourceError
from compiler.language import functions as fn
from compiler.language.grammar import lark_parser, lex
from compiler.language.parser import parse
from compiler.language.printer import format_program

MAX_VARIABLES = 256

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIAL = (PAD, BOS, EOS, UNK)
NEWLINE = "\\n"
STRING_OPEN, STRING_CLOSE = '"', '"/'  # one spelling each, so decoding knows where a string ends

_NUMBER_PIECES = tuple("0123456789.") + ("e", "e-", "e+")
_STRING_CHARS = tuple(chr(c) for c in range(0x20, 0x7F))


def _string_piece(char: str) -> str:
    return f"s:{char}"


def _byte_piece(byte: int) -> str:
    return f"s:<0x{byte:02X}>"


@functools.lru_cache(maxsize=1)
def vocabulary() -> tuple[str, ...]:
    """Every token, in id order. Stable: new tokens are only ever appended."""
    words = sorted({t.pattern.value for t in lark_parser().terminals if t.pattern.type == "str"})
    operators = ["==", "!=", "<=", ">=", "<", ">", "+", "-", "//", "*", "/", "%"]
    tokens = list(SPECIAL) + [NEWLINE] + words + [w for w in operators if w not in words]
    tokens += ["x", "y", "k", "q"] + [f"v{i}" for i in range(1, MAX_VARIABLES + 1)]
    tokens += [f"n:{p}" for p in _NUMBER_PIECES]
    tokens += [STRING_OPEN, STRING_CLOSE] + [_string_piece(c) for c in _STRING_CHARS]
    tokens += [_byte_piece(b) for b in range(256)]
    assert len(set(tokens)) == len(tokens), "token spellings must be distinct"
    return tuple(tokens)


@functools.lru_cache(maxsize=1)
def _ids() -> dict[str, int]:
    return {token: i for i, token in enumerate(vocabulary())}


def tokenize(text: str) -> list[str]:
    """The tokens of a canonical program text (no BOS/EOS)."""
    return list(_tokens(text))


@functools.lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    """Memoised: a corpus row or fountain item tokenizes its program more than once (length
    checks, then the target). Text the grammar's one-pattern lexer covers (all canonical text)
    is lexed by it; the rest by lark's, which also reports errors with their line and column."""
    fast = _fast_tokens(text)
    return fast if fast is not None else _lark_tokens(text)


#: The grammar's terminals (grammar.lark) as one pattern: `_fast_tokens`.
_TERMINALS = re.compile(r"""
    (?P<skip> [ \t\f]+ | \#[^\n\r]* )
  | (?P<newline> \n+ )
  | (?P<number> \d+ (?:\.\d+)? (?:[eE][+-]?\d+)? )
  | (?P<string> "(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*" )
  | (?P<word> [A-Za-z_][A-Za-z0-9_]* | // | == | != | <= | >= | [-+*/%<>=(){},:] )
""", re.VERBOSE)


def _fast_tokens(text: str) -> tuple[str, ...] | None:
    """`_lark_tokens(text)` without lark, or None where this lexer does not cover the text (a
    carriage return, a character no terminal starts with, a word with no token, brackets nested
    deeper than the grammar allows): lark's lexer runs then, and gives its error. Each token is
    what lark lexes, with its layout post-lexer's rule that a line break inside brackets, after
    another or at the start is not one (tests/test_tokenizer.py holds the two lexers equal);
    about ten times faster, since lark builds a token object per terminal and counts lines."""
    if "\r" in text:
        return None
    ids, tokens, depth, previous_newline, at = _ids(), [], 0, True, 0
    match = _TERMINALS.match
    while at < len(text):
        found = match(text, at)
        if found is None:
            return None
        kind, value, at = found.lastgroup, found.group(), found.end()
        if kind == "skip":
            continue
        if kind == "newline":
            if depth == 0 and not previous_newline:
                tokens.append(NEWLINE)
                previous_newline = True
            continue
        previous_newline = False
        if kind == "number":
            tokens.extend(_number_pieces(value))
        elif kind == "string":
            tokens.extend(_string_pieces(value))
        elif value in ids:
            if value in "({":
                depth += 1
                if depth > fn.MAX_DEPTH:
                    return None
            elif value in ")}":
                depth = max(0, depth - 1)
            tokens.append(value)
        else:
            return None
    return tuple(tokens)


def _string_pieces(literal: str) -> list[str]:
    pieces = [STRING_OPEN]
    for char in json.loads(literal):
        if char in _STRING_CHARS:
            pieces.append(_string_piece(char))
        else:
            pieces.extend(_byte_piece(b) for b in char.encode("utf-8", "surrogatepass"))
    pieces.append(STRING_CLOSE)
    return pieces


def _lark_tokens(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    ids = _ids()
    for token in lex(text):
        if token.type == "_NL":
            tokens.append(NEWLINE)
        elif token.type == "NUMBER":
            tokens.extend(_number_pieces(str(token)))
        elif token.type == "STRING":
            tokens.extend(_string_pieces(str(token)))
        elif str(token) in ids:
            tokens.append(str(token))
        else:
            raise SourceError(f"`{token}` has no token: tokenize canonical text (compiler.to_source), "
                              f"whose variables are v1..v{MAX_VARIABLES}", token.line, token.column)
    return tuple(tokens)


def _number_pieces(text: str) -> list[str]:
    pieces, i = [], 0
    while i < len(text):
        if text[i] in "eE":
            sign = text[i + 1] if i + 1 < len(text) and text[i + 1] in "+-" else ""
            pieces.append("n:e" + sign)
            i += 1 + len(sign)
        else:
            pieces.append("n:" + text[i])
            i += 1
    return pieces


def detokenize(tokens: list[str]) -> str:
    """Canonical text from tokens; raises SourceError if they do not spell a valid program."""
    parts: list[str] = []
    string: bytearray | None = None
    for token in tokens:
        if token in SPECIAL:
            continue
        if string is not None:
            if token == STRING_CLOSE:
                parts.append(json.dumps(string.decode("utf-8", "surrogatepass"), ensure_ascii=False))
                string = None
            elif token.startswith("s:<0x") and len(token) == 8:
                string.append(int(token[5:7], 16))
            elif token.startswith("s:"):
                string.extend(token[2:].encode("utf-8"))
            else:
                raise SourceError(f"token {token!r} inside a string literal")
        elif token == STRING_OPEN:
            string = bytearray()
        elif token.startswith("n:"):
            # Pieces of one number are adjacent in the text.
            if parts and parts[-1].startswith("\0"):
                parts[-1] += token[2:]
            else:
                parts.append("\0" + token[2:])
        elif token == NEWLINE:
            parts.append("\n")
        else:
            parts.append(token)
    if string is not None:
        raise SourceError("the tokens end inside a string literal")
    text = " ".join(p.lstrip("\0") for p in parts)
    return format_program(parse(text))


def encode(text: str, bos_eos: bool = True) -> list[int]:
    """Token ids of canonical text, framed by BOS and EOS unless `bos_eos` is False."""
    ids = _ids()
    body = [ids[t] for t in tokenize(text)]
    return [ids[BOS], *body, ids[EOS]] if bos_eos else body


def decode(ids: list[int]) -> str:
    """Canonical text of token ids (BOS/EOS/PAD ignored, stopping at the first EOS)."""
    vocab = vocabulary()
    tokens = []
    for i in ids:
        if not 0 <= i < len(vocab):
            raise SourceError(f"token id {i} is outside the vocabulary (0..{len(vocab) - 1})")
        if vocab[i] == EOS:
            break
        tokens.append(vocab[i])
    return detokenize(tokens)
