"""How close two networks are: maps between their residual streams, layer boundary by boundary.

`compare_nets(net_a, net_b)` runs both nets on the same inputs and takes their residual streams
at every layer boundary (after the embeddings, after each attention and each MLP sub-layer).
Rows are the real positions of every input; BOS is left out, since it is no input position but
the attention sink, and PAD is never a position. For each pair of boundaries it reports

* affine maps A -> B and B -> A, fitted by ridge-regularised least squares on the positions of
  80% of the inputs, and their R² on the positions of the other 20% (held out by input, so no
  held-out row comes from a sequence seen in training), variance-weighted over output dims;
* the rank of each fitted map: how many singular values of its output on the training rows
  exceed `RANK_RTOL` times the largest, and its effective rank (exp of the entropy of the
  normalised singular values, Roy & Vetterli 2007);
* linear CKA (Kornblith et al. 2019) on all rows: 1 when one stream is an orthogonal map of
  the other up to scale, whatever the widths;
* an MLP map in each direction: the affine map plus a one-hidden-layer ReLU correction trained
  on its residual (torch, seeded), so its held-out R² says how much of what the affine map
  leaves a non-linear map recovers.

Boundaries are matched by index when the nets have the same number of layers; otherwise every
pair is fitted and each boundary of A is matched with the boundary of B whose affine maps have
the best held-out R² in the worse of the two directions.

The inputs are every input up to max_seq_len when there are at most `samples`, else `samples`
distinct inputs drawn uniformly (seeded) from that set. Everything random takes `seed`.
"""

from __future__ import annotations

import dataclasses
import math
import random
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from compiler.compiling.check import all_inputs, nets_outputs_agree
from compiler.language.literals import value_sort_key
from compiler.nets.net import Net

#: Inputs used by default: all of them when there are at most this many, else this many.
DEFAULT_SAMPLES = 4000
#: Share of the inputs whose positions are held out to score the maps.
HELD_OUT = 0.2
#: Ridge strength, relative to the largest eigenvalue of the centred source rows' Gram matrix: large
#: enough to ignore float32 rounding noise, far too small to shrink any direction in use.
RIDGE = 1e-6
#: A singular value counts towards a rank when it exceeds this times the largest.
RANK_RTOL = 1e-3
# The MLP correction: hidden width, Adam steps, batch rows, learning rate.
_MLP_HIDDEN = 128
_MLP_STEPS = 200
_MLP_BATCH = 256
_MLP_LR = 5e-3


class CompareError(ValueError):
    """Two nets that cannot be compared; says what differs and what to do."""


@dataclasses.dataclass(frozen=True)
class MapFit:
    """One direction of a fitted map; R² is held out (nan when the target does not vary)."""

    r2: float
    rank: int
    effective_rank: float
    mlp_r2: float | None = None


@dataclasses.dataclass(frozen=True)
class Match:
    """Boundary `a` of net A and boundary `b` of net B, with the maps each way and their CKA."""

    a: int
    b: int
    cka: float
    a_to_b: MapFit
    b_to_a: MapFit


