"""Corpora: recipes, deterministic sharded builds, resuming after kill -9, verification, readers."""

import collections
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import compiler
import generator
from compiler.compiling.check import check_net, outputs_agree
from compiler.language.tokenizer import decode
from generator.corpus import build_corpus
from generator.corpus_check import describe_corpus, verify_corpus
from generator.corpus_format import SCHEMA, CorpusError, data_files, read_manifest, read_rows, read_table
from generator.recipes import RECIPES_DIR, Recipe, RecipeError, load_recipe
from generator.units import program_id, split_of

TINY = RECIPES_DIR / "tiny.toml"


def shard_digests(directory) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((Path(directory) / "data").iterdir())}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """The tiny corpus, built in this process."""
    out = tmp_path_factory.mktemp("corpora") / "tiny"
    build_corpus(TINY, out, workers=0, progress=False)
    return out


@pytest.fixture
def tiny_copy(tiny, tmp_path) -> Path:
    """A copy of the tiny corpus that a test may damage."""
    return Path(shutil.copytree(tiny, tmp_path / "tiny"))


# ---------------------------------------------------------------------------------------
# Recipes


@pytest.mark.parametrize("name", ["tiny", "small", "medium", "large"])
def test_project_recipes_load_and_round_trip_through_json(name):
    recipe = load_recipe(name)
    assert recipe.name == name and recipe.description
    assert Recipe.from_dict(json.loads(recipe.to_json())) == recipe
    assert (RECIPES_DIR / f"{name}.md").is_file(), "every recipe has a dataset card"


def test_a_folder_named_like_a_recipe_does_not_hide_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "small").mkdir()  # say, a corpus built as `fountain corpus build small -o small`
    assert load_recipe("small").name == "small"


BASE = 'programs = 10\nvocab = [1, 2]\nmax_seq_len = 3\n'


@pytest.mark.parametrize("text, field, words", [
    ("vocab = [1, 2]\nmax_seq_len = 3\n", "programs", "missing"),
    ("programs = 0\nvocab = [1, 2]\nmax_seq_len = 3\n", "programs", "at least 1"),
    ("programs = 10\nvocab = []\nmax_seq_len = 3\n", "vocab", "non-empty"),
    ("programs = 10\nvocab = [1, 1]\nmax_seq_len = 3\n", "vocab", "twice"),
    ("programs = 10\nvocab = [1, 2.5]\nmax_seq_len = 3\n", "vocab", "integers or strings"),
    ("programs = 10\nvocab = [1, 2]\nmax_seq_len = 100\n", "max_seq_len", "1..64"),
    (BASE + "programz = 3\n", "programz", "unknown field"),
    (BASE + 'seed = "one"\n', "seed", "integer"),
    (BASE + "[variants]\nscrambled = -1\n", "variants.scrambled", "at least 0"),
    (BASE + "[variants]\ncompiled = 2\n", "variants.compiled", "0..1"),
    (BASE + "[variants]\ncompiled = 0\nscrambled = 0\n", "variants", "no networks"),
    (BASE + "[variants]\nscrambles = 1\n", "variants.scrambles", "unknown"),
    (BASE + "[splits]\ntrain = 0.8\nval = 0.1\n", "splits", "sum to 0.9"),
    (BASE + "[splits]\ntrain = 1.5\n", "splits.train", "[0, 1]"),
    (BASE + "[generator]\nmax_ops = 0\n", "max_ops", "min_ops..64"),
    (BASE + "[generator]\nmax_ops = \"8\"\n", "max_ops", "max_ops"),
    (BASE + "[generator]\nvocab = [1]\n", "generator.vocab", "top level"),
    (BASE + "[generator]\nmax_opps = 3\n", "generator.max_opps", "unknown"),
    (BASE + "[scramble]\nkinds = [\"spin\"]\n", "scramble.kinds", "unknown kind"),
    (BASE + "[scramble]\nseed = 3\n", "scramble.seed", "set by the corpus"),
    (BASE + "[retrain]\ntime_budget_s = 5.0\n", "retrain.time_budget_s", "max_steps"),
    (BASE + "[retrain]\ntime_budget = 5.0\n", "retrain.time_budget", "max_steps"),
    (BASE + "description = 2024-01-01\n", "description", "not a number"),
    (BASE + "programs = 3\n", "", "not valid TOML"),
])
def test_invalid_recipe_is_one_error_naming_the_file_and_field(tmp_path, text, field, words):
    if field.startswith("retrain") and not hasattr(compiler, "retrain"):
        pytest.skip("compiler.retrain is not there yet")
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(RecipeError) as caught:
        load_recipe(path)
    message = str(caught.value)
    assert str(path) in message and words in message
    assert f"`{field}`" in message or field in message


