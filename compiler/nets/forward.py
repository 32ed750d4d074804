"""Executing a net: the dense forward pass in numpy and in torch, with exactly the arithmetic of
tracr's Haiku model (no layer norm, residual attention then MLP in every layer, logits scaled by
1/sqrt(d_head), float32). `Net.run` chooses between these and the sparse kernel of
`compiler.nets.kernel`; retraining and compression train through `torch_forward`.
"""

from __future__ import annotations

import math

import numpy as np

from compiler.nets.config import NetConfig
from compiler.nets.weights import param_name


def _layer(params: dict, layer: int, weight: str, bias: str) -> tuple:
    """A layer's whole weight and bias by TransformerLens name (heads side by side)."""
    return params[param_name(layer, weight)], params[param_name(layer, bias)]


def attention_mask(key_mask: np.ndarray, causal: bool) -> np.ndarray:
    """[B, 1, T, T] booleans: which keys each query may attend to."""
    t = key_mask.shape[1]
    mask = np.broadcast_to(key_mask[:, None, None, :], (key_mask.shape[0], 1, t, t))
    if causal:
        mask = mask & np.tril(np.ones((t, t), dtype=bool))
    return mask


def _numpy_layers(net) -> list[tuple]:
    """Per layer: fused [W_Q W_K W_V] and its bias, W_O and b_O, the MLP's four arrays; a
    part whose weights are all zero (tracr pads each layer's unused half) is None, and so is a
    bias that is all zero (adding it would change nothing but the time)."""
    def build() -> list[tuple]:
        p, layers = net.params, []
        for layer in range(net.config.n_layers):
            qkv = [_layer(p, layer, f"W_{n}", f"b_{n}") for n in "QKV"]
            attention = (np.concatenate([w for w, _ in qkv], axis=1), np.concatenate([b for _, b in qkv]),
                         *_layer(p, layer, "W_O", "b_O"))
            mlp = (*_layer(p, layer, "W_in", "b_in"), *_layer(p, layer, "W_out", "b_out"))
            layers.append(tuple(
                tuple(a if a.ndim == 2 or a.any() else None for a in part) if any(a.any() for a in part) else None
                for part in (attention, mlp)))
        return layers

    return net.cached("numpy", build)


def _affine(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    out = x @ w
    if b is not None:
        out += b
    return out


def run_numpy(net, ids: np.ndarray, key_mask: np.ndarray,
                   streams: list | None = None) -> np.ndarray:
    """Final residual stream [B, T, d_model] of the net on token ids (BOS included); appends
    the stream after the embeddings and after every sub-layer to `streams` when given."""
    p, c = net.params, net.config
    batch, t = ids.shape
    # The stream is kept as [B*T, d_model] so that every dense layer is one GEMM (numpy runs a
    # 3-d @ 2-d product as one small product per batch item).
    x = (p["token_embed/embeddings"][ids] + p["pos_embed/embeddings"][np.arange(t)][None]).reshape(batch * t, -1)
    # Masked keys get -1e30 added to their logits (an additive mask, computed once; none when
    # every key is visible, as for one unpadded sequence).
    mask_bias = (None if key_mask.all() and not c.causal else
                 np.where(attention_mask(key_mask, c.causal), np.float32(0), np.float32(-1e30)))
    scale = np.float32(1 / math.sqrt(c.d_head))
    width = c.n_heads * c.d_head
    keep = (lambda: streams.append(x.reshape(batch, t, -1))) if streams is not None else (lambda: None)
    keep()
    for attention, mlp in _numpy_layers(net):
        if attention is not None:
            w_qkv, b_qkv, w_o, b_o = attention
            qkv = _affine(x, w_qkv, b_qkv).reshape(batch, t, 3, c.n_heads, c.d_head).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # each [B, heads, T, d_head]
            logits = q @ k.transpose(0, 1, 3, 2)
            logits *= scale
            if mask_bias is not None:
                logits += mask_bias
            logits -= logits.max(axis=-1, keepdims=True)
            weights = np.exp(logits, out=logits)
            weights /= weights.sum(axis=-1, keepdims=True)
            x = x + _affine((weights @ v).transpose(0, 2, 1, 3).reshape(batch * t, width), w_o, b_o)
        keep()
        if mlp is not None:
            w_in, b_in, w_out, b_out = mlp
            hidden = _affine(x, w_in, b_in)
            x = x + _affine(np.maximum(hidden, 0, out=hidden), w_out, b_out)
        keep()
    return x.reshape(batch, t, -1)


def run_torch(net, ids: np.ndarray, key_mask: np.ndarray,
                   device: str | None) -> np.ndarray:
    """The same forward pass as `run_numpy`, in torch (weights cached per device)."""
    import torch

    device = torch_device(device)
    params = net.cached(("torch", device), lambda: {k: torch.as_tensor(v, device=device)
                                                    for k, v in net.params.items()})
    mask = torch.as_tensor(np.ascontiguousarray(attention_mask(key_mask, net.config.causal)),
                           device=device)
    with torch.no_grad():
        x = torch_forward(params, net.config,
                          torch.as_tensor(ids, device=device), mask)
    return x.cpu().numpy()


def torch_device(device: str | None):
    """`device` (None: cpu) as a torch device this torch can use; one ValueError saying what
    is wrong and what to pass instead."""
    import torch

    try:
        resolved = torch.device(device or "cpu")
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device {device!r} is not a torch device ({str(error).splitlines()[0][:120]}); "
                         "use cpu, cuda or cuda:N") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: this torch has no CUDA device (torch.cuda.is_available() is False); "
                         "use --device cpu, or install a CUDA build of torch")
    if resolved.type == "cuda" and resolved.index is not None and resolved.index >= torch.cuda.device_count():
        raise ValueError(f"device {device!r}: there are {torch.cuda.device_count()} CUDA devices")
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device {device!r}: this torch has no MPS device; use --device cpu")
    if resolved.type not in ("cpu", "cuda", "mps"):  # meta, xla, ...: no values to compute with or read back
        raise ValueError(f"device {device!r} is not one nets and models run on here; use cpu, cuda, cuda:N or mps")
    return resolved


def torch_forward(params: dict, config: NetConfig, ids, mask, streams: list | None = None):
    """Differentiable forward pass over torch tensors named as in `Net.params`.

    `ids` [B, T] token ids (BOS first), `mask` [B, 1, T, T] booleans (which keys each query sees).
    Returns the final residual stream [B, T, d_model]; appends the stream after the embeddings and
    after every sub-layer to `streams` when given. Retraining and compression train through it.
    """
    import torch
    import torch.nn.functional as F

    batch, t = ids.shape
    c = config
    x = params["token_embed/embeddings"][ids] + params["pos_embed/embeddings"][:t][None]
    keep = streams.append if streams is not None else (lambda _: None)
    keep(x)
    for layer in range(c.n_layers):
        q, k, v = (
            (x @ w + b).reshape(batch, t, c.n_heads, c.d_head).transpose(1, 2)
            for w, b in (_layer(params, layer, f"W_{n}", f"b_{n}") for n in "QKV"))
        heads = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        w_o, b_o = _layer(params, layer, "W_O", "b_O")
        x = x + heads.transpose(1, 2).reshape(batch, t, -1) @ w_o + b_o
        keep(x)
        w_in, b_in = _layer(params, layer, "W_in", "b_in")
        w_out, b_out = _layer(params, layer, "W_out", "b_out")
        x = x + torch.relu(x @ w_in + b_in) @ w_out + b_out
        keep(x)
    return x
