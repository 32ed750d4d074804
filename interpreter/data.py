"""Training examples: (net, canonical source) pairs from a corpus directory or drawn in memory,
tokenised on both sides and batched with padding.

A data source is either a corpus directory (Parquet shards written by `generator.corpus`) or a
list of `Example`s; `load_examples` takes both, so training, evaluation and tests share one path.
"""

from __future__ import annotations

import collections
import dataclasses
import os
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np
import torch

from compiler.language import tokenizer
from compiler.nets.net import Net
from interpreter.encoding import EncodedNet, EncoderConfig, EncodingError, encode_net

PAD_ID = tokenizer.vocabulary().index(tokenizer.PAD)
BOS_ID = tokenizer.vocabulary().index(tokenizer.BOS)
EOS_ID = tokenizer.vocabulary().index(tokenizer.EOS)


@dataclasses.dataclass(frozen=True)
class Example:
    """A network and the canonical source it was compiled from."""

    net: Net
    source: str
    variant: str = "compiled"
    split: str = "train"
    program_id: str = ""

    @property
    def n_ops(self) -> int:
        return sum(1 for line in self.source.splitlines() if not line.startswith("return"))


Source = str | os.PathLike | Sequence[Example]


def load_examples(source: Source, split: str | None = None) -> list[Example]:
    """Examples of `split` (all when None) from a corpus directory or a list of examples."""
    from generator.corpus_format import split_name

    split = split_name(split)
    if isinstance(source, (str, os.PathLike)):
        return list(corpus_examples(source, split))
    return [e for e in source if split is None or e.split == split]


def corpus_examples(directory: str | os.PathLike, split: str | None = None) -> Iterator[Example]:
    """The examples of a corpus directory built by `generator.corpus`."""
    if not Path(directory).is_dir():
        raise FileNotFoundError(f"no corpus directory {os.fspath(directory)!r} (build one with "
                                "`fountain corpus build`)")
    from generator.corpus_format import read_rows

    for row in read_rows(directory, split=split, columns=list(EXAMPLE_COLUMNS)):
        yield example_from_row(row, f"{os.fspath(directory)}:{row['program_id']}")


EXAMPLE_COLUMNS = ("program_id", "source", "variant", "split", "weights")


def example_from_row(row: dict, where: str) -> Example:
    """The example of a corpus row (`EXAMPLE_COLUMNS` at least); `where` names it in errors."""
    net = Net.from_bytes(row["weights"], source=where)
    return Example(net, row["source"], row["variant"], row["split"], row["program_id"])


def sample_examples(n: int, recipe: str | os.PathLike = "tiny", seed: int = 0) -> list[Example]:
    """The examples of `n` programs drawn in memory as a corpus of `recipe` (a name in datasets/
    or a .toml path) would hold them: same variants, same splits, the same programs dropped;
    for tests and corpus-free runs."""
    import generator
    from generator.recipes import load_recipe
    from generator.units import ProgramDropped, program_rows

    config = dataclasses.replace(load_recipe(recipe), programs=n, seed=seed)
    examples = []
    for program in generator.sample(n, seed, config.generator)[0]:
        try:
            rows = program_rows(config, program.source, program=program)
        except ProgramDropped:  # as a corpus build drops it (no scramble seed within tolerance)
            continue
        examples += [example_from_row(row, f"program {row['program_id']}") for row in rows]
    return examples


@dataclasses.dataclass(frozen=True)
class Encoded:
    """One example as the model reads it: weight tokens and target ids (BOS ... EOS). Items
    streamed from worker processes carry no `example` (training needs only the arrays)."""

    values: np.ndarray
    tags: np.ndarray
    target: np.ndarray
    example: Example | None = None

    @property
    def tokens(self) -> EncodedNet:
        return EncodedNet(self.values, self.tags)

    def __len__(self) -> int:
        """Weight tokens plus program tokens: what a batch pads to."""
        return len(self.values) + len(self.target)


def too_long(max_target_len: int) -> str:
    """Why a program of more than `max_target_len` tokens is left out."""
    return f"program over {max_target_len} tokens"


def try_encode(example: Example, encoder: EncoderConfig, max_target_len: int) -> Encoded | str:
    """The encoded example, or why it is left out (too many weight tokens, a program longer
    than `max_target_len` tokens, ...)."""
    target = np.array(tokenizer.encode(example.source), dtype=np.int64)
    if len(target) > max_target_len:
        return too_long(max_target_len)
    try:
        tokens = encode_net(example.net, encoder)
    except EncodingError as error:
        return error.reason  # without the hint for training another model: a count of reasons
    return Encoded(tokens.values, tokens.tags, target, example)


def encode_examples(examples: Iterable[Example], encoder: EncoderConfig,
                    max_target_len: int) -> tuple[list[Encoded], collections.Counter]:
    """Encoded examples, and a count of those left out by reason (see `try_encode`)."""
    kept, skipped = [], collections.Counter()
    for example in examples:
        item = try_encode(example, encoder, max_target_len)
        if isinstance(item, str):
            skipped[item] += 1
        else:
            kept.append(item)
    return kept, skipped


@dataclasses.dataclass
class Batch:
    """Padded tensors of a batch: weight tokens with their mask, and targets (PAD-filled)."""

    values: torch.Tensor      # [B, N, width] float
    tags: torch.Tensor        # [B, N, n_tags] long
    token_mask: torch.Tensor  # [B, N] bool, True where a token is real
    targets: torch.Tensor     # [B, T] long, BOS ... EOS then PAD

    def to(self, device: torch.device) -> "Batch":
        return Batch(*(t.to(device) for t in dataclasses.astuple(self)))


def collate(items: Sequence[Encoded]) -> Batch:
    n = max(len(item.values) for item in items)
    t = max(len(item.target) for item in items)
    width, n_tags = items[0].values.shape[1], items[0].tags.shape[1]
    values = np.zeros((len(items), n, width), dtype=np.float32)
    tags = np.zeros((len(items), n, n_tags), dtype=np.int64)
    mask = np.zeros((len(items), n), dtype=bool)
    targets = np.full((len(items), t), PAD_ID, dtype=np.int64)
    for i, item in enumerate(items):
        k = len(item.values)
        values[i, :k], tags[i, :k], mask[i, :k] = item.values, item.tags, True
        targets[i, :len(item.target)] = item.target
    return Batch(torch.from_numpy(values), torch.from_numpy(tags), torch.from_numpy(mask),
                 torch.from_numpy(targets))