def test_cli_refuses_a_bad_recipe_before_touching_the_output(tmp_path):
    from fountain.cli import main

    path = tmp_path / "bad.toml"
    path.write_text(BASE.replace("max_seq_len = 3", "max_seq_len = 0"))
    with pytest.raises(SystemExit) as caught:
        main(["corpus", "build", str(path), "--out", str(tmp_path / "out")])
    assert "bad.toml" in str(caught.value) and "`max_seq_len`" in str(caught.value)
    assert not (tmp_path / "out").exists()
    with pytest.raises(SystemExit) as caught:
        main(["corpus", "build", "no-such-recipe", "--out", str(tmp_path / "out")])
    assert "no such recipe" in str(caught.value) and "tiny" in str(caught.value)


# ---------------------------------------------------------------------------------------
# What a corpus holds


def test_rows_have_the_schema_and_every_program_all_its_variants_in_one_split(tiny):
    recipe = load_recipe(TINY)
    table = read_table(tiny)
    assert table.schema.equals(SCHEMA)
    assert table.num_rows == recipe.rows == read_manifest(tiny)["rows"]
    variants = collections.defaultdict(list)
    splits = collections.defaultdict(set)
    for row in table.to_pylist():
        variants[row["program_id"]].append(row["variant"])
        splits[row["program_id"]].add(row["split"])
        assert row["program_id"] == program_id(row["source"]) == hashlib.sha256(row["source"].encode()).hexdigest()[:16]
        assert compiler.to_source(compiler.parse(row["source"])) == row["source"]
        assert decode(row["program_tokens"]) == row["source"]
        assert json.loads(row["vocab"]) == [1, 2, 3] and row["max_seq_len"] == 4
    assert len(variants) == recipe.programs
    assert all(v == ["compiled", "scrambled"] for v in variants.values())
    assert all(len(s) == 1 for s in splits.values())
    assert len(set(table.column("source").to_pylist())) == recipe.programs  # no canonical duplicate anywhere
    assert {s for ss in splits.values() for s in ss} == {"train", "val", "test"}


def test_weights_are_networks_that_compute_their_program(tiny):
    rows = list(read_rows(tiny, split="val"))
    inputs = [[1], [3, 2], [2, 2, 1], [1, 3, 3, 2], [3, 1, 2, 1]]
    for row in rows:
        net = compiler.Net.from_bytes(row["weights"])
        program = compiler.parse(row["source"])
        assert json.loads(row["config"]) == net.config.__dict__
        assert (row["n_layers"], row["d_model"], row["n_ops"]) == (net.config.n_layers, net.config.d_model,
                                                                   program.op_count)
        for xs, got in zip(inputs, net.run(inputs)):
            assert outputs_agree(compiler.evaluate(program, xs), got), (row["source"], row["variant"], xs)
        if row["variant"] == "scrambled":
            assert net.provenance["scramble"]["seed"] == row["variant_seed"]
        else:
            assert row["variant_seed"] == 0
            assert row["weights"] == compiler.compile_program(row["source"], vocab={1, 2, 3}, max_seq_len=4).to_bytes()


@given(st.lists(st.text(alphabet="0123456789abcdef", min_size=16, max_size=16), min_size=1, max_size=20),
       st.integers(0, 2**32))
def test_split_of_is_a_function_of_the_id_that_never_picks_an_empty_split(ids, split_seed):
    splits = {"train": 0.9, "val": 0.0, "test": 0.1}
    for pid in ids:
        assert split_of(pid, splits, split_seed) == split_of(pid, dict(splits), split_seed) != "val"


def test_split_fractions_are_met_over_many_programs():
    counts = collections.Counter(split_of(f"{i:016x}", {"train": 0.8, "val": 0.1, "test": 0.1}) for i in range(20000))
    assert abs(counts["train"] / 20000 - 0.8) < 0.015 and abs(counts["val"] / 20000 - 0.1) < 0.01


# ---------------------------------------------------------------------------------------
# Determinism and resuming


def test_same_rows_with_a_process_pool_as_in_process(tiny, tmp_path):
    build_corpus(TINY, tmp_path / "pool", workers=2, progress=False)
    assert shard_digests(tmp_path / "pool") == shard_digests(tiny)
    assert (tmp_path / "pool" / "manifest.json").read_bytes() == (tiny / "manifest.json").read_bytes()


def _build_command(out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "fountain.cli", "corpus", "build", str(TINY), "--out", str(out),
            "--workers", str(workers), "--quiet"]


