"""Findings: how close scrambled, retrained and compressed nets are to the compiled net.

For a few programs of tracr's library, compiles each, makes the chosen variants and compares
every variant with its compiled net (`compiler.variants.compare.compare_nets`, A = compiled, B = variant).
Prints a Markdown table: per pair the fidelity a trained variant stopped at (held out, from its
provenance), the inputs on which the variant's outputs agree with the compiled net's, linear
CKA and held-out affine R² both ways as the mean over layer boundaries and at the last one,
and the MLP maps' R² at the last boundary. Anchor, measured in the same run: compiling the
programs; the footer gives a comparison's time as a multiple of it.

    python bench/compare_variants.py [--variants scrambled,retrained,matched,compressed]
                                     [--programs hist,sort] [--seed 0] [--budget 120] [--plots DIR]

Training runs on one CPU thread: at these sizes more threads cost more than they save.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Callable

from absl import logging

# name -> (description, how to make it from a compiled net, a seed and a training budget in s)
VARIANTS: dict[str, tuple[str, Callable]] = {
    "scrambled": ("scrambled (all default kinds)",
                  lambda compiler, net, seed, budget: compiler.scramble(net, seed=seed)),
    "retrained": ("retrained from random initialisation",
                  lambda compiler, net, seed, budget: compiler.retrain(net, seed=seed, time_budget=budget)),
    "matched": ("retrained, residuals pulled to the compiled ones",
                lambda compiler, net, seed, budget: compiler.retrain(net, seed=seed, residual_weight=1.0,
                                                                     time_budget=budget)),
    "compressed": ("compressed (tracr's learned projection) to the dimensions the compiled stream uses",
                   lambda compiler, net, seed, budget: compiler.compress(net, d_model=_dimensions_used(net),
                                                                         seed=seed, time_budget=budget)),
}


def _dimensions_used(net) -> int:
    """The rank of the compiled net's last residual stream, plus one for its constant direction
    (centring drops it, but tracr's `one` dimension must survive a projection)."""
    from compiler.variants.compare import compare_nets

    return compare_nets(net, net, mlp=False).stream_ranks[0][-1] + 1


def programs():
    """(name, tracr program, vocab, max_seq_len): one to four layers, categorical and numerical."""
    from tracr.compiler import lib
    from tracr.rasp import rasp

    letters = {"a", "b", "c"}
    return [
        ("hist", lib.make_hist(), letters, 5),
        ("frac_prevs", lib.make_frac_prevs(rasp.tokens == "a"), letters, 5),
        ("sort", lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=5, min_key=1), {1, 2, 3}, 5),
        ("reverse", lib.make_reverse(rasp.tokens), letters, 5),
    ]


def compare_variants(cases, variants: list[str], *, seed: int = 0, budget: float = 120.0,
                     plots: Path | None = None) -> tuple[list[dict], float]:
    """One row per (program, variant) comparing the variant with the compiled net, and the mean
    time to compile a program (the anchor)."""
    import compiler
    from compiler.variants.compare import compare_nets, plot_comparison

    start = time.perf_counter()
    compiled = [(name, compiler.compile_program(compiler.from_sop(sop, vocab=vocab, max_seq_len=n),
                                                vocab=vocab, max_seq_len=n)) for name, sop, vocab, n in cases]
    compile_time = (time.perf_counter() - start) / len(cases)
    rows = []
    for name, net in compiled:
        for variant in variants:
            start = time.perf_counter()
            other = VARIANTS[variant][1](compiler, net, seed, budget)
            made = time.perf_counter() - start
            start = time.perf_counter()
            comparison = compare_nets(net, other, seed=seed, names=(f"{name} compiled", f"{name} {variant}"))
            compared = time.perf_counter() - start
            if plots is not None:
                plots.mkdir(parents=True, exist_ok=True)
                plot_comparison(comparison, plots / f"{name}-{variant}.png")
            matches = comparison.matches
            rows.append({
                "program": name, "variant": variant, "layers": net.config.n_layers,
                "d_model": f"{net.config.d_model}/{other.config.d_model}",
                "fidelity": comparison.outputs_agree / comparison.inputs,
                "training": _training_record(other),
                "cka": (_mean([m.cka for m in matches]), matches[-1].cka),
                "r2_ab": (_mean([m.a_to_b.r2 for m in matches]), matches[-1].a_to_b.r2),
                "r2_ba": (_mean([m.b_to_a.r2 for m in matches]), matches[-1].b_to_a.r2),
                "mlp_last": (matches[-1].a_to_b.mlp_r2, matches[-1].b_to_a.mlp_r2),
                "rank_last": (comparison.stream_ranks[0][-1], comparison.stream_ranks[1][-1],
                              matches[-1].a_to_b.rank, matches[-1].b_to_a.rank),
                "seconds": (made, compared),
            })
    return rows, compile_time


def _training_record(net) -> str:
    """Held-out fidelity and steps a trained variant stopped at; '-' for other variants."""
    record = net.provenance.get("retrain") or net.provenance.get("compress")
    return "-" if record is None else f"{record['fidelity']:.1%} at step {record['steps']}"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def format_rows(rows: list[dict]) -> str:
    """A Markdown table; pairs of numbers are mean over boundaries / last boundary."""
    header = ["program", "layers", "variant", "d_model A/B", "training fidelity", "outputs agree", "CKA mean/last",
              "R² A→B mean/last", "R² B→A mean/last", "MLP R² A→B/B→A last", "rank A/B/A→B/B→A last"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        cells = [r["program"], str(r["layers"]), r["variant"], r["d_model"], r["training"], f"{r['fidelity']:.1%}",
                 *(f"{a:.3f} / {b:.3f}" for a, b in (r["cka"], r["r2_ab"], r["r2_ba"], r["mlp_last"])),
                 "/".join(map(str, r["rank_last"]))]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="scrambled,retrained,matched",
                        help=f"comma-separated, from {', '.join(VARIANTS)} (default scrambled,retrained,matched)")
    parser.add_argument("--programs", help="comma-separated names (default: all of " +
                        ", ".join(name for name, *_ in programs()) + ")")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=120.0, help="training seconds per variant (default 120)")
    parser.add_argument("--plots", type=Path, metavar="DIR", help="write one comparison plot per pair here")
    args = parser.parse_args()
    variants = args.variants.split(",")
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {', '.join(VARIANTS)}")
    logging.set_verbosity(logging.ERROR)
    import torch

    torch.set_num_threads(1)
    cases = [case for case in programs() if not args.programs or case[0] in args.programs.split(",")]
    if not cases:
        parser.error(f"no program named in {args.programs!r}")
    rows, compile_time = compare_variants(cases, variants, seed=args.seed, budget=args.budget, plots=args.plots)
    print(format_rows(rows))
    print("\nvariants: " + "; ".join(f"{v}: {VARIANTS[v][0]}" for v in variants))
    compare_time = _mean([r["seconds"][1] for r in rows])
    making = ", ".join(f"{v} {_mean([r['seconds'][0] for r in rows if r['variant'] == v]):.1f} s" for v in variants)
    print(f"comparing one pair: {compare_time:.2f} s, x{compare_time / compile_time:.0f} of compiling a program "
          f"({compile_time * 1e3:.1f} ms); making a variant: {making}")


if __name__ == "__main__":
    main()
