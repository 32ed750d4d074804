"""Training loop: AdamW with warm-up and cosine decay, gradient clipping, bf16 autocast on CUDA,
checkpoints to resume from, metrics to CSV (and TensorBoard when installed; `interpreter.metrics`),
`torchrun` DDP.

Batches come from a stream (`interpreter.stream`: in memory, a corpus streamed window by window,
or the fountain's programs generated while training runs) and are a pure function of (seed,
step, rank, world size), so a resumed run sees exactly the batches an uninterrupted one would;
checkpoints record where each process's fountain stood.

    torchrun --nproc_per_node 4 -m fountain.cli train --corpus DIR --out RUN
"""

from __future__ import annotations

import collections
import csv
import dataclasses
import math
import os
import time
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F

from compiler.progress import Progress
from interpreter import checkpoint
from interpreter.data import PAD_ID, Encoded, Source, collate
from interpreter.fountain_stream import OLDER_DISTINCT_STREAMS, Fountain
from interpreter.metrics import METRICS_FILE, MetricsLog
from interpreter.model import Interpreter, ModelConfig, config_from_dict, next_token_loss
from interpreter.stream import open_stream


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of a training run; plain data, saved as JSON with every checkpoint."""

    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    steps: int = 2000
    batch_size: int = 32
    lr: float = 1e-3
    min_lr: float = 1e-4
    warmup_steps: int = 100
    weight_decay: float = 0.01
    betas: tuple[float, float] = (0.9, 0.98)
    grad_clip: float = 1.0
    seed: int = 0
    log_every: int = 10
    eval_every: int = 250
    eval_examples: int = 256
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    bf16: bool = True  # autocast to bfloat16 on CUDA; CPU runs stay float32 (and deterministic)

    def __post_init__(self):
        for field in ("steps", "batch_size", "log_every", "eval_every", "eval_examples", "checkpoint_every",
                      "keep_checkpoints"):
            if not isinstance(getattr(self, field), int) or getattr(self, field) < 1:
                raise ValueError(f"train config `{field}` must be a positive integer")
        if not 0 < self.min_lr <= self.lr:
            raise ValueError("train config: need 0 < min_lr <= lr")

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        return config_from_dict(cls, data, "train config", model=ModelConfig.from_dict)


def learning_rate(config: TrainConfig, step: int, progress: float | None = None,
                  anchor: tuple[float, float] | None = None) -> float:
    """Linear warm-up to `lr` over `warmup_steps`, then cosine decay to `min_lr` as training
    progresses from 0 to 1 (by default step / steps).

    `anchor` (progress p0, learning rate lr0): a run whose budget was extended on resume, which
    decays by a cosine from lr0 at p0 to `min_lr` at 1 instead (`SCHEDULES`)."""
    if progress is None:
        progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    if anchor is not None:
        start, lr = anchor
        rest = min(1.0, max(0.0, (progress - start) / max(1e-12, 1.0 - start)))
        return config.min_lr + 0.5 * (lr - config.min_lr) * (1 + math.cos(math.pi * rest))
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    return config.min_lr + 0.5 * (config.lr - config.min_lr) * (1 + math.cos(math.pi * min(1.0, progress)))


#: What a resumed run whose budget (`steps` or `time_budget`) differs from its last leg's does with
#: the learning rate. "continue": decay by a cosine from the rate the last leg ended at to `min_lr`
#: over what is left of the new budget, so the rate never jumps (raised from a finished run's
#: 1e-4 to 9.6e-4 by the longer cosine, a validation loss of 0.251 went to 0.29 and had not come
#: back 1,800 steps later). "restart": the whole cosine over the new budget, the rate the new
#: budget gives at this point (how the shipped checkpoint's second leg was trained).
SCHEDULES = ("continue", "restart")


@dataclasses.dataclass
class TrainResult:
    checkpoint: Path
    step: int
    metrics: list[dict]
    skipped: collections.Counter
    train_examples: int
    val_examples: int
    seconds: float


def _distributed(device: str | None = None) -> tuple[int, int, torch.device]:
    """(rank, world size, device); joins the process group when started by torchrun. `device`
    (one process only) overrides the default: this rank's GPU when there is one, else the CPU."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if device is not None and world_size == 1:
        from compiler.nets.forward import torch_device

        chosen = torch_device(device)
        if chosen.type == "cuda":
            if chosen.index is None:  # plain "cuda": set_device wants an index, and the model goes where it says
                chosen = torch.device("cuda", torch.cuda.current_device())
            torch.cuda.set_device(chosen)
        return 0, 1, chosen
    cuda = torch.cuda.is_available()
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if cuda else "gloo")
    rank = dist.get_rank() if world_size > 1 else 0
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if cuda:
        torch.cuda.set_device(local)
    return rank, world_size, torch.device(f"cuda:{local}" if cuda else "cpu")