@dataclasses.dataclass(frozen=True, eq=False)
class Comparison:
    """The result of `compare_nets`: one `Match` per boundary of A, and CKA for every pair."""

    names: tuple[str, str]
    boundaries: tuple[list[str], list[str]]
    stream_ranks: tuple[list[int], list[int]]  # numerical rank of each boundary's rows
    matches: list[Match]
    cka: np.ndarray  # [boundaries of A, boundaries of B]
    matching: str  # "index" or "best"
    inputs: int
    input_kind: str  # "every" input up to max_seq_len, "random" distinct ones, or "given"
    positions: int
    held_out_positions: int
    outputs_agree: int  # inputs on which both nets give the same output
    seed: int

    def format(self) -> str:
        """A terminal table, one row per boundary of A."""
        (name_a, name_b), (bounds_a, bounds_b) = self.names, self.boundaries
        how = {"every": "every input up to max_seq_len", "random": "random distinct inputs",
               "given": "given inputs"}[self.input_kind]
        lines = [
            f"A = {name_a}\nB = {name_b}",
            f"{self.inputs} inputs ({how}, seed {self.seed}); {self.positions} positions without BOS, "
            f"{self.held_out_positions} of them (from {HELD_OUT:.0%} of the inputs) held out to score the maps",
            f"outputs agree on {self.outputs_agree}/{self.inputs} inputs; boundaries matched "
            + ("by index" if self.matching == "index"
               else "by the best affine R² in the worse direction (layer counts differ)"),
            "",
        ]
        header = ("A", "B", "rank A", "rank B", "CKA", "R² A→B", "R² B→A", "rank A→B", "rank B→A",
                  "MLP R² A→B", "MLP R² B→A")
        rows = [header]
        ranks_a, ranks_b = self.stream_ranks
        for m in self.matches:
            rows.append((bounds_a[m.a], bounds_b[m.b], str(ranks_a[m.a]), str(ranks_b[m.b]),
                         _number(m.cka), _number(m.a_to_b.r2), _number(m.b_to_a.r2),
                         _rank(m.a_to_b), _rank(m.b_to_a), _number(m.a_to_b.mlp_r2), _number(m.b_to_a.mlp_r2)))
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines += ["  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
                  for row in rows]
        lines += ["", f"rank A, B: numerical rank of each stream (singular values above {RANK_RTOL:g} × the largest); "
                      "rank A→B: of the fitted map, effective rank in brackets",
                  "R² on the held-out positions; MLP: the affine map plus a ReLU correction"]
        return "\n".join(lines)


def _number(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.3f}"


def _rank(fit: MapFit) -> str:
    return f"{fit.rank} ({fit.effective_rank:.1f})"


def boundary_names(n_layers: int) -> list[str]:
    """Names of the 2 * n_layers + 1 residual streams of `Net.residuals`, in order."""
    return ["embed"] + [f"L{layer} {part}" for layer in range(n_layers) for part in ("attn", "mlp")]


def comparison_inputs(vocab: Sequence, max_seq_len: int, samples: int, seed: int) -> tuple[list[list], bool]:
    """Every input of length 1..max_seq_len when there are at most `samples`, else `samples`
    distinct ones drawn uniformly from them; and whether it is every input.

    Distinct, unlike `check.random_inputs`: a repeated input on both sides of the train/held-out
    split would score a map on rows it was fitted to.
    """
    every = all_inputs(vocab, max_seq_len, samples)
    if every is not None:
        return every, True
    tokens = sorted(vocab, key=value_sort_key)
    counts = [len(tokens) ** n for n in range(1, max_seq_len + 1)]
    rng, chosen = random.Random(seed), {}
    while len(chosen) < samples:  # indices into the list of every input, shortest first
        chosen.setdefault(rng.randrange(sum(counts)), None)
    inputs = []
    for index in chosen:
        length = 1
        while index >= counts[length - 1]:
            index -= counts[length - 1]
            length += 1
        digits = []
        for _ in range(length):
            index, digit = divmod(index, len(tokens))
            digits.append(tokens[digit])
        inputs.append(digits[::-1])
    return inputs, False