def _wait_for(condition, process, seconds=120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, f"the build ended first: {process.stderr.read()}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _worker_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


@pytest.mark.skipif(sys.platform != "linux", reason="finds worker processes through /proc")
def test_a_dead_workers_every_symptom_is_the_one_error_that_says_what_to_do():
    """A killed worker shows as BrokenProcessPool, as a spawn failing on closed pipe ends, or as the
    pool's own pipe closed under it (OSError "handle is closed", seen once in a clean-clone CI run of
    the killed-worker test below); each is the caller's error. Other failures pass through."""
    from concurrent.futures.process import BrokenProcessPool

    from generator.workers import dead_worker_raises

    dead = RuntimeError("a worker process died")
    for symptom in (BrokenProcessPool("gone"), ValueError("bad value(s) in fds_to_keep"), OSError("handle is closed")):
        with pytest.raises(RuntimeError, match="a worker process died"):
            with dead_worker_raises(dead):
                raise symptom
    for other in (ValueError("no"), OSError("disk full")):
        with pytest.raises(type(other), match=str(other)):
            with dead_worker_raises(dead):
                raise other


def test_drawing_collects_garbage_less_often_and_gives_the_thresholds_back_even_on_failure(monkeypatch):
    """`sample` and fountain units run with the collector's young threshold raised (the drawn
    programs unchanged: the seeded-bytes tests); on the way out, normal or not, it is restored."""
    import gc

    from generator import sampler
    from generator.workers import YOUNG_COLLECTION_THRESHOLD, fewer_collections

    before = gc.get_threshold()
    seen = []
    real = sampler.Sampler.candidate

    def candidate(self, choices):
        seen.append(gc.get_threshold()[0])
        return real(self, choices)

    monkeypatch.setattr(sampler.Sampler, "candidate", candidate)
    sampler.sample(2, seed=0)
    assert seen and set(seen) == {max(before[0], YOUNG_COLLECTION_THRESHOLD)}
    assert gc.get_threshold() == before
    with pytest.raises(KeyError):
        with fewer_collections():
            raise KeyError("x")
    assert gc.get_threshold() == before


def test_killed_worker_or_build_loses_nothing_and_a_rerun_gives_the_same_bytes(tiny, tmp_path):
    out = tmp_path / "killed"
    # receipts, not the temporary files they are written through (".tmp-PID-NAME.json")
    receipts = lambda: len([p for p in (out / "chunks").glob("*.json") if not p.name.startswith(".")])  # noqa: E731

    # kill -9 a worker: the build stops with an error that says what happened, instead of hanging
    process = subprocess.Popen(_build_command(out, 2), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _wait_for(lambda: (out / "build.json").exists() and _worker_pids(process.pid), process)
    os.kill(_worker_pids(process.pid)[0], signal.SIGKILL)
    assert process.wait(timeout=120) == 1
    assert "worker process died" in process.stderr.read().decode()

    # kill -9 the whole build once a work unit is done
    process = subprocess.Popen(_build_command(out, 1), start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        _wait_for(lambda: receipts() >= 1, process)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the build and its worker: its new session holds just these
        process.wait()
    assert not (out / "manifest.json").exists() and 1 <= receipts() < 5
    with pytest.raises(CorpusError, match="has not finished"):
        read_manifest(out)
    assert "UNFINISHED" in describe_corpus(out)

    messages = []
    build_corpus(TINY, out, workers=0, progress=False, log=messages.append)
    assert any("resuming" in m for m in messages)
    assert shard_digests(out) == shard_digests(tiny)
    assert verify_corpus(out).ok


def test_resume_redoes_units_whose_files_were_lost_or_damaged(tiny_copy):
    chunks = sorted((tiny_copy / "chunks").iterdir())
    receipt = json.loads(chunks[1].read_text())
    damaged = tiny_copy / receipt["shards"][0]["path"]
    damaged.write_bytes(damaged.read_bytes()[:-10])           # truncated after its receipt was written
    chunks[2].unlink()                                        # killed between a shard's rename and the receipt
    (tiny_copy / "data" / ".tmp-train-000003.parquet").write_bytes(b"half a shard")  # killed mid-write
    (tiny_copy / "manifest.json").unlink()
    messages = []
    build_corpus(TINY, tiny_copy, workers=0, progress=False, log=messages.append)
    assert any("000001.json" in m and "checksum" in m for m in messages)
    assert not list((tiny_copy / "data").glob(".tmp-*"))
    assert verify_corpus(tiny_copy).ok


def test_resume_redoes_units_that_overlap_earlier_ones_and_drops_units_past_the_end(tiny, tiny_copy):
    """What a build resumed with other package versions could meet: every invariant still holds."""
    def clone_unit(source: int, target: int) -> None:
        receipt = json.loads((tiny_copy / "chunks" / f"{source:06d}.json").read_text())
        receipt["chunk"] = target
        for shard in receipt["shards"]:
            path = shard["path"].replace(f"{source:06d}", f"{target:06d}")
            shutil.copyfile(tiny_copy / shard["path"], tiny_copy / path)
            shard["path"] = path
        (tiny_copy / "chunks" / f"{target:06d}.json").write_text(json.dumps(receipt))

    for path in (tiny_copy / "data").glob("*-000003.parquet"):
        path.unlink()
    clone_unit(1, 3)  # intact files, but the programs of unit 1 again
    clone_unit(1, 7)  # a unit the build does not need
    (tiny_copy / "manifest.json").unlink()
    messages = []
    build_corpus(TINY, tiny_copy, workers=0, progress=False, log=messages.append)
    assert any("work unit 3 does not fit" in m for m in messages)
    assert shard_digests(tiny_copy) == shard_digests(tiny)
    assert not (tiny_copy / "chunks" / "000007.json").exists()
    assert verify_corpus(tiny_copy).ok


def test_a_finished_corpus_is_rechecked_not_rebuilt(tiny_copy):
    before = {p: p.stat().st_mtime_ns for p in (tiny_copy / "data").iterdir()}
    messages = []
    manifest = build_corpus(TINY, tiny_copy, workers=0, progress=False, log=messages.append)
    assert manifest == read_manifest(tiny_copy)
    assert before == {p: p.stat().st_mtime_ns for p in (tiny_copy / "data").iterdir()}


def test_refuses_a_directory_of_another_recipe_or_other_files(tiny_copy, tmp_path):
    (tmp_path / "other").mkdir()
    other = tmp_path / "other" / "tiny.toml"
    other.write_text(TINY.read_text().replace("seed = 0", "seed = 1", 1))
    with pytest.raises(CorpusError, match=r"different recipe \(differs in: seed\)"):
        build_corpus(other, tiny_copy, workers=0, progress=False)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(CorpusError, match="not empty"):
        build_corpus(TINY, busy, workers=0, progress=False)
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]


def test_a_recipe_that_cannot_give_enough_programs_stops_with_a_clear_error(tmp_path):
    path = tmp_path / "narrow.toml"
    path.write_text('programs = 50\nvocab = [1, 2]\nmax_seq_len = 2\nchunk_size = 4\n'
                    '[generator]\nmax_ops = 1\nop_weights = {map = 1.0}\nmap_functions = ["lambda x: x == 1"]\n')
    with pytest.raises(CorpusError, match="lower `programs`|config is too narrow"):
        build_corpus(path, tmp_path / "out", workers=0, progress=False)


# ---------------------------------------------------------------------------------------
# Verify and info


def test_verify_passes_a_sound_corpus_and_info_describes_it(tiny, capsys):
    from fountain.cli import main

    report = verify_corpus(tiny)
    assert report.ok and report.rows == 80 and report.programs == 40, report.format()
    main(["corpus", "verify", str(tiny), "--quiet"])
    main(["corpus", "info", str(tiny)])
    out = capsys.readouterr().out
    assert "ok: " in out and "80 rows" in out
    assert "corpus tiny" in out and "bytes per network" in out and "residual width" in out


def test_verify_names_the_corrupt_shard(tiny_copy, capsys):
    from fountain.cli import main

    shard = sorted((tiny_copy / "data").glob("train-*.parquet"))[1]
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    report = verify_corpus(tiny_copy)
    assert not report.ok and all(shard.name in p for p in report.problems if "data/" in p)
    assert any(f"data/{shard.name}" in p and "sha256" in p for p in report.problems)
    with pytest.raises(SystemExit):
        main(["corpus", "verify", str(tiny_copy), "--quiet"])
    assert shard.name in capsys.readouterr().err


def test_verify_catches_rows_that_lie(tiny_copy):
    """A shard rewritten with a consistent checksum but wrong contents is still caught, row by row."""
    manifest = json.loads((tiny_copy / "manifest.json").read_text())
    entry = max(manifest["shards"], key=lambda s: s["rows"])
    path = tiny_copy / entry["path"]
    rows = pq.read_table(path).to_pylist()
    rows[0]["source"] = rows[0]["source"].replace("v1", "v9", 1)
    rows[1]["weights"] = rows[1]["weights"][:100]
    reseeded = next(i for i, row in enumerate(rows) if i > 1 and row["variant"] == "scrambled")
    rows[reseeded]["variant_seed"] += 1
    import pyarrow as pa

    from generator.corpus import parquet_bytes

    data = parquet_bytes(pa.Table.from_pylist(rows, schema=SCHEMA))
    path.write_bytes(data)
    entry.update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
    (tiny_copy / "manifest.json").write_text(json.dumps(manifest))
    (tiny_copy / "data" / "stray-000009.parquet").write_bytes(data)
    problems = "\n".join(verify_corpus(tiny_copy).problems)
    assert f"{entry['path']}: row 0" in problems and "program_id is not the sha256" in problems
    assert f"{entry['path']}: row 1" in problems and "weights do not decode" in problems
    assert f"{entry['path']}: row {reseeded}" in problems and "the weights were made with seed" in problems
    assert "stray-000009.parquet: a shard the manifest does not list" in problems


def test_unfinished_or_missing_corpus_reads_as_a_clear_error(tiny_copy, tmp_path):
    (tiny_copy / "manifest.json").unlink()
    report = verify_corpus(tiny_copy)
    assert not report.ok and "has not finished" in report.problems[0]
    with pytest.raises(CorpusError, match="not a corpus"):
        list(read_rows(tmp_path / "nothing"))


# ---------------------------------------------------------------------------------------
# Reading


def test_read_rows_by_split_and_columns(tiny):
    manifest = read_manifest(tiny)
    for split in ("train", "val", "test"):
        rows = list(read_rows(tiny, split=split, columns=["program_id", "split"]))
        assert len(rows) == manifest["splits"][split]["rows"] and {r["split"] for r in rows} == {split}
        assert set(rows[0]) == {"program_id", "split"}
    with pytest.raises(CorpusError, match="unknown column"):
        list(read_rows(tiny, columns=["weight"]))
    with pytest.raises(CorpusError, match="unknown split"):
        list(read_rows(tiny, split="dev"))


def test_loads_with_pyarrow_dataset_and_hugging_face_datasets(tiny):
    table = pq.read_table(tiny / "data", filters=[("split", "=", "val")])
    assert table.num_rows == read_manifest(tiny)["splits"]["val"]["rows"]
    hf = pytest.importorskip("datasets", reason="Hugging Face datasets is not installed")
    loaded = hf.load_dataset("parquet", data_files=data_files(tiny), cache_dir=str(tiny.parent / "hf-cache"))
    assert {name: len(part) for name, part in loaded.items()} == {
        split: totals["rows"] for split, totals in read_manifest(tiny)["splits"].items()}
    row = loaded["test"][0]
    assert compiler.Net.from_bytes(row["weights"]).provenance["source"] == row["source"]
    assert isinstance(row["program_tokens"], list) and row["split"] == "test"


def test_corpus_dataset_splits_rows_across_dataloader_workers_exactly_once(tiny):
    import torch

    dataset = generator.CorpusDataset(tiny, split="train", columns=["program_id", "variant"], shuffle_seed=3)
    # spawn, not fork: this process runs jax's threads, which a forked child must not inherit.
    loader = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=2,
                                         multiprocessing_context="spawn")
    seen = [(row["program_id"], row["variant"]) for row in loader]
    expected = [(r["program_id"], r["variant"]) for r in read_rows(tiny, split="train")]
    assert sorted(seen) == sorted(expected) and len(dataset) == len(expected)


def test_reading_corpora_and_nets_does_not_load_jax(tiny):
    """A spawned DataLoader worker imports the dataset's modules afresh: tracr's compiler (jax,
    haiku) costs it seconds, so only compiling loads it."""
    code = ("import sys, generator, interpreter, compiler, fountain.cli\n"
            f"row = next(iter(generator.CorpusDataset({str(tiny)!r}, split='val', columns=['weights'])))\n"
            "compiler.Net.from_bytes(row['weights'])\n"
            "print(sorted(m for m in ('jax', 'haiku', 'tracr.compiler') if m in sys.modules))\n"
            "compiler.compile_program\n"
            "print('jax' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1]).stdout.split()
    assert out == ["[]", "True"]


def test_corpus_dataset_shuffles_by_seed_and_epoch_and_streams_in_order_without_one(tiny):
    def order(**kwargs):
        dataset = generator.CorpusDataset(tiny, split="train", columns=["program_id", "variant"],
                                          shuffle_buffer=8, **kwargs)
        epochs = []
        for epoch in range(2):
            dataset.set_epoch(epoch)
            epochs.append([(r["program_id"], r["variant"]) for r in dataset])
        return epochs

    in_order = [(r["program_id"], r["variant"]) for r in read_rows(tiny, split="train")]
    assert order() == [in_order, in_order]
    first, second = order(shuffle_seed=1)
    assert first == order(shuffle_seed=1)[0] and first != second and first != in_order
    assert sorted(first) == sorted(second) == sorted(in_order)
    tensors = generator.CorpusDataset(tiny, split="val", columns=["program_tokens"],
                                      transform=lambda row: len(row["program_tokens"]))
    assert all(isinstance(n, int) and n > 2 for n in tensors)


# ---------------------------------------------------------------------------------------
# Variants that need more than the compiler


@pytest.mark.skipif(not hasattr(compiler, "retrain"), reason="compiler.retrain is not there yet")
def test_retrained_variants_are_deterministic_networks_of_their_program(tmp_path):
    path = tmp_path / "retrained.toml"
    path.write_text('programs = 2\nvocab = [1, 2]\nmax_seq_len = 3\nchunk_size = 2\n'
                    '[variants]\ncompiled = 1\nscrambled = 0\nretrained = 1\n'
                    '[generator]\nmax_ops = 2\n[retrain]\nmax_steps = 40\neval_every = 20\n')
    build_corpus(path, tmp_path / "a", workers=0, progress=False)
    build_corpus(path, tmp_path / "b", workers=0, progress=False)
    assert shard_digests(tmp_path / "a") == shard_digests(tmp_path / "b")
    rows = [r for r in read_rows(tmp_path / "a") if r["variant"] == "retrained"]
    assert len(rows) == 2
    for row in rows:
        net = compiler.Net.from_bytes(row["weights"])
        assert net.provenance["variant"] == "retrained" and net.provenance["retrain"]["seed"] == row["variant_seed"]
    assert verify_corpus(tmp_path / "a").ok


@pytest.fixture
def ray_cluster():
    ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'rasp-fountain[ray]')")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def test_builds_on_a_ray_cluster_with_the_same_bytes(tiny, tmp_path, ray_cluster):
    out = tmp_path / "ray"
    subprocess.run([sys.executable, "-m", "fountain.cli", "corpus", "build", str(TINY), "--out", str(out),
                    "--ray", ray_cluster, "--quiet"], check=True, capture_output=True, timeout=300)
    assert shard_digests(out) == shard_digests(tiny)


def test_an_unreachable_ray_address_fails_fast_and_writes_nothing(tmp_path):
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'rasp-fountain[ray]')")
    with pytest.raises(CorpusError, match="cannot reach Ray at '127.0.0.1:1'"):
        build_corpus(TINY, tmp_path / "out", ray_address="127.0.0.1:1", progress=False)
    assert not (tmp_path / "out").exists()


