"""Checks the thirty-second hand-written set: every compiled net against its program's reference outputs and
against a plain-Python statement of what the program is meant to compute.

    python bench/handwritten_thirtysecond/check_set.py [--nets DIR] [s01 s05 ...]

With --nets, loads DIR/<file stem>.safetensors (written by `fountain compile`), else compiles in-process.
Inputs as in `bench/handwritten_check.py`: every input of length 1..max_seq_len when there are at most
40,000, else 10,000 uniform + 10,000 structured (`sampled_inputs`, seed 0), plus 2,000 targeted inputs
from this file's generators (by the file's first three characters), which reach the rare branches
(escape rooms that run out of time, nested call traces, drum loops, five-star drivers, short trips
abroad, motorbike convoys, small baskets, necklaces that repeat, fields that fill up, ...). On each
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
MIDI = {"kick": 36, "snare": 38, "hihat": 42, "tom": 45, "crash": 49, "rest": "rest"}
DRUMS = list(MIDI)
FICTION = {"Dune", "Emma", "Beloved", "Dracula", "Ulysses", "Rebecca"}
BOOKS = "Dune Emma Beloved Dracula Ulysses Rebecca Sapiens Cosmos Educated Freakonomics Quiet Outliers".split()
COUNTRIES = "FR DE IT ES PT NL BE CH AT GR JP US CA MX BR AU NZ TH VN IN".split()
VEHICLE_CLASS = {"Fiesta": "car", "Corolla": "car", "Civic": "car", "Transit": "van", "Sprinter": "van",
                 "Actros": "hgv", "Scania": "hgv", "FH16": "hgv", "Vespa": "motorbike", "Harley": "motorbike"}
GROCERIES = "milk bread eggs butter cheese apples bananas rice pasta coffee tea sugar flour yoghurt beans soup".split()
HASHTAGS = ["#ai", "#cats", "#f1", "#music", "#news", "#food"]
# plate units: studs times height (a brick is three plates)
VOLUME = {"1x1": 3, "1x2": 6, "1x4": 12, "2x2": 12, "2x4": 24, "2x6": 36, "1x1plate": 1, "1x2plate": 2,
          "2x2plate": 4, "2x4plate": 8}
MEMBERS = "Aisha Ben Chloe Dev Elif Finn Greta Hugo".split()
FLOWER_COLOUR = {"rose": "red", "tulip": "red", "poppy": "red", "lily": "white", "daisy": "white", "iris": "blue",
                 "violet": "blue", "sunflower": "yellow", "daffodil": "yellow"}
UCAS = {"A*": 56, "A": 48, "B": 40, "C": 32, "D": 24, "E": 16}
SOCKS = "black white grey navy red argyle striped".split()
BEADS = "red gold jade pearl".split()
PITCHES = {"tent": "T", "caravan": "C", "motorhome": "M"}
CAPACITY = {"tent": 5, "caravan": 4, "motorhome": 3}
CAFFEINE = {"sencha": 30, "matcha": 70, "assam": 80, "darjeeling": 50, "earlgrey": 60, "rooibos": 0, "chamomile": 0,
            "oolong": 40, "puerh": 60, "peppermint": 0}
PLATES = "green blue red silver gold black".split()


def per_prefix(f):
    """A causal spec from a function of the whole prefix."""
    return lambda xs: [f(xs[:i + 1]) for i in range(len(xs))]


# ---------------------------------------------------------------------------------------------- specs
def escape_penalty(p):
    hints, wrongs = p.count("hint"), p.count("wrong")
    minutes = 3 * max(hints - 1, 0) + wrongs
    return "game over" if minutes >= 15 else minutes


def deepest_call(p):
    depth, depths = 0, []
    for t in p:
        depth += {"call": 1, "return": -1}.get(t, 0)
        depths.append(depth)
    return float(depths.index(max(depths)))  # index() gives the first


def drum_prediction(p):
    w = p[-1]
    earlier = [j for j in range(len(p) - 1) if p[j] == w]
    return MIDI[p[earlier[-1] + 1]] if earlier else ""


def driver_standing(p):
    if len(p) < 3:
        return "new driver"
    mean = sum(p) / len(p)
    return "good standing" if mean >= 4.6 else ("warning" if mean >= 4 else "under review")


def genre_lead(p):
    f = sum(b in FICTION for b in p)
    n = len(p) - f
    return "fiction" if f > n else ("non-fiction" if n > f else "level")


def passport(p):
    n = len(set(p))
    return "globetrotter" if n >= 5 else n


def hgv_share(p):
    four = [VEHICLE_CLASS[v] for v in p if VEHICLE_CLASS[v] != "motorbike"]
    return four.count("hgv") / len(four) if four else 0.0


def kart_podium(xs):
    places = [1 + sum(t < x for t in xs) for x in xs]
    return [{1: "fastest", 2: "2nd", 3: "3rd"}.get(p, p) for p in places]


def express_lane(xs):
    n = len(set(xs))
    return ["express lane" if n <= 5 else n] * len(xs)


def trending(xs):
    counts = collections.Counter(xs)
    tags = sorted(counts, key=lambda t: (-counts[t], xs.index(t)))
    return [tags[i] if i < len(tags) else "" for i in range(len(xs))]


def pancakes(xs):
    flipped = xs[::-1]
    return flipped[1:] + flipped[:1]


def lego_sort(xs):
    return sorted(xs, key=lambda p: -VOLUME[p])  # stable: equal volumes keep their order


def heavyweights(xs):
    average = sum(xs) / len(xs)
    heavy = [w for w in xs if w > average]
    return [sum(heavy) / len(heavy) if heavy else 0.0] * len(xs)


def coaster_crest(xs):
    h, heights = 0, []
    for t in xs:
        h += {"lift": 1, "drop": -1}.get(t, 0)
        heights.append(h)
    return [float(heights.index(max(heights)))] * len(xs)


def gym_fee(xs):
    out = []
    for i, m in enumerate(xs):
        v = xs[:i + 1].count(m)
        out.append("free trial" if v == 1 else (8 if v <= 5 else 5))
    return out


def bouquet(xs):
    colours = collections.Counter(FLOWER_COLOUR[f] for f in xs)
    colour, n = colours.most_common(1)[0]
    return [colour if 2 * n > len(xs) else "mixed"] * len(xs)


def ucas_best_three(xs):
    best = sorted((UCAS[g] for g in xs), reverse=True)[:3]
    return [sum(best) / len(best)] * len(xs)


def sock_pairs(xs):
    counts = collections.Counter(xs)
    return [sum(2 * (c // 2) for c in counts.values()) / len(xs)] * len(xs)


def necklace(xs):
    n = len(xs)
    bad = [i for i in range(n) if xs[i] != xs[(i + 2) % n]]
    return [bad[0] if bad else "symmetric"] * n


def campsite(xs):
    out = []
    for i, u in enumerate(xs):
        k = xs[:i + 1].count(u)
        out.append(PITCHES[u] + str(k) if k <= CAPACITY[u] else "full")
    return out


def above_average(xs):
    average = sum(xs) / len(xs)
    return [sum(x > average for x in xs)] * len(xs)


def tea_caffeine(xs):
    teas = set(xs)
    return [sum(CAFFEINE[t] for t in teas) / len(teas)] * len(xs)


def undo_three(xs):
    return [xs[len(xs) - 1 - i] if i < 3 else "" for i in range(len(xs))]


def free_desserts(xs):
    counts = collections.Counter(xs)
    return [sum(c >= 3 for c in counts.values())] * len(xs)


SPECS = {"s01": per_prefix(escape_penalty), "s02": per_prefix(deepest_call), "s03": per_prefix(drum_prediction),
         "s04": per_prefix(driver_standing), "s05": per_prefix(genre_lead), "s06": per_prefix(passport),
         "s07": per_prefix(hgv_share), "s08": kart_podium, "s09": express_lane, "s10": trending,
         "s11": pancakes, "s12": lego_sort, "s13": heavyweights, "s14": coaster_crest, "s15": gym_fee,
         "s16": bouquet, "s17": ucas_best_three, "s18": sock_pairs, "s19": necklace, "s20": campsite,
         "s21": above_average, "s22": tea_caffeine, "s23": undo_three, "s24": free_desserts}


# ---------------------------------------------------------------------------------------------- targeted inputs
def struggling_team(r):
    """A team that keeps asking for hints and trying wrong codes, so that the clock runs out."""
    w = [r.random() * 3, r.random() * 2, r.random() * 0.3, r.random() * 0.5]
    return r.choices(["hint", "wrong", "lock", "idle"], w, k=r.randint(1, 12))


def call_trace(r):
    """Nested calls and returns with work between, now and then starting inside a function."""
    out, depth = [], 0 if r.random() < 0.8 else 2
    while len(out) < 10:
        u = r.random()
        if u < 0.4:
            out.append("call")
            depth += 1
        elif u < 0.7 and depth > 0:
            out.append("return")
            depth -= 1
        else:
            out.append("work")
    return out[:r.randint(1, 10)]


def drum_loop(r):
    """A short pattern looped, with a fill now and then."""
    pattern = r.choices(DRUMS, k=r.randint(2, 4))
    out = (pattern * 5)[:10]
    for _ in range(r.randint(0, 2)):
        out[r.randrange(10)] = r.choice(DRUMS)
    return out[:r.randint(1, 10)]


def good_driver(r):
    """Mostly five-star trips, now and then a bad one."""
    return r.choices([5, 4, 3, 2, 1], [r.random() * 10 + 5, 3, 1, 0.5, 0.5], k=r.randint(1, 10))


def short_trips(r):
    """A traveller who keeps going back to a few countries."""
    places = r.sample(COUNTRIES, r.randint(1, 7))
    return [r.choice(places) for _ in range(r.randint(1, 12))]


def biker_rally(r):
    """Convoys of motorbikes with the odd lorry."""
    return r.choices(list(VEHICLE_CLASS), [1, 1, 1, 1, 1, 2, 2, 2, 12, 12], k=r.randint(1, 14))


def slow_session(r):
    """Laps that mostly get slower, with equal times, so that places are shared and run deep."""
    t = r.randint(50, 56)
    out = []
    for _ in range(r.randint(1, 8)):
        out.append(t)
        t = min(64, max(50, t + r.choice([-1, 0, 0, 1, 2, 3])))
    return out


def small_basket(r):
    """A basket of a few products bought several times each."""
    products = r.sample(GROCERIES, r.randint(1, 7))
    return [r.choice(products) for _ in range(r.randint(1, 10))]


def hashtag_storm(r):
    """Posts dominated by one or two hashtags."""
    return r.choices(HASHTAGS, [r.random() ** 3 for _ in HASHTAGS], k=r.randint(1, 8))


def even_weigh_off(r):
    """Entries of one or two weights, often all equal."""
    weights = r.sample([100, 150, 200, 300, 500], r.randint(1, 2))
    return [r.choice(weights) for _ in range(r.randint(1, 6))]


def mountain_track(r):
    """Long lift hills, drops and tunnels."""
    return r.choices(["lift", "drop", "flat"], [r.random(), r.random(), 0.3 * r.random()], k=r.randint(1, 12))


def regulars(r):
    """A week in which two or three members come almost every day."""
    members = r.sample(MEMBERS, r.randint(1, 3))
    return [r.choice(members) for _ in range(r.randint(1, 10))]


def themed_bouquet(r):
    """Bouquets of mostly one colour."""
    colour = r.choice(["red", "white", "blue", "yellow"])
    mine = [f for f, c in FLOWER_COLOUR.items() if c == colour]
    p = r.random()
    return [r.choice(mine) if r.random() < p else r.choice(list(FLOWER_COLOUR)) for _ in range(r.randint(1, 8))]


def odd_socks(r):
    """A basket of two or three patterns."""
    patterns = r.sample(SOCKS, r.randint(1, 3))
    return [r.choice(patterns) for _ in range(r.randint(1, 10))]


def patterned_necklace(r):
    """Necklaces with period 1, 2 or 4 round the loop, some with one bead changed."""
    n = r.randint(1, 12)
    period = r.choice([1, 2, 2, 4])
    motif = r.choices(BEADS, k=period)
    out = [motif[i % period] for i in range(n)]
    if r.random() < 0.4:
        out[r.randrange(n)] = r.choice(BEADS)
    return out


def busy_field(r):
    """A holiday rush of mostly one kind of unit."""
    kind = r.choice(list(PITCHES))
    return [kind if r.random() < 0.7 else r.choice(list(PITCHES)) for _ in range(r.randint(1, 14))]


def flat_block(r):
    """Blocks where flats use one or two amounts."""
    uses = r.sample([150, 200, 250, 300, 400, 600], r.randint(1, 2))
    return [r.choice(uses) for _ in range(r.randint(1, 7))]


def repeat_pours(r):
    """Flights of a few teas poured again and again."""
    teas = r.sample(list(CAFFEINE), r.randint(1, 4))
    return [r.choice(teas) for _ in range(r.randint(1, 8))]


def hungry_table(r):
    """A table that keeps to two or three colours."""
    colours = r.sample(PLATES, r.randint(1, 3))
    return [r.choice(colours) for _ in range(r.randint(1, 12))]


TARGETED = {"s01": struggling_team, "s02": call_trace, "s03": drum_loop, "s04": good_driver, "s06": short_trips,
            "s07": biker_rally, "s08": slow_session, "s09": small_basket, "s10": hashtag_storm,
            "s13": even_weigh_off, "s14": mountain_track, "s15": regulars, "s16": themed_bouquet,
            "s18": odd_socks, "s19": patterned_necklace, "s20": busy_field, "s21": flat_block,
            "s22": repeat_pours, "s24": hungry_table}


if __name__ == "__main__":
    main(HERE, "s*.rasp", TARGETED, specs=SPECS)
