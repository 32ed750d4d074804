"""What a corpus is on disk, and reading one: its layout, its row schema, its manifest, its shards.

Layout of a corpus directory:

    build.json                  the recipe and package versions, written when a build starts
    chunks/000003.json          the receipt of finished work unit 3: its shards, their sha256, counts
    data/train-000003.parquet   work unit 3's rows in the train split (likewise val-, test-); zstd
    manifest.json               written last: recipe, versions, counts, every shard's sha256

**Splits** are by program: `split_of(program_id)` hashes the id with the recipe's `split_seed`, so
every variant of a program lands in one split and no program (canonical text) is in two.

**Rows** (one per network; columns may be added, never renamed):

    program_id      string      first 16 hex digits of sha256(source); unique per program
    source          string      canonical text (compiler.to_source)
    program_tokens  list<int32> compiler.language.tokenizer.encode(source): <bos> ... <eos>
    vocab           string      JSON list of the input tokens, sorted
    max_seq_len     int32
    variant         string      "compiled" | "scrambled" | "retrained"
    variant_seed    int64       seed given to scramble/retrain (0 for compiled)
    weights         binary      Net.to_bytes() (safetensors); compiler.Net.from_bytes decodes it
    config          string      JSON of the net's NetConfig fields
    n_ops, n_layers, d_model    int32
    split           string      "train" | "val" | "test"

**Reading:**

    read_manifest(dir)                                    # the manifest, as a dict
    read_rows(dir, split=None, columns=None)              # iterator of row dicts, bounded memory
    data_files(dir)                                       # {"train": [paths], "val": ..., "test": ...}
    datasets.load_dataset("parquet", data_files=data_files(dir))             # Hugging Face
    pyarrow.parquet.read_table(f"{dir}/data", filters=[("split", "=", "val")])
    generator.CorpusDataset(dir, split="train", shuffle_seed=0)              # torch IterableDataset
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from generator.recipes import SPLITS

FORMAT_NAME = "rasp-fountain.corpus"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BUILD_FILE = "build.json"
LOCK_FILE = ".lock"
CHUNKS_DIR = "chunks"
DATA_DIR = "data"

SCHEMA = pa.schema([
    ("program_id", pa.string()),
    ("source", pa.string()),
    ("program_tokens", pa.list_(pa.int32())),
    ("vocab", pa.string()),
    ("max_seq_len", pa.int32()),
    ("variant", pa.string()),
    ("variant_seed", pa.int64()),
    ("weights", pa.binary()),
    ("config", pa.string()),
    ("n_ops", pa.int32()),
    ("n_layers", pa.int32()),
    ("d_model", pa.int32()),
    ("split", pa.string()),
])


class CorpusError(ValueError):
    """A corpus that cannot be built or read as asked; says which directory or file, and why."""


def read_json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError(f"{path}: missing ({what})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: not valid JSON ({what}): {error}") from None
    if not isinstance(data, dict):
        raise CorpusError(f"{path}: not a JSON object ({what})")
    return data


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(directory: str | os.PathLike) -> dict:
    """The manifest of a finished corpus; CorpusError if the build has not finished."""
    directory = Path(directory)
    path = directory / MANIFEST
    if not path.exists():
        if (directory / BUILD_FILE).exists():
            raise CorpusError(f"{directory}: the build has not finished (no {MANIFEST}); run the same "
                              "`fountain corpus build` command again to finish it")
        raise CorpusError(f"{directory}: not a corpus (no {MANIFEST})")
    rebuild = (f"; run `fountain corpus build RECIPE -o {directory}` again to rewrite it from the work units' "
               "receipts")
    try:
        manifest = read_json(path, "the corpus manifest")
    except CorpusError as error:
        raise CorpusError(f"{error}{rebuild}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME \
            or manifest.get("version") != FORMAT_VERSION:
        raise CorpusError(f"{path}: not a version-{FORMAT_VERSION} {FORMAT_NAME} manifest{rebuild}")
    problem = _manifest_problem(manifest)
    if problem:
        raise CorpusError(f"{path}: {problem}{rebuild}")
    return manifest


def _manifest_problem(manifest: dict) -> str | None:
    """The first field of a manifest with the wrong type (what readers index into), or None."""
    def count(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    for key in ("programs", "rows"):
        if not count(manifest.get(key)):
            return f"{key} must be a non-negative integer, not {manifest.get(key)!r:.60}"
    if not isinstance(manifest.get("recipe"), dict):
        return "recipe must be an object"
    splits = manifest.get("splits")
    if not isinstance(splits, dict) or not all(isinstance(v, dict) and count(v.get("rows")) for v in splits.values()):
        return "splits must map each split to an object with a non-negative integer rows"
    shards = manifest.get("shards")
    if not isinstance(shards, list):
        return f"shards must be a list, not {type(shards).__name__}"
    for index, shard in enumerate(shards):
        if not isinstance(shard, dict):
            return f"shards[{index}] must be an object"
        if not isinstance(shard.get("path"), str) or shard.get("split") not in SPLITS or not count(shard.get("rows")):
            return (f"shards[{index}] needs a path (string), a split ({', '.join(SPLITS)}) and rows (a non-negative "
                    "integer)")
        if Path(shard["path"]).is_absolute() or ".." in Path(shard["path"]).parts:
            return f"shards[{index}].path {shard['path']!r} leaves the corpus directory"
    return None


#: Other names of a split (Hugging Face calls the middle one "validation").
SPLIT_ALIASES = {"validation": "val"}


def split_name(split: str | None) -> str | None:
    """The corpus's name of a split, accepting `SPLIT_ALIASES`; CorpusError for an unknown one."""
    split = SPLIT_ALIASES.get(split, split)
    if split is not None and split not in SPLITS:
        raise CorpusError(f"unknown split {split!r}; splits are {', '.join(SPLITS)} (or validation)")
    return split


