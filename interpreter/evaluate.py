"""How well an interpreter reads programs back: exact match, functional equivalence, parse rate,
token accuracy, per-operation and per-size accuracy, for each variant (compiled, scrambled,
retrained) and for programs from tracr's `lib.py` (out of distribution).

* exact: the decoded canonical text equals the true one;
* same weights: exact, or the decoded program compiles to the true program's own weights (up to
  the order of neurons and heads: `weights_match.same_weights`) though spelled otherwise
  (`max(x, y)` for `x or y` where they agree on the values read): as right as weights can show;
* functional: the decoded program compiles (with the net's vocabulary and max_seq_len) and its
  network gives the true program's outputs (`compiler.compiling.check.outputs_agree`) on every input up to
  max_seq_len, or on `samples` seeded random inputs when there are more than `exhaustive_limit`;
  a program that does not compile counts as wrong. The true outputs come from the true program's
  compiled network, which the fountain checked against the program. A retrained net only
  imitates its program, so for it the inputs compared are those on which it gives its program's
  outputs (a program is right for a retrained net when it agrees where the net is right);
* parses: `compiler.parse` accepts the text (constrained decoding should make this 100%);
  `truncated` counts programs the decoder had to end early to keep them parseable;
* token accuracy: next-token accuracy with the true prefix (teacher forcing);
* per operation: for each kind of line in the true program, how often line i of the decoded
  program equals line i of the true one.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import itertools
import random
import re
import statistics
import time
import warnings
from pathlib import Path
from typing import Callable, Sequence

import compiler
from compiler.compiling.check import all_inputs, outputs_agree, random_inputs
from compiler.nets.net import Net
from interpreter.certify import outputs_of
from interpreter.data import Example, Source, encode_examples, load_examples
from interpreter.decode import load_interpreter, log_likelihoods, search, search_all
from interpreter.encoding import EncodedNet, EncodingError, encode_net
from interpreter.model import Interpreter
from interpreter.tracr_library import OUT_OF_DISTRIBUTION, net_domain, tracr_library_examples, tracr_library_own_vocab
from interpreter.train import teacher_forced
from interpreter.weights_match import match, same_weights

_OPERATION = re.compile(r"^v\d+ = ((?:numerical )?\w+)\(")


@dataclasses.dataclass(frozen=True)
class Scored:
    """A net, its true program and the program read back from it, scored."""

    program_id: str
    variant: str
    n_ops: int
    source: str
    decoded: str
    exact: bool
    functional: bool


@dataclasses.dataclass(frozen=True)
class Outcome(Scored):
    """One net decoded by the model's weights alone."""

    parses: bool
    truncated: bool
    why: str  # why it is not functional ("" when it is)
    same_weights: bool = False  # exact, or compiles to the true program's own weights (module docstring)


