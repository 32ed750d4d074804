"""The fountain: random, typed programs that compile, each checked against its network.

A candidate grows one operation at a time. Each operation is drawn by weight among the kinds
its inputs allow, with arguments drawn from the S-Ops made so far (preferring those nothing
reads yet, so that few operations end up dead), and functions drawn from a library of
lambda templates whose trailing parameters are bound to constants. The values each S-Op can
take are tracked (`compiler.language.values`), so categorical spaces stay small, numerical means
average only 0/1, and functions are total on their inputs.

A finished candidate is kept only if it is new (canonical text, optionally behaviour), passes the
caller's own test of its text if any (`sample`'s `refuse`: the fountain's split and length), is
not trivial (constant, the identity, mostly None), compiles, and its network agrees with the
program on the probe inputs. Every rejection is counted by reason.

All randomness goes through a `Choices` object: `random.Random` for `sample_programs`, and
hypothesis's draws for `generator.strategies.compilable_programs`, which therefore shrinks
towards small programs.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import operator
import random
import re
import time
from typing import Callable, Sequence

from tracr.rasp import rasp

import compiler
from compiler.compiling.check import outputs_agree, random_inputs
from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.literals import value_sort_key
from compiler.language.values import ValueSetError, ValueSets
from generator.config import (
    LINEAR_FACTORS,
    OP_KINDS,
    Choices,
    GeneratorConfig,
    RandomChoices,
    parse_template,
)
from generator.workers import fewer_collections

#: Most values a numerical S-Op may take: the MLPs that read one grow with its values.
_MAX_NUMERICAL_VALUES = 256
#: Probe inputs that trivial programs are caught on before the rest are evaluated.
_QUICK_PROBES = 16


# ---------------------------------------------------------------------------------------
# Building one candidate


class _Reject(Exception):
    """The candidate cannot be finished; `reason` is counted."""

    def __init__(self, reason: str):
        self.reason = reason


@dataclasses.dataclass
class _Pool:
    categorical: list[nodes.SOpNode]
    numerical: list[nodes.SOpNode]
    selectors: list[nodes.Select]
    readers: collections.Counter  # node -> how many operations read it
    maybe_none: set  # S-Ops that can be None (RASP's comparisons fail on None)


def _sorted(values) -> list:
    return sorted(values, key=value_sort_key)


#: What each of tracr's comparisons computes on a (key, query) pair of values that are not None.
_COMPARISONS = {
    rasp.Comparison.EQ: operator.eq, rasp.Comparison.LT: operator.lt, rasp.Comparison.LEQ: operator.le,
    rasp.Comparison.GT: operator.gt, rasp.Comparison.GEQ: operator.ge, rasp.Comparison.NEQ: operator.ne,
    rasp.Comparison.TRUE: lambda key, query: True, rasp.Comparison.FALSE: lambda key, query: False,
}


class _ProbeValues:
    """Each S-Op's value on a few probe inputs, computed from its inputs' as it is made.

    RASP's semantics as tracr's evaluator has them, but incremental, so the builder can drop
    an operation that is constant or mostly None at once instead of the whole candidate later.
    The sampler takes a candidate's outputs on all its probes from here (the quick ones from its
    builder's, the others from `outputs`) and checks the compiled net against them: they are
    `compiler.language.program.evaluate_all`'s, value and type, and it fails where that fails
    (tests/test_generator.py), in a fraction of the time.
    """

    def __init__(self, inputs: list[list]):
        self.inputs = inputs
        self.memo: dict[nodes.Node, list] = {
            nodes.TOKENS: [list(xs) for xs in inputs],
            nodes.INDICES: [list(range(len(xs))) for xs in inputs],
            nodes.LENGTH: [[len(xs)] * len(xs) for xs in inputs]}

    def __call__(self, node: nodes.Node) -> list:
        """The node's values on every input (its S-Op inputs computed first: the builder adds
        nodes in order, `outputs` takes a program's in order), probe by probe."""
        memo = self.memo
        if node in memo:
            return memo[node]
        if isinstance(node, nodes.Map):
            function = node.function
            out = [[None if x is None else function(x) for x in xs] for xs in memo[node.inner]]
        elif isinstance(node, (nodes.SequenceMap, nodes.LinearSequenceMap)):
            if isinstance(node, nodes.SequenceMap):
                function = node.function
            else:
                fst_fac, snd_fac = node.fst_fac, node.snd_fac

                def function(x, y):
                    return fst_fac * x + snd_fac * y
            out = [[None if x is None or y is None else function(x, y) for x, y in zip(xs, ys)]
                   for xs, ys in zip(memo[node.fst], memo[node.snd])]
        elif isinstance(node, nodes.Select):
            predicate = node.predicate
            comparison = isinstance(predicate, rasp.Comparison)
            if comparison:  # its operator, without tracr's per-call checks
                predicate = _COMPARISONS[predicate]
            out = []
            for keys, queries in zip(memo[node.keys], memo[node.queries]):
                if comparison and (None in keys or None in queries):
                    raise ValueError("a comparison with None")  # as rasp.Comparison raises
                out.append([[bool(predicate(k, q)) for k in keys] for q in queries])
        elif isinstance(node, nodes.SelectorWidth):
            out = [[sum(row) for row in rows] for rows in self(node.selector)]
        else:  # Aggregate
            default, out = node.default, []
            for rows, values in zip(self(node.selector), memo[node.sop]):
                means = []
                for row in rows:
                    chosen = [v for v, selected in zip(values, row) if selected]
                    means.append(default if not chosen else chosen[0] if len(chosen) == 1
                                 else sum(chosen) / len(chosen))
                out.append(means)
        memo[node] = out
        return out

    def outputs(self, program: prog.Program) -> list[list]:
        """The program's outputs on the inputs, its nodes computed in order (inputs first)."""
        for node in program.nodes:
            self(node)
        return [list(out) for out in self(program.output)]

    def averages_several(self, node: nodes.Aggregate) -> bool:
        """Whether on some probe a query of the aggregate selects values that differ (value or
        type): a categorical aggregate that does so has no exact network (the compiler refuses it,
        tracr #11). Its values must have been computed (`informative`)."""
        selector, values = self(node.selector), self.memo[node.sop]
        for rows, row_values in zip(selector, values):
            for row in rows:
                chosen = {(type(v), v) for v, selected in zip(row_values, row) if selected}
                if len(chosen) > 1:
                    return True
        return False

    def informative(self, node: nodes.SOpNode) -> bool:
        """Whether the node varies over the probes and is mostly not None."""
        try:
            flat = [v for out in self(node) for v in out]
        except Exception:  # the function fails on a probe, or a mean of non-numbers
            return False
        defined = [repr(v) for v in flat if v is not None]
        return len(set(defined)) > 1 and len(defined) >= len(flat) / 2


