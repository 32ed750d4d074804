"""Checks the twentieth hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentieth/check_set.py [--nets DIR] [h01 h05 ...]

The checks themselves are `bench/handwritten_check.py`'s (what each set's script shares); this
file holds the set's targeted inputs.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402

KONAMI = "up up down down left right left right B A".split()


def konami(r):
    """Button presses with the code in them (sometimes one press changed or the code cut short)."""
    code = list(KONAMI)
    if r.random() < 0.3:
        code[r.randrange(10)] = r.choice(["up", "down", "left", "right", "B", "A"])
    if r.random() < 0.2:
        code = code[r.randint(0, 3):]
    out = [r.choice(KONAMI) for _ in range(r.randint(0, 2))] + code + [r.choice(KONAMI) for _ in range(2)]
    return out[:12]


def address(r):
    """IPv6 groups that are mostly 0, so that runs of zeros compete (ties included)."""
    return [0 if r.random() < 0.6 else r.choice([1, "db8", "ffff", 2001]) for _ in range(r.randint(1, 8))]


def try_fest(r):
    """A high-scoring match: mostly tries, some followed by conversions, few penalties."""
    out = []
    while len(out) < 10:
        side = r.choice("AB") if r.random() < 0.7 else "A"
        if r.random() < 0.8:
            out += [f"{side}:try"] + ([f"{side}:con"] if r.random() < 0.6 else [])
        else:
            out.append(f"{side}:pen")
    return out[:r.randint(1, 10)]


def rolls(r):
    """Dice rolls with doubles two times in three, so that runs of three and six doubles come up."""
    return [r.choice(["1+1", "2+2", "6+6"]) if r.random() < 0.67 else r.choice(["1+2", "3+5", "4+6"])
            for _ in range(r.randint(1, 10))]


def base64(r):
    """Encoded strings of 4, 8 or 12 characters ending in 0, 1 or 2 "="s; some characters mutated or one dropped."""
    n = r.choice([4, 8, 12])
    pad = r.choice([0, 1, 2])
    out = [r.choice(["A", "z", "+", "/"]) for _ in range(n - pad)] + ["="] * pad
    if r.random() < 0.3:
        out[r.randrange(n)] = r.choice(["A", "z", "+", "/", "="])
    if r.random() < 0.1:
        del out[r.randrange(n)]
    return out


def bout(r):
    """A bout of touches, a card or a halt now and then."""
    return [r.choice(["A", "B"]) if r.random() < 0.85 else r.choice(["redA", "redB", "halt"])
            for _ in range(r.randint(1, 12))]


TARGETED = {"h06": konami, "h07": address, "h09": try_fest, "h19": rolls, "h22": base64, "h23": bout}


if __name__ == "__main__":
    main(HERE, "h*.rasp", TARGETED)
