"""Certificates: a candidate program is compiled and its net run on the inputs the trace ran the
network on. Only this comparison makes a decompiled program verified.

Where there are at most 5,000 inputs the trace holds every one, and agreement on all of them is a
proof. Where there are a few more (`interpreter.verified.DOMAIN_CHECKED`, `whole_domain`: a causal
net's inputs of the longest length, whose prefixes are the rest), a reading that agrees with the
traced ones is run on all the others, and agreeing on them all is a proof too. Above that the
trace is a sample, and a program can agree on it and still be wrong: a table
line read off the sample holds only the values the sample showed, and a value it lacks (the share
of a token at 7/10, seen in no sampled prefix) is answered by whatever the candidate's net does
there. So on a sample a program is verified only when, besides agreeing on the sample and passing
a hypothesis search for a disagreement, every table line has an entry for every value its inputs
can take (`compiler.language.values`; for a select's table of pairs, every (key, query) pair it
leaves unselected counts, and for a select whose library predicate was fitted to the pairs the rows
showed and could not be read off the QK circuit on the others, every pair no row showed, or, where it
could, every pair with a value no row holds (`select(sites, indices, LT)` read on 0-3 CpG sites, where
the net selects every position at 4): `interpreter.head_lines.register_extrapolated`; for a map or
sequence_map with a lambda on categorical inputs, every argument value neither shown by the rows nor
read off its block's weights, since a lambda that fits the rows is a guess past them, `x == 3` where the net has
`x >= 3`: `interpreter.mlp_lines.register_fitted`): for each missing one, inputs that reach it are searched
for (`reach`, over one token of each kind the program tells apart) and the two nets compared
there. A missing value that inputs reach leaves the program unverified, with the reason (its
source is undefined there), and the inputs found go back to the search, which reads the net again
with them (`extra_inputs`); so does an input the hypothesis search shows a candidate wrong on (a
pair of keys no traced input held together leaves their order in a table unread). A value sets'
rule is a superset (it takes `indices` and `length` as independent, so a table on the pair
"misses" (1, 0)): what the primitives rule out is dropped first (`possible_holes`: length 0, an
index past the length, a count of 0 by a select that chooses the query's own position, or such a
count copied from another position, a value of a shift where it selects nothing, and two counts of
one position adding up past the length where no key is counted by both), and a
missing value of a line whose inputs are functions of the bag of tokens a position sees (counts,
means and maps of them) is checked against every value they take, enumerated bag by bag
(`interpreter.bags`): one no bag gives is no hole, and one a bag gives comes with an input that
gives it. Before that, a missing value no cell (position, length) of any input gives the line's
inputs together is no hole either (`interpreter.cells`: values per cell, so a count of three
misses in a row never sits at index 0 or 1, and a fetch of the previous token is None at index 0
alone). Of the rest, a missing value that `REACH_MIN_TRIES` inputs aimed at it never reach,
the search having tried every short motif of the token kinds and every input of one token among
copies of another, and climbed towards each of the unreached values inputs came nearest (`reach`),
is taken not to occur, and the certificate says so (`caveat`); a certifier does not search again
for it in the next reading with the same line. Like the sample itself, that is evidence, not
proof: `exhaustive` says which kind of certificate it is.
An entry a table has for arguments no traced input shows (read off the net's weights) is no hole,
but inputs aimed at it are searched for too (`Certifier._read_entries`, `READ_REACH_SECONDS`) and
the nets compared there: such a reading is the search's, not a row.
Which values a table's inputs may take comes from value sets a little tighter than compile's
(`PositionValueSets`: a count of the larger tokens before one's own is at most one's index).

A reading compile refuses for a None the net cannot hold is compiled as the net computes it: its
tables' missing entries filled in (which count as holes all the same) and its lambda predicates
guarded against None keys and queries (`Certifier._compile`); `Certificate.program` is what was
compiled, and what the caller returns.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
import math
import random
import time
from typing import Any, Iterator, Sequence

import numpy as np
from tracr.rasp import rasp

import compiler
from compiler.compiling.check import (
    all_inputs,
    outputs_agree,
    random_inputs,
    reference_outputs,
    search_failing_batch,
    structured_inputs,
)
from compiler.compiling.flags import (
    fetched_numbers,
    first_of_kind_chosen,
    flagged_at_most_once,
    numbered_always_chosen,
    one_value_each,
)
from compiler.language import functions as fn
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.literals import format_value, is_literal, normalize_value, table_key, value_sort_key
from compiler.language.parser import parse_lambda
from compiler.language.values import ValueSetError, ValueSets, call, function_arguments, nearest_values, outputs
from compiler.nets.net import Net
from interpreter.bags import bag_arguments
from interpreter.cells import Cells, disjoint_widths, may_be_none, with_none
from interpreter.head_lines import read_whole, shown_pairs
from interpreter.mlp_lines import function_key

#: Seconds one certificate may spend searching for inputs that reach a table's missing values,
#: and all of a certifier's certificates together (past it, such tables stay unverified), at a
#: decompile's time budget of `REACH_AT_BUDGET` seconds or less; a larger budget scales both.
REACH_SECONDS = 2.0
REACH_BUDGET = 6.0
REACH_AT_BUDGET = 10.0
#: Seconds one certificate may spend on inputs aimed at table entries read off the net's weights
#: (`Certifier._read_entries`), at a budget of `REACH_AT_BUDGET` seconds or less.
READ_REACH_SECONDS = 1.0
#: ... and a certifier's certificates together: a verified reading is certified again in other
#: spellings (readable labels, round constants), which are compared on the inputs found before.
READ_BUDGET = 2.0
#: Seconds enumerating the bags of tokens one certificate may spend (`bags.bag_arguments`), out of
#: the certifier's time for reaching missing values.
BAGS_SECONDS = 3.0
#: Most inputs reaching holes (by the bags) handed back with a reading the sample's untraced
#: inputs show wrong, for the search's next reading.
BAG_INPUTS_BACK = 500
#: Inputs tried, none reaching it, after which a table's missing value is taken to be one no input
#: gives (a value sets' rule is a superset: `indices` and `length` as a pair never give (1, 0)).
REACH_MIN_TRIES = 1000
#: How many times the net's MLP width a reading's sequence_map may need before it is not compiled.
SEQUENCE_MAP_WIDTH = 4
#: Inputs a hypothesis search for a disagreement tries (each runs both nets on one input).
SEARCH_EXAMPLES = 1000
#: Most argument values of one table line checked for entries (larger domains: not verified); as
#: many as a table may hold (`compiler.language.functions.MAX_TABLE_ENTRIES`).
MAX_TABLE_DOMAIN = fn.MAX_TABLE_ENTRIES


@dataclasses.dataclass(frozen=True)
class Certificate:
    agreement: float
    inputs: int
    exhaustive: bool
    verified: bool
    reason: str = ""  # why a program is not verified: an input it is wrong on, or why agreeing is not enough
    caveat: str = ""  # what a verified program's certificate took on trust (values no input reached)
    program: prog.Program | None = None  # what was compiled: the candidate, made to hold no None (`_compile`)
    # inputs were found on which a table of it has no entry read off the net: its answer there is
    # undefined or a guess, so it ranks below a program as close that is only not shown complete
    undefined: bool = False


def unreadable(program: prog.Program) -> str:
    """Why `program`'s text could not be read back (`compiler.parse`: a table of more entries than
    the language allows, or more commas than its tables may hold together), or "". A reading is an
    answer only where a researcher can compile, edit and run its text: the thirty-ninth hand-written
    set's y13 was read with a select of 117,000 code pairs, its net right, its text refused."""
    sizes = []
    for node in program.nodes:
        table = node.predicate if isinstance(node, nodes.Select) else getattr(node, "function", None)
        if isinstance(table, fn.PredicateTable):
            sizes.append(len(table.pairs))
        elif isinstance(table, fn.Table):
            sizes.append(len(table.entries))
    if max(sizes, default=0) > fn.MAX_TABLE_ENTRIES:
        return (f"a table of it holds {max(sizes):,} entries, over the {fn.MAX_TABLE_ENTRIES:,} a program's text may "
                "hold, so its text could not be read back")
    if sum(sizes) > fn.MAX_TABLE_ENTRIES and program.source.count(",") > 4 * fn.MAX_TABLE_ENTRIES:
        return (f"its tables hold {sum(sizes):,} entries together, more than a program's text may hold, so its text "
                "could not be read back")
    return ""


