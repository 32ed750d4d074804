"""Training on programs generated while training runs (the `--fountain` stream).

Work unit k samples `UNIT_PROGRAMS` programs from a recipe's generator with a seed derived from
(recipe seed, "fountain", seed, k), keeps those whose `split_of` is "train" (so a corpus of the same
recipe keeps its val and test programs held out), compiles and scrambles them as the recipe says
(retrained variants are skipped: seconds per net) and encodes them, in spawned worker processes
(with `distinct_encodings`, the sampler refuses the other splits' programs, and those too long to
train on, unchecked: a unit's programs are then all used).
Units are taken in order and a program drawn by an earlier unit is dropped, so no program repeats
and the items do not depend on the worker count. Rank r of W takes units r, r + W, ... (a program
may then reach two ranks, as rarely as two units draw it). The item stream is cut into pools of
`POOL * B` items, each giving `POOL * reuse` batches: `reuse` > 1 trains on each fresh net several
times, for when generating is slower than training. A checkpoint records where the pool in use began
(unit, items into it) and the ids of the programs the units before it drew; a resumed run drops
those and continues with the same batches. (A checkpoint without the ids, from before they were
kept, has the units before it drawn again to learn them: the sampler's checks compile every program,
so this takes about as long as generating them did.)

Batches are cut as every stream cuts them (`interpreter.batching`).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
from typing import Any, Sequence

import numpy as np

from compiler.language import tokenizer
from generator.units import BARREN_UNITS, Distinct, ProgramDropped, draw_unit, program_id, program_nets, split_of
from generator.workers import fewer_collections
from interpreter.batching import POOL, Ordered, Window, pack, unpack
from interpreter.data import Encoded, Example, too_long, try_encode
from interpreter.encoding import EncoderConfig

#: Programs sampled per fountain work unit (part of the stream's definition, like the seed).
UNIT_PROGRAMS = 64
#: What a `--distinct-encodings` run's stream records as its `distinct_encodings` identity.
DISTINCT_STREAM = "usable only, aggregates screened"
#: The identities such runs saved before, each with when its units changed: resuming one is refused
#: saying why (this version draws other programs for its units).
OLDER_DISTINCT_STREAMS = {
    True: "before the fountain's units drew only the programs they use (2026-12-05)",
    "usable only": "before the fountain's units screened out aggregates the compiler refuses (2026-12-05)",
}


@dataclasses.dataclass(frozen=True)
class Fountain:
    """Training data generated while training runs, from `recipe` (a name in datasets/, a .toml
    path or a `generator.recipes.Recipe`), each fresh net used `reuse` times. Validation uses the
    val split of `val_corpus` when given, else nets of the recipe's val split generated once."""

    recipe: Any = "small"
    reuse: int = 1
    val_corpus: str | os.PathLike | None = None
    unit_programs: int = UNIT_PROGRAMS
    #: Skip the variants the weight encoder reads as their compiled twin (`distinct_variants`), and draw
    #: units of usable programs only (`fountain_unit`'s `usable_only`), so that the workers' time goes
    #: to new programs; off by default, as the shipped run was trained.
    distinct_encodings: bool = False

    def __post_init__(self):
        for field in ("reuse", "unit_programs"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"fountain `{field}` must be a positive integer, not {value!r}")
        if not isinstance(self.distinct_encodings, bool):
            raise ValueError(f"fountain `distinct_encodings` must be true or false, not {self.distinct_encodings!r}")


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


def distinct_variants(recipe, encoder: EncoderConfig) -> tuple[Any, str]:
    """The recipe (retrained variants already dropped) without the variants `encoder` cannot tell
    from the compiled net, and a note saying what was dropped ("" when nothing). The circuit encoder
    reads a scrambled net exactly as its compiled twin (the same tokens to float rounding, whatever
    the scramble kinds), so one of them per program carries all the recipe's nets say; scrambling
    and verifying a scramble on every input is most of a worker's time per program."""
    if encoder.kind != "circuit" or not recipe.variants["scrambled"]:
        return recipe, ""
    keep = "compiled" if recipe.variants["compiled"] else "scrambled"
    kept = dict(recipe.variants, compiled=int(keep == "compiled"), scrambled=int(keep == "scrambled"))
    if kept == recipe.variants:
        return recipe, ""
    return dataclasses.replace(recipe, variants=kept), (
        f"the circuit encoder reads a scrambled net as its compiled twin: the fountain encodes one {keep} net per "
        f"program of recipe {recipe.name!r} (of its {recipe.variants['compiled']} compiled and "
        f"{recipe.variants['scrambled']} scrambled)")