class _Builder:
    def __init__(self, config: GeneratorConfig, choices: Choices, probes: list[list], screen_aggregates: bool = False):
        self.config = config
        self.choices = choices
        self.screen_aggregates = screen_aggregates
        self.values = ValueSets(config.vocab, config.max_seq_len)
        self.probe_values = _ProbeValues(probes)
        self.pool = _Pool([nodes.TOKENS, nodes.INDICES, nodes.LENGTH], [], [], collections.Counter(), set())
        self.reach: dict[nodes.Node, frozenset] = {}

    def build(self) -> prog.Program:
        target = self.choices.integer(self.config.min_ops, self.config.max_ops)
        last = None
        for _ in range(4 * target + 8):
            if last is not None and self._op_count(last) >= target:
                break
            node = self._operation()
            if node is not None:
                last = node
        if last is None:
            raise _Reject("no operation fitted")
        program = prog.Program(last)
        if program.op_count < self.config.min_ops:
            raise _Reject("too few live operations")
        return program

    def _op_count(self, node: nodes.Node) -> int:
        """`Program(node).op_count`: the operations `node` reads, itself included (each node's set
        kept, so that a new node's is its inputs' union)."""
        return len(self._operations(node))

    def _operations(self, node: nodes.Node) -> frozenset:
        if node not in self.reach:
            reach = frozenset().union(*map(self._operations, node.children))
            self.reach[node] = reach if isinstance(node, nodes.Primitive) else reach | {node}
        return self.reach[node]

    # -- arguments

    def _pick(self, candidates: list):
        """An argument, preferring what nothing reads yet (fewer dead operations)."""
        unread = [n for n in candidates if not self.pool.readers[n] and not isinstance(n, nodes.Primitive)]
        options = unread if unread and self.choices.chance(0.75) else candidates
        return self.choices.choice(options)

    def _read(self, *read):
        for node in read:
            self.pool.readers[node] += 1

    def _add(self, node: nodes.SOpNode, *inputs) -> nodes.SOpNode | None:
        if self._op_count(node) > self.config.max_ops:
            return None
        try:
            values = self.values(node)
        except ValueSetError:
            return None
        limit = self.config.max_values if node.encoding == nodes.CATEGORICAL else _MAX_NUMERICAL_VALUES
        if not values or len(values) > limit:
            return None
        if len(values) == 1 or not self.probe_values.informative(node):
            return None  # a constant S-Op adds nothing, nor one that is mostly None
        if (self.screen_aggregates and isinstance(node, nodes.Aggregate) and node.encoding == nodes.CATEGORICAL
                and self.probe_values.averages_several(node)):
            return None  # the compiler would refuse the candidate (`Sampler`'s screen_aggregates)
        self._read(*inputs)
        if (isinstance(node, nodes.Aggregate) and node.encoding == nodes.CATEGORICAL) or any(
                i in self.pool.maybe_none for i in inputs if isinstance(i, nodes.SOpNode)):
            self.pool.maybe_none.add(node)
        (self.pool.numerical if node.encoding == nodes.NUMERICAL else self.pool.categorical).append(node)
        return node

    # -- operations

    def _operation(self) -> nodes.SOpNode | None:
        config, pool = self.config, self.pool
        weights = dict(config.op_weights)
        if len(pool.numerical) == 0:
            weights["linear_sequence_map"] = 0
        kinds = [k for k in OP_KINDS if weights.get(k, 0) > 0]
        if not kinds:
            kinds = ["map"]
        kind = self.choices.weighted(kinds, [weights.get(k, 0) for k in kinds])
        return getattr(self, "_" + kind)()

    def _function(self, templates: Sequence[str], inputs: list[list], numeric: bool,
                  binary: bool = False) -> fn.Function | None:
        """A function total on the input values whose outputs fit the target encoding."""
        arity = len(inputs)
        if self.choices.chance(self.config.table_share) and not numeric:
            return self._table(inputs)
        function = parse_template(self.choices.choice(templates))
        if function.arity > arity:
            constants = _sorted(set(self.config.constants) | (set(inputs[0]) if len(inputs[0]) < 8 else set()))
            function = function.bind(self.choices.choice(constants))
        outputs = set()
        for args in _product(inputs):
            try:
                value = function(*args)
            except (ArithmeticError, compiler.EvaluationError):
                return None  # keep functions total on what they read
            if value is None or (numeric and (isinstance(value, str) or isinstance(value, tuple))):
                return None
            outputs.add(value)
        if binary and not outputs <= {0, 1}:
            return None
        if not numeric and len(outputs) > self.config.max_values:
            return None
        return function

    def _table(self, inputs: list[list]) -> fn.Table | None:
        """A random lookup table, total on the input values (a missing key would give None)."""
        keys = _product(inputs)
        if len(keys) > 2 * self.config.max_values:
            return None
        outputs = _sorted(set(self.config.vocab) | set(range(self.config.max_seq_len)))
        table = {args[0] if len(args) == 1 else args: self.choices.choice(outputs) for args in keys}
        return fn.Table.from_mapping(len(inputs), table)

    def _map(self):
        pool = self.pool
        inner = self._pick(pool.categorical + pool.numerical)
        numerical = self.choices.chance(self.config.numerical_share)
        function = self._function(self.config.map_functions, [_sorted(self.values(inner))], numeric=numerical)
        if function is None:
            return None
        encoding = nodes.NUMERICAL if numerical else nodes.CATEGORICAL
        try:
            node = nodes.make_map(function, inner, encoding=encoding)
        except compiler.SourceError:
            return None
        return self._add(node, inner)

    def _sequence_map(self):
        pool = self.pool
        if len(pool.categorical) < 2:
            return None
        fst = self._pick(pool.categorical)
        snd = self._pick([n for n in pool.categorical if n is not fst])
        inputs = [_sorted(self.values(fst)), _sorted(self.values(snd))]
        if len(inputs[0]) * len(inputs[1]) > 4 * self.config.max_values:
            return None
        function = self._function(self.config.sequence_map_functions, inputs, numeric=False)
        if function is None:
            return None
        return self._add(nodes.make_sequence_map(function, fst, snd), fst, snd)

    def _linear_sequence_map(self):
        pool = self.pool
        fst, snd = self._pick(pool.numerical), self._pick(pool.numerical)
        if len(self.values(fst)) * len(self.values(snd)) > _MAX_NUMERICAL_VALUES:
            return None
        factors = list(LINEAR_FACTORS)
        node = nodes.make_linear_sequence_map(fst, snd, self.choices.choice(factors), self.choices.choice(factors))
        return self._add(node, fst, snd)

    def _selector(self) -> nodes.Select | None:
        pool = self.pool
        if pool.selectors and self.choices.chance(0.2):
            return self.choices.choice(pool.selectors)
        never_none = [n for n in pool.categorical if n not in pool.maybe_none]
        keys, queries = self._pick(never_none), self._pick(never_none)
        comparison = fn.COMPARISON_NAMES[self.choices.choice(self.config.comparisons)]
        compare = _COMPARISONS[comparison]  # its operator (these values are never None)
        try:  # order comparisons need comparable values
            outcomes = {compare(k, q) for k in self.values(keys) for q in self.values(queries)}
        except TypeError:
            return None
        if len(outcomes) < 2 and comparison is not rasp.Comparison.TRUE:
            return None  # selects all or nothing whatever the input: what reads it is constant
        select = nodes.make_select(keys, queries, comparison)
        self._read(keys, queries)
        pool.selectors.append(select)
        return select

    def _pointer(self) -> nodes.Select | None:
        """`select(indices, q, EQ)`: each query reads the one position q names, the selector
        a categorical aggregate compiles exactly with (others are refused when they may
        average different values)."""
        positions = set(range(self.config.max_seq_len))
        queries = [n for n in self.pool.categorical if n not in self.pool.maybe_none and n is not nodes.INDICES
                   and len(self.values(n) & positions) >= 2]
        if not queries or "EQ" not in self.config.comparisons:
            return None
        query = self._pick(queries)
        self._read(nodes.INDICES, query)
        select = nodes.make_select(nodes.INDICES, query, rasp.Comparison.EQ)
        self.pool.selectors.append(select)
        return select

    def _aggregate(self):
        pool = self.pool
        binary = [n for n in pool.numerical if self.values(n) <= {0, 1}]
        numerical = bool(binary) and self.choices.chance(self.config.numerical_share)
        # Most other selectors make the compiler refuse a categorical aggregate (tracr #11), so
        # pointers are drawn more often than their share of what is kept.
        selector = (self._pointer() if not numerical and self.choices.chance(0.7) else None) or self._selector()
        if selector is None:
            return None
        if numerical:
            sop = self._pick(binary)
        else:
            # Averaging None fails in RASP, so only S-Ops that are never None are aggregated.
            sop = self._pick([n for n in pool.categorical if n is not nodes.LENGTH and n not in pool.maybe_none]
                             or [nodes.TOKENS])
        node = nodes.make_aggregate(selector, sop, encoding=sop.encoding)
        return self._add(node, selector, sop)

    def _selector_width(self):
        selector = self._selector()
        if selector is None:
            return None
        encoding = nodes.NUMERICAL if self.choices.chance(self.config.numerical_share) else nodes.CATEGORICAL
        node = nodes.make_selector_width(selector, encoding=encoding)
        if node is nodes.LENGTH:
            return None
        return self._add(node, selector)


