"""Weights-only decoding by matching weights: the model's readings compiled and compared with the
net in the encoder's own terms, then edited line by line while the match improves. No input is
run through the net.

A compiled net is a function of its program (tracr's compile is deterministic), and the circuit
encoder reads a scrambled net as its compiled twin: so a candidate program is scored by compiling
it for the net's vocabulary, max_seq_len and causality and encoding the result as the model reads
nets (`encode_net`). The score (`similarity`) is the share of tokens the two encodings have in
common, tokens counted as (tags, values rounded to `DIGITS` decimals of the encoder's log scale)
in a multiset Jaccard index: 1 for the net's own program (and its scrambles, up to rounding), and
lower as more of a candidate's blocks differ from the net's, since each line of a program gives
the blocks of the components that compute it.

`match` ranks the model's beams by that score and climbs from each in turn, closest first, in
passes over the lines: each line takes its best edit that helps, among a map's or sequence_map's
function and a select's predicate replaced by each the library holds (the generator's templates,
the decompiler's extras, and the beams' own), a linear_sequence_map's factors by each pair it
holds, each input replaced by `tokens`, `indices`, `length` or another var defined before it, a
map's or aggregate's encoding flipped, and the line left out. Where a pass changes nothing, the
rarer edits, in turn until one helps: a template bound to a constant the line's own input takes
(as the generator binds them), a categorical map's table changed entry by entry (a table's
entries show in the weights that read it), the first line added that helps (a map of the
output, a map between a line and one of its inputs, a sequence_map of the output and a var), and
the best pair of edits that helps (a line's closest edits, each alone no help, with the function
or predicate of a line reading it refitted). A climb ends where nothing helps, at a score of 1,
or at the deadline, and the closest program of every climb wins. Where the model has the
structure right and a function wrong (it reads a select, an aggregate or a width far more often
than an MLP's function), an edit finds the function. Programs that match equally (spellings and
relabellings of intermediate values, which weights cannot tell apart: `x or y` for `max(x, y)`
where they agree on the values read) are chosen among by the generator's odds of drawing each
spelling, then by the caller's `prefer` (the model's likelihood); the matched program's other
spellings the generator draws are scored for it (`_spellings`).

The net's interface is compared exactly: its input tokens and output values, which the encoder
reads only by their features (a string by its length and first letter), are tokens of their
own, so a candidate that writes other output values does not match whole.

A candidate with a categorical sequence_map compile margins or a categorical->numerical map it
builds as a flat lookup (`compiler.compiling.blocks`: a table reading a width, an aggregate or
another margined table; a map whose error a sum could leave past the tolerance) is also scored as
stock tracr builds it, with tracr's neurons, and keeps the better score: a net compiled by tracr
itself, or by this compiler before these, matches its own program whole.

A matched program is a reading, not a proof: `interpreter.decompile(run_net=False)` still
certifies it by running both nets.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
import math
import time
from typing import Callable, Iterator, Sequence

import numpy as np
from tracr.rasp import rasp

import compiler
from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.literals import value_sort_key
from compiler.language.parser import parse_lambda
from compiler.language.values import ValueSetError, ValueSets
from compiler.nets.net import Net
from generator.config import LINEAR_FACTORS, MAP_FUNCTIONS, SEQUENCE_MAP_FUNCTIONS, GeneratorConfig
from interpreter.certify import CHILD_FIELDS, rebuilt
from interpreter.encoding import KINDS, EncodedNet, EncoderConfig, encode_net
from interpreter.relabel import line_readers
from interpreter.search import Library, net_moduli
from interpreter.tracr_library import net_domain

#: Decimals of the encoder's sign(x) log(1 + |x|) values two tokens must share to count as one.
DIGITS = 2
_NO_LIMIT = 2**31 - 1
_INTERFACE_KINDS = (KINDS.index("input_token"), KINDS.index("output_value"))
#: The generator binds a template's constant to one of its input's values when there are fewer than this many.
_MAX_BOUND_VALUES = 8
#: Most values of an output table whose every naming by the net's output values is tried.
_MAX_NAMED_CLASSES = 5
#: The constants the generator binds its templates to besides an input's own values.
_GENERATOR_CONSTANTS = GeneratorConfig().constants
#: A line's closest edits (each alone no help) that `_refits` pairs with a refitted reader.
_REFIT_EDITS = 2
#: Most other spellings of a matched program scored for the tie-break (`_spellings`).
_MAX_SPELLINGS = 256
#: Most entries a map's table may have to be edited entry by entry (the generator's tables have at most 32).
MAX_TABLE_KEYS = 32


@dataclasses.dataclass(frozen=True)
class Matched:
    """The best-matching program (`source`, "" when no candidate compiled), its `similarity` to the
    net's encoding, the model's best beam's (`beam_similarity`, the first text given), how many
    candidate programs were scored, the seconds taken, and how many nets were compiled for them
    (`compiled`: programs whose functions agree on the values they read share one)."""

    source: str
    similarity: float
    beam_similarity: float
    candidates: int
    seconds: float
    compiled: int = 0


def matching_encoder(encoder: EncoderConfig) -> EncoderConfig:
    """`encoder` without the limits that leave its tokens alone (how many, the highest row index, the
    most layers: the sizes of the model's tables; matching compares token bags and feeds no
    model). `max_heads` stays: a head's tag is numbered with it."""
    return dataclasses.replace(encoder, max_tokens=_NO_LIMIT, max_layers=_NO_LIMIT, max_index=_NO_LIMIT)


