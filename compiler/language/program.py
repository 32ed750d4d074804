"""Programs: a typed graph of RASP operations (`nodes`), the tracr SOp it denotes, its canonical
order and text, and the reference semantics (tracr's evaluator).

A `Program` is immutable. Its nodes are type-checked when they are made, against the rules of
what tracr can compile, so a `Program` that exists is one tracr's front end accepts.
"""

from __future__ import annotations

import functools
import re
import weakref
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
from tracr.rasp import rasp

from compiler.errors import SourceError
from compiler.language.functions import EvaluationError
from compiler.language.grammar import is_reserved
from compiler.language.literals import Value, format_value
from compiler.language.nodes import (
    CATEGORICAL,
    INDICES,
    LENGTH,
    TOKENS,
    Aggregate,
    LinearSequenceMap,
    Map,
    Node,
    Primitive,
    Select,
    SelectorWidth,
    SequenceMap,
    SOpNode,
    postorder,
)
from compiler.language.printer import format_program

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Program:
    """A RASP program: the graph of operations that ends in `output`.

    `str(program)` is its canonical text; two programs are equal when their canonical texts
    are. `program.sop` is the tracr SOp it denotes (built once, with deterministic labels).
    """

    def __init__(self, output: SOpNode):
        if not isinstance(output, SOpNode):
            line, column = output.where or (0, 0)
            raise SourceError("return: a program returns an S-Op, not a selector", line, column)
        self.output = output

    @functools.cached_property
    def nodes(self) -> tuple[Node, ...]:
        """The operations (primitives excluded), in canonical order: inputs first."""
        return tuple(n for n in postorder(self.output) if not isinstance(n, Primitive))

    @property
    def op_count(self) -> int:
        return len(self.nodes)

    def names(self, keep: bool) -> dict[int, str]:
        """Variable name of each node (by id): canonical `v{position}`, or with `keep` the
        names the program was written with where they are valid and unique."""
        names: dict[int, str] = {}
        used: set[str] = set()
        for position, node in enumerate(self.nodes, start=1):
            name = node.name if keep else None
            if not (name and _IDENTIFIER.match(name) and not is_reserved(name) and name not in used):
                name = f"v{position}"
                while name in used:
                    name += "_"
            used.add(name)
            names[id(node)] = name
        return names

    @functools.cached_property
    def source(self) -> str:
        return format_program(self)

    @functools.cached_property
    def sop(self) -> rasp.SOp:
        return build_sop(self)

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"Program({self.op_count} ops, output {self.output.kind})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Program) and self.source == other.source

    def __hash__(self) -> int:
        return hash(self.source)


def build_sop(program: Program, exprs: dict[int, rasp.RASPExpr] | None = None) -> rasp.SOp:
    """The tracr SOp of `program`, named with the program's own variable names.

    tracr labels an expression `{name}_{unique_id}` with ids from a global counter; we
    number ids in canonical order instead, so that the same program has the same labels
    (and compiled nets the same residual labels) in every process. `exprs`, when given, is
    filled with the expression of every node (by id), primitives included.
    """
    names = program.names(keep=True)
    built: dict[int, rasp.RASPExpr] = {}
    next_id = iter(range(1, 1 << 30))

    def finish(expr: rasp.RASPExpr, name: str, encoding: rasp.Encoding | None = None) -> rasp.RASPExpr:
        annotations = {"name": name}
        if encoding is not None:
            annotations["encoding"] = encoding
        expr = rasp.annotate(expr, **annotations)
        expr.unique_id = next(next_id)  # shadows tracr's counter-based cached_property
        return expr

    def get(node: Node) -> rasp.RASPExpr:
        if node is TOKENS:
            return rasp.tokens
        if node is INDICES:
            return rasp.indices
        if id(node) not in built:
            assert node is LENGTH, "inputs are built before the nodes that use them"
            select = finish(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE), "length_selector")
            built[id(node)] = finish(rasp.SelectorWidth(select), "length", CATEGORICAL)
        return built[id(node)]

    for node in postorder(program.output):
        if isinstance(node, Primitive):
            get(node)
            continue
        name = names[id(node)]
        if isinstance(node, Map):
            expr = rasp.Map(node.function, get(node.inner), simplify=False)
        elif isinstance(node, LinearSequenceMap):
            expr = rasp.LinearSequenceMap(get(node.fst), get(node.snd), node.fst_fac, node.snd_fac)
        elif isinstance(node, SequenceMap):
            expr = rasp.SequenceMap(node.function, get(node.fst), get(node.snd))
        elif isinstance(node, Select):
            built[id(node)] = finish(rasp.Select(get(node.keys), get(node.queries), node.predicate), name)
            continue
        elif isinstance(node, Aggregate):
            expr = rasp.Aggregate(get(node.selector), get(node.sop), default=node.default)
        elif isinstance(node, SelectorWidth):
            expr = rasp.SelectorWidth(get(node.selector))
        else:  # pragma: no cover - the node classes above are all there are
            raise TypeError(f"unknown node {node!r}")
        built[id(node)] = finish(expr, name, node.encoding)
    if exprs is not None:
        exprs.update(built)
        exprs[id(TOKENS)], exprs[id(INDICES)] = rasp.tokens, rasp.indices
    return get(program.output)