@dataclasses.dataclass
class EvalReport:
    outcomes: list[Outcome]
    token_accuracy: dict[str, float]           # per variant
    skipped: dict[str, collections.Counter]    # per variant: nets the encoder or length limit left out

    def variants(self) -> list[str]:
        seen = {o.variant for o in self.outcomes} | set(self.skipped)
        order = ["compiled", "scrambled", "retrained", OUT_OF_DISTRIBUTION]
        return [v for v in order if v in seen] + sorted(seen - set(order))

    def summary(self) -> list[dict]:
        """One row per variant: counts and rates (skipped nets count as wrong)."""
        rows = []
        for variant in self.variants():
            outcomes = [o for o in self.outcomes if o.variant == variant]
            total = len(outcomes) + sum(self.skipped.get(variant, {}).values())
            rows.append({"variant": variant, "nets": total, "skipped": total - len(outcomes),
                         "exact": _rate(sum(o.exact for o in outcomes), total),
                         "same_weights": _rate(sum(o.same_weights for o in outcomes), total),
                         "functional": _rate(sum(o.functional for o in outcomes), total),
                         "parses": _rate(sum(o.parses for o in outcomes), len(outcomes)),
                         "truncated": _rate(sum(o.truncated for o in outcomes), len(outcomes)),
                         "token_accuracy": self.token_accuracy.get(variant)})
        return rows

    def by_size(self) -> dict[str, dict[int, tuple[int, float, float, float]]]:
        """Per variant, per number of operations: (nets, exact, same-weights and functional rates)."""
        table: dict[str, dict[int, tuple[int, float, float, float]]] = {}
        for variant in self.variants():
            groups = collections.defaultdict(list)
            for o in self.outcomes:
                if o.variant == variant:
                    groups[o.n_ops].append(o)
            table[variant] = {n: (len(g), _rate(sum(o.exact for o in g), len(g)),
                                  _rate(sum(o.same_weights for o in g), len(g)),
                                  _rate(sum(o.functional for o in g), len(g))) for n, g in sorted(groups.items())}
        return table

    def by_operation(self) -> dict[str, tuple[int, float]]:
        """Per kind of operation in the true programs: (lines, rate decoded exactly in place)."""
        counts: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
        for o in self.outcomes:
            decoded = o.decoded.splitlines()
            for i, line in enumerate(o.source.splitlines()):
                match = _OPERATION.match(line)
                if match:
                    counts[match.group(1)][0] += 1
                    counts[match.group(1)][1] += i < len(decoded) and decoded[i] == line
        return {kind: (n, _rate(good, n)) for kind, (n, good) in sorted(counts.items(), key=lambda kv: -kv[1][0])}

    def format(self, examples: int = 0) -> str:
        """The tables as text, and the first `examples` decoded programs beside their source."""
        lines = [_table(["variant", "nets", "skipped", "exact", "same weights", "functional", "parses", "truncated",
                         "token acc"],
                        [[r["variant"], r["nets"], r["skipped"], _pct(r["exact"]), _pct(r["same_weights"]),
                          _pct(r["functional"]), _pct(r["parses"]), _pct(r["truncated"]), _pct(r["token_accuracy"])]
                         for r in self.summary()])]
        size_rows = [[variant, n, count, _pct(exact), _pct(same), _pct(functional)]
                     for variant, sizes in self.by_size().items()
                     for n, (count, exact, same, functional) in sizes.items()]
        lines += ["", _table(["variant", "ops", "nets", "exact", "same weights", "functional"], size_rows)]
        lines += ["", _table(["operation", "lines", "decoded in place"],
                             [[kind, n, _pct(rate)] for kind, (n, rate) in self.by_operation().items()])]
        for o in self.outcomes[:examples]:
            verdict = ("exact" if o.exact else "same weights" if o.same_weights else "same function" if o.functional
                       else f"wrong ({o.why})")
            lines += ["", f"--- {o.variant} {o.program_id}: {verdict}", "true:", o.source.rstrip(),
                      "decoded:", o.decoded.rstrip()]
        return "\n".join(lines)

    def plot(self, path: str | Path) -> Path:
        """Weights-only decoding: exact, same-weights and functional share per variant (n in the labels), the
        functional share by program size (one line per variant, offset so that none hides
        another, nets per size beside each point), and per-operation lines decoded in place."""
        from compiler.plots import pyplot, save_figure

        plt = pyplot()
        figure, (left, middle, right) = plt.subplots(1, 3, figsize=(17, 4.8))
        rows = self.summary()
        _bars(left, [f"{r['variant']}\n(n={r['nets']})" for r in rows],
              {"exact": [r["exact"] or 0 for r in rows], "same weights": [r["same_weights"] or 0 for r in rows],
               "functional": [r["functional"] or 0 for r in rows]})
        left.set_title("weights-only decoding by variant")
        variants = self.by_size()
        for k, (variant, sizes) in enumerate(variants.items()):
            shift = 0.12 * (k - (len(variants) - 1) / 2)
            xs = [n + shift for n in sizes]
            ys = [f for _, _, _, f in sizes.values()]
            middle.plot(xs, ys, marker="osD^v<>"[k % 7], linestyle=("-", "--", ":", "-.")[k % 4], label=variant,
                        alpha=0.85)
            for x, y, (n, _, _, _) in zip(xs, ys, sizes.values()):
                middle.annotate(str(n), (x, y), textcoords="offset points", xytext=(0, 5 + 8 * k), ha="center",
                                fontsize=6, color=middle.lines[-1].get_color())
        middle.set_xlabel("operations in the true program (numbers: nets of that size)")
        middle.set_ylabel("share functional")
        middle.set_ylim(-0.03, 1.08)
        middle.set_title("functional by program size")
        middle.legend(fontsize=7)
        operations = self.by_operation()
        names = list(operations)[::-1]
        right.barh([f"{kind} (n={operations[kind][0]})" for kind in names], [operations[k][1] for k in names],
                   color="#55a868")
        for y, kind in enumerate(names):
            right.annotate(f"{operations[kind][1]:.0%}", (operations[kind][1], y), textcoords="offset points",
                           xytext=(3, 0), va="center", fontsize=6)
        right.set_xlim(0, 1.1)
        right.set_xlabel("share of the true program's lines decoded in place")
        right.set_title("by operation")
        right.tick_params(axis="y", labelsize=7)
        figure.tight_layout()
        return save_figure(figure, path)


