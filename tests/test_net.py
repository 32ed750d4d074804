"""Net: batched forward passes, safetensors round trips and clear errors for bad files."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from safetensors.numpy import save_file
from tracr.compiler import lib
from tracr.rasp import rasp

from compiler.compiling.compile import compile_sop
from compiler.nets.net import Net, NetFileError, decode_value, encode_value


@pytest.fixture(scope="module")
def nets():
    pair = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices)
    return {
        "reverse": compile_sop(lib.make_reverse(rasp.tokens), {"a", "b", "c"}, 5),
        "frac_prevs": compile_sop(lib.make_frac_prevs(rasp.tokens == "a"), {"a", "b"}, 6),
        "sort": compile_sop(lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=5, min_key=1),
                            {1, 2, 3}, 5),
        "pattern": compile_sop(lib.detect_pattern(rasp.tokens, "ab"), {"a", "b"}, 5),
        "mixed_vocab": compile_sop(pair, {1, "a", 2.5, (1, "b"), False}, 3, source="pair"),
        "causal": compile_sop(lib.make_frac_prevs(rasp.tokens == "a"), {"a", "b"}, 6,
                              causal=True),
    }


# -- running ---------------------------------------------------------------------------------

def test_run_decodes_values(nets):
    assert nets["reverse"].run([list("abc"), list("ca")]) == [list("cba"), list("ac")]
    assert nets["sort"].run([[3, 1, 2, 1]]) == [[1, 1, 2, 3]]
    out = nets["frac_prevs"].run([list("abaa")])[0]
    np.testing.assert_allclose(out, [1, 1 / 2, 2 / 3, 3 / 4], atol=1e-5)
    assert all(type(v) is float for v in out)
    assert nets["pattern"].run([list("aab")]) == [[None, False, True]]


@pytest.mark.parametrize("name", ["reverse", "frac_prevs", "sort", "pattern", "causal"])
def test_mixed_length_batch_equals_single_runs(name, nets):
    net = nets[name]
    vocab = net.vocab
    rng = np.random.default_rng(0)
    batch = [[vocab[i] for i in rng.integers(len(vocab), size=rng.integers(1, 6))]
             for _ in range(12)]
    for backend in ("auto", "numpy"):  # the kernel's flat encoding and the padded one
        together = net.run(batch, backend=backend)
        for seq, out in zip(batch, together):
            assert net.run([seq], backend=backend) == [out]
        assert together == [net.run([seq], backend="numpy")[0] for seq in batch]


@pytest.mark.parametrize("name", ["reverse", "frac_prevs", "sort", "causal"])
def test_torch_backend_equals_numpy(name, nets):
    net = nets[name]
    vocab = net.vocab
    batch = [vocab[:2], vocab * 2, vocab[-1:]]
    batch = [seq[:net.config.max_seq_len] for seq in batch]
    np.testing.assert_allclose(net.residual(batch, backend="torch"), net.residual(batch),
                               atol=1e-4)
    assert net.run(batch, backend="torch") == net.run(batch, backend="numpy")


def test_replaced_params_are_used_by_torch(nets):
    net = nets["reverse"]
    net.run([["a"]], backend="torch")
    zeroed = dataclasses.replace(net, W_U=np.zeros_like(net.W_U),
                                 params={k: np.zeros_like(v) for k, v in net.params.items()})
    assert zeroed.run([["a"]], backend="torch") == [[None]]


def test_causal_positions_ignore_later_tokens(nets):
    net = nets["causal"]
    assert net.config.causal
    full = net.run([list("abaab")])[0]
    for i in range(1, 5):
        np.testing.assert_allclose(net.run([list("abaab")[:i]])[0], full[:i], atol=1e-6)


def test_empty_inputs(nets):
    assert nets["reverse"].run([]) == []
    assert nets["reverse"].run([[], ["a"]]) == [[], ["a"]]


@pytest.mark.parametrize("batch, message", [
    ([["a", "z"]], "'z' at position 1"),
    ([["BOS"]], "'BOS'"),
    ([["PAD", "a"]], "'PAD'"),
    ([list("abcabc")], "max_seq_len"),
    ([[["a"]]], "position 0"),
])
def test_bad_inputs(nets, batch, message):
    with pytest.raises(ValueError, match=message):
        nets["reverse"].run(batch)


def test_unknown_backend(nets):
    with pytest.raises(ValueError, match="backend"):
        nets["reverse"].run([["a"]], backend="jax")


# -- saving and loading ----------------------------------------------------------------------

def assert_same_net(a: Net, b: Net):
    assert sorted(a.params) == sorted(b.params)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
        assert a.params[key].dtype == b.params[key].dtype
    np.testing.assert_array_equal(a.W_U, b.W_U)
    assert (a.config, a.residual_labels, a.bos, a.pad) == (b.config, b.residual_labels,
                                                           b.bos, b.pad)
    for mine, theirs in ((a.input_tokens, b.input_tokens),
                         (a.output_values or [], b.output_values or [])):
        assert [(type(v), v) for v in mine] == [(type(v), v) for v in theirs]
    assert (a.output_values is None) == (b.output_values is None)
    assert a.provenance == b.provenance


@pytest.mark.parametrize("name", ["reverse", "frac_prevs", "sort", "pattern", "mixed_vocab",
                                  "causal"])
def test_save_load_round_trip(name, nets, tmp_path):
    net = nets[name]
    path = tmp_path / f"{name}.safetensors"
    net.save(path)
    loaded = Net.load(path)
    assert_same_net(net, loaded)
    vocab = net.vocab
    batch = [vocab[:net.config.max_seq_len], vocab[:1]]
    assert loaded.run(batch) == net.run(batch)
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind


def test_values_keep_their_types(nets, tmp_path):
    net = nets["mixed_vocab"]
    net.save(tmp_path / "net.safetensors")
    loaded = Net.load(tmp_path / "net.safetensors")
    assert {type(t) for t in loaded.input_tokens} == {int, str, float, tuple, bool}
    assert (1, "b") in loaded.input_tokens and False in loaded.input_tokens
    assert loaded.run([[(1, "b"), 2.5]]) == [[((1, "b"), 0), (2.5, 1)]]
    assert loaded.provenance["source"] == "pair"


def test_save_overwrites_atomically(nets, tmp_path, monkeypatch):
    path = tmp_path / "net.safetensors"
    nets["reverse"].save(path)
    nets["sort"].save(path)
    assert Net.load(path).run([[2, 1]]) == [[1, 2]]

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        nets["reverse"].save(path)
    monkeypatch.undo()
    assert Net.load(path).run([[2, 1]]) == [[1, 2]]  # the old file is intact
    assert os.listdir(tmp_path) == [path.name]


def test_saved_files_get_the_umask_permissions(nets, tmp_path):
    umask = os.umask(0o022)
    try:
        nets["sort"].save(tmp_path / "net.safetensors")
    finally:
        os.umask(umask)
    assert (tmp_path / "net.safetensors").stat().st_mode & 0o777 == 0o644


@pytest.fixture
def saved(nets, tmp_path):
    path = tmp_path / "net.safetensors"
    nets["reverse"].save(path)
    return path


def corrupt_truncated(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def corrupt_header(path):
    data = bytearray(path.read_bytes())
    data[8:20] = b"not json!!!!"
    path.write_bytes(bytes(data))


def corrupt_garbage(path):
    path.write_bytes(os.urandom(300))


def corrupt_empty(path):
    path.write_bytes(b"")


def corrupt_foreign(path):
    save_file({"weight": np.zeros((2, 2), dtype=np.float32)}, str(path))


def corrupt_foreign_with_metadata(path):
    save_file({"weight": np.zeros((2, 2), dtype=np.float32)}, str(path),
              metadata={"format": "pt"})


@pytest.mark.parametrize("corrupt, problem", [
    (corrupt_truncated, "not a valid safetensors"),
    (corrupt_header, "not a valid safetensors"),
    (corrupt_garbage, "not a valid safetensors"),
    (corrupt_empty, "not a valid safetensors"),
    (corrupt_foreign, "not a saved Net"),
    (corrupt_foreign_with_metadata, "not a saved Net"),
])
def test_bad_files_raise_net_file_error(saved, corrupt, problem):
    corrupt(saved)
    with pytest.raises(NetFileError, match=problem) as info:
        Net.load(saved)
    assert isinstance(info.value, ValueError)
    assert str(saved) in str(info.value)


def test_metadata_that_does_not_fit_the_tensors(nets, tmp_path):
    net = nets["reverse"]
    wrong = dataclasses.replace(net, config=dataclasses.replace(net.config, d_mlp=7))
    wrong.save(tmp_path / "net.safetensors")
    with pytest.raises(NetFileError, match="shape"):
        Net.load(tmp_path / "net.safetensors")


def test_malformed_metadata(nets, tmp_path):
    net = nets["reverse"]
    tensors = dict(net.params, W_U=net.W_U)
    path = tmp_path / "net.safetensors"
    save_file(tensors, str(path), metadata={"rasp_fountain_net": '{"format": "rasp-fountain.net"'})
    with pytest.raises(NetFileError, match="malformed"):
        Net.load(path)
    save_file(tensors, str(path),
              metadata={"rasp_fountain_net": '{"format": "rasp-fountain.net", "version": 99}'})
    with pytest.raises(NetFileError, match="version"):
        Net.load(path)


def _header_with(net, **changes):
    """A saved net's tensors with its JSON header changed field by field."""
    import json

    from compiler.nets.net import _read_metadata

    header = json.loads(_read_metadata(net.to_bytes())["rasp_fountain_net"])
    for key, value in changes.items():
        target = header
        *path, last = key.split(".")
        for part in path:
            target = target[part]
        target[last] = value
    return header


