"""The `Net`: transformer weights plus everything needed to run, save and trace them.

A `Net` is the one currency between the pipeline's stages (compiled, scrambled and retrained
networks all share it). It holds

* `params`: tracr's parameter names, flattened ("token_embed/embeddings",
  "transformer/layer_0/attn/query/w", ..., "transformer/layer_0/mlp/linear_2/b");
* `W_U`: the unembedding (residual -> output space), which tracr keeps outside its params;
* `config`, `residual_labels`, the input encoding (token id -> token, BOS and PAD included),
  the output encoding (categorical id -> value, or numerical) and a `provenance` dict.

`Net.run` is a batched forward pass with exactly the arithmetic of tracr's Haiku model
(no layer norm, residual attention then MLP in every layer, logits scaled by 1/sqrt(d_head),
float32), in numpy or torch, or, for sparse nets such as compiled ones, in the compiled kernel
of `compiler.nets.kernel` (the same function, refactored to skip zeros). `Net.save` / `Net.load`
use safetensors with the non-tensor fields JSON-encoded in the header; values keep their Python
type (int, float, bool, str, tuples of these, None).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from typing import Any, Callable, Sequence

import numpy as np

from compiler.files import write_atomically
from compiler.nets import importing
from compiler.nets.config import NONE_THRESHOLD, NetConfig, param_shapes
from compiler.nets.forward import run_numpy, run_torch

FORMAT_NAME = "rasp-fountain.net"
FORMAT_VERSION = 1
_METADATA_KEY = "rasp_fountain_net"
_W_U_KEY = "W_U"


class NetOverflowError(ValueError):
    """A forward pass whose activations leave float32's range: the net has no defined output."""


