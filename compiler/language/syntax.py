"""The parser's first step: lark's tree (grammar.lark) -> syntax objects, for `parser` to resolve.

`SyntaxBuilder` turns the tree bottom-up, without recursion, into literals, functions, predicates
and the program's lines: `Definition`s and an `Output` whose operations (`Op`) name their inputs
by `Ref`, not yet checked to exist. Lambda bodies come out with their names bound to parameters.
Errors found on the way (a reserved word as a name, a name no lambda parameter binds, nesting
deeper than `functions.MAX_DEPTH`, a number too large, a predicate of the wrong shape, ...) are
`SourceError`s placed at their line and column.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from typing import Any

from lark import Token, Transformer_NonRecursive, v_args
from tracr.rasp import rasp

from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language.grammar import RESERVED, source_error
from compiler.language.literals import format_value


@dataclasses.dataclass
class Ref:
    """A name an operation reads: a definition, or tokens, indices or length."""

    name: str
    where: nodes.Where


@dataclasses.dataclass
class Op:
    """An operation as written: its kind, its arguments (inline operations among them), its annotation."""

    kind: str
    args: list
    where: nodes.Where
    encoding: rasp.Encoding | None = None
    default: Any = None
    default_given: bool = False


@dataclasses.dataclass
class Definition:
    """`name = value`, one line of the program."""

    name: str
    value: Any  # Ref | Op
    where: nodes.Where


@dataclasses.dataclass
class Output:
    """`return value`, the program's last line."""

    value: Any
    where: nodes.Where


@dataclasses.dataclass(frozen=True)
class _Name:
    """A name inside a lambda body, until the lambda binds it to a parameter."""

    name: str
    where: nodes.Where
    precedence = 8


@dataclasses.dataclass
class LambdaSyntax:
    """`lambda params: body`, its names bound to parameters; its arity is checked where it is used."""

    params: tuple[str, ...]
    body: fn.Expr
    where: nodes.Where


@dataclasses.dataclass
class TableSyntax:
    """A table's entries as written; keys are checked where it is used (pairs, no duplicates)."""

    entries: list[tuple[Any, Any]]
    where: nodes.Where


def _where(meta) -> nodes.Where:
    return (meta.line, meta.column) if not meta.empty else None


def _token_where(token: Token) -> nodes.Where:
    return (token.line, token.column)


