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
input up to max_seq_len when there are at most 5,000 (else on 1,000 seeded random ones,
lengths 1 and max_seq_len included); if rounding moved any output, it raises `ScrambleError`
rather than hand back a net that disagrees.

After a rotation the residual labels name nothing: they become "r0", "r1", ... and provenance
says `residual_labels: "generic"`.
"""

from __future__ import annotations

import dataclasses
import functools
import random
from typing import Callable, Iterable

import numpy as np

from compiler.compiling.check import all_inputs, nets_outputs_agree, random_inputs
from compiler.nets.net import Net, value_problem
from compiler.nets.weights import Weights, param_name


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
class _Scrambling:
    """A net's weights in float64 while they are transformed (`w`, by TransformerLens name);
    `labels` None means generic."""

    w: Weights
    labels: list[str] | None


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
    state = _Scrambling(Weights.of({k: v.astype(np.float64) for k, v in net.params.items()},
                                   net.W_U.astype(np.float64), c.n_layers, c.d_head),
                        labels=None if generic else list(net.residual_labels))
    applied = [kind for kind in KINDS if kind in chosen]
    steps: dict[str, Callable[[_Scrambling, np.random.Generator], None]] = {
        "pad": lambda state, rng: _pad(state, pad_d_model, pad_heads, pad_mlp),
        "permute_heads": _permute_heads,
        "mlp_neurons": _mlp_neurons,
        "qk": _qk,
        "ov": _ov,
        "rotate": _rotate,
        "permute_residual": _permute_residual,
    }
    for kind in applied:
        steps[kind](state, np.random.default_rng([seed, KINDS.index(kind)]))
    w = state.w

    scramble_record = {"seed": seed, "kinds": applied}
    if "pad" in chosen:
        scramble_record["pad"] = {"d_model": pad_d_model, "heads": pad_heads, "mlp": pad_mlp}
    scrambled = dataclasses.replace(
        net,
        params={k: v.astype(np.float32) for k, v in w.params.items()},
        W_U=w.W_U.astype(np.float32),
        config=dataclasses.replace(c, n_heads=w.n_heads, d_mlp=w.d_mlp, d_model=w.d_model),
        residual_labels=([f"r{i}" for i in range(w.d_model)] if state.labels is None
                         else state.labels),
        provenance=dict(net.provenance, variant="scrambled",
                        parent_variant=net.provenance.get("variant"),
                        scramble=scramble_record,
                        residual_labels="generic" if state.labels is None else "tracr"),
    )
    problem = value_problem(scrambled)
    if problem:  # a parent near float32's limits whose transformed weights leave them
        raise ScrambleError(f"scrambling ({', '.join(applied)}; seed {seed}) gives weights float32 cannot hold: "
                            f"{problem}")
    if verify:
        _verify(net, scrambled, seed, applied)
    return scrambled


def _verify(parent: Net, scrambled: Net, seed: int, applied: list[str]) -> None:
    vocab = parent.vocab
    n = parent.config.max_seq_len
    inputs = all_inputs(vocab, n, limit=_VERIFY_EXHAUSTIVE)
    if inputs is None:
        inputs = random_inputs(vocab, n, _VERIFY_INPUTS, random.Random(f"verify scramble {seed}"))
    for xs, agree in zip(inputs, nets_outputs_agree(parent, scrambled, inputs)):
        if not agree:
            expected, actual = parent.run([xs])[0], scrambled.run([xs])[0]
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

#: Per layer, the tensors that write the residual stream and those that read it.
_WRITERS = ("W_O", "b_O", "W_out", "b_out")
_READERS = ("W_Q", "W_K", "W_V", "W_in")
#: A layer's attention tensors, each with the head axis first in `Weights`' `[layer]` view.
_HEAD_TENSORS = ("W_Q", "W_K", "W_V", "b_Q", "b_K", "b_V", "W_O")


def _map_residual(state: _Scrambling, m: np.ndarray) -> None:
    """New residual = old residual @ m, for m [d_model, d_new] with orthonormal rows
    (m m^T = I): writers are multiplied by m on the right, readers by m^T on the left."""
    w = state.w
    w.W_E, w.W_pos = w.W_E @ m, w.W_pos @ m
    for layer in range(w.n_layers):  # whole layers in tracr's layout: m acts on d_model alone
        for name in map(functools.partial(param_name, layer), _WRITERS):
            w.params[name] = w.params[name] @ m
        for name in map(functools.partial(param_name, layer), _READERS):
            w.params[name] = m.T @ w.params[name]
    w.W_U = m.T @ w.W_U


def _rotate(state: _Scrambling, rng: np.random.Generator) -> None:
    _map_residual(state, _random_orthogonal(rng, state.w.d_model))
    state.labels = None


def _permute_residual(state: _Scrambling, rng: np.random.Generator) -> None:
    perm = _permutation(rng, state.w.d_model)
    _map_residual(state, np.eye(state.w.d_model)[:, perm])  # new dimension j is old dimension perm[j]
    if state.labels is not None:
        state.labels = [state.labels[i] for i in perm]


# --- heads ------------------------------------------------------------------------------

def _heads(w: Weights, layer: int) -> dict[str, np.ndarray]:
    """A layer's attention tensors with the head axis first: W_Q/W_K/W_V [H, d_model, d_head],
    b_Q/b_K/b_V [H, d_head], W_O [H, d_head, d_model]."""
    return {name: getattr(w, name)[layer] for name in _HEAD_TENSORS}


def _store_heads(w: Weights, layer: int, heads: dict[str, np.ndarray]) -> None:
    for name in _HEAD_TENSORS:
        getattr(w, name)[layer] = heads[name]


def _permute_heads(state: _Scrambling, rng: np.random.Generator) -> None:
    w = state.w
    for layer in range(w.n_layers):
        perm = _permutation(rng, w.n_heads)
        _store_heads(w, layer, {k: v[perm] for k, v in _heads(w, layer).items()})


def _qk(state: _Scrambling, rng: np.random.Generator) -> None:
    w = state.w
    for layer in range(w.n_layers):
        heads = _heads(w, layer)
        for h in range(w.n_heads):
            a, a_inv = _conditioned(rng, w.d_head)
            for query, key in (("W_Q", "W_K"), ("b_Q", "b_K")):
                heads[query][h] = heads[query][h] @ a
                heads[key][h] = heads[key][h] @ a_inv.T
        _store_heads(w, layer, heads)


def _ov(state: _Scrambling, rng: np.random.Generator) -> None:
    w = state.w
    for layer in range(w.n_layers):
        heads = _heads(w, layer)
        for h in range(w.n_heads):
            b, b_inv = _conditioned(rng, w.d_head)
            heads["W_V"][h] = heads["W_V"][h] @ b
            heads["b_V"][h] = heads["b_V"][h] @ b
            heads["W_O"][h] = b_inv @ heads["W_O"][h]
        _store_heads(w, layer, heads)


# --- MLP neurons ------------------------------------------------------------------------

def _mlp_neurons(state: _Scrambling, rng: np.random.Generator) -> None:
    w = state.w
    for layer in range(w.n_layers):
        perm = _permutation(rng, w.d_mlp)
        scale = 2.0 ** rng.integers(-_NEURON_LOG2_SCALE, _NEURON_LOG2_SCALE + 1, w.d_mlp)
        w.W_in[layer] = w.W_in[layer][:, perm] * scale
        w.b_in[layer] = w.b_in[layer][perm] * scale
        w.W_out[layer] = w.W_out[layer][perm] / scale[:, None]


# --- padding ----------------------------------------------------------------------------

def _pad(state: _Scrambling, d_model: int, heads: int, mlp: int) -> None:
    w = state.w
    _map_residual(state, np.eye(w.d_model, w.d_model + d_model))
    if state.labels is not None:
        state.labels = state.labels + [f"pad{i}" for i in range(d_model)]
    for layer in range(w.n_layers):
        _store_heads(w, layer, {k: np.concatenate([v, np.zeros((heads,) + v.shape[1:])])
                                for k, v in _heads(w, layer).items()})
        w.W_in[layer] = np.pad(w.W_in[layer], ((0, 0), (0, mlp)))
        w.b_in[layer] = np.pad(w.b_in[layer], (0, mlp))
        w.W_out[layer] = np.pad(w.W_out[layer], ((0, mlp), (0, 0)))
