"""Training streams: which encoded nets make each step's batch, from memory, from a corpus read
window by window, or from programs generated while training runs (`interpreter.fountain_stream`).
Every stream cuts windows of rows into batches one way (`interpreter.batching`).

* `MemoryStream`: one window per epoch holding every training item, encoded once (key: seed,
  epoch, 0). For corpora of up to `IN_MEMORY_ROWS` training rows, and lists of examples.
* `CorpusStream`: each epoch a seeded order of the train shards, grouped into windows of at
  least `buffer_rows` rows (key: seed, epoch, window). Worker processes read and encode the
  windows ahead of training, in slices of `SLICE_ROWS` rows, each training process's workers only
  its share. Memory holds the window in use and the slices encoded ahead (the next window's and
  two per worker), whatever the corpus size. A window holding every shard gives `MemoryStream`'s batches.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from interpreter.batching import Ordered, Window, deal, default_workers, pack, unpack
from interpreter.data import EXAMPLE_COLUMNS, Encoded, Example, example_from_row, try_encode
from interpreter.encoding import EncoderConfig
from interpreter.fountain_stream import Fountain, FountainStream, fountain_val_items

#: Corpora with at most this many training rows are encoded once and kept in memory.
IN_MEMORY_ROWS = 50_000
#: Rows of a streamed corpus window that one worker task encodes.
SLICE_ROWS = 256




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
        self._window: tuple[int, Window] | None = None

    def batch(self, step: int) -> list[Encoded]:
        epoch, index = divmod(step, self.per_epoch)
        if self._window is None or self._window[0] != epoch:
            mine, n_batches, rng = deal(len(self.items), (self.seed, epoch, 0), self.batch_size, self.rank,
                                        self.world_size)
            self._window = (epoch, Window.of([self.items[i] for i in mine], n_batches, self.batch_size, rng,
                                              "training set", self.skipped))
        return self._window[1].batch(index)

    def position(self, step: int) -> list[int]:
        return []

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------------------
# Work in spawned processes, results in order


# ---------------------------------------------------------------------------------------
# A corpus, streamed


def encode_rows(paths: Sequence[str], wanted: Sequence[int], encoder_json: str, max_target_len: int) -> bytes:
    """Rows `wanted` (positions in the shards `paths` read one after another), encoded, in that
    order, as `pack` bytes. Runs in a worker process."""
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
    return pack(entries)


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
        self._window: tuple[int, Window] | None = None         # (window number, its batches)

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
                       for entry in unpack(self._reader.get(), self.width)]
            self._reading = number + 1
            if epoch == 0:  # later epochs leave out the same rows again
                self.skipped.update(item for _, item in entries if isinstance(item, str))
            _, rows = self.windows(epoch)[w]
            _, n_batches, rng = deal(rows, (self.seed, epoch, w), self.batch_size, self.rank, self.world_size)
            share = [None if isinstance(item, str) else item for _, item in entries]
            self._window = (number, Window.of(share, n_batches, self.batch_size, rng,
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


# ---------------------------------------------------------------------------------------
# Choosing a stream


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
                              position=position, seen=seen, distinct_encodings=data.distinct_encodings), val
    if isinstance(data, (str, os.PathLike)):
        from generator.corpus_format import read_manifest

        val = first_encoded(corpus_examples(data, "val"))
        rows = read_manifest(data)["splits"]["train"]["rows"]
        if stream or (stream is None and rows > IN_MEMORY_ROWS):
            return CorpusStream(data, encoder, max_len, config.seed, config.batch_size, rank, world_size,
                                buffer_rows=buffer_rows, workers=workers), val
        return in_memory(list(corpus_examples(data, "train"))), val
    return in_memory([e for e in data if e.split == "train"]), first_encoded(e for e in data if e.split == "val")
