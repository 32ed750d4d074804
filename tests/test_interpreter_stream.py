"""Training streams: a corpus streamed window by window (the in-memory batches when one window
holds it all; exact resume; disjoint ranks) and the fountain (deterministic across worker
counts, train-split programs only and never one twice, exact resume, a loss that falls)."""

import collections
import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from safetensors.torch import load_file

from compiler.language import tokenizer
from fountain.cli import main
from generator.recipes import load_recipe
from generator.units import draw_unit, program_id, split_of
from interpreter import checkpoint, fountain_stream
from interpreter.batching import POOL, deal, unpack
from interpreter.fountain_stream import DISTINCT_STREAM, Fountain, FountainStream, fountain_unit
from interpreter.stream import CorpusStream, MemoryStream, open_stream
from interpreter.train import TrainConfig, train
from tests.test_interpreter import TINY_MODEL, one_thread, tiny_corpus  # noqa: F401 (autouse: one torch thread)

# Virtual weights, whose tokens tell a scrambled net from its compiled twin (circuits do not),
# so that an item's bytes say which row it came from.
ENCODER, MAX_LEN = dataclasses.replace(TINY_MODEL.encoder, kind="invariant"), TINY_MODEL.max_target_len
UNIT = 16  # programs per fountain unit: small, so that a few items span several units


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return tiny_corpus(tmp_path_factory, programs=24, chunk_size=4)  # several shards


def _config(**changes) -> TrainConfig:
    return dataclasses.replace(TrainConfig(model=TINY_MODEL, steps=6, batch_size=4, warmup_steps=2, lr=3e-3,
                                           log_every=1, eval_every=3, checkpoint_every=3, keep_checkpoints=3,
                                           eval_examples=8), **changes)


def _key(item) -> bytes:
    return item.values.tobytes() + item.target.tobytes()


def _same(first, second) -> bool:
    return [_key(i) for i in first] == [_key(i) for i in second]


def _batches(stream, steps) -> list[list]:
    return [stream.batch(step) for step in steps]


# -- windows into batches


@given(rows=st.integers(1, 300), world_size=st.integers(1, 4), batch_size=st.integers(1, 9),
       seed=st.integers(0, 2**16))
def test_ranks_are_dealt_disjoint_rows_that_cover_the_window(rows, world_size, batch_size, seed):
    shares = [deal(rows, (seed, 0, 0), batch_size, rank, world_size) for rank in range(world_size)]
    taken = np.concatenate([mine for mine, _, _ in shares])
    assert sorted(taken.tolist()) == list(range(rows))
    assert len({n for _, n, _ in shares}) == 1  # every process takes as many steps


# -- a corpus, streamed


def test_a_corpus_in_one_window_streams_the_in_memory_batches(corpus):
    memory, _ = open_stream(corpus, _config(), stream=False)
    streamed, _ = open_stream(corpus, _config(), stream=True, workers=0, buffer_rows=10**6)
    assert isinstance(memory, MemoryStream) and isinstance(streamed, CorpusStream)
    steps = range(3 * memory.per_epoch)  # three epochs
    for first, second in zip(_batches(memory, steps), _batches(streamed, steps)):
        assert len(first) == 4 and _same(first, second)


def test_a_streamed_corpus_resumes_exactly_and_reshuffles_each_epoch(corpus):
    def stream(**options):
        return CorpusStream(corpus, ENCODER, MAX_LEN, seed=3, batch_size=2, buffer_rows=7, **options)

    whole = stream()
    assert len(whole.windows(0)) > 2  # several windows per epoch
    epoch = whole.first_step(1)
    steps = range(2 * epoch + 2)
    uninterrupted = _batches(whole, steps)
    # mid-window, an epoch's last step, the next epoch; windows encoded in slices by a worker
    for start, options in ((1, {}), (epoch - 1, {}), (epoch + 3, {"workers": 1, "slice_rows": 3})):
        resumed = stream(**options)
        try:
            assert all(_same(a, b) for a, b in zip(uninterrupted[start:], _batches(resumed, steps[start:])))
        finally:
            resumed.close()
    assert not all(_same(a, b) for a, b in zip(uninterrupted[:epoch], uninterrupted[epoch:2 * epoch]))


