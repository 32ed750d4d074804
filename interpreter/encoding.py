"""Weight tokenisers: a `Net` becomes a bag of fixed-width float tokens with integer tags.

Three encoders, one output format (`EncodedNet`: `values [n, width]`, `tags [n, len(TAG_FIELDS)]`),
so one model reads any of them:

* "baseline" (the published meta-model recipe): every parameter tensor (W_E, W_pos, per layer
  W_Q, b_Q, W_K, b_K, W_V, b_V, W_O, b_O, W_in, b_in, W_out, b_out, then W_U) flattened row-major
  and cut into pieces of `width` floats, each tagged with its tensor's kind, its layer and the
  piece's index.
* "invariant": "virtual weights", the products between what the residual stream is written
  with and what it is read with. Writes are the rows of W_E, W_pos, each head's W_O, b_O, W_out,
  b_out; reads are the columns of each head's W_Q, W_K, W_V, of W_in and of W_U. A change of
  residual basis R turns each write O into O R and each read I into Rᵀ I, so O I is unchanged
  (R orthogonal, or a permutation): the encoding is blind to `scramble` kinds "rotate" and
  "permute_residual". Only writes that come before a read are paired (embeddings before layer 0,
  an attention layer before its MLP); a constant write "one" carries each read's bias. Each
  token is one write row times one read block (a head, an MLP, W_U), tagged with both
  components (kind, layer, head), the row and the piece within the row.
* "circuit": blind to every `scramble` kind. A head's query and key maps enter only as its QK
  circuit W_Q W_Kᵀ / sqrt(d_head), its value and output maps only as its OV circuit W_V W_O,
  products that the "qk" and "ov" scrambles leave alone. The units that write the residual
  stream ("sources") are the rows of W_E, W_pos, W_out, and the biases (b_V W_O folded into b_O:
  attention weights sum to one), plus, for each source a head can attend to, its rows times the
  head's OV circuit (a source carried on by that head, tagged with it; through at most
  `max_chain` heads, as dense nets multiply their sources layer by layer). Tokens: per head, the
  QK block between each query source and each key source (O_a W_QK O_bᵀ, the head in the
  `circuit` tag; the query bias is a source "one"; the key bias adds the same to every key and
  drops out of the softmax); per MLP and for W_U, each earlier source times the read (and
  "one" times b_in). MLP neurons are put in a canonical form, their input scaled to norm one
  and sorted by what they read (ReLU(s x) = s ReLU(x), s > 0), which undoes "mlp_neurons";
  the heads of a layer are sorted by their blocks, which undoes "permute_heads". A scrambled
  net thus gives its compiled twin's tokens, up to float rounding.

Each adds the net's interface (`interface=True`, the default): one token per input token id
(its value, or BOS/PAD) and one per output value (or one saying the output is numerical). The
weights alone say which direction carries which input or output index, not what value it
stands for, and the net carries these (`input_tokens`, `output_values`) to be run at all.

Compiled networks are sparse, so tokens that are all zero are dropped (their tags place the
ones kept). For virtual weights and circuits "zero" is judged scale-free: entry (i, j) counts as zero
when |O_i · I_j| <= ZERO_TOLERANCE |O_i| |I_j| (|O_a,i W_QK O_b,jᵀ| against |O_a,i| |W_QK| |O_b,j|
for a QK block), a test every change of basis leaves alone, while float32 rounding of a rotated
net (~1e-7 relative) stays far below it.

Values pass through sign(x) log(1 + |x|): tracr's weights span 1e-3 to 1e5 (sharpened
attention, discretising MLPs), and the model sees them on one scale.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import time
from typing import Callable, Iterator, Sequence

import numpy as np

from compiler.nets.net import Net
from compiler.nets.weights import Weights, param_name

ENCODERS = ("baseline", "invariant", "circuit")
#: What each integer tag column says about a token.
TAG_FIELDS = ("write_kind", "write_layer", "write_head", "read_kind", "read_layer", "read_head", "circuit",
              "row", "piece")
#: Component kinds ("none" fills the read columns of the baseline's tags).
KINDS = ("none", "W_E", "W_pos", "one", "W_Q", "b_Q", "W_K", "b_K", "W_V", "b_V", "W_O", "b_O",
         "W_in", "b_in", "W_out", "b_out", "W_U", "input_token", "output_value")
#: Features of an interface value, in the first slots of its token.
VALUE_FEATURES = ("is_number", "number", "is_bool", "is_none", "is_string", "string_length", "first_char",
                  "is_bos", "is_pad", "is_numerical_output")
ZERO_TOLERANCE = 1e-4


class EncodingError(ValueError):
    """A net this encoder cannot represent within its limits; says which limit (`reason`) and how to
    lift it (`hint`: a change to the encoder config, which means training another model)."""

    def __init__(self, reason: str, hint: str = ""):
        super().__init__(f"{reason} ({hint})" if hint else reason)
        self.reason, self.hint = reason, hint


class EncodingTimeout(EncodingError):
    """A net whose encoding was not done by the caller's deadline."""


