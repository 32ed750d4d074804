"""Checks the forty-fifth hand-written set (e01-e24; e25, e26 are refusals): every compiled net against its program's
reference outputs and against a plain-Python statement of each task (written from the files' comments).

    python check_set.py [--nets DIR] [e01 e05 ...]
"""

from __future__ import annotations

import importlib
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
for bench in (HERE.parent, pathlib.Path("/tmp/h45snap/bench")):  # bench/ (or the frozen one), for the shared checks
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
def train_delays(p):
    cum, out, slows = running(p), [], 0
    for i, c in enumerate(cum):
        slows += c >= 3
        x = "on time" if c == 0 else ("delayed" if slows == 1 and c >= 3 else c)
        if i > 0 and p[i] > 0 and p[i - 1] > 0 and x != "delayed":
            x = "knock-on"
        out.append("terminated" if c >= 10 else x)
    return out


def bus(p):
    amt = {"b1": 1, "b2": 2, "b3": 3, "a1": -1, "a2": -2}
    out, fulls = [], 0
    for i, load in enumerate(running([amt[t] for t in p])):
        fulls += load >= 6
        x = ("full" if fulls == 1 else "full again") if load >= 6 else load
        x = "empty" if load <= 0 else x
        out.append("terminus" if i == len(p) - 1 else x)
    return out


def junction(p):
    axis = [0 if t in "ns" else 1 for t in p]
    ns = axis.count(0)
    out = []
    for i, a in enumerate(axis):
        w = axis[:i].count(a) // 2 + ((ns + 1) // 2 if a == 1 else 0)
        platoon = i > 0 and p[i] == p[i - 1]
        out.append("go now" if w == 0 else ("long wait" if w >= 3 else ("platoon" if platoon else w)))
    return out


def lift_calls(p):
    out, at, travel = [], 0, 0
    for t in p:
        d = "stay" if t == at else ("up" if t > at else "down")
        travel += abs(t - at)
        at = t
        out.append(d + " (busy floor)" if p.count(t) >= 3 else d)
    out[-1] = travel
    return out


def garage(p):
    out, occ, fulls = [], 0, 0
    for t in p:
        occ += 1 if t == "i" else -1
        fulls += occ >= 4
        out.append("error" if occ < 0 else ("full" if occ >= 4 else 4 - occ))
    out[-1] = "busy day" if fulls >= 2 else p.count("i") - p.count("o")
    return out


def van_drops(p):
    out, load = [], 5
    for t in p:
        load += {"d": -1, "p": 1, "s": 0}[t]
        out.append("retry" if t == "s" else ("no parcel" if load < 0 else load))
    out[-1] = p.index("s") + 1 if "s" in p else "all delivered"
    return out