def test_streamed_ranks_see_disjoint_nets(corpus):
    ranks = [CorpusStream(corpus, ENCODER, MAX_LEN, seed=0, batch_size=2, rank=r, world_size=2, buffer_rows=8)
             for r in range(2)]
    per_epoch = ranks[0].first_step(1)
    seen = [{_key(i) for step in range(per_epoch) for i in stream.batch(step)} for stream in ranks]
    assert seen[0] and seen[1] and not seen[0] & seen[1]


def test_training_on_a_streamed_corpus_resumes_exactly(corpus, tmp_path):
    def run(directory, **options):
        return train(corpus, directory, _config(), stream=True, workers=0, buffer_rows=9, progress=False, **options)

    whole = run(tmp_path / "whole")
    resumed_dir = tmp_path / "resumed"
    resumed_dir.mkdir()
    shutil.copytree(whole.checkpoint.parent / "step-0000003", resumed_dir / "step-0000003")
    (resumed_dir / "latest.json").write_text(json.dumps({"checkpoint": "step-0000003"}))
    resumed = run(resumed_dir, resume=True)
    first, second = (load_file(r.checkpoint / "model.safetensors") for r in (whole, resumed))
    assert resumed.step == 6 and all(torch.equal(first[k], second[k]) for k in first)


# -- the fountain


def _fountain(workers=0, **options):
    return FountainStream("tiny", ENCODER, MAX_LEN, seed=5, batch_size=2, unit_programs=UNIT, workers=workers,
                          **options)


def test_a_unit_encodes_the_nets_a_corpus_row_holds():
    """A fountain unit encodes its nets in memory (`program_nets`); the tokens are those of the same
    nets written to a corpus row and read back, for every variant."""
    from generator.units import program_rows
    from interpreter.data import example_from_row, try_encode

    recipe = load_recipe("tiny")
    packed = fountain_unit(recipe.to_json(), ("fountain", 0), 0, UNIT, "train", json.dumps(dataclasses.asdict(ENCODER)),
                           MAX_LEN)[1]
    items = [item for _, item in unpack(packed, ENCODER.width)]
    unit, drawn, _ = draw_unit(recipe, 0, UNIT, ("fountain", 0), False)
    rows = [row for p in drawn if split_of(program_id(p.source), recipe.splits, recipe.split_seed) == "train"
            for row in program_rows(unit, p.source, program=p)]
    assert len(items) == len(rows) > 0 and {row["variant"] for row in rows} == {"compiled", "scrambled"}
    for item, row in zip(items, rows):
        expected = try_encode(example_from_row(row, "row"), ENCODER, MAX_LEN)
        assert isinstance(item, str) == isinstance(expected, str)
        assert item == expected if isinstance(item, str) else (
            _key(item) == _key(expected) and item.tags.tobytes() == expected.tags.tobytes())


@pytest.mark.parametrize("split", ["train", "val"])
def test_a_fountain_unit_keeps_only_its_split(split):
    recipe = load_recipe("tiny")
    ids_json, _ = fountain_unit(recipe.to_json(), ("fountain", 0), 0, UNIT, split, None, MAX_LEN)
    ids = json.loads(ids_json)
    assert 0 < len(ids) < UNIT  # the other splits' programs were drawn and left out
    assert all(split_of(pid, recipe.splits, recipe.split_seed) == split for pid in ids)


