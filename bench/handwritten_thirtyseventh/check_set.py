"""Checks the thirty-seventh hand-written set: every compiled net against its program's reference outputs and
against a plain-Python statement of what the program is meant to compute.

    python bench/handwritten_thirtyseventh/check_set.py [--nets DIR] [w01 w05 ...]

With --nets, loads DIR/<file stem>.safetensors (written by `fountain compile`), else compiles in-process.
Inputs as in `bench/handwritten_check.py`: every input of length 1..max_seq_len when there are at most
40,000, else 10,000 uniform + 10,000 structured (`sampled_inputs`, seed 0), plus 2,000 targeted inputs
from this file's generators (by the file's first three characters), which reach the rare branches (long
carries like 999 + 1, digit sums of 9, borrows across zeros, equal numbers, check digits that come out
10 or X, wheels rolling over both ways, leading zeros, parity faults, ...). On each input three
comparisons: net vs program (`outputs_agree`, as the shared check), program vs SPEC (exact, numbers
within the same tolerance, None counts) and net vs SPEC. Causal specs give position i's value on the
prefix xs[:i + 1], as a causal net computes it. The SPECs were written from the task statements in the
files' comments, apart from the programs, with Python's own integers (int("0457"), % and //).
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402

SP = "sp"
DIGITS = list(range(10))


def per_prefix(f):
    """A causal spec from a function of the whole prefix."""
    return lambda xs: [f(xs[:i + 1]) for i in range(len(xs))]


def everywhere(f):
    """A spec whose one value is read at every position."""
    return lambda xs: [f(xs)] * len(xs)


def number(digits):
    """The value of a list of digits, most significant first (0 for none)."""
    return int("".join(map(str, digits))) if digits else 0


def digits_of(value, places):
    """`value` written with exactly `places` digits (value < 10 ** places)."""
    return [int(c) for c in str(value).zfill(places)] if places else []


def groups_of(xs, sep=SP):
    """[(start index, [digits])] for each group between separators (empty groups kept)."""
    out, start, cur = [], 0, []
    for i, t in enumerate(xs):
        if t == sep:
            out.append((start, cur))
            start, cur = i + 1, []
        else:
            cur.append(t)
    out.append((start, cur))
    return out


def group_at(xs, i, sep=SP):
    """(group number, start, digits) of the group holding position i (not a separator)."""
    k = sum(1 for t in xs[:i] if t == sep)
    start, digits = groups_of(xs, sep)[k]
    return k, start, digits


def halves(xs):
    n, h = len(xs), len(xs) // 2
    return xs[:h], xs[n - h:]


def root(s):
    return 0 if s == 0 else 1 + (s - 1) % 9


# ---------------------------------------------------------------------------------------------- causal specs
def odometer(p):
    since = p[len(p) - p[::-1].index("r"):] if "r" in p else p
    return float(sum(since) % 100)


def adding_machine(p):
    i = len(p) - 1
    k = i // 2
    a, b = p[0::2], p[1::2]
    low_a = sum(a[j] * 10 ** j for j in range(k))
    low_b = sum(b[j] * 10 ** j for j in range(k))
    carry = 1 if low_a + low_b >= 10 ** k else 0
    if i % 2 == 1:
        return (a[k] + b[k] + carry) % 10
    return carry


def casting_out_nines(p):
    since = p[len(p) - p[::-1].index("c"):] if "c" in p else p
    return float(root(sum(since)))


def flexowriter(p):
    i = len(p) - 1
    slot = i % 4
    frame = p[i - slot:i + 1]
    value = int("".join(map(str, frame[:3])), 2)
    if slot == 3 and sum(frame) % 2 == 1:
        return -1
    return value


def recount(p):
    for k in range(len(p) // 2):
        a, b = p[2 * k], p[2 * k + 1]
        if a != b:
            return float((k + 1) * (1 if a > b else -1))
    return 0.0


def muster(p):
    count = (p.count("in") - p.count("out") + 10 * p.count("ten")) % 100
    return f"{count:02d}"


def barcode(p):
    s = sum(d * (1 if j % 2 == 0 else 3) for j, d in enumerate(p))
    return float((10 - s % 10) % 10)


def keypad(p):
    lead = next((j for j, t in enumerate(p) if t != 0 and t != "dbl"), None)
    if lead is None:
        return 1.0
    shown = sum(2 if t == "dbl" else 1 for t in p[lead:])
    return -1.0 if shown > 8 else float(shown)


# ---------------------------------------------------------------------------------------------- whole-input specs
def luhn_value(d, place):
    if place % 2 == 0:
        d *= 2
        return d - 9 if d > 9 else d
    return d


def gift_card(xs):
    n = len(xs)
    body = sum(luhn_value(d, n - i) for i, d in enumerate(xs[:-1]))
    need = (10 - body % 10) % 10
    return "valid" if xs[-1] == need else f"fix {need}"


def issn(xs):
    n = len(xs)
    v = [10 if t == "X" else t for t in xs]
    s = sum(v[i] * (n - i) for i in range(n - 1))
    check = (11 - s % 11) % 11
    if v[-1] == check:
        return "ok"
    return "X" if check == 10 else str(check)


def gas_bill(xs):
    n = len(xs)
    prev, cur = halves(xs)
    h = len(cur)
    used = digits_of((number(cur) - number(prev)) % 10 ** h, h)
    return [float(used[i - (n - h)]) if h and i >= n - h else -1.0 for i in range(n)]


def passbook(xs):
    balance, amount = halves(xs)
    if not amount or number(amount) == 0:
        return "nil"
    return "refuse" if number(amount) > number(balance) else "pay"


def signpost(xs):
    n = len(xs)
    r = (number(xs) + 50) // 100 * 100
    out = digits_of(r % 10 ** n, n)
    out[0] += 10 * (r // 10 ** n)
    return out


def numerologist(xs):
    return [-1.0 if t == SP else float(root(sum(group_at(xs, i)[2]))) for i, t in enumerate(xs)]


def toggles(xs):
    n = len(xs)
    if sum(xs) % 2 == 1:
        return [-1] * n
    v = int("".join(map(str, xs)), 2)
    return [(v >> (3 * ((n - 1 - i) // 3))) & 7 for i in range(n)]


PLACE_NAMES = ["units", "tens", "hundreds", "thousands", "tenthousands", "hundredthousands", "millions",
               "tenmillions"]


def cheque_writer(xs):
    n = len(xs)
    out = []
    for i, d in enumerate(xs):
        p = n - 1 - i
        if p == 0:
            out.append("units")
        elif all(t == 0 for t in xs[:i + 1]):
            out.append("-")
        elif d == 0:
            out.append("zero")
        else:
            out.append(PLACE_NAMES[p])
    return out


def bunks(xs):
    n = len(xs)
    v = number(xs)
    if v == 0:
        return ["FULL"] * n
    less = digits_of(v - 1, n)
    lead = next((j for j, d in enumerate(less) if d != 0), n - 1)
    return [" " if i < lead and i < n - 1 else d for i, d in enumerate(less)]


def postman(xs):
    out = []
    for i, t in enumerate(xs):
        if t == SP:
            out.append(-1.0)
            continue
        _, start, g = group_at(xs, i)
        size = len(g)
        v = number(g) + 2
        ds = digits_of(v % 10 ** size, size)
        ds[0] += 10 * (v // 10 ** size)
        out.append(float(ds[i - start]))
    return out


def weighbridge(xs):
    n = len(xs)
    tare, load = halves(xs)
    h = len(load)
    gross = digits_of((number(tare) + number(load)) % 10 ** h, h)
    out = []
    for i in range(n):
        if h and i >= n - h:
            out.append(gross[i - (n - h)])
        elif i < h:
            q = h - 1 - i  # place from the right
            m = 10 ** (q + 1)
            out.append(1 if number(tare) % m + number(load) % m >= m else 0)
        else:
            out.append(-1)
    return out


def moneychanger(xs):
    n = len(xs)
    q, r = divmod(number(xs), 10)
    if r > 5 or (r == 5 and q % 2 == 1):
        q += 1
    rounded = 10 * q
    out = digits_of(rounded % 10 ** n, n)
    out[0] += 10 * (rounded // 10 ** n)
    return out


def travel_coupon(xs):
    r = number(xs[:-1]) % 7
    return float(r) if xs[-1] == r else -1.0


def tombola(xs):
    out = []
    seen_groups = groups_of(xs)
    for i, t in enumerate(xs):
        if t == SP:
            out.append(-1.0)
            continue
        k, _, g = group_at(xs, i)

        def called(digits):
            v = number(digits) if 1 <= len(digits) <= 2 else 0
            return v if 1 <= v <= 90 else 0

        v = called(g)
        if v and any(called(g2) == v for _, g2 in seen_groups[:k]):
            out.append(-2.0)
        else:
            out.append(float(v))
    return out


def hatchery(xs):
    return float(number(xs) % 12)


def freight(xs):
    n = len(xs)
    m = xs[0]
    if m not in (2, 4, 5):
        return [-1] * n
    size = n - 1
    product = m * number(xs[1:])
    ds = digits_of(product % 10 ** size, size)
    return [product // 10 ** size] + ds


SPECS = {"w01": per_prefix(odometer), "w02": per_prefix(adding_machine), "w03": per_prefix(casting_out_nines),
         "w04": per_prefix(flexowriter), "w05": per_prefix(recount), "w06": per_prefix(muster),
         "w07": per_prefix(barcode), "w08": per_prefix(keypad), "w09": everywhere(gift_card),
         "w10": everywhere(issn), "w11": gas_bill, "w12": everywhere(passbook), "w13": signpost,
         "w14": numerologist, "w15": toggles, "w16": cheque_writer, "w17": bunks, "w18": postman,
         "w19": weighbridge, "w20": moneychanger, "w21": everywhere(travel_coupon), "w22": tombola,
         "w23": everywhere(hatchery), "w24": freight}


# ---------------------------------------------------------------------------------------------- targeted inputs
def trip_events(r):
    """Rides of 50s and 10s that roll the wheels over, resets now and then."""
    w = [r.random() for _ in range(4)]
    return r.choices([1, 10, 50, "r"], [w[0], w[1], w[2] + 0.5, w[3] * 0.4], k=r.randint(1, 10))


def carry_pair(r):
    """A digit pair summing to 9 (a carry passes), 10 or more (one starts) or less (it stops)."""
    x = r.random()
    if x < 0.45:
        a = r.randint(0, 9)
        return [a, 9 - a]
    if x < 0.75:
        a = r.randint(1, 9)
        return [a, r.randint(10 - a, 9)]
    a = r.randint(0, 8)
    return [a, r.randint(0, 8 - a)]


def interleaved_sums(r):
    """Units-first operands with long runs of places summing to 9."""
    out = []
    while len(out) < 8:
        out += carry_pair(r)
    return out[:r.randint(1, 8)]


def nines_column(r):
    """Columns of 9s and 0s with clears, so that the root is often 9 or 0."""
    return r.choices(DIGITS + ["c"], [3, 1, 1, 1, 1, 1, 1, 1, 1, 5, 1.5], k=r.randint(1, 10))


def tape(r):
    """Frames punched with the right parity mostly, a fault now and then."""
    out = []
    while len(out) < 12:
        bits = [r.randint(0, 1) for _ in range(3)]
        parity = sum(bits) % 2
        out += bits + [parity if r.random() < 0.7 else 1 - parity]
    return out[:r.randint(1, 12)]


def counts_read(r):
    """A count and its recount agreeing in most places, differing late or nowhere."""
    places = r.randint(1, 5)
    first = [r.randint(0, 9) for _ in range(places)]
    second = list(first)
    if r.random() < 0.6:
        k = r.randrange(places)
        second[k] = r.randint(0, 9)
    out = [d for pair in zip(first, second) for d in pair]
    return out[:r.randint(1, 2 * places)]


def muster_clicks(r):
    """Clicks mostly down from 00 or crews up past 99."""
    bias = r.random()
    return r.choices(["in", "out", "ten"], [0.3, bias * 2, (1 - bias) * 2], k=r.randint(1, 10))


def ean(r):
    """Codes of 0s and 9s and codes whose next digit is their check digit."""
    xs = [r.choice([0, 9, r.randint(0, 9)]) for _ in range(r.randint(0, 9))]
    s = sum(d * (1 if j % 2 == 0 else 3) for j, d in enumerate(xs))
    xs.append((10 - s % 10) % 10 if r.random() < 0.5 else r.randint(0, 9))
    return xs


def keyed_price(r):
    """Leading zeros, "dbl" keys, a first nonzero key late or never."""
    zeros = [r.choice([0, "dbl"]) for _ in range(r.randint(0, 5))]
    rest = r.choices(DIGITS + ["dbl"], [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 4], k=r.randint(0, 8))
    return (zeros + rest)[:r.randint(1, 8)] if zeros + rest else [0]


def card_number(r):
    """Numbers made valid by their last digit, or one off, some all 9s."""
    n = r.randint(1, 8)
    body = [r.choice([9, 0, r.randint(0, 9)]) for _ in range(n - 1)]
    need = (10 - sum(luhn_value(d, n - i) for i, d in enumerate(body)) % 10) % 10
    return body + [need if r.random() < 0.5 else r.randint(0, 9)]


def serial_number(r):
    """Numbers whose check value is their last character, X (10) included, X inside too."""
    n = r.randint(1, 8)
    body = r.choices(DIGITS + ["X"], [1] * 10 + [1.5], k=n - 1)
    v = [10 if t == "X" else t for t in body]
    s = sum(v[i] * (n - i) for i in range(n - 1))
    check = (11 - s % 11) % 11
    last = check if r.random() < 0.6 else r.choice(DIGITS + [10])
    return body + ["X" if last == 10 else last]


def two_readings(r, n_max, how):
    """Two numbers of h places side by side, the second from the first by `how`, a smudge between."""
    h = r.randint(0, n_max // 2)
    first = [r.randint(0, 9) for _ in range(h)]
    second = how(r, list(first))
    mid = [r.randint(0, 9)] if r.random() < 0.3 and 2 * h < n_max else []
    return (first + mid + second) or [r.randint(0, 9)]


def near(r, digits):
    """Equal, one more or less (borrows and carries across 0s and 9s), all 0s, or a late difference."""
    h = len(digits)
    if not h:
        return digits
    x = r.random()
    v = number(digits)
    if x < 0.2:
        return digits
    if x < 0.4:
        return digits_of((v + r.choice([1, -1, 10, -10])) % 10 ** h, h)
    if x < 0.55:
        return [0] * h
    if x < 0.7:
        return [r.choice([0, 9]) for _ in range(h)]
    digits[-1] = r.randint(0, 9)
    return digits


def meter_pair(r):
    return two_readings(r, 10, near)


def run_of_nines(r, n_max):
    """Digits with runs of 9s and 0s, the last two digits chosen near a rounding boundary."""
    n = r.randint(1, n_max)
    xs = [r.choice([9, 9, 0, r.randint(0, 9)]) for _ in range(n)]
    if n >= 2 and r.random() < 0.7:
        xs[-2] = r.choice([4, 5, 9, r.randint(0, 9)])
    if r.random() < 0.7:
        xs[-1] = r.choice([5, 4, 6, 0, r.randint(0, 9)])
    return xs


def headcount(r):
    return run_of_nines(r, 8)


def groups(r, n_max, digit_choice):
    out = []
    while len(out) < n_max:
        out += [digit_choice(r) for _ in range(r.choice([0, 1, 1, 2, 2, 3]))] + [SP]
    start = r.randint(0, 1)
    return out[start:start + r.randint(1, n_max)]


def client_card(r):
    """Numbers of 9s and 0s and digits summing to multiples of 9."""
    return groups(r, 10, lambda r: r.choice([9, 0, 3, 6, r.randint(0, 9)]))


def switches(r):
    """Rows with an even number of switches up mostly."""
    n = r.randint(1, 12)
    xs = [r.randint(0, 1) for _ in range(n)]
    if sum(xs) % 2 and r.random() < 0.8:
        xs[r.randrange(n)] ^= 1
    return xs


def amount(r):
    """Amounts with leading zeros and zeros inside."""
    n = r.randint(1, 8)
    return [r.choice([0, 0, r.randint(0, 9)]) for _ in range(n)]


def bunks_board(r):
    """Boards of a digit and trailing zeros, all zeros, leading zeros."""
    n = r.randint(1, 8)
    k = r.randint(0, n)
    xs = [r.choice([0, 1, r.randint(0, 9)]) for _ in range(k)] + [0] * (n - k)
    if r.random() < 0.15:
        xs = [0] * n
    return xs


def house_numbers(r):
    """House numbers ending in 8 or 9 after runs of 9s."""
    out = []
    while len(out) < 10:
        g = [r.choice([9, 9, r.randint(0, 9)]) for _ in range(r.choice([0, 1, 1, 2, 3]))]
        if g:
            g[-1] = r.choice([8, 9, r.randint(0, 9)])
        out += g + [SP]
    start = r.randint(0, 1)
    return out[start:start + r.randint(1, 10)]


def complement(r, digits):
    """The load as 9 minus the tare in most places (carries run far), a place summing to 10 or more."""
    out = [9 - d if r.random() < 0.7 else r.randint(0, 9) for d in digits]
    if out and r.random() < 0.5:
        out[-1] = min(9, 10 - digits[-1] + r.randint(0, 3)) if digits[-1] else r.randint(0, 9)
    return out


def ticket(r):
    return two_readings(r, 10, complement)


def change_amount(r):
    return run_of_nines(r, 8)


def coupon(r):
    """Coupons whose last digit is the serial's remainder mod 7 more often than not."""
    serial = [r.randint(0, 9) for _ in range(r.randint(0, 7))]
    last = number(serial) % 7 if r.random() < 0.6 else r.randint(0, 9)
    return serial + [last]


