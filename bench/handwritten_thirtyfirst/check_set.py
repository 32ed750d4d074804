"""Checks the thirty-first hand-written set: every compiled net against its program's reference outputs and
against a plain-Python statement of what the program is meant to compute.

    python bench/handwritten_thirtyfirst/check_set.py [--nets DIR] [s01 s05 ...]

With --nets, loads DIR/<file stem>.safetensors (written by `fountain compile`), else compiles in-process.
Inputs as in `bench/handwritten_check.py`: every input of length 1..max_seq_len when there are at most
40,000, else 10,000 uniform + 10,000 structured (`sampled_inputs`, seed 0), plus 2,000 targeted inputs
from this file's generators (by the file's first three characters), which reach the rare branches
(typed phrases that repeat words, nested LaTeX environments, balanced s-expressions, polls with a
majority, cloakroom logs whose tickets claim items, price walks with unchanged trades, ...). On each
input three comparisons: net vs program (`outputs_agree`, as the shared check), program vs SPEC (exact,
numbers within the same tolerance, None counts) and net vs SPEC. Causal specs give position i's value
on the prefix xs[:i + 1], as a causal net computes it. The SPECs were written from the task statements
in the files' comments, apart from the programs.
"""

from __future__ import annotations

import collections
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402

# ---------------------------------------------------------------------------------------------- domains
SONGS = ("Yesterday Imagine Hallelujah Jolene Respect Wonderwall Thriller Vogue Heroes Creep Africa Roxanne "
         "Gloria Layla Angie Valerie Hurt Halo Toxic Umbrella Believe Waterloo Fernando Kashmir Yellow Hello Sorry "
         "Happy").split()
WORDS8 = "i want to go home now you can".split()
MONTH_NAMES = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
PLAN_MONTHS = {"monthly": 1, "quarterly": 3, "halfyear": 6, "annual": 12}
# mean distance from the Sun, AU
DISTANCE = {"Mercury": 0.39, "Venus": 0.72, "Earth": 1.0, "Mars": 1.52, "Ceres": 2.77, "Jupiter": 5.2, "Saturn": 9.54,
            "Uranus": 19.2, "Neptune": 30.1, "Pluto": 39.5, "Haumea": 43.1, "Makemake": 45.8, "Eris": 67.7}
FINAL_FORMS = {"kaf", "mem", "nun", "pe", "tsadi"}
BADGES = list(range(101, 127))
PIZZAS = "margherita pepperoni hawaiian veggie bbq mushroom".split()
PRICES = [99, 125, 147, 182, 199, 211, 250, 273, 299, 336]
SURNAMES = ("Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
            "Roberts Green Hall Wood Jackson Clarke").split()
ACR = {"bad": 1, "poor": 2, "fair": 3, "good": 4, "excellent": 5}
PENCE = {"peak": 35, "shoulder": 20, "offpeak": 8, "solar": 0}
ELEMENTS = {"fire": {"Aries", "Leo", "Sagittarius"}, "earth": {"Taurus", "Virgo", "Capricorn"},
            "air": {"Gemini", "Libra", "Aquarius"}, "water": {"Cancer", "Scorpio", "Pisces"}}
SIGN_ELEMENT = {s: e for e, signs in ELEMENTS.items() for s in signs}
BASES = {"out": 0, "single": 1, "double": 2, "triple": 3, "homer": 4}
ITEMS = ("coat jacket umbrella scarf hat cap bag rucksack helmet gloves parka blazer shawl cane laptop "
         "suitcase").split()


# ---------------------------------------------------------------------------------------------- specs
def abandon_rate(xs):
    return [xs[:i + 1].count("abandoned") / (i + 1) for i in range(len(xs))]


def jukebox(xs):
    out = []
    for i, s in enumerate(xs):
        n = xs[:i + 1].count(s)
        out.append("new" if n == 1 else n)
    return out


def autocomplete(xs):
    out = []
    for i, w in enumerate(xs):
        earlier = [j for j in range(i) if xs[j] == w]
        out.append(xs[earlier[-1] + 1] if earlier else "")
    return out


def latex_depth(xs):
    out, depth, broken = [], 0, False
    for t in xs:
        depth += {"begin": 1, "end": -1}.get(t, 0)
        broken = broken or depth < 0
        out.append("unmatched end" if broken else depth)
    return out


def renewal_month(xs):
    out, months = [], 0
    for t in xs:
        months += PLAN_MONTHS[t]
        out.append(MONTH_NAMES[(months - 1) % 12])
    return out


