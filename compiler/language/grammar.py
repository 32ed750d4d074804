"""The language's grammar (grammar.lark): its LALR parser, its reserved words, and how a
syntax error reads (what was found, what was expected, an excerpt with a caret at the column).

`parser` builds programs from the trees this parser makes; the tokenizer lexes with it and the
interpreter's constrained decoder steps it token by token.
"""

from __future__ import annotations

import difflib
import functools
import keyword
import re
from pathlib import Path

import lark
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from compiler.errors import SourceError
from compiler.language import functions as fn

_GRAMMAR = Path(__file__).with_name("grammar.lark")

#: Describes the grammar's terminals in error messages.
_TERMINAL_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "_NL": "a line break",
    "$END": "the end of the text", "COMPARE_OP": "a comparison (==, <, ...)",
    "ADD_OP": "an operator (+, -)", "MUL_OP": "an operator (*, /, //, %)",
}


def _excerpt(text: str, line: int, column: int) -> str:
    lines = text.splitlines() or [""]
    if not 1 <= line <= len(lines):
        return ""
    source_line = lines[line - 1].expandtabs(1)
    if len(source_line) > _EXCERPT_WIDTH:  # a window around the column, not a whole long line
        start = max(0, min(column - 1 - _EXCERPT_WIDTH // 2, len(source_line) - _EXCERPT_WIDTH))
        shown = source_line[start:start + _EXCERPT_WIDTH]
        prefix, suffix = ("..." if start else ""), ("..." if start + _EXCERPT_WIDTH < len(source_line) else "")
        return f"    {prefix}{shown}{suffix}\n    {' ' * (len(prefix) + column - 1 - start)}^"
    return f"    {source_line}\n    {' ' * (column - 1)}^"


#: Characters of a source line an error shows (around the column).
_EXCERPT_WIDTH = 100


def source_error(message: str, where: tuple[int, int] | None, text: str) -> SourceError:
    line, column = where or (0, 0)
    return SourceError(message, line, column, _excerpt(text, line, column) if line else "")


class _Layout:
    """Post-lexer: newlines inside brackets, blank lines and leading newlines are not
    statement ends; bracket nesting is bounded (and so is every tree built from it)."""

    always_accept = ("_NL",)

    def process(self, stream):
        # Tokens are passed on at once: the contextual lexer lexes each token in the state
        # the parser reached with the previous one, so holding one back would mislead it.
        depth, previous = 0, "_NL"
        for token in stream:
            if token.type == "_NL":
                if depth > 0 or previous == "_NL":
                    continue
            elif token.type in ("LPAR", "LBRACE"):
                depth += 1
                if depth > fn.MAX_DEPTH:
                    raise SourceError(f"brackets nested more than {fn.MAX_DEPTH} deep; "
                                      "split the expression into several definitions",
                                      token.line, token.column)
            elif token.type in ("RPAR", "RBRACE"):
                depth = max(0, depth - 1)
            previous = token.type
            yield token


@functools.lru_cache(maxsize=1)
def lark_parser() -> lark.Lark:
    """The language's LALR parser (grammar.lark, with the layout post-lexer), built once: the
    tokenizer lexes with it and the interpreter's grammar steps it token by token."""
    return lark.Lark(_GRAMMAR.read_text(), parser="lalr", postlex=_Layout(), propagate_positions=True,
                     maybe_placeholders=False, start=["start", "lambda_"])



@functools.lru_cache(maxsize=1)
def _lexer() -> lark.Lark:
    """The grammar's lexer alone, built once: the tokens `lark_parser().lex` gives (a basic lexer
    and the layout post-lexer), which builds its lexer anew at every call (most of the time a
    fountain worker spends tokenizing)."""
    return lark.Lark(_GRAMMAR.read_text(), parser=None, lexer="basic", postlex=_Layout(), propagate_positions=True,
                     maybe_placeholders=False, start=["start", "lambda_"])


def lex(text: str):
    """The tokens of `text` (lark's, with their lines and columns), as `lark_parser().lex` gives them."""
    return _lexer().lex(text)

def _reserved_words() -> frozenset[str]:
    name = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
    return frozenset(t.pattern.value for t in lark_parser().terminals
                     if t.pattern.type == "str" and name.match(t.pattern.value))


#: Words of the language that cannot name a variable.
RESERVED = _reserved_words()


def is_reserved(name: str) -> bool:
    """Whether `name` cannot name a variable: a word of the language or of Python."""
    return name in RESERVED or keyword.iskeyword(name)


def syntax_error(error: UnexpectedInput, text: str) -> SourceError:
    where = (error.line, error.column) if error.line and error.line > 0 else _end_of(text)
    if isinstance(error, UnexpectedCharacters):
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        if char == "'":
            return source_error("strings are written in double quotes: \"a\"", where, text)
        found = f"unexpected character {char!r}"
    elif isinstance(error, UnexpectedToken):
        token = error.token
        found = ("unexpected end of the text" if token.type == "$END"
                 else "unexpected line break" if token.type == "_NL"
                 else f"unexpected {str(token)!r}")
        if token.type in ("$END",):
            where = _end_of(text)
    else:  # pragma: no cover - lark's LALR parser raises only the two above
        found = "syntax error"
    misspelt = _misspelt_word(error, text)
    if misspelt:
        return misspelt
    expected = getattr(error, "accepts", None) or getattr(error, "expected", None) or ()
    expected = _describe_expected(set(expected))
    message = found + (f"; expected {_join_or(expected)}" if expected else "")
    if isinstance(error, UnexpectedToken) and str(error.token) == "," and _in_lambda_body(text, error.token.start_pos):
        call = _call_past_lambda(text, error.token.start_pos)
        if call is None:
            message += ("; a lambda cannot build a tuple (a tuple is a constant, such as a table's key): "
                        "return one value")
        else:  # the lambda ended at an earlier comma: this one is an argument too many
            message += f"; {_TOO_MANY.get(call, f'{call} takes fewer inputs')}"
    hint = _python_hint(error, text) or _named_function(error, text)
    if hint:
        message += f"; {hint}"
    if isinstance(error, UnexpectedToken) and str(error.token) in ("+", "-", "*", "/", "//", "%", "(") \
            and _in_table(text, error.token.start_pos):
        message += ("; a table's keys and values are constants (`{\"a\": 4.5}`): write the value out, or compute "
                    "it with a lambda (`map(lambda x: x / 11, ...)`)")
    if isinstance(error, UnexpectedToken) and str(error.token) in ("and", "or") and _after_call(text, error.token):
        message += (f"; selects combine inside one select, on their predicates: `select(keys, queries, EQ "
                    f"{error.token} (lambda k, q: ...))`")
    if isinstance(error, UnexpectedToken) and str(error.token) == "lambda" and _after_word(text, error.token,
                                                                                            ("and", "or", "not")):
        message += (f"; a lambda combined with {_word_before(text, error.token)} is put in parentheses: "
                    "`LT and (lambda k, q: ...)`")
    return source_error(message, where, text)


#: Comparison operators, which Python chains and the language does not.
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


def _python_hint(error: UnexpectedInput, text: str) -> str:
    """How to write a piece of Python the language does not have, where the error is one: an
    index or a list, `in`, a call of a function other than min, max and abs, a chained
    comparison, a power; "" otherwise."""
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream
        if pos < len(text) and text[pos] == "[":
            if _in_lambda_body(text, pos):
                return ("a lambda takes and gives single values (numbers, strings, booleans): no indexing or "
                        "lists; a table (`map({\"ab\": \"a\", ...}, x)`) gives any value for each value")
            return ("indexing is not part of the language: fetch a position with `aggregate(select(indices, "
                    "indices, lambda k, q: k == 0), tokens)`")
        return ""
    if not isinstance(error, UnexpectedToken) or not _in_lambda_body(text, error.token.start_pos):
        return ""
    token, before = str(error.token), _before(text, error.token)
    if token == "in":
        return ("`in` is not part of the language: compare with each value (`t == 1 or t == 2`), or give a table "
                "(`map({1: True, 2: True, 3: False}, x)`)")
    if token == "(":
        name = re.search(r"([A-Za-z_][A-Za-z0-9_]*)$", before)
        if name and name.group(1) not in ("min", "max", "abs"):
            return (f"`{name.group(1)}` is not a function of the language (a lambda may call min, max and abs): "
                    "give a table for any other (`map({1: \"1\", 2: \"2\"}, x)`)")
    if token in _COMPARISONS and re.search(r"(==|!=|<=|>=|<|>)[^=<>!]*$", before) \
            and not re.search(r"\b(and|or|if|else|not)\b[^=<>!]*$", before):
        return "comparisons do not chain: write `1 <= t and t <= 3`"
    if token == "*" and before.endswith("*"):
        return "a power (`**`) is not part of the language: write the product (`t * t`), or give a table"
    return ""


def _named_function(error: UnexpectedInput, text: str) -> str:
    """How to write a table or lambda given a name of its own (`spelt = {0: "0"}`, `f = lambda x:
    ...`), where the error is on such a line: a name holds an S-Op or a select, and a function is
    written inline, in the operation that applies it; "" otherwise."""
    pos = _error_pos(error)
    if not isinstance(pos, int):
        return ""
    line = text[text.rfind("\n", 0, pos) + 1:]
    line = line.split("\n", 1)[0]
    named = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\{|lambda\b)", line)
    if not named:
        return ""
    what, example = (("a table", '{0: "0", 1: "1"}') if named.group(2) == "{" else ("a lambda", "lambda x: x + 1"))
    return (f"a name holds an S-Op or a select, not {what}: write {what} inline, in each operation that applies "
            f"it (`{named.group(1)} = map({example}, tokens)`)")


def _in_table(text: str, pos: int) -> bool:
    """Whether `pos` lies inside a table's braces (`{...}`), outside strings."""
    depth, quoted = 0, False
    for char in text[:pos]:
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "{":
            depth += 1
        elif not quoted and char == "}":
            depth -= 1
    return depth > 0


def _before(text: str, token) -> str:
    """The text of the token's line before it, without trailing spaces."""
    pos = token.start_pos if isinstance(token.start_pos, int) else 0
    return text[text.rfind("\n", 0, pos) + 1:pos].rstrip()


def _after_call(text: str, token) -> bool:
    """Whether the token follows a select's closing parenthesis (`select(...) and ...`)."""
    before = _before(text, token)
    return before.endswith(")") and "select(" in before


def _word_before(text: str, token) -> str:
    words = _before(text, token).split()
    return f"`{words[-1]}`" if words else ""


def _after_word(text: str, token, words: tuple[str, ...]) -> bool:
    before = _before(text, token).split()
    return bool(before) and before[-1] in words


def _in_lambda_body(text: str, pos: int | None) -> bool:
    """Whether `pos` lies after the colon of a `lambda` on its line."""
    if not isinstance(pos, int):
        return False
    line = text[text.rfind("\n", 0, pos) + 1:pos]
    at = line.rfind("lambda")
    return at >= 0 and ":" in line[at:]


#: What a call given an input too many takes, by its name (`_call_past_lambda`).
_TOO_MANY = {
    "map": "map takes a function and one input (`map(lambda x: ..., xs)`); a function of two inputs is a "
           "sequence_map",
    "sequence_map": "sequence_map takes a function and two inputs (`sequence_map(lambda x, y: ..., xs, ys)`); "
                    "for three, combine two of them first (`xy = sequence_map(lambda x, y: ..., xs, ys)`) and the "
                    "result with the third",
}


def _call_past_lambda(text: str, pos: int) -> str | None:
    """The name of the call whose lambda argument (the last `lambda` on the line before `pos`)
    ended before `pos`, at a comma or bracket of its own depth, or None when `pos` lies inside that
    lambda's body (`lambda x: (x, 1)`) or the call has no name."""
    start = text.rfind("\n", 0, pos) + 1
    at = text.rfind("lambda", start, pos)
    colon = text.find(":", at, pos)
    if at < 0 or colon < 0:
        return None
    depth, quoted = 0, False
    for char in text[colon + 1:pos]:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth < 0:
                return None  # the call holding the lambda closed before `pos`
        elif char == "," and depth == 0:
            break
    else:
        return None
    depth = 0  # the bracket opening the lambda's call, and the name before it
    for i in range(at - 1, start - 1, -1):
        if text[i] in ")]}":
            depth += 1
        elif text[i] in "([{":
            if depth == 0:
                name = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", text[start:i])
                return name.group(1) if text[i] == "(" and name else None
            depth -= 1
    return None


def _error_pos(error: UnexpectedInput) -> int | None:
    """Where in the text lark's error is: the character it could not lex, or the token it did not expect."""
    return error.pos_in_stream if isinstance(error, UnexpectedCharacters) else getattr(error.token, "start_pos", None)


def _misspelt_word(error: UnexpectedInput, text: str) -> SourceError | None:
    """A word the lexer split into a keyword and a rest (`GTE` read as `GT` then `E`), named whole
    with the keyword it is closest to; None when the error is not inside such a word."""
    pos = _error_pos(error)
    if not isinstance(pos, int) or not 0 < pos < len(text) or not _is_word_char(text[pos]) \
            or not _is_word_char(text[pos - 1]):
        return None
    start, end = pos, pos
    while start > 0 and _is_word_char(text[start - 1]):
        start -= 1
    while end < len(text) and _is_word_char(text[end]):
        end += 1
    word = text[start:end]
    close = [_OTHER_SPELLINGS[word.upper()]] if word.upper() in _OTHER_SPELLINGS else \
        difflib.get_close_matches(word, sorted(RESERVED), n=1)
    if word in RESERVED or not close:
        return None
    line = text.count("\n", 0, start) + 1
    column = start - text.rfind("\n", 0, start)
    return source_error(f"`{word}` is not a word of the language; did you mean `{close[0]}`?", (line, column), text)


#: Comparisons as other languages spell them.
_OTHER_SPELLINGS = {"GTE": "GEQ", "GE": "GEQ", "LTE": "LEQ", "LE": "LEQ", "NE": "NEQ", "EQUAL": "EQ",
                    "EQUALS": "EQ", "NOTEQUAL": "NEQ", "NOT_EQUAL": "NEQ"}


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _end_of(text: str) -> tuple[int, int]:
    lines = text.splitlines() or [""]
    return len(lines), len(lines[-1]) + 1


_TERMINAL_GROUPS = (
    ({"MAP", "SEQUENCE_MAP", "LINEAR_SEQUENCE_MAP", "SELECT", "AGGREGATE", "SELECTOR_WIDTH"},
     "an operation (map, sequence_map, linear_sequence_map, select, aggregate, selector_width)"),
    ({"EQ", "NEQ", "LT", "LEQ", "GT", "GEQ", "ALWAYS", "NEVER"},
     "a comparison (EQ, NEQ, LT, LEQ, GT, GEQ, TRUE, FALSE)"),
    ({"NUMBER", "STRING", "TRUE", "FALSE", "NONE"}, "a value"),
    ({"MIN", "MAX", "ABS"}, "min(...), max(...) or abs(...)"),
    ({"NUMERICAL", "CATEGORICAL"}, "an encoding (numerical, categorical)"),
)


def _describe_expected(names: set[str]) -> list[str]:
    """Readable names of the terminals the parser would have accepted, grouped."""
    words = set()
    for group, word in _TERMINAL_GROUPS:
        if len(names & group) > 1:
            names -= group
            words.add(word)
    for name in names:
        if name in _TERMINAL_WORDS:
            words.add(_TERMINAL_WORDS[name])
            continue
        terminal = next((t for t in lark_parser().terminals if t.name == name), None)
        words.add(repr(terminal.pattern.value) if terminal is not None and terminal.pattern.type == "str"
                  else name.lower())
    return sorted(words)


def _join_or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
