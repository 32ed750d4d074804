"""Retrained and compressed nets: trained with torch, judged on the returned Net itself."""


import numpy as np
import pytest

import compiler
from compiler.compiling.check import all_inputs, outputs_agree
from compiler.variants.retraining import reference_outputs
from fountain.cli import main

INCREMENT = "return map(lambda x: x + 1, tokens)"
HISTOGRAM = "return selector_width(select(tokens, tokens, EQ))"
FAST = dict(max_steps=1500, eval_every=100)


@pytest.fixture(scope="module")
def histogram():
    return compiler.compile_program(HISTOGRAM, vocab={1, 2, 3}, max_seq_len=4)


@pytest.fixture(scope="module")
def retrained(histogram):
    return compiler.retrain(histogram, seed=0, **FAST)


def _fidelity(program_text, net) -> float:
    program = compiler.parse(program_text)
    vocab = net.vocab
    inputs = all_inputs(vocab, net.config.max_seq_len, 10_000)
    outputs = net.run(inputs)
    return np.mean([outputs_agree(reference_outputs(program, xs, net.config.causal), out)
                    for xs, out in zip(inputs, outputs)])


def test_retrained_net_imitates_its_program(histogram, retrained):
    record = retrained.provenance["retrain"]
    assert record["reached_target"] and record["fidelity"] >= 0.99
    assert 0 < record["steps"] <= FAST["max_steps"]
    assert _fidelity(HISTOGRAM, retrained) >= 0.95  # held-out was a fifth; all inputs here
    assert retrained.config == histogram.config     # the compiled architecture by default
    assert retrained.provenance["variant"] == "retrained"
    assert retrained.provenance["source"] == histogram.provenance["source"]
    # Trained, not copied: dense weights unlike the compiled net's sparse ones.
    compiled_zeros = np.mean(histogram.params["transformer/layer_0/mlp/linear_1/w"] == 0)
    assert np.mean(retrained.params["transformer/layer_0/mlp/linear_1/w"] == 0) < compiled_zeros


def test_retraining_is_deterministic_per_seed(histogram, retrained):
    again = compiler.retrain(histogram, seed=0, **FAST)
    assert again.to_bytes() == retrained.to_bytes()
    other = compiler.retrain(histogram, seed=1, max_steps=1, eval_every=1)
    assert other.provenance["retrain"]["seed"] == 1
    assert not np.array_equal(other.params["token_embed/embeddings"],
                              retrained.params["token_embed/embeddings"])


def test_retrained_net_saves_loads_and_scrambles(tmp_path, retrained):
    path = tmp_path / "retrained.safetensors"
    retrained.save(path)
    loaded = compiler.Net.load(path)
    assert loaded.none_threshold is None
    assert loaded.provenance == retrained.provenance
    inputs = all_inputs([1, 2, 3], 4, 1000)
    assert loaded.run(inputs) == retrained.run(inputs)
    scrambled = compiler.scramble(retrained, seed=0, kinds=["permute_heads", "mlp_neurons",
                                                            "permute_residual"])
    assert scrambled.run(inputs) == retrained.run(inputs)


def test_narrower_residual_stream(histogram):
    narrow = compiler.retrain(histogram, seed=0, d_model=8, **FAST)
    assert narrow.config.d_model == 8 < histogram.config.d_model
    assert narrow.W_U.shape == (8, histogram.W_U.shape[1])
    assert narrow.provenance["retrain"]["d_model"] == 8
    assert narrow.residual_labels == [f"r{i}" for i in range(8)]
    assert _fidelity(HISTOGRAM, narrow) >= 0.9


def test_retraining_from_program_text_with_residual_matching():
    net = compiler.retrain(INCREMENT, vocab={1, 2, 3}, max_seq_len=3, seed=0,
                           residual_weight=1.0, **FAST)
    assert net.provenance["retrain"]["reached_target"]
    assert net.provenance["retrain"]["residual_weight"] == 1.0
    assert _fidelity(INCREMENT, net) == 1.0


def test_numerical_output_fidelity_is_recorded_honestly():
    # Trained numerical outputs must land within check's atol 1e-3 + rtol 0.005 to count.
    text = ("a = numerical map(lambda x: x == 1, tokens)\n"
            "return numerical aggregate(select(indices, indices, LEQ), a)")
    net = compiler.retrain(text, vocab={1, 2}, max_seq_len=3, seed=0, max_steps=200, eval_every=100)
    record = net.provenance["retrain"]
    assert record["fidelity"] == pytest.approx(_fidelity(text, net), abs=0.35)
    assert record["reached_target"] == (record["fidelity"] >= 0.99)
    assert net.output_values is None and isinstance(net.run([[1, 2]])[0][0], float)


