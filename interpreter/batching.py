"""How every training stream turns rows into batches, and runs its work in spawned processes.

Every stream cuts *windows* of rows into batches one way. A window's rows are shuffled by a
generator seeded with the window's key, dealt to the W training processes (rank r takes every
W-th: ranks see disjoint data), and each process cuts its share into `rows // (B*W)` batches of
B: pools of `POOL` batches sorted by length, so that a batch pads little, the batches then
shuffled. Rows the encoder refuses are left out; when that leaves too few, items repeat. So step
s's batch is a pure function of (seed, s, rank, W) and of the data, and a resumed run sees exactly
the batches an uninterrupted one would.

Worker processes are spawned, never forked (jax's threads make fork unsafe), and send back only
bytes (Arrow IPC); results are taken in order, so the worker count changes speed, not data.
"""

from __future__ import annotations

import collections
import dataclasses
import os
from typing import Any, Callable, Sequence

import numpy as np
import pyarrow as pa

from generator import workers as worker_pools
from interpreter.data import Encoded
from interpreter.encoding import TAG_FIELDS

#: Batches per length-sorted pool.
POOL = 8

ITEM_SCHEMA = pa.schema([("program_id", pa.string()), ("skipped", pa.string()), ("values", pa.binary()),
                          ("tags", pa.binary()), ("target", pa.binary())])


def deal(rows: int, key: Sequence[int], batch_size: int, rank: int,
         world_size: int) -> tuple[np.ndarray, int, np.random.Generator]:
    """(the window rows this process takes, in order; its number of batches; the generator to
    cut them with, drawn past the shuffle)."""
    rng = np.random.default_rng(list(key))
    return rng.permutation(rows)[rank::world_size], max(1, rows // (batch_size * world_size)), rng


def cut(lengths: Sequence[int], n_batches: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """`n_batches` batches of `batch_size` positions into `lengths` (items already shuffled):
    the items in order, then fresh permutations of them while more are needed; pools of `POOL`
    batches sorted by length; the batches shuffled."""
    n, need = len(lengths), n_batches * batch_size
    order = np.concatenate([np.arange(n)] + [rng.permutation(n) for _ in range(-(-need // n) - 1)])[:need]
    lengths = np.asarray(lengths)
    batches = []
    for start in range(0, need, batch_size * POOL):
        pool = order[start:start + batch_size * POOL]
        pool = pool[np.argsort(lengths[pool], kind="stable")]
        batches += [pool[i:i + batch_size] for i in range(0, len(pool), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


@dataclasses.dataclass
class Window:
    """One window's batches for this process: batch i is `[items[j] for j in batches[i]]`."""

    items: list[Encoded]
    batches: list[np.ndarray]

    @classmethod
    def of(cls, share: Sequence[Encoded | None], n_batches: int, batch_size: int, rng, where: str,
           skipped: collections.Counter) -> "Window":
        items = [item for item in share if item is not None]
        if not share:
            raise ValueError(f"{where}: fewer rows than training processes; use fewer processes or more data")
        if not items:
            raise ValueError(f"{where}: the encoder left out all {len(share)} nets of this process's share "
                             f"({dict(skipped)}); raise the encoder limits or max_target_len")
        return cls(items, cut([len(i) for i in items], n_batches, batch_size, rng))

    def batch(self, index: int) -> list[Encoded]:
        return [self.items[j] for j in self.batches[index]]


def worker_setup() -> None:
    """One BLAS and torch thread per worker (workers are the parallelism), tracr's warnings off."""
    global _THREAD_LIMITS
    import torch
    from absl import logging
    from threadpoolctl import threadpool_limits

    logging.set_verbosity(logging.ERROR)
    _THREAD_LIMITS = threadpool_limits(limits=1)  # kept: the limits last as long as the object
    torch.set_num_threads(1)


_THREAD_LIMITS = None


class Ordered:
    """`fn(*args_of(k))` for k = start, start + 1, ... in that order: with `workers` spawned
    processes, up to `ahead` computed in advance; with 0 workers, here, when asked."""

    def __init__(self, fn: Callable[..., Any], args_of: Callable[[int], tuple], start: int = 0, workers: int = 0,
                 ahead: int | None = None):
        self.fn, self.args_of, self.next = fn, args_of, start
        self.ahead = ahead or 2 * max(1, workers)
        self.pending: dict[int, Any] = {}
        self.pool = worker_pools.spawn_pool(workers, initializer=worker_setup) if workers else None

    def get(self) -> Any:
        k, self.next = self.next, self.next + 1
        if self.pool is None:
            return self.fn(*self.args_of(k))
        with worker_pools.dead_worker_raises(RuntimeError(
                "a data worker process died (killed; out of memory: lower --workers, or --stream-buffer for a "
                "corpus; or a script that trains without `if __name__ == '__main__':`, which spawned workers "
                "re-import); resume with --resume")):
            for later in range(k, k + self.ahead):
                if later not in self.pending:
                    self.pending[later] = self.pool.submit(self.fn, *self.args_of(later))
            return self.pending.pop(k).result()

    def close(self) -> None:
        if self.pool is not None:
            worker_pools.stop(self.pool)


def default_workers() -> int:
    """Data worker processes per training process: the cores left after one per training
    process on this machine (torchrun's LOCAL_WORLD_SIZE), at least 1."""
    local = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    return max(1, (os.cpu_count() or 1) // local - 1)


def pack(entries: Sequence[tuple[str, Encoded | str]]) -> bytes:
    """(program id, encoded item or why it was left out) per row, as an Arrow IPC stream."""
    columns: dict[str, list] = {name: [] for name in ITEM_SCHEMA.names}
    for pid, item in entries:
        encoded = not isinstance(item, str)
        columns["program_id"].append(pid)
        columns["skipped"].append("" if encoded else item)
        for name in ("values", "tags", "target"):
            columns[name].append(np.ascontiguousarray(getattr(item, name)).tobytes() if encoded else b"")
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, ITEM_SCHEMA) as writer:
        writer.write_table(pa.Table.from_pydict(columns, schema=ITEM_SCHEMA))
    return sink.getvalue().to_pybytes()


def unpack(data: bytes, width: int) -> list[tuple[str, Encoded | str]]:
    table = pa.ipc.open_stream(data).read_all()
    entries = []
    for row in table.to_pylist():
        if row["skipped"]:
            entries.append((row["program_id"], row["skipped"]))
            continue
        values = np.frombuffer(row["values"], dtype=np.float32).reshape(-1, width)
        tags = np.frombuffer(row["tags"], dtype=np.int64).reshape(-1, len(TAG_FIELDS))
        entries.append((row["program_id"], Encoded(values, tags, np.frombuffer(row["target"], dtype=np.int64))))
    return entries
