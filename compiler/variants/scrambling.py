"""Function-preserving reparametrisations of a `Net`: same outputs, different-looking weights.

`scramble(net, seed, kinds)` applies each chosen kind, in the order of `KINDS`, with its own
random draws from `seed` (so a kind draws the same whatever else is chosen):

* "pad": unused residual dimensions, heads and MLP neurons, all with zero weights
  (not in the default; padded heads and neurons stay zero, padded residual dimensions are
  mixed into the rest by a later "rotate");
* "permute_heads": the order of the heads within each layer;
* "mlp_neurons": the order of the MLP's hidden neurons and a power-of-two scale per neuron
  (ReLU(s x) = s ReLU(x) for s > 0, undone on the way out);
* "qk": per head W_Q A and W_K A^-T, so that every query-key product is unchanged;
* "ov": per head W_V B and B^-1 W_O;
* "rotate": a random orthogonal change of the residual basis;
* "permute_residual": a permutation of the residual basis.

The algebra is done in float64 and stored in float32 once. Permutations, padding and the
power-of-two neuron scales are exact in float32. The other kinds are not, and rounding matters:
tracr's numerical MLPs compute ReLU(L(x - b) + 1) - ReLU(L(x - b)) with L in the hundreds, and
in a compiled net these are exact, so any rounding of their inputs or weights is amplified
(arbitrary neuron scales gave errors of 3e-3 on 0-valued outputs, against check's atol 1e-3).
"qk" and "ov" mix only within a head, with condition number at most e; "rotate" mixes the whole
residual stream and is the one kind that can move a deep chain of numerical MLPs past check's
tolerance (errors up to 2e-2 seen on a 5-layer net with values near 50; 1 in 25 sampled
programs of up to 10 ops over 5 tokens, none in 150 of up to 8 ops over 3 tokens).

So `scramble` checks its result: the scrambled net must give the parent's outputs on every
input up to max_seq_len (or 500 random ones, lengths 1 and max_seq_len included, when there
are more); if rounding moved any output, it raises `ScrambleError` rather than hand back a
net that disagrees.

After a rotation the residual labels name nothing: they become "r0", "r1", ... and provenance
says `residual_labels: "generic"`.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Callable, Iterable

import numpy as np

from compiler.compiling.check import all_inputs, outputs_agree, random_inputs
from compiler.nets.net import Net, value_problem


class ScrambleError(ValueError):
    """Scrambling would change the net's outputs (float32 rounding); says where and what to do."""

#: Every kind, in the order they are applied.
KINDS = ("pad", "permute_heads", "mlp_neurons", "qk", "ov", "rotate", "permute_residual")
#: The kinds applied when none are named: all but "pad", which changes the net's shape.
DEFAULT_KINDS = tuple(kind for kind in KINDS if kind != "pad")

# Log-scale of the per-head maps Q diag(s): wide enough to move every weight, narrow enough
# (cond <= e) that float32 rounding stays inside tracr's attention margins.
_HEAD_LOG_SCALE = 0.5
# A scrambled net is compared with its parent on every input when there are at most
# _VERIFY_EXHAUSTIVE (as `check_net`: a sample of 500 once let through a net wrong on 72 of
# 3,905 inputs, all of length 5), else on _VERIFY_INPUTS seeded random ones.
_VERIFY_EXHAUSTIVE = 5000
_VERIFY_INPUTS = 1000
# Neuron scales are 2^k for k in [-2, 2]: powers of two scale float32 values exactly.
_NEURON_LOG2_SCALE = 2


@dataclasses.dataclass
class _Weights:
    """A net's weights in float64 while they are transformed; `labels` None means generic."""

    params: dict[str, np.ndarray]
    W_U: np.ndarray
    n_heads: int
    d_head: int
    d_mlp: int
    n_layers: int
    labels: list[str] | None

    @property
    def d_model(self) -> int:
        return self.W_U.shape[0]


