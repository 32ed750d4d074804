"""Checks the twenty-fifth hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentyfifth/check_set.py [--nets DIR] [m01 m05 ...]

The checks themselves are `bench/handwritten_check.py`'s (what each set's script shares); this
file holds the set's targeted inputs.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402


def hands(r):
    """Mostly hands with overtricks (6 and 7 tricks), so that 10 and 20 bags are reached."""
    return [r.choice([6, 7, 7]) if r.random() < 0.8 else r.choice([2, 3, 4, 5]) for _ in range(r.randint(1, 12))]


def beats(r):
    """Heartbeats in bursts with long silences between, so that every state is reached."""
    out = []
    while len(out) < 12:
        out += ["-"] * r.choice([0, 1, 2, 3, 4, 5, 6, 7, 8]) + ["beat"] * r.randint(0, 2)
    return out[:r.randint(1, 12)]


def attempts(r):
    """Runs of collisions (up to 11 in a row) between sent frames, a busy medium now and then."""
    out = []
    while len(out) < 12:
        out += [r.choice(["collision"] * 6 + ["busy"]) for _ in range(r.randint(0, 11))] + ["sent"]
    return out[:r.randint(1, 12)]


def calls(r):
    """Commands, most of them after "simon says", a "simon" or a "says" alone now and then."""
    out = []
    while len(out) < 10:
        prefix = r.choice([["simon", "says"], ["simon", "says"], ["simon"], ["says"], []])
        out += prefix + [r.choice(["jump", "clap", "sit"])]
    return out[:r.randint(1, 10)]


def isbns(r):
    """Nine digits, so that every check digit (X included) is reached."""
    return [r.randrange(10) for _ in range(9)]


def slips(r):
    """Pairs of a price and a placing, in either order, a malformed pair or a lone last token now and then."""
    out = []
    while len(out) < 10:
        pair = [r.choice(["2/1", "5/1", "10/1"]), r.choice(["1st", "2nd", "3rd", "unplaced"])]
        if r.random() < 0.3:
            pair.reverse()
        if r.random() < 0.1:
            pair = [r.choice(["2/1", "5/1", "10/1", "1st", "2nd", "3rd", "unplaced"]) for _ in range(2)]
        out += pair
    return out[:r.randint(1, 10)]


def track(r):
    """A storm's track: strengthening in steps (sometimes 30 kt and more at once), then weakening."""
    winds = [45, 70, 85, 100, 115, 140, 160]
    i, out = r.randrange(3), []
    while len(out) < 8:
        out.append(winds[i])
        i = max(0, min(6, i + r.choice([1, 1, 2, 2, 3, 0, -1, -2])))
    return out[:r.randint(1, 8)]


def series(r):
    """Five to eight races, so that a discard is made, with ties for the worst."""
    return [r.choice([1, 2, 3, 5, 8, 8, "DNF", "DNS"]) for _ in range(r.randint(5, 8))]


def bidding(r):
    """Bids mostly raising in Perudo's order, a dudo now and then."""
    order = [21, 23, 26, 31, 35, 52]
    out = []
    while len(out) < 8:
        out.append("dudo" if r.random() < 0.12 else r.choice(order))
    return out[:r.randint(1, 8)]


def lifts(r):
    """Nine lights, mostly red, so that a bomb out is reached."""
    return [r.choice(["red", "red", "white"]) for _ in range(r.choice([9, 9, r.randint(1, 9)]))]


def tides(r):
    """A tide word, then hours after low water in order, and another tide."""
    out = []
    while len(out) < 12:
        if r.random() < 0.8:
            out.append(r.choice(["spring", "neap"]))
        start = r.randrange(3)
        out += list(range(start, min(7, start + r.randint(1, 7))))
    return out[:r.randint(1, 12)]


def addresses(r):
    """Addresses: a local part, an "@", a domain with dots, now and then a misplaced "." or "@"."""
    letters = ["a", "b", 7, "-"]
    out = [r.choice(letters) for _ in range(r.randint(0, 3))] + ["@"]
    out += [r.choice(letters) for _ in range(r.randint(0, 3))] + ["."]
    out += [r.choice(letters) for _ in range(r.randint(0, 3))]
    if r.random() < 0.4:
        out += ["."] + [r.choice(letters) for _ in range(r.randint(1, 2))]
    if r.random() < 0.2:
        out.insert(r.randrange(len(out) + 1), r.choice(["@", "."]))
    return out[:12]


TARGETED = {"m01": hands, "m03": beats, "m04": attempts, "m05": calls, "m07": isbns, "m14": slips,
            "m16": track, "m17": series, "m18": bidding, "m21": lifts, "m22": tides, "m24": addresses}


if __name__ == "__main__":
    main(HERE, "m*.rasp", TARGETED)