def test_one_build_per_directory_at_a_time(tmp_path):
    import fcntl

    out = tmp_path / "busy"
    out.mkdir()
    with open(out / ".lock", "a+") as held:  # as a running build holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(CorpusError, match="another build is writing to it"):
            build_corpus(TINY, out, workers=0, progress=False)
    assert not (out / "build.json").exists()


MIXED = """name = "mixed-test"
programs = 24
seed = 5
chunk_size = 6

[domains]
kinds = ["integers", "letters", "brackets", "words"]
symbols = [2, 5]
max_seq_len = [3, 4]

[generator]
max_ops = 4
"""


def test_a_mixed_domain_recipe_builds_deterministically_each_unit_over_its_own_domain(tmp_path):
    recipe_file = tmp_path / "mixed-test.toml"
    recipe_file.write_text(MIXED)
    recipe = load_recipe(recipe_file)
    domains = {recipe.for_unit(unit).vocab + (recipe.for_unit(unit).max_seq_len,) for unit in range(4)}
    assert len(domains) > 1  # units draw different domains
    assert recipe.for_unit(2) == recipe.for_unit(2)  # the same draw every time
    first = build_corpus(recipe_file, tmp_path / "a", workers=0, progress=False, log=lambda m: None)
    build_corpus(recipe_file, tmp_path / "b", workers=2, progress=False, log=lambda m: None)
    assert first["programs"] == 24 and shard_digests(tmp_path / "a") == shard_digests(tmp_path / "b")
    assert verify_corpus(tmp_path / "a").ok
    rows = list(read_rows(tmp_path / "a", columns=["source", "vocab", "max_seq_len", "weights"]))
    assert len({(r["vocab"], r["max_seq_len"]) for r in rows}) > 1
    for row in rows[:6]:  # each net is its row's domain, and matches its program
        net = compiler.Net.from_bytes(row["weights"])
        assert sorted(map(json.dumps, net.provenance["vocab"])) == sorted(map(json.dumps, json.loads(row["vocab"])))
        assert check_net(compiler.parse(row["source"]), net).ok
    assert "domains drawn per unit" in describe_corpus(tmp_path / "a")
    # a domain recipe names its own vocab and length: both at once is one clear error
    with pytest.raises(RecipeError, match="`vocab`: a recipe with \\[domains\\] draws"):
        Recipe.from_dict(dict(recipe.to_dict(), vocab=[1, 2]), source="x")
    with pytest.raises(RecipeError, match="domains.symbols"):
        Recipe.from_dict({"programs": 3, "domains": {"symbols": [5, 2]}}, source="x", name="x")
    assert Recipe.from_dict(recipe.to_dict()) == recipe