def _bars(axis, labels: Sequence[str], series: dict[str, Sequence[float]]) -> None:
    """Grouped bars of shares in [0, 1], each labelled with its value (a zero shows as "0%")."""
    width = 0.8 / len(series)
    for k, (name, values) in enumerate(series.items()):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(labels))]
        axis.bar(xs, values, width, label=name)
        for x, value in zip(xs, values):
            axis.annotate(f"{value:.0%}", (x, value), textcoords="offset points", xytext=(0, 2), ha="center",
                          fontsize=6)
    axis.set_xticks(range(len(labels)), labels, fontsize=7)
    axis.set_ylim(0, 1.1)
    axis.set_ylabel("share of nets")
    axis.legend(fontsize=7)


def evaluate_model(model: Interpreter | str, data: Source, split: str | None = "test", *, beam_size: int = 1,
             limit: int | None = None, samples: int = 200, exhaustive_limit: int = 5000, seed: int = 0,
             out_of_distribution: bool = True, progress: Callable[[int, int], None] | None = None,
             device: str | None = None, match_seconds: float | None = None, variants: Sequence[str] | None = None,
             max_ops: int | None = None) -> EvalReport:
    """Decodes the nets of `split` of `data` (a corpus directory or a list of examples; only
    `variants` and programs of at most `max_ops` operations when given, then at most `limit` per
    variant) with `model` (or a checkpoint path) and scores them (module docstring). With
    `out_of_distribution`, also tracr's library programs compiled with the test nets' vocabulary
    and max_seq_len. With `match_seconds`, each net's `beam_size` beams are compiled, matched with
    its weights and edited for at most that long (`interpreter.weights_match`), and the best match
    is scored instead of the best beam: what `decompile(run_net=False)` answers, for every net (a
    program too long for the decoder to spell is matched from the beams it can spell, a net too
    big for the model to read from programs drawn from the grammar); without it such nets are
    skipped and count as wrong."""
    if not isinstance(model, Interpreter):
        model = load_interpreter(model, device)
    examples = _limited([e for e in load_examples(data, split) if (variants is None or e.variant in variants)
                         and (max_ops is None or e.n_ops <= max_ops)], limit)
    if out_of_distribution and examples:
        examples += tracr_library_examples(examples[0].net)
    config = model.config
    items, skipped_all, unread = [], {}, []
    for variant in dict.fromkeys(e.variant for e in examples):
        group = [e for e in examples if e.variant == variant]
        kept, skipped = encode_examples(group, config.encoder, config.max_target_len)
        items += kept
        if match_seconds is not None:
            encoded = {id(item.example) for item in kept}
            unread += [e for e in group if id(e) not in encoded]
        elif skipped:
            skipped_all[variant] = skipped
    decoded = [item.example for item in items] + unread
    if match_seconds is None:
        readings = [(d.text, d.truncated) for d in search(model, [item.tokens for item in items], beam_size=beam_size)]
    else:  # one net at a time, so that progress reports each
        readings = itertools.chain((_matched(model, item.example.net, item.tokens, beam_size, match_seconds)
                                    for item in items),
                                   (_matched_unread(model, example.net, beam_size, match_seconds, seed)
                                    for example in unread))
    outcomes = []
    for index, (example, (text, truncated)) in enumerate(zip(decoded, readings)):
        outcomes.append(_score(example, text, truncated, samples, exhaustive_limit, seed))
        if progress:
            progress(index + 1, len(decoded))
    accuracy = {variant: teacher_forced(model, [i for i in items if i.example.variant == variant],
                                        next(model.parameters()).device)[1]
                for variant in dict.fromkeys(i.example.variant for i in items)}
    return EvalReport(outcomes, accuracy, skipped_all)



