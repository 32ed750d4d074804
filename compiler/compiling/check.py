"""The property every network must have: on every input it computes what its program computes.

Compared in tracr's convention: positions where the program says None are ignored, numbers
(bools read as 0/1) match within atol 1e-3 and rtol 0.005 where the network gives a float,
other values exactly.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
import random
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np
from tracr.rasp import rasp

from compiler.language import program as prog
from compiler.language.literals import value_sort_key

if TYPE_CHECKING:
    from compiler.nets.net import Net

ATOL, RTOL = 1e-3, 5e-3


def outputs_agree(expected: Sequence, actual: Sequence, atol: float = ATOL, rtol: float = RTOL) -> bool:
    """Whether a network's output matches its program's on one input (see module docstring)."""
    if len(expected) != len(actual):
        return False
    for want, got in zip(expected, actual):
        if want is None:
            continue
        if isinstance(got, float) and isinstance(want, (int, float)):
            if abs(want - got) > atol + rtol * abs(want):
                return False
        elif want != got:
            return False
    return True


def nets_outputs_agree(expected: Net, actual: Net, inputs: Sequence[Sequence]) -> list[bool]:
    """Per input, `outputs_agree(expected.run([xs])[0], actual.run([xs])[0])`, decided on the
    nets' output rows at once: a position agrees where both read the same value (categorical
    nets with the same output values: the same argmax, or no value expected) or numbers within
    the tolerance; an input with any other position is decided by decoding it."""
    if not inputs:
        return []
    want, starts = expected.output_rows(inputs)
    got, _ = actual.output_rows(inputs)
    sure = np.zeros(len(want), dtype=bool)
    if expected.output_values is None and actual.output_values is None:
        a, b = want[:, 0].astype(np.float64), got[:, 0].astype(np.float64)
        sure = np.abs(a - b) <= ATOL + RTOL * np.abs(a)
    elif expected.output_values is not None and expected.output_values == actual.output_values:
        best = want.argmax(axis=-1)
        present = (np.ones(len(want), dtype=bool) if expected.none_threshold is None
                   else want.max(axis=-1) >= expected.none_threshold)
        given = (np.ones(len(got), dtype=bool) if actual.none_threshold is None
                 else got.max(axis=-1) >= actual.none_threshold)
        sure = ~present | (given & (got.argmax(axis=-1) == best))
    unsure = np.concatenate([[0], np.cumsum(~sure)])  # per input: the positions not sure, counted
    unsure = unsure[starts[1:]] - unsure[starts[:-1]]
    out = []
    for i, (begin, end) in enumerate(zip(starts[:-1].tolist(), starts[1:].tolist())):
        out.append(not unsure[i] or outputs_agree(expected.decode(want[begin:end]), actual.decode(got[begin:end])))
    return out


@dataclasses.dataclass(frozen=True)
class Counterexample:
    input: list
    expected: list
    actual: list

    def format(self) -> str:
        return f"input    {self.input}\nprogram  {self.expected}\nnetwork  {self.actual}"


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """How many inputs were compared, whether all of them, and the smallest failure if any."""

    inputs: int
    exhaustive: bool
    counterexample: Counterexample | None

    @property
    def ok(self) -> bool:
        return self.counterexample is None


def all_inputs(vocab: Sequence, max_seq_len: int, limit: int) -> list[list] | None:
    """Every input of length 1..max_seq_len, shortest first; None if there are over `limit`."""
    tokens = sorted(vocab, key=value_sort_key)
    if sum(len(tokens) ** n for n in range(1, max_seq_len + 1)) > limit:
        return None
    return [list(xs) for n in range(1, max_seq_len + 1) for xs in itertools.product(tokens, repeat=n)]


def multiset_count(vocab_size: int, max_seq_len: int) -> int:
    """How many sorted inputs (multisets of tokens) of length 1..max_seq_len there are."""
    return sum(math.comb(n + vocab_size - 1, n) for n in range(1, max_seq_len + 1))


def all_multisets(vocab: Sequence, max_seq_len: int, limit: int) -> list[list] | None:
    """Every sorted input of length 1..max_seq_len (one per multiset of tokens), shortest first;
    None if there are over `limit`. A program that reads no order (`defined.reads_no_order`)
    gives the same values, permuted alike, on every ordering of one of these."""
    tokens = sorted(vocab, key=value_sort_key)
    if multiset_count(len(tokens), max_seq_len) > limit:
        return None
    return [list(xs) for n in range(1, max_seq_len + 1)
            for xs in itertools.combinations_with_replacement(tokens, n)]


def random_inputs(vocab: Sequence, max_seq_len: int, count: int, rng: random.Random) -> list[list]:
    """`count` random inputs, the first of length 1 and the second of length max_seq_len."""
    tokens = sorted(vocab, key=value_sort_key)
    lengths = [1, max_seq_len] + [rng.randint(1, max_seq_len) for _ in range(max(0, count - 2))]
    return [[rng.choice(tokens) for _ in range(n)] for n in lengths[:count]]


def structured_inputs(vocab: Sequence, max_seq_len: int, count: int, rng: random.Random) -> list[list]:
    """`count` inputs of the shapes uniform sampling almost never draws from a large domain, but
    where programs change behaviour: one token repeated, one token among k copies of another at
    random places (every k: the fractions and counts at their extremes), two or three tokens in
    random proportions, and sorted runs. Every length is drawn equally often."""
    tokens = sorted(vocab, key=value_sort_key)
    out: list[list] = []
    while len(out) < count:
        n = rng.randint(1, max_seq_len)
        shape = rng.randrange(4)
        if shape == 0 or len(tokens) == 1:
            xs = [rng.choice(tokens)] * n
        elif shape == 1:
            a, b = rng.sample(tokens, 2)
            k = rng.randint(0, n)
            xs = [a] * k + [b] * (n - k)
            rng.shuffle(xs)
        elif shape == 2:
            few = rng.sample(tokens, min(len(tokens), rng.choice((2, 3))))
            weights = [rng.random() ** 2 + 0.01 for _ in few]
            xs = rng.choices(few, weights=weights, k=n)
        else:
            xs = sorted(rng.choices(tokens, k=n), key=value_sort_key)
            if rng.random() < 0.5:
                xs.reverse()
        out.append(xs)
    return out


def sampled_inputs(vocab: Sequence, max_seq_len: int, count: int, rng: random.Random) -> list[list]:
    """`count` random inputs (`random_inputs`) then `count` structured ones (`structured_inputs`),
    both from `rng`: what a check on a domain too large to enumerate tries first."""
    return random_inputs(vocab, max_seq_len, count, rng) + structured_inputs(vocab, max_seq_len, count, rng)


def reference_outputs(program: prog.Program | rasp.SOp, xs: Sequence, causal: bool = False) -> list:
    """What the program gives on `xs`: with `causal`, position i sees only xs[:i + 1] (the
    semantics a causal net is compiled for: its output at i is the program's on that prefix)."""
    if not causal:
        return prog.evaluate(program, xs)
    return [prog.evaluate(program, xs[:i + 1])[i] for i in range(len(xs))]


def check_net(program: prog.Program | rasp.SOp, net, *, examples: int = 500, exhaustive_limit: int = 5000,
              seed: int = 0) -> CheckResult:
    """Compares `net` with `program` (or a tracr SOp) on every input when there are at most `exhaustive_limit`,
    else on `examples` random inputs (lengths 1 and max_seq_len always included) and `examples`
    structured ones (`structured_inputs`), followed by a hypothesis search; a failure is shrunk to a smallest input."""
    vocab = net.vocab
    max_seq_len = net.config.max_seq_len
    causal = net.config.causal

    def failure(batch: list[list]) -> Counterexample | None:
        for xs, actual in zip(batch, net.run(batch)):
            expected = reference_outputs(program, xs, causal)
            if not outputs_agree(expected, actual):
                return Counterexample(list(xs), expected, actual)
        return None

    inputs = all_inputs(vocab, max_seq_len, exhaustive_limit)
    if inputs is not None:  # shortest first, so the first failure is a smallest one
        return CheckResult(len(inputs), True, failure(inputs))
    # structured inputs too, the shapes uniform draws miss on large domains: a net that misread a
    # select's width only when every token is the same (15 equal words of 50) passed 500 uniform draws
    batch = sampled_inputs(vocab, max_seq_len, examples, random.Random(seed))
    tokens = sorted(vocab, key=value_sort_key)
    found = failure(batch)
    xs = search_failing_input(tokens, max_seq_len,
                              lambda xs: not outputs_agree(reference_outputs(program, xs, causal), net.run([xs])[0]),
                              examples, seed)
    searched = None if xs is None else Counterexample(xs, reference_outputs(program, xs, causal), net.run([xs])[0])
    return CheckResult(len(batch) + examples, False, searched or found)


def search_failing_input(tokens: Sequence, max_seq_len: int, fails: Callable[[list], bool], examples: int,
                         seed: int) -> list | None:
    """A hypothesis search for an input of 1..max_seq_len `tokens` on which `fails` holds, shrunk
    to a smallest one; None if `examples` tries find none."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis import strategies as st
    from hypothesis.errors import NoSuchExample

    inputs = st.lists(st.sampled_from(list(tokens)), min_size=1, max_size=max_seq_len)
    try:
        # no deadline: how long one check takes says nothing of the net (a busy machine made
        # hypothesis's default 200 ms raise DeadlineExceeded out of `fountain check`)
        return find(inputs, fails, settings=settings(max_examples=examples, database=None, derandomize=True,
                                                      deadline=None, suppress_health_check=list(HealthCheck)),
                    random=random.Random(seed))
    except NoSuchExample:
        return None


def search_failing_batch(tokens: Sequence, max_seq_len: int, fails: Callable[[list[list]], Sequence[bool]],
                         examples: int, seed: int) -> list | None:
    """`search_failing_input` for a check that is cheaper on many inputs at once (a net run on a
    batch): the inputs the same hypothesis search tries while none fails (`hypothesis_inputs`,
    generated once per search and kept) are checked in one call, and the first failing one is
    shrunk (`shrunk`); None if none fails."""
    inputs = [list(xs) for xs in hypothesis_inputs(tuple(tokens), max_seq_len, examples, seed)]
    failing = next((xs for xs, bad in zip(inputs, fails(inputs)) if bad), None)
    return None if failing is None else shrunk(failing, lambda xs: bool(fails([xs])[0]), tokens)


@functools.lru_cache(maxsize=16)
def hypothesis_inputs(tokens: tuple, max_seq_len: int, examples: int, seed: int) -> tuple[tuple, ...]:
    """The inputs of 1..max_seq_len `tokens` that a derandomised hypothesis search of `examples`
    tries when none fails, in its order (generating them costs ~1.5 ms each: they are kept)."""
    tried: list[tuple] = []
    search_failing_input(tokens, max_seq_len, lambda xs: tried.append(tuple(xs)) and False, examples, seed)
    return tuple(tried)


def shrunk(xs: list, fails: Callable[[list], bool], tokens: Sequence, max_calls: int = 500) -> list:
    """A failing input made smaller while it still fails: positions dropped, then tokens replaced by
    the first of `tokens`, until neither helps (at most `max_calls` checks)."""
    calls = 0
    changed = True
    while changed and calls < max_calls:
        changed = False
        for i in range(len(xs)):
            for candidate in ([xs[:i] + xs[i + 1:]] if len(xs) > 1 else []) + (
                    [xs[:i] + [tokens[0]] + xs[i + 1:]] if xs[i] != tokens[0] else []):
                if calls >= max_calls:
                    return xs
                calls += 1
                if fails(candidate):
                    xs, changed = candidate, True
                    break
            if changed:
                break
    return xs