class Certifier:
    """Compares the compiled nets of candidate programs with one net on fixed inputs: the trace's
    (every input up to max_seq_len, or a sample), plus a hypothesis search for a disagreement
    when the inputs are a sample."""

    def __init__(self, net: Net, inputs: list[list], exhaustive: bool, seed: int = 0, untraced: list[list] = (),
                 domain: int = 0):
        self.net, self.inputs, self.exhaustive, self.seed = net, inputs, exhaustive, seed
        # more sampled inputs, which a candidate agreeing on `inputs` must agree on too (the rest of
        # a sample the caller could not afford to trace); their outputs are computed when first needed
        self.untraced, self._untraced_expected = list(untraced), None
        # where not 0, `inputs` and `untraced` hold every input (`whole_domain`), this many: a
        # candidate agreeing on them all is shown right on every input, whatever its tables miss
        self.domain = domain
        self.vocab = set(net.vocab)
        self.expected = net.run(inputs)
        self.compiled = 0
        vocab = sorted(self.vocab, key=value_sort_key)
        # compile's value sets (what a reading must have entries for to compile), and tighter ones
        # for which of a table's missing values inputs may reach (`PositionValueSets`)
        self.compile_sets = ValueSets(vocab, net.config.max_seq_len)
        self.value_sets = PositionValueSets(vocab, net.config.max_seq_len, net.config.causal)
        self.extra_inputs: list[list] = []  # inputs found to reach tables' missing values (module docstring)
        self.reach_seconds, self.reach_left = REACH_SECONDS, REACH_BUDGET  # `scale_reach`
        # `_read_entries`, scaled alike; the inputs it found, which later readings are compared on first
        self.read_seconds, self.read_left, self.read_found = READ_REACH_SECONDS, READ_BUDGET, []
        # missing values a whole reach search never reached, by what computes their line's
        # arguments (`_arguments_key`) and the value: how many inputs it tried. Readings share
        # lines, and a value no search reached is not searched for again with each of them
        self._unreachable: dict[tuple, int] = {}
        # every argument value of a table line whose inputs the bags of tokens determine, by
        # `_arguments_key` (`bags.bag_arguments`): None where they do not, or time ran out
        self._bags: dict[tuple, dict | None] = {}
        # whether some cell of some input gives a table line's missing value (`_cell_holes`), by
        # `_arguments_key` and the value
        self._cell_given: dict[tuple, dict] = {}
        # output values an unfired neuron writes that no traced input gives (`mlp_lines.unwritten_outputs`,
        # set by the caller): while one is left, no unreached hole is taken not to occur
        self.unwritten: list = []
        self.deadline = float("inf")  # past it, no more searching for inputs (the caller's time budget)
        self._searched: dict = {}  # the net's outputs on the hypothesis search's inputs (`_search`)
        # select tables the search read whole off a head (`table_holes`), shared with the search
        self.complete_selects: dict[fn.PredicateTable, dict[str, tuple[frozenset, frozenset] | None]] = {}
        # selects whose library predicate the search extrapolated past the pairs the rows show
        # (`table_holes`), shared with the search
        self.extrapolated_selects: dict[tuple[str, str, str], dict[str, frozenset]] = {}
        # map and sequence_map lambdas on categorical inputs, fitted to the argument values the
        # rows show (`interpreter.mlp_lines.register_fitted`), by `function_key`: the values shown
        self.fitted_functions: dict[tuple, set] = {}

    def __call__(self, program: prog.Program, unread: Sequence[str] = ()) -> Certificate:
        """`program`'s certificate; `unread`: components of the net a reading leaves out (lines the
        search explained them with, which the program does not read), so that on a sample it is
        not verified: the net may use them on inputs the sample lacks."""
        found = self._certify(program)
        if unread and found.verified and not found.exhaustive:
            parts = ", ".join(unread[:3]) + (f" and {len(unread) - 3} more" if len(unread) > 3 else "")
            return dataclasses.replace(found, verified=False, caveat="", reason=(
                f"it leaves out what the net computes at {parts}, which no sampled input shows to matter; "
                "on inputs the sample lacks it may"))
        return found

    def _certify(self, program: prog.Program) -> Certificate:
        self.compiled += 1
        too_large = self._too_large(program) or unreadable(program)
        if too_large:
            return Certificate(0.0, len(self.inputs), self.exhaustive, False, too_large)
        try:
            compiled, candidate = self._compile(program)
            unshown = candidate.provenance.get("aggregates_unshown", "")
            if unshown and len(self.inputs) + len(self.untraced) > REFERENCE_INPUTS:
                raise compiler.CompileError(unshown)
            candidate = outputs_of(compiled, candidate)  # compared with the net on every input checked
            got = candidate.run(self.inputs)
        except (compiler.CompileError, compiler.SourceError, ValueError, ArithmeticError, TypeError) as error:
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            what = "does not compile" if isinstance(error, (compiler.CompileError, compiler.SourceError)) else \
                "compiles to a net that fails to run"
            return Certificate(0.0, len(self.inputs), self.exhaustive, False, f"it {what} ({first})")
        filled = unreadable(compiled) if compiled is not program else ""  # its tables filled for compile
        if filled:
            return Certificate(0.0, len(self.inputs), self.exhaustive, False, filled)
        agrees = [nets_agree(want, have) for want, have in zip(self.expected, got)]
        agree = sum(agrees)
        agreement = agree / len(self.inputs)
        if agree < len(self.inputs) or self.exhaustive:
            first = agrees.index(False) if agree < len(self.inputs) else None
            # the first input it is wrong on, for the answer's note (a reading can be wrong where the
            # rows it was read from were right: a table filled in, or numbers rounded)
            reason = "" if first is None else (
                f"on {self.inputs[first]} the net gives {self.expected[first]}, this program's net {got[first]} "
                f"({'one of every input' if self.exhaustive else 'a traced input'}; "
                f"{len(self.inputs) - agree:,} of {len(self.inputs):,} differ)")
            return Certificate(agreement, len(self.inputs), self.exhaustive, agree == len(self.inputs), reason,
                               program=compiled)
        # agreeing on every traced input, it is compared on the sample's untraced ones too: they count
        reason, wrong, caveat = self._untraced(candidate)
        checked = len(self.inputs) + len(self.untraced)
        agreement = (checked - wrong) / checked
        undefined = False
        if reason:  # the search reads the net again: with an input for each hole inputs reach, where the bags say
            self._hand_back(self._bag_inputs(program, compiled))
        elif self.domain:  # it agrees on every input there is
            return Certificate(1.0, self.domain, True, True, caveat=_unshown(unshown), program=compiled)
        else:
            reason, wrong, caveat, undefined = self._holes(program, compiled, candidate)
            if wrong:  # inputs its tables had not seen show it wrong: it ranks below programs that agree
                checked += wrong
                agreement = (checked - wrong) / checked
        if not reason:
            failing = self._search(candidate)
            if failing is not None:
                self._hand_back([failing])  # an input the trace lacked: reading the net on it may fix the search
                reason = (f"on {failing} the net gives {self.net.run([failing])[0]}, this program's net "
                          f"{candidate.run([failing])[0]} (found by a hypothesis search)")
        if not reason:  # last, as it costs most: for a reading nothing else shows wrong
            reason, read_wrong = self._read_entries(compiled, candidate)
            if read_wrong:
                checked += read_wrong
                agreement = (checked - read_wrong) / checked
        if unshown and not reason:
            caveat = "; ".join(filter(None, [_unshown(unshown) + " checked", caveat]))
        return Certificate(agreement, checked, self.exhaustive, not reason, reason, "" if reason else caveat,
                           compiled, undefined)

    def _compile(self, program: prog.Program) -> tuple[prog.Program, Net]:
        """`program` and its net; when compile refuses it for a None the net cannot hold, `program`
        made to hold none there, and its net:
        - its tables filled (`filled_tables`): a table read off the net has no entry for a value
          no traced input showed, None there; where that value is one no input gives (a
          `selector_width` of an EQ select on the same values is never 0), compile, which cannot
          tell, refuses what may be None. A one-to-one table is filled with new values, which the
          tables reading it have no entry for: they are filled in turn (the twentieth set's h18,
          a table of (2^a, 3^b) pairs read by one of (price, factor));
        - its lambda predicates guarded against None (`guarded_predicates`): `k == 0` selects key 0
          for a None query in rasp, which the net never does, so it reads as `k == 0 and q != None`;
        - its numerical tables filled where compile takes their inputs to reach values beyond
          those the value sets give (`numerical_gaps`: the shares of tokens add up to 1).
        """
        compile = functools.partial(compiler.compile_program, vocab=self.vocab, max_seq_len=self.net.config.max_seq_len,
                                    causal=self.net.config.causal, build_unproven=True, sorted_inputs=False)
        try:
            return program, compile(program)
        except compiler.CompileError:
            filled = program
            for _ in program.nodes:  # a filled table's new values are holes of the tables reading it: fill those too
                more = filled_tables(filled, table_holes(filled, self.compile_sets, self.complete_selects))
                if more is None:
                    break
                filled = more
            fixed = guarded_predicates(filled, self.compile_sets) or filled
            # a numerical table without the entries compile takes its inputs to reach past the
            # values read (the twenty-eighth set's p10: 60 over a weighted sum of four shares);
            # imported here: compile loads tracr's compiler (jax), which reading a net does not need
            from compiler.compiling.compile import numerical_gaps

            fixed = filled_gaps(fixed, numerical_gaps(fixed, self.vocab, self.net.config.max_seq_len)) or fixed
            if fixed is program:
                raise
        return fixed, compile(fixed)

    def _too_large(self, program: prog.Program) -> str:
        """Why `program` cannot be this net's (a sequence_map whose MLP would be far wider than the
        net's: tracr gives it a hidden neuron per pair of input values), or "". Compiling such a
        reading (a model's `x or y` over 100 tokens) took seconds of the budget, to be refused."""
        limit = max(SEQUENCE_MAP_WIDTH * self.net.config.d_mlp, 256)
        for node in program.nodes:
            if isinstance(node, nodes.SequenceMap):
                try:
                    width = len(self.value_sets(node.fst)) * len(self.value_sets(node.snd))
                except ValueSetError:
                    continue
                if width > limit:
                    return (f"its sequence_map would need {width:,} hidden neurons, and the net's MLPs have "
                            f"{self.net.config.d_mlp}")
        return ""

    def add_inputs(self, inputs: list[list]) -> None:
        """Checks later candidates on `inputs` too."""
        self.inputs = self.inputs + inputs
        self.expected = self.expected + self.net.run(inputs)

    def scale_reach(self, time_budget: float) -> None:
        """Gives the search for inputs that reach missing values its share of a time budget larger
        than `REACH_AT_BUDGET`: a search that needs more inputs than 2 s give (every motif of four of
        six token kinds, and climbs beside them) is cut short at 10 s, and a caller that waits
        longer should get the search it waited for, not the same "no time was left"."""
        scale = max(1.0, time_budget / REACH_AT_BUDGET)
        self.reach_seconds, self.reach_left = REACH_SECONDS * scale, REACH_BUDGET * scale
        self.read_seconds, self.read_left = READ_REACH_SECONDS * scale, READ_BUDGET * scale

    def _holes(self, program: prog.Program, compiled: prog.Program, candidate: Net) -> tuple[str, int, str, bool]:
        """Why `program`'s tables cannot be shown complete ("" when they are; see the module
        docstring), on how many of the inputs found for them the nets disagree, which missing
        values no input reached (the caveat), and whether inputs were found where a table has no
        entry (the reading is undefined or guesses there). `compiled` is `program` as compiled:
        entries it filled in are holes like any other (a filled value no input was shown to give
        is not a reading)."""
        holes = self._possible_holes(program)
        filled = bool(changed_lines(program, compiled, "function"))
        if not holes:
            return "", 0, "", False
        fitted = {label for label, node in _by_label(program).items()
                  if isinstance(node, (nodes.Map, nodes.SequenceMap)) and isinstance(node.function, fn.Lambda)
                  and function_key(node) in self.fitted_functions}

        def line(label: str) -> str:
            return f"line {label} (a lambda fitted to the values the rows show)" if label in fitted else \
                f"table line {label}"
        too_wide = [label for label, missing in holes.items() if missing is None]
        if too_wide:  # a table whose arguments the bags of tokens give: its holes are those it lacks
            holes.update(self._bag_holes(program, compiled, too_wide))
            too_wide = [label for label, missing in holes.items() if missing is None]
            holes = {label: missing for label, missing in holes.items() if missing is None or missing}
            if not holes:
                return "", 0, "", False
        if too_wide:
            return (f"{line(too_wide[0])} reads more than {MAX_TABLE_DOMAIN} argument values, too many to "
                    "check for missing entries"), 0, "", False
        # a value no cell (position, length) of any input gives the line's inputs together is no
        # hole (`interpreter.cells`: a count of three misses in a row is never at index 0)
        holes = self._cell_holes(compiled, holes)
        if not holes:
            return "", 0, "", False
        # where a line's inputs are functions of the bag of tokens a position sees, every value they
        # take is known (`bag_arguments`): a missing one not among them is no hole, and one among
        # them comes with an input giving it, to compare the nets on
        shown = self._bag_arguments(compiled, holes)
        given_by_bags = []
        for label, arguments in shown.items():
            reached_here = {m for m in holes[label] if table_key(m) in arguments}
            given_by_bags += [arguments[table_key(m)] for m in reached_here]
            if reached_here:
                holes[label] = reached_here
            else:
                del holes[label]
        if not holes:
            return "", 0, "", False
        given_by_bags = _distinct(given_by_bags)
        # by the reading's lines: compile fills a table or guards a predicate in some programs and
        # not in others, which changes no value where the search has not found a hole reached
        keys = {label: _arguments_key(program, label) for label in holes}
        known = {label: {m for m in missing if (keys[label], table_key(m)) in self._unreachable}
                 for label, missing in holes.items() if label not in shown}
        left = {label: missing - known[label] for label, missing in holes.items()
                if label not in shown and missing - known[label]}
        if not left and not known:  # every hole is one the bags reach
            reached = Reached([], {}, 0)
        elif left:
            began = time.monotonic()
            reached = reach(compiled, left, sorted(self.vocab, key=value_sort_key), self.net.config.max_seq_len,
                            self.net.config.causal, min(began + max(0.0, min(self.reach_seconds, self.reach_left)),
                                                        self.deadline), random.Random(self.seed))
            self.reach_left -= time.monotonic() - began
            if reached.tried >= REACH_MIN_TRIES and not reached.unclimbed and not reached.motifs_left:
                for label, missing in reached.unreached.items():
                    self._unreachable.update({(keys[label], table_key(m)): reached.tried for m in missing})
        else:  # every missing value is one a whole search did not reach before
            reached = Reached([], {}, min(self._unreachable[keys[label], table_key(m)]
                                          for label, missing in known.items() for m in missing))
        found, tried = given_by_bags + reached.found, reached.tried
        unreached = {label: reached.unreached.get(label, set()) | known[label] for label in known
                     if reached.unreached.get(label) or known[label]}
        given = set()  # outputs the net gives on the inputs found
        if found:
            want, got = self.net.run(found), candidate.run(found)
            given = {_output_key(v) for output in want for v in output}
            wrong = [(xs, a, b) for xs, a, b in zip(found, want, got) if not nets_agree(a, b)]
            selects = {label for label, node in _by_label(program).items() if isinstance(node, nodes.Select)}
            # a select's table leaves a pair unselected, a fitted lambda gives a value: defined
            undefined = [(label, missing - unreached.get(label, set())) for label, missing in holes.items()
                         if label not in selects and label not in fitted]
            undefined = [(label, reached) for label, reached in undefined if reached]
            if wrong or undefined:  # what the net does there is worth reading: the search reads it again
                self._hand_back(found)
            if wrong:
                xs, a, b = wrong[0]
                why = f"on {xs} the net gives {a}, this program's net {b} (an input its tables had not seen)"
                return why, len(wrong), "", False
            if undefined:
                label, reached = undefined[0]
                if filled:
                    return (f"table line {label} has no entry read off the net for values inputs reach (e.g. "
                            f"{_shown(reached)}); the entries filled in there are guesses"), 0, "", True
                return (f"table line {label} has no entry for values inputs reach (e.g. {_shown(reached)}): its "
                        "source is undefined there"), 0, "", True
        if not unreached:
            return "", 0, "", False
        label, missing = next(iter(unreached.items()))
        count = sum(len(m) for m in unreached.values())
        if tried < REACH_MIN_TRIES or reached.unclimbed or reached.motifs_left:
            return (f"{line(label)} has no entry for {len(missing)} value(s) its input may take "
                    f"(e.g. {_shown(missing)}), and no time was left to search for inputs that reach them"), \
                0, "", False
        # an output the net can give that no input gave, and no entry of the program gives: an
        # unreached value may be where the net gives it
        try:
            entries = {_output_key(v) for v in self.value_sets(program.output)}
        except ValueSetError:
            entries = set()
        table = _table_outputs(program.output)
        neurons = collections.Counter(_output_key(v) for v in self.unwritten)
        unseen = [v for v in self.unwritten if _output_key(v) not in given | entries
                  and neurons[_output_key(v)] > table[_output_key(v)]]
        if unseen:
            return (f"the net can output {unseen[0]!r} (a neuron no traced input fired writes it) and no input traced "
                    f"or found gives it, while {line(label)} has no entry for {len(missing)} value(s) no input "
                    f"reached (e.g. {_shown(missing)}): one of them may give it"), 0, "", False
        entry = "no entry read off the net (filled in, so that the program compiles)" if filled else "no entry"
        caveat = (f"{count} value(s) the tables' inputs may take have {entry} (e.g. {line(label)}: "
                  f"{_shown(missing)}); "
                  f"{tried:,} inputs aimed at them reached none, so none is taken to occur")
        return "", 0, caveat, False

    def _read_entries(self, compiled: prog.Program, candidate: Net) -> tuple[str, int]:
        """Why the nets disagree on an input that reaches a table entry no traced input shows ("" where
        none is found), and on how many of the inputs found: an entry the search read off the net's
        weights for arguments no row held (a fresh value's block, a pair's neurons) is a reading, not
        a row, and a wrong one makes a certificate false where no traced or sampled input reaches it
        (the twentieth set's h08 under a starved search: a fresh value of one table read through the
        next gave a Flesch score of -2.56 where the net gives -124.79, on nine four-syllable words
        and one of two). Inputs aimed at those entries (`reach`, at most `READ_REACH_SECONDS` of the
        certificate) compare the two nets there; an entry none reaches keeps its reading."""
        if self.exhaustive or self.domain:
            return "", 0
        if self.read_found:  # the inputs earlier readings' entries were reached by
            wrong = self._read_wrong(self.read_found, candidate)
            if wrong:
                return wrong
        tables = {label: node for label, node in _by_label(compiled).items()
                  if isinstance(node, (nodes.Map, nodes.SequenceMap)) and isinstance(node.function, fn.Table)}
        if not tables or self.read_left <= 0:
            return "", 0
        began = time.monotonic()
        causal = self.net.config.causal
        rows_of = _rows_of(compiled, causal)
        shown: dict[str, set] = {label: set() for label in tables}
        for xs in self.inputs:
            rows = rows_of(xs)
            for label, node in tables.items():
                shown[label].update(map(table_key, _line_arguments(node, rows, causal)))
        read = {label: {key for key, _ in node.function.entries if table_key(key) not in shown[label]}
                for label, node in tables.items()}
        read = {label: keys for label, keys in read.items() if keys}
        if not read:
            self.read_left -= time.monotonic() - began
            return "", 0
        deadline = min(began + max(0.0, min(self.read_seconds, self.read_left)), self.deadline)
        reached = reach(compiled, read, sorted(self.vocab, key=value_sort_key), self.net.config.max_seq_len, causal,
                        deadline, random.Random(self.seed))
        self.read_left -= time.monotonic() - began
        if not reached.found:
            return "", 0
        self.read_found = _distinct(self.read_found + reached.found)
        return self._read_wrong(reached.found, candidate) or ("", 0)

    def _read_wrong(self, found: list[list], candidate: Net) -> tuple[str, int] | None:
        """`_read_entries`' answer where the nets disagree on some of `found` (handed back to the
        search), else None."""
        want, got = self.net.run(found), candidate.run(found)
        wrong = [(xs, a, b) for xs, a, b in zip(found, want, got) if not nets_agree(a, b)]
        if not wrong:
            return None
        self._hand_back(found)
        xs, a, b = wrong[0]
        return (f"on {xs} the net gives {a}, this program's net {b} (an input reaching table entries read off the "
                "net's weights, which no traced input showed)"), len(wrong)

    def _possible_holes(self, program: prog.Program) -> dict[str, set | None]:
        """`program`'s table holes (`table_holes`) less what the primitives rule out (`possible_holes`)."""
        return possible_holes(program, table_holes(program, self.value_sets, self.complete_selects,
                                                   self.extrapolated_selects, self.fitted_functions),
                              self.net.config.causal, self.value_sets)

    def _cell_holes(self, compiled: prog.Program, holes: dict[str, set]) -> dict[str, set]:
        """`holes` less the values no cell of any input gives their line (`interpreter.cells`, on
        the program as compiled), remembered by what computes each line's arguments."""
        by_label, cells, out = _by_label(compiled), None, {}
        for label, missing in holes.items():
            known = self._cell_given.setdefault(_arguments_key(compiled, label), {})
            for m in missing:
                if table_key(m) not in known:
                    if cells is None:  # made once per certificate, when a value is not known yet
                        cells = Cells(self.value_sets, self.net.config.causal)
                    known[table_key(m)] = cells.may_give(by_label[label], m)
            kept = {m for m in missing if known[table_key(m)]}
            if kept:
                out[label] = kept
        return out

    def _bag_holes(self, program: prog.Program, compiled: prog.Program, labels: list[str]) -> dict[str, set]:
        """For the table lines `labels` of `program` whose arguments are too many to enumerate from
        their value sets, where they are functions of the bag of tokens a position sees
        (`_bag_arguments`): the arguments the bags give that the table has no entry for. A map of
        a weighted sum of four shares takes far fewer values than the sums of every four shares."""
        by_label = _by_label(program)
        tables = [label for label in labels if isinstance(by_label[label], (nodes.Map, nodes.SequenceMap))
                  and isinstance(by_label[label].function, fn.Table)]
        shown = self._bag_arguments(compiled, {label: set() for label in tables}) if tables else {}
        return {label: {key for key in arguments if not by_label[label].function.covers(key)}
                for label, arguments in shown.items()}

    def _bag_inputs(self, program: prog.Program, compiled: prog.Program) -> list[list]:
        """An input for each of `program`'s table holes (`_holes`) that inputs reach, where the bags
        of tokens show them (`_bag_arguments`); no search. A reading shown wrong on the sample's
        untraced inputs is read again with these too, rather than with only the holes they hit."""
        holes = {label: missing for label, missing in self._possible_holes(program).items() if missing}
        found = [arguments[table_key(m)] for label, arguments in self._bag_arguments(compiled, holes).items()
                 for m in holes[label] if table_key(m) in arguments]
        return _distinct(found)[:BAG_INPUTS_BACK]

    def _bag_arguments(self, compiled: prog.Program, holes: dict[str, set]) -> dict[str, dict]:
        """`bags.bag_arguments` for the table lines of `holes`, by what computes their arguments
        (readings share lines; each is enumerated once), within the time left for reaching holes."""
        by_label = _by_label(compiled)
        keys = {label: _arguments_key(compiled, label) for label in holes}
        todo = {label: by_label[label] for label in holes if keys[label] not in self._bags}
        if todo:
            began = time.monotonic()
            deadline = min(began + max(0.0, min(BAGS_SECONDS, self.reach_left)), self.deadline)
            shown = bag_arguments(compiled, todo, sorted(self.vocab, key=value_sort_key),
                                  self.net.config.max_seq_len, self.net.config.causal, self.value_sets, deadline)
            self.reach_left -= time.monotonic() - began
            for label in todo:
                self._bags[keys[label]] = shown.get(label)
        return {label: self._bags[keys[label]] for label in holes if self._bags[keys[label]] is not None}

    def _untraced(self, candidate: Net) -> tuple[str, int, str]:
        """Why `candidate` is not verified by the sample's untraced inputs ("" when it agrees on
        all of them), and on how many it differs. A wide net is traced on a few hundred inputs;
        its rarer inputs (one token repeated to the longest length) may be only here."""
        if not self.untraced:
            return "", 0, ""
        if self._untraced_expected is None:
            self._untraced_expected = self.net.run(self.untraced)
        got = candidate.run(self.untraced)
        wrong = [(xs, a, b) for xs, a, b in zip(self.untraced, self._untraced_expected, got) if not nets_agree(a, b)]
        if not wrong:
            return "", 0, ""
        xs, a, b = wrong[0]
        self._hand_back(_diverse(wrong, UNTRACED_BACK))  # worth reading the net on
        return (f"on {xs} the net gives {a}, this program's net {b} (a sampled input not traced; "
                f"{len(wrong)} of {len(self.untraced)} such differ)"), len(wrong), ""

    def _hand_back(self, inputs: list[list]) -> None:
        """Hands `inputs` the trace has not seen to the search (`extra_inputs`), once each."""
        known = {tuple(x) for x in self.inputs} | {tuple(x) for x in self.extra_inputs}
        self.extra_inputs += [x for x in inputs if tuple(x) not in known]

    def _search(self, candidate: Net) -> list | None:
        """A hypothesis search for an input on which the two nets disagree; None if none found."""
        def fails(inputs: list[list]) -> list[bool]:
            key = tuple(map(tuple, inputs))
            expected = self._searched.get(key)
            if expected is None:
                expected = self.net.run(inputs)
                if len(inputs) > 1:  # the search's inputs: the net's outputs there are kept (a shrink's are not)
                    self._searched = {key: expected}
            return [not nets_agree(want, have) for want, have in zip(expected, candidate.run(inputs))]

        return search_failing_batch(sorted(self.vocab, key=value_sort_key), self.net.config.max_seq_len, fails,
                                    SEARCH_EXAMPLES, self.seed)


