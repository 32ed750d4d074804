"""Nets from elsewhere: tracr's assembled models and TransformerLens models, round-tripped."""

import dataclasses
import random

import pytest
from tracr.compiler import compiling, lib
from tracr.rasp import rasp

import compiler
from compiler import ModelImportError, Net
from compiler.compiling.check import check_net
from interpreter.verified import decompile

TRACR = {
    "hist": (lambda: lib.make_hist(), {"a", "b", "c"}, 5),
    "frac_prevs": (lambda: lib.make_frac_prevs(rasp.tokens == "a"), {"a", "b"}, 4),
    "sort_unique": (lambda: lib.make_sort_unique(rasp.tokens, rasp.tokens), {1, 2, 3, 4}, 4),
}


def _tracr(name):
    build, vocab, max_seq_len = TRACR[name]
    program = build()
    return program, compiling.compile_rasp_to_model(program, vocab=vocab, max_seq_len=max_seq_len,
                                                    compiler_bos="BOS"), vocab, max_seq_len


@pytest.mark.parametrize("name", sorted(TRACR))
def test_a_tracr_model_becomes_a_net_that_computes_what_it_does(name, tmp_path):
    program, model, vocab, max_seq_len = _tracr(name)
    net = Net.from_tracr(model, program)
    rng = random.Random(0)
    tokens = sorted(vocab, key=str)
    for _ in range(40):
        xs = [rng.choice(tokens) for _ in range(rng.randint(1, max_seq_len))]
        ours, theirs = net.run([xs])[0], model.apply(["BOS"] + xs).decoded[1:]
        for a, b in zip(ours, theirs):
            # where tracr writes no output direction its argmax reads the first value; ours says None
            if a is not None:
                assert a == pytest.approx(b, abs=1e-4) if isinstance(a, float) else a == b
    # and it is a Net like any other: saved, scrambled, checked and decompiled
    net.save(tmp_path / "net.safetensors")
    loaded = Net.load(tmp_path / "net.safetensors")
    assert loaded.run([tokens[:2]]) == net.run([tokens[:2]])
    scrambled = compiler.scramble(net, seed=1)
    assert check_net(compiler.from_sop(program, vocab=vocab, max_seq_len=max_seq_len), scrambled).ok
    result = decompile(scrambled, proposals="uniform", time_budget=20)
    assert result.verified


def test_the_output_comes_from_the_label_never_a_guess():
    program, model, _, _ = _tracr("hist")
    with pytest.raises(ModelImportError, match="no residual direction 'tokens_x:.*carries"):
        Net.from_tracr(model, "tokens_x")
    assert Net.from_tracr(model, program.label).W_U.shape[1] == len(model.output_encoder.encoding_map)
    # the name given before tracr numbered it, and an S-Op the model does not output: the label meant
    with pytest.raises(ModelImportError, match=f"did you mean {program.label!r}"):
        Net.from_tracr(model, program.label.rsplit("_", 1)[0] + "x")
    with pytest.raises(ModelImportError, match=f"'tokens' is in the residual stream, but not with the values .* "
                                               f"only the program's output S-Op .*did you mean {program.label!r}"):
        Net.from_tracr(model, "tokens")
    with pytest.raises(ModelImportError, match="output SOp or its label"):
        Net.from_tracr(model, 3)
    from tracr.rasp import rasp

    with pytest.raises(ModelImportError, match="output_sop is a selector .*Select.*pass the SOp the program returns"):
        Net.from_tracr(model, rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ))
    with pytest.raises(ModelImportError, match="not a tracr AssembledTransformerModel"):
        Net.from_tracr(object(), program)
    normed = dataclasses.replace(model, model_config=dataclasses.replace(model.model_config, layer_norm=True))
    with pytest.raises(ModelImportError, match="layer norm"):
        Net.from_tracr(normed, program)


torch = pytest.importorskip("torch")