class NetFileError(ValueError):
    """A file that is not a readable saved `Net`; says which file and what is wrong."""

    def __init__(self, path: str | os.PathLike, problem: str):
        self.path = os.fspath(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


@dataclasses.dataclass(frozen=True, eq=False)
class Net:
    """Weights of a tracr-style transformer with its input/output encodings and provenance.

    `input_tokens[i]` is the token with id i (tracr's order, BOS and PAD included).
    `output_values[i]` is the value of output direction i for a categorical output;
    `output_values is None` means the output is numerical (one direction, read as a float).
    """

    params: dict[str, np.ndarray]
    W_U: np.ndarray
    config: NetConfig
    residual_labels: list[str]
    input_tokens: list[Any]
    bos: str
    pad: str
    output_values: list[Any] | None
    provenance: dict[str, Any] = dataclasses.field(default_factory=dict)
    # A categorical output position whose strongest direction is below this decodes to None
    # (tracr writes no direction for None). None: plain argmax, for trained nets, whose logits
    # have no such scale and which never emit None.
    none_threshold: float | None = NONE_THRESHOLD
    # torch copies of params per device; not an init field, so dataclasses.replace starts afresh
    _cache: dict = dataclasses.field(default_factory=dict, init=False, repr=False,
                                           compare=False)

    @property
    def categorical_output(self) -> bool:
        return self.output_values is not None

    @property
    def vocab(self) -> list[Any]:
        """The tokens an input may hold: `input_tokens` without BOS and PAD, in id order."""
        return [t for t in self.input_tokens if t not in (self.bos, self.pad)]

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """`make()`, computed once per net and kept with it (executors' plans and weight copies:
        a net's weights never change, and `dataclasses.replace` starts a fresh cache)."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def __repr__(self) -> str:
        """One line: shape, variant, vocabulary and outputs (the weights are in `params`)."""
        c = self.config
        vocab = self.vocab
        shown = ", ".join(map(repr, vocab[:8])) + (f", ... ({len(vocab)} tokens)" if len(vocab) > 8 else "")
        outputs = ("numerical" if self.output_values is None else f"{len(self.output_values)} categorical values")
        source = self.provenance.get("source")
        program = f", program of {source.strip().count(chr(10)) + 1} lines" if isinstance(source, str) else ""
        return (f"Net({self.provenance.get('variant', 'unknown')}: {c.n_layers} layers x {c.n_heads} heads, "
                f"d_model {c.d_model}, d_mlp {c.d_mlp}, max_seq_len {c.max_seq_len}{', causal' if c.causal else ''}; "
                f"vocab [{shown}]; output {outputs}{program})")

    def run(self, batch: Sequence[Sequence[Any]], *, backend: str = "auto",
            device: str | None = None) -> list[list[Any]]:
        """Runs the net on input sequences (without BOS); returns one output list per input.

        Sequences may have different lengths; each output equals that of running the sequence
        alone. Categorical outputs decode by argmax, except that a position with no output
        direction set (tracr's encoding of None) decodes to None. Numerical outputs are floats.

        `backend`: "auto" (the default) runs sparse nets (compiled ones) in the compiled sparse
        kernel of `compiler.nets.kernel` when numba is installed and dense nets (scrambled, retrained)
        in numpy; "kernel", "numpy" or "torch" (on `device`) choose one.
        """
        if not batch:
            return []
        rows, starts = self.output_rows(batch, backend=backend, device=device)
        decoded = self.decode(rows)
        return [decoded[start:end] for start, end in zip(starts[:-1].tolist(), starts[1:].tolist())]

    def output_rows(self, batch: Sequence[Sequence[Any]], *, backend: str = "auto",
                    device: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """What `run` decodes: the output-space rows of every position of every input, back to
        back [positions, outputs] (no BOS), and where each input's rows begin [len(batch) + 1]."""
        lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
        starts = np.concatenate([[0], np.cumsum(lengths)])
        if backend == "auto":
            backend = "kernel" if _kernel().suits(self) else "numpy"
        if backend == "kernel":
            ids, bos_starts = self._encode_flat(batch)
            return _kernel().run(_kernel().plan(self), ids, bos_starts, self.config.causal), starts
        with np.errstate(over="ignore", invalid="ignore"):
            out = self.residual(batch, backend=backend, device=device) @ self.W_U
        if not np.isfinite(out).all():
            b = int(np.argwhere(~np.isfinite(out))[0][0])
            raise NetOverflowError(f"the net's activations overflow float32 on the input {list(batch[b])!r:.200} "
                                     "(weights too large for this input); its outputs are undefined")
        return out[:, 1:][np.arange(out.shape[1] - 1)[None, :] < lengths[:, None]], starts

    def residual(self, batch: Sequence[Sequence[Any]], *, backend: str = "numpy",
                 device: str | None = None) -> np.ndarray:
        """The final residual stream [batch, 1 + longest input, d_model], BOS first."""
        ids, key_mask = self.encode(batch)
        if backend == "numpy":
            return run_numpy(self, ids, key_mask)
        if backend == "torch":
            return run_torch(self, ids, key_mask, device)
        raise ValueError(f"unknown backend {backend!r}; expected 'numpy' or 'torch'")

    def residuals(self, batch: Sequence[Sequence[Any]]) -> np.ndarray:
        """Every residual stream [2 * n_layers + 1, batch, 1 + longest input, d_model]: after the
        embeddings, then after each attention and each MLP sub-layer (numpy, float32)."""
        ids, key_mask = self.encode(batch)
        streams: list[np.ndarray] = []
        run_numpy(self, ids, key_mask, streams)
        return np.stack(streams)

    def encode(self, batch: Sequence[Sequence[Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids [batch, 1 + longest input] (BOS first, PAD after each input's end) and the
        key mask [batch, 1 + longest input] (True where a position holds BOS or a token)."""
        token_ids, input_ids = _token_ids(self), _input_ids(self)
        lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
        longest = int(lengths.max(initial=0))
        if longest > self.config.max_seq_len:
            raise ValueError(f"an input has length {longest} > max_seq_len "
                             f"{self.config.max_seq_len}")
        ids = np.full((len(batch), longest + 1), token_ids[self.pad], dtype=np.int64)
        ids[:, 0] = token_ids[self.bos]
        key_mask = np.arange(longest + 1)[None, :] <= lengths[:, None]
        try:  # every token at once, row by row: the order a boolean mask assigns in
            flat = np.fromiter((input_ids[token] for seq in batch for token in seq), dtype=np.int64,
                               count=int(lengths.sum()))
        except (KeyError, TypeError):  # an unknown or unhashable token: named below
            pass
        else:
            inside = key_mask.copy()
            inside[:, 0] = False
            ids[inside] = flat
            return ids, key_mask
        for b, seq in enumerate(batch):
            for t, token in enumerate(seq):
                try:
                    known = token in input_ids
                except TypeError:  # unhashable
                    known = False
                if not known:
                    raise ValueError(f"input {b} has token {token!r} at position {t}, "
                                     "which is not in the vocabulary")
                ids[b, t + 1] = input_ids[token]
        return ids, key_mask

    def _encode_flat(self, batch: Sequence[Sequence[Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids of the sequences back to back, each BOS first, and where each starts (the
        kernel's input; no padding)."""
        token_ids, bos = _input_ids(self), _token_ids(self)[self.bos]
        lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
        if lengths.max(initial=0) <= self.config.max_seq_len:
            try:
                tokens = np.fromiter((token_ids[token] for seq in batch for token in seq), dtype=np.int64,
                                     count=int(lengths.sum()))
            except (KeyError, TypeError):  # an unknown or unhashable token
                pass
            else:
                starts = np.concatenate([[0], np.cumsum(lengths + 1)])
                flat = np.full(int(starts[-1]), bos, dtype=np.int64)
                at_token = np.ones(len(flat), dtype=bool)
                at_token[starts[:-1]] = False
                flat[at_token] = tokens
                return flat, starts
        self.encode(batch)  # raises the error that names the input and the position
        raise AssertionError("unreachable: encode accepted a batch _encode_flat refused")

    def decode(self, out: np.ndarray) -> list[Any]:
        """Output values of output-space rows [positions, outputs] (see `run`)."""
        if self.output_values is None:
            return [float(v) for v in out[:, 0]]
        best = out.argmax(axis=-1)
        if self.none_threshold is None:
            return [self.output_values[i] for i in best.tolist()]
        strength = out.max(axis=-1)
        return [self.output_values[i] if s >= self.none_threshold else None
                for i, s in zip(best.tolist(), strength.tolist())]

    def to_bytes(self) -> bytes:
        """The net as a safetensors blob (what `save` writes)."""
        from safetensors.numpy import save

        tensors = {name: np.ascontiguousarray(value) for name, value in self.params.items()}
        tensors[_W_U_KEY] = np.ascontiguousarray(self.W_U)
        header = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "config": dataclasses.asdict(self.config),
            "residual_labels": self.residual_labels,
            "input_tokens": [encode_value(t) for t in self.input_tokens],
            "bos": self.bos,
            "pad": self.pad,
            "output_values": (None if self.output_values is None
                              else [encode_value(v) for v in self.output_values]),
            "none_threshold": self.none_threshold,
            "provenance": encode_value(self.provenance),
        }
        return save(tensors, metadata={_METADATA_KEY: json.dumps(header)})

    def save(self, path: str | os.PathLike) -> None:
        """Writes the net to a safetensors file atomically (temporary file, then rename)."""
        write_atomically(path, self.to_bytes())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Net":
        """Reads a net written by `save`; raises `NetFileError` for anything else."""
        with open(path, "rb") as f:
            return cls.from_bytes(f.read(), source=path)

    @classmethod
    def from_tracr(cls, model, output_sop) -> "Net":
        """The net of tracr's assembled model; `output_sop` (the SOp or its label) names the
        residual directions the unembedding reads (`compiler.nets.importing.tracr_fields`)."""
        return _imported(cls(**importing.tracr_fields(model, output_sop)), "tracr model")

    @classmethod
    def from_hooked_transformer(cls, model, input_tokens: Sequence[Any], output_values: Sequence[Any] | None,
                                **options: Any) -> "Net":
        """The net of a TransformerLens HookedTransformer a Net can hold; `options` are `bos`, `pad`
        and `none_threshold` (None for a model not compiled by tracr: plain argmax; see
        `compiler.nets.importing.hooked_transformer_fields`)."""
        fields = importing.hooked_transformer_fields(model, input_tokens, output_values, **options)
        return _imported(cls(**fields), "HookedTransformer")

    @classmethod
    def from_bytes(cls, data: bytes, *, source: str | os.PathLike = "<bytes>") -> "Net":
        """Reads a blob written by `to_bytes`; `NetFileError` names `source` when it is not one."""
        from safetensors import SafetensorError
        from safetensors.numpy import load

        path = source
        try:
            tensors = load(data)
            metadata = _read_metadata(data)  # the numpy loader drops the header's metadata
        except (SafetensorError, ValueError) as e:
            raise NetFileError(path, f"not a valid safetensors file ({e})") from None
        if _METADATA_KEY not in metadata:
            raise NetFileError(path, "safetensors file without rasp-fountain metadata "
                                     "(not a saved Net)")
        try:
            header = json.loads(metadata[_METADATA_KEY])
            if not isinstance(header, dict):
                raise ValueError(f"the header must be a JSON object, not {type(header).__name__}")
            if header.get("format") != FORMAT_NAME:
                raise ValueError(f"format is {header.get('format')!r}")
            if header.get("version") != FORMAT_VERSION:
                raise ValueError(f"unsupported version {header.get('version')!r}")
            config = NetConfig(**header["config"])
            output_values = header["output_values"]
            none_threshold = header.get("none_threshold", NONE_THRESHOLD)
            _check_header(header, config, none_threshold)
            net = cls(
                params={k: v for k, v in tensors.items() if k != _W_U_KEY},
                W_U=tensors[_W_U_KEY],
                config=config,
                residual_labels=list(header["residual_labels"]),
                input_tokens=[decode_value(t) for t in header["input_tokens"]],
                bos=header["bos"],
                pad=header["pad"],
                output_values=(None if output_values is None
                               else [decode_value(v) for v in output_values]),
                provenance=decode_value(header["provenance"]),
                none_threshold=none_threshold,
            )
        except KeyError as e:
            raise NetFileError(path, f"malformed Net metadata: no {e} "
                                     f"({'tensor' if e.args == (_W_U_KEY,) else 'field'})") from None
        except (TypeError, ValueError, RecursionError) as e:
            raise NetFileError(path, f"malformed Net metadata ({type(e).__name__}: {e})") \
                from None
        problem = shape_problem(net) or value_problem(net)
        if problem:
            raise NetFileError(path, problem)
        return net


def _imported(net: Net, what: str) -> Net:
    """`net` once its shapes and values are a Net's, as `Net.load` checks them (one
    `ModelImportError` otherwise)."""
    problem = shape_problem(net) or value_problem(net)
    if problem:
        raise importing.ModelImportError(f"this {what} cannot be a Net: {problem}")
    return net


def _check_header(header: dict, config: NetConfig, none_threshold: Any) -> None:
    """ValueError naming the first field of a Net header that has the wrong type or value."""
    for field in dataclasses.fields(NetConfig):
        value = getattr(config, field.name)
        if field.name == "causal":
            if not isinstance(value, bool):
                raise ValueError(f"config.causal must be true or false, not {value!r}")
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"config.{field.name} must be a positive integer, not {value!r}")
    if none_threshold is not None and (not isinstance(none_threshold, (int, float)) or isinstance(none_threshold, bool)
                                       or not math.isfinite(none_threshold) or none_threshold <= 0):
        raise ValueError(f"none_threshold must be a positive number or null, not {none_threshold!r}")
    for name in ("bos", "pad"):
        if not isinstance(header[name], str):
            raise ValueError(f"{name} must be a string, not {header[name]!r}")
    for name in ("residual_labels", "input_tokens"):
        if not isinstance(header[name], list):
            raise ValueError(f"{name} must be a list, not {type(header[name]).__name__}")
    if not all(isinstance(label, str) for label in header["residual_labels"]):
        raise ValueError("residual_labels must all be strings")
    if header["output_values"] is not None and not isinstance(header["output_values"], list):
        raise ValueError(f"output_values must be a list or null, not {type(header['output_values']).__name__}")
    if not isinstance(header["provenance"], dict):
        raise ValueError(f"provenance must be an object, not {type(header['provenance']).__name__}")
    for name, kind in _PROVENANCE_TYPES.items():
        value = header["provenance"].get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool) and kind is int):
            raise ValueError(f"provenance.{name} must be {_KIND_NAMES[kind]}, not {value!r:.60}")


# Provenance fields that commands read, and their types (others are free-form records).
_PROVENANCE_TYPES = {"source": str, "variant": str, "parent_variant": str, "vocab": list, "max_seq_len": int,
                     "residual_labels": str}
_KIND_NAMES = {str: "a string", list: "a list", int: "an integer"}
#: Weights beyond this magnitude overflow float32 arithmetic in a forward pass (float32 ends at
#: 3.4e38; compiled nets stay under 1e5). A net under it whose activations still overflow is
#: refused when it runs.
MAX_WEIGHT = 1e30


def value_problem(net: Net) -> str | None:
    """Why a tensor of `net` cannot be run (not floating point, or not finite), or None."""
    for name, value in sorted(net.params.items()) + [(_W_U_KEY, net.W_U)]:
        if not np.issubdtype(value.dtype, np.floating):
            return f"tensor {name} has dtype {value.dtype}; a Net's weights are floating point"
        peak = float(np.abs(value).max()) if value.size else 0.0  # NaN or infinity if there is one
        if peak <= MAX_WEIGHT:
            continue
        if not np.all(np.isfinite(value)):
            return f"tensor {name} has non-finite values (NaN or infinity)"
        return (f"tensor {name} has weights of magnitude {peak:.3g}, over {MAX_WEIGHT:g}: "
                "a forward pass would overflow float32")
    return None


def _read_metadata(data: bytes) -> dict[str, str]:
    """The string metadata of a safetensors blob (its JSON header's "__metadata__")."""
    if len(data) < 8:
        raise ValueError("file shorter than the 8-byte header length")
    size = int.from_bytes(data[:8], "little")
    if size > len(data) - 8:
        raise ValueError("header length exceeds file size")
    header = json.loads(data[8:8 + size])
    return header.get("__metadata__") or {}


def shape_problem(net: Net) -> str | None:
    """Why the tensors don't fit the config and encodings, or None if they do."""
    d_model = net.config.d_model
    layers = {name.split("/")[1] for name in net.params if name.startswith("transformer/layer_")}
    if net.config.n_layers != len(layers):  # before listing every layer's shapes: n_layers may be huge
        return f"config.n_layers is {net.config.n_layers} but the file holds tensors of {len(layers)} layers"
    expected = param_shapes(net.config, len(net.input_tokens))
    if set(net.params) != set(expected):
        missing = sorted(set(expected) - set(net.params))
        extra = sorted(set(net.params) - set(expected))
        return f"tensors do not match the config (missing {missing}, unexpected {extra})"
    for name, shape in expected.items():
        if net.params[name].shape != shape:
            return f"tensor {name} has shape {net.params[name].shape}, expected {shape}"
    d_out = 1 if net.output_values is None else len(net.output_values)
    if net.W_U.shape != (d_model, d_out):
        return f"W_U has shape {net.W_U.shape}, expected {(d_model, d_out)}"
    if len(net.residual_labels) != d_model:
        return f"{len(net.residual_labels)} residual labels for d_model {d_model}"
    if net.bos not in net.input_tokens or net.pad not in net.input_tokens:
        return "BOS or PAD missing from the input tokens"
    return None


def _kernel():
    """compiler.nets.kernel, imported on first use (it imports numba, which takes a while)."""
    global _KERNEL_MODULE
    if _KERNEL_MODULE is None:
        from compiler.nets import kernel

        _KERNEL_MODULE = kernel
    return _KERNEL_MODULE


_KERNEL_MODULE = None


def _token_ids(net: Net) -> dict[Any, int]:
    return net.cached("token_ids", lambda: {token: i for i, token in enumerate(net.input_tokens)})


def _input_ids(net: Net) -> dict[Any, int]:
    """The ids of the tokens an input may hold (all but BOS and PAD)."""
    return net.cached("input_ids", lambda: {t: i for t, i in _token_ids(net).items() if t not in (net.bos, net.pad)})


_TUPLE_TAG = "__tuple__"


def encode_value(value: Any) -> Any:
    """JSON-ready form of a value that decodes to the same Python type.

    JSON already tells int (1), float (1.0), bool, str and None apart; tuples are tagged,
    lists and str-keyed dicts are encoded element-wise.
    """
    if isinstance(value, tuple):
        return {_TUPLE_TAG: [encode_value(v) for v in value]}
    if isinstance(value, list):
        return [encode_value(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value) or _TUPLE_TAG in value:
            raise TypeError(f"cannot encode dict with keys {list(value)}")
        return {k: encode_value(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot encode {type(value).__name__} value {value!r}")


def decode_value(value: Any) -> Any:
    """Inverse of `encode_value`."""
    if isinstance(value, dict):
        if set(value) == {_TUPLE_TAG}:
            return tuple(decode_value(v) for v in value[_TUPLE_TAG])
        return {k: decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value