def _matched(model: Interpreter, net: Net, tokens: EncodedNet, beam_size: int, seconds: float) -> tuple[str, bool]:
    """The weights-only reading `decompile(run_net=False)` gives (the beams matched with the net's
    weights and edited), and whether the decoder had to truncate it (the best beam's flag when
    no candidate compiled)."""
    began = time.monotonic()
    beams = search_all(model, tokens, beam_size=beam_size)
    if not beams:
        return "", False
    matched = match(net, [b.text for b in beams], tokens, model.config.encoder, began + seconds,
                    prefer=lambda texts: log_likelihoods(model, tokens, texts))
    if not matched.source:
        return beams[0].text, beams[0].truncated
    return matched.source, False


def _matched_unread(model: Interpreter, net: Net, beam_size: int, seconds: float, seed: int) -> tuple[str, bool]:
    """`_matched` for a net left out of the model's scores: one whose program is longer than the
    decoder spells (its beams are matched all the same), or one too big for the model to read
    (programs drawn from the grammar are matched instead, as `decompile(run_net=False)` does)."""
    from interpreter.verified import matched_draws

    began = time.monotonic()
    try:
        tokens = encode_net(net, model.config.encoder)
    except EncodingError as error:
        texts, matched = matched_draws(net, model.config.encoder, error, beam_size, seed, began + seconds, [])
        return matched or (texts[0] if texts else ""), False
    return _matched(model, net, tokens, beam_size, max(seconds - (time.monotonic() - began), 0.0))


def evaluate(*args, **kwargs) -> EvalReport:
    """The old name of `evaluate_model` (`compiler.evaluate` is the reference semantics of a
    program; this scores an interpreter): warns, then calls it."""
    warnings.warn("interpreter.evaluate is now interpreter.evaluate_model", DeprecationWarning, stacklevel=2)
    return evaluate_model(*args, **kwargs)

def _limited(examples: list[Example], limit: int | None) -> list[Example]:
    if limit is None:
        return examples
    taken: collections.Counter = collections.Counter()
    kept = []
    for example in examples:
        if taken[example.variant] < limit:
            taken[example.variant] += 1
            kept.append(example)
    return kept


def _score(example: Example, text: str, truncated: bool, samples: int, exhaustive_limit: int,
           seed: int) -> Outcome:
    parses = _parses(text)
    why = functional_difference(text, example, samples, exhaustive_limit, seed) if parses else "does not parse"
    exact = text == example.source
    same = exact or (why == "" and same_weights(text, example.source, example.net))
    return Outcome(example.program_id, example.variant, example.n_ops, example.source, text,
                   exact, why == "", parses, truncated, why, same)


def functional_difference(text: str, example: Example, samples: int = 200, exhaustive_limit: int = 5000,
                          seed: int = 0) -> str:
    """"" when `text` computes what `example`'s program computes on its net's inputs (module
    docstring), else what differs. A retrained net only imitates its program, so for one the
    inputs compared are those on which the net agrees with its program."""
    if text == example.source:
        return ""
    vocab, max_seq_len, causal = net_domain(example.net)
    try:
        truth = _true_net(example.source, tuple(sorted(vocab, key=repr)), max_seq_len, causal)
    except compiler.CompileError as error:
        # a program this version refuses (a corpus built before a new guard): a compiled or
        # scrambled net was checked against its program when the corpus was built, so it stands in
        if example.variant not in ("compiled", "scrambled"):
            return f"the true program does not compile: {str(error).splitlines()[0][:120]}"
        truth = example.net
    return net_difference(text, truth, example.net, samples, exhaustive_limit, seed,
                          only_where_net_agrees=example.variant == "retrained")


