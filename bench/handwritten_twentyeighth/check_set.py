"""Checks the twenty-eighth hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentyeighth/check_set.py [--nets DIR] [p01 p05 ...]

The checks themselves are `bench/handwritten_check.py`'s (what each set's script shares); this
file holds the set's targeted inputs.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402


def climbs(r):
    """A trek that mostly climbs, by one or two steps a night, with a rest night now and then."""
    alts = [2800, 3100, 3500, 4100, 4400, 5000]
    level, out = r.randrange(3), []
    for _ in range(r.randint(1, 10)):
        out.append(alts[level])
        step = r.choice([1, 1, 1, 2, 0, -1])
        level = min(max(level + step, 0), 5)
    return out


def fights(r):
    """Long combos: whiffs rare, supers now and then."""
    return [r.choice(["jab", "kick", "jab", "kick", "super"]) if r.random() > 0.08 else "whiff"
            for _ in range(r.randint(6, 12))]


def balances(r):
    """Charts that run one way (mostly intake or mostly output), so that both review bands are reached."""
    lean = r.random()
    return [r.choice([250, 500]) if r.random() < lean else r.choice([-250, -500, -750])
            for _ in range(r.randint(1, 10))]


def titrations(r):
    """Additions near the equivalence point: eight 2.5 ml then small ones, and other mixes."""
    big = r.randint(0, 9)
    return (["2.5"] * big + [r.choice(["0.5", "1.0"]) for _ in range(10 - big)])[:r.randint(max(big, 1), 10)]


def numbers(r):
    """Typed numbers: a whole part of 1 .. 8 digits, often a point and a fraction, now and then a second point."""
    digits = [0, 1, 2, 5, 7, 9]
    out = [r.choice(digits) for _ in range(r.randint(1, 8))]
    if r.random() < 0.6:
        out += ["."] + [r.choice(digits) for _ in range(r.randint(0, 2))]
    if r.random() < 0.2:
        out += ["."] + [r.choice(digits) for _ in range(r.randint(0, 2))]
    return out[:10]


def charts(r):
    """Eye tests read the way they go: the top lines whole, counts falling down the chart, often to a failed line."""
    out, good = [], r.randint(3, 8)
    for i in range(r.randint(1, 8)):
        out.append(5 if i < good - 2 else r.choice([5, 4, 3, 3, 2, 1, 0]))
    return out


def bouts(r):
    """Bouts where one side scores most, so that 8-point leads (and "over") are reached."""
    side = r.choice(["AKA", "AO"])
    other = "AO" if side == "AKA" else "AKA"
    return [f"{side if r.random() < 0.8 else other}-{r.choice([1, 2, 3])}" for _ in range(r.randint(1, 10))]


def surveys(r):
    """A first session of unmarked newts, a bar, then a second session with some recaptures."""
    first = ["o"] * r.randint(0, 6)
    second = [r.choice(["o", "x"]) for _ in range(r.randint(0, 6))]
    return (first + ["|"] + second)[:12]


def phones(r):
    """Ten-digit numbers, most of them valid, some with a 0 or 1 at places 0 and 3, some N11."""
    d = [r.choice([0, 1, 2, 5, 8, 9]) for _ in range(10)]
    if r.random() < 0.5:
        d[0], d[3] = r.choice([2, 5, 8, 9]), r.choice([2, 5, 8, 9])
    if r.random() < 0.2:
        d[1], d[2] = 1, 1
    return d[:r.choice([10, 10, 10, r.randint(1, 10)])]


def charts_of_chords(r):
    """Progressions ending on the cadences (V-I, IV-I, V-vi, ending on V) with held chords."""
    chords = ["C", "Dm", "Em", "F", "G", "G7", "Am", "E"]
    body = [r.choice(chords) for _ in range(r.randint(0, 5))]
    if r.random() < 0.3 and body:
        body.append(body[-1])
    ending = r.choice([["G", "C"], ["G7", "C"], ["F", "C"], ["G", "Am"], ["G7", "Am"], ["G"], ["G7"], ["Dm", "G"]])
    return (body + ending)[-8:]


def texts(r):
    """Short English-like words (consonant-vowel patterns, some ending in e) between spaces."""
    words = ["rate", "tears", "ratio", "aerie", "tree", "rest", "site", "tie", "stir", "ease", "oat", "rose", "tote",
             "sore", "sitar", "aorta", "street", "s", "a", "are"]
    out = []
    while len(out) < 12:
        out += list(r.choice(words)) + ["_"]
    start = r.choice([0, 0, r.randrange(4)])
    return out[start:start + r.randint(1, 12)]


TARGETED = {"p01": climbs, "p03": fights, "p04": balances, "p05": titrations, "p13": numbers, "p16": charts,
            "p18": bouts, "p19": surveys, "p20": phones, "p22": charts_of_chords, "p23": texts}


if __name__ == "__main__":
    main(HERE, "p*.rasp", TARGETED)