@dataclasses.dataclass(frozen=True)
class EncoderConfig:
    """How nets become tokens; plain data, saved with every checkpoint.

    `width` floats per token; a net needing more than `max_tokens` tokens, more than
    `max_layers` layers or `max_heads` heads, or a row/piece index of `max_index` or more is
    refused with `EncodingError` (the model's tag tables have these sizes). `max_chain` (circuit
    encoder): the most heads a source is carried on through; each layer multiplies a dense net's
    sources, and compiled nets of up to 6 operations never need more than one.
    """

    kind: str = "circuit"
    width: int = 32
    interface: bool = True
    max_tokens: int = 2048  # compiled nets take ~15-350 tokens; dense (retrained) ones 5-40 times more
    max_layers: int = 16
    max_heads: int = 8
    max_index: int = 512
    max_chain: int = 2

    def __post_init__(self):
        if self.kind not in ENCODERS:
            raise ValueError(f"encoder kind {self.kind!r}: expected one of {', '.join(ENCODERS)}")
        if isinstance(self.width, int) and self.interface and self.width < len(VALUE_FEATURES):
            raise ValueError(f"encoder config `width` must be at least {len(VALUE_FEATURES)} with interface tokens")
        for field in ("width", "max_tokens", "max_layers", "max_heads", "max_index", "max_chain"):
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"encoder config `{field}` must be a positive integer, not {value!r}")
        if not isinstance(self.interface, bool):
            raise ValueError(f"encoder config `interface` must be true or false, not {self.interface!r}")

    @property
    def tag_sizes(self) -> tuple[int, ...]:
        """Number of distinct values of each tag column (the model's embedding table sizes)."""
        kinds, layers, heads = len(KINDS), self.max_layers + 1, self.max_layers * self.max_heads + 1
        return (kinds, layers, heads, kinds, layers, heads, heads, self.max_index, self.max_index)


@dataclasses.dataclass(frozen=True)
class EncodedNet:
    """Tokens of one net: `values [n, width]` float32 and `tags [n, len(TAG_FIELDS)]` int64."""

    values: np.ndarray
    tags: np.ndarray

    def __len__(self) -> int:
        return len(self.values)