def token_bag(encoded: EncodedNet, digits: int = DIGITS, net: Net | None = None) -> collections.Counter:
    """An encoding as a multiset of (tags, rounded values) tokens. Given the `net` encoded, its
    interface tokens are its exact input tokens and output values instead: the encoder reads a
    value only by its features (a string by its length and first letter, a number on the log scale
    rounded here), and a candidate whose outputs are other values is another program."""
    values = np.round(encoded.values.astype(np.float64), digits) + 0.0  # -0.0 and 0.0 alike
    tags = encoded.tags
    if net is not None:
        weights = ~np.isin(tags[:, 0], _INTERFACE_KINDS)
        tags, values = tags[weights], values[weights]
    bag = collections.Counter(zip(map(tuple, tags.tolist()), map(tuple, values.tolist())))
    if net is not None:
        bag.update(("input_token", repr(token)) for token in net.input_tokens)
        bag.update(("output_value", repr(value)) for value in (net.output_values or ["numerical"]))
    return bag


def similarity(a: collections.Counter, b: collections.Counter) -> float:
    """The multiset Jaccard index of two token bags: 1 for equal encodings, 0 for disjoint ones."""
    union = sum((a | b).values())
    return sum((a & b).values()) / union if union else 1.0


class _Scorer:
    """Compiles candidates for the net's domain and scores their encodings against the net's,
    each program once, and programs whose functions agree on the values they read (the same
    weights) once between them."""

    def __init__(self, net: Net, target: EncodedNet, encoder: EncoderConfig):
        self.domain = net_domain(net)
        self.vocab, self.max_seq_len, self.causal = self.domain
        self.target, self.encoder = token_bag(target, net=net), matching_encoder(encoder)
        self.outputs = set(net.output_values or ())
        self.scores: dict[str, float] = {}  # by program text
        self.compiled: dict[str, float] = {}  # by the text with functions as tables (`_tabulated`)

    def __call__(self, program: prog.Program) -> float:
        source = program.source
        if source not in self.scores:
            tabulated = _tabulated(program, ValueSets(self.vocab, self.max_seq_len))
            if tabulated not in self.compiled:
                self.compiled[tabulated] = self._score(program)
            self.scores[source] = self.compiled[tabulated]
        return self.scores[source]

    def _score(self, program: prog.Program) -> float:
        try:
            candidate, score = self._compiled(program)
            if (candidate.provenance.get("margined_sequence_maps") or candidate.provenance.get("flat_numerical_maps")) \
                    and score < 1.0:
                # the net may come from stock tracr (or this compiler before it margined such tables),
                # whose tables' neurons have no margin: the candidate is scored as that build too
                from compiler.compiling.blocks import tracr_neurons  # tracr's compiler: loaded where compiling

                with tracr_neurons():
                    score = max(score, self._compiled(program)[1])
            return score
        except Exception:  # noqa: BLE001 - whatever stops a candidate compiling (tracr's own errors too), or a
            return -1.0    # net the encoder cannot hold (EncodingError), rules it out

    def _compiled(self, program: prog.Program) -> tuple[Net, float]:
        """`program` compiled for the net's domain, and its encoding's similarity to the net's."""
        # an aggregate tracr builds without proof is scored as built: its weights are what is compared
        candidate = compiler.compile_program(program, vocab=set(self.vocab), max_seq_len=self.max_seq_len,
                                             causal=self.causal, build_unproven=True, sorted_inputs=False)
        return candidate, similarity(self.target, token_bag(encode_net(candidate, self.encoder), net=candidate))


