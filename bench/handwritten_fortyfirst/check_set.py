"""Checks the forty-first hand-written set (k01-k24; k25, k26 are refusals): every compiled net against its program's
reference outputs and against a plain-Python statement of each task (written from the files' comments).

    python bench/handwritten_fortyfirst/check_set.py [--nets DIR] [k01 k05 ...]
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402

LETTERS = "abcdefgh"


def per_prefix(f):
    """A causal spec from a function of the whole prefix."""
    return lambda xs: [f(xs[:i + 1]) for i in range(len(xs))]


def whole(f):
    """A non-causal spec from a function of the whole list giving every position's output."""
    return lambda xs: f(list(xs))


def halve(d):
    """Luhn's doubling: twice the digit, less 9 above 9."""
    return 2 * d - 9 if 2 * d > 9 else 2 * d


def luhn_sum(p):
    """The Luhn sum, places counted from the last digit."""
    n = len(p)
    return sum(halve(d) if (n - 1 - i) % 2 else d for i, d in enumerate(p))


def runs_of(p):
    """(start, length) of each run of equal symbols."""
    out = []
    for i, t in enumerate(p):
        if i == 0 or p[i - 1] != t:
            out.append([i, 0])
        out[-1][1] += 1
    return [tuple(r) for r in out]


# ---------------------------------------------------------------------------------------------- specs
def luhn(p):
    n = len(p)
    if n < 2:
        return ["short"] * n
    s = luhn_sum(p) % 10
    if s == 0:
        return ["valid"] * n
    out = []
    for i, d in enumerate(p):
        place = n - 1 - i
        if place == 0:
            out.append(str(next(c for c in range(10) if (luhn_sum(p[:-1] + [c])) % 10 == 0)))
        elif place % 2:
            out.append("x2-9" if d >= 5 else "x2")
        else:
            out.append("ok")
    return out


def plate(p):
    n = len(p)
    out = []
    for i in range(n):
        t = p[n - 1 - i]
        s = (t + n) % 6 if isinstance(t, int) else LETTERS[(LETTERS.index(t) + n) % 6]
        out.append("=" if s == p[i] else s)
    return out


def ean8(p):
    n = len(p)
    out = []
    for i in range(n):
        if i == 7:
            s = sum(d * (3 if j % 2 == 0 else 1) for j, d in enumerate(p[:7]))
            out.append("scan ok" if p[7] == (10 - s % 10) % 10 else "misread")
        elif i == n - 1:
            out.append("partial")
        else:
            out.append("x3" if i % 2 == 0 else "x1")
    return out


def bank(p):
    if len(p) < 6:
        return ["incomplete"] * len(p)
    r = sum(w * d for w, d in zip([7, 6, 5, 4, 3], p)) % 11
    want = 0 if r == 0 else 11 - r
    verdict = "unusable" if want == 10 else "ok" if p[5] == want else "wrong"
    return ["-" if t == 0 and i < 5 else verdict for i, t in enumerate(p)]


def caesar(p):
    k = LETTERS.index(p[0])
    return ["key" if i == 0 else LETTERS[(LETTERS.index(t) - k) % 8] for i, t in enumerate(p)]


def atbash(p):
    swap = dict(zip("abcdef", "fedcba"))
    out = [swap[t] for t in reversed(p)]
    return ["same"] * len(p) if out == p else out


def vigenere(p):
    n = len(p)
    code = ["abcde".index(t) for t in p]
    weak = n < 3 or p[0] == p[1] == p[2]
    plain = {i: (code[i] - code[i % 3]) % 5 for i in range(3, n)}
    out = []
    for i in range(n):
        if i < 3:
            out.append("weak key" if weak else "key")
        elif i >= 6 and plain[i] == plain[i - 3]:
            out.append("echo")
        else:
            out.append("abcde"[plain[i]])
    return out


def rle(p):
    runs = runs_of(p)
    if 2 * len(runs) >= len(p):
        return ["raw"] * len(p)
    out = []
    for _, size in runs:
        out += [size] + ["~" if size >= 4 else "."] * (size - 1)
    return out


def morse(p):
    table = {("dot",): "E", ("dash",): "T", ("dot", "dot"): "I", ("dot", "dash"): "A", ("dash", "dot"): "N",
             ("dash", "dash"): "M"}
    out, group = [], []
    for t in p:
        if t == "gap":
            out.append("space" if not group else table.get(tuple(group), "?"))
            group = []
        else:
            out.append("." if t == "dot" else "-")
            group.append(t)
    return out


