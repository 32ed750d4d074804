"""Checks the twenty-first hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentyfirst/check_set.py [--nets DIR] [i01 i05 ...]

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


def tetris(r):
    """A game of tetrises and empty placements, a single, double or triple now and then."""
    return [4 if r.random() < 0.5 else (0 if r.random() < 0.7 else r.choice([1, 2, 3]))
            for _ in range(r.randint(1, 10))]


def parcel(r):
    """A parcel's scans: transit, then van rounds that mostly fail, sometimes ending delivered."""
    out = [r.choice(["picked", "hub"]) for _ in range(r.randint(1, 2))]
    while len(out) < 10:
        out.append("van")
        out.append("fail" if r.random() < 0.7 else "delivered")
    return out[:r.randint(1, 10)]


def shootout(r):
    """A shootout of 10 to 12 kicks, three in four scored, sometimes cut short."""
    n = r.randint(10, 12) if r.random() < 0.8 else r.randint(1, 12)
    return ["goal" if r.random() < 0.75 else "miss" for _ in range(n)]


def url(r):
    """A query string of escapes "%" + two hex digits, "+"s and literals, some escapes cut or broken."""
    out = []
    while len(out) < 10:
        x = r.random()
        if x < 0.5:
            out += ["%", r.choice([2, 0, "F", "a"]), r.choice([2, 0, "F", "a"])]
            if r.random() < 0.2:
                out[-r.randint(1, 2)] = r.choice(["%", "+"])
        else:
            out.append(r.choice([2, 0, "F", "a", "+"]))
    return out[:r.randint(1, 10)]


def plate(r):
    """A plate of seven in the right shape (letters, age digits, letters), a character sometimes changed."""
    letters = ["A", "B", "C", "H", "K", "L", "M", "S", "X", "Y", "Z", "O"]
    out = ([r.choice(letters) for _ in range(2)] + [r.choice([0, 1, 2, 5, 7, 8]) for _ in range(2)]
           + [r.choice(letters) for _ in range(3)])
    if r.random() < 0.4:
        out[r.randrange(7)] = r.choice(["I", "Q", "a", "k", "Z", 5, "A"])
    return out


def solves(r):
    """Three solves, a DNF one time in ten, sometimes a fourth."""
    return [r.choice([95, 102, 110, 121]) if r.random() < 0.9 else "DNF" for _ in range(r.choice([3, 3, 3, 4, 5]))]


def row(r):
    """A row of twelve places with one aisle, a second now and then."""
    out = ["seat"] * r.randint(6, 12)
    for _ in range(1 if r.random() < 0.7 else 2):
        out[r.randrange(len(out))] = "|"
    return out


TARGETED = {"i01": tetris, "i05": parcel, "i06": shootout, "i11": url, "i14": plate, "i16": row, "i19": solves}


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
    for path in sorted(HERE.glob("i*.rasp")):
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
