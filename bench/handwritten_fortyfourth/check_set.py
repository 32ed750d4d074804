"""Checks the forty-fourth hand-written set (m01-m24; m25, m26 are refusals): every compiled net against its program's
reference outputs and against a plain-Python statement of each task (written from the files' comments).

    python check_set.py [--nets DIR] [m01 m05 ...]
"""

from __future__ import annotations

import importlib
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
for bench in (HERE.parent, pathlib.Path("/tmp/h44snap/bench")):  # bench/ (or the frozen one), for the shared checks
    if (bench / "handwritten_check.py").exists():
        sys.path.insert(0, str(bench))
        break

main = importlib.import_module("handwritten_check").main


def per_prefix(f):
    """A causal spec from a function of the whole prefix."""
    return lambda xs: [f(xs[:i + 1]) for i in range(len(xs))]


def whole(f):
    """A non-causal spec from a function of the whole list giving every position's output."""
    return lambda xs: f(list(xs))


def running(values):
    out, s = [], 0
    for v in values:
        s += v
        out.append(s)
    return out


# ---------------------------------------------------------------------------------------------- specs
def three_for_two(p):
    price, seen, charged = {"a": 3, "b": 5, "c": 2}, {}, []
    for t in p:
        seen[t] = seen.get(t, 0) + 1
        charged.append(0 if seen[t] % 3 == 0 else price[t])
    out = ["free" if c == 0 else c for c in charged]
    out[-1] = sum(charged)
    return out


def stock_reorder(p):
    stock = [12 - c for c in running(p)]
    r = next((i for i, s in enumerate(stock) if s <= 4), None)
    out = []
    for i, t in enumerate(p):
        h = stock[i] + (10 if r is not None and i >= r + 2 else 0)
        if h <= 0:
            out.append("out")
        elif i == r:
            out.append("reorder")
        elif r is not None and i == r + 2:
            out.append("arrived")
        elif i > 0 and t >= p[i - 1] + 3:
            out.append("surge")
        else:
            out.append(h)
    return out


def overdraft(p):
    amt = {"d1": 1, "d2": 2, "d5": 5, "w1": -1, "w2": -2, "w5": -5}
    bal, out, fees = running([amt[t] for t in p]), [], 0
    for i, b in enumerate(bal):
        if b < 0 and (i == 0 or bal[i - 1] >= 0):
            fees += 1
        out.append("frozen" if fees >= 3 else b - 3 * fees)
    return out


def loan(p):
    out, done = [], 0
    for i, c in enumerate(running(p)):
        owed = 10 - c
        done += owed <= 0
        if done >= 2:
            out.append("closed")
        elif done == 1:
            out.append("paid off")
        elif p[i] == 0 and i > 0 and p[i - 1] == 0:
            out.append("arrears")
        else:
            out.append(owed)
    return out


def counter_queue(p):
    mins = {"q": 0, "n": 3, "l": 5}
    waits = [sum(1 for u in p[:i] if u == "q") if t == "q" else sum(mins[u] for u in p[:i]) for i, t in enumerate(p)]
    leavers = sum(w > 10 for w in waits)
    out = []
    for w in waits:
        if w > 10:
            out.append("call manager" if leavers >= 3 else "leaves")
        elif w == 0:
            out.append("served now")
        elif not any(v > w for v in waits):
            out.append("longest")
        else:
            out.append(w)
    return out


def vending(p):
    out, vended = [], 0
    for total in running(p):
        if total < 60:
            out.append(total)
            continue
        vended += 1
        if vended > 1:
            out.append("refund")
            continue
        c = total - 60
        n = c // 20 + c % 20 // 10 + c % 10 // 5
        out.append(["vend", "vend 1 coin", "vend 2 coins"][n] if n < 3 else "vend 3+ coins")
    return out


def tax_bands(p):
    tax = [2 * max(0, min(x, 7) - 3) + 4 * max(0, x - 7) for x in p]
    band = ["nil" if x <= 3 else ("basic" if x <= 7 else "higher") for x in p]
    out, n, s = [], len(p), sum(tax)
    for t, b in zip(tax, band):
        if t > 0 and not any(u > t for u in tax):
            out.append("top payer")
        elif band.count(b) == 1:
            out.append("only " + b)
        else:
            out.append("above average" if t * n > s else ("average" if t * n == s else "below average"))
    return out


