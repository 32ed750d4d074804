"""Checks the twenty-sixth hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_twentysixth/check_set.py [--nets DIR] [n01 n05 ...]

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
    """Mostly one player's points, so that game points and games are reached."""
    leader = r.choice(["A", "B"])
    other = "B" if leader == "A" else "A"
    return [leader if r.random() < 0.9 else other for _ in range(r.randint(1, 12))]


def slide(r):
    """Index moves mostly falling, so that the halts and the close are reached, a recovery now and then."""
    return [r.choice([-4, -4, -2, -2, -1, 0, 1, 3]) for _ in range(r.randint(1, 12))]


def chats(r):
    """Long runs by one author, so that the sixth and eleventh messages of a run are reached."""
    out = []
    while len(out) < 12:
        out += [r.choice(["ann", "bob", "cy"])] * r.choice([1, 2, 5, 6, 7, 11, 12])
    return out[:r.randint(1, 12)]


def tournaments(r):
    """Seven bouts, mostly won, so that zensho is reached."""
    return [r.choice(["win", "win", "win", "fusensho", "loss", "fusenpai"]) if r.random() < 0.5 else "win"
            for _ in range(r.choice([7, 7, r.randint(1, 7)]))]


def calls(r):
    """Two triples, each a set half the time (the third card completing the first two), or a short last triple."""
    cards = {"1RD": (0, 0, 0), "2RD": (1, 0, 0), "3RD": (2, 0, 0), "1GO": (0, 1, 1), "2GS": (1, 1, 2),
             "3PO": (2, 2, 1), "1PS": (0, 2, 2), "2GO": (1, 1, 1), "3GS": (2, 1, 2), "2PD": (1, 2, 0)}
    out = []
    for _ in range(2):
        a, b = r.sample(list(cards), 2)
        third = tuple((-x - y) % 3 for x, y in zip(cards[a], cards[b]))
        match = [c for c, v in cards.items() if v == third]
        out += [a, b, match[0] if match and r.random() < 0.7 else r.choice(list(cards))]
    return out[:r.choice([6, 6, 6, r.randint(1, 6)])]


def dora(r):
    """DHCP exchanges in order (DISCOVER, OFFER, REQUEST, ACK or NAK, then renewals), a message out of
    place now and then."""
    order = {"DISCOVER": ["OFFER", "DISCOVER"], "OFFER": ["REQUEST"], "REQUEST": ["ACK", "ACK", "NAK"],
             "ACK": ["REQUEST", "DISCOVER"], "NAK": ["DISCOVER"]}
    out = ["DISCOVER"]
    while len(out) < 8:
        nxt = r.choice(order[out[-1]])
        if r.random() < 0.1:
            nxt = r.choice(list(order))
        out.append(nxt)
    return out[:r.randint(1, 8)]


def chains(r):
    """Word chains that mostly keep the rule, a repeat or a wrong letter now and then."""
    first = {"apple": "a", "eagle": "e", "egg": "e", "goat": "g", "tiger": "t", "rat": "r", "tea": "t"}
    last = {"apple": "e", "eagle": "e", "egg": "g", "goat": "t", "tiger": "r", "rat": "t", "tea": "a"}
    out = [r.choice(list(first))]
    while len(out) < 8:
        good = [w for w in first if first[w] == last[out[-1]]]
        out.append(r.choice(good) if good and r.random() < 0.85 else r.choice(list(first)))
    return out[:r.randint(1, 8)]


def titles(r):
    """Titles of short words with single spaces, 8 to 12 characters, now and then a long word."""
    out = []
    while len(out) < 12:
        out += [r.choice(["a", "e", "r", "t", "."]) for _ in range(r.choice([1, 2, 3, 4, 9]))] + ["_"]
    return out[:r.randint(8, 12)]


def streams(r):
    """MIDI: a status byte, then pairs of data bytes (running status), a stray data byte now and then."""
    out = [] if r.random() < 0.8 else [r.choice([0, 64, 127])]
    while len(out) < 10:
        out.append(r.choice(["on", "on", "off", "cc"]))
        for _ in range(r.choice([1, 1, 2, 3])):
            out += [r.choice([0, 64, 127]), r.choice([0, 0, 64, 127])][:2 if r.random() < 0.9 else 1]
    return out[:r.randint(1, 10)]


def subjects(r):
    """Subjects: a run of prefixes, then words, now and then a prefix among the words."""
    pre = [r.choice(["Re:", "RE:", "Fwd:", "FW:"]) for _ in range(r.randint(0, 4))]
    words = [r.choice(["lunch", "plans", "lunch", "plans", "Re:", "Fwd:"]) for _ in range(r.randint(1, 5))]
    return (pre + words)[:8]


TARGETED = {"n02": rallies, "n03": slide, "n05": chats, "n08": tournaments, "n11": calls, "n12": dora,
            "n14": chains, "n19": titles, "n22": streams, "n23": subjects}


if __name__ == "__main__":
    main(HERE, "n*.rasp", TARGETED)
