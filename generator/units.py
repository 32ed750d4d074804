"""The row-and-unit contract: what a program's rows are and how work units draw them. Corpus
builds (`generator.corpus`) and the interpreter's training stream (`interpreter.stream`) both
follow it, so a program gets the same id, split, seeds and nets wherever it is drawn.

* **Ids.** `program_id(source)`: the first 16 hex digits of sha256 of the canonical text; two
  programs are the same exactly when their ids are.
* **Seeds.** Every seed is `generator.recipes.derive_seed(recipe.seed, ...)` of named parts: a
  unit's sampler ("chunk" or the stream's parts, and the unit), a variant's (program_id, variant, j).
* **Splits.** `split_of(program_id, splits, split_seed)`: by program, so every variant of a
  program lands in one split.
* **Units.** `draw_unit(recipe, unit, programs, seed_parts)`: unit k samples its programs over its
  own domain (`Recipe.for_unit`) with a seed derived from (seed, *seed_parts, k); nothing in it
  depends on where or when it runs (a worker process, a Ray task, this process).
* **Rows.** `program_rows(recipe, source, net)`: the compiled net and the recipe's variants, in
  that order; `ProgramDropped` when a program cannot have them all.
* **Dedupe.** `Distinct`: units are taken in order and a program an earlier unit had is dropped;
  `BARREN_UNITS` units in a row that add nothing mean the recipe cannot give more.
* **Executors.** Work units run in spawned processes (`generator.workers`), or on Ray for corpora.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Callable, Hashable, Iterable, Mapping

import compiler
from compiler.language.literals import value_sort_key
from compiler.language.tokenizer import encode
from generator.recipes import SPLITS, Recipe, derive_seed

# Seeds tried per scramble before a program is dropped (scramble refuses seeds whose float32
# rounding would change an output; one in tens at most, see compiler.variants.scrambling).
SCRAMBLE_TRIES = 16
#: Consecutive work units that add nothing new after which a recipe is taken to be exhausted.
BARREN_UNITS = 8


def program_id(source: str) -> str:
    """The first 16 hex digits of the sha256 of a program's canonical text."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:16]


def split_of(program_id: str, splits: Mapping[str, float], split_seed: int = 0) -> str:
    """The split of a program: a uniform draw from (split_seed, program_id) against the fractions."""
    point = int.from_bytes(hashlib.sha256(f"split/{split_seed}/{program_id}".encode()).digest()[:8], "big") / 2**64
    chosen = [s for s in SPLITS if splits.get(s, 0) > 0]
    for split in chosen:
        point -= splits[split]
        if point < 0:
            return split
    return chosen[-1]  # the fractions' rounding left a sliver above their sum


