"""Checks the forty-sixth hand-written set (d01-d24; d25, d26 are refusals): every compiled net against its program's
reference outputs and against a plain-Python statement of each task (written from the files' comments).

    python check_set.py [--nets DIR] [d01 d05 ...]
"""

from __future__ import annotations

import importlib
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
for bench in (HERE.parent, pathlib.Path("/tmp/h46snap/bench")):  # bench/ (or the frozen one), for the shared checks
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


def so_far(p, i, token):
    return p[:i + 1].count(token)


# ---------------------------------------------------------------------------------------------- specs
def allocator(p):
    size = {"m1": 1, "m2": 2, "m4": 4, "f1": -1, "f2": -2}
    used = running([size[t] for t in p])
    out, ooms = [], 0
    for i, (t, u) in enumerate(zip(p, used)):
        ooms += u > 8
        if u < 0:
            x = "double free"
        elif u > 8:
            x = "ENOMEM" if ooms == 1 else "ENOMEM again"
        elif i > 0 and (p[i - 1], t) in (("f1", "m1"), ("f2", "m2")):
            x = "reused"
        else:
            x = 8 - u
        out.append(x)
    failed = sum(u > 8 for u in used)
    end = used[-1]
    out[-1] = failed if failed else ("clean exit" if end == 0 else ("leak" if end > 0 else "corrupt"))
    return out


def path_depth(p):
    out, depth, escapes = [], 0, 0
    for i, t in enumerate(p):
        depth += {"dir": 1, "..": -1, ".": 0}[t]
        if depth < 0:
            escapes += 1
            out.append("escapes root" if escapes == 1 else "outside")
        elif t == ".":
            out.append("same")
        elif t == "dir" and i + 1 < len(p) and p[i + 1] == "..":
            out.append("no-op")
        else:
            out.append(depth)
    out[-1] = "/" if depth == 0 else ("invalid" if depth < 0 else depth)
    return out


def semver(p):
    major, minor, patch, majors, out = 1, 0, 0, 0, []
    for t in p:
        if t == "M":
            major, minor, patch, majors = major + 1, 0, 0, majors + 1
            out.append("breaking" if majors == 1 else major)
        elif t == "m":
            minor, patch = minor + 1, 0
            out.append(minor)
        else:
            patch += 1
            out.append(patch if patch < 3 else "hotfix storm")
    return out


def severity_sort(p):
    rank = {"F": 0, "E": 1, "W": 2, "I": 3, "D": 4}
    labels, seen = [], {}
    for t in p:
        seen[t] = seen.get(t, 0) + 1
        labels.append("filtered" if t in "DI" else (seen[t] if t == "W" else (
            ("error" if seen[t] == 1 else "repeat error") if t == "E" else "FATAL")))
    order = sorted(range(len(p)), key=lambda i: (rank[p[i]], i))
    out = [labels[j] for j in order]
    bad, warns = sum(t in "EF" for t in p), p.count("W")
    out[-1] = "budget burned" if bad > warns else bad + warns
    return out


def ci(p):
    out, flaky = [], 0
    first = p.index("fail") if "fail" in p else None
    for i, t in enumerate(p):
        if first is not None and i >= first:
            out.append("FAILED" if i == first else "cancelled")
        elif t == "flaky":
            flaky += 1
            out.append("retried" if flaky == 1 else "quarantine")
        else:
            out.append("ok" if t == "pass" else "skipped")
    out[-1] = first + 1 if first is not None else ("green (flaky)" if p.count("flaky") >= 2 else "green")
    return out


