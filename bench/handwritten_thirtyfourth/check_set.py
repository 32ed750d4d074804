"""Checks the thirty-fourth hand-written set: every compiled net against its program's reference outputs and
against a plain-Python statement of what the program is meant to compute.

    python bench/handwritten_thirtyfourth/check_set.py [--nets DIR] [s01 s05 ...]

With --nets, loads DIR/<file stem>.safetensors (written by `fountain compile`), else compiles in-process.
Inputs as in `bench/handwritten_check.py`: every input of length 1..max_seq_len when there are at most
40,000, else 10,000 uniform + 10,000 structured (`sampled_inputs`, seed 0), plus 2,000 targeted inputs
from this file's generators (by the file's first three characters), which reach the rare branches
(falcons moved between perches, forwarding boards that loop, nearly balanced galleys, greedy birds,
adjourned chapters, glazes after firings, rising registers, one-off acts, ...). On each input three
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
BIRDS = ["kes", "hobby", "merlin"]
MARKS = ["(", ")", "[", "]", "a"]
CALLS = ["aye", "no", "abstain"]
STEPS = ["clay", "glaze", "fire", "unload", "cone"]
ACTS = ["clown", "juggler", "acrobat", "lion", "trapeze", "mime"]
PINS = ["up", "down", "stuck"]
COLOURS = ["black", "red", "cherry", "orange", "yellow", "white"]
SIGNALS = ["stop", "send", "wire", "reply", "ack"]
USUAL = {"stop": "send", "send": "wire", "wire": "reply", "reply": "ack", "ack": "stop"}
LAYERS = ["sand", "gravel", "clay", "gold", "pyrite"]
FLAGS = list("ABCDEFG")
FISH = ["guppy", "tetra", "molly", "danio", "pleco", "betta"]
MEDALS = ["gold", "silver", "bronze"]
BRACKETS = ["(", ")", "[", "]", "{", "}"]
ROWS = ["A", "B", "C", "D"]
CHANGES = [-2, -1, 1, 2]
DRIVE = ["log", "jam", "free", "push", "hold"]
EVENTS = ["open", "close", "warm", "cold", "mist"]


def per_prefix(f):
    """A causal spec from a function of the whole prefix."""
    return lambda xs: [f(xs[:i + 1]) for i in range(len(xs))]


def everywhere(f):
    """A spec whose one value is read at every position."""
    return lambda xs: [f(xs)] * len(xs)


# ---------------------------------------------------------------------------------------------- specs
def mews(p):
    t = p[-1]
    if isinstance(t, int):
        return "-"
    perches = [p[j] for j in range(1, len(p)) if isinstance(p[j], int) and p[j - 1] == t]
    if not perches:
        return "new"
    if any(q != perches[0] for q in perches):
        return "moved"
    return perches[0]


def forwarding(p):
    i = len(p) - 1
    a = p[i]
    if a > i:
        return "wait"
    b = p[a]
    if b > i:
        return "wait"
    c = p[b]
    if c == i:
        return "loop"
    if c == b:
        return "direct"
    return c


def galley(p):
    depth = {"(": 0, "[": 0}
    for ch in p:
        if ch in "([":
            depth[ch] += 1
        elif ch == ")":
            depth["("] -= 1
        elif ch == "]":
            depth["["] -= 1
        if min(depth.values()) < 0:
            return "stray"
    still = sum(depth.values())
    return "closed" if still == 0 else still


def ring_reader(p):
    if p.count(p[-1]) >= 3:
        return "greedy"
    for j, t in enumerate(p):
        if t in p[:j]:
            return t
    return "none"


def chapter(p):
    if any(p[j] == p[j - 1] == "abstain" for j in range(1, len(p))):
        return 0.0
    ayes, noes = p.count("aye"), p.count("no")
    if ayes + noes < 3:
        return 0.0
    return abs(ayes - noes) / len(p)


def kiln(p):
    t, before = p[-1], p[:-1]
    if t == "fire":
        return "cool slowly" if "glaze" in before else "vent"
    if t == "unload":
        return "check cracks" if before.count("fire") >= 2 else "ok"
    if t == "glaze" and "fire" in before and "cone" not in before:
        return "refire"
    return "-"


def accession(p):
    i, t = len(p) - 1, p[-1]
    records = sum(1 for j in range(1, len(p)) if p[j] > max(p[:j]))
    if i > 0 and t > max(p[:-1]):
        return "rising" if records >= 4 else "record"
    if i > 0 and t == p[-2] + 1:
        return "next"
    return "later" if t > p[0] else ("earlier" if t < p[0] else "same")


def ringmaster(xs):
    once = [t for t in xs if xs.count(t) == 1]
    if not once:
        return "nobody"
    return "opener" if once[0] == xs[0] else once[0]


def dome(xs):
    n = len(xs)
    heading = (xs[0] + xs[min(1, n - 1)]) % 12
    out = []
    for i, t in enumerate(xs):
        d = (t - heading) % 12
        out.append(float(min(d, 12 - d)) if i >= 2 else 0.0)
    return out


def vault(xs):
    if len(xs) < 5:
        return "short"
    checked = [xs[1], xs[3], xs[4]]
    if "stuck" in checked:
        return "jammed"
    return "open" if checked.count("up") % 2 == 0 else "locked"


def forge(xs):
    r = [COLOURS.index(t) for t in xs]
    out = []
    for i in range(len(xs)):
        if i == len(xs) - 1:
            out.append(COLOURS[r[i] + 1] if r[i] < 5 else "done")
        else:
            s = r[i + 1] - r[i]
            out.append("rising" if s == 1 else "holding" if s == 0 else "cooling" if s < 0 else "jump")
    return out


def codebook(xs):
    out = []
    for i, t in enumerate(xs):
        earlier = [j for j in range(i) if xs[j] == t]
        g = xs[earlier[0] + 1] if earlier else USUAL[t]
        out.append("again" if g == t else g)
    return out


def gold_seam(xs):
    decoys = sum(1 for j in range(1, len(xs)) if xs[j] == "gold" and xs[j - 1] == "pyrite")
    if decoys >= 2:
        return -1.0
    for j, t in enumerate(xs):
        if t == "gold" and not (j > 0 and xs[j - 1] == "pyrite"):
            return float(j + 1)
    return 0.0


def semaphore(xs):
    n, out = len(xs), []
    for i, t in enumerate(xs):
        c = xs[(i - 3) % n]
        out.append("echo" if c == t else ("garbled" if c == xs[(i - 1) % n] else c))
    return out


def census(xs):
    if xs.count("betta") >= 2:
        return -1.0
    if len(xs) < 4:
        return 0.0
    return float(sum(1 for s in set(xs) if xs.count(s) >= 2))


def canal(xs):
    n, out = len(xs), []
    for i in range(n):
        lock = i
        for _ in range(3):
            lock = xs[lock] % n
        out.append(-1.0 if lock == i else float(lock))
    return out


def brewery(xs):
    higher = [x for x in xs if x > xs[0]]
    return sum(higher) / len(higher) - xs[0] if len(higher) >= 2 else 0.0


def bonsai(xs):
    n = len(xs)
    if n == 2 and xs[0] != xs[1]:
        return "recall"
    if n >= 3 and len(set(xs)) == 1:
        return "unanimous"
    for m in MEDALS:
        if 2 * xs.count(m) > n:
            return m
    return "split"


def calligraphy(xs):
    pairs = {")": "(", "]": "[", "}": "{"}
    depth = {"(": 0, "[": 0, "{": 0}
    for ch in xs:
        if ch in depth:
            depth[ch] += 1
        else:
            depth[pairs[ch]] -= 1
            if depth[pairs[ch]] < 0:
                return "stray"
    return "balanced" if all(d == 0 for d in depth.values()) else "unclosed"


def vineyard(xs):
    asked = xs[-1]
    if isinstance(asked, int):
        return 0.0
    reports = [xs[j] for j in range(1, len(xs)) if isinstance(xs[j], int) and xs[j - 1] == asked]
    return float(sum(reports[:2]))


def windmill(xs):
    n = len(xs)
    sums = [(xs[i] + xs[n - 1 - i]) % 5 for i in range(n)]
    steady = 2 * sums.count(0) >= n
    return ["hub" if i == n - 1 - i else (sums[i] if steady else "wobble") for i in range(n)]


def log_drive(xs):
    out = []
    for i, t in enumerate(xs):
        earlier = [j for j in range(i) if xs[j] == t]
        out.append(xs[earlier[-1] + 1] if earlier else "?")
    return out


def sawmill(xs):
    n = len(xs)
    if n < 2:
        return 0.0
    proud = sum(1 for j in range(n) if (j == 0 or xs[j] > xs[j - 1]) and (j == n - 1 or xs[j] > xs[j + 1]))
    return proud / n


def louvre(xs):
    scores = []
    for i, t in enumerate(xs):
        if t not in ("open", "close"):
            continue
        before = xs[:i]
        if i > 0 and xs[i - 1] == "mist":
            scores.append(0)
        elif t == "open":
            scores.append(1 if "warm" in before else (-1 if "cold" in before else 0))
        else:
            scores.append(1 if "cold" in before else (-1 if "warm" in before else 0))
    return sum(scores) / len(scores) if scores else 0.0


SPECS = {"s01": per_prefix(mews), "s02": per_prefix(forwarding), "s03": per_prefix(galley),
         "s04": per_prefix(ring_reader), "s05": per_prefix(chapter), "s06": per_prefix(kiln),
         "s07": per_prefix(accession), "s08": everywhere(ringmaster), "s09": dome, "s10": everywhere(vault),
         "s11": forge, "s12": codebook, "s13": everywhere(gold_seam), "s14": semaphore,
         "s15": everywhere(census), "s16": canal, "s17": everywhere(brewery), "s18": everywhere(bonsai),
         "s19": everywhere(calligraphy), "s20": everywhere(vineyard), "s21": windmill, "s22": log_drive,
         "s23": everywhere(sawmill), "s24": everywhere(louvre)}


# ---------------------------------------------------------------------------------------------- targeted inputs
def perch_book(r):
    """Falcons put on perches, now and then moved, then asked about."""
    out = []
    n = r.randint(1, 10)
    while len(out) < n:
        b = r.choice(BIRDS[:r.randint(1, 3)])
        out.append(b)
        if r.random() < 0.6:
            out.append(r.choice([1, 2, 3]) if r.random() < 0.4 else 1 + BIRDS.index(b) % 3)
    return out[:n]


def early_pointers(r):
    """Boards whose depots mostly forward to depots already on the board, some to themselves."""
    out = []
    for i in range(r.randint(1, 8)):
        x = r.random()
        out.append(i if x < 0.2 and i <= 5 else (r.randint(0, min(i, 5)) if x < 0.85 else r.randint(0, 5)))
    return out


def galley_proof(r):
    """Nearly balanced text: brackets closed mostly in order, the odd stray closer."""
    out, stack = [], []
    for _ in range(r.randint(1, 10)):
        x = r.random()
        if stack and x < 0.4:
            out.append(")" if stack.pop() == "(" else "]")
        elif x < 0.75:
            o = r.choice("([")
            stack.append(o)
            out.append(o)
        elif x < 0.9:
            out.append("a")
        else:
            out.append(r.choice(")]"))
    return out


def few_rings(r):
    """A feeder visited by two or three birds."""
    rings = r.sample(range(21, 28), r.randint(1, 3))
    return [r.choice(rings) for _ in range(r.randint(1, 10))]


def busy_chapter(r):
    """Mostly real votes, abstentions now and then in pairs."""
    out = []
    for _ in range(r.randint(1, 10)):
        out.append("abstain" if r.random() < 0.15 or (out and out[-1] == "abstain" and r.random() < 0.2)
                   else r.choice(["aye", "aye", "no"] if r.random() < 0.5 else ["aye", "no", "no"]))
    return out


def busy_kiln(r):
    """Logs with several firings and glazes, cones rare."""
    return r.choices(STEPS, [1, 2, 2, 1.5, r.random() * 0.5], k=r.randint(1, 10))


def rising_register(r):
    """Years that mostly climb, one at a time now and then."""
    out = [r.randint(1, 4)]
    for _ in range(r.randint(0, 7)):
        x = r.random()
        out.append(min(out[-1] + 1, 9) if x < 0.4 else (r.randint(out[-1], 9) if x < 0.7 else r.randint(1, 9)))
    return out


def one_off_act(r):
    """Evenings where most acts come back twice and one or two appear once."""
    acts = r.sample(ACTS, r.randint(2, 5))
    out = [a for a in acts[:-1] for _ in range(2)] + [acts[-1]]
    if r.random() < 0.4:
        out.append(r.choice(ACTS))
    r.shuffle(out)
    return out[:8]


def near_heading(r):
    """Stars close to the heading, one or two turns."""
    a, b = r.randint(0, 11), r.randint(0, 11)
    h = (a + b) % 12
    return [a, b][:r.randint(1, 2)] + [(h + r.choice([-2, -1, 0, 0, 1, 2, 6])) % 12 for _ in range(r.randint(0, 4))]


def climbing_iron(r):
    """Heats that climb a colour at a time, hold, and now and then cool or jump."""
    out = [r.randint(0, 5)]
    for _ in range(r.randint(0, 7)):
        out.append(max(0, min(5, out[-1] + r.choice([1, 1, 0, -1, 2]))))
    return [COLOURS[c] for c in out]


def short_codes(r):
    """Messages from two or three code words."""
    words = r.sample(SIGNALS, r.randint(2, 3))
    return [r.choice(words) for _ in range(r.randint(1, 9))]


def salted_core(r):
    """Mostly barren layers, gold rare, pyrite often just above it."""
    out = []
    for _ in range(r.randint(1, 12)):
        x = r.random()
        if out and out[-1] == "pyrite" and x < 0.5:
            out.append("gold")
        else:
            out.append(r.choices(LAYERS, [3, 3, 3, 0.5, 1.2])[0])
    return out


def few_flags(r):
    """Relays that show two or three letters."""
    flags = r.sample(FLAGS, r.randint(1, 3))
    return [r.choice(flags) for _ in range(r.randint(1, 9))]


def small_tank(r):
    """Tanks with a few species, bettas rare."""
    fish = r.sample(FISH[:5], r.randint(1, 4)) + (["betta"] if r.random() < 0.4 else [])
    return [r.choice(fish) for _ in range(r.randint(1, 9))]


def self_locks(r):
    """Chains where keepers send boats to themselves or back."""
    n = r.randint(1, 8)
    return [r.choice([i % 8 - 8 if i % 8 - 8 >= -3 else i % 8, r.randint(-3, 4)]) if i <= 4 else r.randint(-3, 4)
            for i in range(n)]


def low_opening(r):
    """Batches that open low, so that several readings are higher, or high, so that few are."""
    first = r.choice([1, 2, 3, 7, 8])
    return [first] + [r.randint(1, 9) for _ in range(r.randint(0, 7))]


def proof_line(r):
    """Nearly balanced lines of three bracket kinds."""
    out, stack = [], []
    for _ in range(r.randint(1, 8)):
        x = r.random()
        if stack and x < 0.45:
            out.append({"(": ")", "[": "]", "{": "}"}[stack.pop(r.randrange(len(stack)))])
        elif x < 0.92:
            o = r.choice("([{")
            stack.append(o)
            out.append(o)
        else:
            out.append(r.choice(")]}"))
    return out


def memo(r):
    """Reports for a few rows, then a row asked about (now and then a number last)."""
    rows = r.sample(ROWS, r.randint(1, 3))
    out = []
    for _ in range(r.randint(0, 4)):
        out += [r.choice(rows), r.choice(CHANGES)]
    out = out[:8] + [r.choice(rows) if r.random() < 0.9 else r.choice(CHANGES)]
    return out[-9:]


def trimmed_mill(r):
    """Sweeps mostly set to balance their opposite, some off."""
    n = r.randint(1, 9)
    xs = [r.randint(0, 4) for _ in range(n)]
    for i in range(n // 2):
        if r.random() < 0.7:
            xs[n - 1 - i] = (5 - xs[i]) % 5
    return xs


def few_calls(r):
    """Drives of two or three calls, so that most calls were heard before."""
    calls = r.sample(DRIVE, r.randint(2, 3))
    return [r.choice(calls) for _ in range(r.randint(1, 10))]


def vent_day(r):
    """Days with a few readings and several vent actions, misting before some."""
    return r.choices(EVENTS, [2, 2, r.random(), r.random(), 1], k=r.randint(1, 10))


TARGETED = {"s01": perch_book, "s02": early_pointers, "s03": galley_proof, "s04": few_rings, "s05": busy_chapter,
            "s06": busy_kiln, "s07": rising_register, "s08": one_off_act, "s09": near_heading,
            "s11": climbing_iron, "s12": short_codes, "s13": salted_core, "s14": few_flags, "s15": small_tank,
            "s16": self_locks, "s17": low_opening, "s19": proof_line, "s20": memo, "s21": trimmed_mill,
            "s22": few_calls, "s24": vent_day}


if __name__ == "__main__":
    main(HERE, "s*.rasp", TARGETED, specs=SPECS)
