"""Checks the seventeenth hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_seventeenth/check_set.py [--nets DIR] [e01 e05 ...]

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
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DICE = [a + b for a in range(1, 7) for b in range(1, 7)]


def bowling(r):
    rolls = []
    while len(rolls) < 8:
        if r.random() < 0.45:
            rolls.append("X")
        else:
            a = r.randint(0, 9)
            rolls += [a, "/" if r.random() < 0.4 else r.randint(0, 9 - a)]
    return rolls[:r.randint(1, 8)]


def craps(r):
    point = r.choice([4, 5, 6, 8, 9, 10])
    return [point] + [r.choice(DICE + [point] * 4) for _ in range(r.randint(0, 7))]


def dose_log(r):
    hours, n = [r.randint(6, 10)], r.randint(1, 6)
    while len(hours) < n:
        hours.append(max(6, min(22, hours[-1] + r.choice([2, 3, 4, 4, 5, 6, -1]))))
    return hours


def weekday(r):
    return [r.choice(WEEKDAYS)] + [r.randint(1, 31) for _ in range(r.randint(0, 5))]


def windy(r):
    return [r.choice([30, 35, 40, 45, 50, 55, 60]) for _ in range(r.randint(1, 8))]


def dominoes(r):
    right, line = r.randint(0, 3), []
    for _ in range(r.randint(1, 6)):
        left = right if r.random() < 0.9 else r.randint(0, 3)
        right = r.randint(0, 3)
        line.append(f"{left}-{right}")
    return line


def hex_pairs(r):
    digits = list(range(10)) + list("abcdef")
    out = [d for d in r.choices(digits, k=3) for _ in range(2)]
    if r.random() < 0.3:
        out[r.randrange(6)] = r.choice(digits)
    return out


def hangman(r):
    letters = list("abcdefgh")
    secret = r.choices(r.sample(letters, r.randint(1, 2)), k=4)
    misses = [x for x in letters if x not in secret]
    guesses = r.sample(misses, min(len(misses), 6))
    if r.random() < 0.4:
        guesses[r.randrange(len(guesses))] = r.choice(letters)
    return secret + guesses[:r.randint(0, 6)]


def bars(r):
    return [r.choice([4, 6, 6, 3]) for _ in range(r.randint(1, 10))]


TARGETED = {"e01": bowling, "e03": craps, "e05": bars, "e08": dose_log, "e10": weekday, "e16": windy,
            "e17": dominoes, "e18": hex_pairs, "e21": hangman}


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
    for path in sorted(HERE.glob("e*.rasp")):
        if "refused" in path.stem or (args.only and path.stem[:3] not in args.only):
            continue
        began = time.time()
        kind, bad, seen, seen_targeted, numerical = check(path, args.nets)
        print(f"{path.stem}: {kind}, {len(bad)} disagreeing, {time.time() - began:.1f} s")
        for xs, want, got in bad[:3]:
            print(f"  input {xs}\n  program {want}\n  net     {got}")
        if numerical:
            values = [v for v in seen if v is not None]
            print(f"  numerical: {len(values)} values, {min(values)} .. {max(values)}")
        else:
            print("  reached:", dict(sorted(seen.items(), key=lambda kv: str(kv[0]))))
            if seen_targeted:
                print("  targeted:", dict(sorted(seen_targeted.items(), key=lambda kv: str(kv[0]))))


if __name__ == "__main__":
    main()