def test_a_missing_or_truncated_shard_is_named_by_info_and_readers(tiny_copy):
    shard = sorted((tiny_copy / "data").glob("*.parquet"))[0]
    shard.write_bytes(shard.read_bytes()[:100])
    with pytest.raises(CorpusError, match=f"{shard.name}: unreadable .*fountain corpus verify"):
        describe_corpus(tiny_copy)
    with pytest.raises(CorpusError, match=f"{shard.name}: unreadable"):
        list(read_rows(tiny_copy))
    shard.unlink()
    with pytest.raises(CorpusError, match=f"{shard.name}: missing"):
        describe_corpus(tiny_copy)


@pytest.mark.parametrize("change, field", [({"programs": 10**21}, "programs"),
                                           ({"variants": {"scrambled": 100000}}, "variants.scrambled"),
                                           ({"chunk_size": 10**7}, "chunk_size")])
def test_recipes_are_bounded(change, field):
    data = dict(load_recipe("tiny").to_dict(), **change)
    with pytest.raises(RecipeError, match=f"`{field}`: must be in"):
        Recipe.from_dict(data, source="x")


def test_deep_verify_catches_a_network_edited_under_a_recomputed_checksum(tiny_copy):
    """The checksums say the bytes are the ones written; --deep runs the networks against their
    programs, which catches a net that was edited and re-checksummed."""
    import dataclasses

    import pyarrow as pa

    from generator.corpus import parquet_bytes
    from generator.corpus_format import MANIFEST, sha256_file

    manifest = json.loads((tiny_copy / MANIFEST).read_text())
    shard = next(s for s in manifest["shards"] if s["variants"].get("scrambled"))
    path = tiny_copy / shard["path"]
    table = pq.read_table(path)
    rows = table.to_pylist()
    index = next(i for i, r in enumerate(rows) if r["variant"] == "scrambled")
    net = compiler.Net.from_bytes(rows[index]["weights"])
    broken = dataclasses.replace(net, W_U=-net.W_U)  # reads every output backwards
    rows[index]["weights"] = broken.to_bytes()
    path.write_bytes(parquet_bytes(pa.Table.from_pylist(rows, schema=table.schema)))
    shard["sha256"], shard["bytes"] = sha256_file(path), path.stat().st_size
    manifest["bytes"] = sum(s["bytes"] for s in manifest["shards"])
    weights = sum(len(r["weights"]) for r in rows) - sum(len(r["weights"]) for r in table.to_pylist())
    shard["weights_bytes"] += weights
    manifest["weights_bytes"] += weights
    (tiny_copy / MANIFEST).write_text(json.dumps(manifest))
    assert verify_corpus(tiny_copy).ok  # the bytes are as listed
    deep = verify_corpus(tiny_copy, deep=1.0)
    assert not deep.ok and any("scrambled network disagrees with its program" in p for p in deep.problems)


