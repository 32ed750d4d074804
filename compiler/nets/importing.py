"""Networks from elsewhere as `Net`s: tracr's assembled models and TransformerLens models.

    net = Net.from_tracr(model, output_sop)                   # tracr's compile_rasp_to_model
    net = Net.from_hooked_transformer(model, input_tokens, output_values)
    net = load_hooked_transformer_files("model.safetensors", "config.json")   # `fountain import` (lens.py)

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
from typing import Any, Mapping, Sequence

import numpy as np

from compiler.nets.config import NONE_THRESHOLD, TRACR_PAD, NetConfig
from compiler.nets.weights import Weights


class ModelImportError(ValueError):
    """A model that cannot become a `Net`: says what it has that a `Net` cannot hold."""


def tracr_fields(model, output_sop) -> dict[str, Any]:
    """The `Net` fields of tracr's `AssembledTransformerModel` (`compiling.compile_rasp_to_model`).

    `output_sop`: the program's output SOp, or its label. tracr keeps no unembedding with the
    model; it is rebuilt from the residual directions that carry this label (`label:value` for
    a categorical output, `label` for a numerical one), so the label decides, never a guess.
    """
    if any(cls.__name__ == "Selector" and cls.__module__.startswith("tracr") for cls in type(output_sop).__mro__):
        raise ModelImportError(f"output_sop is a selector ({type(output_sop).__name__} {output_sop.label!r}), which "
                               "no net outputs: pass the SOp the program returns (an aggregate, a map, ...)")
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
        raise ModelImportError(_no_output(label, missing[0], labels, values))
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
    return dict(params=params, W_U=W_U, config=net_config, residual_labels=labels, input_tokens=tokens,
                bos=bos, pad=pad, output_values=values, provenance=provenance)


def _no_output(label: str, missing: str, labels: list[str], values: list | None) -> str:
    """Why `label` cannot be the output, and the label that can (the SOp whose directions hold
    every value the model's output encoder decodes), when one does."""
    carried = sorted({name.split(":")[0] for name in labels})
    fits = [c for c in carried if (all(f"{c}:{v}" in labels for v in values) if values is not None else c in labels)]
    hint = f"; did you mean {fits[0]!r}?" if len(fits) == 1 and fits[0] != label else ""
    if label in carried:  # an S-Op of the program, but not the one the model outputs
        shown = ", ".join(repr(v) for v in (values or [])[:5]) + (", ..." if values and len(values) > 5 else "")
        return (f"{label!r} is in the residual stream, but not with the values the model's output encoder decodes "
                f"({shown}): only the program's output S-Op can be read out; pass the S-Op the model was compiled "
                f"from, or its label{hint}")
    return (f"no residual direction {missing!r}: is {label!r} the label of the output SOp? (tracr may have "
            f"numbered the name you gave it) the residual stream carries {carried}{hint}")


def hooked_transformer_fields(model, input_tokens: Sequence[Any], output_values: Sequence[Any] | None, *,
                              bos: str = "BOS", pad: str = TRACR_PAD,
                              none_threshold: float | None = NONE_THRESHOLD) -> dict[str, Any]:
    """The `Net` fields of a TransformerLens `HookedTransformer` whose architecture a `Net` holds:
    standard positional embeddings, no normalisation, ReLU MLPs, attention scaled by
    1/sqrt(d_head), no unembedding bias (what `compiler.nets.lens.to_hooked_transformer` exports).

    `input_tokens[i]` is the token of input id i (a list or tuple); `bos` (default "BOS") must be
    among them, and `pad` is appended (a zero embedding) when it is not. `output_values[j]` is the
    value of output logit j, or None for a numerical net (one output, read as a float).
    `none_threshold`: a categorical position whose largest logit is below it reads None, tracr's
    encoding of None (the default, for nets compiled by tracr); None for any other model, whose
    logits have no such scale (plain argmax).
    """
    for name, given in (("input_tokens", input_tokens), ("output_values", output_values)):
        if isinstance(given, (Mapping, set, frozenset, str, bytes)):
            raise ModelImportError(f"{name} must be a list in id order ({name}[i] is the value of id i), "
                                   f"not a {type(given).__name__}")
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
    if pad not in tokens and TRACR_PAD in tokens:
        raise ModelImportError(f"input_tokens holds tracr's padding token {TRACR_PAD!r} but pad={pad!r}: pass "
                               f"pad={TRACR_PAD!r}, or {TRACR_PAD!r} would be read as an ordinary input token")
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
    ours = Weights.of(params, W_U, cfg.n_layers, d)  # TransformerLens's names, stored in tracr's layout
    for layer in range(cfg.n_layers):
        for name in ("W_Q", "W_K", "W_V", "b_Q", "b_K", "b_V", "W_O", "b_O"):
            getattr(ours, name)[layer] = state[f"blocks.{layer}.attn.{name}"]
        for name in ("W_in", "b_in", "W_out", "b_out"):
            getattr(ours, name)[layer] = state[f"blocks.{layer}.mlp.{name}"]
    causal = getattr(cfg, "attention_dir", "causal") == "causal"
    net_config = NetConfig(n_layers=cfg.n_layers, n_heads=h, d_head=d, d_mlp=cfg.d_mlp, d_model=d_model,
                           max_seq_len=cfg.n_ctx - 1, causal=causal)
    vocab = [t for t in tokens if t not in (bos, pad)]
    provenance = {"imported": "transformer_lens", "vocab": vocab, "max_seq_len": net_config.max_seq_len,
                  "variant": "imported"}
    return dict(params=params, W_U=np.ascontiguousarray(W_U), config=net_config,
                residual_labels=[f"r{i}" for i in range(d_model)], input_tokens=tokens, bos=bos, pad=pad,
                output_values=values, provenance=provenance, none_threshold=none_threshold)
