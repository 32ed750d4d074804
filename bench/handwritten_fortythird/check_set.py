"""Checks the forty-third hand-written set (n01-n24; n25, n26 are refusals): every compiled net against its program's
reference outputs and against a plain-Python statement of each task (written from the files' comments).

    python check_set.py [--nets DIR] [n01 n05 ...]
"""

from __future__ import annotations

import importlib
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
for bench in (HERE.parent, pathlib.Path("/tmp/h43snap/bench")):  # bench/ (or the frozen one), for the shared checks
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


def run_of(p, i, good):
    """How many samples in a row up to i satisfy good."""
    k = i
    while k >= 0 and good(p[k]):
        k -= 1
    return i - k


# ---------------------------------------------------------------------------------------------- specs
def thermostat(p):
    state, out = "off", []
    for t in p:
        was = state
        state = "on" if t <= 1 else ("off" if t >= 4 else state)
        x = "turn " + state if state != was else state
        out.append(x + " (frost)" if t == 0 else x)
    return out


def debounce(p):
    out, presses, i = [], 0, 0
    while i < len(p):
        if p[i] == 0:
            out.append(".")
            i += 1
            continue
        j = i
        while j < len(p) and p[j] == 1:
            j += 1
        for k in range(i, j):
            place = k - i + 1
            if j - i < 3:
                out.append("bounce")
            elif place == 3:
                presses += 1
                out.append(f"press {presses}")
            else:
                out.append("held" if place > 3 else "wait")
        i = j
    return out


def crossings(p):
    out, count = [], 0
    for i, t in enumerate(p):
        kind = ""
        if i > 0 and t >= 2 > p[i - 1]:
            kind = "up"
        elif i > 0 and t < 2 <= p[i - 1]:
            kind = "down"
        count += kind != ""
        out.append(f"{kind} {count}" if kind else "-")
    if out[-1] == "-":
        out[-1] = count
    return out


def beats(p):
    n, out, count = len(p), [], 0
    for i, t in enumerate(p):
        if 0 < i < n - 1 and t > p[i - 1] and t > p[i + 1]:
            count += 1
            out.append(f"beat {count}")
        else:
            out.append(".")
    out[-1] = count
    return out


def tide(p):
    hi, lo, out = max(p), min(p), []
    for i, t in enumerate(p):
        prev = p[max(i - 1, 0)]
        if hi == lo:
            out.append("slack")
        elif t == hi:
            out.append("HW")
        elif t == lo:
            out.append("LW")
        else:
            out.append("rising" if t > prev else ("falling" if t < prev else "steady"))
    return out


def seismograph(p):
    swings = [abs(t - p[max(i - 1, 0)]) for i, t in enumerate(p)]
    top = max(swings)
    return [("quake" if s >= 3 else "max") if s == top and s > 0 else s for s in swings]


def battery(p):
    out, crits = [], 0
    for i, t in enumerate(p):
        prev = p[max(i - 1, 0)]
        band = "full" if t >= 8 else ("good" if t >= 5 else ("low" if t >= 2 else "critical"))
        crits += band == "critical"
        trend = "charging" if t > prev else ("draining" if t < prev else "steady")
        out.append("replace" if crits >= 2 else ("fault" if prev - t >= 3 else band + " " + trend))
    return out


def rain(p):
    out, total, gaps = [], 0, 0
    for t in p:
        total += 0 if t == "-" else t
        gaps += t == "-"
        if gaps >= 3:
            out.append("gauge fault")
        elif t == "-":
            out.append("gap")
        else:
            out.append("dry" if total == 0 else ("flood" if total >= 10 else float(total)))
    return out


def light(p):
    state, out = "wait", []
    for i, t in enumerate(p):
        if i > 0 and t == p[i - 1] and t in "bk":
            state = "lamp off" if t == "b" else "lamp on"
        out.append(state)
    return out


def quantise(p):
    over = 2 * p.count(11) > len(p)

    def band(t):
        if t in (0, 11):
            return "floor" if t == 0 else "sat"
        return "low" if t <= 3 else ("mid" if t <= 7 else "high")
    return ["overload" if over else band(t) for t in p]


