"""A compiled kernel that runs sparse nets one sequence at a time (numba).

A net compiled by tracr is almost all zeros: each sub-layer reads and writes a handful of
residual directions, so one position touches a few hundred weights. Numpy spends ~1.5 µs per
call whatever the size and a dense layer needs ~10 calls, so on one short sequence the dense
executor is all call overhead. This kernel walks the non-zero weights in compiled code instead,
one sequence at a time (no padding, no mask beyond causality).

The weights are refactored once per net, exactly:

* each head's query-key product scale * W_Q W_K^T and value-output product W_V W_O (per head,
  compressed sparse rows over the residual);
* biases folded where they act: b_V W_O joins b_O (attention weights sum to one), b_Q W_K^T
  becomes a per-key logit term, and b_K only shifts each query's logits by a constant, which
  softmax ignores;
* the MLP's W_in and W_out as sparse rows, without the hidden units that write nothing (tracr
  pads every MLP to the widest one); sub-layers whose output weights are all zero are dropped.

Arithmetic is float64 on float32 weights, so outputs match the float32 dense forward to
float32 rounding. numba is a dependency wherever it has wheels; where it is missing, `Net.run`
runs the dense numpy executor instead. `Net.run` imports this module (and numba) on first use,
so that importing the compiler stays fast.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from compiler.nets.weights import Weights

try:
    import numba
except ImportError:  # the dense executor runs instead
    numba = None

# Above this fraction of non-zero layer weights the dense executor's BLAS calls beat the
# kernel's sparse loops (scrambled and retrained nets are dense; compiled ones are 1-10% full).
SPARSE_ENOUGH = 0.25

# Rows of a plan's `ops` table: (kind, a, b, c). A head accumulates into a layer's update, which
# COMMIT adds to the stream (all heads of a layer read the same stream).
_HEAD, _COMMIT, _MLP = 0, 1, 2
# Columns of a plan's `matrices` table: where a matrix's rows start in `indptr`, its row and
# column counts, and where the lists of its non-empty rows and columns start in `used` and their
# lengths. The kernel visits only those (a compiled layer reads and writes a few directions).
_MATRIX_FIELDS = 7


class Plan(NamedTuple):
    """A net refactored for the kernel: flat arrays the compiled code indexes."""

    ops: np.ndarray        # [n_ops, 4] int64
    matrices: np.ndarray   # [n_matrices, 7] int64
    indptr: np.ndarray     # int64, absolute offsets into `indices` / `values`
    indices: np.ndarray    # int64 column of each stored weight
    values: np.ndarray     # float64
    used: np.ndarray       # int64: each matrix's non-empty rows and columns; each update's columns
    vectors: np.ndarray    # float64 biases and per-key logit terms; offset -1 means none
    W_E: np.ndarray        # [n_tokens, d_model] float64
    W_pos: np.ndarray      # [max_seq_len + 1, d_model] float64
    W_U: int               # index of the unembedding in `matrices`


class _Builder:
    """Accumulates matrices and vectors into a Plan's flat arrays."""

    def __init__(self):
        self.matrices: list[list[int]] = []
        self.indptr: list[np.ndarray] = []
        self.indices: list[np.ndarray] = []
        self.values: list[np.ndarray] = []
        self.used: list[np.ndarray] = []
        self.vectors: list[np.ndarray] = []
        self.stored = self.n_vectors = self.n_used = self.n_indptr = 0

    def matrix(self, m: np.ndarray) -> int:
        """Stores `m` as compressed sparse rows, with its non-empty rows and columns; returns its index."""
        return self.block(m.shape, np.arange(m.shape[0]), np.arange(m.shape[1]), m)

    def block(self, shape: tuple[int, int], rows: np.ndarray, columns: np.ndarray, part: np.ndarray) -> int:
        """`matrix` of a [shape] matrix that is zero but at `rows` x `columns` (each ascending),
        where it is `part`: the same arrays, without building the whole (a wide net's head products
        are d_model by d_model, 2,978 squared for the twenty-eighth hand-written set's p08, and
        touch a few hundred of its rows and columns)."""
        r, k = np.nonzero(part)  # row-major, and rows and columns ascending: compressed sparse rows
        counts = np.bincount(rows[r], minlength=shape[0])
        self.indptr.append(self.stored + np.concatenate([[0], np.cumsum(counts)]))
        self.indices.append(columns[k])
        self.values.append(part[r, k])
        used_rows = self.indexes(np.flatnonzero(counts))
        used_columns = self.indexes(columns[part.any(axis=0)])
        self.matrices.append([self.n_indptr, *shape, *used_rows, *used_columns])
        self.n_indptr += shape[0] + 1
        self.stored += len(r)
        return len(self.matrices) - 1

    def product(self, a: np.ndarray, b: np.ndarray, scale: float = 1.0) -> int:
        """`matrix(scale * a @ b)`, the product taken on the rows of `a` and the columns of `b` that
        hold a non-zero (`block`); the same arrays, but that BLAS may sum the smaller product in
        another order (a float64 rounding apart; compiled nets' products came out the same)."""
        rows, columns = np.flatnonzero(a.any(axis=1)), np.flatnonzero(b.any(axis=0))
        part = (scale * a[rows].astype(np.float64)) @ b[:, columns].astype(np.float64)
        return self.block((a.shape[0], b.shape[1]), rows, columns, part)

    def indexes(self, positions: np.ndarray) -> tuple[int, int]:
        """Stores a list of indices in `used`; returns where it starts and its length."""
        self.used.append(positions)
        self.n_used += len(positions)
        return self.n_used - len(positions), len(positions)

    def vector(self, v: np.ndarray) -> int:
        """Stores a vector in `vectors` unless it is all zero; returns where it starts (or -1)."""
        if not v.any():
            return -1
        self.vectors.append(v)
        self.n_vectors += len(v)
        return self.n_vectors - len(v)

    def arrays(self) -> dict[str, np.ndarray]:
        def cat(parts, dtype):
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

        return {"matrices": np.array(self.matrices, dtype=np.int64).reshape(-1, _MATRIX_FIELDS),
                "indptr": cat(self.indptr, np.int64), "indices": cat(self.indices, np.int64),
                "values": cat(self.values, np.float64), "used": cat(self.used, np.int64),
                "vectors": cat(self.vectors, np.float64)}