@fewer_collections()  # many short-lived objects: see its docstring
def fountain_unit(recipe_json: str, seed_parts: tuple, unit: int, programs: int, split: str,
                  encoder_json: str | None, max_target_len: int, usable_only: bool = False) -> tuple[str, bytes]:
    """Work unit `unit` of a fountain, `programs` programs drawn: the ids of those in `split`
    (JSON, in order), and their nets encoded (`pack` bytes; with `encoder_json` None, none:
    only the ids, for a resumed run to learn which programs it has had). Runs in a worker
    process, or in this one.

    `usable_only`: the sampler refuses a candidate of another split, or whose source is longer
    than `max_target_len` tokens, before evaluating or compiling it, so that all `programs`
    programs are ones the stream uses (about a third more of them per unit on `mixed`, for less
    work), and screens out categorical aggregates the compiler would refuse as they are drawn
    (`sample`'s screen_aggregates); the programs differ from those of a unit drawn without it."""
    from absl import logging

    from generator.recipes import Recipe

    logging.set_verbosity(logging.ERROR)  # tracr warns through absl about programs that are fine
    recipe = Recipe.from_dict(json.loads(recipe_json), source="the fountain's recipe")
    encoder = None if encoder_json is None else EncoderConfig(**json.loads(encoder_json))
    refuse = _unusable(recipe, split, max_target_len) if usable_only else None
    recipe, drawn, sampling = draw_unit(recipe, unit, programs, seed_parts, keep_nets=encoder is not None,
                                        refuse=refuse, screen_aggregates=usable_only)
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
            nets = program_nets(recipe, program.source, sampling.nets.get(program.source))
        except ProgramDropped:
            continue
        entries += [(pid, try_encode(Example(net, program.source, variant, split, pid), encoder, max_target_len))
                    for variant, _, net in nets]
    return json.dumps(ids), pack(entries) if encoder is not None else b""


def _unusable(recipe, split: str, max_target_len: int):
    """`fountain_unit`'s test for `usable_only`: why the stream would not use a program's source."""
    def refuse(source: str) -> str | None:
        if split_of(program_id(source), recipe.splits, recipe.split_seed) != split:
            return f"not in the {split} split (not checked)"
        if len(tokenizer.encode(source)) > max_target_len:
            return f"longer than the decoder's {max_target_len} tokens (not checked)"
        return None

    return refuse


class _Programs:
    """A fountain's (program id, item) pairs in stream order: units taken in order (unit count c
    is work unit `first + c * stride`), the programs an earlier unit drew dropped. The next item
    comes from unit count `unit`, after the `offset` items of it already taken."""

    def __init__(self, recipe_json: str, seed_parts: tuple, split: str, encoder: EncoderConfig, max_target_len: int,
                 workers: int, unit_programs: int = UNIT_PROGRAMS, first: int = 0, stride: int = 1, unit: int = 0,
                 offset: int = 0, seen: np.ndarray | None = None, usable_only: bool = False):
        self.distinct = Distinct()
        self._order: list[int] = []           # the ids seen, in the order the units drew them
        self._marks: dict[int, int] = {}      # unit -> len(_order) before it (units loaded since the oldest kept)
        self.skipped: collections.Counter = collections.Counter()
        self.taken = 0
        self.width = encoder.width
        encoder_json = json.dumps(dataclasses.asdict(encoder))

        def unit_args(count: int, encoding: str | None = encoder_json) -> tuple:
            return (recipe_json, seed_parts, first + count * stride, unit_programs, split, encoding, max_target_len,
                    usable_only)

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
        for pid, item in unpack(packed, self.width):
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
                 workers: int = 0, position: Sequence[int] = (), seen: np.ndarray | None = None,
                 distinct_encodings: bool = False):
        recipe, self.note = fountain_recipe(recipe)
        Fountain(recipe, reuse, unit_programs=unit_programs, distinct_encodings=distinct_encodings)  # validates them
        given = recipe
        if distinct_encodings:
            recipe, dropped = distinct_variants(recipe, encoder)
            self.note = "; ".join(n for n in (self.note, dropped) if n)
        if position and len(position) != 3:
            raise ValueError(f"a fountain position is (pool, unit, offset), not {list(position)}")
        first_pool, unit, offset = position or (None, 0, 0)
        self.seed, self.batch_size, self.rank = seed, batch_size, rank
        self.per_pool = POOL * reuse
        self.programs = _Programs(recipe.to_json(), ("fountain", seed), "train", encoder, max_target_len, workers,
                                  unit_programs, first=rank, stride=world_size, unit=unit, offset=offset,
                                  seen=seen if position else None, usable_only=distinct_encodings)
        # What a saved position means: resuming with other values would continue another stream.
        self.identity = json.loads(json.dumps({"recipe": given.to_dict(), "seed": seed, "batch_size": batch_size,
                                               "reuse": reuse, "unit_programs": unit_programs,
                                               "world_size": world_size}))  # as a checkpoint gives it back
        if distinct_encodings:  # only when set: a checkpoint from before the option resumes as it was
            # units draw only the programs the stream uses, screening aggregates (`fountain_unit`); a run of
            # the option saved before either (`OLDER_DISTINCT_STREAMS`) is another stream, and resuming it
            # says so
            self.identity["distinct_encodings"] = DISTINCT_STREAM
        self.skipped = self.programs.skipped
        self._first_pool = first_pool
        self._pool: tuple[int, tuple[int, int], Window] | None = None  # (index, where it began, batches)

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
            self._pool = (pool, start, Window.of(shuffled, self.per_pool, self.batch_size, rng, f"pool {pool}",
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
