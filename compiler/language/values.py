"""The values each S-Op of a program can take, for a vocabulary and a maximum length: the one
value-set rule.

The rule is tracr's basis inference, with one correction: a numerical mean of 0/1 values can be
any k/w (tracr lists only 1/w), so whatever reads a mean sees every value that occurs. It is
spelled once, per kind of operation: `leaf_values` (tokens, indices, length, widths),
`function_arguments` (a map's or sequence_map's every argument, in the one order of values;
where the function raises ArithmeticError it is undefined, as in tracr) and `aggregate_values`.
Two walks apply it: `ValueSets`, over the language's nodes (to tabulate imported Python
functions, keep generated programs compilable, and bound the decompiler's search), and
compilation's `compiler.compiling.facts`, over tracr's graph, which adds what only compiling
needs (tables, Nones, the guards' limits).
"""

from __future__ import annotations

import bisect
import itertools
from typing import Any, Iterable, Iterator, Mapping

from compiler.language import nodes
from compiler.language.literals import format_value, is_literal, normalize_value, value_sort_key

#: Most values a numerical mean of values other than 0/1 may take before we give up.
MAX_MEAN_VALUES = 10_000
#: Most argument pairs a sequence_map's or linear_sequence_map's values are computed from (compile
#: tabulates at most as many, `compiler.compiling.facts`): a chain of weighted sums of shares
#: takes 20, 400, 8,000, 160,000 values, and the pairs of two such lines are billions.
MAX_ARGUMENT_PAIRS = 200_000


class ValueSetError(ValueError):
    """A node whose values cannot be enumerated (its function fails, or too many values)."""

    def __init__(self, node: nodes.Node, message: str):
        self.node = node
        super().__init__(message)


class ValueSets:
    """`value_sets(node)` is the frozenset of values `node` can take (memoised per node)."""

    def __init__(self, vocab, max_seq_len: int):
        try:
            self.vocab = frozenset(normalize_value(v) for v in vocab)
        except TypeError as error:
            raise ValueError(f"vocab: {error}") from None
        self.max_seq_len = max_seq_len
        # Nodes hash by identity; keying by the node (not its id) keeps it alive, so its id
        # cannot pass to a new node.
        self._memo: dict[nodes.SOpNode, frozenset] = {}

    def __call__(self, node: nodes.SOpNode) -> frozenset:
        memo = self._memo
        if node in memo:
            return memo[node]
        # A node is memoised only after everything it reads (below), so a node whose inputs are
        # all memoised has nothing else to compute first (the generator's builder asks for each
        # node it makes, whose inputs it asked for before).
        if all((child.keys in memo and child.queries in memo) if isinstance(child, nodes.Select) else child in memo
               for child in node.children):
            memo[node] = frozenset(self._compute(node))
            return memo[node]
        # Inputs first, iteratively, so long programs do not recurse deeply.
        for inner in nodes.postorder(node):
            if isinstance(inner, nodes.SOpNode) and inner not in self._memo:
                self._memo[inner] = frozenset(self._compute(inner))
        return self._memo[node]

    def _known(self, node: nodes.SOpNode) -> frozenset:
        return self._memo[node]

    def _compute(self, node: nodes.SOpNode) -> set:
        n = self.max_seq_len
        leaf = {nodes.TOKENS: "tokens", nodes.INDICES: "indices", nodes.LENGTH: "length"}.get(node)
        if leaf or isinstance(node, nodes.SelectorWidth):
            return leaf_values(leaf or "selector_width", self.vocab, n)
        if isinstance(node, nodes.Map):
            return outputs(node, node.function, function_arguments([self._known(node.inner)]))
        if isinstance(node, (nodes.SequenceMap, nodes.LinearSequenceMap)):
            function = (node.function if isinstance(node, nodes.SequenceMap)
                        else lambda x, y: node.fst_fac * x + node.snd_fac * y)
            fst, snd = self._known(node.fst), self._known(node.snd)
            if len(fst) * len(snd) > MAX_ARGUMENT_PAIRS:
                raise ValueSetError(node, f"its arguments take {len(fst):,} x {len(snd):,} pairs of values, "
                                          f"over {MAX_ARGUMENT_PAIRS:,} to list")
            return outputs(node, function, function_arguments([fst, snd]))
        if isinstance(node, nodes.Aggregate):
            try:
                return aggregate_values(self._known(node.sop), node.encoding == nodes.CATEGORICAL, n)
            except ValueError as error:
                raise ValueSetError(node, str(error)) from None
        raise TypeError(f"no value set for {node!r}")  # pragma: no cover - all SOp nodes handled