def match(net: Net, texts: Sequence[str], target: EncodedNet, encoder: EncoderConfig, deadline: float,
          prefer: Callable[[list[str]], list[float]] | None = None) -> Matched:
    """The program among `texts` (the model's beams, best first) and their edits whose compiled net's
    encoding under `encoder` best matches `target` (`net`'s; see the module docstring), searched
    until `deadline` (a `time.monotonic()` time). Edits try the beams' own functions and
    predicates first, then the grammar's, with arithmetic modulo the net's sizes. `prefer`:
    scores of program texts (the model's log-likelihoods), which choose among programs that
    match equally well (relabellings of intermediate values, which the weights cannot tell
    apart; the net's edits are searched for them once it matches whole)."""
    began = time.monotonic()
    score = _Scorer(net, target, encoder)
    programs = []
    for text in texts:
        try:
            programs.append(compiler.parse(text))
        except compiler.SourceError:
            continue
    if not programs:
        return Matched("", 0.0, 0.0, 0, time.monotonic() - began)
    beam_score = score(programs[0])
    options = Library()
    for program in programs:
        options.add_program(program, "model")
    options.add_grammar(moduli=net_moduli(net))
    # each beam in turn, closest first, climbs to where no edit helps; the closest of all wins
    scored = programs[:1]
    for program in programs[1:]:
        if time.monotonic() > deadline:
            break
        score(program)
        scored.append(program)
    starts = sorted(scored, key=lambda program: -score(program))  # stable: the beams' order among ties
    best, best_score, path = starts[0], score(starts[0]), [starts[0]]
    for start in starts:
        if best_score == 1.0 or time.monotonic() > deadline:
            break
        climbed = _climb(start, score, options, deadline)
        if score(climbed[-1]) > best_score:
            best, best_score, path = climbed[-1], score(climbed[-1]), climbed
    source = best.source
    if prefer is not None:
        for candidate in _spellings(best, score.domain):  # the generator's other spellings of it
            if time.monotonic() > deadline:
                break
            score(candidate)
        if best_score == 1.0:  # the edits of each program on the way to it, the last first
            for candidate in itertools.chain.from_iterable(_edits(p, options) for p in reversed(path)):
                if time.monotonic() > deadline:
                    break
                score(candidate)
        ties = [text for text, value in score.scores.items() if value == best_score]
        if len(ties) > 1:
            likelihoods = prefer(ties)
            # programs that match whole compile alike: the model cannot tell their spellings apart
            # (it reads the same net), so the generator's odds rank them, then the model
            odds = [_generator_log_odds(compiler.parse(text), score.domain) if best_score == 1.0 else 0.0
                    for text in ties]
            source = ties[max(range(len(ties)), key=lambda i: (odds[i], likelihoods[i]))]
    return Matched(source, best_score, beam_score, len(score.scores), time.monotonic() - began, len(score.compiled))


def same_weights(text: str, source: str, net: Net, encoder: EncoderConfig | None = None) -> bool:
    """Whether the programs `text` and `source` compile, for `net`'s vocabulary, max_seq_len and
    causality, to the same weights up to the order of their neurons and heads: equal encodings
    (`token_bag` to 6 decimals, under `encoder` without its limits; default `EncoderConfig()`) and
    the same input tokens and output values. Where they do, no reading of the weights can tell
    the two apart: an answer spelled otherwise than its source (`max(x, y)` for `x or y` where
    the two agree on the values read) is as right as the weights can show. False where either
    does not compile."""
    vocab, max_seq_len, causal = net_domain(net)
    unlimited = matching_encoder(encoder or EncoderConfig())
    bags = []
    for program in (text, source):
        try:
            compiled = compiler.compile_program(program, vocab=set(vocab), max_seq_len=max_seq_len, causal=causal,
                                                build_unproven=True, sorted_inputs=False)
            bags.append(token_bag(encode_net(compiled, unlimited), digits=6, net=compiled))
        except Exception:  # noqa: BLE001 - a program that does not compile (tracr's own errors too) or encode
            return False
    return bags[0] == bags[1]


def _spellings(program: prog.Program, domain: tuple) -> Iterator[prog.Program]:
    """Other spellings of `program` the generator draws, at most `_MAX_SPELLINGS`: each map's and
    sequence_map's function as each generator template (bound to each constant the generator
    binds: 0..3 and the input's values when it has fewer than 8) that gives the same value on
    each value its inputs take, a sequence_map's arguments swapped, a linear_sequence_map of one
    input with the factor pairs of the same sum, and selects equal in all but their line shared.
    Equal functions compile to the same MLP; the rest are scored like any candidate."""
    values = ValueSets(domain[0], domain[1])
    lines = []
    for node in program.nodes:
        try:
            options = list(_same_line(node, values))
        except (ValueSetError, TypeError, ValueError):
            continue
        if options:
            lines.append((node, [{}] + options))
    for choice in itertools.islice(itertools.product(*(options for _, options in lines)), 1, _MAX_SPELLINGS):
        try:
            changes = {id(node): change for (node, _), change in zip(lines, choice) if change}
            yield rebuilt(program, changes, shared=True)
        except (compiler.SourceError, TypeError, ValueError):
            continue
    yield from itertools.islice(_relabellings(program, values), _MAX_SPELLINGS)
    first: dict[tuple, nodes.Select] = {}
    shared = {}
    for node in program.nodes:
        if isinstance(node, nodes.Select):
            kept = first.setdefault((id(node.keys), id(node.queries), repr(node.predicate)), node)
            if kept is not node:
                shared[id(node)] = kept
    if shared:
        readers = {id(user): {"selector": shared[id(user.selector)]} for user in program.nodes
                   if isinstance(user, (nodes.Aggregate, nodes.SelectorWidth)) and id(user.selector) in shared}
        try:
            yield rebuilt(program, readers, shared=True)
        except (compiler.SourceError, TypeError, ValueError):
            pass


