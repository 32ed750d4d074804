"""What the sampler may draw, and where its randomness comes from.

`GeneratorConfig` is plain, validated data: the vocabulary and length, how many operations, the
weight of each kind, the function templates (`MAP_FUNCTIONS`, `SEQUENCE_MAP_FUNCTIONS`: lambdas
whose trailing parameter c is bound to a constant), the comparisons, the share of numerical
S-Ops and of tables. `Choices` is the one seam for randomness: `RandomChoices` for
`sample_programs`, hypothesis's draws for `generator.strategies`, which therefore shrink.
"""

from __future__ import annotations

import abc
import dataclasses
import functools
import random
from typing import Any, Mapping, Sequence

from tracr.rasp import rasp

import compiler
from compiler.language import functions as fn
from compiler.language.parser import parse_lambda

#: Map functions: `lambda x: ...`, or `lambda x, c: ...` with c bound to a constant.
MAP_FUNCTIONS = (
    "lambda x, c: x + c", "lambda x, c: x - c", "lambda x, c: c - x", "lambda x, c: x * c",
    "lambda x, c: x // c", "lambda x, c: x % c", "lambda x, c: min(x, c)", "lambda x, c: max(x, c)",
    "lambda x, c: abs(x - c)", "lambda x, c: x == c", "lambda x, c: x != c", "lambda x, c: x < c",
    "lambda x, c: x > c", "lambda x, c: x <= c", "lambda x, c: x >= c", "lambda x, c: 1 if x > c else 0",
    "lambda x, c: x if x < c else c", "lambda x: -x", "lambda x: x * x", "lambda x: x % 2 == 0",
    "lambda x: not x", "lambda x: x",
)

#: SequenceMap functions: `lambda x, y: ...`, optionally with a constant c.
SEQUENCE_MAP_FUNCTIONS = (
    "lambda x, y: x + y", "lambda x, y: x - y", "lambda x, y: x * y", "lambda x, y: min(x, y)",
    "lambda x, y: max(x, y)", "lambda x, y: x == y", "lambda x, y: x != y", "lambda x, y: x < y",
    "lambda x, y: x > y", "lambda x, y: x and y", "lambda x, y: x or y",
    "lambda x, y: x if x > y else y", "lambda x, y, c: x + y + c", "lambda x, y, c: x if y == c else y",
)

#: The factors a linear_sequence_map draws for each of its inputs.
LINEAR_FACTORS = (-2, -1, 1, 2)

OP_KINDS = ("map", "sequence_map", "linear_sequence_map", "aggregate", "selector_width")
DEFAULT_OP_WEIGHTS = {"map": 4.0, "sequence_map": 2.0, "linear_sequence_map": 1.0, "aggregate": 4.0,
                      "selector_width": 2.0}
COMPARISONS = tuple(c.name for c in rasp.Comparison)
#: FALSE selects nothing, so whatever reads it is constant; it stays available by config.
DEFAULT_COMPARISONS = tuple(c for c in COMPARISONS if c != "FALSE")

class ConfigError(ValueError):
    """An invalid generator setting; names the field."""


@dataclasses.dataclass(frozen=True)
class GeneratorConfig:
    """Everything that shapes the programs drawn; plain data (see `to_dict`/`from_dict`)."""

    vocab: tuple = (1, 2, 3, 4, 5)
    max_seq_len: int = 5
    min_ops: int = 1
    max_ops: int = 12
    op_weights: Mapping[str, float] = dataclasses.field(default_factory=lambda: dict(DEFAULT_OP_WEIGHTS))
    numerical_share: float = 0.25
    map_functions: tuple[str, ...] = MAP_FUNCTIONS
    sequence_map_functions: tuple[str, ...] = SEQUENCE_MAP_FUNCTIONS
    comparisons: tuple[str, ...] = DEFAULT_COMPARISONS
    constants: tuple[int, ...] = (0, 1, 2, 3)
    table_share: float = 0.1
    max_values: int = 16
    unique_behaviour: bool = False
    check: bool = True
    probes: int = 32

    def __post_init__(self):
        def need(ok: bool, field: str, message: str):
            if not ok:
                raise ConfigError(f"generator config `{field}`: {message}")

        need(len(self.vocab) >= 1 and len(set(self.vocab)) == len(self.vocab), "vocab",
             "needs one or more distinct tokens")
        for token in self.vocab:
            need(isinstance(token, (int, str)) and not isinstance(token, bool), "vocab",
                 f"tokens are ints or strings, not {token!r}")
        need(isinstance(self.max_seq_len, int) and 1 <= self.max_seq_len <= 64, "max_seq_len", "must be 1..64")
        need(isinstance(self.min_ops, int) and 1 <= self.min_ops, "min_ops", "must be at least 1")
        need(isinstance(self.max_ops, int) and self.min_ops <= self.max_ops <= 64, "max_ops",
             "must be min_ops..64")
        unknown = set(self.op_weights) - set(OP_KINDS)
        need(not unknown, "op_weights", f"unknown kinds {sorted(unknown)}; kinds are {list(OP_KINDS)}")
        need(all(w >= 0 for w in self.op_weights.values()) and sum(self.op_weights.values()) > 0,
             "op_weights", "weights are >= 0 and not all 0")
        need(0 <= self.numerical_share <= 1, "numerical_share", "must be in [0, 1]")
        need(0 <= self.table_share <= 1, "table_share", "must be in [0, 1]")
        need(set(self.comparisons) <= set(COMPARISONS) and self.comparisons, "comparisons",
             f"a non-empty subset of {list(COMPARISONS)}")
        need(self.max_values >= 2, "max_values", "must be at least 2")
        need(self.probes >= 1, "probes", "must be at least 1")
        for field, arity in (("map_functions", 1), ("sequence_map_functions", 2)):
            templates = getattr(self, field)
            need(len(templates) >= 1, field, "needs at least one template")
            for template in templates:
                try:
                    function = parse_template(template)
                except compiler.SourceError as error:
                    raise ConfigError(f"generator config `{field}`: {template!r}: {error}") from None
                need(arity <= function.arity <= arity + 1, field,
                     f"{template!r} takes {function.arity} parameters; templates take {arity} "
                     "(and optionally one constant c)")

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["op_weights"] = dict(self.op_weights)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "GeneratorConfig":
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - fields
        if unknown:
            raise ConfigError(f"generator config: unknown field(s) {sorted(unknown)}; fields are {sorted(fields)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


@functools.lru_cache(maxsize=None)
def parse_template(text: str) -> fn.Lambda:
    return parse_lambda(text)


# ---------------------------------------------------------------------------------------
# Sources of randomness


class Choices(abc.ABC):
    """What the sampler asks of randomness. Subclasses: `RandomChoices`, and hypothesis draws."""

    @abc.abstractmethod
    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high]; the one primitive, so that hypothesis can shrink it."""

    def choice(self, options: Sequence):
        return options[self.integer(0, len(options) - 1)]

    def weighted(self, options: Sequence, weights: Sequence[float]):
        """An option with probability proportional to its weight (shrinks to the first)."""
        total = sum(weights)
        point = self.integer(0, 10**6 - 1) / 10**6 * total
        for option, weight in zip(options, weights):
            if point < weight:
                return option
            point -= weight
        return options[-1]

    def chance(self, probability: float) -> bool:
        return self.integer(0, 10**6 - 1) < probability * 10**6


class RandomChoices(Choices):
    def __init__(self, rng: random.Random):
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)
