"""A third set of programs written in tracr's Python RASP API (`python bench/bench_tracr.py --set
third`), in the manner of a researcher who uses tracr directly and held out until measured: plain
Python lambdas (`x % 3 == 0`, `abs(k - q) <= 1`, string methods on word vocabularies), numerical
maps and means, SequenceMaps of two derived SOps, selector combinations (`selector_and`,
`selector_or`, `selector_not`), lib helpers with unusual arguments, `.named()` labels, a few causal
programs, and a few whose distinguishing value is reached only on rare inputs (all tokens equal,
one specific pattern). One (`and_across_causal`) combines selectors over different SOps, which
tracr refuses.

Each case: name, a builder returning the output SOp, vocab, max_seq_len, causal, options (compile
arguments: compiler_bos, compiler_pad) and what it computes.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

FRUITS = ["apple", "avocado", "banana", "blueberry", "cherry", "date"]
WORDS = ["a", "to", "the", "bird", "flies", "yellow"]
SHAKESPEARE = ["to", "be", "or", "not"]
PALS = ["noon", "radar", "tide", "east", "stop", "pots"]
LETTERS = [chr(ord("a") + i) for i in range(26)]


# ----------------------------------------------------------------------------- word vocabularies

def w_shared_initial():
    initial = rasp.Map(lambda w: w[0], rasp.tokens).named("initial")
    same = rasp.Select(initial, initial, rasp.Comparison.EQ).named("same_initial")
    return rasp.SelectorWidth(same).named("n_same_initial")


def w_long_word_share():
    is_long = rasp.numerical(rasp.Map(lambda w: 1 if len(w) > 3 else 0, rasp.tokens)).named("is_long")
    everyone = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everyone")
    return rasp.numerical(rasp.Aggregate(everyone, is_long, default=0)).named("long_share")


def w_compare_mirror_len():
    n = rasp.Map(lambda w: len(w), rasp.tokens).named("wlen")
    m = rasp.Map(lambda w: len(w), lib.make_reverse(rasp.tokens)).named("mirror_len")
    return rasp.SequenceMap(lambda a, b: "longer" if a > b else ("same" if a == b else "shorter"),
                            n, m).named("vs_mirror")


def w_sort_desc_len():
    key = rasp.Map(lambda w: 10 - len(w), rasp.tokens).named("neg_len")
    return lib.make_sort(rasp.tokens, key, max_seq_len=6, min_key=2).named("longest_first")


def w_sort_reversed_spelling():
    key = rasp.Map(lambda w: w[::-1], rasp.tokens).named("backwards")
    return lib.make_sort_unique(rasp.tokens, key).named("rhyme_order")


def w_shift_back():
    return lib.shift_by(-1, rasp.tokens).named("next_word")


def w_to_be_or():
    return lib.detect_pattern(rasp.tokens, ["to", "be", "or"]).named("hamlet")


def w_end_meets_start():
    rev = lib.make_reverse(rasp.tokens)
    return rasp.SequenceMap(lambda a, b: a[0] == b[-1], rasp.tokens, rev).named("ends_meet")


def w_uniform_words():
    differ = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.NEQ).named("differ")
    n = rasp.SelectorWidth(differ).named("n_differ")
    return rasp.Map(lambda c: "uniform" if c == 0 else "mixed", n).named("uniformity")


# ----------------------------------------------------------------------------- integers and lambdas

def i_mod3_frac_causal():
    return lib.make_frac_prevs(rasp.Map(lambda x: x % 3 == 0, rasp.tokens).named("div3")).named("div3_frac")


def i_near_count():
    near = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: abs(k - q) <= 1).named("near")
    return rasp.SelectorWidth(near).named("n_near")


def i_mod_div_mix():
    lo = rasp.Map(lambda x: x % 3, rasp.tokens).named("lo")
    hi = rasp.Map(lambda x: x // 3, rasp.tokens).named("hi")
    return rasp.SequenceMap(lambda a, b: (a + 2 * b) % 5, lo, hi).named("mix")


def i_odd_run():
    odd = rasp.Map(lambda x: x % 2, rasp.tokens).named("odd")
    return lib.detect_pattern(odd, [1, 1, 1]).named("three_odd")


def i_even_share_geq():
    even = rasp.numerical(rasp.Map(lambda x: 1 if x % 2 == 0 else 0, rasp.tokens)).named("even")
    geq = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ).named("geq")
    return rasp.numerical(rasp.Aggregate(geq, even, default=0)).named("even_share_above")


def i_gap_prev_causal():
    prev = lib.shift_by(1, rasp.tokens).named("prev")
    return rasp.SequenceMap(lambda a, b: abs(a - b), rasp.tokens, prev).named("gap")


def i_triple_repeat():
    p1 = lib.shift_by(1, rasp.tokens).named("p1")
    p2 = lib.shift_by(2, rasp.tokens).named("p2")
    return lib.make_nary_sequencemap(lambda a, b, c: a == b == c, rasp.tokens, p1, p2).named("triple")


def i_all_same():
    hist = lib.make_hist()
    length = lib.make_length()
    return rasp.SequenceMap(lambda h, n: h == n, hist, length).named("all_same")


def i_count_less_freq4():
    return lib.make_count_less_freq(4)


def i_sort_freq_long_arg():
    return lib.make_sort_freq(max_seq_len=9)


def i_bucket_hist_letters():
    bucket = rasp.Map(lambda c: ord(c) % 4, rasp.tokens).named("bucket")
    same = rasp.Select(bucket, bucket, rasp.Comparison.EQ).named("same_bucket")
    return rasp.SelectorWidth(same).named("bucket_size")


def i_inv_length():
    return rasp.numerical(rasp.Map(lambda n: 1 / n if n > 0 else 0, lib.make_length())).named("inv_len")


def i_nary4():
    return lib.make_nary_sequencemap(lambda t, i, n, r: "mid" if 2 * i + 1 == n else (t if i < n // 2 else r),
                                     rasp.tokens, rasp.indices, lib.make_length(),
                                     lib.make_reverse(rasp.tokens)).named("fold")


# ----------------------------------------------------------------------------- selector combinations

def s_not_near():
    near = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: abs(k - q) <= 1)
    return rasp.SelectorWidth(rasp.selector_not(near)).named("n_far")


def s_or_equal_or_two_up():
    eq = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    up2 = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k == q + 2)
    return rasp.SelectorWidth(rasp.selector_or(eq, up2)).named("eq_or_up2")


def s_band_mean():
    band = rasp.selector_and(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GEQ),
                             rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k - q <= 2))
    small = rasp.numerical(rasp.Map(lambda x: 1 if x < 4 else 0, rasp.tokens)).named("small")
    return rasp.numerical(rasp.Aggregate(band, small, default=0)).named("band_small")


def s_and_across_causal():
    before = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT)
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)
    return rasp.SelectorWidth(rasp.selector_and(before, same)).named("repeats_before")


def s_first_seen_causal():
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same")
    seen = rasp.SelectorWidth(same).named("seen")
    return rasp.Map(lambda c: c == 1, seen).named("first_seen")


CASES = [
    # name, builder, vocab, max_seq_len, causal, compile options, what
    ("shared_initial", w_shared_initial, FRUITS, 6, False, {}, "# words sharing the first letter (w[0])"),
    ("long_word_share", w_long_word_share, WORDS, 6, False, {}, "numerical mean of len(w) > 3"),
    ("compare_mirror_len", w_compare_mirror_len, WORDS, 5, False, {},
     "longer/same/shorter than the mirrored word (SequenceMap of two Maps)"),
    ("sort_desc_len", w_sort_desc_len, WORDS, 6, False, {}, "lib make_sort by 10-len(w), min_key=2"),
    ("sort_reversed_spelling", w_sort_reversed_spelling, PALS, 5, False, {},
     "lib make_sort_unique keyed by w[::-1] (string keys)"),
    ("shift_back", w_shift_back, SHAKESPEARE, 6, False, {}, "lib shift_by(-1): next word"),
    ("to_be_or", w_to_be_or, SHAKESPEARE, 6, False, {}, "lib detect_pattern of words [to, be, or]"),
    ("end_meets_start", w_end_meets_start, PALS, 6, False, {}, "a[0] == mirror[-1] (bool)"),
    ("uniform_words", w_uniform_words, FRUITS, 5, False, {},
     "'uniform' only when all words equal (rare), via Comparison.NEQ width"),
    ("mod3_frac_causal", i_mod3_frac_causal, list(range(30)), 8, True, {},
     "lib make_frac_prevs(x % 3 == 0), 30 symbols, causal"),
    ("near_count", i_near_count, list(range(10)), 6, False, {}, "width of abs(k - q) <= 1"),
    ("mod_div_mix", i_mod_div_mix, list(range(9)), 5, False, {}, "SequenceMap of x%3 and x//3"),
    ("odd_run", i_odd_run, list(range(6)), 6, False, {}, "lib detect_pattern(x%2, [1,1,1])"),
    ("even_share_geq", i_even_share_geq, [1, 2, 3, 4, 5, 6], 5, False, {}, "mean of even over keys >= query"),
    ("gap_prev_causal", i_gap_prev_causal, [0, 1, 2, 3, 4], 7, True, {}, "abs(x - previous x), causal"),
    ("triple_repeat", i_triple_repeat, list("abc"), 6, False, {}, "lib nary a == b == c over shifts 0,1,2"),
    ("all_same", i_all_same, list("abcde"), 6, False, {}, "hist == length: True only if all tokens equal"),
    ("count_less_freq4", i_count_less_freq4, list("xyz"), 5, False, {}, "lib make_count_less_freq(4)"),
    ("sort_freq_long_arg", i_sort_freq_long_arg, list("pq"), 5, False, {},
     "lib make_sort_freq(max_seq_len=9) compiled at 5"),
    ("bucket_hist_letters", i_bucket_hist_letters, LETTERS, 5, False, {}, "width of ord(c)%4 buckets, 26 letters"),
    ("inv_length", i_inv_length, [0, 1], 10, False, {}, "numerical 1/length, length 10"),
    ("nary4", i_nary4, list("ab"), 5, False, {}, "lib nary over tokens, indices, length, reverse"),
    ("not_near", s_not_near, list(range(8)), 6, False, {}, "selector_not of abs(k - q) <= 1"),
    ("or_equal_or_two_up", s_or_equal_or_two_up, list(range(6)), 6, False, {}, "selector_or of EQ and k == q+2"),
    ("band_mean", s_band_mean, list(range(8)), 5, False, {}, "selector_and band mean of x < 4"),
    ("and_across_causal", s_and_across_causal, list("abc"), 6, True, {},
     "selector_and over indices and tokens (tracr refuses)"),
    ("first_seen_causal", s_first_seen_causal, WORDS, 6, True, {}, "first occurrence flag, causal"),
]
