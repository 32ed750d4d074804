"""A fourth set of programs written in tracr's Python RASP API (`bench/bench_tracr.py`), by another
hand and held out until measured: numerical MLPs (a numerical Map over a numerical SOp, which tracr
compiles to a discretising MLP with a hidden layer named after the Map: x*x, 1/(n+1), round, a
ReLU, thresholds), categorical->numerical and numerical->categorical Maps, `lib.make_frac_prevs` of
unusual bools, numerical means over `selector_and` / `selector_or`, categorical Aggregates that
pick one key by index arithmetic with a fixed n (`k == (q + 3) % 7`, `k == 7 - q`) and ones that
pick several (tracr's net then averages one-hot values: the answer must match the NET), lib helpers
(`make_nary_sequencemap`, `make_length` inside arithmetic, `shift_by` 2, 3 and -2, `make_hist`,
`make_sort` with keys that tie only on rare inputs, `make_pair_balance`, `make_shuffle_dyck` with
letters as brackets), vocabularies of floats, negative integers, words and mixed-case letters,
max_seq_len 4-12, a few causal programs, two with compiler_bos / compiler_pad of other names, and
outputs reached only on rare inputs (all tokens equal, one exact pattern, the maximum length).

tracr's own nets differ from their programs in these cases, noted in their descriptions:
`square_float_tokens` (tracr's categorical->numerical MLP passes f(t) through a ReLU, so negative
values become 0), `recip_numeric_length` (from length 10 tracr's SelectorWidth reads n as n - 1),
`round_weighted_mean`, `mirror_pair_share` and `all_equal_share_causal` (tracr
gives a numerical mean the value set {v/n} of its weights v, so a numerical or categorical Map
after a mean discretises against the wrong points: 2/3 reads as 1/2, 3/4 as 1), and three
categorical Aggregates that select several keys (`neighbor_avg_categorical`,
`same_token_index_avg`, `sort_rare_tie` where make_sort's keys tie): tracr's net averages one-hot
values, which argmax reads as one of them, while `rasp.evaluate` averages numbers or raises on
strings. Two (`frac_seqmap_bool_refused`, `sort_by_frac_refused`) tracr refuses.

Each case: name, a builder returning the output SOp, vocab, max_seq_len, causal, options (compile
arguments: compiler_bos, compiler_pad) and what it computes.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

FLOATS = [-1.5, -0.5, 0.0, 0.5, 2.0]
NEGATIVES = [-3, -2, -1, 0, 1]
MIXED = ["a", "A", "b", "B", "c", "C"]
WORDS = ["if", "then", "else", "fi", "do"]
LOGIC = ["or", "and", "not", "xor"]
WEIGHTS = {"low": 0, "mid": 0.5, "high": 1}


# ----------------------------------------------------------------------------- numerical MLPs

def n_square_float_tokens():
    x = rasp.numerical(rasp.Map(lambda t: t, rasp.tokens)).named("x")
    return rasp.numerical(rasp.Map(lambda v: v * v, x, simplify=False)).named("x_squared")


def n_recip_numeric_length():
    everyone = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("everyone")
    n = rasp.numerical(rasp.SelectorWidth(everyone)).named("n_numeric")
    return rasp.numerical(rasp.Map(lambda v: 1 / (v + 1), n)).named("recip_len")


def n_round_weighted_mean():
    weight = rasp.numerical(rasp.Map(lambda w: WEIGHTS[w], rasp.tokens)).named("weight")
    everyone = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everyone")
    mean = rasp.numerical(rasp.Aggregate(everyone, weight, default=0)).named("mean_weight")
    return rasp.numerical(rasp.Map(lambda m: round(m), mean)).named("rounded")


def n_cubic_relu_negatives():
    cubic = rasp.numerical(rasp.Map(lambda x: x ** 3 - 2 * x, rasp.tokens)).named("cubic")
    return rasp.numerical(rasp.Map(lambda y: max(y, 0), cubic, simplify=False)).named("relu_cubic")


def n_frac_upper_threshold_causal():
    upper = rasp.Map(lambda c: c.isupper(), rasp.tokens).named("is_upper")
    frac = lib.make_frac_prevs(upper).named("frac_upper")
    return rasp.Map(lambda f: f >= 1 / 3, frac).named("third_upper")


def n_frac_index_vs_token():
    every_third = rasp.Map(lambda i: i % 3 == 0, rasp.indices).named("every_third")
    f_idx = lib.make_frac_prevs(every_third).named("frac_idx")
    f_tok = lib.make_frac_prevs(rasp.tokens == "then").named("frac_then")
    return rasp.numerical(rasp.LinearSequenceMap(f_idx, f_tok, 1, -1)).named("idx_minus_then")


def n_frac_seqmap_bool_refused():
    fixed = rasp.SequenceMap(lambda t, i: t == i % 3, rasp.tokens, rasp.indices).named("fixed_point")
    return lib.make_frac_prevs(fixed).named("frac_fixed")


def n_frac_unique_prefix():
    unique = rasp.Map(lambda h: h == 1, lib.make_hist()).named("unique")
    return lib.make_frac_prevs(unique).named("frac_unique")


def n_share_above_shifted():
    shifted = rasp.numerical(rasp.Map(lambda t: t + 2, rasp.tokens)).named("shifted")
    above = rasp.numerical(rasp.Map(lambda v: 1 if v > 1.75 else 0, shifted, simplify=False)).named("above")
    everyone = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everyone")
    return rasp.numerical(rasp.Aggregate(everyone, above, default=0)).named("share_above")


# ----------------------------------------------------------------------------- selector_and / or means

def s_window3_mean_causal():
    window = rasp.selector_and(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ),
                               rasp.Select(rasp.indices, rasp.indices, lambda k, q: k >= q - 2))
    neg = rasp.numerical(rasp.Map(lambda x: 1 if x < 0 else 0, rasp.tokens)).named("neg")
    return rasp.numerical(rasp.Aggregate(window, neg, default=0)).named("window_neg")


def s_first_and_self_both():
    first_or_self = rasp.selector_or(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0),
                                     rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ))
    pos = rasp.numerical(rasp.Map(lambda x: 1 if x > 0 else 0, rasp.tokens)).named("pos")
    mean = rasp.numerical(rasp.Aggregate(first_or_self, pos, default=0)).named("first_self_mean")
    return rasp.Map(lambda x: x > 0.5, mean).named("both_positive")


def s_mirror_pair_share():
    same_or_neg = rasp.selector_or(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ),
                                   rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == -q))
    even_pos = rasp.numerical(rasp.Map(lambda i: 1 if i % 2 == 0 else 0, rasp.indices)).named("even_pos")
    share = rasp.numerical(rasp.Aggregate(same_or_neg, even_pos, default=0)).named("even_share")
    return rasp.Map(lambda x: x > 0.5, share).named("mostly_even")


# ----------------------------------------------------------------------------- categorical aggregates

def c_rotate_by_3_fixed():
    rot = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == (q + 3) % 7).named("rot3")
    return rasp.Aggregate(rot, rasp.tokens).named("rotated")


def c_mirror_fixed_n8():
    mirror = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 7 - q).named("mirror8")
    return rasp.Aggregate(mirror, rasp.tokens).named("mirrored")


def c_neighbor_avg_categorical():
    neighbours = rasp.Select(rasp.indices, rasp.indices, lambda k, q: abs(k - q) == 1).named("neighbours")
    return rasp.Aggregate(neighbours, rasp.tokens).named("neighbour_token")


def c_same_token_index_avg():
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same")
    return rasp.Aggregate(same, rasp.indices).named("where_same")


def c_pointer_neg_index():
    at = rasp.Select(rasp.indices, rasp.tokens, lambda k, q: k == -q).named("at_minus_t")
    return rasp.Aggregate(at, rasp.tokens).named("hop")


# ----------------------------------------------------------------------------- lib helpers

def l_nary_len_arith():
    return lib.make_nary_sequencemap(lambda t, i, n: (t * (n - i)) % 5, rasp.tokens, rasp.indices,
                                     lib.make_length()).named("t_times_rest")


def l_third_from_last():
    target = (lib.make_length() - 3).named("len_minus_3")
    at = rasp.Select(rasp.indices, target, rasp.Comparison.EQ).named("at_third_last")
    return rasp.Aggregate(at, rasp.tokens).named("third_from_last")


def l_period3_shift():
    back3 = lib.shift_by(3, rasp.tokens).named("back3")
    return rasp.SequenceMap(lambda a, b: a - b, rasp.tokens, back3).named("period3_gap")


def l_sandwich_shift():
    before = lib.shift_by(2, rasp.tokens).named("before2")
    after = lib.shift_by(-2, rasp.tokens).named("after2")
    return lib.make_nary_sequencemap(lambda b, t, a: t.upper() if b == a else t,
                                     before, rasp.tokens, after).named("sandwich")


def l_majority_word():
    hist = lib.make_hist()
    n = lib.make_length()
    return rasp.SequenceMap(lambda h, m: "MAJ" if 2 * h > m else ("HALF" if 2 * h == m else "-"),
                            hist, n).named("majority")


def l_sort_rare_tie():
    key = rasp.Map(lambda w: {"or": 2, "and": 1.25, "not": 0, "xor": 3}[w], rasp.tokens).named("precedence")
    return lib.make_sort(rasp.tokens, key, max_seq_len=4, min_key=1).named("by_precedence")


def l_pair_balance_if_fi():
    return lib.make_pair_balance(rasp.tokens, "if", "fi").named("if_depth")


def l_dyck_ab_xy():
    return lib.make_shuffle_dyck(["ab", "xy"]).named("dyck_letters")


def l_sort_by_frac_refused():
    frac = lib.make_frac_prevs(rasp.tokens == "B").named("frac_B")
    return lib.make_sort_unique(rasp.tokens, frac).named("sort_by_frac")


# ----------------------------------------------------------------------------- rare values, options

def r_all_equal_share_causal():
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0),
                           rasp.tokens).named("first")
    eq = rasp.SequenceMap(lambda a, b: a == b, rasp.tokens, first).named("eq_first")
    same = rasp.numerical(rasp.Map(lambda b: 1 if b else 0, eq)).named("same_as_first")
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix")
    share = rasp.numerical(rasp.Aggregate(prefix, same, default=0)).named("share_first")
    return rasp.Map(lambda s: "constant" if s == 1 else "varied", share).named("constant_so_far")


def r_full_length_marker():
    n = lib.make_length()
    return rasp.SequenceMap(lambda m, i: "END" if m == 9 and i == 8 else ("full" if m == 9 else m - i),
                            n, rasp.indices).named("full_marker")


def r_exact_pattern_mixed():
    return lib.detect_pattern(rasp.tokens, ["A", "b", "A"]).named("AbA")


def o_bos_pad_custom():
    swapped = rasp.Map(lambda c: c.swapcase(), rasp.tokens).named("swapped")
    return rasp.SequenceMap(lambda s, i: s if i % 2 else s + s, swapped, rasp.indices).named("swap_double")


def o_bos_custom_floats():
    lo = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k < q - 0.75).named("well_below")
    return rasp.SelectorWidth(lo).named("n_well_below")


CASES = [
    # name, builder, vocab, max_seq_len, causal, compile options, what
    ("square_float_tokens", n_square_float_tokens, FLOATS, 5, False, {},
     "numerical x*x over numerical tokens (float vocab): discretising MLP, Map(simplify=False) (tracr "
     "MISCOMPILES: its categorical->numerical MLP puts f(t) through a ReLU, so x of -1.5 and -0.5 is 0 "
     "and x*x is 0, not 2.25 and 0.25)"),
    ("recip_numeric_length", n_recip_numeric_length, WORDS, 12, False, {},
     "numerical SelectorWidth length, then numerical 1/(n+1) MLP, length 12 (tracr MISCOMPILES from "
     "length 10: its SelectorWidth reads 10, 11, 12 as 9, 10, 11, so 1/10, 1/11, 1/12)"),
    ("round_weighted_mean", n_round_weighted_mean, list(WEIGHTS), 6, False, {},
     "round() of a numerical mean of weights 0/0.5/1 (tracr MISCOMPILES: the MLP discretises against "
     "the value set {0, 0.5/n, 1/n}, so a mean in (0.5, 0.75), e.g. 2/3, reads as 0.5 and rounds to 0, "
     "not 1)"),
    ("cubic_relu_negatives", n_cubic_relu_negatives, NEGATIVES, 6, False, {},
     "categorical->numerical x^3-2x, then numerical->numerical ReLU MLP, negative ints (tracr's first "
     "MLP already clips x^3-2x < 0 to 0, so the net agrees with the program)"),
    ("frac_upper_threshold_causal", n_frac_upper_threshold_causal, MIXED, 8, True, {},
     "frac_prevs(c.isupper()) >= 1/3 (numerical->categorical), mixed-case letters, causal"),
    ("frac_index_vs_token", n_frac_index_vs_token, WORDS, 7, False, {},
     "frac_prevs(i % 3 == 0) minus frac_prevs(token == 'then'), LinearSequenceMap"),
    ("frac_seqmap_bool_refused", n_frac_seqmap_bool_refused, [0, 1, 2], 5, False, {},
     "frac_prevs of a SequenceMap bool (tracr REFUSES: numerical non-linear SequenceMap)"),
    ("frac_unique_prefix", n_frac_unique_prefix, list("xyz"), 7, False, {},
     "frac_prevs(hist == 1): share of the prefix whose token is unique in the whole input"),
    ("share_above_shifted", n_share_above_shifted, FLOATS, 6, False, {},
     "categorical->numerical t + 2, numerical->numerical threshold v > 1.75 (hidden MLP), then mean"),
    ("window3_mean_causal", s_window3_mean_causal, NEGATIVES, 8, True, {},
     "numerical mean of x < 0 over selector_and(k <= q, k >= q - 2), causal"),
    ("first_and_self_both", s_first_and_self_both, NEGATIVES, 6, False, {},
     "mean over selector_or(k == 0, k == q) of x > 0, then > 0.5: first and self both positive"),
    ("mirror_pair_share", s_mirror_pair_share, [-2, -1, 0, 1, 2], 6, False, {},
     "share of even positions among keys t == q or t == -q (selector_or), then > 0.5 (tracr "
     "MISCOMPILES where the share is 2/3 or 3/5: its MLP reads them as 1/2, so False)"),
    ("rotate_by_3_fixed", c_rotate_by_3_fixed, WORDS, 7, False, {},
     "token at (q + 3) % 7 (fixed n = 7: None where that index is past the input)"),
    ("mirror_fixed_n8", c_mirror_fixed_n8, MIXED, 8, False, {},
     "token at 7 - q (a reverse that is right only at length 8), mixed-case letters"),
    ("neighbor_avg_categorical", c_neighbor_avg_categorical, list("pqr"), 6, False, {},
     "categorical Aggregate over abs(k - q) == 1: two keys inside; tracr's net averages the two "
     "one-hots (match the NET; rasp.evaluate raises on a mean of strings)"),
    ("same_token_index_avg", c_same_token_index_avg, WORDS, 6, False, {},
     "categorical Aggregate of indices over same token: the program averages repeated positions "
     "(1.5), tracr's net splits its one-hot between them (argmax reads the first; match the NET)"),
    ("pointer_neg_index", c_pointer_neg_index, [-4, -3, -2, -1, 0], 4, False, {},
     "token at index -t (negative-int vocab, one key or none; -4 never lands at max_seq_len 4)"),
    ("nary_len_arith", l_nary_len_arith, [-2, -1, 1, 2], 5, False, {},
     "lib nary (t * (length - i)) % 5 over tokens, indices, length; negative ints"),
    ("third_from_last", l_third_from_last, FLOATS, 7, False, {},
     "token at length - 3 (None below length 3), float vocab"),
    ("period3_shift", l_period3_shift, FLOATS, 9, False, {},
     "token minus the token 3 back (shift_by(3); float differences, categorical), length 9"),
    ("sandwich_shift", l_sandwich_shift, list("abc"), 7, False, {},
     "lib nary over shift_by(2), tokens, shift_by(-2): token, upper-cased where before2 == after2"),
    ("majority_word", l_majority_word, WORDS, 7, False, {},
     "hist vs length: MAJ / HALF / - per word"),
    ("sort_rare_tie", l_sort_rare_tie, LOGIC, 5, False, {},
     "lib make_sort by precedence (or 2, and 1.25, not 0, xor 3), max_seq_len=4 min_key=1 compiled "
     "at 5: tie-broken keys still tie when 'or' at i has 'and' at i + 3, or 'xor' at 0 and 'or' at 4 "
     "(tracr's net then averages two tokens into one slot and leaves another empty; rasp.evaluate "
     "raises there)"),
    ("pair_balance_if_fi", l_pair_balance_if_fi, WORDS, 6, False, {}, "lib make_pair_balance(tokens, 'if', 'fi')"),
    ("dyck_ab_xy", l_dyck_ab_xy, list("abxy"), 6, False, {},
     "lib make_shuffle_dyck(['ab', 'xy']): letters as brackets"),
    ("sort_by_frac_refused", l_sort_by_frac_refused, ["A", "B", "c"], 5, False, {},
     "make_sort_unique keyed by a frac_prevs (tracr REFUSES: numerical Select keys)"),
    ("all_equal_share_causal", r_all_equal_share_causal, FLOATS, 8, True, {},
     "'constant' while every token so far equals the first (rare), via prefix mean == 1, causal "
     "(tracr MISCOMPILES: a share >= 3/4 reads as 1)"),
    ("full_length_marker", r_full_length_marker, ["x", "y"], 9, False, {},
     "length - index, but 'full'/'END' only at the maximum length 9"),
    ("exact_pattern_mixed", r_exact_pattern_mixed, MIXED, 6, False, {},
     "lib detect_pattern(tokens, ['A', 'b', 'A']): case-sensitive, shifts 1 and 2"),
    ("bos_pad_custom", o_bos_pad_custom, MIXED, 5, False, {"compiler_bos": "<start>", "compiler_pad": "<blank>"},
     "swapcase, doubled at even positions; BOS '<start>', pad '<blank>'"),
    ("bos_custom_floats", o_bos_custom_floats, FLOATS, 6, False, {"compiler_bos": "[CLS]"},
     "# keys k < q - 0.75 (float vocab); BOS '[CLS]'"),
]
