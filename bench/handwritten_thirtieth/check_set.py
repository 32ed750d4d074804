"""Checks the thirtieth hand-written set: every compiled net against its program's reference outputs and
against a plain-Python statement of what the program is meant to compute.

    python bench/handwritten_thirtieth/check_set.py [--nets DIR] [r01 r05 ...]

With --nets, loads DIR/<file stem>.safetensors (written by `fountain compile`), else compiles in-process.
Inputs as in `bench/handwritten_check.py`: every input of length 1..max_seq_len when there are at most
40,000, else 10,000 uniform + 10,000 structured (`sampled_inputs`, seed 0), plus 2,000 targeted inputs
from this file's generators (by the file's first three characters), which reach the rare branches
(legal king walks, valid postcodes, well-formed SQL, puzzles whose guesses score, ...). On each input
three comparisons: net vs program (`outputs_agree`, as the shared check), program vs SPEC (exact,
numbers within the same tolerance, None counts) and net vs SPEC. Causal specs give position i's value
on the prefix xs[:i + 1], as a causal net computes it.
"""

from __future__ import annotations

import collections
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402

# ---------------------------------------------------------------------------------------------- domains
RANKS = ["2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K", "A"]
DECK = [r + s for s in "CDHS" for r in RANKS]
BIRDS = ("robin blackbird wren bluetit greattit coaltit longtailedtit chaffinch goldfinch greenfinch bullfinch siskin "
         "housesparrow starling magpie jay jackdaw rook carrioncrow woodpigeon collareddove pheasant buzzard kestrel "
         "sparrowhawk redkite heron mallard moorhen coot muteswan kingfisher nuthatch treecreeper dunnock songthrush "
         "mistlethrush fieldfare redwing blackcap").split()
LEFT_HAND = set("qwertasdfgzxcvb")
RIGHT_HAND = set("yuiophjklnm.")
FILES = "abcdefgh"
SUBSTITUTES = ("S1", "S2", "S3")
LETTER_FLAGS = [chr(65 + i) for i in range(26)]
COUNTRY = {"LHR": "UK", "LGW": "UK", "MAN": "UK", "EDI": "UK", "CDG": "FR", "ORY": "FR", "NCE": "FR", "FRA": "DE",
           "MUC": "DE", "BER": "DE", "AMS": "NL", "MAD": "ES", "BCN": "ES", "FCO": "IT", "MXP": "IT", "DUB": "IE",
           "ZRH": "CH", "JFK": "US", "LAX": "US", "ORD": "US", "SFO": "US", "SEA": "US", "YYZ": "CA", "YVR": "CA",
           "DXB": "AE", "SIN": "SG", "HND": "JP", "NRT": "JP", "HKG": "HK", "SYD": "AU"}
CONTINENT = {"UK": "Europe", "FR": "Europe", "DE": "Europe", "NL": "Europe", "ES": "Europe", "IT": "Europe",
             "IE": "Europe", "CH": "Europe", "US": "North America", "CA": "North America", "AE": "Asia",
             "SG": "Asia", "JP": "Asia", "HK": "Asia", "AU": "Oceania"}
AREAS = ("Viking NorthUtsire SouthUtsire Forties Cromarty Forth Tyne Dogger Fisher GermanBight Humber Thames Dover "
         "Wight Portland Plymouth Biscay Trafalgar FitzRoy Sole Lundy Fastnet IrishSea Shannon Rockall Malin Hebrides "
         "Bailey FairIsle Faeroes SoutheastIceland").split()
LETTERS = list("abcdefghijklmnopqrstuvwxyz")
NATO = ("Alfa Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima Mike November Oscar Papa Quebec "
        "Romeo Sierra Tango Uniform Victor Whiskey Xray Yankee Zulu").split()
CLAUSES = ["SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT"]
ELEMENTS = "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Fe Cu Zn Br Ag I Sn Au Hg Pb".split()
SUITS = {"clubs": "C", "diamonds": "D", "hearts": "H", "spades": "S"}
SAME_COLOUR = {"C": "S", "S": "C", "D": "H", "H": "D"}
EUCHRE_DECK = [r + s for s in "CDHS" for r in ["9", "10", "J", "Q", "K", "A"]]
TAGS = {"the": "D", "a": "D", "an": "D", "this": "D", "that": "D", "these": "D",
        "big": "A", "small": "A", "red": "A", "old": "A", "new": "A", "happy": "A",
        "dog": "N", "cat": "N", "house": "N", "car": "N", "man": "N", "woman": "N", "dogs": "N", "cats": "N",
        "sees": "V", "runs": "V", "likes": "V", "chased": "V", "in": "P", "on": "P", "with": "P",
        "quickly": "R", "and": "C", ".": "."}
