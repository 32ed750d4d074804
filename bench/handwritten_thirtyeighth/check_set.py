"""Checks the thirty-eighth hand-written set (x01-x24; x25, x26 are refusals):
every compiled net against its program's reference outputs
and against a plain-Python statement of each task (written from the files' comments).

    python bench/handwritten_thirtyeighth/check_set.py [--nets DIR] [x01 x05 ...]
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402


def per_prefix(f):
    """A causal spec from a function of the whole prefix."""
    return lambda xs: [f(xs[:i + 1]) for i in range(len(xs))]


def after_last(p, kind):
    """The events after the last `kind` (the whole prefix if none)."""
    return p[len(p) - p[::-1].index(kind):] if kind in p else p


def staircase(p):
    presses = after_last(p, "cut").count("press")
    if (presses + 1) // 2 >= 4:
        return "blown"
    return "on" if presses % 2 else "off"


def washing(p):
    if "start" not in p:
        return "idle"
    ticks = 0
    for t in after_last(p, "start"):
        if t == "tick":
            ticks += 1
        elif t == "door" and ticks < 4:
            return "halted"
    return ["fill", "wash", "rinse", "spin", "done"][min(ticks, 4)]


def garage(p):
    cycle = ["closed", "opening", "stopped", "closing"]
    state = 0
    for t in p:
        if t == "button":
            state = (state + 1) % 4
        elif t == "beam":
            state = 1
    return cycle[state]


def doorbell(p):
    level, rings = 0, 0
    for i in range(1, len(p)):
        if p[i] == p[i - 1]:
            if p[i] == 1 and level == 0:
                rings += 1
            level = p[i]
    return float(rings)


def sauna(p):
    on, minutes = False, 0
    for t in p:
        if t <= 70:
            on = True
        elif t >= 90:
            on = False
        minutes += on
    return float(minutes)


def drawbridge(p):
    if "boat" in p:
        since = min(after_last(p, "boat").count("tick"), 5)
    else:
        since = 5
    phase = {0: "warning", 1: "raising", 2: "open", 3: "open", 4: "lowering", 5: "down"}[since]
    if p[-1] == "car":
        return "cross" if phase == "down" else "queue"
    return phase


def metronome(p):
    best = run = 0
    for t in p:
        run = run + 1 if t == "hit" else 0
        best = max(best, run)
    return float(best)


def switchboard(p):
    stack, out = [], 0.0
    for i, t in enumerate(p):
        if t == "call":
            stack.append(i)
            out = 0.0
        elif stack:
            out = float(i - stack.pop())
        else:
            out = -1.0
    return out


SPECS = {"x01": per_prefix(staircase), "x02": per_prefix(washing), "x03": per_prefix(garage),
         "x04": per_prefix(doorbell), "x05": per_prefix(sauna), "x06": per_prefix(drawbridge),
         "x07": per_prefix(metronome), "x08": per_prefix(switchboard)}


# ---------------------------------------------------------------------------------------------- x09-x24 specs
def whole(f):
    """A non-causal spec from a function of the whole log giving every position's output."""
    return lambda xs: f(list(xs))


def kettle(p):
    dry = any(t == "boil" and (i == 0 or p[i - 1] == "pour") for i, t in enumerate(p))
    brews = sum(p[i - 2:i + 1] == ["fill", "boil", "pour"] for i in range(2, len(p)))
    return [-1.0 if dry else float(brews)] * len(p)


def drive_through(p):
    orders = [i for i, t in enumerate(p) if t == "order"]
    hands = [i for i, t in enumerate(p) if t == "hand"]
    out = [0.0] * len(p)
    for n, i in enumerate(orders):
        out[i] = float(hands[n] - i) if n < len(hands) and hands[n] > i else -1.0
    return out


def outages(p):
    out = []
    for i, b in enumerate(p):
        if b == 1:
            out.append(0.0)
            continue
        lo = hi = i
        while lo > 0 and p[lo - 1] == 0:
            lo -= 1
        while hi < len(p) - 1 and p[hi + 1] == 0:
            hi += 1
        out.append(float(hi - lo + 1))
    return out


def ceiling_fan(p):
    speed, light = 0, 0
    for t in p:
        if t == "pull":
            speed = (speed + 1) % 4
        elif t == "chain":
            light = 1 - light
        else:
            speed, light = 0, 0
    name = ["off", "low", "medium", "high"][speed] + ("+light" if light else "")
    return ["light only" if name == "off+light" else name] * len(p)


def medication(p):
    hours, last, first = 0, None, -1.0
    for i, t in enumerate(p):
        if t == "hour":
            hours += 1
        else:
            if last is not None and hours - last < 2 and first < 0:
                first = float(i)
            last = hours
    return [first] * len(p)


