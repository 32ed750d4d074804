"""Checks the twenty-fourth hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentyfourth/check_set.py [--nets DIR] [l01 l05 ...]

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
    """Long runs won by one player, so that a server reaches 9; a let now and then."""
    out, who = [], r.choice("AB")
    while len(out) < 12:
        if r.random() < 0.1:
            out.append("let")
        else:
            if r.random() < 0.15:
                who = "B" if who == "A" else "A"
            out.append(who)
    return out[:r.randint(1, 12)]


def frames(r):
    """Flags around short frames of data, escapes mostly before 5E / 5D, now and then a bad one."""
    out = ["7E"] if r.random() < 0.9 else []
    while len(out) < 12:
        roll = r.random()
        if roll < 0.15:
            out.append("7E")
        elif roll < 0.45:
            out += ["7D", r.choice(["5E", "5D", "5E", "5D", 41, 42, "7D", "7E"])]
        else:
            out.append(r.choice(["5E", "5D", 41, 42]))
    return out[:r.randint(1, 12)]


def dice(r):
    """Six dice: straights, three pairs, triples and throws of twos, threes, fours and sixes."""
    kind = r.randrange(4)
    if kind == 0:
        out = [1, 2, 3, 4, 5, 6]
    elif kind == 1:
        faces = r.sample([1, 2, 3, 4, 5, 6], 3)
        out = faces * 2
    elif kind == 2:
        out = [r.choice([2, 3, 4, 6])] * 3 + [r.choice([1, 2, 3, 4, 5, 6]) for _ in range(3)]
    else:
        out = [r.choice([2, 3, 4, 6]) for _ in range(6)]
    r.shuffle(out)
    return out[:r.choice([6, 6, 6, r.randint(1, 6)])]


def session(r):
    """Sessions in the right order mostly, with a message body holding command words and a QUIT."""
    out = ["HELO", "MAIL", "RCPT", "DATA"]
    if r.random() < 0.3:
        del out[r.randrange(4)]
    out += [r.choice(["hello", "QUIT", "MAIL", ".", "hello"]) for _ in range(r.randint(0, 3))]
    out += [r.choice(["QUIT", "HELO", "DATA", "MAIL"]) for _ in range(3)]
    return out[:r.randint(1, 10)]


def earners(r):
    """Mostly years of four credits, so that 40 credits are reached."""
    return [r.choice([7500, 60000]) if r.random() < 0.85 else r.choice([0, 900, 1900, 3700, 5600])
            for _ in range(r.randint(8, 12))]


def arcade(r):
    """Power pellets followed by runs of ghosts."""
    out = []
    while len(out) < 10:
        if r.random() < 0.3:
            out.append("power")
        out += ["ghost"] * r.randint(0, 5)
        out.append(r.choice(["dot", "cherry", "strawberry"]))
    return out[:r.randint(1, 10)]


def dive(r):
    """A dive profile: down below 10 m, back up in steps, a safety stop sometimes, the surface."""
    down = r.choice([[-9], [-18], [-30], [-18, -30], [-30, -40], [-40]])
    up = r.choice([[-18, -9, -5, -5, 0], [-9, -5, 0], [-9, -3, -3, 0], [-9, 0], [-5, 0], [0], [-30, -18, -9, -3, 0]])
    out = [0] * r.randint(0, 1) + down + up
    return out[:r.randint(1, 8)]


def names(r):
    """Names of content words with stop words inside and at the ends."""
    content = ["department", "defense", "research", "health"]
    out = []
    while len(out) < 8:
        out.append(r.choice(content) if r.random() < 0.6 else r.choice(["of", "the", "and"]))
    return out[:r.randint(1, 8)]


TARGETED = {"l01": rallies, "l02": frames, "l08": dice, "l12": session, "l13": earners, "l19": arcade,
            "l21": names, "l23": dive}


if __name__ == "__main__":
    main(HERE, "l*.rasp", TARGETED)