#: Most of the untraced inputs a reading is wrong on handed back for the search's next reading,
#: chosen as unlike each other as `_diverse` can tell.
UNTRACED_BACK = 50


def _diverse(wrong: list[tuple], count: int) -> list[list]:
    """`count` of the inputs of `wrong` ((input, the net's outputs, a reading's)), taken in turn
    from each kind of difference (where the outputs first differ, and the two values there) in
    the order the kinds first occur: where a reading is wrong on more inputs than are handed back,
    the first of them may show one mistake many times, and a mistake the net is not read again on
    stays."""
    kinds: dict[tuple, list] = {}
    for xs, want, got in wrong:
        at = next((i for i, (a, b) in enumerate(zip(want, got)) if not nets_agree([a], [b])), len(want))
        kind = (at, repr(want[at]) if at < len(want) else "", repr(got[at]) if at < len(got) else "")
        kinds.setdefault(kind, []).append(xs)
    chosen: list[list] = []
    for turn in itertools.count():
        taken = [inputs[turn] for inputs in kinds.values() if turn < len(inputs)]
        chosen += taken
        if not taken or len(chosen) >= count:
            return chosen[:count]


#: At most this many inputs (traced and untraced) are compared through a reading's own outputs
#: (`ProgramOutputs`: a Python evaluation each) where compile cannot show its aggregates select one value.
REFERENCE_INPUTS = 20_000


class ProgramOutputs:
    """A reading's outputs by RASP's semantics (`reference_outputs`), in place of its compiled net
    where compile built an aggregate it cannot show selects one value: that net computes the
    program only where it does, and the program is what is certified. An input the program is
    undefined on gives no output (agreeing with none)."""

    def __init__(self, program: prog.Program, causal: bool):
        self.program, self.causal = program, causal

    def run(self, inputs: Sequence[Sequence]) -> list[list]:
        out = []
        for xs in inputs:
            try:
                out.append([normalize_value(v) for v in reference_outputs(self.program, list(xs), self.causal)])
            except (prog.UndefinedError, fn.EvaluationError, ArithmeticError, ValueError, TypeError):
                out.append([])
        return out


def outputs_of(program: prog.Program, net: Net) -> Net | ProgramOutputs:
    """What gives `program`'s outputs: `net`, its compiled net, or, where compile built an aggregate
    it cannot show selects one value (`build_unproven`: the net computes the program only where the
    aggregate does), the program's own (`ProgramOutputs`). Each has `run(inputs)`."""
    return ProgramOutputs(program, net.config.causal) if net.provenance.get("aggregates_unshown") else net


def _arguments_key(program: prog.Program, label: str) -> tuple[str, ...]:
    """What computes the arguments of table line `label` of `program`: the canonical text of each
    of its inputs (a select's keys and queries), which fixes their values on every input."""
    node = _by_label(program)[label]
    children = [node.keys, node.queries] if isinstance(node, nodes.Select) else list(node.children)
    return tuple(prog.Program(child).source for child in children)


def _unshown(unshown: str) -> str:
    """A certificate's caveat for a reading whose aggregate compile could not show to select one
    value (`unshown`: compile's reason), "" for none."""
    return (f"compile cannot show that {unshown.split(':')[0]} selects one position (or positions of one value) "
            "on every input, so the program's own outputs, not a compiled net's, were compared with the net on "
            "every input") if unshown else ""


def whole_domain(vocab, max_seq_len: int, causal: bool, limit: int) -> list[list] | None:
    """Every input a net's outputs depend on, where there are at most `limit`, else None: every
    input of length 1..max_seq_len, or for a causal net every one of the longest length (a causal
    position's output is its prefix's, so these give every shorter input's too)."""
    tokens = sorted(vocab, key=value_sort_key)
    if not causal:
        return all_inputs(tokens, max_seq_len, limit)
    if len(tokens) ** max_seq_len > limit:
        return None
    return [list(xs) for xs in itertools.product(tokens, repeat=max_seq_len)]


def table_holes(program: prog.Program, value_sets: ValueSets, complete: dict | None = None,
                extrapolated: dict | None = None, fitted: dict | None = None) -> dict[str, set | None]:
    """Per table line (by its name in the canonical text), the argument values its inputs can take
    that the table has no entry for; None for a line with more than MAX_TABLE_DOMAIN. A map's or
    sequence_map's table is undefined there; a select's table of pairs leaves them unselected,
    which the rows it was read from may never have shown either. `complete`: select tables read
    whole off every head that gave them (`interpreter.head_lines.register_select`), with the key
    and query values, as `table_key`s, over which every pair not in the table was read unselected:
    only pairs with a value outside those are missing. `extrapolated`: selects whose library
    predicate was fitted to the value pairs the rows showed and could not be read off the QK
    circuit on the others (`interpreter.head_lines.register_extrapolated`): the pairs not shown
    are missing (what the predicate says there is a guess), unless there are more than
    MAX_TABLE_DOMAIN pairs, which are left as read. `fitted`: lambdas fitted to the argument
    values the rows showed (`function_key` -> their `table_key`s; `x == 3` or `"island" if y == 3
    else ...`, where the net says `>= 3`): the values not shown are missing like a table's, since
    a lambda is a guess where no row looked."""
    holes: dict[str, set | None] = {}
    for label, node in _by_label(program).items():
        function = getattr(node, "function", None)
        read, guessed = None, False
        if isinstance(function, fn.Table) and isinstance(node, (nodes.Map, nodes.SequenceMap)):
            inputs, covers = list(node.children), function.covers
        elif isinstance(node, nodes.Select) and isinstance(node.predicate, fn.PredicateTable):
            inputs, covers = [node.keys, node.queries], (lambda pair, p=node.predicate: p(*pair))
            read = read_whole(complete, node.predicate)
        elif (fitted and isinstance(node, (nodes.Map, nodes.SequenceMap)) and isinstance(function, fn.Lambda)
              and (shown := fitted.get(function_key(node))) is not None):
            inputs, covers = list(node.children), (lambda arg, shown=shown: table_key(arg) in shown)
        elif isinstance(node, nodes.Select) and (shown := shown_pairs(extrapolated, node)) is not None:
            inputs, covers = [node.keys, node.queries], (lambda pair, shown=shown: table_key(pair) in shown)
            guessed = True  # a domain too wide to check is left as read, not refused
        else:
            continue
        try:
            domains = [value_sets(child) for child in inputs]
        except ValueSetError:
            if not guessed:
                holes[label] = None
            continue
        if read is not None:
            keys, queries = domains
            outside = ([k for k in keys if table_key(k) not in read[0]],
                       [q for q in queries if table_key(q) not in read[1]])
            if len(outside[0]) * len(queries) + len(keys) * len(outside[1]) > MAX_TABLE_DOMAIN:
                holes[label] = None
                continue
            possible = set(itertools.product(outside[0], queries)) | set(itertools.product(keys, outside[1]))
        elif math.prod(len(d) for d in domains) > MAX_TABLE_DOMAIN:
            if not guessed:
                holes[label] = None
            continue
        else:
            possible = set(domains[0]) if len(domains) == 1 else set(itertools.product(*domains))
        missing = {arg for arg in possible if not covers(arg)}
        if missing:
            holes[label] = missing
    return holes


def possible_holes(program: prog.Program, holes: dict[str, set | None], causal: bool,
                   value_sets: ValueSets | None = None) -> dict[str, set | None]:
    """`holes` without the argument values no position of any input takes, by what the primitives
    say (a value sets' rule takes each input alone): `length` is at least 1 at every position (an
    input with a position has a token), an index is below the length, and a `selector_width` at
    most the length (at most the index + 1 in a causal net), at least 1 where its select always
    chooses the query's own position and one less where it never does (`_own_position`, with
    `value_sets`), and a categorical aggregate over a select of indices by indices is None at the
    indices where no key can be chosen (`_live_queries`: a shift by 4 has a value from index 4 on);
    and of two counts of selects on the same keys and queries, one choosing a subset of the other's
    pairs, the one never exceeds the other (`_width_order`), and of two counts of selects on the
    same keys that never both choose one key, the two together never exceed the length
    (`interpreter.cells.disjoint_widths`); a line and a map of it take only the pairs one
    position gives (`joint_arguments`); and in a causal net a fetch of a running count never
    exceeds the count (`_fetched_count`). Those need no input searched for."""
    by_label = _by_label(program)
    out: dict[str, set | None] = {}
    for label, missing in holes.items():
        node = by_label[label]
        children = [node.keys, node.queries] if isinstance(node, nodes.Select) else list(node.children)
        if missing is not None:
            # a select's key and query come from two positions of one input, where the causal rule
            # (one position's index and width) and the live queries (one position's) do not hold
            same = causal and not isinstance(node, nodes.Select)
            own = [_own_position(_width(child).selector, value_sets) if _width(child) is not None
                   and value_sets is not None else None for child in children]
            live = [None if isinstance(node, nodes.Select) or value_sets is None
                    else _live_queries(child, value_sets.max_seq_len, causal) for child in children]
            missing = {arg for arg in missing
                       if _may_occur(children, arg if len(children) > 1 else (arg,), same, own, live)}
        if missing and len(children) == 2 and value_sets is not None and not isinstance(node, nodes.Select):
            # (a select's key and query are counts at two positions: no order between them)
            order = _width_order(children[0], children[1], value_sets)
            if order is not None:  # two counts at one position, one of which counts a subset of the other's
                missing = {arg for arg in missing if not _out_of_order(arg, order)}
            if missing and disjoint_widths(children[0], children[1], value_sets):
                # two counts at one position of positions no pair of which both count: together at
                # most the length
                missing = {arg for arg in missing if not _over_length(arg, value_sets.max_seq_len)}
            if missing and causal:  # a running count and a fetch of it from an earlier position
                order = _fetched_count(children[0], children[1], value_sets)
                if order is not None:
                    count_at, fetched_at = order
                    missing = {arg for arg in missing if not _fetched_past(arg[fetched_at], arg[count_at])}
            if missing:  # one line and a map of it: the pairs one position gives (`joint_arguments`)
                try:
                    joint = joint_arguments(children[0], children[1], value_sets)
                except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError):
                    joint = None
                if joint is not None:
                    given = {(table_key(x), table_key(y)) for x, y in joint}
                    missing = {arg for arg in missing
                               if None in arg or (table_key(arg[0]), table_key(arg[1])) in given}
        if missing is None or missing:
            out[label] = missing
    return out


