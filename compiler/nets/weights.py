"""A net's weights under TransformerLens names, per layer and head: the one place that knows how
tracr's flattened Haiku names ("transformer/layer_0/attn/query/w", heads side by side in the
columns) map to the matrices people reason about.

    w = Weights(net)
    w.W_E, w.W_pos, w.W_U                     # [tokens, d_model], [max_seq_len + 1, d_model], [d_model, outputs]
    w.W_Q[l, h], w.W_K[l, h], w.W_V[l, h]     # [d_model, d_head] (views into net.params)
    w.b_Q[l, h], w.b_K[l, h], w.b_V[l, h]     # [d_head]
    w.W_O[l, h]                               # [d_head, d_model]
    w.W_Q[l]                                  # [n_heads, d_model, d_head], TransformerLens's layout (a copy)
    w.b_O[l], w.W_in[l], w.b_in[l], w.W_out[l], w.b_out[l]
    w.QK(l, h), w.OV(l, h)                    # [d_model, d_model]: W_Q W_K^T (unscaled) and W_V W_O

Indexing by (layer, head) returns numpy views of the net's own arrays: nothing is copied, and
writing through them writes the net.
"""

from __future__ import annotations

import numpy as np

_ATTENTION = {"W_Q": "query/w", "W_K": "key/w", "W_V": "value/w", "b_Q": "query/b", "b_K": "key/b",
              "b_V": "value/b"}
_LAYER = {"b_O": "attn/linear/b", "W_in": "mlp/linear_1/w", "b_in": "mlp/linear_1/b", "W_out": "mlp/linear_2/w",
          "b_out": "mlp/linear_2/b"}


def param_name(layer: int, name: str) -> str:
    """The flattened tracr name of a TransformerLens-named tensor of `layer` (`"W_Q"` ->
    "transformer/layer_0/attn/query/w"; `"W_O"` -> ".../attn/linear/w")."""
    if name in _ATTENTION:
        return f"transformer/layer_{layer}/attn/{_ATTENTION[name]}"
    if name == "W_O":
        return f"transformer/layer_{layer}/attn/linear/w"
    return f"transformer/layer_{layer}/{_LAYER[name]}"


class _PerHead:
    """`[layer, head]` -> one head's slice; `[layer]` -> all heads stacked first."""

    def __init__(self, params: dict, name: str, n_heads: int, d_head: int):
        self.params, self.name, self.n_heads, self.d_head = params, name, n_heads, d_head

    def __getitem__(self, index):
        if isinstance(index, tuple):
            layer, head = index
            columns = slice(head * self.d_head, (head + 1) * self.d_head)
            array = self.params[param_name(layer, self.name)]
            if self.name == "W_O":
                return array[columns]
            return array[..., columns]
        array = self.params[param_name(index, self.name)]
        if self.name == "W_O":  # (h d) d_model -> h d d_model
            return array.reshape(self.n_heads, self.d_head, -1)
        if array.ndim == 1:  # (h d) -> h d
            return array.reshape(self.n_heads, self.d_head)
        # d_model (h d) -> h d_model d
        return array.reshape(array.shape[0], self.n_heads, self.d_head).transpose(1, 0, 2)


class _PerLayer:
    def __init__(self, params: dict, name: str):
        self.params, self.name = params, name

    def __getitem__(self, layer: int) -> np.ndarray:
        return self.params[param_name(layer, self.name)]


class Weights:
    """The weights of `net` (a `Net`) by TransformerLens name; see the module docstring."""

    def __init__(self, net):
        params, config = net.params, net.config
        self.n_layers, self.n_heads, self.d_head = config.n_layers, config.n_heads, config.d_head
        self.W_E = params["token_embed/embeddings"]
        self.W_pos = params["pos_embed/embeddings"]
        self.W_U = net.W_U
        for name in (*_ATTENTION, "W_O"):
            setattr(self, name, _PerHead(params, name, config.n_heads, config.d_head))
        for name in _LAYER:
            setattr(self, name, _PerLayer(params, name))

    def QK(self, layer: int, head: int) -> np.ndarray:
        """W_Q W_K^T of one head [d_model, d_model], before the 1/sqrt(d_head) scaling."""
        return self.W_Q[layer, head] @ self.W_K[layer, head].T

    def OV(self, layer: int, head: int) -> np.ndarray:
        """W_V W_O of one head [d_model, d_model]: what it writes for what it reads."""
        return self.W_V[layer, head] @ self.W_O[layer, head]