GENERIC = {"atorvastatin": "Lipitor", "simvastatin": "Zocor", "esomeprazole": "Nexium", "omeprazole": "Prilosec",
           "sertraline": "Zoloft", "fluoxetine": "Prozac", "amlodipine": "Norvasc", "nifedipine": "Procardia",
           "ibuprofen": "Advil", "naproxen": "Aleve", "salbutamol": "Ventolin", "fluticasone": "Flovent"}
DRUG_CLASS = {"Lipitor": "statin", "Zocor": "statin", "Nexium": "PPI", "Prilosec": "PPI", "Zoloft": "SSRI",
              "Prozac": "SSRI", "Norvasc": "CCB", "Procardia": "CCB", "Advil": "NSAID", "Aleve": "NSAID",
              "Ventolin": "inhaler", "Flovent": "inhaler"}
COUNTRIES = ("Sweden Norway Denmark Finland Iceland UK Ireland France Germany Italy Spain Portugal Netherlands "
             "Belgium Switzerland Austria Poland Ukraine Greece Cyprus Israel Serbia Croatia Estonia Lithuania "
             "Australia").split()
JURY_POINTS = [12, 10, 8, 7, 6, 5, 4, 3, 2, 1]
CO2 = {"coal": 820, "gas": 490, "biomass": 230, "nuclear": 12, "wind": 11}


def causal(f):
    """A causal spec from a whole-input one: position i's value on the prefix xs[:i + 1]."""
    return lambda xs: [f(xs[:i + 1])[i] for i in range(len(xs))]


# ---------------------------------------------------------------------------------------------- specs
def hearts(xs):
    out = []
    for i in range(len(xs)):
        taken = xs[:i + 1]
        h = sum(c.endswith("H") for c in taken)
        q, j = taken.count("QS"), taken.count("JD")
        out.append("shot the moon" if h == 13 and q == 1 else h + 13 * q - 10 * j)
    return out


def year_list(xs):
    seen, out = [], []
    for b in xs:
        if b in seen:
            out.append("seen")
        else:
            seen.append(b)
            out.append(len(seen))
    return out


def hand_of(key):
    return "L" if key in LEFT_HAND else ("R" if key in RIGHT_HAND else "thumb")


def hand_alternation(xs):
    alternations, out = 0, []
    for i, key in enumerate(xs):
        if i > 0 and {hand_of(key), hand_of(xs[i - 1])} == {"L", "R"}:
            alternations += 1
        out.append(alternations / (i + 1))
    return out


def king_walk(xs):
    def at(s):
        return FILES.index(s[0]), int(s[1])
    out, broken = [], False
    for i, s in enumerate(xs):
        if i > 0 and not broken:
            (f, r), (pf, pr) = at(s), at(xs[i - 1])
            if max(abs(f - pf), abs(r - pr)) != 1:
                broken = True
                out.append("illegal")
                continue
        if broken:
            out.append("void")
        else:
            (f, r), (of, orank) = at(s), at(xs[0])
            out.append(max(abs(f - of), abs(r - orank)))
    return out


def flag_meanings(xs):
    out = []
    for i, t in enumerate(xs):
        if t in SUBSTITUTES:
            k = int(t[1]) - 1
            out.append(xs[k] if k < i and xs[k] not in SUBSTITUTES else "invalid")
        else:
            out.append(t)
    return out


def tier_points(xs):
    total, out = 0, []
    for i, a in enumerate(xs):
        if i > 0:
            c, pc = COUNTRY[a], COUNTRY[xs[i - 1]]
            total += 5 if c == pc else (10 if CONTINENT[c] == CONTINENT[pc] else 30)
        out.append(float(total))
    return out


def season_wins(xs):
    out, seasons, current = [], [], []
    for t in xs:  # split into seasons
        if t in ("-", "/"):
            seasons.append(current)
            current = []
        else:
            current.append(t)
    seasons.append(current)
    season = 0
    for t in xs:
        if t in ("-", "/"):
            out.append("")
            season += 1
        else:
            out.append(seasons[season].count(1))
    return out