def _product(inputs: list[list]) -> list[tuple]:
    if len(inputs) == 1:
        return [(x,) for x in inputs[0]]
    return [(x, y) for x in inputs[0] for y in inputs[1]]


# ---------------------------------------------------------------------------------------
# Checking a candidate


def probe_inputs(vocab: Sequence, max_seq_len: int, count: int) -> list[list]:
    """A fixed set of inputs (the same for every seed): lengths 1 and max_seq_len included."""
    rng = random.Random(f"probes {max_seq_len} {json.dumps(_sorted(vocab))}")
    return random_inputs(vocab, max_seq_len, count, rng)


@dataclasses.dataclass
class SampleReport:
    """What sampling did: programs kept, candidates rejected by reason, time taken."""

    accepted: int = 0
    rejected: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    seconds: float = 0.0
    #: With `sample(..., keep_nets=True)`: each kept program's net from the compile check, by source.
    nets: dict = dataclasses.field(default_factory=dict, repr=False)

    @property
    def candidates(self) -> int:
        return self.accepted + sum(self.rejected.values())

    def format(self) -> str:
        lines = [f"{self.accepted} programs from {self.candidates} candidates in {self.seconds:.1f} s "
                 f"({self.accepted / max(self.seconds, 1e-9):.1f} programs/s)"]
        for reason, count in self.rejected.most_common():
            lines.append(f"  rejected {count:6d}  {reason}")
        return "\n".join(lines)


