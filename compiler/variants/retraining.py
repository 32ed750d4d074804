"""Networks trained to imitate a program ("natural" weights), and tracr-style learned compression.

`retrain(program or net, seed=...)` trains a transformer from random initialisation on sampled
inputs labelled by the program's reference evaluation, by default with the compiled net's
architecture (layers, heads, head size, MLP width, residual width) and optionally with a
narrower residual stream (`d_model=`), or with an extra loss pulling every residual stream
towards the compiled net's (`residual_weight=`). `compress(net, d_model)` is tracr's own
compression: the compiled weights stay frozen and only a projection W [d_model_compiled, d]
of the residual stream is learned (embeddings and writes go through W, reads through Wᵀ).

Both stop when the net's fidelity on held-out inputs reaches `target_fidelity` (default 0.99)
or when the step or time budget runs out, and return a `Net` like any other: runnable, savable,
scramblable. Fidelity is measured on the returned `Net` itself (its float32 numpy forward),
as the fraction of held-out inputs on which `compiler.compiling.check.outputs_agree` holds — the same
test compiled nets pass on every input — and recorded in the provenance with the seed, steps,
final loss (not the time taken, so that a seed gives the same bytes; a `time_budget` stops
at a machine-dependent step, which the provenance records). A net that stops short of the target
is still returned (its provenance says `reached_target: False`), because trained nets are
studied for how far they get.

Inputs: every input up to max_seq_len when there are at most `exhaustive_limit` of them, split
into train and held-out parts; otherwise fresh random training batches every step and a fixed
random held-out set. The program's None positions carry no loss (tracr's convention ignores
them); trained categorical nets therefore decode by plain argmax (`Net.none_threshold = None`).
"""

from __future__ import annotations

import dataclasses
import math
import random
import time
from typing import Any, Callable, Sequence

import numpy as np

from compiler.compiling.check import ATOL, RTOL, all_inputs, outputs_agree, random_inputs
from compiler.language import program as prog
from compiler.nets.config import NetConfig, param_shapes
from compiler.nets.forward import attention_mask, torch_device, torch_forward
from compiler.nets.net import Net
from compiler.progress import Progress


