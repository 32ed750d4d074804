"""Checks the thirty-sixth hand-written set: every compiled net against its program's reference outputs and
against a plain-Python statement of what the program is meant to compute.

    python bench/handwritten_thirtysixth/check_set.py [--nets DIR] [v01 v05 ...]

With --nets, loads DIR/<file stem>.safetensors (written by `fountain compile`), else compiles in-process.
Inputs as in `bench/handwritten_check.py`: every input of length 1..max_seq_len when there are at most
40,000, else 10,000 uniform + 10,000 structured (`sampled_inputs`, seed 0), plus 2,000 targeted inputs
from this file's generators (by the file's first three characters), which reach the rare branches
(letters struck twice, full three-digit groups, nested and stray parentheses, the crib word turning up,
letters ordered once, the syllable "que" and slips after "q", names sharing a long prefix, mirrored
inscriptions, halves that are anagrams or one edit apart, triple repeats in a passphrase, long runs,
...). On each input three comparisons: net vs program (`outputs_agree`, as the shared check), program vs
SPEC (exact, numbers within the same tolerance, None counts) and net vs SPEC. Causal specs give position
i's value on the prefix xs[:i + 1], as a causal net computes it. The SPECs were written from the task
statements in the files' comments, apart from the programs.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402

SP = "sp"


def per_prefix(f):
    """A causal spec from a function of the whole prefix."""
    return lambda xs: [f(xs[:i + 1]) for i in range(len(xs))]


def everywhere(f):
    """A spec whose one value is read at every position."""
    return lambda xs: [f(xs)] * len(xs)


def words_of(xs, sep=SP):
    """[(start index, [letters])] for each part between separators (empty parts kept), in order."""
    out, start, cur = [], 0, []
    for i, t in enumerate(xs):
        if t == sep:
            out.append((start, cur))
            start, cur = i + 1, []
        else:
            cur.append(t)
    out.append((start, cur))
    return out


def part_of(xs, i, sep=SP):
    """(part number, start, letters) of the part holding position i (not a separator)."""
    k = sum(1 for t in xs[:i] if t == sep)
    start, letters = words_of(xs, sep)[k]
    return k, start, letters


def runs_of(xs):
    out = []
    for t in xs:
        if out and out[-1][0] == t:
            out[-1][1] += 1
        else:
            out.append([t, 1])
    return out


def halves(xs):
    n, h = len(xs), len(xs) // 2
    return xs[:h], xs[n - h:]


# ---------------------------------------------------------------------------------------------- causal specs
def stenographer(p):
    i, t = len(p) - 1, p[-1]
    if t == SP:
        return SP
    if i == 0 or p[i - 1] == SP:
        return t.upper()
    if t in "aeo" or p[i - 1] == t:
        return "."
    return t


def teleprinter(p):
    if p[-1] == "/":
        return -1.0
    digits = []
    for t in reversed(p):
        if t == "/":
            break
        digits.append(t)
    digits.reverse()
    return float(int("".join(map(str, digits))) % 1000)


def playwright(p):
    i = len(p) - 1
    if p[i] != ")":
        return 0.0
    stack = []
    for j, t in enumerate(p[:i]):
        if t == "(":
            stack.append(j)
        elif t == ")" and stack:
            stack.pop()
    return float(i - stack[-1] + 1) if stack else -1.0


LETTERS6 = "abcdef"


def enigma_decoded(p):
    out, steps = [], 0
    for t in p:
        if t == "rotor":
            steps += 1
            out.append("step")
        else:
            out.append(LETTERS6[(LETTERS6.index(t) - steps) % 6])
    return out


def enigma(p):
    d = enigma_decoded(p)
    if len(d) >= 3 and d[-3:] == ["b", "e", "d"]:
        return "BED"
    return d[-1]


def neon(p):
    for t in p:
        if p.count(t) == 1:
            return t
    return "none"


def copyist(p):
    if any(p[j - 1] == "q" and p[j] != "u" for j in range(1, len(p))):
        return -1.0
    return float(sum(1 for j in range(2, len(p)) if p[j - 2:j + 1] == ["q", "u", "e"]))


def genealogist(p):
    if p[-1] == SP:
        return 0.0
    current = []
    for t in reversed(p):
        if t == SP:
            break
        current.append(t)
    current.reverse()
    if SP not in p:
        return float(len(current))
    head = p[:p.index(SP)]
    k = 0
    while k < len(current) and k < len(head) and current[k] == head[k]:
        k += 1
    return float(k)


VOWEL_WEIGHT = {"a": 1, "e": 1, "i": 1, "y": 0.5, "b": 0, "d": 0, "m": 0}


def phonics(p):
    distinct = list(dict.fromkeys(p))
    return (sum(VOWEL_WEIGHT[t] for t in p) / len(p)
            - sum(VOWEL_WEIGHT[t] for t in distinct) / len(distinct))


# ---------------------------------------------------------------------------------------------- whole-input specs
def runic(xs):
    n = len(xs)
    if xs == xs[::-1]:
        return -2.0
    low = [t.lower() for t in xs]
    for i in range(n):
        if low[i] != low[n - 1 - i]:
            return float(i)
    return -1.0


def diplomatic(xs):
    key = xs[0] if isinstance(xs[0], int) else 0
    letters = "abcdefg"
    dec = [letters[(letters.index(t) - key) % 7] if isinstance(t, str) else None for t in xs]
    trusted = any(dec[j:j + 3] == ["b", "a", "d"] for j in range(len(xs) - 2))
    out = []
    for i, t in enumerate(xs):
        if isinstance(t, int):
            out.append("key" if i == 0 else t)
        else:
            out.append(dec[i] if trusted else "?")
    return out


HOMOPHONE = {"x": "e", "q": "e", "z": "t", "w": "t", "v": "a", "j": "n", "k": "n"}


def newspaper(xs):
    out = []
    for i, t in enumerate(xs):
        if t == SP:
            out.append(0.0)
        else:
            _, _, letters = part_of(xs, i)
            out.append(sum(1 for u in letters if HOMOPHONE[u] == HOMOPHONE[t]) / len(letters))
    return out


def subtitle(xs):
    longest = max(len(w) for _, w in words_of(xs))
    out = []
    for i, t in enumerate(xs):
        if t == SP:
            out.append(-1.0)
        else:
            size = len(part_of(xs, i)[2])
            out.append(float(size) if size == longest else 0.0)
    return out


def monogram(xs):
    parts = words_of(xs)
    out = []
    for i, t in enumerate(xs):
        if t == SP:
            out.append(SP)
            continue
        k, _, letters = part_of(xs, i)
        out.append(letters[0].upper() if k == 0 or k == len(parts) - 1 else "-")
    return out


def tattoo(xs):
    out = []
    for i, t in enumerate(xs):
        if t == SP:
            out.append(SP)
            continue
        _, start, letters = part_of(xs, i)
        flipped = letters[::-1]
        c = flipped[i - start]
        out.append(c.upper() if i == start else c)
    return out


def translator(xs):
    out = []
    for i, t in enumerate(xs):
        if t != "(":
            out.append(0.0)
            continue
        depth, end = 0, 0.0
        for j in range(i, len(xs)):
            depth += (xs[j] == "(") - (xs[j] == ")")
            if depth == 0:
                end = float(j + 1)
                break
        out.append(end)
    return out


def jumble(xs):
    left, right = halves(xs)
    if left == right:
        return "identical"
    if sorted(left) == sorted(right):
        return "anagram"
    return sum(1 for t in left + right if left.count(t) != right.count(t))


def lexicographer(xs):
    left, right = halves(xs)
    a, b = "".join(left), "".join(right)
    return "same" if a == b else ("before" if a < b else "after")


def proofreader(xs):
    left, right = halves(xs)
    diff = [k for k in range(len(left)) if left[k] != right[k]]
    if not diff:
        return "clean"
    if len(diff) == 1:
        return "typo"
    if (len(diff) == 2 and diff[1] == diff[0] + 1 and left[diff[0]] == right[diff[1]]
            and left[diff[1]] == right[diff[0]]):
        return "swap"
    return len(diff)


def fortune(xs):
    for t in xs:
        if xs.count(t) == 1:
            return t
    return "none"


CLASS = {"a": 1, "k": 1, "Q": 2, "Z": 2, 4: 3, 7: 3, "!": 4, "#": 4}


def helpdesk(xs):
    if any(xs[j] == xs[j + 1] == xs[j + 2] for j in range(len(xs) - 2)):
        return 0.0
    return float(len({CLASS[t] for t in xs}) + (1 if len(xs) >= 8 else 0))


def almanac(xs):
    out = []
    for i, t in enumerate(xs):
        if t == "/":
            out.append(-1.0)
        else:
            _, _, digits = part_of(xs, i, "/")
            out.append(float(int("".join(map(str, digits))) % 1000))
    return out


def pager(xs):
    runs = runs_of(xs)
    return [(runs[k][0] + (str(runs[k][1]) if runs[k][1] > 1 else "")) if k < len(runs) else "-"
            for k in range(len(xs))]


def narrator(xs):
    out = []
    for i, t in enumerate(xs):
        if t == SP:
            out.append(0.0)
            continue
        letters = part_of(xs, i)[2]
        groups = sum(1 for j, u in enumerate(letters) if u in "ae" and (j == 0 or letters[j - 1] not in "ae"))
        out.append(float(max(groups, 1)))
    return out


def thesaurus(xs):
    key = sorted(xs)
    return [k.upper() if k == t else k for k, t in zip(key, xs)]


SPECS = {"v01": per_prefix(stenographer), "v02": per_prefix(teleprinter), "v03": per_prefix(playwright),
         "v04": per_prefix(enigma), "v05": per_prefix(neon), "v06": per_prefix(copyist),
         "v07": per_prefix(genealogist), "v08": per_prefix(phonics), "v09": everywhere(runic),
         "v10": diplomatic, "v11": newspaper, "v12": subtitle, "v13": monogram, "v14": tattoo,
         "v15": translator, "v16": everywhere(jumble), "v17": everywhere(lexicographer),
         "v18": everywhere(proofreader), "v19": everywhere(fortune), "v20": everywhere(helpdesk),
         "v21": almanac, "v22": pager, "v23": narrator, "v24": thesaurus}


# ---------------------------------------------------------------------------------------------- targeted inputs
def text(r, letters, n_max, p_break=0.25, double=0.0):
    """Letters with breaks "sp" now and then, a letter struck twice with probability `double`."""
    out = []
    while len(out) < n_max:
        if out and r.random() < double:
            out.append(out[-1])
        elif r.random() < p_break:
            out.append(SP)
        else:
            out.append(r.choice(letters))
    return out[:r.randint(1, n_max)]


def hearing(r):
    """Short words, letters struck twice, breaks doubled now and then."""
    return text(r, "thesao", 10, 0.22, 0.25)


def number_tape(r):
    """Groups of one to four digits, now and then an empty group."""
    out = []
    while len(out) < 8:
        out += [r.randint(0, 9) for _ in range(r.choice([0, 1, 2, 3, 3, 4]))] + ["/"]
    return out[:r.randint(1, 8)]


def bracketed(r, words, opens, worded):
    """Up to 10 tokens of brackets opened and closed in order, nested, words between and the odd
    stray ")": below 0.4 an open bracket closes, below `opens` one opens, below `worded` a word."""
    out, depth = [], 0
    for _ in range(r.randint(1, 10)):
        x = r.random()
        if depth and x < 0.4:
            out.append(")")
            depth -= 1
        elif x < opens:
            out.append("(")
            depth += 1
        elif x < worded:
            out.append(r.choice(words))
        else:
            out.append(")")
    return out


def nested_script(r):
    """Stage directions opened and closed in order, nested, the odd stray ")"."""
    return bracketed(r, ["say", "pause"], 0.72, 0.92)


def intercept(r):
    """Intercepts that encipher "bed" (with the rotor stepping now and then) among other letters."""
    out, steps = [], 0
    while len(out) < 10:
        x = r.random()
        if x < 0.2:
            out.append("rotor")
            steps += 1
        elif x < 0.55:
            out += [LETTERS6[(LETTERS6.index(c) + steps) % 6] for c in "bed"]
        else:
            out.append(r.choice(LETTERS6))
    return out[:r.randint(1, 10)]


def tube_orders(r):
    """Orders dominated by one or two letters, so that one-off letters come and go."""
    w = [r.random() for _ in range(3)]
    return r.choices("NEO", w, k=r.randint(1, 10))


def exemplar(r):
    """Copies full of "que", now and then a slip after "q"."""
    out = []
    while len(out) < 10:
        x = r.random()
        if x < 0.5:
            out += ["q", "u", "e"]
        elif x < 0.6:
            out += ["q", r.choice("qest")]
        else:
            out.append(r.choice("uest"))
    return out[:r.randint(1, 10)]


def family_register(r):
    """A head surname and names sharing a prefix of it, one letter off now and then."""
    head = [r.choice("macke") for _ in range(r.randint(0, 4))]
    out = list(head)
    while len(out) < 10:
        out.append(SP)
        name = head[:r.randint(0, len(head))] + [r.choice("macke") for _ in range(r.randint(0, 2))]
        out += name
    return out[:r.randint(1, 10)]


def repeated_cards(r):
    """Decks of few letters, shown over and over."""
    cards = r.sample(list(VOWEL_WEIGHT), r.randint(1, 3))
    return [r.choice(cards) for _ in range(r.randint(1, 10))]


def mirrored(r):
    """Inscriptions mirrored in the letter, the form changed or one rune off now and then."""
    n = r.randint(1, 10)
    half = [r.choice("furk") for _ in range((n + 1) // 2)]
    letters = half + half[:n // 2][::-1]
    xs = [c.upper() if r.random() < 0.3 else c for c in letters]
    if r.random() < 0.3:
        xs[r.randrange(n)] = r.choice("furkFURK")
    return xs


def cable(r):
    """Telegrams keyed 1 .. 3 that often carry the enciphered word "bad"."""
    key = r.choice([1, 2, 3, 0])
    out = [key] if key else []
    letters = "abcdefg"
    while len(out) < 8:
        x = r.random()
        if x < 0.35:
            out += [letters[(letters.index(c) + key) % 7] for c in "bad"]
        elif x < 0.45:
            out.append(r.choice([1, 2, 3]))
        else:
            out.append(r.choice(letters))
    return out[:r.randint(1, 8)]


def personal_column(r):
    """Words of homophones for one or two letters, so that counts within a word run high."""
    syms = r.sample("xqzwvjk", r.randint(2, 4))
    return text(r, syms, 10, 0.2)


def subtitle_line(r):
    """Lines of words of close lengths, so that the longest is often shared."""
    out = []
    size = r.randint(1, 4)
    while len(out) < 12:
        out += [r.choice("oknw") for _ in range(max(0, size + r.choice([-1, 0, 0, 1])))] + [SP]
    return out[:r.randint(1, 12)]


def names(r):
    """Names of two to four parts, empty parts now and then."""
    return text(r, "ajmrt", 10, 0.3)


def stencil(r):
    """Short words with repeated letters."""
    return text(r, "love", 10, 0.25, 0.2)


def glosses(r):
    """Nearly balanced glosses, nested, a gloss left open now and then."""
    return bracketed(r, ["word", "comma"], 0.7, 0.93)


def half_pair(r, letters, n_max, how):
    """A left half and a right half made from it by `how`, a middle token for odd lengths."""
    h = r.randint(0, n_max // 2)
    left = [r.choice(letters) for _ in range(h)]
    right = how(r, list(left))
    mid = [r.choice(letters)] if r.random() < 0.4 and 2 * h < n_max else []
    xs = left + mid + right
    return xs or [r.choice(letters)]


def shuffled(r, left):
    x = r.random()
    if x < 0.25:
        return left
    r.shuffle(left)
    if left and x > 0.8:
        left[r.randrange(len(left))] = r.choice("aelpst")
    return left


def jumble_proof(r):
    """Scrambles that are the answer, an anagram of it, or one letter off."""
    return half_pair(r, "aelp", 10, shuffled)


def prefixed(r, left):
    k = r.randint(0, len(left))
    return left[:k] + [r.choice("abcde") for _ in range(len(left) - k)]


def headwords(r):
    """Headwords sharing a prefix of any length."""
    return half_pair(r, "abcde", 10, prefixed)


def edited(r, left):
    x = r.random()
    if left and x < 0.3:
        left[r.randrange(len(left))] = r.choice("aderst")
    elif len(left) >= 2 and x < 0.7:
        k = r.randrange(len(left) - 1)
        left[k], left[k + 1] = left[k + 1], left[k]
    elif len(left) >= 2 and x < 0.85:
        for _ in range(2):
            left[r.randrange(len(left))] = r.choice("aderst")
    return left


def query_slip(r):
    """Words one substitution, one transposition or two edits from the dictionary's."""
    return half_pair(r, "adert", 10, edited)


