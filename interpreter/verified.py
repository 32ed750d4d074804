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
relabel the line computing its queries (`interpreter.head_lines`), and linear factors are fitted to
the write or the outputs. Paths are taken in limited-discrepancy order within the time budget.
Every finished program is compiled and its net compared with `net` (`interpreter.certify`); the first
that agrees everywhere is returned, else the best by agreement. A certificate is never given
without that comparison. Where the inputs are a sample, a table line read off it must also have
an entry for every value its inputs can take; inputs that reach a missing one make the search
read the net again with them (`READINGS`).

Retrained nets write only approximately what their program computes, so few of their lines fit
any component exactly. When the line-by-line search finds no program that agrees everywhere,
`interpreter.behaviour` reads one off what the net does: selects from its heads' attention and
from comparisons, and a table from the features that determine its outputs. Its programs are
certified the same way; a program agreeing with a retrained net on fewer than all inputs is
returned with its agreement and is not verified.
"""

from __future__ import annotations

import dataclasses
import functools
import time

import numpy as np

import compiler
import generator
from compiler.language import nodes
from compiler.language import program as prog
from compiler.language.literals import value_sort_key
from compiler.nets.net import Net
from compiler.nets.weights import Weights
from interpreter.behaviour import behavioural_programs
from interpreter.certify import Certifier, changed_lines, folded_scales, rounded_constants, whole_domain
from interpreter.checkpoint import default_checkpoint
from interpreter.decode import load_interpreter, log_likelihoods, one_cpu_thread, search_all
from interpreter.encoding import EncoderConfig, EncodingError, EncodingTimeout, encode_net
from interpreter.mlp_lines import PRIMITIVES, ignores_primitive, unwritten_outputs
from interpreter.model import Interpreter
from interpreter.relabel import readable_labels, readable_tables
from interpreter.search import Library, LineSearch, net_moduli
from interpreter.trace import choose_inputs, covering_inputs, same_partition, trace_net
from interpreter.weights_match import match, matching_encoder

#: The most lines of a reading that compile refused, shown in a note when nothing verified.
REFUSED_SHOWN = 12

#: The share of the time budget the line-by-line search may take before the behavioural one
#: (`interpreter.behaviour`) starts: most of it for a net whose components write exact values
#: (compiled, scrambled), a third for a dense one (`Trace.dense`: trained).
STRUCTURAL_SHARE = 0.9
STRUCTURAL_SHARE_DENSE = 0.3
#: The share of the time budget the model's beam search may take (when the net is run: the rest
#: goes to certifying and searching). A beam cut short proposes what it finished. Half the budget
#: cost more than it gave: on the fifth hand-written set (past the trained range) the model's
#: proposals verified 13 of 29 at 10 s, the grammar's 19, the search having the time.
MODEL_SHARE = 0.2
#: The share of the time budget by which the model's readings stop being certified as they stand
#: (each is compiled and run: on a wide net a second, which the search needs more).
READINGS_SHARE = 0.3
#: Options per component the line-by-line search takes, widened when every path was taken with
#: time to spare (the right line ranked below the first few: the library's order is a guess).
BRANCHING = (3, 6, 12)
#: How many times the line-by-line search may read the net again, with inputs a candidate's
#: certificate found its tables had not seen (`interpreter.certify`).
READINGS = 3
#: The share of the time budget tracing a sampled domain may take, and the fewest inputs it keeps.
TRACE_SHARE = 0.25
MIN_TRACE_INPUTS = 100
#: The share of the time budget tracing every input (at most 5,000) may take: past it, a sample is
#: traced as for more inputs (a UART frame's net of 11 bits, 4,094 inputs, traced them in 23 s).
EXHAUSTIVE_TRACE_SHARE = 0.5
#: A net whose inputs are too many to trace but at most this many (`certify.whole_domain`: a causal
#: net's of the longest length) has every reading that agrees with the traced inputs run on all the
#: others: agreeing on them all shows it right on every input, with no table's missing values to
#: search for (running two nets on 20,000 inputs of 8 tokens takes about a second; a hypothesis
#: search of 1,000 inputs, one at a time, longer).
DOMAIN_CHECKED = 20_000
#: The most of the time budget running the net once on that whole domain may take (a reading's
#: net is run on it as well, each time one agrees with every traced input).
DOMAIN_SHARE = 0.1
#: What a note says when a search stopped on a fault of the decompiler's own (the answer is then
#: what the other searches found; evaluations count these: `DecompileOutcome.internal_errors`).
INTERNAL_ERROR = "stopped on an internal error"
#: Seconds a decompile searches by default (`fountain decompile`, `decompile`). A verified answer
#: returns as soon as it is found (most nets take 1-6 s); the budget is what a net the search cannot
#: finish costs. At 10 s, nets of 10-15 lines with tables of hundreds of entries ran out of time where
#: 30 s verifies them (README, "Verified decompilation"); `fountain eval` and the benches keep 10 s.
DEFAULT_TIME_BUDGET = 30.0
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
            out.append(f"#   {_shortened(fit.line):<48} <- {fit.component} (fit {fit.fit:.2f}, {fit.source})")
        out += [f"# note: {note}" for note in self.notes]
        return "\n".join(out) + "\n"

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["lines"] = [dataclasses.asdict(fit) for fit in self.lines]
        data["notes"] = list(self.notes)
        return data


def _shortened(line: str, longest: int = 120) -> str:
    """A program line as the fits list shows it: a table longer than `longest` characters, which
    the source above gives whole, as its entry count (`sequence_map({100 entries}, v2, v4)`)."""
    if len(line) <= longest:
        return line
    start = line.find("{")
    depth, end, entries = 0, -1, 1
    for i in range(start, len(line)) if start >= 0 else ():  # a string with a bracket in it only miscounts
        depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(line[i], 0)
        entries += line[i] == "," and depth == 1  # a table's entries, or a select's pairs
        if depth == 0:
            end = i
            break
    if end < 0:
        return line
    return f"{line[:start]}{{{entries} entries}}{line[end + 1:]}"



# ---------------------------------------------------------------------------------------
# The entry point


def decompile(net: Net, checkpoint=None, *, run_net: bool = True, time_budget: float = DEFAULT_TIME_BUDGET,
              beam_size: int = 8, proposals: str = "model", seed: int = 0, device: str | None = None) -> Decompiled:
    """The program computed by `net`, with its certificate (module docstring).

    `checkpoint`: an interpreter checkpoint or run directory, or a loaded `Interpreter`; None is
    the project's default checkpoint. `run_net=False` decodes from the weights alone: the model's
    beams compiled and matched with the net's weights, and edited line by line while the match
    improves, until `time_budget` (`interpreter.weights_match`; no input is run through the net
    until the answer is certified); a net too big for the model to read has programs drawn from
    the grammar matched instead. `proposals="uniform"` replaces the
    model's proposals by programs drawn uniformly from the grammar (no checkpoint needed).
    `time_budget` (seconds) bounds the search, from once the model and the compiler are loaded
    (once per process; the model's beam search takes at most `MODEL_SHARE` of it); the
    certificate of the answer is always computed.
    `device`: where the model runs (default: cuda when present); the search runs on the CPU,
    with BLAS on one thread (its products are of a compiled net's small matrices: more threads
    only add synchronisation, and on a busy 2-core machine a trace ran x2.2 slower with two).
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _decompile(net, checkpoint, run_net, time_budget, beam_size, proposals, seed, device)


def _decompile(net: Net, checkpoint, run_net: bool, time_budget: float, beam_size: int, proposals: str,
               seed: int, device: str | None) -> Decompiled:
    if proposals not in PROPOSALS:
        raise ValueError(f"proposals must be one of {PROPOSALS}, got {proposals!r}")
    if time_budget <= 0:
        raise ValueError(f"time_budget must be positive seconds, got {time_budget!r}")
    # compile (tracr, jax) is imported once per process, like the model loaded: not in the budget
    # (2-3 s of a 10 s budget went to the first certificate's import of it)
    compiler.compile_program  # noqa: B018
    start = time.monotonic()
    notes: list[str] = []
    texts: list[str] = []
    stuck = refused = None  # where the line-by-line search stopped, and a reading compile refused
    ignored: dict = {}  # `_ignored_primitive`'s answers, shared by the readings
    weights_only = None
    if proposals == "model":
        if checkpoint is None:
            checkpoint = default_checkpoint()
        model = checkpoint if isinstance(checkpoint, Interpreter) else load_interpreter(checkpoint, device)
        start = time.monotonic()  # the budget is the search's: loading the model (once per process) is not in it
        try:  # encoding a net too big for the model can take seconds: at most the model's share
            encoded = encode_net(net, model.config.encoder, start + MODEL_SHARE * time_budget if run_net else None)
        except EncodingTimeout:
            notes.append(f"the net's encoding for the model took more than {MODEL_SHARE:.0%} of the time budget; "
                         "proposals come from the grammar (a larger budget lets the model read it, if it can)")
        except EncodingError as error:
            if not run_net:  # programs drawn from the grammar, matched with the net's weights instead
                texts, weights_only = matched_draws(net, model.config.encoder, error, beam_size, seed,
                                                     start + time_budget, notes)
            else:  # the encoder's hint (raise max_tokens ...) is for training a model, not for decoding with this one
                notes.append(f"the model cannot read this net ({error.reason}: more than the interpreter was trained "
                             "to read); proposals come from the grammar, and the search reads the net line by line")
        else:
            # the beam search is bounded too (a slow or busy CPU): the rest of the budget searches
            deadline = start + MODEL_SHARE * time_budget if run_net else None
            with one_cpu_thread(model):
                texts = [d.text for d in search_all(model, encoded, beam_size=beam_size, deadline=deadline,
                                                    min_length=_min_program_tokens(net))]
            weights_only = texts[0] if texts else None
            if not texts:
                notes.append(f"the model finished no program within {MODEL_SHARE:.0%} of the time budget; "
                             "proposals come from the grammar")
            elif not run_net:  # the beams compiled and matched with the net's weights, then edited (no input run)
                def prefer(candidates: list[str]) -> list[float]:
                    with one_cpu_thread(model):
                        return log_likelihoods(model, encoded, candidates)
                matched = match(net, texts, encoded, model.config.encoder, start + time_budget, prefer=prefer)
                if matched.source:
                    weights_only = matched.source
                    texts = [matched.source] + [t for t in texts if t != matched.source]
                    notes.append(f"weights-only: {matched.candidates} programs (the model's {beam_size}-beam readings "
                                 f"and edits of them) matched with the net's weights ({matched.compiled} nets "
                                 f"compiled: programs whose functions agree share one); the answer's "
                                 f"encoding shares {matched.similarity:.1%} of the net's tokens, the model's best "
                                 f"beam's {matched.beam_similarity:.1%} ({matched.seconds:.1f} s)")
    if not texts:
        texts = uniform_proposals(net, beam_size, seed)
    sample, exhaustive = choose_inputs(net, seed=seed)
    if exhaustive and _trace_seconds(net, sample, len(sample)) > EXHAUSTIVE_TRACE_SHARE * time_budget:
        # a wide net: tracing every input would take the search's time; a sample is traced, and
        # readings are run on every input (`DOMAIN_CHECKED`)
        sample, exhaustive = choose_inputs(net, exhaustive_limit=0, seed=seed)
    inputs = sample
    if not exhaustive:  # a sample: as many of its inputs as the net's size lets a share of the budget trace,
        # after inputs putting every token at every position (a line packing a token with its index)
        cover = covering_inputs(net.vocab, net.config.max_seq_len)
        covered = {tuple(xs) for xs in cover}
        inputs = cover + [xs for xs in _affordable(net, sample, TRACE_SHARE * time_budget, len(cover))
                          if tuple(xs) not in covered]
    trace = trace_net(net, inputs, exhaustive=exhaustive)
    traced = {tuple(xs) for xs in inputs}
    # the sample's untraced inputs still check a candidate that agrees on the traced ones (running
    # two nets costs far less than tracing one); where the whole domain is small enough, all of it
    domain = None if exhaustive else whole_domain(net.vocab, net.config.max_seq_len, net.config.causal,
                                                  DOMAIN_CHECKED)
    if domain is not None and _run_seconds(net, domain) > DOMAIN_SHARE * time_budget:
        domain = None  # a wide net: each reading run on every input would cost the search too much
    certify = Certifier(net, trace.inputs, trace.exhaustive, seed,
                        untraced=[xs for xs in (sample if domain is None else domain) if tuple(xs) not in traced],
                        domain=0 if domain is None else len(domain))
    certify.deadline = start + time_budget
    certify.scale_reach(time_budget)
    certify.unwritten = unwritten_outputs(trace)
    if net.categorical_output and net.none_threshold is not None and all(
            value is None for output in certify.expected for value in output):
        notes.append(f"the net outputs None on every input traced: no output logit reaches its none_threshold "
                     f"({net.none_threshold}), tracr's encoding of None; a model not compiled by tracr reads its "
                     "outputs by argmax (`Net.from_hooked_transformer(..., none_threshold=None)`, "
                     "`fountain import --argmax`)")
    best: tuple | None = None  # (agreement, program, lines, method, certificate)
    # the model's readings are certified as they stand (its spelling is the author's); programs
    # drawn uniformly are not (one may pass by chance, spelled far from the net's own lines)
    from_model = proposals == "model" and weights_only is not None
    for text in (texts if from_model else []) if run_net else texts[:1]:
        if best is not None and time.monotonic() > start + READINGS_SHARE * time_budget:
            break  # the model's readings as they stand: the search needs the rest of the budget
        try:
            program = compiler.parse(text)
        except compiler.SourceError:
            continue
        cert = certify(program)
        if best is None or _rank(cert) > _rank(best[4]):
            best = (cert.agreement, program, (), "model" if from_model else "uniform", cert)
        if cert.verified or not run_net:
            break
    if run_net and not (best and best[4].verified):
        # the grammar's functions rank first and the proposals' own after them: a proposal's wrong
        # lambda that fits a component (`x <= 0` where the net has `x > 0`) ranked first led the
        # search down its paths first (fifth hand-written set s04: 17 s with the model, 7 s without)
        library = Library()
        library.add_grammar(moduli=net_moduli(net))
        for text in texts:
            try:
                library.add_program(compiler.parse(text), "model" if from_model else "uniform")
            except compiler.SourceError:
                continue
        # the line-by-line search leaves a share of the budget to the behavioural one, which
        # reads nets whose components do not each compute one line (retrained nets)
        share = STRUCTURAL_SHARE_DENSE if trace.dense else STRUCTURAL_SHARE
        readings, branching = 0, BRANCHING[0]
        while True:
            searcher = LineSearch(trace, library, start + share * time_budget, branching=branching,
                                  complete_selects=certify.complete_selects,
                                  extrapolated_selects=certify.extrapolated_selects,
                                  fitted_functions=certify.fitted_functions)
            try:
                for program, lines in searcher.programs():
                    cert = certify(program, unread=_unread_components(program, lines, trace, ignored))
                    if refused is None and cert.reason.startswith("it does not compile"):
                        refused = (program, cert.reason)  # the search's first whole reading, as a rule
                    if best is None or _rank(cert) > _rank(best[4]):
                        best = (cert.agreement, program, lines, "search", cert)
                    if cert.verified or certify.extra_inputs:
                        break
                stuck = searcher.stuck
            except Exception as error:  # noqa: BLE001 - a fault in one search must not cost the answer
                notes.append(f"the line-by-line search {INTERNAL_ERROR} ({type(error).__name__}: "
                             f"{error}); please report it with this net")
                break
            extra, certify.extra_inputs = certify.extra_inputs, []
            if (best is not None and best[4].verified) or time.monotonic() > start + share * time_budget:
                break
            while extra and _trace_seconds(net, trace.inputs, len(trace.inputs) + len(extra)) > (
                    start + share * time_budget - time.monotonic()):
                extra = extra[:len(extra) // 2]  # as many as there is time to read the net again with
            if extra and readings < READINGS:
                # a candidate's tables missed values these inputs reach: read the net again with them
                readings += 1
                trace = trace_net(net, trace.inputs + extra, exhaustive=False, previous=trace)  # runs only the extra
                certify.add_inputs(extra)
                certify.unwritten = unwritten_outputs(trace)
                notes.append(f"read the net again with {len(extra)} more input(s) the certificate found the first "
                             "ones lacked (values a table had no entry for, or a disagreement they did not show)")
            elif branching < BRANCHING[-1]:
                # every path was taken with time to spare: take more options per component
                branching = next(b for b in BRANCHING if b > branching)
            else:
                break
        if not (best and best[4].verified) and time.monotonic() < start + time_budget:
            read = [best] if best else []
            try:
                for program in behavioural_programs(trace, start + time_budget):
                    cert = certify(program)
                    read.append((cert.agreement, program, (), "behaviour", cert))
                    if cert.verified or time.monotonic() > start + time_budget:
                        break
            except Exception as error:  # noqa: BLE001 - as above
                notes.append(f"the behavioural search {INTERNAL_ERROR} ({type(error).__name__}: "
                             f"{error}); please report it with this net")
            best = _simplest(read, exact=not trace.dense)
        if time.monotonic() > start + time_budget:
            notes.append(f"the search stopped at its time budget ({time_budget:g} s)" + (
                "" if best and best[4].verified else
                f"; a larger one searches further (`--time-budget {4 * time_budget:g}`, `time_budget=`)"))
    if best is None:
        return Decompiled("", False, trace.exhaustive, 0.0, len(trace.inputs), (), certify.compiled,
                          time.monotonic() - start, "search", weights_only, tuple(notes + ["nothing decoded"]))
    agreement, program, lines, method, cert = best
    shown = cert.program or program
    filled, guarded = changed_lines(program, shown, "function"), changed_lines(program, shown, "predicate")
    # a sum's factors in the tables it weighs, 5 for a reading of 4.9999, `2 * x + 3 * y` for a
    # table of labels 0, 1, 2, ... in the classes of that sum, `k == 5` for a select's table of
    # pairs and `1 if x == "C" else 0` for a map's of two values, where the net verifies them as well
    # (labels and tables are certified together first, one certificate where the budget is short,
    # and one at a time where together they are not verified)
    labels = functools.partial(readable_labels, value_sets=certify.compile_sets)
    tables = functools.partial(readable_tables, value_sets=certify.compile_sets)
    both = functools.partial(_both, first=labels, second=tables)
    rewrites = [folded_scales, rounded_constants, both, labels, tables]
    while rewrites:
        rewrite = rewrites.pop(0)
        spare = start + time_budget - time.monotonic() > ROUNDING_SHARE * time_budget
        rewritten = rewrite(shown) if cert.verified and spare else None
        if rewritten is not None:
            rewritten_cert = certify(rewritten)
            if rewritten_cert.verified:
                agreement, cert, shown = rewritten_cert.agreement, rewritten_cert, rewritten_cert.program or rewritten
                if rewrite is both:  # labels and tables, together: done
                    break
    if filled and cert.exhaustive and trace.exhaustive:  # on a sample, the certificate's caveat or reason says it
        notes.append(f"table line(s) {', '.join(filled)} had no entry for values their inputs may take but no input "
                     "gives; entries were filled in there (compile needs one for each)")
    elif filled and cert.exhaustive:  # a traced sample, and every input run (`DOMAIN_CHECKED`)
        notes.append(f"table line(s) {', '.join(filled)} had no entry for values no traced input gave; entries were "
                     "filled in there (compile needs one for each), and the answer agrees with the net on every input")
    if guarded:
        notes.append(f"the predicate(s) of {', '.join(guarded)} are guarded against None keys or queries, which the "
                     "net never selects (in RASP the unguarded one would select them, or be undefined there)")
    if not cert.verified and stuck:
        notes.append(f"the line-by-line search finished no program: no line explains {stuck}")
    if not cert.verified and refused and len(refused[0].nodes) <= REFUSED_SHOWN:
        # a net doing what RASP leaves undefined (a sort's tied words aggregated) is read right, and refused
        notes.append("the line-by-line search read a program that compile refuses, so it cannot be certified: "
                     f"{'; '.join(refused[0].source.splitlines())} ({refused[1].removeprefix('it ')})")
    if cert.reason:
        notes.append(f"not verified: {cert.reason}")
    if cert.caveat:
        notes.append(f"taken on trust: {cert.caveat}")
    return Decompiled(shown.source, cert.verified, cert.exhaustive, agreement, cert.inputs,
                      _line_fits(program, lines, shown), certify.compiled, time.monotonic() - start,
                      method if run_net else "weights-only", weights_only, tuple(notes))


def _both(program: prog.Program, first, second) -> prog.Program | None:
    """`second` applied to what `first` gives (or to `program`), where both change it; None
    otherwise (each is then tried alone)."""
    once = first(program)
    return None if once is None else second(once)


def _unread_components(program: prog.Program, lines: tuple, trace=None, ignored: dict | None = None
                       ) -> tuple[str, ...]:
    """The components of the net the search explained with lines `program` does not read: the
    program takes what they write to make no difference to the output, which agreeing on a sample
    does not show (the fortieth hand-written set's g03, a Latin square's clash counts, was read
    without its "solved" branch, whose width and flag no sampled input set: the branch was left
    out, the reading right on every input but complete squares). Not counted: a map or
    sequence_map of lines the program reads, where each component reading it has a line in the
    program computed from all of those (the letters of a cipher read back as the cipher's codes
    they relabel, the forty-first set's k22; a select's constant query `map(lambda i: 0, indices)`
    read as a fixed key `k == 0` over the indices, its k05): what the component reads there is a
    function of what that line reads, at the same position. Nor a line of two or more values on the
    rows that groups them as a line the program reads does: a copy (two heads counting alike, a
    width of `select(length, length, GEQ)` beside `length`), as far as the rows show. (A line of
    one value on the rows is counted: g03's "solved" flag was 0 on every row, and read as a table
    of 0s.) Nor a primitive (the length a head and an MLP compute) read only by MLPs that the
    `trace` shows ignore it (`_ignored_primitive`)."""
    used = {id(node) for node in program.nodes}
    read = {child.primitive for node in program.nodes for child in _reads(node) if isinstance(child, nodes.Primitive)}
    by_component: dict[str, list] = {}
    kept = []  # the row codes of the lines the program reads
    left_out = []
    for line in lines:
        node = line.var.node
        if id(node) in used or (isinstance(node, nodes.Primitive) and node.primitive in read):
            by_component.setdefault(line.component, []).append(node)
            kept.append(line.var.codes)
        else:
            left_out.append(line)
    unread = []
    for line in left_out:
        codes = line.var.codes
        if len(np.unique(codes)) > 1 and any(same_partition(codes, other) for other in kept):
            continue  # a line the program holds another copy of (two heads counting alike, a width of length)
        if not _read_through(line.var.node, line.var.readers, used, read, by_component) \
                and not _ignored_primitive(line, by_component, trace, {} if ignored is None else ignored):
            unread.append(line.component)
    return tuple(dict.fromkeys(unread))


def _ignored_primitive(line, by_component: dict[str, list], trace, ignored: dict) -> bool:
    """Whether `line`, a left-out primitive (`mlp_lines.PRIMITIVES`), is read only by MLPs each
    computing program lines that read primitives alone, and each ignores it on every input
    (`mlp_lines.ignores_primitive`; its answers kept in `ignored` by trace, layer and primitives,
    with the trace, so that its id is not reused)."""
    node, readers = line.var.node, line.var.readers
    if trace is None or not isinstance(node, nodes.Primitive) or node.primitive not in PRIMITIVES or not readers:
        return False
    for reader in readers:
        if reader[0] != "mlp":
            return False
        name = f"layer {reader[1]} MLP"
        ours = [n for component, found in by_component.items()
                if component == name or component.startswith(name + " ") for n in found]
        children = [child for n in ours for child in n.children]
        if not ours or not all(isinstance(child, nodes.Primitive) for child in children):
            return False
        read = tuple(sorted({child.primitive for child in children}))
        key = (id(trace), reader[1], node.primitive, read)
        if key not in ignored:
            ignored[key] = (trace, ignores_primitive(trace, reader[1], node.primitive, read))
        if not ignored[key][1]:
            return False
    return True


def _read_through(node: nodes.Node, readers: frozenset | None, used: set, read: set,
                  by_component: dict[str, list]) -> bool:
    """Whether `node`, left out, is a map or sequence_map of lines the program reads (through
    other such maps), each component reading it (`readers`) having a program line computed from
    all of those (through maps and sequence_maps)."""
    sources = _pointwise_sources(node, used, read)
    if sources is None or readers is None:
        return False
    for reader in readers:
        if reader[0] == "unembed":
            return False
        name = f"layer {reader[1]} MLP" if reader[0] == "mlp" else f"layer {reader[1]} head {reader[2]}"
        ours = [n for component, found in by_component.items()
                if component == name or component.startswith(name + " ") for n in found]
        if ours and not any(sources <= _pointwise_ancestors(n) for n in ours):
            return False
    return True


def _pointwise_sources(node: nodes.Node, used: set, read: set) -> set | None:
    """The program's lines (by id; tokens and indices by name) `node` is computed from at its own
    position, through maps and sequence_maps; None where it reads anything else."""
    if id(node) in used:
        return {id(node)}
    if isinstance(node, nodes.Primitive):
        return {node.primitive} if node.primitive in ("tokens", "indices") or node.primitive in read else None
    if not isinstance(node, (nodes.Map, nodes.SequenceMap, nodes.LinearSequenceMap)):
        return None
    found: set = set()
    for child in node.children:
        part = _pointwise_sources(child, used, read)
        if part is None:
            return None
        found |= part
    return found


def _pointwise_ancestors(node: nodes.Node) -> set:
    """What `node` is computed from at its own position (ids; primitives by name): its inputs,
    and theirs through maps and sequence_maps."""
    found: set = set()
    stack = [node]
    while stack:
        for child in _reads(stack.pop()):
            key = child.primitive if isinstance(child, nodes.Primitive) else id(child)
            if key in found:
                continue
            found.add(key)
            if isinstance(child, (nodes.Map, nodes.SequenceMap, nodes.LinearSequenceMap)):
                stack.append(child)
    return found


def _reads(node: nodes.Node) -> list[nodes.Node]:
    """What a line reads: its children, and a select's keys and queries."""
    return [part for child in node.children for part in (child, getattr(child, "keys", None),
                                                          getattr(child, "queries", None)) if part is not None]


def _affordable(net: Net, inputs: list[list], seconds: float, extra: int = 0) -> list[list]:
    """As many of `inputs` (a sample), spread evenly over it, as tracing `net` on, with `extra`
    inputs more, takes about `seconds`, and at least `MIN_TRACE_INPUTS` (see `_trace_seconds`)."""
    n = len(inputs)
    while n > MIN_TRACE_INPUTS and _trace_seconds(net, inputs, n + extra) > seconds:
        n = int(n * 0.8)
    n = max(n, min(MIN_TRACE_INPUTS, len(inputs)))
    return inputs if n >= len(inputs) else [inputs[i * len(inputs) // n] for i in range(n)]


#: The share of the budget that must be left for a verified answer's numerical tables to be
#: certified again with the factors of the sums reading them folded in (`folded_scales`: one
#: more certificate), again with round numbers (`rounded_constants`), again for its tables of
#: labels to be certified as weighted sums (`relabel.readable_labels`), and again for its tables
#: of pairs and of two values as the predicates and conditions they are (`readable_tables`).
ROUNDING_SHARE = 0.1


#: Fewer tokens than any program line takes (`v1 = select(tokens, tokens, EQ)` is 10 with its newline).
MIN_LINE_TOKENS = 8


def _min_program_tokens(net: Net) -> int:
    """A lower bound on the tokens of a program this net computes: a line for each head that
    writes (a select, too, reads as its own line, but a head may share one) and for each MLP
    block that writes, at `MIN_LINE_TOKENS` each. The beam search judges its pace by it."""
    w = Weights(net)
    writers = sum(bool(np.any(w.W_O[layer, head])) for layer in range(net.config.n_layers)
                  for head in range(net.config.n_heads))
    writers += sum(bool(np.any(w.W_out[layer])) for layer in range(net.config.n_layers))
    return MIN_LINE_TOKENS * writers


def _trace_seconds(net: Net, inputs: list[list], n: int) -> float:
    """About how long tracing `net` on `n` inputs takes: the time per input on a pilot of
    `MIN_TRACE_INPUTS` (measured once per net), and a little more than linear in the inputs (the
    rows of every neuron group are partitioned). A net of d_model 385 with 300 hidden neurons (a
    sort over 30 integers, length 10) traced its 1,630 sampled inputs in 50 s."""
    def measure() -> float:
        spread = inputs[::max(1, len(inputs) // MIN_TRACE_INPUTS)][:MIN_TRACE_INPUTS]
        trace_net(net, spread[:1])  # what a first trace builds once per net (the float64 weights) is not per input
        began = time.monotonic()
        trace_net(net, spread)
        return (time.monotonic() - began) / len(spread)

    if n <= MIN_TRACE_INPUTS:
        return 0.0
    return net.cached("trace seconds per input", measure) * MIN_TRACE_INPUTS * (n / MIN_TRACE_INPUTS) ** 1.2


def _run_seconds(net: Net, inputs: list[list], pilot: int = 200) -> float:
    """About how long running `net` on `inputs` takes, from a pilot of `pilot` of them spread
    over the list (which runs shortest first)."""
    spread = inputs[::max(1, len(inputs) // pilot)][:pilot]
    net.run(spread[-1:])  # the first run plans the net's kernels
    began = time.monotonic()
    net.run(spread)
    return (time.monotonic() - began) * len(inputs) / len(spread)


def _rank(cert) -> tuple:
    """How good a reading's certificate is: verified first, then the share of inputs it agrees on,
    then not undefined where inputs reach a table's missing entries (a reading read again with
    those inputs has the net's entries there, where the first had guesses: ninth hand-written set
    w02 answered with the first, and a reason the second reading had already put right)."""
    return cert.verified, cert.agreement, not cert.undefined


def _simplest(results: list[tuple], exact: bool = False) -> tuple | None:
    """The first verified result; else, for a net whose components write exact values (`exact`:
    compiled, scrambled), the one agreeing on most inputs, fewest lines and entries among those;
    else the one whose agreement, counted in inputs, most exceeds its size (`_size`): each line and
    table entry must explain one more input than a smaller reading does (a minimum description
    length: a program that also fits a few of a trained net's own mistakes by a large table is not
    a better reading of it). A compiled net's reading that agrees everywhere but has table entries
    no input was found for is not traded for a smaller one agreeing on two thirds (fifteenth
    hand-written set c06 was, before weighted sums were in the library)."""
    if not results:
        return None
    for result in results:
        if result[4].verified:
            return result
    if exact:
        return max(results, key=lambda r: (_rank(r[4]), -_size(r[1])))
    return max(results, key=lambda r: r[4].agreement * r[4].inputs - _size(r[1]))


def _size(program: prog.Program) -> int:
    """Lines plus the entries of their tables and predicate tables."""
    size = 0
    for node in program.nodes:
        size += 1
        for part in (getattr(node, "function", None), getattr(node, "predicate", None)):
            size += len(getattr(part, "entries", ())) + len(getattr(part, "pairs", ()))
    return size


def _line_fits(program: prog.Program, lines: tuple, shown: prog.Program) -> tuple[LineFit, ...]:
    """Each line of the program with the component the search matched it to; the text is
    `shown`'s (the program as certified: its tables filled in where compile needed it)."""
    if not lines:
        return ()
    by_node = {id(line.var.node): line for line in lines}
    for line in lines:  # a select is computed by the head of the line that reads it
        selector = getattr(line.var.node, "selector", None)
        if selector is not None:
            by_node.setdefault(id(selector), line)
    fits = []
    for node, text in zip(program.nodes, shown.source.splitlines()):
        line = by_node.get(id(node))
        fits.append(LineFit(text, line.component if line else "-", 1.0 if line else 0.0,
                            line.source if line else "-"))
    return tuple(fits)


def matched_draws(net: Net, encoder: EncoderConfig, error: EncodingError, count: int, seed: int,
                   deadline: float, notes: list[str]) -> tuple[list[str], str | None]:
    """Weights-only decoding of a net the model cannot read: `count` programs drawn from the
    grammar (`uniform_proposals`), matched with the net's weights and edited until `deadline`
    under the encoder without its limits. Returns the texts, the matched one first, and it (None
    when nothing matched); says what it did in `notes`."""
    texts = uniform_proposals(net, count, seed)
    unlimited = matching_encoder(encoder)
    try:
        target = encode_net(net, unlimited, deadline)
    except EncodingError as why:
        notes.append(f"weights-only: the model cannot read this net ({error.reason}), and its weights could not "
                     f"be encoded to match programs with them ({why}); the answer is a program drawn from the grammar")
        return texts, None
    matched = match(net, texts, target, unlimited, deadline)
    if not matched.source:
        return texts, None
    notes.append(f"weights-only: the model cannot read this net ({error.reason}: more than it was trained to read); "
                 f"{matched.candidates} programs ({count} drawn from the grammar and edits of them) matched with "
                 f"the net's weights ({matched.compiled} nets compiled); the answer's encoding shares "
                 f"{matched.similarity:.1%} of the net's tokens ({matched.seconds:.1f} s)")
    return [matched.source] + [t for t in texts if t != matched.source], matched.source


def uniform_proposals(net: Net, count: int, seed: int) -> list[str]:
    """Programs drawn uniformly from the grammar with the net's vocabulary and length: the
    proposals of the ablation, and of a net the model cannot read."""
    vocab = tuple(sorted(net.vocab, key=value_sort_key))
    try:
        programs = generator.sample_programs(count, seed=seed, vocab=vocab, max_seq_len=net.config.max_seq_len,
                                             max_ops=8, check=False)
    except Exception:  # noqa: BLE001 - a vocabulary the sampler cannot use gives no proposals, not an error
        return []
    return [p.source for p in programs]
