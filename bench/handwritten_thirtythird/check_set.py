"""Checks the thirty-third hand-written set: every compiled net against its program's reference outputs and
against a plain-Python statement of what the program is meant to compute.

    python bench/handwritten_thirtythird/check_set.py [--nets DIR] [s01 s05 ...]

With --nets, loads DIR/<file stem>.safetensors (written by `fountain compile`), else compiles in-process.
Inputs as in `bench/handwritten_check.py`: every input of length 1..max_seq_len when there are at most
40,000, else 10,000 uniform + 10,000 structured (`sampled_inputs`, seed 0), plus 2,000 targeted inputs
from this file's generators (by the file's first three characters), which reach the rare branches
(queens on two frames, bakeries with one favourite, bagged-out anglers, crowded shelves, dirty bins,
dogs that go round in circles, repeat instruments, long runs of goals, ...). On each input three
comparisons: net vs program (`outputs_agree`, as the shared check), program vs SPEC (exact, numbers
within the same tolerance, None counts) and net vs SPEC. Causal specs give position i's value on the
prefix xs[:i + 1], as a causal net computes it. The SPECs were written from the task statements in the
files' comments, apart from the programs.
"""

from __future__ import annotations

import collections
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402

# ---------------------------------------------------------------------------------------------- domains
FRAMES = "brood honey pollen empty queen".split()
ARTISTS = "Adele Bowie Cher Drake Enya Prince Queen Sting".split()
LOAVES = "sourdough rye baguette brioche focaccia".split()
GRAMS = [150, 200, 250, 300, 400, 600, 800]
SHELF = {"beans": "tins", "soup": "tins", "tuna": "tins", "pasta": "dry", "rice": "dry", "cereal": "dry",
         "nappies": "care", "soap": "care", "toothpaste": "care", "tea": "drinks", "coffee": "drinks",
         "juice": "drinks"}
BIN = "bottle can paper glass foil carton food nappy".split()
PHASES = "outrun lift fetch drive pen shed".split()
SCORE_ORDER = "flute oboe clarinet bassoon horn trumpet violin viola cello bass".split()
DISHES = "soup salad curry pasta pie fish burger".split()
LEVELS = ["-1.5", "-0.5", "0.0", "0.5", "1.2", "2.0"]
BELLS = "C D E F G".split()
AISLE = {"nails": 1, "screws": 1, "bolts": 1, "hinges": 2, "hooks": 2, "paint": 3, "brushes": 3, "tape": 3,
         "glue": 4, "sandpaper": 4, "saw": 4}
COURSE = {"hummus": "starter", "soup": "starter", "lasagne": "main", "chili": "main", "quiche": "main",
          "curry": "main", "brownies": "dessert", "trifle": "dessert", "flapjack": "dessert", "salad": "starter"}
POSITIONS = "first second third fourth fifth".split()
ANSWERS = "right wrong pass joker".split()
PLANTS = "tomato basil carrot onion bean pea cabbage mint leek".split()
BAD_PAIRS = {frozenset(p) for p in [("bean", "onion"), ("bean", "leek"), ("pea", "onion"), ("pea", "leek"),
                                     ("cabbage", "tomato"), ("carrot", "mint")]}


def per_prefix(f):
    """A causal spec from a function of the whole prefix."""
    return lambda xs: [f(xs[:i + 1]) for i in range(len(xs))]


# ---------------------------------------------------------------------------------------------- specs
def hive_sheet(p):
    queens = [j for j, t in enumerate(p) if t == "queen"]
    if len(queens) >= 2:
        return "two queens"
    if queens:
        return queens[0] + 1
    if len(p) >= 3 and p.count("brood") / len(p) < 0.3:
        return "requeen"
    return "keep looking"


def busker(p):
    i = len(p) - 1
    if p[i] in p[max(i - 2, 0):i]:
        return "too soon"
    return len(set(p))


def bestseller(p):
    counts = collections.Counter(p)
    top = max(counts.values())
    seen = collections.Counter()
    for t in p:  # the loaf that first reached the top count
        seen[t] += 1
        if seen[t] == top:
            return t


