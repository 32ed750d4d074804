"""Table entries no traced row shows, read off an MLP's weights.

A sequence_map read as a table (`MlpLines._table_line`) has an entry for each pair of values the
traced rows hold together, and a sample holds few of them: 100 tokens beside the token before
each make 10,000 pairs, and a thousand inputs of length 12 show two thirds of them. The block's
weights say the rest. In a compiled or scrambled net the MLP reads each of its two inputs from
that input's own residual subspace, so each hidden neuron's input before the ReLU is a sum of what
either input contributes, pre(x, y) = A(x) + B(y) (the constant parts fold into either). The parts
are fitted to the rows the trace holds and the fit is checked on every row: a block reading
anything else (a trained net's) is left alone. A pair no row shows, with both values linked to
the rest by pairs that rows do show, then gets pre = A(x) + B(y), the block's write from it, and
the value of the traced class that writes the same; a write no row shows gives no entry. Every
entry so read is still only a reading: the certificate compiles the table and compares nets.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from interpreter.trace import WRITE_TOLERANCE

#: Largest number of value pairs (x values times y values) read this way.
MAX_PAIRS = 20_000
#: How far, as a share of the largest pre-activation, the additive fit may miss a row.
FIT_TOLERANCE = 1e-3


def unseen_pairs(a_codes: np.ndarray, a_values: Sequence, b_codes: np.ndarray, b_values: Sequence, pre: np.ndarray,
                 w_out: np.ndarray, class_writes: np.ndarray, class_values: Sequence,
                 read_write: Callable[[np.ndarray], Any] | None = None,
                 unmatched: list | None = None,
                 parts: tuple[np.ndarray, np.ndarray] | None = None,
                 fresh: tuple[list, np.ndarray, list, np.ndarray] | None = None,
                 unmatched_writes: list | None = None) -> dict[tuple, Any]:
    """{(x, y): value} for the pairs of an `a` value and a `b` value that no row holds together,
    where the neurons are additive in them (module docstring). One row per pair shown:
    `a_codes`, `b_codes` [S] its codes (`a_values`, `b_values`: the value of each code) and `pre`
    [S, n] the neurons' inputs before the ReLU; `w_out` [n, d] the neurons' output rows;
    `class_writes` [C, d] the write of each class of the line and `class_values` [C] its value.
    `read_write`, when given, reads the value of a write no class makes (None: no value); the
    line that writes a categorical output reads one through the unembedding, which names every
    output value, traced or not. `unmatched`, when given, gets the pairs whose write is no traced
    class's and reads as no value: whatever they compute, it is no traced class's value.

    `parts`, when given, are A [na, n] and B [nb, n] found from the writes the residual stream
    holds (`MlpLines._value_parts`): used where they fit every row, they give every pair, also
    those whose values no shown pair links to the rest (a count of 7 seen only beside a count of
    7, whose share the rows alone leave undetermined).

    `fresh`, with `parts` that fit: (labels, parts) of `a`'s and of `b`'s values no row holds (a
    line's values read off its own block's weights, `MlpLines._fresh_parts`), paired with every
    value of the other as well; `unmatched_writes`, when given, gets (pair, write) for each pair
    whose write is no traced class's and reads as no value."""
    na, nb = int(a_codes.max()) + 1, int(b_codes.max()) + 1
    seen = a_codes * nb + b_codes
    scale = float(np.abs(pre).max(initial=0.0))
    fits = parts is not None and scale > 0.0 and \
        np.abs(parts[0][a_codes] + parts[1][b_codes] - pre).max() <= FIT_TOLERANCE * scale
    if fits and fresh is not None and (len(fresh[0]) or len(fresh[2])):
        # the values no row holds join the shown ones, after them: no row's code is theirs
        a_values, b_values = list(a_values) + list(fresh[0]), list(b_values) + list(fresh[2])
        parts = (np.concatenate([parts[0], fresh[1]]), np.concatenate([parts[1], fresh[3]]))
        na, nb = len(a_values), len(b_values)
        seen = a_codes * nb + b_codes
    if len(np.unique(seen)) == na * nb or na * nb > MAX_PAIRS:
        return {}
    if scale == 0.0:
        return {}
    unseen = np.setdiff1d(np.arange(na * nb), seen)
    if fits:
        a_part, b_part = parts
    else:
        design = np.zeros((len(seen), na + nb))
        design[np.arange(len(seen)), a_codes] = 1.0
        design[np.arange(len(seen)), na + b_codes] = 1.0
        fitted = np.linalg.lstsq(design, pre, rcond=None)[0]
        a_part, b_part = fitted[:na], fitted[na:]
        if np.abs(a_part[a_codes] + b_part[b_codes] - pre).max() > FIT_TOLERANCE * scale:
            return {}  # the block reads more than a and b
        # only pairs whose values are linked by shown pairs have one sum (else it depends on the split)
        component = _components(na, nb, a_codes, b_codes)
        unseen = unseen[component[unseen // nb] == component[na + unseen % nb]]
    if not len(unseen):
        return {}
    predicted = _fired_writes(a_part, b_part, unseen // nb, unseen % nb, w_out)
    reach = max(float(np.abs(class_writes).max(initial=0.0)), 1e-9)
    found = {}
    for k, (u, c) in enumerate(zip(unseen.tolist(), nearest(predicted, class_writes, 2 * WRITE_TOLERANCE * reach))):
        x, y = a_values[u // nb], b_values[u % nb]
        value = class_values[c] if c >= 0 else None if read_write is None else read_write(predicted[k])
        if x is not None and y is not None and value is not None:
            found[(x, y)] = value
        elif x is not None and y is not None and c < 0:
            if unmatched is not None:
                unmatched.append((x, y))
            if unmatched_writes is not None:
                unmatched_writes.append(((x, y), predicted[k]))
    return found


def nearest(points: np.ndarray, centres: np.ndarray, within: float) -> list[int]:
    """For each point [P, d], the centre [C, d] nearest in the largest coordinate difference when
    that is at most `within`, else -1. Only centres within sqrt(d) * `within` in Euclidean distance
    (found by one product per block) can be, and only they are compared coordinate by coordinate:
    a line of 729 values has as many classes and dimensions, and comparing every point with every
    centre in every dimension took seconds (the twenty-second set's j13)."""
    if not len(centres):
        return [-1] * len(points)
    norms = (centres ** 2).sum(axis=1)
    radius = within * math.sqrt(points.shape[1])
    out = []
    for start in range(0, len(points), 256):
        block = points[start:start + 256]
        lengths = (block ** 2).sum(axis=1)[:, None]
        squared = lengths - 2 * block @ centres.T + norms[None]
        slack = 1e-9 * (lengths + norms[None]) + 1e-300
        close = squared <= radius ** 2 + slack
        for k in range(len(block)):
            candidates = np.flatnonzero(close[k])
            if not len(candidates):
                out.append(-1)
                continue
            distance = np.abs(block[k][None] - centres[candidates]).max(axis=1, initial=0.0)
            best = int(distance.argmin())
            out.append(int(candidates[best]) if distance[best] <= within else -1)
    return out


def _components(na: int, nb: int, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The connected part of each of na x-values and nb y-values (nodes 0..na-1, na..na+nb-1)
    linked by the pairs (xs[i], ys[i]) (scipy's components, as the trace groups neurons)."""
    links = csr_matrix((np.ones(len(xs)), (xs, na + ys)), shape=(na + nb, na + nb))
    return connected_components(links, directed=False)[1]


#: The most neuron inputs (pairs x neurons) `_fired_writes` sums at once.
CHUNK_ELEMENTS = 1 << 20


def _fired_writes(a_part: np.ndarray, b_part: np.ndarray, a_codes: np.ndarray, b_codes: np.ndarray,
                  w_out: np.ndarray) -> np.ndarray:
    """[pairs, d]: the block's write for each (a code, b code) pair, relu(A[a] + B[b]) W_out,
    through the neurons that can fire for the pair's a only: those where A[a] + max_b B[b] > 0. A
    compiled table has a neuron or two per pair, so each a reaches a few of its thousands (the
    thirty-fifth hand-written set's t06: 13,971 pairs over 14,641 neurons took 1.6 s summed over
    every neuron, twice per read; the twenty-fifth's m06: 17,835 pairs took 5 s as one dense
    product)."""
    out = np.zeros((len(a_codes), w_out.shape[1]))
    b_top = b_part.max(axis=0)
    order = np.argsort(a_codes, kind="stable")
    bounds = np.flatnonzero(np.diff(a_codes[order])) + 1
    for rows in np.split(order, bounds):
        if not len(rows):
            continue
        a = a_codes[rows[0]]
        live = np.flatnonzero(a_part[a] + b_top > 0)
        if not len(live):
            continue  # no neuron fires: the write is 0
        step = max(1, CHUNK_ELEMENTS // len(live))
        for start in range(0, len(rows), step):
            chunk = rows[start:start + step]
            fired = np.maximum(a_part[a, live] + b_part[np.ix_(b_codes[chunk], live)], 0.0)
            out[chunk] = fired @ w_out[live]
    return out
