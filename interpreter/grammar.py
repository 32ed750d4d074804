"""Which program token may come next: lark's LALR parser for the syntax, plus the rules of
canonical text that the grammar does not state, so that constrained decoding emits only
programs that parse.

`ProgramState` follows a partly emitted token sequence (compiler.language.tokenizer's vocabulary).
`allowed()` is a mask over that vocabulary; `advance(id)` returns the next state. Three
layers decide:

1. Syntax: lark's interactive parser (compiler/language/grammar.lark) fed one terminal per token.
   Number and string literals are spelled in pieces (`n:1 n:. n:5`, `" s:a "/`); they are
   assembled here and fed to lark whole, with a small automaton for each.
2. Canonical form and types: line k defines `v{k}` and `return` names the last variable; an
   operation's arguments are references (no nesting), typed as tracr compiles them (select
   and sequence_map read categorical S-Ops, linear_sequence_map numerical ones, aggregate a
   selector and an S-Op of its own encoding, selector_width a selector); lambdas take
   `x` / `x, y` / `k, q` and read only those; no `categorical` or `default=` (canonical text
   never has them).
3. Whatever else the parser checks (table keys, literal ranges): each finished line is parsed
   with the ones before it; `advance` raises `LineRejected` if that fails, and the decoder
   then ends the program before that line (`at_line_start(force_return=True)`).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from copy import copy
from typing import Optional

import numpy as np
from lark import Token

import compiler
from compiler.language import tokenizer
from compiler.language.functions import MAP_PARAMS, PREDICATE_PARAMS, SEQUENCE_MAP_PARAMS
from compiler.language.grammar import lark_parser

VOCAB = tokenizer.vocabulary()
ID = {token: i for i, token in enumerate(VOCAB)}
EOS_ID = ID[tokenizer.EOS]
NEWLINE = tokenizer.NEWLINE
#: Tokens an S-Op argument may be, besides variables; all three are categorical.
PRIMITIVES = ("tokens", "indices", "length")
#: Per operation: its number of arguments, the argument that is a function, and the kind of S-Op
#: each reference argument must be ("sop" any S-Op, "categorical", "numerical", "selector",
#: "same": an S-Op of the operation's own encoding).
OPERATIONS = {
    "map": (2, {0: MAP_PARAMS}, {1: "sop"}),
    "sequence_map": (3, {0: SEQUENCE_MAP_PARAMS}, {1: "categorical", 2: "categorical"}),
    "linear_sequence_map": (4, {}, {0: "numerical", 1: "numerical"}),
    "select": (3, {2: PREDICATE_PARAMS}, {0: "categorical", 1: "categorical"}),
    "aggregate": (2, {}, {0: "selector", 1: "same"}),
    "selector_width": (1, {}, {0: "selector"}),
}
NUMERICAL_OPERATIONS = ("map", "linear_sequence_map", "aggregate", "selector_width")
CATEGORICAL_OPERATIONS = ("map", "sequence_map", "select", "aggregate", "selector_width")
_VARIABLE = re.compile(r"v(\d+)\Z")


class LineRejected(ValueError):
    """A finished line that the parser refuses although the token rules let it through."""


def _is_variable(token: str) -> bool:
    return _VARIABLE.match(token) is not None


@functools.lru_cache(maxsize=1)
def _terminals() -> dict[str, tuple[str, ...]]:
    """Lark terminal types each plain vocabulary token can stand for (literal pieces and the
    variables v1, v2, ... excluded: those are NAMEs, chosen by rule)."""
    parser = lark_parser()
    by_token: dict[str, tuple[str, ...]] = {}
    for token in VOCAB:
        if token == NEWLINE:
            by_token[token] = ("_NL",)
        elif token in ("x", "y", "k", "q"):
            by_token[token] = ("NAME",)
        elif token not in tokenizer.SPECIAL and not token.startswith(("n:", "s:", '"')) and not _is_variable(token):
            types = [t.name for t in parser.terminals if t.pattern.type == "str" and t.pattern.value == token]
            types += [t.name for t in parser.terminals if t.name in ("COMPARE_OP", "ADD_OP", "MUL_OP")
                      and re.fullmatch(t.pattern.to_regexp(), token)]
            if types:
                by_token[token] = tuple(types)
    return by_token


def _terminal_types(token: str) -> tuple[str, ...]:
    return ("NAME",) if _is_variable(token) else _terminals()[token]


@functools.lru_cache(maxsize=1)
def _piece_ids() -> dict[str, np.ndarray]:
    """Ids of literal pieces by role."""
    def ids(tokens):
        return np.array([ID[t] for t in tokens], dtype=np.int64)

    return {
        "digit": ids(f"n:{d}" for d in "0123456789"),
        "dot": ids(["n:."]),
        "exponent": ids(["n:e", "n:e-", "n:e+"]),
        "char": ids(t for t in VOCAB if t.startswith("s:") and not t.startswith("s:<0x")),
        # a byte that starts a character: an ASCII control character, or a multi-byte lead
        "first_byte": ids(f"s:<0x{b:02X}>" for b in list(range(0x20)) + [0x7F] + list(range(0xC2, 0xF5))),
        "continuation": ids(f"s:<0x{b:02X}>" for b in range(0x80, 0xC0)),
        "close": ids([tokenizer.STRING_CLOSE]),
    }


_ACCEPTS: dict[tuple, frozenset] = {}


def _accepts(parser) -> frozenset:
    """Terminals lark's parser accepts next, memoised by its state stack."""
    key = tuple(parser.parser_state.state_stack)
    if key not in _ACCEPTS:
        _ACCEPTS[key] = frozenset(parser.accepts())
    return _ACCEPTS[key]