def suits(net) -> bool:
    """Whether the kernel is available and beats the dense executor on this net (cached)."""
    def decide() -> bool:
        layers = [v for k, v in net.params.items() if k.startswith("transformer/") and v.ndim == 2]
        full = sum(np.count_nonzero(w) for w in layers) / max(1, sum(w.size for w in layers))
        return numba is not None and full <= SPARSE_ENOUGH

    return net.cached("kernel suits", decide)


def plan(net) -> Plan:
    """The net refactored for the kernel (cached on the net)."""
    if numba is None:
        raise ModuleNotFoundError("the sparse kernel needs numba: pip install numba", name="numba")
    return net.cached("kernel", lambda: _plan(net))


def _plan(net) -> Plan:
    c, w = net.config, Weights(net)
    f64 = lambda array: array.astype(np.float64)  # noqa: E731 - products in float64, stored once
    scale = 1 / math.sqrt(c.d_head)
    build, ops = _Builder(), []

    def commit(bias: np.ndarray, *writes: np.ndarray) -> None:
        written = np.flatnonzero(np.any([*writes, bias != 0], axis=0))
        ops.append([_COMMIT, build.vector(bias), *build.indexes(written)])

    for layer in range(c.n_layers):
        if w.W_O[layer].any() or w.b_O[layer].any():
            # float32 whole, widened where a product reads (a wide net's heads are d_model by a
            # d_head of a thousand or more, mostly zeros: p08 of the twenty-eighth hand-written set)
            W_Q, W_K, W_V, W_O = (tensor[layer] for tensor in (w.W_Q, w.W_K, w.W_V, w.W_O))
            b_Q, b_V, b_O = (f64(tensor[layer]) for tensor in (w.b_Q, w.b_V, w.b_O))
            writes = []
            for h in range(c.n_heads):
                # the products on the rows and columns that hold a non-zero (`_Builder.product`)
                v_rows, o_columns = np.flatnonzero(W_V[h].any(axis=1)), np.flatnonzero(W_O[h].any(axis=0))
                ov = f64(W_V[h][v_rows]) @ f64(W_O[h][:, o_columns])
                if ov.any():
                    k_rows = np.flatnonzero(W_K[h].any(axis=1))
                    key_term = np.zeros(c.d_model)
                    key_term[k_rows] = (scale * f64(W_K[h][k_rows])) @ b_Q[h]
                    ops.append([_HEAD, build.product(W_Q[h], W_K[h].T, scale),
                                build.block((c.d_model, c.d_model), v_rows, o_columns, ov), build.vector(key_term)])
                    written = np.zeros(c.d_model, bool)
                    written[o_columns] = ov.any(axis=0)
                    writes.append(written)
            values = np.flatnonzero(b_V.reshape(-1))  # b_V W_O, on the value biases that are not 0
            commit(b_O + b_V.reshape(-1)[values] @ f64(W_O.reshape(-1, W_O.shape[-1])[values]), *writes)
        if w.W_out[layer].any() or w.b_out[layer].any():
            W_in, b_in, W_out, b_out = (f64(tensor[layer]) for tensor in (w.W_in, w.b_in, w.W_out, w.b_out))
            live = W_out.any(axis=1)  # hidden units that write nothing are dropped
            ops.append([_MLP, build.matrix(W_in[:, live]), build.vector(b_in[live]), build.matrix(W_out[live])])
            commit(b_out, W_out.any(axis=0))
    unembed = build.matrix(net.W_U.astype(np.float64))
    arrays = build.arrays()
    return Plan(ops=np.array(ops, dtype=np.int64).reshape(-1, 4), W_E=f64(w.W_E), W_pos=f64(w.W_pos),
                W_U=unembed, **arrays)


