"""A sixth set of programs written in tracr's Python RASP API (`bench/bench_tracr.py`), by another
hand and held out until measured: lib helpers with fresh arguments and post-processing
(`detect_pattern` over a `make_reverse`, `make_sort` by chess material, `make_frac_prevs` of
accidentals, `make_shuffle_dyck` with four bracket kinds, `make_count` of a derived bool against
`make_length`, `make_sort` compared with the tokens it sorts, the mode read off `make_sort_freq`,
intervals to a reversed pitch, local peaks over `shift_by` 1 and -1, `make_count_less_freq(3)`);
hand-built programs (an induction copy, the token after the first occurrence of mine, a running
maximum, the first rook, the first stack underflow, the last argmax, a descending sort by a key
packing token and index, counts compared over the whole input and over a prefix, repeated
bigrams); numerical means of 0/1 values (over same-kind and costlier pieces, a local minus a global
share, float thresholds at 1/2 and 0.3 placed where tracr's discretising MLP reads them right);
and outputs reached only on rare inputs (the exact C major scale, a strictly rising input of full
length, eight equal words, a full set of pieces, a palindrome of full length). Vocabularies of
musical notes, chess pieces, words (40 animals in three cases), letters, negative integers and
digits 0-30, of 2 to 40 symbols; max_seq_len 4-12; five causal; compiler_bos / compiler_pad of
other names in four.

tracr compiles `selector_and` only of two Selects over the same keys and queries (otherwise it
fails with "'SelectorAnd' object has no attribute 'queries'"), so "earlier and same token" and
"so far and a push" are single Selects over keys packing (value, index), as a researcher writes
them once tracr refuses the first try. tracr refuses none of these programs, and each net was
checked against `rasp.evaluate` of its program on 2,000 structured and random inputs and the rare
ones: none differs, so here the program and the NET agree.

Each case: name, a builder returning the output SOp, vocab, max_seq_len, causal, options (compile
arguments: compiler_bos, compiler_pad) and what it computes.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

NOTES = ["C", "D", "E", "F", "G", "A", "B", "rest"]
CHROMATIC = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
PIECES = ["K", "Q", "R", "B", "N", "P", "k", "q", "r", "b", "n", "p"]
WHITE = ["K", "Q", "R", "B", "N", "P"]
MATERIAL = {"K": 0, "Q": 9, "R": 5, "B": 3, "N": 3, "P": 1}
VOTES = ["yes", "no", "abstain"]
STACK = ["push", "pop", "peek"]
SIGNED = [-3, -2, -1, 0, 1, 2, 3]
DESCENDING = [-9, -7, -5, -4, -2, -1]
DIGITS = list(range(31))
BRACKETS = list("()[]{}<>")
ANIMALS = ["ant", "bat", "bee", "cat", "cow", "crab", "crow", "deer", "dog", "dove", "duck", "eel", "elk",
           "emu", "fox", "frog", "gnu", "goat", "hare", "hen", "ibis", "jay", "koi", "lark", "lion", "lynx",
           "mole", "moth", "mule", "newt", "owl", "ox", "pig", "puma", "ram", "rat", "seal", "swan", "toad",
           "wolf"]


# ----------------------------------------------------------------------------- lib helpers

def l_reversed_arpeggio():
    backwards = lib.make_reverse(rasp.tokens).named("backwards")
    return lib.detect_pattern(backwards, ["G", "E", "C"]).named("arpeggio_backwards")


def l_piece_value_sort():
    material = rasp.Map(lambda p: MATERIAL[p.upper()], rasp.tokens).named("material")
    order = lib.make_sort(rasp.tokens, material, max_seq_len=6, min_key=1).named("by_material")
    return rasp.Map(lambda p: p.upper(), order).named("piece_by_material")


def l_accidental_share_causal():
    accidental = rasp.Map(lambda n: 1 if n == "rest" or n.endswith("#") else 0, rasp.tokens).named("accidental")
    return lib.make_frac_prevs(accidental).named("accidental_share")


def l_dyck_four_kinds():
    return lib.make_shuffle_dyck(["()", "[]", "{}", "<>"]).named("dyck4")


def l_black_majority():
    black = rasp.Map(lambda p: p.islower(), rasp.tokens).named("is_black")
    n_black = lib.make_count(black, True).named("n_black")
    return rasp.SequenceMap(lambda c, n: "black" if 2 * c > n else ("white" if 2 * c < n else "level"),
                            n_black, lib.make_length()).named("majority_colour")


def l_sort_fixed_points():
    ordered = lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=6, min_key=1).named("ordered")
    return rasp.SequenceMap(lambda s, t: "stay" if s == t else ("up" if s > t else "down"),
                            ordered, rasp.tokens).named("sort_motion")


def l_mode_broadcast():
    by_freq = lib.make_sort_freq(max_seq_len=7).named("by_freq")
    head = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0).named("head")
    return rasp.Aggregate(head, by_freq).named("mode")


def l_interval_to_mirror():
    pitch = rasp.Map(lambda n: CHROMATIC.index(n), rasp.tokens).named("pitch")
    mirror = lib.make_reverse(pitch).named("mirror_pitch")
    return rasp.SequenceMap(lambda a, b: (b - a) % 12, pitch, mirror).named("interval_up")


def l_local_peak():
    before = lib.shift_by(1, rasp.tokens).named("before")
    after = lib.shift_by(-1, rasp.tokens).named("after")
    return lib.make_nary_sequencemap(
        lambda b, t, a: "peak" if t > b and t > a else ("valley" if t < b and t < a else "slope"),
        before, rasp.tokens, after).named("contour")


def l_rare_animals():
    return lib.make_count_less_freq(3).named("n_at_most_three")


# ----------------------------------------------------------------------------- hand-built

def h_induction_copy_causal():
    prev = rasp.Select(rasp.indices, rasp.indices, lambda k, q: q == k + 1).named("prev")
    prev_token = rasp.Aggregate(prev, rasp.tokens).named("prev_token")
    token_at = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("token_at")
    earlier_same = rasp.Select(token_at, token_at, lambda k, q: k[0] == q[0] and k[1] < q[1]).named("earlier_same")
    occurrence = rasp.SelectorWidth(earlier_same).named("occurrence")
    prev_occurrence = rasp.Aggregate(prev, occurrence).named("prev_occurrence")
    anchor = rasp.SequenceMap(lambda t, o: f"{t}{o}", prev_token, prev_occurrence).named("anchor")
    wanted = rasp.SequenceMap(lambda t, o: f"{t}{o - 1}", rasp.tokens, occurrence).named("wanted")
    return rasp.Aggregate(rasp.Select(anchor, wanted, lambda k, q: k == q), rasp.tokens).named("induction")


def h_after_first_occurrence():
    token_at = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("token_at")
    earlier_same = rasp.Select(token_at, token_at, lambda k, q: k[0] == q[0] and k[1] < q[1]).named("earlier_same")
    first = rasp.Map(lambda c: c == 0, rasp.SelectorWidth(earlier_same)).named("is_first")
    mark = rasp.SequenceMap(lambda t, f: t if f else "-", rasp.tokens, first).named("first_mark")
    after_mark = lib.shift_by(1, mark).named("after_mark")
    return rasp.Aggregate(rasp.Select(after_mark, rasp.tokens, lambda k, q: k == q),
                          rasp.tokens).named("after_first")


def h_running_max_causal():
    token_at = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("token_at")
    beaten = rasp.SelectorWidth(rasp.Select(token_at, token_at, lambda k, q: k[1] < q[1] and k[0] >= q[0]))
    record = rasp.Map(lambda b: b == 0, beaten.named("n_earlier_geq")).named("record")
    record_at = rasp.SequenceMap(lambda r, i: (r, i), record, rasp.indices).named("record_at")
    records_upto = rasp.Select(record_at, record_at, lambda k, q: k[0] and k[1] <= q[1]).named("records_upto")
    n_records = rasp.SelectorWidth(records_upto).named("n_records")
    key = rasp.SequenceMap(lambda r, c: c if r else 0, record, n_records).named("record_rank")
    return rasp.Aggregate(rasp.Select(key, n_records, rasp.Comparison.EQ), rasp.tokens).named("running_max")


def h_first_rook_index():
    rook = rasp.Map(lambda p: p in ("R", "r"), rasp.tokens).named("is_rook")
    rook_at = rasp.SequenceMap(lambda r, i: 10 * r + i, rook, rasp.indices).named("rook_at")
    rooks_before = rasp.Select(rook_at, rook_at, lambda k, q: k >= 10 and k - 10 < q % 10).named("rooks_before")
    first = rasp.SequenceMap(lambda r, e: r and e == 0, rook, rasp.SelectorWidth(rooks_before)).named("first_rook")
    return rasp.Aggregate(rasp.Select(first, rasp.indices, lambda k, q: k), rasp.indices).named("first_rook_at")


def h_first_underflow():
    op_at = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("op_at")
    pushes = rasp.SelectorWidth(rasp.Select(op_at, op_at, lambda k, q: k[0] == "push" and k[1] <= q[1]))
    pops = rasp.SelectorWidth(rasp.Select(op_at, op_at, lambda k, q: k[0] == "pop" and k[1] <= q[1]))
    under = rasp.SequenceMap(lambda a, b: b > a, pushes.named("pushes"), pops.named("pops")).named("under")
    under_at = rasp.SequenceMap(lambda u, i: (u, i), under, rasp.indices).named("under_at")
    under_before = rasp.SelectorWidth(rasp.Select(under_at, under_at, lambda k, q: k[0] and k[1] < q[1]))
    first = rasp.SequenceMap(lambda u, c: u and c == 0, under,
                             under_before.named("n_under_before")).named("first_under")
    return rasp.Aggregate(rasp.Select(first, rasp.indices, lambda k, q: k), rasp.indices).named("underflow_at")


def h_last_argmax_index():
    packed = rasp.SequenceMap(lambda t, i: 8 * t + i, rasp.tokens, rasp.indices).named("token_then_index")
    above = rasp.SelectorWidth(rasp.Select(packed, packed, rasp.Comparison.GT)).named("n_above")
    top = rasp.Map(lambda a: a == 0, above).named("is_top")
    return rasp.Aggregate(rasp.Select(top, rasp.indices, lambda k, q: k), rasp.indices).named("last_argmax")


def h_sort_desc_packed():
    key = rasp.SequenceMap(lambda t, i: -16 * t - i, rasp.tokens, rasp.indices).named("desc_key")
    rank = rasp.SelectorWidth(rasp.Select(key, key, rasp.Comparison.LT)).named("rank")
    return rasp.Aggregate(rasp.Select(rank, rasp.indices, rasp.Comparison.EQ), rasp.tokens).named("sorted_desc")


def h_tonic_vs_dominant():
    n_c = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "C")).named("n_C")
    n_g = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == "G")).named("n_G")
    return rasp.SequenceMap(lambda c, g: "tonic" if c > g else ("dominant" if g > c else "even"),
                            n_c, n_g).named("tonic_or_dominant")


def h_vote_leader_causal():
    vote_at = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("vote_at")
    yes = rasp.SelectorWidth(rasp.Select(vote_at, vote_at, lambda k, q: k[0] == "yes" and k[1] <= q[1]))
    no = rasp.SelectorWidth(rasp.Select(vote_at, vote_at, lambda k, q: k[0] == "no" and k[1] <= q[1]))
    return rasp.SequenceMap(lambda y, n: "yes" if y > n else ("no" if n > y else "tied"),
                            yes.named("yes_so_far"), no.named("no_so_far")).named("leader")


def h_bigram_repeat_causal():
    before = lib.shift_by(1, rasp.tokens).named("before")
    bigram = rasp.SequenceMap(lambda b, t: b + t, before, rasp.tokens).named("bigram")
    bigram_at = rasp.SequenceMap(lambda b, i: (b, i), bigram, rasp.indices).named("bigram_at")
    same_earlier = rasp.Select(bigram_at, bigram_at,
                               lambda k, q: None not in (k, q) and k[0] == q[0] and k[1] < q[1]).named("same_earlier")
    return rasp.Map(lambda s: s > 0, rasp.SelectorWidth(same_earlier)).named("bigram_seen")


# ----------------------------------------------------------------------------- numerical means

def n_black_share_by_kind():
    kind = rasp.Map(lambda p: p.upper(), rasp.tokens).named("kind")
    black = rasp.numerical(rasp.Map(lambda p: 1 if p.islower() else 0, rasp.tokens)).named("black01")
    same_kind = rasp.Select(kind, kind, rasp.Comparison.EQ).named("same_kind")
    return rasp.numerical(rasp.Aggregate(same_kind, black, default=0)).named("black_share_of_kind")


def n_costlier_black_share():
    material = rasp.Map(lambda p: MATERIAL[p.upper()], rasp.tokens).named("material")
    black = rasp.numerical(rasp.Map(lambda p: 1 if p.islower() else 0, rasp.tokens)).named("black01")
    costlier = rasp.Select(material, material, rasp.Comparison.GT).named("costlier")
    return rasp.numerical(rasp.Aggregate(costlier, black, default=0)).named("black_share_costlier")


def n_even_local_vs_global():
    even = rasp.numerical(rasp.Map(lambda x: 1 if x % 2 == 0 else 0, rasp.tokens)).named("even01")
    near = rasp.Select(rasp.indices, rasp.indices, lambda k, q: abs(k - q) <= 1).named("near")
    everyone = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everyone")
    local = rasp.numerical(rasp.Aggregate(near, even, default=0)).named("local_even")
    overall = rasp.numerical(rasp.Aggregate(everyone, even, default=0)).named("global_even")
    return rasp.numerical(rasp.LinearSequenceMap(local, overall, 1, -1)).named("local_minus_global")


def n_diatonic_majority():
    diatonic = rasp.numerical(rasp.Map(lambda n: 0 if n.endswith("#") else 1, rasp.tokens)).named("diatonic01")
    everyone = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everyone")
    share = rasp.numerical(rasp.Aggregate(everyone, diatonic, default=0)).named("diatonic_share")
    return rasp.Map(lambda s: "tonal" if s >= 0.5 else "chromatic", share).named("tonality")


def n_rest_density():
    rest = rasp.numerical(rasp.Map(lambda n: 1 if n == "rest" else 0, rasp.tokens)).named("rest01")
    everyone = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everyone")
    share = rasp.numerical(rasp.Aggregate(everyone, rest, default=0)).named("rest_share")
    return rasp.Map(lambda s: "sparse" if s > 0.3 else "dense", share).named("texture")


# ----------------------------------------------------------------------------- rare outputs

def r_c_major_exact():
    off = rasp.SequenceMap(lambda t, i: t != NOTES[i], rasp.tokens, rasp.indices).named("off_scale")
    n_off = rasp.SelectorWidth(rasp.Select(off, off, lambda k, q: k)).named("n_off")
    return rasp.SequenceMap(lambda m, n: "SCALE" if m == 0 and n == 7 else ("so far" if m == 0 else "-"),
                            n_off, lib.make_length()).named("scale_state")


def r_strictly_rising_full():
    token_at = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices).named("token_at")
    blocking = rasp.Select(token_at, token_at, lambda k, q: k[1] < q[1] and k[0] >= q[0]).named("blocking")
    blocked = rasp.Map(lambda w: w > 0, rasp.SelectorWidth(blocking)).named("blocked")
    n_blocked = rasp.SelectorWidth(rasp.Select(blocked, blocked, lambda k, q: k)).named("n_blocked")
    return rasp.SequenceMap(lambda b, n: "RISING" if b == 0 and n == 5 else ("short" if b == 0 else "no"),
                            n_blocked, lib.make_length()).named("rising_state")


def r_unanimous_eight():
    same = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)).named("n_same")
    return rasp.Map(lambda c: "unanimous" if c == 8 else ("majority" if c > 4 else "minority"),
                    same).named("agreement")


def r_full_piece_set():
    hist = lib.make_hist().named("hist")
    n_dup = rasp.SelectorWidth(rasp.Select(hist, hist, lambda k, q: k > 1)).named("n_dup")
    return rasp.SequenceMap(lambda d, n: "FULL SET" if d == 0 and n == 6 else ("distinct" if d == 0 else "repeats"),
                            n_dup, lib.make_length()).named("set_state")


def r_palindrome_full():
    n = lib.make_length()
    opposite = rasp.SequenceMap(lambda m, i: m - 1 - i, n, rasp.indices).named("opposite")
    mirror = rasp.Aggregate(rasp.Select(rasp.indices, opposite, rasp.Comparison.EQ), rasp.tokens).named("mirror")
    differs = rasp.SequenceMap(lambda a, b: a != b, rasp.tokens, mirror).named("differs")
    n_differ = rasp.SelectorWidth(rasp.Select(differs, differs, lambda k, q: k)).named("n_differ")
    return rasp.SequenceMap(lambda d, m: "PALINDROME" if d == 0 and m == 6 else ("mirror" if d == 0 else "no"),
                            n_differ, n).named("palindrome_state")


CASES = [
    # name, builder, vocab, max_seq_len, causal, compile options, what
    ("reversed_arpeggio", l_reversed_arpeggio, NOTES, 7, False, {},
     "lib detect_pattern(make_reverse(tokens), ['G', 'E', 'C']): True at position j when the input reads C "
     "E G from position n - 1 - j (a rising arpeggio found in the reversed input); None at positions 0-1; "
     "True is rare"),
    ("piece_value_sort", l_piece_value_sort, PIECES, 6, False, {},
     "lib make_sort(tokens, material (K 0, P 1, N 3, B 3, R 5, Q 9), max_seq_len=6, min_key=1), then "
     "upper-cased: the pieces in order of material, ties (N and B, a white and a black piece of one kind) "
     "by index; 12 chess pieces"),
    ("accidental_share_causal", l_accidental_share_causal, CHROMATIC + ["rest"], 12, True, {},
     "lib make_frac_prevs of a 0/1 Map (a sharp or a rest): the share of accidentals and rests so far "
     "(numerical), 13 symbols, causal, length 12"),
    ("dyck_four_kinds", l_dyck_four_kinds, BRACKETS, 6, False, {},
     "lib make_shuffle_dyck(['()', '[]', '{}', '<>']): True at every position when each of the four "
     "bracket kinds is balanced on its own (crossings allowed: '([)]' is True); True is rare on random "
     "inputs"),
    ("black_majority", l_black_majority, PIECES, 7, False, {"compiler_bos": "<game>"},
     "lib make_count(is_black, True) (black: lower case) against lib make_length: 'black' / 'white' / "
     "'level' by which colour has more pieces; BOS '<game>'"),
    ("sort_fixed_points", l_sort_fixed_points, SIGNED, 6, False, {},
     "lib make_sort(tokens, tokens, max_seq_len=6, min_key=1) of ints -3..3 against the tokens: 'stay' "
     "where sorting leaves the value, 'up' where a bigger value moves in, 'down' where a smaller one does"),
    ("mode_broadcast", l_mode_broadcast, ANIMALS, 7, False, {},
     "the token at position 0 of lib make_sort_freq(7): the most frequent word (among ties the one whose "
     "first occurrence comes first) at every position; 40 animal words"),
    ("interval_to_mirror", l_interval_to_mirror, CHROMATIC, 4, False, {},
     "pitch class of each note (C 0 ... B 11), lib make_reverse of it, then (mirror - pitch) % 12: "
     "semitones up from my note to the note at the mirrored position; 12 notes, length 4"),
    ("local_peak", l_local_peak, list(range(7)), 6, False, {},
     "lib make_nary_sequencemap over shift_by(1), tokens, shift_by(-1): 'peak' / 'valley' / 'slope' "
     "against both neighbours, None at the first and the last position; digits 0-6"),
    ("rare_animals", l_rare_animals, ANIMALS, 8, False, {},
     "lib make_count_less_freq(3): how many positions hold a word that occurs at most 3 times (its Select "
     "is hist <= n), at every position; 40 animal words, length 8"),
    ("induction_copy_causal", h_induction_copy_causal, list("abcde"), 8, True, {},
     "an induction copy: the token that followed the previous occurrence of my token (a Select of "
     "(previous token, its occurrence number) against (my token, my occurrence number - 1), occurrences "
     "counted over keys packing (token, index)); None where my token has not occurred before; causal, "
     "length 8"),
    ("after_first_occurrence", h_after_first_occurrence, ["the", "cat", "sat", "on", "a", "mat"], 7, False, {},
     "the token right after the first occurrence of my token (first occurrences marked, the mark moved on "
     "by lib shift_by(1) and matched with my token); None where that first occurrence is the last "
     "position; words"),
    ("running_max_causal", h_running_max_causal, DIGITS, 6, True, {},
     "the running maximum: strict records (no earlier token >= mine, a Select over (token, index) keys) "
     "numbered by the records so far, and the token of the latest record read back; digits 0-30, causal"),
    ("first_rook_index", h_first_rook_index, PIECES, 10, False, {"compiler_pad": "."},
     "index of the first rook (R or r) at every position (rooks before me counted over keys 10 * is_rook + "
     "index); None when there is no rook; chess pieces, length 10, pad '.'"),
    ("first_underflow", h_first_underflow, STACK, 8, False, {},
     "index of the first position where the pops so far outnumber the pushes (counts over (op, index) "
     "keys), at every position; None when the stack never underflows; push / pop / peek"),
    ("last_argmax_index", h_last_argmax_index, DIGITS, 6, False, {},
     "index of the last occurrence of the largest token (the one key 8 * token + index with none above it) "
     "at every position; digits 0-30"),
    ("sort_desc_packed", h_sort_desc_packed, DESCENDING, 7, False, {},
     "a hand-built sort, descending by token and among equal tokens later index first: rank = # keys below "
     "my key -16 * token - index, then the token whose rank is my index; negative ints"),
    ("tonic_vs_dominant", h_tonic_vs_dominant, NOTES, 8, False, {},
     "count of C against count of G over the whole input (two SelectorWidths, a SequenceMap): 'tonic' / "
     "'dominant' / 'even'; notes and rest"),
    ("vote_leader_causal", h_vote_leader_causal, VOTES, 9, True, {"compiler_bos": "[start]", "compiler_pad": "[pad]"},
     "yes votes against no votes so far (counts over (vote, index) keys up to my index): 'yes' / 'no' / "
     "'tied', causal, length 9; BOS '[start]', pad '[pad]'"),
    ("bigram_repeat_causal", h_bigram_repeat_causal, ["x", "y"], 8, True, {},
     "whether the bigram (previous token, my token) already ended at an earlier position (lib shift_by(1), "
     "a concatenation, a Select over (bigram, index) keys); False at position 0; two symbols, causal"),
    ("black_share_by_kind", n_black_share_by_kind, PIECES, 7, False, {},
     "numerical mean of is_black (0/1) over the positions holding my kind of piece (upper-cased token): "
     "the black share of my piece's kind"),
    ("costlier_black_share", n_costlier_black_share, PIECES, 6, False, {},
     "numerical mean of is_black (0/1) over the pieces of more material than mine (K 0 ... Q 9), default 0 "
     "where none is worth more (queens)"),
    ("even_local_vs_global", n_even_local_vs_global, SIGNED, 7, False, {},
     "numerical mean of 'even' (0/1) over the positions within 1 of mine minus its mean over all positions "
     "(LinearSequenceMap of two numerical Aggregates); ints -3..3"),
    ("diatonic_majority", n_diatonic_majority, CHROMATIC, 6, False, {},
     "numerical mean of 'not a sharp' (0/1) over all positions, then 'tonal' if >= 0.5 else 'chromatic' (a "
     "float threshold that tracr's discretising MLP reads right up to length 6: 2/5 stays below its "
     "breakpoint 5/12); 12 notes"),
    ("rest_density", n_rest_density, NOTES, 9, False, {},
     "numerical mean of rest (0/1) over all positions, then 'sparse' if > 0.3 else 'dense' (exact to "
     "length 9: no share lies between tracr's breakpoint 7/24 and 0.3); notes and rest"),
    ("c_major_exact", r_c_major_exact, NOTES, 7, False, {},
     "'SCALE' at every position only for the one input C D E F G A B (no note off the scale and length 7); "
     "'so far' for a shorter prefix of it (C, C D, ...), else '-'; both rare"),
    ("strictly_rising_full", r_strictly_rising_full, DIGITS, 5, False, {"compiler_bos": "^"},
     "'RISING' only for a strictly increasing input of the full length 5 (no earlier token >= a later one, "
     "a Select over (token, index) keys); 'short' for a shorter strictly increasing one (any single "
     "token), else 'no'; digits 0-30, BOS '^'"),
    ("unanimous_eight", r_unanimous_eight, ANIMALS, 8, False, {},
     "'unanimous' only where all 8 words are equal at the full length 8 (SelectorWidth of EQ == 8), "
     "'majority' where more than 4 share my word, else 'minority'; 40 animal words"),
    ("full_piece_set", r_full_piece_set, WHITE, 6, False, {},
     "'FULL SET' only when the six white pieces each occur once (no hist > 1 and length 6); 'distinct' for "
     "a shorter input without repeats, else 'repeats'"),
    ("palindrome_full", r_palindrome_full, list("abcdefghij"), 6, False, {},
     "'PALINDROME' only for a palindrome of the full length 6 (a hand-built mirror at length - 1 - index, "
     "mismatches counted); 'mirror' for a shorter palindrome, else 'no'; letters a-j"),
]