@dataclasses.dataclass(frozen=True)
class TrainingOptions:
    """How a net is fitted; every field has a default that works for sampled programs."""

    max_steps: int = 20_000
    time_budget: float | None = None   # wall-clock budget in seconds, checked between steps
    target_fidelity: float = 0.99        # stop once this fraction of held-out inputs is right
    batch_size: int = 128
    learning_rate: float = 3e-3
    warmup_steps: int = 100
    eval_every: int = 200
    held_out: int = 1000                 # held-out inputs (at most; a fifth when enumerated)
    exhaustive_limit: int = 20_000       # enumerate the inputs when there are at most this many
    device: str = "cpu"

    def __post_init__(self):
        for name in ("max_steps", "batch_size", "eval_every", "held_out"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not 0 < self.target_fidelity <= 1:
            raise ValueError(f"target_fidelity must be in (0, 1], got {self.target_fidelity}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")


def _options(options: dict) -> "TrainingOptions":
    """`TrainingOptions` from keyword options (`time_budget_s`, the older spelling of
    `time_budget`, still accepted)."""
    if "time_budget_s" in options:
        import warnings

        warnings.warn("time_budget_s is now time_budget (seconds, as everywhere in rasp-fountain)",
                      DeprecationWarning, stacklevel=3)
        options = {**options, "time_budget": options["time_budget"] if "time_budget" in options
                   else options["time_budget_s"]}
        del options["time_budget_s"]
    return TrainingOptions(**options)


def retrain(source, *, seed: int = 0, vocab=None, max_seq_len: int | None = None,
            d_model: int | None = None, residual_weight: float = 0.0, progress: bool = False, **options) -> Net:
    """A net trained from random initialisation to compute what `source` computes.

    `source` is a compiled `Net` (its provenance names the program, vocab and max_seq_len), or a
    program (Program, text or tracr SOp) with `vocab` and `max_seq_len`. The architecture is the
    compiled net's; `d_model` narrows the residual stream (a compressed net). `residual_weight`
    > 0 adds the mean squared distance of every residual stream from the compiled net's (same
    width only). `options` are `TrainingOptions` fields. `progress`: report steps and fidelity on
    stderr (`compiler.progress`).
    """
    import torch

    compiled, program = _compiled_and_program(source, vocab, max_seq_len)
    opts = _options(options)
    c = compiled.config
    width = c.d_model if d_model is None else d_model
    if width < 1:
        raise ValueError(f"d_model must be >= 1, got {width}")
    if residual_weight and width != c.d_model:
        raise ValueError(f"residual_weight needs the compiled width ({c.d_model}); "
                         f"d_model={width} has no residual to match — use compress() for that")
    config = dataclasses.replace(c, d_model=width)
    n_out = 1 if compiled.output_values is None else len(compiled.output_values)
    generator = torch.Generator().manual_seed(seed)
    device = torch_device(opts.device)
    shapes = param_shapes(config, len(compiled.input_tokens))
    params = {name: _init(shape, name, generator).to(device).requires_grad_()
              for name, shape in shapes.items()}
    W_U = _init((width, n_out), "W_U", generator).to(device).requires_grad_()
    compiled_params = {name: torch.as_tensor(value, device=device)
                       for name, value in compiled.params.items()}

    def residual_loss(data, streams, out):  # every stream towards the compiled net's
        return _stream_distance(streams, _compiled_streams(compiled_params, config, data))

    def objective():
        return _Objective(params, W_U, label_weight=1.0,
                          extra=residual_loss if residual_weight else None,
                          extra_weight=residual_weight)

    net, record = _fit(compiled, program, objective, [*params.values(), W_U], opts, seed,
                       "retrain" if progress else None)
    return dataclasses.replace(
        net, residual_labels=[f"r{i}" for i in range(width)],
        provenance=dict(compiled.provenance, variant="retrained", residual_labels="generic",
                        retrain=dict(record, d_model=width, residual_weight=residual_weight)))


def compress(source: Net, d_model: int, *, seed: int = 0, residual_weight: float = 1.0, progress: bool = False,
             **options) -> Net:
    """tracr's compression: a learned projection W of the compiled residual stream to `d_model`
    dimensions, with the compiled weights frozen (W_E W, W_pos W, reads Wᵀ W_Q..., writes W_O W).

    The loss is the mean squared error between the compressed and the compiled net's outputs
    (every position, so that None still decodes as None) plus `residual_weight` times that
    between the compiled residual streams and their reconstructions h Wᵀ. Fidelity is against
    the program, as for `retrain`. `options` are `TrainingOptions` fields; `progress` as for
    `retrain`.
    """
    import torch

    compiled, program = _compiled_and_program(source, None, None)
    opts = _options(options)
    if not 1 <= d_model:
        raise ValueError(f"d_model must be >= 1, got {d_model}")
    device = torch_device(opts.device)
    frozen = {name: torch.as_tensor(value, device=device) for name, value in compiled.params.items()}
    frozen_W_U = torch.as_tensor(compiled.W_U, device=device)
    projection = torch.as_tensor(_principal_directions(compiled, d_model, seed),
                                 device=device).requires_grad_()

    def imitation_loss(data, streams, out):
        # Imitate the compiled net, not the program's labels: its outputs on every position
        # (None included) and, weighted, every residual stream through h Wᵀ.
        compiled_streams = _compiled_streams(frozen, compiled.config, data)
        loss = ((out - compiled_streams[-1] @ frozen_W_U) ** 2).mean()
        if residual_weight:
            loss = loss + residual_weight * _stream_distance([h @ projection.T for h in streams],
                                                             compiled_streams)
        return loss

    def objective():
        return _Objective(_project(frozen, projection), projection.T @ frozen_W_U,
                          label_weight=0.0, extra=imitation_loss, extra_weight=1.0)

    net, record = _fit(compiled, program, objective, [projection], opts, seed, "compress" if progress else None)
    return dataclasses.replace(
        net, residual_labels=[f"r{i}" for i in range(d_model)],
        # Compressed nets keep tracr's output scale (frozen W_U), so None still decodes.
        none_threshold=compiled.none_threshold,
        provenance=dict(compiled.provenance, variant="compressed", residual_labels="generic",
                        compress=dict(record, d_model=d_model, residual_weight=residual_weight)))


def _principal_directions(net: Net, d_model: int, seed: int) -> np.ndarray:
    """[d_model_compiled, d_model] orthonormal: the top principal directions (uncentred) of the
    compiled net's residual streams on seeded random inputs — the best linear start, from which
    training has only to repair what the MLPs' sharp reads amplify."""
    vocab = net.vocab
    batch = random_inputs(vocab, net.config.max_seq_len, 256, random.Random(seed))
    streams = net.residuals(batch)  # [streams, B, T, D]
    real = np.concatenate([streams[:, b, :len(xs) + 1] for b, xs in enumerate(batch)], axis=1)
    _, _, vt = np.linalg.svd(real.reshape(-1, real.shape[-1]).astype(np.float64),
                             full_matrices=False)
    directions = vt[:d_model].T
    if directions.shape[1] < d_model:  # wider than the stream's rank: complete the basis
        q, _ = np.linalg.qr(np.concatenate([directions, np.eye(len(directions))], axis=1))
        directions = q[:, :d_model]
    return directions.astype(np.float32)


def _project(params: dict, W) -> dict:
    """Compiled params moved into the compressed basis h = x W (x ≈ h Wᵀ)."""
    out = {}
    for name, value in params.items():
        if name.endswith("embeddings") or name.endswith(("attn/linear/w", "mlp/linear_2/w")):
            out[name] = value @ W           # writes into the stream
        elif name.endswith(("attn/linear/b", "mlp/linear_2/b")):
            out[name] = value @ W
        elif name.endswith("/w"):
            out[name] = W.T @ value         # reads from the stream
        else:
            out[name] = value               # read biases live outside the stream
    return out


def _compiled_and_program(source, vocab, max_seq_len) -> tuple[Net, prog.Program]:
    """The compiled net and the parsed program behind `source` (a Net or a program)."""
    from compiler.compiling.compile import compile_program
    from compiler.language.parser import parse

    if isinstance(source, Net):
        text = source.provenance.get("source")
        if not text or source.provenance.get("variant") != "compiled":
            raise ValueError("retraining needs a compiled net (its provenance carries the program) "
                             f"or a program; this net's variant is {source.provenance.get('variant')!r}")
        if vocab is not None or max_seq_len is not None:
            raise ValueError("vocab and max_seq_len come from the net; pass them only with a program")
        return source, parse(text)
    if vocab is None or max_seq_len is None:
        raise ValueError("retraining a program needs vocab= and max_seq_len= (or pass a compiled net)")
    compiled = compile_program(source, vocab=vocab, max_seq_len=max_seq_len)
    return compiled, parse(compiled.provenance["source"])


def _init(shape: tuple[int, ...], name: str, generator):
    """Biases zero; embeddings N(0, 1/d); weights N(0, 1/fan_in) (no layer norm to rescue scale)."""
    import torch

    if len(shape) == 1:
        return torch.zeros(shape)
    std = 1 / math.sqrt(shape[1] if name.endswith("embeddings") else shape[0])
    return torch.randn(shape, generator=generator) * std


def reference_outputs(program: prog.Program, xs: Sequence, causal: bool) -> list:
    """The program's output on `xs`; with causal attention, position i sees only xs[:i+1]."""
    if not causal:
        return prog.evaluate(program, xs)
    return [prog.evaluate(program, xs[:i + 1])[i] for i in range(len(xs))]


class _Labels:
    """Token ids, masks and targets of input batches, in the net's encodings."""

    def __init__(self, compiled: Net, program: prog.Program, device):
        self.net, self.program, self.device = compiled, program, device
        self.categorical = compiled.output_values is not None
        if self.categorical:
            self.index = {v: i for i, v in enumerate(compiled.output_values)}
        self._expected: dict[tuple, list] = {}  # the reference evaluator is the slow part

    def expected(self, xs: list) -> list:
        key = tuple(xs)
        if key not in self._expected:
            self._expected[key] = reference_outputs(self.program, xs, self.net.config.causal)
        return self._expected[key]

    def encode(self, batch: list[list]) -> dict:
        import torch

        ids, key_mask = self.net.encode(batch)
        mask = attention_mask(key_mask, self.net.config.causal)
        target = np.zeros(ids.shape, dtype=np.int64 if self.categorical else np.float32)
        weight = np.zeros(ids.shape, dtype=np.float32)  # 1 where the program gives a value
        for b, xs in enumerate(batch):
            for t, value in enumerate(self.expected(xs)):
                if value is None:
                    continue
                if self.categorical:
                    if value not in self.index:  # the compiled net cannot say it either
                        continue
                    target[b, t + 1] = self.index[value]
                else:
                    target[b, t + 1] = float(value)
                weight[b, t + 1] = 1.0
        as_tensor = lambda a: torch.as_tensor(np.ascontiguousarray(a), device=self.device)
        return {"ids": as_tensor(ids), "mask": as_tensor(mask), "target": as_tensor(target),
                "weight": as_tensor(weight), "batch": batch}


@dataclasses.dataclass
class _Objective:
    """What one training step computes: the candidate's weights, and its loss as `label_weight`
    times the loss on the program's outputs plus `extra_weight` times `extra(data, streams, out)`."""

    params: dict
    W_U: Any
    label_weight: float
    extra: Callable | None = None
    extra_weight: float = 0.0


def _fit(compiled: Net, program: prog.Program, objective: Callable[[], _Objective], trainable: list,
         opts: TrainingOptions, seed: int, progress: str | None = None) -> tuple[Net, dict]:
    """The shared training loop: AdamW with warm-up and cosine decay, held-out fidelity of the
    resulting `Net` every `eval_every` steps; returns the best net seen and its record. With
    `progress` (a label), steps and fidelity are reported on stderr."""
    import torch

    device = torch_device(opts.device)
    if device.type != "cpu":
        return _fit_loop(compiled, program, objective, trainable, opts, seed, progress)
    # These nets are tiny: intra-op threads only add synchronisation (x9 slower per step on a
    # loaded 2-core machine). Parallelise across programs instead (corpus workers).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _fit_loop(compiled, program, objective, trainable, opts, seed, progress)
    finally:
        torch.set_num_threads(threads)


def _fit_loop(compiled: Net, program: prog.Program, objective: Callable[[], _Objective],
              trainable: list, opts: TrainingOptions, seed: int, progress: str | None) -> tuple[Net, dict]:
    import torch

    torch.manual_seed(seed)  # kernels that draw (none today) stay seeded too
    device = torch_device(opts.device)
    labels = _Labels(compiled, program, device)
    rng = random.Random(seed)
    vocab = compiled.vocab
    c = compiled.config
    everything = all_inputs(vocab, c.max_seq_len, opts.exhaustive_limit)
    if everything is not None:
        rng.shuffle(everything)
        n_held = min(opts.held_out, max(1, len(everything) // 5))
        held_out, pool = everything[:n_held], everything[n_held:] or everything
    else:
        held_out, pool = random_inputs(vocab, c.max_seq_len, opts.held_out, rng), None
    held_out_expected = [labels.expected(xs) for xs in held_out]
    optimizer = torch.optim.AdamW(trainable, lr=opts.learning_rate, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: _lr_factor(step, opts))

    def to_net() -> Net:
        with torch.no_grad():
            candidate = objective()
        return _as_net(compiled, {k: v.detach().cpu().numpy() for k, v in candidate.params.items()},
                       candidate.W_U.detach().cpu().numpy())

    def fidelity(net: Net) -> float:
        outputs = net.run(held_out)
        return sum(outputs_agree(e, o) for e, o in zip(held_out_expected, outputs)) / len(held_out)

    start = time.perf_counter()
    best = (-1.0, None, 0)
    step, loss_value, initial = 0, float("nan"), None
    report = Progress(progress or "", opts.max_steps, time_budget=opts.time_budget, enabled=progress is not None)
    while True:
        if step % opts.eval_every == 0 or step == opts.max_steps:
            net = to_net()
            score = fidelity(net)
            initial = score if initial is None else initial
            if score > best[0]:
                best = (score, net, step)
            report.status["held-out fidelity"] = f"{score:.1%}"
            out_of_time = opts.time_budget is not None and time.perf_counter() - start > opts.time_budget
            if score >= opts.target_fidelity or step >= opts.max_steps or out_of_time:
                break
        if pool is None:
            batch = random_inputs(vocab, c.max_seq_len, opts.batch_size, rng)
        elif len(pool) <= 4 * opts.batch_size:  # small input spaces: exact full-batch gradients
            batch = pool
        else:
            batch = [pool[rng.randrange(len(pool))] for _ in range(opts.batch_size)]
        data = labels.encode(batch)
        candidate = objective()
        streams = [] if candidate.extra is not None else None
        x = torch_forward(candidate.params, dataclasses.replace(c, d_model=candidate.W_U.shape[0]),
                          data["ids"], data["mask"], streams)
        out = x @ candidate.W_U
        loss = torch.zeros((), device=device)
        if candidate.label_weight:
            loss = loss + candidate.label_weight * _label_loss(out, data, labels.categorical)
        if candidate.extra is not None:
            loss = loss + candidate.extra_weight * candidate.extra(data, streams, out)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        schedule.step()
        step += 1
        loss_value = loss.item()
        report.update(1, loss=f"{loss_value:.4f}")
    report.close()
    score, net, at_step = best
    record = {"seed": seed, "steps": step, "best_step": at_step, "fidelity": score,
              "initial_fidelity": initial,
              "target_fidelity": opts.target_fidelity, "reached_target": score >= opts.target_fidelity,
              "held_out_inputs": len(held_out), "final_loss": loss_value,
              "options": dataclasses.asdict(opts)}
    return net, record


def _label_loss(out, data: dict, categorical: bool):
    """Loss on the program's outputs, over the positions where it gives a value."""
    import torch.nn.functional as F

    weight, target = data["weight"], data["target"]
    if categorical:
        per_position = F.cross_entropy(out.transpose(1, 2), target, reduction="none")
    else:  # squared error in units of check's tolerance, which is what fidelity counts
        per_position = ((out[..., 0] - target) / (ATOL + RTOL * target.abs())) ** 2
    return (per_position * weight).sum() / weight.sum().clamp(min=1)


def _compiled_streams(params: dict, config: NetConfig, data: dict) -> list:
    import torch

    streams: list = []
    with torch.no_grad():
        torch_forward(params, config, data["ids"], data["mask"], streams)
    return streams


def _stream_distance(ours: list, theirs: list):
    """Mean squared distance between two nets' residual streams, averaged over the streams."""
    return sum(((a - b) ** 2).mean() for a, b in zip(ours, theirs)) / len(ours)


def _lr_factor(step: int, opts: TrainingOptions) -> float:
    if step < opts.warmup_steps:
        return (step + 1) / opts.warmup_steps
    progress = (step - opts.warmup_steps) / max(1, opts.max_steps - opts.warmup_steps)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def _as_net(compiled: Net, params: dict[str, np.ndarray], W_U: np.ndarray) -> Net:
    d_model = W_U.shape[0]
    return Net(params={k: v.astype(np.float32) for k, v in params.items()},
               W_U=W_U.astype(np.float32),
               config=dataclasses.replace(compiled.config, d_model=d_model),
               residual_labels=[f"r{i}" for i in range(d_model)],
               input_tokens=list(compiled.input_tokens), bos=compiled.bos, pad=compiled.pad,
               output_values=compiled.output_values, provenance=dict(compiled.provenance),
               none_threshold=None)
