"""tracr's costliest craft blocks built straight into their matrices, and its vector-space
bookkeeping done with less Python: the same bases and the same float64 entries, bit for bit, in a
fraction of the time.

tracr builds every MLP with `Linear.from_action`, one input direction at a time, each row a chain
of Python-level vector sums (a one-hot per entry). For the blocks below that was half of a
compile (`selector_width` alone, a discretising MLP and a parallel combination, ~0.8 ms of a
3.6 ms compile on the `mixed` recipe). Each function here makes the spaces exactly as tracr does
(same directions, sorted by tracr's own rules), then writes each row with the arithmetic tracr's
vector sums come to, including the signs of zeros (`sign * (a - b)` on one-hots leaves -0.0 where
tracr's does). Calls to the program's own functions are made in tracr's order, so its warnings and
refusals are unchanged. `tests/test_craft_fast.py` compares every one with tracr's on random
arguments, byte for byte.

* `Linear.combine_in_parallel` (tracr's `selector_width` combines its two MLPs with it):
  `compiler.compiling.layers.parallel_linear`, each matrix added at its rows and columns in order.
* `numerical_mlp.map_numerical_mlp` and `map_numerical_to_categorical_mlp` (a numerical map, and
  the MLP that reads a `selector_width`'s attention output).
* `categorical_mlp.sequence_map_categorical_mlp`.
* `categorical_attn.categorical_attn` (every select's head, and `selector_width`'s): its QK and OV
  entries written where `from_action` called a Python function per entry, the program's predicate
  still called on the same pairs in the same order.
* `VectorSpaceWithBasis.vector_from_basis_direction` without the d x d identity it takes one row
  of: the same vector (float64 zeros, one 1.0). tracr calls it once per input direction of every
  MLP layer it combines, so on wide residual streams (a table over 80 values, 20 tokens) the
  identities took most of a compile (1.5 s of 2).
* `VectorSpaceWithBasis.__post_init__` and `join_vector_spaces`, which sort every basis they make:
  `BasisDirection.__lt__` builds two (name, value) tuples per comparison; sorting by those tuples
  as keys makes the same comparisons with the same outcomes without calling back into Python, and
  where two keys do not compare (values of two types under one name, where `__lt__` falls back to
  the directions' text) tracr's own sort runs instead. The join keeps tracr's steps (the union's
  list, sorted, then sorted again by the space), so the order is tracr's even among values that
  do not order consistently.

Importing the module installs them (compile imports it), for tracr's own compiles in the process
too (the same results); `installed(False)` puts tracr's back within a block, for the tests that
compare the two and for the benchmarks that time stock tracr.
"""

from __future__ import annotations

import contextlib
import operator
from typing import Callable, Iterable, Iterator

import numpy as np
from tracr.craft import bases, transformers, vectorspace_fns
from tracr.craft.chamber import categorical_attn as tracr_categorical_attn
from tracr.craft.chamber import categorical_mlp, numerical_mlp
from tracr.utils import errors

from compiler.compiling.layers import parallel_linear


def _current() -> dict:
    """The functions tracr calls now, by the names `_install` takes."""
    return {"basis_vector": bases.VectorSpaceWithBasis.vector_from_basis_direction,
            "space_init": bases.VectorSpaceWithBasis.__post_init__,
            "join_vector_spaces": bases.join_vector_spaces,
            "combine_in_parallel": vectorspace_fns.Linear.__dict__["combine_in_parallel"],
            "map_numerical_mlp": numerical_mlp.map_numerical_mlp,
            "map_numerical_to_categorical_mlp": numerical_mlp.map_numerical_to_categorical_mlp,
            "sequence_map_categorical_mlp": categorical_mlp.sequence_map_categorical_mlp,
            "categorical_attn": tracr_categorical_attn.categorical_attn}


_ORIGINALS = _current()


def _basis_vector(self: bases.VectorSpaceWithBasis, direction: bases.BasisDirection) -> bases.VectorInBasis:
    magnitudes = np.zeros(self.num_dims)
    magnitudes[self.index_by_direction[direction]] = 1.0
    return self.make_vector(magnitudes)


_direction_key = operator.attrgetter("name", "value")