def test_a_hooked_transformer_round_trips():
    pytest.importorskip("transformer_lens")
    from compiler.nets.lens import to_hooked_transformer

    net = compiler.compile_program("s = select(tokens, tokens, LT)\nreturn aggregate(select(selector_width(s), "
                                   "indices, EQ), tokens)", vocab={1, 2, 3}, max_seq_len=5)
    model = to_hooked_transformer(net)
    back = Net.from_hooked_transformer(model, net.input_tokens, net.output_values, bos=net.bos, pad=net.pad)
    batch = [[3, 1, 2, 2, 1], [2, 1], [1]]
    assert back.run(batch) == net.run(batch)
    assert decompile(back, proposals="uniform", time_budget=20).verified
    # a model without a PAD token gets one (a zero embedding)
    without_pad = [t for t in net.input_tokens if t != net.pad]
    keep = [i for i, t in enumerate(net.input_tokens) if t != net.pad]
    with torch.no_grad():
        model.embed.W_E.data = model.embed.W_E.data[keep]
    model.cfg.d_vocab = len(keep)
    padded = Net.from_hooked_transformer(model, without_pad, net.output_values, bos=net.bos, pad="PAD_ADDED")
    assert padded.input_tokens[-1] == "PAD_ADDED" and padded.run(batch) == net.run(batch)


@pytest.mark.filterwarnings("ignore:HookedTransformer is deprecated:DeprecationWarning")
def test_what_a_net_cannot_hold_is_refused_by_name():
    pytest.importorskip("transformer_lens")
    from transformer_lens import HookedTransformer, HookedTransformerConfig

    def model(**overrides):
        config = dict(n_layers=1, d_model=8, d_head=4, n_heads=2, d_mlp=16, d_vocab=5, d_vocab_out=3, n_ctx=6,
                      act_fn="relu", normalization_type=None, positional_embedding_type="standard")
        config.update(overrides)
        return HookedTransformer(HookedTransformerConfig(**config))

    tokens, values = ["BOS", 1, 2, 3, "compiler_pad"], [1, 2, 3]
    assert Net.from_hooked_transformer(model(), tokens, values).config.n_heads == 2
    with pytest.raises(ModelImportError, match="LayerNorm"):
        Net.from_hooked_transformer(model(normalization_type="LN"), tokens, values)
    with pytest.raises(ModelImportError, match="activation gelu"):
        Net.from_hooked_transformer(model(act_fn="gelu"), tokens, values)
    biased = model()
    with torch.no_grad():
        biased.unembed.b_U.data[:] = 0.5
    with pytest.raises(ModelImportError, match="unembedding bias"):
        Net.from_hooked_transformer(biased, tokens, values)
    with pytest.raises(ModelImportError, match="output_values has 2 values but the model has 3"):
        Net.from_hooked_transformer(model(), tokens, values[:2])
    with pytest.raises(ModelImportError, match="BOS token"):
        Net.from_hooked_transformer(model(), [0, 1, 2, 3, 4], values)
    with pytest.raises(ModelImportError, match="not a HookedTransformer"):
        Net.from_hooked_transformer(object(), tokens, values)
    with pytest.raises(ModelImportError, match="input_tokens must be a list in id order .*not a dict"):
        Net.from_hooked_transformer(model(), dict.fromkeys(tokens), values)
    with pytest.raises(ModelImportError, match="output_values must be a list in id order .*not a set"):
        Net.from_hooked_transformer(model(), tokens, set(values))
    # tracr's padding token under another name would be read as an input token
    with pytest.raises(ModelImportError, match="tracr's padding token 'compiler_pad' but pad='<pad>': pass "
                                               "pad='compiler_pad'"):
        Net.from_hooked_transformer(model(), tokens, values, pad="<pad>")
    # a model not compiled by tracr has logits of no fixed scale: none_threshold=None reads them by argmax
    plain = model()
    assert Net.from_hooked_transformer(plain, tokens, values).none_threshold == 0.5
    argmax = Net.from_hooked_transformer(plain, tokens, values, none_threshold=None)
    ids = torch.tensor([[0, 1, 2, 3]])
    with torch.no_grad():
        expected = [values[i] for i in plain(ids)[0, 1:].argmax(-1).tolist()]
    assert argmax.none_threshold is None and argmax.run([[1, 2, 3]]) == [expected]
    # read with tracr's threshold, small logits are None everywhere, and decompile says why
    with torch.no_grad():
        plain.unembed.W_U.data *= 0.0
    silent = Net.from_hooked_transformer(plain, tokens, values)
    notes = decompile(silent, proposals="uniform", time_budget=2).notes
    assert any("outputs None on every input traced" in note and "--argmax" in note for note in notes)


