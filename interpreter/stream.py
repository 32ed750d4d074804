"""Training streams: which encoded nets make each step's batch, from memory, from a corpus read
window by window, or from programs generated while training runs (the fountain).

Every stream cuts *windows* of rows into batches one way. A window's rows are shuffled by a
generator seeded with the window's key, dealt to the W training processes (rank r takes every
W-th: ranks see disjoint data), and each process cuts its share into `rows // (B*W)` batches of
B: pools of `POOL` batches sorted by length, so that a batch pads little, the batches then
shuffled. Rows the encoder refuses are left out; when that leaves too few, items repeat. So step
s's batch is a pure function of (seed, s, rank, W) and of the data, and a resumed run sees exactly
the batches an uninterrupted one would.

* `MemoryStream`: one window per epoch holding every training item, encoded once (key: seed,
  epoch, 0). For corpora of up to `IN_MEMORY_ROWS` training rows, and lists of examples.
* `CorpusStream`: each epoch a seeded order of the train shards, grouped into windows of at
  least `buffer_rows` rows (key: seed, epoch, window). Worker processes read and encode the
  windows ahead of training, in slices of `SLICE_ROWS` rows, each training process's workers only
  its share. Memory holds the window in use and the slices encoded ahead (the next window's and
  two per worker), whatever the corpus size. A window holding every shard gives `MemoryStream`'s batches.
* `FountainStream`: work unit k samples `UNIT_PROGRAMS` programs from a recipe's generator with a
  seed derived from (recipe seed, "fountain", seed, k), keeps those whose `split_of` is "train"
  (so a corpus of the same recipe keeps its val and test programs held out), compiles and
  scrambles them as the recipe says (retrained variants are skipped: seconds per net) and encodes
  them, in spawned worker processes. Units are taken in order and a program drawn by an earlier
  unit is dropped, so no program repeats and the items do not depend on the worker count. Rank r
  of W takes units r, r + W, ... (a program may then reach two ranks, as rarely as two units draw
  it). The item stream is cut into pools of `POOL * B` items, each giving `POOL * reuse`
  batches: `reuse` > 1 trains on each fresh net several times, for when generating is slower
  than training. A checkpoint records where the pool in use began (unit, items into it) and the
  ids of the programs the units before it drew; a resumed run drops those and continues with the
  same batches. (A checkpoint without the ids, from before they were kept, has the units before
  it drawn again to learn them: the sampler's checks compile every program, so this takes about
  as long as generating them did.)

Worker processes are spawned, never forked (jax's threads make fork unsafe), and send back only
bytes (Arrow IPC); results are taken in order, so the worker count changes speed, not data.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from compiler.language import tokenizer
from generator import workers as worker_pools
from generator.units import BARREN_UNITS, Distinct, ProgramDropped, draw_unit, program_id, program_rows, split_of
from interpreter.data import EXAMPLE_COLUMNS, Encoded, Example, example_from_row, too_long, try_encode
from interpreter.encoding import TAG_FIELDS, EncoderConfig

#: Batches per length-sorted pool.
POOL = 8
#: Corpora with at most this many training rows are encoded once and kept in memory.
IN_MEMORY_ROWS = 50_000
#: Programs sampled per fountain work unit (part of the stream's definition, like the seed).
UNIT_PROGRAMS = 64
#: Rows of a streamed corpus window that one worker task encodes.
SLICE_ROWS = 256

_ITEM_SCHEMA = pa.schema([("program_id", pa.string()), ("skipped", pa.string()), ("values", pa.binary()),
                          ("tags", pa.binary()), ("target", pa.binary())])


# ---------------------------------------------------------------------------------------
# Windows into batches


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
class _Window:
    """One window's batches for this process: batch i is `[items[j] for j in batches[i]]`."""

    items: list[Encoded]
    batches: list[np.ndarray]

    @classmethod
    def of(cls, share: Sequence[Encoded | None], n_batches: int, batch_size: int, rng, where: str,
           skipped: collections.Counter) -> "_Window":
        items = [item for item in share if item is not None]
        if not share:
            raise ValueError(f"{where}: fewer rows than training processes; use fewer processes or more data")
        if not items:
            raise ValueError(f"{where}: the encoder left out all {len(share)} nets of this process's share "
                             f"({dict(skipped)}); raise the encoder limits or max_target_len")
        return cls(items, cut([len(i) for i in items], n_batches, batch_size, rng))

    def batch(self, index: int) -> list[Encoded]:
        return [self.items[j] for j in self.batches[index]]