def scramble(net: Net, seed: int = 0, kinds: Iterable[str] | None = None, *,
             pad_d_model: int = 4, pad_heads: int = 1, pad_mlp: int = 4, verify: bool = True) -> Net:
    """A net computing the same function as `net` with weights reparametrised by `kinds`
    (default `DEFAULT_KINDS`; see the module docstring), deterministic in `seed`.

    `pad_d_model`, `pad_heads` and `pad_mlp` are how many residual dimensions, heads per
    layer and MLP neurons "pad" adds. Raises ValueError for an unknown kind, and
    `ScrambleError` if, with `verify`, the result's outputs differ from the parent's.
    """
    if isinstance(kinds, str):  # one kind by name, not a set of letters
        kinds = [kinds]
    chosen = set(DEFAULT_KINDS if kinds is None else kinds)
    unknown = chosen - set(KINDS)
    if unknown:
        raise ValueError(f"unknown scramble kinds {sorted(unknown)}; allowed: {', '.join(KINDS)}")
    if min(pad_d_model, pad_heads, pad_mlp) < 0:
        raise ValueError("pad sizes must be non-negative")
    generic = net.provenance.get("residual_labels") == "generic"
    c = net.config
    w = _Weights(params={k: v.astype(np.float64) for k, v in net.params.items()},
                 W_U=net.W_U.astype(np.float64), n_heads=c.n_heads, d_head=c.d_head,
                 d_mlp=c.d_mlp, n_layers=c.n_layers,
                 labels=None if generic else list(net.residual_labels))
    applied = [kind for kind in KINDS if kind in chosen]
    steps: dict[str, Callable[[_Weights, np.random.Generator], None]] = {
        "pad": lambda w, rng: _pad(w, pad_d_model, pad_heads, pad_mlp),
        "permute_heads": _permute_heads,
        "mlp_neurons": _mlp_neurons,
        "qk": _qk,
        "ov": _ov,
        "rotate": _rotate,
        "permute_residual": _permute_residual,
    }
    for kind in applied:
        steps[kind](w, np.random.default_rng([seed, KINDS.index(kind)]))

    scramble_record = {"seed": seed, "kinds": applied}
    if "pad" in chosen:
        scramble_record["pad"] = {"d_model": pad_d_model, "heads": pad_heads, "mlp": pad_mlp}
    scrambled = dataclasses.replace(
        net,
        params={k: v.astype(np.float32) for k, v in w.params.items()},
        W_U=w.W_U.astype(np.float32),
        config=dataclasses.replace(c, n_heads=w.n_heads, d_mlp=w.d_mlp, d_model=w.d_model),
        residual_labels=([f"r{i}" for i in range(w.d_model)] if w.labels is None
                         else w.labels),
        provenance=dict(net.provenance, variant="scrambled",
                        parent_variant=net.provenance.get("variant"),
                        scramble=scramble_record,
                        residual_labels="generic" if w.labels is None else "tracr"),
    )
    problem = value_problem(scrambled)
    if problem:  # a parent near float32's limits whose transformed weights leave them
        raise ScrambleError(f"scrambling ({', '.join(applied)}; seed {seed}) gives weights float32 cannot hold: "
                            f"{problem}")
    if verify:
        _verify(net, scrambled, seed, applied)
    return scrambled


def _verify(parent: Net, scrambled: Net, seed: int, applied: list[str]) -> None:
    vocab = [t for t in parent.input_tokens if t not in (parent.bos, parent.pad)]
    n = parent.config.max_seq_len
    inputs = all_inputs(vocab, n, limit=_VERIFY_EXHAUSTIVE)
    if inputs is None:
        inputs = random_inputs(vocab, n, _VERIFY_INPUTS, random.Random(f"verify scramble {seed}"))
    for xs, expected, actual in zip(inputs, parent.run(inputs), scrambled.run(inputs)):
        if not outputs_agree(expected, actual):
            raise ScrambleError(f"scrambling ({', '.join(applied)}; seed {seed}) changes this net's output "
                                f"through float32 rounding: on {xs} it gives {actual}, not {expected}; "
                                "try another seed, or leave out 'rotate' (the kind that rounds most)")


def _random_orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """Haar-distributed: QR of a Gaussian, with R's diagonal signs moved into Q."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def _permutation(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random permutation other than the identity (when n > 1): a permuting kind always
    moves something, even in a layer with two heads."""
    while True:
        perm = rng.permutation(n)
        if n < 2 or (perm != np.arange(n)).any():
            return perm