def plurality(xs):
    out = []
    for i in range(len(xs)):
        counts = collections.Counter(xs[:i + 1])
        ranked = sorted(counts.values(), reverse=True)
        if len(ranked) > 1 and ranked[0] == ranked[1]:
            out.append("tie")
        else:
            out.append(max(counts, key=counts.get))
    return out


def reaction_tally(xs):
    counts = collections.Counter(xs)
    top = max(counts.values())
    return ["top" if counts[x] == top else counts[x] for x in xs]


def planets_outward(xs):
    return sorted(xs, key=lambda p: DISTANCE[p])  # a stable sort keeps repeats in order (they are equal anyway)


def rtl_display(xs):
    shown = list(reversed(xs))
    if shown[0] in FINAL_FORMS:
        shown[0] = "final " + shown[0]
    return shown


def secret_santa(xs):
    if len(xs) == 1:
        return ["nobody"]
    return [xs[(i + 1) % len(xs)] for i in range(len(xs))]


def lisp_depth(xs):
    depth, out, ok = 0, [], True
    for t in xs:
        if t == "(":
            depth += 1
            out.append(depth)
        elif t == ")":
            if depth == 0:
                ok = False
            out.append(depth)
            depth -= 1
        else:
            out.append(depth)
    if depth != 0:
        ok = False
    return out if ok else ["unbalanced"] * len(xs)


def badge_side(xs):
    inside, out = set(), []
    for b in xs:
        inside ^= {b}
        out.append("in" if b in inside else "out")
    return out


def rolling_ppm(xs):
    out = []
    for i in range(len(xs)):
        window = xs[max(0, i - 3):i + 1]
        out.append(sum(t in ("early", "ontime") for t in window) / len(window))
    return out


def pizza_majority(xs):
    best, n = collections.Counter(xs).most_common(1)[0]
    return [best if 2 * n > len(xs) else "no majority"] * len(xs)


def cash_rounding(xs):
    r = sum(xs) % 5
    return [{0: 0, 1: -1, 2: -2, 3: 2, 4: 1}[r]] * len(xs)


def isolation_day(xs):
    first = xs.index("pos") if "pos" in xs else None
    return ["" if first is None or i < first else i - first + 1 for i in range(len(xs))]


def rsvp_list(xs):
    guests = []
    for f in xs:
        if f not in guests:
            guests.append(f)
    return [guests[i] if i < len(guests) else "" for i in range(len(xs))]


def rail_fence_decode(xs):
    # encode a plaintext of positions 0..n-1 and invert the permutation
    n = len(xs)
    cipher_order = list(range(0, n, 2)) + list(range(1, n, 2))  # cipher place j holds plaintext place cipher_order[j]
    plain = [None] * n
    for j, p in enumerate(cipher_order):
        plain[p] = xs[j]
    return plain


def mean_opinion(xs):
    return [sum(ACR[t] for t in xs) / len(xs)] * len(xs)


def charging_price(xs):
    return [sum(PENCE[t] for t in xs) / len(xs)] * len(xs)


def element_share(xs):
    return [sum(SIGN_ELEMENT[y] == SIGN_ELEMENT[x] for y in xs) / len(xs) for x in xs]


def slugging(xs):
    at_bats = [t for t in xs if t != "walk"]
    return [sum(BASES[t] for t in at_bats) / len(at_bats) if at_bats else 0.0] * len(xs)


def cloakroom(xs):
    out = []
    for t in xs:
        if isinstance(t, str):
            out.append("")
        elif t - 1 < len(xs) and isinstance(xs[t - 1], str):
            out.append(xs[t - 1])
        else:
            out.append("lost")
    return out


def tick_test(xs):
    out, last = [], None
    for i, p in enumerate(xs):
        if i == 0:
            out.append("first")
            continue
        if p > xs[i - 1]:
            last = "up"
            out.append("uptick")
        elif p < xs[i - 1]:
            last = "down"
            out.append("downtick")
        else:
            out.append({"up": "zero-plus", "down": "zero-minus", None: "unknown"}[last])
    return out


SPECS = {"s01": abandon_rate, "s02": jukebox, "s03": autocomplete, "s04": latex_depth, "s05": renewal_month,
         "s06": plurality, "s07": reaction_tally, "s08": planets_outward, "s09": rtl_display, "s10": secret_santa,
         "s11": lisp_depth, "s12": badge_side, "s13": rolling_ppm, "s14": pizza_majority, "s15": cash_rounding,
         "s16": isolation_day, "s17": rsvp_list, "s18": rail_fence_decode, "s19": mean_opinion,
         "s20": charging_price, "s21": element_share, "s22": slugging, "s23": cloakroom, "s24": tick_test}