def tombola_card(r):
    """Numbers repeated on the card, around 90, with leading zeros, three digits now and then."""
    pool = [[r.randint(1, 9)], [r.randint(1, 9), r.randint(0, 9)], [9, r.randint(0, 1)],
            [0, r.randint(0, 9)], [0], [r.randint(1, 9), r.randint(0, 9), r.randint(0, 9)]]
    chosen = r.sample(pool, 3)
    out = []
    while len(out) < 10:
        out += r.choice(chosen) + [SP]
    return out[:r.randint(1, 10)]


def tally(r):
    n = r.randint(1, 8)
    return [r.choice([0, 9, r.randint(0, 9)]) for _ in range(n)]


def bill(r):
    """Crates 2, 4 or 5 (now and then another digit) and weights near the carry thresholds (25, 50, 75)."""
    m = r.choice([2, 4, 5, 2, 4, 5, r.randint(0, 9)])
    w = [r.choice([2, 4, 5, 7, 9, 0, r.randint(0, 9)]) for _ in range(r.randint(0, 7))]
    return [m] + w


TARGETED = {"w01": trip_events, "w02": interleaved_sums, "w03": nines_column, "w04": tape, "w05": counts_read,
            "w06": muster_clicks, "w07": ean, "w08": keyed_price, "w09": card_number, "w10": serial_number,
            "w11": meter_pair, "w12": meter_pair, "w13": headcount, "w14": client_card, "w15": switches,
            "w16": amount, "w17": bunks_board, "w18": house_numbers, "w19": ticket, "w20": change_amount,
            "w21": coupon, "w22": tombola_card, "w23": tally, "w24": bill}


if __name__ == "__main__":
    main(HERE, "w*.rasp", TARGETED, specs=SPECS)