def encode_net(net: Net, config: EncoderConfig, deadline: float | None = None) -> EncodedNet:
    """The tokens of `net` under `config` (see the module docstring); `EncodingError` if too big,
    `EncodingTimeout` if not done by `deadline` (a `time.monotonic()` time: a net with too many
    tokens for the encoder, 12 layers of d_model 600, took seconds to tell)."""
    c = net.config
    if c.n_layers > config.max_layers:
        raise EncodingError(f"net has {c.n_layers} layers, the encoder takes at most {config.max_layers}",
                            "raise max_layers in the encoder config")
    if c.n_heads > config.max_heads:
        raise EncodingError(f"net has {c.n_heads} heads per layer, the encoder takes at most {config.max_heads}",
                            "raise max_heads in the encoder config")
    mlp = functools.cache(lambda layer: _mlp(net, layer))  # the circuit encoder's checks and blocks share them
    if (config.kind == "circuit" and c.n_layers * c.d_mlp > config.max_tokens  # else it cannot be (no cost)
            and _unembedded_neurons(net, mlp) > config.max_tokens):
        raise _too_many_tokens(config)  # each is a W_U token: refused before the products
    if config.kind == "circuit" and c.d_mlp > config.max_index * config.width:
        _check_layer_widths(net, config, mlp)
    blocks = {"baseline": _baseline_blocks, "invariant": _virtual_blocks,
              "circuit": functools.partial(_circuit_blocks, mlps=mlp)}[config.kind](net, config)
    if config.interface:
        blocks = itertools.chain(_interface_blocks(net), blocks)
    values, tags = [], []
    for tag, rows in blocks:
        if deadline is not None and time.monotonic() > deadline:
            raise EncodingTimeout(f"the encoding was not done by the deadline ({len(values)} tokens so far)")
        for row, index, piece in _pieces(rows, config.width):
            if max(row, index) >= config.max_index:
                raise EncodingError(f"a {KINDS[tag[0]]} block needs index {max(row, index)}, the encoder "
                                    f"has indices 0-{config.max_index - 1}", "raise max_index or width")
            values.append(piece)
            tags.append((*tag, row, index))
            if len(values) > config.max_tokens:
                raise _too_many_tokens(config)
    if not values:
        values, tags = [np.zeros(config.width)], [(0,) * len(TAG_FIELDS)]  # an all-zero net
    stacked = np.array(values)
    squashed = np.sign(stacked) * np.log1p(np.abs(stacked))
    return EncodedNet(squashed.astype(np.float32), np.array(tags, dtype=np.int64))


def _too_many_tokens(config: EncoderConfig) -> EncodingError:
    return EncodingError(f"net needs more than {config.max_tokens} tokens",
                         "raise max_tokens or width in the encoder config")


def _pieces(rows: np.ndarray, width: int) -> Iterator[tuple[int, int, np.ndarray]]:
    """(row, piece index, `width` values zero-padded) for every piece of every row that is not
    all zeros, row by row."""
    n_pieces = max(1, math.ceil(rows.shape[1] / width))
    padded = np.zeros((rows.shape[0], n_pieces * width))
    padded[:, :rows.shape[1]] = rows
    pieces = padded.reshape(rows.shape[0], n_pieces, width)
    for row, index in zip(*(axis.tolist() for axis in np.nonzero(pieces.any(axis=2)))):
        yield row, index, pieces[row, index]


def _kind(name: str) -> int:
    return KINDS.index(name)


