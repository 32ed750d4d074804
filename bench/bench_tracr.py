"""Nets compiled by tracr itself, brought in and decompiled: imported exactly, verified, right,
and never a false certificate.

`bench/tracr_programs.py` holds programs written in tracr's Python RASP API as a researcher writes
them (lib functions with their own arguments, and programs of its own). Each is compiled with
tracr's `compile_rasp_to_model`, imported with `Net.from_tracr`, and compared with tracr's own
`model.apply` on 200 inputs (unpadded: tracr's padded batches change its outputs); then
decompiled (the shipped interpreter, or `--uniform`) and the answer's compiled net compared with
the imported net on 2,000 structured and random inputs. Where tracr miscompiled its program, the
net, not the program, is what the answer must compute. Programs tracr refuses are listed as such.

    python bench/bench_tracr.py [--uniform] [--time-budget 10]
        [--set second|lengths|third|fourth|fifth|sixth|seventh] [NAME ...]

`--set second` runs `bench/tracr_programs_second.py`, a second set written later by another hand
(its options are tracr's compile arguments: another BOS and pad); `--set lengths` runs
`bench/tracr_programs_lengths.py`, tracr's lib programs at max_seq_len 8-12, where tracr's nets
stop computing their programs on some inputs; `--set third` runs `bench/tracr_programs_third.py`,
a third hand's programs (plain lambdas on words and integers, numerical means, selector_and/or/not,
lib helpers with unusual arguments, and outputs reached only on rare inputs); `--set fourth` runs
`bench/tracr_programs_fourth.py`, a fourth hand's (numerical MLPs over floats and lengths, frac_prevs,
nary sequence maps, shifts by 2-3, fixed-index pointers, custom BOS and pad; eight whose nets
differ from their programs, two that tracr refuses); `--set fifth` runs `bench/tracr_programs_fifth.py`,
a fifth hand's (lib helpers in unusual places, dict maps over negatives, floats and colours, selects
of selector_and/or with TRUE, FALSE and computed keys, rare outputs; one tracr miscompiles, two it
refuses); `--set sixth` runs `bench/tracr_programs_sixth.py`, a sixth hand's (lib helpers with fresh
arguments, induction copies, running maxima, first positions, sorts and counts over packed (value, index)
keys, numerical means with float thresholds, causal programs, rare outputs; none miscompiled or refused);
`--set seventh` runs `bench/tracr_programs_seventh.py`, a seventh hand's (lib helpers in new places,
causal streaks, gaps and prefix sorts, 48 element symbols and 52 cards, numerical means, other BOS and
pad names in five; two tracr miscompiles: a count read as 0 where its query is None, and a count of 10
read as 9); `--set eighth` runs `bench/tracr_programs_eighth.py`, an eighth hand's (lib helpers with
tuple keys, patterns and pair balances, selector_and/or/not, numerical means of shifted scores, a
LinearSequenceMap, 2-40 symbols, eight causal, other BOS and pad names in five; two tracr
miscompiles: two widths' BOS neurons sharing one name, and a share of 3/4 read as 1).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

#: The program sets, by `--set`.
SETS = {"first": "tracr_programs", "second": "tracr_programs_second", "lengths": "tracr_programs_lengths",
        "third": "tracr_programs_third", "fourth": "tracr_programs_fourth",
        "fifth": "tracr_programs_fifth", "sixth": "tracr_programs_sixth",
        "seventh": "tracr_programs_seventh", "eighth": "tracr_programs_eighth"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="only these cases")
    parser.add_argument("--uniform", action="store_true", help="no model: grammar proposals and the search")
    parser.add_argument("--time-budget", type=float, default=10.0)
    parser.add_argument("--set", choices=tuple(SETS), default="first", help="which programs")
    args = parser.parse_args()
    from absl import logging
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    logging.set_verbosity(logging.ERROR)
    from tracr.compiler import compiling

    import compiler
    import interpreter
    from compiler.compiling.check import random_inputs, structured_inputs
    from interpreter.certify import nets_agree
    from interpreter.verified import INTERNAL_ERROR

    sys.path.insert(0, str(Path(__file__).parent))
    import importlib

    from bench_handwritten import answer_outputs  # noqa: E402 - beside this file

    CASES = importlib.import_module(SETS[args.set]).CASES

    rows, seconds = [], []
    for name, build, vocab, max_seq_len, causal, options, _what in CASES:
        if args.names and name not in args.names:
            continue
        program = build()
        try:
            tokens = {"compiler_bos": "BOS", **{key: value for key, value in options.items()
                                                 if key in ("compiler_bos", "compiler_pad")}}
            model = compiling.compile_rasp_to_model(program, vocab=set(vocab), max_seq_len=max_seq_len,
                                                    causal=causal, mlp_exactness=100, **tokens)
        except Exception as error:  # noqa: BLE001 - tracr refuses with many exception types
            print(f"{name:28s} refused by tracr: {type(error).__name__}: {str(error)[:100]}")
            continue
        net = compiler.Net.from_tracr(model, program.label if options.get("by_label") else program)
        rng = random.Random(0)
        probe = random_inputs(vocab, max_seq_len, 200, rng)
        imported = all(nets_agree(_tracr(model, xs, net.bos), got) or _none_for_argmax(model, xs, got, net.bos)
                       for xs, got in zip(probe, net.run(probe)))
        began = time.monotonic()
        result = interpreter.decompile(net, proposals="uniform" if args.uniform else "model",
                                       time_budget=args.time_budget)
        seconds.append(time.monotonic() - began)
        inputs = structured_inputs(vocab, max_seq_len, 1000, rng) + random_inputs(vocab, max_seq_len, 1000, rng)
        try:
            decoded = answer_outputs(result.source, vocab, max_seq_len, causal)
            wrong = sum(not nets_agree(a, b) for a, b in zip(net.run(inputs), decoded(inputs)))
        except (compiler.CompileError, compiler.SourceError):  # nothing decoded
            wrong = len(inputs)
        faults = any(INTERNAL_ERROR in note for note in result.notes)
        rows.append((imported, result.verified, wrong == 0, faults))
        flag = ("FALSE CERTIFICATE " if result.verified and wrong else "") + ("INTERNAL ERROR" if faults else "")
        print(f"{name:28s} imported {str(imported):5s} verified {str(result.verified):5s} right {str(wrong == 0):5s} "
              f"{seconds[-1]:5.1f} s {flag}", flush=True)
    if not rows:
        sys.exit("no program compiled")
    count = [sum(column) for column in zip(*rows)]
    false = sum(v and not r for _, v, r, _ in rows)
    print(f"\n{len(rows)} nets tracr compiled: imported exactly {count[0]}, verified {count[1]}, right {count[2]}, "
          f"false certificates {false}, internal errors {count[3]}; decompile seconds median "
          f"{statistics.median(seconds):.1f}, max {max(seconds):.1f} "
          f"(x{max(seconds) / args.time_budget:.2f} the budget)")


def _tracr(model, xs: list, bos: str) -> list:
    return model.apply([bos] + list(xs)).decoded[1:]


def _none_for_argmax(model, xs: list, got: list, bos: str) -> bool:
    """Where a categorical output's write is empty or weak (two keys averaged: a sort with repeated
    keys) a Net says None and tracr's argmax still reads a value: the documented difference, not a
    wrong import. Everywhere else the two must be equal."""
    want = _tracr(model, xs, bos)
    return len(want) == len(got) and all(g == w or g is None for w, g in zip(want, got))


if __name__ == "__main__":
    main()
