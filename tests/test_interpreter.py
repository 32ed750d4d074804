"""The interpreter: weight encoders (residual invariance), grammar-constrained decoding, training
(loss falls, checkpoints round-trip, resume is exact), evaluation and the CLI, on tiny data."""

import csv
import dataclasses
import importlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

import compiler
import generator
from compiler.language import tokenizer
from compiler.variants import scrambling
from fountain.cli import main
from interpreter import checkpoint
from interpreter.data import collate, encode_examples, load_examples, sample_examples
from interpreter.decode import load_interpreter, search
from interpreter.encoding import KINDS, TAG_FIELDS, EncoderConfig, EncodingError, EncodingTimeout, encode_net
from interpreter.evaluate import evaluate_model
from interpreter.grammar import VOCAB, LineRejected, ProgramState
from interpreter.model import Interpreter, ModelConfig
from interpreter.train import TrainConfig, _logged_schedule, learning_rate, teacher_forced, train
from interpreter.verified import decompile

TINY_MODEL = ModelConfig(d_model=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=1, d_ff=64, max_target_len=96)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """One torch thread: the suite shares a few cores, where more threads only contend."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def examples():
    return sample_examples(12, recipe="tiny", seed=1)


@pytest.fixture(scope="module")
def nets():
    programs = generator.sample_programs(12, seed=2, vocab=(1, 2, 3), max_seq_len=4, max_ops=5)
    return [compiler.compile_program(p, vocab={1, 2, 3}, max_seq_len=4) for p in programs]


def _config(**changes) -> TrainConfig:
    return dataclasses.replace(TrainConfig(model=TINY_MODEL, steps=6, batch_size=4, warmup_steps=2, lr=3e-3,
                                           log_every=1, eval_every=3, checkpoint_every=3, keep_checkpoints=3),
                               **changes)


@pytest.fixture(scope="module")
def run(examples, tmp_path_factory):
    """A toy run: 6 steps, checkpoints at steps 3 and 6."""
    run_dir = tmp_path_factory.mktemp("runs") / "toy"
    return train(examples, run_dir, _config(), progress=False)


# -- encoders


def _scrambled(net, kinds):
    for seed in range(10):
        try:
            return compiler.scramble(net, seed=seed, kinds=kinds)
        except compiler.ScrambleError:
            continue
    raise AssertionError("no seed scrambles the net")


#: The scramble kinds each encoder must not see.
BLIND_TO = {"circuit": set(scrambling.KINDS), "invariant": {"pad", "rotate", "permute_residual"}, "baseline": set()}


@pytest.mark.parametrize("kinds", [[kind] for kind in scrambling.KINDS] + [["rotate", "permute_residual"], None],
                         ids=str)
def test_each_encoder_is_blind_to_its_scrambles_and_sees_the_others(nets, kinds):
    scrambled = [_scrambled(net, kinds) for net in nets]
    for kind, blind_to in BLIND_TO.items():
        config, blind = EncoderConfig(kind=kind), set(kinds or scrambling.DEFAULT_KINDS) <= blind_to
        moved = 0
        for net, twin in zip(nets, scrambled):
            before, after = encode_net(net, config), encode_net(twin, config)
            if blind:
                np.testing.assert_array_equal(before.tags, after.tags)
                np.testing.assert_allclose(before.values, after.values, atol=1e-4)
            else:
                moved += before.values.shape != after.values.shape or not np.allclose(before.values, after.values,
                                                                                      atol=1e-2)
        if not blind and kinds != ["permute_heads"]:
            assert moved > 0, kind  # (these nets have too few heads for permute_heads to show)


def test_circuit_tokens_are_the_qk_and_ov_circuits():
    """select(indices, tokens, EQ) attends from each token value to the position it names: the QK
    block between the query source W_E and the key source W_pos is that comparison, and what
    the head carries from W_pos reaches W_U."""
    net = compiler.compile_program("v1 = select(indices, tokens, EQ)\nv2 = aggregate(v1, indices)\nreturn v2",
                                   vocab={0, 1, 2}, max_seq_len=3)
    tokens = encode_net(net, EncoderConfig(kind="circuit", interface=False))
    tags = [tuple(t) for t in tokens.tags]
    kinds = {name: i for i, name in enumerate(KINDS)}
    qk = [i for i, t in enumerate(tags) if t[:6] == (kinds["W_E"], 0, 0, kinds["W_pos"], 0, 0) and t[6] == 1]
    assert qk, tags
    ids = {token: i for i, token in enumerate(net.input_tokens)}
    rows = [tokens.tags[i][7] for i in qk]  # the query's token id
    for value in (0, 1, 2):  # token `value` scores highest at the position of index `value` (BOS is 0)
        assert tokens.values[qk[rows.index(ids[value])]].argmax() == value + 1
    assert sorted(rows) == [ids[value] for value in (0, 1, 2)]
    carried = [t for t in tags if t[:4] == (kinds["W_pos"], 0, 1, kinds["W_U"])]
    assert [t[7] for t in carried] == [1, 2, 3]  # positions 1-3 carry indices 0-2 to the output


@pytest.mark.parametrize("recipe", ["small", "mixed"])
def test_the_circuit_encoder_skips_only_products_that_are_all_zeros(recipe, monkeypatch):
    """Products of a source and a read that share no residual direction are not made (`_Reads`):
    compiled and scrambled nets encode to the very bytes they give with every product made, and a
    net with a NaN (0 * NaN is not 0) makes them all."""
    from generator.recipes import load_recipe
    from generator.units import draw_unit
    from interpreter import encoding

    unit, programs, _ = draw_unit(load_recipe(recipe), 5, 12, ("skips",), keep_nets=False)
    vocab, max_seq_len = set(unit.generator.vocab), unit.generator.max_seq_len
    nets = [compiler.compile_program(p, vocab, max_seq_len) for p in programs]
    for net in nets[:4]:
        for seed in range(5):
            try:
                nets.append(scrambling.scramble(net, seed=seed))
                break
            except scrambling.ScrambleError:  # float32 rounding shows for this seed
                continue
    config = EncoderConfig(kind="circuit", max_tokens=10**5)
    skipped = []
    real_miss = encoding._Reads.miss

    def miss(self, source):
        skipped.append(real_miss(self, source))
        return skipped[-1]

    monkeypatch.setattr(encoding._Reads, "miss", miss)
    fast = [encode_net(net, config) for net in nets]
    assert sum(skipped) > len(nets) > len(programs)
    monkeypatch.setattr(encoding._Reads, "miss", lambda self, source: False)
    monkeypatch.setattr(encoding.itertools, "compress", lambda items, _: list(items))
    for net, tokens in zip(nets, fast):
        every = encode_net(net, config)
        assert tokens.values.tobytes() == every.values.tobytes() and tokens.tags.tobytes() == every.tags.tobytes()
    monkeypatch.undo()
    skipped.clear()
    monkeypatch.setattr(encoding._Reads, "miss", miss)
    broken = nets[0].params["token_embed/embeddings"].copy()
    broken[0, 0] = np.nan
    encode_net(dataclasses.replace(nets[0], params={**nets[0].params, "token_embed/embeddings": broken}), config)
    assert not skipped


def test_circuits_of_a_dense_net_are_refused_early_and_chains_are_capped(nets):
    net = max(nets, key=lambda n: n.config.n_layers)
    rng = np.random.default_rng(0)
    dense = dataclasses.replace(net, params={k: v + rng.normal(0, 0.1, v.shape).astype(np.float32)
                                             for k, v in net.params.items()})
    sizes = [len(encode_net(dense, EncoderConfig(max_tokens=10**6, max_chain=chain))) for chain in (1, 2)]
    assert len(encode_net(net, EncoderConfig())) < sizes[0] < sizes[1]
    with pytest.raises(EncodingError, match="more than 100 tokens"):
        encode_net(dense, EncoderConfig(max_tokens=100))
    with pytest.raises(ValueError, match="max_chain"):
        EncoderConfig(max_chain=0)


def test_a_net_whose_unembedding_reads_more_neurons_than_tokens_is_refused_before_any_product(nets):
    """Each neuron whose write the unembedding reads makes a W_U token of the circuit encoding, so
    a net with more of them than max_tokens is refused at once (an expired deadline is not met:
    no block was made), and never one that fits."""
    from interpreter.encoding import _unembedded_neurons

    for net in nets:
        count = _unembedded_neurons(net)
        assert count <= len(encode_net(net, EncoderConfig(max_tokens=10**6)))
        if count:
            with pytest.raises(EncodingError, match=f"more than {count - 1} tokens"):
                encode_net(net, EncoderConfig(max_tokens=count - 1), deadline=time.monotonic() - 1)
    assert any(_unembedded_neurons(net) for net in nets)


def test_a_layer_wider_than_the_indices_reach_is_refused_before_its_blocks(monkeypatch):
    """A layer with more neurons that read the embeddings or a bias than `max_index` pieces of
    `width` hold is refused before any block is made (an expired deadline is not met), only where
    making every block refuses it too; where it is not, the tokens are those of every block."""
    from interpreter import encoding

    program = compiler.parse("x = sequence_map(lambda a, b: a * b, tokens, indices)\nreturn x")
    net = compiler.compile_program(program, vocab={1, 2, 3, 4, 5}, max_seq_len=8)

    def encoded(config, deadline=None, early=True):
        with monkeypatch.context() as patch:
            if not early:  # every block made
                patch.setattr(encoding, "_check_layer_widths", lambda *args: None)
            try:
                return encode_net(net, config, deadline)
            except EncodingError as error:
                return error

    outcomes = []
    for max_index in (1, 2, 3, 64):
        config = EncoderConfig(width=16, max_index=max_index, max_tokens=10**6)
        first = encoded(config, deadline=time.monotonic() - 1)
        reference = encoded(config, early=False)
        if isinstance(first, EncodingTimeout):  # not refused early: the same tokens as every block's
            tokens = encoded(config)
            if isinstance(reference, EncodingError):
                assert str(tokens) == str(reference)
                outcomes.append("refused later")
                continue
            assert (tokens.values == reference.values).all() and (tokens.tags == reference.tags).all()
            outcomes.append("encoded")
        else:
            assert "neurons that read the embeddings or a bias" in str(first)
            assert isinstance(reference, EncodingError)  # and so it is with every block made
            outcomes.append("refused")
    assert outcomes[0] == "refused" and outcomes[-1] == "encoded", outcomes


def test_encodings_have_fixed_width_tags_in_range_and_refuse_nets_over_the_limits(nets):
    for kind in ("invariant", "baseline", "circuit"):
        config = EncoderConfig(kind=kind, width=16)
        for net in nets:
            tokens = encode_net(net, config)
            assert tokens.values.shape[1] == 16 and tokens.values.dtype == np.float32
            assert ((tokens.tags >= 0) & (tokens.tags < np.array(config.tag_sizes))).all()
    big = max(nets, key=lambda n: n.config.d_model)
    with pytest.raises(EncodingError, match="raise max_tokens"):
        encode_net(big, EncoderConfig(max_tokens=3))
    with pytest.raises(EncodingError, match="max_layers"):
        encode_net(big, EncoderConfig(max_layers=big.config.n_layers - 1))
    with pytest.raises(EncodingTimeout, match="deadline"):
        encode_net(big, EncoderConfig(), deadline=time.monotonic())


# -- constrained decoding


def test_every_canonical_program_passes_the_decoding_constraints():
    sources = [p.source for p in generator.sample_programs(40, seed=3, max_ops=8)]
    from tracr.compiler import lib
    from tracr.rasp import rasp
    sources += [compiler.to_source(lib.make_sort_unique(rasp.tokens, rasp.indices), vocab={"a", "b"}, max_seq_len=4),
                compiler.to_source(lib.make_frac_prevs(rasp.tokens == "a"), vocab={"a", "b"}, max_seq_len=4)]
    for source in sources:
        state = ProgramState()
        for token in tokenizer.encode(source)[1:]:
            state = state.advance(token)
        assert state.finished and tokenizer.decode(list(state.ids)) == source


def test_random_walks_through_allowed_tokens_always_parse():
    rng = random.Random(0)
    for _ in range(40):
        state = ProgramState()
        while not state.finished:
            if len(state.ids) > 60 and not state.in_return:
                state = state.at_line_start(force_return=True)
            choices = np.flatnonzero(state.allowed())
            try:
                state = state.advance(int(rng.choice(choices)))
            except LineRejected:
                state = state.at_line_start(force_return=True)
        compiler.parse(tokenizer.decode(list(state.ids)))


def test_disallowed_token_is_refused():
    state = ProgramState().advance(VOCAB.index("v1"))
    with pytest.raises(ValueError, match="not allowed"):
        state.advance(VOCAB.index("v2"))


@pytest.mark.parametrize("beam_size", [1, 3])
def test_untrained_model_decodes_programs_that_parse(nets, beam_size):
    torch.manual_seed(0)
    model = Interpreter(dataclasses.replace(TINY_MODEL, max_target_len=48))
    results = search(model, [encode_net(net, model.config.encoder) for net in nets[:6]], beam_size=beam_size)
    assert len(results) == 6
    for result in results:
        assert compiler.to_source(compiler.parse(result.text)) == result.text
        assert len(result.ids) + 2 <= 48


def test_step_by_step_decoding_with_the_cache_gives_the_full_decoder_logits():
    torch.manual_seed(0)
    model = Interpreter(dataclasses.replace(TINY_MODEL, n_decoder_layers=2, max_target_len=12)).eval()
    values, tags = torch.randn(3, 7, TINY_MODEL.encoder.width), torch.zeros(3, 7, len(TAG_FIELDS), dtype=torch.long)
    mask = torch.ones(3, 7, dtype=torch.bool)
    mask[1, 4:] = False
    prefix = torch.randint(4, len(VOCAB), (3, 10))
    with torch.no_grad():
        memory = model.encode(values, tags, mask)
        cache = model.start_decoding(memory, mask)
        steps = [model.decode_step(cache, torch.arange(3), prefix[:, t], torch.full((3,), t)) for t in range(10)]
        torch.testing.assert_close(torch.stack(steps, 1), model.decode(memory, mask, prefix), atol=1e-5, rtol=1e-5)


# -- training, checkpoints


def test_loss_falls_on_a_tiny_set(examples, tmp_path):
    train_items = [e for e in examples if e.split == "train"][:8]
    result = train(train_items, tmp_path / "run", _config(steps=25, batch_size=8, lr=1e-2, eval_every=100,
                                                          checkpoint_every=100), progress=False)
    losses = [row["loss"] for row in result.metrics if "loss" in row]
    assert losses[-1] < 0.6 * losses[0]
    assert (tmp_path / "run" / "metrics.csv").read_text().count("\n") == 26


def test_a_time_budget_ends_training_with_the_learning_rate_decayed(examples, tmp_path):
    # no validation or checkpoint before the end: under load one of them took the rest of the
    # budget, and the last step's rate was the one at a quarter of it
    result = train(examples, tmp_path / "run", _config(steps=10**6, warmup_steps=1, lr=1e-2, min_lr=1e-4,
                                                       eval_every=10**6, checkpoint_every=10**6),
                   time_budget=1.5, progress=False)
    assert 1 < result.step < 10**6 and result.checkpoint.is_dir()
    assert result.metrics[-1]["lr"] < 0.5 * 1e-2
    assert checkpoint.load_state(result.checkpoint).extra["spent_s"] >= 1.5


def test_checkpoint_round_trips_to_the_same_outputs(run, examples):
    items, _ = encode_examples(examples[:4], TINY_MODEL.encoder, TINY_MODEL.max_target_len)
    batch = collate(items)
    saved = checkpoint.load_model(run.checkpoint)
    again = checkpoint.load_model(run.checkpoint.parent)  # the run directory means its latest checkpoint
    with torch.no_grad():
        assert torch.equal(saved(batch), again(batch))
    assert checkpoint.read_config(run.checkpoint)["train"]["steps"] == 6
    assert run.step == 6 and run.checkpoint.name == "step-0000006"


def test_resume_continues_exactly_as_an_uninterrupted_run(run, examples, tmp_path):
    resumed_dir = tmp_path / "resumed"
    resumed_dir.mkdir()
    shutil.copytree(run.checkpoint.parent / "step-0000003", resumed_dir / "step-0000003")
    (resumed_dir / "latest.json").write_text(json.dumps({"checkpoint": "step-0000003"}))
    resumed = train(examples, resumed_dir, _config(), resume=True, progress=False)
    assert resumed.step == 6
    first, second = load_file(run.checkpoint / "model.safetensors"), load_file(resumed.checkpoint / "model.safetensors")
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_metrics_say_what_share_of_the_time_went_to_getting_batches(run, tmp_path):
    with open(run.checkpoint.parent / "metrics.csv", newline="") as f:
        shares = [float(row["data_share"]) for row in csv.DictReader(f) if row["loss"]]
    assert len(shares) == 6 and all(0.0 <= share <= 1.0 for share in shares)
    assert any(share > 0.0 for share in shares)
    # a run logged before the column existed resumes: its rows are kept, the new column left empty
    from interpreter.metrics import METRIC_FIELDS, MetricsLog

    old = tmp_path / "old"
    old.mkdir()
    (old / "metrics.csv").write_text("step,loss,lr,grad_norm,tokens_per_s,elapsed_s,val_loss,val_token_accuracy\n"
                                     "1,2.5,0.001,1.0,100.0,0.5,,\n2,2.4,0.001,1.0,100.0,1.0,,\n")
    log = MetricsLog(old, 1, enabled=True)
    log.write({"step": 2, "loss": 2.3, "data_share": 0.25})
    log.close()
    with open(old / "metrics.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == METRIC_FIELDS
    assert [(row["step"], row["loss"], row["data_share"]) for row in rows] == [("1", "2.5", ""), ("2", "2.3", "0.25")]


def test_learning_rate_anchored_decays_from_its_anchor_to_min_lr():
    config = _config(steps=100, lr=1e-2, min_lr=1e-4, warmup_steps=2)
    assert learning_rate(config, 50, 0.5, anchor=(0.5, 2e-3)) == pytest.approx(2e-3)
    assert learning_rate(config, 75, 0.75, anchor=(0.5, 2e-3)) == pytest.approx((2e-3 + 1e-4) / 2)
    assert learning_rate(config, 99, 1.0, anchor=(0.5, 2e-3)) == pytest.approx(1e-4)
    assert learning_rate(config, 50, 0.5) > 2e-3  # unanchored: the whole cosine from lr


def _rates(run_dir: Path, after: int) -> list[float]:
    with open(run_dir / "metrics.csv", newline="") as f:
        return [float(row["lr"]) for row in csv.DictReader(f) if row["lr"] and int(row["step"]) > after]


def _weights(checkpoint_dir: Path) -> dict:
    return load_file(checkpoint_dir / "model.safetensors")


def test_a_run_resumed_with_a_longer_budget_continues_its_learning_rate(run, examples, tmp_path):
    last = _rates(run.checkpoint.parent, 0)[-1]
    assert _logged_schedule(run.checkpoint.parent, 6)["lr"] == last  # for checkpoints saved without one
    longer = _config(steps=12)
    shutil.copytree(run.checkpoint.parent, tmp_path / "continued")
    continued = train(examples, tmp_path / "continued", longer, resume=True, progress=False)
    rates = _rates(tmp_path / "continued", 6)
    assert continued.step == 12 and len(rates) == 6
    assert last >= rates[0] and rates == sorted(rates, reverse=True) and rates[-1] < last
    shutil.copytree(run.checkpoint.parent, tmp_path / "restarted")
    train(examples, tmp_path / "restarted", longer, resume=True, progress=False, schedule="restart")
    assert _rates(tmp_path / "restarted", 6)[0] > 3 * last  # the longer cosine's rate at step 6
    # interrupted after its leg began, the continued run goes on as if it had not been
    interrupted = tmp_path / "interrupted"
    interrupted.mkdir()
    shutil.copytree(tmp_path / "continued" / "step-0000009", interrupted / "step-0000009")
    (interrupted / "latest.json").write_text(json.dumps({"checkpoint": "step-0000009"}))
    again = train(examples, interrupted, longer, resume=True, progress=False)
    first, second = _weights(continued.checkpoint), _weights(again.checkpoint)
    assert all(torch.equal(first[k], second[k]) for k in first)
    with pytest.raises(ValueError, match="schedule must be one of continue, restart"):
        train(examples, interrupted, longer, resume=True, progress=False, schedule="warm")


def test_resume_refuses_another_model_config(run, examples, tmp_path):
    shutil.copytree(run.checkpoint.parent, tmp_path / "run")
    other = _config(model=dataclasses.replace(TINY_MODEL, d_ff=32))
    with pytest.raises(checkpoint.CheckpointError, match="another model config"):
        train(examples, tmp_path / "run", other, resume=True, progress=False)


def test_unreadable_checkpoints_are_one_clear_error(tmp_path):
    with pytest.raises(checkpoint.CheckpointError, match="not an interpreter checkpoint"):
        checkpoint.load_model(tmp_path)
    config = {"format": checkpoint.FORMAT_NAME, "version": checkpoint.FORMAT_VERSION, "model": TINY_MODEL.to_dict()}
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(checkpoint.CheckpointError, match="model.safetensors"):
        checkpoint.load_model(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps(dict(config, version=1)))
    with pytest.raises(checkpoint.CheckpointError, match="^[^(]*format version 1.*train the interpreter again"):
        checkpoint.load_model(tmp_path)


def test_hostile_checkpoints_are_one_clear_error(run, tmp_path):
    good = run.checkpoint
    config = json.loads((good / "config.json").read_text())

    def checkpoint_with(**changes):
        target = tmp_path / f"ckpt{len(list(tmp_path.iterdir()))}"
        shutil.copytree(good, target)
        (target / "config.json").write_text(json.dumps(dict(config, **changes)))
        return target

    without_model = checkpoint_with()
    (without_model / "model.safetensors").unlink()
    with pytest.raises(checkpoint.CheckpointError, match="model.safetensors: unreadable"):
        checkpoint.load_model(without_model)
    with pytest.raises(checkpoint.CheckpointError, match="model.safetensors: unreadable"):
        load_interpreter(without_model)  # the cached loader too
    # sizes that do not fit the weights are refused before the model is built, absurd ones at once
    with pytest.raises(checkpoint.CheckpointError, match="does not match its config: .* in the weights"):
        checkpoint.load_model(checkpoint_with(model=dict(config["model"], d_model=config["model"]["d_model"] * 8)))
    huge = dict(config["model"], d_model=16_384, d_ff=65_536, n_encoder_layers=256)  # ~10^12 weights, if built
    with pytest.raises(checkpoint.CheckpointError, match="does not match its config: .* in the weights"):
        checkpoint.load_model(checkpoint_with(model=huge))  # its shapes found on the meta device
    with pytest.raises(checkpoint.CheckpointError, match="n_encoder_layers 1000000 is over the limit"):
        checkpoint.load_model(checkpoint_with(model=dict(config["model"], n_encoder_layers=10**6)))
    no_model_config = checkpoint_with()
    (no_model_config / "config.json").write_text(json.dumps({k: v for k, v in config.items() if k != "model"}))
    with pytest.raises(checkpoint.CheckpointError, match='no "model" object'):
        checkpoint.load_model(no_model_config)
    with pytest.raises(checkpoint.CheckpointError, match="encoder must be an encoder config"):
        checkpoint.load_model(checkpoint_with(model=dict(config["model"], encoder=None)))
    with pytest.raises(checkpoint.CheckpointError, match="dropout must be a number in"):
        checkpoint.load_model(checkpoint_with(model=dict(config["model"], dropout=float("nan"))))
    nan_weights = checkpoint_with()
    from safetensors.torch import load_file, save_file
    tensors = load_file(nan_weights / "model.safetensors")
    first = sorted(tensors)[0]
    tensors[first] = tensors[first] * float("nan")
    save_file(tensors, nan_weights / "model.safetensors")
    with pytest.raises(checkpoint.CheckpointError, match=f"weight {first} is not finite"):
        checkpoint.load_model(nan_weights)
    # latest.json is confined to the run's own step directories
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / "latest.json").write_text(json.dumps({"checkpoint": "../../../../etc"}))
    with pytest.raises(checkpoint.CheckpointError, match="not a step directory of this run"):
        checkpoint.load_model(run_dir)
    (run_dir / "latest.json").write_text(json.dumps({"checkpoint": "step-0000042"}))
    with pytest.raises(checkpoint.CheckpointError, match="step-0000042, which is not in"):
        checkpoint.load_model(run_dir)


# -- evaluation and the command line


def test_eval_scores_a_toy_checkpoint(run, examples, tmp_path):
    report = evaluate_model(run.checkpoint, examples, split=None, limit=3)
    rows = {row["variant"]: row for row in report.summary()}
    assert {"compiled", "scrambled", "tracr-lib"} <= set(rows)
    assert rows["compiled"]["nets"] == 3 and rows["compiled"]["parses"] == 1.0
    assert 0.0 <= rows["scrambled"]["token_accuracy"] <= 1.0
    exact_rows = [o for o in report.outcomes if o.exact]
    assert all(o.functional and o.same_weights for o in exact_rows)
    assert all(o.functional for o in report.outcomes if o.same_weights)
    assert rows["compiled"]["exact"] <= rows["compiled"]["same_weights"] <= rows["compiled"]["functional"]
    assert "variant" in report.format(examples=1)
    assert report.plot(tmp_path / "eval.png").stat().st_size > 1000
    _, accuracy = teacher_forced(checkpoint.load_model(run.checkpoint),
                                 encode_examples(examples, TINY_MODEL.encoder, 96)[0])
    assert 0.0 < accuracy < 1.0



def test_matched_eval_reads_the_nets_the_model_cannot(run, examples):
    """With `match_seconds` every net gets the answer `decompile(run_net=False)` gives: a program
    longer than the decoder spells, or a net bigger than the model reads, is matched all the
    same (counted wrong, unread, without it)."""
    chosen = [e for e in examples if e.variant == "compiled"][:2]
    for limits in ({"max_target_len": 6}, {"encoder": dataclasses.replace(TINY_MODEL.encoder, max_tokens=4)}):
        model = checkpoint.load_model(run.checkpoint)
        model.config = dataclasses.replace(model.config, **limits)
        skipped = evaluate_model(model, chosen, split=None, out_of_distribution=False)
        assert skipped.summary()[0]["skipped"] == 2 and not skipped.outcomes
        matched = evaluate_model(model, chosen, split=None, out_of_distribution=False, match_seconds=2)
        assert matched.summary()[0]["skipped"] == 0 and len(matched.outcomes) == 2
        assert all(compiler.parse(o.decoded) for o in matched.outcomes)


def test_the_old_name_of_evaluate_model_warns_and_scores_the_same(run, examples):
    import interpreter

    with pytest.warns(DeprecationWarning, match="interpreter.evaluate is now interpreter.evaluate_model"):
        old = interpreter.evaluate(run.checkpoint, examples[:2], split=None, out_of_distribution=False)
    new = interpreter.evaluate_model(run.checkpoint, examples[:2], split=None, out_of_distribution=False)
    assert old.summary() == new.summary()

def test_functional_check_accepts_an_equivalent_program_and_rejects_a_different_one(examples):
    from interpreter.evaluate import functional_difference

    example = next(e for e in examples if e.variant == "compiled")
    assert functional_difference(example.source, example) == ""
    assert functional_difference("v1 = map(lambda x: x, tokens)\nv2 = map(lambda x: 7, v1)\nreturn v2\n",
                                 example).startswith("differs on")


def tiny_corpus(tmp_path_factory, programs: int, chunk_size: int) -> Path:
    """A corpus directory of `programs` programs of the tiny recipe, `chunk_size` per shard."""
    from generator.corpus import build_corpus
    from generator.recipes import load_recipe

    recipe = dataclasses.replace(load_recipe("tiny"), programs=programs, chunk_size=chunk_size)
    out = tmp_path_factory.mktemp("corpora") / "tiny"
    build_corpus(recipe, out, workers=0, progress=False, log=lambda message: None)
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return tiny_corpus(tmp_path_factory, programs=8, chunk_size=8)


def test_cli_trains_evaluates_and_decompiles_from_a_corpus(corpus, tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model": TINY_MODEL.to_dict(), "warmup_steps": 1, "log_every": 1}))
    main(["train", "--corpus", str(corpus), "--out", str(tmp_path / "run"), "--config", str(config),
          "--steps", "2", "--batch-size", "4"])
    assert "trained 2 steps" in capsys.readouterr().out
    main(["eval", str(tmp_path / "run"), str(corpus), "--split", "train", "--limit", "2", "--no-tracr-lib",
          "--json", str(tmp_path / "outcomes.json"), "--time-budget", "5"])
    out = capsys.readouterr().out
    assert "exact" in out and "functional" in out
    assert "verified decoding (the model proposals" in out and "false certs" in out
    records = json.loads((tmp_path / "outcomes.json").read_text())
    assert len(records["weights_only"]) == 4 and len(records["verified_model"]) == 4
    assert not any(o["false_certificate"] for o in records["verified_model"])
    main(["eval", str(corpus), "--uniform", "--split", "train", "--limit", "1", "--no-tracr-lib",
          "--variants", "scrambled", "--json", str(tmp_path / "uniform.json")])
    records = json.loads((tmp_path / "uniform.json").read_text())
    assert list(records) == ["verified_uniform"] and len(records["verified_uniform"]) == 1
    assert records["verified_uniform"][0]["variant"] == "scrambled"
    assert "verified decoding (uniform proposals" in capsys.readouterr().out
    # weights-only decoding as `decompile --weights-only` reads: beams matched with the weights
    main(["eval", str(tmp_path / "run"), str(corpus), "--split", "train", "--limit", "1", "--no-tracr-lib",
          "--weights-only", "--beam", "2", "--match", "3", "--json", str(tmp_path / "matched.json")])
    matched = json.loads((tmp_path / "matched.json").read_text())["weights_only"]
    assert len(matched) == 2 and all(compiler.parse(o["decoded"]) for o in matched)  # compiled and scrambled
    fewest = min(e.n_ops for e in load_examples(corpus, "train"))
    main(["eval", str(tmp_path / "run"), str(corpus), "--split", "train", "--no-tracr-lib", "--weights-only",
          "--variants", "compiled", "--max-ops", str(fewest), "--json", str(tmp_path / "fewest.json")])
    fewest_rows = json.loads((tmp_path / "fewest.json").read_text())["weights_only"]
    assert fewest_rows and all(o["variant"] == "compiled" and o["n_ops"] == fewest for o in fewest_rows)
    with pytest.raises(SystemExit, match="--max-ops takes a positive number"):
        main(["eval", str(tmp_path / "run"), str(corpus), "--weights-only", "--max-ops", "0"])
    with pytest.raises(SystemExit, match="--match takes a positive number of seconds"):
        main(["eval", str(tmp_path / "run"), str(corpus), "--weights-only", "--match", "0"])
    capsys.readouterr()
    net = load_examples(corpus, "train")[0].net
    net.save(tmp_path / "net.safetensors")
    main(["decompile", str(tmp_path / "net.safetensors"), "--checkpoint", str(tmp_path / "run"), "--beam", "2",
          "--weights-only"])
    out = capsys.readouterr().out
    text = "".join(line for line in out.splitlines(keepends=True) if not line.startswith("#"))
    assert compiler.to_source(compiler.parse(text)) == text
    assert "verified" in out  # the certificate, as a comment
    result = decompile(net, tmp_path / "run", beam_size=2, run_net=False)
    assert result.source == text and result.method == "weights-only"
    # the beams matched with the net's weights and edited: at least as close to them as the best beam
    from interpreter.weights_match import similarity, token_bag

    def closeness(source):
        try:
            candidate = compiler.compile_program(source, set(net.vocab), net.config.max_seq_len,
                                                 causal=net.config.causal)
        except compiler.CompileError:
            return -1.0
        return similarity(token_bag(encode_net(net, TINY_MODEL.encoder)),
                          token_bag(encode_net(candidate, TINY_MODEL.encoder)))

    best_beam = search(checkpoint.load_model(tmp_path / "run"), [encode_net(net, TINY_MODEL.encoder)], beam_size=2)[0]
    assert closeness(result.weights_only) >= closeness(best_beam.text)
    assert any(note.startswith("weights-only: ") for note in result.notes)


def test_cli_errors_name_the_problem(corpus, tmp_path, monkeypatch):
    with pytest.raises(SystemExit, match="not an interpreter checkpoint"):
        main(["eval", str(tmp_path), str(corpus)])
    monkeypatch.setattr("interpreter.checkpoint.DEFAULT_CHECKPOINT", tmp_path / "gone")
    with pytest.raises(SystemExit, match="default interpreter checkpoint is missing"):
        main(["eval", str(corpus)])  # no checkpoint given: the default one
    with pytest.raises(SystemExit, match="--uniform uses no model"):
        main(["eval", str(corpus), "--uniform", "--checkpoint", str(tmp_path)])
    with pytest.raises(SystemExit, match="no network file"):
        main(["decompile", str(tmp_path / "missing.safetensors"), "--checkpoint", str(tmp_path)])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"stepz": 3}))
    with pytest.raises(SystemExit, match="unknown field"):
        main(["train", "--corpus", str(corpus), "--out", str(tmp_path / "run"), "--config", str(bad)])


@pytest.mark.slow
def test_two_process_data_parallel_training_on_cpu(tmp_path):
    """torchrun's path: two gloo processes train in step and write one checkpoint."""
    script = tmp_path / "ddp.py"
    script.write_text(
        "import dataclasses, sys, torch\n"
        "from interpreter.data import sample_examples\n"
        "from interpreter.train import TrainConfig, train\n"
        "from tests.test_interpreter import TINY_MODEL\n"
        "torch.set_num_threads(1)\n"
        "config = TrainConfig(model=TINY_MODEL, steps=3, batch_size=2, warmup_steps=1, log_every=1)\n"
        "result = train(sample_examples(6, seed=1), sys.argv[1], config, progress=False)\n"
        "print('rank done', result.step)\n")
    root = Path(__file__).parents[1]
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", str(script),
                    str(tmp_path / "run")], check=True, cwd=root, timeout=300,
                   env={**os.environ, "PYTHONPATH": str(root)})
    assert checkpoint.load_model(tmp_path / "run").config == TINY_MODEL


