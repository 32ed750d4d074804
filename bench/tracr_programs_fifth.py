"""A fifth set of programs written in tracr's Python RASP API (`bench/bench_tracr.py`), by another
hand and held out until measured: lib helpers in unusual places (`make_length` in index arithmetic,
`make_frac_prevs` of three bools thresholded and and-ed, `shift_by` with fills that never fire and a
numerical shift with a default, `make_sort_unique` and `make_sort` with keys computed from tokens,
indices and length, `make_shuffle_dyck` with digits as brackets, `make_pair_balance` over words,
`detect_pattern` of negatives and of a Map's bools, `make_count_less_freq`, `make_nary_sequencemap`
over a histogram), dict Maps over negative integers, floats and colour words, numerical means over
`selector_not`, selects built with `selector_and` / `selector_or` of TRUE, FALSE and lambda
predicates over computed keys and queries, and outputs reached only on rare inputs (a sorted input
of the full length, all tokens equal, one exact input); vocabularies of negatives, mixed-case
letters, colours, floats, words and 30 symbols, max_seq_len 4-10, a few causal.

Where tracr's own net differs from its program, or tracr refuses the program, the case's
description says so (`frac_three_bools_causal`: tracr's MLP misreads one prefix;
`shift_big_vocab_refused`, `fill_default_refused`: tracr refuses). The answer must match the NET.

Each case: name, a builder returning the output SOp, vocab, max_seq_len, causal, options (compile
arguments: compiler_bos, compiler_pad) and what it computes.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

NEGATIVES = [-3, -2, -1, 0, 1, 2]
MIXED = ["a", "A", "e", "E", "k", "K", "z"]
COLOURS = ["red", "orange", "yellow", "green", "blue", "indigo", "violet", "grey"]
FLOATS = [0.1, 0.4, 0.75, 0.9]
BLOCKS = ["begin", "end", "stmt", "expr"]
LETTERS = [chr(ord("a") + i) for i in range(26)] + ["_", "-", ".", "!"]


# ----------------------------------------------------------------------------- lib helpers

def l_middle_by_length():
    n = lib.make_length()
    return rasp.SequenceMap(lambda i, m: "mid" if 2 * i + 1 == m else ("left" if 2 * i + 1 < m else "right"),
                            rasp.indices, n).named("side")


def l_frac_vowel_vs_upper():
    vowel = rasp.Map(lambda c: c.lower() in "aeiou", rasp.tokens).named("is_vowel")
    upper = rasp.Map(lambda c: c.isupper(), rasp.tokens).named("is_upper")
    f_vowel = lib.make_frac_prevs(vowel).named("frac_vowel")
    f_upper = lib.make_frac_prevs(upper).named("frac_upper")
    diff = rasp.numerical(rasp.LinearSequenceMap(f_vowel, f_upper, 1, -1)).named("vowel_minus_upper")
    return rasp.Map(lambda d: "vowels" if d > 0 else ("upper" if d < 0 else "tie"), diff).named("leader")


def l_frac_three_bools_causal():
    fx = lib.make_frac_prevs(rasp.tokens == "x").named("frac_x")
    fy = lib.make_frac_prevs(rasp.tokens == "y").named("frac_y")
    fz = lib.make_frac_prevs(rasp.tokens == "z").named("frac_z")
    half_x = rasp.Map(lambda f: f >= 0.5, fx).named("half_x")
    some_y = rasp.Map(lambda f: f > 0, fy).named("some_y")
    no_z = rasp.Map(lambda f: f == 0, fz).named("no_z")
    xy = rasp.SequenceMap(lambda a, b: a and b, half_x, some_y).named("x_and_y")
    return rasp.SequenceMap(lambda a, b: a and b, xy, no_z).named("x_y_no_z")


def l_shift1_fill_star():
    prev = lib.shift_by(1, rasp.tokens).named("prev")
    return rasp.SequenceMap(lambda p, i: "*" if i < 1 else p + "<", prev, rasp.indices).named("prev_or_star")


def l_shift4_fill_zero():
    back4 = lib.shift_by(4, rasp.tokens).named("back4")
    return rasp.SequenceMap(lambda b, i: 0 if i < 4 else b, back4, rasp.indices).named("back4_or_zero")


def l_shift3_numeric_fill():
    back3 = rasp.Select(rasp.indices, rasp.indices, lambda k, q: q == k + 3).named("back3_sel")
    is_x = rasp.numerical(rasp.Map(lambda t: 1 if t == "x" else 0, rasp.tokens)).named("x01")
    return rasp.numerical(rasp.Aggregate(back3, is_x, default=0)).named("x_three_back")


def l_sort_unique_token_index_key():
    key = rasp.SequenceMap(lambda t, i: 8 * t + i, rasp.tokens, rasp.indices).named("stable_key")
    return lib.make_sort_unique(rasp.tokens, key).named("stable_sort")


def l_sort_by_distance_to_length():
    key = rasp.SequenceMap(lambda t, n: abs(2 * t - n), rasp.tokens, lib.make_length()).named("dist_key")
    return lib.make_sort(rasp.tokens, key, max_seq_len=6, min_key=1).named("sort_by_dist")


def l_dyck_digit_pairs():
    return lib.make_shuffle_dyck(["01", "23", "45"]).named("dyck_digits")


def l_pair_balance_words_sign():
    balance = lib.make_pair_balance(rasp.tokens, "begin", "end").named("block_balance")
    return rasp.Map(lambda b: "under" if b < 0 else ("closed" if b == 0 else "open"), balance).named("block_state")


def l_detect_minus_one_pair():
    return lib.detect_pattern(rasp.tokens, [-1, -1]).named("two_minus_ones")


def l_detect_case_shape():
    upper = rasp.Map(lambda c: c.isupper(), rasp.tokens).named("upper")
    return lib.detect_pattern(upper, [True, False, True]).named("ULU")


def l_count_singletons():
    return lib.make_count_less_freq(1).named("singletons")


def l_nary_class_hist_index():
    warm = rasp.Map(lambda w: {"red": "warm", "orange": "warm", "yellow": "warm", "green": "cool",
                               "blue": "cool", "indigo": "cool", "violet": "cool", "grey": "none"}[w],
                    rasp.tokens).named("warmth")
    return lib.make_nary_sequencemap(lambda c, h, i: c if h > 1 else ("even" if i % 2 == 0 else "odd"),
                                     warm, lib.make_hist(), rasp.indices).named("warmth_or_parity")


# ----------------------------------------------------------------------------- dict maps

def m_neg_int_names():
    name = rasp.Map(lambda x: {-3: "minus three", -2: "minus two", -1: "minus one", 0: "zero",
                               1: "one", 2: "two"}[x], rasp.tokens).named("name")
    even = rasp.Map(lambda x: x % 2 == 0, rasp.tokens).named("even")
    return rasp.SequenceMap(lambda s, e: s.upper() if e else s, name, even).named("shout_even")


def m_float_grade_better():
    grade = rasp.Map(lambda f: {0.1: "F", 0.4: "C", 0.75: "B", 0.9: "A"}[f], rasp.tokens).named("grade")
    return rasp.SelectorWidth(rasp.Select(grade, grade, rasp.Comparison.LT)).named("n_better")


def m_mean_vowel_distance():
    vowel = rasp.numerical(rasp.Map(lambda c: 1 if c.lower() in "aeiou" else 0, rasp.tokens)).named("vowel01")
    everyone = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everyone")
    mean = rasp.numerical(rasp.Aggregate(everyone, vowel, default=0)).named("vowel_share")
    return rasp.numerical(rasp.Map(lambda m: abs(m - 0.5), mean)).named("imbalance")


def m_others_share_categorical():
    is_x = rasp.numerical(rasp.Map(lambda t: 1 if t == "x" else 0, rasp.tokens)).named("x01")
    others = rasp.selector_not(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ)).named("others")
    share = rasp.numerical(rasp.Aggregate(others, is_x, default=0)).named("others_x")
    return rasp.Map(lambda s: "none" if s == 0 else ("all" if s == 1 else "some"), share).named("others_x_word")


# ----------------------------------------------------------------------------- selects

def s_geq_index_width():
    return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.indices, rasp.Comparison.GEQ)).named("n_geq_index")


def s_false_or_two_ahead():
    never = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.FALSE).named("never")
    ahead = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q + 2).named("two_ahead")
    return rasp.Aggregate(rasp.selector_or(never, ahead), rasp.tokens).named("token_two_ahead")


def s_true_and_gt_width():
    always = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE).named("always")
    bigger = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT).named("bigger")
    return rasp.SelectorWidth(rasp.selector_and(always, bigger)).named("n_bigger")


def s_computed_key_plus2():
    key = rasp.Map(lambda t: (2 * t) % 7, rasp.tokens).named("double_mod7")
    query = rasp.Map(lambda t: t + 1, rasp.tokens).named("succ")
    return rasp.SelectorWidth(rasp.Select(key, query, lambda k, q: k == q + 2)).named("n_key_is_q_plus_2")


def s_parity_sum_match():
    key = rasp.Map(lambda c: {"a": 1, "A": 2, "e": 5, "E": 6, "k": 11, "K": 12, "z": 26}[c],
                   rasp.tokens).named("code")
    return rasp.SelectorWidth(rasp.Select(key, rasp.indices, lambda k, q: (k + q) % 2 == 0)).named("n_parity_match")


def s_same_parity_prefix_causal():
    prefix = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ).named("prefix")
    parity = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k % 2 == q % 2).named("same_parity")
    width = rasp.SelectorWidth(rasp.selector_and(prefix, parity)).named("n_same_parity_so_far")
    return rasp.SequenceMap(lambda w, t: t + str(w), width, rasp.tokens).named("token_and_count")


def s_not_geq_prev_causal():
    before = rasp.selector_not(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.GEQ)).named("before")
    just_before = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q - 1).named("just_before")
    return rasp.Aggregate(rasp.selector_and(before, just_before), rasp.tokens).named("prev_token")


def s_shift_big_vocab_refused():
    return lib.shift_by(1, rasp.tokens).named("previous_symbol")


def s_fill_default_refused():
    prev = rasp.Select(rasp.indices, rasp.indices, lambda k, q: q == k + 1).named("prev_sel")
    return rasp.Aggregate(prev, rasp.tokens, default="_").named("prev_filled")


# ----------------------------------------------------------------------------- rare outputs

def r_sorted_full_length():
    below = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT)).named("n_below")
    upto = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LEQ)).named("n_upto")
    in_place = lib.make_nary_sequencemap(lambda lo, hi, i: lo <= i < hi, below, upto,
                                         rasp.indices).named("in_place")
    misplaced = rasp.SelectorWidth(rasp.Select(in_place, in_place, lambda k, q: not k)).named("n_misplaced")
    return rasp.SequenceMap(lambda m, n: "SORTED_FULL" if m == 0 and n == 6 else ("sorted" if m == 0 else "no"),
                            misplaced, lib.make_length()).named("sorted_state")


def r_uniform_neq():
    differ = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.NEQ)).named("n_differ")
    return rasp.Map(lambda d: "uniform" if d == 0 else "mixed", differ).named("uniformity")


def r_exact_input():
    hit = lib.detect_pattern(rasp.tokens, ["p", "q", "q", "p"]).named("pqqp")
    return rasp.SequenceMap(lambda h, n: "EXACT" if h and n == 4 else "-", hit, lib.make_length()).named("is_pqqp")


CASES = [
    # name, builder, vocab, max_seq_len, causal, compile options, what
    ("middle_by_length", l_middle_by_length, ["p", "q"], 9, False, {},
     "lib make_length in index arithmetic: 'left' / 'mid' / 'right' of the middle (2i + 1 vs length; "
     "'mid' only at odd lengths), length 9"),
    ("frac_vowel_vs_upper", l_frac_vowel_vs_upper, MIXED, 6, False, {},
     "frac_prevs(vowel) minus frac_prevs(upper case) (LinearSequenceMap of two frac_prevs), then "
     "'vowels' / 'upper' / 'tie' by sign; mixed-case letters"),
    ("frac_three_bools_causal", l_frac_three_bools_causal, list("xyzw"), 8, True, {},
     "frac_prevs of three bools (x, y, z), each thresholded (>= 1/2, > 0, == 0) and and-ed by two "
     "SequenceMaps, causal (tracr MISCOMPILES one prefix: its MLP reads frac_x 3/7 as >= 1/2, so a "
     "prefix of 7 with 3 x, a y and no z is True, not False)"),
    ("shift1_fill_star", l_shift1_fill_star, list("mno"), 6, False, {},
     "lib shift_by(1) then token + '<', with a fill '*' where i < 1 that never fires: rasp.evaluate "
     "passes None through the SequenceMap, and tracr's net writes nothing there either"),
    ("shift4_fill_zero", l_shift4_fill_zero, [1, 2, 3], 8, False, {},
     "lib shift_by(4) of ints with a fill 0 where i < 4 that never fires (None there, in the program "
     "and the net), length 8"),
    ("shift3_numeric_fill", l_shift3_numeric_fill, list("xyz"), 7, False, {},
     "a numerical shift by 3 of token == 'x' with default 0: the fill that a categorical shift cannot "
     "have (numerical output, 0 at i < 3)"),
    ("sort_unique_token_index_key", l_sort_unique_token_index_key, [0, 1, 2, 3], 6, False, {},
     "lib make_sort_unique(tokens, 8 * token + index): a stable sort, key a SequenceMap of two SOps"),
    ("sort_by_distance_to_length", l_sort_by_distance_to_length, [0, 1, 2, 3], 6, False, {},
     "lib make_sort(tokens, |2 * token - length|, max_seq_len=6, min_key=1): keys from tokens and "
     "length, ties broken by index"),
    ("dyck_digit_pairs", l_dyck_digit_pairs, list("012345"), 5, False, {},
     "lib make_shuffle_dyck(['01', '23', '45']): three bracket pairs spelled as digits"),
    ("pair_balance_words_sign", l_pair_balance_words_sign, BLOCKS, 6, False, {},
     "lib make_pair_balance(tokens, 'begin', 'end') then 'under' / 'closed' / 'open' by sign (a "
     "numerical->categorical Map over a LinearSequenceMap)"),
    ("detect_minus_one_pair", l_detect_minus_one_pair, NEGATIVES, 7, False, {},
     "lib detect_pattern(tokens, [-1, -1]): a pattern of length 2 over negative ints"),
    ("detect_case_shape", l_detect_case_shape, MIXED, 7, False, {},
     "lib detect_pattern(isupper, [True, False, True]): a pattern of length 3 over a derived bool SOp"),
    ("count_singletons", l_count_singletons, COLOURS[:5], 6, False, {"compiler_bos": "<|bos|>"},
     "lib make_count_less_freq(1): how many tokens occur once; BOS '<|bos|>'"),
    ("nary_class_hist_index", l_nary_class_hist_index, COLOURS, 5, False, {},
     "lib make_nary_sequencemap over a dict Map of words (warm / cool / none), make_hist and indices: "
     "the class where the word repeats, else 'even' / 'odd' by index"),
    ("neg_int_names", m_neg_int_names, NEGATIVES, 5, False, {"compiler_bos": "START", "compiler_pad": "PAD"},
     "dict Map of negative ints to words, upper-cased by a second Map (even) in a SequenceMap of two "
     "derived SOps; BOS 'START', pad 'PAD'"),
    ("float_grade_better", m_float_grade_better, FLOATS, 7, False, {},
     "dict Map of floats to letter grades, then SelectorWidth of Select(grade, grade, LT): how many "
     "tokens have a better grade ('A' < 'B')"),
    ("mean_vowel_distance", m_mean_vowel_distance, MIXED, 5, False, {},
     "numerical Map abs(m - 0.5) of the numerical mean of vowel (0/1) over all positions (tracr "
     "MISCOMPILES: its MLP discretises the mean against the wrong points, reading 2/5 as 1/3, 2/3 and "
     "3/5 as 1/2, 3/4 and 4/5 as 1, so it outputs 0.167, 0, 0, 0.5, 0.5 for 0.1, 0.167, 0.1, 0.25, 0.3)"),
    ("others_share_categorical", m_others_share_categorical, ["x", "y"], 6, False, {},
     "numerical mean of token == 'x' over selector_not(indices EQ) (every other position), then "
     "'none' / 'some' / 'all' (tracr MISCOMPILES: a share of 3/4 or 4/5 reads as 1, so 'all', not "
     "'some')"),
    ("geq_index_width", s_geq_index_width, [0, 1, 2, 3, 4, 5], 6, False, {},
     "SelectorWidth of Select(tokens, indices, GEQ): how many tokens are >= my index"),
    ("false_or_two_ahead", s_false_or_two_ahead, LETTERS[:8], 6, False, {},
     "Aggregate of tokens over selector_or(FALSE, k == q + 2): the token two ahead (None in the last "
     "two places), 8 symbols"),
    ("true_and_gt_width", s_true_and_gt_width, [1, 2, 3, 4, 5], 6, False, {},
     "SelectorWidth of selector_and(TRUE, tokens GT): how many tokens are bigger"),
    ("computed_key_plus2", s_computed_key_plus2, list(range(7)), 6, False, {},
     "SelectorWidth of Select(2t % 7, t + 1, k == q + 2): computed keys and queries, a lambda predicate"),
    ("parity_sum_match", s_parity_sum_match, MIXED, 6, False, {},
     "SelectorWidth of Select(dict code of mixed-case letters, indices, (k + q) % 2 == 0)"),
    ("same_parity_prefix_causal", s_same_parity_prefix_causal, ["a", "b"], 10, True, {},
     "token + str(count of same-parity positions so far) via selector_and(LEQ, k % 2 == q % 2), "
     "causal, length 10"),
    ("not_geq_prev_causal", s_not_geq_prev_causal, list("abcd"), 6, True, {},
     "Aggregate over selector_and(selector_not(GEQ), k == q - 1): the previous token (None at 0), "
     "causal"),
    ("shift_big_vocab_refused", s_shift_big_vocab_refused, LETTERS, 6, False, {},
     "lib shift_by(1) over 30 symbols (tracr REFUSES: it crashes assembling the net, 'could not "
     "broadcast input array from shape (69,30) into shape (69,8)'; a categorical Aggregate of tokens "
     "over an indices selector fails once the vocab has more than max_seq_len + 2 symbols)"),
    ("fill_default_refused", s_fill_default_refused, ["a", "b"], 5, False, {},
     "the previous token with default '_' (tracr REFUSES: 'Categorical aggregate only supports None "
     "as default value')"),
    ("sorted_full_length", r_sorted_full_length, [1, 2, 3, 4], 6, False, {"compiler_bos": "^", "compiler_pad": "~"},
     "'SORTED_FULL' only for a non-decreasing input of the full length 6 ('sorted' for shorter "
     "ones, else 'no'): each token's rank range [#LT, #LEQ) must hold its index, misplaced positions "
     "counted by a Select that ignores its query; BOS '^', pad '~'"),
    ("uniform_neq", r_uniform_neq, LETTERS, 8, False, {},
     "'uniform' only when all tokens are equal (SelectorWidth of NEQ == 0), 30 symbols, length 8"),
    ("exact_input", r_exact_input, ["p", "q"], 4, False, {},
     "'EXACT' only at the last position of the whole input p q q p (lib detect_pattern of length 4 "
     "and length == 4); None at positions 0-2"),
]