@pytest.mark.parametrize("change, problem", [
    ({"config.d_head": 7.0}, "config.d_head must be a positive integer"),
    ({"config.n_layers": 0}, "config.n_layers must be a positive integer"),
    ({"config.causal": "no"}, "config.causal must be true or false"),
    ({"none_threshold": float("nan")}, "none_threshold must be a positive number"),
    ({"residual_labels": None}, "residual_labels must be a list"),
    ({"provenance": "compiled"}, "provenance must be an object"),
    ({"output_values": {"a": 1}}, "output_values must be a list"),
    ({"bos": 3}, "bos must be a string"),
    ({"provenance.source": 5}, "provenance.source must be a string"),
    ({"provenance.vocab": "x"}, "provenance.vocab must be a list"),
    ({"config.n_layers": 10**9}, "config.n_layers is 1000000000 but the file holds tensors of \\d+ layers"),
])
def test_every_header_field_is_checked(nets, tmp_path, change, problem):
    import json

    net = nets["reverse"]
    path = tmp_path / "net.safetensors"
    header = _header_with(net, **change)
    save_file(dict(net.params, W_U=net.W_U), str(path), metadata={"rasp_fountain_net": json.dumps(header)})
    with pytest.raises(NetFileError, match=problem):
        Net.load(path)