REVERSE = ("opp = sequence_map(lambda x, y: x - y - 1, length, indices)\n"
           "return aggregate(select(indices, opp, EQ), tokens)")


def test_compression_below_the_stream_rank_is_learned():
    # The final residual stream has rank 14 over every input; 13 dimensions must be learned.
    net = compiler.compile_program(REVERSE, vocab={1, 2, 3}, max_seq_len=4)
    fidelities = []
    for seed in (0, 1):  # 200 steps from one start are one draw (0.775 and 0.908 with today's packages)
        small = compiler.compress(net, 13, seed=seed, max_steps=200, eval_every=100)
        assert small.config.d_model == 13 < net.config.d_model
        assert small.provenance["variant"] == "compressed"
        record = small.provenance["compress"]
        # The principal-direction start loses what the MLPs read sharply; training wins it back.
        assert record["fidelity"] >= record["initial_fidelity"] + 0.5, record
        fidelities.append(_fidelity(REVERSE, small))
    assert max(fidelities) >= 0.8, fidelities
    # The compiled weights stay frozen: read biases are untouched, every write goes through W.
    for name in ("transformer/layer_0/mlp/linear_1/b", "transformer/layer_1/attn/query/b"):
        np.testing.assert_array_equal(small.params[name], net.params[name])
    assert small.none_threshold == net.none_threshold


def test_compression_is_lossless_down_to_the_stream_rank(histogram):
    # Compiled residual streams use fewer directions than they have dimensions.
    small = compiler.compress(histogram, histogram.config.d_model - 2, seed=0, **FAST)
    record = small.provenance["compress"]
    assert record["steps"] == 0 and record["fidelity"] == 1.0
    assert _fidelity(HISTOGRAM, small) == 1.0


def test_causal_nets_train_on_prefixes():
    net = compiler.compile_program("return selector_width(select(tokens, tokens, EQ))",
                                   vocab={1, 2, 3}, max_seq_len=4, causal=True)
    trained = compiler.retrain(net, seed=0, **FAST)
    assert trained.config.causal
    program = compiler.parse(HISTOGRAM)
    assert reference_outputs(program, [1, 1, 2], True) == [1, 2, 1]
    assert _fidelity(HISTOGRAM, trained) >= 0.9


def test_bad_requests_get_one_clear_error(histogram):
    with pytest.raises(ValueError, match="needs vocab= and max_seq_len="):
        compiler.retrain(HISTOGRAM)
    with pytest.raises(ValueError, match="come from the net"):
        compiler.retrain(histogram, vocab={1, 2})
    scrambled = compiler.scramble(histogram, seed=0, kinds=["permute_heads"])
    with pytest.raises(ValueError, match="needs a compiled net"):
        compiler.retrain(scrambled)
    with pytest.raises(ValueError, match="residual_weight needs the compiled width"):
        compiler.retrain(histogram, d_model=4, residual_weight=1.0)
    with pytest.raises(ValueError, match="target_fidelity"):
        compiler.retrain(histogram, target_fidelity=1.5)
    with pytest.raises(TypeError):
        compiler.retrain(histogram, learning_rat=1e-3)


def test_cli_retrain_and_compress(tmp_path, capsys, histogram):
    compiled = tmp_path / "hist.safetensors"
    histogram.save(compiled)
    out = tmp_path / "trained.safetensors"
    main(["retrain", str(compiled), "-o", str(out), "--max-steps", "1500"])
    printed = capsys.readouterr().out
    assert "retrained" in printed and "reached 99%" in printed
    assert compiler.Net.load(out).provenance["variant"] == "retrained"
    program = tmp_path / "inc.rasp"
    program.write_text(INCREMENT)
    with pytest.raises(SystemExit, match="needs --vocab and --max-seq-len"):
        main(["retrain", str(program), "-o", str(out)])
    with pytest.raises(SystemExit, match="--compress needs --d-model"):
        main(["retrain", str(compiled), "-o", str(out), "--compress"])
    main(["retrain", str(program), "--vocab", "1 2", "--max-seq-len", "3", "-o", str(out),
          "--compress", "--d-model", "6", "--max-steps", "1500"])
    assert compiler.Net.load(out).config.d_model == 6


def test_time_budget_is_the_option_and_time_budget_s_its_older_spelling():
    source = "v = map(lambda x: x + 1, tokens)\nreturn v\n"
    net = compiler.retrain(source, vocab={1, 2}, max_seq_len=2, max_steps=5, time_budget=60)
    with pytest.warns(DeprecationWarning, match="time_budget_s is now time_budget"):
        old = compiler.retrain(source, vocab={1, 2}, max_seq_len=2, max_steps=5, time_budget_s=60)
    assert old.provenance == net.provenance