def _sorted(directions: list) -> list:
    """`sorted(directions)`, comparing the directions' keys where they compare."""
    try:
        return sorted(directions, key=_direction_key)
    except TypeError:  # tracr's __lt__ compares these by their text
        return sorted(directions)


def _space_init(self: bases.VectorSpaceWithBasis) -> None:
    self.basis = _sorted(list(self.basis))


def _join_vector_spaces(*vs: bases.VectorSpaceWithBasis) -> bases.VectorSpaceWithBasis:
    total_basis = list(set().union(*[set(v.basis) for v in vs]))
    try:
        ordered = sorted(total_basis, key=_direction_key)
    except TypeError:  # tracr's sort, and the space's own again, as tracr's join does
        return bases.VectorSpaceWithBasis(sorted(total_basis))
    space = bases.VectorSpaceWithBasis.__new__(bases.VectorSpaceWithBasis)
    space.basis = ordered  # what the space's own sort by the same keys would leave
    return space


def _combine_in_parallel(cls, fns):
    """`Linear.combine_in_parallel(fns)`; tracr's own where a matrix is not finite (its one-hot
    products turn an infinity into NaN, which the sums here would not)."""
    if all(np.isfinite(fn.matrix).all() for fn in fns):
        return parallel_linear(fns)
    return _ORIGINALS["combine_in_parallel"].__func__(cls, fns)


def _discretising(input_value_set: Iterable[float], f: Callable, hidden_name: bases.Name, large_number: float):
    """tracr's `_get_discretising_layer`: (hidden space, output values, the rows of the one
    direction and of the input direction)."""
    output_values, sorted_values = [], []
    for x in sorted(input_value_set):
        res = errors.ignoring_arithmetic_errors(f)(x)
        if res is not None:
            output_values.append(res)
            sorted_values.append(x)
    thresholds = [(sorted_values[i] + sorted_values[i + 1]) / 2 for i in range(len(sorted_values) - 1)]
    start = bases.BasisDirection(f"{hidden_name}start")
    directions = [start]
    for k in range(1, len(sorted_values)):
        directions += [bases.BasisDirection(hidden_name, (k, 0)), bases.BasisDirection(hidden_name, (k, 1))]
    hidden_space = bases.VectorSpaceWithBasis(directions)
    at = hidden_space.index_by_direction
    one_row, input_row = np.zeros(hidden_space.num_dims), np.zeros(hidden_space.num_dims)
    one_row[at[start]] = 1.0
    for k in range(1, len(sorted_values)):
        low, high = at[bases.BasisDirection(hidden_name, (k, 0))], at[bases.BasisDirection(hidden_name, (k, 1))]
        # tracr: hidden += (1 - L t) vec0; hidden -= L t vec1 (on the one direction); hidden += L vec0 + L vec1
        one_row[low] = 0.0 + (1 - large_number * thresholds[k - 1])
        one_row[high] = 0.0 - large_number * thresholds[k - 1]
        input_row[low] = 0.0 + (large_number * 1.0 + large_number * 0.0)
        input_row[high] = 0.0 + (large_number * 0.0 + large_number * 1.0)
    return hidden_space, output_values, one_row, input_row


def _first_layer(input_space: bases.VectorSpaceWithBasis, one_direction: bases.BasisDirection,
                 hidden_space: bases.VectorSpaceWithBasis, one_row: np.ndarray,
                 input_row: np.ndarray) -> vectorspace_fns.Linear:
    matrix = np.zeros((input_space.num_dims, hidden_space.num_dims))
    for i, direction in enumerate(input_space.basis):
        matrix[i] = one_row if direction == one_direction else input_row
    return vectorspace_fns.Linear(input_space, hidden_space, matrix)


def _steps(hidden_space: bases.VectorSpaceWithBasis, hidden_name: bases.Name) -> Iterator[tuple[int, object]]:
    """(row, None for the start direction or (k, sign)) per hidden direction, in order."""
    for i, direction in enumerate(hidden_space.basis):
        if direction.name == f"{hidden_name}start":
            yield i, None
        else:
            k, which = direction.value
            yield i, (k, {0: 1, 1: -1}[which])