def net_difference(text: str, reference: Net, like: Net | None = None, samples: int = 200,
                   exhaustive_limit: int = 5000, seed: int = 0, only_where_net_agrees: bool = False) -> str:
    """"" when the program `text`, compiled for `like`'s domain (default: `reference`'s), gives
    `reference`'s outputs on every input (or on `samples` seeded ones), else what differs. With
    `only_where_net_agrees`, only the inputs on which `like` itself gives `reference`'s outputs
    are compared (a retrained net is judged where it is right)."""
    vocab, max_seq_len, causal = net_domain(like or reference)
    try:
        program = compiler.parse(text)
        decoded = compiler.compile_program(program, vocab=set(vocab), max_seq_len=max_seq_len, causal=causal,
                                           build_unproven=True, sorted_inputs=False)
    except Exception as error:  # noqa: BLE001 - whatever stops a decoded program compiling makes it wrong
        return f"does not compile: {type(error).__name__}: {str(error).splitlines()[0][:80] if str(error) else ''}"
    decoded = outputs_of(program, decoded)  # as the certificate judges it
    truth = reference
    inputs = all_inputs(vocab, max_seq_len, exhaustive_limit)
    if inputs is None:
        inputs = random_inputs(vocab, max_seq_len, samples, random.Random(seed))
    try:
        outputs = decoded.run(inputs)
    except (ValueError, ArithmeticError, TypeError) as error:  # a decoded program whose net cannot run is wrong
        return f"its net does not run: {type(error).__name__}: {str(error).splitlines()[0][:80] if str(error) else ''}"
    judged = like.run(inputs) if only_where_net_agrees and like is not None else None
    for i, (xs, want, got) in enumerate(zip(inputs, truth.run(inputs), outputs)):
        if judged is not None and not outputs_agree(want, judged[i]):
            continue
        if not outputs_agree(want, got):
            return f"differs on {xs}"
    return ""


@functools.lru_cache(maxsize=256)
def _true_net(source: str, vocab: tuple, max_seq_len: int, causal: bool) -> Net:
    return compiler.compile_program(source, vocab=set(vocab), max_seq_len=max_seq_len, causal=causal)


def _rate(good: int, total: int) -> float | None:
    return good / total if total else None


def _pct(rate: float | None) -> str:
    return "-" if rate is None else f"{100 * rate:.1f}%"


def _table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in [header, *rows])


# ---------------------------------------------------------------------------------------
# Verified decompilation beside weights-only decoding


@dataclasses.dataclass(frozen=True)
class DecompileOutcome(Scored):
    """One net read back by `interpreter.decompile`, and by the model's weights alone.

    `functional`: the decoded program computes what the net's true program computes (the
    variant's reference: for a retrained net, its program, which the net only imitates);
    `false_certificate`: `verified`, yet the decoded program's compiled net differs from the net
    in an independent comparison (`net_difference`); this must never happen."""

    verified: bool
    false_certificate: bool
    agreement: float
    seconds: float
    candidates: int
    method: str
    weights_only: str | None       # the model's own reading (None without a model)
    weights_only_exact: bool
    weights_only_functional: bool
    internal_errors: int = 0        # searches the decompiler stopped on a fault of its own: must be 0


