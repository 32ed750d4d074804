"""Program lines evaluated on a trace's rows, and checked against the component that computes them.

A `Var` is an S-Op of the program being rebuilt with its value on every row of a `Trace`
(`interpreter.trace`). Lines are evaluated here with tracr's semantics, vectorised over rows (a
function is called once per distinct input value, never per row). The checks:

* a select line matches a head when it selects exactly the keys the head attends to;
* an aggregate or selector_width line matches a head when the line's values and the head's
  write group the rows alike (each determines the other);
* a map, sequence_map or linear_sequence_map line matches the MLP groups it determines when,
  together, those groups' writes group the rows exactly as the line's values do. A coarser
  function of the true line is refused (the groups it determines say more than it does), and so
  is a finer one (it does not determine its groups);
* a numerical line must also be its write's coordinate along one direction.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Callable, Sequence

import numpy as np

from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language.literals import normalize_value
from compiler.language.parser import parse_lambda
from compiler.language.values import ValueSetError, ValueSets
from interpreter.trace import WRITE_TOLERANCE, Trace, determines, partition, same_partition


class Invalid(Exception):
    """A candidate line that is not defined on some row (tracr's evaluator would raise)."""


@dataclasses.dataclass
class Var:
    """An S-Op with its value on every row; `sublayer` is where its component writes it (0:
    embeddings, 2l+1: layer l's heads, 2l+2: layer l's MLP)."""

    node: nodes.SOpNode
    values: np.ndarray   # [rows] object
    codes: np.ndarray    # partition(values)
    sublayer: int
    readers: frozenset | None = None  # components that read its write (trace.readers); None: unknown
    replaces: nodes.SOpNode | None = None  # the node of the var this one relabels (a relabelled select)
    # a table line read off its block: its write [d_model] for each of its values, those the rows
    # hold and those only pairs no row shows give (`fresh`), which the lines reading it read
    # through their weights (`MlpLines._fresh_parts`)
    writes: dict | None = None
    fresh: tuple = ()

    def read_by(self, component: tuple) -> bool:
        """Whether `component` (("head", layer, index) or ("mlp", layer)) may read this var."""
        return self.readers is None or component in self.readers

    @property
    def numerical(self) -> bool:
        return self.node.encoding == nodes.NUMERICAL

    @property
    def distinct(self) -> list:
        """One value per code, in code order."""
        first = np.unique(self.codes, return_index=True)[1]
        return [self.values[i] for i in first]

    @property
    def every_value(self) -> list:
        """`distinct`, then the values no row holds (`fresh`): a reader's codes past the shown
        values' are these, in order."""
        return self.distinct + list(self.fresh)


def value_codes(values: Sequence) -> np.ndarray:
    """Codes of values (Python objects; floats rounded so that equal means computed apart agree)."""
    return partition(object_array(values))


def object_array(values: Sequence) -> np.ndarray:
    """A 1-d object array of `values` (tuples stay elements, not rows)."""
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def make_var(node: nodes.SOpNode, values: np.ndarray, sublayer: int, codes: np.ndarray | None = None,
             readers: frozenset | None = None) -> Var:
    # codes dense in 0..k-1 (a table's unused entries leave gaps), so they index per-value arrays
    codes = value_codes(values) if codes is None else np.unique(codes, return_inverse=True)[1].reshape(-1)
    return Var(node, values, codes.astype(np.int64), sublayer, readers)


def primitives(trace: Trace) -> list[Var]:
    indices = np.array(trace.row_position.tolist(), dtype=object)
    return [make_var(nodes.TOKENS, trace.tokens(), 0, readers=trace.embedding_readers["tokens"]),
            make_var(nodes.INDICES, indices, 0, readers=trace.embedding_readers["indices"])]


# ---------------------------------------------------------------------------------------
# Evaluating lines on rows


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (tables hold Python values)."""
    return value.item() if isinstance(value, np.generic) else value


def table_of(arity: int, mapping: dict[tuple, Any]) -> fn.Table:
    """The table of a mapping keyed by argument tuples (a map's keys are its single arguments)."""
    return fn.Table.from_mapping(1, {key[0]: value for key, value in mapping.items()}) if arity == 1 \
        else fn.Table.from_mapping(2, mapping)


def known_values(value_sets: ValueSets, node: nodes.SOpNode) -> frozenset:
    """The values `node` can take on any input (tracr's basis inference); empty if unknown."""
    try:
        return value_sets(node)
    except (ValueSetError, TypeError):
        return frozenset()


def coded(index: np.ndarray, per_code: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """Row values and their codes from a small table of values and each row's entry in it
    (codes come from the table, so no row-sized pass over Python objects)."""
    table = object_array(per_code)
    return table[index], value_codes(table)[index]


def map_values(function: Callable, var: Var) -> tuple[np.ndarray, np.ndarray]:
    """f(x) on every row (None stays None) and its codes, or Invalid."""
    return coded(var.codes, [call(function, v) for v in var.distinct])


def pair_codes(a: Var, b: Var) -> tuple[np.ndarray, list[tuple]]:
    """Codes of the (a, b) value pairs that occur, and the pair of each code."""
    joint = a.codes * (int(b.codes.max()) + 1) + b.codes
    codes, first = np.unique(joint, return_inverse=True, return_index=True)[1:]
    return first.astype(np.int64), [(a.values[i], b.values[i]) for i in codes]


#: Weighted sums and differences the search tries as sequence maps, as hand-written programs
#: combine counts (a Scrabble score: tiles worth 2 and 3 counted once, those worth 5 twice,
#: `b + 2 * c`). Where a line's pairs of values are all told apart, one of them packs them like
#: any table (a flag and an index: `x + 2 * y`), says nothing a table does not, and is not tried.
WEIGHTED_SUMS = ("lambda x, y: x + 2 * y", "lambda x, y: 2 * x + y", "lambda x, y: x - 2 * y",
                 "lambda x, y: 2 * x - y", "lambda x, y: x + 3 * y", "lambda x, y: 3 * x + y")

#: A mean's sum, the mean times the positions averaged (a count, the length, or the index + 1),
#: rounded: a RASP program's way to a sum (the thirty-seventh hand-written set's check digits and
#: digit sums; `x * y` alone tells 3.0 from 2.9999...). Tried only where the first argument takes a
#: fraction: of a flag, `(x * (y + 1) + 0.5) // 1` is `y + 1 if x else 0`, and reads as a sum.
MEAN_SUMS = ("lambda x, y: (x * y + 0.5) // 1", "lambda x, y: (x * (y + 1) + 0.5) // 1")
#: A mean's sum modulo one of the net's sizes (`search.MODULAR_FUNCTIONS`): a check digit's sum
#: mod 10 or 11 in one line (the forty-first hand-written set's Luhn, EAN-8 and ISBN-10 sums), whose
#: classes no mean sum gives (a table of up to 1,305 (length, mean) pairs read in its place lacked
#: the pairs no row held).
MEAN_SUMS_MODULO = ("lambda x, y, c: (x * y + 0.5) // 1 % c", "lambda x, y, c: (x * (y + 1) + 0.5) // 1 % c")
_MEAN_SUM_BODIES = frozenset(parse_lambda(text).body for text in MEAN_SUMS)
#: A number rounded to the nearest integer (halves up): a mean times a count made a sum in two
#: lines, `m * n` and then this (the forty-second hand-written set's q08, a golf card's total,
#: read as a table of the 822 products the rows show). Tried only where the input takes a fraction.
ROUNDING = "lambda x: (x + 0.5) // 1"
_ROUNDING = parse_lambda(ROUNDING)


def is_rounding(function: Any) -> bool:
    """Whether `function` is `ROUNDING`, which only a fraction calls for."""
    return function == _ROUNDING


def is_mean_sum(function: Any) -> bool:
    """Whether `function` is one of `MEAN_SUMS`, or one of them modulo a constant (`MEAN_SUMS_MODULO`
    bound): a sum of a mean, which only a mean's fractions call for."""
    body = getattr(function, "body", None)
    if isinstance(body, fn.Binary) and body.op == "%" and isinstance(body.right, fn.Const):
        body = body.left
    return body in _MEAN_SUM_BODIES


def call(function: Callable, *args: Any) -> Any:
    """`function(*args)` as the search judges a proposed line: None where an argument is None,
    `Invalid` where the function is undefined, or does arithmetic on a word (Python repeats
    "DL03" * 2 and joins words with +, which fits a partition and reads as nonsense)."""
    if any(a is None for a in args):
        return None
    if any(isinstance(a, str) for a in args) and isinstance(function, fn.Lambda) and _arithmetic(function.body):
        raise Invalid(f"`{function.format()}` does arithmetic on a word")
    try:
        return normalize_value(function(*args))
    except (fn.EvaluationError, ArithmeticError, ValueError, TypeError, OverflowError) as error:
        raise Invalid(str(error)) from None


@functools.lru_cache(maxsize=4096)
def _arithmetic(expr) -> bool:
    """Whether the expression applies an arithmetic operator (+ - * // % and unary minus) anywhere."""
    if isinstance(expr, (fn.Binary, fn.Neg)):
        return True
    fields = [getattr(expr, f.name) for f in dataclasses.fields(expr)]
    parts = [v for field in fields for v in (field if isinstance(field, tuple) else (field,))]
    return any(_arithmetic(v) for v in parts if dataclasses.is_dataclass(v))


def selection(trace: Trace, keys: Var, queries: Var, predicate: Callable) -> np.ndarray:
    """[pairs] whether each key is selected for its query."""
    k_vals, q_vals = keys.distinct, queries.distinct
    table = np.zeros((len(k_vals), len(q_vals)), bool)
    for i, k in enumerate(k_vals):
        for j, q in enumerate(q_vals):
            try:
                table[i, j] = bool(predicate(k, q))
            except (fn.EvaluationError, ArithmeticError, ValueError, TypeError) as error:
                raise Invalid(str(error)) from None
    return table[keys.codes[trace.pair_key], queries.codes[trace.pair_query]]


def selector_width_values(trace: Trace, selected: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(trace.pair_query[selected], minlength=trace.rows)
    return np.array(counts.tolist(), dtype=object), partition(counts)


def aggregate_values(trace: Trace, selected: np.ndarray, var: Var) -> tuple[np.ndarray, np.ndarray]:
    """tracr's Aggregate on every row: the mean (numerical, default 0) or the one selected value
    (categorical, default None); Invalid where a categorical query selects different values."""
    q, k = trace.pair_query[selected], trace.pair_key[selected]
    counts = np.bincount(q, minlength=trace.rows)
    if var.numerical:
        try:
            numbers = np.array([float(v) for v in var.values])
        except (TypeError, ValueError):
            raise Invalid("a numerical aggregate of non-numbers") from None
        sums = np.bincount(q, weights=numbers[k], minlength=trace.rows)
        means = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
        return object_array(means.tolist()), partition(np.round(means, 9))
    lo = np.full(trace.rows, np.iinfo(np.int64).max)
    hi = np.full(trace.rows, -1)
    np.minimum.at(lo, q, var.codes[k])
    np.maximum.at(hi, q, var.codes[k])
    if np.any((counts > 0) & (lo != hi)):
        raise Invalid("a categorical aggregate of several values")
    distinct = var.distinct + [None]
    return coded(np.where(counts > 0, lo, len(distinct) - 1), distinct)


# ---------------------------------------------------------------------------------------
# Checks against components


def collinear_with(writes: np.ndarray, values: np.ndarray, codes: np.ndarray | None = None,
                   tolerance: float = 10 * WRITE_TOLERANCE) -> bool:
    """Whether writes = value * a for one vector a (a numerical line's write), within `tolerance`
    of the largest write, on the rows where the line has a value (where it is None the net
    computes on a zero input, which the reference semantics leave undefined). With `codes` (the
    values' partition, at least as fine as the write's wherever this is asked) one row per class
    is checked."""
    if codes is not None:
        first = np.unique(codes, return_index=True)[1]
        writes, values = writes[first], values[first]
    known = np.array([v is not None for v in values], dtype=bool)
    if not known.any():
        return False
    try:
        x = np.array([float(v) for v in values[known]] if isinstance(values, np.ndarray)
                     else [float(v) for v, k in zip(values, known) if k])
    except (TypeError, ValueError):
        return False
    writes = writes[known]
    if not np.all(np.isfinite(x)) or not np.any(x):
        return False
    a = x @ writes / (x @ x)
    scale = max(float(np.abs(writes).max()), 1e-9)
    return float(np.abs(writes - np.outer(x, a)).max()) <= tolerance * scale


def covered_groups(codes: np.ndarray, group_codes: Sequence[np.ndarray]) -> list[int] | None:
    """Indices of the groups a line determines, when together they determine the line (else None)."""
    mine = [i for i, g in enumerate(group_codes) if determines(codes, g)]
    if not mine:
        return None
    joint = partition(np.stack([group_codes[i] for i in mine], axis=1))
    return mine if same_partition(joint, codes) else None


def row_mapping(inputs: list[Var], values: np.ndarray) -> dict[tuple, Any]:
    """What a line on `inputs` gives for each argument tuple the rows show (the first row of
    each), keyed by the tuple; tuples holding None are left out."""
    if len(inputs) == 1:
        first = np.unique(inputs[0].codes, return_index=True)[1]
        args = [(inputs[0].values[i],) for i in first]
    else:
        codes, pairs = pair_codes(inputs[0], inputs[1])
        first = np.unique(codes, return_index=True)[1]
        args = [pairs[codes[i]] for i in first]
    return {arg: plain(values[i]) for arg, i in zip(args, first) if None not in arg}
