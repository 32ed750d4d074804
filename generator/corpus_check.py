"""Checking and describing a built corpus: `verify_corpus` (every byte and row) and `describe_corpus`.

`verify_corpus` trusts nothing but the files: each shard's size and sha256 against the manifest,
its schema and row count, and every row: the program parses and prints back to its source, the
id and tokens are those of the source, the weights decode to a `Net` whose config, provenance
and shape columns agree with the row, and the split is the one the program's id draws. Then the
totals: counts per split and variant as the manifest says, every program with all its variants,
no program in two splits, no stray shard. Each problem names the file it is in.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from tqdm import tqdm

import compiler
from compiler.compiling.check import check_net
from compiler.language.literals import value_sort_key
from compiler.language.tokenizer import decode
from generator.corpus_format import (
    BUILD_FILE,
    CHUNKS_DIR,
    DATA_DIR,
    MANIFEST,
    SCHEMA,
    CorpusError,
    naming_shard,
    read_json,
    read_manifest,
    sha256_file,
)
from generator.recipes import SPLITS, VARIANTS, Recipe, RecipeError
from generator.units import program_id, split_of

_PROBLEMS_PER_SHARD = 20  # after these, a shard's further problems are counted, not listed


@dataclasses.dataclass
class VerifyReport:
    """What `verify_corpus` found: problems (empty when the corpus is sound) and what it read."""

    problems: list[str] = dataclasses.field(default_factory=list)
    shards: int = 0
    rows: int = 0
    programs: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def format(self) -> str:
        if self.ok:
            return f"ok: {self.shards} shards, {self.rows} rows, {self.programs} programs verified"
        return "\n".join([*self.problems, f"FAILED: {len(self.problems)} problem(s) in {self.shards} shards"])


def verify_corpus(directory: str | os.PathLike, progress: bool = False, deep: float = 0.0) -> VerifyReport:
    """Checks a finished corpus (see the module docstring); never raises for a bad corpus.

    `deep`: the fraction of compiled and scrambled networks (chosen by a hash of their program id,
    so the same ones every time; 1.0 is all) that are also run against their programs
    (`compiler.compiling.check.check_net`: every input, or a sample and a hypothesis search). The
    checksums only say the bytes are the ones written; this says the networks are right."""
    directory = Path(directory)
    report = VerifyReport()
    try:
        manifest = read_manifest(directory)
        recipe = Recipe.from_dict(manifest["recipe"], source=str(directory / MANIFEST))
        shards = manifest["shards"]
        listed = {shard["path"] for shard in shards}
    except (CorpusError, RecipeError, KeyError, TypeError) as error:
        report.problems.append(str(error) if isinstance(error, ValueError) else f"{directory / MANIFEST}: "
                               f"malformed ({type(error).__name__}: {error})")
        return report
    for path in sorted((directory / DATA_DIR).glob("*.parquet")):
        if f"{DATA_DIR}/{path.name}" not in listed:
            report.problems.append(f"{DATA_DIR}/{path.name}: a shard the manifest does not list")
    totals = _Totals()
    for shard in tqdm(shards, unit=" shards", desc="verify", disable=not progress):
        problems = _ShardCheck(directory, shard, recipe, totals, deep).run()
        report.shards += 1
        report.problems += problems[:_PROBLEMS_PER_SHARD]
        if len(problems) > _PROBLEMS_PER_SHARD:
            report.problems.append(f"{shard['path']}: ... and {len(problems) - _PROBLEMS_PER_SHARD} more problems")
    report.rows = sum(totals.rows.values())
    report.programs = len(totals.split_of)
    report.problems += totals.problems(manifest, recipe)
    return report


@dataclasses.dataclass
class _Totals:
    """What the rows of every shard add up to."""

    rows: collections.Counter = dataclasses.field(default_factory=collections.Counter)  # (split, variant)
    split_of: dict = dataclasses.field(default_factory=dict)  # program_id -> split
    variants: dict = dataclasses.field(default_factory=lambda: collections.defaultdict(collections.Counter))
    in_two_splits: set = dataclasses.field(default_factory=set)
    networks: collections.Counter = dataclasses.field(default_factory=collections.Counter)  # (id, variant, seed)

    def problems(self, manifest: dict, recipe: Recipe) -> list[str]:
        problems = []
        for split in SPLITS:
            expected = manifest["splits"][split]
            counted = {v: self.rows[split, v] for v in VARIANTS if self.rows[split, v]}
            if counted != expected["variants"]:
                problems.append(f"{MANIFEST}: split {split} has rows {counted}, the manifest says "
                                f"{expected['variants']}")
            programs = sum(1 for s in self.split_of.values() if s == split)
            if programs != expected["programs"]:
                problems.append(f"{MANIFEST}: split {split} has {programs} programs, the manifest says "
                                f"{expected['programs']}")
        if len(self.split_of) != recipe.programs:
            problems.append(f"{MANIFEST}: {len(self.split_of)} programs, the recipe asks for {recipe.programs}")
        wanted = {v: n for v, n in recipe.variants.items() if n}
        incomplete = [pid for pid, counts in self.variants.items() if dict(counts) != wanted]
        if incomplete:
            problems.append(f"{len(incomplete)} program(s) without exactly the recipe's variants {wanted}, "
                            f"e.g. {incomplete[0]}: {dict(self.variants[incomplete[0]])}")
        if self.in_two_splits:
            problems.append(f"{len(self.in_two_splits)} program(s) in more than one split, e.g. "
                            f"{sorted(self.in_two_splits)[0]}")
        repeated = [key for key, n in self.networks.items() if n > 1]
        if repeated:
            problems.append(f"{len(repeated)} network(s) stored more than once, e.g. {repeated[0]}")
        return problems


def _chosen(program_id: str, fraction: float) -> bool:
    """Whether `program_id` is in the `fraction` of programs a deep check runs (by its hash)."""
    return fraction >= 1.0 or int(program_id[:8], 16) < fraction * 16**8


class _ShardCheck:
    """One shard: bytes, schema, then every row (see the module docstring)."""

    def __init__(self, directory: Path, shard: dict, recipe: Recipe, totals: _Totals, deep: float = 0.0):
        self.path = directory / shard["path"]
        self.shard, self.recipe, self.totals, self.deep = shard, recipe, totals, deep
        self.problems: list[str] = []
        unit = recipe  # the domain of this shard's rows
        if recipe.domains:  # shards are named SPLIT-UNIT.parquet; each unit drew its own domain
            try:
                unit = recipe.for_unit(int(shard["path"].rsplit("-", 1)[1].split(".")[0]))
            except (ValueError, IndexError):
                self.problem("the name does not say its work unit (SPLIT-UNIT.parquet)")
        self.vocab, self.max_seq_len = json.dumps(sorted(unit.vocab, key=value_sort_key)), unit.max_seq_len
        self.parsed: dict[str, object] = {}  # source -> program (variants share their program)

    def problem(self, message: str) -> None:
        self.problems.append(f"{self.shard['path']}: {message}")

    def run(self) -> list[str]:
        if not self.path.is_file():
            self.problem("missing")
            return self.problems
        if self.path.stat().st_size != self.shard["bytes"] or sha256_file(self.path) != self.shard["sha256"]:
            self.problem("size or sha256 differs from the manifest's: the file was changed or is corrupt")
        try:
            file = pq.ParquetFile(self.path)
            schema = file.schema_arrow
        except Exception as error:  # pyarrow raises several types for damaged files
            self.problem(f"cannot be read as Parquet ({type(error).__name__}: {error})")
            return self.problems
        wrong = [f"{f.name} ({f.type})" for f in SCHEMA
                 if f.name not in schema.names or schema.field(f.name).type != f.type]
        if wrong:
            self.problem(f"columns missing or of the wrong type: {', '.join(wrong)}")
            return self.problems
        if file.metadata.num_rows != self.shard["rows"]:
            self.problem(f"{file.metadata.num_rows} rows, the manifest says {self.shard['rows']}")
        try:
            index = 0
            for batch in file.iter_batches(batch_size=64, columns=SCHEMA.names):
                for row in batch.to_pylist():
                    self.row(index, row)
                    index += 1
        except Exception as error:  # a damaged page surfaces only when it is decoded
            self.problem(f"cannot be decoded ({type(error).__name__}: {error})")
        return self.problems

    def row(self, index: int, row: dict) -> None:
        where = f"row {index} ({row['program_id']}, {row['variant']})"
        split, pid, source = row["split"], row["program_id"], row["source"]
        totals = self.totals
        totals.rows[split, row["variant"]] += 1
        totals.variants[pid][row["variant"]] += 1
        totals.networks[pid, row["variant"], row["variant_seed"]] += 1
        if totals.split_of.setdefault(pid, split) != split:
            totals.in_two_splits.add(pid)
        if split != self.shard["split"]:
            self.problem(f"{where}: split {split!r} in a {self.shard['split']} shard")
        if split != split_of(pid, self.recipe.splits, self.recipe.split_seed):
            self.problem(f"{where}: split {split!r}, but its id draws "
                         f"{split_of(pid, self.recipe.splits, self.recipe.split_seed)!r}")
        if pid != program_id(source):
            self.problem(f"{where}: program_id is not the sha256 of its source ({program_id(source)})")
        if row["variant"] not in VARIANTS:
            self.problem(f"{where}: unknown variant {row['variant']!r}")
        program = self.program(source, where)
        if program is not None and row["n_ops"] != program.op_count:
            self.problem(f"{where}: n_ops {row['n_ops']}, the program has {program.op_count}")
        try:
            if decode(row["program_tokens"]) != source:
                self.problem(f"{where}: program_tokens do not decode to the source")
        except compiler.SourceError as error:
            self.problem(f"{where}: program_tokens do not decode ({error})")
        if row["vocab"] != self.vocab or row["max_seq_len"] != self.max_seq_len:
            self.problem(f"{where}: vocab {row['vocab']} / max_seq_len {row['max_seq_len']} are not the recipe's")
        try:
            net = compiler.Net.from_bytes(row["weights"], source=f"{self.shard['path']} {where}")
        except compiler.NetFileError as error:
            self.problem(f"{where}: weights do not decode: {error.problem}")
            return
        config = dataclasses.asdict(net.config)
        if json.loads(row["config"]) != config or (row["n_layers"], row["d_model"]) != (config["n_layers"],
                                                                                       config["d_model"]):
            self.problem(f"{where}: config columns disagree with the weights' config {config}")
        if net.provenance.get("source") != source or net.provenance.get("variant") != row["variant"]:
            self.problem(f"{where}: the weights' provenance is of another program or variant")
        record = net.provenance.get({"scrambled": "scramble", "retrained": "retrain"}.get(row["variant"], ""))
        if isinstance(record, dict) and record.get("seed") != row["variant_seed"]:
            self.problem(f"{where}: variant_seed {row['variant_seed']}, the weights were made with seed "
                         f"{record.get('seed')}")
        # retrained nets only imitate their programs (their fidelity is in the provenance)
        if self.deep and row["variant"] != "retrained" and _chosen(row["program_id"], self.deep):
            program = self.program(source, where)
            if program is not None:
                result = check_net(program, net)
                if not result.ok:
                    failure = result.counterexample
                    self.problem(f"{where}: the {row['variant']} network disagrees with its program on "
                                 f"{failure.input}: {failure.actual}, not {failure.expected}")

    def program(self, source: str, where: str):
        if source not in self.parsed:
            try:
                program = compiler.parse(source)
                self.parsed[source] = program if compiler.to_source(program) == source else None
                if self.parsed[source] is None:
                    self.problem(f"{where}: the source is not canonical (it prints back differently)")
            except compiler.SourceError as error:
                self.parsed[source] = None
                self.problem(f"{where}: the source does not parse: {error}")
        return self.parsed[source]


# ---------------------------------------------------------------------------------------
# Describing


def describe_corpus(directory: str | os.PathLike) -> str:
    """A summary for people: recipe, counts per split and variant, sizes, network shapes, sampling."""
    directory = Path(directory)
    if not (directory / MANIFEST).exists() and (directory / BUILD_FILE).exists():
        return _describe_unfinished(directory)
    manifest = read_manifest(directory)
    recipe = Recipe.from_dict(manifest["recipe"], source=str(directory / MANIFEST))
    variants = [v for v in VARIANTS if recipe.variants[v]]
    lines = [f"corpus {manifest['name']} ({directory})"]
    if recipe.description:
        lines.append(f"  {recipe.description}")
    lines += [_recipe_line(recipe), _versions_line(manifest["versions"]), "",
              f"  {'split':6s} {'programs':>9s} {'rows':>8s} " + " ".join(f"{v:>10s}" for v in variants)
              + f" {'on disk':>10s}"]
    for split in SPLITS:
        totals = manifest["splits"][split]
        lines.append(f"  {split:6s} {totals['programs']:9d} {totals['rows']:8d} "
                     + " ".join(f"{totals['variants'].get(v, 0):10d}" for v in variants)
                     + f" {_size(totals['bytes']):>10s}")
    lines.append(f"  {'total':6s} {manifest['programs']:9d} {manifest['rows']:8d} {'':{11 * len(variants)}s}"
                 f"{_size(manifest['bytes']):>10s}")
    rows = max(manifest["rows"], 1)
    lines += ["", f"  bytes per network: {_size(manifest['bytes'] / rows)} on disk "
                  f"({_size(manifest['weights_bytes'] / rows)} of safetensors before zstd, "
                  f"x{manifest['weights_bytes'] / max(manifest['bytes'], 1):.1f})",
              f"  shards: {len(manifest['shards'])} in {DATA_DIR}/ ({_split_shards(manifest)})"]
    lines += _shape_lines(directory, manifest)
    sampling = manifest["sampling"]
    lines.append(f"  sampling: {sampling['candidates']} candidates for {manifest['programs']} programs in "
                 f"{sampling['work_units']} work units; {sampling['duplicates_across_units']} duplicates across "
                 f"units; dropped {sum(sampling['dropped'].values())}"
                 + (f" ({', '.join(f'{k}: {n}' for k, n in sampling['dropped'].items())})" if sampling["dropped"]
                    else ""))
    return "\n".join(lines)


def _recipe_line(recipe: Recipe) -> str:
    g = recipe.generator
    counts = ", ".join(f"{v} {n}" for v, n in recipe.variants.items() if n)
    splits = " / ".join(f"{s} {recipe.splits[s]:g}" for s in SPLITS)
    if recipe.domains:
        d = recipe.domains
        domain = (f"domains drawn per unit ({', '.join(d['kinds'])}; {d['symbols'][0]}..{d['symbols'][1]} symbols, "
                  f"max_seq_len {d['max_seq_len'][0]}..{d['max_seq_len'][1]})")
    else:
        domain = f"vocab {list(recipe.vocab)}, max_seq_len {recipe.max_seq_len}"
    return (f"  recipe: {recipe.programs} programs of {g.min_ops}..{g.max_ops} ops over {domain}; "
            f"per program: {counts}; splits {splits} (split_seed "
            f"{recipe.split_seed}); seed {recipe.seed}, units of {recipe.chunk_size} programs")


def _versions_line(versions: dict) -> str:
    return "  built with: " + ", ".join(f"{k} {v}" for k, v in versions.items() if v)


def _split_shards(manifest: dict) -> str:
    counts = collections.Counter(shard["split"] for shard in manifest["shards"])
    return ", ".join(f"{split} {counts[split]}" for split in SPLITS)


def _shape_lines(directory: Path, manifest: dict) -> list[str]:
    paths = [directory / shard["path"] for shard in manifest["shards"]]
    if not paths:
        return []
    tables = []
    for path in paths:
        with naming_shard(path, directory):  # a missing or truncated shard: one error naming it
            tables.append(pq.read_table(path, columns=["n_ops", "n_layers", "d_model"]))
    table = pa.concat_tables(tables)
    parts = []
    for column, label in (("n_ops", "ops"), ("n_layers", "layers"), ("d_model", "residual width")):
        values = table.column(column)
        parts.append(f"{label} {pc.min(values).as_py()}..{pc.max(values).as_py()} "
                     f"(mean {pc.mean(values).as_py():.1f})")
    return ["  networks: " + "; ".join(parts)]


def _describe_unfinished(directory: Path) -> str:
    build = read_json(directory / BUILD_FILE, "written when this corpus's build started")
    try:
        recipe = Recipe.from_dict(build["recipe"], source=str(directory / BUILD_FILE))
    except (KeyError, RecipeError) as error:
        raise CorpusError(f"{directory / BUILD_FILE}: malformed ({error})") from None
    receipts = []
    for path in sorted((directory / CHUNKS_DIR).glob("*.json")):
        try:
            receipts.append(read_json(path, "a work unit's receipt"))
        except CorpusError:  # one being written as the build was killed; the build redoes it
            continue
    programs = sum(r.get("programs", 0) for r in receipts)
    rows = sum(s.get("rows", 0) for r in receipts for s in r.get("shards", []))
    return "\n".join([
        f"corpus {recipe.name} ({directory}): UNFINISHED build",
        _recipe_line(recipe), _versions_line(build.get("versions", {})),
        f"  {len(receipts)} work units done: {programs} of {recipe.programs} programs, {rows} of {recipe.rows} rows",
        "  run the same `fountain corpus build` command again to finish it (finished units are kept)"])


def _size(n: float) -> str:
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    power = 0
    while n >= 1024 and power < len(units) - 1:
        n /= 1024
        power += 1
    return f"{n:.0f} B" if power == 0 else f"{n:.1f} {units[power]}"