def _relabellings(program: prog.Program, values: ValueSets) -> Iterator[prog.Program]:
    """`program` with a categorical line's values renamed as a generator template names them, and
    every line reading it refitted to the new names: a line's values are labels the weights do not
    show, so `map({"dog": False, "it": "on", ...}, tokens)` read by `x == y` and `x != "it"` read by
    `x > y` compile alike (the readers' functions agree under the renaming). For each such line,
    each template (with each constant the generator binds) that parts the line's arguments as its
    function does, with each reader refitted: a map or sequence_map by a template agreeing on the
    renamed values (else its table renamed), a select by a comparison (a lambda or table predicate
    is not refitted). Lines an aggregate passes on (its values go further), and the output (the
    net's output values show), are not renamed."""
    readers = line_readers(program)
    for line in program.nodes:
        if not isinstance(line, (nodes.Map, nodes.SequenceMap)) or line.encoding != nodes.CATEGORICAL \
                or line is program.output or not readers[id(line)] \
                or any(isinstance(r, nodes.Aggregate) and r.sop is line for r in readers[id(line)]):
            continue
        try:
            inputs = [sorted(values(c), key=value_sort_key) for c in line.children]
        except (ValueSetError, TypeError):
            continue
        arguments = list(itertools.product(*inputs))
        if len(arguments) > _MAX_RELABEL_ARGUMENTS:
            continue
        outs = _outputs(line.function, arguments)
        if outs is None or None in outs:
            continue
        classes = _classes(outs)
        templates = MAP_FUNCTIONS if isinstance(line, nodes.Map) else SEQUENCE_MAP_FUNCTIONS
        for function in _templates(templates, len(inputs), inputs[0]):
            if function == line.function:
                continue
            named = _outputs(function, arguments)
            if named is None or None in named or _classes(named) != classes:
                continue
            try:
                renamed = dict(zip(outs, named))
            except TypeError:  # an unhashable value
                continue
            changes = {id(line): {"function": function}}
            for reader in readers[id(line)]:
                change = _refitted(reader, line, renamed, values)
                if change is None:
                    break
                changes[id(reader)] = change
            else:
                try:
                    yield rebuilt(program, changes, shared=True)
                except (compiler.SourceError, TypeError, ValueError):
                    continue


#: Most argument values (a map's, a sequence_map's pairs) of a line `_relabellings` renames.
_MAX_RELABEL_ARGUMENTS = 256
_ORDERS = {"EQ": lambda k, q: k == q, "NEQ": lambda k, q: k != q, "LT": lambda k, q: k < q,
           "LEQ": lambda k, q: k <= q, "GT": lambda k, q: k > q, "GEQ": lambda k, q: k >= q}


def _classes(outputs: list) -> list[int]:
    """Which of the outputs are equal: each output's first index among equal ones."""
    first: dict = {}
    try:
        return [first.setdefault(value, i) for i, value in enumerate(outputs)]
    except TypeError:  # an unhashable value
        return list(range(len(outputs)))


def _refitted(reader: nodes.Node, line: nodes.Node, renamed: dict, values: ValueSets) -> dict | None:
    """`reader`'s fields refitted to `line`'s values renamed by `renamed` (old -> new), so that it
    computes what it did (`_relabellings`); None where no refit is found."""
    try:
        if isinstance(reader, (nodes.Map, nodes.SequenceMap)):
            children = reader.children
            old = [sorted(values(c), key=value_sort_key) for c in children]
            same = len(children) == 2 and children[0] is children[1]
            arguments = ([(x, x) for x in old[0]] if same else list(itertools.product(*old)))
            want = _outputs(reader.function, arguments)
            if want is None:
                return None
            new = [tuple(renamed[a] if c is line else a for a, c in zip(args, children)) for args in arguments]
            firsts = sorted({args[0] for args in new}, key=value_sort_key)
            templates = MAP_FUNCTIONS if isinstance(reader, nodes.Map) else SEQUENCE_MAP_FUNCTIONS
            for function in _templates(templates, len(children), firsts):
                if _outputs(function, new) == want:
                    return {"function": function}
            if len(set(new)) < len(new):
                return None
            return {"function": fn.Table.from_mapping(len(children), {
                args[0] if len(args) == 1 else args: out for args, out in zip(new, want)})}
        if isinstance(reader, nodes.Select) and isinstance(reader.predicate, rasp.Comparison):
            keys = sorted(values(reader.keys), key=value_sort_key)
            queries = sorted(values(reader.queries), key=value_sort_key)
            pairs = list(itertools.product(keys, queries))
            want = [bool(reader.predicate(k, q)) for k, q in pairs]
            new = [(renamed[k] if reader.keys is line else k, renamed[q] if reader.queries is line else q)
                   for k, q in pairs]
            for name in ("TRUE", "FALSE", *_ORDERS):
                test = (lambda k, q, v=name == "TRUE": v) if name in ("TRUE", "FALSE") else _ORDERS[name]
                if [bool(test(k, q)) for k, q in new] == want:
                    return {"predicate": fn.COMPARISON_NAMES[name]}
    except (ValueSetError, TypeError, KeyError, ArithmeticError, compiler.EvaluationError, ValueError):
        return None
    return None


