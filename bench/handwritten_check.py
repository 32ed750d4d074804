"""What the hand-written sets' check_set.py scripts share: each compiled net checked against its
program's reference outputs.

With --nets, loads DIR/<file stem>.safetensors (written by `fountain compile`), else compiles in-process.
Every input of length 1..max_seq_len when there are at most 40,000, else 10,000 uniform + 10,000
structured (`sampled_inputs`, seed 0), plus 2,000 targeted inputs where a set's generators have one
for the file (by its first three characters). Prints per file the inputs tried, disagreements, and
the output values reached (positions). A set that states each task in plain Python as well (`specs`,
by the file's first three characters: position i's value on the prefix xs[:i + 1] for a causal file)
is compared three ways on each input: net vs program, program vs spec, net vs spec.
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import random
import time
from typing import Callable

import compiler
from compiler.compiling.check import ATOL, RTOL, all_inputs, outputs_agree, reference_outputs, sampled_inputs
from fountain.common import parse_input


def header(path: pathlib.Path):
    lines = path.read_text().splitlines()
    vocab = parse_input(next(line for line in lines if line.startswith("# vocab:"))[len("# vocab:"):])
    max_len = int(next(line for line in lines if line.startswith("# max_seq_len:")).split(":")[1])
    return vocab, max_len, "# causal: yes" in lines


def spec_agrees(spec: list, program: list) -> bool:
    """Exact, but numbers within the check's tolerance; a None anywhere on one side only disagrees."""
    if len(spec) != len(program):
        return False
    for s, p in zip(spec, program):
        if isinstance(s, float) or isinstance(p, float):
            if s is None or p is None or isinstance(s, str) or isinstance(p, str) or abs(s - p) > ATOL + RTOL * abs(s):
                return False
        elif s != p or type(s) is not type(p):
            return False
    return True


def check(path: pathlib.Path, nets: pathlib.Path | None, targeted_by: dict[str, Callable],
          spec: Callable | None = None):
    """(kind of inputs, {comparison: [(input, first, second), ...]}, output values reached, those
    reached by the targeted inputs, whether the output is numerical); the comparisons are net vs
    program, and with a `spec` program vs spec and net vs spec too."""
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
    seen, seen_targeted = collections.Counter(), collections.Counter()
    bad = {"net vs program": []} | ({"program vs spec": [], "net vs spec": []} if spec else {})
    for group, counts in ((inputs, seen), (targeted, seen_targeted)):
        for start in range(0, len(group), 500):
            batch = group[start:start + 500]
            for xs, got in zip(batch, net.run(batch)):
                want = reference_outputs(program, xs, causal)
                if not outputs_agree(want, got):
                    bad["net vs program"].append((xs, want, got))
                if spec:
                    meant = spec(xs)
                    if not spec_agrees(meant, want):
                        bad["program vs spec"].append((xs, meant, want))
                    if not outputs_agree(meant, got):
                        bad["net vs spec"].append((xs, meant, got))
                counts.update(want)
    if targeted:
        kind += f" + {len(targeted):,} targeted"
    return kind, bad, seen, seen_targeted, net.output_values is None


def main(here: pathlib.Path, pattern: str, targeted_by: dict[str, Callable],
         specs: dict[str, Callable] | None = None) -> None:
    """Checks the set's files `here` matching `pattern` (the refusals left out), or those named;
    against `specs` too, where a set states its tasks in plain Python."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--nets", type=pathlib.Path)
    parser.add_argument("only", nargs="*")
    args = parser.parse_args()
    for path in sorted(here.glob(pattern)):
        if "refused" in path.stem or (args.only and path.stem[:3] not in args.only):
            continue
        began = time.time()
        spec = specs[path.stem[:3]] if specs is not None else None
        kind, bad, seen, seen_targeted, numerical = check(path, args.nets, targeted_by, spec)
        if spec is None:
            wrong = bad["net vs program"]
            print(f"{path.stem}: {kind}, {len(wrong)} disagreeing, {time.time() - began:.1f} s")
            for xs, want, got in wrong[:3]:
                print(f"  input {xs}\n  program {want}\n  net     {got}")
        else:
            counts = ", ".join(f"{len(v)} {k}" for k, v in bad.items())
            print(f"{path.stem}: {kind}; disagreeing: {counts}; {time.time() - began:.1f} s")
            for k, v in bad.items():
                for xs, a, b in v[:3]:
                    print(f"  {k}: input {xs}\n    first  {a}\n    second {b}")
        if numerical:
            values = [v for v in seen | seen_targeted if v is not None]
            print(f"  numerical: {len(values)} values, {min(values)} .. {max(values)}")
        else:
            print("  reached:", dict(sorted(seen.items(), key=lambda kv: str(kv[0]))))
            if seen_targeted:
                print("  targeted:", dict(sorted(seen_targeted.items(), key=lambda kv: str(kv[0]))))
