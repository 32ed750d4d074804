"""Checks the twenty-third hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentythird/check_set.py [--nets DIR] [k01 k05 ...]

The checks themselves are `bench/handwritten_check.py`'s (what each set's script shares); this
file holds the set's targeted inputs.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402

BIDS = ["1C", "1H", "2C", "2H"]


def auction(r):
    """An auction of rising bids with passes between, sometimes four passes to start, often passed to the end."""
    if r.random() < 0.2:
        out = ["pass"] * 4
    else:
        out, level = ["pass"] * r.randint(0, 3), 0
        while len(out) < 10 and level < 4:
            level = r.randint(level, 3) + (1 if r.random() < 0.8 else 0)
            out.append(BIDS[min(level, 4) - 1] if level > 0 else r.choice(BIDS))
            out += ["pass"] * r.choice([0, 1, 2, 3, 3])
    while len(out) < 10:
        out.append("pass" if r.random() < 0.7 else r.choice(BIDS))
    return out[:r.randint(1, 10)]


def command_line(r):
    """Words of one to three letters with single spaces, a quoted stretch now and then."""
    out = []
    while len(out) < 12:
        if r.random() < 0.2:
            out += ["'"] + [r.choice("ab_") for _ in range(r.randint(0, 3))] + ["'"]
        else:
            out += [r.choice("ab-") for _ in range(r.randint(1, 3))]
        out.append("_")
    return out[:r.randint(1, 12)]


def air(r):
    """A few readings, mostly low and moderate ones."""
    low = ["pm25:2", "o3:3", "pm25:5", "no2:4"]
    return [r.choice(low) if r.random() < 0.9 else r.choice(["pm25:8", "o3:7", "no2:10"])
            for _ in range(r.randint(1, 8))]


def stones(r):
    """Rows of long groups with few empty points."""
    out = []
    while len(out) < 9:
        out += [r.choice("BW")] * r.randint(1, 4)
        if r.random() < 0.3:
            out.append(".")
    return out[:r.randint(1, 9)]


def contest(r):
    """Mostly shidos and waza-ari, an ippon now and then."""
    return [r.choice(["sW", "sB", "sW", "sB", "wW", "wB"]) if r.random() < 0.93 else r.choice(["iW", "iB"])
            for _ in range(r.randint(1, 10))]


def identifier(r):
    """Keywords, keywords with a letter changed or added, and other short names."""
    word = list(r.choice(["if", "in", "and", "def", "fin", "an", "de", "nf"]))
    if r.random() < 0.3:
        word[r.randrange(len(word))] = r.choice(["a", "d", "e", "f", "i", "n", "_", 1, "-"])
    if r.random() < 0.2:
        word.append(r.choice(["a", "d", "e", "f", "i", "n", "_", 1]))
    return word


TARGETED = {"k02": auction, "k04": command_line, "k13": air, "k15": stones, "k19": contest, "k23": identifier}


if __name__ == "__main__":
    main(HERE, "k*.rasp", TARGETED)