def train(data: Source | Fountain | tuple[list[Encoded], list[Encoded]], run_dir: str | os.PathLike,
          config: TrainConfig = TrainConfig(), *, resume: bool = False, time_budget: float | None = None,
          progress: bool = True, stream: bool | None = None, workers: int | None = None,
          buffer_rows: int = 4096, device: str | None = None, schedule: str = "continue") -> TrainResult:
    """Trains an interpreter on the "train" split of `data` (a corpus directory or a list of
    examples; or already encoded (train, val) items; or a `Fountain` of programs generated while
    training runs), validating on its "val" split, writing checkpoints and metrics to `run_dir`.
    With `resume`, continues from `run_dir`'s latest checkpoint.

    A corpus is streamed window by window (`buffer_rows` rows at a time) when `stream`, or, when
    None, when its train split is too large to keep in memory (`interpreter.stream`); `workers`
    processes read and encode a streamed corpus or generate the fountain's programs (default:
    the cores left over).

    `time_budget` (seconds) ends training when that much time has been spent on it (resumed runs
    count their earlier time), with the cosine decay following time or steps, whichever is
    further along; such a run depends on the machine's speed, a run by steps alone does not. The
    clock starts after the validation examples are ready (for a fountain, once they are generated).
    `schedule`: the learning rate of a run resumed with another budget (`SCHEDULES`); a run resumed
    with the same budget takes the rates an uninterrupted one would."""
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, not {schedule!r}")
    begun = time.perf_counter()
    rank, world_size, device = _distributed(device)
    run_dir = Path(run_dir)

    torch.manual_seed(config.seed)
    model = Interpreter(config.model).to(device)
    optimizer = _optimizer(model, config)
    step, spent_before, saved, seen = 0, 0.0, {}, {}
    if resume and checkpoint.latest_checkpoint(run_dir) is not None:
        step, spent_before, saved, seen = _restore(run_dir, model, optimizer, device)
    positions = saved.get("positions") or []
    budget = {"steps": config.steps, "time_budget": time_budget}
    anchor = _anchor(saved.get("schedule") or _logged_schedule(run_dir, step), budget, schedule, config, step,
                     spent_before)
    if positions and len(positions) != world_size:
        raise ValueError(f"{run_dir}: trained by {len(positions)} process(es); resume with as many, or start a new "
                         "run directory")
    source, val_items = open_stream(data, config, rank, world_size, stream=stream, workers=workers,
                                    buffer_rows=buffer_rows, position=positions[rank] if positions else (),
                                    seen=seen.get(rank))
    if positions and saved.get("identity") != source.identity:
        source.close()
        changed = sorted(k for k in source.identity if saved.get("identity", {}).get(k) != source.identity[k])
        older = saved.get("identity", {}).get("distinct_encodings")
        if "distinct_encodings" in changed and isinstance(older, (bool, str)) and older in OLDER_DISTINCT_STREAMS:
            raise ValueError(f"{run_dir}: it was trained with --distinct-encodings {OLDER_DISTINCT_STREAMS[older]}; "
                             "this version gives that run's units other programs, so it cannot continue it: start "
                             "a new run directory")
        raise ValueError(f"{run_dir}: its {saved.get('kind')} stream had other settings ({', '.join(changed)}); "
                         "resume with the same ones, or start a new run directory")
    wrapped = model
    if world_size > 1:
        wrapped = torch.nn.parallel.DistributedDataParallel(model, device_ids=None if device.index is None
                                                            else [device.index])
    metrics = MetricsLog(run_dir, step, enabled=rank == 0)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda" and config.bf16)
    bar = Progress("train", config.steps, time_budget=time_budget, initial=step, spent=spent_before,
                   enabled=progress and rank == 0)
    start_time = last_log = time.perf_counter()
    tokens, waited = 0, 0.0  # target tokens and seconds spent getting batches since the last logged row
    lr = learning_rate(config, step, _progress(config, step, spent_before, time_budget), anchor)

    def spent() -> float:  # rank 0's clock, so that every process takes the same learning rate and stop
        return _broadcast(spent_before + time.perf_counter() - start_time, world_size, device)

    def save(elapsed: float) -> None:  # on every process: each one's stream position goes in
        stream_positions = _gather(source.position(step), world_size, device)
        drawn = _gather_ids(source.seen(step), world_size, device) if hasattr(source, "seen") else []
        if rank == 0:
            _save(run_dir, model, optimizer, config, step, elapsed,
                  {"kind": source.kind, "identity": source.identity, "positions": stream_positions,
                   "schedule": {**budget, "anchor": anchor, "lr": lr}}, drawn)

    try:
        while step < config.steps:
            elapsed = spent()
            if time_budget is not None and elapsed >= time_budget:
                break
            fetching = time.perf_counter()
            batch = collate(source.batch(step)).to(device)
            waited += time.perf_counter() - fetching
            lr = learning_rate(config, step, _progress(config, step, elapsed, time_budget), anchor)
            loss, grad_norm = _train_step(wrapped, optimizer, batch, lr, autocast, config.grad_clip)
            step += 1
            tokens += int((batch.targets != PAD_ID).sum()) - len(batch.targets)
            row = {}
            if step % config.log_every == 0 or step == config.steps:
                now = time.perf_counter()
                row = {"step": step, "loss": loss, "lr": lr, "grad_norm": grad_norm,
                       "tokens_per_s": tokens * world_size / max(now - last_log, 1e-9),
                       "elapsed_s": spent_before + now - start_time,
                       "data_share": waited / max(now - last_log, 1e-9)}
                tokens, waited, last_log = 0, 0.0, now
                bar.status.update(loss=f"{loss:.3f}", lr=f"{lr:.1e}")
            if val_items and (step % config.eval_every == 0 or step == config.steps):
                row.update(zip(("val_loss", "val_token_accuracy"), teacher_forced(model, val_items, device)))
                row.setdefault("step", step)
            if row:
                metrics.write(row)
                if "val_loss" in row:
                    bar.status["val loss"] = f"{row['val_loss']:.3f}"
            bar.update(1)
            if step % config.checkpoint_every == 0:
                save(spent())
        if val_items and (not metrics.rows or "val_loss" not in metrics.rows[-1]):  # stopped by the clock
            metrics.write(dict(zip(("step", "val_loss", "val_token_accuracy"),
                                   (step, *teacher_forced(model, val_items, device)))))
        # Saved again even when this step's checkpoint exists: it must record all the time spent
        # (the clock may have run out just after a periodic save), or a resumed budget over-runs.
        final = run_dir / _name(step)
        save(spent())
    finally:
        bar.close()
        metrics.close()
        source.close()
    return TrainResult(final, step, metrics.rows, source.skipped, source.examples, len(val_items),
                       time.perf_counter() - begun)