def test_every_torch_command_takes_a_device(run, corpus, tmp_path):
    net = load_examples(corpus, "train")[0].net
    net.save(tmp_path / "net.safetensors")
    for argv in (["decompile", str(tmp_path / "net.safetensors"), "--checkpoint", str(run.checkpoint)],
                 ["eval", str(run.checkpoint), str(corpus), "--no-tracr-lib", "--limit", "1"],
                 ["train", "--corpus", str(corpus), "--out", str(tmp_path / "r"), "--steps", "1"]):
        with pytest.raises(SystemExit, match="'nonsense' is not a torch device"):
            main(argv + ["--device", "nonsense"])
    # the model's beam search gets a fifth of the budget: 6 s, ample for the tiny model on a busy CPU
    result = decompile(net, run.checkpoint, device="cpu", time_budget=30)
    assert result.weights_only is not None


def test_a_plain_cuda_device_is_given_the_current_gpu_index(monkeypatch):
    # torch.cuda.set_device refuses a device without an index ("Expected a torch.device with a
    # specified index"): `fountain train --device cuda` failed on a GPU machine before training began
    train_module = importlib.import_module("interpreter.train")

    chosen = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)
    monkeypatch.setattr(torch.cuda, "set_device", lambda device: chosen.append(torch.device(device)))
    assert train_module._distributed("cuda") == (0, 1, torch.device("cuda", 1))
    assert train_module._distributed("cuda:0") == (0, 1, torch.device("cuda", 0))
    assert chosen == [torch.device("cuda", 1), torch.device("cuda", 0)]
    assert all(device.index is not None for device in chosen)


def test_checkpoints_are_as_readable_as_any_file_the_umask_allows(tmp_path):
    import os
    import stat

    from interpreter.checkpoint import save_checkpoint

    old = os.umask(0o022)
    try:
        step = save_checkpoint(tmp_path / "run", "step-0000001", Interpreter(TINY_MODEL))
    finally:
        os.umask(old)
    assert stat.S_IMODE(step.stat().st_mode) == 0o755
    assert {stat.S_IMODE(f.stat().st_mode) for f in step.iterdir()} == {0o644}
