"""Scrambled nets: different weights, the same function as their program, seeded."""

import functools

import numpy as np
import pytest
from hypothesis import given, settings

import compiler
from compiler.compiling.check import check_net
from compiler.variants.scrambling import DEFAULT_KINDS, KINDS
from generator.strategies import programs

PROGRAMS = {
    "sort": "s = select(tokens, tokens, LT)\n"
            "return aggregate(select(selector_width(s), indices, EQ), tokens)\n",
    "mean": "a = numerical map(lambda x: x == 1, tokens)\n"
            "return numerical aggregate(select(indices, indices, LEQ), a)\n",
    "hist": "return selector_width(select(tokens, tokens, EQ))\n",
    # three layers, two heads in the first, a sequence_map
    "layers": "prev = aggregate(select(indices, map(lambda x: x - 1, indices), EQ), tokens)\n"
              "nxt = aggregate(select(indices, map(lambda x: x + 1, indices), EQ), tokens)\n"
              "s = sequence_map(lambda x, y: x + y, prev, nxt)\n"
              "return map(lambda x: x > 3, s)\n",
}
ALL_KINDS = [[kind] for kind in KINDS] + [None, list(KINDS)]


@functools.lru_cache(maxsize=None)
def _compiled(name: str):
    program = compiler.parse(PROGRAMS[name])
    return program, compiler.compile_program(program, vocab={1, 2, 3}, max_seq_len=4)


def _params_equal(a, b) -> bool:
    return (a.params.keys() == b.params.keys() and np.array_equal(a.W_U, b.W_U)
            and all(np.array_equal(a.params[k], b.params[k]) for k in a.params))


def _assert_agrees(program, net):
    result = check_net(program, net)
    assert result.exhaustive
    assert result.ok, result.counterexample.format()


def test_the_layered_program_has_several_layers_and_heads():
    config = _compiled("layers")[1].config
    assert config.n_layers >= 2 and config.n_heads >= 2


@pytest.mark.parametrize("kinds", ALL_KINDS, ids=str)
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_each_kind_changes_weights_and_keeps_the_function(name, kinds):
    program, net = _compiled(name)
    scrambled = compiler.scramble(net, seed=1, kinds=kinds)
    _assert_agrees(program, scrambled)
    if net.config.n_heads > 1 or kinds != ["permute_heads"]:  # one head has one order
        assert not _params_equal(net, scrambled)
    assert all(v.dtype == np.float32 for v in scrambled.params.values())
    assert scrambled.W_U.dtype == np.float32


def test_same_seed_same_bytes_other_seed_other_weights():
    _, net = _compiled("sort")
    first, again = compiler.scramble(net, seed=7), compiler.scramble(net, seed=7)
    assert all(first.params[k].tobytes() == again.params[k].tobytes() for k in net.params)
    assert first.W_U.tobytes() == again.W_U.tobytes()
    assert not _params_equal(first, compiler.scramble(net, seed=8))


def test_scrambles_compose():
    program, net = _compiled("layers")
    twice = compiler.scramble(compiler.scramble(net, seed=1, kinds=KINDS), seed=2)
    _assert_agrees(program, twice)
    assert twice.provenance["parent_variant"] == "scrambled"


def test_provenance_and_labels():
    _, net = _compiled("sort")
    scrambled = compiler.scramble(net, seed=3)
    assert scrambled.provenance["variant"] == "scrambled"
    assert scrambled.provenance["parent_variant"] == "compiled"
    assert scrambled.provenance["scramble"] == {"seed": 3, "kinds": list(DEFAULT_KINDS)}
    assert scrambled.provenance["residual_labels"] == "generic"
    assert scrambled.residual_labels == [f"r{i}" for i in range(net.config.d_model)]
    assert scrambled.provenance["source"] == net.provenance["source"]

    permuted = compiler.scramble(net, seed=3, kinds=["permute_residual"])
    assert sorted(permuted.residual_labels) == sorted(net.residual_labels)
    assert permuted.residual_labels != net.residual_labels
    # the labels follow their dimensions: the unembedding reads the same named directions
    for label, row in zip(permuted.residual_labels, permuted.W_U):
        assert np.array_equal(row, net.W_U[net.residual_labels.index(label)])


def test_pad_grows_the_config_by_the_given_sizes():
    program, net = _compiled("sort")
    padded = compiler.scramble(net, seed=0, kinds=["pad"], pad_d_model=3, pad_heads=2, pad_mlp=5)
    c, p = net.config, padded.config
    assert (p.d_model, p.n_heads, p.d_mlp) == (c.d_model + 3, c.n_heads + 2, c.d_mlp + 5)
    assert (p.n_layers, p.d_head) == (c.n_layers, c.d_head)
    assert padded.residual_labels[-3:] == ["pad0", "pad1", "pad2"]
    _assert_agrees(program, padded)


def test_save_load_round_trip(tmp_path):
    program, net = _compiled("mean")
    scrambled = compiler.scramble(net, seed=5, kinds=KINDS)
    scrambled.save(tmp_path / "net.safetensors")
    loaded = compiler.Net.load(tmp_path / "net.safetensors")
    assert _params_equal(scrambled, loaded)
    assert loaded.config == scrambled.config and loaded.provenance == scrambled.provenance
    _assert_agrees(program, loaded)


def test_unknown_kind_names_the_allowed_ones():
    _, net = _compiled("sort")
    with pytest.raises(ValueError, match="allowed: pad, permute_heads"):
        compiler.scramble(net, kinds=["rotate", "shuffle"])
    assert _params_equal(compiler.scramble(net, seed=2, kinds="qk"),
                         compiler.scramble(net, seed=2, kinds=["qk"]))


@settings(max_examples=10)
@given(programs(max_ops=6, vocab=(1, 2, 3), max_seq_len=4))
def test_default_scramble_agrees_with_sampled_programs(program):
    # A seed whose rotation rounds an output past the tolerance (on any input: every one is
    # compared) is refused with ScrambleError, never returned. A net whose deep numerical MLPs
    # make every rotation round too far still scrambles without `rotate`, as the error says.
    net = compiler.compile_program(program, vocab={1, 2, 3}, max_seq_len=4)
    no_rotation = [k for k in DEFAULT_KINDS if k != "rotate"]
    for seed, kinds in [(seed, None) for seed in range(5)] + [(0, no_rotation)]:
        try:
            scrambled = compiler.scramble(net, seed=seed, kinds=kinds)
        except compiler.ScrambleError as error:
            assert "leave out 'rotate'" in str(error)
            continue
        _assert_agrees(program, scrambled)
        return
    pytest.fail("five seeds refused, and so was a scramble without rotation")


def test_a_scramble_that_changes_outputs_is_refused(monkeypatch):
    from compiler.variants import scrambling

    def broken_rotation(state, rng):  # scales the read-out: not function-preserving
        state.w.W_U = 2 * state.w.W_U

    monkeypatch.setattr(scrambling, "_rotate", broken_rotation)
    net = compiler.compile_program("a = numerical map(lambda x: x == 1, tokens)\n"
                                   "return numerical aggregate(select(indices, indices, LEQ), a)",
                                   vocab={1, 2}, max_seq_len=3)
    with pytest.raises(compiler.ScrambleError, match="rotate"):
        compiler.scramble(net, seed=0, kinds=["rotate"])
    assert compiler.scramble(net, seed=0, kinds=["rotate"], verify=False).W_U.max() == 2 * net.W_U.max()