def map_numerical_mlp(f, input_space, output_space, input_value_set, one_space, large_number=100,
                      hidden_name="__hidden__") -> transformers.MLP:
    """tracr's `numerical_mlp.map_numerical_mlp`, built directly (module docstring)."""
    bases.ensure_dims(input_space, num_dims=1, name="input_space")
    bases.ensure_dims(output_space, num_dims=1, name="output_space")
    bases.ensure_dims(one_space, num_dims=1, name="one_space")
    input_space = bases.join_vector_spaces(input_space, one_space)
    out_vec = np.eye(1)[0]  # output_space's one direction
    hidden_space, values, one_row, input_row = _discretising(input_value_set, f, hidden_name, large_number)
    first = _first_layer(input_space, one_space.basis[0], hidden_space, one_row, input_row)
    matrix = np.zeros((hidden_space.num_dims, 1))
    for i, step in _steps(hidden_space, hidden_name):
        if step is None:
            matrix[i] = out_vec * values[0]
        else:
            k, sign = step
            matrix[i] = out_vec * (sign * (values[k] - values[k - 1]))
    return transformers.MLP(first, vectorspace_fns.Linear(hidden_space, output_space, matrix))


def map_numerical_to_categorical_mlp(f, input_space, output_space, input_value_set, one_space, large_number=100,
                                     hidden_name="__hidden__") -> transformers.MLP:
    """tracr's `numerical_mlp.map_numerical_to_categorical_mlp`, built directly (module docstring)."""
    bases.ensure_dims(input_space, num_dims=1, name="input_space")
    bases.ensure_dims(one_space, num_dims=1, name="one_space")
    input_space = bases.join_vector_spaces(input_space, one_space)
    eye = np.eye(output_space.num_dims)
    row_of_value = {}
    for d in output_space.basis:
        assert d.value is not None, "output directions need to encode possible output values"
        row_of_value[d.value] = eye[output_space.index_by_direction[d]]
    hidden_space, values, one_row, input_row = _discretising(input_value_set, f, hidden_name, large_number)
    assert set(values).issubset(set(row_of_value.keys())), (
        f"output value mismatch. output_values: {set(values)}, vec_by_out_val: {set(row_of_value.keys())}")
    first = _first_layer(input_space, one_space.basis[0], hidden_space, one_row, input_row)
    matrix = np.zeros((hidden_space.num_dims, output_space.num_dims))
    for i, step in _steps(hidden_space, hidden_name):
        if step is None:
            matrix[i] = row_of_value[values[0]]
        else:
            k, sign = step
            matrix[i] = sign * (row_of_value[values[k]] - row_of_value[values[k - 1]])
    return transformers.MLP(first, vectorspace_fns.Linear(hidden_space, output_space, matrix))


def sequence_map_categorical_mlp(input1_space, input2_space, output_space, operation,
                                 one_space=categorical_mlp._ONE_SPACE,
                                 hidden_name="__hidden__") -> transformers.MLP:
    """tracr's `categorical_mlp.sequence_map_categorical_mlp`, built directly (module docstring)."""
    bases.ensure_dims(one_space, num_dims=1, name="one_space")
    if not set(input1_space.basis).isdisjoint(input2_space.basis):
        raise ValueError("Input spaces to a SequenceMap must be disjoint. "
                         "If input spaces are the same, use Map instead!")
    input_space = bases.direct_sum(input1_space, input2_space, one_space)

    def to_hidden(x, y):
        return bases.BasisDirection(hidden_name, (x.name, x.value, y.name, y.value))

    hidden_space = bases.VectorSpaceWithBasis([to_hidden(d1, d2) for d1 in input1_space.basis
                                               for d2 in input2_space.basis])
    at = hidden_space.index_by_direction
    first = np.zeros((input_space.num_dims, hidden_space.num_dims))
    for i, direction in enumerate(input_space.basis):
        if direction in one_space:
            first[i] = -np.ones(hidden_space.num_dims)
        elif direction in input1_space:
            first[i, [at[to_hidden(direction, d2)] for d2 in input2_space.basis]] += 1
        else:
            first[i, [at[to_hidden(d1, direction)] for d1 in input1_space.basis]] += 1
    second = np.zeros((hidden_space.num_dims, output_space.num_dims))
    columns = output_space.index_by_direction
    for i, direction in enumerate(hidden_space.basis):
        x_name, x_value, y_name, y_value = direction.value
        out = operation(bases.BasisDirection(x_name, x_value), bases.BasisDirection(y_name, y_value))
        if out in output_space:
            second[i, columns[out]] = 1.0
    return transformers.MLP(vectorspace_fns.Linear(input_space, hidden_space, first),
                            vectorspace_fns.Linear(hidden_space, output_space, second))


