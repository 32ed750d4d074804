"""Checks the eighteenth hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_eighteenth/check_set.py [--nets DIR] [f01 f05 ...]

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
RANKS = "A K Q J T 9 8 7 6 5 4 3 2".split()
DECK = [r + s for s in "SHDC" for r in RANKS]
HONOURS = [c for c in DECK if c[0] in "AKQJ"]
UTF8 = {1: ["ascii"], 2: ["lead2", "cont"], 3: ["lead3", "cont", "cont"], 4: ["lead4", "cont", "cont", "cont"]}


def acks(r):
    ack, out = r.choice([0, 1460]), []
    for _ in range(r.randint(1, 10)):
        out.append(ack)
        step = r.random()
        if step < 0.35:
            ack = min(8760, ack + 1460 * r.randint(1, 2))
        elif step < 0.45:
            ack = max(0, ack - 1460)
    return out


def utf8(r):
    out = []
    while len(out) < 10:
        out += UTF8[r.choice([1, 1, 2, 3, 4])]
    out = out[:r.randint(1, 10)]
    if r.random() < 0.3:
        out[r.randrange(len(out))] = r.choice(["ascii", "cont", "lead2", "lead3", "lead4"])
    return out


def addresses(r):
    out = []
    for _ in range(2):
        first = r.choice([10, 172, 172, 192, 127, 169, 0, 255, 8])
        second = {172: r.choice([16, 31, 32, 1, 8]), 192: r.choice([168, 168, 1]),
                  169: r.choice([254, 254, 1])}.get(first, r.choice([0, 1, 16]))
        out += [first, second, r.choice([0, 1, 254]), r.choice([1, 254, 255])]
    return out[:r.choice([4, 8, 8, 8, r.randint(1, 8)])]


def backgammon(r):
    board = [r.choice([0, 0, 1, 1, 2]) for _ in range(r.randint(1, 12))]
    low = 7 if len(board) > 7 and r.random() < 0.5 else 0
    for _ in range(r.randint(0, 2)):
        board[r.randrange(low, len(board))] = r.choice([-1, -2, -3])
    return board


def bridge_hand(r):
    honours = r.sample(HONOURS, r.randint(0, 13))
    spots = r.sample([c for c in DECK if c not in HONOURS], 13 - len(honours))
    hand = honours + spots
    r.shuffle(hand)
    return hand


TARGETED = {"f01": acks, "f06": utf8, "f12": addresses, "f18": backgammon, "f23": bridge_hand}


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
    for path in sorted(HERE.glob("f*.rasp")):
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