def test_a_unit_of_usable_programs_draws_them_alone():
    """With `usable_only`, every program a unit draws is one the stream uses: in its split and
    within the decoder's length, all `programs` of them; the others are refused unchecked (and
    aggregates the compiler refuses are screened out as they are drawn)."""
    recipe = load_recipe("tiny")
    train = [p for p in draw_unit(recipe, 0, UNIT, ("fountain", 0), False)[1]
             if split_of(program_id(p.source), recipe.splits, recipe.split_seed) == "train"]
    plain = json.loads(fountain_unit(recipe.to_json(), ("fountain", 0), 0, UNIT, "train", None, MAX_LEN)[0])
    assert plain == [program_id(p.source) for p in train]  # too long ones included, and left out as items
    screened = [p for p in draw_unit(recipe, 0, UNIT, ("fountain", 0), False, screen_aggregates=True)[1]
                if split_of(program_id(p.source), recipe.splits, recipe.split_seed) == "train"]
    fitting = [program_id(p.source) for p in screened if len(tokenizer.encode(p.source)) <= MAX_LEN]
    usable = json.loads(fountain_unit(recipe.to_json(), ("fountain", 0), 0, UNIT, "train", None, MAX_LEN, True)[0])
    assert len(usable) == UNIT > len(fitting) and usable[:len(fitting)] == fitting  # the same draws, more of them
    assert all(split_of(pid, recipe.splits, recipe.split_seed) == "train" for pid in usable)
    short = 30  # tokens: the shortest third of tiny's programs
    refuse = fountain_stream._unusable(recipe, "train", short)
    programs = draw_unit(recipe, 0, UNIT, ("fountain", 0), False, refuse=refuse, screen_aggregates=True)[1]
    ids = json.loads(fountain_unit(recipe.to_json(), ("fountain", 0), 0, UNIT, "train", None, short, True)[0])
    assert ids == [program_id(p.source) for p in programs]
    assert all(len(tokenizer.encode(p.source)) <= short for p in programs)
    assert "longer than the decoder's 30 tokens" in refuse(max((p.source for p in programs), key=len) * 2)


def test_the_fountain_never_repeats_a_program_and_holds_out_val_and_test():
    tiny = load_recipe("tiny")  # one-operation programs: few enough that units draw some twice
    recipe = dataclasses.replace(tiny, generator=dataclasses.replace(tiny.generator, max_ops=1))
    stream = FountainStream(recipe, ENCODER, MAX_LEN, seed=5, batch_size=2, unit_programs=UNIT)
    pairs = stream.programs.take(6 * UNIT)
    runs = [pid for i, (pid, _) in enumerate(pairs) if i == 0 or pairs[i - 1][0] != pid]
    assert len(runs) == len(set(runs))  # a program's variants come together, and never again
    assert stream.programs.unit >= 3
    drawn = collections.Counter(pid for unit in range(stream.programs.unit + 1) for pid in json.loads(
        fountain_unit(recipe.to_json(), ("fountain", 5), unit, UNIT, "train", None, MAX_LEN)[0]))
    assert max(drawn.values()) > 1  # units did draw a program twice: the dropping was needed
    assert all(split_of(pid, recipe.splits, recipe.split_seed) == "train" for pid in runs)
    assert {pid for pid, _ in pairs} <= set(drawn)


def test_the_fountain_gives_the_same_items_whatever_the_worker_count():
    steps = range(POOL + 2)  # two pools
    one, two = _fountain(workers=1), _fountain(workers=2)
    try:
        assert all(_same(a, b) for a, b in zip(_batches(one, steps), _batches(two, steps)))
    finally:
        one.close()
        two.close()


def test_a_resumed_fountain_continues_with_the_same_batches():
    whole = _fountain(reuse=2)
    steps = range(7 * POOL * 2)
    uninterrupted = _batches(whole, steps)
    start = 6 * POOL * 2 - 3  # late in a pool that begins past the first units
    whole_again = _fountain(reuse=2)
    _batches(whole_again, range(start + 1))
    position, seen = whole_again.position(start), whole_again.seen(start)
    assert position[1] > 0 and seen.dtype == np.uint64 and len(seen) > 0
    drawn = {int(pid, 16) for unit in range(position[1]) for pid in json.loads(fountain_unit(
        load_recipe("tiny").to_json(), ("fountain", 5), unit, UNIT, "train", None, MAX_LEN)[0])}
    assert set(seen.tolist()) == drawn  # exactly the programs of the units before the position
    resumed = _fountain(reuse=2, position=position, seen=seen)  # as a checkpoint resumes it
    replayed = _fountain(reuse=2, position=position)  # an older checkpoint: the units are drawn again
    assert replayed.programs.distinct.seen == resumed.programs.distinct.seen == drawn
    assert all(_same(a, b) for a, b in zip(uninterrupted[start:], _batches(resumed, steps[start:])))
    assert all(_same(a, b) for a, b in zip(uninterrupted[start:], _batches(replayed, steps[start:])))
    reused = collections.Counter(_key(i) for step in range(POOL * 2) for i in uninterrupted[step])
    assert set(reused.values()) == {2}  # each fresh net of the pool twice


