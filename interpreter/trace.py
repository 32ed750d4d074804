"""What a network does on its inputs, laid out for checking program lines against it.

A `Trace` runs a net once on a set of inputs (every input up to max_seq_len when there are few
enough, else a seeded sample) and keeps, for every real position of every input (a *row*; BOS
left out):

* each head's write to the residual stream and which keys it attends to (`Head.selected`,
  one boolean per (query row, key row) pair of the same input: the key's weight is at least half
  the query's largest, BOS included), so a select line can be compared with it;
* each MLP block, split into *groups* of hidden neurons whose output directions are orthogonal to
  every other group's. tracr builds a layer's MLP as the concatenation of one MLP per line, each
  writing its own residual subspace, so every group belongs to one line; scrambles permute and
  rescale neurons and rotate the residual stream, which keeps the groups;
* the net's outputs.

Invariant the checks rely on: in a compiled or scrambled net each line's values are a function of
its component's write and the write a function of the values. Categorical writes are compared
as partitions of the rows (which rows get the same write), so a relabelling of the values, which
the weights cannot show, is never held against a line.
"""

from __future__ import annotations

import bisect
import collections
import dataclasses
import functools
import itertools
import math
import random
from typing import Any, Sequence

import numpy as np
from scipy.sparse import csr_matrix, issparse
from scipy.sparse import vstack as sparse_vstack
from scipy.sparse.csgraph import connected_components

from compiler.compiling.check import all_inputs, sampled_inputs
from compiler.language.literals import value_sort_key
from compiler.nets.net import Net
from compiler.nets.weights import Weights, param_name

#: Relative precision at which two writes count as the same (compiled writes are exact to ~1e-6).
WRITE_TOLERANCE = 1e-3

#: The tolerance of a numerical output's classes (of its largest value, or of 1): finer than a
#: write's, since a numerical output's values can lie close (the difference of two means over 13
#: positions: 3/40 and 1/13, 0.0019 apart, were one class at 1e-3, whose mean no line gives;
#: eighth hand-written set v25), and coarser than a scrambled net's float noise (~1e-4 at most).
OUTPUT_TOLERANCE = 2e-4
#: A component or neuron writing less than this fraction of the net's largest write is silent.
SILENT = 1e-5