#: What a program's function or predicate may raise where the program is undefined (rasp raises
#: there): `evaluate` reports each as an `UndefinedError`, and compiling tabulates around them.
UNDEFINED = (ArithmeticError, LookupError, ValueError, TypeError, RecursionError)


class UndefinedError(EvaluationError):
    """A program that is not defined on an input (tracr's evaluator raises there: a division by
    zero, a comparison of None, ...); names the line, the input and why. A program must be defined
    on every input up to its max_seq_len: the compiler refuses one it cannot show is."""

    def __init__(self, line: str, xs: Sequence[Value], reason: Exception):
        why = "a comparison with None (its keys or queries are None there)" \
            if str(reason) in ("key is None!", "query is None!") else f"{type(reason).__name__}: {reason}"
        shown = "[" + ", ".join(format_value(x) for x in xs) + "]"
        super().__init__(f"{line} is not defined on the input {shown}: {why}")
        self.line, self.input, self.why = line, list(xs), why


def evaluate(program: Program | rasp.SOp, xs: Sequence[Value]) -> list[Value]:
    """Runs the program on one input with tracr's RASP semantics (the reference semantics).

    Same results as `rasp.evaluate`, but each shared sub-expression is evaluated once. Where
    tracr's evaluator raises, `UndefinedError` names the line and the input.
    """
    return evaluate_all(program, [xs])[0]


def evaluate_all(program: Program | rasp.SOp, inputs: Iterable[Sequence[Value]]) -> list[list[Value]]:
    """`[evaluate(program, xs) for xs in inputs]`, the expressions put in order once for all the
    inputs (a program is checked on many inputs: the fountain's probes, a net's whole domain).
    Raises `UndefinedError` on the first input the program is not defined on."""
    sop = program.sop if isinstance(program, Program) else program
    return [list(values) for values, in evaluate_exprs(sop, inputs, [sop])]


def evaluate_exprs(sop: rasp.SOp, inputs: Iterable[Sequence[Value]], exprs: Sequence[rasp.RASPExpr]
                   ) -> Iterator[list]:
    """Per input, the values of `exprs` (expressions `sop` reads, selectors too: a selector's are
    rows of booleans, one per query) as `evaluate` computes them on the way to `sop`'s; the
    expressions are put in order once for all the inputs. Raises `UndefinedError` on the first
    input the program is not defined on."""
    order = children_first(sop)
    evaluator = _MemoEvaluator()
    for xs in inputs:
        xs = list(xs)
        evaluator.memo = {}
        for expr in order:  # each one's inputs are memoised first: no deep recursion in tracr's
            evaluator.evaluate(expr, xs)  # evaluator, however long the chain of lines
        yield [evaluator.memo[id(expr)] for expr in exprs]


def line_values(program: Program, partial: bool = False, causal: bool = False, only: Sequence[Node] = ()
                ) -> Callable[[Sequence[Value]], dict[int, list]]:
    """A function giving the values of every node of `program` (by id) on one input, with the
    reference semantics of `evaluate` (UndefinedError where the program is undefined): what each
    line computes at each position, for tests that must reach particular values of a line. With
    `partial`, an input some line is undefined on gives the lines computed before it instead
    (`values.lines` is how many nodes a whole evaluation gives).

    `causal`: each query sees the keys at or before it (and `length` is its index + 1), in one
    evaluation of the whole input. For a program a causal net can compute (every select's keys
    and every aggregated value a function of the tokens up to their own position, which compile
    checks: `compiler.compiling.causal`), a line's value at position i is then the program's on
    the prefix `xs[:i + 1]` there, without evaluating each prefix.

    `only`: nodes of `program` whose values are wanted; only they and the lines they read are
    evaluated."""
    exprs: dict[int, rasp.RASPExpr] = {}
    root = build_sop(program, exprs)
    order = children_first(root) if not only else list({
        id(expr): expr for node in only for expr in children_first(exprs[id(node)])}.values())

    def values(xs: Sequence[Value]) -> dict[int, list]:
        xs = list(xs)
        evaluator = _MemoEvaluator(causal)
        try:
            for expr in order:
                evaluator.evaluate(expr, xs)
        except (UndefinedError, ArithmeticError, ValueError, TypeError):
            if not partial:
                raise
        return {node: evaluator.memo[id(expr)] for node, expr in exprs.items() if id(expr) in evaluator.memo}

    evaluated = {id(expr) for expr in order}
    values.lines = sum(id(expr) in evaluated for expr in exprs.values())
    return values