def test_a_rebuild_rewrites_a_damaged_manifest_and_removes_stray_shards(tiny_copy, capsys):
    manifest = (tiny_copy / "manifest.json").read_text()
    shutil.copy(tiny_copy / "data" / "test-000001.parquet", tiny_copy / "data" / "train-000099.parquet")
    assert any("does not list" in p for p in verify_corpus(tiny_copy, progress=False).problems)
    (tiny_copy / "manifest.json").write_text("garbage")
    with pytest.raises(CorpusError, match="not valid JSON.*fountain corpus build RECIPE -o .* again"):
        read_manifest(tiny_copy)
    build_corpus(TINY, tiny_copy, workers=0, progress=False)
    assert (tiny_copy / "manifest.json").read_text() == manifest
    assert not (tiny_copy / "data" / "train-000099.parquet").exists()
    assert verify_corpus(tiny_copy, progress=False).ok


def test_validation_is_the_val_split_as_hugging_face_names_it(tiny):
    from generator.corpus_format import shard_paths

    assert shard_paths(tiny, "validation") == shard_paths(tiny, "val")
    assert [r["program_id"] for r in read_rows(tiny, "validation")] == [r["program_id"] for r in read_rows(tiny, "val")]
    assert generator.CorpusDataset(tiny, split="validation").rows == generator.CorpusDataset(tiny, split="val").rows
    with pytest.raises(CorpusError, match="unknown split 'dev'"):
        shard_paths(tiny, "dev")