def partition(values: np.ndarray, columns: np.ndarray | None = None, width: int | None = None) -> np.ndarray:
    """Class codes 0..k-1 of the rows of `values` ([rows] of hashables, or [rows, d] codes).
    `columns`: which of `width` columns a [rows, d] `values` holds (the others all zero), so that
    the codes are those of the whole array."""
    if values.ndim == 1 and values.dtype != object:
        return np.unique(values, return_inverse=True)[1].astype(np.int64)
    if values.ndim == 1:
        return _object_codes(values)
    # rows of integers hashed by a fixed random 64-bit projection (np.unique(axis=0) sorts rows
    # as records, 20x slower); two rows collide with probability ~2^-64. A zero column adds 0 to
    # every hash (integer sums wrap exactly in any order), so leaving it out changes no code.
    mix = np.random.default_rng(0x5EED).integers(1, 2**63 - 1, size=width or values.shape[1], dtype=np.int64) | 1
    if columns is not None:
        mix = mix[columns]
    with np.errstate(over="ignore"):
        hashed = (values.astype(np.int64) * mix).sum(axis=1)
    return np.unique(hashed, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _distinct_rows(rows: np.ndarray) -> np.ndarray:
    """One of each distinct row of a 2-d float array (bit for bit): an MLP's neurons take few
    patterns over a trace's thousands of rows, so what every row writes is found from a few
    hundred products."""
    first, _ = row_classes(rows)
    return rows[first]


#: splitmix64's finaliser constants: each float's bits mixed before the rows are hashed
_MIX_A, _MIX_B = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def row_classes(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a 2-d float array, bit for bit: the index of one row of each, and
    each row's class (`rows[first][classes]` is `rows`). Each float's bits are mixed (splitmix64)
    before the rows are hashed as `partition` hashes codes: a float's low bits are mostly zero
    (1.0 is 0x3FF0...0), and a product by an odd number keeps them zero, so unmixed bits left a
    dozen bits to hash (a trace's MLP inputs collided). A collision that still happens is found
    and each row is then its own class."""
    n = len(rows)
    if n < 2:
        return np.arange(n), np.arange(n)
    bits = np.ascontiguousarray(rows, dtype=np.float64).view(np.uint64)
    with np.errstate(over="ignore"):
        z = (bits ^ (bits >> np.uint64(30))) * _MIX_A
        z = (z ^ (z >> np.uint64(27))) * _MIX_B
        z ^= z >> np.uint64(31)
    classes = partition(z.view(np.int64))
    first = np.unique(classes, return_index=True)[1]
    if not np.array_equal(bits[first][classes], bits):
        return np.arange(n), np.arange(n)
    return first, classes


def _largest_product(rows: np.ndarray, matrix: np.ndarray) -> float:
    """max |rows @ matrix|, from the distinct rows where the matrix is wide (a compiled component's
    writes take a few patterns over thousands of rows; a net's outputs may number hundreds)."""
    if matrix.shape[1] > 16:
        rows = _distinct_rows(rows)
    return float(np.abs(rows @ matrix).max(initial=0))


def _object_codes(values: np.ndarray) -> np.ndarray:
    """Codes of a 1-d object array, in order of first occurrence (`_hashable` equality). Values
    all of one kind numpy compares as Python does (ints, bools or strings: most lines' values) are
    coded by numpy's unique (rows of a trace number tens of thousands); others one by one."""
    kinds = set(map(type, values))
    if len(values) and (kinds == {int} or kinds == {bool}
                        or kinds == {str} and "\x00" not in "".join(values.tolist())):  # numpy drops trailing NULs
        try:
            plain = values.astype(str if kinds == {str} else np.int64)
        except OverflowError:  # an int past 64 bits
            plain = None
        if plain is not None:
            _, first, inverse = np.unique(plain, return_index=True, return_inverse=True)
            rank = np.empty(len(first), np.int64)
            rank[np.argsort(first, kind="stable")] = np.arange(len(first))
            return rank[inverse.reshape(-1)]
    seen: dict = {}
    return np.fromiter((seen.setdefault(_hashable(v), len(seen)) for v in values), np.int64, len(values))


def _hashable(value: Any) -> Any:
    # True and 1 are one value to Python's dict but two to RASP's categorical encoding; floats
    # are rounded so that equal means computed in different orders are one value
    if isinstance(value, bool):
        return ("bool", value)
    return round(value, 9) if isinstance(value, float) else value


def write_partition(writes: np.ndarray, floor: float = 0.0, tolerance: float = WRITE_TOLERANCE,
                    columns: np.ndarray | None = None, width: int | None = None) -> np.ndarray:
    """Class codes of rows whose write vectors agree within `tolerance` of the largest write (or
    of `floor`, when that is larger: float noise in a near-silent component is not a value).
    `columns`: which of the residual's `width` dimensions `writes` holds, the others being zero
    on every row (default: all of them).

    Rows are snapped to a grid and classes whose centres lie closer than the tolerance are
    merged, so rounding noise on a grid line does not split a class."""
    scale = max(float(np.abs(writes).max()) if writes.size else 0.0, floor)
    if scale < 1e-9:
        return np.zeros(len(writes), np.int64)
    if columns is None:
        # a component writes to few of the residual's dimensions (a head moving one value: 2 of
        # 385): the others are zero on every row and are left out of the work, not of the result
        width, columns = writes.shape[1], np.flatnonzero(writes.any(axis=0))
        writes = writes[:, columns]
    snapped = np.round(writes / (scale * tolerance)).astype(np.int64)
    codes = partition(snapped, columns, width)
    k = int(codes.max()) + 1
    if k == 1 or k > 4000:
        return codes
    order = np.argsort(codes, kind="stable")  # class sums by sorting (np.add.at is 10x slower)
    starts = np.concatenate([[0], np.flatnonzero(np.diff(codes[order])) + 1])
    centres = np.add.reduceat(writes[order] / scale, starts, axis=0) / np.bincount(codes, minlength=k)[:, None]
    close = _close_pairs(centres, 2 * tolerance, columns, width)
    if not len(close):
        return codes
    return partition(np.array(_connected(k, close, centres, 2 * tolerance))[codes])


#: How far from a whole number a numerical output may lie and still be read as one: float32
#: noise in a sum in the thousands (0.18 at 18,278, a compiled net's linear_sequence_map; a
#: scramble of it 0.15), well short of the half that would round it to another.
WHOLE = 0.25


def output_classes(column: np.ndarray) -> np.ndarray:
    """Class codes of a numerical output's values (one per row), equal up to float noise: those
    of `OUTPUT_TOLERANCE` of the largest value, which a scrambled net's noise reaches (~5e-5 of
    it, and some compiled nets' means too), refined where every value lies within `WHOLE` of a
    whole number: to one class per whole number, however close to the largest (a column number up
    to 18,278, whose neighbours differ by 1 in 18,278 and came out one class: the seventeenth
    hand-written set's e11). Only a refinement: values the grid tells apart stay apart."""
    coarse = write_partition(column[:, None], floor=1.0, tolerance=OUTPUT_TOLERANCE)
    rounded = np.round(column)
    if np.abs(column - rounded).max(initial=0) <= WHOLE:
        whole = partition(rounded)
        if int(whole.max()) != int(coarse.max()) and determines(whole, coarse):
            return whole
    return refined_relatively(coarse, column) if _round_numbers(column) else coarse


def _round_numbers(column: np.ndarray) -> bool:
    """Whether every value is a number of at most 4 significant digits, to within 2e-5 of it (a
    float32 lookup of 0.01 writes 0.00999995), or float64's rounding of zero: a numerical output
    whose small values are values, not float noise around 0 or a fraction (1/3)."""
    scale = float(np.abs(column).max(initial=0))
    values = column[np.abs(column) > 1e-14 * scale]
    if not len(values):
        return False
    distinct = np.unique(values)
    digits = np.array([float(f"{v:.4g}") for v in distinct])
    return bool(np.all(np.abs(digits - distinct) <= 2e-5 * np.abs(digits)))


#: How far apart on a log scale (a share of the value) two numbers of one write may lie and be one
#: value, where a write's values are told apart on that scale (`relative_classes`): twice a
#: write's tolerance, since an attention's leak moves a value by its own share (a one-hot's 1
#: written 0.999); and how many times a class's own spread the gap to the next class must be.
RELATIVE_TOLERANCE = 2 * WRITE_TOLERANCE
RELATIVE_SEPARATION = 100


def relative_classes(values: np.ndarray) -> np.ndarray | None:
    """Class codes of the numbers `values` on a relative scale (zero, within float64's rounding of
    the largest, and each sign by log |v|, cut where neighbours lie more than `RELATIVE_TOLERANCE`
    apart), or None unless every class is far narrower than the gaps between classes
    (`RELATIVE_SEPARATION`) and there are at least two.
    A lookup of a value writes it with float32's relative error, whatever its size: resistances of
    0.01 to 9.9e10 ohms (the eighteenth hand-written set's f07) are 1,092 values, which a
    tolerance of a share of the largest merges below 2e7. Float noise on the small values of a sum
    spreads them over a continuum, which fails the separation and keeps the coarse classes."""
    values = np.asarray(values, dtype=np.float64)
    scale = float(np.abs(values).max(initial=0))
    if scale == 0 or not np.all(np.isfinite(values)):
        return None
    codes = np.zeros(len(values), np.int64)  # 0: zero
    spans, gaps, next_code = [0.0], [np.inf], 1
    for sign in (1, -1):
        rows = np.flatnonzero(sign * values > 1e-14 * scale)  # below: float64's rounding of a zero
        if not len(rows):
            continue
        logs = np.log(sign * values[rows])
        order = np.argsort(logs, kind="stable")
        ordered = logs[order]
        steps = np.diff(ordered)
        cuts = np.flatnonzero(steps > RELATIVE_TOLERANCE)
        starts = np.concatenate([[0], cuts + 1])
        ends = np.concatenate([cuts, [len(ordered) - 1]])
        spans += (ordered[ends] - ordered[starts]).tolist()
        gaps += steps[cuts].tolist()
        class_of = np.repeat(np.arange(len(starts)), ends - starts + 1)
        codes[rows[order]] = next_code + class_of
        next_code += len(starts)
    if len(np.unique(codes)) < 2 or max(spans) * RELATIVE_SEPARATION >= min(gaps):
        return None
    return np.unique(codes, return_inverse=True)[1].astype(np.int64)


def refined_relatively(coarse: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`coarse` split by `relative_classes(values)` where those are finer and refine it, else as
    it is."""
    fine = relative_classes(values)
    if fine is None or int(fine.max()) <= int(coarse.max()) or not determines(fine, coarse):
        return coarse
    return fine


def _close_pairs(points: np.ndarray, reach: float, columns: np.ndarray | None = None,
                 width: int | None = None) -> np.ndarray:
    """[(i, j), ...] the pairs of rows of `points` closer than `reach` in every coordinate
    (`columns`: which of `width` coordinates `points` holds, the others being zero).

    Rows are sorted along a fixed random direction w, on which two such rows lie closer than
    reach * |w|_1, so each row is compared only with the rows after it within that window (a
    trained net's dense writes have thousands of classes: all pairs would be k^2 * d)."""
    w = np.random.default_rng(0x5EED).standard_normal(width or points.shape[1])
    if columns is not None:
        w = w[columns]
    projection = points @ w
    order = np.argsort(projection, kind="stable")
    along = projection[order]
    window = reach * np.abs(w).sum()
    found = [np.empty((0, 2), np.int64)]
    for offset in range(1, len(points)):
        near = along[offset:] - along[:-offset] <= window
        if not near.any():
            break
        i, j = order[:-offset][near], order[offset:][near]
        keep = np.abs(points[i] - points[j]).max(axis=1) < reach
        found.append(np.stack([i[keep], j[keep]], axis=1))
    return np.concatenate(found)


def _connected(n: int, links: np.ndarray, points: np.ndarray | None = None, reach: float = 0.0) -> list[int]:
    """The connected part (a representative) of each of n nodes joined by `links` [(i, j), ...].
    With `points`, two parts are joined only while the joined part spans less than `reach` in
    every coordinate: close values merge, but a chain of them does not (a numerical write of many
    fractions 0.0028 apart, at a reach of 0.002, would otherwise become one class)."""
    parent = list(range(n))
    low = high = None
    if points is not None:
        low, high = points.copy(), points.copy()

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in links:
        a, b = root(int(i)), root(int(j))
        if a == b:
            continue
        if low is not None:
            lo, hi = np.minimum(low[a], low[b]), np.maximum(high[a], high[b])
            if (hi - lo).max(initial=0.0) >= reach:
                continue
            low[b], high[b] = lo, hi
        parent[a] = b
    return [root(i) for i in range(n)]


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two code arrays group the rows alike (each determines the other)."""
    return determines(a, b) and determines(b, a)


def refines_closely(writes: np.ndarray, fine: np.ndarray, coarse: np.ndarray, share: float = 0.25) -> bool:
    """Whether the write classes `fine` split the classes of `coarse` only by small amounts: each
    class of `fine` lies in one of `coarse`, and each coarse class's fine classes have mean writes
    within `share` of the distance from its mean write to the nearest other coarse class's.

    A head whose softmax is not quite cold leaks weight to the keys it does not select: tracr's
    selector_width head over a select of 186 key values writes 0.9993 at a lone query and 0.9973
    when three unselected keys share the softmax, one width in two classes 0.002 apart, where the
    next width's write is 0.5 away. The MLP after it reads both as the same width."""
    if not len(fine) or not determines(fine, coarse):
        return False
    k, m = int(fine.max()) + 1, int(coarse.max()) + 1
    if m < 2:
        return False

    def means(codes: np.ndarray, n: int) -> np.ndarray:
        sums = np.zeros((n, writes.shape[1]))
        np.add.at(sums, codes, writes)
        return sums / np.maximum(np.bincount(codes, minlength=n), 1)[:, None]

    fine_means, coarse_means = means(fine, k), means(coarse, m)
    of = np.full(k, -1, np.int64)
    of[fine] = coarse
    present = of >= 0
    distances = np.linalg.norm(coarse_means[:, None, :] - coarse_means[None, :, :], axis=-1)
    taken = np.bincount(coarse, minlength=m) > 0
    distances[:, ~taken] = np.inf
    np.fill_diagonal(distances, np.inf)
    nearest = distances.min(axis=1)
    spread = np.zeros(m)
    np.maximum.at(spread, of[present], np.linalg.norm(fine_means[present] - coarse_means[of[present]], axis=1))
    return bool(np.all(spread[taken] < share * nearest[taken]))


def determines(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether partition `a` determines `b` (b is a function of a). Codes are small non-negative
    integers: each class of `a` takes one row's `b` (the last written), and every row must agree
    with it; one pass, where counting distinct pairs sorts the rows (the search asks this of tens
    of thousands of candidate lines)."""
    if not len(a):
        return True
    top = int(a.max()) + 1
    if top > 4 * len(a) + 4096 or int(a.min()) < 0:  # not dense codes: count distinct pairs
        return len(np.unique(a * (int(b.max()) + 1) + b)) == len(np.unique(a))
    first = np.empty(top, b.dtype)
    first[a] = b
    return bool((first[a] == b).all())


@dataclasses.dataclass
class Head:
    """One attention head: where it sits, what it writes, and which keys it attends to."""

    layer: int
    index: int
    writes: np.ndarray      # [rows, len(columns)]: the write in the residual dimensions its W_O writes
    selected: np.ndarray    # [pairs] bool, see Trace.pairs
    codes: np.ndarray       # write_partition(writes)
    readers: frozenset = frozenset()  # the later components that read its write (`readers`)
    # those dimensions (a compiled head writes a few of hundreds; its other writes are zero)
    columns: np.ndarray | None = None

    @property
    def name(self) -> str:
        return f"layer {self.layer} head {self.index}"

    @property
    def sublayer(self) -> int:
        return 2 * self.layer + 1


@dataclasses.dataclass
class Group:
    """Hidden neurons of one MLP that write a subspace orthogonal to the rest of the block."""

    layer: int
    index: int
    neurons: tuple[int, ...]
    writes: np.ndarray      # [rows, len(columns)]: the write in the residual dimensions it writes to
    codes: np.ndarray
    readers: frozenset = frozenset()  # the later components that read its write (`readers`)
    # those dimensions (its other writes are zero on every row): a net of d_model 385 has 300
    # groups of one neuron, each writing to one or two dimensions
    columns: np.ndarray | None = None
    roles: frozenset = frozenset()  # `readers` with each head's role (`readers(..., roles=True)`)

    @functools.cached_property
    def collinear(self) -> bool:
        """Whether every write lies on one line through the origin (a numerical value's write);
        one write per class of `codes` stands for its class."""
        distinct = self.writes[np.unique(self.codes, return_index=True)[1]]
        return np.linalg.matrix_rank(distinct, tol=WRITE_TOLERANCE * max(1e-9, float(np.abs(self.writes).max()))) <= 1

    @functools.cached_property
    def numerical(self) -> bool:
        """Whether it writes one direction in more than two classes: a numerical line's write
        (a categorical line's groups write their value's direction or nothing). A numerical line
        writes one direction, so such a group is a line of its own."""
        return self.collinear and int(self.codes.max(initial=0)) + 1 > 2

    @property
    def sublayer(self) -> int:
        return 2 * self.layer + 2


@dataclasses.dataclass
class Trace:
    """A net run on `inputs` (see module docstring). Rows are positions in input order."""

    net: Net
    inputs: list[list]
    exhaustive: bool
    row_input: np.ndarray   # [rows] which input
    row_position: np.ndarray  # [rows] position in it (0-based, BOS not counted)
    pair_query: np.ndarray  # [pairs] query row of each (query, key) pair of one input
    pair_key: np.ndarray    # [pairs] key row
    heads: list[Head]
    groups: list[Group]
    outputs: np.ndarray     # [rows] the net's decoded outputs (object)
    output_writers: set     # ("head", layer, index) / ("group", layer, index) writing what W_U reads
    embedding_readers: dict  # "tokens" / "indices": the components reading them (None: unknown)
    # per layer [rows, r]: the residual stream entering the MLP on the r dimensions it reads
    # (`mlp_reads`; every neuron's input before the ReLU follows from it: `mlp_pre`)
    mlp_inputs: list | None = None
    # [rows] a numerical output as the net wrote it (float64; `outputs` holds its classes' means)
    output_column: np.ndarray | None = None
    # the runs it was laid out from (`trace_net`'s `previous`: reading the net again with more inputs)
    run: Any = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def rows(self) -> int:
        return len(self.row_input)

    @functools.cached_property
    def dense(self) -> bool:
        """Whether some head or neuron group writes a different vector on most rows: a trained
        net's components, whose writes vary with everything they read. A compiled or scrambled
        component writes one vector per value of its line, which many rows share."""
        for component in list(self.heads) + list(self.groups):
            sizes = np.bincount(component.codes)
            if np.sum(sizes == 1) > self.rows / 2:
                return True
        return False

    @functools.cached_property
    def row_length(self) -> np.ndarray:
        """[rows] the length of each row's input."""
        return np.array([len(xs) for xs in self.inputs])[self.row_input]

    def tokens(self) -> np.ndarray:
        return np.array([self.inputs[b][p] for b, p in zip(self.row_input, self.row_position)], dtype=object)


#: Most inputs `covering_inputs` gives (one per token).
MAX_COVERING = 128


def covering_inputs(vocab: Sequence, max_seq_len: int) -> list[list]:
    """Inputs of the longest length holding every token at every position: the vocabulary rotated
    by one per input (`MAX_COVERING` tokens at most). A line packing a token with its index
    (`(t + 7) * 16 + i`, a sort key) takes every value on them, where a sample of a few hundred
    inputs misses a tenth of the pairs at the late positions that few inputs reach."""
    tokens = sorted(vocab, key=value_sort_key)[:MAX_COVERING]
    return [[tokens[(j + i) % len(tokens)] for i in range(max_seq_len)] for j in range(len(tokens))]


def choose_inputs(net: Net, exhaustive_limit: int = 5000, samples: int = 1000,
                  seed: int = 0) -> tuple[list[list], bool]:
    """Every input up to max_seq_len when there are at most `exhaustive_limit`; else `samples`
    seeded random ones (each length equally often, the longest included) and as many structured
    ones (`structured_inputs`: repeated tokens, skewed mixes, sorted runs), which reach the values
    at the extremes (a prefix that is all one token, a count at its maximum) that a table read
    off the rows must hold."""
    vocab = net.vocab
    inputs = all_inputs(vocab, net.config.max_seq_len, exhaustive_limit)
    if inputs is not None:
        return inputs, True
    drawn = sampled_inputs(vocab, net.config.max_seq_len, samples, random.Random(seed))
    unique = list({tuple(xs): xs for xs in drawn}.values())
    return unique, False


def trace_net(net: Net, inputs: Sequence[Sequence] | None = None, *, exhaustive: bool = False,
              seed: int = 0, previous: Trace | None = None) -> Trace:
    """Runs `net` on `inputs` (default: `choose_inputs`) and records every component's write.

    `previous`: a trace of the same net on the first of `inputs`, whose runs are kept; only the
    rest are run (reading a wide net again with a few more inputs ran all of them again: 4.5 s
    for 13 inputs on the twenty-second hand-written set's j13). The trace is the one tracing every
    input would give: its rows in the same order, laid out again from the runs of both."""
    if inputs is None:
        inputs, exhaustive = choose_inputs(net, seed=seed)
    inputs = [list(xs) for xs in inputs]
    if previous is None:
        run = _run(net, inputs, 0)
    else:
        if previous.net is not net or previous.run is None or inputs[:len(previous.inputs)] != previous.inputs:
            raise ValueError("previous must be a trace of this net on the first of the inputs")
        run = _joined(previous.run, _run(net, inputs[len(previous.inputs):], len(previous.inputs)),
                      np.array([len(xs) for xs in inputs]))
    return _laid_out(net, inputs, exhaustive, run)


@dataclasses.dataclass
class _Run:
    """What running a net on inputs gives, per row (a real position of an input) and per (query,
    key) pair of rows of one input, before it is laid out as a `Trace`; kept with the trace so that
    reading the net again with more inputs runs only those (`trace_net`'s `previous`)."""

    row_input: np.ndarray   # [rows]
    row_position: np.ndarray  # [rows]
    pair_query: np.ndarray  # [pairs] (a causal net's keys past the query left out)
    pair_key: np.ndarray    # [pairs]
    hidden: list            # per layer [rows, neurons writing something] after the ReLU (csr where mostly zero)
    reads: list             # per layer [rows, r]: the MLP's input on the dimensions it reads
    head_writes: list       # per layer, per head [rows, w]: its write on the dimensions its W_O writes
    selected: list          # per layer, per head [pairs]: the key's weight at least half the query's largest
    logits: np.ndarray      # [rows, outputs]: the final residual stream through W_U
    mlp_peaks: list         # per layer: the MLP's largest write (`_forward`'s `peaks`)


#: A layer's neuron outputs are kept sparse (`_Run.hidden`) below this share of nonzeros: a
#: compiled MLP fires a few of its neurons on each row.
SPARSE_HIDDEN = 0.25


def _run(net: Net, inputs: list[list], offset: int) -> _Run:
    """`net` run on `inputs` (the inputs `offset`, `offset` + 1, ... of a trace), grouped by length
    (no padding); the rows in order of (length, input)."""
    c = net.config
    order = sorted(range(len(inputs)), key=lambda i: (len(inputs[i]), i))
    wide = _float64_layers(net)[2]
    total = sum(map(len, inputs))
    # the outputs of the neurons that write something (`_float64_layers`), per length: sparse where
    # few fire (a compiled net's: a net of 1,250 neurons in 6 layers on 10,000 rows holds 600 MB of
    # them dense); column j of layer l's is neuron wide[l]["neurons"][j]
    hidden: list[list] = [[] for _ in wide]
    reads = [np.empty((total, len(weights["reads"]))) for weights in wide]
    head_writes = [[np.empty((total, len(columns))) for columns in weights["head writes"]] for weights in wide]
    selected = [[[] for _ in range(c.n_heads)] for _ in range(c.n_layers)]
    logits, mlp_peaks = [], [0.0] * c.n_layers
    row_input, row_position, pair_query, pair_key = [], [], [], []
    next_row = 0
    for length, members in itertools.groupby(order, key=lambda i: len(inputs[i])):
        members = list(members)
        batch = [inputs[i] for i in members]
        rows = slice(next_row, next_row + len(members) * length)
        mids: list[np.ndarray] = []
        peaks: list[float] = []
        per_layer = _forward(net, batch, mids=mids, peaks=peaks)
        mlp_peaks = [max(a, b) for a, b in zip(mlp_peaks, peaks)]
        for layer, (attn_weights, writes, mlp_pre, _) in enumerate(per_layer):
            for h in range(c.n_heads):
                head_writes[layer][h][rows] = writes[h][:, 1:].reshape(len(members) * length, -1)
                w = attn_weights[:, h, 1:, :]  # [B, queries, keys incl BOS]
                chosen = w >= 0.5 * w.max(axis=-1, keepdims=True)
                selected[layer][h].append(chosen[:, :, 1:].reshape(-1))
            distinct_pre, classes = mlp_pre  # on the distinct rows, and each row's
            fired = np.maximum(distinct_pre, 0)
            past_bos = classes.reshape(len(members), length + 1)[:, 1:].reshape(-1)
            sparse = np.count_nonzero(fired) < SPARSE_HIDDEN * fired.size
            hidden[layer].append(csr_matrix(fired)[past_bos] if sparse else fired[past_bos])
            reads[layer][rows] = mids[layer][:, 1:].reshape(len(members) * length, -1)
        final = per_layer[-1][3][:, 1:].reshape(-1, c.d_model)
        logits.append(final @ net.W_U)
        row_input.append(offset + np.repeat(np.array(members), length))
        row_position.append(np.tile(np.arange(length), len(members)))
        base = next_row + np.arange(len(members))[:, None, None] * length
        q = np.broadcast_to(base + np.arange(length)[None, :, None], (len(members), length, length))
        k = np.broadcast_to(base + np.arange(length)[None, None, :], (len(members), length, length))
        pair_query.append(q.reshape(-1))
        pair_key.append(k.reshape(-1))
        next_row += len(members) * length
    pairs_q, pairs_k = np.concatenate(pair_query), np.concatenate(pair_key)
    keep = pairs_k <= pairs_q if c.causal else np.ones(len(pairs_q), bool)
    hidden = [sparse_vstack(parts, format="csr") if any(map(issparse, parts)) else np.concatenate(parts)
              for parts in hidden]
    return _Run(np.concatenate(row_input), np.concatenate(row_position), pairs_q[keep], pairs_k[keep], hidden,
                reads, head_writes, [[np.concatenate(parts)[keep] for parts in by_head] for by_head in selected],
                np.concatenate(logits), mlp_peaks)


def _joined(first: _Run, second: _Run, lengths: np.ndarray) -> _Run:
    """The runs of two sets of inputs (the second's numbered after the first's) as one run of all
    of them: rows in order of (length, input), as `_run` orders them, and so the pairs."""
    rows = len(first.row_input)
    row_input = np.concatenate([first.row_input, second.row_input])
    order = np.argsort(lengths[row_input], kind="stable")  # each run's rows are in that order already
    renumbered = np.empty(len(order), np.int64)
    renumbered[order] = np.arange(len(order))
    pair_query = np.concatenate([first.pair_query, second.pair_query + rows])
    pair_order = np.argsort(lengths[row_input[pair_query]], kind="stable")

    def rows_of(a, b):  # sparse where either is, as `_run` joins its lengths
        if issparse(a) or issparse(b):
            return sparse_vstack([a, b], format="csr")[order]
        return np.concatenate([a, b])[order]

    return _Run(row_input[order], np.concatenate([first.row_position, second.row_position])[order],
                renumbered[pair_query[pair_order]],
                renumbered[np.concatenate([first.pair_key, second.pair_key + rows])[pair_order]],
                [rows_of(a, b) for a, b in zip(first.hidden, second.hidden)],
                [rows_of(a, b) for a, b in zip(first.reads, second.reads)],
                [[rows_of(a, b) for a, b in zip(x, y)] for x, y in zip(first.head_writes, second.head_writes)],
                [[np.concatenate([a, b])[pair_order] for a, b in zip(x, y)]
                 for x, y in zip(first.selected, second.selected)],
                rows_of(first.logits, second.logits), [max(a, b) for a, b in zip(first.mlp_peaks, second.mlp_peaks)])


def _laid_out(net: Net, inputs: list[list], exhaustive: bool, run: _Run) -> Trace:
    """The `Trace` of `run`: heads, neuron groups, outputs and their writers."""
    c = net.config
    wide = _float64_layers(net)[2]
    row_input = run.row_input
    hidden_all = [h.tocsc() if issparse(h) else h for h in run.hidden]  # the groups' columns are taken from it
    read_all = run.reads
    # Writes below SILENT of the largest are float noise (a scramble leaves ~1e-7 where the
    # compiled net has exact zeros), not components.
    # each MLP's W_out, of its neurons writing something, on the residual dimensions it writes
    # (`_float64_layers`): the products and norms below are those of the whole W_out, whose other
    # rows and columns are zero
    w_outs = [layer["W_out neurons"] for layer in wide]
    # the noise scale of each sublayer's components: float noise in a component's writes is a
    # fraction of the residual stream it reads, which holds the embeddings and what the sublayers
    # before it (and beside it) wrote, so a numerical line taking values in the thousands, computed
    # at the end, does not blur a count's 1/2 and 1/3 read at the start (the seventeenth set's e11);
    # never above the largest write of all (the scale of every component before)
    peaks = [max([np.abs(w).max(initial=0) for w in run.head_writes[layer]] + [0.0]) if sublayer == 0 else
             run.mlp_peaks[layer] for layer in range(c.n_layers) for sublayer in (0, 1)]
    embedded = float(np.abs(Weights(net).W_E).max(initial=0) + np.abs(Weights(net).W_pos).max(initial=0))
    largest = max(peaks + [1e-9])
    scales = np.minimum(np.maximum.accumulate([embedded] + peaks)[1:], largest)  # [2 * n_layers]
    one_hot = one_hot_dimensions(net)
    heads = []
    for layer in range(c.n_layers):
        scale = scales[2 * layer]
        floor = 1e-2 * scale
        for h in range(c.n_heads):
            writes, columns = run.head_writes[layer][h], wide[layer]["head writes"][h]
            if np.abs(writes).max(initial=0) < SILENT * scale:
                continue
            w_o = Weights(net).W_O[layer, h]
            codes = write_partition(_snapped(writes, one_hot[columns]), floor, columns=columns, width=c.d_model)
            heads.append(Head(layer, h, writes, run.selected[layer][h], codes, readers(net, 2 * layer + 1, w_o),
                              columns))
    groups = []
    for layer in range(c.n_layers):
        scale = scales[2 * layer + 1]
        floor = 1e-2 * scale
        h_all, w_out, written = hidden_all[layer], w_outs[layer], wide[layer]["writes"]
        for index, local in enumerate(_neuron_groups(w_out, h_all, SILENT * scale)):
            used = np.flatnonzero(w_out[local].any(axis=0))
            columns = written[used]
            fired = h_all[:, local]  # dense, so that the product is the same floats whichever way it is kept
            writes = (fired.toarray() if issparse(fired) else fired) @ w_out[local][:, used]
            if np.abs(writes).max(initial=0) < SILENT * scale:
                continue
            neurons = wide[layer]["neurons"][local].tolist()
            directions = np.zeros((len(neurons), c.d_model))
            directions[:, written] = w_out[local]
            roles = readers(net, 2 * layer + 2, directions, roles=True)
            codes = write_partition(_snapped(writes, one_hot[columns]), floor, columns=columns, width=c.d_model)
            groups.append(Group(layer, index, tuple(neurons), writes, codes, heads_of(roles), columns, roles))
    outputs = np.empty(len(row_input), dtype=object)
    classes = column = None  # a numerical output's
    decoded = net.decode(run.logits.astype(np.float32))
    if net.categorical_output:
        outputs[:] = decoded
    else:  # float noise (up to ~1e-4 in scrambled nets) is not a value: each class gets its mean
        column = np.array(decoded, dtype=np.float64)
        classes = output_classes(column)
        means = np.bincount(classes, weights=column) / np.bincount(classes)
        outputs[:] = [readable(float(v)) for v in means[classes]]
    writers = set()
    scale = np.abs(run.logits).max(initial=0) + 1e-9
    for head in heads:
        if _largest_product(head.writes, net.W_U[head.columns]) > 1e-3 * scale:
            writers.add(("head", head.layer, head.index))
    for group in groups:
        if _largest_product(group.writes, net.W_U[group.columns]) > 1e-3 * scale:
            writers.add(("group", group.layer, group.index))
    sole = [g for g in groups if ("group", g.layer, g.index) in writers]
    if classes is not None and len(writers) == 1 and sole and not determines(sole[0].codes, classes):
        # the one component the unembedding reads: its write determines the outputs, so their
        # classes refine its own, where a tolerance of a share of its largest write merged them
        # (`relative_classes`: resistances of 0.01 to 9.9e10 ohms)
        sole[0].codes = partition(np.stack([sole[0].codes, classes], axis=1))
    return Trace(net, inputs, exhaustive, row_input, run.row_position, run.pair_query, run.pair_key,
                 heads, groups, outputs, writers, embedding_readers(net), read_all, column, run)


def readable(value: float) -> float:
    """A numerical output's class mean as a reading: to 4 decimals, or past 1e7 to the 7 digits
    float32 holds (9.9e10, which float32 writes 98,999,996,416)."""
    return (float(f"{value:.7g}") if abs(value) >= 1e7 else round(value, 4)) + 0.0


def readers(net: Net, sublayer: int, directions: np.ndarray, tolerance: float = 1e-4,
            roles: bool = False) -> frozenset:
    """The components after `sublayer` that read the residual directions `directions` ([n,
    d_model]: a neuron group's output rows, a head's W_O, an embedding's centred rows):
    ("head", layer, index), ("mlp", layer) and ("unembed",). With `roles`, a head is named by what
    reads them: ("head", layer, index, "query" | "key" | "value") (`heads_of` drops the role).

    A product of weights, so every scramble (a rotation of the residual stream, rescaled neurons)
    keeps it. In a compiled net a line's values live in their own subspace and every reader of the
    line reads it, so groups of one line share their readers, groups with different readers belong
    to different lines, and a line's inputs are among the vars its component reads."""
    names, matrix, starts, scales, sublayers = _reader_blocks(net)
    first = bisect.bisect_right(sublayers, sublayer)  # the readers after `sublayer`: a suffix of the blocks
    if first == len(names) or len(directions) == 0:
        return frozenset()
    rows = directions / np.maximum(np.linalg.norm(directions, axis=1, keepdims=True), 1e-30)
    used = np.flatnonzero(np.abs(rows).max(axis=0) > 0)  # a compiled net's write uses a few of hundreds
    read = np.abs(rows[:, used] @ matrix[used, starts[first]:]).max(axis=0, initial=0)
    largest = np.maximum.reduceat(read, np.asarray(starts[first:]) - starts[first])
    found = frozenset(name for name, top, scale in zip(names[first:], largest, scales[first:])
                      if scale > 0 and top > tolerance * scale)
    return found if roles else heads_of(found)


def heads_of(found: frozenset) -> frozenset:
    """`readers(..., roles=True)` without the roles: each head once."""
    return frozenset(name[:3] if name[0] == "head" else name for name in found)


def _reader_blocks(net: Net) -> tuple[list[tuple], np.ndarray, list[int], list[float], list[int]]:
    """Every reader's matrix side by side (a head's W_Q, W_K and W_V, an MLP's W_in, then W_U), in
    the order of the forward pass: their names (a head's three by role), the matrix, each one's
    first column, its scale (the largest column norm; a head's over all three), and the sublayer
    it sits at (it reads the writes of the sublayers below: the embeddings are sublayer 0, layer
    l's heads 2l + 1, its MLP 2l + 2); kept with the net."""
    def build():
        c, w = net.config, Weights(net)
        names, blocks, sublayers, scales = [], [], [], []
        for layer in range(c.n_layers):
            for h in range(c.n_heads):
                parts = [w.W_Q[layer, h], w.W_K[layer, h], w.W_V[layer, h]]
                scale = max(float(np.linalg.norm(b, axis=0).max(initial=0)) for b in parts)
                for role, block in zip(("query", "key", "value"), parts):
                    names.append(("head", layer, h, role))
                    blocks.append(block)
                    sublayers.append(2 * layer + 1)
                    scales.append(scale)
            names.append(("mlp", layer))
            blocks.append(w.W_in[layer])
            sublayers.append(2 * layer + 2)
            scales.append(float(np.linalg.norm(w.W_in[layer], axis=0).max(initial=0)))
        names.append(("unembed",))
        blocks.append(net.W_U)
        sublayers.append(2 * c.n_layers + 1)
        scales.append(float(np.linalg.norm(net.W_U, axis=0).max(initial=0)))
        # a column no residual direction reaches reads nothing: tracr pads each head to the widest
        # (d_head 1,333 for p08 of the twenty-eighth set, whose blocks side by side were 1.2 GB)
        blocks = [b[:, np.abs(b).max(axis=0, initial=0) > 0] for b in blocks]
        keep = [i for i, b in enumerate(blocks) if b.shape[1] > 0]  # reduceat takes no empty block
        names, blocks = [names[i] for i in keep], [blocks[i] for i in keep]
        sublayers, scales = [sublayers[i] for i in keep], [scales[i] for i in keep]
        starts = np.cumsum([0] + [b.shape[1] for b in blocks[:-1]]).tolist()
        return names, np.concatenate(blocks, axis=1), starts, scales, sublayers

    return net.cached("reader blocks", build)


def embedding_readers(net: Net) -> dict[str, frozenset | None]:
    """Readers (`readers`) of the token and position embeddings, from their rows centred on
    their mean (what every row shares, like tracr's constant direction, is not a value); None
    where there is nothing to tell (one token or one position)."""
    ids = [i for i, t in enumerate(net.input_tokens) if t not in (net.bos, net.pad)]
    w = Weights(net)
    out: dict[str, frozenset | None] = {}
    for name, rows in (("tokens", w.W_E[ids]), ("indices", w.W_pos[:net.config.max_seq_len + 1])):
        centred = rows.astype(np.float64) - rows.mean(axis=0, dtype=np.float64)
        live = np.linalg.norm(centred, axis=1) > 1e-6 * max(1e-30, float(np.abs(rows).max(initial=0)))
        out[name] = readers(net, 0, centred[live]) if len(rows) > 1 and live.any() else None
    return out


def one_hot_dimensions(net: Net) -> np.ndarray:
    """Which residual dimensions hold one value of a categorical S-Op, by their labels: "name:value",
    with at least two values of the name (a numerical S-Op's one direction is its name alone, which
    may itself hold a colon); none in a net whose labels are generic."""
    names = collections.Counter(label.rpartition(":")[0] for label in net.residual_labels if ":" in label)
    return np.array([":" in label and names[label.rpartition(":")[0]] >= 2 for label in net.residual_labels], bool)


def _snapped(writes: np.ndarray, one_hot: np.ndarray) -> np.ndarray:
    """`writes` with its one-hot dimensions rounded to whole numbers, for partitioning. A compiled
    net writes exactly 0 or 1 there; tracr's own MLPs, at its default mlp_exactness, write soft
    one-hots (0.69 for 1 at length 8) that would split one value into several classes, and the
    layers after read them as the value they round to. Only the classes move: the certificate
    still compares whole nets."""
    if not one_hot.any():
        return writes
    out = writes.copy()
    out[:, one_hot] = np.round(out[:, one_hot])
    return out


def _neuron_groups(w_out: np.ndarray, hidden, silent: float) -> list[list[int]]:
    """Live neurons (writing more than `silent` on some row of `hidden`, dense or sparse) joined
    when their output directions are not orthogonal (connected parts)."""
    largest = hidden.max(axis=0).toarray().ravel() if issparse(hidden) else hidden.max(axis=0, initial=0)
    strength = largest * np.linalg.norm(w_out, axis=1)
    live = [n for n in range(w_out.shape[0]) if strength[n] > silent]
    if not live:
        return []
    rows = w_out[live] / np.linalg.norm(w_out[live], axis=1, keepdims=True)
    # scipy's components, not a union-find in Python: tracr gives a sequence_map a neuron per pair
    # of values, and the neurons writing one output value are all linked (225 neurons, 3 s a trace)
    _, parts_of = connected_components(csr_matrix(np.abs(rows @ rows.T) > 1e-4), directed=False)
    parts: dict[int, list[int]] = {}
    for n, part in zip(live, parts_of.tolist()):
        parts.setdefault(part, []).append(n)
    return list(parts.values())


def mlp_read_weights(net: Net, layer: int) -> tuple[np.ndarray, np.ndarray]:
    """The residual dimensions `layer`'s MLP reads, and its W_in on them ([r, d_mlp], float64),
    kept with the net."""
    weights = _float64_layers(net)[2][layer]
    return weights["reads"], weights["W_in reads"]


def mlp_write_weights(net: Net, layer: int) -> tuple[np.ndarray, np.ndarray]:
    """The residual dimensions `layer`'s MLP writes, and its W_out on them ([d_mlp, w], float64),
    kept with the net."""
    weights = _float64_layers(net)[2][layer]
    return weights["writes"], weights["W_out writes"]


def mlp_reads(trace: Trace, layer: int, rows: np.ndarray) -> np.ndarray:
    """[len(rows), r]: the residual stream entering `layer`'s MLP on `rows`, on the r dimensions the
    MLP reads (a compiled net's reads a few of hundreds), by running the net again on the inputs
    holding them where the trace did not keep them (`Trace.mlp_inputs`). Far smaller than the
    neurons' inputs (`mlp_pre`), which follow from it."""
    if trace.mlp_inputs is not None:
        return trace.mlp_inputs[layer][rows]
    reads = _float64_layers(trace.net)[2][layer]["reads"]
    out = np.empty((len(rows), len(reads)))
    for members, by_input in _inputs_by_length(trace, rows):
        mids: list[np.ndarray] = []
        _forward(trace.net, [trace.inputs[b] for b in members], layers=layer + 1, mids=mids)
        mid = mids[layer]
        for k, b in enumerate(members):
            for i in by_input[b]:
                out[i] = mid[k, int(trace.row_position[rows[i]]) + 1]  # BOS first
    return out


def mlp_pre(trace: Trace, layer: int, rows: np.ndarray, neurons: np.ndarray | None = None,
            reads: np.ndarray | None = None) -> np.ndarray:
    """[len(rows), d_mlp]: every neuron's input before the ReLU in `layer`'s MLP on `rows` (only
    `neurons`' columns, when given), from `reads` (`mlp_reads` on `rows`), or by running the net
    again on the inputs holding them."""
    _, w_in = mlp_read_weights(trace.net, layer)
    b_in = _float64_layers(trace.net)[2][layer]["b_in"]
    if reads is None:
        reads = mlp_reads(trace, layer, rows)
    if neurons is not None:
        w_in, b_in = w_in[:, neurons], b_in[neurons]
    return reads @ w_in + b_in


def _inputs_by_length(trace: Trace, rows: np.ndarray):
    """The inputs holding `rows`, in groups of one length (a batch each, no padding): each group's
    inputs, and which of `rows` (by index) each input holds."""
    by_input: dict[int, list[int]] = {}
    for i, row in enumerate(rows.tolist()):
        by_input.setdefault(int(trace.row_input[row]), []).append(i)
    wanted = sorted(by_input, key=lambda b: (len(trace.inputs[b]), b))
    for _, members in itertools.groupby(wanted, key=lambda b: len(trace.inputs[b])):
        yield list(members), by_input


def head_vectors(trace: Trace, layer: int, head: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[len(rows), d_head] each: head `head` of `layer`'s query and key vectors at `rows`, and its
    key vector at the BOS of each row's input, by running the net again on the inputs holding them
    (a trace keeps the heads' writes and choices only). Scaled by 1/sqrt(d_head) on the query side,
    so that a query and a key vector's product is the attention logit."""
    c = trace.net.config
    w_q, b_q, w_k, b_k = _head_qk(trace.net, layer, head)
    out = np.empty((3, len(rows), c.d_head))
    for members, by_input in _inputs_by_length(trace, rows):
        x = _residual_before(trace.net, [trace.inputs[b] for b in members], layer)
        q = (x @ w_q + b_q) / math.sqrt(c.d_head)
        k = x @ w_k + b_k
        for m, b in enumerate(members):
            for i in by_input[b]:
                position = int(trace.row_position[rows[i]]) + 1  # BOS first
                out[0, i], out[1, i], out[2, i] = q[m, position], k[m, position], k[m, 0]
    return out[0], out[1], out[2]


def head_qk_weights(net: Net, layer: int, head: int) -> tuple[np.ndarray, np.ndarray]:
    """[d_model, d_head] each: head `head` of `layer`'s W_Q (scaled by 1/sqrt(d_head), as
    `head_vectors`' query vectors are) and W_K, in float64: what a change of the residual stream at
    a position moves its query and key vectors by."""
    w_q, _, w_k, _ = _head_qk(net, layer, head)
    return w_q / math.sqrt(net.config.d_head), w_k


def head_ov_weights(net: Net, layer: int, head: int, columns: np.ndarray) -> np.ndarray:
    """[d_model, len(columns)]: head `head` of `layer`'s W_V W_O on the residual dimensions
    `columns` (those it writes, `Head.columns`), in float64: what a change of the residual stream
    at the one position it attends to moves its write by."""
    def build() -> np.ndarray:
        weights = Weights(net)
        return weights.W_V[layer][head].astype(np.float64) @ weights.W_O[layer][head].astype(np.float64)

    return net.cached(("head ov", layer, head), build)[:, columns]


def _head_qk(net: Net, layer: int, head: int) -> tuple[np.ndarray, ...]:
    """Head `head` of `layer`'s W_Q, b_Q, W_K and b_K in float64 (kept with the net, head by head:
    a wide net's whole W_Q and W_K in float64 are gigabytes, d_head 1,333 by d_model 2,978 a head
    and layer for the twenty-eighth set's p08, of which a decompile reads a few heads)."""
    def build() -> tuple[np.ndarray, ...]:
        part = slice(head * net.config.d_head, (head + 1) * net.config.d_head)
        params = Weights(net).params
        return tuple(params[param_name(layer, name)][..., part].astype(np.float64)
                     for name in ("W_Q", "b_Q", "W_K", "b_K"))

    return net.cached(("head qk", layer, head), build)


def _residual_before(net: Net, batch: list[list], layer: int) -> np.ndarray:
    """[B, T, d_model]: the residual stream entering `layer` (inputs of one length)."""
    return _forward(net, batch, layers=layer)[layer - 1][3] if layer else _embedded(net, batch)


def _embedded(net: Net, batch: list[list]) -> np.ndarray:
    """[B, T, d_model]: the residual stream before the first layer (inputs of one length, no
    padding), summed in the net's float32."""
    ids, _ = net.encode(batch)
    embed, position, _ = _float64_layers(net)
    return (embed[ids] + position[:ids.shape[1]][None]).astype(np.float64)


def _forward(net: Net, batch: list[list], layers: int | None = None, mids: list | None = None,
             peaks: list | None = None) -> list[tuple]:
    """Per layer (the first `layers`, default all): attention weights [B, H, T, T], each head's
    write on the dimensions its W_O writes (`_float64_layers`' "head writes") [B, T, w], the
    inputs before the ReLU of the MLP's neurons that write something (its "neurons": the others
    add nothing) on each distinct row [D, n] with each row's [B * T] (`row_classes`: a compiled
    MLP reads a few values, whose patterns repeat over the rows), and the residual stream after
    the layer. `mids`, when given, gets per
    layer the residual stream entering the MLP on the dimensions it reads [B, T, r]; `peaks`, the
    largest coordinate the MLP writes at a position past the BOS (on its distinct rows, from the
    products made here)."""
    c = net.config
    x = _embedded(net, batch)
    t = x.shape[1]
    per_layer = _float64_layers(net)[2]
    mask = np.tril(np.ones((t, t), bool)) if c.causal else None
    out = []
    for layer in per_layer[:layers]:
        # dense products on [B*T, d]: one GEMM each (numpy runs a 3-d @ 2-d product as one small
        # GEMM per batch item, which threaded BLAS on a busy machine made 50x slower)
        flat = x.reshape(len(batch) * t, -1)

        # queries, keys and values in one product, on the residual dimensions the heads read
        qkv = flat[:, layer["qkv reads"]] @ layer["W_QKV"] + layer["b_QKV"]
        q, k, v = (part.reshape(len(batch), t, c.n_heads, len(layer["head dims"])).transpose(0, 2, 1, 3)
                   for part in np.split(qkv, 3, axis=1))
        logits = q @ k.transpose(0, 1, 3, 2) / math.sqrt(c.d_head)
        if mask is not None:
            logits = np.where(mask, logits, -np.inf)
        logits -= logits.max(-1, keepdims=True)
        weights = np.exp(logits)
        weights /= weights.sum(-1, keepdims=True)
        mixed = weights @ v  # [B, H, T, d_head]
        # each head's write, on the residual dimensions its W_O writes (a compiled head writes a
        # few of hundreds), added up as a sum over the heads would (the same floats)
        writes, total = [], np.zeros_like(x)
        for h, (columns, w_o) in enumerate(zip(layer["head writes"], layer["W_O writes"])):
            writes.append((mixed[:, h].reshape(len(batch) * t, -1) @ w_o).reshape(len(batch), t, -1))
            total[..., columns] += writes[-1]
        x = x + total + layer["b_O"]
        # the MLP on the residual dimensions it reads, writing those it writes (a compiled net's
        # MLP reads a few of hundreds: the same sums, without the products by zero)
        reads, written = layer["reads"], layer["writes"]
        flat = x.reshape(len(batch) * t, -1)
        read = flat[:, reads]
        if mids is not None:
            mids.append(read.reshape(len(batch), t, -1))
        # on each distinct row once: a compiled MLP reads a few categorical values, which take a
        # few hundred patterns over a trace's thousands of rows (bit for bit: the same products)
        first, distinct = row_classes(read)
        pre = read[first] @ layer["W_in neurons"] + layer["b_in neurons"]
        flat = flat + layer["b_out"]
        mlp_out = np.maximum(pre, 0) @ layer["W_out neurons"]
        flat[:, written] += mlp_out[distinct]
        if peaks is not None:  # the classes of the rows past the BOS (position 0 of each input)
            past_bos = np.unique(distinct.reshape(len(batch), t)[:, 1:])
            peaks.append(float(np.abs(mlp_out[past_bos]).max(initial=0)))
        x = flat.reshape(x.shape)
        out.append((weights, writes, (pre, distinct), x))
    return out


def _float64_layers(net: Net) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """The net's embeddings (as they are) and per-layer tensors in float64: the biases whole
    (b_Q and b_K too, in b_QKV); W_Q, W_K and W_V side by side on the residual dimensions they
    read and the head dimensions some head uses ("head dims"; `_head_qk`: a head's W_Q and W_K
    whole); W_in on those the MLP reads, W_out on those it
    writes, and each head's W_O on those it writes (with the dimensions); kept with the net."""
    def build():
        w = Weights(net)
        layers = []
        for layer in range(net.config.n_layers):
            # the weights whose rows or columns are all zero are found in float32 and left out before
            # the rest is widened: a wide compiled net's MLPs read and write a few of its thousands
            # of dimensions (d_model 1,881 and 7,362 neurons: 2 GB in float64 whole)
            tensors = {name: w.params[param_name(layer, name)].astype(np.float64)
                       for name in ("b_in", "b_out", "b_O")}
            W_in, W_out = w.params[param_name(layer, "W_in")], w.params[param_name(layer, "W_out")]
            tensors["reads"] = np.flatnonzero(np.abs(W_in).max(axis=1, initial=0) > 0)
            tensors["W_in reads"] = W_in[tensors["reads"]].astype(np.float64)
            tensors["writes"] = np.flatnonzero(np.abs(W_out).max(axis=0, initial=0) > 0)
            tensors["W_out writes"] = W_out[:, tensors["writes"]].astype(np.float64)
            # the neurons writing something: a compiled net's layers are padded to its widest MLP
            # (i06 of the twenty-first set: 6,591 neurons a layer, 9,433 of 46,137 writing), and a
            # neuron writing nothing is no component (`_neuron_groups`)
            tensors["neurons"] = np.flatnonzero(np.abs(W_out).max(axis=1, initial=0) > 0)
            tensors["W_in neurons"] = tensors["W_in reads"][:, tensors["neurons"]]
            tensors["b_in neurons"] = tensors["b_in"][tensors["neurons"]]
            tensors["W_out neurons"] = tensors["W_out writes"][tensors["neurons"]]
            qkv = np.concatenate([w.params[param_name(layer, name)] for name in ("W_Q", "W_K", "W_V")], axis=1)
            b_qkv = np.concatenate([w.params[param_name(layer, name)] for name in ("b_Q", "b_K", "b_V")])
            # the head dimensions some head uses: tracr pads every head to the widest (d_head 1,333
            # for p08 of the twenty-eighth hand-written set, whose heads use a few), and a dimension
            # no query, key or value of any head writes adds nothing to a logit or a write
            c, h = net.config.d_head, net.config.n_heads
            by_dim = (np.abs(qkv).max(axis=0, initial=0) + np.abs(b_qkv)).reshape(3 * h, c).max(axis=0)
            tensors["head dims"] = np.flatnonzero(by_dim > 0)
            kept = (np.arange(3 * h)[:, None] * c + tensors["head dims"][None]).reshape(-1)
            tensors["qkv reads"] = np.flatnonzero(np.abs(qkv).max(axis=1, initial=0) > 0)
            tensors["W_QKV"] = qkv[np.ix_(tensors["qkv reads"], kept)].astype(np.float64)
            tensors["b_QKV"] = b_qkv[kept].astype(np.float64)
            tensors["head writes"] = [np.flatnonzero(np.abs(w_o).max(axis=0, initial=0) > 0) for w_o in w.W_O[layer]]
            tensors["W_O writes"] = [w_o[np.ix_(tensors["head dims"], columns)].astype(np.float64)
                                     for w_o, columns in zip(w.W_O[layer], tensors["head writes"])]
            layers.append(tensors)
        return w.W_E, w.W_pos, layers

    return net.cached("trace float64 layers", build)
