"""The interpreter network: a transformer encoder over weight tokens, a decoder over program tokens.

The encoder (torch's `nn.TransformerEncoder`) has no positions: a net's tokens are a set, placed
only by their tags (`interpreter.encoding.TAG_FIELDS`), each tag column with its own embedding
table, summed with a linear map of the token's values. The decoder is a causal pre-norm
transformer over the program tokenizer's vocabulary with learned positions, cross-attending to
the encoder; its output layer shares the token embedding. Its blocks are written out (with
`scaled_dot_product_attention`) because decoding needs what `nn.TransformerDecoder` lacks: keys
and values cached between steps, and the encoder's projected once per net (`DecoderCache`).
"""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F
from torch import nn

from compiler.language import tokenizer
from interpreter.data import PAD_ID, Batch
from interpreter.encoding import EncoderConfig

#: Sizes past which a config is refused before any module is built (a config file is data; one
#: with a million layers would take minutes and all memory to build). Far above any model trained here.
_LIMITS = {"d_model": 16_384, "n_heads": 256, "n_encoder_layers": 256, "n_decoder_layers": 256, "d_ff": 65_536,
           "max_target_len": 65_536}


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Sizes of the interpreter; plain data, saved as JSON with every checkpoint."""

    encoder: EncoderConfig = dataclasses.field(default_factory=EncoderConfig)
    d_model: int = 128
    n_heads: int = 4
    n_encoder_layers: int = 3
    n_decoder_layers: int = 3
    d_ff: int = 512
    dropout: float = 0.0
    max_target_len: int = 192
    vocab_size: int = len(tokenizer.vocabulary())

    def __post_init__(self):
        if not isinstance(self.encoder, EncoderConfig):
            raise ValueError(f"model config: encoder must be an encoder config object, not {self.encoder!r}")
        for name in ("d_model", "n_heads", "n_encoder_layers", "n_decoder_layers", "d_ff", "max_target_len",
                     "vocab_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"model config: {name} must be a positive integer, not {value!r}")
            if value > _LIMITS.get(name, value):
                raise ValueError(f"model config: {name} {value} is over the limit of {_LIMITS[name]:,}")
        if (not isinstance(self.dropout, (int, float)) or isinstance(self.dropout, bool)
                or not 0 <= self.dropout < 1):
            raise ValueError(f"model config: dropout must be a number in [0, 1), not {self.dropout!r}")
        if self.d_model % self.n_heads:
            raise ValueError(f"model config: d_model {self.d_model} is not a multiple of n_heads {self.n_heads}")
        if self.vocab_size != len(tokenizer.vocabulary()):
            raise ValueError(f"model config: vocab_size {self.vocab_size} differs from the program tokenizer's "
                             f"{len(tokenizer.vocabulary())}; the checkpoint belongs to another tokenizer")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "ModelConfig":
        return config_from_dict(cls, data, "model config", encoder=lambda d: config_from_dict(
            EncoderConfig, d, "encoder config"))


def config_from_dict(cls, data: dict, what: str, **nested):
    """The config dataclass `cls` from JSON data; `nested` builds the fields holding configs
    (given as dicts); an unknown field is one ValueError naming it."""
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - fields
    if unknown:
        raise ValueError(f"{what}: unknown field(s) {sorted(unknown)}; fields are {sorted(fields)}")
    data = {k: nested[k](v) if k in nested and isinstance(v, dict) else v for k, v in data.items()}
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


class Attention(nn.Module):
    """Multi-head attention of queries from `x` over given keys and values."""

    def __init__(self, d_model: int, n_heads: int, dropout: float):
        super().__init__()
        self.n_heads, self.dropout = n_heads, dropout
        self.W_Q = nn.Linear(d_model, d_model)
        self.W_KV = nn.Linear(d_model, 2 * d_model)
        self.W_O = nn.Linear(d_model, d_model)

    def keys_values(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values [B, heads, T, d_head] of `x` [B, T, d_model]."""
        k, v = self.W_KV(x).chunk(2, dim=-1)
        return self._heads(k), self._heads(v)

    def forward(self, x: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """`mask` (True: may attend) broadcasts to [B, heads, T_query, T_key]."""
        q = self._heads(self.W_Q(x))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.dropout if self.training else 0.0)
        return self.W_O(y.transpose(1, 2).flatten(2))

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        return x.unflatten(-1, (self.n_heads, -1)).transpose(1, 2)  # "b t (h d) -> b h t d"