def leaf_values(kind: str, vocab, max_seq_len: int) -> set:
    """The values of an operation that computes nothing from values: "tokens" takes the
    vocabulary, "indices" 0..max_seq_len-1, "length" and "selector_width" 0..max_seq_len."""
    if kind == "tokens":
        return set(vocab)
    if kind == "indices":
        return set(range(max_seq_len))
    if kind in ("length", "selector_width"):
        return set(range(max_seq_len + 1))
    raise ValueError(f"no leaf kind {kind!r}")


def function_arguments(value_sets) -> Iterator[tuple]:
    """Every argument tuple of a map (one value set) or sequence_map (two), each set in the one
    order of values (`value_sort_key`), so that what is found first is the same on every run."""
    return itertools.product(*(sorted(values, key=value_sort_key) for values in value_sets))


def aggregate_values(values, categorical: bool, max_seq_len: int) -> set:
    """A categorical aggregate moves values, so it takes its input's; a numerical one averages
    them (`mean_values`; ValueError for what cannot be averaged)."""
    return set(values) if categorical else mean_values(values, max_seq_len)


def mean_values(values, max_seq_len: int) -> set:
    """Every value a numerical mean (a numerical Aggregate) of `values` can take: the mean of any
    1..max_seq_len of them, and the default 0. For 0/1 values that is every k/w (tracr lists only
    1/w). ValueError for values that are not numbers, or for means of more than MAX_MEAN_VALUES
    values."""
    n = max_seq_len
    for v in values:
        if not isinstance(v, (bool, int, float)):
            raise ValueError(f"a numerical mean of non-numbers ({format_value(v)})")
    if set(values) <= {0, 1}:
        return {0} | {k / w for w in range(1, n + 1) for k in range(w + 1)}
    means, sums = {0}, {0}
    for width in range(1, n + 1):
        sums = {s + v for s in sums for v in values}
        means |= {s / width for s in sums}
        if len(means) > MAX_MEAN_VALUES:
            raise ValueError(f"its mean takes over {MAX_MEAN_VALUES} values")
    return means


def outputs(node: nodes.Node, function, args) -> set:
    """The values of `function` on each argument tuple, where defined (None is undefined)."""
    out = set()
    for arg in args:
        value = call(node, function, arg)
        if value is not None:
            out.add(value)
    return out


def call(node: nodes.Node, function, args: tuple):
    """`function(*args)` as a literal value; None where it is undefined.

    An ArithmeticError means "undefined here", as in tracr's basis inference; any other
    exception, or a value the language cannot write, is a ValueSetError.
    """
    try:
        value = function(*args)
    except ArithmeticError:
        return None
    except Exception as error:  # an imported callable may raise anything
        shown = ", ".join(format_value(a) if is_literal(a) else repr(a) for a in args)
        raise ValueSetError(node, f"its function fails on ({shown}): {type(error).__name__}: {error}") from None
    try:
        return normalize_value(value)
    except TypeError as error:
        raise ValueSetError(node, f"its function returns a value the language cannot write: {error}") from None



def nearest_values(entries: Mapping[Any, Any], points: Iterable, default: Any) -> dict:
    """{x: the value of the entry whose key is the number nearest x} for each number x of `points`
    (the lower key on a tie), `default` for any other x or where no key is a number. A numerical
    table's missing entries filled so give the MLP reading its argument no step between a missing
    number and the entry beside it (compile's `Facts` and the decompiler's certificate fill them)."""
    keys = sorted(k for k in entries if isinstance(k, (int, float)))
    filled = {}
    for x in points:
        if not isinstance(x, (int, float)) or not keys:
            filled[x] = default
            continue
        at = bisect.bisect_left(keys, x)
        filled[x] = entries[min(keys[max(0, at - 1):at + 1], key=lambda k: abs(k - x))]
    return filled