def _progress(config: TrainConfig, step: int, elapsed: float, time_budget: float | None) -> float:
    """How far along the schedule a run is, 0 to 1: by steps, or by time when that is further."""
    by_steps = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    return by_steps if time_budget is None else max(elapsed / time_budget, by_steps)


def _anchor(saved: dict | None, budget: dict, schedule: str, config: TrainConfig, step: int,
            spent: float) -> tuple[float, float] | None:
    """The (progress, lr) a resumed run's cosine starts from (`learning_rate`); None for the
    run's own cosine. The same budget keeps the last leg's anchor, so an interrupted run goes on
    as if it had not been; another budget under "continue" anchors at the rate the last leg ended
    at."""
    if not saved:
        return None
    if {key: saved.get(key) for key in budget} == budget:
        return tuple(saved["anchor"]) if saved.get("anchor") else None
    if schedule == "restart":
        return None
    return _progress(config, step, spent, budget["time_budget"]), float(saved["lr"])


def _logged_schedule(run_dir: Path, step: int) -> dict | None:
    """For a checkpoint from before schedules were saved with it: its budget unknown, and the last
    learning rate metrics.csv logged at or before `step` (None when there is none)."""
    path = run_dir / METRICS_FILE
    if step == 0 or not path.is_file():
        return None
    with open(path, newline="") as f:
        rates = [float(row["lr"]) for row in csv.DictReader(f) if row.get("lr") and int(row["step"]) <= step]
    return {"steps": None, "time_budget": None, "anchor": None, "lr": rates[-1]} if rates else None


def _train_step(model, optimizer, batch, lr: float, autocast, grad_clip: float) -> tuple[float, float]:
    """One optimizer step at learning rate `lr`; returns (loss, gradient norm before clipping)."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    model.train()
    with autocast:
        # through forward(), so that DistributedDataParallel sees the call and syncs gradients
        loss = next_token_loss(model(batch), batch.targets)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return loss.item(), grad_norm.item()


def _optimizer(model: Interpreter, config: TrainConfig) -> torch.optim.AdamW:
    """AdamW, with weight decay on matrices only (not on biases and norms)."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": config.weight_decay},
                              {"params": no_decay, "weight_decay": 0.0}], lr=config.lr, betas=config.betas)


