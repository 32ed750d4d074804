"""A torch `IterableDataset` that streams one split of a corpus with bounded memory, for training.

    dataset = CorpusDataset("corpora/small", split="train", shuffle_seed=0,
                            columns=["program_tokens", "weights"])
    loader = torch.utils.data.DataLoader(dataset, batch_size=32, num_workers=2, collate_fn=my_collate,
                                         multiprocessing_context="spawn")  # jax's threads: no fork
    for epoch in range(epochs):
        dataset.set_epoch(epoch)          # a new shard order and shuffle each epoch
        for batch in loader: ...

Each consumer (DataLoader worker, times torch.distributed rank when a process group is up) reads
its own share of the shards: shard i goes to consumer i mod n, or, when there are fewer shards
than consumers, row i of the stream goes to consumer i mod n. Either way every row is read by
exactly one consumer per epoch. Memory holds `shuffle_buffer` rows plus one decoded batch of
`batch_rows`, whatever the corpus size. Rows are dicts of Python values (weights as bytes);
`transform` maps each row before it is yielded (e.g. to tensors), in the worker.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any, Callable, Iterator

import torch

from generator.corpus_format import check_columns, read_manifest, shard_paths, shard_rows, split_name


class CorpusDataset(torch.utils.data.IterableDataset):
    """One split of a corpus, streamed (see the module docstring).

    `shuffle_seed=None` reads shards and rows in build order; otherwise the shard order and a
    `shuffle_buffer`-row streaming shuffle follow (shuffle_seed, epoch).
    """

    def __init__(self, directory: str | os.PathLike, split: str = "train", *, columns: list[str] | None = None,
                 shuffle_seed: int | None = None, shuffle_buffer: int = 1024, batch_rows: int = 64,
                 transform: Callable[[dict], Any] | None = None):
        super().__init__()
        check_columns(columns)
        if shuffle_buffer < 1 or batch_rows < 1:
            raise ValueError("shuffle_buffer and batch_rows must be >= 1")
        self.directory = Path(directory)
        self.split = split = split_name(split)
        self.columns = columns
        self.shuffle_seed = shuffle_seed
        self.shuffle_buffer = shuffle_buffer
        self.batch_rows = batch_rows
        self.transform = transform
        self.epoch = 0
        self.shards = shard_paths(directory, split)
        self.rows = read_manifest(directory)["splits"][split]["rows"]

    def set_epoch(self, epoch: int) -> None:
        """Call before each epoch's iteration: reshuffles (the workers get a copy of this state)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return self.rows

    def __iter__(self) -> Iterator[Any]:
        consumer, consumers = _consumer()
        shards = list(self.shards)
        rng = random.Random(f"{self.shuffle_seed}/{self.epoch}/{consumer}")
        if self.shuffle_seed is not None:
            random.Random(f"{self.shuffle_seed}/{self.epoch}").shuffle(shards)  # the same order in every consumer
        by_shard = len(shards) >= consumers
        mine = shards[consumer::consumers] if by_shard else shards
        rows = self._rows(mine) if by_shard else (row for i, row in enumerate(self._rows(mine))
                                                   if i % consumers == consumer)
        if self.shuffle_seed is not None:
            rows = _shuffled(rows, self.shuffle_buffer, rng)
        for row in rows:
            yield self.transform(row) if self.transform else row

    def _rows(self, shards: list[Path]) -> Iterator[dict]:
        for path in shards:
            yield from shard_rows(path, self.directory, self.columns, self.batch_rows)


def _consumer() -> tuple[int, int]:
    """(index, count) of this reader among DataLoader workers x distributed ranks."""
    rank, world = 0, 1
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        rank, world = torch.distributed.get_rank(), torch.distributed.get_world_size()
    info = torch.utils.data.get_worker_info()
    worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
    return rank * workers + worker, world * workers


def _shuffled(rows: Iterator[dict], size: int, rng: random.Random) -> Iterator[dict]:
    """A streaming shuffle: each row leaves from a random place in a buffer of `size` rows."""
    buffer: list[dict] = []
    for row in rows:
        if len(buffer) < size:
            buffer.append(row)
            continue
        i = rng.randrange(size)
        buffer[i], row = row, buffer[i]
        yield row
    rng.shuffle(buffer)
    yield from buffer