# ---------------------------------------------------------------------------------------------- targeted inputs
def evening(r):
    """An evening's plays from a few favourites, so that songs come back."""
    favourites = r.sample(SONGS, r.randint(1, 5))
    return [r.choice(favourites) for _ in range(r.randint(1, 10))]


def typing(r):
    """Phrases of the eight words that repeat themselves, as people type."""
    phrases = [["i", "want", "to", "go", "home"], ["i", "can", "go", "now"], ["you", "can", "go", "home", "now"],
               ["i", "want", "you", "to", "go"], ["now", "you", "want", "to"]]
    out = []
    while len(out) < 10:
        out += r.choice(phrases) if r.random() < 0.8 else [r.choice(WORDS8)]
    start = r.randrange(3) if r.random() < 0.5 else 0
    return out[start:start + r.randint(1, 10)]


def latex_source(r):
    """Mostly nested environments with items and text, now and then an extra \\end."""
    out, depth = [], 0
    while len(out) < 14:
        u = r.random()
        if u < 0.3 or depth == 0 and u < 0.5:
            out.append("begin")
            depth += 1
        elif u < 0.55 and (depth > 0 or r.random() < 0.15):
            out.append("end")
            depth -= 1
        else:
            out.append(r.choice(["item", "text", "text", "label"]))
    return out[:r.randint(1, 14)]


def annotations(r):
    """Labels with a skew towards one, so that leads change and ties come and go."""
    weights = [r.random() for _ in range(3)]
    return r.choices(["positive", "negative", "neutral"], weights, k=r.randint(1, 13))


def sexprs(r):
    """Balanced s-expressions, some with one parenthesis dropped, added or swapped for an atom."""
    def expr(budget):
        if budget < 3 or r.random() < 0.3:
            return [r.choice(["defun", "let", "lambda", "x", "y", 1])]
        inner, left = [], budget - 2
        while left > 0 and r.random() < 0.8:
            part = expr(left)
            inner += part
            left -= len(part)
        return ["("] + inner + [")"]
    out = []
    while len(out) < 12 and r.random() < 0.9:
        out += expr(12 - len(out))
    out = out[:12] or ["x"]
    u = r.random()
    if u < 0.15:
        del out[r.randrange(len(out))]
    elif u < 0.3:
        out[r.randrange(len(out))] = r.choice(["(", ")"])
    return (out or ["("])[:12]


def swipes(r):
    """A morning's swipes by a few colleagues."""
    staff = r.sample(BADGES, r.randint(1, 4))
    return [r.choice(staff) for _ in range(r.randint(1, 12))]


def polls(r):
    """Polls where one pizza is popular, often with a majority."""
    favourite = r.choice(PIZZAS)
    p = r.random()
    return [favourite if r.random() < p else r.choice(PIZZAS) for _ in range(r.randint(1, 9))]


def test_logs(r):
    """Mostly negative days, with a first positive anywhere (or none)."""
    n = r.randint(1, 14)
    first = r.randrange(n + 2)
    return ["pos" if i == first else (r.choice(["neg", "neg", "void", "pos"]) if i > first else
                                      r.choice(["neg", "neg", "neg", "void"])) for i in range(n)]


def inbox(r):
    """Replies from a few families, some replying twice."""
    families = r.sample(SURNAMES, r.randint(1, 6))
    return [r.choice(families) for _ in range(r.randint(1, 8))]


def cloak_logs(r):
    """Items handed in, then tickets for their pegs, with a stray ticket now and then."""
    n = r.randint(1, 12)
    out = []
    for _ in range(n):
        items_so_far = [j for j, t in enumerate(out) if isinstance(t, str)]
        if items_so_far and r.random() < 0.4:
            out.append(r.choice(items_so_far) + 1 if r.random() < 0.8 else r.randint(1, 12))
        else:
            out.append(r.choice(ITEMS))
    return out


def price_walks(r):
    """Trades a cent or so apart, often unchanged."""
    p = r.randint(97, 103)
    out = [p]
    for _ in range(r.randint(0, 9)):
        p = min(105, max(95, p + r.choice([-1, 0, 0, 0, 1, 2, -2])))
        out.append(p)
    return out


TARGETED = {"s02": evening, "s03": typing, "s04": latex_source, "s06": annotations, "s11": sexprs, "s12": swipes,
            "s14": polls, "s16": test_logs, "s17": inbox, "s23": cloak_logs, "s24": price_walks}


if __name__ == "__main__":
    main(HERE, "s*.rasp", TARGETED, SPECS)