def broadcast_places(xs):
    reading = sorted(range(len(xs)), key=lambda i: (AREAS.index(xs[i]), i))
    place = {i: p + 1 for p, i in enumerate(reading)}
    return [place[i] for i in range(len(xs))]


def spelling_bee(xs):
    puzzle, word = xs[:7], xs[8:]
    if len(word) < 4:
        verdict = "too short"
    elif any(c not in puzzle for c in word):
        verdict = "bad letter"
    elif xs[0] not in word:
        verdict = "no centre"
    else:
        verdict = (1 if len(word) == 4 else len(word)) + (7 if all(p in word for p in puzzle) else 0)
    return [verdict] * len(xs)


def abbreviated_callsign(xs):
    n, uk = len(xs), xs[0] == "Golf"
    return [w[0] if not uk or i == 0 or i >= n - 2 else "" for i, w in enumerate(xs)]


def sql_lint(xs):
    out = []
    for i, t in enumerate(xs):
        if t in CLAUSES:
            before = [u for u in xs[:i] if u in CLAUSES]
            if any(CLAUSES.index(u) > CLAUSES.index(t) for u in before):
                out.append("out of order")
            elif t in before:
                out.append("repeated")
            elif t in ("GROUP", "ORDER") and (i + 1 == len(xs) or xs[i + 1] != "BY"):
                out.append("no BY")
            else:
                out.append("ok")
        elif t == "BY":
            out.append("" if i > 0 and xs[i - 1] in ("GROUP", "ORDER") else "stray BY")
        else:
            out.append("")
    return out


def condensed_formula(xs):
    out = []
    for i, e in enumerate(xs):
        n = xs.count(e)
        out.append("" if e in xs[:i] else e + (str(n) if n > 1 else ""))
    return out


def euchre_trick(xs):
    trump = SUITS.get(xs[0])

    def power(card, led_suit):
        if card not in EUCHRE_DECK:
            return 0
        rank, suit = card[:-1], card[-1]
        if trump and rank == "J" and suit == trump:
            return 13
        if trump and rank == "J" and suit == SAME_COLOUR[trump]:
            return 12
        if suit == trump:
            return {"A": 11, "K": 10, "Q": 9, "10": 8, "9": 7}[rank]
        if suit == led_suit:
            return {"A": 6, "K": 5, "Q": 4, "J": 3, "10": 2, "9": 1}[rank]
        return 0

    def effective_suit(card):
        if card not in EUCHRE_DECK:
            return None
        if trump and card == "J" + SAME_COLOUR[trump]:
            return trump
        return card[-1]

    if len(xs) < 2:
        return [""] * len(xs)
    led = effective_suit(xs[1])
    led = None if led == trump else led  # trump led: only trumps can win
    powers = [power(c, led) for c in xs[1:]]
    best = max(powers)
    winner = powers.index(best) + 1 if best > 0 else None
    return ["takes" if i == winner else "" for i in range(len(xs))]


def spreadsheet_range(xs):
    def at(c):
        return "ABCDEF".index(c[0]), int(c[1:])
    (c0, r0), (c1, r1) = at(xs[0]), at(xs[min(1, len(xs) - 1)])
    out = []
    for i, cell in enumerate(xs):
        c, r = at(cell)
        out.append("corner" if i < 2 else
                   ("in" if min(c0, c1) <= c <= max(c0, c1) and min(r0, r1) <= r <= max(r0, r1) else "out"))
    return out


def keno(xs):
    spots, drawn = xs[:4], xs[4:]
    catches = sum(1 for s in spots if s in drawn)
    return [float({2: 1, 3: 5, 4: 60}.get(catches, 0))] * len(xs)


def noun_phrases(xs):
    tags = "".join(TAGS[w] for w in xs)
    out = ["O"] * len(xs)
    for number, m in enumerate(re.finditer(r"D?A*N", tags), start=1):
        for i in range(m.start(), m.end()):
            out[i] = f"NP{number}"
    return out


def generic_rate(xs):
    def cls(d):
        return DRUG_CLASS[GENERIC.get(d, d)]
    out = []
    for d in xs:
        same = [e for e in xs if cls(e) == cls(d)]
        out.append(sum(e in GENERIC for e in same) / len(same))
    return out