def run(plan: Plan, ids: np.ndarray, starts: np.ndarray, causal: bool) -> np.ndarray:
    """Output-space values (float32) [positions, n_outputs] of every sequence's non-BOS positions, in order.

    `ids` holds the sequences' token ids back to back, each starting with BOS; sequence i is
    ids[starts[i]:starts[i + 1]].
    """
    return _run(ids, starts, causal, *plan[:9], plan.W_U)


def _compiled(fn):
    if numba is None:
        return fn
    try:  # machine code cached beside this file, or in the user's cache folder
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # no writable cache location: compile in every process (seconds)
        return numba.njit(nogil=True)(fn)


@_compiled
def _product(x, m, matrices, indptr, indices, values, used, out):
    """out += x @ matrix m, visiting the matrix's non-empty rows and skipping zeros of x."""
    first, rows, n_rows = matrices[m, 0], matrices[m, 3], matrices[m, 4]
    for t in range(x.shape[0]):
        for r in range(rows, rows + n_rows):
            i = used[r]
            xi = x[t, i]
            if xi != 0.0:
                for k in range(indptr[first + i], indptr[first + i + 1]):
                    out[t, indices[k]] += xi * values[k]


@_compiled
def _head(x, update, qk, ov, key_term, causal, matrices, indptr, indices, values, used, vectors):
    """update += one attention head's output on stream x."""
    t_len, width = x.shape
    queries = np.zeros((t_len, width))
    _product(x, qk, matrices, indptr, indices, values, used, queries)
    written = np.zeros((t_len, width))
    _product(x, ov, matrices, indptr, indices, values, used, written)
    reads, n_reads = matrices[qk, 5], matrices[qk, 6]
    writes, n_writes = matrices[ov, 5], matrices[ov, 6]
    logits = np.empty(t_len)
    for t in range(t_len):
        keys = t + 1 if causal else t_len
        top = -np.inf
        for s in range(keys):
            logit = 0.0
            for j in range(reads, reads + n_reads):
                logit += queries[t, used[j]] * x[s, used[j]]
            if key_term >= 0:
                for j in range(width):
                    logit += vectors[key_term + j] * x[s, j]
            logits[s] = logit
            top = max(top, logit)
        total = 0.0
        for s in range(keys):
            # A weight below 2^-53 of the largest one cannot change the float64 sums; tracr's
            # hard attention makes most weights that small, and exp is the costliest step here.
            logits[s] = math.exp(logits[s] - top) if logits[s] - top > -37.0 else 0.0
            total += logits[s]
        for s in range(keys):
            weight = logits[s] / total
            if weight != 0.0:
                for j in range(writes, writes + n_writes):
                    update[t, used[j]] += weight * written[s, used[j]]


@_compiled
def _run(ids, starts, causal, ops, matrices, indptr, indices, values, used, vectors, W_E, W_pos, W_U):
    width = W_E.shape[1]
    out = np.zeros((len(ids) - (len(starts) - 1), matrices[W_U, 2]))
    row = 0
    for seq in range(len(starts) - 1):
        t_len = starts[seq + 1] - starts[seq]
        x = np.empty((t_len, width))
        for t in range(t_len):
            for j in range(width):
                x[t, j] = W_E[ids[starts[seq] + t], j] + W_pos[t, j]
        update = np.zeros((t_len, width))
        for op in range(ops.shape[0]):
            kind, a, b, c = ops[op, 0], ops[op, 1], ops[op, 2], ops[op, 3]
            if kind == _HEAD:
                _head(x, update, a, b, c, causal, matrices, indptr, indices, values, used, vectors)
            elif kind == _MLP:
                hidden = np.zeros((t_len, matrices[a, 2]))
                _product(x, a, matrices, indptr, indices, values, used, hidden)
                for t in range(t_len):
                    for j in range(hidden.shape[1]):
                        h = hidden[t, j] + (vectors[b + j] if b >= 0 else 0.0)
                        hidden[t, j] = h if h > 0.0 else 0.0
                _product(hidden, c, matrices, indptr, indices, values, used, update)
            else:  # _COMMIT the columns this sub-layer writes, plus its bias
                for t in range(t_len):
                    for r in range(b, b + c):
                        j = used[r]
                        x[t, j] += update[t, j] + (vectors[a + j] if a >= 0 else 0.0)
                        update[t, j] = 0.0
        _product(x[1:], W_U, matrices, indptr, indices, values, used, out[row:row + t_len - 1])
        row += t_len - 1
    return out.astype(np.float32)  # the precision of the weights, and of the dense executors