def test_residual_labels_must_be_strings_and_metadata_not_too_deep(nets, tmp_path):
    import json

    net = nets["reverse"]
    path = tmp_path / "net.safetensors"
    header = _header_with(net, residual_labels=list(range(net.config.d_model)))
    save_file(dict(net.params, W_U=net.W_U), str(path), metadata={"rasp_fountain_net": json.dumps(header)})
    with pytest.raises(NetFileError, match="residual_labels must all be strings"):
        Net.load(path)
    deep = json.dumps(_header_with(net))[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    save_file(dict(net.params, W_U=net.W_U), str(path), metadata={"rasp_fountain_net": deep})
    with pytest.raises(NetFileError, match="malformed"):
        Net.load(path)


@pytest.mark.parametrize("spoil, problem", [
    (lambda w: w * np.nan, "non-finite"),
    (lambda w: w + np.inf, "non-finite"),
    (lambda w: w.astype(np.int64), "dtype int64"),
    (lambda w: w > 0, "dtype bool"),
    (lambda w: w + np.float32(3e38), "weights of magnitude 3e\\+38, over 1e\\+30"),
])
def test_weights_must_be_finite_floats(nets, tmp_path, spoil, problem):
    net = nets["reverse"]
    name = "transformer/layer_0/attn/query/w"
    bad = dataclasses.replace(net, params={**net.params, name: spoil(net.params[name])})
    bad.save(tmp_path / "net.safetensors")
    with pytest.raises(NetFileError, match=f"tensor {name} has {problem}"):
        Net.load(tmp_path / "net.safetensors")


def test_a_header_that_is_not_an_object_and_a_missing_unembedding_are_named(nets, tmp_path):
    import json

    net = nets["reverse"]
    path = tmp_path / "net.safetensors"
    for header, problem in (([1, 2], "the header must be a JSON object, not list"), ("x", "not str")):
        save_file(dict(net.params, W_U=net.W_U), str(path), metadata={"rasp_fountain_net": json.dumps(header)})
        with pytest.raises(NetFileError, match=problem):
            Net.load(path)
    save_file(dict(net.params), str(path), metadata={"rasp_fountain_net": json.dumps(_header_with(net))})
    with pytest.raises(NetFileError, match="no 'W_U' \\(tensor\\)"):
        Net.load(path)


def test_activations_that_overflow_are_an_error_not_outputs_and_scrambling_refuses_them(nets):
    from compiler.nets.net import NetOverflowError
    from compiler.variants.scrambling import ScrambleError, scramble

    net = nets["reverse"]
    name = "token_embed/embeddings"  # every later product of the stream leaves float32's range
    big = dataclasses.replace(net, params={**net.params, name: net.params[name] * np.float32(1e29)})
    vocab = net.vocab
    with pytest.raises(NetOverflowError, match="overflow float32 on the input"):
        with np.errstate(over="raise", invalid="raise"):  # no numpy overflow warning escapes either
            big.run([vocab[:2]], backend="numpy")
    with pytest.raises((ScrambleError, NetOverflowError)):
        scramble(big, seed=0)


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.tuples(inner, inner) | st.lists(inner, max_size=3)
    | st.dictionaries(st.text().filter(lambda k: k != "__tuple__"), inner, max_size=3),
    max_leaves=8)