def gray(p):
    bits = [sum(p[:i + 1]) % 2 for i in range(len(p))]
    value = sum(b << (len(p) - 1 - i) for i, b in enumerate(bits))
    return [float(value)] * len(p)


def hamming(p):
    n = len(p)
    s = 0
    for bit in (1, 2, 4):
        s += bit * (sum(p[j] for j in range(n) if (j + 1) & bit) % 2)
    if s > n:
        return ["uncorrectable"] * n
    return [("fixed %d" % (1 - t)) if i + 1 == s else t for i, t in enumerate(p)]


def multitap(p):
    letters = {2: "abc", 3: "def", 7: "pqrs"}
    out, count = [], 0
    for i, t in enumerate(p):
        count = count + 1 if i > 0 and p[i - 1] == t else 1
        if t == "_":
            out.append("_")
        elif i == len(p) - 1 or p[i + 1] != t:
            out.append(letters[t][(count - 1) % len(letters[t])])
        else:
            out.append(".")
    return out


def parity_byte(p):
    if len(p) < 9:
        return ["partial"] * len(p)
    if sum(p) % 2 == 0:
        return ["ok"] * 9
    return ["?"] * 8 + ["error"]


def hash_table(p):
    bucket = {"ann": 0, "bob": 1, "cy": 0, "dee": 1, "eve": 0, "fay": 0}
    out, chains = [], {}
    for i, t in enumerate(p):
        if t in p[:i]:
            out.append("dup")
            continue
        b = bucket[t]
        d = chains.get(b, 0)
        chains[b] = d + 1
        out.append("overflow" if d >= 3 else b * 10 + d)
    return out


def frequency(p):
    counts = {t: p.count(t) for t in set(p)}
    order = sorted(counts, key=lambda t: (-counts[t], t))
    out = []
    for t in p:
        g = "etaon"[order.index(t)]
        out.append(g + "?" if list(counts.values()).count(counts[t]) >= 2 else g)
    return out