def _fetched_count(a: nodes.Node, b: nodes.Node, value_sets: ValueSets) -> tuple[int, int] | None:
    """(the count's place, the fetch's place) where one of `a`, `b` is a running count (a
    `selector_width` of keys against the indices whose predicate, at every key value, holds at a
    later index wherever it holds at an earlier: it never falls from one position to the next) and
    the other an aggregate of that count: in a causal net the fetch reads it at an earlier position
    or its own, so never holds more than the count at its own (the thirty-fifth hand-written set's
    t04: an ordinal fetched at a country's first occurrence is at most the distinct countries so
    far). None otherwise."""
    for count_at, (count, fetch) in enumerate(((a, b), (b, a))):
        if not (isinstance(fetch, nodes.Aggregate) and fetch.sop is count and isinstance(count, nodes.SelectorWidth)
                and isinstance(count.selector, nodes.Select) and count.selector.queries is nodes.INDICES):
            continue
        select = count.selector
        try:
            keys, positions = value_sets(select.keys), range(value_sets.max_seq_len)
            if len(keys) * value_sets.max_seq_len ** 2 > MAX_COUNT_CALLS:
                return None
            if all(not select.predicate(k, i) or select.predicate(k, j) for k in keys
                   for j in positions for i in range(j)):
                return (0, 1) if count_at == 0 else (1, 0)
        except Exception:  # noqa: BLE001 - a predicate undefined on some value: not shown
            return None
    return None


def _fetched_past(fetched, count) -> bool:
    """Whether a fetched value exceeds the count (`_fetched_count`; not numbers: not known)."""
    return _number(fetched) and _number(count) and fetched > count


#: The most (key value, query value) pairs `_width_order` evaluates two predicates on.
WIDTH_ORDER_PAIRS = 250_000


def _width_order(a: nodes.Node, b: nodes.Node, value_sets: ValueSets) -> int | None:
    """-1 when `a` and `b` are `selector_width`s of selects on the same keys and queries whose
    first chooses, of every (key value, query value) pair, only pairs the second chooses (so at
    every position of every input, a counts at most what b counts), 1 the other way round, 0 when
    they choose the same pairs; None when neither holds or it cannot be told (values too many, a
    predicate that fails, on a None key or query too). A table over two such counts has no entry
    for the pairs out of that order, which no input gives (the twenty-first hand-written set's i12:
    the lots costing at least 12 and those costing 15 matched with a sale, 78 pairs such as
    (0, 1))."""
    if not (isinstance(a, nodes.SelectorWidth) and isinstance(b, nodes.SelectorWidth)):
        return None
    sa, sb = a.selector, b.selector
    if not (sa.keys == sb.keys and sa.queries == sb.queries):
        return None
    try:
        # (a select's predicate is called on a None key or query too)
        keys, queries = with_none(sa.keys, value_sets(sa.keys)), with_none(sa.queries, value_sets(sa.queries))
        if len(keys) * len(queries) > WIDTH_ORDER_PAIRS:
            return None
        a_in_b = b_in_a = True  # whether a's pairs lie within b's, and b's within a's
        for k in keys:
            for q in queries:
                x, y = bool(sa.predicate(k, q)), bool(sb.predicate(k, q))
                a_in_b, b_in_a = a_in_b and (y or not x), b_in_a and (x or not y)
                if not (a_in_b or b_in_a):
                    return None
    except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError):
        return None
    return 0 if a_in_b and b_in_a else (-1 if a_in_b else 1)


def _over_length(arg: tuple, max_seq_len: int) -> bool:
    """Whether the pair of counts `arg` adds up past `max_seq_len` (`disjoint_widths`)."""
    x, y = arg
    if not (_number(x) and _number(y)):
        return False
    return x + y > max_seq_len


def _out_of_order(arg: tuple, order: int) -> bool:
    """Whether the pair of counts `arg` breaks `order` (`_width_order`)."""
    x, y = arg
    if not (isinstance(x, int) and isinstance(y, int)):
        return False
    return x > y if order == -1 else (x < y if order == 1 else x != y)


def _may_occur(children: Sequence[nodes.Node], args: tuple, causal: bool, own: Sequence[bool | None] = (),
               live: Sequence[frozenset | None] = ()) -> bool:
    """Whether positions of one input may give `children` the values `args` (see
    `possible_holes`); `causal`: one causal position gives them all; `own`: for a child that is
    a `selector_width`, whether its select always (True) or never (False) chooses the query's own
    position (`_own_position`): at least 1, or at most the length less 1 (the index, causal);
    `live`: for a child that is a categorical aggregate, the indices where it may have a value
    (`_live_queries`), beside a child that is `indices` at the same position."""
    kinds = [child.primitive if isinstance(child, nodes.Primitive) else
             "width" if _width(child) is not None else None for child in children]
    if any(kind == "length" and arg == 0 for kind, arg in zip(kinds, args)):
        return False
    if len(args) == 2 and "indices" in kinds and live:
        index = args[kinds.index("indices")]
        if any(queries is not None and arg is not None and index not in queries
               for queries, arg in zip(live, args)):
            return False
    if any(kind == "width" and _number(arg) and arg < 1 and mine is True for kind, arg, mine in zip(kinds, args, own)):
        return False
    if len(args) == 2 and all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        pair = dict(zip(kinds, args)) if kinds[0] != kinds[1] else {}
        excluded = int(any(kind == "width" and mine is False for kind, mine in zip(kinds, own)))
        if "length" in pair and ("indices" in pair and pair["indices"] >= pair["length"]
                                 or "width" in pair and pair["width"] > pair["length"] - excluded):
            return False
        if causal and "indices" in pair and "width" in pair and pair["width"] > pair["indices"] + 1 - excluded:
            return False
    return True


def _width(node: nodes.Node) -> nodes.SelectorWidth | None:
    """The `selector_width` whose value `node` has at each position: itself, or the one a
    categorical aggregate of it copies from a position it selects (at most the length, less one
    where its select never chooses the query's own position; causal, at most that earlier index
    + 1, so at most this one's). None for anything else."""
    if isinstance(node, nodes.Aggregate) and node.encoding == nodes.CATEGORICAL:
        node = node.sop
    return node if isinstance(node, nodes.SelectorWidth) else None


def _live_queries(node: nodes.Node, max_seq_len: int, causal: bool) -> frozenset | None:
    """The indices at which `node`, a categorical aggregate whose select compares `indices` with
    `indices`, may have a value: those where some key its predicate holds for exists (keys up to
    the query's index in a causal net); elsewhere it selects nothing and is None. None for any
    other node, or a predicate that cannot say."""
    if not isinstance(node, nodes.Aggregate) or node.encoding != nodes.CATEGORICAL:
        return None
    select = node.selector
    if not isinstance(select, nodes.Select) or select.keys is not nodes.INDICES or select.queries is not nodes.INDICES:
        return None
    try:
        return frozenset(q for q in range(max_seq_len)
                         if any(select.predicate(k, q) for k in range(q + 1 if causal else max_seq_len)))
    except (fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError):
        return None


def _copies_first_key(node: nodes.Node, keys: nodes.Node, value_sets: ValueSets) -> bool:
    """Whether `node` holds, at every position of every input, the value `keys` has at position 0:
    an aggregate of `keys` whose select chooses index 0 alone at every query (`select(indices,
    indices, lambda k, q: k == 0)`). Position 0 exists in every input and comes before every
    query, so a causal net copies it too, and a later select over `keys` at the query sees it."""
    if not isinstance(node, nodes.Aggregate) or node.sop is not keys:
        return False
    select = node.selector
    if not isinstance(select, nodes.Select) or select.keys is not nodes.INDICES:
        return False
    try:
        queries = value_sets(select.queries)
        if None in queries:
            return False
        return all([k for k in range(value_sets.max_seq_len) if select.predicate(k, q)] == [0] for q in queries)
    except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError):
        return False


def _own_position(select: nodes.Select, value_sets: ValueSets) -> bool | None:
    """Whether `select` chooses the query's own position at every query of every input (True),
    at none (False), or either (None): its predicate is TRUE (FALSE), or its keys are its queries
    and the predicate holds (fails) between every value they take, never None, and itself. So
    its `selector_width` is at least 1 (`select(tokens, tokens, EQ)`: a token equals itself), or
    counts at most the other positions (`select(tokens, tokens, GT)`). True also where its queries
    are a copy of its keys from the first position (`_copies_first_key`) and the predicate holds
    between every key value and itself: the select then chooses that position at every query
    (`select(suit, first_suit, EQ)` counts the first card), which is all a width's bound needs."""
    if select.predicate in (rasp.Comparison.TRUE, rasp.Comparison.FALSE):
        return select.predicate is rasp.Comparison.TRUE
    if select.keys is not select.queries:
        if not _copies_first_key(select.queries, select.keys, value_sets):
            return None
        try:
            values = value_sets(select.keys)
            return True if None not in values and all(bool(select.predicate(v, v)) for v in values) else None
        except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError):
            return None
    try:
        values = value_sets(select.keys)
        if None in values:
            return None
        own = {bool(select.predicate(v, v)) for v in values}
    except (ValueSetError, ValueError, TypeError, ArithmeticError, RecursionError):
        return None
    return own.pop() if len(own) == 1 else None


def _least_count(select: nodes.Select, value_sets: ValueSets) -> int:
    """The least count above 0 that `select`'s `selector_width` can take, where it chooses positions
    in groups (1 where that cannot be said). Its keys are its queries: maps of the width `w` of
    `select(x, x, P)` over x's values, and
    - `P` an equivalence (EQ): the positions of one class share `w`, its size, so the select
      chooses whole classes, each of at least the least `w` it chooses at any query (longer runs
      than mine, `select(size, size, GT)`, are whole runs of 2 or more: never 1 position);
    - `P` symmetric, each value related to itself or to nothing, and the select choosing, at every
      query, exactly the keys whose `w` is at least 2 (the position and another): a partner's
      partner is the position itself, so those come two or more at a time (`dup =
      selector_width(select(tokens, tokens, EQ))`, then `selector_width(select(dup, dup,
      lambda k, q: k > 1))` counts the tokens that repeat: 0, 2 or more).
    Not in a causal net, where a position does not see its later partners."""
    if select.keys is not select.queries:
        return 1
    maps, width = [], select.keys
    while isinstance(width, nodes.Map):
        maps.append(width.function)
        width = width.inner
    if not isinstance(width, nodes.SelectorWidth) or width.selector.keys is not width.selector.queries:
        return 1
    relation = width.selector.predicate
    try:
        values = list(value_sets(width.selector.keys))
        queries = value_sets(select.queries)
        if None in values or None in queries or len(values) > MAX_PARTNER_VALUES:
            return 1
        related = np.array([[bool(relation(u, v)) for v in values] for u in values], dtype=bool)
        related = related.reshape(len(values), len(values))
        if (related != related.T).any():
            return 1
        chosen = {}  # each width value: the query values at which its keys are chosen
        for w in value_sets(width):
            key = w
            for function in reversed(maps):
                key = function(key)
            if key is None:
                return 1
            chosen[w] = {bool(select.predicate(key, q)) for q in queries}
    except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError, KeyError):
        return 1
    ever = [w for w, at in chosen.items() if True in at]
    if related.diagonal().all() and not ((related.astype(np.int64) @ related.astype(np.int64) > 0) & ~related).any():
        return max(min(ever, default=1), 1)  # an equivalence: whole classes of at least that size
    if (~related.diagonal() & related.any(axis=0)).any():
        return 1
    return 2 if all(at == {w >= 2} for w, at in chosen.items()) else 1


def _most_count(select: nodes.Select, value_sets: ValueSets) -> int:
    """The most positions `select` can choose at one query, from the values its keys can take at
    each position (`_values_at`): a position counts for a query value only if one of its possible
    keys is chosen there. Keys packing the index, `sequence_map(lambda t, i: i if t == "pause" else
    -10, tokens, indices)`, chosen in a window `k <= q and k >= q - 3`, give a count of at most 4
    (the fourteenth hand-written set's b12, where tracr writes an output for a count of 5). The
    length where that is not shown (keys that do not depend on the index, too many values)."""
    n = value_sets.max_seq_len
    if not isinstance(select, nodes.Select) or not _reads_indices(select.keys):
        return n
    try:
        at = [_values_at(select.keys, i, value_sets) for i in range(n)]
        queries = value_sets(select.queries)
    except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError, KeyError):
        return n
    if any(keys is None for keys in at) or len(queries) * sum(len(keys) for keys in at) > MAX_COUNT_CALLS:
        return n

    def chosen(key, query) -> bool:
        try:
            return bool(select.predicate(key, query))
        except Exception:  # noqa: BLE001 - undefined there: counted, as if chosen
            return True

    return max((sum(any(chosen(k, q) for k in keys) for keys in at) for q in queries), default=n)


def _reads_indices(node: nodes.SOpNode) -> bool:
    """Whether `node` is `indices` or a map or sequence_map of lines one of which is."""
    if node is nodes.INDICES:
        return True
    if isinstance(node, nodes.Map):
        return _reads_indices(node.inner)
    if isinstance(node, nodes.SequenceMap):
        return _reads_indices(node.fst) or _reads_indices(node.snd)
    return False


def _values_at(node: nodes.SOpNode, i: int, value_sets: ValueSets) -> set | None:
    """A superset of the values `node` can take at position `i` (None: too many to list): `indices`
    is i there, maps and sequence_maps apply their functions to their inputs' values there (a
    value on which a function raises is no input's), and any other line takes any of its values."""
    if node is nodes.INDICES:
        return {i}
    if isinstance(node, (nodes.Map, nodes.SequenceMap)):
        children = [node.inner] if isinstance(node, nodes.Map) else [node.fst, node.snd]
        columns = [_values_at(c, i, value_sets) for c in children]
        if any(c is None for c in columns) or math.prod(len(c) for c in columns) > MAX_VALUES_AT:
            return None
        found = set()
        for args in itertools.product(*columns):
            if any(a is None for a in args):
                found.add(None)  # rasp passes None on
                continue
            try:
                found.add(normalize_value(node.function(*args)))
            except (fn.EvaluationError, ArithmeticError):
                continue
        return found
    values = value_sets(node)
    return set(values) if len(values) <= MAX_VALUES_AT else None