def fishing_bag(p):
    bag = []
    for j, g in enumerate(p):
        if g >= 250 and not (j > 0 and p[j - 1] == g) and len(bag) < 5:
            bag.append(g)
    return sum(bag) / len(bag) if bag else 0.0


def shelf_share(p):
    c = sum(SHELF[t] == SHELF[p[-1]] for t in p)
    return c / len(p) if c >= 3 else 0.0


def recycling(p):
    waste = sum(t in ("food", "nappy") for t in p)
    if "nappy" in p or p.count("food") >= 2 or waste / len(p) > 0.25:
        return "contaminated"
    return len({t for t in p if t not in ("food", "nappy")})


def sheepdog(p):
    faults = 0
    for j, t in enumerate(p):
        if j > 0 and p[j - 1] == t:
            faults += 5
        if t == "drive" and "fetch" not in p[:j]:
            faults += 5
    return "retired" if faults >= 20 else faults


def seating(xs):
    chart = sorted(set(xs), key=SCORE_ORDER.index)
    return [chart[i] if i < len(chart) else "" for i in range(len(xs))]


def plus_minus_peak(xs):
    run, sums = 0, []
    for g in xs:
        run += g
        sums.append(run)
    return [float(sums.index(max(sums)))] * len(xs)


def tray_report(xs):
    report = []
    for d in reversed(xs):
        if d not in report:
            report.append(d)
    return [report[i] if i < len(report) else "" for i in range(len(xs))]


def borehole(xs):
    v = [float(x) for x in xs]
    low = v.index(min(v))
    return [v[low + 1] - v[low] if low + 1 < len(v) else 0.0] * len(xs)


def handbell(xs):
    counts = {b: xs.count(b) for b in BELLS}
    return [min(BELLS, key=lambda b: (counts[b], BELLS.index(b)))] * len(xs)


def orienteering(xs):
    costs = []
    for j, x in enumerate(xs):
        c = -2 * x if x < 0 else x
        if j > 0 and x != 0 and xs[j - 1] == x:
            c = c / 2
        costs.append(c)
    worst = costs.index(max(costs))
    rest = costs[:worst] + costs[worst + 1:]
    return [sum(rest) / len(rest) if rest else 0.0] * len(xs)


def audio_guide(xs):
    out = []
    for i, t in enumerate(xs):
        earlier = [j for j in range(i) if xs[j] == t]
        out.append(i - earlier[-1] if earlier else "new")
    return out


def pick_order(xs):
    items = sorted(dict.fromkeys(xs), key=lambda t: (AISLE[t], xs.index(t)))
    return [float(items.index(t) + 1) for t in xs]


def slow_pickers(xs):
    best = max(xs)
    if best == 0:
        return ["rained off"] * len(xs)
    return [sum(2 * c < best for c in xs)] * len(xs)


def potluck(xs):
    counts = collections.Counter(xs)
    top = max(counts.values())
    courses = collections.Counter(COURSE[t] for t in xs)
    n = len(xs)
    return ["swap" if (counts[t] == top and top >= 2) or (n >= 4 and 2 * courses[COURSE[t]] > n) else "keep"
            for t in xs]


