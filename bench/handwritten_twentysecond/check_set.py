"""Checks the twenty-second hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentysecond/check_set.py [--nets DIR] [j01 j05 ...]

The checks themselves are `bench/handwritten_check.py`'s (what each set's script shares); this
file holds the set's targeted inputs.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402

SHARPS = ["F#", "C#", "G#", "D#", "A#", "E#", "B#"]
FLATS = ["Bb", "Eb", "Ab", "Db", "Gb", "Cb", "Fb"]
COLOURS = ["red", "green", "blue", "yellow", "white"]
MASK_OCTETS = [255, 254, 252, 248, 240, 224, 192, 128, 0]


def stopwatch(r):
    """A watch started and stopped now and then, mostly ticking, reset once in a while."""
    out = ["press"] if r.random() < 0.7 else []
    while len(out) < 12:
        x = r.random()
        out.append("tick" if x < 0.7 else ("press" if x < 0.92 else "reset"))
    return out[:r.randint(1, 12)]


def betting(r):
    """A round opened by a bet after a check or two, then mostly raises and calls, a fold now and then."""
    out = ["check"] * r.randint(0, 2) + ["bet"]
    while len(out) < 10:
        x = r.random()
        out.append("raise" if x < 0.5 else ("call" if x < 0.85 else r.choice(["check", "bet", "fold"])))
    return out[:r.randint(1, 10)]


def signature(r):
    """The first n sharps or flats, in order or shuffled, one sometimes changed."""
    n = r.randint(1, 7)
    out = list((SHARPS if r.random() < 0.5 else FLATS)[:n])
    if r.random() < 0.3:
        r.shuffle(out)
    if r.random() < 0.3:
        out[r.randrange(n)] = r.choice(SHARPS + FLATS)
    return out


def mastermind(r):
    """A code of four and a guess near it (pegs kept, moved or changed), now and then a peg short."""
    code = [r.choice(COLOURS) for _ in range(4)]
    guess = list(code)
    if r.random() < 0.5:
        r.shuffle(guess)
    for i in range(4):
        if r.random() < 0.3:
            guess[i] = r.choice(COLOURS)
    out = code + guess
    return out if r.random() < 0.9 else out[:r.randint(1, 7)]


def netmask(r):
    """A mask of a random prefix length, an octet sometimes changed, now and then cut short."""
    p = r.randint(0, 32)
    bits = "1" * p + "0" * (32 - p)
    out = [int(bits[8 * i:8 * i + 8], 2) for i in range(4)]
    if r.random() < 0.3:
        out[r.randrange(4)] = r.choice(MASK_OCTETS)
    return out if r.random() < 0.9 else out[:r.choice([1, 2, 3, 5])] + ([0] if r.random() < 0.5 else [])


def email(r):
    """Lines of a reply quoted one to three deep, a ">" now and then inside the text."""
    out = []
    while len(out) < 10:
        out += [">"] * r.choice([0, 1, 2, 2, 3, 3])
        out += [r.choice(["thanks", "see", "below", ">"]) for _ in range(r.randint(1, 3))]
        out.append("NL")
    return out[:r.randint(1, 10)]


def loading(r):
    """A load of one or two pilots with fuel, bags or passengers."""
    out = ["pilot"] * r.randint(1, 3)
    out += [r.choice(["fuel", "fuel", "bag", "passenger"]) for _ in range(r.randint(0, 6 - len(out)))]
    r.shuffle(out)
    return out


TARGETED = {"j01": stopwatch, "j02": betting, "j11": signature, "j12": mastermind, "j17": netmask, "j22": email,
            "j23": loading}


if __name__ == "__main__":
    main(HERE, "j*.rasp", TARGETED)