def test_distinct_encodings_skip_the_scrambles_the_circuit_encoder_reads_as_their_twin():
    """With `distinct_encodings` and the circuit encoder, each program gives one item, which is what
    the same stream without the option gives for its compiled net and (to float rounding) for its
    scrambled one; the stream's identity says so, so that a checkpoint of either resumes only as
    itself. An encoder that tells a scramble apart keeps every variant."""
    circuit = dataclasses.replace(ENCODER, kind="circuit")
    every = FountainStream("tiny", circuit, MAX_LEN, seed=5, batch_size=2, unit_programs=UNIT)
    distinct = FountainStream("tiny", circuit, MAX_LEN, seed=5, batch_size=2, unit_programs=UNIT,
                              distinct_encodings=True)
    kept = FountainStream("tiny", ENCODER, MAX_LEN, seed=5, batch_size=2, unit_programs=UNIT, distinct_encodings=True)
    try:
        pairs, singles = every.programs.take(64), distinct.programs.take(32)
        assert [pid for pid, _ in pairs[::2]] == [pid for pid, _ in pairs[1::2]]  # compiled, scrambled
        for (_, compiled), (_, scrambled) in zip(pairs[:32:2], pairs[1:32:2]):
            np.testing.assert_allclose(scrambled.values, compiled.values, atol=1e-6)
        compiled = dict(pairs[::2])
        shared = [(pid, single) for pid, single in singles if pid in compiled]
        assert len(shared) >= 4 and len({pid for pid, _ in singles}) == 32  # the units' first draws are the same
        assert all(_key(single) == _key(compiled[pid]) for pid, single in shared)
        assert "one compiled net per program" in distinct.note and not every.note
        assert distinct.identity == {**every.identity, "distinct_encodings": DISTINCT_STREAM}
        assert len({pid for pid, _ in kept.programs.take(8)}) == 4 and kept.identity == {
            **_fountain().identity, "distinct_encodings": DISTINCT_STREAM}
    finally:
        every.close(), distinct.close(), kept.close()


def test_fountain_training_loss_falls_and_resumes_exactly(tmp_path, monkeypatch):
    data = Fountain("tiny", unit_programs=UNIT)
    config = _config(steps=24, batch_size=4, lr=1e-2, eval_every=12, checkpoint_every=12)
    whole = train(data, tmp_path / "whole", config, workers=0, progress=False)
    losses = [row["loss"] for row in whole.metrics if "loss" in row]
    assert losses[-1] < 0.6 * losses[0] and whole.val_examples == 8
    resumed_dir = tmp_path / "resumed"
    resumed_dir.mkdir()
    shutil.copytree(whole.checkpoint.parent / "step-0000012", resumed_dir / "step-0000012")
    (resumed_dir / "latest.json").write_text(json.dumps({"checkpoint": "step-0000012"}))
    saved = checkpoint.load_state(resumed_dir / "step-0000012")
    assert len(saved.tensors["stream_seen/0"]) > 0  # the programs drawn so far, kept with the checkpoint
    replays = []
    real_unit = fountain_stream.fountain_unit
    monkeypatch.setattr(fountain_stream, "fountain_unit", lambda *args: (replays.append(args[5] is None),
                                                                      real_unit(*args))[1])
    resumed = train(data, resumed_dir, config, resume=True, workers=0, progress=False)
    assert replays and not any(replays)  # resuming drew no earlier unit again
    first, second = (load_file(r.checkpoint / "model.safetensors") for r in (whole, resumed))
    assert all(torch.equal(first[k], second[k]) for k in first)
    with pytest.raises(ValueError, match="other settings"):
        train(Fountain("tiny", reuse=2, unit_programs=UNIT), resumed_dir, config, resume=True, workers=0,
              progress=False)


@pytest.mark.parametrize("older, why", [(True, "before the fountain's units drew only the programs they use"),
                                        ("usable only", "before the fountain's units screened out aggregates")])
