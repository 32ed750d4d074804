"""Networks from elsewhere as `Net`s: tracr's assembled models and TransformerLens models.

    net = Net.from_tracr(model, output_sop)                   # tracr's compile_rasp_to_model
    net = Net.from_hooked_transformer(model, input_tokens, output_values)
    net = load_hooked_transformer_files("model.safetensors", "config.json")   # `fountain import`

All give a `Net` like any other (run, save, scramble, compare, check, decompile) that computes
what the source model computes: the same weights under the same names, the same arithmetic
(`Net.run` is tracr's forward pass). What a `Net` cannot hold is refused with one
`ModelImportError` naming what and why, never approximated: layer norm, an activation other than
ReLU, an unembedding bias, other positional schemes.

A categorical output decodes to None where no output direction is strong (a compiled net's
"no value"); tracr's own `apply` takes the argmax there, which reads as its first output value.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from compiler.net import Net, NetConfig


class ModelImportError(ValueError):
    """A model that cannot become a `Net`: says what it has that a `Net` cannot hold."""


def from_tracr(model, output_sop) -> Net:
    """The `Net` of tracr's `AssembledTransformerModel` (`compiling.compile_rasp_to_model`).

    `output_sop`: the program's output SOp, or its label. tracr keeps no unembedding with the
    model; it is rebuilt from the residual directions that carry this label (`label:value` for
    a categorical output, `label` for a numerical one), so the label decides, never a guess.
    """
    label = output_sop if isinstance(output_sop, str) else getattr(output_sop, "label", None)
    if not isinstance(label, str):
        raise ModelImportError(f"output_sop must be the output SOp or its label, not {type(output_sop).__name__}")
    for name in ("params", "model_config", "residual_labels", "input_encoder", "output_encoder"):
        if not hasattr(model, name):
            raise ModelImportError(f"not a tracr AssembledTransformerModel: it has no {name!r}")
    config = model.model_config
    if config.layer_norm:
        raise ModelImportError("the model uses layer norm, which a Net does not have; compile it with "
                               "layer_norm=False (tracr's default)")
    activation = getattr(config.activation_function, "__name__", str(config.activation_function))
    if "relu" not in activation:
        raise ModelImportError(f"the model's activation is {activation}; a Net's MLPs use ReLU (tracr's default)")
    params = {}
    for module, tensors in model.params.items():
        for name, value in tensors.items():
            params[f"{module}/{name}"] = np.asarray(value, dtype=np.float32)
    labels = [str(label_) for label_ in model.residual_labels]
    index = {name: i for i, name in enumerate(labels)}
    encoder = model.input_encoder
    if encoder is None or not hasattr(encoder, "encoding_map"):
        raise ModelImportError("the model has no categorical input encoder (a Net reads tokens)")
    tokens = [None] * len(encoder.encoding_map)
    for token, i in encoder.encoding_map.items():
        tokens[i] = token
    bos, pad = encoder.bos_token, encoder.pad_token
    if bos is None or pad is None:
        raise ModelImportError("the model's input encoder has no BOS or PAD token; compile it with "
                               "compile_rasp_to_model (which sets both)")
    output = model.output_encoder
    if output is not None and hasattr(output, "encoding_map"):  # categorical
        values = [None] * len(output.encoding_map)
        for value, i in output.encoding_map.items():
            values[i] = value
        wanted = [f"{label}:{value}" for value in values]
    else:
        values, wanted = None, [label]
    missing = [w for w in wanted if w not in index]
    if missing:
        carried = sorted({name.split(":")[0] for name in labels})
        raise ModelImportError(f"no residual direction {missing[0]!r}: is {label!r} the label of the output SOp? "
                               f"the residual stream carries {carried}")
    d_model = len(labels)
    W_U = np.zeros((d_model, len(wanted)), np.float32)
    for column, name in enumerate(wanted):
        W_U[index[name], column] = 1.0
    net_config = NetConfig(n_layers=config.num_layers, n_heads=config.num_heads, d_head=config.key_size,
                           d_mlp=config.mlp_hidden_size, d_model=d_model,
                           max_seq_len=params["pos_embed/embeddings"].shape[0] - 1, causal=bool(config.causal))
    vocab = [t for t in tokens if t not in (bos, pad)]
    provenance = {"imported": "tracr", "output_label": label, "vocab": vocab,
                  "max_seq_len": net_config.max_seq_len, "variant": "imported"}
    return _checked(Net(params=params, W_U=W_U, config=net_config, residual_labels=labels, input_tokens=tokens,
                        bos=bos, pad=pad, output_values=values, provenance=provenance), "tracr model")


def from_hooked_transformer(model, input_tokens: Sequence[Any], output_values: Sequence[Any] | None, *,
                            bos: str = "BOS", pad: str = "compiler_pad") -> Net:
    """The `Net` of a TransformerLens `HookedTransformer` whose architecture a `Net` holds:
    standard positional embeddings, no normalisation, ReLU MLPs, attention scaled by
    1/sqrt(d_head), no unembedding bias (what `compiler.lens.to_hooked_transformer` exports).

    `input_tokens[i]` is the token of input id i; `bos` (default "BOS") must be among them, and
    `pad` is appended (a zero embedding) when it is not. `output_values[j]` is the value of
    output logit j, or None for a numerical net (one output, read as a float).
    """
    cfg = getattr(model, "cfg", None)
    if cfg is None or not hasattr(model, "state_dict"):
        raise ModelImportError(f"not a HookedTransformer: {type(model).__name__} has no cfg or state_dict")
    problems = []
    if getattr(cfg, "normalization_type", None) is not None:
        problems.append(f"normalization {cfg.normalization_type} (LayerNorm): a Net has none")
    if getattr(cfg, "act_fn", "relu") != "relu":
        problems.append(f"activation {cfg.act_fn}: a Net's MLPs use ReLU")
    if getattr(cfg, "positional_embedding_type", "standard") != "standard":
        problems.append(f"positional embedding {cfg.positional_embedding_type}: a Net adds learned positions")
    if getattr(cfg, "attn_only", False) or getattr(cfg, "parallel_attn_mlp", False):
        problems.append("attention-only or parallel attention/MLP blocks: a Net runs attention then MLP")
    if getattr(cfg, "gated_mlp", False):
        problems.append("a gated MLP: a Net's MLP is ReLU(x W_in + b_in) W_out + b_out")
    scale = float(getattr(cfg, "attn_scale", math.sqrt(cfg.d_head)))
    if not getattr(cfg, "use_attn_scale", True) or not math.isclose(scale, math.sqrt(cfg.d_head)):
        problems.append("attention scores not scaled by 1/sqrt(d_head)")
    if getattr(cfg, "n_key_value_heads", None) not in (None, cfg.n_heads):
        problems.append("grouped key/value heads")
    state = {name: tensor.detach().cpu().numpy().astype(np.float32) for name, tensor in model.state_dict().items()}
    b_U = state.get("unembed.b_U")
    if b_U is not None and np.any(b_U != 0):
        problems.append("a nonzero unembedding bias: a Net's output is the residual times W_U")
    if problems:
        raise ModelImportError("this HookedTransformer cannot be a Net: " + "; ".join(problems))
    tokens = list(input_tokens)
    W_E = state["embed.W_E"]
    if len(tokens) != W_E.shape[0]:
        raise ModelImportError(f"input_tokens has {len(tokens)} tokens but the model embeds {W_E.shape[0]}")
    if bos not in tokens:
        raise ModelImportError(f"the BOS token {bos!r} is not among input_tokens; pass bos=")
    if pad not in tokens:
        tokens.append(pad)
        W_E = np.concatenate([W_E, np.zeros((1, W_E.shape[1]), np.float32)])
    W_U = state["unembed.W_U"]
    if output_values is None:
        if W_U.shape[1] != 1:
            raise ModelImportError(f"output_values=None means one numerical output, but the model has {W_U.shape[1]}")
        values = None
    else:
        values = list(output_values)
        if len(values) != W_U.shape[1]:
            raise ModelImportError(f"output_values has {len(values)} values but the model has {W_U.shape[1]} outputs")
    h, d, d_model = cfg.n_heads, cfg.d_head, cfg.d_model
    params = {"token_embed/embeddings": W_E, "pos_embed/embeddings": state["pos_embed.W_pos"]}
    for layer in range(cfg.n_layers):
        prefix, block = f"transformer/layer_{layer}", f"blocks.{layer}"
        for ours, theirs in (("query", "Q"), ("key", "K"), ("value", "V")):
            weight = state[f"{block}.attn.W_{theirs}"]  # h d_model d -> d_model (h d)
            params[f"{prefix}/attn/{ours}/w"] = weight.transpose(1, 0, 2).reshape(d_model, h * d)
            params[f"{prefix}/attn/{ours}/b"] = state[f"{block}.attn.b_{theirs}"].reshape(h * d)
        params[f"{prefix}/attn/linear/w"] = state[f"{block}.attn.W_O"].reshape(h * d, d_model)
        params[f"{prefix}/attn/linear/b"] = state[f"{block}.attn.b_O"]
        for ours, theirs in (("linear_1/w", "W_in"), ("linear_1/b", "b_in"), ("linear_2/w", "W_out"),
                             ("linear_2/b", "b_out")):
            params[f"{prefix}/mlp/{ours}"] = state[f"{block}.mlp.{theirs}"]
    causal = getattr(cfg, "attention_dir", "causal") == "causal"
    net_config = NetConfig(n_layers=cfg.n_layers, n_heads=h, d_head=d, d_mlp=cfg.d_mlp, d_model=d_model,
                           max_seq_len=cfg.n_ctx - 1, causal=causal)
    vocab = [t for t in tokens if t not in (bos, pad)]
    provenance = {"imported": "transformer_lens", "vocab": vocab, "max_seq_len": net_config.max_seq_len,
                  "variant": "imported"}
    return _checked(Net(params=params, W_U=np.ascontiguousarray(W_U), config=net_config,
                        residual_labels=[f"r{i}" for i in range(d_model)], input_tokens=tokens, bos=bos, pad=pad,
                        output_values=values, provenance=provenance), "HookedTransformer")


#: The HookedTransformerConfig fields a saved model's config must give (whole numbers).
_REQUIRED = ("n_layers", "d_model", "d_head", "n_heads", "d_mlp", "n_ctx")


def load_hooked_transformer_files(weights: str, config: str, input_tokens: Sequence[Any] | None = None,
                                  output_values: Sequence[Any] | None | str = "config", *, bos: str = "BOS",
                                  pad: str = "compiler_pad") -> Net:
    """The `Net` of a TransformerLens model saved as files (`fountain import`): its
    `state_dict()` in a safetensors file, and its `HookedTransformerConfig` fields as a JSON
    object, which may also hold `input_tokens` and `output_values` (null: one numerical output)
    where the arguments do not (`save_hooked_transformer_files` writes both). TransformerLens
    need not be installed."""
    import json
    from pathlib import Path
    from types import SimpleNamespace

    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        fields = json.loads(Path(config).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ModelImportError(f"{config}: not a readable JSON config ({error})") from None
    if not isinstance(fields, dict):
        raise ModelImportError(f"{config}: the config must be a JSON object of HookedTransformerConfig fields")
    for name in _REQUIRED:
        value = fields.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ModelImportError(f"{config}: {name} must be a positive whole number, not {value!r}")
    tokens = input_tokens if input_tokens is not None else fields.get("input_tokens")
    if not isinstance(tokens, (list, tuple)) or not tokens:
        raise ModelImportError(f"{config}: no input_tokens (the token of each input id, BOS among them); "
                               "give them in the config or with --input-tokens")
    values = fields.get("output_values", "missing") if isinstance(output_values, str) else output_values
    if values == "missing":
        raise ModelImportError(f"{config}: no output_values (the value of each output logit; null for one "
                               "numerical output); give them in the config or with --output-values / --numerical")
    if values is not None and not isinstance(values, (list, tuple)):
        raise ModelImportError(f"{config}: output_values must be a list (or null), not {values!r}")
    try:
        tensors = load_file(weights)
    except (SafetensorError, OSError) as error:
        raise ModelImportError(f"{weights}: not a readable safetensors file ({error})") from None
    blocks = {name.split(".")[1] for name in tensors if name.startswith("blocks.")}
    if fields["n_layers"] != len(blocks):  # before naming every layer's tensors: n_layers may be huge
        raise ModelImportError(f"{config}: n_layers is {fields['n_layers']}, but {weights} holds {len(blocks)} "
                               "blocks")
    expected = {"embed.W_E", "pos_embed.W_pos", "unembed.W_U"} | {
        f"blocks.{layer}.{name}" for layer in range(fields["n_layers"])
        for name in ("attn.W_Q", "attn.W_K", "attn.W_V", "attn.W_O", "attn.b_Q", "attn.b_K", "attn.b_V",
                     "attn.b_O", "mlp.W_in", "mlp.b_in", "mlp.W_out", "mlp.b_out")}
    missing = sorted(expected - set(tensors))
    if missing:
        raise ModelImportError(f"{weights}: not the state_dict of a HookedTransformer with {fields['n_layers']} "
                               f"layers of attention and MLP: no {', '.join(missing[:4])}"
                               f"{' ...' if len(missing) > 4 else ''}")
    shapes = {"embed.W_E": (len(tokens), fields["d_model"]), "pos_embed.W_pos": (fields["n_ctx"], fields["d_model"])}
    for layer in range(fields["n_layers"]):
        for name in ("W_Q", "W_K", "W_V"):
            shapes[f"blocks.{layer}.attn.{name}"] = (fields["n_heads"], fields["d_model"], fields["d_head"])
        shapes[f"blocks.{layer}.attn.W_O"] = (fields["n_heads"], fields["d_head"], fields["d_model"])
        shapes[f"blocks.{layer}.mlp.W_in"] = (fields["d_model"], fields["d_mlp"])
        shapes[f"blocks.{layer}.mlp.W_out"] = (fields["d_mlp"], fields["d_model"])
    for name, shape in shapes.items():
        if tuple(tensors[name].shape) != shape:
            raise ModelImportError(f"{weights}: {name} has shape {tuple(tensors[name].shape)}, but the config "
                                   f"(and {len(tokens)} input tokens) make it {shape}")
    cfg = SimpleNamespace(**{k: v for k, v in fields.items() if k not in ("input_tokens", "output_values")})
    model = SimpleNamespace(cfg=cfg, state_dict=lambda: tensors)
    return from_hooked_transformer(model, tokens, values, bos=bos, pad=pad)


def save_hooked_transformer_files(net: Net, weights: str, config: str) -> None:
    """`net` as a TransformerLens model's files (`compiler.lens.to_hooked_transformer`): its
    state_dict as safetensors and its config, with input_tokens and output_values, as JSON;
    `HookedTransformer(HookedTransformerConfig(**fields)).load_state_dict(...)` reads them."""
    import json

    from safetensors.torch import save

    from compiler.files import write_atomically
    from compiler.lens import to_hooked_transformer

    model = to_hooked_transformer(net)
    fields = {name: getattr(model.cfg, name) for name in
              _REQUIRED + ("d_vocab", "d_vocab_out", "act_fn", "normalization_type", "attention_dir",
                           "positional_embedding_type", "default_prepend_bos")}
    fields["input_tokens"] = list(net.input_tokens)
    fields["output_values"] = None if net.output_values is None else list(net.output_values)
    state = {name: tensor.detach().cpu().contiguous().clone() for name, tensor in model.state_dict().items()}
    write_atomically(weights, save(state))
    write_atomically(config, json.dumps(fields, indent=1) + "\n")


def _checked(net: Net, what: str) -> Net:
    """`net` once its shapes and values are a Net's, as `Net.load` checks them (one clear error
    otherwise)."""
    from compiler.net import shape_problem, value_problem

    problem = shape_problem(net) or value_problem(net)
    if problem:
        raise ModelImportError(f"this {what} cannot be a Net: {problem}")
    return net
