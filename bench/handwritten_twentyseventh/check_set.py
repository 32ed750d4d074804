"""Checks the twenty-seventh hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentyseventh/check_set.py [--nets DIR] [o01 o05 ...]

The checks themselves are `bench/handwritten_check.py`'s (what each set's script shares); this
file holds the set's targeted inputs.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402


def rallies(r):
    """Mostly points for the serving side, so that high scores and both servers of both sides are reached."""
    return ["point" if r.random() < 0.75 else "fault" for _ in range(r.randint(1, 12))]


def charts(r):
    """Short charts of mild readings (low and low-medium risk), now and then a repeated parameter."""
    mild = ["RR22", "SpO2-95", "HR45", "HR120", "BP98", "O2", "RR8", "CVPU", "SpO2-93", "RR26"]
    return [r.choice(mild[:r.choice([3, 4, 6, 10])]) for _ in range(r.randint(1, r.choice([2, 3, 4, 8])))]


def teens(r):
    """Numbers ending in 11, 12, 13, 1, 2, 3 (the suffixes' exceptions)."""
    tail = r.choice([[1, 1], [1, 2], [1, 3], [2, 1], [0, 2], [4, 3], [1], [2], [3]])
    return ([r.randint(0, 9) for _ in range(r.randint(0, 5 - len(tail)))] + tail)[-5:]


def hands(r):
    """Hands with repeated tiles (pairs, pungs, kongs) and runs."""
    tiles = ["1s", "2s", "3s", "4s", "5s", "6s", "Rd", "Gd"]
    out = []
    while len(out) < 8:
        t = r.choice(tiles)
        out += [t] * r.choice([1, 1, 2, 3, 4])
    return out[:r.randint(1, 8)]


def rows(r):
    """A crossword row of short answers between single black squares, so that clue numbers up to 4 are reached."""
    out = [] if r.random() < 0.7 else ["#"]
    while len(out) < 12:
        out += [r.choice(["_", "A", "E", "S", "T"]) for _ in range(r.choice([1, 2, 2, 3]))] + ["#"]
    return out[:r.randint(6, 12)]


def stages(r):
    """Good shooting (85 % hits), mostly all ten shots, so that clean stages are reached."""
    return ["hit" if r.random() < 0.85 else "miss" for _ in range(r.choice([10, 10, 5, r.randint(1, 10)]))]


def pools(r):
    """Dice pools heavy in ones, so that glitches and critical glitches are reached."""
    return [1 if r.random() < 0.55 else r.randint(2, 6) for _ in range(r.randint(1, 8))]


def chats(r):
    """Text with emoticons (with and without a nose) and stray eyes, noses and mouths."""
    out = []
    while len(out) < 10:
        kind = r.random()
        if kind < 0.4:
            out += [r.choice([":", ";"])] + (["-"] if r.random() < 0.4 else []) + [r.choice([")", "(", "D", "P"])]
        else:
            out.append(r.choice(["a", "a", ":", ";", "-", ")", "(", "D", "P"]))
    return out[:r.randint(1, 10)]


def changes(r):
    """A first row of five different bells, then a change swapping pairs of neighbours (plain hunting),
    now and then a bell moved further, repeated or left out."""
    row = r.sample([1, 2, 3, 4, 5], 5)
    nxt = row[:]
    start = r.choice([0, 1])
    for i in range(start, 4, 2):
        nxt[i], nxt[i + 1] = nxt[i + 1], nxt[i]
    if r.random() < 0.3:
        i, j = r.sample(range(5), 2)
        nxt[i], nxt[j] = nxt[j], nxt[i]
    if r.random() < 0.15:
        row[r.randrange(5)] = r.randint(1, 5)
    return (row + nxt)[:r.choice([10, 10, 10, r.randint(1, 10)])]


TARGETED = {"o01": rallies, "o07": charts, "o09": teens, "o10": hands, "o11": rows, "o16": stages, "o19": pools,
            "o23": chats, "o24": changes}


if __name__ == "__main__":
    main(HERE, "o*.rasp", TARGETED)