def _new_parser():
    parser = lark_parser().parse_interactive("", start="start")
    conf = copy(parser.parser_state.parse_conf)
    conf.callbacks = {}  # no tree: only the parser's states matter here
    parser.parser_state.parse_conf = conf
    return parser


@dataclasses.dataclass(frozen=True)
class _Number:
    """A number literal in progress: its text and where the automaton stands
    ("int", "zero" (a leading 0), "dot", "fraction", "exponent", "exponent_digits")."""

    text: str
    phase: str

    @property
    def complete(self) -> bool:
        return self.phase in ("int", "zero", "fraction", "exponent_digits")

    def next_pieces(self) -> list[np.ndarray]:
        pieces = _piece_ids()
        return {"int": [pieces["digit"], pieces["dot"], pieces["exponent"]],
                "zero": [pieces["dot"], pieces["exponent"]],
                "dot": [pieces["digit"]],
                "fraction": [pieces["digit"], pieces["exponent"]],
                "exponent": [pieces["digit"]],
                "exponent_digits": [pieces["digit"]]}[self.phase]

    def add(self, piece: str) -> "_Number":
        text = self.text + piece
        if piece == ".":
            return _Number(text, "dot")
        if piece.startswith("e"):
            return _Number(text, "exponent")
        following = {"int": "int", "dot": "fraction", "fraction": "fraction", "exponent": "exponent_digits",
                     "exponent_digits": "exponent_digits"}
        return _Number(text, following[self.phase])


#: Second bytes that UTF-8 allows after these lead bytes (others take 0x80..0xBF): no
#: overlong forms, no surrogates, nothing past U+10FFFF.
_SECOND_BYTE = {0xE0: (0xA0, 0xBF), 0xED: (0x80, 0x9F), 0xF0: (0x90, 0xBF), 0xF4: (0x80, 0x8F)}