@dataclasses.dataclass
class DecompileReport:
    outcomes: list[DecompileOutcome]
    proposals: str                 # "model" or "uniform"
    time_budget: float

    def variants(self) -> list[str]:
        order = ["compiled", "scrambled", "retrained", OUT_OF_DISTRIBUTION, OUT_OF_DISTRIBUTION + " scrambled"]
        seen = list(dict.fromkeys(o.variant for o in self.outcomes))
        return [v for v in order if v in seen] + [v for v in seen if v not in order]

    def summary(self) -> list[dict]:
        """One row per variant: weights-only exact/functional (with a model), then verified
        decoding's exact, functional, verified, false certificates, seconds and candidates."""
        rows = []
        for variant in self.variants():
            got = [o for o in self.outcomes if o.variant == variant]
            n = len(got)
            model = [o for o in got if o.weights_only is not None]
            rows.append({
                "variant": variant, "nets": n,
                "weights_only_exact": _rate(sum(o.weights_only_exact for o in model), n) if model else None,
                "weights_only_functional": _rate(sum(o.weights_only_functional for o in model), n) if model else None,
                "exact": _rate(sum(o.exact for o in got), n),
                "functional": _rate(sum(o.functional for o in got), n),
                "verified": _rate(sum(o.verified for o in got), n),
                "false_certificates": sum(o.false_certificate for o in got),
                "median_seconds": statistics.median(o.seconds for o in got) if got else None,
                "mean_seconds": statistics.fmean(o.seconds for o in got) if got else None,
                "mean_candidates": statistics.fmean(o.candidates for o in got) if got else None,
            })
        return rows

    def format(self, examples: int = 0) -> str:
        header = ["variant", "nets", "w-only exact", "w-only functional", "exact", "functional", "verified",
                  "false certs", "median s", "mean s", "candidates"]
        rows = [[r["variant"], r["nets"], _pct(r["weights_only_exact"]), _pct(r["weights_only_functional"]),
                 _pct(r["exact"]), _pct(r["functional"]), _pct(r["verified"]), r["false_certificates"],
                 f"{r['median_seconds']:.2f}", f"{r['mean_seconds']:.2f}", f"{r['mean_candidates']:.1f}"]
                for r in self.summary()]
        title = (f"verified decoding ({'the model' if self.proposals == 'model' else 'uniform'} proposals, "
                 f"{self.time_budget:g} s budget) beside weights-only decoding")
        lines = [title, _table(header, rows)]
        faults = [o for o in self.outcomes if o.internal_errors]
        if faults:  # caught so that the net still gets an answer, but each is a bug to report
            lines.append(f"internal errors (must be 0): {len(faults)} nets, e.g. {faults[0].variant} "
                         f"{faults[0].program_id}")
        missed = [o for o in self.outcomes if not o.verified]
        for o in missed[:examples]:
            lines += ["", f"--- not verified: {o.variant} {o.program_id} ({o.seconds:.1f} s, agrees on "
                          f"{100 * o.agreement:.1f}%)", "true:", o.source.rstrip(),
                      "decoded:", o.decoded.rstrip() or "-"]
        return "\n".join(lines)

    def plot(self, path: str | Path) -> Path:
        """Verified decoding: verified, functional and exact share per variant (n in the labels;
        false certificates, which must be 0, in the title), and seconds per net (each net a dot,
        verified ones blue, the median a bar)."""
        from compiler.plots import pyplot, save_figure

        plt = pyplot()
        figure, (left, right) = plt.subplots(1, 2, figsize=(15, 4.8), gridspec_kw={"width_ratios": [3, 2]})
        rows = self.summary()
        labels = [f"{r['variant']}\n(n={r['nets']})" for r in rows]
        _bars(left, labels, {"verified": [r["verified"] or 0 for r in rows],
                             "functional": [r["functional"] or 0 for r in rows],
                             "exact": [r["exact"] or 0 for r in rows]})
        false = sum(r["false_certificates"] for r in rows)
        left.set_title(f"verified decoding ({self.proposals} proposals, {self.time_budget:g} s budget); "
                       f"false certificates: {false}", fontsize=9)
        for i, row in enumerate(rows):
            got = [o for o in self.outcomes if o.variant == row["variant"]]
            jitter = random.Random(i)
            for o in got:
                right.scatter(o.seconds, i + jitter.uniform(-0.25, 0.25), s=8, alpha=0.6,
                              color="#4c72b0" if o.verified else "#c44e52")
            right.plot([row["median_seconds"]] * 2, [i - 0.35, i + 0.35], color="black", linewidth=2)
        right.set_yticks(range(len(rows)), labels, fontsize=7)
        right.invert_yaxis()
        right.set_xscale("log")
        from matplotlib.ticker import FuncFormatter, NullFormatter

        right.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        right.xaxis.set_minor_formatter(NullFormatter())
        right.set_xlabel("seconds per net (log; blue verified, red not; bar: median)")
        right.set_title("time", fontsize=9)
        figure.tight_layout()
        return save_figure(figure, path)


