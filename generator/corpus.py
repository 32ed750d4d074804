"""Corpora: Parquet datasets of (program, network) rows, built from a recipe in parallel and resumably.

The layout of a corpus directory, its row schema and the readers: `generator.corpus_format`.

**Work units** follow the row-and-unit contract of `generator.units`. Unit k samples `chunk_size`
programs with a seed derived from (seed, k), compiles each from its canonical text and makes its
variants (scrambles and retrainings with seeds derived from (seed, program_id, variant, j)). Nothing
in a unit depends on where or when it runs. The parent takes units in order, drops every program an
earlier unit already had (same canonical text, so same program_id), stops at `programs`, and writes
the unit's rows split by split, each shard to a temporary file renamed into place, then the unit's
receipt. So rows do not depend on the worker count (the same recipe gives the same shard bytes with
the same package versions), and a build killed at any moment resumes: units with a receipt whose
shards check out are kept, the others are redone, and the manifest comes last.

**Reading** a finished corpus: `generator.corpus_format`.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import functools
import hashlib
import itertools
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from absl import logging
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from compiler.files import TMP_PREFIX, installed_versions, write_atomically
from generator import executors
from generator.corpus_format import (
    BUILD_FILE,
    CHUNKS_DIR,
    DATA_DIR,
    FORMAT_NAME,
    FORMAT_VERSION,
    LOCK_FILE,
    MANIFEST,
    SCHEMA,
    CorpusError,
    read_json,
    sha256_file,
)
from generator.recipes import SPLITS, Recipe, load_recipe
from generator.units import BARREN_UNITS, Distinct, ProgramDropped, draw_unit, program_rows

# Weight blobs are mostly unique floats: dictionary pages and min/max statistics only cost there.
_PLAIN_COLUMNS = ("weights", "program_tokens")
_ROW_GROUP_ROWS = 256  # what a reader decodes at once
_ZSTD_LEVEL = 3


# ---------------------------------------------------------------------------------------
# One work unit (runs in a worker process, a Ray task, or this process)


@contextlib.contextmanager
def _one_thread(with_torch: bool):
    """Workers are processes, one per core: BLAS and torch threads inside them only fight each
    other (7x slower scrambles on a busy 2-core machine), and a thread count could change the
    last bit of a float between builds with different worker counts."""
    with threadpool_limits(limits=1):
        if not with_torch:
            yield
            return
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            yield
        finally:
            torch.set_num_threads(before)


def build_chunk(recipe_json: str, chunk: int) -> tuple[bytes, str]:
    """Work unit `chunk` of the recipe (given as `Recipe.to_json()`): its rows before deduplication
    against other units, as an Arrow IPC stream, and its report as JSON. Only bytes and text cross
    process and machine boundaries."""
    logging.set_verbosity(logging.ERROR)  # tracr warns through absl about programs that are fine
    recipe = _recipe_from_json(recipe_json)
    rows, dropped = [], collections.Counter()
    with _one_thread(with_torch=recipe.variants["retrained"] > 0):
        recipe, programs, sampling = draw_unit(recipe, chunk, recipe.chunk_size)  # its own domain, with [domains]
        for program in programs:
            try:
                rows += program_rows(recipe, program.source, sampling.nets.get(program.source), program)
            except ProgramDropped as drop:
                dropped[drop.reason] += 1
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, SCHEMA) as writer:
        writer.write_table(pa.Table.from_pylist(rows, schema=SCHEMA))
    report = {"candidates": sampling.candidates, "rejected": dict(sampling.rejected), "dropped": dict(dropped)}
    return sink.getvalue().to_pybytes(), json.dumps(report, sort_keys=True)


@functools.lru_cache(maxsize=8)  # a worker runs many units of one recipe
def _recipe_from_json(text: str) -> Recipe:
    return Recipe.from_dict(json.loads(text), source="the build's recipe")


def _executor(workers: int | None, ray_address: str | None):
    if ray_address:
        try:
            return executors.Ray(build_chunk, ray_address)
        except executors.ExecutorError as error:
            raise CorpusError(str(error)) from None
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 0:
        raise CorpusError(f"workers must be >= 0 (0 runs in this process), not {workers}")
    if workers == 0:
        return executors.InProcess(build_chunk)
    return executors.ProcessPool(build_chunk, workers, CorpusError(
        "a worker process died (killed, out of memory, or a script that calls build_corpus without "
        "`if __name__ == '__main__':`, which spawned workers re-import); finished work units are kept: "
        "run the build again to go on"))


# ---------------------------------------------------------------------------------------
# Files


def _write_json(path: Path, data: Any) -> None:
    write_atomically(path, json.dumps(data, indent=1, sort_keys=True) + "\n")


def parquet_bytes(table: pa.Table) -> bytes:
    """A shard's bytes: zstd, row groups of `_ROW_GROUP_ROWS`; the same table gives the same bytes."""
    small = [name for name in table.column_names if name not in _PLAIN_COLUMNS]
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", compression_level=_ZSTD_LEVEL, use_dictionary=small,
                   write_statistics=small, row_group_size=_ROW_GROUP_ROWS)
    return sink.getvalue().to_pybytes()