def fortune_slip(r):
    """Fortunes of few letters, most repeated."""
    letters = r.sample("lucky" + "o", r.randint(2, 4))
    return [r.choice(letters) for _ in range(r.randint(1, 10))]


def passphrase(r):
    """Passphrases with runs of one character and several classes."""
    out = []
    while len(out) < 10:
        out += [r.choice(list(CLASS))] * r.choice([1, 1, 2, 3])
    return out[:r.randint(1, 10)]


def almanac_line(r):
    """Numbers of one to four digits between separators, an empty number now and then."""
    out = []
    while len(out) < 8:
        out += [r.randint(0, 9) for _ in range(r.choice([0, 1, 2, 3, 3, 4]))] + ["/"]
    start = r.randint(0, 2)
    return out[start:start + r.randint(1, 8)]


def pager_message(r):
    """Messages in runs of one to four letters."""
    out = []
    while len(out) < 10:
        out += [r.choice("abcd")] * r.randint(1, 4)
    return out[:r.randint(1, 10)]


def narration(r):
    """Words with vowel runs and words with no vowel."""
    return text(r, "trnaee", 12, 0.2, 0.15)


def index_card(r):
    """Words of few letters, some nearly in alphabetical order."""
    xs = [r.choice("aelpst") for _ in range(r.randint(1, 8))]
    return sorted(xs) if r.random() < 0.3 else xs


TARGETED = {"v01": hearing, "v02": number_tape, "v03": nested_script, "v04": intercept, "v05": tube_orders,
            "v06": exemplar, "v07": family_register, "v08": repeated_cards, "v09": mirrored, "v10": cable,
            "v11": personal_column, "v12": subtitle_line, "v13": names, "v14": stencil, "v15": glosses,
            "v16": jumble_proof, "v17": headwords, "v18": query_slip, "v19": fortune_slip, "v20": passphrase,
            "v21": almanac_line, "v22": pager_message, "v23": narration, "v24": index_card}


if __name__ == "__main__":
    main(HERE, "v*.rasp", TARGETED, specs=SPECS)
