"""Parsing source text into a `Program`, with one clear `SourceError` for anything wrong.

Three steps: lark parses the text (grammar.lark) into a tree; `SyntaxBuilder`
(`compiler.language.syntax`) turns the tree into literals, functions, predicates and
unresolved operations; `_resolve` orders the definitions, rejects undefined names and cycles,
and makes the typed nodes.
"""

from __future__ import annotations

import dataclasses
import difflib
import warnings

from lark.exceptions import UnexpectedInput, VisitError

from compiler.errors import SourceError, SourceWarning
from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.grammar import lark_parser, source_error, syntax_error
from compiler.language.literals import format_value
from compiler.language.syntax import Definition, LambdaSyntax, Op, Output, Ref, SyntaxBuilder

# ---------------------------------------------------------------------------------------
# Syntax objects -> typed program


def _references(value) -> list[Ref]:
    """Names an operation reads, inline operations included (bounded by bracket depth)."""
    if isinstance(value, Ref):
        return [value]
    if isinstance(value, Op):
        return [r for arg in value.args for r in _references(arg)]
    return []


def _resolve(items: list, text: str) -> prog.Program:
    outputs = [i for i in items if isinstance(i, Output)]
    if not outputs:
        where = (len(text.splitlines()) or 1, 1)
        raise source_error("the program has no output: end it with `return NAME`", where, text)
    if len(outputs) > 1:
        raise source_error("a program has one `return`; this is a second one", outputs[1].where, text)
    if items[-1] is not outputs[0]:
        later = items[items.index(outputs[0]) + 1]
        raise source_error("`return` must be the last line; move this definition above it", later.where, text)

    definitions: dict[str, Definition] = {}
    for item in items[:-1]:
        if item.name in definitions:
            first = definitions[item.name].where
            raise source_error(f"`{item.name}` is already defined on line {first[0]}; give this one "
                         "another name", item.where, text)
        if isinstance(item.value, Ref):
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


def _definition_order(definitions: dict[str, Definition], output: Output, text: str) -> list[str]:
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
                    raise source_error(f"`{ref.name}` depends on itself: {' -> '.join(cycle)}; a program has no "
                                       "recurrence: a running value is computed afresh at each position from the "
                                       "positions it sees (a select of them, then an aggregate or selector_width)",
                                       definitions[ref.name].where, text)
                if ref.name not in state:
                    state[ref.name] = "open"
                    stack.append((ref.name, iter(_references(definitions[ref.name].value))))
    return order


def _make(value, built: dict[str, nodes.Node], text: str, name: str | None) -> nodes.Node:
    """The node of a reference or (possibly nested) operation, inputs already built."""
    if isinstance(value, Ref):
        return built[value.name] if value.name in built else nodes.PRIMITIVES[value.name]
    args = [a if not isinstance(a, (Ref, Op)) else _make(a, built, text, None) for a in value.args]
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
    if isinstance(syntax, LambdaSyntax):
        if len(syntax.params) != arity:
            params = "x" if arity == 1 else "x, y"
            raise source_error(f"{kind}: the function takes {len(syntax.params)} argument(s), but {kind} "
                         f"passes {arity}: write `lambda {params}: ...`", syntax.where, text)
        if _tests_none(syntax.body):
            warnings.warn(SourceWarning(str(source_error(
                f"{kind}: the function compares an argument with None, which it never sees: {kind} passes "
                "a None on without calling its function, so that test is never true; to give a missing "
                "value a value, make the fetch always find a position (`k == max(q - 1, 0)`), or test for "
                "None in a select's predicate, which is called on None", syntax.where, text))), stacklevel=2)
        return fn.Lambda(arity, syntax.body)
    if len(syntax.entries) > fn.MAX_TABLE_ENTRIES:
        raise source_error(f"{kind}: the table has {len(syntax.entries):,} entries, over the limit of "
                     f"{fn.MAX_TABLE_ENTRIES:,}; write the function as a lambda", syntax.where, text)
    mapping: dict = {}
    for key, value in syntax.entries:
        if arity == 2 and not (isinstance(key, tuple) and len(key) == 2):
            raise source_error(f"{kind}: table keys must be pairs (x, y), but found {format_value(key)}",
                         syntax.where, text)
        if key in mapping:
            raise source_error(f"{kind}: the table has key {format_value(key)} twice", syntax.where, text)
        mapping[key] = value
    return fn.Table.from_mapping(arity, mapping)


def _tests_none(expr) -> bool:
    """Whether `expr` compares an argument with None (`x == None`, `None != y`)."""
    if isinstance(expr, fn.Compare) and expr.op in ("==", "!="):
        sides = (expr.left, expr.right)
        if any(isinstance(e, fn.Const) and e.value is None for e in sides) and \
                any(isinstance(e, fn.Param) for e in sides):
            return True
    for field in dataclasses.fields(expr) if dataclasses.is_dataclass(expr) else ():
        value = getattr(expr, field.name)
        for child in value if isinstance(value, tuple) else (value,):
            if dataclasses.is_dataclass(child) and _tests_none(child):
                return True
    return False


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
        return SyntaxBuilder(text).transform(tree)
    except VisitError as error:
        if isinstance(error.orig_exc, SourceError):
            raise error.orig_exc from None
        raise
    except UnexpectedInput as error:
        raise syntax_error(error, text) from None
    except SourceError as error:  # from the post-lexer, which has no text for an excerpt
        raise source_error(error.message, (error.line, error.column), text) from None