def compare_nets(net_a: Net, net_b: Net, *, inputs: Sequence[Sequence[Any]] | None = None,
                 samples: int = DEFAULT_SAMPLES, seed: int = 0, mlp: bool = True,
                 names: tuple[str, str] = ("A", "B")) -> Comparison:
    """How close the residual streams of two nets are on the same inputs (module docstring).

    `inputs` defaults to `comparison_inputs(vocab, max_seq_len, samples, seed)`; `mlp=False`
    skips the MLP maps. Raises `CompareError` when the nets take different inputs.
    """
    vocab = _input_vocab(net_a, net_b)
    if not isinstance(seed, int) or seed < 0:
        raise CompareError(f"seed must be a non-negative integer, got {seed!r}")
    if inputs is None:
        inputs, exhaustive = comparison_inputs(vocab, net_a.config.max_seq_len, samples, seed)
        input_kind = "every" if exhaustive else "random"
    else:
        inputs, input_kind = [list(xs) for xs in inputs], "given"
    if len(inputs) < 2:
        raise CompareError(f"comparing needs at least 2 inputs (some to fit the maps on, some to score "
                           f"them), got {len(inputs)}")
    if not all(inputs):
        raise CompareError(f"input {[len(xs) for xs in inputs].index(0)} is empty: it has no position to compare")
    try:
        streams_a, streams_b = _streams(net_a, inputs), _streams(net_b, inputs)
        agree = sum(nets_outputs_agree(net_a, net_b, inputs))
    except ValueError as error:  # an input the nets cannot take
        raise CompareError(f"cannot run the nets on the inputs: {error}") from None

    lengths = np.array([len(xs) for xs in inputs])
    held_out_inputs = np.random.default_rng([seed, 0]).permutation(len(inputs))[:max(1, round(HELD_OUT * len(inputs)))]
    held_out = np.repeat(np.isin(np.arange(len(inputs)), held_out_inputs), lengths)
    sources_a = [_Source(x, ~held_out) for x in streams_a]
    sources_b = [_Source(y, ~held_out) for y in streams_b]
    cka = np.array([[_linear_cka(a.centred, b.centred) for b in sources_b] for a in sources_a])

    def fit(i: int, j: int, with_mlp: bool) -> Match:
        a, b = sources_a[i], sources_b[j]
        return Match(i, j, float(cka[i, j]),
                     _fit_map(a, b, held_out, seed=[seed, 1, i, j] if with_mlp else None),
                     _fit_map(b, a, held_out, seed=[seed, 2, i, j] if with_mlp else None))

    if net_a.config.n_layers == net_b.config.n_layers:
        matching, pairs = "index", list(range(len(sources_a)))
    else:
        matching, pairs = "best", []
        for i in range(len(sources_a)):
            fits = [fit(i, j, with_mlp=False) for j in range(len(sources_b))]
            pairs.append(max(range(len(fits)), key=lambda j: _worse_r2(fits[j])))
    matches = [fit(i, j, with_mlp=mlp) for i, j in enumerate(pairs)]
    return Comparison(
        names=names,
        boundaries=(boundary_names(net_a.config.n_layers), boundary_names(net_b.config.n_layers)),
        stream_ranks=([s.rank for s in sources_a], [s.rank for s in sources_b]),
        matches=matches, cka=cka, matching=matching, inputs=len(inputs), input_kind=input_kind,
        positions=int(lengths.sum()), held_out_positions=int(held_out.sum()), outputs_agree=agree, seed=seed)


def _worse_r2(match: Match) -> float:
    """The lower held-out R² of the two directions: a boundary whose stream merely contains
    the other (as every compiled stream contains the embeddings) maps well one way only."""
    values = [v for v in (match.a_to_b.r2, match.b_to_a.r2) if not math.isnan(v)]
    return min(values) if values else -math.inf


def _input_vocab(net_a: Net, net_b: Net) -> list:
    """The input tokens both nets take; `CompareError` saying what differs when they differ."""
    vocab_a, vocab_b = (_tokens(net) for net in (net_a, net_b))
    problems = []
    if set(vocab_a) != set(vocab_b):
        problems.append(f"input vocabulary {_token_set(vocab_a)} (A) vs {_token_set(vocab_b)} (B)")
    if net_a.config.max_seq_len != net_b.config.max_seq_len:
        problems.append(f"max_seq_len {net_a.config.max_seq_len} (A) vs {net_b.config.max_seq_len} (B)")
    if problems:
        raise CompareError(f"the nets take different inputs: {'; '.join(problems)}; compare nets compiled "
                           "for the same vocab and max_seq_len")
    return vocab_a


def _tokens(net: Net) -> list:
    return sorted(net.vocab, key=value_sort_key)


def _token_set(tokens: list) -> str:
    return "{" + ", ".join(repr(t) for t in tokens) + "}"


def _streams(net: Net, inputs: list[list]) -> list[np.ndarray]:
    """Per boundary, the rows [positions, d_model] of every input's real positions (float64)."""
    residuals = net.residuals(inputs)  # [boundaries, inputs, 1 + longest, d_model]
    lengths = np.array([len(xs) for xs in inputs])
    real = np.arange(residuals.shape[2])[None, :] - 1 < lengths[:, None]
    real[:, 0] = False  # BOS
    return [boundary[real].astype(np.float64) for boundary in residuals]


