"""Checks the fortieth hand-written set (g01-g24; g25, g26 are refusals):
every compiled net against its program's reference outputs
and against a plain-Python statement of each task (written from the files' comments).

    python bench/handwritten_fortieth/check_set.py [--nets DIR] [g01 g05 ...]
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402


def per_prefix(f):
    """A causal spec from a function of the whole prefix."""
    return lambda xs: [f(xs[:i + 1]) for i in range(len(xs))]


def whole(f):
    """A non-causal spec from a function of the whole list giving every position's output."""
    return lambda xs: f(list(xs))


def cell(p, i):
    """The cell at index i, None past either end."""
    return p[i] if 0 <= i < len(p) else None


# ---------------------------------------------------------------------------------------------- specs
def muffin(p):
    out = []
    for i, t in enumerate(p):
        r, c = divmod(i, 3)
        cups = p[3 * r:3 * r + 3]
        note = "good row" if cups.count("baked") == 3 else "bad row" if cups.count("burnt") >= 2 else "mixed"
        if [p[j] for j in range(c, len(p), 3)].count("empty") == 3:
            note = "refill"
        out.append("spread" if t == "burnt" and r > 0 and p[i - 3] == "burnt" else note)
    return out


def glyph(p):
    n = len(p)
    mirrored = [p[(i // 3) * 3 + 2 - i % 3] if (i // 3) * 3 + 2 - i % 3 < n else p[i] for i in range(n)]
    return ["symmetric"] * n if mirrored == p else mirrored


def latin(p):
    n = len(p)
    clashes = []
    for i, t in enumerate(p):
        same_row = sum(p[j] == t for j in range(n) if j != i and j // 3 == i // 3)
        same_col = sum(p[j] == t for j in range(n) if j != i and j % 3 == i % 3)
        same_diag = sum(p[j] == t for j in range(0, n, 4) if j != i) if i % 4 == 0 else 0
        clashes.append(float(same_row + same_col + same_diag))
    return [-1.0] * n if n == 9 and not any(clashes) else clashes


def pigeonholes(p):
    out = []
    for i, t in enumerate(p):
        left = p[i - 1] if i % 4 > 0 else None
        right = p[i + 1] if i % 4 < 3 and i + 1 < len(p) else None
        sides = (left in ("letter", "parcel")) + (right in ("letter", "parcel"))
        label = ("wedged" if sides == 2 else "alone" if sides == 0 else t) if t != "empty" else t
        col = [p[j] for j in range(i % 4, len(p), 4)]
        out.append(label + " stack" if sum(x != "empty" for x in col) == 3 else label)
    return out


def doughnuts(p):
    out = []
    for i in range(len(p)):
        near = [i - 1] if i % 4 > 0 else []
        near += [i + 1] if i % 4 < 3 else []
        near += [(i + 4) % 8]
        out.append(float(sum(cell(p, j) == "glazed" for j in near)))
    return out


def classroom(p):
    out = []
    for i, t in enumerate(p):
        s = (i % 3) * 3 + i // 3
        seen = p[s] if s < len(p) else "gone"
        out.append("stays" if seen == t and t != "-" else seen)
    return out


def advent(p):
    rows = [p[r * 4:r * 4 + 4] for r in range(3)]
    shut = [r for r in range(3) if "shut" in rows[r]]
    if not shut:
        return [-1.0] * len(p)
    r = shut[0]
    return [r - (rows[r].count("shut") - 1) / 4] * len(p)


def stadium(p):
    rows, cur = [], []
    for t in p:
        cur.append(t)
        if t == "|":
            rows.append(cur)
            cur = []
    rows.append(cur)
    out = []
    for row in rows:
        fans, empties = row.count("fan"), row.count("empty")
        out += [-1.0 if t == "|" else 10.0 if empties == 0 else float(fans) for t in row]
    return out


def maze(p):
    out = []
    for i, t in enumerate(p):
        near = ([i - 1] if i % 3 > 0 else []) + ([i + 1] if i % 3 < 2 else []) + [i - 3, i + 3]
        e = sum(cell(p, j) == "open" for j in near)
        out.append("wall" if t == "wall" else ["isolated", "dead end", "corridor"][e] if e < 3 else "junction")
    return out


def dot_matrix(p):
    out = []
    for k in range(len(p)):
        s = (k % 2) * 4 + k // 2
        seen = p[s] if s < len(p) else "skip"
        dots = sum(cell(p, r * 4 + k // 2) == "dot" for r in range(2))
        out.append("pause" if dots == 0 else seen)
    return out


def test_hall(p):
    passes = [sum(p[j] == "pass" for j in range(c, len(p), 3)) for c in range(3)]
    w = -1 if max(passes) == 0 else passes.index(max(passes))
    return [-2.0 if t == "absent" else float(w + 10 if t == "pass" and i % 3 == w else w) for i, t in enumerate(p)]


def dosette(p):
    out = []
    for i, t in enumerate(p):
        d = i // 4
        box = p[4 * d:4 * d + 4]
        m = box.count("missed")
        note = "all taken" if box.count("taken") == 4 else "ok" if m == 0 else "missed %d" % m if m < 3 else "missed 3+"
        note = "missed again" if t == "missed" and d > 0 and p[i - 4] == "missed" else note
        empties = sum(p[j] == "empty" for j in range(i % 4, len(p), 4))
        out.append("refill" if t == "empty" and empties >= 2 else note)
    return out


def microplate(p):
    def share(js):
        kept = [p[j] for j in js if p[j] != "blank"]
        return kept.count("pos") / len(kept) if kept else 0.0
    n = len(p)
    return [share([j for j in range(n) if j // 4 == i // 4]) + share([j for j in range(n) if j % 4 == i % 4])
            for i in range(n)]


def bookcase(p):
    out, start = [], 0
    bounds = []
    for i, t in enumerate(p + ["|"]):
        if t == "|":
            bounds.append((start, i - 1))
            start = i + 1
    for a, b in bounds:
        for i in range(a, b + 1):
            m = p[a + b - i]
            out.append("=" if m == p[i] else m)
        if b + 1 < len(p):
            out.append("|")
    return out


def office(p):
    out = []
    for i, t in enumerate(p):
        floor = p[3 * (i // 3):3 * (i // 3) + 3]
        column = [p[j] for j in range(i % 3, len(p), 3)]
        note = "as below" if i + 3 < len(p) and p[i + 3] == t else t
        if floor.count("lit") == 3:
            note = "lit floor"
        elif "lit" not in column:
            note = "dark column"
        out.append(note)
    return out


def band(p):
    out = []
    for i, t in enumerate(p):
        if i < 4:
            out.append("front")
            continue
        a = p[i - 4]
        if t == "gap":
            out.append("hole" if a == "gap" else "close up")
        elif t == a:
            out.append("in step")
        else:
            out.append("section" if p[4 * (i // 4):4 * (i // 4) + 4].count(t) >= 3 else t)
    return out


def fax(p):
    i, t = len(p) - 1, p[-1]
    k = sum(p[j] == "black" for j in range(i % 4, i + 1, 4)) if t == "black" else 0
    line = p[i - 3:i + 1] if i % 4 == 3 else []
    if t == "white" and i >= 4 and p[i - 4] == "black":
        return -1.0
    return float(k + 10 if line.count("black") == 4 else k)


def berths(p):
    i, t = len(p) - 1, p[-1]
    if t == "booked":
        if p[4 * (i // 4):i + 1].count("booked") == 4:
            return "compartment full"
        return "window" if i % 4 in (0, 3) else "corridor"
    if p.count("booked") >= 8:
        return "last berths"
    return "free pair" if i % 4 in (1, 3) and p[i - 1] == "free" else "free"


def typewriter(p):
    if p[-1] == "|" and len(p) > 1 and p[-2] == "|":
        return "blank line"
    if p[-1] == "|":
        lines = p.count("|")
        return "line %d" % lines if lines < 4 else "line 4+"
    last = max((j for j, t in enumerate(p) if t == "|"), default=-1)
    c = len(p) - 1 - last
    return "jam" if c > 5 else "ding" if c == 5 else str(c)


def cupcakes(p):
    i, t = len(p) - 1, p[-1]
    if i >= 3 and all(p[j] == p[j - 3] for j in range(3 * (i // 3), i + 1)) and i % 3 == 2:
        return "row matched"
    if t == "plain" and p[3 * (i // 3):].count("plain") >= 2:
        return "redo row"
    if i < 3:
        return "plain" if t == "plain" else "first row"
    return "match" if p[i - 3] == t else t


def petri(p):
    def touching(i):
        return (i % 3 > 0 and p[i - 1] == "colony") + (i >= 3 and p[i - 3] == "colony")
    i = len(p) - 1
    if p[i] == "clear":
        return "clear"
    k = touching(i)
    if k:
        return "grows" if k == 1 else "joins"
    n = sum(p[j] == "colony" and touching(j) == 0 for j in range(i + 1))
    return "new %d" % n if n < 4 else "new 4+"


def jigsaw(p):
    slots = ["corner", "edge", "corner", "edge", "middle", "edge", "corner", "edge", "corner"]
    m = sum(t != s for t, s in zip(p, slots))
    return -1.0 if m == 0 and len(p) == 9 else float(m)


def punch_card(p):
    i, t = len(p) - 1, p[-1]
    if t == "blank":
        return float(-p[4 * (i // 4):].count("hole"))
    k = sum(p[j] == "hole" for j in range(i % 4, i + 1, 4))
    return float(k + 10 if i >= 4 and p[i - 4] == "hole" else k)


def pallet(p):
    i, t = len(p) - 1, p[-1]
    if t == "box" and i >= 3 and p[i - 3] == "gap":
        return "unstable"
    if t == "gap" and i >= 3 and p[i - 3] == "gap":
        return "chimney"
    if i % 3 == 2 and p[i - 2:].count("box") == 3:
        return "pallet done" if p.count("box") == 9 else "layer done"
    return t


SPECS = {"g01": whole(muffin), "g02": whole(glyph), "g03": whole(latin), "g04": whole(pigeonholes),
         "g05": whole(doughnuts), "g06": whole(classroom), "g07": whole(advent), "g08": whole(stadium),
         "g09": whole(maze), "g10": whole(dot_matrix), "g11": whole(test_hall), "g12": whole(dosette),
         "g13": whole(microplate), "g14": whole(bookcase), "g15": whole(office), "g16": whole(band),
         "g17": per_prefix(fax), "g18": per_prefix(berths), "g19": per_prefix(typewriter), "g20": per_prefix(cupcakes),
         "g21": per_prefix(petri), "g22": per_prefix(jigsaw), "g23": per_prefix(punch_card), "g24": per_prefix(pallet)}


# ---------------------------------------------------------------------------------------------- targeted
def tins(r):
    """Mostly baked tins, a burnt column now and then, an empty column."""
    p = r.choices(["baked", "burnt", "empty"], [5, 2, 1], k=r.randint(1, 9))
    c = r.randrange(3)
    kind = r.choice(["burnt", "empty", None])
    return [kind if kind and i % 3 == c else t for i, t in enumerate(p)]


def glyphs(r):
    """Symmetric glyphs, one pixel flipped now and then."""
    rows = [r.choice([[0, 0, 0], [1, 1, 1], [1, 0, 1], [0, 1, 0]]) for _ in range(3)]
    p = [x for row in rows for x in row]
    if r.random() < 0.4:
        j = r.randrange(9)
        p[j] = 1 - p[j]
    return p[:r.choice([3, 6, 9, 9, r.randint(1, 9)])]


def squares(r):
    """Latin squares (shifted rows), a slip now and then."""
    a, b, c = r.sample([1, 2, 3], 3)
    s = r.choice([1, 2])
    p = [[a, b, c][(j + s * k) % 3] for k in range(3) for j in range(3)]
    if r.random() < 0.4:
        p[r.randrange(9)] = r.randint(1, 3)
    return p[:r.choice([9, 9, r.randint(1, 9)])]


def mailwall(r):
    return r.choices(["letter", "parcel", "empty"], [3, 2, r.random() * 3], k=r.randint(1, 12))


def boxes(r):
    return r.choices(["glazed", "plain", "empty"], [3, 2, 1], k=r.randint(1, 8))


def plans(r):
    return r.choices(["ann", "ben", "cat", "dev", "-"], [1, 1, 1, 1, r.random() * 3], k=r.choice([9, r.randint(1, 9)]))


def doors(r):
    """Doors mostly open, a few shut doors clustered in one row."""
    p = ["open"] * r.randint(1, 12)
    row = r.randrange(3)
    for _ in range(r.randint(0, 4)):
        j = row * 4 + r.randrange(4)
        if j < len(p):
            p[j] = "shut"
    return p


def terraces(r):
    p = []
    for _ in range(r.randint(1, 4)):
        p += r.choices(["fan", "empty"], [4, 1], k=r.randint(0, 3)) + ["|"]
    return p[:r.randint(1, 10)]


def mazes(r):
    return r.choices(["wall", "open"], [1, 2], k=r.choice([9, r.randint(1, 9)]))


def printouts(r):
    """Sparse bitmaps: empty columns (pauses)."""
    return r.choices(["dot", "blank"], [1, 3], k=r.randint(1, 8))


def results(r):
    """Close columns: ties for the most passes."""
    return r.choices(["pass", "fail", "absent"], [3, 2, r.random()], k=r.randint(1, 9))


def organisers(r):
    """Mostly taken, misses on one compartment day after day."""
    c = r.randrange(4)
    return [r.choice(["missed", "taken"]) if i % 4 == c else r.choices(["taken", "missed", "empty"], [8, 1, 1])[0]
            for i in range(r.randint(1, 12))]


def plates(r):
    return r.choices(["pos", "neg", "blank"], [2, 2, r.random() * 2], k=r.randint(1, 12))


def shelves(r):
    p = []
    for _ in range(r.randint(1, 4)):
        p += r.choices(["big", "small"], k=r.randint(0, 4)) + ["|"]
    return p[:r.randint(1, 10)]


def blocks(r):
    """Whole floors lit, dark columns."""
    rows = [r.choice([["lit"] * 3, ["dark"] * 3, r.choices(["lit", "dark"], k=3)]) for _ in range(3)]
    p = [x for row in rows for x in row]
    if r.random() < 0.4:
        c = r.randrange(3)
        p = ["dark" if i % 3 == c else x for i, x in enumerate(p)]
    return p[:r.choice([9, r.randint(1, 9)])]


def formations(r):
    """Ranks in step, one section, a few gaps."""
    first = r.choices(["drum", "horn", "flute", "gap"], [3, 3, 3, 1], k=4)
    p = first * 3
    for _ in range(r.randint(0, 4)):
        p[r.randrange(12)] = r.choice(["drum", "horn", "flute", "gap"])
    return p[:r.choice([12, r.randint(1, 12)])]


def pages(r):
    """Black scan lines, black columns."""
    c = r.randrange(4)
    return [r.choices(["black", "white"], [4, 1])[0] if i % 4 == c or r.random() < 0.5 else "white"
            for i in range(r.randint(1, 12))]


def bookings(r):
    """Busy carriages: eight or more booked, full compartments."""
    return r.choices(["booked", "free"], [r.randint(1, 4), 1], k=r.randint(1, 12))


def typing(r):
    """Long lines (the bell, a jam), a few returns."""
    return r.choices(["key", "space", "|"], [4, 1, r.random()], k=r.randint(1, 10))


def icing(r):
    """Rows iced alike, plain cakes."""
    first = r.choices(["pink", "blue", "plain"], k=3)
    p = first * 3
    for _ in range(r.randint(0, 3)):
        p[r.randrange(9)] = r.choice(["pink", "blue", "plain"])
    return p[:r.randint(1, 9)]


def dishes(r):
    return r.choices(["colony", "clear"], [1, r.random() * 3], k=r.randint(1, 9))


def puzzles(r):
    """Mostly right, a slip or two."""
    p = ["corner", "edge", "corner", "edge", "middle", "edge", "corner", "edge", "corner"]
    for _ in range(r.choice([0, 0, 1, 2])):
        p[r.randrange(9)] = r.choice(["corner", "edge", "middle"])
    return p[:r.choice([9, 9, r.randint(1, 9)])]


def cards(r):
    c = r.randrange(4)
    return [r.choices(["hole", "blank"], [4, 1])[0] if i % 4 == c else r.choice(["hole", "blank"])
            for i in range(r.randint(1, 12))]


def pallets(r):
    """Mostly boxes: full layers, a gap."""
    p = ["box"] * r.randint(1, 9)
    if r.random() < 0.6:
        p[r.randrange(len(p))] = "gap"
    return p


TARGETED = {"g01": tins, "g02": glyphs, "g03": squares, "g04": mailwall, "g05": boxes, "g06": plans, "g07": doors,
            "g08": terraces, "g09": mazes, "g10": printouts, "g11": results, "g12": organisers, "g13": plates,
            "g14": shelves, "g15": blocks, "g16": formations, "g17": pages, "g18": bookings, "g19": typing,
            "g20": icing, "g21": dishes, "g22": puzzles, "g23": cards, "g24": pallets}


if __name__ == "__main__":
    main(HERE, "g*.rasp", TARGETED, specs=SPECS)
