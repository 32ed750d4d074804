"""Checks the twenty-ninth hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentyninth/check_set.py [--nets DIR] [q01 q05 ...]

The checks themselves are `bench/handwritten_check.py`'s (what each set's script shares); this
file holds the set's targeted inputs.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402


def dives(r):
    """Dives that go down, stay, and come up in steps, most of them by way of a safety stop at -3 m."""
    depths = [-30, -18, -12, -6, -3, 0]
    out, level = [], r.randint(3, 5)
    for _ in range(r.randint(1, 10)):
        out.append(depths[level])
        level = min(max(level + r.choice([-2, -1, 0, 1, 1, 1, 2]), 0), 5)
    return out


def rounds(r):
    """Agility rounds: mostly clear, with refusals often enough that three are reached."""
    return [r.choice(["clear", "clear", "refusal", "refusal", "fault"]) if r.random() > 0.05 else "elim"
            for _ in range(r.randint(1, 10))]


def lights(r):
    """Logs that mostly follow the legal cycle (junction or pelican), a few with one wrong change."""
    cycle = r.choice([["G", "A", "R", "RA"], ["G", "A", "R", "FA"]])
    k, out = r.randrange(4), []
    for _ in range(r.randint(1, 8)):
        out.append(cycle[k] if r.random() > 0.07 else r.choice(["R", "RA", "G", "A", "FA"]))
        k = (k + r.choice([1, 1, 0])) % 4
    return out


TARGETED = {"q02": lights, "q04": rounds, "q06": dives}


if __name__ == "__main__":
    main(HERE, "q*.rasp", TARGETED)
