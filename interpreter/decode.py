"""From weights to source text: greedy and beam search over program tokens, constrained by
`interpreter.grammar` so that every program emitted parses: the model's proposals, which
`interpreter.verified.decompile` checks against the network.

Search runs over many nets at once (one decoder batch holds every live hypothesis of every
net). A hypothesis whose finished line the parser refuses, or that would outgrow the model's
`max_target_len`, goes back to the start of that line with only `return` allowed there: the
program ends with the lines that were fine, and its score keeps what the dropped line cost.
Scores are the model's log-probabilities (not renormalised over the allowed tokens), so a
hypothesis pays for every token the constraints force on it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import time
from typing import Sequence

import torch

from compiler.language import tokenizer
from interpreter import checkpoint
from interpreter.data import BOS_ID, PAD_ID
from interpreter.encoding import EncodedNet
from interpreter.grammar import LineRejected, ProgramState
from interpreter.model import Interpreter

#: Tokens a `return` line takes after its line start: return, the variable, newline, EOS.
_RETURN_LINE = 4


@dataclasses.dataclass(frozen=True)
class Decoded:
    """A decoded program: canonical text, token ids (no BOS/EOS), summed log-probability, and
    whether a line was dropped to make it parse or fit (`truncated`)."""

    text: str
    ids: tuple[int, ...]
    score: float
    truncated: bool


@dataclasses.dataclass(frozen=True)
class _Hypothesis:
    state: ProgramState
    score: float
    net: int  # which net of the batch it decodes
    truncated: bool = False

    def rewind(self) -> "_Hypothesis":
        return dataclasses.replace(self, state=self.state.at_line_start(force_return=True), truncated=True)


@torch.no_grad()
def search(model: Interpreter, nets: Sequence[EncodedNet], beam_size: int = 1, length_penalty: float = 1.0,
           batch_size: int = 64) -> list[Decoded]:
    """The best program for each encoded net: greedy when `beam_size` is 1, else beam search
    ranking finished programs by score / length ** `length_penalty`."""
    if beam_size < 1:
        raise ValueError("beam_size must be at least 1")
    results: list[Decoded] = []
    for start in range(0, len(nets), batch_size):
        results += _search_batch(model, nets[start:start + batch_size], beam_size, length_penalty)
    return results


@contextlib.contextmanager
def one_cpu_thread(model: Interpreter):
    """Torch on one CPU thread while a beam search runs on the CPU (restored after). Its
    matrices are small (eight rows of 64 wide against a net's tokens): a second thread only
    adds synchronisation, and with the other core busy torch's threads wait on each other. On
    a 2-core machine running another job, a beam search took 5.1 s with two threads and
    0.45 s with one."""
    before = torch.get_num_threads()
    on_cpu = next(model.parameters()).device.type == "cpu"
    if on_cpu:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if on_cpu:
            torch.set_num_threads(before)


def search_all(model: Interpreter, net: EncodedNet, beam_size: int, length_penalty: float = 1.0,
               deadline: float | None = None, min_length: int = 0) -> list[Decoded]:
    """Every program the beam finished for one net, best first (distinct texts): the model's
    proposals for verified decompilation. With `deadline` (a `time.monotonic()` value), the
    search stops there with the programs finished so far (perhaps none); and, given
    `min_length` (the fewest tokens a program of this net can take), it stops at once when its
    pace so far says no program of that length can finish by then, so the caller's other work
    gets the time instead."""
    options = _search_batch(model, [net], beam_size, length_penalty, keep_all=True, deadline=deadline,
                            min_length=min_length)[0]
    ranked = sorted(options, key=lambda h: -h.score / len(h.state.ids) ** length_penalty)
    seen, out = set(), []
    for h in ranked:
        decoded = _decoded(h)
        if decoded.text not in seen:
            seen.add(decoded.text)
            out.append(decoded)
    return out


#: Steps the beam takes before its pace is judged against `min_length` (the first is the slowest).
_PACE_STEPS = 3


def _search_batch(model: Interpreter, nets: Sequence[EncodedNet], beam_size: int,
                  length_penalty: float, keep_all: bool = False, deadline: float | None = None,
                  min_length: int = 0) -> list:
    model.eval()
    device = next(model.parameters()).device
    width = max(len(n) for n in nets)
    values = torch.zeros(len(nets), width, nets[0].values.shape[1])
    tags = torch.zeros(len(nets), width, nets[0].tags.shape[1], dtype=torch.long)
    mask = torch.zeros(len(nets), width, dtype=torch.bool)
    for i, net in enumerate(nets):
        values[i, :len(net)], tags[i, :len(net)], mask[i, :len(net)] = (
            torch.from_numpy(net.values), torch.from_numpy(net.tags), True)
    mask = mask.to(device)
    cache = model.start_decoding(model.encode(values.to(device), tags.to(device), mask), mask)
    max_len = model.config.max_target_len
    live = [_Hypothesis(ProgramState(), 0.0, i) for i in range(len(nets))]
    finished: list[list[_Hypothesis]] = [[] for _ in nets]
    began, steps = time.monotonic(), 0
    while live and (deadline is None or time.monotonic() < deadline):
        if deadline is not None and steps >= _PACE_STEPS and not any(finished):
            now = time.monotonic()
            if (now - began) / steps * (min_length - steps) > deadline - now:
                break  # at this pace the shortest program this net can have finishes after the deadline
        steps += 1
        live = [h.rewind() if not h.state.in_return and 1 + len(h.state.ids) + 1 + _RETURN_LINE > max_len else h
                for h in live]
        # Each row feeds its last token (BOS first) at its position; a rewound row feeds again
        # the last token before its line, whose keys and values the cache already holds.
        tokens = torch.tensor([h.state.ids[-1] if h.state.ids else BOS_ID for h in live], device=device)
        positions = torch.tensor([len(h.state.ids) for h in live], device=device)
        nets_of_rows = torch.tensor([h.net for h in live], device=device)
        log_probs = torch.log_softmax(model.decode_step(cache, nets_of_rows, tokens, positions).float(), dim=-1).cpu()
        candidates: list[list[tuple[_Hypothesis, int]]] = [[] for _ in nets]
        for row, (h, row_log_probs) in enumerate(zip(live, log_probs)):
            allowed = torch.from_numpy(h.state.allowed())
            top = torch.topk(row_log_probs.masked_fill(~allowed, float("-inf")), min(beam_size, int(allowed.sum())))
            for log_prob, token in zip(top.values.tolist(), top.indices.tolist()):
                candidates[h.net].append((_extend(h, token, log_prob), row))
        live, parents = [], []
        for net, options in enumerate(candidates):
            options.sort(key=lambda option: -option[0].score)
            kept = 0
            for h, row in options:
                if h.state.finished:
                    finished[net].append(h)
                elif kept < beam_size and len(finished[net]) < beam_size:
                    live.append(h)
                    parents.append(row)
                    kept += 1
        cache = cache.select(torch.tensor(parents, dtype=torch.long, device=device))
    if keep_all:
        return finished
    return [_best(options, length_penalty) for options in finished]


def _extend(h: _Hypothesis, token: int, log_prob: float) -> _Hypothesis:
    h = dataclasses.replace(h, score=h.score + log_prob)
    try:
        return dataclasses.replace(h, state=h.state.advance(token))
    except LineRejected:
        return h.rewind()


def log_likelihoods(model: Interpreter, net: EncodedNet, texts: Sequence[str]) -> list[float]:
    """The model's log-probability of each program text given `net`, teacher forced (every token
    after BOS, EOS included); -inf for a text it cannot spell (longer than `max_target_len`, or
    a token outside its vocabulary)."""
    out = [float("-inf")] * len(texts)
    ids: dict[int, list[int]] = {}
    for i, text in enumerate(texts):
        try:
            spelled = tokenizer.encode(text)
        except (KeyError, ValueError):
            continue
        if len(spelled) <= model.config.max_target_len:
            ids[i] = spelled
    if not ids:
        return out
    model.eval()
    device = next(model.parameters()).device
    targets = torch.full((len(ids), max(map(len, ids.values()))), PAD_ID, dtype=torch.long)
    for row, spelled in enumerate(ids.values()):
        targets[row, :len(spelled)] = torch.tensor(spelled)
    targets = targets.to(device)
    mask = torch.ones(1, len(net), dtype=torch.bool, device=device)
    with torch.no_grad():
        memory = model.encode(torch.from_numpy(net.values)[None].to(device),
                              torch.from_numpy(net.tags)[None].to(device), mask)
        rows = len(ids)
        logits = model.decode(memory.expand(rows, -1, -1), mask.expand(rows, -1), targets[:, :-1]).float()
        picked = torch.log_softmax(logits, dim=-1).gather(-1, targets[:, 1:, None])[..., 0]
        sums = (picked * (targets[:, 1:] != PAD_ID)).sum(-1).cpu().tolist()
    for i, total in zip(ids, sums):
        out[i] = total
    return out


def _best(options: list[_Hypothesis], length_penalty: float) -> Decoded:
    return _decoded(max(options, key=lambda h: h.score / len(h.state.ids) ** length_penalty))


def _decoded(h: _Hypothesis) -> Decoded:
    ids = h.state.ids[:-1]  # without EOS
    return Decoded(tokenizer.decode(list(ids)), ids, h.score, h.truncated)


@functools.lru_cache(maxsize=4)
def _cached_model(path: str, mtime: float, device: str) -> Interpreter:
    return checkpoint.load_model(path, device)


def load_interpreter(path: str | os.PathLike, device: str | None = None) -> Interpreter:
    """The model of a checkpoint (or a run directory's latest) on `device` (default: cuda when
    present, else cpu), cached while the file is unchanged."""
    from compiler.nets.forward import torch_device

    resolved = checkpoint.resolve(path)
    device = str(torch_device(device or ("cuda" if torch.cuda.is_available() else "cpu")))
    weights = resolved / "model.safetensors"
    try:
        changed = weights.stat().st_mtime
    except OSError as error:
        raise checkpoint.CheckpointError(weights, f"unreadable ({error.strerror or error}); a checkpoint holds "
                                                  "config.json and model.safetensors") from None
    return _cached_model(str(resolved), changed, device)
