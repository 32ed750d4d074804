"""Checks the forty-second hand-written set (q01-q24; q25, q26 are refusals): every compiled net against its program's
reference outputs and against a plain-Python statement of each task (written from the files' comments).

    python check_set.py [--nets DIR] [q01 q05 ...]
"""

from __future__ import annotations

import importlib
import pathlib
import sys

HERE = pathlib.Path(__file__).parent
for bench in (HERE.parent, pathlib.Path("/tmp/h42snap/bench")):  # bench/ (or the frozen one), for the shared checks
    if (bench / "handwritten_check.py").exists():
        sys.path.insert(0, str(bench))
        break

main = importlib.import_module("handwritten_check").main

PARS = [4, 3, 5, 4, 4, 3, 5, 4, 4]
PLACES = ["1st", "2nd", "3rd", "4th", "5th", "6th"]


def per_prefix(f):
    """A causal spec from a function of the whole prefix."""
    return lambda xs: [f(xs[:i + 1]) for i in range(len(xs))]


def whole(f):
    """A non-causal spec from a function of the whole list giving every position's output."""
    return lambda xs: f(list(xs))


def tennis_name(x):
    return ["0", "15", "30"][x] if x < 3 else "40"


def tennis_call(a, b):
    if a >= 4 and a - b >= 2:
        return "game A"
    if b >= 4 and b - a >= 2:
        return "game B"
    if a >= 3 and b >= 3:
        return "deuce" if a == b else ("adv A" if a > b else "adv B")
    return tennis_name(a) + "-" + tennis_name(b)


# ---------------------------------------------------------------------------------------------- specs
def tennis(p):
    out, over = [], False
    for i in range(len(p)):
        a = p[:i + 1].count("A")
        call = "over" if over else tennis_call(a, i + 1 - a)
        over = over or call.startswith("game")
        out.append(call)
    return out


def candlepin(p):
    n, total, out = len(p), 0, []
    for i, t in enumerate(p):
        if i % 2 == 0:
            out.append("foul" if t == "/" else ".")
            continue
        if t == "/":
            if i == n - 1:
                out.append("pending")
                continue
            total += 5 + (0 if p[i + 1] == "/" else p[i + 1])
        else:
            total += (0 if p[i - 1] == "/" else p[i - 1]) + t
        out.append(float(total))
    return out


def darts(p):
    worth = {1: 1, 2: 2, 3: 3, 5: 5, "D1": 2, "D2": 4, "D3": 6}
    left, over, out = 12, False, []
    for t in p:
        if over:
            out.append("-")
            continue
        left -= worth[t]
        if left == 0 and isinstance(t, str):
            out.append("checkout")
        elif left < 2:
            out.append("bust")
        else:
            out.append(float(left))
        over = out[-1] in ("checkout", "bust")
    return out


def cricket_over(p):
    dry = sum(0 if t == "W" else t for t in p) == 0
    out = []
    for i, t in enumerate(p):
        swaps = sum(1 for u in p[:i] if u in (1, 3))
        label = f"out {p[:i + 1].count('W')}" if t == "W" else ("A" if swaps % 2 == 0 else "B")
        out.append(label + " + maiden" if i == 5 and dry else label)
    return out


def poker(p):
    counts = sorted((p.count(r) for r in set(p)), reverse=True)
    if counts[0] == 5:
        kind = "five"
    elif counts[0] == 4:
        kind = "four"
    elif counts[:2] == [3, 2]:
        kind = "full house"
    elif counts[0] == 3:
        kind = "three"
    elif counts[:2] == [2, 2]:
        kind = "two pair"
    elif counts[0] == 2:
        kind = "pair"
    elif len(p) == 5 and set(p) in ({1, 2, 3, 4, 5}, {2, 3, 4, 5, 6}):
        kind = "straight"
    else:
        kind = "high"
    return [kind] * len(p)


def rps(p):
    wins = {("P", "R"), ("R", "S"), ("S", "P")}
    results = {}
    out = []
    for i, t in enumerate(p):
        if i % 2 == 1:
            o = p[i - 1]
            results[i] = "tie" if t == o else ("2" if (t, o) in wins else "1")
            out.append(results[i])
        else:
            ones = sum(1 for j, r in results.items() if j < i and r == "1")
            twos = sum(1 for j, r in results.items() if j < i and r == "2")
            out.append("1 leads" if ones > twos else ("2 leads" if twos > ones else "level"))
    return out


def medals(p):
    out = []
    for t in p:
        dense = len({u for u in p if u > t})
        if dense <= 2:
            out.append(["gold", "silver", "bronze"][dense])
        else:
            out.append("last" if not any(u < t for u in p) else 1 + sum(1 for u in p if u > t))
    return out