def evaluate_decompiler(data: Source, checkpoint: Interpreter | str | None = None, split: str | None = "test", *,
                        proposals: str = "model", limit: int | None = None, time_budget: float = 10.0,
                        beam_size: int = 8, out_of_distribution: bool = True, seed: int = 0,
                        variants: Sequence[str] | None = None, max_ops: int | None = None, retrained: int = 0,
                        progress: Callable[[int, int], None] | None = None,
                        device: str | None = None) -> DecompileReport:
    """`interpreter.decompile` on the nets `decompiler_examples` chooses, each scored against its
    true program and its certificate checked independently. To run several searches on the same
    nets, build them once with `decompiler_examples` and pass the list as `data` (split None)."""
    from interpreter.verified import INTERNAL_ERROR, decompile

    model = None
    if proposals == "model":
        model = checkpoint if isinstance(checkpoint, Interpreter) else load_interpreter(checkpoint, device)
    examples = decompiler_examples(data, split, limit=limit, variants=variants, max_ops=max_ops, retrained=retrained,
                                   out_of_distribution=out_of_distribution, seed=seed)
    outcomes = []
    for index, example in enumerate(examples):
        result = decompile(example.net, model, time_budget=time_budget, beam_size=beam_size, proposals=proposals,
                           seed=seed)
        functional = result.source != "" and functional_difference(result.source, example, seed=seed) == ""
        false = result.verified and net_difference(result.source, example.net, seed=seed + 1) != ""
        w_only = result.weights_only
        outcomes.append(DecompileOutcome(
            example.program_id, example.variant, example.n_ops, example.source, result.source,
            result.source == example.source, functional, result.verified, false, result.agreement, result.seconds,
            result.candidates, result.method, w_only, w_only == example.source,
            w_only is not None and _parses(w_only) and functional_difference(w_only, example, seed=seed) == "",
            sum(INTERNAL_ERROR in note for note in result.notes)))
        if progress:
            progress(index + 1, len(examples))
    return DecompileReport(outcomes, proposals, time_budget)


def decompiler_examples(data: Source, split: str | None = "test", *, limit: int | None = None,
                        variants: Sequence[str] | None = None, max_ops: int | None = None, retrained: int = 0,
                        out_of_distribution: bool = True, seed: int = 0,
                        progress: Callable[[int, int], None] | None = None) -> list[Example]:
    """The nets of `split` of `data` (only `variants` and programs of at most `max_ops` operations
    when given, then at most `limit` per variant);
    with `retrained`, also this many of the split's programs retrained from scratch
    (`compiler.retrain`, 2,000 steps at most) as the "retrained" variant; with
    `out_of_distribution`, tracr's 14 lib programs with their own vocabularies, compiled and
    scrambled. `progress(done, total)` is called after each net retrained."""
    every = [e for e in load_examples(data, split) if max_ops is None or e.n_ops <= max_ops]
    examples = _limited([e for e in every if variants is None or e.variant in variants], limit)
    chosen = [e for e in every if e.variant == "compiled"][:retrained]
    for index, example in enumerate(chosen):
        net = compiler.retrain(example.net, seed=seed, max_steps=2000)
        examples.append(dataclasses.replace(example, net=net, variant="retrained"))
        if progress:
            progress(index + 1, len(chosen))
    if out_of_distribution:
        library = tracr_library_own_vocab()
        examples += library + [dataclasses.replace(e, net=compiler.scramble(e.net, seed=seed),
                                                   variant=OUT_OF_DISTRIBUTION + " scrambled") for e in library]
    return examples


def _parses(text: str) -> bool:
    try:
        compiler.parse(text)
    except compiler.SourceError:
        return False
    return True