def test_a_distinct_encodings_run_from_before_its_units_changed_is_refused_saying_why(tmp_path, older, why):
    """A run of `distinct_encodings` saved before its units drew only usable programs, or before they
    screened aggregates, was another stream: resuming it is refused with the reason, not a list of
    settings the user did not change."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    data = Fountain("tiny", unit_programs=UNIT, distinct_encodings=True)
    run = train(data, tmp_path / "run", _config(steps=2, eval_every=2, checkpoint_every=2), workers=0, progress=False)
    state = run.checkpoint / "train_state.safetensors"
    with safe_open(state, "pt") as f:
        metadata, tensors = f.metadata(), {key: f.get_tensor(key) for key in f.keys()}
    saved = json.loads(metadata[checkpoint._STATE_KEY])
    assert saved["extra"]["stream"]["identity"]["distinct_encodings"] == DISTINCT_STREAM
    saved["extra"]["stream"]["identity"]["distinct_encodings"] = older  # as the option's runs before saved it
    save_file(tensors, state, metadata={**metadata, checkpoint._STATE_KEY: json.dumps(saved)})
    with pytest.raises(ValueError, match=why):
        train(data, tmp_path / "run", _config(steps=4), resume=True, workers=0, progress=False)


def test_cli_trains_on_the_fountain_validating_on_a_corpus(corpus, tmp_path, capsys):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"model": TINY_MODEL.to_dict(), "warmup_steps": 1, "eval_examples": 4}))
    main(["train", "--fountain", "tiny", "--corpus", str(corpus), "--out", str(tmp_path / "run"), "--config",
          str(config), "--steps", "2", "--batch-size", "2", "--workers", "0"])
    printed = capsys.readouterr()
    assert "trained 2 steps on 16 fresh nets" in printed.out and "--distinct-encodings would skip" in printed.err
    with pytest.raises(SystemExit, match="give one of"):
        main(["train", "--fountain", "tiny", "--programs", "3", "--out", str(tmp_path / "x")])
    with pytest.raises(SystemExit, match="--reuse goes with --fountain"):
        main(["train", "--corpus", str(corpus), "--reuse", "2", "--out", str(tmp_path / "x")])
    with pytest.raises(SystemExit, match="--distinct-encodings goes with --fountain"):
        main(["train", "--corpus", str(corpus), "--distinct-encodings", "--out", str(tmp_path / "x")])
    main(["train", "--fountain", "tiny", "--distinct-encodings", "--out", str(tmp_path / "one"), "--config",
          str(config), "--steps", "1", "--batch-size", "2", "--workers", "0"])
    assert "one compiled net per program" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="no such recipe"):
        main(["train", "--fountain", "no-such-recipe", "--out", str(tmp_path / "x")])


@pytest.mark.slow
def test_two_process_fountain_training_resumes_exactly(tmp_path):
    """torchrun's path: each process its own units; the checkpoint holds both positions."""
    script = tmp_path / "ddp.py"
    script.write_text(
        "import sys, torch\n"
        "from interpreter.fountain_stream import Fountain\n"
        "from interpreter.train import TrainConfig, train\n"
        "from tests.test_interpreter import TINY_MODEL\n"
        "torch.set_num_threads(1)\n"
        "config = TrainConfig(model=TINY_MODEL, steps=12, batch_size=2, warmup_steps=1, checkpoint_every=9,\n"
        "                     eval_examples=4)\n"
        "if __name__ == '__main__':\n"
        "    train(Fountain('tiny', unit_programs=16), sys.argv[1], config, resume=True, workers=1, progress=False)\n")
    root = Path(__file__).parents[1]

    def torchrun(run_dir: Path) -> None:
        subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", str(script),
                        str(run_dir)], check=True, cwd=root, timeout=300, env={**os.environ, "PYTHONPATH": str(root)})

    torchrun(tmp_path / "whole")
    positions = checkpoint.load_state(tmp_path / "whole" / "step-0000009").extra["stream"]["positions"]
    assert len(positions) == 2 and positions[0][0] == positions[1][0] == 1
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    shutil.copytree(tmp_path / "whole" / "step-0000009", resumed / "step-0000009")
    (resumed / "latest.json").write_text(json.dumps({"checkpoint": "step-0000009"}))
    torchrun(resumed)
    first, second = (load_file(d / "step-0000012" / "model.safetensors") for d in (tmp_path / "whole", resumed))
    assert all(torch.equal(first[k], second[k]) for k in first)