def golf_name(t, d):
    if t == 1:
        return "ace"
    if d <= -3:
        return "albatross"
    return {-2: "eagle", -1: "birdie", 0: "par", 1: "bogey", 2: "double"}.get(d, "triple+")


def golf(p):
    n = len(p)
    total = sum(t - PARS[i] for i, t in enumerate(p))
    return [("E" if total == 0 else float(total)) if i == n - 1 else golf_name(t, t - PARS[i])
            for i, t in enumerate(p)]


def knight(p):
    sq = [("abc".index(t[0]), int(t[1]) - 1) for t in p]
    out = ["start"]
    for i in range(1, len(p)):
        df, dr = abs(sq[i][0] - sq[i - 1][0]), abs(sq[i][1] - sq[i - 1][1])
        if {df, dr} != {1, 2}:
            out.append("illegal")
        else:
            out.append("again" if p[i] in p[:i] else "ok")
    return out[:len(p)]


def shootout(p):
    out, done = [], False
    for i in range(len(p)):
        ga = sum(1 for j in range(0, i + 1, 2) if p[j] == "G")
        gb = sum(1 for j in range(1, i + 1, 2) if p[j] == "G")
        left_a, left_b = 5 - (i // 2 + 1), 5 - (i + 1) // 2
        if done:
            out.append("void")
        elif ga - gb > left_b:
            out.append("A wins")
        elif gb - ga > left_a:
            out.append("B wins")
        else:
            out.append(f"{ga}-{gb}")
        done = done or out[-1] in ("A wins", "B wins")
    return out


def at_bat(p):
    out, done = [], False
    for i, t in enumerate(p):
        balls = p[:i + 1].count("B")
        strikes = sum(1 for u in p[:i + 1] if u != "B")
        if done:
            out.append("next batter")
        elif t == "S" and strikes - 1 >= 2:
            out.append("strikeout")
        elif t == "B" and balls == 4:
            out.append("walk")
        else:
            out.append(f"{balls}-{min(strikes, 2)}")
        done = done or out[-1] in ("strikeout", "walk")
    return out


def laps(p):
    out, thirds = [], 0
    for i, t in enumerate(p):
        lap = p[:i + 1].count(t)
        if lap > 3:
            out.append("cooling down")
        elif lap == 3:
            out.append(["winner", "2nd", "3rd", "4th"][thirds])
            thirds += 1
        else:
            out.append(lap)
    return out


def shot_clock(p):
    out, ticks = [], 0
    for t in p:
        if t != "t":
            ticks = 0
            out.append("reset")
        else:
            ticks += 1
            out.append("violation" if ticks >= 5 else 4 - ticks)
    return out


def scoreboard(p):
    signed = {"H1": 1, "H2": 2, "H3": 3, "A1": -1, "A2": -2, "A3": -3}
    out, margin, changes = [], 0, 0
    for t in p:
        before, margin = margin, margin + signed[t]
        if before * margin < 0:
            changes += 1
            out.append(f"lead change {changes}")
        else:
            out.append("tie" if margin == 0 else float(margin))
    return out


LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]


def tic_tac_toe(p):
    if len(p) < 9:
        return ["incomplete"] * len(p)
    won = [ln for ln in LINES if p[ln[0]] == p[ln[1]] == p[ln[2]] != "."]
    cells = {c for ln in won for c in ln}
    marks = {p[ln[0]] for ln in won}
    verdict = "both" if len(marks) == 2 else ("X wins" if "X" in marks else ("O wins" if "O" in marks else "no line"))
    return ["*" if i in cells else verdict for i in range(9)]


def blackjack(p):
    worth = {"A": 1, "T": 10}
    out, done = [], False
    for i in range(len(p)):
        hard = sum(worth.get(t, t) for t in p[:i + 1])
        value = hard + 10 if "A" in p[:i + 1] and hard <= 11 else hard
        if done:
            out.append("-")
        elif value == 21 and i == 1:
            out.append("blackjack")
        elif value > 21:
            out.append("bust")
        else:
            out.append(float(value))
        done = done or out[-1] in ("blackjack", "bust")
    return out


def set_won(a, b):
    return "set A" if a >= 7 and a - b >= 2 else ("set B" if b >= 7 and b - a >= 2 else None)