class _Source:
    """A boundary's rows, centred on their training mean, with the eigendecomposition of the
    training rows' Gram matrix that every affine map from them reuses.

    Eigenvalues of the d x d Gram matrix, not an SVD of the rows: as exact as the ridge and the
    rank tolerance need (both sit a million times above float64 rounding of the Gram matrix),
    and thousands of times faster for many rows.
    """

    def __init__(self, rows: np.ndarray, train: np.ndarray):
        self.rows, self.train = rows, train
        self.mean = rows[train].mean(axis=0)
        self.centred = rows - self.mean
        eigenvalues, self.eigenvectors = np.linalg.eigh(self.centred[train].T @ self.centred[train])
        self.eigenvalues = np.maximum(eigenvalues, 0)  # squared singular values of the rows
        self.rank = _numerical_rank(np.sqrt(self.eigenvalues))


def _fit_map(source: _Source, target: _Source, held_out: np.ndarray, seed: list[int] | None) -> MapFit:
    """The ridge affine map source -> target, scored on the held-out rows; with `seed`, also the
    MLP map (the affine map plus a ReLU correction)."""
    train = source.train
    v, eigenvalues = source.eigenvectors, source.eigenvalues
    ridge = RIDGE * eigenvalues.max(initial=0)
    if ridge > 0:  # (X^T X + ridge I)^-1 X^T Y in the eigenbasis of X^T X
        cross = v.T @ (source.centred[train].T @ target.centred[train])
        weights = v @ (cross / (eigenvalues + ridge)[:, None])
    else:  # a source that does not vary predicts the mean
        weights = np.zeros((source.rows.shape[1], target.rows.shape[1]))
    bias = target.mean - source.mean @ weights
    predict = source.rows @ weights + bias
    fitted = source.centred[train] @ weights  # the map's output on the training rows
    singular_values = np.sqrt(np.maximum(np.linalg.eigvalsh(fitted.T @ fitted), 0))[::-1]
    y_test = target.rows[held_out]
    mlp_r2 = None
    if seed is not None:
        mlp_r2 = _r2(y_test, predict[held_out] + _mlp_correction(source, target.rows - predict, held_out, seed))
    return MapFit(r2=_r2(y_test, predict[held_out]), rank=_numerical_rank(singular_values),
                  effective_rank=_effective_rank(singular_values), mlp_r2=mlp_r2)


def _r2(y: np.ndarray, predicted: np.ndarray) -> float:
    """Variance-weighted R² (1 - residual sum of squares / total, summed over dims)."""
    total = float(((y - y.mean(axis=0)) ** 2).sum())
    if total == 0:
        return math.nan
    return 1 - float(((y - predicted) ** 2).sum()) / total


def _numerical_rank(singular_values: np.ndarray) -> int:
    largest = singular_values.max(initial=0)
    return int((singular_values > RANK_RTOL * largest).sum()) if largest > 0 else 0


def _effective_rank(singular_values: np.ndarray) -> float:
    """exp(entropy) of the singular values normalised to sum 1 (Roy & Vetterli)."""
    total = singular_values.sum()
    if total <= 0:
        return 0.0
    p = singular_values[singular_values > 0] / total
    return float(np.exp(-(p * np.log(p)).sum()))


def _linear_cka(x: np.ndarray, y: np.ndarray) -> float:
    """Linear CKA of centred rows: ||Yᵀ X||² / (||Xᵀ X|| ||Yᵀ Y||), Frobenius norms."""
    norms = np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)
    if norms == 0:
        return math.nan
    return float(np.linalg.norm(y.T @ x) ** 2 / norms)


