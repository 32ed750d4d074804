"""Checks the twentieth hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentieth/check_set.py [--nets DIR] [h01 h05 ...]

With --nets, loads DIR/<file stem>.safetensors (written by `fountain compile`), else compiles in-process.
Every input of length 1..max_seq_len when there are at most 40,000, else 10,000 uniform + 10,000
structured (`sampled_inputs`, seed 0), plus 2,000 targeted inputs where TARGETED has a generator.
Prints per file the inputs tried, disagreements, and the output values reached (positions).
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import random
import time

import compiler
from compiler.compiling.check import all_inputs, outputs_agree, reference_outputs, sampled_inputs
from fountain.common import parse_input

HERE = pathlib.Path(__file__).parent
KONAMI = "up up down down left right left right B A".split()


def konami(r):
    """Button presses with the code in them (sometimes one press changed or the code cut short)."""
    code = list(KONAMI)
    if r.random() < 0.3:
        code[r.randrange(10)] = r.choice(["up", "down", "left", "right", "B", "A"])
    if r.random() < 0.2:
        code = code[r.randint(0, 3):]
    out = [r.choice(KONAMI) for _ in range(r.randint(0, 2))] + code + [r.choice(KONAMI) for _ in range(2)]
    return out[:12]


def address(r):
    """IPv6 groups that are mostly 0, so that runs of zeros compete (ties included)."""
    return [0 if r.random() < 0.6 else r.choice([1, "db8", "ffff", 2001]) for _ in range(r.randint(1, 8))]


def try_fest(r):
    """A high-scoring match: mostly tries, some followed by conversions, few penalties."""
    out = []
    while len(out) < 10:
        side = r.choice("AB") if r.random() < 0.7 else "A"
        if r.random() < 0.8:
            out += [f"{side}:try"] + ([f"{side}:con"] if r.random() < 0.6 else [])
        else:
            out.append(f"{side}:pen")
    return out[:r.randint(1, 10)]


def rolls(r):
    """Dice rolls with doubles two times in three, so that runs of three and six doubles come up."""
    return [r.choice(["1+1", "2+2", "6+6"]) if r.random() < 0.67 else r.choice(["1+2", "3+5", "4+6"])
            for _ in range(r.randint(1, 10))]


def base64(r):
    """Encoded strings of 4, 8 or 12 characters ending in 0, 1 or 2 "="s; some characters mutated or one dropped."""
    n = r.choice([4, 8, 12])
    pad = r.choice([0, 1, 2])
    out = [r.choice(["A", "z", "+", "/"]) for _ in range(n - pad)] + ["="] * pad
    if r.random() < 0.3:
        out[r.randrange(n)] = r.choice(["A", "z", "+", "/", "="])
    if r.random() < 0.1:
        del out[r.randrange(n)]
    return out


def bout(r):
    """A bout of touches, a card or a halt now and then."""
    return [r.choice(["A", "B"]) if r.random() < 0.85 else r.choice(["redA", "redB", "halt"])
            for _ in range(r.randint(1, 12))]


TARGETED = {"h06": konami, "h07": address, "h09": try_fest, "h19": rolls, "h22": base64, "h23": bout}


def header(path):
    lines = path.read_text().splitlines()
    vocab = parse_input(next(line for line in lines if line.startswith("# vocab:"))[len("# vocab:"):])
    max_len = int(next(line for line in lines if line.startswith("# max_seq_len:")).split(":")[1])
    return vocab, max_len, "# causal: yes" in lines


def check(path, nets):
    vocab, max_len, causal = header(path)
    program = compiler.parse(path.read_text())
    net = (compiler.Net.load(str(nets / f"{path.stem}.safetensors")) if nets else
           compiler.compile_program(program, vocab=set(vocab), max_seq_len=max_len, causal=causal))
    inputs = all_inputs(vocab, max_len, 40_000)
    kind = f"exhaustive {len(inputs):,}" if inputs else "sampled 20,000"
    inputs = inputs or sampled_inputs(vocab, max_len, 10_000, random.Random(0))
    gen = TARGETED.get(path.stem[:3])
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nets", type=pathlib.Path)
    parser.add_argument("only", nargs="*")
    args = parser.parse_args()
    for path in sorted(HERE.glob("h*.rasp")):
        if "refused" in path.stem or (args.only and path.stem[:3] not in args.only):
            continue
        began = time.time()
        kind, bad, seen, seen_targeted, numerical = check(path, args.nets)
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


if __name__ == "__main__":
    main()