def package_versions(recipe: Recipe | None = None) -> dict[str, str | None]:
    """Versions of what shapes the rows (and the code's git revision when run from a checkout)."""
    names = ["rasp-fountain", "tracr-pypi", "numpy", "pyarrow", "safetensors"]
    if recipe is not None and recipe.variants["retrained"]:
        names.append("torch")
    versions: dict[str, str | None] = {"python": sys.version.split()[0], **installed_versions(names)}
    versions["git"] = _git_revision()
    return versions


def _git_revision() -> str | None:
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=root,
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None


# ---------------------------------------------------------------------------------------
# Building


def build_corpus(recipe: Recipe | str | os.PathLike, out: str | os.PathLike, *, workers: int | None = None,
                 ray_address: str | None = None, progress: bool = True,
                 log: Callable[[str], None] | None = None) -> dict:
    """Builds (or finishes) the corpus of `recipe` in `out`; returns the manifest.

    `workers`: processes (default: one per core; 0 runs everything in this process).
    `ray_address`: run units as tasks on this Ray cluster instead ("auto", "host:port",
    "ray://host:10001", or "local" for a new instance on this machine).
    Running it again on the same `out` resumes or, when complete, re-verifies and does nothing else.
    """
    recipe = recipe if isinstance(recipe, Recipe) else load_recipe(recipe)
    log = log or (lambda message: print(message, file=sys.stderr))
    executor = _executor(workers, ray_address)  # first: a cluster that is not there leaves no files behind
    try:
        with _Build(recipe, Path(out), log) as build:
            build.run(executor, progress)
            return build.write_manifest()
    finally:
        executor.close()