class SyntaxBuilder(Transformer_NonRecursive):
    """One method per grammar rule; builds syntax objects bottom-up without recursion."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text
        self.depths: dict[int, tuple[Any, int]] = {}  # id -> (object, depth); holding the object
        # keeps its id from passing to a new object

    def _nested(self, obj, where: nodes.Where, *children):
        depth = 1 + max((self.depths.get(id(c), (c, 0))[1] for c in children), default=0)
        if depth > fn.MAX_DEPTH:
            raise source_error(f"expression nested more than {fn.MAX_DEPTH} deep; split it into several "
                         "definitions", where, self.text)
        self.depths[id(obj)] = (obj, depth)
        return obj

    # -- program structure

    def start(self, items):
        return items

    def _check_name(self, name: Token) -> None:
        # The contextual lexer reads a keyword as a name where no keyword can stand.
        if str(name) in RESERVED:
            raise source_error(f"`{name}` is a word of the language; choose another name", _token_where(name),
                         self.text)

    @v_args(inline=True)
    def definition(self, name: Token, value):
        self._check_name(name)
        return Definition(str(name), value, _token_where(name))

    @v_args(meta=True)
    def output(self, meta, children):
        return Output(children[0], _where(meta))

    @v_args(inline=True)
    def reference(self, name: Token):
        return Ref(str(name), _token_where(name))

    @v_args(inline=True)
    def tokens(self, token):
        return Ref("tokens", _token_where(token))

    @v_args(inline=True)
    def indices(self, token):
        return Ref("indices", _token_where(token))

    @v_args(inline=True)
    def length(self, token):
        return Ref("length", _token_where(token))

    def annotated(self, children):
        *encoding, op = children
        if encoding:
            op.encoding = rasp.Encoding(str(encoding[0]))
            if op.kind == "select":
                raise source_error("select: a selector has no encoding; drop "
                             f"`{encoding[0]}`", _token_where(encoding[0]), self.text)
        return op

    # -- operations

    def _op(kind):
        @v_args(meta=True)
        def build(self, meta, children):
            return Op(kind, list(children), _where(meta))
        return build

    map = _op("map")
    sequence_map = _op("sequence_map")
    linear_sequence_map = _op("linear_sequence_map")
    select = _op("select")
    selector_width = _op("selector_width")

    @v_args(meta=True)
    def aggregate(self, meta, children):
        op = Op("aggregate", list(children[:2]), _where(meta))
        if len(children) == 3:
            op.default, op.default_given = children[2].value, True
        return op

    del _op

    # -- functions

    @v_args(meta=True)
    def lambda_(self, meta, children):
        *names, body = children
        for name in names:
            self._check_name(name)
        params = tuple(str(n) for n in names)
        for i, name in enumerate(names):
            if params.index(str(name)) != i:
                raise source_error(f"lambda: parameter `{name}` appears twice", _token_where(name), self.text)
        return LambdaSyntax(params, self._bind(body, params), _where(meta))

    def _bind(self, expr, params: tuple[str, ...]):
        """Replaces each `_Name` in `expr` by the parameter it names."""
        def bind(leaf):
            if not isinstance(leaf, _Name):
                return leaf
            if leaf.name not in params:
                hint = difflib.get_close_matches(leaf.name, params, n=1)
                hint = f"; did you mean `{hint[0]}`?" if hint else (
                    f"; to read a line `{leaf.name}`, pass it in as an input: a map takes one, a sequence_map two "
                    f"(`sequence_map(lambda x, {leaf.name}: ..., x, {leaf.name})`), a select's predicate its keys "
                    "and queries; pack more into one with a sequence_map first")
                raise source_error(f"`{leaf.name}` is not defined in this lambda: a lambda sees only its "
                             f"parameters ({', '.join(params)}){hint}", leaf.where, self.text)
            return fn.Param(params.index(leaf.name))

        return fn.replace_leaves(expr, bind)

    @v_args(meta=True)
    def table(self, meta, children):
        return TableSyntax([(k.value, v.value) for k, v in children], _where(meta))

    @v_args(inline=True)
    def entry(self, key, value):
        return key, value

    # -- predicates

    @v_args(inline=True)
    def comparison(self, token):
        return fn.COMPARISON_NAMES[str(token)]

    @v_args(meta=True)
    def predicate_lambda(self, meta, children):
        syntax = children[0]
        if len(syntax.params) != 2:
            raise source_error(f"select: a predicate takes a key and a query (`lambda k, q: ...`), not "
                         f"{len(syntax.params)} argument(s)", syntax.where, self.text)
        return fn.PredicateLambda(syntax.body)

    @v_args(meta=True)
    def predicate_table(self, meta, children):
        if len(children) > fn.MAX_TABLE_ENTRIES:
            raise source_error(f"select: the predicate table has {len(children):,} pairs, over the limit of "
                         f"{fn.MAX_TABLE_ENTRIES:,}; write the predicate as a comparison or a lambda",
                         _where(meta), self.text)
        pairs = []
        for item in children:
            if not (isinstance(item.value, tuple) and len(item.value) == 2):
                raise source_error(f"select: a predicate table lists (key, query) pairs, but found "
                             f"{format_value(item.value)}", _where(meta), self.text)
            pairs.append(item.value)
        return fn.PredicateTable.from_pairs(pairs)

    @v_args(meta=True)
    def predicate_or(self, meta, children):
        return self._nested(fn.PredicateBool("or", *children), _where(meta), *children)

    @v_args(meta=True)
    def predicate_and(self, meta, children):
        return self._nested(fn.PredicateBool("and", *children), _where(meta), *children)

    @v_args(meta=True)
    def predicate_not(self, meta, children):
        return self._nested(fn.PredicateNot(children[0]), _where(meta), *children)

    # -- expressions

    @v_args(inline=True)
    def param(self, name: Token):
        return _Name(str(name), _token_where(name))

    @v_args(meta=True)
    def binary(self, meta, children):
        left, op, right = children
        return self._nested(fn.Binary(str(op), left, right), _where(meta), left, right)

    @v_args(meta=True)
    def compare(self, meta, children):
        left, op, right = children
        return self._nested(fn.Compare(str(op), left, right), _where(meta), left, right)

    @v_args(meta=True)
    def or_(self, meta, children):
        return self._nested(fn.BoolOp("or", *children), _where(meta), *children)

    @v_args(meta=True)
    def and_(self, meta, children):
        return self._nested(fn.BoolOp("and", *children), _where(meta), *children)

    @v_args(meta=True)
    def not_(self, meta, children):
        return self._nested(fn.Not(children[0]), _where(meta), *children)

    @v_args(meta=True)
    def neg(self, meta, children):
        (operand,) = children
        return self._nested(fn.negate(operand), _where(meta), operand)

    @v_args(meta=True)
    def ifelse(self, meta, children):
        return self._nested(fn.IfElse(*children), _where(meta), *children)

    @v_args(meta=True)
    def call(self, meta, children):
        name, *args = children
        name = str(name)
        if (name == "abs" and len(args) != 1) or (name != "abs" and len(args) < 2):
            wanted = "one argument" if name == "abs" else "at least two arguments"
            raise source_error(f"{name}() takes {wanted}, got {len(args)}", _where(meta), self.text)
        return self._nested(fn.Call(name, tuple(args)), _where(meta), *args)

    # -- literals

    @v_args(inline=True)
    def constant(self, token: Token):
        return fn.Const(self._literal(token))

    @v_args(inline=True)
    def negative(self, token: Token):
        return fn.Const(-self._literal(token))

    @v_args(meta=True)
    def tuple_(self, meta, children):
        return self._nested(fn.Const(tuple(c.value for c in children)), _where(meta), *children)

    def _literal(self, token: Token):
        text, where = str(token), _token_where(token)
        if token.type == "NUMBER":
            if any(c in text for c in ".eE"):
                value = float(text)
                if not math.isfinite(value):
                    raise source_error(f"number {text} is too large to represent", where, self.text)
                return value
            try:
                return int(text)
            except ValueError:  # over Python's limit on digits in an int
                raise source_error(f"number {text[:20]}... has too many digits", where, self.text) from None
        if token.type == "STRING":
            value = json.loads(text)
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise source_error("string contains a lone surrogate escape (\\ud800-\\udfff)", where,
                             self.text) from None
            return value
        return {"TRUE": True, "FALSE": False, "NONE": None}[token.type]
