"""What the hand-written sets' check_set.py scripts share: each compiled net checked against its
program's reference outputs.

With --nets, loads DIR/<file stem>.safetensors (written by `fountain compile`), else compiles in-process.
Every input of length 1..max_seq_len when there are at most 40,000, else 10,000 uniform + 10,000
structured (`sampled_inputs`, seed 0), plus 2,000 targeted inputs where a set's generators have one
for the file (by its first three characters). Prints per file the inputs tried, disagreements, and
the output values reached (positions).
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import random
import time
from typing import Callable

import compiler
from compiler.compiling.check import all_inputs, outputs_agree, reference_outputs, sampled_inputs
from fountain.common import parse_input


def header(path: pathlib.Path):
    lines = path.read_text().splitlines()
    vocab = parse_input(next(line for line in lines if line.startswith("# vocab:"))[len("# vocab:"):])
    max_len = int(next(line for line in lines if line.startswith("# max_seq_len:")).split(":")[1])
    return vocab, max_len, "# causal: yes" in lines


def check(path: pathlib.Path, nets: pathlib.Path | None, targeted_by: dict[str, Callable]):
    vocab, max_len, causal = header(path)
    program = compiler.parse(path.read_text())
    net = (compiler.Net.load(str(nets / f"{path.stem}.safetensors")) if nets else
           compiler.compile_program(program, vocab=set(vocab), max_seq_len=max_len, causal=causal))
    inputs = all_inputs(vocab, max_len, 40_000)
    kind = f"exhaustive {len(inputs):,}" if inputs else "sampled 20,000"
    inputs = inputs or sampled_inputs(vocab, max_len, 10_000, random.Random(0))
    gen = targeted_by.get(path.stem[:3])
    targeted = [gen(random.Random(i)) for i in range(2000)] if gen else []
    assert all(1 <= len(xs) <= max_len and set(xs) <= set(vocab) for xs in targeted), path.stem
    seen, seen_targeted, bad = collections.Counter(), collections.Counter(), []
    for group, counts in ((inputs, seen), (targeted, seen_targeted)):
        for start in range(0, len(group), 500):
            batch = group[start:start + 500]
            for xs, got in zip(batch, net.run(batch)):
                want = reference_outputs(program, xs, causal)
                if not outputs_agree(want, got):
                    bad.append((xs, want, got))
                counts.update(want)
    if targeted:
        kind += f" + {len(targeted):,} targeted"
    return kind, bad, seen, seen_targeted, net.output_values is None


def main(here: pathlib.Path, pattern: str, targeted_by: dict[str, Callable]) -> None:
    """Checks the set's files `here` matching `pattern` (the refusals left out), or those named."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--nets", type=pathlib.Path)
    parser.add_argument("only", nargs="*")
    args = parser.parse_args()
    for path in sorted(here.glob(pattern)):
        if "refused" in path.stem or (args.only and path.stem[:3] not in args.only):
            continue
        began = time.time()
        kind, bad, seen, seen_targeted, numerical = check(path, args.nets, targeted_by)
        print(f"{path.stem}: {kind}, {len(bad)} disagreeing, {time.time() - began:.1f} s")
        for xs, want, got in bad[:3]:
            print(f"  input {xs}\n  program {want}\n  net     {got}")
        if numerical:
            values = [v for v in seen | seen_targeted if v is not None]
            print(f"  numerical: {len(values)} values, {min(values)} .. {max(values)}")
        else:
            print("  reached:", dict(sorted(seen.items(), key=lambda kv: str(kv[0]))))
            if seen_targeted:
                print("  targeted:", dict(sorted(seen_targeted.items(), key=lambda kv: str(kv[0]))))
