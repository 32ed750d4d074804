"""`fountain demo`: the whole pipeline, end to end, in about ten minutes on a laptop CPU.

1. Imports programs from tracr's library into source text, parses the text back, checks the
   parsed programs against tracr's own evaluation of the originals on random inputs, and
   round-trips the text through the interpreter's tokenizer.
2. Draws programs from the fountain, compiles each to a network, and checks every network
   against its program on every input up to max_seq_len.
3. Builds the `small` corpus (compiled and scrambled nets; resumable, so a second run reuses it).
4. Trains an interpreter on it for a time budget.
5. Retrains a few held-out programs from scratch (torch) to get "natural" nets the interpreter
   has never seen the like of.
6. Evaluates the interpreter on the held-out compiled, scrambled and retrained nets and on
   tracr's library, and prints decoded programs beside their true source.
7. Decompiles held-out nets with verification (`fountain decompile`: the model proposes, the
   net checks every line, the answer comes with a certificate), beside weights-only decoding.
"""

from __future__ import annotations

import dataclasses
import math
import os
import random
import time
from pathlib import Path
from typing import TextIO

from tracr.compiler import lib
from tracr.rasp import rasp

import compiler
import generator
from compiler.compiling.check import check_net
from compiler.language import tokenizer

_LETTERS = {"a", "b", "c", "d"}


def demo_programs() -> list[tuple[str, rasp.SOp, set, int]]:
    """(name, tracr program, vocab, max_seq_len) for a spread of tracr's library."""
    return [
        ("hist", lib.make_hist(), _LETTERS, 6),
        ("reverse", lib.make_reverse(rasp.tokens), _LETTERS, 6),
        ("sort_unique", lib.make_sort_unique(rasp.tokens, rasp.tokens), {1, 2, 3, 4, 5}, 5),
        ("frac_prevs", lib.make_frac_prevs(rasp.tokens == "a"), _LETTERS, 6),
        ("shift_by_2", lib.shift_by(2, rasp.tokens), _LETTERS, 6),
        ("detect_pattern", lib.detect_pattern(rasp.tokens, "ab"), _LETTERS, 6),
        ("count_less_freq", lib.make_count_less_freq(2), _LETTERS, 6),
        ("sort_freq", lib.make_sort_freq(5), {1, 2, 3}, 5),
        ("pair_balance", lib.make_pair_balance(rasp.tokens, "(", ")"), {"(", ")", "x"}, 6),
    ]


def run_demo(out: TextIO, seed: int = 0, samples: int = 200, workdir: str | os.PathLike = "fountain-demo",
             recipe: str = "small", train_seconds: float = 300.0, retrained: int = 6, verified: int = 20) -> bool:
    """Runs the demo, writing a report to `out` and its corpus and checkpoints under `workdir`;
    returns whether every check passed (the interpreter's accuracy is reported, not checked)."""
    rng = random.Random(seed)
    start = time.perf_counter()
    rows, all_ok = [], True
    for index, (name, sop, vocab, max_seq_len) in enumerate(demo_programs()):
        source = compiler.to_source(sop, vocab=vocab, max_seq_len=max_seq_len)
        program = compiler.parse(source)
        agree = 0
        for _ in range(samples):
            xs = [rng.choice(sorted(vocab, key=str)) for _ in range(rng.randint(1, max_seq_len))]
            agree += compiler.evaluate(program, xs) == rasp.evaluate(sop, xs)
        tokens = tokenizer.encode(source)
        round_trip = tokenizer.decode(tokens) == source
        ok = agree == samples and round_trip and compiler.to_source(program) == source
        all_ok &= ok
        rows.append((name, program.op_count, len(tokens), f"{agree}/{samples}", "yes" if round_trip else "NO"))
        if index < 2:
            out.write(f"--- {name} (tracr lib) as source ---\n{source}\n")
            example = sorted(vocab, key=str)[:4]
            out.write(f"    {example} -> {compiler.evaluate(program, example)}\n\n")
    header = ("program", "ops", "tokens", "same as tracr", "tokenizer round trip")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for row in [header] + rows:
        out.write("  ".join(str(c).ljust(w) for c, w in zip(row, widths)) + "\n")
    all_ok &= _fountain(out, seed)
    _interpreter(out, Path(workdir), recipe, train_seconds, retrained, seed, verified)
    out.write(f"\n{'all checks passed' if all_ok else 'SOME CHECKS FAILED'} "
              f"in {time.perf_counter() - start:.1f} s\n")
    return all_ok