def categorical_attn(query_space, key_space, value_space, output_space, bos_space, one_space, attn_fn,
                     default_output=None, causal=False, always_attend_to_bos=False,
                     use_bos_for_default_output=True, softmax_coldness=100.) -> transformers.AttentionHead:
    """tracr's `categorical_attn.categorical_attn`, built directly (module docstring): its QK entry
    for each (query, key) direction and its OV row for each value direction, as its `qk_fun` and
    `ov_fun` give them, written into the matrices without `from_action`'s per-entry calls."""
    bases.ensure_dims(bos_space, num_dims=1, name="bos_space")
    bases.ensure_dims(one_space, num_dims=1, name="one_space")
    bos_direction, one_direction = bos_space.basis[0], one_space.basis[0]
    query_space = bases.join_vector_spaces(query_space, bos_space, one_space)
    key_space = bases.join_vector_spaces(key_space, bos_space)
    value_space = bases.join_vector_spaces(value_space, bos_space)
    value_basis = value_space.basis if always_attend_to_bos else [v for v in value_space.basis if v != bos_direction]
    assert len(value_basis) == output_space.num_dims
    value_to_output = dict(zip(value_basis, output_space.basis))
    if default_output is None:
        default_output = output_space.null_vector()
    assert default_output in output_space

    special = {one_direction, bos_direction}
    keys = key_space.basis
    key_special = [key in special for key in keys]
    qk = np.zeros((query_space.num_dims, key_space.num_dims))
    for i, query in enumerate(query_space.basis):
        if query == one_direction:  # tracr's first case, then its second: the BOS key only
            for j, key in enumerate(keys):
                if key == bos_direction:
                    qk[i, j] = (1. if always_attend_to_bos else 0.5) * softmax_coldness
        elif query not in special:
            for j, key in enumerate(keys):
                if not key_special[j]:
                    qk[i, j] = softmax_coldness * attn_fn(query, key)
    w_qk = vectorspace_fns.ScalarBilinear(query_space, key_space, qk)

    ov = np.zeros((value_space.num_dims, output_space.num_dims))
    columns = output_space.index_by_direction
    for i, direction in enumerate(value_space.basis):
        if use_bos_for_default_output and direction == bos_direction:
            ov[i, :] = default_output.magnitudes
        else:
            ov[i, columns[value_to_output[direction]]] = 1.0
    w_ov = vectorspace_fns.Linear(value_space, output_space, ov)
    return transformers.AttentionHead(w_qk, w_ov, causal=causal)


_FAST = {
    "basis_vector": _basis_vector,
    "space_init": _space_init,
    "join_vector_spaces": _join_vector_spaces,
    "combine_in_parallel": classmethod(_combine_in_parallel),
    "map_numerical_mlp": map_numerical_mlp,
    "map_numerical_to_categorical_mlp": map_numerical_to_categorical_mlp,
    "sequence_map_categorical_mlp": sequence_map_categorical_mlp,
    "categorical_attn": categorical_attn,
}


def _install(functions: dict) -> None:
    bases.VectorSpaceWithBasis.vector_from_basis_direction = functions["basis_vector"]
    bases.VectorSpaceWithBasis.__post_init__ = functions["space_init"]
    bases.join_vector_spaces = functions["join_vector_spaces"]
    vectorspace_fns.Linear.combine_in_parallel = functions["combine_in_parallel"]
    numerical_mlp.map_numerical_mlp = functions["map_numerical_mlp"]
    numerical_mlp.map_numerical_to_categorical_mlp = functions["map_numerical_to_categorical_mlp"]
    categorical_mlp.sequence_map_categorical_mlp = functions["sequence_map_categorical_mlp"]
    tracr_categorical_attn.categorical_attn = functions["categorical_attn"]


@contextlib.contextmanager
def installed(fast: bool):
    """Within the block, these functions (`fast`) or tracr's own are the ones tracr calls."""
    before = _current()
    _install(_FAST if fast else _ORIGINALS)
    try:
        yield
    finally:
        _install(before)


_install(_FAST)
