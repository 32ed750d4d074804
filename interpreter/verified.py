"""Verified decompilation: the model proposes lines, running the network checks each one, and
the answer comes with a certificate.

    result = interpreter.decompile(net, "runs/small")
    print(result)              # canonical source
    result.verified            # its compiled net agrees with `net` on every checked input
    result.lines               # which component computes each line, and how well it fits

The search walks the net's components in order (each layer's heads, then its MLP) and explains
each one by a program line whose values on every traced row fit the component's write
(`interpreter.lines`): a head by a select (its attention pattern) and an aggregate or
selector_width (its write); an MLP block by the map, sequence_map or linear_sequence_map lines
that cover its neuron groups. The weights narrow every step: a line reads only vars its
component reads, and groups read by different components are different lines (`trace.readers`).
Lines are tried in order of where they come from: first the functions and predicates of the
model's own proposals (its beam), then the grammar's library (the generator's templates and
tracr's comparisons), and last a table read off the net (what a reader class of groups does on
each value it sees; the last line's values are the net's outputs). A categorical line is known
only up to relabelling and a numerical one up to scale, so a select no predicate explains may
relabel the line computing its queries (`_relabelled_select`), and linear factors are fitted to
the write or the outputs. Paths are taken in limited-discrepancy order within the time budget.
Every finished program is compiled and its net compared with `net` (`Certifier`); the first
that agrees everywhere is returned, else the best by agreement. A certificate is never given
without that comparison.

Retrained nets write only approximately what their program computes, so few of their lines fit
any component exactly. When the line-by-line search finds no program that agrees everywhere,
`interpreter.behaviour` reads one off what the net does: selects from its heads' attention and
from comparisons, and a table from the features that determine its outputs. Its programs are
certified the same way; a program agreeing with a retrained net on fewer than all inputs is
returned with its agreement and is not verified.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Iterator, Sequence

import numpy as np
from tracr.rasp import rasp

import compiler
import generator
from compiler.compiling.check import ATOL, RTOL, outputs_agree, search_failing_input
from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.parser import parse_lambda
from compiler.language.values import ValueSets
from compiler.nets.net import Net
from generator.sampler import MAP_FUNCTIONS, SEQUENCE_MAP_FUNCTIONS
from interpreter.behaviour import behavioural_programs
from interpreter.checkpoint import default_checkpoint
from interpreter.decode import load_interpreter, search_all
from interpreter.encoding import EncodingError, encode_net
from interpreter.lines import (
    Invalid,
    Var,
    aggregate_values,
    call,
    collinear_with,
    covered_groups,
    known_values,
    make_var,
    object_array,
    pair_codes,
    plain,
    primitives,
    selector_width_values,
    table_of,
    value_codes,
)
from interpreter.model import Interpreter
from interpreter.trace import Group, Head, Trace, determines, partition, same_partition, trace_net

#: The share of the time budget the line-by-line search may take before the behavioural one
#: (`interpreter.behaviour`) starts: most of it for a net whose components write exact values
#: (compiled, scrambled), a third for a dense one (`Trace.dense`: trained).
STRUCTURAL_SHARE = 0.9
STRUCTURAL_SHARE_DENSE = 0.3
#: The share of the time budget the model's beam search may take (when the net is run: the rest
#: goes to certifying and searching). A beam cut short proposes what it finished.
MODEL_SHARE = 0.5
#: Where proposals come from: the interpreter's beam, or programs drawn uniformly from the grammar
#: (the ablation that shows what the model adds).
PROPOSALS = ("model", "uniform")


@dataclasses.dataclass(frozen=True)
class LineFit:
    """One line of the result: its text, the component that computes it, how well it fits (1.0:
    its values and the component's write determine each other on every traced row), and where
    the line came from (model, library or table)."""

    line: str
    component: str
    fit: float
    source: str


@dataclasses.dataclass(frozen=True)
class Decompiled:
    """A decompiled program and its certificate (module docstring); `str()` is the source."""

    source: str
    verified: bool
    exhaustive: bool
    agreement: float
    checked_inputs: int
    lines: tuple[LineFit, ...]
    candidates: int
    seconds: float
    method: str               # "model" (a proposal as it stood), "search", "behaviour" or "weights-only"
    weights_only: str | None  # the model's own best reading, when a model was used
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.source

    def certificate(self) -> str:
        how = "every input up to max_seq_len" if self.exhaustive else "sampled inputs and a hypothesis search"
        state = "verified" if self.verified else "NOT verified"
        return (f"{state}: agrees with the network on {100 * self.agreement:.1f}% of {self.checked_inputs} "
                f"inputs ({how}); {self.candidates} candidates in {self.seconds:.2f} s ({self.method})")

    def format(self) -> str:
        """The source followed by the certificate and the line fits, as comments."""
        out = [self.source.rstrip("\n"), f"# {self.certificate()}"]
        for fit in self.lines:
            out.append(f"#   {fit.line:<48} <- {fit.component} (fit {fit.fit:.2f}, {fit.source})")
        out += [f"# note: {note}" for note in self.notes]
        return "\n".join(out) + "\n"

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["lines"] = [dataclasses.asdict(fit) for fit in self.lines]
        data["notes"] = list(self.notes)
        return data


# ---------------------------------------------------------------------------------------
# Certificates


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


# ---------------------------------------------------------------------------------------
# Where candidate lines come from


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

    def add_grammar(self, constants: Sequence[int] = (0, 1, 2, 3, 4, 5)) -> None:
        for templates, into in ((MAP_FUNCTIONS, self.maps), (SEQUENCE_MAP_FUNCTIONS, self.sequence_maps)):
            for text in templates:
                template = parse_lambda(text)
                arity = 1 if into is self.maps else 2
                if template.arity == arity:
                    _add(into, template, "library")
                else:
                    for c in constants:
                        _add(into, template.bind(c), "library")
        for comparison in (rasp.Comparison.EQ, rasp.Comparison.LT, rasp.Comparison.LEQ, rasp.Comparison.GT,
                           rasp.Comparison.GEQ, rasp.Comparison.NEQ, rasp.Comparison.TRUE, rasp.Comparison.FALSE):
            _add(self.predicates, comparison, "library")
        for a in (1, -1, 2, -2):
            for b in (1, -1, 2, -2):
                _add(self.factors, (a, b), "library")


def _add(into: list, item: Any, source: str) -> None:
    if all(item != have for have, _ in into):
        into.append((item, source))


# ---------------------------------------------------------------------------------------
# The search over components


@dataclasses.dataclass(frozen=True)
class _Line:
    var: Var
    component: str
    source: str


@dataclasses.dataclass(frozen=True)
class _State:
    vars: tuple[Var, ...]
    lines: tuple[_Line, ...]
    pending: tuple[tuple[Var, Head, str], ...] = ()  # selector widths whose MLP part is next

    def add(self, line: _Line) -> "_State":
        return dataclasses.replace(self, vars=self.vars + (line.var,), lines=self.lines + (line,))

    def replace(self, old: Var, new: Var) -> "_State":
        """The state with the line of `old` computing `new` instead (a relabelling of it)."""
        return dataclasses.replace(self, vars=tuple(new if v is old else v for v in self.vars),
                                   lines=tuple(dataclasses.replace(line, var=new, source="relabelled")
                                               if line.var is old else line for line in self.lines))

    def used(self, node: nodes.Node) -> bool:
        """Whether some line reads `node`."""
        return any(node is child or getattr(child, "keys", None) is node or getattr(child, "queries", None) is node
                   for line in self.lines for child in line.var.node.children)


class _Search:
    """Over the components in order, each explained by one of its best few candidate lines
    (`branching`), in limited-discrepancy order (`programs`)."""

    def __init__(self, trace: Trace, library: Library, deadline: float, branching: int = 3):
        self.trace, self.library, self.deadline, self.branching = trace, library, deadline, branching
        self.steps: list[tuple[str, Any]] = []
        for layer in range(trace.net.config.n_layers):
            self.steps += [("head", h) for h in trace.heads if h.layer == layer]
            self.steps.append(("mlp", layer))
        self.output_codes = value_codes(trace.outputs)
        net = trace.net
        vocab = [t for t in net.input_tokens if t not in (net.bos, net.pad)]
        self.value_sets = ValueSets(vocab, net.config.max_seq_len)
        self.tried = 0
        self.max_discrepancies = 3 * len(self.steps)
        self._pruned = False
        self._cache: dict = {}  # by id of vars, which the states keep alive for the whole search

    def programs(self) -> Iterator[tuple[prog.Program, tuple[_Line, ...]]]:
        """Finished programs, by limited discrepancy: first the path taking every component's best
        option, then paths departing from it by a total rank of 1, 2, ... (an early wrong choice
        is revisited as soon as a late one, where depth-first search would revisit it last)."""
        root = _State(tuple(primitives(self.trace)), ())
        self._options: dict[tuple, list[_State]] = {}
        yielded: set[str] = set()
        for allowed in range(self.max_discrepancies + 1):
            self._pruned = False
            for program, lines in self._explore(0, (), root, allowed):
                if program.source not in yielded:
                    yielded.add(program.source)
                    yield program, lines
            if time.monotonic() > self.deadline or not self._pruned:
                return  # out of time, or every path has been taken

    def _explore(self, step: int, path: tuple, state: _State, allowed: int
                 ) -> Iterator[tuple[prog.Program, tuple[_Line, ...]]]:
        if time.monotonic() > self.deadline:
            return
        if step == len(self.steps):
            finished = self._finish(state)
            if finished is not None:
                yield finished
            return
        if path not in self._options:
            kind, what = self.steps[step]
            options = self._head_options(what, state) if kind == "head" else self._mlp_options(what, state)
            self._options[path] = options[:self.branching]
        for rank, option in enumerate(self._options[path]):
            if rank > allowed:
                self._pruned = True  # a larger allowance will take this path
                break
            yield from self._explore(step + 1, path + (rank,), option, allowed - rank)

    # -- heads

    def _head_options(self, head: Head, state: _State) -> list[_State]:
        before = [v for v in state.vars if v.sublayer < head.sublayer]
        me = ("head", head.layer, head.index)
        # the vars this head reads first (a select by TRUE or FALSE reads neither side)
        found = self._selector(head, [v for v in before if not v.numerical], me, state)
        if found is None:
            return []
        keys, queries, predicate, source = found
        # relabelled: the line that computes it now gives the keys' labels
        if not any(v is queries for v in state.vars):
            state = state.replace(next(v for v in state.vars if v.node is queries.replaces), queries)
        if self.trace.net.config.causal and predicate is rasp.Comparison.TRUE:
            # a causal head that attends to every earlier key: in the program, every key up to the
            # query's index. Spelled TRUE (and its width as `length`), later positions would
            # count too, which the causal net never sees and the compiler refuses.
            keys, queries = [next(v for v in state.vars if v.node is nodes.INDICES)] * 2
            predicate = rasp.Comparison.LEQ
        try:
            select = nodes.make_select(keys.node, queries.node, predicate)
        except compiler.SourceError:
            return []
        selected = head.selected
        options = []
        for var in before:
            if not var.read_by(me):
                continue
            self.tried += 1
            try:
                values, codes = aggregate_values(self.trace, selected, var)
                node = nodes.make_aggregate(select, var.node, encoding=var.node.encoding)
            except (Invalid, compiler.SourceError):
                continue
            if not same_partition(head.codes, codes):
                continue
            if var.numerical and not collinear_with(head.writes, values, codes):
                continue
            options.append(state.add(_Line(make_var(node, values, head.sublayer, codes, head.readers), head.name,
                                           source)))
        widths, codes = selector_width_values(self.trace, selected)
        if same_partition(head.codes, codes):
            node = nodes.make_selector_width(select)
            var = make_var(node, widths, head.sublayer + 1, codes)
            options.append(dataclasses.replace(state, pending=state.pending + ((var, head, source),)))
        return options

    def _selector(self, head: Head, candidates: list[Var], me: tuple, state: _State) -> tuple | None:
        """The best (keys, queries, predicate, source) selecting exactly what the head attends to:
        on vars the head reads, by the predicate's rank, then by the vars' order."""
        t = self.trace
        best, best_rank = None, None
        for qi, queries in enumerate(candidates):
            q_codes = queries.codes[t.pair_query]
            nq = int(queries.codes.max()) + 1
            for ki, keys in enumerate(candidates):
                joint = keys.codes[t.pair_key] * nq + q_codes
                size = (int(keys.codes.max()) + 1) * nq
                total = np.bincount(joint, minlength=size)
                chosen = np.bincount(joint, weights=head.selected, minlength=size)
                if np.any((chosen > 0) & (chosen < total)):
                    continue  # the head's choice is not a function of these keys and queries
                occurs = np.argwhere(total.reshape(-1, nq) > 0)
                want = chosen.reshape(-1, nq)[occurs[:, 0], occurs[:, 1]] > 0
                k_vals, q_vals = keys.distinct, queries.distinct
                pairs = [(k_vals[i], q_vals[j]) for i, j in occurs]
                var_rank = ki + qi
                unread = (not keys.read_by(me)) + (not queries.read_by(me))
                for rank, (predicate, source) in enumerate(self.library.predicates):
                    if best_rank is not None and (unread, rank, var_rank) >= best_rank:
                        break
                    self.tried += 1
                    try:
                        if all(bool(predicate(k, q)) == w for (k, q), w in zip(pairs, want)):
                            best, best_rank = (keys, queries, predicate, source), (unread, rank, var_rank)
                            break
                    except (fn.EvaluationError, ArithmeticError, TypeError, ValueError):
                        continue
                relabel_rank = (unread, len(self.library.predicates) - 0.5, var_rank)
                if best_rank is None or relabel_rank < best_rank:
                    relabelled = self._relabelled_select(keys, queries, occurs, want, state)
                    if relabelled is not None:
                        new_queries, predicate = relabelled
                        new_keys = new_queries if keys is queries else keys
                        best, best_rank = (new_keys, new_queries, predicate, "relabelled"), relabel_rank
                        continue
                table_rank = (unread, len(self.library.predicates), var_rank)
                if best_rank is None or table_rank < best_rank:
                    selected_pairs = [p for p, w in zip(pairs, want) if w]
                    best, best_rank = (keys, queries, fn.PredicateTable.from_pairs(selected_pairs), "table"), table_rank
        return best

    def _relabelled_select(self, keys: Var, queries: Var, occurs: np.ndarray, want: np.ndarray,
                           state: _State) -> tuple[Var, Any] | None:
        """(queries relabelled, predicate) such that `select(keys, queries', predicate)` is the
        head's choice, when the line computing `queries` (a map or sequence_map no other line reads
        yet) can take labels that make it so: each query value gets the one key value it selects
        (EQ), or, when keys and queries are one var, its values are ranked in the order the head
        compares them (LT, LEQ, GT, GEQ). Categorical values are known only up to relabelling, so
        the MLP computing the line fits the relabelled line as well; without this, a position
        computed as `indices - length`, or a sort key, could only select through a table.

        `occurs` [(key code, query code)] and `want` (selected or not) are the pairs on the rows."""
        node = queries.node
        if (not isinstance(node, (nodes.Map, nodes.SequenceMap)) or queries.numerical or state.used(node)
                or not any(v is queries for v in state.vars) or None in queries.distinct):
            return None
        chosen: dict[int, set] = {}
        for (k, q), w in zip(occurs, want):
            chosen.setdefault(int(q), set())
            if w:
                chosen[int(q)].add(int(k))
        attempts = [(rasp.Comparison.EQ, _equal_labels(keys.distinct, chosen))]
        if keys is queries:
            attempts += [(c, _order_labels(c, chosen, occurs, want))
                         for c in (rasp.Comparison.LT, rasp.Comparison.LEQ, rasp.Comparison.GT, rasp.Comparison.GEQ)]
        for predicate, label in attempts:
            if label is not None:
                new = self._relabel(queries, label, state)
                if new is not None:
                    return new, predicate
        return None

    def _relabel(self, var: Var, label: dict[int, Any], state: _State) -> Var | None:
        """`var` with value `label[code]` for each of its codes, computed by a table on the inputs
        of its line (the same inputs, so the same component computes it)."""
        if len({_hashable_label(v) for v in label.values()}) < len(label):
            return None  # two values would merge: not a relabelling
        node = var.node
        values = object_array([label[int(c)] for c in var.codes])
        inputs = [next((v for v in state.vars if v.node is child), None) for child in node.children]
        if any(v is None for v in inputs):
            return None
        mapping = _row_mapping(inputs, values)
        function = (self._spelled(mapping, self.library.maps if len(inputs) == 1 else self.library.sequence_maps)
                    or table_of(len(inputs), mapping))
        if len(inputs) == 1:
            make = lambda: nodes.make_map(function, node.inner, encoding=node.encoding)  # noqa: E731
        else:
            make = lambda: nodes.make_sequence_map(function, node.fst, node.snd)  # noqa: E731
        try:
            new = make()
        except compiler.SourceError:
            return None
        return dataclasses.replace(var, node=new, values=values, replaces=node)

    def _spelled(self, mapping: dict[tuple, Any], library: list) -> Any:
        """The first library function giving `mapping` (arguments -> value) exactly, else None:
        a relabelling read as `lambda x: x - 1` rather than as a table."""
        for function, _ in library:
            try:
                if all(_same_value(call(function, *args), value) for args, value in mapping.items()):
                    return function
            except Invalid:
                continue
        return None

    # -- MLPs

    def _mlp_options(self, layer: int, state: _State) -> list[_State]:
        groups = [g for g in self.trace.groups if g.layer == layer]
        sublayer = 2 * layer + 2
        group_codes = [g.codes for g in groups]
        uncovered = set(range(len(groups)))
        pending, state = state.pending, dataclasses.replace(state, pending=())
        for var, head, source in pending:
            covered = covered_groups(var.codes, group_codes) if groups else None
            if covered is None:
                return []
            uncovered -= set(covered)
            var = dataclasses.replace(var, readers=_readers(groups, covered))
            if (len(covered) == 1 and groups[covered[0]].collinear and len(var.distinct) > 2
                    and collinear_with(groups[covered[0]].writes, var.values, var.codes)):
                # its MLP writes one direction in proportion to the width: a numerical selector_width
                # (`length` is the categorical width of the all-true select: its numerical twin is spelled out)
                selector = var.node.selector if isinstance(var.node, nodes.SelectorWidth) else \
                    nodes.make_select(nodes.TOKENS, nodes.TOKENS, rasp.Comparison.TRUE)
                var = dataclasses.replace(var, node=nodes.make_selector_width(selector, encoding=nodes.NUMERICAL))
            state = state.add(_Line(var, f"{head.name} + layer {layer} MLP", source))
        return self._cover(state, groups, uncovered, sublayer, first=True)

    def _cover(self, state: _State, groups: list[Group], uncovered: set, sublayer: int,
               first: bool) -> list[_State]:
        if not uncovered:
            return [state]
        if time.monotonic() > self.deadline:
            return []
        before = [v for v in state.vars if v.sublayer < sublayer and v.read_by(("mlp", groups[0].layer))]
        existing = {_signature(v.node) for v in state.vars}
        options = [option for option in self._mlp_candidates(before, groups, uncovered, sublayer)
                   if _signature(option[0].node) not in existing]  # a line computed twice is one line
        results = []
        for var, covered, component, source in options[:self.branching if first else 1]:
            rest = self._cover(state.add(_Line(var, component, source)), groups, uncovered - set(covered),
                               sublayer, first=False)
            results += rest[:1]
        return results

    def _mlp_candidates(self, before: list[Var], groups: list[Group], uncovered: set,
                        sublayer: int) -> list[tuple]:
        """Lines covering some uncovered groups, best first: (var, groups, component, source)."""
        found: list[tuple] = []
        layer = groups[0].layer
        writers = {g.index for g in groups if ("group", g.layer, g.index) in self.trace.output_writers}
        determined = {id(v): self._determined(v.codes, ("var", id(v)), groups) for v in before}

        def consider(node_maker, index: np.ndarray, reps: np.ndarray, table: list, det: list[int],
                     source: str, rank: tuple) -> None:
            """A line whose value on each domain element (a var's values or a pair's) is `table`;
            checked on the domain, then spread over the rows."""
            self.tried += 1
            per_value = object_array(table)
            dom_codes = value_codes(per_value)
            group_dom = {i: groups[i].codes[reps] for i in det}
            determined_here = [i for i in det if determines(dom_codes, group_dom[i])]
            for covered, coherent in _claims(determined_here, groups):
                if set(covered) & uncovered:
                    joint = partition(np.stack([group_dom[i] for i in covered], axis=1))
                    if same_partition(joint, dom_codes):
                        claim(node_maker, per_value, dom_codes, index, covered, coherent, source, rank)

        def claim(node_maker, per_value: np.ndarray, dom_codes: np.ndarray, index: np.ndarray, covered: list[int],
                  coherent: bool, source: str, rank: tuple) -> None:
            values, codes = per_value[index], dom_codes[index]
            writes_output = any(groups[i].index in writers for i in covered)
            if writes_output and not self._is_output(values):
                return
            numerical = (len(covered) == 1 and groups[covered[0]].collinear
                         and collinear_with(groups[covered[0]].writes, values, codes)
                         and len(set(dom_codes.tolist())) > 2 - (0 in per_value.tolist()))
            try:
                node = node_maker(nodes.NUMERICAL if numerical else nodes.CATEGORICAL)
            except compiler.SourceError:
                try:
                    node = node_maker(nodes.CATEGORICAL)
                except compiler.SourceError:
                    return
            names = ", ".join(str(groups[i].index) for i in covered)
            component = f"layer {layer} MLP (neuron groups {names})"
            # one direction written is a numerical line; several, a categorical one
            one_direction = len(covered) == 1 and groups[covered[0]].collinear
            mismatch = one_direction != (node.encoding == nodes.NUMERICAL) and not writes_output
            found.append(((not coherent, _splits(covered, uncovered, groups), mismatch, -len(set(covered) & uncovered),
                           -writes_output, False) + rank,
                          make_var(node, values, sublayer, codes, _readers(groups, covered)), covered, component,
                          source))

        for vi, var in enumerate(before):
            if not set(determined[id(var)]) & uncovered:
                continue
            reps = np.unique(var.codes, return_index=True)[1]
            distinct = [var.values[r] for r in reps]
            for fi, (function, source) in enumerate(self.library.maps):
                try:
                    table = [call(function, x) for x in distinct]
                except Invalid:
                    continue
                consider(lambda enc, f=function, v=var: nodes.make_map(f, v.node, encoding=enc),
                         var.codes, reps, table, determined[id(var)], source, (fi, vi))
        for ai, a in enumerate(before):
            for bi, b in enumerate(before):
                if a is b or a.numerical or b.numerical:
                    continue  # a sequence_map of one S-Op with itself is a map
                if time.monotonic() > self.deadline:
                    break  # the pairs are the costly part; what was found so far stands
                index, pairs = self._pair(a, b)
                det = self._determined(index, ("pair", id(a), id(b)), groups)
                if not [i for i in det if i in uncovered and i not in determined[id(a)] and i not in determined[id(b)]]:
                    continue
                reps = np.unique(index, return_index=True)[1]
                for fi, (function, source) in enumerate(self.library.sequence_maps):
                    try:
                        table = [call(function, x, y) for x, y in pairs]
                    except Invalid:
                        continue
                    consider(lambda enc, f=function, x=a, y=b: nodes.make_sequence_map(f, x.node, y.node),
                             index, reps, table, det, source, (fi, ai + bi))
        numerical = [v for v in before if v.numerical]
        for ai, a in enumerate(numerical):
            for bi, b in enumerate(numerical):
                index, pairs = self._pair(a, b)
                det = self._determined(index, ("pair", id(a), id(b)), groups)
                if not set(det) & uncovered:
                    continue
                reps = np.unique(index, return_index=True)[1]
                factors = list(self.library.factors)
                if not self.trace.net.categorical_output and any(groups[i].index in writers for i in det):
                    # a numerical value is known only up to scale until the unembedding reads it:
                    # the output line's factors are fitted to the net's outputs
                    fitted = self._fitted_factors(a, b, self.trace.outputs)
                    if fitted is not None:
                        factors.insert(0, (fitted, "fitted"))
                for i in sorted(set(det) & uncovered):
                    if groups[i].collinear and groups[i].index not in writers:
                        # an intermediate line: its write fixes the factors' ratio (its scale is free)
                        fitted = self._fitted_factors(a, b, _coordinate(groups[i]), free_scale=True)
                        if fitted is not None and all(fitted != f for f, _ in factors):
                            factors.append((fitted, "fitted"))
                for fi, ((fa, fb), source) in enumerate(factors):
                    try:
                        table = [fa * float(x) + fb * float(y) for x, y in pairs]
                    except (TypeError, ValueError):
                        continue
                    consider(lambda enc, x=a, y=b, p=fa, q=fb: nodes.make_linear_sequence_map(x.node, y.node, p, q),
                             index, reps, table, det, source, (fi, ai + bi))
        for option in self._tables(before, groups, uncovered, sublayer, writers, determined):
            # a table explains anything, so it comes after every library line of the same reach
            found.append(((False, False, False, -len(set(option[1]) & uncovered), 0, True, len(found)), *option))
        found.sort(key=lambda item: item[0])
        return [item[1:] for item in found]

    def _fitted_factors(self, a: Var, b: Var, target: Sequence, free_scale: bool = False
                        ) -> tuple[float, float] | None:
        """(p, q) with p a + q b equal to `target` on every row where all three have values
        (least squares, then checked within the project's tolerance), or None. With
        `free_scale`, any multiple will do: the factors are scaled so the smaller is +-1."""
        rows = [i for i, (x, y, out) in enumerate(zip(a.values, b.values, target))
                if x is not None and y is not None and out is not None]
        if not rows:
            return None
        try:
            x = np.array([[float(a.values[i]), float(b.values[i])] for i in rows])
        except (TypeError, ValueError):
            return None
        y = np.array([float(target[i]) for i in rows])
        w = np.linalg.lstsq(x, y, rcond=None)[0]
        if np.abs(x @ w - y).max() > ATOL + RTOL * np.abs(y).max():
            return None
        if free_scale:
            nonzero = np.abs(w[np.abs(w) > 1e-9])
            if not len(nonzero):
                return None
            w = w / nonzero.min()
        w = np.array([_snapped(float(v)) for v in w])
        if not free_scale and np.abs(x @ w - y).max() > ATOL + RTOL * np.abs(y).max():
            return None
        return tuple(int(v) if float(v).is_integer() else float(v) for v in w)

    def _determined(self, codes: np.ndarray, key: tuple, groups: list[Group]) -> list[int]:
        """Indices of the groups (of one layer) that the partition `codes` determines; cached."""
        key = key + (groups[0].layer,)
        if key not in self._cache:
            self._cache[key] = [i for i, g in enumerate(groups) if determines(codes, g.codes)]
        return self._cache[key]

    def _pair(self, a: Var, b: Var) -> tuple[np.ndarray, list[tuple]]:
        key = ("pair codes", id(a), id(b))
        if key not in self._cache:
            self._cache[key] = pair_codes(a, b)
        return self._cache[key]

    def _tables(self, before: list[Var], groups: list[Group], uncovered: set, sublayer: int,
                writers: set, determined: dict) -> list[tuple]:
        """For each set of uncovered groups with the same readers (one line, by `readers`), a map
        or sequence_map written as a table of what they do, on the coarsest var (else pair of
        vars) that determines them."""
        layer = groups[0].layer
        unread = {i for i in uncovered if not groups[i].readers}
        classes: dict[frozenset, list[int]] = {}
        for i in sorted(uncovered - unread):
            classes.setdefault(groups[i].readers, []).append(i)
        if not classes and unread:
            classes[frozenset()] = sorted(unread)
        options = []
        by_size = sorted(before, key=lambda v: int(v.codes.max()))
        for wanted in classes.values():
            line = None
            for var in by_size:
                if set(wanted) <= set(determined[id(var)]):
                    mine = sorted(set(wanted) | (unread & set(determined[id(var)])))
                    line = self._table_line([var], mine, groups, sublayer, writers, layer)
                    break
            if line is None:
                line = self._pair_table(by_size, wanted, unread, groups, sublayer, writers, layer)
            options += line or []
        return options

    def _pair_table(self, by_size: list[Var], wanted: list[int], unread: set, groups: list[Group], sublayer: int,
                    writers: set, layer: int) -> list[tuple] | None:
        for a in by_size:
            for b in by_size:
                if a is b or a.numerical or b.numerical:
                    continue
                pair = partition(np.stack([a.codes, b.codes], axis=1))
                if all(determines(pair, groups[i].codes) for i in wanted):
                    mine = sorted(set(wanted) | {i for i in unread if determines(pair, groups[i].codes)})
                    return self._table_line([a, b], mine, groups, sublayer, writers, layer)
        return None

    def _table_line(self, inputs: list[Var], mine: list[int], groups: list[Group], sublayer: int,
                    writers: set, layer: int) -> list[tuple]:
        self.tried += 1
        joint = partition(np.stack([groups[i].codes for i in mine], axis=1))
        writes_output = any(groups[i].index in writers for i in mine)
        numerical = False
        if writes_output:
            values = self.trace.outputs
            if not determines(joint, self.output_codes):
                return []
        elif len(mine) == 1 and groups[mine[0]].collinear:
            numerical = True
            # one value per class of the write (`_snapped`): an indicator reads as exactly 0 and 1
            codes = groups[mine[0]].codes
            means = np.bincount(codes, weights=_coordinate(groups[mine[0]])) / np.bincount(codes)
            means = means * _integer_scale(means)
            values = object_array([_snapped(float(v)) for v in means[codes]])
        else:
            values = object_array(joint.tolist())
        numerical = numerical or (writes_output and not self.trace.net.categorical_output)
        mapping = _row_mapping(inputs, values)
        if len(inputs) == 1:
            var = inputs[0]
            if numerical:  # a numerical S-Op cannot hold None: inputs no row shows read as 0
                mapping = {**{(x,): 0 for x in known_values(self.value_sets, var.node)}, **mapping}
            table = table_of(1, mapping)
            make = lambda enc: nodes.make_map(table, var.node, encoding=enc)  # noqa: E731
        else:
            a, b = inputs
            table = table_of(2, mapping)
            make = lambda enc: nodes.make_sequence_map(table, a.node, b.node)  # noqa: E731
        try:
            node = make(nodes.NUMERICAL if numerical and len(inputs) == 1 else nodes.CATEGORICAL)
        except compiler.SourceError:
            return []
        names = ", ".join(str(groups[i].index) for i in mine)
        return [(make_var(node, values, sublayer, readers=_readers(groups, mine)), mine,
                 f"layer {layer} MLP (neuron groups {names})", "table")]

    def _is_output(self, values: np.ndarray) -> bool:
        numerical = not self.trace.net.categorical_output
        for want, got in zip(values.tolist(), self.trace.outputs.tolist()):
            if want is None or got is None:
                if want is not got and not (numerical and want is None):
                    return False
            elif numerical:
                if not isinstance(want, (int, float)) or abs(want - got) > ATOL + RTOL * abs(want):
                    return False
            elif want != got or isinstance(want, bool) != isinstance(got, bool):
                return False
        return True

    # -- the output

    def _finish(self, state: _State) -> tuple[prog.Program, tuple[_Line, ...]] | None:
        lines = list(state.lines)
        for line in reversed(lines):
            if self._is_output(line.var.values):
                node = line.var.node
                if (not self.trace.net.categorical_output and not line.var.numerical
                        and isinstance(node, (nodes.Map, nodes.SequenceMap, nodes.SelectorWidth, nodes.Aggregate))):
                    # the net's output is numerical: so is the line that the unembedding reads
                    node = dataclasses.replace(node, encoding=nodes.NUMERICAL)
                    lines[lines.index(line)] = dataclasses.replace(line, var=dataclasses.replace(line.var, node=node))
                return prog.Program(node), tuple(lines)
        # the right partition with other labels: relabel by a table read off the outputs
        for line in reversed(lines):
            if same_partition(line.var.codes, self.output_codes) and not line.var.numerical:
                table = table_of(1, _row_mapping([line.var], self.trace.outputs))
                try:
                    node = nodes.make_map(table, line.var.node)
                except compiler.SourceError:
                    continue
                relabel = _Line(make_var(node, self.trace.outputs, line.var.sublayer), "the unembedding", "table")
                return prog.Program(node), tuple(lines + [relabel])
        return None


def _row_mapping(inputs: list[Var], values: np.ndarray) -> dict[tuple, Any]:
    """What a line on `inputs` gives for each argument tuple the rows show (the first row of
    each), keyed by the tuple; tuples holding None are left out."""
    if len(inputs) == 1:
        first = np.unique(inputs[0].codes, return_index=True)[1]
        args = [(inputs[0].values[i],) for i in first]
    else:
        codes, pairs = pair_codes(inputs[0], inputs[1])
        first = np.unique(codes, return_index=True)[1]
        args = [pairs[codes[i]] for i in first]
    return {arg: plain(values[i]) for arg, i in zip(args, first) if None not in arg}


def _signature(node: nodes.Node) -> tuple:
    """What a line computes, up to its name: two lines with one signature are one line."""
    what = {key: value for key, value in vars(node).items() if key not in ("name", "where")}
    return (type(node).__name__,) + tuple(id(v) if isinstance(v, nodes.Node) else repr(v)
                                          for _, v in sorted(what.items()))


def _claims(covered: list[int], groups: list[Group]) -> list[tuple[list[int], bool]]:
    """The sets of groups a line determining `covered` may stand for, with whether each is
    coherent: all its groups are read by the same later components (a line's readers read all of
    its values; a group read by nothing is a value no reader uses and fits any line). Groups of
    different readers are different lines, so the wide claim is kept only as a last resort."""
    signatures = {groups[i].readers for i in covered if groups[i].readers}
    if len(signatures) <= 1:
        return [(covered, True)]
    claims = [([i for i in covered if groups[i].readers <= signature], True)
              for signature in sorted(signatures, key=sorted)]
    return claims + [(covered, False)]


def _readers(groups: list[Group], covered: list[int]) -> frozenset:
    return frozenset().union(*(groups[i].readers for i in covered))


def _snapped(value: float) -> float | int:
    """A value read off float weights: an integer when within 1e-4 of one, else 6 decimals
    (float noise, a scramble's ~1e-6, is not part of the value; 2/3 stays 0.666667)."""
    if abs(value - round(value)) < 1e-4:
        return float(round(value)) + 0.0
    return round(value, 6) + 0.0


def _integer_scale(values: np.ndarray) -> float:
    """A factor making every value an integer (within 1e-4), when a simple one does: one over
    the smallest value or the smallest gap between values. A numerical write fixes its values
    only up to scale, and integers keep sums exact where 2/3 written as a float would not."""
    distinct = np.unique(np.round(values, 6))
    nonzero = np.abs(distinct[np.abs(distinct) > 1e-6])
    gaps = np.diff(distinct)
    for unit in [1.0] + ([nonzero.min()] if len(nonzero) else []) + ([gaps.min()] if len(gaps) else []):
        scaled = values / unit
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-4) and np.abs(scaled).max() <= 1e6:
            return 1.0 / unit
    return 1.0


def _coordinate(group: Group) -> np.ndarray:
    """A one-direction write as a number per row (1.0 on its largest write), None-free."""
    writes = group.writes
    direction = writes[np.argmax(np.abs(writes).sum(1))]
    return writes @ (direction / np.dot(direction, direction))


def _splits(covered: list[int], uncovered: set, groups: list[Group]) -> bool:
    """Whether a line covering `covered` leaves out an uncovered group with the same readers as
    one it covers (likely the same line, so the claim is partial)."""
    mine = {groups[i].readers for i in covered if groups[i].readers}
    return any(groups[i].readers in mine for i in uncovered - set(covered))


def _equal_labels(key_values: list, chosen: dict[int, set]) -> dict[int, Any] | None:
    """Labels of query codes under which the choice is EQ: the one key value each selects, and a
    fresh integer for queries that select nothing (None when that is not possible)."""
    if any(len(ks) > 1 for ks in chosen.values()) or None in key_values:
        return None
    ints = [v for v in key_values if isinstance(v, int) and not isinstance(v, bool)]
    if len(ints) < len(key_values) and any(not ks for ks in chosen.values()):
        return None  # no fresh label that surely equals no key
    fresh = iter(range(max(ints + [0]) + 1, 1 << 62))
    return {q: key_values[next(iter(ks))] if ks else next(fresh) for q, ks in sorted(chosen.items())}


def _order_labels(comparison: Any, chosen: dict[int, set], occurs: np.ndarray, want: np.ndarray
                  ) -> dict[int, Any] | None:
    """Ranks of one var's codes under which the choice (keys and queries the same var) is
    `comparison`, when the chosen pairs are consistent with a strict order of the codes: each
    pair says which of its two codes is smaller, and the ranks are a topological order of that
    (None when the pairs contradict every order). Quadratic in the codes, which are few."""
    strict = comparison in (rasp.Comparison.LT, rasp.Comparison.GT)
    smaller_key = comparison in (rasp.Comparison.LT, rasp.Comparison.LEQ)  # selected: key before query
    below: dict[int, set] = {q: set() for q in chosen}
    for (k, q), w in zip(occurs, want):
        k, q = int(k), int(q)
        if k == q:
            if bool(w) == strict:
                return None  # a value compared with itself
            continue
        low, high = (k, q) if bool(w) == smaller_key else (q, k)
        below.setdefault(high, set()).add(low)
        below.setdefault(low, set())
    # one code at a time (codes never compared, such as values that never meet in one input,
    # still get distinct ranks: a relabelling must not merge values)
    rank: dict[int, int] = {}
    waiting = {c: set(b) for c, b in below.items()}
    while waiting:
        ready = [c for c, b in waiting.items() if not b]
        if not ready:
            return None  # a cycle
        c = min(ready)
        rank[c] = len(rank)
        del waiting[c]
        for b in waiting.values():
            b.discard(c)
    label = {q: rank[q] for q in chosen}
    for (k, q), w in zip(occurs, want):
        if bool(comparison(label[int(k)], label[int(q)])) != bool(w):
            return None
    return label


def _same_value(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _hashable_label(value: Any) -> Any:
    return ("bool", value) if isinstance(value, bool) else value


# ---------------------------------------------------------------------------------------
# The entry point


def decompile(net: Net, checkpoint=None, *, run_net: bool = True, time_budget: float = 10.0,
              beam_size: int = 8, proposals: str = "model", seed: int = 0, device: str | None = None) -> Decompiled:
    """The program computed by `net`, with its certificate (module docstring).

    `checkpoint`: an interpreter checkpoint or run directory, or a loaded `Interpreter`; None is
    the project's default checkpoint. `run_net=False` decodes from the weights alone (the
    model's best beam) and only certifies the result. `proposals="uniform"` replaces the
    model's proposals by programs drawn uniformly from the grammar (no checkpoint needed).
    `time_budget` (seconds) bounds the search, from once the model is loaded (the model's beam
    search takes at most `MODEL_SHARE` of it); the certificate of the answer is always computed.
    `device`: where the model runs (default: cuda when present); the search runs on the CPU.
    """
    if proposals not in PROPOSALS:
        raise ValueError(f"proposals must be one of {PROPOSALS}, got {proposals!r}")
    if time_budget <= 0:
        raise ValueError(f"time_budget must be positive seconds, got {time_budget!r}")
    start = time.monotonic()
    notes: list[str] = []
    texts: list[str] = []
    weights_only = None
    if proposals == "model":
        if checkpoint is None:
            checkpoint = default_checkpoint()
        model = checkpoint if isinstance(checkpoint, Interpreter) else load_interpreter(checkpoint, device)
        start = time.monotonic()  # the budget is the search's: loading the model (once per process) is not in it
        try:
            encoded = encode_net(net, model.config.encoder)
        except EncodingError as error:
            if not run_net:
                raise
            notes.append(f"the model cannot read this net ({error}); proposals come from the grammar")
        else:
            # the beam search is bounded too (a slow or busy CPU): the rest of the budget searches
            deadline = start + MODEL_SHARE * time_budget if run_net else None
            texts = [d.text for d in search_all(model, encoded, beam_size=beam_size, deadline=deadline)]
            weights_only = texts[0] if texts else None
            if not texts:
                notes.append(f"the model finished no program within {MODEL_SHARE:.0%} of the time budget; "
                             "proposals come from the grammar")
    if not texts:
        texts = uniform_proposals(net, beam_size, seed)
    trace = trace_net(net, seed=seed)
    certify = Certifier(net, trace.inputs, trace.exhaustive, seed)
    best: tuple | None = None  # (agreement, program, lines, method, certificate)
    # the model's readings are certified as they stand (its spelling is the author's); programs
    # drawn uniformly are not (one may pass by chance, spelled far from the net's own lines)
    from_model = proposals == "model" and weights_only is not None
    for text in (texts if from_model else []) if run_net else texts[:1]:
        if best is not None and time.monotonic() > start + time_budget:
            break
        try:
            program = compiler.parse(text)
        except compiler.SourceError:
            continue
        cert = certify(program)
        if best is None or cert.agreement > best[0]:
            best = (cert.agreement, program, (), "model" if from_model else "uniform", cert)
        if cert.verified or not run_net:
            break
    if run_net and not (best and best[4].verified):
        library = Library()
        for text in texts:
            try:
                library.add_program(compiler.parse(text), "model" if from_model else "uniform")
            except compiler.SourceError:
                continue
        library.add_grammar()
        # the line-by-line search leaves a share of the budget to the behavioural one, which
        # reads nets whose components do not each compute one line (retrained nets)
        share = STRUCTURAL_SHARE_DENSE if trace.dense else STRUCTURAL_SHARE
        searcher = _Search(trace, library, start + share * time_budget)
        try:
            for program, lines in searcher.programs():
                cert = certify(program)
                if best is None or cert.agreement > best[0]:
                    best = (cert.agreement, program, lines, "search", cert)
                if cert.verified:
                    break
        except Exception as error:  # noqa: BLE001 - a fault in one search must not cost the answer
            notes.append(f"the line-by-line search stopped on an internal error ({type(error).__name__}: "
                         f"{error}); please report it with this net")
        if not (best and best[4].verified) and time.monotonic() < start + time_budget:
            read = [best] if best else []
            try:
                for program in behavioural_programs(trace, start + time_budget):
                    cert = certify(program)
                    read.append((cert.agreement, program, (), "behaviour", cert))
                    if cert.verified or time.monotonic() > start + time_budget:
                        break
            except Exception as error:  # noqa: BLE001 - as above
                notes.append(f"the behavioural search stopped on an internal error ({type(error).__name__}: "
                             f"{error}); please report it with this net")
            best = _simplest(read)
        if time.monotonic() > start + time_budget:
            notes.append(f"the search stopped at its time budget ({time_budget:g} s)")
    if best is None:
        return Decompiled("", False, trace.exhaustive, 0.0, len(trace.inputs), (), certify.compiled,
                          time.monotonic() - start, "search", weights_only, tuple(notes + ["nothing decoded"]))
    agreement, program, lines, method, cert = best
    return Decompiled(program.source, cert.verified, cert.exhaustive, agreement, cert.inputs,
                      _line_fits(program, lines), certify.compiled, time.monotonic() - start,
                      method if run_net else "weights-only", weights_only, tuple(notes))


def _simplest(results: list[tuple]) -> tuple | None:
    """The first verified result; else the one whose agreement, counted in inputs, most exceeds
    its size (`_size`): each line and table entry must explain one more
    input than a smaller reading does (a minimum description length: a program that also fits a
    few of a trained net's own mistakes by a large table is not a better reading of it)."""
    if not results:
        return None
    for result in results:
        if result[4].verified:
            return result
    return max(results, key=lambda r: r[4].agreement * r[4].inputs - _size(r[1]))


def _size(program: prog.Program) -> int:
    """Lines plus the entries of their tables and predicate tables."""
    size = 0
    for node in program.nodes:
        size += 1
        for part in (getattr(node, "function", None), getattr(node, "predicate", None)):
            size += len(getattr(part, "entries", ())) + len(getattr(part, "pairs", ()))
    return size


def _line_fits(program: prog.Program, lines: tuple) -> tuple[LineFit, ...]:
    """Each line of the program with the component the search matched it to."""
    if not lines:
        return ()
    by_node = {id(line.var.node): line for line in lines}
    for line in lines:  # a select is computed by the head of the line that reads it
        selector = getattr(line.var.node, "selector", None)
        if selector is not None:
            by_node.setdefault(id(selector), line)
    fits = []
    for node, text in zip(program.nodes, program.source.splitlines()):
        line = by_node.get(id(node))
        fits.append(LineFit(text, line.component if line else "-", 1.0 if line else 0.0,
                            line.source if line else "-"))
    return tuple(fits)


def uniform_proposals(net: Net, count: int, seed: int) -> list[str]:
    """Programs drawn uniformly from the grammar with the net's vocabulary and length: the
    proposals of the ablation, and of a net the model cannot read."""
    vocab = tuple(sorted((t for t in net.input_tokens if t not in (net.bos, net.pad)), key=fn.value_sort_key))
    try:
        programs = generator.sample_programs(count, seed=seed, vocab=vocab, max_seq_len=net.config.max_seq_len,
                                             max_ops=8, check=False)
    except Exception:  # noqa: BLE001 - a vocabulary the sampler cannot use gives no proposals, not an error
        return []
    return [p.source for p in programs]