def children_first(root: rasp.RASPExpr) -> list[rasp.RASPExpr]:
    """`root` and the expressions it depends on, each once and after everything it reads
    (iterative post-order: no recursion, however long the chain)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        expr, expanded = stack.pop()
        if expanded:
            order.append(expr)
        elif id(expr) not in seen:
            seen.add(id(expr))
            stack.append((expr, True))
            stack.extend((child, False) for child in expr.children if id(child) not in seen)
    return order


#: Per Select, its predicate's result on each (key, query) pair of values met so far, by the
#: values and their types (True and 1 are equal keys in a dict; `_PairResults`): predicates are
#: pure functions of the pair, and a program is evaluated on many inputs whose values repeat (rasp
#: calls the predicate for every pair of positions of every input). Dropped with the Select.
_PAIR_RESULTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _PairResults:
    """One select's predicate on the (key, query) value pairs met so far: values get ids (by
    value and type: True and 1 are different keys), results sit in an id-by-id table, and an
    input's selection matrix is one gather from it (a 15-token input is 30 lookups, not 225)."""

    def __init__(self):
        self.ids: dict[tuple, int] = {}
        self.values: list = []
        self.table = np.zeros((8, 8), dtype=np.int8)  # [key id, query id]: 0 unknown, 1 False, 2 True
        self.pairs: dict[tuple, bool] = {}  # by pair, for short inputs and past MAX_IDS

    def _id(self, value) -> int:
        key = (value.__class__, value)
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.values)
            self.values.append(value)
            if found >= len(self.table):
                grown = np.zeros((2 * len(self.table),) * 2, dtype=np.int8)
                grown[:len(self.table), :len(self.table)] = self.table
                self.table = grown
        return found

    #: Values past which a select keeps its results by pair instead (an id table of 4,096 values
    #: is 16 MB; a numerical key may take many more values over many inputs), as it does for
    #: inputs of fewer than 8 x 8 pairs.
    MAX_IDS = 4096

    def matrix(self, predicate, keys: list, queries: list, causal: bool) -> list[list[bool]]:
        """[query][key] whether the key is selected, as rasp's `eval_select` gives it (with
        `causal`, no key after its query, and the predicate not called there)."""
        if len(keys) * len(queries) < 64 or len(self.values) + len(keys) + len(queries) > self.MAX_IDS:
            return self._by_pair(predicate, keys, queries, causal)  # short inputs: the loop is faster
        try:
            k = np.array([self._id(key) for key in keys], dtype=np.intp)
            q = np.array([self._id(query) for query in queries], dtype=np.intp)
        except TypeError as error:  # an unhashable value
            if "unhashable" not in str(error):
                raise
            return self._by_pair(predicate, keys, queries, causal)
        visible = np.tri(len(q), len(k), dtype=bool) if causal else None  # no key after its query

        def gathered() -> np.ndarray:  # [query, key]; 1 (False) where a key is masked
            got = self.table[k[None, :], q[:, None]]
            return got if visible is None else np.where(visible, got, 1)
        got = gathered()
        if not got.all():
            for i, j in zip(*np.nonzero(got == 0)):  # in rasp's order: the first that raises raises
                if self.table[k[j], q[i]] == 0:
                    self.table[k[j], q[i]] = 2 if predicate(keys[j], queries[i]) else 1
            got = gathered()
        return (got == 2).tolist()

    def _by_pair(self, predicate, keys: list, queries: list, causal: bool) -> list[list[bool]]:
        """`matrix` a pair at a time, through `pairs` (an unhashable value's pairs not kept)."""
        out = []
        for i, query in enumerate(queries):
            row = []
            for j, key in enumerate(keys):
                if causal and j > i:
                    row.append(False)
                    continue
                pair = (key.__class__, key, query.__class__, query)
                try:
                    selected = self.pairs[pair]
                except KeyError:
                    selected = self.pairs[pair] = bool(predicate(key, query))
                except TypeError:  # an unhashable value
                    selected = bool(predicate(key, query))
                row.append(selected)
            out.append(row)
        return out


class _MemoEvaluator(rasp.DefaultRASPEvaluator):
    def __init__(self, causal: bool = False):
        super().__init__()
        self.causal = causal  # keys after a query are not selected (`line_values`)
        self.memo: dict[int, object] = {}  # by id: the expressions live as long as the evaluation
        self._eval_fn_by_expr_type[rasp.Select] = self.eval_select

    def eval_select(self, sel: rasp.Select, xs):
        """rasp's `eval_select`, each pair of values' result computed once (`_PairResults`); a pair
        whose predicate raises is not kept, and raises again the next time."""
        keys, queries = self.evaluate(sel.keys, xs), self.evaluate(sel.queries, xs)
        results = _PAIR_RESULTS.get(sel)
        if results is None:
            results = _PAIR_RESULTS[sel] = _PairResults()
        return results.matrix(sel.predicate, keys, queries, self.causal)

    def evaluate(self, expr, xs):
        key = id(expr)
        if key not in self.memo:
            try:
                value = super().evaluate(expr, xs)
                if self.causal and isinstance(expr, rasp.Selector) and not isinstance(expr, rasp.Select):
                    # `selector_not` and the like: no key after its query (`eval_select` masks a Select's own)
                    value = [[selected and j <= i for j, selected in enumerate(row)] for i, row in enumerate(value)]
                self.memo[key] = value
            except UndefinedError:
                raise
            except UNDEFINED as error:  # the innermost line
                raise UndefinedError(getattr(expr, "name", None) or expr.label, xs, error) from None
        return self.memo[key]