def boarding(p):
    order = sorted(range(len(p)), key=lambda i: (p[i], i))
    place = {j: r for r, j in enumerate(order)}
    out = []
    for i, t in enumerate(p):
        r = place[i]
        x = "last" if r == len(p) - 1 else ("first" if r == 0 else r // 3 + 1)
        after = p[order[min(r + 1, len(p) - 1)]]
        if after != t and x != "first":
            x = "closes group"
        elif p.count(t) >= 4 and x not in ("first", "last"):
            x = "hold"
        out.append(x)
    return out


def toll(p):
    base, seen, fares = {"c": 2, "v": 3, "t": 5, "m": 1}, {}, []
    for t in p:
        seen[t] = seen.get(t, 0) + 1
        fares.append(base[t] - 1 if seen[t] >= 3 else base[t])
    out = ["free" if f == 0 else f for f in fares]
    out[-1] = "heavy day" if p.count("t") >= 3 else sum(fares)
    return out


def ferry(p):
    size = {"c": 1, "v": 2, "l": 3}
    cum, out, lorries = running([size[t] for t in p]), [], 0
    for i, (t, c) in enumerate(zip(p, cum)):
        on = t == "l" and c <= 10
        lorries += on
        if c > 10:
            out.append("next sailing")
        elif on and lorries >= 3:
            out.append("weight limit")
        elif i == len(p) - 1 or cum[i + 1] > 10:
            out.append("ramp up")
        else:
            out.append(1 if c <= 5 else 2)
    return out


def cycle_cap(p):
    out, before = [], 0
    for t, c in zip(p, running([max(0, d - 3) * 2 for d in p])):
        f, paid = max(0, t - 3) * 2, min(c, 10) - before
        before = min(c, 10)
        x = "free" if f == 0 else ("capped" if paid == 0 else ("cap reached" if paid < f else paid))
        out.append("longest" if t == max(p) else x)
    return out


def containers(p):
    out, uns = [], 0
    top = max(range(len(p)), key=lambda i: (p[i], -i))
    for i, t in enumerate(p):
        tier = i % 5
        unsafe = tier > 0 and t > p[i - 1]
        uns += unsafe
        if tier == 0:
            out.append("new stack" if i // 5 == 1 else "bottom")
        elif unsafe:
            out.append("unsafe" if uns == 1 else "restack")
        elif i == top:
            out.append("crane check")
        else:
            out.append(tier + 1)
    return out


def signals(p):
    out, trains = [], 0
    for i, t in enumerate(p):
        if t == "o":
            trains += i == 0 or p[i - 1] == "e"
            out.append(trains)
        else:
            n1 = i + 1 < len(p) and p[i + 1] == "o"
            n2 = i + 2 < len(p) and p[i + 2] == "o"
            out.append("yellow" if n1 else ("double yellow" if n2 else "green"))
    return out


def taxi(p):
    return [3 + c if 3 + c <= 30 else "fare cap" for c in running([1 if d == 0 else 2 * d for d in p])]


def chutes(p):
    chute = {"s": "A", "m": "B", "l": "C", "x": "manual"}
    return ["overflow" if t != "x" and p[:i + 1].count(t) > 3 else chute[t] for i, t in enumerate(p)]


def gates(p):
    n = len(p)
    return ["quick turn" if i < n - 1 and p[i + 1] == t else ("busy gate" if p.count(t) >= 3 else p.count(t))
            for i, t in enumerate(p)]


def toll_bands(p):
    fare = [1 if j <= 2 else (3 if j <= 5 else 5) for j in p]
    return [f * 0.8 if p.count(j) >= 3 else f for f, j in zip(fare, p)]


def lift_stops(p):
    floor = p.count("u") - p.count("d")
    stops = [sum(1 for u in p[:k + 1] if u == "u") - sum(1 for u in p[:k + 1] if u == "d")
             for k, t in enumerate(p) if t == "s"]
    if p[-1] == "s":
        ref = stops[-2] if len(stops) > 1 else 0
        return "no move" if floor == ref else ("basement" if floor < 0 else floor)
    ref = stops[-1] if stops else 0
    return "above" if floor > ref else ("below" if floor < ref else "level")


def express_bus(p):
    c, overs = sum(p), sum(1 for k in range(len(p)) if sum(p[:k + 1]) > 10)
    if overs >= 1:
        return "full" if overs == 1 else "not stopping"
    s = 10 - c
    x = "standing room" if 0 <= s <= 2 else s
    return "busy stop" if len(p) > 1 and p[-1] >= p[-2] + 2 else x


def van_reloads(p):
    last_r = max((k for k, t in enumerate(p) if t == "r"), default=-1)
    if p[-1] == "r":
        return "reload"
    load = p[last_r + 1:]
    used = len(load)
    if used > 4:
        return "empty van"
    return "call depot" if load.count("f") >= 2 else 4 - used


def red_light(p):
    greens = [k for k, t in enumerate(p) if t == "g"]
    cars = [0 if t == "g" else t for t in p]
    if p[-1] == "g":
        start = greens[-2] + 1 if len(greens) > 1 else 0
        q = sum(cars[start:])
        return "wasted green" if q == 0 else q
    start = greens[-1] + 1 if greens else 0
    q = sum(cars[start:])
    if q >= 8:
        return "spillback" if len(p) > 1 and p[-2] == 3 else "gridlock"
    return q


def taxi_waiting(p):
    f = 3 + 2 * p.count("d") + p.count("w") // 2
    return "fixed fare" if f > 20 else f


def bike_dock(p):
    b = 2 - p.count("t") + p.count("r")
    return "empty" if b <= 0 else ("full" if b >= 5 else b)


def gate_scan(p):
    t = p[-1]
    if any(u > t for u in p[:-1]):
        return "late"
    return "group called" if p.count(t) == 1 else t


SPECS = {"e01": whole(train_delays), "e02": whole(bus), "e03": whole(junction), "e04": whole(lift_calls),
         "e05": whole(garage), "e06": whole(van_drops), "e07": whole(boarding), "e08": whole(toll),
         "e09": whole(ferry), "e10": whole(cycle_cap), "e11": whole(containers), "e12": whole(signals),
         "e13": whole(taxi), "e14": whole(chutes), "e15": whole(gates), "e16": whole(toll_bands),
         "e17": per_prefix(lift_stops), "e18": per_prefix(express_bus), "e19": per_prefix(van_reloads),
         "e20": per_prefix(red_light), "e21": per_prefix(taxi_waiting), "e22": per_prefix(bike_dock),
         "e23": per_prefix(gate_scan), "e24": per_prefix(lambda p: sum(p) / len(p) - 2.5)}


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


TARGETED = {"e01": weighted([0, 1, 2, 3], [3, 2, 1, 1], 8), "e02": weighted(["a1", "a2", "b1", "b2", "b3"],
                                                                              [1, 1, 2, 2, 2], 8),
            "e03": runs("ensw", 8), "e04": runs(list(range(6)), 7, 2), "e05": weighted("io", [3, 2], 10),
            "e06": weighted("dps", [4, 1, 1], 8), "e07": runs([1, 2, 3, 4], 8),
            "e08": weighted("cmtv", [2, 1, 2, 1], 8),
            "e09": weighted("clv", [2, 2, 1], 8), "e10": weighted([1, 2, 3, 4, 5, 6], [1, 1, 1, 2, 2, 2], 7),
            "e11": weighted([1, 2, 3, 4, 5], [1, 1, 1, 1, 1], 7), "e12": runs("eo", 8),
            "e13": weighted([0, 1, 2, 3], [1, 1, 1, 2], 8), "e14": weighted("lmsx", [2, 2, 2, 1], 8),
            "e15": runs(list(range(6)), 7, 2), "e16": weighted(list(range(1, 9)), [2, 2, 1, 1, 1, 1, 1, 1], 6),
            "e17": weighted("dsu", [2, 2, 3], 9), "e18": weighted([1, 2, 3, 4], [2, 1, 1, 2], 8),
            "e19": weighted("dfr", [3, 2, 1], 9), "e20": weighted([0, 1, 2, 3, "g"], [1, 1, 2, 3, 1], 8),
            "e21": runs("dw", 10), "e22": runs("rt", 10), "e23": runs([1, 2, 3], 9),
            "e24": weighted([1, 2, 3, 4], [1, 1, 1, 1], 8)}


if __name__ == "__main__":
    main(HERE, "e*.rasp", TARGETED, specs=SPECS)