@pytest.mark.filterwarnings("ignore:HookedTransformer is deprecated:DeprecationWarning")
def test_fountain_export_and_import_round_trip_through_files(tmp_path, capsys):
    pytest.importorskip("transformer_lens")
    import json

    from fountain.cli import main

    net = compiler.scramble(compiler.compile_program(
        "s = select(tokens, tokens, LT)\nw = selector_width(s)\nreturn w", vocab={1, 2, 3}, max_seq_len=4), seed=2)
    net.save(tmp_path / "net.safetensors")
    model, config = tmp_path / "model.safetensors", tmp_path / "config.json"
    main(["export", str(tmp_path / "net.safetensors"), "--model", str(model), "--config", str(config)])
    main(["import", str(model), str(config), "-o", str(tmp_path / "back.safetensors")])
    back = Net.load(tmp_path / "back.safetensors")
    rng = random.Random(0)
    batch = [[rng.choice([1, 2, 3]) for _ in range(rng.randint(1, 4))] for _ in range(50)]
    assert back.run(batch) == net.run(batch)
    # TransformerLens itself reads the files
    from safetensors.torch import load_file
    from transformer_lens import HookedTransformer, HookedTransformerConfig

    fields = json.loads(config.read_text())
    tokens, values = fields.pop("input_tokens"), fields.pop("output_values")
    HookedTransformer(HookedTransformerConfig(**fields)).load_state_dict(load_file(model))
    # tokens given on the command line override the config's
    main(["import", str(model), str(config), "-o", str(tmp_path / "again.safetensors"),
          "--input-tokens", " ".join(map(str, tokens)), "--output-values", " ".join(map(str, values))])
    assert Net.load(tmp_path / "again.safetensors").run(batch) == net.run(batch)
    # --argmax: a model not compiled by tracr reads its outputs by argmax, never None
    main(["import", str(model), str(config), "-o", str(tmp_path / "argmax.safetensors"), "--argmax"])
    assert Net.load(tmp_path / "argmax.safetensors").none_threshold is None
    assert Net.load(tmp_path / "again.safetensors").none_threshold == 0.5

    # hostile files: one clear error each, naming the file and what is wrong
    def fails(match, files=(model, config), *flags):
        with pytest.raises(SystemExit, match=match):
            main(["import", *map(str, files), "-o", str(tmp_path / "x.safetensors"), *flags])
        assert not (tmp_path / "x.safetensors").exists()

    bad = tmp_path / "bad.json"
    for text, match in (("[1, 2]", "JSON object"), ("{", "not a readable JSON"),
                        (json.dumps({**fields, "d_head": 2.5}), "d_head must be a positive whole number"),
                        (json.dumps(fields), "no input_tokens"),
                        (json.dumps({**fields, "input_tokens": tokens}), "no output_values"),
                        (json.dumps({**fields, "n_layers": fields["n_layers"] + 1, "input_tokens": tokens,
                                     "output_values": values}), r"n_layers is \d+, but .* holds \d+ blocks"),
                        (json.dumps({**fields, "d_mlp": fields["d_mlp"] + 1, "input_tokens": tokens,
                                     "output_values": values}), "mlp.W_in has shape"),
                        (json.dumps({**fields, "normalization_type": "LN", "input_tokens": tokens,
                                     "output_values": values}), "LayerNorm")):
        bad.write_text(text)
        fails(match, (model, bad))
    fails("no such file", (tmp_path / "missing.safetensors", config))
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 50)
    fails("not a readable safetensors", (tmp_path / "junk.safetensors", config))
    fails("one numerical output, but the model has 5", (model, config), "--numerical")