def _fountain(out: TextIO, seed: int, count: int = 20) -> bool:
    """Samples, compiles and checks `count` programs; prints two of them and a summary."""
    vocab, max_seq_len = (1, 2, 3, 4), 4
    programs, report = generator.sample(count, seed=seed, config=generator.GeneratorConfig(
        vocab=vocab, max_seq_len=max_seq_len, max_ops=8))
    out.write(f"\n--- the fountain: {report.format().splitlines()[0]} ---\n")
    checked = failed = 0
    shown = sorted((p for p in programs if p.op_count <= 6), key=lambda p: -p.op_count)[:2]
    for program in programs:
        net = compiler.compile_program(program, vocab=set(vocab), max_seq_len=max_seq_len)
        result = check_net(program, net)
        checked += result.inputs
        failed += not result.ok
        if program in shown:
            c = net.config
            out.write(f"{program.source}# -> {c.n_layers} layers, residual width {c.d_model}, "
                      f"MLP width {c.d_mlp}; [1, 2, 3, 4] -> {net.run([[1, 2, 3, 4]])[0]}\n\n")
    out.write(f"{count} networks checked against their programs on every input of length "
              f"1..{max_seq_len} ({checked} runs): {'all agree' if not failed else f'{failed} DISAGREE'}\n")
    return failed == 0


def _interpreter(out: TextIO, workdir: Path, recipe: str, train_seconds: float, retrained: int,
                 seed: int, verified: int) -> None:
    """Corpus, training, retrained nets, evaluation, decompiled examples and verified
    decompilation (steps 3-7)."""
    import interpreter
    from interpreter.data import load_examples

    corpus = workdir / "corpus"
    out.write(f"\n--- corpus: recipe {recipe!r} -> {corpus} ---\n")
    out.flush()
    began = time.perf_counter()
    manifest = generator.build_corpus(recipe, corpus, log=lambda message: None)
    counts = ", ".join(f"{split} {totals['rows']}" for split, totals in manifest["splits"].items())
    out.write(f"{manifest['programs']} programs, networks per split: {counts} "
              f"({time.perf_counter() - began:.0f} s)\n")

    out.write(f"\n--- interpreter: training for {train_seconds:.0f} s on the train split ---\n")
    out.flush()
    result = interpreter.train(corpus, workdir / "interpreter", interpreter.BUDGET_CONFIG,
                               time_budget=train_seconds)
    losses = [row["loss"] for row in result.metrics
              if isinstance(row.get("loss"), float) and math.isfinite(row["loss"])]
    loss = f"; last training loss {losses[-1]:.3f}" if losses else ""
    out.write(f"{result.step} steps on {result.train_examples} nets in {result.seconds:.0f} s{loss}; "
              f"checkpoint {result.checkpoint}\n")

    test = load_examples(corpus, "test")
    out.write(f"\n--- retrained: {retrained} held-out programs trained from scratch to imitate "
              "their programs ---\n")
    out.flush()
    began, extra = time.perf_counter(), []
    for example in [e for e in test if e.variant == "compiled"][:retrained]:
        net = compiler.retrain(example.net, seed=seed, max_steps=2000)
        record = net.provenance["retrain"]
        extra.append(dataclasses.replace(example, net=net, variant="retrained"))
        out.write(f"{example.program_id}: {record['fidelity']:.0%} held-out fidelity after "
                  f"{record['steps']} steps\n")
    out.write(f"({time.perf_counter() - began:.0f} s)\n")

    out.write("\n--- evaluation: held-out nets and tracr's library ---\n")
    out.flush()
    began = time.perf_counter()
    report = interpreter.evaluate_model(result.checkpoint, test + extra, split="test", limit=100, seed=seed)
    out.write(report.format() + f"\n({time.perf_counter() - began:.0f} s)\n")
    out.write("\n--- decompiled held-out networks, beside their true source ---\n")
    shown = {}
    for outcome in report.outcomes:  # the first of each variant
        shown.setdefault(outcome.variant, outcome)
    for outcome in shown.values():
        verdict = ("exact" if outcome.exact else "same function" if outcome.functional
                   else f"wrong: {outcome.why}")
        out.write(f"\n[{outcome.variant} net, {outcome.n_ops} ops] {verdict}\n")
        for label, text in (("true", outcome.source), ("decoded", outcome.decoded)):
            out.write(f"  {label}:\n    " + text.rstrip().replace("\n", "\n    ") + "\n")

    out.write(f"\n--- verified decompilation: {verified} held-out nets per variant, the model proposes and "
              "the net checks every line ---\n")
    out.flush()
    began = time.perf_counter()
    report = interpreter.evaluate_decompiler(test + extra, result.checkpoint, "test", limit=verified, seed=seed)
    out.write(report.format() + f"\n({time.perf_counter() - began:.0f} s)\n")
    shown = {}
    for decompiled in report.outcomes:  # the first verified one of each variant, else the first
        if decompiled.variant not in shown or (decompiled.verified and not shown[decompiled.variant].verified):
            shown[decompiled.variant] = decompiled
    for decompiled in shown.values():
        state = "verified" if decompiled.verified else f"not verified ({100 * decompiled.agreement:.1f}% agreement)"
        out.write(f"\n[{decompiled.variant} net {decompiled.program_id}, {decompiled.n_ops} ops] {state}, "
                  f"{decompiled.seconds:.2f} s\n")
        for label, text in (("true", decompiled.source), ("weights only", decompiled.weights_only or "-"),
                            ("verified decoding", decompiled.decoded or "-")):
            out.write(f"  {label}:\n    " + text.rstrip().replace("\n", "\n    ") + "\n")
