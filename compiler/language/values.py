"""The values each S-Op of a program can take, for a vocabulary and a maximum length.

The rules are tracr's basis inference, with one correction: a numerical mean of 0/1 values
can be any k/w (tracr lists only 1/w), so whatever reads a mean sees every value that occurs.
Used to tabulate imported Python functions, to keep generated programs compilable, and by
compilation (`compiler.compiling.facts`), which states its value sets by the same rule.
"""

from __future__ import annotations

import itertools

from compiler.language import functions as fn
from compiler.language import nodes

#: Most values a numerical mean of values other than 0/1 may take before we give up.
MAX_MEAN_VALUES = 10_000


class ValueSetError(ValueError):
    """A node whose values cannot be enumerated (its function fails, or too many values)."""

    def __init__(self, node: nodes.Node, message: str):
        self.node = node
        super().__init__(message)


class ValueSets:
    """`value_sets(node)` is the frozenset of values `node` can take (memoised per node)."""

    def __init__(self, vocab, max_seq_len: int):
        try:
            self.vocab = frozenset(fn.normalize_value(v) for v in vocab)
        except TypeError as error:
            raise ValueError(f"vocab: {error}") from None
        self.max_seq_len = max_seq_len
        # Nodes hash by identity; keying by the node (not its id) keeps it alive, so its id
        # cannot pass to a new node.
        self._memo: dict[nodes.SOpNode, frozenset] = {}

    def __call__(self, node: nodes.SOpNode) -> frozenset:
        if node in self._memo:
            return self._memo[node]
        # Inputs first, iteratively, so long programs do not recurse deeply.
        for inner in nodes.postorder(node):
            if isinstance(inner, nodes.SOpNode) and inner not in self._memo:
                self._memo[inner] = frozenset(self._compute(inner))
        return self._memo[node]

    def _known(self, node: nodes.SOpNode) -> frozenset:
        return self._memo[node]

    def _compute(self, node: nodes.SOpNode) -> set:
        n = self.max_seq_len
        if node is nodes.TOKENS:
            return set(self.vocab)
        if node is nodes.INDICES:
            return set(range(n))
        if node is nodes.LENGTH or isinstance(node, nodes.SelectorWidth):
            return set(range(n + 1))
        if isinstance(node, nodes.Map):
            return outputs(node, node.function, ((x,) for x in self._known(node.inner)))
        if isinstance(node, (nodes.SequenceMap, nodes.LinearSequenceMap)):
            function = (node.function if isinstance(node, nodes.SequenceMap)
                        else lambda x, y: node.fst_fac * x + node.snd_fac * y)
            pairs = itertools.product(self._known(node.fst), self._known(node.snd))
            return outputs(node, function, pairs)
        if isinstance(node, nodes.Aggregate):
            inner = self._known(node.sop)
            return set(inner) if node.encoding == nodes.CATEGORICAL else self._means(node, inner)
        raise TypeError(f"no value set for {node!r}")  # pragma: no cover - all SOp nodes handled

    def _means(self, node: nodes.Aggregate, values: frozenset) -> set:
        try:
            return mean_values(values, self.max_seq_len)
        except ValueError as error:
            raise ValueSetError(node, str(error)) from None


def mean_values(values, max_seq_len: int) -> set:
    """Every value a numerical mean (a numerical Aggregate) of `values` can take: the mean of any
    1..max_seq_len of them, and the default 0. For 0/1 values that is every k/w (tracr lists only
    1/w). ValueError for values that are not numbers, or for means of more than MAX_MEAN_VALUES
    values."""
    n = max_seq_len
    for v in values:
        if not isinstance(v, (bool, int, float)):
            raise ValueError(f"a numerical mean of non-numbers ({fn.format_value(v)})")
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
        shown = ", ".join(fn.format_value(a) if fn.is_literal(a) else repr(a) for a in args)
        raise ValueSetError(node, f"its function fails on ({shown}): {type(error).__name__}: {error}") from None
    try:
        return fn.normalize_value(value)
    except TypeError as error:
        raise ValueSetError(node, f"its function returns a value the language cannot write: {error}") from None