def tuner_median(xs):
    s = sorted(xs)
    return [float(s[(len(s) - 1) // 2])] * len(xs)


def sign_flips(xs):
    signs = [x > 0 for x in xs if x != 0]
    pairs = list(zip(signs, signs[1:]))
    return [sum(a != b for a, b in pairs) / len(pairs) if pairs else 0.0] * len(xs)


def ballet(xs):
    n = len(xs)
    bad = [i for i in range(n) if xs[i] != xs[n - 1 - i]]
    return [bad[0] + 1 if bad else "clean"] * n


def album(xs):
    empty = 15 - len(set(xs))
    return ["nearly there" if empty <= 6 else empty] * len(xs)


def regatta(xs):
    counted = list(xs)
    if len(xs) >= 4:
        counted.remove(max(xs))
    return [sum(counted) / len(counted)] * len(xs)


def pub_quiz(xs):
    scores = []
    for j, t in enumerate(xs):
        if t == "right":
            scores.append(2 if j > 0 and xs[j - 1] == "joker" else 1)
        elif t == "wrong":
            scores.append(0)
    return [sum(scores) / len(scores) if scores else 0.0] * len(xs)


def allotment(xs):
    n, out = len(xs), []
    for i, t in enumerate(xs):
        neighbours = [xs[j] for j in (i - 1, i + 1) if 0 <= j < n]
        if any(frozenset((t, u)) in BAD_PAIRS for u in neighbours):
            out.append("move")
        elif xs.count(t) > 2:
            out.append("thin out")
        else:
            out.append("ok")
    return out


SPECS = {"s01": per_prefix(hive_sheet), "s02": per_prefix(busker), "s03": per_prefix(bestseller),
         "s04": per_prefix(fishing_bag), "s05": per_prefix(shelf_share), "s06": per_prefix(recycling),
         "s07": per_prefix(sheepdog), "s08": seating, "s09": plus_minus_peak, "s10": tray_report,
         "s11": borehole, "s12": handbell, "s13": orienteering, "s14": audio_guide, "s15": pick_order,
         "s16": slow_pickers, "s17": potluck, "s18": tuner_median, "s19": sign_flips, "s20": ballet,
         "s21": album, "s22": regatta, "s23": pub_quiz, "s24": allotment}


# ---------------------------------------------------------------------------------------------- targeted inputs
def queen_hunt(r):
    """Hives with little brood and now and then one or two queen frames."""
    w = [r.random() * 0.5, 1, 1, 1, r.random() * 0.4]
    return r.choices(FRAMES, w, k=r.randint(1, 10))


def small_repertoire(r):
    """A busker who knows only two to four artists."""
    artists = r.sample(ARTISTS, r.randint(2, 4))
    return [r.choice(artists) for _ in range(r.randint(1, 12))]


def favourite_loaf(r):
    """A morning when one or two loaves sell best."""
    return r.choices(LOAVES, [r.random() ** 3 for _ in LOAVES], k=r.randint(1, 10))


def good_day(r):
    """Mostly keepable fish, runs of equal weights (recaptures), and bags that fill up."""
    w = [0.3, 0.3] + [r.random() + 0.2 for _ in range(5)]
    out = []
    for _ in range(r.randint(1, 10)):
        out.append(out[-1] if out and r.random() < 0.25 else r.choices(GRAMS, w)[0])
    return out


def one_shelf_rush(r):
    """A drive for one shelf's items."""
    shelf = r.choice(["tins", "dry", "care", "drinks"])
    mine = [t for t, s in SHELF.items() if s == shelf]
    return [r.choice(mine) if r.random() < 0.6 else r.choice(list(SHELF)) for _ in range(r.randint(1, 12))]


def clean_bin(r):
    """Mostly recyclables with the odd food item or nappy."""
    return r.choices(BIN, [1, 1, 1, 1, 1, 1, r.random() * 0.6, r.random() * 0.15], k=r.randint(1, 12))


def circling_dog(r):
    """A dog that repeats phases and drives before fetching."""
    out = []
    for _ in range(r.randint(1, 10)):
        out.append(out[-1] if out and r.random() < 0.3 else r.choices(PHASES, [1, 1, r.random(), 2, 1, 1])[0])
    return out


def string_heavy(r):
    """A rehearsal where a few sections send several players."""
    sections = r.sample(SCORE_ORDER, r.randint(1, 4))
    return [r.choice(sections) for _ in range(r.randint(1, 9))]


def scoring_runs(r):
    """Spells in runs of one sign, so that the peak comes late, early, or is reached twice."""
    out = []
    for _ in range(r.randint(1, 10)):
        out.append(out[-1] if out and r.random() < 0.5 else r.choice([-2, -1, 0, 1, 2]))
    return out


def busy_lunch(r):
    """Trays of two or three dishes."""
    dishes = r.sample(DISHES, r.randint(1, 3))
    return [r.choice(dishes) for _ in range(r.randint(1, 10))]


def drawdown(r):
    """Levels that fall then recover, with equal lows, the low last now and then."""
    n = r.randint(1, 8)
    k = r.randrange(n)
    out = [r.choice(LEVELS[2:]) for _ in range(n)]
    out[k] = r.choice(LEVELS[:2])
    if r.random() < 0.3:
        out[r.randrange(n)] = out[k]
    return out


def few_bells(r):
    """Pieces on two or three bells, every bell or all but one."""
    bells = r.sample(BELLS, r.randint(2, 5))
    return [r.choice(bells) for _ in range(r.randint(1, 12))]


def steady_runner(r):
    """Runners who keep the same split for several controls."""
    out = []
    for _ in range(r.randint(1, 8)):
        out.append(out[-1] if out and r.random() < 0.5 else r.randint(-3, 3))
    return out


def favourite_exhibits(r):
    """A visitor who keeps going back to two or three tracks."""
    tracks = r.sample(range(1, 13), r.randint(1, 3))
    return [r.choice(tracks) for _ in range(r.randint(1, 10))]


def repeat_order(r):
    """Lists with a few items ordered on several lines."""
    items = r.sample(list(AISLE), r.randint(1, 5))
    return [r.choice(items) for _ in range(r.randint(1, 10))]


def poor_harvest(r):
    """Days of few crates, often nobody filling one."""
    top = r.randint(0, 4)
    return [r.randint(0, top) for _ in range(r.randint(1, 10))]


def dessert_party(r):
    """Sign-ups crowded into one course or one dish."""
    course = r.choice(["starter", "main", "dessert"])
    mine = [t for t, c in COURSE.items() if c == course]
    return [r.choice(mine) if r.random() < 0.7 else r.choice(list(COURSE)) for _ in range(r.randint(1, 10))]


def signal_with_zeros(r):
    """Traces with many zeros between nonzero samples."""
    return [0 if r.random() < 0.5 else r.choice([-4, -3, -2, -1, 1, 2, 3, 4]) for _ in range(r.randint(1, 12))]


def near_mirror(r):
    """Combinations that read the same backwards, some with one step changed."""
    n = r.randint(1, 12)
    half = r.choices(POSITIONS, k=(n + 1) // 2)
    out = half + half[:n // 2][::-1]
    if r.random() < 0.5:
        out[r.randrange(n)] = r.choice(POSITIONS)
    return out


def collector(r):
    """Piles from a few cards only, or all different."""
    if r.random() < 0.5:
        return r.sample(range(1, 16), r.randint(1, 10))
    cards = r.sample(range(1, 16), r.randint(1, 4))
    return [r.choice(cards) for _ in range(r.randint(1, 10))]


def joker_heavy(r):
    """Sheets with many jokers and passes."""
    return r.choices(ANSWERS, [1, 1, r.random() * 2, r.random() * 2], k=r.randint(1, 12))


def bad_neighbours(r):
    """Rows of beans, peas, onions and leeks, cabbages and tomatoes, carrots and mint."""
    pool = r.choice([["bean", "pea", "onion", "leek"], ["cabbage", "tomato", "basil"], ["carrot", "mint", "leek"]])
    return [r.choice(pool) for _ in range(r.randint(1, 8))]


TARGETED = {"s01": queen_hunt, "s02": small_repertoire, "s03": favourite_loaf, "s04": good_day,
            "s05": one_shelf_rush, "s06": clean_bin, "s07": circling_dog, "s08": string_heavy,
            "s09": scoring_runs, "s10": busy_lunch, "s11": drawdown, "s12": few_bells, "s13": steady_runner,
            "s14": favourite_exhibits, "s15": repeat_order, "s16": poor_harvest, "s17": dessert_party,
            "s19": signal_with_zeros, "s20": near_mirror, "s21": collector, "s23": joker_heavy,
            "s24": bad_neighbours}


if __name__ == "__main__":
    main(HERE, "s*.rasp", TARGETED, specs=SPECS)
