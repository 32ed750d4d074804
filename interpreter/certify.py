"""Certificates: a candidate program is compiled and its net run on the inputs the trace ran the
network on (every input up to max_seq_len, or a sample and then a hypothesis search for a
disagreement). Only this comparison makes a decompiled program verified.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import compiler
from compiler.compiling.check import outputs_agree, search_failing_input
from compiler.language import functions as fn
from compiler.language import program as prog
from compiler.nets.net import Net


@dataclasses.dataclass(frozen=True)
class Certificate:
    agreement: float
    inputs: int
    exhaustive: bool
    verified: bool


class Certifier:
    """Compares the compiled nets of candidate programs with one net on fixed inputs: the trace's
    (every input up to max_seq_len, or a sample), plus a hypothesis search for a disagreement
    when the inputs are a sample."""

    def __init__(self, net: Net, inputs: list[list], exhaustive: bool, seed: int = 0):
        self.net, self.inputs, self.exhaustive, self.seed = net, inputs, exhaustive, seed
        self.vocab = {t for t in net.input_tokens if t not in (net.bos, net.pad)}
        self.expected = net.run(inputs)
        self.compiled = 0

    def __call__(self, program: prog.Program) -> Certificate:
        self.compiled += 1
        try:
            candidate = compiler.compile_program(program, self.vocab, self.net.config.max_seq_len,
                                                 causal=self.net.config.causal)
            got = candidate.run(self.inputs)
        except (compiler.CompileError, compiler.SourceError, ValueError, ArithmeticError, TypeError) as error:
            del error
            return Certificate(0.0, len(self.inputs), self.exhaustive, False)
        agree = sum(nets_agree(want, have) for want, have in zip(self.expected, got))
        agreement = agree / len(self.inputs)
        verified = agree == len(self.inputs)
        if verified and not self.exhaustive:
            verified = self._search(candidate) is None
        return Certificate(agreement, len(self.inputs), self.exhaustive, verified)

    def _search(self, candidate: Net) -> list | None:
        """A hypothesis search for an input on which the two nets disagree; None if none found."""
        return search_failing_input(sorted(self.vocab, key=fn.value_sort_key), self.net.config.max_seq_len,
                                    lambda xs: not nets_agree(self.net.run([xs])[0], candidate.run([xs])[0]),
                                    len(self.inputs), self.seed)


def nets_agree(want: Sequence, got: Sequence) -> bool:
    """Two nets' outputs on one input agree: None only where the other has None, numbers
    within the project's tolerance, other values equal."""
    if len(want) != len(got):
        return False
    for a, b in zip(want, got):
        if (a is None) != (b is None):
            return False
        if isinstance(a, bool) != isinstance(b, bool):
            return False
    # numbers compare as numbers whichever side is a float (a numerical net's 0.0 is a
    # categorical net's 0), within the project's tolerance
    return outputs_agree([_as_float(a, b) for a, b in zip(want, got)], [_as_float(b, a) for a, b in zip(want, got)])


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_float(value: Any, other: Any) -> Any:
    """`value` as a float when it and `other` are numbers and one of them is a float."""
    if _number(value) and _number(other) and (isinstance(value, float) or isinstance(other, float)):
        return float(value)
    return value
