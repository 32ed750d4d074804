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

`match` ranks the model's beams by that score and climbs from each in turn, closest first: one line
at a time, a map's or sequence_map's function and a select's predicate replaced by each the library
holds (the generator's templates, the decompiler's extras, and the beams' own), a
linear_sequence_map's factors by each pair it holds, each line's inputs replaced by `tokens`,
`indices`, `length` or another var defined before it, and a map's or aggregate's encoding flipped.
The edit that raises the score most is kept and the lines are tried again; where none helps, the
first map inserted between a line and one of its inputs that does. A climb ends where nothing helps,
at a score of 1, or at the deadline, and the closest program of every climb wins. Where the model
has the structure right and a function wrong (it reads a select, an aggregate or a width far more
often than an MLP's function), one edit finds the function. Programs that match equally
(relabellings of intermediate values, which weights cannot tell apart) are chosen among by the
caller's `prefer` (the model's likelihood).

A matched program is a reading, not a proof: `interpreter.decompile(run_net=False)` still
certifies it by running both nets.
"""

from __future__ import annotations

import collections
import dataclasses
import time
from typing import Callable, Sequence

import numpy as np

import compiler
from compiler.language import nodes
from compiler.language import program as prog
from compiler.nets.net import Net
from interpreter.certify import CHILD_FIELDS, rebuilt
from interpreter.encoding import EncodedNet, EncoderConfig, encode_net
from interpreter.search import Library, net_moduli
from interpreter.tracr_library import net_domain

#: Decimals of the encoder's sign(x) log(1 + |x|) values two tokens must share to count as one.
DIGITS = 2


@dataclasses.dataclass(frozen=True)
class Matched:
    """The best-matching program (`source`, "" when no candidate compiled), its `similarity` to the
    net's encoding, the model's best beam's (`beam_similarity`, the first text given), how many
    candidates were compiled and scored, and the seconds taken."""

    source: str
    similarity: float
    beam_similarity: float
    candidates: int
    seconds: float


def token_bag(encoded: EncodedNet, digits: int = DIGITS) -> collections.Counter:
    """An encoding as a multiset of (tags, rounded values) tokens."""
    values = np.round(encoded.values.astype(np.float64), digits) + 0.0  # -0.0 and 0.0 alike
    return collections.Counter(zip(map(tuple, encoded.tags.tolist()), map(tuple, values.tolist())))


def similarity(a: collections.Counter, b: collections.Counter) -> float:
    """The multiset Jaccard index of two token bags: 1 for equal encodings, 0 for disjoint ones."""
    union = sum((a | b).values())
    return sum((a & b).values()) / union if union else 1.0


class _Scorer:
    """Compiles candidates for the net's domain and scores their encodings against the net's,
    each distinct program once."""

    def __init__(self, net: Net, target: EncodedNet, encoder: EncoderConfig):
        self.vocab, self.max_seq_len, self.causal = net_domain(net)
        self.target, self.encoder = token_bag(target), encoder
        self.scores: dict[str, float] = {}

    def __call__(self, program: prog.Program) -> float:
        source = program.source
        if source not in self.scores:
            self.scores[source] = self._score(program)
        return self.scores[source]

    def _score(self, program: prog.Program) -> float:
        try:
            candidate = compiler.compile_program(program, vocab=set(self.vocab), max_seq_len=self.max_seq_len,
                                                 causal=self.causal)
            return similarity(self.target, token_bag(encode_net(candidate, self.encoder)))
        except Exception:  # noqa: BLE001 - whatever stops a candidate compiling (tracr's own errors too), or a
            return -1.0    # net the encoder cannot hold (EncodingError), rules it out


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
    best, best_score = starts[0], score(starts[0])
    for start in starts:
        if best_score == 1.0 or time.monotonic() > deadline:
            break
        climbed, climbed_score = _climb(start, score(start), score, options, deadline)
        if climbed_score > best_score:
            best, best_score = climbed, climbed_score
    source = best.source
    if prefer is not None:
        if best_score == 1.0:
            for candidate in _edits(best, options):
                if time.monotonic() > deadline:
                    break
                score(candidate)
        ties = [text for text, value in score.scores.items() if value == best_score]
        if len(ties) > 1:
            likelihoods = prefer(ties)
            source = ties[max(range(len(ties)), key=lambda i: likelihoods[i])]
    return Matched(source, best_score, beam_score, len(score.scores), time.monotonic() - began)


def _climb(program: prog.Program, at: float, score: _Scorer, options: Library,
           deadline: float) -> tuple[prog.Program, float]:
    """`program` edited while an edit raises its score `at`: each round takes the best of every
    cheap edit (`_edits`), or failing one, the first new map that helps (`_insertions`)."""
    while at < 1.0 and time.monotonic() < deadline:
        edited, edited_score = None, at
        for candidate in _edits(program, options):
            if time.monotonic() > deadline:
                break
            if score(candidate) > edited_score:
                edited, edited_score = candidate, score(candidate)
        if edited is None:
            edited = next((c for c in _insertions(program, options)
                           if time.monotonic() > deadline or score(c) > at), None)
            if edited is None or time.monotonic() > deadline:
                break
            edited_score = score(edited)
        program, at = edited, edited_score
    return program, at


def _insertions(program: prog.Program, library: Library):
    """Every program with one map more, of a library function, between a line and one of its inputs."""
    for node in program.nodes:
        for field in _input_fields(node):
            child = getattr(node, field)
            for function, _ in library.maps:
                for encoding in (nodes.CATEGORICAL, nodes.NUMERICAL):
                    try:
                        inserted = nodes.make_map(function, child, encoding=encoding)
                    except (compiler.SourceError, TypeError, ValueError):
                        continue
                    yield from _rebuilt(program, node, field, inserted)


def _edits(program: prog.Program, library: Library):
    """Every program one edit away from `program` (module docstring), line by line."""
    order = list(program.nodes)
    for at, node in enumerate(order):
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
        earlier = [nodes.TOKENS, nodes.INDICES, nodes.LENGTH] + [n for n in order[:at] if isinstance(n, nodes.SOpNode)]
        for field in _input_fields(node):
            for other in earlier:
                if other is not getattr(node, field):
                    yield from _rebuilt(program, node, field, other)


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
