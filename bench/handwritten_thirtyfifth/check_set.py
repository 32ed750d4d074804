"""Checks the thirty-fifth hand-written set: every compiled net against its program's reference outputs and
against a plain-Python statement of what the program is meant to compute.

    python bench/handwritten_thirtyfifth/check_set.py [--nets DIR] [t01 t05 ...]

With --nets, loads DIR/<file stem>.safetensors (written by `fountain compile`), else compiles in-process.
Inputs as in `bench/handwritten_check.py`: every input of length 1..max_seq_len when there are at most
40,000, else 10,000 uniform + 10,000 structured (`sampled_inputs`, seed 0), plus 2,000 targeted inputs
from this file's generators (by the file's first three characters), which reach the rare branches
(caves walked back to the surface, returns to an old colour, two-party divisions, empty landings in a
row, tied scores, carries and borrows that run two places, nearly equal elevations, repeated and
mirrored borders, balanced collation notes, long runs of one bell, ...). On each input three
comparisons: net vs program (`outputs_agree`, as the shared check), program vs SPEC (exact, numbers
within the same tolerance, None counts) and net vs SPEC. Causal specs give position i's value on the
prefix xs[:i + 1], as a causal net computes it. The SPECs were written from the task statements in the
files' comments, apart from the programs.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402

# ---------------------------------------------------------------------------------------------- domains
MOVES = ["down", "up", "rest"]
GATHERS = ["clear", "amber", "cobalt", "green"]
CODES = ["FR", "DE", "IT", "ES", "NL", "PL", "SE", "PT", "AT", "BE", "DK", "IE"]
OBS = ["snow", "wind", "clear", "sun"]
PARTIES = ["lab", "con", "lib", "green"]
SCORES = [60, 65, 70, 75, 80, 85, 90]
DOGS = ["pug", "terrier", "beagle", "collie", "husky", "mastiff"]
SIZE = {"pug": 1, "terrier": 1, "beagle": 2, "collie": 3, "husky": 3, "mastiff": 4}
BLOOMS = ["clover", "heather", "lime", "bramble", "lavender"]
TESSERAE = ["ochre", "umber", "slate", "ivory", "jade", "teal", "rust"]
CONTACTS = ["whale", "sub", "trawler", "shoal", "reef", "wreck"]
CREASES = ["valley", "mountain", "squash", "petal", "turn"]
STITCHES = list("abcde")
WINDS = ["calm", "rain", 8, 9, 10, 11, 12]
BLASTS = ["short", "long", "pause"]
MARKS = ["open", "close", "leaf"]
BELLS = ["treble", "second", "third", "tenor"]


def per_prefix(f):
    """A causal spec from a function of the whole prefix."""
    return lambda xs: [f(xs[:i + 1]) for i in range(len(xs))]


def everywhere(f):
    """A spec whose one value is read at every position."""
    return lambda xs: [f(xs)] * len(xs)


def dedup(xs):
    """The distinct tokens in order of first occurrence."""
    out = []
    for t in xs:
        if t not in out:
            out.append(t)
    return out


def runs_of(xs):
    """[(token, run length), ...] in order."""
    out = []
    for t in xs:
        if out and out[-1][0] == t:
            out[-1] = (t, out[-1][1] + 1)
        else:
            out.append((t, 1))
    return out


def number(digits):
    return int("".join(str(d) for d in digits)) if digits else 0


# ---------------------------------------------------------------------------------------------- specs
def split_range(p):
    return float(max(p) - min(p))


def caving(p):
    depths, d = [], 0
    for t in p:
        d += (t == "down") - (t == "up")
        depths.append(d)
    if min(depths) < 0:
        return "lost"
    if d == 0:
        return "surface"
    if all(d > e for e in depths[:-1]):
        return "deepest"
    return d


def gather_run(p):
    t, length = p[-1], 0
    while length < len(p) and p[len(p) - 1 - length] == t:
        length += 1
    return 0.0 if t in p[:len(p) - length] else float(length)


def customs(p):
    t, firsts = p[-1], dedup(p)
    if t not in p[:-1]:
        return len(firsts)
    o = firsts.index(t)
    return firsts[o + 1] if o + 1 < len(firsts) else "latest"


def avalanche(p):
    i, t = len(p) - 1, p[-1]
    snow3 = sum(1 for j in range(max(0, i - 2), i + 1) if p[j] == "snow")
    wind2 = sum(1 for j in range(max(0, i - 1), i + 1) if p[j] == "wind")
    if t == "clear" and snow3 == 0:
        return 0.0
    thaw = 1 if t == "sun" and i > 0 and p[i - 1] == "snow" else 0
    level = snow3 + wind2 + (1 if p.count("snow") >= 5 else 0) + thaw
    return float(min(level, 4))


def division(p):
    most = max(p.count(q) for q in PARTIES)
    leaders = [q for q in PARTIES if p.count(q) == most]
    return "tied" if len(leaders) > 1 else leaders[0]


def fishery(p):
    if any(p[j] == 0 and p[j - 1] == 0 for j in range(1, len(p))):
        return -1.0
    return float(max(12 - sum(p), 0))


def rodeo(p):
    t, earlier = p[-1], p[:-1]
    if not earlier or t > max(earlier):
        return "new leader"
    if t == max(earlier):
        return "tied lead"
    if max(earlier) - t <= 5:
        return "close"
    return 1 + sum(1 for e in earlier if e > t)


def tablet_sum(xs):
    n, h = len(xs), len(xs) // 2
    if h == 0:
        return [0.0] * n
    s = number(xs[:h]) + number(xs[n - h:])
    low = f"{s % 10 ** h:0{h}d}"
    return [float(low[i - (n - h)]) if i >= n - h else float(s // 10 ** h) for i in range(n)]


def elevation(xs):
    n, h = len(xs), len(xs) // 2
    for k in range(h):
        a, b = xs[k], xs[n - h + k]
        if a != b:
            who = "first" if a > b else "second"
            return who + (" by a hair" if k == h - 1 else " higher")
    return "level"


def cask_drawdown(xs):
    n, h = len(xs), len(xs) // 2
    if h == 0:
        return [0.0] * n
    a, b = xs[:h], xs[n - h:]
    rest = f"{(number(a) - number(b)) % 10 ** h:0{h}d}"
    borrow, borrows = 0, 0
    for k in range(h - 1, -1, -1):
        borrow = 1 if a[k] - b[k] - borrow < 0 else 0
        if borrow and k > 0:
            borrows += 1
    return [float(rest[i - (n - h)]) if i >= n - h else float(borrows) for i in range(n)]


def kennel(xs):
    runs = sorted(dedup(xs), key=lambda d: (SIZE[d], xs.index(d)))
    return [runs[i] if i < len(runs) else "empty" for i in range(len(xs))]


def forage(xs):
    ranked = sorted(dedup(xs), key=lambda b: (-xs.count(b), xs.index(b)))
    return [float(xs.count(ranked[i])) if i < len(ranked) else 0.0 for i in range(len(xs))]


def tessera(xs):
    if all(xs.count(t) == 1 for t in xs):
        return [-1.0] * len(xs)
    out = []
    for t in xs:
        c = xs.count(t)
        out.append(float(sum(1 for u in set(xs) if xs.count(u) == c)) if c >= 2 else 0.0)
    return out


def sonar(xs):
    most = max(xs.count(t) for t in xs)
    if most == 1:
        return "quiet"
    tops = [t for t in dedup(xs) if xs.count(t) == most]
    return "contested" if len(tops) > 1 else tops[0]


def origami(xs):
    n, r = len(xs), xs.count("turn")
    swap = {"valley": "mountain", "mountain": "valley"}
    out = []
    for i in range(n):
        c = xs[n - 1 - (i + r) % n]
        if r % 2 == 0:
            c = swap.get(c, c)
        out.append("crease" if c == xs[i] else c)
    return out


def parachute(xs):
    k, rest = xs[0], sorted(xs[1:])
    m = len(rest)
    return float(rest[m - k] - rest[k - 1]) if k <= m else 0.0


def embroidery(xs):
    n, h = len(xs), len(xs) // 2
    if n < 2:
        return "plain"
    left, right = xs[:h], xs[n - h:]
    misses = sum(1 for k in range(h) if left[k] != right[k])
    if misses == 0:
        return "repeat"
    if right == left[::-1]:
        return "mirror"
    return misses


def hurricane(xs):
    score = [0 if isinstance(t, str) else (2 if t >= 11 else 1) for t in xs]
    n = len(xs)
    return float(max(sum(score[max(0, i - 1):min(n, i + 2)]) for i in range(n)))


def tugboat(xs):
    runs = runs_of(xs)
    if len(runs) == 1:
        return "steady"
    longest = max(r[1] for r in runs)
    return next(t for t, length in runs if length == longest)


def bookbinding(xs):
    depths, d = [], 0
    for t in xs:
        d += (t == "open") - (t == "close")
        depths.append(d)
    if min(depths) < 0 or d != 0:
        return -1.0
    return float(max(depths))


def dairy(xs):
    distinct = sorted(set(xs))
    out = []
    for t in xs:
        if t == distinct[-1]:
            out.append("joint top" if xs.count(t) >= 2 else "top")
        else:
            out.append(distinct.index(t) + 1)
    return out


def volcano(xs):
    n, h = len(xs), len(xs) // 2
    return float(sum(xs[n - h:]) - sum(xs[:h]))


def carillon(xs):
    runs = runs_of(xs)
    out = []
    for i in range(len(xs)):
        r = i // 2
        out.append("-" if r >= len(runs) else (runs[r][0] if i % 2 == 0 else runs[r][1]))
    return out


SPECS = {"t01": per_prefix(split_range), "t02": per_prefix(caving), "t03": per_prefix(gather_run),
         "t04": per_prefix(customs), "t05": per_prefix(avalanche), "t06": per_prefix(division),
         "t07": per_prefix(fishery), "t08": per_prefix(rodeo), "t09": tablet_sum, "t10": everywhere(elevation),
         "t11": cask_drawdown, "t12": kennel, "t13": forage, "t14": tessera, "t15": everywhere(sonar),
         "t16": origami, "t17": everywhere(parachute), "t18": everywhere(embroidery),
         "t19": everywhere(hurricane), "t20": everywhere(tugboat), "t21": everywhere(bookbinding),
         "t22": dairy, "t23": everywhere(volcano), "t24": carillon}


# ---------------------------------------------------------------------------------------------- targeted inputs
def narrow_splits(r):
    """Runners holding one or two bands, now and then a surge."""
    bands = r.sample(range(1, 7), r.randint(1, 2))
    return [r.choice(bands) if r.random() < 0.85 else r.randint(1, 6) for _ in range(r.randint(1, 10))]


def cave_walk(r):
    """Descents that mostly come back up, ups slightly rarer than downs."""
    return r.choices(MOVES, [3, 2.6, 1], k=r.randint(1, 10))


def furnace(r):
    """Gathers of two or three colours in runs."""
    cols = r.sample(GATHERS, r.randint(1, 3))
    out = []
    while len(out) < 10:
        out += [r.choice(cols)] * r.randint(1, 4)
    return out[:r.randint(1, 10)]


def few_countries(r):
    """A desk serving three to five countries."""
    cs = r.sample(CODES, r.randint(2, 5))
    return [r.choice(cs) for _ in range(r.randint(1, 10))]


def snowy_hours(r):
    """Stormy days: snow often, sun straight after snow now and then."""
    return r.choices(OBS, [4, 2, 1, 1.5], k=r.randint(1, 12))


def two_parties(r):
    """Divisions between two or three parties, so that leads change and tie."""
    ps = r.sample(PARTIES, r.randint(2, 3))
    return [r.choice(ps) for _ in range(r.randint(1, 10))]


def slow_day(r):
    """Landings of 0 and 1 box mostly, the odd 3."""
    return r.choices([0, 1, 2, 3], [3, 3, 1, 1], k=r.randint(1, 10))


def close_rides(r):
    """Scores from a narrow band, so that ties and near-leads are common."""
    lo = r.randint(0, 4)
    return [SCORES[r.randint(lo, min(lo + 2, 6))] for _ in range(r.randint(1, 9))]


def carry_chain(r):
    """Slips whose columns sum to 9 or more, so that carries run two places."""
    n = r.randint(1, 6)
    h = n // 2
    xs = [r.randint(0, 9) for _ in range(n)]
    for k in range(h):
        x = r.random()
        if x < 0.5:
            xs[n - h + k] = (9 - xs[k]) % 10 if 9 - xs[k] >= 0 else 0
        elif x < 0.8:
            xs[n - h + k] = min(9, 10 - xs[k] + r.randint(0, 3)) if xs[k] > 0 else 9
    return xs


def near_level(r):
    """Elevations that agree in the leading digits."""
    n = r.randint(1, 8)
    h = n // 2
    xs = [r.randint(0, 7) for _ in range(n)]
    same = r.randint(0, h)
    for k in range(same):
        xs[n - h + k] = xs[k]
    return xs


def borrow_chain(r):
    """Lines whose drawn digits match or exceed the stock digits, so that borrows run two places."""
    n = r.randint(1, 6)
    h = n // 2
    xs = [r.randint(0, 9) for _ in range(n)]
    for k in range(h):
        x = r.random()
        if x < 0.4:
            xs[n - h + k] = xs[k]
        elif x < 0.7:
            xs[n - h + k] = min(9, xs[k] + r.randint(1, 3))
    return xs


def busy_kennel(r):
    """Check-ins of two to four breeds, repeats common."""
    ds = r.sample(DOGS, r.randint(2, 4))
    return [r.choice(ds) for _ in range(r.randint(1, 8))]


def few_blooms(r):
    """Surveys with two or three blooms."""
    bs = r.sample(BLOOMS, r.randint(1, 3))
    return [r.choice(bs) for _ in range(r.randint(1, 10))]


def tray(r):
    """Trays of three or four colours, most laid twice or more."""
    cs = r.sample(TESSERAE, r.randint(2, 4))
    return [r.choice(cs) for _ in range(r.randint(1, 9))]


def quiet_watch(r):
    """Watches with two or three contact classes, or all different."""
    if r.random() < 0.2:
        return r.sample(CONTACTS, r.randint(1, 6))
    cs = r.sample(CONTACTS, r.randint(2, 3))
    return [r.choice(cs) for _ in range(r.randint(1, 10))]


def turning(r):
    """Crease lists with several turns and valley / mountain folds."""
    return r.choices(CREASES, [2, 2, 0.5, 0.5, 2], k=r.randint(1, 8))


def small_k(r):
    """Sheets asking for a small k, with repeated altitudes."""
    alts = r.sample(range(1, 10), r.randint(1, 4))
    return [r.randint(1, 4)] + [r.choice(alts) for _ in range(r.randint(0, 8))]


def patterned_border(r):
    """Borders whose right panel repeats or mirrors the left, now and then one stitch off."""
    h = r.randint(0, 5)
    left = [r.choice("abc") for _ in range(h)]
    right = list(left) if r.random() < 0.5 else left[::-1]
    if right and r.random() < 0.3:
        right[r.randrange(h)] = r.choice(STITCHES)
    mid = [r.choice(STITCHES)] if r.random() < 0.4 and h < 5 else []
    xs = left + mid + right
    return xs or [r.choice(STITCHES)]


def stormy(r):
    """Watches with gales in clusters."""
    return r.choices(WINDS, [3, 2, 1, 1, 1, 0.7, 0.7], k=r.randint(1, 12))


def long_blasts(r):
    """Horn logs in runs of one to four beats."""
    out = []
    while len(out) < 10:
        out += [r.choice(BLASTS)] * r.randint(1, 4)
    return out[:r.randint(1, 10)]


def collation(r):
    """Nearly balanced notes: sections opened and closed in order, the odd stray close."""
    out, depth = [], 0
    for _ in range(r.randint(1, 10)):
        x = r.random()
        if depth and x < 0.4:
            out.append("close")
            depth -= 1
        elif x < 0.75:
            out.append("open")
            depth += 1
        elif x < 0.93:
            out.append("leaf")
        else:
            out.append("close")
    while depth and len(out) < 10 and r.random() < 0.8:
        out.append("close")
        depth -= 1
    return out


def herd(r):
    """Sheets with tied yields, the top often shared."""
    ys = r.sample(range(1, 9), r.randint(1, 4))
    return [r.choice(ys) for _ in range(r.randint(1, 8))]


def quiet_then_busy(r):
    """Watches that rise or fall between halves."""
    n = r.randint(1, 12)
    lo, hi = sorted(r.sample(range(4), 2))
    up = r.random() < 0.5
    return [r.randint(0, lo) if (i < n // 2) == up else r.randint(hi, 3) for i in range(n)]


def change_ringing(r):
    """Practice logs with long runs of one bell."""
    out = []
    while len(out) < 10:
        out += [r.choice(BELLS)] * r.randint(1, 5)
    return out[:r.randint(1, 10)]


TARGETED = {"t01": narrow_splits, "t02": cave_walk, "t03": furnace, "t04": few_countries, "t05": snowy_hours,
            "t06": two_parties, "t07": slow_day, "t08": close_rides, "t09": carry_chain, "t10": near_level,
            "t11": borrow_chain, "t12": busy_kennel, "t13": few_blooms, "t14": tray, "t15": quiet_watch,
            "t16": turning, "t17": small_k, "t18": patterned_border, "t19": stormy, "t20": long_blasts,
            "t21": collation, "t22": herd, "t23": quiet_then_busy, "t24": change_ringing}


if __name__ == "__main__":
    main(HERE, "t*.rasp", TARGETED, specs=SPECS)
