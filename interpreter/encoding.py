"""Weight tokenisers: a `Net` becomes a bag of fixed-width float tokens with integer tags.

Two encoders, one output format (`EncodedNet`: `values [n, width]`, `tags [n, len(TAG_FIELDS)]`),
so one model reads either:

* "baseline" (the published meta-model recipe): every parameter tensor (W_E, W_pos, per layer
  W_Q, b_Q, W_K, b_K, W_V, b_V, W_O, b_O, W_in, b_in, W_out, b_out, then W_U) flattened row-major
  and cut into chunks of `width` floats, each tagged with its tensor's kind, its layer and the
  chunk's index.
* "invariant": "virtual weights", the products between what the residual stream is written
  with and what it is read with. Writes are the rows of W_E, W_pos, each head's W_O, b_O, W_out,
  b_out; reads are the columns of each head's W_Q, W_K, W_V, of W_in and of W_U. A change of
  residual basis R turns each write O into O R and each read I into Rᵀ I, so O I is unchanged
  (R orthogonal, or a permutation): the encoding is blind to `scramble` kinds "rotate" and
  "permute_residual". Only writes that come before a read are paired (embeddings before layer 0,
  an attention layer before its MLP); a constant write "one" carries each read's bias. Each
  token is one write row times one read block (a head, an MLP, W_U), tagged with both
  components (kind, layer, head), the row and the chunk within the row.

Both add the net's interface (`interface=True`, the default): one token per input token id
(its value, or BOS/PAD) and one per output value (or one saying the output is numerical). The
weights alone say which direction carries which input or output index, not what value it
stands for, and the net carries these (`input_tokens`, `output_values`) to be run at all.

Compiled networks are sparse, so tokens that are all zero are dropped (their tags place the
ones kept). For virtual weights "zero" is judged scale-free: entry (i, j) counts as zero when
|O_i · I_j| <= ZERO_TOLERANCE |O_i| |I_j|, a test every change of basis leaves alone, while
float32 rounding of a rotated net (~1e-7 relative) stays far below it.

Values pass through sign(x) log(1 + |x|): tracr's weights span 1e-3 to 1e5 (sharpened
attention, discretising MLPs), and the model sees them on one scale.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Iterator

import numpy as np

from compiler.net import Net

ENCODERS = ("baseline", "invariant")
#: What each integer tag column says about a token.
TAG_FIELDS = ("write_kind", "write_layer", "write_head", "read_kind", "read_layer", "read_head",
              "row", "chunk")
#: Component kinds ("none" fills the read columns of the baseline's tags).
KINDS = ("none", "W_E", "W_pos", "one", "W_Q", "b_Q", "W_K", "b_K", "W_V", "b_V", "W_O", "b_O",
         "W_in", "b_in", "W_out", "b_out", "W_U", "input_token", "output_value")
#: Features of an interface value, in the first slots of its token.
VALUE_FEATURES = ("is_number", "number", "is_bool", "is_none", "is_string", "string_length", "first_char",
                  "is_bos", "is_pad", "is_numerical_output")
ZERO_TOLERANCE = 1e-4


class EncodingError(ValueError):
    """A net this encoder cannot represent within its limits; says which limit and how to lift it."""


@dataclasses.dataclass(frozen=True)
class EncoderConfig:
    """How nets become tokens; plain data, saved with every checkpoint.

    `width` floats per token; a net needing more than `max_tokens` tokens, more than
    `max_layers` layers or `max_heads` heads, or a row/chunk index of `max_index` or more is
    refused with `EncodingError` (the model's tag tables have these sizes).
    """

    kind: str = "invariant"
    width: int = 32
    interface: bool = True
    max_tokens: int = 2048  # compiled nets take ~70-350 tokens; dense (retrained) ones 5-10 times more
    max_layers: int = 16
    max_heads: int = 8
    max_index: int = 512

    def __post_init__(self):
        if self.kind not in ENCODERS:
            raise ValueError(f"encoder kind {self.kind!r}: expected one of {', '.join(ENCODERS)}")
        if isinstance(self.width, int) and self.interface and self.width < len(VALUE_FEATURES):
            raise ValueError(f"encoder config `width` must be at least {len(VALUE_FEATURES)} with interface tokens")
        for field in ("width", "max_tokens", "max_layers", "max_heads", "max_index"):
            if not isinstance(getattr(self, field), int) or getattr(self, field) < 1:
                raise ValueError(f"encoder config `{field}` must be a positive integer")

    @property
    def tag_sizes(self) -> tuple[int, ...]:
        """Number of distinct values of each tag column (the model's embedding table sizes)."""
        kinds, layers, heads = len(KINDS), self.max_layers + 1, self.max_heads + 1
        return (kinds, layers, heads, kinds, layers, heads, self.max_index, self.max_index)


@dataclasses.dataclass(frozen=True)
class EncodedNet:
    """Tokens of one net: `values [n, width]` float32 and `tags [n, len(TAG_FIELDS)]` int64."""

    values: np.ndarray
    tags: np.ndarray

    def __len__(self) -> int:
        return len(self.values)


def encode_net(net: Net, config: EncoderConfig) -> EncodedNet:
    """The tokens of `net` under `config` (see the module docstring); `EncodingError` if too big."""
    c = net.config
    if c.n_layers > config.max_layers:
        raise EncodingError(f"net has {c.n_layers} layers, the encoder takes at most {config.max_layers} "
                            "(raise max_layers in the encoder config)")
    if c.n_heads > config.max_heads:
        raise EncodingError(f"net has {c.n_heads} heads per layer, the encoder takes at most "
                            f"{config.max_heads} (raise max_heads in the encoder config)")
    blocks = _baseline_blocks(net) if config.kind == "baseline" else _virtual_blocks(net)
    if config.interface:
        blocks = itertools.chain(_interface_blocks(net), blocks)
    values, tags = [], []
    for tag, rows in blocks:
        for row, chunk, piece in _chunks(rows, config.width):
            if not piece.any():
                continue
            if max(row, chunk) >= config.max_index:
                raise EncodingError(f"a {KINDS[tag[0]]} block needs index {max(row, chunk)}, the encoder "
                                    f"has {config.max_index} (raise max_index or width)")
            values.append(piece)
            tags.append((*tag, row, chunk))
            if len(values) > config.max_tokens:
                raise EncodingError(f"net needs more than {config.max_tokens} tokens (raise max_tokens "
                                    "or width in the encoder config)")
    if not values:
        values, tags = [np.zeros(config.width)], [(0,) * len(TAG_FIELDS)]  # an all-zero net
    squashed = np.sign(np.array(values)) * np.log1p(np.abs(np.array(values)))
    return EncodedNet(squashed.astype(np.float32), np.array(tags, dtype=np.int64))


def _chunks(rows: np.ndarray, width: int) -> Iterator[tuple[int, int, np.ndarray]]:
    """(row, chunk index, `width` values zero-padded) for every piece of every row."""
    n_chunks = max(1, math.ceil(rows.shape[1] / width))
    padded = np.zeros((rows.shape[0], n_chunks * width))
    padded[:, :rows.shape[1]] = rows
    for row in range(rows.shape[0]):
        for chunk in range(n_chunks):
            yield row, chunk, padded[row, chunk * width:(chunk + 1) * width]


def _kind(name: str) -> int:
    return KINDS.index(name)


def _per_layer(net: Net, layer: int) -> dict[str, np.ndarray]:
    """Layer `layer`'s tensors under TransformerLens names (float64)."""
    prefix = f"transformer/layer_{layer}"
    tracr_names = {"W_Q": "attn/query/w", "b_Q": "attn/query/b", "W_K": "attn/key/w", "b_K": "attn/key/b",
                   "W_V": "attn/value/w", "b_V": "attn/value/b", "W_O": "attn/linear/w",
                   "b_O": "attn/linear/b", "W_in": "mlp/linear_1/w", "b_in": "mlp/linear_1/b",
                   "W_out": "mlp/linear_2/w", "b_out": "mlp/linear_2/b"}
    return {name: net.params[f"{prefix}/{tracr}"].astype(np.float64) for name, tracr in tracr_names.items()}


def _interface_blocks(net: Net) -> Iterator[tuple[tuple, np.ndarray]]:
    """One row of VALUE_FEATURES per input token id, and per output value."""
    inputs = [_features(token, is_bos=token == net.bos, is_pad=token == net.pad) for token in net.input_tokens]
    yield (_kind("input_token"), 0, 0, 0, 0, 0), np.array(inputs)
    outputs = ([_features(None, is_numerical_output=True)] if net.output_values is None
               else [_features(value) for value in net.output_values])
    yield (_kind("output_value"), 0, 0, 0, 0, 0), np.array(outputs)


def _features(value, is_bos: bool = False, is_pad: bool = False, is_numerical_output: bool = False) -> list[float]:
    special = is_bos or is_pad or is_numerical_output
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and not special
    text = value if isinstance(value, str) and not special else ""
    features = {"is_number": number, "number": value if number else 0.0, "is_bool": isinstance(value, bool),
                "is_none": value is None and not special, "is_string": bool(text) or value == "" and not special,
                "string_length": len(text), "first_char": ord(text[0]) / 128 if text else 0.0, "is_bos": is_bos,
                "is_pad": is_pad, "is_numerical_output": is_numerical_output}
    return [float(features[name]) for name in VALUE_FEATURES]


def _baseline_blocks(net: Net) -> Iterator[tuple[tuple, np.ndarray]]:
    """(write kind, layer, 0, none, 0, 0) tags and each parameter tensor flattened to one row, in
    the order of the module docstring; layer is 1 + the transformer layer, 0 outside the layers."""
    yield (_kind("W_E"), 0, 0, 0, 0, 0), net.params["token_embed/embeddings"].reshape(1, -1)
    yield (_kind("W_pos"), 0, 0, 0, 0, 0), net.params["pos_embed/embeddings"].reshape(1, -1)
    for layer in range(net.config.n_layers):
        for name, tensor in _per_layer(net, layer).items():
            yield (_kind(name), layer + 1, 0, 0, 0, 0), tensor.reshape(1, -1)
    yield (_kind("W_U"), 0, 0, 0, 0, 0), net.W_U.reshape(1, -1)


@dataclasses.dataclass(frozen=True)
class _Component:
    """A write (rows: [units, d_model]) or a read (columns: [d_model, units]) of the residual
    stream, with its bias for reads, at `stage` in the forward pass."""

    kind: str
    layer: int  # 1 + the transformer layer; 0 for embeddings and W_U
    head: int   # 1 + the head; 0 where there are no heads
    stage: int  # writes reach reads of later stages only
    matrix: np.ndarray
    bias: np.ndarray | None = None


def _components(net: Net) -> tuple[list[_Component], list[_Component]]:
    """(writes, reads) of the residual stream; stage 0 is the embeddings, 2l+1 and 2l+2 the
    attention and MLP of layer l, and W_U reads after the last layer."""
    c = net.config
    writes = [_Component("W_E", 0, 0, 0, net.params["token_embed/embeddings"].astype(np.float64)),
              _Component("W_pos", 0, 0, 0, net.params["pos_embed/embeddings"].astype(np.float64))]
    reads = [_Component("W_U", 0, 0, 2 * c.n_layers + 1, net.W_U.astype(np.float64))]
    for layer in range(c.n_layers):
        w = _per_layer(net, layer)
        attention, mlp = 2 * layer + 1, 2 * layer + 2
        for head in range(c.n_heads):
            columns = slice(head * c.d_head, (head + 1) * c.d_head)
            for kind, bias in (("W_Q", "b_Q"), ("W_K", "b_K"), ("W_V", "b_V")):
                reads.append(_Component(kind, layer + 1, head + 1, attention, w[kind][:, columns],
                                        w[bias][columns]))
            writes.append(_Component("W_O", layer + 1, head + 1, attention, w["W_O"][columns]))
        writes.append(_Component("b_O", layer + 1, 0, attention, w["b_O"][None]))
        reads.append(_Component("W_in", layer + 1, 0, mlp, w["W_in"], w["b_in"]))
        writes.append(_Component("W_out", layer + 1, 0, mlp, w["W_out"]))
        writes.append(_Component("b_out", layer + 1, 0, mlp, w["b_out"][None]))
    return writes, reads


def _virtual_blocks(net: Net) -> Iterator[tuple[tuple, np.ndarray]]:
    """(tags, block) for every read, its bias first (as the product with the write "one"),
    then each earlier write's product with it; near-zero entries set to exactly zero."""
    writes, reads = _components(net)
    for read in reads:
        read_tag = (_kind(read.kind), read.layer, read.head)
        if read.bias is not None:
            yield (_kind("one"), 0, 0, *read_tag), read.bias[None]
        column_norms = np.linalg.norm(read.matrix, axis=0)
        for write in writes:
            if write.stage >= read.stage:
                continue
            product = write.matrix @ read.matrix
            scale = np.linalg.norm(write.matrix, axis=1)[:, None] * column_norms[None, :]
            product[np.abs(product) <= ZERO_TOLERANCE * scale] = 0.0
            yield (_kind(write.kind), write.layer, write.head, *read_tag), product