def _mlp_correction(source: _Source, residual: np.ndarray, held_out: np.ndarray, seed: list[int]) -> np.ndarray:
    """A one-hidden-layer ReLU net fitted (Adam, minibatches, seeded) to what the affine map
    leaves on the training rows; returns its prediction on the held-out rows.

    Inputs and targets are scaled by one number each (their RMS spread), not per dimension:
    per-dimension scaling would blow rounding noise in unused dimensions up to unit size.
    The output layer starts at zero, so training starts from the affine map.
    """
    import torch

    x_scale = _spread(source.centred[source.train])
    y_scale = _spread(residual[source.train]) or 1.0
    x = torch.as_tensor(source.centred / (x_scale or 1.0), dtype=torch.float32)
    y = torch.as_tensor(residual / y_scale, dtype=torch.float32)
    train_rows = torch.as_tensor(np.flatnonzero(source.train))
    generator = torch.Generator().manual_seed(int(np.random.SeedSequence(seed).generate_state(1)[0]))
    hidden = torch.nn.Linear(x.shape[1], _MLP_HIDDEN)
    out = torch.nn.Linear(_MLP_HIDDEN, y.shape[1])
    with torch.no_grad():
        bound = 1 / math.sqrt(x.shape[1])
        hidden.weight.uniform_(-bound, bound, generator=generator)
        hidden.bias.uniform_(-bound, bound, generator=generator)
        out.weight.zero_()
        out.bias.zero_()
    model = torch.nn.Sequential(hidden, torch.nn.ReLU(), out)
    optimiser = torch.optim.Adam(model.parameters(), lr=_MLP_LR)
    threads = torch.get_num_threads()
    # One thread: at these sizes threading costs more than it saves (40x more on a busy
    # machine), and the result does not depend on the machine's core count.
    torch.set_num_threads(1)
    try:
        for _ in range(_MLP_STEPS):
            batch = train_rows[torch.randint(len(train_rows), (_MLP_BATCH,), generator=generator)]
            loss = ((model(x[batch]) - y[batch]) ** 2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        with torch.no_grad():
            return model(x[torch.as_tensor(np.flatnonzero(held_out))]).double().numpy() * y_scale
    finally:
        torch.set_num_threads(threads)


def _spread(rows: np.ndarray) -> float:
    return float(np.sqrt(((rows - rows.mean(axis=0)) ** 2).sum(axis=1).mean()))


def plot_comparison(comparison: Comparison, path: str | Path) -> Path:
    """Writes a PNG: per boundary of A, the held-out R² of each map and CKA with its match;
    beside it, CKA between every pair of boundaries, matched pairs marked."""
    from compiler.plots import pyplot, save_figure

    plt = pyplot()
    (name_a, name_b), (bounds_a, bounds_b) = comparison.names, comparison.boundaries
    matches = comparison.matches
    figure, (lines, grid) = plt.subplots(1, 2, figsize=(6 + 0.45 * len(bounds_a), 4.2),
                                         gridspec_kw={"width_ratios": [1.4, 1]})
    steps = np.arange(len(matches))
    series = [("affine A→B", [m.a_to_b.r2 for m in matches], "C0", "-"),
              ("affine B→A", [m.b_to_a.r2 for m in matches], "C1", "-"),
              ("MLP A→B", [m.a_to_b.mlp_r2 for m in matches], "C0", ":"),
              ("MLP B→A", [m.b_to_a.mlp_r2 for m in matches], "C1", ":"),
              ("CKA", [m.cka for m in matches], "k", "--")]
    floor = -0.25  # R² has no lower bound; lower values are drawn at the floor
    for label, values, colour, style in series:
        if any(v is None for v in values):
            continue
        lines.plot(steps, np.maximum(np.array(values, dtype=float), floor), style, color=colour,
                   marker="o", markersize=3, label=label)
    lines.set_ylim(floor - 0.02, 1.05)
    lines.set_xticks(steps, [f"{bounds_a[m.a]}" + ("" if comparison.matching == "index" else f"\n↔ {bounds_b[m.b]}")
                             for m in matches], rotation=60, fontsize=7)
    lines.set_ylabel("held-out R² / CKA")
    lines.set_title(f"A = {Path(name_a).name}, B = {Path(name_b).name}", fontsize=8)
    lines.grid(alpha=0.3)
    lines.legend(fontsize=7, loc="lower left")
    image = grid.imshow(comparison.cka, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    grid.plot([m.b for m in matches], [m.a for m in matches], "r.", markersize=6)
    grid.set_yticks(range(len(bounds_a)), bounds_a, fontsize=6)
    grid.set_xticks(range(len(bounds_b)), bounds_b, fontsize=6, rotation=60)
    grid.set_ylabel("boundary of A")
    grid.set_xlabel("boundary of B")
    grid.set_title("linear CKA (red: matched)", fontsize=8)
    figure.colorbar(image, ax=grid, fraction=0.05)
    figure.tight_layout()
    return save_figure(figure, path)