def sealed_bid(p):
    order = sorted(range(len(p)), key=lambda i: (-int(p[i][1]), i))
    win = order[0]
    price = int(p[order[1]][1]) if len(p) > 1 else 1
    return [price if i == win else ("own" if t[0] == p[win][0] else "lost") for i, t in enumerate(p)]


def loyalty(p):
    out, purchases, cum, at_r = [], 0, 0, 0
    for t in p:
        if t == "r":
            at_r = cum
            out.append("redeem")
            continue
        purchases += 1
        cum += 2 * t if purchases % 4 == 0 else t
        b = cum - at_r
        out.append("gold" if b >= 20 else b)
    return out


def fulfilment(p):
    stock, bins, seen, out = {"a": 2, "b": 1, "c": 3}, {"a": "A1", "b": "B4", "c": "C2"}, {}, []
    for t in p:
        seen[t] = seen.get(t, 0) + 1
        out.append("pick " + bins[t] if seen[t] <= stock[t] else "backorder")
    short = out.count("backorder")
    out[-1] += " / " + ("complete" if short == 0 else ("partial" if short <= 2 else "hold"))
    return out


def basket(p):
    total = sum(p)
    rate = 20 if total >= 40 else (10 if total >= 20 else 0)
    free = p.index(min(p)) if len(p) >= 5 else None
    return [0 if i == free else t * (100 - rate) / 100 for i, t in enumerate(p)]


def bureau(p):
    rate = {"e": 9, "d": 8, "p": 10}
    net = []
    for t in p:
        c, f = t[0], int(t[1])
        fee = 0 if c == "p" or sum(u[0] == c for u in p) >= 3 else 2
        net.append(f * rate[c] - fee)
    out = ["largest" if not any(u > v for u in net) else v for v in net]
    out[-1] = sum(net)
    return out


def english(p):
    out, best, records = [], None, 0
    for t in p:
        if best is None or t > best:
            records += 1
            out.append("opening" if records == 1 else t - best)
            best = t
        else:
            out.append("rejected")
    out[-1] = max(p)
    return out


def vat(p):
    gross = [int(t[1]) * (1.2 if t[0] == "s" else 1.0) for t in p]
    return [g - 1 if not any(h > g + 1e-9 for h in gross) else g for g in gross]


def express(p):
    out = []
    for i, t in enumerate(p):
        if t <= 3:
            out.append(1 + sum(u <= 3 for u in p[:i]))
        else:
            out.append("main" if sum(u > 3 for u in p[:i]) < 2 else "main, long wait")
    return out


def cash_rounding(p):
    adj = [-(d % 5) if d % 5 <= 2 else 5 - d % 5 for d in p]
    s = sum(adj)
    tail = " / shop gains" if s > 0 else (" / customers gain" if s < 0 else " / even")
    return [("exact" if a == 0 else ("up" if a > 0 else "down")) + tail for a in adj]


def card_limit(p):
    today, overs, last = 0, 0, None
    for t in p:
        if t == "d":
            today, last = 0, "new day"
        else:
            today += t
            overs += today > 10
            last = "over limit" if today > 10 else today
    return "blocked" if overs >= 3 else last


def shelf(p):
    sales = dels = 0
    low_since = 0
    last = None
    for t in p:
        sales += t == "s"
        dels += t == "d"
        stock = 6 + 5 * dels - sales
        if t == "d":
            low_since = 0
            last = "delivered"
            continue
        low = t == "s" and stock <= 2
        low_since += low
        last = "oversold" if stock < 0 else ("reorder" if low and low_since == 1 else stock)
    return last


def live_auction(p):
    best, records, best_at, met_lines, last = None, 0, 0, 0, None
    for i, t in enumerate(p):
        rec = best is None or t > best
        if rec:
            best, best_at, records = t, i, records + 1
            label = "opening" if records == 1 else "new high"
        else:
            label = "going twice" if i - best_at >= 2 else "low"
        met_lines += best >= 5
        last = label + ", reserve met" if met_lines == 1 and best >= 5 else label
    return last


def tier_of(points):
    return "gold" if points >= 25 else ("silver" if points >= 10 else "bronze")


def tiers(p):
    i = len(p) - 1
    t, before = tier_of(sum(p)), tier_of(sum(p[:-1])) if i > 0 else tier_of(sum(p))
    label = "upgrade to " + t if t != before else t
    return label + " + bonus" if i >= 2 and all(x >= 4 for x in p[-3:]) else label


def deli(p):
    tickets, calls = p.count("t"), p.count("c")
    if p[-1] == "t":
        return tickets
    return calls if calls <= tickets else "nobody waiting"