@dataclasses.dataclass(frozen=True)
class _String:
    """A string literal in progress: its UTF-8 bytes, the continuation bytes still due and the
    range the next one must lie in."""

    data: bytes
    pending: int = 0
    next_range: tuple[int, int] = (0x80, 0xBF)

    def next_pieces(self) -> list[np.ndarray]:
        pieces = _piece_ids()
        if self.pending:
            low, high = self.next_range
            return [pieces["continuation"][low - 0x80:high - 0x80 + 1]]
        return [pieces["char"], pieces["first_byte"], pieces["close"]]

    def add(self, token: str) -> "_String":
        if not token.startswith("s:<0x"):
            return _String(self.data + token[2:].encode())
        byte = int(token[5:7], 16)
        if self.pending:
            return _String(self.data + bytes([byte]), self.pending - 1)
        due = 3 if byte >= 0xF0 else 2 if byte >= 0xE0 else 1 if byte >= 0xC2 else 0
        return _String(self.data + bytes([byte]), due, _SECOND_BYTE.get(byte, (0x80, 0xBF)))

    def text(self) -> str:
        return json.dumps(self.data.decode("utf-8"))


@dataclasses.dataclass(frozen=True)
class _Line:
    """Where the current line stands."""

    phase: str = "start"          # start, assign, operation, call, done, return, returned, end
    encoding: str = "categorical"
    operation: str | None = None
    depth: int = 0
    slot: int = 0                 # argument of the operation being written
    params: tuple[str, ...] = ()  # the lambda's parameters, once one is open
    lambda_depth: int = -1        # depth at which an open lambda started; -1 none
    declared: int = 0             # parameters written so far (in the parameter list)
    in_body: bool = False