def _same_line(node: nodes.Node, values: ValueSets) -> Iterator[dict]:
    """The changes of `node` that `_spellings` tries (its fields as `rebuilt` takes them)."""
    if isinstance(node, nodes.Map):
        keys = sorted(values(node.inner), key=value_sort_key)
        want = _outputs(node.function, [(x,) for x in keys])
        for function in _templates(MAP_FUNCTIONS, 1, keys):
            if function != node.function and _outputs(function, [(x,) for x in keys]) == want:
                yield {"function": function}
    elif isinstance(node, nodes.SequenceMap):
        fst, snd = (sorted(values(n), key=value_sort_key) for n in (node.fst, node.snd))
        pairs = list(itertools.product(fst, snd))
        want = _outputs(node.function, pairs)
        for function in _templates(SEQUENCE_MAP_FUNCTIONS, 2, fst):
            if function != node.function and _outputs(function, pairs) == want:
                yield {"function": function}
        swapped = [(y, x) for x, y in pairs]
        for function in _templates(SEQUENCE_MAP_FUNCTIONS, 2, snd):
            if _outputs(function, swapped) == want:
                yield {"function": function, "fst": node.snd, "snd": node.fst}
    elif isinstance(node, nodes.LinearSequenceMap) and node.fst is node.snd:
        for factors in itertools.product(LINEAR_FACTORS, repeat=2):
            if sum(factors) == node.fst_fac + node.snd_fac and factors != (node.fst_fac, node.snd_fac):
                yield {"fst_fac": factors[0], "snd_fac": factors[1]}


def _generator_log_odds(program: prog.Program, domain: tuple) -> float:
    """The log-probability, roughly, of the generator's drawing `program`'s choices among those
    that spell one net in other ways: each map's and sequence_map's function (a template among
    the generator's, times one of the constants it binds for one with a constant; a table in 1
    of 10 categorical lines, each entry one of the vocabulary and positions; anything else far
    less), each select line (drawn: a comparison of 7 and two of the vars; shared: 1 in 5 of
    the selects before it). Programs that compile alike are ranked by it: `x` before `x + 0`,
    one select read twice before two equal selects."""
    vocab, max_seq_len, _ = domain
    values = ValueSets(vocab, max_seq_len)
    total, selects, reads = 0.0, 0, collections.Counter()
    for node in program.nodes:
        if isinstance(node, (nodes.Map, nodes.SequenceMap)):
            total += _function_log_odds(node, values, vocab, max_seq_len)
        elif isinstance(node, nodes.Select):
            selects += 1
            total += math.log(0.8 / (7 * (2 + len(program.nodes)) ** 2))
        elif isinstance(node, (nodes.Aggregate, nodes.SelectorWidth)):
            reads[id(node.selector)] += 1
            if reads[id(node.selector)] > 1:
                total += math.log(0.2 / max(selects, 1))
    return total


def _function_log_odds(node: nodes.Map | nodes.SequenceMap, values: ValueSets, vocab, max_seq_len: int) -> float:
    single = isinstance(node, nodes.Map)
    templates = MAP_FUNCTIONS if single else SEQUENCE_MAP_FUNCTIONS
    if isinstance(node.function, fn.Table):
        drawn = len(set(vocab) | set(range(max_seq_len)))
        return math.log(0.1) - len(node.function.entries) * math.log(drawn)
    try:
        first = sorted(values(node.inner if single else node.fst), key=value_sort_key)
    except (ValueSetError, TypeError):
        first = []
    constants = _bound_constants(first)
    for template in _parsed(templates):
        if template.arity == (1 if single else 2):
            if template == node.function:
                return math.log(0.9 / len(templates))
        elif any(template.bind(c) == node.function for c in constants):
            return math.log(0.9 / len(templates) / len(constants))
    return math.log(1e-6)  # a function the generator does not write


def _templates(templates: Sequence[str], arity: int, first: list) -> Iterator[fn.Function]:
    """The generator's `templates` of `arity`, those with a constant bound to each it binds on an
    input whose first argument takes the values `first`."""
    constants = _bound_constants(first)
    for template in _parsed(templates):
        if template.arity == arity:
            yield template
        else:
            for c in constants:
                yield template.bind(c)