def jury_points(xs):
    out = []
    for i, c in enumerate(xs):
        if i == 0:
            out.append("jury")
        elif c == xs[0] or c in xs[1:i]:
            out.append("void")
        else:
            out.append(JURY_POINTS[i - 1])
    return out


def ectopic_runs(xs):
    out = []
    for i, b in enumerate(xs):
        if b != "V":
            out.append("")
            continue
        lo, hi = i, i
        while lo > 0 and xs[lo - 1] == "V":
            lo -= 1
        while hi + 1 < len(xs) and xs[hi + 1] == "V":
            hi += 1
        size = hi - lo + 1
        out.append("isolated" if size == 1 else ("couplet" if size == 2 else "run"))
    return out


def metrical_feet(xs):
    names = {("u", "/"): "iamb", ("/", "u"): "trochee", ("/", "/"): "spondee", ("u", "u"): "pyrrhic"}
    out = []
    for i in range(len(xs)):
        first = i - i % 2
        out.append("extra" if first + 1 == len(xs) else names[(xs[first], xs[first + 1])])
    return out


def coach_letters(xs):
    letters, out, k = "ABCDEFGHJKLMNPQRSTUVWXYZ", [], 0
    for v in xs:
        if v in ("loco", "guard"):
            out.append("")
        else:
            out.append(letters[k])
            k += 1
    return out


def postcode_parts(xs):
    text = "".join(str(t) for t in xs)
    if not re.fullmatch(r"[A-Z]{1,2}[0-9][0-9A-Z]?_[0-9][A-Z]{2}", text):
        return ["invalid"] * len(xs)
    n, area = len(xs), 2 if text[1].isalpha() else 1
    return ["area" if i < area else "district" if i < n - 4 else "space" if i == n - 4 else "sector" if i == n - 3
            else "unit" for i in range(n)]


def flash_groups(xs):
    lit = [t == "on" for t in xs]
    starts = [i for i in range(len(xs)) if lit[i] and (i == 0 or not lit[i - 1])]
    group_of_start, group = {}, 0
    for j in starts:
        dark = 0
        while j - dark - 1 >= 0 and not lit[j - dark - 1]:
            dark += 1
        if j == starts[0] or dark >= 3 or j - dark == 0:  # a first flash, or after a long eclipse or the watch's start
            group += 1
        group_of_start[j] = group
    sizes = collections.Counter(group_of_start.values())
    out, current = [], None
    for i in range(len(xs)):
        if i in group_of_start:
            current = group_of_start[i]
        out.append(sizes[current] if lit[i] else "")
    return out


def carbon_intensity(xs):
    out = []
    for i in range(len(xs)):
        window = xs[max(0, i - 2):i + 3]
        out.append(sum(CO2[s] for s in window) / len(window))
    return out


SPECS = {"r01": hearts, "r02": year_list, "r03": hand_alternation, "r04": king_walk, "r05": flag_meanings,
         "r06": tier_points, "r07": season_wins, "r08": broadcast_places, "r09": spelling_bee,
         "r10": abbreviated_callsign, "r11": sql_lint, "r12": condensed_formula, "r13": euchre_trick,
         "r14": spreadsheet_range, "r15": keno, "r16": noun_phrases, "r17": generic_rate, "r18": jury_points,
         "r19": ectopic_runs, "r20": metrical_feet, "r21": coach_letters, "r22": postcode_parts,
         "r23": flash_groups, "r24": carbon_intensity}


# ---------------------------------------------------------------------------------------------- targeted inputs
def taken_cards(r):
    """Cards taken in tricks: half of them hands holding every heart and the queen (the moon in reach)."""
    if r.random() < 0.5:
        others = [c for c in DECK if not c.endswith("H") and c != "QS"]
        cards = [c for c in DECK if c.endswith("H")] + ["QS"] + r.sample(others, 2)
        r.shuffle(cards)
        return cards[:r.randint(12, 16)]
    weights = [5 if c.endswith("H") or c in ("QS", "JD") else 1 for c in DECK]
    cards = []
    while len(cards) < r.randint(1, 16):
        c = r.choices(DECK, weights)[0]
        if c not in cards:
            cards.append(c)
    return cards


