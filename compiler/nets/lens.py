"""A `Net` as a TransformerLens `HookedTransformer` (optional extra: `[lens]`), and both ways
through files: `save_hooked_transformer_files` / `load_hooked_transformer_files` (`fountain
export` and `fountain import`; TransformerLens need not be installed to read them).

The unembedding is the net's own `W_U` (the projection onto the output S-Op's directions),
not the transpose of the token embedding: tracr's vocabulary in and out differ, and reusing
the embedding (TransformerLens issue #481) reads the wrong directions. No weight processing
(centering, folding) is applied, so the exported model's logits equal `net`'s.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from compiler.files import write_atomically
from compiler.nets.config import NONE_THRESHOLD, TRACR_PAD
from compiler.nets.importing import ModelImportError
from compiler.nets.net import Net
from compiler.nets.weights import Weights


def to_hooked_transformer(net, device: str = "cpu"):
    """A HookedTransformer (TransformerLens 2.x-3.x) computing the same logits as `net` on
    token ids (BOS first).

    Its input ids are `net.input_tokens` positions; its outputs are `net.output_values` (or
    one numerical output). Attention is bidirectional unless the net is causal; inputs are
    unpadded (run sequences of one length per batch).
    """
    try:
        import torch
        from transformer_lens import HookedTransformer, HookedTransformerConfig
    except ImportError:
        raise ImportError("exporting to TransformerLens needs it installed: "
                          "pip install 'rasp-fountain[lens]'") from None
    c = net.config
    config = HookedTransformerConfig(
        n_layers=c.n_layers, d_model=c.d_model, d_head=c.d_head, n_heads=c.n_heads, d_mlp=c.d_mlp,
        d_vocab=len(net.input_tokens), d_vocab_out=net.W_U.shape[1], n_ctx=c.max_seq_len + 1,
        act_fn="relu", normalization_type=None,
        attention_dir="causal" if c.causal else "bidirectional",
        positional_embedding_type="standard", default_prepend_bos=False, device=device, dtype=torch.float32)
    with warnings.catch_warnings():  # 3.x announces HookedTransformer's removal in 4.0
        warnings.simplefilter("ignore", DeprecationWarning)
        model = HookedTransformer(config)
    w = Weights(net)
    state = {"embed.W_E": w.W_E, "pos_embed.W_pos": w.W_pos,
             "unembed.W_U": w.W_U, "unembed.b_U": np.zeros(w.W_U.shape[1], np.float32)}
    for layer in range(c.n_layers):
        block = f"blocks.{layer}"
        for name in ("W_Q", "W_K", "W_V", "b_Q", "b_K", "b_V", "W_O"):  # heads first, as TransformerLens has them
            state[f"{block}.attn.{name}"] = getattr(w, name)[layer]
        for name, module in (("b_O", "attn"), ("W_in", "mlp"), ("b_in", "mlp"), ("W_out", "mlp"), ("b_out", "mlp")):
            state[f"{block}.{module}.{name}"] = getattr(w, name)[layer]
    tensors = {name: torch.tensor(value, dtype=torch.float32, device=device)  # a copy: weights may be read-only
               for name, value in state.items()}
    # A TransformerLens whose parameters are named otherwise must fail here, not run with
    # some weights left at their random initialisation.
    unknown = set(tensors) - set(model.state_dict())
    unset = {name for name, _ in model.named_parameters()} - set(tensors)
    if unknown or unset:
        raise RuntimeError(f"this TransformerLens names its parameters differently: ours not in it "
                           f"{sorted(unknown)}, its not set {sorted(unset)}")
    model.load_state_dict(tensors, strict=False)  # buffers (masks) stay TransformerLens's own
    return model


#: The HookedTransformerConfig fields a saved model's config must give (whole numbers).
_REQUIRED = ("n_layers", "d_model", "d_head", "n_heads", "d_mlp", "n_ctx")


def load_hooked_transformer_files(weights: str, config: str, input_tokens: Sequence[Any] | None = None,
                                  output_values: Sequence[Any] | None | str = "config", *, bos: str = "BOS",
                                  pad: str = TRACR_PAD, none_threshold: float | None = NONE_THRESHOLD) -> Net:
    """The `Net` of a TransformerLens model saved as files (`fountain import`): its
    `state_dict()` in a safetensors file, and its `HookedTransformerConfig` fields as a JSON
    object, which may also hold `input_tokens` and `output_values` (null: one numerical output)
    where the arguments do not (`save_hooked_transformer_files` writes both); `bos`, `pad` and
    `none_threshold` as `Net.from_hooked_transformer` takes them. TransformerLens need not be
    installed."""
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
    return Net.from_hooked_transformer(model, tokens, values, bos=bos, pad=pad, none_threshold=none_threshold)


def save_hooked_transformer_files(net: Net, weights: str, config: str) -> None:
    """`net` as a TransformerLens model's files (`to_hooked_transformer`): its
    state_dict as safetensors and its config, with input_tokens and output_values, as JSON;
    `HookedTransformer(HookedTransformerConfig(**fields)).load_state_dict(...)` reads them."""
    import json

    from safetensors.torch import save

    model = to_hooked_transformer(net)
    fields = {name: getattr(model.cfg, name) for name in
              _REQUIRED + ("d_vocab", "d_vocab_out", "act_fn", "normalization_type", "attention_dir",
                           "positional_embedding_type", "default_prepend_bos")}
    fields["input_tokens"] = list(net.input_tokens)
    fields["output_values"] = None if net.output_values is None else list(net.output_values)
    state = {name: tensor.detach().cpu().contiguous().clone() for name, tensor in model.state_dict().items()}
    write_atomically(weights, save(state))
    write_atomically(config, json.dumps(fields, indent=1) + "\n")