def tiebreak(p):
    i = len(p) - 1
    if any(set_won(p[:j + 1].count("A"), j + 1 - p[:j + 1].count("A")) for j in range(i)):
        return "-"
    a = p.count("A")
    b = i + 1 - a
    if set_won(a, b):
        return set_won(a, b)
    server = "A" if ((i + 1) // 2) % 2 == 0 else "B"
    call = "hold" if p[-1] == server else "mini-break"
    return call + " (set point)" if (a >= 6 and a > b) or (b >= 6 and b > a) else call


def hundred_sets(p):
    i, t = len(p) - 1, p[-1]
    if t == "W":
        return f"wicket {p.count('W')}"
    total = sum(0 if u == "W" else u for u in p[5 * (i // 5):])
    if i in (4, 9) and total == 0:
        return "maiden"
    if i == 9:
        first = sum(0 if u == "W" else u for u in p[:5])
        return "better" if total > first else ("worse" if total < first else "same")
    return float(total)


def streak_at(p, j):
    k = j
    while k > 0 and p[k - 1] == p[j]:
        k -= 1
    return j - k + 1


def streaks(p):
    i = len(p) - 1
    ws = [streak_at(p, j) if p[j] == "W" else 0 for j in range(i + 1)]
    if ws[i] >= 2 and all(w < ws[i] for w in ws[:i]):
        return "record"
    return p[i] + str(streak_at(p, i))


def match_play(p):
    i = len(p) - 1
    margins = [p[:j + 1].count("W") - p[:j + 1].count("L") for j in range(i + 1)]
    if any(abs(margins[j]) > 8 - j for j in range(i)):
        return "-"
    m, r = margins[i], 8 - i
    if m > r:
        return "won"
    if -m > r:
        return "lost"
    if r > 0 and abs(m) == r:
        return "dormie"
    if r == 0 and m == 0:
        return "halved"
    return "AS" if m == 0 else (f"{m} up" if m > 0 else f"{-m} down")


def places(p):
    return "dup" if p[-1] in p[:-1] else PLACES[len(set(p[:-1]))]


def buzzer(p):
    t = p[-1]
    if t in "abc":
        return "buzz"
    who = p[-2] if len(p) >= 2 else t
    if who not in "abc":
        return "foul"
    score = sum((1 if p[j] == "+" else -1) for j in range(1, len(p)) if p[j] in "+x" and p[j - 1] == who)
    return f"{who}:{score}"


def fastest(p):
    t, earlier = p[-1], p[:-1]
    if all(e > t for e in earlier):
        return "fastest"
    gap = t - min(earlier)
    return "=" if gap == 0 else gap


def effective_fg(p):
    value = {2: 1, 3: 1.5, "m": 0}
    return sum(value[t] for t in p) / len(p)


SPECS = {"q01": whole(tennis), "q02": whole(candlepin), "q03": whole(darts), "q04": whole(cricket_over),
         "q05": whole(poker), "q06": whole(rps), "q07": whole(medals), "q08": whole(golf), "q09": whole(knight),
         "q10": whole(shootout), "q11": whole(at_bat), "q12": whole(laps), "q13": whole(shot_clock),
         "q14": whole(scoreboard), "q15": whole(tic_tac_toe), "q16": whole(blackjack), "q17": per_prefix(tiebreak),
         "q18": per_prefix(hundred_sets), "q19": per_prefix(streaks), "q20": per_prefix(match_play),
         "q21": per_prefix(places), "q22": per_prefix(buzzer), "q23": per_prefix(fastest),
         "q24": per_prefix(effective_fg)}


# ---------------------------------------------------------------------------------------------- targeted
def long_games(r):
    """Points mostly alternating (deuces, advantages), a run of points now and then."""
    p = []
    while len(p) < 8:
        p += [r.choice("AB")] * r.choice([1, 1, 1, 2, 3])
    return p[:r.choice([8, 8, r.randint(1, 8)])]


def frames(r):
    """Spares on second rolls, fouls now and then."""
    p = []
    for _ in range(4):
        p.append("/" if r.random() < 0.1 else r.randrange(3))
        p.append("/" if r.random() < 0.5 else r.randrange(3))
    return p[:r.randint(1, 8)]


def legs(r):
    """Doubles often, legs that come near 12."""
    return r.choices([1, 2, 3, 5, "D1", "D2", "D3"], [1, 2, 2, 1, 3, 3, 3], k=r.randint(1, 6))


def overs(r):
    """Dot balls (maidens), singles, wickets."""
    return r.choices([0, 1, 2, 3, 4, 6, "W"], [8, 3, 1, 1, 1, 1, 2], k=r.choice([6, 6, r.randint(1, 6)]))


def hands(r):
    """Groups of equal ranks, straights."""
    kind = r.random()
    if kind < 0.3:
        p = r.sample(range(1, 7), 5)
    elif kind < 0.5:
        lo = r.choice([1, 2])
        p = list(range(lo, lo + 5))
    else:
        p = []
        while len(p) < 5:
            p += [r.randint(1, 6)] * r.randint(1, 3)
    r.shuffle(p)
    return p[:r.choice([5, 5, r.randint(1, 5)])]


def throws(r):
    return r.choices("RPS", k=r.randint(1, 10))


def boards(r):
    """Few distinct scores, many ties."""
    scores = r.sample(range(10), r.randint(1, 5))
    return r.choices(scores, k=r.randint(1, 8))


def cards(r):
    """Strokes near par, an ace or an albatross now and then."""
    return [max(1, min(7, PARS[i] + r.choice([-3, -2, -1, 0, 0, 0, 1, 1, 2, 3]))) for i in range(r.randint(1, 9))]


def walks(r):
    """Knight's moves mostly (returns to squares), a slip now and then."""
    moves = {"a1": ["b3", "c2"], "a2": ["c1", "c3"], "a3": ["b1", "c2"], "b1": ["a3", "c3"], "b2": ["a1"],
             "b3": ["a1", "c1"], "c1": ["a2", "b3"], "c2": ["a1", "a3"], "c3": ["a2", "b1"]}
    p = [r.choice(list(moves))]
    while len(p) < 7:
        p.append(r.choice(moves[p[-1]]) if r.random() < 0.85 else r.choice(list(moves)))
    return p[:r.randint(1, 7)]


def kicks(r):
    """Goals three times in four, a strong or weak team now and then."""
    a, b = r.choice([0.5, 0.75, 0.9]), r.choice([0.5, 0.75, 0.9])
    return ["G" if r.random() < (a if i % 2 == 0 else b) else "M" for i in range(r.choice([10, r.randint(1, 10)]))]


def pitches(r):
    return r.choices("BSF", [r.random() + 0.2 for _ in range(3)], k=r.randint(1, 10))


def races(r):
    """Two or three runners, many laps."""
    runners = r.sample("abcd", r.randint(1, 4))
    return r.choices(runners, k=r.randint(1, 9))


def possessions(r):
    """Long stretches of ticks."""
    return r.choices("tsp", [8, 1, 1], k=r.randint(1, 9))


def baskets(r):
    """Close games: baskets alternating between the teams."""
    p = []
    for i in range(r.randint(1, 8)):
        team = "HA"[i % 2] if r.random() < 0.7 else r.choice("HA")
        p.append(team + str(r.randint(1, 3)))
    return p


def ttt_boards(r):
    """Full boards with a line or two, a short one now and then."""
    p = r.choices("XO.", k=9)
    for _ in range(r.randint(0, 2)):
        mark = r.choice("XO.")
        for c in r.choice(LINES):
            p[c] = mark
    return p if r.random() < 0.9 else p[:r.randint(1, 8)]


def deals(r):
    """Aces and tens often."""
    return r.choices(["A", 2, 3, 4, 5, 6, 7, 8, 9, "T"], [4, 1, 1, 1, 1, 1, 1, 1, 1, 4], k=r.randint(1, 6))


def tiebreaks(r):
    """Close tiebreaks: points alternating with streaks now and then."""
    return long_games(r) + [r.choice("AB") for _ in range(2)] if r.random() < 0.5 else r.choices("AB", k=10)


def two_sets(r):
    return r.choices([0, 1, 2, 4, 6, "W"], [10, 3, 2, 1, 1, 1], k=r.choice([10, 10, r.randint(1, 10)]))


def seasons(r):
    """Win streaks of growing length."""
    p = []
    while len(p) < 10:
        p += ["W"] * r.randint(1, 4) + [r.choice("LD")] * r.randint(1, 2)
    return p[:r.randint(1, 10)]


def matches(r):
    """One-sided and close matches."""
    w = r.random()
    return r.choices("WHL", [w, 0.5, 1 - w], k=r.choice([9, r.randint(1, 9)]))


def finishes(r):
    return r.choices("abcde", k=r.randint(1, 6))


def quizzes(r):
    """Buzz, verdict pairs mostly, a stray verdict now and then."""
    p = []
    while len(p) < 8:
        p += [r.choice("abc"), r.choice("+x")] if r.random() < 0.85 else [r.choice("+xabc")]
    return p[:r.randint(1, 8)]


def stints(r):
    """Lap times drifting down, equal laps."""
    t, p = r.randint(3, 6), []
    for _ in range(r.randint(1, 8)):
        t = max(1, min(6, t + r.choice([-1, 0, 0, 1])))
        p.append(t)
    return p


def shots(r):
    return r.choices([2, 3, "m"], k=r.randint(1, 10))


TARGETED = {"q01": long_games, "q02": frames, "q03": legs, "q04": overs, "q05": hands, "q06": throws, "q07": boards,
            "q08": cards, "q09": walks, "q10": kicks, "q11": pitches, "q12": races, "q13": possessions,
            "q14": baskets, "q15": ttt_boards, "q16": deals, "q17": tiebreaks, "q18": two_sets, "q19": seasons,
            "q20": matches, "q21": finishes, "q22": quizzes, "q23": stints, "q24": shots}


if __name__ == "__main__":
    main(HERE, "q*.rasp", TARGETED, specs=SPECS)