def shard_paths(directory: str | os.PathLike, split: str | None = None) -> list[Path]:
    """The shards of a finished corpus (one split, or all), in build order."""
    split = split_name(split)
    manifest = read_manifest(directory)
    return [Path(directory) / s["path"] for s in manifest["shards"] if split in (None, s["split"])]


def data_files(directory: str | os.PathLike) -> dict[str, list[str]]:
    """Shard paths per non-empty split, as `datasets.load_dataset("parquet", data_files=...)` takes them."""
    files = {split: [str(p) for p in shard_paths(directory, split)] for split in SPLITS}
    return {split: paths for split, paths in files.items() if paths}


def read_rows(directory: str | os.PathLike, split: str | None = None,
              columns: list[str] | None = None, batch_rows: int = 64) -> Iterator[dict]:
    """Rows as dicts (weights as bytes), shard by shard, `batch_rows` decoded at a time."""
    check_columns(columns)
    for path in shard_paths(directory, split):
        yield from shard_rows(path, directory, columns, batch_rows)


def check_columns(columns: list[str] | None) -> None:
    """CorpusError for a column the corpus schema does not have."""
    if columns is not None and (unknown := [c for c in columns if c not in SCHEMA.names]):
        raise CorpusError(f"unknown column(s) {unknown}; columns are {', '.join(SCHEMA.names)}")


def shard_rows(path: Path, directory: str | os.PathLike, columns: list[str] | None = None,
               batch_rows: int = 64) -> Iterator[dict]:
    """One shard's rows as dicts, `batch_rows` decoded at a time: what every streamed read of a corpus
    goes through, so a missing or damaged shard is one `CorpusError` naming it (`naming_shard`)."""
    with naming_shard(path, directory):
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=columns):
            yield from batch.to_pylist()


def read_table(directory: str | os.PathLike, split: str | None = None,
               columns: list[str] | None = None) -> pa.Table:
    """A whole split (or corpus) as one Arrow table, in memory."""
    paths = shard_paths(directory, split)
    if not paths:
        return SCHEMA.empty_table() if columns is None else SCHEMA.empty_table().select(columns)
    tables = []
    for path in paths:
        with naming_shard(path, directory):
            tables.append(pq.read_table(path, columns=columns))
    return pa.concat_tables(tables)


@contextlib.contextmanager
def naming_shard(path: Path, directory: str | os.PathLike):
    """A shard that is missing or not Parquet is one CorpusError naming it and what to run."""
    try:
        yield
    except (OSError, pa.ArrowException) as error:
        reason = "missing" if not Path(path).exists() else f"unreadable ({str(error).splitlines()[0][:100]})"
        raise CorpusError(f"{path}: {reason}; `fountain corpus verify {os.fspath(directory)}` lists every damaged "
                          "shard") from None