class _Build:
    """The parent's side of a build: units in order, deduplicated, written, receipted."""

    def __init__(self, recipe: Recipe, out: Path, log: Callable[[str], None]):
        self.recipe, self.out, self.log = recipe, out, log
        self.recipe_json = recipe.to_json()
        if out.exists() and not out.is_dir():
            raise CorpusError(f"{out}: exists and is not a directory")
        if out.is_dir() and not (out / BUILD_FILE).exists() and any(p.name != LOCK_FILE for p in out.iterdir()):
            raise CorpusError(f"{out}: not empty and holds no corpus build; give a new or empty directory")
        out.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            self._prepare()
            self.finished = self._finished_units()
        except BaseException:
            self.lock.close()
            raise
        self.distinct = Distinct()
        self.programs = 0

    def __enter__(self) -> "_Build":
        return self

    def __exit__(self, *exc) -> None:
        self.lock.close()  # releases the lock

    def _prepare(self) -> None:
        out = self.out
        build_file = out / BUILD_FILE
        if build_file.exists():
            previous = read_json(build_file, "written when this corpus's build started")
            started, asked = previous.get("recipe") or {}, self.recipe.to_dict()
            if started != asked:
                differing = sorted(k for k in started.keys() | asked.keys() if started.get(k) != asked.get(k))
                raise CorpusError(f"{out} holds a build of a different recipe (differs in: {', '.join(differing)}); "
                                  "build into a new directory, or delete this one")
            now = package_versions(self.recipe)
            if previous.get("versions") != now:
                changed = sorted(k for k in now if now[k] != previous.get("versions", {}).get(k))
                self.log(f"warning: {out} was started with other versions ({', '.join(changed)}); the units built "
                         "now may not be byte-identical to the earlier ones")
        else:
            _write_json(build_file, {"format": FORMAT_NAME, "version": FORMAT_VERSION,
                                     "recipe": self.recipe.to_dict(), "versions": package_versions(self.recipe)})
        for sub in (CHUNKS_DIR, DATA_DIR):
            (out / sub).mkdir(exist_ok=True)
            for leftover in (out / sub).glob(f"{TMP_PREFIX}*"):  # from a build killed mid-write
                leftover.unlink()

    def _lock(self) -> None:
        """One build per directory at a time (two would write the same temporary files). The lock
        goes with the process, however it ends."""
        self.lock = open(self.out / LOCK_FILE, "a+")
        try:
            fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.lock.close()
            raise CorpusError(f"{self.out}: another build is writing to it; wait for it to end") from None

    def _finished_units(self) -> dict[int, dict]:
        """Receipts whose shards are all present and intact; a broken one is removed (its unit is redone)."""
        finished = {}
        for path in sorted((self.out / CHUNKS_DIR).glob("*.json")):
            if path.name.startswith(TMP_PREFIX):  # a receipt a killed build was writing: its unit is redone
                path.unlink()
                continue
            try:
                receipt = read_json(path, "a work unit's receipt")
                chunk = int(receipt["chunk"])
                problem = next((p for p in map(self._shard_problem, receipt["shards"]) if p), None)
            except (CorpusError, KeyError, TypeError, ValueError) as error:
                chunk, problem = None, str(error)
            if problem or path.name != _receipt_name(chunk):
                self.log(f"warning: {path.name}: {problem or 'misnamed'}; redoing that work unit")
                path.unlink()
                continue
            finished[chunk] = receipt
        return finished

    def _shard_problem(self, shard: dict) -> str | None:
        path = self.out / shard["path"]
        if not path.is_file():
            return f"{shard['path']} is missing"
        if path.stat().st_size != shard["bytes"] or sha256_file(path) != shard["sha256"]:
            return f"{shard['path']} does not match its checksum"
        return None

    def run(self, executor, progress: bool) -> None:
        recipe = self.recipe
        if self.finished:
            self.log(f"resuming {self.out}: {len(self.finished)} work unit(s) already done and verified")
        resumed = sum(s["rows"] for receipt in self.finished.values() for s in receipt["shards"])
        bar = tqdm(total=recipe.rows, initial=resumed, unit=" rows", desc=recipe.name, disable=not progress,
                   dynamic_ncols=True, smoothing=0.05)
        ahead: dict[int, Any] = {}
        next_unit = 0
        try:
            for chunk in itertools.count():
                if self.programs >= recipe.programs:
                    self._drop_units_from(chunk)
                    break
                # Keep the workers busy with units that may still be needed, no further.
                needed = chunk + math.ceil((recipe.programs - self.programs) / self._yield_per_unit(chunk))
                next_unit = max(next_unit, chunk)
                while len(ahead) < executor.capacity and next_unit < needed:
                    if next_unit not in self.finished:
                        ahead[next_unit] = executor.submit(self.recipe_json, next_unit)
                    next_unit += 1
                before = self.programs
                if not (chunk in self.finished and self._take_finished(chunk)):
                    handle = ahead.pop(chunk) if chunk in ahead else executor.submit(self.recipe_json, chunk)
                    bar.update(self._commit(chunk, *self._result(executor, handle, chunk)))
                if self.distinct.unit_done(added=self.programs > before):
                    raise CorpusError(f"{BARREN_UNITS} work units in a row added no new program ({self.programs} of "
                                      f"{recipe.programs} so far): the recipe's [generator] settings cannot give "
                                      "that many distinct programs; lower `programs` or widen [generator]")
        finally:
            bar.close()

    def _yield_per_unit(self, chunk: int) -> float:
        """New programs per unit so far (chunk_size before any is seen)."""
        return max(1.0, self.programs / chunk) if chunk else float(self.recipe.chunk_size)

    @staticmethod
    def _result(executor, handle, chunk: int) -> tuple[bytes, str]:
        try:
            return executor.result(handle)
        except (RuntimeError, ValueError) as error:  # the sampler's "config too narrow", a bad option
            raise CorpusError(f"work unit {chunk}: {error}") from error

    def _take_finished(self, chunk: int) -> bool:
        """Counts a finished unit in, unless its programs overlap earlier units' or overshoot the
        recipe's count (possible only when package versions changed mid-build): then it is redone."""
        receipt = self.finished[chunk]
        ids = {pid for shard in receipt["shards"]
               for pid in pq.read_table(self.out / shard["path"], columns=["program_id"])["program_id"].to_pylist()}
        if (ids & self.distinct.seen or len(ids) != receipt["programs"]
                or self.programs + len(ids) > self.recipe.programs):
            self.log(f"warning: work unit {chunk} does not fit the units before it; redoing it")
            self._drop_units_from(chunk, only=True)
            return False
        self.distinct.add(sorted(ids))
        self.programs += len(ids)
        return True

    def _drop_units_from(self, chunk: int, only: bool = False) -> None:
        """Removes the receipts and shards of unit `chunk` (and, unless `only`, of every later unit:
        left by a build with other package versions that needed more units)."""
        for unit in sorted(u for u in self.finished if u == chunk or (u > chunk and not only)):
            (self.out / CHUNKS_DIR / _receipt_name(unit)).unlink()  # first: a unit without a receipt is redone
            for shard in self.finished.pop(unit)["shards"]:
                (self.out / shard["path"]).unlink(missing_ok=True)

    def _commit(self, chunk: int, rows_ipc: bytes, report_json: str) -> int:
        """Writes the unit's new programs' rows and its receipt; returns the rows written."""
        table = pa.ipc.open_stream(rows_ipc).read_all()
        ids = table.column("program_id").to_pylist()
        in_order = list(dict.fromkeys(ids))
        fresh = self.distinct.new(in_order)
        kept = set(fresh[:self.recipe.programs - self.programs])
        table = table.filter(pa.array([pid in kept for pid in ids]))
        shards = []
        for split in SPLITS:
            part = table.filter(pc.equal(table.column("split"), split))
            path = self.out / DATA_DIR / f"{split}-{chunk:06d}.parquet"
            if part.num_rows == 0:
                path.unlink(missing_ok=True)  # left by a build with other package versions
                continue
            data = parquet_bytes(part)
            write_atomically(path, data)
            variants = collections.Counter(part.column("variant").to_pylist())
            shards.append({"path": f"{DATA_DIR}/{path.name}", "split": split, "rows": part.num_rows,
                           "programs": len(set(part.column("program_id").to_pylist())),
                           "variants": dict(sorted(variants.items())), "bytes": len(data),
                           "weights_bytes": int(pc.sum(pc.binary_length(part.column("weights"))).as_py()),
                           "sha256": hashlib.sha256(data).hexdigest()})
        report = json.loads(report_json)
        receipt = {"chunk": chunk, "programs": len(kept), "duplicates": len(in_order) - len(fresh),
                   "surplus": len(fresh) - len(kept), **report, "shards": shards}
        _write_json(self.out / CHUNKS_DIR / _receipt_name(chunk), receipt)
        self.finished[chunk] = receipt
        self.distinct.add(pid for pid in fresh if pid in kept)
        self.programs += len(kept)
        return table.num_rows

    def write_manifest(self) -> dict:
        """The manifest from the receipts, written unless the one there is the same; a damaged
        manifest is rewritten (it is derived data), and shard files no receipt lists (left by
        an older build, or copied in) are removed, so that `corpus verify` passes after a build."""
        receipts = [self.finished[c] for c in sorted(self.finished)]
        manifest = manifest_from_receipts(self.recipe, receipts)
        listed = {shard["path"] for receipt in receipts for shard in receipt["shards"]}
        for stray in sorted((self.out / DATA_DIR).glob("*.parquet")):
            if f"{DATA_DIR}/{stray.name}" not in listed:
                stray.unlink()
                self.log(f"removed {DATA_DIR}/{stray.name}: a shard no work unit's receipt lists")
        path = self.out / MANIFEST
        try:
            same = path.exists() and read_json(path, "the corpus manifest") == manifest
        except CorpusError as error:
            self.log(f"rewriting the manifest: {error}")
            same = False
        if not same:
            _write_json(path, manifest)
        return manifest