@given(values)
def test_encode_decode_round_trip(value):
    import json

    decoded = decode_value(json.loads(json.dumps(encode_value(value))))
    assert decoded == value
    assert repr(decoded) == repr(value)  # same types all the way down (1 vs 1.0 vs True)


def test_weights_view_names_each_heads_matrices_as_transformer_lens_does():
    import compiler
    from compiler.nets.weights import Weights, param_name

    net = compiler.compile_program("s = select(tokens, tokens, LT)\nw = selector_width(s)\n"
                                   "return aggregate(select(w, indices, EQ), tokens)", {1, 2, 3}, 4)
    w, c = Weights(net), net.config
    for layer in range(c.n_layers):
        query = net.params[f"transformer/layer_{layer}/attn/query/w"]
        for head in range(c.n_heads):
            columns = slice(head * c.d_head, (head + 1) * c.d_head)
            assert np.array_equal(w.W_Q[layer, head], query[:, columns])
            assert np.shares_memory(w.W_Q[layer, head], query)  # a view: nothing copied
            assert np.array_equal(w.W_O[layer, head], net.params[param_name(layer, "W_O")][columns])
            assert np.array_equal(w.b_V[layer, head], net.params[param_name(layer, "b_V")][columns])
            assert np.allclose(w.QK(layer, head), w.W_Q[layer, head] @ w.W_K[layer, head].T)
            assert w.OV(layer, head).shape == (c.d_model, c.d_model)
        assert w.W_Q[layer].shape == (c.n_heads, c.d_model, c.d_head)  # heads first
        assert np.array_equal(w.W_Q[layer][c.n_heads - 1], w.W_Q[layer, c.n_heads - 1])
        assert w.W_O[layer].shape == (c.n_heads, c.d_head, c.d_model)
        assert w.b_Q[layer].shape == (c.n_heads, c.d_head)
        assert w.W_in[layer] is net.params[f"transformer/layer_{layer}/mlp/linear_1/w"]
    assert w.W_E is net.params["token_embed/embeddings"] and w.W_U is net.W_U