def rate_limit(p):
    out, turned = [], 0
    for i, t in enumerate(p):
        if t == "-":
            out.append("idle")
            continue
        w = p[i // 4 * 4:i + 1]
        mine, everyone = w.count(t), len(w) - w.count("-")
        if mine > 2:
            x = "429"
        elif everyone > 3:
            x = "503 shed"
        elif i > 0 and p[i - 1] == t:
            x = "burst"
        else:
            x = 2 - mine
        turned += x in ("429", "503 shed")
        out.append(x)
    out[-1] = turned if turned else "healthy"
    return out


def ttl_cache(p):
    out, hits = [], 0
    for i, t in enumerate(p):
        if t in p[max(0, i - 3):i]:
            x = "hit"
            hits += 1
            if p.count(t) >= 4:
                x = "hot key"
        else:
            x = "expired" if t in p[:i] else "miss"
        out.append(x)
    out[-1] = "cold cache" if len(p) - hits > hits else hits
    return out


def mutexes(p):
    out, held = [], {"a": 0, "b": 0}
    for t in p:
        m = t[1]
        if t[0] == "l":
            held[m] += 1
            x = "double lock" if held[m] >= 2 else ("deadlock risk" if m == "a" and held["b"] > 0 else "locked")
        else:
            held[m] -= 1
            x = "unlock unheld" if held[m] < 0 else "released"
        out.append(x)
    a, b = held["a"], held["b"]
    out[-1] = "balanced" if a == b == 0 else ("leaked" if a > 0 or b > 0 else "underflow")
    return out


def call_stack(p):
    depth = running([1 if t == "c" else -1 for t in p])
    peak = depth.index(max(depth))
    out = []
    for i, (t, d) in enumerate(zip(p, depth)):
        if t == "c":
            x = "stack overflow" if d > 4 else d
        else:
            x = "underflow" if d < 0 else ("ret to main" if d == 0 else d)
        if i == peak and x not in ("stack overflow", "underflow"):
            x = "peak"
        elif t == "c" and i + 1 < len(p) and p[i + 1] == "r" and x != "stack overflow":
            x = "leaf"
        out.append(x)
    e = depth[-1]
    out[-1] = "clean" if e == 0 else ("unreturned" if e > 0 else "corrupt")
    return out


def disk_quota(p):
    used = running(p)
    biggest = p.index(max(p))
    out, overs = [], 0
    for i, (t, u) in enumerate(zip(p, used)):
        overs += u > 10
        if u > 10:
            x = "over quota" if overs == 1 else "denied"
        elif i == biggest:
            x = "largest"
        elif i > 0 and p[i - 1] == t:
            x = "dedup"
        else:
            x = "warning" if u >= 8 else 10 - u
        out.append(x)
    out[-1] = used[-1]
    return out


def http(p):
    cls = [t // 100 for t in p]
    out = []
    for i, (t, c) in enumerate(zip(p, cls)):
        if i >= 2 and cls[i - 2:i + 1] == [5, 5, 5]:
            out.append("circuit open")
        elif t == 503:
            out.append("retry later")
        else:
            out.append({2: "ok", 3: "redirect", 4: "client error", 5: "server error"}[c])
    c4, c5 = cls.count(4), cls.count(5)
    out[-1] = "outage" if c5 > c4 else ("healthy" if c4 + c5 == 0 else c4 + c5)
    return out


def round_robin(p):
    # simulated, not by formula: round one then round two, a slice of at most 2 ticks each
    left, clock, finish = list(p), 0, [None] * len(p)
    for _ in range(2):
        for j in range(len(p)):
            if left[j] > 0:
                run = min(left[j], 2)
                clock += run
                left[j] -= run
                if left[j] == 0:
                    finish[j] = clock
    last = finish.index(max(finish))
    return ["last" if j == last else ("late" if f > 12 else f) for j, f in enumerate(finish)]


def permissions(p):
    want = {0: "r", 1: "w", 2: "x"}
    out = []
    for i, t in enumerate(p):
        if t != "-" and t != want[i % 3]:
            out.append("invalid")
            continue
        digit = 0
        for j in range(i // 3 * 3, min(i // 3 * 3 + 3, len(p))):
            if p[j] == want[j % 3]:
                digit += {0: 4, 1: 2, 2: 1}[j % 3]
        out.append(digit)
    return out


def merge_markers(p):
    out, m = [], 0
    for t in p:
        if t != "t":
            m += 1
            expected = {1: "<", 2: "=", 0: ">"}[m % 3]
            out.append("marker" if t == expected else "malformed")
        else:
            out.append({0: "clean", 1: "ours", 2: "theirs"}[m % 3])
    out[-1] = p.count("<")
    return out


def backoff(p):
    out, fails = [], 0
    for t in p:
        if t == 1:
            fails += 1
            out.append("give up" if fails >= 5 else 2 ** (fails - 1))
        else:
            out.append("ok" if fails == 0 else fails)
    return out


def gc_scan(p):
    per = {0: 1, 1: 3, 2: 10}
    return [p.count(g) * per[g] / 1000 for g in p]


def editor(p):
    changes = p.count("e") - p.count("u")
    saves = [k for k, t in enumerate(p) if t == "s"]
    if p[-1] == "s":
        return "first save" if len(saves) == 1 else len(saves)
    if changes < 0:
        return "nothing to undo"
    base = (p[:saves[-1]].count("e") - p[:saves[-1]].count("u")) if saves else 0
    d = changes - base
    return "clean" if d == 0 else ("reverted past save" if d < 0 else ("autosave" if d >= 4 else d))


def thread_pool(p):
    pend = [sum({"s": 1, "s2": 2, "d": -1}[t] for t in p[:k + 1]) for k in range(len(p))]
    now = pend[-1]
    if now > 6:
        return "rejected" if sum(q > 6 for q in pend) == 1 else "shedding"
    if len(p) > 1 and p[-1] == "s2" and p[-2] == "s2":
        return "burst"
    return "spurious done" if now < 0 else ("idle" if now == 0 else ("running" if now <= 3 else now - 3))


def log_alerts(p):
    t, errs = p[-1], p.count("e")
    if t == "e":
        if p[-4:].count("e") >= 3:
            return "PAGE"
        return "first error" if errs == 1 else errs
    if t == "i":
        return "all clear" if errs == 0 else "info"
    since = p[len(p) - p[::-1].index("e"):] if "e" in p else p
    return "escalate" if since.count("w") >= 3 else "warn"


def young_gen(p):
    t = p[-1]
    if t == "g":
        if len(p) == 1 or p[-2] == "g":
            return "empty gc"
        return "major gc" if p.count("g") % 3 == 0 else "minor gc"
    since = p[len(p) - p[::-1].index("g"):] if "g" in p else p
    y = since.count("a") - since.count("f")
    return "double free" if y < 0 else ("leak?" if y >= 4 else y)


def mutex_state(p):
    h = p.count("l") - p.count("u")
    return "EPERM" if h < 0 else ("self-deadlock" if h >= 2 else ("locked" if h == 1 else "free"))


def error_budget(p):
    if p[-1] == 4:
        return "client error"
    b, g = p.count(5), p.count(2)
    return "SLO breach" if 4 * b > g else ("degraded" if b > 0 else "healthy")


def build_times(p):
    t, before = p[-1], p[:-1]
    slower = sum(u > t for u in before)
    if slower:
        return slower
    return "ties slowest" if t in before else "new slowest"


SPECS = {"d01": whole(allocator), "d02": whole(path_depth), "d03": whole(semver), "d04": whole(severity_sort),
         "d05": whole(ci), "d06": whole(rate_limit), "d07": whole(ttl_cache), "d08": whole(mutexes),
         "d09": whole(call_stack), "d10": whole(disk_quota), "d11": whole(http), "d12": whole(round_robin),
         "d13": whole(permissions), "d14": whole(merge_markers), "d15": whole(backoff), "d16": whole(gc_scan),
         "d17": per_prefix(editor), "d18": per_prefix(thread_pool), "d19": per_prefix(log_alerts),
         "d20": per_prefix(young_gen), "d21": per_prefix(mutex_state),
         "d22": per_prefix(lambda p: sum(p) / 4 / len(p) * 100), "d23": per_prefix(error_budget),
         "d24": per_prefix(build_times)}


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


def perm_strings(r):
    """Mostly well-formed permission strings, a symbol sometimes out of place."""
    p = [r.choice([s, "-"]) for s in "rwxrwxrwx"][:r.randint(1, 9)]
    if r.random() < 0.3:
        p[r.randrange(len(p))] = r.choice("rwx-")
    return p


def conflicts(r):
    """Well-formed conflict blocks between text lines, sometimes one marker swapped."""
    p = []
    while len(p) < 8:
        p += r.choice([["t"], ["t", "t"], ["<", "t", "=", "t", ">"], ["<", "=", ">"]])
    p = p[:r.randint(1, 8)]
    if r.random() < 0.3:
        p[r.randrange(len(p))] = r.choice("<=>t")
    return p


TARGETED = {"d01": weighted(["f1", "f2", "m1", "m2", "m4"], [2, 2, 2, 2, 2], 8),
            "d02": weighted([".", "..", "dir"], [1, 2, 3], 8), "d03": weighted("Mmp", [1, 2, 4], 8),
            "d04": weighted("DEFIW", [2, 2, 1, 2, 3], 8), "d05": weighted(["fail", "flaky", "pass", "skip"],
                                                                        [1, 3, 4, 1], 8),
            "d06": weighted("-ab", [1, 3, 3], 8), "d07": runs("abcd", 8, 2), "d08": weighted(["la", "lb", "ua", "ub"],
                                                                                            [3, 3, 2, 2], 8),
            "d09": weighted("cr", [3, 2], 10), "d10": weighted([1, 2, 3, 4], [2, 2, 1, 1], 8),
            "d11": runs([200, 201, 301, 404, 500, 503], 8), "d12": weighted([1, 2, 3, 4], [1, 1, 2, 2], 8),
            "d13": perm_strings, "d14": conflicts, "d15": weighted([0, 1], [1, 3], 10),
            "d16": weighted([0, 1, 2], [3, 2, 1], 8), "d17": weighted("esu", [4, 1, 2], 9),
            "d18": weighted(["d", "s", "s2"], [2, 2, 2], 8), "d19": weighted("eiw", [2, 1, 3], 9),
            "d20": weighted("afg", [4, 2, 2], 9), "d21": runs("lu", 10),
            "d22": weighted([0, 1, 2, 3, 4], [1, 1, 1, 1, 3], 8),
            "d23": weighted([2, 4, 5], [4, 1, 2], 9), "d24": runs([1, 2, 3, 4], 8, 2)}


if __name__ == "__main__":
    main(HERE, "d*.rasp", TARGETED, specs=SPECS)