def sightings(r):
    """A morning's list from a few species, so that repeats are common; a few lists of all-new species."""
    if r.random() < 0.2:
        return r.sample(BIRDS, r.randint(1, 15))
    local = r.sample(BIRDS, r.randint(2, 10))
    return [r.choice(local) for _ in range(r.randint(1, 15))]


def typing(r):
    words = "the quick brown fox jumps over lazy dog we were sad you will look up and down it is a test".split()
    text = "_".join(r.choice(words) for _ in range(6)) + "."
    start = r.randrange(len(text))
    return list(text[start:start + r.randint(1, 16)])


def king_walks(r):
    """Walks of king moves, with an illegal jump now and then."""
    f, rank = r.randrange(8), r.randrange(1, 9)
    out = [FILES[f] + str(rank)]
    for _ in range(r.randint(0, 13)):
        if r.random() < 0.08:
            f, rank = r.randrange(8), r.randrange(1, 9)
        else:
            while True:
                df, dr = r.choice([(a, b) for a in (-1, 0, 1) for b in (-1, 0, 1) if (a, b) != (0, 0)])
                if 0 <= f + df < 8 and 1 <= rank + dr <= 8:
                    f, rank = f + df, rank + dr
                    break
        out.append(FILES[f] + str(rank))
    return out


def hoists(r):
    """Hoists of letters and numerals with substitutes, mostly below the flag they repeat."""
    out = []
    for i in range(r.randint(1, 10)):
        if i >= 1 and r.random() < 0.35:
            out.append(r.choice(SUBSTITUTES))
        else:
            out.append(r.choice(LETTER_FLAGS + list(range(10))))
    return out


def itineraries(r):
    """Trips that mostly stay within a country or a continent."""
    codes = list(COUNTRY)
    out = [r.choice(codes)]
    for _ in range(r.randint(0, 11)):
        here = out[-1]
        u = r.random()
        pool = ([c for c in codes if COUNTRY[c] == COUNTRY[here]] if u < 0.35 else
                [c for c in codes if CONTINENT[COUNTRY[c]] == CONTINENT[COUNTRY[here]]] if u < 0.7 else codes)
        out.append(r.choice(pool))
    return out


def form_lines(r):
    """Form figures with seasons of a few runs and frequent wins."""
    out = []
    while len(out) < r.randint(1, 16):
        out.append(r.choice([1, 1, 2, 3, 4, 0, "P", "F", 1, 5]) if r.random() > 0.15 else r.choice(["-", "-", "/"]))
    return out


def bee_guesses(r):
    """A puzzle of seven different letters and a guess from its letters: often with the centre, some
    pangrams, a few bad letters."""
    puzzle = r.sample(LETTERS, 7)
    size = r.randint(0, 8)
    if size >= 7 and r.random() < 0.5:
        word = puzzle[:] + [r.choice(puzzle) for _ in range(size - 7)]
        r.shuffle(word)
    else:
        word = [r.choice(puzzle) for _ in range(size)]
        if word and r.random() < 0.5:
            word[r.randrange(size)] = puzzle[0]
    if word and r.random() < 0.15:
        word[r.randrange(len(word))] = r.choice(LETTERS)
    return puzzle + ["|" if r.random() < 0.9 else r.choice(LETTERS)] + word


def readbacks(r):
    """Registrations spelt out, most of them UK ones (Golf first)."""
    n = r.randint(1, 8)
    return (["Golf"] if r.random() < 0.7 else [r.choice(NATO)]) + [r.choice(NATO) for _ in range(n - 1)]


def queries(r):
    """Well-formed queries, some with two clauses swapped, a clause repeated or a BY dropped."""
    parts = [["SELECT", r.choice(["name", "*", "COUNT"]), ",", "city"], ["FROM", r.choice(["orders", "customers"])],
             ["WHERE", "price", r.choice([">", "<", "="]), 10], ["GROUP", "BY", "city"],
             ["HAVING", "SUM", ">", 10], ["ORDER", "BY", "price"], ["LIMIT", 10]]
    chosen = [p[:] for p in parts if r.random() < 0.7]
    u = r.random()
    if u < 0.2 and len(chosen) >= 2:
        i = r.randrange(len(chosen) - 1)
        chosen[i], chosen[i + 1] = chosen[i + 1], chosen[i]
    elif u < 0.35 and chosen:
        chosen.append(r.choice(chosen)[:])
    elif u < 0.5:
        for p in chosen:
            if p[0] in ("GROUP", "ORDER"):
                p.remove("BY")
                break
    tokens = [t for p in chosen for t in p] or ["SELECT"]
    start = r.randrange(max(1, len(tokens) - 13)) if r.random() < 0.5 else 0
    return tokens[start:start + 14]


