"""The shape of a net: `NetConfig`, and the name and shape of every parameter it implies.

Parameters are named as tracr's Haiku model names them, flattened
("transformer/layer_0/attn/query/w"); `compiler.nets.weights` views them per head.
"""

from __future__ import annotations

import dataclasses

#: A categorical output row without a direction this strong decodes to None: tracr writes no output
#: direction for None, and a compiled net's directions are 1.
NONE_THRESHOLD = 0.5
#: tracr's name for the padding token (`compiler_pad` of its compiler), which it appends to a vocabulary.
TRACR_PAD = "compiler_pad"


@dataclasses.dataclass(frozen=True)
class NetConfig:
    """Shape of the transformer; `causal` masks attention to earlier positions."""

    n_layers: int
    n_heads: int
    d_head: int
    d_mlp: int
    d_model: int
    max_seq_len: int
    causal: bool = False


def param_shapes(config: NetConfig, n_tokens: int) -> dict[str, tuple[int, ...]]:
    """The shape of every parameter of a net with this config and `n_tokens` input tokens."""
    c = config
    d_model, width = c.d_model, c.n_heads * c.d_head
    shapes = {
        "token_embed/embeddings": (n_tokens, d_model),
        "pos_embed/embeddings": (c.max_seq_len + 1, d_model),
    }
    for layer in range(c.n_layers):
        attn, mlp = f"transformer/layer_{layer}/attn", f"transformer/layer_{layer}/mlp"
        for name in ("query", "key", "value"):
            shapes[f"{attn}/{name}/w"] = (d_model, width)
            shapes[f"{attn}/{name}/b"] = (width,)
        shapes[f"{attn}/linear/w"] = (width, d_model)
        shapes[f"{attn}/linear/b"] = (d_model,)
        shapes[f"{mlp}/linear_1/w"] = (d_model, c.d_mlp)
        shapes[f"{mlp}/linear_1/b"] = (c.d_mlp,)
        shapes[f"{mlp}/linear_2/w"] = (c.d_mlp, d_model)
        shapes[f"{mlp}/linear_2/b"] = (d_model,)
    return shapes