def _name(step: int) -> str:
    return f"step-{step:07d}"


def _save(run_dir: Path, model: Interpreter, optimizer, config: TrainConfig, step: int, spent: float,
          stream: dict, seen: Sequence[np.ndarray] = ()) -> Path:
    tensors = {f"{_SEEN}/{rank}": _ids_tensor(ids) for rank, ids in enumerate(seen)}
    state = checkpoint.TrainState(step, optimizer.state_dict(), torch.get_rng_state(),
                                  {"spent_s": spent, "stream": stream}, tensors)
    return checkpoint.save_checkpoint(run_dir, _name(step), model, config.to_dict(), state,
                                      keep=config.keep_checkpoints)


#: Train-state tensors `stream_seen/<rank>`: the programs each process's fountain drew before its
#: saved position.
_SEEN = "stream_seen"


def _restore(run_dir: Path, model: Interpreter, optimizer,
             device: torch.device) -> tuple[int, float, dict, dict[int, np.ndarray]]:
    """Loads the latest checkpoint of `run_dir` into `model` and `optimizer`; returns its step,
    the seconds spent training up to it, its stream's record (kind, identity, each process's
    position) and, for a fountain, the programs each process had drawn (by rank)."""
    path = checkpoint.latest_checkpoint(run_dir)
    saved = checkpoint.load_model(path, device)
    if saved.config != model.config:
        raise checkpoint.CheckpointError(path, "was trained with another model config; resume with the same "
                                               "config or start a new run directory")
    model.load_state_dict(saved.state_dict())
    state = checkpoint.load_state(path)
    if state.optimizer is not None:
        optimizer.load_state_dict(state.optimizer)
    if state.rng is not None:
        torch.set_rng_state(state.rng)
    seen = {int(name.split("/")[1]): tensor.numpy().view(np.uint64)
            for name, tensor in state.tensors.items() if name.startswith(f"{_SEEN}/")}
    return state.step, float(state.extra.get("spent_s", 0.0)), state.extra.get("stream", {}), seen


def _gather(position: list[int], world_size: int, device: torch.device) -> list[list[int]]:
    """Every process's stream position (a list of ints, the same length on every process)."""
    if world_size == 1:
        return [position] if position else []
    tensor = torch.tensor(position, dtype=torch.int64, device=device)
    gathered = [torch.empty_like(tensor) for _ in range(world_size)]
    dist.all_gather(gathered, tensor)
    return [t.tolist() for t in gathered] if position else []


def _ids_tensor(ids: np.ndarray) -> torch.Tensor:
    """Program ids (uint64) as an int64 tensor of the same bits (what safetensors and NCCL carry)."""
    return torch.from_numpy(np.ascontiguousarray(ids, dtype=np.uint64).view(np.int64))


def _gather_ids(ids: np.ndarray, world_size: int, device: torch.device) -> list[np.ndarray]:
    """Every process's uint64 `ids` (of any length), by rank."""
    if world_size == 1:
        return [ids]
    tensor = _ids_tensor(ids).to(device)
    lengths = _gather([len(ids)], world_size, device)
    longest = max(length for length, in lengths)
    padded = torch.zeros(longest, dtype=torch.int64, device=device)
    padded[:len(ids)] = tensor
    gathered = [torch.empty_like(padded) for _ in range(world_size)]
    dist.all_gather(gathered, padded)
    return [t[:length].cpu().numpy().view(np.uint64) for t, (length,) in zip(gathered, lengths)]


def _broadcast(value: float, world_size: int, device: torch.device) -> float:
    """Rank 0's `value` on every process."""
    if world_size == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.broadcast(tensor, src=0)
    return tensor.item()


@torch.no_grad()
def teacher_forced(model: Interpreter, items: Sequence[Encoded], device: torch.device | str = "cpu",
                   batch_size: int = 64) -> tuple[float, float]:
    """(mean loss, token accuracy) of next-token prediction given the true prefix."""
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for start in range(0, len(items), batch_size):
        batch = collate(items[start:start + batch_size]).to(torch.device(device))
        logits = model(batch).float()
        targets = batch.targets[:, 1:]
        real = targets != PAD_ID
        total_loss += float(F.cross_entropy(logits[real], targets[real], reduction="sum"))
        correct += int((logits.argmax(-1)[real] == targets[real]).sum())
        count += int(real.sum())
    model.train(was_training)
    return total_loss / max(count, 1), correct / max(count, 1)