#: The most values `_values_at` lists at one position, and predicate calls `_most_count` makes.
MAX_VALUES_AT, MAX_COUNT_CALLS = 4_096, 200_000


#: The most values a relation is checked over (`_least_count`): every pair is evaluated.
MAX_PARTNER_VALUES = 256

#: The most (token, length) states `_AtEnd` follows a line through, and values it keeps per state.
MAX_END_STATES, MAX_END_VALUES = 2_000, 256


class _AtEnd:
    """The values each line can take at the first or the last position of an input, as a function
    of that position's token and the input's length: a map of lines there is exact in them, and
    a categorical or numerical aggregate whose select of indices chooses that position alone
    copies its own value there (`select(indices, prev, EQ)` with `prev = max(i - 1, 0)` at
    index 0, `select(indices, length, k == q - 1)` at the last), and a selector_width at a causal
    net's first position counts that position alone. Any other line takes the values
    its value set says (and None where it may be None). `values(node)` is the union over states;
    None where the analysis does not apply (too many states, or a function that fails)."""

    def __init__(self, value_sets: ValueSets, last: bool, causal: bool):
        self.value_sets, self.last, self.causal = value_sets, last, causal
        n = value_sets.max_seq_len
        vocab = sorted(value_sets.vocab, key=value_sort_key)
        self.states = [(t, length) for t in vocab for length in range(1, n + 1)]
        self._memo: dict[nodes.Node, list | None] = {}

    def values(self, node: nodes.Node) -> frozenset | None:
        if len(self.states) > MAX_END_STATES:
            return None
        try:
            per_state = self._at(node)
        except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError,
                KeyError):
            return None
        return None if per_state is None else frozenset().union(*set(per_state))

    def _general(self, node: nodes.Node) -> list:
        values = frozenset(self.value_sets(node)) | ({None} if may_be_none(node) else frozenset())
        return [values] * len(self.states)

    def _at(self, node: nodes.Node) -> list | None:
        if node in self._memo:
            return self._memo[node]
        result: list | None
        if node is nodes.TOKENS:
            result = [frozenset([t]) for t, _ in self.states]
        elif node is nodes.INDICES:
            result = [frozenset([length - 1 if self.last else 0]) for _, length in self.states]
        elif node is nodes.LENGTH:
            result = [frozenset([length]) for _, length in self.states]
        elif isinstance(node, (nodes.Map, nodes.SequenceMap, nodes.LinearSequenceMap)):
            result = self._mapped(node)
        elif isinstance(node, nodes.Aggregate):
            result = self._copied(node) or self._general(node)
        elif isinstance(node, nodes.SelectorWidth) and self.causal and not self.last:
            result = self._alone(node)
        else:
            result = self._general(node)
        if result is not None and any(len(values) > MAX_END_VALUES for values in result):
            result = None
        self._memo[node] = result
        return result

    def _mapped(self, node) -> list | None:
        if isinstance(node, nodes.Map):
            function = node.function
        elif isinstance(node, nodes.SequenceMap):
            function = node.function
        else:
            function = lambda x, y: node.fst_fac * x + node.snd_fac * y  # noqa: E731
        children = [self._at(child) for child in node.children]
        if any(child is None for child in children):
            return None
        result, done = [], {}  # states whose arguments take the same values share one result
        for i in range(len(self.states)):
            given = tuple(child[i] for child in children)
            if given not in done:
                if math.prod(len(values) for values in given) > MAX_END_VALUES * 16:
                    return None
                out = set()
                for args in itertools.product(*given):
                    if None in args:
                        out.add(None)  # rasp passes None on
                        continue
                    try:
                        value = function(*args)
                    except ArithmeticError:
                        return None  # undefined here: compile refuses such programs; no claim made
                    out.add(normalize_value(value) if value is not None else None)
                done[given] = frozenset(out)
            result.append(done[given])
        return result

    def _alone(self, node: nodes.SelectorWidth) -> list | None:
        """A selector_width at a causal net's first position, which sees itself alone: 1 where its
        select chooses the position, else 0 (a count of the earlier rides a ride beats is 0 at the
        first ride, so the first ride is a record: the thirty-fifth hand-written set's t08)."""
        select = node.selector
        keys = self._at(select.keys) if isinstance(select, nodes.Select) else None
        queries = self._at(select.queries) if isinstance(select, nodes.Select) else None
        if keys is None or queries is None:
            return self._general(node)
        return [frozenset({0, 1}) if None in held or None in asked
                else frozenset(int(bool(select.predicate(k, q))) for k in held for q in asked)
                for held, asked in zip(keys, queries)]

    def _copied(self, node: nodes.Aggregate) -> list | None:
        """The aggregate's values where its select chooses this position alone, at every query
        value it may have here; None elsewhere."""
        select = node.selector
        if not isinstance(select, nodes.Select) or select.keys is not nodes.INDICES:
            return None
        queries, copied = self._at(select.queries), self._at(node.sop)
        if queries is None or copied is None:
            return None
        for length, asked in {(length, asked) for (_, length), asked in zip(self.states, queries)}:
            own = length - 1 if self.last else 0
            visible = range(own + 1) if self.causal else range(length)
            if None in asked or any([k for k in visible if select.predicate(k, q)] != [own] for q in asked):
                return None
        return copied


def _end_choices(select: nodes.Select, value_sets: ValueSets, ends: tuple[_AtEnd, _AtEnd]) -> list[tuple[_AtEnd, set]]:
    """For the first and last positions (`_AtEnd`), whether queries choose them: {True} where
    every query does whatever the position holds, {False} where none ever does, both where it
    depends (or cannot be said)."""
    out = []
    try:
        queries = value_sets(select.queries)
        if None in queries or may_be_none(select.queries):
            return []
        for at in ends:
            keys = at.values(select.keys)
            if not keys or None in keys or len(keys) * len(queries) > MAX_END_VALUES ** 2:
                continue
            chosen = set()
            for k, q in itertools.product(keys, queries):
                chosen.add(bool(select.predicate(k, q)))
                if len(chosen) == 2:
                    break  # chosen by some queries and not by others: nothing to say
            out.append((at, chosen))
    except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError, KeyError):
        return []
    return out


def _always_chosen(at: _AtEnd, chosen: set) -> bool:
    """Whether every query sees and chooses `at`'s position (a causal net's last position is seen
    by itself alone)."""
    return chosen == {True} and not (at.last and at.causal)


def _end_bounds(select: nodes.Select, value_sets: ValueSets, ends: tuple[_AtEnd, _AtEnd]) -> tuple[int, int]:
    """(least, most less the length) of `select`'s `selector_width` that the first and last
    positions give: least 1 where every query chooses the first position (or, not causal, the
    last) whatever it holds (`_AtEnd`), and 1 fewer where no query ever chooses one of them (at
    most the length less 1); (0, 0) where neither can be said."""
    choices = _end_choices(select, value_sets, ends)
    return (int(any(_always_chosen(at, chosen) for at, chosen in choices)),
            int(any(chosen == {False} for _, chosen in choices)))


def _mean_below_1(node: nodes.Aggregate, value_sets: ValueSets, ends: tuple[_AtEnd, _AtEnd]) -> bool:
    """Whether a numerical mean of values in [0, 1] is never 1: every query chooses an end
    position where the value is always 0 (`_AtEnd`), so the mean holds a 0 (a share of the
    positions whose token changed, where position 0 compares with itself, is at most (n-1)/n)."""
    try:
        values = value_sets(node.sop)
        if not values or not all(_number(v) and 0 <= v <= 1 for v in values):
            return False
        return any(_always_chosen(at, chosen) and at.values(node.sop) == {0}
                   for at, chosen in _end_choices(node.selector, value_sets, ends))
    except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError, KeyError):
        return False


def _first_flagged(select: nodes.Select, value_sets: ValueSets, fetched: nodes.Node | None = None) -> bool:
    """Whether `select` chooses at most one position at every query: its keys can be chosen only
    where a flag `g(a, n)` holds, n counting (a `selector_width` of a select of `h(a, i)` keys
    against the indices, or against the same keys) positions whose `a` the flag also reads, such
    that any two positions i < i' one query would choose would have the second count both, more
    than its flag allows: the first occurrence a researcher fetches with a mean over one position
    (`first = 1 if t == "queen" and queens_before == 0 else 0`, the thirty-third hand-written set's
    s01, and `1 if s == 1 and c == 1` over a running count, the thirty-fourth's s04), or the first
    binding of each key, fetched by the key (`b if earlier_same == 0 else 0` against the query's
    `b`, the thirty-fourth's s01); or a running count of the flagged positions, which grows at each,
    fetched by its number (`c if h == 0 else 0` against the record number, the thirty-fifth's t01
    and t08). A mean over such a select is one value or its default, not every mean compile lists;
    checked on the value sets, so it holds on every input. With the `fetched` line, positions one
    query may choose together pass where each holds one equal number of it (`_held_numbers`: the
    latest event's count fetched by the events' number, every other position keyed 0 and holding
    0, the thirty-eighth's): their mean is that number."""
    flag = select.keys
    if not isinstance(flag, nodes.SequenceMap) or flag.encoding != nodes.CATEGORICAL:
        return False
    for a_node, count, count_first in _flag_counts(flag):
        keys = count.selector.keys
        if count.selector.queries not in (nodes.INDICES, keys):
            continue
        try:
            held = {} if fetched is None else _held_numbers(fetched, a_node, value_sets)
            return _flagged_once(select, flag, a_node, count, count_first, keys, value_sets, held)
        except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError, KeyError):
            return False
    return False


def _flagged_once(select: nodes.Select, flag: nodes.SequenceMap, a_node: nodes.Node, count: nodes.SelectorWidth,
                  count_first: bool, keys: nodes.SequenceMap, value_sets: ValueSets, held: dict | None = None) -> bool:
    """`_first_flagged`'s check on the value sets (`compiler.compiling.flags.flagged_at_most_once`,
    which shows the same for compile's categorical fetches): the flag values each query value
    chooses, and the pairs (a, n) giving each."""
    flags = {table_key(k): k for k in value_sets(flag)}
    choices = {frozenset(key for key, k in flags.items() if _selects_or_undefined(select.predicate, k, q))
               for q in value_sets(select.queries)} - {frozenset()}
    if not choices:
        return True
    gives = {}  # flag value's key -> the (a, n) giving it
    for a in sorted(value_sets(a_node), key=value_sort_key):
        for n in value_sets(count):
            gives.setdefault(table_key(flag.function(*((n, a) if count_first else (a, n)))), []).append((a, n))
    return flagged_at_most_once(choices, gives, value_sets(a_node), _tag_function(keys, a_node),
                                count.selector.predicate, count.selector.queries is nodes.INDICES,
                                value_sets.max_seq_len, _values_by_position(a_node, value_sets), held)


def _held_numbers(fetched: nodes.Node, a_node: nodes.Node, value_sets: ValueSets) -> dict:
    """a's key -> the one number `fetched` holds at every position holding a (as `(is a bool, the
    number)`), for the a where it is one, on the value sets: `fetched` is a, a map or sequence_map
    of a (or of the line a is a map of) and another line, or a map of such a line (compile's
    `aggregates._fetched_by_flag` on its tables). {} where it is none of these."""
    return fetched_numbers(_one_value_at(fetched, a_node, value_sets))


def _one_value_at(line: nodes.Node, a_node: nodes.Node, value_sets: ValueSets, depth: int = 0) -> dict:
    """a's key -> the one value `line` holds at every position holding a, for the a where it is one."""
    if depth > 8 or None in value_sets(line):
        return {}
    if line is a_node:
        return {table_key(a): a for a in value_sets(a_node)}
    if not isinstance(line, (nodes.Map, nodes.SequenceMap)):
        return {}
    children = list(line.children)
    if any(child is a_node for child in children):
        base, a_of = a_node, None
    elif isinstance(a_node, nodes.Map) and any(child is a_node.inner for child in children):
        base, a_of = a_node.inner, a_node.function
    elif isinstance(line, nodes.Map):
        inner = _one_value_at(line.inner, a_node, value_sets, depth + 1)
        out = {}
        for key, value in inner.items():
            try:
                out[key] = line.function(value)
            except (fn.EvaluationError, ValueError, TypeError, ArithmeticError):
                continue
        return out
    else:
        return {}
    at = next(k for k, child in enumerate(children) if child is base)
    domains = [sorted(value_sets(child), key=value_sort_key) for child in children]
    if math.prod(len(d) for d in domains) > HELD_ARGUMENTS:
        return {}
    held = []
    for args in itertools.product(*domains):
        try:
            a = args[at] if a_of is None else a_of(args[at])
        except (fn.EvaluationError, ValueError, TypeError, ArithmeticError):
            continue  # no position holds it
        try:
            value = line.function(*args)
        except (fn.EvaluationError, ValueError, TypeError, ArithmeticError):
            value = None  # undefined there: not one value
        held.append((table_key(a), value))
    return one_value_each(held)


#: Most argument tuples `_one_value_at` calls a line's function on.
HELD_ARGUMENTS = 100_000


def _flag_counts(flag: nodes.Node) -> list[tuple[nodes.Node, nodes.SelectorWidth, bool]]:
    """The ways `flag` is a flag `g(a, n)` of a line a and a running count n of positions by their
    a (`compiler.compiling.flags`): (a, n, whether n is the first argument) for each argument n
    that is a `selector_width` of a select whose keys are a itself (`i if start else 99` against
    the indices) or a sequence_map of a and the indices (`i if h == 0 else 99` of a count h). The
    checks that read such flags add what they need of the count's queries."""
    if not isinstance(flag, nodes.SequenceMap):
        return []
    return [(a_node, count, count_first)
            for a_node, count, count_first in ((flag.fst, flag.snd, False), (flag.snd, flag.fst, True))
            if isinstance(count, nodes.SelectorWidth) and isinstance(count.selector, nodes.Select)
            and _tags(count.selector.keys, a_node)]


def _tags(keys: nodes.Node, a_node: nodes.Node) -> bool:
    """Whether a count's keys are a line a itself (`i if start else 99` against the indices) or a
    sequence_map of a and the indices (`i if h == 0 else 99` of a count h)."""
    return keys is a_node or isinstance(keys, nodes.SequenceMap) and \
        {id(keys.fst), id(keys.snd)} == {id(a_node), id(nodes.INDICES)}


def _tag_function(keys: nodes.Node, a_node: nodes.Node):
    """The count's key at position i holding a (`_tags`)."""
    if keys is a_node:
        return lambda a, i: a
    return (lambda a, i: keys.function(i, a)) if keys.fst is nodes.INDICES else (lambda a, i: keys.function(a, i))