def _conditioned(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A random invertible map A = Q diag(s) and its inverse, with cond(A) <= e."""
    q = _random_orthogonal(rng, n)
    s = np.exp(rng.uniform(-_HEAD_LOG_SCALE, _HEAD_LOG_SCALE, n))
    return q * s, (q / s).T


# --- the residual stream ----------------------------------------------------------------

def _layer_names(w: _Weights, parts: tuple[str, ...]) -> list[str]:
    return [f"transformer/layer_{layer}/{part}" for layer in range(w.n_layers) for part in parts]


def _map_residual(w: _Weights, m: np.ndarray) -> None:
    """New residual = old residual @ m, for m [d_model, d_new] with orthonormal rows
    (m m^T = I): writers are multiplied by m on the right, readers by m^T on the left."""
    writers = ["token_embed/embeddings", "pos_embed/embeddings"] + [
        f"{name}/{p}" for name in _layer_names(w, ("attn/linear", "mlp/linear_2")) for p in "wb"]
    readers = [f"{name}/w" for name in
               _layer_names(w, ("attn/query", "attn/key", "attn/value", "mlp/linear_1"))]
    for name in writers:
        w.params[name] = w.params[name] @ m
    for name in readers:
        w.params[name] = m.T @ w.params[name]
    w.W_U = m.T @ w.W_U


def _rotate(w: _Weights, rng: np.random.Generator) -> None:
    _map_residual(w, _random_orthogonal(rng, w.d_model))
    w.labels = None


def _permute_residual(w: _Weights, rng: np.random.Generator) -> None:
    perm = _permutation(rng, w.d_model)
    _map_residual(w, np.eye(w.d_model)[:, perm])  # new dimension j is old dimension perm[j]
    if w.labels is not None:
        w.labels = [w.labels[i] for i in perm]


# --- heads ------------------------------------------------------------------------------

def _split_heads(w: _Weights, layer: int) -> dict[str, np.ndarray]:
    """A layer's attention arrays with the head axis first: query/key/value w [H, d_model,
    d_head] and b [H, d_head], linear w [H, d_head, d_model]."""
    p, prefix, h, dh = w.params, f"transformer/layer_{layer}/attn", w.n_heads, w.d_head
    heads = {f"{n}/w": p[f"{prefix}/{n}/w"].reshape(w.d_model, h, dh).transpose(1, 0, 2)
             for n in ("query", "key", "value")}
    heads.update({f"{n}/b": p[f"{prefix}/{n}/b"].reshape(h, dh) for n in ("query", "key", "value")})
    heads["linear/w"] = p[f"{prefix}/linear/w"].reshape(h, dh, w.d_model)
    return heads


def _merge_heads(w: _Weights, layer: int, heads: dict[str, np.ndarray]) -> None:
    prefix, h = f"transformer/layer_{layer}/attn", len(heads["linear/w"])
    for n in ("query", "key", "value"):
        w.params[f"{prefix}/{n}/w"] = heads[f"{n}/w"].transpose(1, 0, 2).reshape(w.d_model, -1)
        w.params[f"{prefix}/{n}/b"] = heads[f"{n}/b"].reshape(-1)
    w.params[f"{prefix}/linear/w"] = heads["linear/w"].reshape(h * w.d_head, w.d_model)


def _permute_heads(w: _Weights, rng: np.random.Generator) -> None:
    for layer in range(w.n_layers):
        perm = _permutation(rng, w.n_heads)
        _merge_heads(w, layer, {k: v[perm] for k, v in _split_heads(w, layer).items()})


def _qk(w: _Weights, rng: np.random.Generator) -> None:
    for layer in range(w.n_layers):
        heads = _split_heads(w, layer)
        for h in range(w.n_heads):
            a, a_inv = _conditioned(rng, w.d_head)
            for part in ("w", "b"):
                heads[f"query/{part}"][h] = heads[f"query/{part}"][h] @ a
                heads[f"key/{part}"][h] = heads[f"key/{part}"][h] @ a_inv.T
        _merge_heads(w, layer, heads)


def _ov(w: _Weights, rng: np.random.Generator) -> None:
    for layer in range(w.n_layers):
        heads = _split_heads(w, layer)
        for h in range(w.n_heads):
            b, b_inv = _conditioned(rng, w.d_head)
            heads["value/w"][h] = heads["value/w"][h] @ b
            heads["value/b"][h] = heads["value/b"][h] @ b
            heads["linear/w"][h] = b_inv @ heads["linear/w"][h]
        _merge_heads(w, layer, heads)


# --- MLP neurons ------------------------------------------------------------------------

def _mlp_neurons(w: _Weights, rng: np.random.Generator) -> None:
    for name in _layer_names(w, ("mlp",)):
        perm = _permutation(rng, w.d_mlp)
        scale = 2.0 ** rng.integers(-_NEURON_LOG2_SCALE, _NEURON_LOG2_SCALE + 1, w.d_mlp)
        w.params[f"{name}/linear_1/w"] = w.params[f"{name}/linear_1/w"][:, perm] * scale
        w.params[f"{name}/linear_1/b"] = w.params[f"{name}/linear_1/b"][perm] * scale
        w.params[f"{name}/linear_2/w"] = w.params[f"{name}/linear_2/w"][perm] / scale[:, None]


# --- padding ----------------------------------------------------------------------------

def _pad(w: _Weights, d_model: int, heads: int, mlp: int) -> None:
    _map_residual(w, np.eye(w.d_model, w.d_model + d_model))
    if w.labels is not None:
        w.labels = w.labels + [f"pad{i}" for i in range(d_model)]
    for layer in range(w.n_layers):
        _merge_heads(w, layer, {k: np.concatenate([v, np.zeros((heads,) + v.shape[1:])])
                                for k, v in _split_heads(w, layer).items()})
    w.n_heads += heads
    for name in _layer_names(w, ("mlp",)):
        p = w.params
        p[f"{name}/linear_1/w"] = np.pad(p[f"{name}/linear_1/w"], ((0, 0), (0, mlp)))
        p[f"{name}/linear_1/b"] = np.pad(p[f"{name}/linear_1/b"], (0, mlp))
        p[f"{name}/linear_2/w"] = np.pad(p[f"{name}/linear_2/w"], ((0, mlp), (0, 0)))
    w.d_mlp += mlp