class ProgramDropped(Exception):
    """A program that cannot get all its variants; `reason` is counted in the receipt."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def program_rows(recipe: Recipe, source: str, net: compiler.Net | None = None,
                 program: compiler.Program | None = None) -> list[dict]:
    """The rows of one program: its compiled net and the recipe's variants, in that order.

    `net`: the program compiled for the recipe's vocab and max_seq_len, when the caller has it
    (`sample(..., keep_nets=True)`); compiled here otherwise. `program`: `source` parsed, when
    the caller has it (the sampler's), else parsed here. Raises `ProgramDropped` for a
    program that cannot have all of them (no scramble seed in `SCRAMBLE_TRIES` passes
    verification, or the compiler refuses it); a build skips it."""
    pid = program_id(source)
    common = {"program_id": pid, "source": source, "program_tokens": encode(source),
              "vocab": json.dumps(sorted(recipe.vocab, key=value_sort_key)), "max_seq_len": recipe.max_seq_len,
              "n_ops": (program or compiler.parse(source)).op_count,
              "split": split_of(pid, recipe.splits, recipe.split_seed)}
    return [dict(common, variant=variant, variant_seed=seed, weights=variant_net.to_bytes(),
                 config=json.dumps(dataclasses.asdict(variant_net.config), sort_keys=True),
                 n_layers=variant_net.config.n_layers, d_model=variant_net.config.d_model)
            for variant, seed, variant_net in program_nets(recipe, source, net)]


def program_nets(recipe: Recipe, source: str, net: compiler.Net | None = None) -> list[tuple[str, int, compiler.Net]]:
    """(variant, variant seed, net) of each of `program_rows`' rows, in memory (the fountain encodes
    them without writing them out and reading them back); `net` and errors as there."""
    if net is None:
        try:
            net = compiler.compile_program(source, vocab=set(recipe.vocab), max_seq_len=recipe.max_seq_len)
        except compiler.CompileError:  # only when the recipe turned the sampler's check off
            raise ProgramDropped("refused by the compiler") from None
    pid = program_id(source)
    nets = [("compiled", 0, net)] if recipe.variants["compiled"] else []
    used: set[int] = set()
    for j in range(recipe.variants["scrambled"]):
        nets.append(("scrambled", *_scrambled(net, derive_seed(recipe.seed, pid, "scrambled", j), used, recipe)))
    for j in range(recipe.variants["retrained"]):
        seed = derive_seed(recipe.seed, pid, "retrained", j)
        nets.append(("retrained", seed, compiler.retrain(net, seed=seed, **recipe.retrain)))
    return nets


def _scrambled(net, seed: int, used: set[int], recipe: Recipe):
    """(seed, scrambled net): the first of seed, seed + 1, ... that scramble accepts and this
    program has not used yet."""
    for offset in range(SCRAMBLE_TRIES):
        candidate = (seed + offset) % 2**32
        if candidate in used:
            continue
        try:
            scrambled = compiler.scramble(net, seed=candidate, **recipe.scramble)
        except compiler.ScrambleError:
            continue
        used.add(candidate)
        return candidate, scrambled
    raise ProgramDropped(f"scramble refused {SCRAMBLE_TRIES} seeds")


def draw_unit(recipe: Recipe, unit: int, programs: int, seed_parts: tuple = ("chunk",), keep_nets: bool = True,
              refuse: Callable[[str], str | None] | None = None, screen_aggregates: bool = False):
    """Work unit `unit`: (the recipe it builds from, its programs, the sampler's record).

    `programs` programs are sampled over the unit's domain (`recipe.for_unit(unit)`) with the seed
    derive_seed(recipe.seed, *seed_parts, unit); with `keep_nets` the sampler's compiled nets come
    with its record (`program_rows` then need not compile them again). `refuse` and
    `screen_aggregates` as `sample`'s."""
    from generator.sampler import sample  # the sampler's checks compile: loaded where units are drawn

    recipe = recipe.for_unit(unit)
    drawn, sampling = sample(programs, seed=derive_seed(recipe.seed, *seed_parts, unit), config=recipe.generator,
                             keep_nets=keep_nets, refuse=refuse, screen_aggregates=screen_aggregates)
    return recipe, drawn, sampling


class Distinct:
    """Programs counted once across work units taken in order, and when a recipe is exhausted.

    `add(ids)` takes a unit's ids and returns those no earlier unit had, in order; `unit_done(added)`
    after each unit says whether `BARREN_UNITS` units in a row have added nothing."""

    def __init__(self, seen: Iterable[Hashable] = ()):
        self.seen: set = set(seen)
        self.barren = 0

    def new(self, ids: Iterable[Hashable]) -> list:
        """The ids not seen before, in order, each once (not taken in)."""
        return [pid for pid in dict.fromkeys(ids) if pid not in self.seen]

    def add(self, ids: Iterable[Hashable]) -> list:
        """Takes `ids` in; returns the new ones, in order."""
        fresh = self.new(ids)
        self.seen.update(fresh)
        return fresh

    def unit_done(self, added: bool) -> bool:
        """Counts a unit that `added` something or nothing; True once the recipe is exhausted."""
        self.barren = 0 if added else self.barren + 1
        return self.barren >= BARREN_UNITS