def _bound_constants(first: list) -> list:
    """The constants the generator binds a template to on an input whose first argument takes the
    values `first`: its own (0..3), and those values when there are fewer than `_MAX_BOUND_VALUES`."""
    return sorted(set(_GENERATOR_CONSTANTS) | (set(first) if len(first) < _MAX_BOUND_VALUES else set()),
                  key=value_sort_key)


@functools.lru_cache(maxsize=8)
def _parsed(templates: tuple[str, ...]) -> tuple[fn.Lambda, ...]:
    """The generator's templates parsed (once: ties and spellings read them for every line)."""
    return tuple(parse_lambda(text) for text in templates)


def _outputs(function, arguments: list[tuple]) -> list | None:
    """`function`'s value on each of `arguments` (as equal values, 1 and True alike), None where it fails."""
    try:
        return [function(*args) for args in arguments]
    except (ArithmeticError, compiler.EvaluationError, TypeError, ValueError):
        return None


def _climb(program: prog.Program, score: _Scorer, options: Library, deadline: float) -> list[prog.Program]:
    """The programs `program` is edited into while an edit raises its score, it first and the
    closest last, in passes over its lines: each line takes the best of its cheap edits
    (`_line_edits`) that helps. Where a pass changes nothing, the best function with a constant
    of the line's own inputs (`_constant_edits`), else the tables (`_tables`), else the first
    added line that helps (`_insertions`)."""
    path, at = [program], score(program)
    while at < 1.0 and time.monotonic() < deadline:
        began = at
        position = 0
        while position < len(program.nodes) and at < 1.0:
            edited, edited_score = _best(_line_edits(program, position, options), score, at, deadline)
            if time.monotonic() > deadline:
                return path
            if edited is not None:
                program, at = edited, edited_score
                path.append(program)
            position += 1
        if at > began:
            continue
        edited, edited_score = _best(_constant_edits(program, score.domain, options), score, at, deadline)
        if edited is None:
            tabled, tabled_score = _tables(program, at, score, deadline)
            if tabled_score > at:
                edited, edited_score = tabled, tabled_score
        if edited is None:
            edited = next((c for c in _insertions(program, options)
                           if time.monotonic() > deadline or score(c) > at), None)
            if time.monotonic() > deadline:
                break
            if edited is not None:
                edited_score = score(edited)
        if edited is None:
            edited, edited_score = _refits(program, at, score, options, deadline)
            if edited is None:
                break
        program, at = edited, edited_score
        path.append(program)
    return path


def _best(candidates, score: _Scorer, at: float, deadline: float) -> tuple[prog.Program | None, float]:
    """The candidate scoring highest above `at` among those scored before `deadline`, and its
    score; (None, `at`) when none does."""
    best, best_score = None, at
    for candidate in candidates:
        if time.monotonic() > deadline:
            break
        if score(candidate) > best_score:
            best, best_score = candidate, score(candidate)
    return best, best_score


def _constant_edits(program: prog.Program, domain: tuple, library: Library):
    """Every program with one map's or sequence_map's function replaced by a generator template
    bound to a constant the library lacks: a value its (first) input takes, as the generator binds
    them (`abs(x - 6)` on a width, `x >= "o"` on letters)."""
    vocab, max_seq_len, _ = domain
    values = ValueSets(vocab, max_seq_len)
    for node in program.nodes:
        if not isinstance(node, (nodes.Map, nodes.SequenceMap)):
            continue
        single = isinstance(node, nodes.Map)
        have = [f for f, _ in (library.maps if single else library.sequence_maps)]
        try:
            constants = sorted(values(node.inner if single else node.fst), key=value_sort_key)
        except ValueSetError:
            continue
        if len(constants) >= _MAX_BOUND_VALUES:
            continue
        for template in _parsed(MAP_FUNCTIONS if single else SEQUENCE_MAP_FUNCTIONS):
            if template.arity == (1 if single else 2):
                continue
            for c in constants:
                function = template.bind(c)
                if function not in have:
                    yield from _rebuilt(program, node, "function", function)


