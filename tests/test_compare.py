"""Comparing nets: maps between residual streams see through rotations, not through other programs."""

import functools

import numpy as np
import pytest

import compiler
from compiler.variants.compare import CompareError, boundary_names, compare_nets, comparison_inputs, plot_comparison
from fountain.cli import main

VOCAB = {1, 2, 3}
PROGRAMS = {
    "sort": "s = select(tokens, tokens, LT)\n"
            "return aggregate(select(selector_width(s), indices, EQ), tokens)\n",
    "previous": "prev = aggregate(select(indices, map(lambda x: x - 1, indices), EQ), tokens)\n"
                "return map(lambda x: x + 1, prev)\n",
    # two layers each; the same prefix mean, then read out linearly (doubled) or by a threshold
    "doubled_mean": "a = numerical map(lambda x: x == 1, tokens)\n"
                    "m = numerical aggregate(select(indices, indices, LEQ), a)\n"
                    "return numerical map(lambda x: 2 * x, m)\n",
    "mean_above_half": "a = numerical map(lambda x: x == 1, tokens)\n"
                       "m = numerical aggregate(select(indices, indices, LEQ), a)\n"
                       "return map(lambda x: x > 0.5, m)\n",
    "hist": "return selector_width(select(tokens, tokens, EQ))\n",
}


@functools.lru_cache(maxsize=None)
def _net(name: str, vocab: frozenset = frozenset(VOCAB), max_seq_len: int = 4):
    return compiler.compile_program(compiler.parse(PROGRAMS[name]), vocab=set(vocab), max_seq_len=max_seq_len)


def _assert_same_up_to_a_linear_map(comparison):
    for m in comparison.matches:
        assert m.a == m.b
        assert m.cka > 0.999 and m.a_to_b.r2 > 0.999 and m.b_to_a.r2 > 0.999, m
        assert m.a_to_b.rank == m.b_to_a.rank == comparison.stream_ranks[0][m.a] == comparison.stream_ranks[1][m.b]


def test_a_net_compared_with_itself():
    net = _net("sort")
    comparison = compare_nets(net, net, mlp=False)
    assert comparison.input_kind == "every" and comparison.inputs == 3 + 9 + 27 + 81
    assert comparison.positions == 1 * 3 + 2 * 9 + 3 * 27 + 4 * 81  # BOS left out
    assert comparison.outputs_agree == comparison.inputs
    assert [m.a for m in comparison.matches] == list(range(2 * net.config.n_layers + 1))
    _assert_same_up_to_a_linear_map(comparison)
    assert np.allclose(np.diag(comparison.cka), 1)


def test_a_rotated_scramble_is_the_same_up_to_the_rotation():
    net = _net("sort")
    rotated = compiler.scramble(net, seed=1, kinds=["rotate"])
    assert not np.allclose(net.residual([[1, 2, 3]]), rotated.residual([[1, 2, 3]]), atol=0.1)
    comparison = compare_nets(net, rotated, mlp=False)
    _assert_same_up_to_a_linear_map(comparison)
    assert comparison.outputs_agree == comparison.inputs


def test_another_program_is_clearly_further():
    comparison = compare_nets(_net("sort"), _net("previous"), mlp=False)
    embed, *_, last = comparison.matches
    assert embed.cka > 0.999 and embed.a_to_b.r2 > 0.999  # the same embeddings
    assert last.cka < 0.8 and max(last.a_to_b.r2, last.b_to_a.r2) < 0.8, last
    assert comparison.outputs_agree < comparison.inputs


def test_mlp_map_closes_what_the_affine_map_leaves():
    comparison = compare_nets(_net("doubled_mean"), _net("mean_above_half"), seed=3)
    last = comparison.matches[-1]
    # B's threshold of the mean is not affine in A's stream, but A's doubled mean is in B's
    assert last.a_to_b.r2 < 0.97 and last.a_to_b.mlp_r2 > 0.99, last
    assert last.b_to_a.r2 > 0.999 and last.b_to_a.mlp_r2 > 0.999, last
    again = compare_nets(_net("doubled_mean"), _net("mean_above_half"), seed=3)
    assert again.matches == comparison.matches