def _receipt_name(chunk: int | None) -> str:
    return f"{chunk:06d}.json"


def manifest_from_receipts(recipe: Recipe, receipts: list[dict]) -> dict:
    """The manifest: the same receipts give the same manifest (no times, no worker counts)."""
    splits = {s: {"programs": 0, "rows": 0, "bytes": 0, "variants": collections.Counter()} for s in SPLITS}
    rejected, dropped = collections.Counter(), collections.Counter()
    shards = []
    for receipt in receipts:
        rejected.update(receipt["rejected"])
        dropped.update(receipt["dropped"])
        for shard in receipt["shards"]:
            totals = splits[shard["split"]]
            for key in ("programs", "rows", "bytes"):
                totals[key] += shard[key]
            totals["variants"].update(shard["variants"])
            shards.append(shard)
    shards.sort(key=lambda s: (SPLITS.index(s["split"]), s["path"]))
    for totals in splits.values():
        totals["variants"] = dict(sorted(totals["variants"].items()))
    return {
        "format": FORMAT_NAME, "version": FORMAT_VERSION, "name": recipe.name,
        "recipe": recipe.to_dict(), "versions": package_versions(recipe),
        "schema": {field.name: str(field.type) for field in SCHEMA},
        "programs": sum(r["programs"] for r in receipts), "rows": sum(s["rows"] for s in shards),
        "bytes": sum(s["bytes"] for s in shards), "weights_bytes": sum(s["weights_bytes"] for s in shards),
        "splits": splits,
        "sampling": {"work_units": len(receipts), "candidates": sum(r["candidates"] for r in receipts),
                     "rejected": dict(rejected.most_common()), "dropped": dict(dropped.most_common()),
                     "duplicates_across_units": sum(r["duplicates"] for r in receipts)},
        "shards": shards,
    }


# ---------------------------------------------------------------------------------------
# Reading


__all__ = ["build_chunk", "build_corpus", "manifest_from_receipts", "package_versions", "parquet_bytes"]