def _tables(program: prog.Program, at: float, score: _Scorer, deadline: float) -> tuple[prog.Program, float]:
    """`program` with its categorical maps' tables edited while that raises the score `at`: a map's
    function as a table on the values its input takes (a lambda becomes its table), first each of
    its values renamed (every entry holding it at once) or two swapped, then each entry changed,
    to each value a generated table draws from (the vocabulary, 0..max_seq_len-1), the net's
    output values or the map's own; the program's output line takes only the net's output values,
    its classes named by them every way. The weights that read a table show its entries, but only
    among tables of as many values (each value is a direction of its own): renaming keeps the
    count, and an entry moves to a value the table already holds."""
    vocab, max_seq_len, _ = score.domain
    drawn = set(vocab) | set(range(max_seq_len)) | score.outputs
    values = ValueSets(vocab, max_seq_len)
    for position in range(len(program.nodes)):
        node = program.nodes[position]
        if not (isinstance(node, nodes.Map) and node.encoding == nodes.CATEGORICAL):
            continue
        try:
            keys = sorted(values(node.inner), key=value_sort_key)
            if len(keys) > MAX_TABLE_KEYS:
                continue
            entries = {key: node.function(key) for key in keys}
        except (ValueSetError, ArithmeticError, compiler.EvaluationError, TypeError, ValueError):
            continue
        choices = sorted(drawn | {v for v in entries.values() if v is not None}, key=value_sort_key)
        is_output = node is program.output
        if is_output and score.outputs:  # the net's output values are known exactly
            choices = sorted(score.outputs, key=value_sort_key)

        def table(changed: dict) -> list[prog.Program]:
            return _rebuilt(program, program.nodes[position], "function", fn.Table.from_mapping(1, changed))
        while time.monotonic() < deadline:  # the best renaming, while one helps
            classes = sorted(set(entries.values()), key=value_sort_key)
            renames = [{key: new if value == old else old if value == new else value for key, value in entries.items()}
                       for old in classes for new in choices if new != old]  # or two swapped
            if is_output and len(classes) == len(score.outputs) <= _MAX_NAMED_CLASSES:
                renames += [{key: dict(zip(classes, names))[value] for key, value in entries.items()}
                            for names in itertools.permutations(choices)]  # the output's classes, named every way
            renamed = None  # (score, program, entries) of the best renaming found in time
            for changed in renames:
                if time.monotonic() > deadline:
                    break
                for candidate in table(changed):
                    if score(candidate) > (renamed[0] if renamed else at):
                        renamed = (score(candidate), candidate, changed)
            if renamed is None:
                break
            at, program, entries = renamed
        for key in keys:
            for value in choices:
                if time.monotonic() > deadline or value == entries[key]:
                    continue
                changed = {**entries, key: value}
                for candidate in table(changed):
                    if score(candidate) > at:
                        program, at, entries = candidate, score(candidate), changed
    return program, at


def _refits(program: prog.Program, at: float, score: _Scorer, library: Library,
            deadline: float) -> tuple[prog.Program | None, float]:
    """Two lines at once, the best pair that helps: one of a line's `_REFIT_EDITS` closest
    function, predicate or input edits (each alone no help), then the function or predicate of a
    line reading it (a select's own predicate too) refitted to what it now reads. An aggregate
    reading another var changes the values its reader's function sees; alone, neither edit helps."""
    best, best_score = None, at
    for position, node in enumerate(program.nodes):
        readers = [q for q, user in enumerate(program.nodes)
                   if any(getattr(user, field) is node for field in CHILD_FIELDS.get(type(user), ()))
                   and _function_fields(user, library)]
        if isinstance(node, nodes.Select):
            readers.append(position)
        if not readers:
            continue
        edits = []
        for field, choices in _function_fields(node, library):
            edits += [c for option in choices if option != getattr(node, field)
                      for c in _rebuilt(program, node, field, option)]
        earlier = [nodes.TOKENS, nodes.INDICES, nodes.LENGTH] + [n for n in program.nodes[:position]
                                                                 if isinstance(n, nodes.SOpNode)]
        for field in _input_fields(node):
            for other in earlier:
                if other is not getattr(node, field):
                    try:
                        edits.append(rebuilt(program, {id(node): {field: other}}, shared=True))
                    except (compiler.SourceError, TypeError, ValueError):
                        continue
        closest = []
        for edit in edits:
            if time.monotonic() > deadline:
                return best, best_score
            if len(edit.nodes) == len(program.nodes):  # the lines where they were
                closest.append((score(edit), len(closest), edit))
        for _, _, edit in sorted(closest, reverse=True)[:_REFIT_EDITS]:
            for reader in readers:
                refit, refit_score = _best((c for field, choices in _function_fields(edit.nodes[reader], library)
                                            for option in choices
                                            for c in _rebuilt(edit, edit.nodes[reader], field, option)),
                                           score, best_score, deadline)
                if refit is not None:
                    best, best_score = refit, refit_score
    return best, best_score


def _insertions(program: prog.Program, library: Library):
    """Every program with one line more, of a library function: a map of the output (a new last
    line: the model's readings stop short more often than they run on), a map between a line and
    one of its inputs, or a sequence_map of the output and another var."""
    def made(make, *args, **kwargs) -> list[nodes.SOpNode]:
        try:
            return [make(*args, **kwargs)]
        except (compiler.SourceError, TypeError, ValueError):
            return []
    for function, _ in library.maps:
        for encoding in (nodes.CATEGORICAL, nodes.NUMERICAL):
            yield from map(prog.Program, made(nodes.make_map, function, program.output, encoding=encoding))
    for node in program.nodes:
        for field in _input_fields(node):
            for function, _ in library.maps:
                for encoding in (nodes.CATEGORICAL, nodes.NUMERICAL):
                    for inserted in made(nodes.make_map, function, getattr(node, field), encoding=encoding):
                        yield from _rebuilt(program, node, field, inserted)
    others = [nodes.TOKENS, nodes.INDICES, nodes.LENGTH] + [n for n in program.nodes
                                                           if isinstance(n, nodes.SOpNode) and n is not program.output]
    for function, _ in library.sequence_maps:
        for other in others:
            for fst, snd in ((program.output, other), (other, program.output)):
                yield from map(prog.Program, made(nodes.make_sequence_map, function, fst, snd))