@dataclasses.dataclass(frozen=True)
class ProgramState:
    """An emitted prefix of a canonical program (ids after BOS) and what may follow."""

    ids: tuple[int, ...] = ()
    types: tuple[str, ...] = ()  # "categorical", "numerical" or "selector" per variable v1, v2, ...
    line: _Line = _Line()
    literal: Optional[_Number | _String] = None
    force_return: bool = False
    line_start: Optional["ProgramState"] = None  # the state before the current line
    parser: object = dataclasses.field(default_factory=_new_parser, compare=False, repr=False)

    @property
    def finished(self) -> bool:
        return self.line.phase == "end"

    @property
    def in_return(self) -> bool:
        return self.line.phase in ("return", "returned", "end")

    def at_line_start(self, force_return: bool = False) -> "ProgramState":
        """The state before the current line; with `force_return`, only `return` may follow."""
        start = self if self.line.phase == "start" else self.line_start
        return dataclasses.replace(start, force_return=force_return or start.force_return)

    def text(self) -> str:
        """The program emitted so far, as source text (literal pieces joined)."""
        return _join(self.ids)

    # -- which tokens may follow

    def allowed(self) -> np.ndarray:
        """Boolean mask over the vocabulary: the tokens that may come next."""
        mask = np.zeros(len(VOCAB), dtype=bool)
        if self.line.phase == "end":
            return mask
        if self.line.phase == "returned":
            mask[EOS_ID if VOCAB[self.ids[-1]] == NEWLINE else ID[NEWLINE]] = True
            return mask
        if self.literal is not None:
            for ids in self.literal.next_pieces():
                mask[ids] = True
            if isinstance(self.literal, _Number) and self.literal.complete:
                mask |= self._feed_literal()._plain_allowed()
            return mask
        return self._plain_allowed()

    def _plain_allowed(self) -> np.ndarray:
        accepted = _accepts(self.parser)
        mask = np.zeros(len(VOCAB), dtype=bool)
        for token, types in _terminals().items():
            if any(t in accepted for t in types) and self._rules_allow(token):
                mask[ID[token]] = True
        if "NAME" in accepted:
            for index in range(1, len(self.types) + 2):
                if self._rules_allow(f"v{index}"):
                    mask[ID[f"v{index}"]] = True
        pieces = _piece_ids()
        if "NUMBER" in accepted:
            mask[pieces["digit"]] = True
        if "STRING" in accepted:
            mask[ID[tokenizer.STRING_OPEN]] = True
        return mask

    def _rules_allow(self, token: str) -> bool:
        """Canonical-form and type rules for a token lark accepts here (module docstring, 2)."""
        line, n = self.line, len(self.types)
        if line.phase == "start":
            if token == "return":
                return self.force_return or (n > 0 and self.types[-1] != "selector")
            return not self.force_return and token == f"v{n + 1}"
        if line.phase == "return":
            return token == self._return_reference()
        if line.phase == "operation":
            if token == "numerical":
                return line.encoding == "categorical"
            operations = NUMERICAL_OPERATIONS if line.encoding == "numerical" else CATEGORICAL_OPERATIONS
            return token in operations and all(self._available(wanted) for wanted in OPERATIONS[token][2].values())
        if line.phase != "call" or token in ("categorical", "default"):
            return line.phase != "call"
        is_name = _terminal_types(token) == ("NAME",)
        if line.lambda_depth >= 0 and not line.in_body:  # the parameter list
            if token == ",":
                return 0 < line.declared < len(line.params)
            if token == ":":
                return line.declared == len(line.params)
            return is_name and line.declared < len(line.params) and token == line.params[line.declared]
        if line.lambda_depth >= 0 and is_name:  # the body reads its parameters only
            return token in line.params
        arity, _, references = OPERATIONS[line.operation]
        if line.depth == 1 and token == ",":
            return line.slot < arity - 1
        if token == "}" and VOCAB[self.ids[-1]] == "{":
            return False  # an empty lookup table
        wanted = references.get(line.slot) if line.depth == 1 and line.lambda_depth < 0 else None
        if wanted is None:
            return token not in PRIMITIVES and not _is_variable(token)
        if token in PRIMITIVES or _is_variable(token):
            return self._reference_fits(token, wanted)
        return token == ")"  # an argument is a reference, never a nested operation

    def _available(self, wanted: str) -> bool:
        """Whether some reference fits an argument that wants `wanted`."""
        return any(self._reference_fits(token, wanted) for token in PRIMITIVES[:1] + tuple(
            f"v{index}" for index in range(1, len(self.types) + 1)))

    def _reference_fits(self, token: str, wanted: str) -> bool:
        if token in PRIMITIVES:
            kind = "categorical"
        elif _is_variable(token) and 1 <= int(token[1:]) <= len(self.types):
            kind = self.types[int(token[1:]) - 1]
        else:
            return False
        if wanted == "same":
            wanted = self.line.encoding
        return kind == wanted or (wanted == "sop" and kind != "selector")

    def _return_reference(self) -> str:
        """The last S-Op variable (the canonical output is the last line), or `tokens`."""
        for index in range(len(self.types), 0, -1):
            if self.types[index - 1] != "selector":
                return f"v{index}"
        return "tokens"

    # -- moving on

    def advance(self, token_id: int) -> "ProgramState":
        """The state after `token_id`; ValueError if the token is not allowed, `LineRejected`
        if it ends a line the parser refuses."""
        if not self.allowed()[token_id]:
            raise ValueError(f"token {VOCAB[token_id]!r} is not allowed after {self.text()!r}")
        token = VOCAB[token_id]
        start = self if self.line.phase == "start" else self.line_start
        state = dataclasses.replace(self, ids=self.ids + (token_id,), line_start=start)
        if isinstance(self.literal, _String):
            if token == tokenizer.STRING_CLOSE:
                return state._feed_literal()
            return dataclasses.replace(state, literal=self.literal.add(token))
        if isinstance(self.literal, _Number):
            if token.startswith("n:"):
                return dataclasses.replace(state, literal=self.literal.add(token[2:]))
            state = state._feed_literal()
        if token.startswith("n:"):
            return dataclasses.replace(state, literal=_Number(token[2:], "zero" if token == "n:0" else "int"))
        if token == tokenizer.STRING_OPEN:
            return dataclasses.replace(state, literal=_String(b""))
        if token == tokenizer.EOS:
            return dataclasses.replace(state, line=dataclasses.replace(self.line, phase="end"))
        accepted = _accepts(state.parser)
        parser = state.parser.copy(deepcopy_values=False)
        parser.feed_token(Token(next(t for t in _terminal_types(token) if t in accepted), token))
        state = dataclasses.replace(state, parser=parser, line=self._next_line(token))
        if token == NEWLINE and not self.in_return:
            state = state._finish_definition()
        return state

    def _feed_literal(self) -> "ProgramState":
        """This state with its finished literal fed to lark as one NUMBER or STRING token."""
        parser = self.parser.copy(deepcopy_values=False)
        if isinstance(self.literal, _Number):
            parser.feed_token(Token("NUMBER", self.literal.text))
        else:
            parser.feed_token(Token("STRING", self.literal.text()))
        return dataclasses.replace(self, literal=None, parser=parser)

    def _next_line(self, token: str) -> _Line:
        line = self.line
        replace = functools.partial(dataclasses.replace, line)
        if line.phase == "start":
            return replace(phase="return" if token == "return" else "assign")
        if line.phase in ("return", "assign"):
            return replace(phase="returned" if line.phase == "return" else "operation")
        if line.phase == "operation":
            return replace(encoding="numerical") if token == "numerical" else replace(phase="call", operation=token)
        if line.phase != "call":
            return line
        if token in ("(", "{"):
            return replace(depth=line.depth + 1)
        if line.lambda_depth >= 0 and not line.in_body:  # the parameter list
            if token == ":":
                return replace(in_body=True)
            return replace(declared=line.declared + 1) if token != "," else line
        if line.lambda_depth == line.depth and token in (",", ")"):  # the end of a lambda's body
            line = replace(params=(), lambda_depth=-1, declared=0, in_body=False)
        if token in (")", "}"):
            depth = line.depth - 1
            return dataclasses.replace(line, depth=depth, phase="done" if depth == 0 else "call")
        if token == "," and line.depth == 1:
            return dataclasses.replace(line, slot=line.slot + 1)
        if token == "lambda":
            return replace(params=OPERATIONS[line.operation][1].get(line.slot, ()), lambda_depth=line.depth)
        return line

    def _finish_definition(self) -> "ProgramState":
        """After a definition's newline: parse the program so far with the new variable as its
        output (the parser checks only what the output reads), record the variable's type."""
        kind = "selector" if self.line.operation == "select" else self.line.encoding
        types = self.types + (kind,)
        output = f"selector_width(v{len(types)})" if kind == "selector" else f"v{len(types)}"
        try:
            compiler.parse(f"{self.text()}return {output}\n")
        except compiler.SourceError as error:
            raise LineRejected(f"line {len(types)} does not parse: {error.message}") from None
        return dataclasses.replace(self, types=types, line=_Line(), line_start=None)


def _join(ids: tuple[int, ...]) -> str:
    """Source text of token ids with literal pieces joined (not re-printed: it may be a prefix)."""
    parts: list[str] = []
    string: bytearray | None = None
    previous = ""
    for i in ids:
        token = VOCAB[i]
        if string is not None:
            if token == tokenizer.STRING_CLOSE:
                parts.append(json.dumps(string.decode("utf-8", "replace"), ensure_ascii=False))
                string = None
            else:
                string.extend(bytes([int(token[5:7], 16)]) if token.startswith("s:<0x") else token[2:].encode())
        elif token == tokenizer.STRING_OPEN:
            string = bytearray()
        elif token.startswith("n:"):
            if previous.startswith("n:"):
                parts[-1] += token[2:]
            else:
                parts.append(token[2:])
        elif token == NEWLINE:
            parts.append("\n")
        elif token not in tokenizer.SPECIAL:
            parts.append(token)
        previous = token
    return " ".join(parts).replace(" \n ", "\n").replace(" \n", "\n")