def octal(p):
    padded = p + [0, 0]
    return [float(4 * padded[3 * (i // 3)] + 2 * padded[3 * (i // 3) + 1] + padded[3 * (i // 3) + 2])
            for i in range(len(p))]


def meter(p):
    i = len(p) - 1
    s = sum(p) % 10
    return float(s + 10 if i % 4 == 3 else s)


def nibble_parity(p):
    i = len(p) - 1
    if i % 4 == 3:
        return "ok" if sum(p[i - 3:]) % 2 == 0 else "bad"
    return "even" if sum(p) % 2 == 0 else "odd"


def uart(p):
    i, t = len(p) - 1, p[-1]
    slot = i % 5
    if slot == 0:
        return "start" if t == 0 else "idle"
    if slot < 4:
        return t
    if p[i - 4] == 1:
        return "no start"
    if t == 0:
        return "framing error"
    return 4 * p[i - 3] + 2 * p[i - 2] + p[i - 1]


def telegraph(p):
    runs = runs_of(p)
    i, t = len(p) - 1, p[-1]
    start, size = runs[-1]
    if start == i:
        r = len(runs)
        if r >= 3 and p[runs[r - 3][0]] == t:
            return "bounce"
        return "run %d" % r if r < 4 else "run 4+"
    return "escape" if size >= 5 else size


def terminal(p):
    if len(p) == 1:
        return "short"
    return "valid" if luhn_sum(p) % 10 == 0 else "invalid"


def bead(p):
    key = [1, 4, 0, 3]
    c = [("abcde".index(t) + key[j % 4]) % 5 for j, t in enumerate(p)]
    i = len(p) - 1
    repeats = [j for j in range(4, i + 1) if c[j] == c[j - 4]]
    if repeats and repeats[-1] == i:
        k = len(repeats)
        return "=1" if k == 1 else "=2" if k == 2 else "=3+"
    return "hot" if c.count(c[i]) >= 4 else "abcde"[c[i]]


def xor_nibbles(p):
    i = len(p) - 1
    if i % 4 == 3:
        x = 0
        for k in range(0, i + 1, 4):
            x ^= int("".join(map(str, p[k:k + 4])), 2)
        return "0123456789ABCDEF"[x]
    return sum(p[j] for j in range(i % 4, i + 1, 4)) % 2


def isbn_typed(p):
    i, t = len(p) - 1, p[-1]
    if t == "X" and i < 9:
        return "bad X"
    s = sum((10 if d == "X" else d) * (j + 1) for j, d in enumerate(p)) % 11
    if i == 8:
        d = next(d for d in range(11) if (s + 10 * d) % 11 == 0)
        return "need X" if d == 10 else "need %d" % d
    if i == 9:
        return "valid" if s == 0 else "invalid"
    return s


SPECS = {"k01": whole(luhn), "k02": whole(plate), "k03": whole(ean8), "k04": whole(bank), "k05": whole(caesar),
         "k06": whole(atbash), "k07": whole(vigenere), "k08": whole(rle), "k09": whole(morse), "k10": whole(gray),
         "k11": whole(hamming), "k12": whole(multitap), "k13": whole(parity_byte), "k14": whole(hash_table),
         "k15": whole(frequency), "k16": whole(octal), "k17": per_prefix(meter), "k18": per_prefix(nibble_parity),
         "k19": per_prefix(uart), "k20": per_prefix(telegraph), "k21": per_prefix(terminal), "k22": per_prefix(bead),
         "k23": per_prefix(xor_nibbles), "k24": per_prefix(isbn_typed)}


# ---------------------------------------------------------------------------------------------- targeted
def cards(r):
    """Valid Luhn numbers, a slipped digit or a swapped pair now and then."""
    p = [r.randrange(10) for _ in range(r.randint(1, 8))]
    p[-1] = next(c for c in range(10) if luhn_sum(p[:-1] + [c]) % 10 == 0)
    if r.random() < 0.4:
        p[r.randrange(len(p))] = r.randrange(10)
    elif r.random() < 0.3 and len(p) > 2:
        j = r.randrange(len(p) - 1)
        p[j], p[j + 1] = p[j + 1], p[j]
    return p


def plates(r):
    return r.choices([0, 1, 2, 3, 4, 5, "a", "b", "c", "d", "e", "f"], k=r.randint(1, 8))


def barcodes(r):
    """Full EAN-8 codes, right or misread, and partial scans."""
    p = [r.randrange(10) for _ in range(7)]
    s = sum(d * (3 if j % 2 == 0 else 1) for j, d in enumerate(p))
    p.append((10 - s % 10) % 10)
    if r.random() < 0.3:
        p[r.randrange(8)] = r.randrange(10)
    return p if r.random() < 0.8 else p[:r.randint(1, 7)]


def accounts(r):
    """Six-digit accounts with the right check digit where one exists, a slip now and then."""
    p = [r.randrange(4) for _ in range(5)]
    rest = sum(w * d for w, d in zip([7, 6, 5, 4, 3], p)) % 11
    want = 0 if rest == 0 else 11 - rest
    p.append(want if want < 4 else r.randrange(4))
    if r.random() < 0.3:
        p[r.randrange(6)] = r.randrange(4)
    return p if r.random() < 0.9 else p[:r.randint(1, 5)]


def caesars(r):
    return r.choices(LETTERS, k=r.randint(1, 8))


def mirrors(r):
    """Messages that Atbash-mirror onto themselves (even lengths), a letter changed now and then."""
    swap = dict(zip("abcdef", "fedcba"))
    half = r.choices("abcdef", k=r.randint(1, 4))
    p = half + [swap[t] for t in reversed(half)]
    if r.random() < 0.3:
        p[r.randrange(len(p))] = r.choice("abcdef")
    return p


def keyed(r):
    """Weak keys (one letter thrice) and plaintexts repeating with the key's period."""
    key = [r.choice("abcde")] * 3 if r.random() < 0.4 else r.choices("abcde", k=3)
    block = r.choices(range(5), k=3)
    plain = block * 2 if r.random() < 0.6 else r.choices(range(5), k=6)
    p = key + ["abcde"[(x + "abcde".index(key[j % 3])) % 5] for j, x in enumerate(plain)]
    return p[:r.choice([9, 9, r.randint(1, 9)])]


def streaks(r):
    """Long runs: the encoding saves, runs of 4 or more."""
    p = []
    while len(p) < 10:
        p += [r.choice("abc")] * r.randint(1, 6)
    return p[:r.randint(1, 10)]


def morse_words(r):
    """Letters of one to three symbols, each ended by a gap, a doubled gap now and then."""
    p = []
    while len(p) < 10:
        p += r.choices(["dot", "dash"], k=r.choice([0, 1, 1, 2, 2, 3])) + ["gap"]
    return p[:r.randint(1, 10)]


def encoder(r):
    return r.choices([0, 1], k=r.randint(1, 6))


def codewords(r):
    """Hamming(7,4) code words with no error or one flipped bit, some cut short."""
    d = [r.randrange(2) for _ in range(4)]
    p = [0, 0, d[0], 0, d[1], d[2], d[3]]
    for bit in (1, 2, 4):
        p[bit - 1] = sum(p[j] for j in range(7) if (j + 1) & bit and j + 1 != bit) % 2
    if r.random() < 0.7:
        p[r.randrange(7)] ^= 1
    return p if r.random() < 0.85 else p[:r.randint(1, 6)]


def taps(r):
    """Runs of presses of one key, up to five long, pauses between runs of a key."""
    p = []
    while len(p) < 9:
        k = r.choice([2, 3, 7, "_"])
        p += [k] * (1 if k == "_" else r.randint(1, 5))
    return p[:r.randint(1, 9)]


def bytes_sent(r):
    return r.choices([0, 1], k=r.choice([9, 9, r.randint(1, 9)]))


def guests(r):
    """Few names, many duplicates, crowded buckets."""
    names = r.sample(["ann", "bob", "cy", "dee", "eve", "fay"], r.randint(2, 6))
    return r.choices(names, k=r.randint(1, 8))


def ciphertexts(r):
    """Skewed letter counts, ties now and then."""
    return r.choices("kqwxz", [r.random() for _ in range(5)], k=r.randint(1, 10))


def bitstrings(r):
    return r.choices([0, 1], k=r.randint(1, 9))


def meters(r):
    return r.choices(range(6), k=r.randint(1, 8))


def nibbles(r):
    """Nibbles with the right parity bit, a flipped bit now and then."""
    p = []
    for _ in range(3):
        d = r.choices([0, 1], k=3)
        p += d + [sum(d) % 2]
    if r.random() < 0.5:
        p[r.randrange(12)] ^= 1
    return p[:r.randint(1, 12)]


def frames(r):
    """Good frames (0, three bits, 1), a bad stop or start now and then."""
    p = []
    for _ in range(2):
        p += [0 if r.random() < 0.8 else 1] + r.choices([0, 1], k=3) + [1 if r.random() < 0.8 else 0]
    return p[:r.randint(1, 10)]


def telegrams(r):
    """Runs alternating two symbols (bounces), long runs (escapes)."""
    pair = r.sample(["x", "o", "-"], 2)
    p, k = [], 0
    while len(p) < 12:
        sym = pair[k % 2] if r.random() < 0.8 else r.choice(["x", "o", "-"])
        p += [sym] * r.randint(1, 6)
        k += 1
    return p[:r.randint(1, 12)]


def typed_cards(r):
    return cards(r)


def beads(r):
    """Plaintexts that repeat every four letters (Kasiski repeats), a letter changed now and then."""
    block = r.choices("abcde", k=4)
    p = block * 3
    for _ in range(r.randint(0, 3)):
        p[r.randrange(12)] = r.choice("abcde")
    return p[:r.randint(1, 12)]


def xor_stream(r):
    return r.choices([0, 1], [r.random(), 1], k=r.randint(1, 12))


def isbns(r):
    """Valid ISBN-10s (an X check digit where due), a slip now and then, a stray X."""
    p = [r.randrange(10) for _ in range(9)]
    s = sum(d * (j + 1) for j, d in enumerate(p)) % 11
    check = next(d for d in range(11) if (s + 10 * d) % 11 == 0)
    p.append("X" if check == 10 else check)
    if r.random() < 0.3:
        p[r.randrange(10)] = r.choice(list(range(10)) + ["X"])
    return p[:r.choice([10, 10, r.randint(1, 10)])]


TARGETED = {"k01": cards, "k02": plates, "k03": barcodes, "k04": accounts, "k05": caesars, "k06": mirrors,
            "k07": keyed, "k08": streaks, "k09": morse_words, "k10": encoder, "k11": codewords, "k12": taps,
            "k13": bytes_sent, "k14": guests, "k15": ciphertexts, "k16": bitstrings, "k17": meters, "k18": nibbles,
            "k19": frames, "k20": telegrams, "k21": typed_cards, "k22": beads, "k23": xor_stream, "k24": isbns}


if __name__ == "__main__":
    main(HERE, "k*.rasp", TARGETED, specs=SPECS)