def molecules(r):
    """Organic molecules' atoms: mostly C, H, O, N, with the odd halogen or metal."""
    return [r.choice(["C", "H", "H", "O", "N", "C", "H"]) if r.random() > 0.15 else r.choice(ELEMENTS)
            for _ in range(r.randint(1, 16))]


def tricks(r):
    """A trump suit named and four different cards."""
    return [r.choice(list(SUITS))] + r.sample(EUCHRE_DECK, r.randint(0, 4))


def tickets(r):
    """Four different spots and ten different drawn balls, which often include the spots."""
    spots = r.sample(range(1, 41), 4)
    k = r.randint(0, 4)
    others = r.sample([b for b in range(1, 41) if b not in spots], 10 - k)
    drawn = spots[:k] + others
    r.shuffle(drawn)
    return (spots + drawn)[:r.randint(1, 14)]


def sentences(r):
    """Sentences of noun phrases, verbs, prepositions and full stops, as the lexicon allows."""
    by_tag = collections.defaultdict(list)
    for w, t in TAGS.items():
        by_tag[t].append(w)

    def phrase():
        return ([r.choice(by_tag["D"])] if r.random() < 0.7 else []) + \
            [r.choice(by_tag["A"]) for _ in range(r.choice([0, 0, 1, 2]))] + [r.choice(by_tag["N"])]
    words = phrase() + [r.choice(by_tag["V"])] + (["quickly"] if r.random() < 0.2 else []) + phrase()
    if r.random() < 0.5:
        words += [r.choice(by_tag["P"])] + phrase()
    if r.random() < 0.3:
        words += ["and"] + phrase()
    words += ["."]
    if r.random() < 0.2:
        words[r.randrange(len(words))] = r.choice(list(TAGS))
    return words[:14]


def votes(r):
    """A voter and ten different countries, now and then with the voter or a repeat among them."""
    voter = r.choice(COUNTRIES)
    top = r.sample([c for c in COUNTRIES if c != voter], 10)
    if r.random() < 0.3:
        top[r.randrange(10)] = r.choice([voter] + top)
    return ([voter] + top)[:r.randint(1, 11)]


def strips(r):
    """Mostly normal beats with bursts of ventricular ectopics."""
    out = []
    while len(out) < 16:
        out += ["V"] * r.choice([1, 1, 2, 3, 4]) if r.random() < 0.3 else [r.choice(["N", "N", "N", "S", "F"])]
    return out[:r.randint(1, 16)]


def postcodes(r):
    """Postcodes of the six formats, a few with one character changed or one dropped."""
    def letter():
        return chr(65 + r.randrange(26))
    fmt = r.choice(["A9", "A99", "AA9", "AA99", "A9A", "AA9A"])
    out = [letter() if c == "A" else r.randrange(10) for c in fmt] + ["_", r.randrange(10), letter(), letter()]
    u = r.random()
    if u < 0.2:
        out[r.randrange(len(out))] = r.choice([letter(), r.randrange(10), "_"])
    elif u < 0.3:
        del out[r.randrange(len(out))]
    return out


def lights(r):
    """Lights of character Fl(1) .. Fl(4): flashes of 1-2 s, short gaps within a group, eclipses of 2-5 s."""
    n = r.randint(1, 4)
    out = ["off"] * r.randint(0, 3)
    while len(out) < 16:
        for _ in range(n):
            out += ["on"] * r.choice([1, 1, 2]) + ["off"] * r.choice([1, 1, 2])
        out += ["off"] * r.choice([1, 2, 3, 4])
    return out[:r.randint(1, 16)]


TARGETED = {"r01": taken_cards, "r02": sightings, "r03": typing, "r04": king_walks, "r05": hoists, "r06": itineraries,
            "r07": form_lines, "r09": bee_guesses, "r10": readbacks, "r11": queries, "r12": molecules, "r13": tricks,
            "r15": tickets, "r16": sentences, "r18": votes, "r19": strips, "r22": postcodes, "r23": lights}


if __name__ == "__main__":
    main(HERE, "r*.rasp", TARGETED, SPECS)