def test_different_layer_counts_match_each_boundary_with_its_best():
    a, b = _net("sort"), _net("hist")
    comparison = compare_nets(a, b, mlp=False)
    assert comparison.matching == "best"
    assert comparison.boundaries == (boundary_names(2), boundary_names(1))
    assert len(comparison.matches) == 5 and comparison.cka.shape == (5, 3)
    assert comparison.matches[0].b == 0  # embeddings with embeddings
    assert "matched by the best affine R²" in comparison.format()


def test_nets_for_other_inputs_are_refused_with_what_differs():
    with pytest.raises(CompareError, match=r"input vocabulary \{1, 2, 3\} \(A\) vs \{1, 2, 3, 4\} \(B\)"):
        compare_nets(_net("sort"), _net("sort", frozenset({1, 2, 3, 4})))
    with pytest.raises(CompareError, match=r"max_seq_len 4 \(A\) vs 3 \(B\)"):
        compare_nets(_net("sort"), _net("sort", max_seq_len=3))
    with pytest.raises(CompareError, match="not in the vocabulary"):
        compare_nets(_net("sort"), _net("sort"), inputs=[[1, 2], [5]])
    with pytest.raises(CompareError, match="input 1 is empty"):
        compare_nets(_net("sort"), _net("sort"), inputs=[[1, 2], []])
    with pytest.raises(CompareError, match="non-negative"):
        compare_nets(_net("sort"), _net("sort"), seed=-1)


def test_sampled_inputs_are_distinct_and_seeded():
    inputs, exhaustive = comparison_inputs([1, 2, 3], 6, samples=300, seed=4)
    assert not exhaustive and len(inputs) == 300
    assert len({tuple(xs) for xs in inputs}) == 300
    assert all(1 <= len(xs) <= 6 and set(xs) <= {1, 2, 3} for xs in inputs)
    assert comparison_inputs([1, 2, 3], 6, samples=300, seed=4)[0] == inputs
    assert comparison_inputs([1, 2, 3], 6, samples=300, seed=5)[0] != inputs
    assert comparison_inputs([1, 2, 3], 2, samples=300, seed=4) == (
        [[1], [2], [3]] + [[x, y] for x in (1, 2, 3) for y in (1, 2, 3)], True)


def test_plot_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    comparison = compare_nets(_net("sort"), _net("hist"), mlp=False)
    path = plot_comparison(comparison, tmp_path / "compare.png")
    assert path.read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == ["compare.png"]  # no temporary file left


def test_fountain_compare(tmp_path, capsys):
    net_path, scrambled_path, other_path = (str(tmp_path / f"{n}.safetensors") for n in ("a", "b", "c"))
    _net("sort").save(net_path)
    compiler.scramble(_net("sort"), seed=2).save(scrambled_path)
    _net("sort", frozenset({1, 2, 3, 4})).save(other_path)
    main(["compare", net_path, scrambled_path, "--inputs", "60", "--seed", "1", "--no-mlp"])
    out = capsys.readouterr().out
    assert "60 inputs (random distinct inputs, seed 1)" in out and "outputs agree on 60/60" in out
    assert out.count("1.000") >= 5 * 3  # CKA and both R² at every boundary
    with pytest.raises(SystemExit, match="input vocabulary"):
        main(["compare", net_path, other_path])
    with pytest.raises(SystemExit, match="no such directory"):
        main(["compare", net_path, scrambled_path, "--plot", str(tmp_path / "missing" / "plot.png")])
    with pytest.raises(SystemExit, match="no network file"):
        main(["compare", net_path, str(tmp_path / "missing.safetensors")])