class DecoderBlock(nn.Module):
    """Pre-norm: causal self-attention, cross-attention to the encoder, MLP."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        self.ln_self, self.ln_cross, self.ln_mlp = (nn.LayerNorm(c.d_model) for _ in range(3))
        self.self_attention = Attention(c.d_model, c.n_heads, c.dropout)
        self.cross_attention = Attention(c.d_model, c.n_heads, c.dropout)
        self.mlp = nn.Sequential(nn.Linear(c.d_model, c.d_ff), nn.GELU(), nn.Linear(c.d_ff, c.d_model),
                                 nn.Dropout(c.dropout))

    def forward(self, x, self_kv, self_mask, memory_kv, memory_mask):
        h = self.ln_self(x)
        x = x + self.self_attention(h, *(self_kv or self.self_attention.keys_values(h)), self_mask)
        x = x + self.cross_attention(self.ln_cross(x), *memory_kv, memory_mask)
        return x + self.mlp(self.ln_mlp(x))


@dataclasses.dataclass
class DecoderCache:
    """What step-by-step decoding keeps: per decoder layer, the encoder's keys and values per
    net [nets, heads, N, d_head] with its mask [nets, N], and the self-attention keys and
    values per hypothesis [rows, heads, max_target_len, d_head]."""

    memory_kv: list[tuple[torch.Tensor, torch.Tensor]]
    memory_mask: torch.Tensor
    self_k: list[torch.Tensor]
    self_v: list[torch.Tensor]

    def select(self, rows: torch.Tensor) -> "DecoderCache":
        """The cache for hypotheses continuing rows `rows` (in that order)."""
        return dataclasses.replace(self, self_k=[k[rows] for k in self.self_k], self_v=[v[rows] for v in self.self_v])


class Interpreter(nn.Module):
    """Weight tokens -> logits over the next program token."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        c = config
        self.value_in = nn.Linear(c.encoder.width, c.d_model)
        self.tag_embeddings = nn.ModuleList(nn.Embedding(size, c.d_model) for size in c.encoder.tag_sizes)
        layer = nn.TransformerEncoderLayer(c.d_model, c.n_heads, c.d_ff, c.dropout, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, c.n_encoder_layers, norm=nn.LayerNorm(c.d_model),
                                             enable_nested_tensor=False)
        self.token_embedding = nn.Embedding(c.vocab_size, c.d_model)
        self.position_embedding = nn.Embedding(c.max_target_len, c.d_model)
        self.decoder = nn.ModuleList(DecoderBlock(c) for _ in range(c.n_decoder_layers))
        self.ln_final = nn.LayerNorm(c.d_model)
        self.apply(_init_weights)

    def encode(self, values: torch.Tensor, tags: torch.Tensor, token_mask: torch.Tensor) -> torch.Tensor:
        """Memory [B, N, d_model] from weight tokens [B, N, width], tags [B, N, n_tags], mask [B, N]."""
        x = self.value_in(values)
        for column, embedding in enumerate(self.tag_embeddings):
            x = x + embedding(tags[..., column])
        return self.encoder(x, src_key_padding_mask=~token_mask)

    def decode(self, memory: torch.Tensor, token_mask: torch.Tensor, prefix: torch.Tensor) -> torch.Tensor:
        """Logits [B, T, vocab] of the token after each position of `prefix` [B, T] (BOS first;
        PAD after the end is never attended to, being later than every real token)."""
        t = prefix.shape[1]
        if t > self.config.max_target_len:
            raise ValueError(f"a prefix of {t} tokens is longer than max_target_len {self.config.max_target_len}")
        x = self.token_embedding(prefix) + self.position_embedding(torch.arange(t, device=prefix.device))[None]
        causal = torch.ones(t, t, dtype=torch.bool, device=prefix.device).tril()
        memory_mask = token_mask[:, None, None, :]
        for block in self.decoder:
            x = block(x, None, causal, block.cross_attention.keys_values(memory), memory_mask)
        return F.linear(self.ln_final(x), self.token_embedding.weight)

    def forward(self, batch: Batch) -> torch.Tensor:
        """Teacher-forced logits [B, T-1, vocab] for targets[:, 1:]."""
        memory = self.encode(batch.values, batch.tags, batch.token_mask)
        return self.decode(memory, batch.token_mask, batch.targets[:, :-1])

    def start_decoding(self, memory: torch.Tensor, token_mask: torch.Tensor) -> DecoderCache:
        """A cache for decoding the nets of `memory` [nets, N, d_model], one row per net."""
        c = self.config
        shape = (len(memory), c.n_heads, c.max_target_len, c.d_model // c.n_heads)
        empty = [memory.new_zeros(shape) for _ in self.decoder]
        return DecoderCache([block.cross_attention.keys_values(memory) for block in self.decoder], token_mask,
                            empty, [e.clone() for e in empty])

    def decode_step(self, cache: DecoderCache, nets: torch.Tensor, tokens: torch.Tensor,
                    positions: torch.Tensor) -> torch.Tensor:
        """Logits [rows, vocab] of the token after `tokens` [rows] at `positions` [rows], for rows
        decoding nets `nets` [rows]; writes the rows' keys and values at those positions into
        `cache` (whose self-attention entries must hold every earlier position of each row)."""
        rows = torch.arange(len(tokens), device=tokens.device)
        x = (self.token_embedding(tokens) + self.position_embedding(positions))[:, None]
        self_mask = (torch.arange(self.config.max_target_len, device=tokens.device)[None] <= positions[:, None])
        memory_mask = cache.memory_mask[nets][:, None, None, :]
        for block, (memory_k, memory_v), k, v in zip(self.decoder, cache.memory_kv, cache.self_k, cache.self_v):
            new_k, new_v = block.self_attention.keys_values(block.ln_self(x))
            k[rows, :, positions], v[rows, :, positions] = new_k[:, :, 0], new_v[:, :, 0]
            x = block(x, (k, v), self_mask[:, None, None, :], (memory_k[nets], memory_v[nets]), memory_mask)
        return F.linear(self.ln_final(x[:, 0]), self.token_embedding.weight)


def next_token_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of teacher-forced `logits` [B, T-1, vocab] against targets[:, 1:]
    (PAD positions ignored)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets[:, 1:].reshape(-1),
                           ignore_index=PAD_ID)


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, (nn.Linear, nn.Embedding)):
        nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