class Sampler:
    """Draws candidates and keeps those that pass every check (see module docstring)."""

    def __init__(self, config: GeneratorConfig, keep_nets: bool = False,
                 refuse: Callable[[str], str | None] | None = None, screen_aggregates: bool = False):
        self.config = config
        self.keep_nets = keep_nets
        self.refuse = refuse
        self.screen_aggregates = screen_aggregates
        self.probes = probe_inputs(config.vocab, config.max_seq_len, config.probes)
        self.seen_sources: set[str] = set()
        self.seen_behaviours: set[str] = set()
        self.report = SampleReport()

    def candidate(self, choices: Choices) -> prog.Program | None:
        """One candidate drawn with `choices`: the program if kept, else None (reason counted)."""
        try:
            builder = _Builder(self.config, choices, self.probes[:_QUICK_PROBES], self.screen_aggregates)
            program = builder.build()
            self._check(program, builder.probe_values(program.output))
        except _Reject as rejection:
            self.report.rejected[rejection.reason] += 1
            return None
        self.report.accepted += 1
        return program

    def _check(self, program: prog.Program, quick: list[list]) -> None:
        """Raises `_Reject` unless the candidate is kept; `quick`: its outputs on the quick probes."""
        source = program.source
        if source in self.seen_sources:
            raise _Reject("duplicate program")
        reason = self.refuse(source) if self.refuse is not None else None
        if reason:  # the caller's own test, before any evaluation or compile
            raise _Reject(reason)
        outputs = [list(out) for out in quick]
        self._reject_trivial(outputs, self.probes[:_QUICK_PROBES])
        outputs += self._outputs(program, self.probes[_QUICK_PROBES:])
        self._reject_trivial(outputs, self.probes)
        behaviour = json.dumps([[_hashable(v) for v in out] for out in outputs], default=repr)
        if self.config.unique_behaviour and behaviour in self.seen_behaviours:
            raise _Reject("duplicate behaviour")
        if self.config.check:
            net = self._check_compiled(program, outputs)
            if self.keep_nets:
                self.report.nets[source] = net
        self.seen_sources.add(source)
        self.seen_behaviours.add(behaviour)

    @staticmethod
    def _outputs(program: prog.Program, inputs: list[list]) -> list[list]:
        try:
            return _ProbeValues(inputs).outputs(program)
        except Exception:  # where evaluation fails (as `evaluate_all` fails there): not a usable program
            raise _Reject("evaluation error") from None

    @staticmethod
    def _reject_trivial(outputs: list[list], inputs: list[list]) -> None:
        flat = [v for out in outputs for v in out]
        defined = [v for v in flat if v is not None]
        if len(defined) < len(flat) / 2:
            raise _Reject("trivial: mostly None")
        if len(set(map(_hashable, defined))) <= 1:
            raise _Reject("trivial: constant output")
        if all(out == xs for out, xs in zip(outputs, inputs)):
            raise _Reject("trivial: identity")
        if all(out == list(range(len(xs))) for out, xs in zip(outputs, inputs)):
            raise _Reject("trivial: indices")
        if all(out == [len(xs)] * len(xs) for out, xs in zip(outputs, inputs)):
            raise _Reject("trivial: length")

    def _check_compiled(self, program: prog.Program, outputs: list) -> compiler.Net:
        try:
            net = compiler.compile_program(program, vocab=set(self.config.vocab), max_seq_len=self.config.max_seq_len,
                                           check_inputs=False)  # a program the static guard refuses is redrawn
        except compiler.CompileError as error:
            raise _Reject(f"refused by the compiler: {_reason(error)}") from None
        for expected, actual in zip(outputs, net.run(self.probes)):
            if not outputs_agree(expected, actual):
                raise _Reject("network disagrees with program")
        return net