def _edits(program: prog.Program, library: Library):
    """Every program one edit away from `program` (module docstring), line by line."""
    for position in range(len(program.nodes)):
        yield from _line_edits(program, position, library)


def _line_edits(program: prog.Program, position: int, library: Library):
    """Every program one edit of line `position` (in `program.nodes`) away from `program`."""
    order = program.nodes
    node = order[position]
    for field, options in _function_fields(node, library):
        for option in options:
            if option != getattr(node, field):
                yield from _rebuilt(program, node, field, option)
    if isinstance(node, nodes.LinearSequenceMap):
        for fst_fac, snd_fac in (factors for factors, _ in library.factors):
            if (fst_fac, snd_fac) != (node.fst_fac, node.snd_fac):
                yield from _rebuilt(program, node, "fst_fac", fst_fac, snd_fac=snd_fac)
    if isinstance(node, (nodes.Map, nodes.Aggregate)):
        flipped = nodes.NUMERICAL if node.encoding == nodes.CATEGORICAL else nodes.CATEGORICAL
        yield from _rebuilt(program, node, "encoding", flipped)
    earlier = [nodes.TOKENS, nodes.INDICES, nodes.LENGTH] + [n for n in order[:position]
                                                             if isinstance(n, nodes.SOpNode)]
    for field in _input_fields(node):
        for other in earlier:
            if other is not getattr(node, field):
                yield from _rebuilt(program, node, field, other)
    yield from _left_out(program, node)


def _left_out(program: prog.Program, node: nodes.Node):
    """Every program with `node` (a map, sequence_map, linear_sequence_map or aggregate line) left
    out, what read it reading one of that line's inputs instead."""
    if not isinstance(node, (nodes.Map, nodes.SequenceMap, nodes.LinearSequenceMap, nodes.Aggregate)):
        return
    for field in _input_fields(node):
        kept = getattr(node, field)
        if node is program.output:
            if kept not in (nodes.TOKENS, nodes.INDICES, nodes.LENGTH):
                yield prog.Program(kept)
            continue
        readers = {id(user): {f: kept for f in CHILD_FIELDS.get(type(user), ()) if getattr(user, f) is node}
                   for user in program.nodes}
        try:
            yield rebuilt(program, {key: fields for key, fields in readers.items() if fields})
        except (compiler.SourceError, TypeError, ValueError):
            continue


def _input_fields(node: nodes.Node) -> list[str]:
    """The fields holding the SOps a line reads (a selector is edited as its own line)."""
    return [field for field in CHILD_FIELDS.get(type(node), ()) if field != "selector"]


def _function_fields(node: nodes.Node, library: Library) -> list[tuple[str, list]]:
    if isinstance(node, nodes.Map):
        return [("function", [f for f, _ in library.maps])]
    if isinstance(node, nodes.SequenceMap):
        return [("function", [f for f, _ in library.sequence_maps])]
    if isinstance(node, nodes.Select):
        return [("predicate", [p for p, _ in library.predicates])]
    return []


def _rebuilt(program: prog.Program, node: nodes.Node, field: str, value, **more) -> list[prog.Program]:
    try:
        return [rebuilt(program, {id(node): {field: value, **more}})]
    except (compiler.SourceError, TypeError, ValueError):
        return []


def _tabulated(program: prog.Program, values: ValueSets) -> str:
    """`program`'s text with each map's and sequence_map's function as its table on the values its
    inputs take: two programs with the same text compile to the same net (tracr builds an MLP
    from its function's values on its input's value set), so one is compiled for both. A
    function undefined on one of them, or a value set that cannot be listed, keeps the source."""
    changes = {}
    try:
        for node in program.nodes:
            if isinstance(node, nodes.Map):
                keys = sorted(values(node.inner), key=value_sort_key)
                changes[id(node)] = {"function": fn.Table.from_mapping(1, {x: node.function(x) for x in keys})}
            elif isinstance(node, nodes.SequenceMap):
                pairs = itertools.product(sorted(values(node.fst), key=value_sort_key),
                                          sorted(values(node.snd), key=value_sort_key))
                changes[id(node)] = {"function": fn.Table.from_mapping(2, {(x, y): node.function(x, y)
                                                                           for x, y in pairs})}
        return rebuilt(program, changes).source if changes else program.source
    except (ValueSetError, ArithmeticError, compiler.EvaluationError, compiler.SourceError, TypeError, ValueError):
        return program.source