def _values_by_position(node: nodes.Node, value_sets: ValueSets):
    """The values `node` may take at each position (`_values_at`), or None where one is not known."""
    held = [_values_at(node, i, value_sets) for i in range(value_sets.max_seq_len)]
    return None if any(values is None for values in held) else held.__getitem__


def _numbered(select: nodes.Select, value_sets: ValueSets) -> bool:
    """Whether `select` chooses some position at every query: its queries are a running count of
    flagged positions (a `selector_width` of `h(a, i)` keys against the indices that counts a
    position from its own index on where its `a` is flagged, and never where it is not), and its
    keys a flag `g(a, n)` of that count that each count n chooses where a is flagged: at a position
    whose count is n >= 1 the n-th flagged position, at or before it, has count n (the record
    fetched by its number, the thirty-fifth hand-written set's t01 and t08), and one whose count is
    0 chooses itself where each a never flagged keys `g(a, 0)` that 0 chooses. With
    `_first_flagged`, a mean over it is the one value fetched, never its default."""
    flag = select.keys
    for a_node, count, count_first in _flag_counts(flag):
        counted = count.selector
        if count is not select.queries or counted.queries is not nodes.INDICES:
            continue

        def chooses(a, m, q, count_first=count_first) -> bool:
            return _selects(select.predicate, flag.function(*((m, a) if count_first else (a, m))), q)
        try:
            if numbered_always_chosen(value_sets(a_node), _tag_function(counted.keys, a_node), counted.predicate,
                                      chooses, value_sets(count), value_sets.max_seq_len,
                                      _values_by_position(a_node, value_sets)):
                return True
        except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError, KeyError):
            return False
    return False


def _first_of_own(select: nodes.Select, value_sets: ValueSets) -> bool:
    """Whether `select` chooses some position at every query: its queries are a line a (or a map
    of it) and its keys a flag `g(a, n)` of a count n of the earlier positions holding a, which the
    query of a chooses at n = 0 (`compiler.compiling.flags.first_of_kind_chosen`: each token's
    first position fetched by the token). Not where a or the query may be None (a table's hole:
    the query None chooses nothing)."""
    flag, query = select.keys, select.queries
    if may_be_none(query):
        return False
    for a_node, count, count_first in _flag_counts(flag):
        if count.selector.keys is not count.selector.queries or may_be_none(a_node):
            continue
        if query is a_node:
            asked = lambda a: a  # noqa: E731
        elif isinstance(query, nodes.Map) and query.inner is a_node:
            asked = query.function
        else:
            continue

        def chooses(a) -> bool:
            return _selects(select.predicate, flag.function(*((0, a) if count_first else (a, 0))), asked(a))
        try:
            values = value_sets(a_node)
            if len(values) ** 2 * value_sets.max_seq_len ** 2 > MAX_COUNT_CALLS:
                return False
            return first_of_kind_chosen(values, _tag_function(count.selector.keys, a_node), count.selector.predicate,
                                        chooses, value_sets.max_seq_len)
        except (ValueSetError, fn.EvaluationError, ValueError, TypeError, ArithmeticError, RecursionError, KeyError):
            return False
    return False


def _selects(predicate, key, query) -> bool:
    """Whether `predicate` chooses `key` for `query` (False where it fails)."""
    try:
        return key is not None and query is not None and bool(predicate(key, query))
    except Exception:  # noqa: BLE001 - undefined there: not chosen
        return False


class PositionValueSets(ValueSets):
    """Value sets a little tighter than compile's (`compiler.language.values`), for which of a
    table's missing values inputs may reach: a `selector_width` is at least 1 where its select
    always chooses the query's own position and at most max_seq_len - 1 where it never does
    (`_own_position`), and a sequence_map of two of `indices`, `length` and such widths is
    applied only to the pairs one position can give (`_may_occur`): `indices - width` of the
    larger tokens before one's own, causal, is never negative. A width counting the positions a
    symmetric relation partners is never 1, and one choosing whole classes of an equivalence is at
    least the least class it chooses (`_least_count`). Still supersets: each rule holds
    on every input."""

    def __init__(self, vocab, max_seq_len: int, causal: bool):
        super().__init__(vocab, max_seq_len)
        self.causal = causal
        self._ends: tuple[_AtEnd, _AtEnd] | None = None  # the first and last positions' values (`_AtEnd`)

    def _compute(self, node: nodes.SOpNode) -> set:
        if self._ends is None:
            self._ends = (_AtEnd(self, False, self.causal), _AtEnd(self, True, self.causal))
        if (isinstance(node, nodes.Aggregate) and node.encoding == nodes.NUMERICAL
                and isinstance(node.selector, nodes.Select)):
            values = self._known(node.sop)
            if all(isinstance(v, (bool, int, float)) for v in values) and _first_flagged(node.selector, self, node.sop):
                fetched = {v / 1 for v in values}  # a mean of one value or of none (non-numbers: compile's error)
                found = _numbered(node.selector, self) or _first_of_own(node.selector, self)
                return fetched if found else {0} | fetched
            means = super()._compute(node)
            return {v for v in means if not (_number(v) and v >= 1)} if _mean_below_1(node, self, self._ends) else means
        if isinstance(node, nodes.SelectorWidth):
            own = _own_position(node.selector, self)
            first, fewer = _end_bounds(node.selector, self, self._ends)
            widths = set(range(max(int(own is True), first), self.max_seq_len + 1 - max(int(own is False), fewer)))
            widths &= set(range(_most_count(node.selector, self) + 1))
            least = 1 if self.causal else _least_count(node.selector, self)
            return widths - set(range(1, least))
        if isinstance(node, nodes.SequenceMap):
            joint = self._joint(node)
            if joint is not None:
                return joint
        if isinstance(node, (nodes.SequenceMap, nodes.LinearSequenceMap)):
            children = [node.fst, node.snd]
            if all(isinstance(c, nodes.SelectorWidth) or c in (nodes.INDICES, nodes.LENGTH) for c in children):
                own = [_own_position(c.selector, self) if isinstance(c, nodes.SelectorWidth) else None
                       for c in children]
                function = (node.function if isinstance(node, nodes.SequenceMap)
                            else lambda x, y: node.fst_fac * x + node.snd_fac * y)
                args = [a for a in function_arguments([self._known(c) for c in children])
                        if _may_occur(children, a, self.causal, own)]
                return outputs(node, function, args)
        return super()._compute(node)

    def _joint(self, node: nodes.SequenceMap) -> set | None:
        """The values of a sequence_map of a line and a map or sequence_map of that same line
        over the argument pairs one position can give (`joint_arguments`); None where the shape
        differs or the pairs are too many."""
        args = joint_arguments(node.fst, node.snd, self)
        return None if args is None else outputs(node, node.function, args)


def joint_arguments(fst: nodes.Node, snd: nodes.Node, value_sets: ValueSets) -> list[tuple] | None:
    """The (fst, snd) value pairs one position can give where one of the two is a map or a
    sequence_map of the other (with a third line): `(a, g(a, b))` over the values of a and b, not
    every pair of a's and g's values (the thirty-fourth hand-written set's s01 reads its falcon's
    tag as a table of the token's kind and a binding that is 0 on every bird's name: the tags of a
    bird with a binding no input gives). None where neither is, or the pairs are too many."""
    for shared, derived in ((fst, snd), (snd, fst)):
        if isinstance(derived, nodes.Map) and derived.inner is shared:
            others: Sequence = [None]
        elif isinstance(derived, nodes.SequenceMap) and (derived.fst is shared) != (derived.snd is shared):
            others = sorted(value_sets(derived.snd if derived.fst is shared else derived.fst), key=value_sort_key)
        else:
            continue
        given = value_sets(shared)
        if len(given) * len(others) > MAX_JOINT_ARGUMENTS:
            return None
        derived_values = {table_key(v) for v in value_sets(derived)}
        args = []
        for a in sorted(given, key=value_sort_key):
            for b in others:
                inner = (a,) if isinstance(derived, nodes.Map) else ((a, b) if derived.fst is shared else (b, a))
                d = call(derived, derived.function, inner)
                if d is not None and table_key(d) in derived_values:  # (a tighter rule may have dropped it)
                    args.append((a, d) if fst is shared else (d, a))
        return args
    return None


#: The most (shared value, other value) pairs `PositionValueSets._joint` evaluates.
MAX_JOINT_ARGUMENTS = 20_000


#: The fields holding each kind of node's children, in `children` order.
CHILD_FIELDS = {nodes.Map: ("inner",), nodes.SequenceMap: ("fst", "snd"), nodes.LinearSequenceMap: ("fst", "snd"),
                 nodes.Select: ("keys", "queries"), nodes.Aggregate: ("selector", "sop"),
                 nodes.SelectorWidth: ("selector",)}


def guarded_predicates(program: prog.Program, value_sets: ValueSets) -> prog.Program | None:
    """`program` with each predicate that selects a None key or query in rasp (`k == 0` for query
    None), or is undefined there (`GT`, `k > q`), guarded against it (`q != None and k > q`), as the
    net, which never selects None, reads; None when no predicate needs it. A comparison is guarded
    as its lambda (`GT` as `k > q`)."""
    changes = {}
    for node in program.nodes:
        predicate = original = node.predicate if isinstance(node, nodes.Select) else None
        if isinstance(predicate, rasp.Comparison):
            if predicate.name not in _COMPARISON_BODIES:
                continue  # TRUE and FALSE are defined on None
            predicate = fn.PredicateLambda(parse_lambda(f"lambda k, q: {_COMPARISON_BODIES[predicate.name]}").body)
        if not isinstance(predicate, fn.PredicateLambda):
            continue
        try:
            keys, queries = value_sets(node.keys), value_sets(node.queries)
        except ValueSetError:
            continue
        guards = [guard for guard, side, pairs in (("k != None", node.keys, [(None, q) for q in queries]),
                                                   ("q != None", node.queries, [(k, None) for k in keys]))
                  if may_be_none(side) and any(_selects_or_undefined(original, *pair) for pair in pairs)]
        if guards:
            text = predicate.format().split(": ", 1)
            guarded = parse_lambda(f"{text[0]}: {' and '.join(guards)} and ({text[1]})")
            changes[id(node)] = {"predicate": fn.PredicateLambda(guarded.body)}
    return rebuilt(program, changes) if changes else None


#: tracr's comparisons as lambda bodies (rasp raises on a None key or query).
_COMPARISON_BODIES = {"EQ": "k == q", "LT": "k < q", "LEQ": "k <= q", "GT": "k > q", "GEQ": "k >= q",
                      "NEQ": "k != q"}


def changed_lines(program: prog.Program, compiled: prog.Program, field: str) -> list[str]:
    """The names of the lines whose `field` ("function": a filled table, "predicate": a guarded
    predicate) `Certifier._compile` changed from `program` to `compiled`."""
    return [name for name, a, b in zip(compiled.names(keep=False).values(), program.nodes, compiled.nodes)
            if getattr(a, field, None) != getattr(b, field, None)]


def _selects_or_undefined(predicate, key, query) -> bool:
    """Whether rasp selects the pair or cannot say (the net selects nothing there either way): a
    comparison (`EQ`) is undefined on a None key or query, though its lambda (`k == q`) is not."""
    try:
        return bool(predicate(key, query))
    except (fn.EvaluationError, ValueError):
        return True


def rebuilt(program: prog.Program, changes: dict[int, dict], shared: bool = False) -> prog.Program:
    """`program` with the fields of some nodes changed (by node id), and every node reading them
    rebuilt; the lines keep their order and names. A changed field naming one of `program`'s own
    nodes reads that node as it was, a line of its own beside the rebuilt one (an edit that
    points an input at an earlier var reads a copy of it), or, `shared`, the rebuilt node itself
    (an argument swapped below a changed line reads the changed line)."""
    made: dict[int, nodes.Node] = {}
    for node in program.nodes:
        fields = {field: made.get(id(getattr(node, field)), getattr(node, field))
                  for field in CHILD_FIELDS.get(type(node), ())}
        fields.update({field: made.get(id(value), value) if shared and isinstance(value, nodes.Node) else value
                       for field, value in changes.get(id(node), {}).items()})
        made[id(node)] = dataclasses.replace(node, **fields) if fields else node
    return prog.Program(made[id(program.output)])


#: How close a numerical table's value read off the weights must lie to a round one (a whole
#: number, or one of at most `ROUND_DECIMALS` decimals), as a share of the table's largest value,
#: to be written as that: float32 readings of 5 in a table up to 26 came back as 4.9999 (4e-6 of
#: 26), where 598/11 = 54.363636 is 7e-5 of 55 from 54.36.
ROUND_CLOSE = 3e-5
ROUND_DECIMALS = 2


def rounded_constants(program: prog.Program) -> prog.Program | None:
    """`program` with each value of its numerical lines' tables that lies within `ROUND_CLOSE` of
    a round number written as that number (a whole one as an int), for the reader; None when no
    value changes. The caller certifies it before taking it (it is another program)."""
    changes = {}
    for node in program.nodes:
        table = getattr(node, "function", None)
        if getattr(node, "encoding", None) != nodes.NUMERICAL or not isinstance(table, fn.Table):
            continue
        scale = max((abs(v) for _, v in table.entries if isinstance(v, (int, float)) and math.isfinite(v)), default=0)
        entries = [(key, _round_number(value, ROUND_CLOSE * scale)) for key, value in table.entries]
        if any(type(new) is not type(old) or new != old for (_, new), (_, old) in zip(entries, table.entries)):
            changes[id(node)] = {"function": fn.Table(table.arity, tuple(entries))}
    return rebuilt(program, changes) if changes else None


def folded_scales(program: prog.Program) -> prog.Program | None:
    """`program` with each factor of a numerical linear_sequence_map moved into the table of the
    numerical map it weighs, where that map is read by nothing else (its factor then 1); None
    when there is none. A numerical write is read off the weights only up to scale, so the
    search reads `tax` as a table up to 1 and the sum as `linear_sequence_map(tax, charge,
    53.75, 1.2)`; the fold gives the tables in the units the outputs show (seventeenth
    hand-written set e14). Values keep 9 decimals (`rounded_constants` may round them further);
    the caller certifies the result."""
    readers: dict[int, int] = collections.Counter(id(c) for node in program.nodes for c in node.children)
    changes: dict[int, dict] = {}
    for node in program.nodes:
        if not isinstance(node, nodes.LinearSequenceMap) or node.fst is node.snd:
            continue
        for child, field in ((node.fst, "fst_fac"), (node.snd, "snd_fac")):
            factor = getattr(node, field)
            if (factor in (0, 1) or readers[id(child)] != 1 or not isinstance(child, nodes.Map)
                    or child.encoding != nodes.NUMERICAL or not isinstance(child.function, fn.Table)
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                               for _, v in child.function.entries)):
                continue
            entries = tuple((key, _plain_number(round(value * factor, 9))) for key, value in child.function.entries)
            changes[id(child)] = {"function": fn.Table(child.function.arity, entries)}
            changes.setdefault(id(node), {})[field] = 1
    return rebuilt(program, changes) if changes else None


