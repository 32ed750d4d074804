"""The line-by-line search over a net's components (see `interpreter.verified` for the whole
decompiler): where candidate lines come from (`Library`), the search state, and the walk over the
components in limited-discrepancy order. Heads are explained in `interpreter.head_lines`, MLP
blocks in `interpreter.mlp_lines`; `LineSearch` is both.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
from tracr.rasp import rasp

import compiler
from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.parser import parse_lambda
from compiler.language.values import ValueSets
from generator.config import MAP_FUNCTIONS, SEQUENCE_MAP_FUNCTIONS
from interpreter.head_lines import HeadLines
from interpreter.lines import (
    MEAN_SUMS,
    MEAN_SUMS_MODULO,
    ROUNDING,
    WEIGHTED_SUMS,
    make_var,
    object_array,
    primitives,
    row_mapping,
    table_of,
    value_codes,
)
from interpreter.mlp_lines import Line, MlpLines, State
from interpreter.trace import OUTPUT_TOLERANCE, Trace, readable, same_partition

#: Modular arithmetic the decompiler tries with moduli taken from the net (the generator draws
#: none of these: its constants are small), a digital root's 1 .. c cycle with 0 its own, and a
#: mean's sum modulo c (`lines.MEAN_SUMS_MODULO`).
MODULAR_FUNCTIONS = ("lambda x, c: (x + 1) % c", "lambda x, c: (x - 1) % c", "lambda x, y, c: (x + y) % c",
                     "lambda x, y, c: (x - y) % c", "lambda x, y, c: (x * y) % c",
                     "lambda x, c: 0 if x == 0 else 1 + (x - 1) % c") + MEAN_SUMS_MODULO


#: Maps the decompiler tries beyond the generator's templates (whose constants are small
#: integers): a mean's thresholds at one half (a majority), the sign of a difference, and a
#: fraction rounded (`lines.ROUNDING`).
EXTRA_MAP_FUNCTIONS = ("lambda x: x > 0.5", "lambda x: x >= 0.5", "lambda x: x < 0.5", "lambda x: x <= 0.5",
                       "lambda x: 1 if x > 0 else (-1 if x < 0 else 0)", ROUNDING)
#: Sequence maps the decompiler tries beyond the generator's templates (`lines.WEIGHTED_SUMS`,
#: `lines.MEAN_SUMS`).
EXTRA_SEQUENCE_MAP_FUNCTIONS = WEIGHTED_SUMS + MEAN_SUMS


#: Select predicates beyond tracr's comparisons, with their constants: one fixed key (the first
#: position, read by every query; a table read off a sample misses the queries it did not see) and
#: shifts (tracr's lib.shift_by).
PREDICATE_FUNCTIONS = (("lambda k, q, c: k == c", (0, 1, 2)), ("lambda k, q, c: k == q - c", (1, 2, 3)),
                       ("lambda k, q, c: k == q + c", (1, 2, 3)))


@dataclasses.dataclass
class Library:
    """Functions and predicates to try, best first, each with where it came from."""

    maps: list[tuple[fn.Function, str]] = dataclasses.field(default_factory=list)
    sequence_maps: list[tuple[fn.Function, str]] = dataclasses.field(default_factory=list)
    predicates: list[tuple[Any, str]] = dataclasses.field(default_factory=list)
    factors: list[tuple[tuple, str]] = dataclasses.field(default_factory=list)

    def add_program(self, program: prog.Program, source: str) -> None:
        for node in program.nodes:
            if isinstance(node, nodes.Map):
                _add(self.maps, node.function, source)
            elif isinstance(node, nodes.SequenceMap):
                _add(self.sequence_maps, node.function, source)
            elif isinstance(node, nodes.LinearSequenceMap):
                _add(self.factors, (node.fst_fac, node.snd_fac), source)
            elif isinstance(node, nodes.Select):
                _add(self.predicates, node.predicate, source)

    def add_grammar(self, constants: Sequence[int] = (0, 1, 2, 3, 4, 5), moduli: Sequence[int] = ()) -> None:
        """The generator's templates with each of `constants`, `EXTRA_MAP_FUNCTIONS`,
        `EXTRA_SEQUENCE_MAP_FUNCTIONS`, tracr's
        comparisons, small linear factors; and arithmetic modulo each of `moduli`
        (`MODULAR_FUNCTIONS`: the net's own sizes, such as its token count, where a sum mod p over
        tokens 0..p-1 is the classic task)."""
        # the identity first: of the functions giving a categorical line's classes (any one-to-one
        # function does), the one keeping its values, as a researcher's copy `map(lambda c: c, code)`
        # of a mean is written (`x + 0` and `x * x` fit as well, and key the tables reading them by
        # other numbers)
        _add(self.maps, parse_lambda("lambda x: x"), "library")
        for templates, into in ((MAP_FUNCTIONS, self.maps), (SEQUENCE_MAP_FUNCTIONS, self.sequence_maps)):
            for function in bound_templates(templates, 1 if into is self.maps else 2, constants):
                _add(into, function, "library")
        for text in EXTRA_MAP_FUNCTIONS:
            _add(self.maps, parse_lambda(text), "library")
        for text in EXTRA_SEQUENCE_MAP_FUNCTIONS:
            _add(self.sequence_maps, parse_lambda(text), "library")
        for text in MODULAR_FUNCTIONS:
            template = parse_lambda(text)
            into = self.maps if template.arity == 2 else self.sequence_maps
            for m in moduli:
                _add(into, template.bind(m), "library")
        for comparison in (rasp.Comparison.EQ, rasp.Comparison.LT, rasp.Comparison.LEQ, rasp.Comparison.GT,
                           rasp.Comparison.GEQ, rasp.Comparison.NEQ, rasp.Comparison.TRUE, rasp.Comparison.FALSE):
            _add(self.predicates, comparison, "library")
        for text, values in PREDICATE_FUNCTIONS:
            template = parse_lambda(text)
            for c in values:
                _add(self.predicates, fn.PredicateLambda(template.bind(c).body), "library")
        for a in (1, -1, 2, -2):
            for b in (1, -1, 2, -2):
                _add(self.factors, (a, b), "library")


def bound_templates(templates: Sequence[str], arity: int, constants: Iterable) -> list[fn.Lambda]:
    """The generator's templates as functions of `arity` arguments, in order: one of that arity as it
    stands, one with a constant more (`lambda x, c: x + c`) bound to each of `constants`."""
    out = []
    for text in templates:
        template = parse_lambda(text)
        out += [template] if template.arity == arity else [template.bind(c) for c in constants]
    return out


def net_moduli(net) -> tuple[int, ...]:
    """Moduli a program over `net`'s tokens may well use: the token count and, for integer tokens,
    one more than the largest (tokens 0..p-1, mod p) and the largest (digits' sums mod 9, casting
    out nines), and the longest input."""
    tokens = net.vocab
    ints = [t for t in tokens if type(t) is int]
    found = {len(tokens), net.config.max_seq_len} | ({max(ints), max(ints) + 1} if ints else set())
    return tuple(sorted(m for m in found if m >= 2))


def _add(into: list, item: Any, source: str) -> None:
    if all(item != have for have, _ in into):
        into.append((item, source))


class LineSearch(HeadLines, MlpLines):
    """Over the components in order, each explained by one of its best few candidate lines
    (`branching`), in limited-discrepancy order (`programs`)."""

    def __init__(self, trace: Trace, library: Library, deadline: float, branching: int = 3,
                 complete_selects: dict | None = None, extrapolated_selects: dict | None = None,
                 fitted_functions: dict | None = None):
        self.trace, self.library, self.deadline, self.branching = trace, library, deadline, branching
        # select tables read whole off a head, for the certificate (`certify.table_holes`)
        self.complete_selects = {} if complete_selects is None else complete_selects
        # selects whose library predicate was extrapolated past the pairs the rows show (`possible_holes`)
        self.extrapolated_selects = {} if extrapolated_selects is None else extrapolated_selects
        # lambdas fitted to the argument values the rows show (`certify.table_holes`)
        self.fitted_functions = {} if fitted_functions is None else fitted_functions
        self.steps: list[tuple[str, Any]] = []
        for layer in range(trace.net.config.n_layers):
            self.steps += [("head", h) for h in trace.heads if h.layer == layer]
            self.steps.append(("mlp", layer))
        self.output_codes = value_codes(trace.outputs)
        net = trace.net
        vocab = net.vocab
        self.value_sets = ValueSets(vocab, net.config.max_seq_len)
        self.tried = 0
        self.max_discrepancies = 3 * len(self.steps)
        self._pruned = False
        self.cache: dict = {}  # by id of vars, which the states keep alive for the whole search
        # where paths ended with no line for a component: the step and what could not be read there
        # (`stuck`, the deepest such step, goes to the user when no program is finished)
        self.why = ""
        self._stuck: tuple[int, str] | None = None
        self.finished = 0

    def programs(self) -> Iterator[tuple[prog.Program, tuple[Line, ...]]]:
        """Finished programs, by limited discrepancy: first the path taking every component's best
        option, then paths departing from it by a total rank of 1, 2, ... (an early wrong choice
        is revisited as soon as a late one, where depth-first search would revisit it last)."""
        root = State(tuple(primitives(self.trace)), ())
        self._options: dict[tuple, list[State]] = {}
        yielded: set[str] = set()
        for allowed in range(self.max_discrepancies + 1):
            self._pruned = False
            for program, lines in self._explore(0, (), root, allowed):
                if program.source not in yielded:
                    yielded.add(program.source)
                    yield program, lines
            if time.monotonic() > self.deadline or not self._pruned:
                return  # out of time, or every path has been taken

    def _explore(self, step: int, path: tuple, state: State, allowed: int
                 ) -> Iterator[tuple[prog.Program, tuple[Line, ...]]]:
        if time.monotonic() > self.deadline:
            return
        if step == len(self.steps):
            finished = self._finish(state)
            if finished is not None:
                self.finished += 1
                yield finished
            elif self._stuck is None or self._stuck[0] <= step:
                self._stuck = (step, "no line read so far gives the net's outputs (the unembedding reads "
                                     "values none of them takes)")
            return
        if path not in self._options:
            kind, what = self.steps[step]
            self.why = ""
            options = self.head_options(what, state) if kind == "head" else self.mlp_options(what, state)
            self._options[path] = options[:self.branching]
            if not options and time.monotonic() <= self.deadline and (self._stuck is None or self._stuck[0] < step):
                name = what.name if kind == "head" else f"the layer {what} MLP"
                self._stuck = (step, f"{name}: {self.why or 'no candidate line computes what it writes'}")
        for rank, option in enumerate(self._options[path]):
            if rank > allowed:
                self._pruned = True  # a larger allowance will take this path
                break
            yield from self._explore(step + 1, path + (rank,), option, allowed - rank)

    def _rescaled(self, lines: list[Line]) -> tuple[prog.Program, tuple[Line, ...]] | None:
        """A numerical output read as a multiple of a line's values: a numerical table's values
        are read off its write only up to scale (`mlp_lines._integer_scale`: 1, 3, 5 for review
        scores 0.2, 0.6, 1.0), and a mean of them keeps the factor, which only the unembedding
        fixes. The last numerical line whose values are the outputs over one factor, computed by
        numerical means (any number of them) of such a table, is read with the table's values
        times the factor; None where there is none."""
        outputs = self.trace.output_column
        if outputs is None:
            return None
        for line in reversed(lines):
            if not line.var.numerical:
                continue
            try:
                values = np.array([np.nan if v is None else float(v) for v in line.var.values.tolist()])
            except (TypeError, ValueError):
                continue
            known = ~np.isnan(values)
            big = np.abs(values[known]).max(initial=0.0)
            if big == 0.0:
                continue
            factor = float(outputs[known] @ values[known] / (values[known] @ values[known]))
            largest = max(float(np.abs(outputs).max(initial=0.0)), 1.0)
            if factor == 0.0 or np.abs(outputs[known] - factor * values[known]).max() > OUTPUT_TOLERANCE * largest:
                continue
            chain, node = [line.var.node], line.var.node
            while isinstance(node, nodes.Aggregate) and node.encoding == nodes.NUMERICAL:
                node = node.sop
                chain.append(node)
            table = getattr(node, "function", None)
            if not (isinstance(node, nodes.Map) and node.encoding == nodes.NUMERICAL and isinstance(table, fn.Table)):
                continue
            made = {id(node): dataclasses.replace(node, function=fn.Table.from_mapping(
                1, {key: readable(float(value) * factor) for key, value in table.entries}))}
            for below, above in zip(chain[::-1], chain[-2::-1]):  # the means, bottom up
                made[id(above)] = dataclasses.replace(above, sop=made[id(below)])
            scaled = []
            for old in lines:
                new = made.get(id(old.var.node))
                if new is not None:
                    numbers = object_array([None if v is None else readable(float(v) * factor)
                                            for v in old.var.values.tolist()])
                    old = dataclasses.replace(old, var=dataclasses.replace(old.var, node=new, values=numbers))
                scaled.append(old)
            top = made[id(line.var.node)]
            if not self.is_output(next(x for x in scaled if x.var.node is top).var.values):
                continue
            return prog.Program(top), tuple(scaled)
        return None

    @property
    def stuck(self) -> str | None:
        """Where the search could go no further on any path, when it finished no program: the
        deepest component no line explained, and why (for the user's notes)."""
        return None if self.finished or self._stuck is None else self._stuck[1]

    # -- the output

    def _finish(self, state: State) -> tuple[prog.Program, tuple[Line, ...]] | None:
        lines = list(state.lines)
        for line in reversed(lines):
            if self.is_output(line.var.values):
                node = line.var.node
                if (not self.trace.net.categorical_output and not line.var.numerical
                        and isinstance(node, (nodes.Map, nodes.SequenceMap, nodes.SelectorWidth, nodes.Aggregate))):
                    # the net's output is numerical: so is the line that the unembedding reads
                    node = dataclasses.replace(node, encoding=nodes.NUMERICAL)
                    lines[lines.index(line)] = dataclasses.replace(line, var=dataclasses.replace(line.var, node=node))
                return prog.Program(node), tuple(lines)
        if not self.trace.net.categorical_output:
            rescaled = self._rescaled(lines)
            if rescaled is not None:
                return rescaled
        # the right partition with other labels: relabel by a table read off the outputs
        for line in reversed(lines):
            if same_partition(line.var.codes, self.output_codes) and not line.var.numerical:
                table = table_of(1, row_mapping([line.var], self.trace.outputs))
                try:
                    node = nodes.make_map(table, line.var.node)
                except compiler.SourceError:
                    continue
                relabel = Line(make_var(node, self.trace.outputs, line.var.sublayer), "the unembedding", "table")
                return prog.Program(node), tuple(lines + [relabel])
        return None
