"""Checks the nineteenth hand-written set: every compiled net against its program's reference outputs.

    python bench/handwritten_nineteenth/check_set.py [--nets DIR] [g01 g05 ...]

The checks themselves are `bench/handwritten_check.py`'s (what each set's script shares); this
file holds the set's targeted inputs.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).parent
sys.path.insert(0, str(HERE.parent))  # bench/, for the shared checks

from handwritten_check import main  # noqa: E402

VOWEL = "apple egg idea orange umbrella hour honest heir MBA FBI X-ray owl elephant onion ice uncle old ugly".split()
CONSONANT = ("book cat dog house horse hotel unicorn university user euro European one year yellow UFO union "
             "ukulele useful big window").split()
MARKERS = ["<<<<<<<", "=======", ">>>>>>>"]


def cache_trace(r):
    """Accesses with locality: a small working set, often the same address again."""
    working = r.sample([0, 64, 128, 256, 320, 512], r.randint(1, 3))
    out = [r.choice(working)]
    for _ in range(r.randint(0, 9)):
        out.append(out[-1] if r.random() < 0.4 else r.choice(working))
    return out


def json_text(r):
    """Well-formed JSON-ish text: code, then strings with escaped quotes and backslashes; some characters mutated."""
    out = []
    while len(out) < 10:
        if r.random() < 0.3:
            out += [r.choice(["a", ","])]
        else:
            body = []
            for _ in range(r.randint(0, 3)):
                body += r.choice([["a"], [","], ["\\", "\""], ["\\", "\\"], ["\\", "a"]])
            out += ["\""] + body + ["\""]
    out = out[:r.randint(1, 10)]
    if r.random() < 0.3:
        out[r.randrange(len(out))] = r.choice(["\"", "\\", "a", ","])
    return out


def formula(r):
    """A plausible molecule: n carbons, about 2n + 2 hydrogens less some unsaturation, a heteroatom or two."""
    c = r.randint(0, 8)
    rest = [r.choice(["N", "O", "Cl", "Br"]) for _ in range(r.randint(0, 2))]
    h = max(0, 2 * c + 2 - 2 * r.randint(0, c) + r.choice([0, 0, 1, -1]))
    atoms = (["C"] * c + ["H"] * h + rest)[:10]
    r.shuffle(atoms)
    return atoms or ["C"]


def conflict_file(r):
    """Code with well-formed conflicts, sometimes one marker changed or the file cut short."""
    out = []
    while len(out) < 10:
        if r.random() < 0.4:
            out.append("code")
        else:
            out += ["<<<<<<<"] + ["code"] * r.randint(0, 2) + ["======="] + ["code"] * r.randint(0, 2) + [">>>>>>>"]
    out = out[:r.choice([10, 10, r.randint(1, 10)])]
    if r.random() < 0.3:
        out[r.randrange(len(out))] = r.choice(MARKERS + ["code"])
    return out


def command_line(r):
    """A command line from options with their values, flags, positionals, maybe "--"; some arguments dropped."""
    out = []
    while len(out) < 8:
        out += r.choice([["-v"], ["-x"], ["-o", r.choice(["out.txt", "data.csv"])],
                         ["-n", r.choice([3, 10, 3, "out.txt"])], ["data.csv"], ["--"], ["-o"], ["-n"]])
    out = out[:r.randint(1, 8)]
    if r.random() < 0.3:
        del out[r.randrange(len(out))]
    return out or ["-v"]


def sentence(r):
    """Articles followed by words, mostly; sometimes an article at the end or two in a row."""
    out = []
    while len(out) < 8:
        out += r.choice([[r.choice(["a", "an"]), r.choice(VOWEL + CONSONANT)], [r.choice(VOWEL + CONSONANT)],
                         [r.choice(["a", "an"])]])
    return out[:r.randint(1, 8)]


def path(r):
    """Path segments where ".." mostly follows names (rarely climbing above the root)."""
    out, depth = [], 0
    for _ in range(r.randint(1, 10)):
        pick = r.random()
        if pick < 0.3 and (depth > 0 or r.random() < 0.1):
            out.append("..")
            depth -= 1
        elif pick < 0.4:
            out.append(".")
        else:
            out.append(r.choice(["usr", "lib", "home", "docs"]))
            depth += 1
    return out


def indentation(r):
    """Indentation that mostly steps by four from 0, with an odd indent or a jump now and then."""
    out = [r.choice([0, 0, 0, 4])]
    for _ in range(r.randint(0, 7)):
        step = r.choice([4, 4, 0, -4, -8, -12, 8])
        level = out[-1] + step if r.random() < 0.9 else r.choice([2, 16])
        out.append(min(16, max(0, level)) if level != 2 else 2)
    return [x if x in (0, 2, 4, 8, 12, 16) else 16 for x in out]


def connect_four(r):
    """A game played mostly in two or three columns (vertical fours and full columns)."""
    cols = r.sample(range(1, 8), r.randint(1, 3))
    return [r.choice(cols) for _ in range(r.randint(1, 12))]


TARGETED = {"g03": cache_trace, "g06": json_text, "g08": formula, "g11": conflict_file, "g13": command_line,
            "g14": sentence, "g18": path, "g19": indentation, "g23": connect_four}



if __name__ == "__main__":
    main(HERE, "g*.rasp", TARGETED)