def paye_tax(c):
    return 0 if c <= 5 else (2 * (c - 5) if c <= 15 else 20 + 4 * (c - 15))


def ticker(p):
    t = p[-1]
    prev = p[-2] if len(p) > 1 else t
    move = "up" if t > prev else ("down" if t < prev else "flat")
    return move + " (low)" if not any(u <= t for u in p[:-1]) else move


SPECS = {"m01": whole(three_for_two), "m02": whole(stock_reorder), "m03": whole(overdraft), "m04": whole(loan),
         "m05": whole(counter_queue), "m06": whole(vending), "m07": whole(tax_bands), "m08": whole(sealed_bid),
         "m09": whole(loyalty), "m10": whole(fulfilment), "m11": whole(basket), "m12": whole(bureau),
         "m13": whole(english), "m14": whole(vat), "m15": whole(express), "m16": whole(cash_rounding),
         "m17": per_prefix(card_limit), "m18": per_prefix(shelf), "m19": per_prefix(live_auction),
         "m20": per_prefix(tiers), "m21": per_prefix(deli),
         "m22": per_prefix(lambda p: paye_tax(sum(p)) - paye_tax(sum(p[:-1]))), "m23": per_prefix(ticker),
         "m24": per_prefix(lambda p: max(50 - sum(p), 0))}


# ---------------------------------------------------------------------------------------------- targeted
def weighted(values, weights, n):
    return lambda r: r.choices(values, weights, k=r.randint(1, n))


def runs(values, n, longest=3):
    """Runs of repeated values."""
    def gen(r):
        p = []
        while len(p) < n:
            p += [r.choice(values)] * r.randint(1, longest)
        return p[:r.randint(1, n)]
    return gen


def rising(lo, hi, n):
    """Bids that mostly climb, with some repeats and drops."""
    def gen(r):
        t, p = r.randint(lo, lo + 2), []
        for _ in range(r.randint(1, n)):
            t = max(lo, min(hi, t + r.choice([-1, 0, 1, 1, 2])))
            p.append(t)
        return p
    return gen


def bids(r):
    """Few bidders, high amounts often tied."""
    who = r.sample("abc", r.randint(1, 3))
    return [r.choice(who) + str(r.choice([2, 3, 4, 4])) for _ in range(r.randint(1, 7))]


TARGETED = {"m01": runs("abc", 8), "m02": weighted([0, 1, 2, 3, 4, 5], [1, 2, 3, 2, 1, 1], 8),
            "m03": weighted(["d1", "d2", "d5", "w1", "w2", "w5"], [2, 1, 1, 2, 2, 2], 8),
            "m04": weighted([0, 1, 2, 3], [3, 2, 2, 1], 8), "m05": weighted("qnl", [2, 2, 1], 8),
            "m06": weighted([5, 10, 20, 50], [2, 2, 3, 1], 8), "m07": weighted(list(range(12)), [1] * 12, 6),
            "m08": bids, "m09": weighted([1, 2, 3, 4, 5, "r"], [1, 1, 2, 2, 2, 1], 8), "m10": runs("abc", 8, 4),
            "m11": weighted(list(range(1, 11)), [1] * 10, 6),
            "m12": lambda r: [r.choice(r.sample(["e", "d", "p"], 2)) + str(r.choice([1, 2, 5]))
                              for _ in range(r.randint(1, 7))],
            "m13": rising(1, 9, 8), "m14": weighted(["f1", "f2", "f4", "s1", "s2", "s4"], [1, 1, 2, 1, 1, 2], 8),
            "m15": weighted(list(range(1, 9)), [2, 2, 2, 1, 1, 1, 1, 1], 6),
            "m16": weighted(list(range(10)), [1] * 10, 7), "m17": weighted([1, 2, 3, 5, 8, "d"], [2, 2, 2, 2, 1, 1], 8),
            "m18": weighted("sdn", [5, 1, 1], 9), "m19": rising(1, 7, 9),
            "m20": weighted([1, 2, 3, 4, 5], [1, 1, 1, 3, 3], 9),
            "m21": runs("tc", 10), "m22": weighted([0, 1, 2, 3, 4], [1, 1, 1, 2, 2], 8), "m23": rising(1, 8, 8),
            "m24": weighted([1, 2, 5, 10, 20], [1, 1, 2, 2, 1], 8)}


if __name__ == "__main__":
    main(HERE, "m*.rasp", TARGETED, specs=SPECS)