@pytest.mark.parametrize("change, problem", [
    (lambda m: m.update(rows="eighty"), "rows must be a non-negative integer, not 'eighty'"),
    (lambda m: m.update(shards="abc"), "shards must be a list, not str"),
    (lambda m: m["shards"][0].update(rows="14"), r"shards\[0\] needs a path"),
    (lambda m: m["shards"][0].update(path="../../etc/passwd"), "leaves the corpus directory"),
    (lambda m: m["splits"].update(train=[]), "splits must map each split"),
])
def test_a_manifest_of_the_wrong_types_is_one_error_everywhere(tiny_copy, change, problem):
    manifest = json.loads((tiny_copy / "manifest.json").read_text())
    change(manifest)
    (tiny_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CorpusError, match=problem):
        read_manifest(tiny_copy)
    report = verify_corpus(tiny_copy)
    assert not report.ok and any(re.search(problem, p) for p in report.problems)


def test_the_torch_dataset_names_a_damaged_shard(tiny_copy):
    """CorpusDataset reads through the one shard reader: a shard truncated after the build is one
    CorpusError naming it and what to run, not pyarrow's traceback."""
    shard = sorted((tiny_copy / "data").glob("val-*.parquet"))[0]
    shard.write_bytes(shard.read_bytes()[:100])
    with pytest.raises(CorpusError, match=rf"{shard.name}: unreadable .*fountain corpus verify"):
        list(generator.CorpusDataset(tiny_copy, split="val"))


def test_a_streamed_corpus_with_a_damaged_shard_names_the_shard(tiny_copy, tmp_path):
    from interpreter.train import TrainConfig, train
    from tests.test_interpreter import TINY_MODEL

    for shard in (tiny_copy / "data").glob("train-*.parquet"):  # whichever the first window reads
        shard.write_bytes(shard.read_bytes()[:100])
    config = TrainConfig(model=TINY_MODEL, steps=2, batch_size=2, warmup_steps=1, eval_examples=2)
    with pytest.raises(ValueError, match=r"train-\d+\.parquet: unreadable corpus shard \(.*corpus verify"):
        train(str(tiny_copy), tmp_path / "run", config, stream=True, workers=0, progress=False, buffer_rows=8)