class MemoryStream:
    """Batches from items held in memory (None where the encoder left a row out)."""

    kind = "memory"
    identity: dict = {}

    def __init__(self, items: Sequence[Encoded | None], seed: int, batch_size: int, rank: int = 0,
                 world_size: int = 1, skipped: collections.Counter | None = None):
        self.items, self.seed, self.batch_size, self.rank, self.world_size = items, seed, batch_size, rank, world_size
        self.skipped = skipped if skipped is not None else collections.Counter()
        self.examples = sum(item is not None for item in items)
        if not self.examples:
            raise ValueError(f"no training examples to train on (left out: {dict(self.skipped) or 'none'}); "
                             "check the corpus's train split and the encoder limits")
        self.per_epoch = max(1, len(items) // (batch_size * world_size))
        self._window: tuple[int, _Window] | None = None

    def batch(self, step: int) -> list[Encoded]:
        epoch, index = divmod(step, self.per_epoch)
        if self._window is None or self._window[0] != epoch:
            mine, n_batches, rng = deal(len(self.items), (self.seed, epoch, 0), self.batch_size, self.rank,
                                        self.world_size)
            self._window = (epoch, _Window.of([self.items[i] for i in mine], n_batches, self.batch_size, rng,
                                              "training set", self.skipped))
        return self._window[1].batch(index)

    def position(self, step: int) -> list[int]:
        return []

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------------------
# Work in spawned processes, results in order


def _worker_setup() -> None:
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
        self.pool = worker_pools.spawn_pool(workers, initializer=_worker_setup) if workers else None

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


def _pack(entries: Sequence[tuple[str, Encoded | str]]) -> bytes:
    """(program id, encoded item or why it was left out) per row, as an Arrow IPC stream."""
    columns: dict[str, list] = {name: [] for name in _ITEM_SCHEMA.names}
    for pid, item in entries:
        encoded = not isinstance(item, str)
        columns["program_id"].append(pid)
        columns["skipped"].append("" if encoded else item)
        for name in ("values", "tags", "target"):
            columns[name].append(np.ascontiguousarray(getattr(item, name)).tobytes() if encoded else b"")
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, _ITEM_SCHEMA) as writer:
        writer.write_table(pa.Table.from_pydict(columns, schema=_ITEM_SCHEMA))
    return sink.getvalue().to_pybytes()


def _unpack(data: bytes, width: int) -> list[tuple[str, Encoded | str]]:
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


# ---------------------------------------------------------------------------------------
# A corpus, streamed


def encode_rows(paths: Sequence[str], wanted: Sequence[int], encoder_json: str, max_target_len: int) -> bytes:
    """Rows `wanted` (positions in the shards `paths` read one after another), encoded, in that
    order, as `_pack` bytes. Runs in a worker process."""
    encoder = EncoderConfig(**json.loads(encoder_json))
    wanted = np.asarray(wanted, dtype=np.int64)
    entries: list[Any] = [None] * len(wanted)
    first = 0
    for path in paths:
        try:
            shard = pq.ParquetFile(path)
            rows = shard.metadata.num_rows
            here = np.flatnonzero((wanted >= first) & (wanted < first + rows))
            table = shard.read(columns=list(EXAMPLE_COLUMNS)).take(pa.array(wanted[here] - first)) if len(here) \
                else None
        except (OSError, pa.ArrowException) as error:  # a shard deleted, truncated or rewritten since the start
            raise ValueError(f"{path}: unreadable corpus shard ({error}); check the corpus with "
                             "`fountain corpus verify`") from None
        if table is not None:
            for i, row in zip(here.tolist(), table.to_pylist()):
                example = example_from_row(row, f"{path}:{row['program_id']}")
                entries[i] = (row["program_id"], try_encode(example, encoder, max_target_len))
        first += rows
    return _pack(entries)


