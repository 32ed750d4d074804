"""The sparse kernel computes what the dense executor computes, on compiled and on dense nets."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from compiler import CompileError, compile_program, scramble
from compiler.nets import kernel
from compiler.nets.config import NetConfig, param_shapes
from compiler.nets.net import Net
from generator.strategies import programs

VOCAB = [1, 2, 3, 4]


def dense_outputs(net: Net, batch: list[list]) -> np.ndarray:
    """The dense numpy executor's output-space values of every non-BOS position, in order."""
    out = net.residual(batch, backend="numpy") @ net.W_U
    return np.concatenate([out[b, 1:len(seq) + 1] for b, seq in enumerate(batch)])


def kernel_outputs(net: Net, batch: list[list]) -> np.ndarray:
    return kernel.run(kernel.plan(net), *net._encode_flat(batch), net.config.causal)


def random_net(seed: int, n_heads: int = 3, causal: bool = False) -> Net:
    """A dense net with random weights and biases everywhere (the kernel folds every bias)."""
    rng = np.random.default_rng(seed)
    config = NetConfig(n_layers=2, n_heads=n_heads, d_head=4, d_mlp=10, d_model=12, max_seq_len=6,
                       causal=causal)
    tokens = ["a", "b", "c", "BOS", "PAD"]
    params = {name: rng.normal(size=shape).astype(np.float32)
              for name, shape in param_shapes(config, len(tokens)).items()}
    return Net(params=params, W_U=rng.normal(size=(12, 3)).astype(np.float32), config=config,
               residual_labels=[f"r{i}" for i in range(12)], input_tokens=tokens, bos="BOS", pad="PAD",
               output_values=["x", "y", "z"], none_threshold=None)


def batches(vocab, max_seq_len: int):
    return st.lists(st.lists(st.sampled_from(vocab), min_size=1, max_size=max_seq_len), min_size=1, max_size=6)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_random_dense_nets_with_biases_match_the_dense_executor(seed, causal):
    net = random_net(seed, causal=causal)
    batch = [list("abc"), list("a"), list("cabbac"), list("ba")]
    np.testing.assert_allclose(kernel_outputs(net, batch), dense_outputs(net, batch), rtol=1e-4, atol=1e-4)
    assert net.run(batch, backend="kernel") == net.run(batch, backend="numpy")


@settings(max_examples=25)
@given(program=programs(vocab=VOCAB, max_seq_len=5, max_ops=8), data=st.data(), causal=st.booleans())
def test_generated_programs_match_the_dense_executor(program, data, causal):
    try:
        net = compile_program(program, vocab=set(VOCAB), max_seq_len=5, causal=causal)
    except CompileError:  # programs a causal net cannot compute (their values depend on later tokens)
        assume(False)
    batch = data.draw(batches(VOCAB, 5))
    got, want = kernel_outputs(net, batch), dense_outputs(net, batch)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
    if net.categorical_output:  # the decoded values too (numbers differ by float32 rounding only)
        assert net.run(batch) == net.run(batch, backend="numpy")


def test_the_default_backend_picks_the_kernel_for_sparse_nets_only():
    program = "x = map(lambda t: t + 1, tokens)\nreturn aggregate(select(indices, indices, EQ), x)"
    net = compile_program(program, vocab={1, 2, 3}, max_seq_len=5)
    assert kernel.suits(net)
    scrambled = scramble(net, seed=0)
    assert not kernel.suits(scrambled)
    plan = kernel.plan(net)
    layer_weights = sum(w.size for name, w in net.params.items() if name.startswith("transformer/"))
    assert plan.values.size * 10 < layer_weights  # the kernel stores (and visits) under a tenth of them
    # a scrambled net still runs in the kernel when asked, and agrees
    batch = [[1, 2, 3], [3]]
    np.testing.assert_allclose(kernel_outputs(scrambled, batch), dense_outputs(scrambled, batch), atol=1e-4)


def test_without_numba_the_dense_executor_runs(monkeypatch):
    net = compile_program("return map(lambda t: t * 2, tokens)", vocab={1, 2}, max_seq_len=3)
    fresh = dataclasses.replace(net)  # no cached choice
    monkeypatch.setattr(kernel, "numba", None)
    assert not kernel.suits(fresh)
    assert fresh.run([[1, 2]]) == [[2, 4]]
    with pytest.raises(ModuleNotFoundError, match="pip install numba"):
        fresh.run([[1, 2]], backend="kernel")


def test_bad_input_gets_the_same_error_on_every_backend():
    net = compile_program("return map(lambda t: t * 2, tokens)", vocab={1, 2}, max_seq_len=3)
    for backend in ("kernel", "numpy"):
        with pytest.raises(ValueError, match=r"input 1 has token 7 at position 0"):
            net.run([[1], [7]], backend=backend)
        with pytest.raises(ValueError, match="length 4 > max_seq_len 3"):
            net.run([[1, 1, 1, 1]], backend=backend)
        with pytest.raises(ValueError, match="not in the vocabulary"):
            net.run([[[1]]], backend=backend)


@given(seed=st.integers(0, 10_000))
def test_a_product_on_its_non_zero_rows_and_columns_is_stored_as_the_whole_would_be(seed):
    """`_Builder.product` takes a head's d_model x d_model product on the rows and columns that
    hold a non-zero (a wide compiled net's heads touch a few hundred of thousands); its arrays are
    `matrix`'s of the whole product, the stored values to float64 rounding (BLAS may sum a smaller
    product in another order)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(12, 5)) * (rng.random((12, 1)) < 0.4)
    b = rng.normal(size=(5, 9)) * (rng.random((1, 9)) < 0.5)
    whole, parts = kernel._Builder(), kernel._Builder()
    for builder, make in ((whole, lambda: whole.matrix(0.5 * a @ b)), (parts, lambda: parts.product(a, b, 0.5))):
        builder.matrix(np.eye(3))  # something stored before it
        make()
    for key, value in whole.arrays().items():
        if key == "values":
            np.testing.assert_allclose(value, parts.arrays()[key], rtol=0, atol=1e-13)  # terms of about 1
        else:
            np.testing.assert_array_equal(value, parts.arrays()[key], err_msg=key)