def _per_layer(net: Net, layer: int, names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Layer `layer`'s tensors under TransformerLens names (default: all), whole (heads side by
    side), float64."""
    return {name: net.params[param_name(layer, name)].astype(np.float64) for name in names or _LAYER_TENSORS}


def _mlp(net: Net, layer: int) -> dict[str, np.ndarray]:
    """Layer `layer`'s W_in, b_in and W_out (float64) over the neurons that read or have a bias and
    write: the rest are never `_alive`, and a compiled net's layers are padded to its widest MLP
    (the thirty-fifth hand-written set's t06: 29,282 neurons wide, 9 to 2,662 in the other layers),
    so casting them all took a second."""
    W_in, b_in, W_out = (net.params[param_name(layer, name)] for name in ("W_in", "b_in", "W_out"))
    kept = np.flatnonzero(((W_in != 0).any(axis=0) | (b_in != 0)) & (W_out != 0).any(axis=1))
    return {"W_in": W_in[:, kept].astype(np.float64), "b_in": b_in[kept].astype(np.float64),
            "W_out": W_out[kept].astype(np.float64)}


_LAYER_TENSORS = ("W_Q", "b_Q", "W_K", "b_K", "W_V", "b_V", "W_O", "b_O", "W_in", "b_in", "W_out", "b_out")


def _interface_blocks(net: Net) -> Iterator[tuple[tuple, np.ndarray]]:
    """One row of VALUE_FEATURES per input token id, and per output value."""
    inputs = [_features(token, is_bos=token == net.bos, is_pad=token == net.pad) for token in net.input_tokens]
    yield (_kind("input_token"), 0, 0, 0, 0, 0, 0), np.array(inputs)
    outputs = ([_features(None, is_numerical_output=True)] if net.output_values is None
               else [_features(value) for value in net.output_values])
    yield (_kind("output_value"), 0, 0, 0, 0, 0, 0), np.array(outputs)


def _features(value, is_bos: bool = False, is_pad: bool = False, is_numerical_output: bool = False) -> list[float]:
    special = is_bos or is_pad or is_numerical_output
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and not special
    text = value if isinstance(value, str) and not special else ""
    features = {"is_number": number, "number": value if number else 0.0, "is_bool": isinstance(value, bool),
                "is_none": value is None and not special, "is_string": bool(text) or value == "" and not special,
                "string_length": len(text), "first_char": ord(text[0]) / 128 if text else 0.0, "is_bos": is_bos,
                "is_pad": is_pad, "is_numerical_output": is_numerical_output}
    return [float(features[name]) for name in VALUE_FEATURES]


def _baseline_blocks(net: Net, config: EncoderConfig) -> Iterator[tuple[tuple, np.ndarray]]:
    """(write kind, layer, 0, none, 0, 0, 0) tags and each parameter tensor flattened to one row,
    in the order of the module docstring; layer is 1 + the transformer layer, 0 outside the layers."""
    yield (_kind("W_E"), 0, 0, 0, 0, 0, 0), net.params["token_embed/embeddings"].reshape(1, -1)
    yield (_kind("W_pos"), 0, 0, 0, 0, 0, 0), net.params["pos_embed/embeddings"].reshape(1, -1)
    for layer in range(net.config.n_layers):
        for name, tensor in _per_layer(net, layer).items():
            yield (_kind(name), layer + 1, 0, 0, 0, 0, 0), tensor.reshape(1, -1)
    yield (_kind("W_U"), 0, 0, 0, 0, 0, 0), net.W_U.reshape(1, -1)


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
    c, weights = net.config, Weights(net)
    writes = [_Component("W_E", 0, 0, 0, net.params["token_embed/embeddings"].astype(np.float64)),
              _Component("W_pos", 0, 0, 0, net.params["pos_embed/embeddings"].astype(np.float64))]
    reads = [_Component("W_U", 0, 0, 2 * c.n_layers + 1, net.W_U.astype(np.float64))]
    for layer in range(c.n_layers):
        w = _per_layer(net, layer)
        attention, mlp = 2 * layer + 1, 2 * layer + 2
        for head in range(c.n_heads):
            for kind, bias in (("W_Q", "b_Q"), ("W_K", "b_K"), ("W_V", "b_V")):
                reads.append(_Component(kind, layer + 1, head + 1, attention,
                                        getattr(weights, kind)[layer, head].astype(np.float64),
                                        getattr(weights, bias)[layer, head].astype(np.float64)))
            writes.append(_Component("W_O", layer + 1, head + 1, attention,
                                     weights.W_O[layer, head].astype(np.float64)))
        writes.append(_Component("b_O", layer + 1, 0, attention, w["b_O"][None]))
        reads.append(_Component("W_in", layer + 1, 0, mlp, w["W_in"], w["b_in"]))
        writes.append(_Component("W_out", layer + 1, 0, mlp, w["W_out"]))
        writes.append(_Component("b_out", layer + 1, 0, mlp, w["b_out"][None]))
    return writes, reads


def _virtual_blocks(net: Net, config: EncoderConfig) -> Iterator[tuple[tuple, np.ndarray]]:
    """(tags, block) for every read, its bias first (as the product with the write "one"),
    then each earlier write's product with it; near-zero entries set to exactly zero."""
    writes, reads = _components(net)
    for read in reads:
        read_tag = (_kind(read.kind), read.layer, read.head)
        if read.bias is not None:
            yield (_kind("one"), 0, 0, *read_tag, 0), read.bias[None]
        for write in writes:
            if write.stage < read.stage:
                yield (_kind(write.kind), write.layer, write.head, *read_tag, 0), _product(write.matrix, read.matrix)


@dataclasses.dataclass(frozen=True)
class _Source:
    """Units that add the rows of `matrix [units, d_model]` to the residual stream from `stage`
    on: a write of the net (`via` 0), or one carried on by the OV circuits of a chain of heads,
    the last of which `via` names (a head id, see `_circuit_blocks`)."""

    kind: str
    layer: int
    via: int
    stage: int
    matrix: np.ndarray
    heads: int = 0  # in the chain

    @property
    def tag(self) -> tuple[int, int, int]:
        return _kind(self.kind), self.layer, self.via

    @functools.cached_property
    def norms(self) -> np.ndarray:
        """The rows' norms (read by every block the source is in)."""
        return np.linalg.norm(self.matrix, axis=1)

    @functools.cached_property
    def support(self) -> np.ndarray:
        """The residual directions it writes to at all [d_model] (`_Reads`)."""
        return self.matrix.any(axis=0)


class _Reads:
    """Which residual directions a read matrix [d_model, units] reads, to skip the products of
    sources that write none of them: every term of such a product is a zero (0 * x), so each entry
    is +-0.0, which the zero test would have set to 0.0 or dropped anyway. Only for finite nets
    (0 * inf is NaN): for any other, `_circuit_blocks` makes every product."""

    def __init__(self, matrix: np.ndarray):
        self.rows = matrix.any(axis=1)

    def miss(self, source: _Source) -> bool:
        return not (source.support & self.rows).any()


@dataclasses.dataclass
class _Head:
    """One head's share of the circuit tokens, before heads are put in canonical order."""

    qk: list[tuple[tuple, np.ndarray]]     # (query tag, key tag), block
    carried: list[tuple[_Source, np.ndarray]]  # source, what the head's OV circuit makes of it

    def key(self) -> tuple:
        """What orders the heads of a layer: unchanged by any scramble up to float rounding; heads
        that do nothing (padding) last."""
        return (not self.qk and not self.carried, sorted((tags, _rounded(block)) for tags, block in self.qk),
                sorted((source.tag, _rounded(matrix)) for source, matrix in self.carried))


def _rounded(block: np.ndarray) -> tuple:
    return block.shape, tuple(np.round(np.abs(block).sum(axis=-1), 3).tolist())


def _circuit_blocks(net: Net, config: EncoderConfig,
                    mlps: Callable[[int], dict[str, np.ndarray]] | None = None) -> Iterator[tuple[tuple, np.ndarray]]:
    """Tokens of the "circuit" encoder (see the module docstring), in the order of the forward pass
    (`mlps`: `_mlp` of the net by layer, where already made).

    Head ids: head h (in canonical order) of transformer layer l is l * max_heads + h + 1."""
    c, weights = net.config, Weights(net)
    mlps = mlps or functools.partial(_mlp, net)
    budget = _Budget(config)
    finite = all(np.isfinite(tensor).all() for tensor in net.params.values()) and np.isfinite(net.W_U).all()
    sources = [_Source("W_E", 0, 0, 0, net.params["token_embed/embeddings"].astype(np.float64)),
               _Source("W_pos", 0, 0, 0, net.params["pos_embed/embeddings"].astype(np.float64))]
    for layer in range(c.n_layers):
        w = _per_layer(net, layer, ("b_O", "b_out")) | mlps(layer)
        attention, mlp = 2 * layer + 1, 2 * layer + 2
        heads, bias = [], w["b_O"].copy()
        for head in range(c.n_heads):
            W_Q, W_V, W_O = (getattr(weights, n)[layer, head].astype(np.float64) for n in ("W_Q", "W_V", "W_O"))
            W_K = weights.W_K[layer, head].astype(np.float64).T / math.sqrt(c.d_head)
            W_QK = W_Q @ W_K
            W_OV = W_V @ W_O
            bias += weights.b_V[layer, head].astype(np.float64) @ W_O  # attention weights sum to one
            carriable = [source for source in sources if source.heads < config.max_chain]
            qk = budget.take(_qk_blocks(sources, weights.b_Q[layer, head].astype(np.float64) @ W_K, W_QK, finite))
            heads.append(_Head(qk, list(_ov_blocks(carriable, W_OV, finite))))
        for rank, index in enumerate(sorted(range(c.n_heads), key=lambda h: heads[h].key())):
            head_id = layer * config.max_heads + rank + 1
            for (query, key), block in heads[index].qk:
                yield (*query, *key, head_id), block
            sources += [_Source(source.kind, source.layer, head_id, attention, matrix, source.heads + 1)
                        for source, matrix in heads[index].carried]
        sources.append(_Source("b_O", layer + 1, 0, attention, bias[None]))
        b_in, reads, W_out = _canonical_neurons(w, sources, finite)
        yield (_kind("one"), 0, 0, _kind("W_in"), layer + 1, 0, 0), b_in[None]
        for source, read in zip(sources, reads):
            yield (*source.tag, _kind("W_in"), layer + 1, 0, 0), read
        sources += [_Source("W_out", layer + 1, 0, mlp, W_out), _Source("b_out", layer + 1, 0, mlp, w["b_out"][None])]
    W_U = net.W_U.astype(np.float64)
    W_U_norms, unembedded = np.linalg.norm(W_U, axis=0), _Reads(W_U) if finite else None
    for source in sources:
        yield (*source.tag, _kind("W_U"), 0, 0, 0), _read(source, W_U, W_U_norms, unembedded)


def _unembedded_neurons(net: Net, mlp: Callable[[int], dict[str, np.ndarray]] | None = None) -> int:
    """How many of the neurons `_canonical_neurons` keeps write something the unembedding reads:
    each makes at least one token of the W_U blocks, which come last. A few products of W_out with
    W_U tell a net far over max_tokens that way (the twenty-third hand-written set's k21: 2,516 such
    neurons, d_model 1,435) before the products of every source with every W_in, which took seconds."""
    W_U = net.W_U.astype(np.float64)
    mlp = mlp or functools.partial(_mlp, net)
    count = 0
    for layer in range(net.config.n_layers):
        w = mlp(layer)
        count += int(np.count_nonzero(_product(w["W_out"][_alive(w)[0]], W_U).any(axis=1)))
    return count


def _check_layer_widths(net: Net, config: EncoderConfig, mlp: Callable[[int], dict[str, np.ndarray]]) -> None:
    """`EncodingError` where a layer has more neurons that a W_in block holds something for than
    the pieces' indices reach: `_canonical_neurons` puts each at its own column, so one of them is
    past the last piece, in the bias's block or an embedding's. Told from the embeddings and the
    bias alone, before the products of every source with every W_in (the thirty-fifth hand-written
    set's t06: 29,282 neurons in one layer, 2.8 s to reach that layer's blocks)."""
    limit = config.max_index * config.width
    embeddings = np.concatenate([net.params["token_embed/embeddings"],
                                 net.params["pos_embed/embeddings"]]).astype(np.float64)
    for layer in range(net.config.n_layers):
        w = mlp(layer)
        alive = _alive(w)[0]
        if np.count_nonzero(alive) <= limit:
            continue
        W_in, b_in = w["W_in"][:, alive], w["b_in"][alive]
        used = (b_in != 0) | (_product(embeddings, W_in) != 0).any(axis=0)
        if np.count_nonzero(used) > limit:
            raise EncodingError(f"layer {layer}'s MLP has {np.count_nonzero(used):,} neurons that read the embeddings "
                                f"or a bias, the encoder has indices 0-{config.max_index - 1} of {config.width} "
                                f"neurons", "raise max_index or width")


def _alive(w: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Which neurons of a layer (`w`: W_in, b_in, W_out) read and write something, and the norm of
    each one's input (weights and bias)."""
    scale = np.sqrt(np.linalg.norm(w["W_in"], axis=0) ** 2 + w["b_in"] ** 2)
    writes = np.linalg.norm(w["W_out"], axis=1)
    return (scale > ZERO_TOLERANCE * scale.max(initial=0)) & (writes > ZERO_TOLERANCE * writes.max(initial=0)), scale


class _Budget:
    """Counts the tokens the QK blocks computed so far will need (at least one per non-zero row),
    so that a dense net far over max_tokens is refused before all its blocks are computed."""

    def __init__(self, config: EncoderConfig):
        self.config, self.rows = config, 0

    def take(self, blocks: Iterator[tuple[tuple, np.ndarray]]) -> list[tuple[tuple, np.ndarray]]:
        kept = []
        for tags, block in blocks:
            self.rows += int(np.count_nonzero(block.any(axis=1)))
            if self.rows > self.config.max_tokens:
                raise _too_many_tokens(self.config)
            kept.append((tags, block))
        return kept


def _qk_blocks(sources: list[_Source], query_bias: np.ndarray, W_QK: np.ndarray,
               finite: bool = False) -> Iterator[tuple[tuple, np.ndarray]]:
    """((query tag, key tag), block) for every query source and every key source, the query
    bias (b_Q W_Kᵀ, a query source "one") included; the key bias adds the same to every key.
    `finite`: the blocks of a key that writes none of the directions a query reads are skipped
    unmade (`_Reads`: they are all zeros)."""
    norm = np.linalg.norm(W_QK)
    if norm == 0:
        return
    queries = [((_kind("one"), 0, 0), query_bias[None], np.linalg.norm(query_bias)[None])]
    queries += [(source.tag, source.matrix @ W_QK, source.norms * norm) for source in sources]
    supports = np.array([key.support for key in sources]) if finite else None
    for query_tag, query, query_norms in queries:
        tolerance = ZERO_TOLERANCE * query_norms[:, None]
        keys = sources
        if supports is not None:
            keys = list(itertools.compress(sources, (supports & query.any(axis=0)).any(axis=1).tolist()))
        for key in keys:
            block = query @ key.matrix.T
            zero = np.abs(block) <= tolerance * key.norms
            if zero.all():  # nothing to write (the common case, decided without writing the zeros)
                continue
            block[zero] = 0.0
            if block.any():
                yield (query_tag, key.tag), block


def _ov_blocks(sources: list[_Source], W_OV: np.ndarray, finite: bool = False) -> Iterator[tuple[_Source, np.ndarray]]:
    """(source, what the head writes when it attends to it) for every source it carries on
    (`finite`: a source the head does not read is skipped unmade, as in `_qk_blocks`)."""
    norm = np.linalg.norm(W_OV)
    reads = _Reads(W_OV) if finite else None
    for source in sources:
        if reads is not None and reads.miss(source):
            continue
        carried = source.matrix @ W_OV
        zero = np.linalg.norm(carried, axis=1) <= ZERO_TOLERANCE * source.norms * norm
        if zero.all():
            continue
        carried[zero] = 0.0
        if carried.any():
            yield source, carried


def _product(write: np.ndarray, read: np.ndarray, write_norms: np.ndarray | None = None,
             read_norms: np.ndarray | None = None) -> np.ndarray:
    """write @ read with the entries that are zero up to rounding set to exactly zero
    (`write_norms`, `read_norms`: the norms of `write`'s rows and `read`'s columns, when known)."""
    product = write @ read
    write_norms = np.linalg.norm(write, axis=1) if write_norms is None else write_norms
    read_norms = np.linalg.norm(read, axis=0) if read_norms is None else read_norms
    scale = write_norms[:, None] * read_norms[None, :]
    product[np.abs(product) <= ZERO_TOLERANCE * scale] = 0.0
    return product


def _read(source: _Source, read: np.ndarray, read_norms: np.ndarray, reads: _Reads | None) -> np.ndarray:
    """`_product(source.matrix, read)`: all zeros, unmade, where `reads` says the source writes
    nothing it reads."""
    if reads is not None and reads.miss(source):
        return np.zeros((source.matrix.shape[0], read.shape[1]))
    return _product(source.matrix, read, source.norms, read_norms)


def _canonical_neurons(w: dict[str, np.ndarray], sources: list[_Source],
                       finite: bool = False) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """(b_in, each source times W_in, W_out) of the neurons that read and write something, each
    neuron's input (weights and bias) scaled to norm one and the neurons sorted by what they
    read: ReLU(s x) = s ReLU(x) for s > 0, so none of this changes the function, and it undoes
    the "mlp_neurons" and "pad" scrambles."""
    alive, scale = _alive(w)
    scale = scale[alive]
    W_in, b_in, W_out = w["W_in"][:, alive] / scale, w["b_in"][alive] / scale, w["W_out"][alive] * scale[:, None]
    read_norms, neurons = np.linalg.norm(W_in, axis=0), _Reads(W_in) if finite else None
    reads = [_read(source, W_in, read_norms, neurons) for source in sources]
    writes = np.linalg.norm(W_out, axis=1)  # breaks ties between neurons that read alike
    order = np.lexsort(np.round(np.concatenate([b_in[None], *reads, writes[None]]), 3)[::-1])
    return b_in[order], [read[:, order] for read in reads], W_out[order]