def speedometer(p):
    excess = [t - (30 if i < 4 else 50) for i, t in enumerate(p)]
    ticket = sum(e > 0 for e in excess) >= 3
    out = []
    for e in excess:
        if e <= 0:
            out.append("ok")
        elif ticket:
            out.append("ticket")
        else:
            out.append({10: "over 10", 20: "over 20"}.get(e, "over 30+"))
    return out


def calibration(p):
    offset = {"a": 1, "b": -1, "c": 2}
    first, out = {}, []
    for t in p:
        v = int(t[1]) + offset[t[0]]
        if t[0] not in first:
            first[t[0]] = v
            out.append(v)
        else:
            f = first[t[0]]
            out.append("same" if v == f else ("up" if v > f else "down"))
    return out


def dropout(p):
    if 2 * p.count("-") > len(p):
        return ["sensor dead"] * len(p)
    out, last, when = [], None, None
    for i, t in enumerate(p):
        if t != "-":
            last, when = t, i
            out.append(t)
        elif last is None:
            out.append("?")
        else:
            out.append(last if i - when <= 2 else "stale")
    return out


def clipping(p):
    n, out = len(p), []
    for i, t in enumerate(p):
        if t not in (0, 7):
            out.append("ok")
        elif (i > 0 and p[i - 1] == t) or (i < n - 1 and p[i + 1] == t):
            out.append("clip high" if t == 7 else "clip low")
        else:
            out.append("touch")
    return ["distorted"] * n if sum(x.startswith("clip") for x in out) >= 4 else out


def edges(p):
    n, out, rises = len(p), [], 0
    for i, t in enumerate(p):
        b = p[i - 1] if i > 0 else 0
        if t > b:
            rises += 1
            out.append("glitch" if i < n - 1 and p[i + 1] == 0 else f"rise {rises}")
        else:
            out.append("fall" if t < b else ("high" if t == 1 else "low"))
    return out


def noise_gate(p):
    state, out = False, []
    for t in p:
        state = True if t >= 4 else (False if t < 2 else state)
        out.append(t if state else "-")
    return out


def smoke(p):
    if p[-1] == "mid":
        return "haze"
    r = run_of(p, len(p) - 1, lambda t: t == "hi")
    return "ALARM" if r >= 3 else ("warn" if r >= 1 else "clear")


def moving_average(p):
    w = p[-3:]
    return sum(w) / len(w)


def moving_max(p):
    i, t = len(p) - 1, p[-1]
    m = max(p[max(i - 1, 0)], p[max(i - 2, 0)])
    return "spike" if t > m + 2 else max(t, m)


def tide_records(p):
    t, earlier = p[-1], p[:-1]
    if all(e < t for e in earlier):
        return "high water"
    if all(e > t for e in earlier):
        return "low water"
    return max(p) - t


def episodes(p):
    if p[-1] <= 50:
        return "ok"
    e = sum(1 for i, t in enumerate(p) if t > 50 and (i == 0 or p[i - 1] <= 50))
    return "ticket" if e >= 3 else f"over {e}"


def watchdog(p):
    t = p[-1]
    if t == "ok":
        return "alive"
    if t == "err":
        return f"fault {p.count('err')}"
    return "LOST" if run_of(p, len(p) - 1, lambda u: u == "-") >= 3 else "late"


def calibrated_mean(p):
    cal = {"a1": 1, "a2": 2, "a3": 3, "b1": 0, "b2": 1, "b3": 2}
    return sum(cal[t] for t in p) / len(p)


def door(p):
    if "x" in p:
        return "locked out"
    t, was = p[-1], (p[-2] if len(p) > 1 else "c")
    if t == "c":
        return "closed"
    if was == "o":
        return "still open"
    return f"open {sum(1 for i, u in enumerate(p) if u == 'o' and (i == 0 or p[i - 1] != 'o'))}"