def photocopier(p):
    out = []
    for i, t in enumerate(p):
        if t == "sheet":
            if i + 1 < len(p) and p[i + 1] == "misfeed":
                out.append("spoilt")
            elif i > 0 and p[i - 1] == "reset":
                out.append("reprint")
            else:
                out.append("ok")
        elif t == "misfeed":
            out.append("cleared" if "reset" in p[i + 1:] else "stuck")
        else:
            out.append("-")
    return out


def sluice(p):
    is_open, ok = False, True
    for t in p:
        if t == "open":
            ok &= not is_open
            is_open = True
        elif t == "shut":
            ok &= is_open
            is_open = False
        else:
            ok &= is_open
    verdict = "invalid" if not ok else ("left open" if is_open else ("valid" if "flow" in p else "idle"))
    return [verdict] * len(p)


def smoke(p):
    chirps = [i for i, t in enumerate(p) if t == "chirp"]
    return [float(min(abs(i - c) for c in chirps)) if chirps else -1.0 for i in range(len(p))]


def sprinkler(p):
    counts = {z: p.count(z) for z in ("north", "south", "east")}
    best = max(counts.values())
    winner = "none" if best == 0 else next(z for z in ("north", "south", "east") if counts[z] == best)
    most = "soaked" if best >= 5 else "most"
    return [winner if t == "off" else (most if t == winner else "less") for t in p]


def baby(p):
    out = []
    for i, t in enumerate(p):
        before, after = "cry" in p[:i], "cry" in p[i + 1:]
        if t == "cry":
            out.append({(0, 0): "only", (0, 1): "first", (1, 0): "last", (1, 1): "again"}[before, after])
        else:
            out.append("settling" if before and after else ("before" if after else "asleep"))
    return out


def fire_drill(p):
    stage, failed = 0, False
    for t in p:
        if t == "chat" and stage == 1:
            failed = True
        if t == "alarm":
            stage = max(stage, 1)
        elif t == "exit" and stage >= 1:
            stage = max(stage, 2)
        elif t == "rollcall" and stage >= 2:
            stage = 3
    return -1.0 if failed else float(stage)


def carousel(p):
    mine = p.count("mine")
    others = after_last(p, "mine").count("other")
    if mine >= 3:
        return "check tags"
    if mine == 2:
        return "got both"
    if "stop" in p:
        return "lost bag"
    return "worried" if others >= 3 else ("one bag" if mine == 1 else "waiting")


def cable_car(p):
    line, error, idle = 0, False, 0
    for t in p:
        if t == "depart":
            line, idle = line + 1, 0
        elif t == "arrive":
            line, idle = line - 1, 0
        else:
            idle += 1
        error |= line < 0
    if error:
        return "error"
    if line > 0 and idle >= 3:
        return "stalled"
    return {0: "empty", 1: "one", 2: "two"}.get(line, "busy")


def toaster(p):
    if "down" not in p:
        return 0.0
    ticks = 0
    for t in after_last(p, "down"):
        if t == "up":
            break
        ticks += t == "tick"
    return float(min(ticks, 4))


def escalator(p):
    starts = [i for i, t in enumerate(p) if t == "step" and (i == 0 or p[i - 1] == "gap")]
    return [float(sum(s > i for s in starts)) if t == "step" else float(len(starts)) for i, t in enumerate(p)]


def compost(p):
    days = 0
    for t in p:
        days = 0 if t == "turn" else days + 1
        if days > 3:
            return -1.0
    return float(days)


SPECS.update({"x09": whole(kettle), "x10": whole(drive_through), "x11": whole(outages),
              "x12": whole(ceiling_fan), "x13": whole(medication), "x14": whole(photocopier),
              "x15": whole(sluice), "x16": whole(smoke), "x17": whole(sprinkler), "x18": whole(baby),
              "x19": per_prefix(fire_drill), "x20": per_prefix(carousel), "x21": per_prefix(cable_car),
              "x22": per_prefix(toaster), "x23": whole(escalator), "x24": per_prefix(compost)})


# ---------------------------------------------------------------------------------------------- targeted inputs
def presses(r):
    """Many presses (bulbs blowing) with a cut now and then."""
    return r.choices(["press", "cut", "wait"], [6, r.random(), 1], k=r.randint(1, 10))


def laundry(r):
    """Starts followed by runs of ticks, doors early and late."""
    return r.choices(["start", "tick", "door"], [1, 4, r.random() * 2], k=r.randint(1, 10))