class CorpusStream:
    """Batches from a corpus's train split read window by window (module docstring)."""

    kind = "corpus"
    identity: dict = {}

    def __init__(self, directory: str | os.PathLike, encoder: EncoderConfig, max_target_len: int, seed: int,
                 batch_size: int, rank: int = 0, world_size: int = 1, *, buffer_rows: int = 4096, workers: int = 0,
                 slice_rows: int = SLICE_ROWS):
        from generator.corpus_format import read_manifest

        manifest = read_manifest(directory)
        self.shards = [(str(Path(directory) / s["path"]), s["rows"]) for s in manifest["shards"]
                       if s["split"] == "train"]
        if not self.shards:
            raise ValueError(f"{os.fspath(directory)}: the corpus has no training rows")
        if buffer_rows < 1:
            raise ValueError(f"the stream buffer must be at least 1 row, not {buffer_rows}")
        self.encoder_json = json.dumps(dataclasses.asdict(encoder))
        self.width, self.max_target_len = encoder.width, max_target_len
        self.seed, self.batch_size, self.rank, self.world_size = seed, batch_size, rank, world_size
        self.buffer_rows, self.workers, self.slice_rows = buffer_rows, workers, slice_rows
        self.examples = manifest["splits"]["train"]["rows"]
        self.skipped: collections.Counter = collections.Counter()
        self._epochs: list[list[tuple[list[int], int]]] = []  # per epoch: (shard indices, rows) per window
        self._first_steps = [0]                                 # the first step of each epoch, and one past
        self._reader: Ordered | None = None
        self._reading = 0                                       # the window the reader gives next
        self._window: tuple[int, _Window] | None = None         # (window number, its batches)

    def windows(self, epoch: int) -> list[tuple[list[int], int]]:
        """The windows of `epoch`: shard indices (in build order) and their rows, each window
        holding at least `buffer_rows` rows but the last."""
        while len(self._epochs) <= epoch:
            order = np.random.default_rng([self.seed, len(self._epochs)]).permutation(len(self.shards))
            windows, current, rows = [], [], 0
            for index in order.tolist():
                current.append(index)
                rows += self.shards[index][1]
                if rows >= self.buffer_rows:
                    windows.append((sorted(current), rows))
                    current, rows = [], 0
            if current:
                windows.append((sorted(current), rows))
            self._epochs.append(windows)
            self._first_steps.append(self._first_steps[-1] + sum(self._batches(rows) for _, rows in windows))
        return self._epochs[epoch]

    def first_step(self, epoch: int) -> int:
        """The step that begins `epoch`."""
        self.windows(epoch)
        return self._first_steps[epoch]

    def _batches(self, rows: int) -> int:
        return max(1, rows // (self.batch_size * self.world_size))

    def _locate(self, step: int) -> tuple[int, int, int, int]:
        """(window number counted over all epochs, epoch, window in it, batch in it) of `step`."""
        epoch = 0
        while True:
            windows = self.windows(epoch)
            if step < self._first_steps[epoch + 1]:
                break
            epoch += 1
        number = sum(len(self.windows(e)) for e in range(epoch))
        index = step - self._first_steps[epoch]
        for w, (_, rows) in enumerate(windows):
            if index < self._batches(rows):
                return number + w, epoch, w, index
            index -= self._batches(rows)
        raise AssertionError("a step past its epoch's windows")

    def _by_number(self, number: int) -> tuple[int, int]:
        epoch = 0
        while number >= len(self.windows(epoch)):
            number -= len(self.windows(epoch))
            epoch += 1
        return epoch, number

    def _share(self, number: int) -> tuple[list[str], np.ndarray]:
        """The shard paths of window `number` and the rows of them this process takes."""
        epoch, w = self._by_number(number)
        shards, rows = self.windows(epoch)[w]
        mine, _, _ = deal(rows, (self.seed, epoch, w), self.batch_size, self.rank, self.world_size)
        return [self.shards[i][0] for i in shards], mine

    def _open_reader(self, number: int) -> None:
        """Workers encode the windows from `number` on, in slices of `slice_rows` rows (so that
        all of them work on the window needed next), ahead of training."""
        self.close()
        tasks: dict[int, tuple] = {}  # planned, not yet asked for (the reader asks for each once)
        planned = [number, 0]         # the next window to plan, the next task count

        def task(count: int) -> tuple:
            while count not in tasks:
                paths, mine = self._share(planned[0])
                for i in range(0, len(mine), self.slice_rows):
                    tasks[planned[1]] = (paths, mine[i:i + self.slice_rows].tolist(), self.encoder_json,
                                         self.max_target_len)
                    planned[1] += 1
                planned[0] += 1
            return tasks.pop(count)

        # Ahead: the next window's slices, so that it is ready when this one ends.
        window_slices = -(-self.buffer_rows // (self.world_size * self.slice_rows))
        self._reader = Ordered(encode_rows, task, 0, self.workers, ahead=2 * self.workers + window_slices)
        self._reading = number

    def batch(self, step: int) -> list[Encoded]:
        number, epoch, w, index = self._locate(step)
        if self._window is None or self._window[0] != number:
            if self._reader is None or self._reading != number:  # the first batch, or a jump
                self._open_reader(number)
            _, mine = self._share(number)
            entries = [entry for _ in range(-(-len(mine) // self.slice_rows))
                       for entry in _unpack(self._reader.get(), self.width)]
            self._reading = number + 1
            if epoch == 0:  # later epochs leave out the same rows again
                self.skipped.update(item for _, item in entries if isinstance(item, str))
            _, rows = self.windows(epoch)[w]
            _, n_batches, rng = deal(rows, (self.seed, epoch, w), self.batch_size, self.rank, self.world_size)
            share = [None if isinstance(item, str) else item for _, item in entries]
            self._window = (number, _Window.of(share, n_batches, self.batch_size, rng,
                                               f"window {w} of epoch {epoch}", self.skipped))
        return self._window[1].batch(index)

    def position(self, step: int) -> list[int]:
        return []

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


# ---------------------------------------------------------------------------------------
# The fountain


def fountain_recipe(recipe) -> tuple[Any, str]:
    """The recipe the fountain generates from (retrained variants dropped) and a note saying
    what was dropped ("" when nothing)."""
    from generator.recipes import Recipe, load_recipe

    recipe = recipe if isinstance(recipe, Recipe) else load_recipe(recipe)
    if not recipe.variants["retrained"]:
        return recipe, ""
    kept = dict(recipe.variants, retrained=0)
    if not any(kept.values()):
        raise ValueError(f"recipe {recipe.name!r} asks for retrained networks only; the fountain skips "
                         "retraining (seconds per net): train on a corpus built from it instead")
    note = (f"the fountain skips recipe {recipe.name!r}'s {recipe.variants['retrained']} retrained variant(s) "
            "per program (seconds each); it trains on compiled and scrambled nets")
    return dataclasses.replace(recipe, variants=kept), note


def fountain_unit(recipe_json: str, seed_parts: tuple, unit: int, programs: int, split: str,
                  encoder_json: str | None, max_target_len: int) -> tuple[str, bytes]:
    """Work unit `unit` of a fountain, `programs` programs drawn: the ids of those in `split`
    (JSON, in order), and their nets encoded (`_pack` bytes; with `encoder_json` None, none:
    only the ids, for a resumed run to learn which programs it has had). Runs in a worker
    process, or in this one."""
    from absl import logging

    from generator.recipes import Recipe

    logging.set_verbosity(logging.ERROR)  # tracr warns through absl about programs that are fine
    recipe = Recipe.from_dict(json.loads(recipe_json), source="the fountain's recipe")
    encoder = None if encoder_json is None else EncoderConfig(**json.loads(encoder_json))
    recipe, drawn, sampling = draw_unit(recipe, unit, programs, seed_parts, keep_nets=encoder is not None)
    ids, entries = [], []
    for program in drawn:
        pid = program_id(program.source)
        if split_of(pid, recipe.splits, recipe.split_seed) != split:
            continue
        ids.append(pid)
        if encoder is None:
            continue
        if len(tokenizer.encode(program.source)) > max_target_len:  # left out before the work of compiling
            entries += [(pid, too_long(max_target_len))] * recipe.rows_per_program
            continue
        try:
            rows = program_rows(recipe, program.source, sampling.nets.get(program.source))
        except ProgramDropped:
            continue
        entries += [(pid, try_encode(example_from_row(row, f"program {pid}"), encoder, max_target_len))
                    for row in rows]
    return json.dumps(ids), _pack(entries) if encoder is not None else b""


class _Programs:
    """A fountain's (program id, item) pairs in stream order: units taken in order (unit count c
    is work unit `first + c * stride`), the programs an earlier unit drew dropped. The next item
    comes from unit count `unit`, after the `offset` items of it already taken."""

    def __init__(self, recipe_json: str, seed_parts: tuple, split: str, encoder: EncoderConfig, max_target_len: int,
                 workers: int, unit_programs: int = UNIT_PROGRAMS, first: int = 0, stride: int = 1, unit: int = 0,
                 offset: int = 0, seen: np.ndarray | None = None):
        self.distinct = Distinct()
        self._order: list[int] = []           # the ids seen, in the order the units drew them
        self._marks: dict[int, int] = {}      # unit -> len(_order) before it (units loaded since the oldest kept)
        self.skipped: collections.Counter = collections.Counter()
        self.taken = 0
        self.width = encoder.width
        encoder_json = json.dumps(dataclasses.asdict(encoder))

        def unit_args(count: int, encoding: str | None = encoder_json) -> tuple:
            return recipe_json, seed_parts, first + count * stride, unit_programs, split, encoding, max_target_len

        if seen is not None:  # resumed from a checkpoint that kept the programs drawn before `unit`
            self._add(int(pid) for pid in np.asarray(seen, dtype=np.uint64).tolist())
        elif unit:  # resumed from an older checkpoint: draw the units before `unit` again, without
            # encoding, to learn which programs they drew (the sampler's checks compile each one)
            replay = Ordered(fountain_unit, lambda count: unit_args(count, None), 0, workers)
            try:
                for _ in range(unit):
                    self._add(int(pid, 16) for pid in json.loads(replay.get()[0]))
            finally:
                replay.close()
        self.units = Ordered(fountain_unit, unit_args, unit, workers)
        self.unit, self.offset = unit, offset
        self._loaded: int | None = None
        self._items: list[tuple[str, Encoded]] = []

    def _add(self, ids) -> set[int]:
        """Takes `ids` in; returns those no earlier unit drew."""
        fresh = self.distinct.add(ids)
        self._order += fresh
        return set(fresh)

    def seen_before(self, unit: int) -> np.ndarray:
        """The ids (uint64) of the programs drawn by the units before `unit`, in drawing order:
        what a run resumed at `unit` must know to drop repeats. `unit` is one loaded since the
        last `forget`, or the next one."""
        if unit in self._marks:
            return np.array(self._order[:self._marks[unit]], dtype=np.uint64)
        if self._loaded is None or unit == self._loaded + 1:
            return np.array(self._order, dtype=np.uint64)
        raise ValueError(f"fountain unit {unit} is neither loaded since the current pool began nor the next")

    def forget(self, before: int) -> None:
        """Drops the marks of units before `before` (no position will name them again)."""
        for unit in [u for u in self._marks if u < before]:
            del self._marks[unit]

    def _load(self) -> None:
        ids_json, packed = self.units.get()
        self._marks[self.unit] = len(self._order)
        fresh = self._add(int(pid, 16) for pid in json.loads(ids_json))
        self._items = []
        for pid, item in _unpack(packed, self.width):
            if int(pid, 16) not in fresh:
                continue
            if isinstance(item, str):
                self.skipped[item] += 1
            else:
                self._items.append((pid, item))
        self._loaded = self.unit
        if self.distinct.unit_done(added=bool(self._items)):
            raise ValueError(f"{BARREN_UNITS} fountain work units in a row gave no new net: the recipe's "
                             "[generator] settings cannot give more distinct programs; widen them")

    def take(self, n: int) -> list[tuple[str, Encoded]]:
        """The next `n` (program id, item) pairs."""
        taken: list[tuple[str, Encoded]] = []
        while len(taken) < n:
            if self._loaded != self.unit:
                self._load()
            if self.offset >= len(self._items):
                self.unit, self.offset = self.unit + 1, 0
                continue
            more = self._items[self.offset:self.offset + n - len(taken)]
            taken += more
            self.offset += len(more)
        self.taken += len(taken)
        return taken

    def close(self) -> None:
        self.units.close()


class FountainStream:
    """Batches from programs generated while training runs (module docstring). `position`:
    what `position()` returned for the step to resume at, or () to start afresh."""

    kind = "fountain"

    def __init__(self, recipe, encoder: EncoderConfig, max_target_len: int, seed: int, batch_size: int,
                 rank: int = 0, world_size: int = 1, *, reuse: int = 1, unit_programs: int = UNIT_PROGRAMS,
                 workers: int = 0, position: Sequence[int] = (), seen: np.ndarray | None = None):
        recipe, self.note = fountain_recipe(recipe)
        Fountain(recipe, reuse, unit_programs=unit_programs)  # validates them
        if position and len(position) != 3:
            raise ValueError(f"a fountain position is (pool, unit, offset), not {list(position)}")
        first_pool, unit, offset = position or (None, 0, 0)
        self.seed, self.batch_size, self.rank = seed, batch_size, rank
        self.per_pool = POOL * reuse
        self.programs = _Programs(recipe.to_json(), ("fountain", seed), "train", encoder, max_target_len, workers,
                                  unit_programs, first=rank, stride=world_size, unit=unit, offset=offset,
                                  seen=seen if position else None)
        # What a saved position means: resuming with other values would continue another stream.
        self.identity = json.loads(json.dumps({"recipe": recipe.to_dict(), "seed": seed, "batch_size": batch_size,
                                               "reuse": reuse, "unit_programs": unit_programs,
                                               "world_size": world_size}))  # as a checkpoint gives it back
        self.skipped = self.programs.skipped
        self._first_pool = first_pool
        self._pool: tuple[int, tuple[int, int], _Window] | None = None  # (index, where it began, batches)

    @property
    def examples(self) -> int:
        """Fresh nets taken into pools by this process so far."""
        return self.programs.taken

    def batch(self, step: int) -> list[Encoded]:
        pool, index = divmod(step, self.per_pool)
        if self._pool is None or self._pool[0] != pool:
            expected = self._pool[0] + 1 if self._pool else self._first_pool
            if expected is not None and pool != expected:
                raise ValueError(f"the fountain goes forward one pool at a time: step {step} is in pool {pool}, "
                                 f"the next pool is {expected}")
            start = (self.programs.unit, self.programs.offset)
            self.programs.forget(start[0])
            items = [item for _, item in self.programs.take(POOL * self.batch_size)]
            rng = np.random.default_rng([self.seed, pool, self.rank])
            shuffled = [items[i] for i in rng.permutation(len(items))]
            self._pool = (pool, start, _Window.of(shuffled, self.per_pool, self.batch_size, rng, f"pool {pool}",
                                                  self.skipped))
        return self._pool[2].batch(index)

    def position(self, step: int) -> list[int]:
        """(pool, unit, offset): where the pool holding `step` began in the program stream."""
        pool = step // self.per_pool
        if self._pool is not None and pool == self._pool[0]:
            return [pool, *self._pool[1]]
        if self._pool is None or pool == self._pool[0] + 1:
            return [pool, self.programs.unit, self.programs.offset]
        raise ValueError(f"step {step} is neither in the fountain's current pool nor the next")

    def seen(self, step: int) -> np.ndarray:
        """The programs (uint64 ids) drawn before `position(step)`'s unit: saved with a
        checkpoint, so that a resumed run need not draw every earlier unit again."""
        return self.programs.seen_before(self.position(step)[1])

    def close(self) -> None:
        self.programs.close()


def fountain_val_items(recipe, encoder: EncoderConfig, max_target_len: int, n: int, workers: int = 0,
                       unit_programs: int = UNIT_PROGRAMS) -> list[Encoded]:
    """`n` nets of programs in the recipe's val split, generated from a seed fixed by the recipe
    (the same for every run): the fountain's validation set when no corpus gives one."""
    recipe, _ = fountain_recipe(recipe)
    programs = _Programs(recipe.to_json(), ("fountain-val",), "val", encoder, max_target_len, workers, unit_programs)
    try:
        return [item for _, item in programs.take(n)]
    finally:
        programs.close()


# ---------------------------------------------------------------------------------------
# Choosing a stream


@dataclasses.dataclass(frozen=True)
class Fountain:
    """Training data generated while training runs, from `recipe` (a name in datasets/, a .toml
    path or a `generator.recipes.Recipe`), each fresh net used `reuse` times. Validation uses the
    val split of `val_corpus` when given, else nets of the recipe's val split generated once."""

    recipe: Any = "small"
    reuse: int = 1
    val_corpus: str | os.PathLike | None = None
    unit_programs: int = UNIT_PROGRAMS

    def __post_init__(self):
        for field in ("reuse", "unit_programs"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"fountain `{field}` must be a positive integer, not {value!r}")


def open_stream(data, config, rank: int = 0, world_size: int = 1, *, stream: bool | None = None,
                workers: int | None = None, buffer_rows: int = 4096, position: Sequence[int] = (),
                seen: np.ndarray | None = None):
    """(training stream, validation items) for `train`: `data` is a `Fountain`, a corpus
    directory (streamed when `stream`, or, when None, if its train split has more than
    `IN_MEMORY_ROWS` rows; else encoded once into memory), a list of examples, or already
    encoded (train, val) items. `config` is the `TrainConfig`; `workers` the data processes
    (default: the cores left, see `default_workers`). A resumed fountain takes `position` and
    `seen` (what its `position` and `seen` gave when the checkpoint was saved)."""
    from itertools import islice

    from interpreter.data import corpus_examples

    encoder, max_len = config.model.encoder, config.model.max_target_len
    workers = default_workers() if workers is None else workers
    if workers < 0:
        raise ValueError(f"data workers must be >= 0 (0: in the training process), not {workers}")

    def first_encoded(examples) -> list[Encoded]:
        items = (try_encode(e, encoder, max_len) for e in examples)
        return list(islice((item for item in items if not isinstance(item, str)), config.eval_examples))

    def in_memory(examples: Sequence[Example]) -> MemoryStream:
        items = [try_encode(e, encoder, max_len) for e in examples]
        skipped = collections.Counter(item for item in items if isinstance(item, str))
        return MemoryStream([None if isinstance(item, str) else item for item in items], config.seed,
                            config.batch_size, rank, world_size, skipped)

    if isinstance(data, tuple):
        train_items, val_items = data
        return MemoryStream(train_items, config.seed, config.batch_size, rank, world_size), list(val_items)
    if isinstance(data, Fountain):
        val = (first_encoded(corpus_examples(data.val_corpus, "val")) if data.val_corpus is not None else
               fountain_val_items(data.recipe, encoder, max_len, config.eval_examples, workers, data.unit_programs))
        return FountainStream(data.recipe, encoder, max_len, config.seed, config.batch_size, rank, world_size,
                              reuse=data.reuse, unit_programs=data.unit_programs, workers=workers,
                              position=position, seen=seen), val
    if isinstance(data, (str, os.PathLike)):
        from generator.corpus_format import read_manifest

        val = first_encoded(corpus_examples(data, "val"))
        rows = read_manifest(data)["splits"]["train"]["rows"]
        if stream or (stream is None and rows > IN_MEMORY_ROWS):
            return CorpusStream(data, encoder, max_len, config.seed, config.batch_size, rank, world_size,
                                buffer_rows=buffer_rows, workers=workers), val
        return in_memory(list(corpus_examples(data, "train"))), val
    return in_memory([e for e in data if e.split == "train"]), first_encoded(e for e in data if e.split == "val")