SPECS = {"n01": whole(thermostat), "n02": whole(debounce), "n03": whole(crossings), "n04": whole(beats),
         "n05": whole(tide), "n06": whole(seismograph), "n07": whole(battery), "n08": whole(rain),
         "n09": whole(light), "n10": whole(quantise), "n11": whole(speedometer), "n12": whole(calibration),
         "n13": whole(dropout), "n14": whole(clipping), "n15": whole(edges), "n16": whole(noise_gate),
         "n17": per_prefix(smoke), "n18": per_prefix(moving_average), "n19": per_prefix(moving_max),
         "n20": per_prefix(tide_records), "n21": per_prefix(episodes), "n22": per_prefix(watchdog),
         "n23": per_prefix(calibrated_mean), "n24": per_prefix(door)}


# ---------------------------------------------------------------------------------------------- targeted
def drift(lo, hi, n):
    """A random walk between lo and hi of length up to n."""
    def gen(r):
        t, p = r.randint(lo, hi), []
        for _ in range(r.randint(1, n)):
            t = max(lo, min(hi, t + r.choice([-2, -1, 0, 0, 1, 2])))
            p.append(t)
        return p
    return gen


def runs01(r):
    """Runs of 1s of every length."""
    p = []
    while len(p) < 10:
        p += [1] * r.randint(1, 5) + [0] * r.randint(1, 2)
    return p[:r.randint(1, 10)]


def light_days(r):
    p = []
    while len(p) < 10:
        p += [r.choice("bmk")] * r.randint(1, 3)
    return p[:r.randint(1, 10)]


def adc(r):
    """Saturated readings often."""
    return r.choices(range(12), [3] + [1] * 10 + [6], k=r.randint(1, 5))


def speeds(r):
    return r.choices([20, 30, 40, 50, 60, 70], [2, 3, 2, 2, 1, 1], k=r.randint(1, 9))


def sensors(r):
    """One or two sensors, repeated readings."""
    ids = r.sample("abc", r.randint(1, 2))
    return [r.choice(ids) + str(r.randint(0, 2)) for _ in range(r.randint(1, 6))]


def dropouts(r):
    return r.choices([1, 2, 3, 4, "-"], [1, 1, 1, 1, r.choice([1, 3, 5])], k=r.randint(1, 8))


def rails(r):
    """Runs at the rails."""
    p = []
    while len(p) < 9:
        p += [r.choice([0, 7, r.randint(1, 6)])] * r.randint(1, 3)
    return p[:r.randint(1, 9)]


def smoky(r):
    p = []
    while len(p) < 9:
        p += [r.choice(["lo", "mid", "hi", "hi"])] * r.randint(1, 4)
    return p[:r.randint(1, 9)]


def trips(r):
    p = []
    while len(p) < 10:
        p += [r.choice([30, 40, 50, 60, 70])] * r.randint(1, 3)
    return p[:r.randint(1, 10)]


def beats_lost(r):
    p = []
    while len(p) < 10:
        p += [r.choice(["ok", "-", "-", "err"])] * r.randint(1, 4)
    return p[:r.randint(1, 10)]


def readings(r):
    return r.choices(["a1", "a2", "a3", "b1", "b2", "b3"], k=r.randint(1, 6))


def doors(r):
    return r.choices("ocx", [5, 5, 1], k=r.randint(1, 8))


TARGETED = {"n01": drift(0, 5, 8), "n02": runs01, "n03": drift(0, 4, 10), "n04": drift(1, 6, 8),
            "n05": drift(0, 7, 7), "n06": drift(0, 5, 8), "n07": drift(0, 9, 6), "n08": lambda r: r.choices(
                [0, 1, 2, 3, "-"], [3, 2, 2, 2, 1], k=r.randint(1, 8)), "n09": light_days, "n10": adc,
            "n11": speeds, "n12": sensors, "n13": dropouts, "n14": rails, "n15": runs01, "n16": drift(0, 6, 8),
            "n17": smoky, "n18": drift(0, 4, 8), "n19": drift(1, 5, 8), "n20": drift(0, 6, 9), "n21": trips,
            "n22": beats_lost, "n23": readings, "n24": doors}


if __name__ == "__main__":
    main(HERE, "n*.rasp", TARGETED, specs=SPECS)