def opener(r):
    return r.choices(["button", "beam", "wait"], [5, r.random() * 2, 1], k=r.randint(1, 10))


def bounce(r):
    """Long steady stretches with single bounces."""
    out, v = [], r.randint(0, 1)
    while len(out) < 12:
        out += [v] * r.choice([1, 1, 2, 3])
        v = 1 - v
    return out[:r.randint(1, 12)]


def sauna_temps(r):
    return r.choices([60, 70, 80, 90, 100], [1, 1, 4, 1, 1], k=r.randint(1, 10))


def bridge(r):
    return r.choices(["boat", "tick", "car"], [r.random(), 4, 2], k=r.randint(1, 10))


def practice(r):
    return r.choices(["hit", "miss"], [4, 1], k=r.randint(1, 10))


def calls(r):
    """Calls and replies near balance, replies with nothing waiting."""
    b = r.random()
    return r.choices(["call", "reply"], [b, 1 - b], k=r.randint(1, 10))


TARGETED = {"x01": presses, "x02": laundry, "x03": opener, "x04": bounce, "x05": sauna_temps, "x06": bridge,
            "x07": practice, "x08": calls}


# ---------------------------------------------------------------------------------------------- x09-x24 targeted
def kettle_uses(r):
    """Runs of fill, boil, pour (brews) with a slip now and then."""
    out = []
    while len(out) < 10:
        out += ["fill", "boil", "pour"] if r.random() < 0.7 else [r.choice(["fill", "boil", "pour"])]
    return out[:r.randint(1, 10)]


def drive_orders(r):
    b = r.random()
    return r.choices(["order", "hand", "wait"], [1, b + 0.3, 0.5], k=r.randint(1, 10))


def mains(r):
    return r.choices([0, 1], [r.random() + 0.2, 1], k=r.randint(1, 12))


def fan_cords(r):
    return r.choices(["pull", "chain", "wall"], [4, 2, r.random()], k=r.randint(1, 10))


def pills(r):
    return r.choices(["pill", "hour"], [1, 1 + r.random() * 2], k=r.randint(1, 10))


def copier(r):
    return r.choices(["sheet", "misfeed", "reset"], [4, 1, r.random() * 2], k=r.randint(1, 10))


def sluice_log(r):
    """Mostly proper logs (open, flows, shut), a slip now and then."""
    out, is_open = [], False
    while len(out) < 10:
        if r.random() < 0.1:
            out.append(r.choice(["open", "shut", "flow"]))
        elif is_open:
            out.append(r.choice(["flow", "flow", "shut"]))
            is_open = out[-1] == "flow"
        else:
            out.append("open")
            is_open = True
    return out[:r.randint(1, 10)]


def chirps(r):
    return r.choices(["chirp", "quiet"], [1, 3 + r.random() * 6], k=r.randint(1, 10))


def zones(r):
    """Near ties between the zones."""
    out = r.sample(["north", "south", "east"] * 3, 9) + ["off"]
    r.shuffle(out)
    return out[:r.randint(1, 10)]


def night(r):
    return r.choices(["cry", "calm"], [1, 2 + r.random() * 4], k=r.randint(1, 10))


def drill(r):
    """Alarm, exit, roll call in order, with chats and repeats scattered in."""
    out = ["alarm", "exit", "rollcall"]
    for _ in range(r.randint(0, 7)):
        out.insert(r.randint(0, len(out)), r.choice(["chat", "chat", "alarm", "exit", "rollcall"]))
    return out[:r.randint(1, 10)]


def reclaim(r):
    return r.choices(["mine", "other", "stop"], [1, 3, r.random() * 0.5], k=r.randint(1, 10))


def cabins(r):
    return r.choices(["depart", "arrive", "wait"], [2, 1.5, 1 + r.random() * 2], k=r.randint(1, 10))


def toasting(r):
    return r.choices(["down", "tick", "up"], [1, 4, r.random()], k=r.randint(1, 10))


def riders(r):
    return r.choices(["step", "gap"], [1 + r.random(), 1], k=r.randint(1, 12))


def heap(r):
    return r.choices(["turn", "day"], [1, 2 + r.random() * 2], k=r.randint(1, 10))


TARGETED.update({"x09": kettle_uses, "x10": drive_orders, "x11": mains, "x12": fan_cords, "x13": pills,
                 "x14": copier, "x15": sluice_log, "x16": chirps, "x17": zones, "x18": night, "x19": drill,
                 "x20": reclaim, "x21": cabins, "x22": toasting, "x23": riders, "x24": heap})


if __name__ == "__main__":
    main(HERE, "x*.rasp", TARGETED, specs=SPECS)