def test_deep_before_the_directory_says_where_the_directory_goes(tiny, capsys):
    from fountain.cli import main as cli_main

    with pytest.raises(SystemExit):
        cli_main(["corpus", "verify", "--deep", str(tiny)])
    assert "put the corpus directory first: fountain corpus verify DIR --deep" in capsys.readouterr().err


#: sha256 over the tiny recipe's compiled rows (program id, canonical source, net bytes), sorted
#: by program id. Compiled weights are exact constants, the same on any machine; a change to the
#: sampler, the printer, the compiler or the net format that moves one byte changes it. Update it
#: only with a change that means to change the data (and say so in the commit).
#: Changed on purpose when categorical sequence_maps reading a value off a one-hot got a margin
#: (`compiler.compiling.blocks`): the 10 nets of 40 with such a table changed; the programs and the
#: other nets are unchanged. Changed again when categorical->numerical maps whose error a sum
#: could keep became flat lookups: the one net of 40 with one changed.
TINY_COMPILED_SHA256 = "32882cead0fad057680dfbc0bb33118f9c1b104a67c48cfdd465ce631f57be56"


def test_the_tiny_recipe_gives_the_same_programs_and_nets_byte_for_byte(tiny):
    digest = hashlib.sha256()
    rows = sorted((r["program_id"], r["source"], r["weights"])
                  for r in read_rows(tiny) if r["variant"] == "compiled")
    for pid, source, weights in rows:
        digest.update(pid.encode())
        digest.update(source.encode())
        digest.update(weights)
    assert len(rows) == 40 and digest.hexdigest() == TINY_COMPILED_SHA256


#: The same pin over the `mixed` recipe's drawn domains: units 1, 4, 6, 9, 16 and 23 are words,
#: integers (16 symbols, length 10), letters, brackets, words (length 10) and letters (length 10),
#: four programs each, so value-set inference over strings and wide vocabularies is pinned too.
#: Changed by 886730a on purpose: unit 6's tenth draw fetches through a query of the index and the
#: length (`select(indices, v5, EQ)`, v5 true exactly at length 3), which compile now shows is
#: never None, so the program is kept where it was refused; every other program and net is unchanged.
#: Changed again on purpose when numerical lines that may be None were refused: unit 16's second
#: program (`v5 = numerical map(lambda x: x == 5, v4)` of a fetch from position `length % 2`, None
#: at length 1) had a net writing a number where the program has None; it is refused, a new draw
#: takes its place, and every other program and net is unchanged.
#: Changed again on purpose with the margin on categorical sequence_maps reading a value off a
#: one-hot: the 9 nets of 24 with such a table changed; the programs and the other nets are not.
#: And with flat lookups for categorical->numerical maps whose error a sum could keep: one net.
MIXED_UNITS = (1, 4, 6, 9, 16, 23)
MIXED_COMPILED_SHA256 = "51a6e7da0e38974a59e54e2f0202da232ee0b79a7e94115ce7dcc32947d20775"


def test_the_mixed_recipe_draws_the_same_programs_and_nets_byte_for_byte():
    from generator.recipes import load_recipe
    from generator.units import draw_unit

    recipe, digest, count = load_recipe("mixed"), hashlib.sha256(), 0
    for unit in MIXED_UNITS:
        _, drawn, sampling = draw_unit(recipe, unit, 4)
        for program in drawn:
            digest.update(program.source.encode())
            digest.update(sampling.nets[program.source].to_bytes())
            count += 1
    assert count == 4 * len(MIXED_UNITS) and digest.hexdigest() == MIXED_COMPILED_SHA256


@pytest.mark.skipif(sys.platform != "linux", reason="reads process states from /proc")
def test_workers_exit_when_the_process_that_started_them_is_killed(tmp_path):
    """A build or training run killed outright (SIGKILL: no chance to stop its pool) leaves no
    worker behind running the units queued for it."""
    import os
    import signal
    import time

    script = tmp_path / "parent.py"
    script.write_text("import time\nfrom generator import workers\n"
                      "if __name__ == '__main__':\n"
                      "    pool = workers.spawn_pool(2)\n"
                      "    for _ in range(4):\n"
                      "        pool.submit(time.sleep, 120)\n"
                      "    time.sleep(2)\n"
                      "    print(' '.join(map(str, pool._processes)), flush=True)\n"
                      "    time.sleep(120)\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=root))
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(pids) == 2
    parent.send_signal(signal.SIGKILL)
    parent.wait()

    def running(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().split(")")[-1].split()[0] != "Z"
        except FileNotFoundError:
            return False

    deadline = time.monotonic() + 20
    while any(map(running, pids)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(map(running, pids))
