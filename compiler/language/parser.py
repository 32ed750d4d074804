"""Parsing source text into a `Program`, with one clear `SourceError` for anything wrong.

Three steps: lark parses the text (grammar.lark) into a tree; `_Build` turns the tree into
literals, functions, predicates and unresolved operations; `_resolve` orders the
definitions, rejects undefined names and cycles, and makes the typed nodes.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
from typing import Any

from lark import Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedInput, VisitError
from tracr.rasp import rasp

from compiler.errors import SourceError
from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.grammar import RESERVED, lark_parser, source_error, syntax_error

# ---------------------------------------------------------------------------------------
# Tree -> syntax objects


@dataclasses.dataclass
class _Ref:
    name: str
    where: nodes.Where


@dataclasses.dataclass
class _Op:
    kind: str
    args: list
    where: nodes.Where
    encoding: rasp.Encoding | None = None
    default: Any = None
    default_given: bool = False


@dataclasses.dataclass
class _Definition:
    name: str
    value: Any  # _Ref | _Op
    where: nodes.Where


@dataclasses.dataclass
class _Output:
    value: Any
    where: nodes.Where


@dataclasses.dataclass(frozen=True)
class _Name:
    """A name inside a lambda body, until the lambda binds it to a parameter."""

    name: str
    where: nodes.Where
    precedence = 8


@dataclasses.dataclass
class _LambdaSyntax:
    params: tuple[str, ...]
    body: fn.Expr
    where: nodes.Where


@dataclasses.dataclass
class _TableSyntax:
    entries: list[tuple[Any, Any]]
    where: nodes.Where


def _where(meta) -> nodes.Where:
    return (meta.line, meta.column) if not meta.empty else None


def _token_where(token: Token) -> nodes.Where:
    return (token.line, token.column)


class _Build(Transformer_NonRecursive):
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
        return _Definition(str(name), value, _token_where(name))

    @v_args(meta=True)
    def output(self, meta, children):
        return _Output(children[0], _where(meta))

    @v_args(inline=True)
    def reference(self, name: Token):
        return _Ref(str(name), _token_where(name))

    @v_args(inline=True)
    def tokens(self, token):
        return _Ref("tokens", _token_where(token))

    @v_args(inline=True)
    def indices(self, token):
        return _Ref("indices", _token_where(token))

    @v_args(inline=True)
    def length(self, token):
        return _Ref("length", _token_where(token))

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
            return _Op(kind, list(children), _where(meta))
        return build

    map = _op("map")
    sequence_map = _op("sequence_map")
    linear_sequence_map = _op("linear_sequence_map")
    select = _op("select")
    selector_width = _op("selector_width")

    @v_args(meta=True)
    def aggregate(self, meta, children):
        op = _Op("aggregate", list(children[:2]), _where(meta))
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
        return _LambdaSyntax(params, self._bind(body, params), _where(meta))

    def _bind(self, expr, params: tuple[str, ...]):
        """Replaces each `_Name` in `expr` by the parameter it names."""
        def bind(leaf):
            if not isinstance(leaf, _Name):
                return leaf
            if leaf.name not in params:
                hint = difflib.get_close_matches(leaf.name, params, n=1)
                hint = f"; did you mean `{hint[0]}`?" if hint else ""
                raise source_error(f"`{leaf.name}` is not defined in this lambda: a lambda sees only its "
                             f"parameters ({', '.join(params)}){hint}", leaf.where, self.text)
            return fn.Param(params.index(leaf.name))

        return fn.replace_leaves(expr, bind)

    @v_args(meta=True)
    def table(self, meta, children):
        return _TableSyntax([(k.value, v.value) for k, v in children], _where(meta))

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
                             f"{fn.format_value(item.value)}", _where(meta), self.text)
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


# ---------------------------------------------------------------------------------------
# Syntax objects -> typed program


def _references(value) -> list[_Ref]:
    """Names an operation reads, inline operations included (bounded by bracket depth)."""
    if isinstance(value, _Ref):
        return [value]
    if isinstance(value, _Op):
        return [r for arg in value.args for r in _references(arg)]
    return []


def _resolve(items: list, text: str) -> prog.Program:
    outputs = [i for i in items if isinstance(i, _Output)]
    if not outputs:
        where = (len(text.splitlines()) or 1, 1)
        raise source_error("the program has no output: end it with `return NAME`", where, text)
    if len(outputs) > 1:
        raise source_error("a program has one `return`; this is a second one", outputs[1].where, text)
    if items[-1] is not outputs[0]:
        later = items[items.index(outputs[0]) + 1]
        raise source_error("`return` must be the last line; move this definition above it", later.where, text)

    definitions: dict[str, _Definition] = {}
    for item in items[:-1]:
        if item.name in definitions:
            first = definitions[item.name].where
            raise source_error(f"`{item.name}` is already defined on line {first[0]}; give this one "
                         "another name", item.where, text)
        if isinstance(item.value, _Ref):
            raise source_error(f"`{item.name} = {item.value.name}` only renames; use "
                         f"`{item.value.name}` directly", item.where, text)
        definitions[item.name] = item

    for ref in (r for d in list(definitions.values()) + outputs for r in _references(d.value)):
        if ref.name not in definitions and ref.name not in nodes.PRIMITIVES:
            hint = difflib.get_close_matches(ref.name, list(definitions) + list(nodes.PRIMITIVES), n=1)
            hint = f"; did you mean `{hint[0]}`?" if hint else ""
            raise source_error(f"`{ref.name}` is not defined{hint}", ref.where, text)

    built: dict[str, nodes.Node] = {}
    for name in _definition_order(definitions, outputs[0], text):
        definition = definitions[name]
        built[name] = _make(definition.value, built, text, name=name)
    output = _make(outputs[0].value, built, text, name=None)
    if not isinstance(output, nodes.SOpNode):
        raise source_error("a program returns an S-Op, not a selector", outputs[0].where, text)
    return prog.Program(output)


def _definition_order(definitions: dict[str, _Definition], output: _Output, text: str) -> list[str]:
    """Definitions the output needs, each after those it reads; iterative depth-first search
    so that long chains of definitions are no problem."""
    order: list[str] = []
    state: dict[str, str] = {}  # "open" while on the stack, "done" after
    roots = [r.name for r in _references(output.value) if r.name in definitions]
    for root in roots:
        if root in state:
            continue
        stack = [(root, iter(_references(definitions[root].value)))]
        state[root] = "open"
        while stack:
            name, refs = stack[-1]
            ref = next(refs, None)
            if ref is None:
                stack.pop()
                state[name] = "done"
                order.append(name)
            elif ref.name in definitions:
                if state.get(ref.name) == "open":
                    cycle = [n for n, _ in stack]
                    cycle = cycle[cycle.index(ref.name):] + [ref.name]
                    raise source_error(f"`{ref.name}` depends on itself: {' -> '.join(cycle)}",
                                 definitions[ref.name].where, text)
                if ref.name not in state:
                    state[ref.name] = "open"
                    stack.append((ref.name, iter(_references(definitions[ref.name].value))))
    return order


def _make(value, built: dict[str, nodes.Node], text: str, name: str | None) -> nodes.Node:
    """The node of a reference or (possibly nested) operation, inputs already built."""
    if isinstance(value, _Ref):
        return built[value.name] if value.name in built else nodes.PRIMITIVES[value.name]
    args = [a if not isinstance(a, (_Ref, _Op)) else _make(a, built, text, None) for a in value.args]
    where = value.where
    common = {"name": name, "where": where}
    try:
        if value.kind == "map":
            function = _function(args[0], arity=1, kind="map", text=text)
            return nodes.make_map(function, args[1], encoding=value.encoding or nodes.CATEGORICAL, **common)
        if value.kind == "sequence_map":
            function = _function(args[0], arity=2, kind="sequence_map", text=text)
            return nodes.make_sequence_map(function, args[1], args[2],
                                          encoding=value.encoding or nodes.CATEGORICAL, **common)
        if value.kind == "linear_sequence_map":
            return nodes.make_linear_sequence_map(args[0], args[1], args[2].value, args[3].value,
                                                 encoding=value.encoding or nodes.CATEGORICAL, **common)
        if value.kind == "select":
            return nodes.make_select(args[0], args[1], args[2], **common)
        if value.kind == "aggregate":
            return nodes.make_aggregate(args[0], args[1], default=value.default,
                                       default_given=value.default_given,
                                       encoding=value.encoding or nodes.CATEGORICAL, **common)
        if value.kind == "selector_width":
            return nodes.make_selector_width(args[0], encoding=value.encoding or nodes.CATEGORICAL,
                                            **common)
    except SourceError as error:
        if error.excerpt:  # already placed, at the function
            raise
        raise source_error(error.message, where, text) from None
    raise AssertionError(f"unknown operation {value.kind}")  # pragma: no cover


def _function(syntax, arity: int, kind: str, text: str) -> fn.Function:
    if isinstance(syntax, _LambdaSyntax):
        if len(syntax.params) != arity:
            params = "x" if arity == 1 else "x, y"
            raise source_error(f"{kind}: the function takes {len(syntax.params)} argument(s), but {kind} "
                         f"passes {arity}: write `lambda {params}: ...`", syntax.where, text)
        return fn.Lambda(arity, syntax.body)
    if len(syntax.entries) > fn.MAX_TABLE_ENTRIES:
        raise source_error(f"{kind}: the table has {len(syntax.entries):,} entries, over the limit of "
                     f"{fn.MAX_TABLE_ENTRIES:,}; write the function as a lambda", syntax.where, text)
    mapping: dict = {}
    for key, value in syntax.entries:
        if arity == 2 and not (isinstance(key, tuple) and len(key) == 2):
            raise source_error(f"{kind}: table keys must be pairs (x, y), but found {fn.format_value(key)}",
                         syntax.where, text)
        if key in mapping:
            raise source_error(f"{kind}: the table has key {fn.format_value(key)} twice", syntax.where, text)
        mapping[key] = value
    return fn.Table.from_mapping(arity, mapping)


#: Most lines a program may have (compile's residual-width limit allows about as many S-Ops).
MAX_LINES = 20_000


def parse(text: str) -> prog.Program:
    """Parses source text into a `Program`; raises `SourceError` with line and column."""
    return _resolve(_parse_tree(text, "start"), text)


def parse_lambda(text: str) -> fn.Lambda:
    """Parses `lambda x, ...: body` on its own, e.g. a function template of the generator."""
    syntax = _parse_tree(text, "lambda_")
    return fn.Lambda(len(syntax.params), syntax.body)


def _parse_tree(text: str, start: str):
    if not isinstance(text, str):
        raise TypeError(f"expected source text (str), not {type(text).__name__}")
    # every table entry holds a comma: text with far more commas than the largest tables allowed
    # is refused before lark spends minutes and gigabytes on it
    if text.count(",") > 4 * fn.MAX_TABLE_ENTRIES:
        raise SourceError(f"the text holds {text.count(','):,} commas, more than tables of at most "
                          f"{fn.MAX_TABLE_ENTRIES:,} entries need; is this a program?", 0, 0, "")
    # likewise lines: a program defines at most one S-Op per line, and no net holds more S-Ops than
    # its residual stream has directions
    if text.count("\n") > MAX_LINES:
        raise SourceError(f"the text has {text.count(chr(10)) + 1:,} lines, over the limit of {MAX_LINES:,} for a "
                          "program (each line an S-Op; no network holds more); is this a program?", 0, 0, "")
    try:
        tree = lark_parser().parse(text, start=start)
        return _Build(text).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, SourceError):
            raise error.orig_exc from None
        raise
    except UnexpectedInput as error:
        raise syntax_error(error, text) from None
    except SourceError as error:  # from the post-lexer, which has no text for an excerpt
        raise source_error(error.message, (error.line, error.column), text) from None
