"""Export of a `Net` to a TransformerLens `HookedTransformer` (optional extra: `[lens]`).

The unembedding is the net's own `W_U` (the projection onto the output S-Op's directions),
not the transpose of the token embedding: tracr's vocabulary in and out differ, and reusing
the embedding (TransformerLens issue #481) reads the wrong directions. No weight processing
(centering, folding) is applied, so the exported model's logits equal `net`'s.
"""

from __future__ import annotations

import warnings

import numpy as np


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
    h, d = c.n_heads, c.d_head
    p = net.params
    state = {"embed.W_E": p["token_embed/embeddings"], "pos_embed.W_pos": p["pos_embed/embeddings"],
             "unembed.W_U": net.W_U, "unembed.b_U": np.zeros(net.W_U.shape[1], np.float32)}
    for layer in range(c.n_layers):
        prefix, block = f"transformer/layer_{layer}", f"blocks.{layer}"
        for ours, theirs in (("query", "Q"), ("key", "K"), ("value", "V")):
            w, b = p[f"{prefix}/attn/{ours}/w"], p[f"{prefix}/attn/{ours}/b"]
            # d_model (h d) -> h d_model d
            state[f"{block}.attn.W_{theirs}"] = w.reshape(c.d_model, h, d).transpose(1, 0, 2)
            state[f"{block}.attn.b_{theirs}"] = b.reshape(h, d)
        # (h d) d_model -> h d d_model
        state[f"{block}.attn.W_O"] = p[f"{prefix}/attn/linear/w"].reshape(h, d, c.d_model)
        state[f"{block}.attn.b_O"] = p[f"{prefix}/attn/linear/b"]
        state[f"{block}.mlp.W_in"] = p[f"{prefix}/mlp/linear_1/w"]
        state[f"{block}.mlp.b_in"] = p[f"{prefix}/mlp/linear_1/b"]
        state[f"{block}.mlp.W_out"] = p[f"{prefix}/mlp/linear_2/w"]
        state[f"{block}.mlp.b_out"] = p[f"{prefix}/mlp/linear_2/b"]
    tensors = {name: torch.as_tensor(np.ascontiguousarray(value), dtype=torch.float32, device=device)
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
