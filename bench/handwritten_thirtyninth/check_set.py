"""Checks the thirty-ninth hand-written set (y01-y24; y25, y26 are refusals):
every compiled net against its program's reference outputs
and against a plain-Python statement of each task (written from the files' comments).

    python bench/handwritten_thirtyninth/check_set.py [--nets DIR] [y01 y05 ...]
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


def distinct(p):
    """The distinct values in order of first appearance."""
    out = []
    for x in p:
        if x not in out:
            out.append(x)
    return out


def stable_order(p, key):
    """Positions sorted by key, ties by position."""
    return sorted(range(len(p)), key=lambda i: (key(p[i]), i))


# ---------------------------------------------------------------------------------------------- specs
def slalom(p):
    times = [9 if t == "dnf" else t for t in p]
    best = min(times)
    out = []
    for t, x in zip(p, times):
        if t == "dnf":
            out.append("dnf")
            continue
        place = 1 + sum(y < x for y in times)
        out.append({1: "gold", 2: "silver", 3: "bronze"}.get(place, "+%d" % (x - best)))
    return out


def pageant(p):
    order = stable_order(p, lambda t: t)
    seat = order[(len(p) - 1) // 2]
    m = p[seat]
    dropped = {order[0], order[-1]} if len(p) >= 3 else set()
    out = []
    for i, t in enumerate(p):
        if i in dropped:
            out.append("dropped")
        elif i == seat:
            out.append("median")
        elif abs(t - m) >= 3:
            out.append("outlier")
        else:
            out.append("high" if t > m else "low" if t < m else "level")
    return out


def playlist(p):
    d = distinct(p)
    return [(d[j] + "*" if p.count(d[j]) >= 3 else d[j]) if j < len(d) else "-" for j in range(len(p))]


def vinyl(p):
    cut = p.index("|") if "|" in p else len(p)
    crate = set(p[:cut])
    wants = set(t for t in p[cut:] if t != "|")
    union = crate | wants
    return [len(crate & wants) / len(union) if union else 0.0] * len(p)


def bookshelf(p):
    height = {"atlas": 3, "novel": 2}
    shelf = [p[i] for i in stable_order(p, lambda t: -height.get(t, 1))]
    moved = ["stays" if s == t else s for s, t in zip(shelf, p)]
    changes = sum(m != "stays" for m in moved)
    if changes == 0:
        return ["tidy"] * len(p)
    if changes == 2:
        moved = ["swap" if m != "stays" else m for m in moved]
    return ["box" if i >= 6 else m for i, m in enumerate(moved)]


def carpool(p):
    if len(set(p)) < len(p):
        return [-1.0] * len(p)
    down = sum(p[i] > p[j] for j in range(len(p)) for i in range(j))
    up = sum(p[i] < p[j] for j in range(len(p)) for i in range(j))
    return [float(min(down, up))] * len(p)


def ramen(p):
    d = distinct(p)
    fav = max(d, key=lambda b: (p.count(b), -d.index(b)))
    return ["sold out" if p.count(fav) >= 5 else fav] * len(p)


def marrow(p):
    ws = sorted(set(w for w in p if w >= 3), reverse=True)
    out = []
    for w in p:
        if w < 3:
            out.append(-2.0)
        elif w == ws[0]:
            out.append(-1.0)
        else:
            out.append(float(ws[1] - w))
    return out


def shortlist(p):
    order = stable_order(p, lambda s: -s)
    rank = {i: r for r, i in enumerate(order)}
    cut = p[order[min(len(p), 3) - 1]]
    out = []
    for i, s in enumerate(p):
        band = "shortlisted" if rank[i] < 3 else ("reserve %d" % (rank[i] - 2) if rank[i] < 5 and s >= 4 else "no")
        band = "tied out" if band != "shortlisted" and s == cut else band
        out.append("fast track" if rank[i] == 0 and p.count(s) == 1 else band)
    return out


def gymnastics(p):
    scores = sorted(set(t for t in p if t != "fall"), reverse=True)
    out = []
    for t in p:
        if t == "fall":
            out.append(0.0)
            continue
        place = scores.index(t) + 1
        out.append(float(place) if place <= 3 else float(t - scores[2]))
    return out


def podcast(p):
    eps = [t for t in p if t != "trailer"]
    return [-1.0 if x == "trailer" else
            float(int(100 * (sum(y < x for y in eps) + eps.count(x) / 2) / len(eps) + 0.5)) for x in p]


def wardrobe(p):
    cut = p.index("|") if "|" in p else len(p)
    out = [t for t in p[:cut]]
    back = [t for t in p[cut:] if t != "|"]
    items = set(out) | set(back)
    if any(back.count(t) < out.count(t) for t in items):
        v = "short"
    elif any(back.count(t) > out.count(t) for t in items):
        v = "extra"
    else:
        v = "same"
    return [v] * len(p)


def hackathon(p):
    room = [p[:i + 1].count("|") for i in range(len(p))]
    teams = [i for i, t in enumerate(p) if t != "|"]
    merged = sorted(teams, key=lambda i: (-p[i], i))
    out = []
    for i, t in enumerate(p):
        if t == "|":
            out.append(float(sum(room[j] == room[i] and p[j] != "|" for j in range(len(p)))))
            continue
        own = sorted([j for j in teams if room[j] == room[i]], key=lambda j: (-p[j], j))
        out.append(float(merged.index(i) - own.index(i)))
    return out


def quilt(p):
    pts = [0 if t == "w" else t for t in p]
    judged = sum(x > 0 for x in pts)
    return [float(judged + 1) if x == 0 else sum(y > x for y in pts) + (pts.count(x) + 1) / 2 for x in pts]


def stickers(p):
    row = sorted(p)
    out, doubles = [], 0
    for j, v in enumerate(row):
        if j > 0 and row[j - 1] == v:
            doubles += 1
            out.append("swap %d" % doubles)
        else:
            out.append(v)
    return out


def party(p):
    cut = p.index("|") if "|" in p else len(p)
    invited = p[:cut]
    door = [t for t in p[cut:] if t != "|"]
    out = []
    for i, t in enumerate(p):
        if t == "|":
            out.append("absent %d" % len(set(invited) - set(door)))
        elif i < cut:
            out.append("came" if t in door else "absent")
        else:
            out.append("guest" if t in invited else "crasher")
    return out


# ---------------------------------------------------------------------------------------------- causal specs (y17-y24)
def board(p):
    pts = {t: p.count(t) for t in ("owls", "foxes", "bears")}
    top = max(pts.values())
    leaders = [t for t in pts if pts[t] == top]
    return leaders[0] if len(leaders) == 1 else "tied"


def trivia(p):
    now, before = board(p), board(p[:-1])
    counts = sorted((p.count(t) for t in ("owls", "foxes", "bears")), reverse=True)
    if counts[0] - counts[1] >= 3:
        return "runaway"
    return now + "!" if now != "tied" and now != before else now


def piano(p):
    t = p[-1]
    if t == "rest":
        return "rest"
    days = [x for x in p if x != "rest"]
    longer = len(set(x for x in days if x > t))
    if longer == 0:
        return "record" if days.count(t) == 1 else "equal best"
    if len(p) > 1 and p[-2] == "rest":
        return "back"
    return longer + 1


def luge(p):
    return float(sorted(p)[(len(p) - 1) // 2])


def birdwatch(p):
    t = p[-1]
    if t == "none":
        return -1.0
    if t in p[:-1]:
        return 0.0
    return float(len(set(p) - {"none"}))


def throwdown(p):
    t = p[-1]
    if t == "foul":
        return "off"
    earlier = [x for x in p[:-1] if x != "foul"]
    rank = sum(x >= t for x in earlier)
    if rank > 2:
        return "off"
    return ["leads", "2nd", "3rd"][rank] + ("=" if t in earlier else "") + ("*" if len(earlier) >= 3 else "")


def box_office(p):
    if len(p) == 1:
        return 0.0
    best = max(p[:-1])
    return float(p[-1] - best) if p[-1] >= best else -float(best - p[-1])


def yearbook(p):
    h = [0 if t == "gap" else t for t in p]
    return float(sum(h[i] > h[j] for j in range(len(h)) for i in range(j) if h[j] > 0))


def grocery(p):
    t = p[-1]
    if t in p[:-1]:
        return "again" if p[:-1].count(t) == 1 else "again+"
    return t if len(set(p)) <= 4 else "no room"


SPECS = {"y01": whole(slalom), "y02": whole(pageant), "y03": whole(playlist), "y04": whole(vinyl),
         "y05": whole(bookshelf), "y06": whole(carpool), "y07": whole(ramen), "y08": whole(marrow),
         "y09": whole(shortlist), "y10": whole(gymnastics), "y11": whole(podcast), "y12": whole(wardrobe),
         "y13": whole(hackathon), "y14": whole(quilt), "y15": whole(stickers), "y16": whole(party),
         "y17": per_prefix(trivia), "y18": per_prefix(piano), "y19": per_prefix(luge), "y20": per_prefix(birdwatch),
         "y21": per_prefix(throwdown), "y22": per_prefix(box_office), "y23": per_prefix(yearbook),
         "y24": per_prefix(grocery)}


# ---------------------------------------------------------------------------------------------- targeted
def race(r):
    """Close times, ties, a few did-not-finish."""
    lo = r.randint(1, 4)
    return r.choices(list(range(lo, lo + 3)) + ["dnf"], [3, 3, 3, r.random()], k=r.randint(1, 8))


def panel(r):
    lo = r.randint(1, 5)
    return r.choices([lo, lo + 1, lo + 2], k=r.randint(1, 7))


def requests(r):
    return r.choices("abcdef"[:r.randint(1, 6)], k=r.randint(1, 10))


def fair(r):
    """Two lists sharing titles, one bar (now and then none or two)."""
    n = r.randint(0, 9)
    a = r.choices("abcde"[:r.randint(1, 5)], k=r.randint(0, n))
    b = r.choices("abcde"[:r.randint(1, 5)], k=n - len(a))
    out = a + ["|"] + b
    if r.random() < 0.1:
        out.insert(r.randint(0, len(out)), "|")
    if r.random() < 0.05:
        out = [t for t in out if t != "|"] or ["a"]
    return out[:10]


def shelves(r):
    """Mostly tidy shelves, a book or two out of place."""
    books = sorted(r.choices(["atlas", "comic", "diary", "novel", "poems"], k=r.randint(1, 8)),
                   key=lambda t: -{"atlas": 3, "novel": 2}.get(t, 1))
    if r.random() < 0.6 and len(books) > 1:
        i, j = r.randrange(len(books)), r.randrange(len(books))
        books[i], books[j] = books[j], books[i]
    return books


def pickups(r):
    """Nearly sorted runs either way (few inversions one way), no house twice but now and then."""
    out = sorted(r.sample(range(1, 7), r.randint(1, 6)), reverse=r.random() < 0.5)
    if r.random() < 0.1:
        out.append(r.choice(out))
    for _ in range(r.randint(0, 2)):
        i = r.randrange(len(out))
        out.insert(r.randrange(len(out)), out.pop(i))
    return out


def bowls(r):
    """Near ties between broths, runs of five."""
    k = r.randint(1, 4)
    return r.choices(["shoyu", "miso", "shio", "tonkotsu"][:k], k=r.randint(1, 10))


def marrows(r):
    top = r.randint(3, 9)
    return r.choices([top, top - 1, top - 2, r.randint(1, 9)], [2, 2, 1, 1], k=r.randint(1, 8))


def applicants(r):
    """Ties around the third place."""
    c = r.randint(3, 8)
    return r.choices([c, c, c - 1, r.randint(1, 8)], k=r.randint(1, 10))


def routines(r):
    lo = r.randint(1, 7)
    return r.choices([lo, lo + 1, lo + 2, "fall"], [3, 3, 3, r.random()], k=r.randint(1, 8))


def season(r):
    lo = r.randint(1, 7)
    return r.choices([lo, lo + 1, lo + 2, "trailer"], [3, 3, 3, r.random()], k=r.randint(1, 10))


def two_lists(r, items, n):
    """A list, a bar, and a shuffled copy of it with a slip now and then (an item dropped, added or changed)."""
    a = r.choices(items, k=r.randint(0, (n - 1) // 2))
    b = a[:]
    r.shuffle(b)
    u = r.random()
    if u < 0.2 and b:
        b.pop(r.randrange(len(b)))
    elif u < 0.4:
        b.insert(r.randint(0, len(b)), r.choice(items))
    elif u < 0.6 and b:
        b[r.randrange(len(b))] = r.choice(items)
    out = a + ["|"] + b
    if r.random() < 0.05:
        out.insert(r.randint(0, len(out)), "|")
    if r.random() < 0.05:
        out = [t for t in out if t != "|"] or [items[0]]
    return out[:n]


def suitcase(r):
    return two_lists(r, ["hat", "coat", "scarf", "boot"], 10)


def judging(r):
    a = sorted(r.choices(range(1, 6), k=r.randint(0, 6)), reverse=True)
    b = sorted(r.choices(range(1, 6), k=r.randint(0, 9 - len(a))), reverse=r.random() < 0.7)
    out = a + ["|"] + b
    if r.random() < 0.1:
        out.insert(r.randint(0, len(out)), "|")
    return out[:10]


def quilts(r):
    lo = r.randint(1, 5)
    return r.choices([lo, lo + 1, "w"], [3, 3, r.random()], k=r.randint(1, 8))


def packet(r):
    return r.choices(range(1, r.randint(2, 8) + 1), k=r.randint(1, 10))


def guests(r):
    return two_lists(r, ["ann", "bob", "cat", "dan"], 10)


def quiz(r):
    """Close races: teams scoring in turn, a lead changing hands."""
    k = r.randint(2, 3)
    return r.choices(["owls", "foxes", "bears"][:k], k=r.randint(1, 10))


def diary(r):
    lo = r.randint(1, 4)
    return r.choices([lo, lo + 1, lo + 2, "rest"], [3, 3, 3, r.random() * 2], k=r.randint(1, 10))


def runs(r):
    lo = r.randint(1, 3)
    return r.choices([lo, lo + 1, lo + 2], k=r.randint(1, 9))


def notebook(r):
    return r.choices(["robin", "wren", "finch", "jay", "none"], [3, 2, 1, r.random(), 1], k=r.randint(1, 10))


def cups(r):
    """Ties at the top, a foul now and then, rising scores (many leads)."""
    out = r.choices([4, 5, 6, "foul"], [2, 2, 2, r.random()], k=r.randint(1, 10))
    if r.random() < 0.3:
        out = sorted((t for t in out if t != "foul")) or [6]
    return out


def weeks(r):
    """Rising runs (records), a flat run (ties with the best)."""
    out, t = [], r.randint(1, 4)
    for _ in range(r.randint(1, 10)):
        out.append(min(8, max(1, t)))
        t += r.choice([-1, 0, 1, 1])
    return out


def lineup(r):
    """Nearly sorted arrivals, some reversed, gaps."""
    out = sorted(r.choices(range(1, 7), k=r.randint(1, 10)), reverse=r.random() < 0.3)
    if len(out) > 1:
        i = r.randrange(len(out))
        out.insert(r.randrange(len(out)), out.pop(i))
    if r.random() < 0.3:
        out[r.randrange(len(out))] = "gap"
    return out


def fridge(r):
    return r.choices(["milk", "bread", "rice", "tea", "soap"], [3, 2, 2, 1, 1], k=r.randint(1, 10))


TARGETED = {"y01": race, "y02": panel, "y03": requests, "y04": fair, "y05": shelves, "y06": pickups, "y07": bowls,
            "y08": marrows,
            "y09": applicants, "y10": routines, "y11": season, "y12": suitcase, "y13": judging, "y14": quilts,
            "y15": packet, "y16": guests,
            "y17": quiz, "y18": diary, "y19": runs, "y20": notebook, "y21": cups, "y22": weeks, "y23": lineup,
            "y24": fridge}


if __name__ == "__main__":
    main(HERE, "y*.rasp", TARGETED, specs=SPECS)