def _hashable(value):
    return repr(value) if isinstance(value, float) else value


def _reason(error: Exception) -> str:
    """The kind of a compile refusal, without op names and values, for counting."""
    message = str(error).split("\n")[0]
    message = (message.split(": ", 1)[1] if ": " in message else message).split(";")[0]
    return re.sub(r"\b\w+_\d+\b|[-\d.]+|\{.*?\}|\(.*?\)|'.*?'", "…", message)[:90]


@fewer_collections()  # many short-lived objects: see its docstring
def sample(n: int, seed: int = 0, config: GeneratorConfig | None = None, max_candidates: int | None = None,
           keep_nets: bool = False, refuse: Callable[[str], str | None] | None = None,
           screen_aggregates: bool = False) -> tuple[list[prog.Program], SampleReport]:
    """`n` programs for `seed` (the same on any machine) and the report of the sampling.

    `keep_nets`: keep the net each program was checked with in `report.nets` (when the config
    checks), for callers that would compile the programs again. `refuse`: the caller's own test of
    a candidate's canonical source, made before the others: the reason it is refused, or None (the
    fountain draws programs of the training split only, without compiling the others).
    `screen_aggregates`: the builder drops a categorical aggregate as soon as the probes show it
    averaging different values, which the compiler refuses (tracr #11), instead of finishing,
    evaluating and compiling a candidate that is then refused (1 in 6 on `mixed`); the programs
    drawn differ from those without it (the fountain's usable-only units use it)."""
    config = config or GeneratorConfig()
    sampler = Sampler(config, keep_nets, refuse, screen_aggregates)
    choices = RandomChoices(random.Random(seed))
    start = time.perf_counter()
    programs: list[prog.Program] = []
    limit = max_candidates if max_candidates is not None else 200 * n + 100
    while len(programs) < n and sampler.report.candidates < limit:
        program = sampler.candidate(choices)
        if program is not None:
            programs.append(program)
    sampler.report.seconds = time.perf_counter() - start
    if len(programs) < n:
        raise RuntimeError(f"only {len(programs)} of {n} programs after {limit} candidates; the config is "
                           f"too narrow:\n{sampler.report.format()}")
    return programs, sampler.report


def sample_programs(n: int, seed: int = 0, **config) -> list[prog.Program]:
    """`n` distinct, non-trivial, checked programs; `config` fields as in `GeneratorConfig`."""
    return sample(n, seed, GeneratorConfig(**config))[0]