def _plain_number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value + 0.0


def _round_number(value, close: float):
    """`value` as the first round number within `close` of it, moving it by at most a thousandth
    of itself (0.01 in a table up to 1,000 is a value, not a reading of 0)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return value
    if abs(value) >= 1e4:
        # float32 keeps 7 digits, and a sum of them fewer: 9.8e6 read as 9799954 (eighteenth
        # hand-written set f07) is round to a few digits where no decimal is
        for digits in range(1, 7):
            near = float(f"{value:.{digits}g}")
            if abs(near - value) <= min(close, 1e-5 * abs(value)):
                return int(near) if near.is_integer() else near
    if not isinstance(value, float):
        return value
    close = min(close, 1e-3 * abs(value))
    for decimals in range(ROUND_DECIMALS + 1):
        near = round(value, decimals)
        if abs(near - value) <= close:
            return int(near) if decimals == 0 else near
    return value


def filled_tables(program: prog.Program, holes: dict[str, set | None]) -> prog.Program | None:
    """`program` with an entry for each missing value of its map and sequence_map tables
    (`table_holes`; the values are `_fillers`); None when there is nothing to fill. The lines keep
    their order and names."""
    by_label = _by_label(program)
    fill = {id(by_label[label]): missing for label, missing in holes.items()
            if missing and not isinstance(by_label[label], nodes.Select)}
    changes = {}
    for node in program.nodes:
        table = node.function if id(node) in fill else None
        if table and any(v is not None for _, v in table.entries):
            missing = sorted(fill[id(node)], key=value_sort_key)
            filler = dict(zip(missing, _fillers(table, len(missing), node.encoding)))
            changes[id(node)] = {"function": fn.Table.from_mapping(table.arity, {**filler, **dict(table.entries)})}
    return rebuilt(program, changes) if changes else None


def filled_gaps(program: prog.Program, gaps: dict[int, set[tuple]]) -> prog.Program | None:
    """`program` with an entry for each argument of its numerical maps' tables in `gaps` (by node
    id, `compiler.compiling.compile.numerical_gaps`): the value of the nearest entry
    (`nearest_values`; a number read off the net, 1.083333375, is the 1.0833... compile works out,
    and two entries that close giving different outputs are refused as too close together; a step
    between an entry and a filled one would need a sharpness no input asks for), 0 where there is
    none; None when there is nothing to fill. The filled entries are holes the certificate looks for inputs reaching."""
    changes = {}
    for node in program.nodes:
        if id(node) not in gaps or not isinstance(node, nodes.Map) or not isinstance(node.function, fn.Table):
            continue
        entries = dict(node.function.entries)
        # 0 for a categorical input's value: its MLP looks each one up, any number does
        filler = nearest_values(entries, [x for (x,) in gaps[id(node)]], 0)
        changes[id(node)] = {"function": fn.Table.from_mapping(1, {**filler, **entries})}
    return rebuilt(program, changes) if changes else None


def _fillers(table: fn.Table, count: int, encoding) -> list:
    """`count` values for a table's missing entries: 0 in a numerical line; in a categorical one
    whose entries are distinct integers, the next integers up (so a table that is one-to-one, as a
    sort's keys, stays one-to-one and compile can still show an aggregate on it selects one value);
    else the table's most common value (so the line takes no value it did not)."""
    if encoding == nodes.NUMERICAL:
        return [0] * count
    values = [v for _, v in table.entries if v is not None]
    if len(set(values)) == len(values) and all(type(v) is int for v in values):
        return list(range(max(values) + 1, max(values) + 1 + count))
    counts = collections.Counter(values)
    return [min(counts, key=lambda v: (-counts[v], value_sort_key(v)))] * count


def distinct_runs(vocab: list, max_seq_len: int, count: int, rng: random.Random) -> list[list]:
    """`count` inputs of distinct tokens in order, up or down, and the same with one token moved:
    where ranks, dips and counts of smaller tokens reach their largest values (eight digits
    falling is the only input whose rank plus dips is 13), which draws with repeats, even sorted
    ones, seldom give."""
    out = []
    for _ in range(count):
        n = rng.randint(max(1, min(len(vocab), max_seq_len) - 2), min(len(vocab), max_seq_len))
        xs = sorted(rng.sample(vocab, n), key=value_sort_key, reverse=rng.random() < 0.5)
        if n > 2 and rng.random() < 0.5:
            xs.insert(rng.randrange(n), xs.pop(rng.randrange(n)))
        out.append(xs)
    return out


#: Motifs of each size (2, 3, 4 tokens) `reach` tries every one of when there are at most this
#: many over the program's token kinds (else `MOTIFS_DRAWN` drawn), and how many it adds to each
#: round (the shortest first), so that the climbs go on beside them.
MOTIFS = {2: 256, 3: 1024, 4: 2048}
MOTIFS_DRAWN = 64
MOTIFS_PER_ROUND = 128
#: Cycles through 5 and 6 different token kinds (one phase of each) `reach` tries every one of when
#: there are at most this many (else `MOTIFS_DRAWN` drawn), after the shorter motifs.
CYCLES = {5: 512, 6: 512}
#: One token among copies of another at the longest length (`odd_ones_out`): every such input
#: `reach` tries where there are at most this many, else this many drawn.
ODD_ONES_OUT = 512


def motifs(kinds: list, max_seq_len: int, rng: random.Random) -> list[list]:
    """Inputs repeating a motif of two, three or four tokens of `kinds` at the longest length,
    the shorter motifs first: every motif of a size (tokens not all one; a motif's rotations are
    its phases) where there are at most `MOTIFS[size]`, in a random order, else `MOTIFS_DRAWN`
    drawn. The largest counts of a pattern between neighbours come from these (an alternation;
    a walk turning right at every step, `E S W N E S W N E`; a severity rising 0 1 2 3 0 1 2 3 0
    1, seven rises in ten days), which drawn inputs and climbs reach seldom: one input in hundreds
    of drawn periodic ones, so that a search cut short missed them (the eighth set's v09 and the
    seventh's u22 were false certificates before they were tried one by one). After the motifs of
    two, one token among copies of another (`odd_ones_out`). Then cycles through
    5 and 6 different kinds (`CYCLES`), where counts of different tokens in a window peak: six
    different digits in every window of six, a period-6 permutation (ninth set w22)."""
    out = []
    for size, most in MOTIFS.items():
        if size > max_seq_len:
            break
        if len(kinds) ** size <= most:
            chosen = [list(motif) for motif in itertools.product(kinds, repeat=size)]
            rng.shuffle(chosen)
        else:
            chosen = [[rng.choice(kinds) for _ in range(size)] for _ in range(MOTIFS_DRAWN)]
        out += [[motif[i % size] for i in range(max_seq_len)] for motif in chosen
                if any(t is not motif[0] and t != motif[0] for t in motif)]
        if size == 2:
            out += odd_ones_out(kinds, max_seq_len, rng)
    for size, most in CYCLES.items():
        if size > min(len(kinds), max_seq_len):
            break
        if math.comb(len(kinds), size) * math.factorial(size - 1) <= most:
            chosen = [[kinds[combo[0]], *(kinds[i] for i in rest)] for combo in
                      itertools.combinations(range(len(kinds)), size) for rest in itertools.permutations(combo[1:])]
            rng.shuffle(chosen)
        else:
            chosen = [rng.sample(kinds, size) for _ in range(MOTIFS_DRAWN)]
        out += [[motif[i % size] for i in range(max_seq_len)] for motif in chosen]
    return out


def odd_ones_out(kinds: list, max_seq_len: int, rng: random.Random) -> list[list]:
    """Inputs of the longest length holding one token of `kinds` at one position and copies of
    another everywhere else: every such input where there are at most `ODD_ONES_OUT`, in a random
    order, else as many drawn. A count that compares every token with one (the first token's
    copies, less the positions matching it under another rule) is largest or smallest there,
    which neither the motifs nor a climb from drawn inputs gives (ninth set w23: `d a a a a a a a
    a` alone gives a difference of -8, missed in 4,323 inputs and taken not to occur)."""
    pairs = [(odd, rest) for odd in kinds for rest in kinds if odd is not rest and odd != rest]
    every = len(pairs) * max_seq_len <= ODD_ONES_OUT
    chosen = ([(odd, rest, at) for odd, rest in pairs for at in range(max_seq_len)] if every else
              [(*rng.choice(pairs), rng.randrange(max_seq_len)) for _ in range(ODD_ONES_OUT)] if pairs else [])
    if every:
        rng.shuffle(chosen)
    return [[odd if i == at else rest for i in range(max_seq_len)] for odd, rest, at in chosen]


def periodic_inputs(vocab: list, max_seq_len: int, count: int, rng: random.Random) -> list[list]:
    """`count` inputs repeating a motif of two to five tokens (half of them distinct tokens, where
    there are enough) from a random phase, most at the longest length: where a count of a pattern
    between neighbours (a determiner before each noun, an alternation, a walk turning right at
    every step: `N E S W N E ...`) reaches its largest value, which independent draws almost
    never give (six determiner-noun pairs in twelve words: about 3e-7 a draw over five kinds of
    word)."""
    out = []
    for _ in range(count):
        size = rng.choice((2, 2, 3, 3, 4, 5))
        motif = (rng.sample(vocab, size) if size <= len(vocab) and rng.random() < 0.5
                 else [rng.choice(vocab) for _ in range(size)])
        n = max_seq_len if rng.random() < 0.75 else rng.randint(1, max_seq_len)
        start = rng.randrange(len(motif))
        out.append([motif[(start + i) % len(motif)] for i in range(n)])
    return out


@dataclasses.dataclass(frozen=True)
class Reached:
    """What `reach` found: inputs that reach some missing values, the missing values none reached
    (by line), how many inputs were tried, how many of the unreached values nearest an input
    were climbed towards fewer than `CLIMBS` times (see `FRONTIER`), and how many of the first
    round's motifs (`motifs`) were left untried: with any of either left, the search was cut
    short, and that none was reached says little."""

    found: list[list]
    unreached: dict[str, set]
    tried: int
    unclimbed: int = 0
    motifs_left: int = 0


#: How many of the inputs nearest a missing value `reach` keeps, and changes a little to climb
#: towards it; how many missing values each round climbs towards; how many missing values per
#: line it measures every input against (the rest as those are reached).
ELITE = 8
CLIMBED_PER_ROUND = 8
TRACKED = 1024
#: Before the unreached values may be taken to occur nowhere, the unreached ones inputs came
#: nearest (at most twice as far as the nearest, `FRONTIER` of them at most) must each have been
#: climbed towards `CLIMBS` times.
FRONTIER = 32
CLIMBS = 1


def reach(program: prog.Program, holes: dict[str, set], vocab: list, max_seq_len: int, causal: bool,
          deadline: float, rng: random.Random, max_tries: int | None = None) -> Reached:
    """Inputs on which some table line of `program` reads a value in `holes`: structured and
    random inputs, and inputs climbing towards the missing values, evaluated line by line until
    every hole is reached, `deadline` or `max_tries`.

    Structured inputs over one token of each kind reach the rare mixes (7 of 10 tokens a "t" among
    20 symbols) that the same shapes over every token, or uniform ones, seldom do; periodic ones
    over the kinds reach the largest counts of a pattern between neighbours. Every input is
    measured against the missing values (`_Climb`; a select's: the (key, query) pairs its table
    leaves unselected, which the net may select); each round, the inputs nearest a few of them,
    changed a little, climb towards them (a score of 12 from a rank of 6 and 6 dips: falling
    digits with the largest repeated). The values climbed towards
    are the nearest, taking turns while they come no nearer: a table over (count, index) that
    misses the 120 pairs no input gives and one that 13 repeats among 15 tokens give climbs
    towards that one within a few rounds (it is among the nearest), where a value drawn at random
    each round was that one in one round of 121. `Reached.unclimbed` says whether the nearest
    unreached values were all climbed towards."""
    by_name = _by_label(program)
    # by `table_key`: a value a line computes matches a missing one within float rounding
    remaining = {label: {table_key(m): m for m in missing} for label, missing in holes.items()}
    rows_of = _rows_of(program, causal)
    kinds = token_kinds(program, vocab)
    climbs = [_Climb(label, by_name[label], missing, rng) for label, missing in remaining.items() if missing]
    found: list[list] = []
    tried = 0
    seen: set[tuple] = set()
    queue = motifs(kinds, max_seq_len, rng)  # tried `MOTIFS_PER_ROUND` a round, beside random periodic ones
    motifs_left = len(queue)
    while remaining and time.monotonic() < deadline and (max_tries is None or tried < max_tries):
        for climb in climbs:
            climb.refill(remaining)
        chosen = sorted(((climb.priority(t), i, t) for i, climb in enumerate(climbs) for t in climb.open()),
                        key=lambda item: item[:2])[:CLIMBED_PER_ROUND]
        first, queue = queue[:MOTIFS_PER_ROUND], queue[MOTIFS_PER_ROUND:]
        batch = first + (structured_inputs(kinds, max_seq_len, 32, rng) + structured_inputs(vocab, max_seq_len, 16, rng)
                         + random_inputs(vocab, max_seq_len, 16, rng) + distinct_runs(vocab, max_seq_len, 8, rng)
                         + periodic_inputs(kinds, max_seq_len, 8, rng)
                         + [xs for _, i, t in chosen for xs in climbs[i].substituted(t, rows_of, causal)]
                         + [_mutated(xs, vocab, max_seq_len, rng, _moves(climbs[i].stale[t], rng))
                            for _, i, t in chosen for xs in climbs[i].elite_inputs(t)])
        best_before = [climbs[i].best[t] for _, i, t in chosen]
        for k, xs in enumerate(batch):
            if time.monotonic() > deadline or (max_tries is not None and tried >= max_tries):
                break
            motifs_left -= k < len(first)
            if tuple(xs) in seen:  # an input met before reaches nothing new and measures the same
                continue  # (a third to three fifths of those drawn: mutants of the same elite, small kinds)
            seen.add(tuple(xs))
            tried += 1
            # causal: position i is computed on its prefix; a line undefined on this input leaves
            # the lines before it, whose missing values it may still reach
            rows = rows_of(xs)
            for climb in climbs:
                climb.measure(xs, rows, causal)
            hit = False
            for label in list(remaining):
                for key in map(table_key, _line_arguments(by_name[label], rows, causal)):
                    if key in remaining[label]:
                        del remaining[label][key]
                        hit = True
                if not remaining[label]:
                    del remaining[label]
            if hit:
                found.append(list(xs))
                for climb in climbs:
                    climb.drop(remaining)
        for (_, i, t), before in zip(chosen, best_before):
            climbs[i].climbed(t, climbs[i].best[t] < before)
    unreached = {label: set(missing.values()) for label, missing in remaining.items()}
    nearest = sorted((climb.best[t], climb.climbs[t]) for climb in climbs for t in climb.open())[:FRONTIER]
    nearest = [(best, count) for best, count in nearest if best <= 2 * nearest[0][0] + 1e-9] if nearest else []
    return Reached(found, unreached, tried, sum(int(count < CLIMBS) for _, count in nearest), motifs_left)


class _Climb:
    """One table line's missing values (up to `TRACKED` at a time), each with the least distance
    an input has come to it (over positions, or a select's (key, query) pairs, the sum over
    arguments of |a - b| for numbers, else 0 or 1 for equal or not), its `ELITE` nearest inputs,
    how often it was climbed towards and for how many rounds since it last came nearer (`stale`)."""

    def __init__(self, label: str, node: nodes.Node, missing: dict, rng: random.Random):
        self.label, self.node, self.arity = label, node, len(node.children)
        self.missing = dict(missing)  # reach deletes what it reaches from the one it passes
        # the argument that is the tokens themselves, of a table of two or more (`substituted`)
        self.token_argument = next((j for j, child in enumerate(node.children) if child == nodes.TOKENS), None) \
            if self.arity > 1 and not isinstance(node, nodes.Select) else None
        keys = list(missing)
        rng.shuffle(keys)
        self.waiting = keys[TRACKED:]  # measured once tracked ones are reached
        self._track(keys[:TRACKED])

    def _track(self, keys: list) -> None:
        self.keys = keys
        args = [key if self.arity > 1 else (key,) for key in keys]
        self.columns = []  # per argument: ("number", float array) or ("value", {value: id}, id array)
        for j in range(self.arity):
            column = [a[j] for a in args]
            if all(_number(v) for v in column):
                self.columns.append(("number", np.array(column, dtype=np.float64)))
            else:
                ids = {v: n for n, v in enumerate(dict.fromkeys(column))}
                self.columns.append(("value", ids, np.array([ids[v] for v in column])))
        n = len(keys)
        self.best = np.full(n, np.inf)
        # the elite's slots: the nearest inputs, and with two or more arguments, for each argument
        # the nearest of those that give it exactly (`measure`)
        overall = ELITE if self.arity < 2 else ELITE // 2
        share = (ELITE - overall) // self.arity if self.arity > 1 else 0
        self.slots = [(0, overall, None)] + [(overall + j * share, overall + (j + 1) * share, j)
                                             for j in range(self.arity) if share]
        width = self.slots[-1][1]
        self.elite_distance = np.full((n, width), np.inf)
        self.elite: list[list] = [[None] * width for _ in range(n)]
        self.climbs = np.zeros(n, dtype=np.int64)
        self.stale = np.zeros(n, dtype=np.int64)
        self.reached = np.zeros(n, dtype=bool)

    def open(self) -> Iterator[int]:
        return iter(np.flatnonzero(~self.reached).tolist())

    def priority(self, t: int) -> tuple:
        """Nearest first, a value further back for each round it was climbed towards and came no
        nearer (those nearest take turns), then least climbed."""
        return ((float(self.best[t]) + 1e-6) * (1 + int(self.stale[t])), int(self.climbs[t]))

    def elite_inputs(self, t: int) -> list[list]:
        kept = []
        for xs in self.elite[t]:
            if xs is not None and xs not in kept:  # one input may be in several arguments' slots
                kept.append(xs)
        return kept

    def substituted(self, t: int, rows_of, causal: bool) -> list[list]:
        """For a table reading the tokens beside other lines: the inputs of the elite giving the
        other arguments of missing value `t` exactly at some position, with the token there made
        the one wanted. The other lines often do not read the token at their own position (a count
        of the splits after a price: the twentieth hand-written set's h18 missed the price 25
        before three 2:1 and four 3:1 splits, one input in about 5^7, whose counts other prices
        showed), where replacing tokens at random reaches it once in a vocabulary's size of tries."""
        if self.token_argument is None:
            return []
        want = self.missing[self.keys[t]]
        token, others = want[self.token_argument], [j for j in range(self.arity) if j != self.token_argument]
        out = []
        for begin, end, j in self.slots:
            if j not in others:
                continue
            for xs in self.elite[t][begin:end]:
                if xs is None:
                    continue
                rows = rows_of(xs)
                for last, row in enumerate(rows):  # as `_line_arguments` reads them, by position
                    if any(id(child) not in row for child in self.node.children):
                        continue
                    columns = [row[id(child)] for child in self.node.children]
                    for i in ([last] if causal else range(len(xs))):
                        if i < len(columns[0]) and xs[i] != token and all(
                                table_key(columns[k][i]) == table_key(want[k]) for k in others):
                            out.append(xs[:i] + [token] + xs[i + 1:])
        return _distinct(out)

    def measure(self, xs: list, rows: list[dict], causal: bool) -> None:
        targets = np.flatnonzero(~self.reached)
        if not len(targets):
            return
        args = list(_line_arguments(self.node, rows, causal))
        if not args:
            return
        args = [a if self.arity > 1 else (a,) for a in args]
        try:  # a select's (key, query) pairs repeat over positions
            args = list(dict.fromkeys(args))
        except TypeError:  # an unhashable value: each measured as it is
            pass
        distance = np.zeros((len(targets), len(args)))
        exact = []  # per argument: where it is the missing value's own
        for j, column in enumerate(self.columns):
            got = [a[j] for a in args]
            if column[0] == "number":
                have = np.array([float(v) if _number(v) else np.nan for v in got])
                gap = np.minimum(np.abs(column[1][targets, None] - have[None, :]), 1.0e6)
                gap = np.where(np.isnan(gap), 1.0e6, gap)
            else:
                have = np.array([_value_id(column[1], v) for v in got])
                gap = (column[2][targets, None] != have[None, :]).astype(np.float64)
            distance += gap
            exact.append(gap == 0)
        nearest = distance.min(axis=1)
        self.best[targets] = np.minimum(self.best[targets], nearest)
        # an argument's slots keep the inputs giving it exactly that come nearest in the others: the
        # nearest overall may be as near by the other argument, three moves from the value wanted
        # (twelfth set z13: (locked, 10 resets) wanted, every elite input 10 resets and not locked
        # at distance 1; nine resets and locked, also at 1, is one inserted reset from it)
        for begin, end, j in self.slots:
            near = nearest if j is None else np.where(exact[j], distance, np.inf).min(axis=1)
            worst = begin + self.elite_distance[targets, begin:end].argmax(axis=1)
            better = np.flatnonzero(near < self.elite_distance[targets, worst])
            for k in better.tolist():
                t = int(targets[k])
                if xs in self.elite[t][begin:end]:
                    continue  # kept once: copies of the nearest input left nothing else to climb from
                self.elite_distance[t, worst[k]] = near[k]
                self.elite[t][worst[k]] = list(xs)

    def climbed(self, t: int, nearer: bool) -> None:
        self.climbs[t] += 1
        self.stale[t] = 0 if nearer else self.stale[t] + 1

    def drop(self, remaining: dict) -> None:
        """Marks the values no longer missing as reached."""
        left = remaining.get(self.label, {})
        self.reached |= np.array([key not in left for key in self.keys], dtype=bool)

    def refill(self, remaining: dict) -> None:
        """Once every tracked value is reached, tracks the waiting ones still missing."""
        if self.waiting and self.reached.all():
            left = remaining.get(self.label, {})
            waiting = [key for key in self.waiting if key in left]
            self.waiting = waiting[TRACKED:]
            self._track(waiting[:TRACKED])


def _value_id(ids: dict, value: Any) -> int:
    try:
        return ids.get(table_key(value), -1)
    except TypeError:  # unhashable: no missing value
        return -1


def _distinct(inputs: list[list]) -> list[list]:
    """`inputs` without repeats, in their order."""
    return list(map(list, dict.fromkeys(map(tuple, inputs))))


def _table_outputs(node: nodes.Node) -> collections.Counter:
    """How many of `node`'s table entries give each output (by key), where it is a map or
    sequence map on a table: the values the reading gives for arguments it read off the net, no
    input reaching them included. An output that unfired neurons write, as many as the entries
    giving it, is the reading's too (tracr gives each argument its own neuron), and no input the
    value sets allow reaches those entries (a lap count of 0 where the count includes its own
    position: the forty-second hand-written set's q12, four neurons and four entries); one no
    entry gives, or more neurons than entries write, is a behaviour of the net the reading lacks
    (seventh set u15: "open", which the reading never says), and an unreached hole may be where
    it is."""
    if isinstance(node, (nodes.Map, nodes.SequenceMap)) and isinstance(node.function, fn.Table):
        return collections.Counter(_output_key(v) for _, v in node.function.entries)
    return collections.Counter()


def _output_key(value: Any) -> tuple:
    """An output value as a key: its type with it (True and 1 are two outputs)."""
    return (type(value).__name__, value)


def _rows_of(program: prog.Program, causal: bool):
    """A function giving an input's rows of line values as `_line_arguments` reads them: one
    (`prog.line_values`), or, causal, one per prefix (`_prefix_rows`: one causal evaluation gives
    every prefix's values, compile having checked the program can be read so; an input some line
    is undefined on is read a prefix at a time)."""
    values = prog.line_values(program, partial=True)
    if not causal:
        return lambda xs: [values(xs)]
    whole = prog.line_values(program, partial=True, causal=True)
    return lambda xs: _prefix_rows(xs, values, whole)


def _prefix_rows(xs: list, values, whole) -> list[dict]:
    """`values` of each prefix of `xs` (the lines at positions up to its end), from one causal
    evaluation of the whole input where every line is defined on it (`prog.line_values`)."""
    lines = whole(xs)
    if len(lines) < whole.lines:
        return [values(xs[:i + 1]) for i in range(len(xs))]
    return [{node: column[:i + 1] for node, column in lines.items()} for i in range(len(xs))]


def _line_arguments(node: nodes.Node, rows: list[dict], causal: bool) -> Iterator:
    """What `node` reads at each position of one input, from `rows` (`prog.line_values` of the
    input, or of each prefix when `causal`): its argument, or tuple of arguments; for a select,
    a (key, query) pair for every key the query sees."""
    for end, row in enumerate(rows):
        if any(id(child) not in row for child in node.children):
            continue  # a line before it was undefined on this input
        columns = [row[id(child)] for child in node.children]
        for i in ([end] if causal else range(len(columns[0]))):
            if i >= len(columns[0]):
                continue
            if isinstance(node, nodes.Select):
                yield from ((columns[0][j], columns[1][i]) for j in range(len(columns[0])))
            else:
                yield columns[0][i] if len(columns) == 1 else tuple(c[i] for c in columns)


def _moves(stale: int, rng: random.Random) -> int:
    """How many moves change an input climbing towards a value that came no nearer for `stale`
    rounds: one, and for a quarter of the inputs of a stale climb two to four (a value one move
    cannot reach from the nearest inputs, nine right turns from seven; more moves for all of them
    undid the one-token steps a combination lock climbs by: seventh set u15)."""
    if not stale or rng.random() >= 0.25:
        return 1
    return 2 + rng.randrange(min(int(stale), 3))


def _mutated(xs: list, vocab: list, max_seq_len: int, rng: random.Random, moves: int = 1) -> list:
    """`xs` changed a little, by `moves` of: one token replaced, two swapped, one copied onto its
    neighbour, one added or dropped at the end, a run of tokens copied over another place (a
    periodic pattern carried on: a walk's nine right turns in a row, `E S W N E S W N E`, from
    seven with two U-turns among them, which no one move reaches), or one token inserted or
    dropped anywhere, shifting those after it (one more of a leading run before the pattern that
    follows it: ten resets then three bad PINs from nine, twelfth set z13, which replacing tokens
    reaches only by two moves that each come no nearer)."""
    for _ in range(moves):
        xs = _moved(xs, vocab, max_seq_len, rng)
    return xs


def _moved(xs: list, vocab: list, max_seq_len: int, rng: random.Random) -> list:
    xs = list(xs)
    move = rng.randrange(8)
    if move == 6:
        xs.insert(rng.randrange(len(xs) + 1), rng.choice(vocab))
        return xs[:max_seq_len]
    if move == 7 and len(xs) > 1:
        del xs[rng.randrange(len(xs))]
        return xs
    if move == 5 and len(xs) >= 3:
        size = rng.randrange(1, len(xs) // 2 + 1)
        i, j = rng.randrange(len(xs) - size + 1), rng.randrange(len(xs) - size + 1)
        xs[j:j + size] = xs[i:i + size]
        return xs
    if move == 0 or len(xs) < 2:
        xs[rng.randrange(len(xs))] = rng.choice(vocab)
    elif move == 1:
        i, j = rng.sample(range(len(xs)), 2)
        xs[i], xs[j] = xs[j], xs[i]
    elif move == 2:
        i = rng.randrange(len(xs) - 1)
        xs[i + rng.randrange(2)] = xs[i + 1] if rng.random() < 0.5 else xs[i]
    elif move == 3 and len(xs) < max_seq_len:
        xs.append(rng.choice(vocab))
    elif len(xs) > 1:
        xs.pop()
    return xs


def _by_label(program: prog.Program) -> dict[str, nodes.Node]:
    """Each line's node by its name in the canonical text."""
    names = program.names(keep=False)
    return {names[id(node)]: node for node in program.nodes}


def token_kinds(program: prog.Program, vocab: list) -> list:
    """One token of each kind the program tells apart at its first reading: tokens every map and
    select on `tokens` treats alike (the same outputs, the same selections) are one kind."""
    readers = [node for node in program.nodes if nodes.TOKENS in node.children]
    if not readers:
        return vocab

    def signature(token) -> tuple:
        out = []
        for node in readers:
            try:
                if isinstance(node, nodes.Map):
                    out.append(normalize_value(node.function(token)))
                elif isinstance(node, nodes.Select):
                    out.append(tuple(bool(node.predicate(k, q)) for k, q in
                                     ([(token, other) for other in vocab] if node.keys is nodes.TOKENS else [])
                                     + ([(other, token) for other in vocab] if node.queries is nodes.TOKENS else [])))
                else:  # a sequence_map of tokens and something else: every token its own kind
                    out.append(token)
            except Exception:  # noqa: BLE001 - a function undefined on a token: that token is a kind of its own
                out.append(("undefined", token))
        return tuple(map(repr, out))

    kinds: dict[tuple, Any] = {}
    for token in vocab:
        kinds.setdefault(signature(token), token)
    return list(kinds.values())


def _shown(values) -> str:
    shown = sorted(values, key=value_sort_key)[:3]
    return ", ".join(format_value(v) if is_literal(v) else repr(v) for v in shown)


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
