"""Checks the twenty-first hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentyfirst/check_set.py [--nets DIR] [i01 i05 ...]

The checks themselves are `bench/handwritten_check.py`'s (what each set's script shares); this
file holds the set's targeted inputs.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402


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


if __name__ == "__main__":
    main(HERE, "i*.rasp", TARGETED)
