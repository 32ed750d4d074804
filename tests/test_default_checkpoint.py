"""The interpreter that ships with the package: it loads, reads nets of vocabularies it never saw,
and a missing or corrupt copy is one clear error."""

import shutil

import pytest

import compiler
from fountain.cli import main
from interpreter.checkpoint import (
    DEFAULT_CHECKPOINT,
    CheckpointError,
    NoDefaultCheckpoint,
    default_checkpoint,
    load_model,
)
from interpreter.verified import decompile

#: A vocabulary no training recipe draws (words of capitals and digits).
UNSEEN = {"Q7", "Z3", "K9"}


def test_the_default_checkpoint_ships_small_and_loads():
    path = default_checkpoint()
    size = sum(f.stat().st_size for f in path.iterdir())
    assert size <= 20 * 2**20
    assert (path / "README.md").is_file()  # its model card
    load_model(path)


def test_the_default_checkpoint_decodes_a_net_of_a_vocabulary_it_never_saw(tmp_path, capsys):
    source = "s = select(tokens, tokens, EQ)\nw = selector_width(s)\nreturn w\n"
    net = compiler.compile_program(source, vocab=UNSEEN, max_seq_len=4)
    only = decompile(net, run_net=False)  # the model alone: a reading, certified
    assert only.method == "weights-only" and only.source and compiler.parse(only.source)
    result = decompile(compiler.scramble(net, seed=3), time_budget=20)
    assert result.verified and result.weights_only is not None
    net.save(tmp_path / "net.safetensors")
    main(["decompile", str(tmp_path / "net.safetensors")])
    assert "# verified" in capsys.readouterr().out


def test_a_missing_or_corrupt_default_checkpoint_is_one_clear_error(tmp_path, monkeypatch):
    net = compiler.compile_program("v = map(lambda x: x, tokens)\nreturn v\n", vocab={1, 2}, max_seq_len=2)
    monkeypatch.setattr("interpreter.checkpoint.DEFAULT_CHECKPOINT", tmp_path / "gone")
    with pytest.raises(NoDefaultCheckpoint, match="missing from this installation"):
        decompile(net)
    corrupt = tmp_path / "corrupt"
    shutil.copytree(DEFAULT_CHECKPOINT, corrupt)
    data = (corrupt / "model.safetensors").read_bytes()
    (corrupt / "model.safetensors").write_bytes(data[: len(data) // 2])
    monkeypatch.setattr("interpreter.checkpoint.DEFAULT_CHECKPOINT", corrupt)
    with pytest.raises(CheckpointError, match="model.safetensors"):
        decompile(net)
    net.save(tmp_path / "n.safetensors")
    with pytest.raises(SystemExit, match="model.safetensors"):
        main(["decompile", str(tmp_path / "n.safetensors")])


def test_the_model_s_beam_search_keeps_to_its_share_of_the_budget(monkeypatch):
    import time

    from interpreter import decode
    from interpreter.encoding import encode_net

    net = compiler.compile_program("return selector_width(select(tokens, tokens, EQ))\n", vocab=UNSEEN, max_seq_len=4)
    model = decode.load_interpreter(default_checkpoint())
    encoded = encode_net(net, model.config.encoder)
    assert decode.search_all(model, encoded, 8, deadline=time.monotonic()) == []
    # a pace that cannot finish the shortest program this net can have gives up after a few steps
    began = time.monotonic()
    assert decode.search_all(model, encoded, 8, deadline=began + 600, min_length=10**6) == []
    assert time.monotonic() - began < 60
    assert decode.search_all(model, encoded, 8, deadline=time.monotonic() + 600, min_length=10)  # it can
    real = decode.search_all
    import torch

    threads, seen = torch.get_num_threads(), []
    monkeypatch.setattr("interpreter.verified.search_all",  # one torch thread on the CPU while it runs
                        lambda *args, **kwargs: seen.append(torch.get_num_threads()) or real(*args, **kwargs))
    decompile(net, model, time_budget=20)
    assert seen == [1] and torch.get_num_threads() == threads
    monkeypatch.setattr("interpreter.verified.search_all",  # a model that runs out of time every time
                        lambda *args, **kwargs: real(*args, **dict(kwargs, deadline=time.monotonic())))
    result = decompile(net, model, time_budget=20)
    assert result.weights_only is None and result.verified  # the search still reads it
    assert any("the model finished no program" in note for note in result.notes)
