"""A net's weights under TransformerLens names, per layer and head: the one place that knows how
tracr's flattened Haiku names ("transformer/layer_0/attn/query/w", heads side by side in the
columns) map to the matrices people reason about.

    w = Weights(net)                          # or Weights.of(params, W_U, n_layers, d_head): bare arrays
    w.W_E, w.W_pos, w.W_U                     # [tokens, d_model], [max_seq_len + 1, d_model], [d_model, outputs]
    w.W_Q[l, h], w.W_K[l, h], w.W_V[l, h]     # [d_model, d_head] (views into net.params)
    w.b_Q[l, h], w.b_K[l, h], w.b_V[l, h]     # [d_head]
    w.W_O[l, h]                               # [d_head, d_model]
    w.W_Q[l]                                  # [n_heads, d_model, d_head], TransformerLens's layout
    w.b_O[l], w.W_in[l], w.b_in[l], w.W_out[l], w.b_out[l]
    w.QK(l, h), w.OV(l, h)                    # [d_model, d_model]: W_Q W_K^T (unscaled) and W_V W_O

Indexing by (layer, head) returns numpy views of the net's own arrays: nothing is copied, and
writing through them writes the net. Assigning a layer (`w.W_Q[l] = heads`, heads first, any
number of heads; `w.W_in[l] = matrix`) stores it back under tracr's name and layout: the way
scrambling reshapes a net. The head count is read from the arrays, so it follows such writes.
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

    def __init__(self, params: dict, name: str, d_head: int):
        self.params, self.name, self.d_head = params, name, d_head

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
            return array.reshape(-1, self.d_head, array.shape[-1])
        if array.ndim == 1:  # (h d) -> h d
            return array.reshape(-1, self.d_head)
        # d_model (h d) -> h d_model d
        return array.reshape(array.shape[0], -1, self.d_head).transpose(1, 0, 2)

    def __setitem__(self, layer: int, heads: np.ndarray) -> None:
        """Stores a layer's heads (heads first, as `[layer]` gives them) in tracr's layout."""
        if self.name == "W_O":  # h d d_model -> (h d) d_model
            array = heads.reshape(-1, heads.shape[-1])
        elif heads.ndim == 2:  # h d -> (h d)
            array = heads.reshape(-1)
        else:  # h d_model d -> d_model (h d)
            array = heads.transpose(1, 0, 2).reshape(heads.shape[1], -1)
        self.params[param_name(layer, self.name)] = array


class _PerLayer:
    def __init__(self, params: dict, name: str):
        self.params, self.name = params, name

    def __getitem__(self, layer: int) -> np.ndarray:
        return self.params[param_name(layer, self.name)]

    def __setitem__(self, layer: int, array: np.ndarray) -> None:
        self.params[param_name(layer, self.name)] = array


class Weights:
    """The weights of `net` (a `Net`) by TransformerLens name; see the module docstring."""

    def __init__(self, net):
        self._bind(net.params, net.W_U, net.config.n_layers, net.config.d_head)

    @classmethod
    def of(cls, params: dict, W_U: np.ndarray, n_layers: int, d_head: int) -> "Weights":
        """The view of bare arrays (tracr's names in `params`), e.g. a float64 copy being transformed."""
        weights = cls.__new__(cls)
        weights._bind(params, W_U, n_layers, d_head)
        return weights

    def _bind(self, params: dict, W_U: np.ndarray, n_layers: int, d_head: int) -> None:
        self.params, self.W_U, self.n_layers, self.d_head = params, W_U, n_layers, d_head
        for name in (*_ATTENTION, "W_O"):
            setattr(self, name, _PerHead(params, name, d_head))
        for name in _LAYER:
            setattr(self, name, _PerLayer(params, name))

    @property
    def W_E(self) -> np.ndarray:
        return self.params["token_embed/embeddings"]

    @W_E.setter
    def W_E(self, array: np.ndarray) -> None:
        self.params["token_embed/embeddings"] = array

    @property
    def W_pos(self) -> np.ndarray:
        return self.params["pos_embed/embeddings"]

    @W_pos.setter
    def W_pos(self, array: np.ndarray) -> None:
        self.params["pos_embed/embeddings"] = array

    @property
    def n_heads(self) -> int:
        return self.params[param_name(0, "W_Q")].shape[1] // self.d_head if self.n_layers else 0

    @property
    def d_mlp(self) -> int:
        return self.params[param_name(0, "W_in")].shape[1] if self.n_layers else 0

    @property
    def d_model(self) -> int:
        return self.W_U.shape[0]

    def QK(self, layer: int, head: int) -> np.ndarray:
        """W_Q W_K^T of one head [d_model, d_model], before the 1/sqrt(d_head) scaling."""
        return self.W_Q[layer, head] @ self.W_K[layer, head].T

    def OV(self, layer: int, head: int) -> np.ndarray:
        """W_V W_O of one head [d_model, d_model]: what it writes for what it reads."""
        return self.W_V[layer, head] @ self.W_O[layer, head]
