"""Corpus recipes: what a corpus holds, read from TOML and validated field by field.

A recipe fixes every input of a corpus build, so that the same recipe gives the same rows:

    name = "small"                  # defaults to the file's stem
    description = "..."
    programs = 1536                 # distinct programs (canonical text) in the corpus
    seed = 0                        # programs and variant seeds derive from it
    vocab = [1, 2, 3, 4, 5]         # input tokens of every network
    max_seq_len = 5
    chunk_size = 64                 # programs per work unit (and per shard); part of the recipe,
                                    # because each unit samples from its own derived seed
    split_seed = 0                  # which split a program lands in derives from this alone

    [variants]                      # networks per program
    compiled = 1                    # 0 or 1
    scrambled = 1                   # compiler.scramble with derived seeds
    retrained = 0                   # compiler.retrain with derived seeds

    [splits]                        # fractions of programs; they sum to 1
    train = 0.8
    val = 0.1
    test = 0.1

    [generator]                     # generator.GeneratorConfig fields (not vocab, max_seq_len)
    max_ops = 6

    [scramble]                      # keyword arguments of compiler.scramble, e.g. kinds = [...]
    [retrain]                       # keyword arguments of compiler.retrain, e.g. max_steps = 2000

    [domains]                       # instead of vocab and max_seq_len: each work unit draws its own
    kinds = ["integers", "letters", "brackets", "words"]
    symbols = [2, 16]               # vocabulary size, inclusive range (brackets: even, at most 8)
    max_seq_len = [3, 10]

A recipe with `[domains]` gives its programs varied inputs: every work unit (`chunk_size`
programs) draws a kind, a size and a length from its own derived seed (`Recipe.for_unit`):
integers from a random start, consecutive letters, bracket pairs or short words. Each row keeps
its `vocab` and `max_seq_len`.

`split_seed` is separate from `seed` so that corpora built from different recipes with the same
`split_seed` and fractions agree on every program they share: a program in one corpus's test
split is in the other's test split too.

`load_recipe(path_or_name)` reads a file (a bare name such as `small` means
`datasets/small.toml`); every problem raises one `RecipeError` naming the file and the field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

from generator.config import ConfigError, GeneratorConfig

VARIANTS = ("compiled", "scrambled", "retrained")
SPLITS = ("train", "val", "test")
#: Where the project's own recipes live: `datasets/` at the top of a checkout, which a wheel
#: carries as `generator/datasets/` (pyproject's package-dir).
#: (Inside the package first: beside an installed package, site-packages/datasets is Hugging
#: Face's library.)
RECIPES_DIR = next((d for d in (Path(__file__).resolve().parent / "datasets",
                                Path(__file__).resolve().parent.parent / "datasets") if d.is_dir()),
                   Path(__file__).resolve().parent.parent / "datasets")

_TOP_LEVEL = ("name", "description", "programs", "seed", "vocab", "max_seq_len", "chunk_size", "split_seed",
              "variants", "splits", "generator", "scramble", "retrain", "domains")
#: Bounds that keep a typo from asking for years of work: programs per corpus, and scrambled or
#: retrained networks per program (each has its own seed; more than this adds little).
MAX_PROGRAMS = 10**9
MAX_VARIANTS = 16
#: The kinds of vocabulary a `[domains]` recipe draws from.
DOMAIN_KINDS = ("integers", "letters", "brackets", "words")
_BRACKETS = ("(", ")", "[", "]", "{", "}", "<", ">")
_WORDS = ("the", "cat", "sat", "on", "a", "mat", "dog", "ran", "to", "big", "red", "box", "and", "is", "it",
          "up", "in", "of", "we", "go")
# Set per recipe elsewhere: the network's inputs, or seeds the corpus derives itself.
_NOT_IN_GENERATOR = ("vocab", "max_seq_len")
_NOT_IN_SCRAMBLE = ("net", "seed", "verify")
_NOT_IN_RETRAIN = ("source", "seed", "vocab", "max_seq_len")
# Retraining options whose value makes the rows depend on the machine rather than the recipe.
_MACHINE_DEPENDENT = {name: "stops training after a wall-clock time, so rows would depend on the machine's "
                             "speed; bound training with max_steps instead"
                       for name in ("time_budget", "time_budget_s")}


class RecipeError(ValueError):
    """An invalid recipe; the message names the file, the field and what to write instead."""


@dataclasses.dataclass(frozen=True)
class Recipe:
    """A validated corpus recipe (see the module docstring); `to_dict`/`from_dict` for JSON."""

    name: str
    programs: int
    vocab: tuple
    max_seq_len: int
    generator: GeneratorConfig
    description: str = ""
    seed: int = 0
    chunk_size: int = 64
    split_seed: int = 0
    variants: Mapping[str, int] = dataclasses.field(
        default_factory=lambda: {"compiled": 1, "scrambled": 1, "retrained": 0})
    splits: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {"train": 0.8, "val": 0.1, "test": 0.1})
    scramble: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    retrain: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    # {"kinds": [...], "symbols": [lo, hi], "max_seq_len": [lo, hi]}: per-unit domains (module
    # docstring); `vocab` and `max_seq_len` then hold the first unit's, for what needs one
    domains: Mapping[str, Any] | None = None

    def for_unit(self, unit: int) -> "Recipe":
        """The recipe work unit `unit` builds from: itself, or with its drawn domain."""
        if not self.domains:
            return self
        vocab, max_seq_len = draw_domain(self.domains, self.seed, unit)
        generator = GeneratorConfig.from_dict(dict(self.generator.to_dict(), vocab=list(vocab),
                                                   max_seq_len=max_seq_len))
        return dataclasses.replace(self, vocab=tuple(vocab), max_seq_len=max_seq_len, generator=generator)

    @property
    def rows_per_program(self) -> int:
        return sum(self.variants.values())

    @property
    def rows(self) -> int:
        return self.programs * self.rows_per_program

    def to_dict(self) -> dict:
        """Every field explicit (generator defaults included), JSON-ready; `from_dict` inverts it."""
        generator = {k: v for k, v in self.generator.to_dict().items() if k not in _NOT_IN_GENERATOR}
        data = {"name": self.name, "description": self.description, "programs": self.programs,
                "seed": self.seed, "vocab": list(self.vocab), "max_seq_len": self.max_seq_len,
                "chunk_size": self.chunk_size, "split_seed": self.split_seed,
                "variants": dict(self.variants), "splits": dict(self.splits), "generator": generator,
                "scramble": dict(self.scramble), "retrain": dict(self.retrain)}
        if self.domains:
            del data["vocab"], data["max_seq_len"]
            data["domains"] = {k: list(v) for k, v in self.domains.items()}
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "recipe", name: str | None = None) -> "Recipe":
        """Validates `data` (a parsed TOML or `to_dict` output); `source` names it in errors."""
        return _Validator(source).recipe(data, name)


def derive_seed(*parts: Any) -> int:
    """A 32-bit seed for one purpose, from the text of `parts` (independent streams per purpose)."""
    return int.from_bytes(hashlib.sha256("/".join(map(str, parts)).encode()).digest()[:4], "big")


def draw_domain(domains: Mapping[str, Any], seed: int, unit: int) -> tuple[list, int]:
    """(vocab, max_seq_len) of work unit `unit` of a `[domains]` recipe; the same on any machine."""
    import random

    rng = random.Random(derive_seed(seed, "domain", unit))
    kind = rng.choice(list(domains["kinds"]))
    low, high = domains["symbols"]
    if kind == "brackets":
        low, high = max(2, low + low % 2), min(len(_BRACKETS), high - high % 2)
        size = rng.randrange(low, high + 1, 2) if low <= high else 2
        vocab = list(_BRACKETS[:size])
    else:
        size = rng.randint(low, high)
        if kind == "integers":
            start = rng.randint(-5, 30 - size)
            vocab = list(range(start, start + size))
        elif kind == "letters":
            start = rng.randint(0, 26 - size)
            vocab = [chr(ord("a") + start + i) for i in range(size)]
        else:
            vocab = sorted(rng.sample(_WORDS, min(size, len(_WORDS))))
    return vocab, rng.randint(*domains["max_seq_len"])


def recipe_path(name_or_path: str | os.PathLike) -> Path:
    """The file a recipe argument means: a path as given, or a bare name in `datasets/`."""
    path = Path(name_or_path)
    if path.suffix != ".toml" and path.parent == Path(".") and not path.is_file():  # a folder "small" is no recipe
        path = RECIPES_DIR / f"{path.name}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in RECIPES_DIR.glob("*.toml")) if RECIPES_DIR.is_dir() else []
        raise RecipeError(f"{name_or_path}: no such recipe file; give a .toml path"
                          + (f" or one of the project's recipes: {', '.join(known)}" if known else ""))
    return path


def load_recipe(name_or_path: str | os.PathLike) -> Recipe:
    """The recipe in a TOML file (or `datasets/NAME.toml` for a bare name), validated."""
    path = recipe_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise RecipeError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise RecipeError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    return Recipe.from_dict(data, source=str(path), name=path.stem)


class _Validator:
    """Reads one recipe, raising `RecipeError("<source>: `<field>`: <problem>")` at the first fault."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, field: str, problem: str):
        raise RecipeError(f"{self.source}: `{field}`: {problem}")

    def integer(self, data: Mapping, field: str, default: int | None = None, low: int = 0,
                high: int | None = None, prefix: str = "") -> int:
        value = data.get(field, default)
        where = prefix + field
        if value is None:
            self.fail(where, f"missing; add `{field} = <integer>`")
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"must be an integer, not {value!r}")
        if value < low:
            self.fail(where, f"must be at least {low}, not {value}")
        if high is not None and value > high:
            self.fail(where, f"must be in {low}..{high}, not {value}")
        return value

    def table(self, data: Mapping, field: str) -> dict:
        value = data.get(field, {})
        if not isinstance(value, dict):
            self.fail(field, f"must be a table (`[{field}]`), not {value!r}")
        return value

    def keys(self, table: Mapping, field: str, allowed, refused=()) -> None:
        for key in table:
            if key in refused:
                self.fail(f"{field}.{key}", "is set by the corpus, not the recipe; remove it"
                          + (f" (it belongs at the top level: `{key} = ...`)" if key in _NOT_IN_GENERATOR else ""))
            if key not in allowed:
                self.fail(f"{field}.{key}", f"unknown; allowed: {', '.join(sorted(allowed))}")

    def plain(self, value, field: str) -> None:
        """TOML values that JSON holds too (dates and times do not)."""
        if isinstance(value, dict):
            for k, v in value.items():
                self.plain(v, f"{field}.{k}")
        elif isinstance(value, list):
            for v in value:
                self.plain(v, field)
        elif not (value is None or isinstance(value, (bool, int, float, str))):
            self.fail(field, f"{value!r} is not a number, string, boolean, array or table")

    def recipe(self, data: Mapping, name: str | None) -> Recipe:
        if not isinstance(data, Mapping):
            raise RecipeError(f"{self.source}: a recipe is a table of fields, not {type(data).__name__}")
        for key in data:
            if key not in _TOP_LEVEL:
                self.fail(key, f"unknown field; fields are {', '.join(_TOP_LEVEL)}")
        for key, value in data.items():
            self.plain(value, key)
        name = data.get("name", name)
        if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_." for c in name):
            self.fail("name", f"must be a non-empty string of letters, digits, '-', '_' or '.', not {name!r}")
        description = data.get("description", "")
        if not isinstance(description, str):
            self.fail("description", f"must be a string, not {description!r}")
        domains = self.domains(data)
        if domains:
            vocab, max_seq_len = draw_domain(domains, self.integer(data, "seed", 0), 0)
        else:
            vocab = data.get("vocab")
            if not isinstance(vocab, list) or not vocab:
                self.fail("vocab", f"must be a non-empty array of tokens, e.g. `vocab = [1, 2, 3]`, not {vocab!r}")
            for token in vocab:
                if isinstance(token, bool) or not isinstance(token, (int, str)):
                    self.fail("vocab", f"tokens are integers or strings, not {token!r}")
            if len({(type(t), t) for t in vocab}) != len(vocab):
                self.fail("vocab", "has a token twice; list each token once")
            max_seq_len = self.integer(data, "max_seq_len", low=1, high=64)
        generator_table = self.table(data, "generator")
        self.keys(generator_table, "generator", {f.name for f in dataclasses.fields(GeneratorConfig)},
                  refused=_NOT_IN_GENERATOR)
        generator = self.generator(generator_table, vocab, max_seq_len)
        variants = self.variants(self.table(data, "variants"))
        return Recipe(
            name=name, description=description, vocab=tuple(vocab), max_seq_len=max_seq_len,
            generator=generator, programs=self.integer(data, "programs", low=1, high=MAX_PROGRAMS),
            seed=self.integer(data, "seed", 0), chunk_size=self.integer(data, "chunk_size", 64, low=1, high=65536),
            split_seed=self.integer(data, "split_seed", 0), variants=variants,
            splits=self.splits(self.table(data, "splits")), scramble=self.scramble(self.table(data, "scramble")),
            retrain=self.retrain(self.table(data, "retrain"), variants["retrained"]), domains=domains)

    def domains(self, data: Mapping) -> dict | None:
        """The `[domains]` table, checked; None when the recipe fixes vocab and max_seq_len."""
        if "domains" not in data:
            return None
        for key in ("vocab", "max_seq_len"):
            if key in data:
                self.fail(key, "a recipe with [domains] draws each unit's vocab and max_seq_len; remove it")
        table = self.table(data, "domains")
        self.keys(table, "domains", ("kinds", "symbols", "max_seq_len"))
        kinds = table.get("kinds", list(DOMAIN_KINDS))
        if not isinstance(kinds, list) or not kinds or any(k not in DOMAIN_KINDS for k in kinds):
            self.fail("domains.kinds", f"must be a non-empty array of {', '.join(DOMAIN_KINDS)}, not {kinds!r}")
        ranges = {}
        for key, default, low, high in (("symbols", [2, 16], 2, 20), ("max_seq_len", [3, 10], 1, 16)):
            value = table.get(key, default)
            if (not isinstance(value, list) or len(value) != 2
                    or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
                    or not low <= value[0] <= value[1] <= high):
                self.fail(f"domains.{key}", f"must be [lowest, highest] integers within {low}..{high}, not {value!r}")
            ranges[key] = value
        return {"kinds": list(kinds), **ranges}

    def generator(self, table: Mapping, vocab: list, max_seq_len: int) -> GeneratorConfig:
        try:
            return GeneratorConfig.from_dict(dict(table, vocab=vocab, max_seq_len=max_seq_len))
        except ConfigError as error:  # names its field already
            raise RecipeError(f"{self.source}: [generator] {error}") from None
        except TypeError:  # a value of a kind the config cannot compare: find whose
            for key, value in table.items():
                try:
                    GeneratorConfig.from_dict({key: value, "vocab": vocab, "max_seq_len": max_seq_len})
                except (TypeError, ConfigError) as error:
                    self.fail(f"generator.{key}", f"{value!r} does not fit ({error})")
            raise

    def variants(self, table: Mapping) -> dict[str, int]:
        self.keys(table, "variants", VARIANTS)
        variants = {"compiled": self.integer(table, "compiled", 1, high=1, prefix="variants."),
                    "scrambled": self.integer(table, "scrambled", 1, high=MAX_VARIANTS, prefix="variants."),
                    "retrained": self.integer(table, "retrained", 0, high=MAX_VARIANTS, prefix="variants.")}
        if not any(variants.values()):
            self.fail("variants", "asks for no networks; set compiled = 1 or scrambled/retrained >= 1")
        return variants

    def splits(self, table: Mapping) -> dict[str, float]:
        self.keys(table, "splits", SPLITS)
        splits = {"train": 0.8, "val": 0.1, "test": 0.1} if not table else {s: table.get(s, 0.0) for s in SPLITS}
        for split, share in splits.items():
            if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
                self.fail(f"splits.{split}", f"must be a fraction in [0, 1], not {share!r}")
        if not math.isclose(sum(splits.values()), 1.0, abs_tol=1e-9):
            self.fail("splits", f"fractions sum to {sum(splits.values()):g}, not 1 (missing splits count as 0)")
        return {s: float(v) for s, v in splits.items()}

    def scramble(self, table: Mapping) -> dict:
        from compiler.variants.scrambling import KINDS, scramble

        allowed = [p for p in inspect.signature(scramble).parameters if p not in _NOT_IN_SCRAMBLE]
        self.keys(table, "scramble", allowed, refused=_NOT_IN_SCRAMBLE)
        kinds = table.get("kinds")
        if kinds is not None:
            if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
                self.fail("scramble.kinds", f"must be a non-empty array of kind names, not {kinds!r}")
            unknown = [k for k in kinds if k not in KINDS]
            if unknown:
                self.fail("scramble.kinds", f"unknown kind(s) {unknown}; kinds are {', '.join(KINDS)}")
        for key in table:
            if key.startswith("pad_"):
                self.integer(table, key, prefix="scramble.")
        return dict(table)

    def retrain(self, table: Mapping, count: int) -> dict:
        import compiler

        if not hasattr(compiler, "retrain"):
            if count or table:
                self.fail("variants.retrained" if count else "retrain",
                          "this installation's compiler has no retrain(); set `retrained = 0` and drop [retrain]")
            return {}
        allowed = {name for name, p in inspect.signature(compiler.retrain).parameters.items()
                   if p.kind is not p.VAR_KEYWORD and name not in _NOT_IN_RETRAIN}
        from compiler.variants.retraining import TrainingOptions

        options_type = TrainingOptions
        if options_type is not None:  # retrain(**options) takes these
            allowed |= {f.name for f in dataclasses.fields(options_type)}
        self.keys(table, "retrain", allowed, refused=_NOT_IN_RETRAIN)
        for key, why in _MACHINE_DEPENDENT.items():
            if key in table:
                self.fail(f"retrain.{key}", why)
        if options_type is not None:
            fields = {f.name for f in dataclasses.fields(options_type)}
            try:
                options_type(**{k: v for k, v in table.items() if k in fields})
            except (TypeError, ValueError) as error:
                field = next((k for k in table if str(error).startswith(k)), None)
                self.fail(f"retrain.{field}" if field else "retrain", str(error))
        return dict(table)
