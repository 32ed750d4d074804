"""A second set of programs written in tracr's Python RASP API, by another hand and held out until
measured (`python bench/bench_tracr.py --set second`): lib functions over vocabularies the first set
(`bench/tracr_programs.py`) does not use, and programs of its own; `.named()` with spaces, a causal
index arithmetic, numerical maps tracr clamps, a BOS and pad of other names.

Each case: name, a builder returning the output SOp, vocab, max_seq_len, causal, options (compile
arguments: compiler_bos, compiler_pad) and what it computes.
"""

from tracr.compiler import lib
from tracr.rasp import rasp

WORDS = ["red", "green", "blue"]
PETS = ["dog", "cat", "fish", "dog2"]


# ----------------------------------------------------------------------------- lib, new vocabularies

def l_length_words():
    return lib.make_length()


def l_hist_ints():
    return lib.make_hist()


def l_sort_unique_desc():
    neg = rasp.Map(lambda x: -x, rasp.tokens).named("neg_key")
    return lib.make_sort_unique(rasp.tokens, neg)


def l_sort_ties_mod3():
    key = rasp.Map(lambda x: x % 3, rasp.tokens).named("mod3")
    return lib.make_sort(rasp.tokens, key, max_seq_len=6, min_key=1)


def l_frac_prevs_big():
    return lib.make_frac_prevs(rasp.Map(lambda x: x > 2, rasp.tokens).named("big"))


def l_pair_balance_angle():
    return lib.make_pair_balance(rasp.tokens, "<", ">")


def l_dyck1_curly():
    return lib.make_shuffle_dyck(["{}"])


def l_dyck3():
    return lib.make_shuffle_dyck(["()", "[]", "{}"])


def l_count_dog():
    return lib.make_count(rasp.tokens, "dog")


def l_nary_pick():
    even = rasp.Map(lambda i: i % 2 == 0, rasp.indices).named("even_pos")
    rev = lib.make_reverse(rasp.tokens)
    return lib.make_nary_sequencemap(lambda a, b, c: a if b else c, rasp.tokens, even, rev).named("pick")


def l_shift_by_3():
    return lib.shift_by(3, rasp.tokens)


def l_detect_aba():
    return lib.detect_pattern(rasp.tokens, "aba")


def l_count_less_freq3():
    return lib.make_count_less_freq(3)


def l_sort_freq_ints():
    return lib.make_sort_freq(max_seq_len=6)


# ----------------------------------------------------------------------------- own programs

def o_share_a_vote():
    is_a = rasp.numerical(rasp.Map(lambda t: 1 if t == "a" else 0, rasp.tokens)).named("is_a")
    everyone = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE).named("everyone")
    share = rasp.numerical(rasp.Aggregate(everyone, is_a, default=0)).named("share_a")
    return rasp.Map(lambda f: "majority" if f > 0.5 else ("tie" if f == 0.5 else "minority"),
                    share).named("vote")


def o_mul_mod7():
    return rasp.SequenceMap(lambda x, i: (x * (i + 1)) % 7, rasp.tokens, rasp.indices).named("mulmod")


def o_max_with_mirror():
    rev = lib.make_reverse(rasp.tokens)
    return rasp.SequenceMap(lambda a, b: max(a, b), rasp.tokens, rev).named("max_mirror")


def o_bucket_count():
    bucket = rasp.Map(lambda x: x // 3, rasp.tokens).named("bucket")
    same = rasp.Select(bucket, bucket, rasp.Comparison.EQ).named("same_bucket")
    return rasp.SelectorWidth(same).named("bucket_count")


def o_running_count_causal():
    same = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ).named("same")
    return rasp.SelectorWidth(same).named("seen_so_far")


def o_prev_equal_causal():
    prev = lib.shift_by(1, rasp.tokens)
    return rasp.SequenceMap(lambda a, b: a == b, rasp.tokens, prev).named("repeat")


def o_linear_xy():
    fx = lib.make_frac_prevs(rasp.tokens == "x").named("fx")
    fy = lib.make_frac_prevs(rasp.tokens == "y").named("fy")
    return rasp.numerical(rasp.LinearSequenceMap(fx, fy, 2, -1)).named("lin")


def o_squared_frac():
    fa = lib.make_frac_prevs(rasp.tokens == "a").named("fa")
    return rasp.numerical(rasp.Map(lambda f: f * f, fa)).named("fa_sq")


def o_middle_token():
    length = lib.make_length()
    mid = rasp.Map(lambda n: n // 2, length).named("mid")
    return rasp.Aggregate(rasp.Select(rasp.indices, mid, rasp.Comparison.EQ), rasp.tokens).named("middle")


def o_double_pointer():
    p = rasp.Aggregate(rasp.Select(rasp.indices, rasp.tokens, rasp.Comparison.EQ), rasp.tokens).named("hop1")
    return rasp.Aggregate(rasp.Select(rasp.indices, p, rasp.Comparison.EQ), rasp.tokens).named("hop2")


def o_indices_below_token():
    return rasp.SelectorWidth(rasp.Select(rasp.indices, rasp.tokens, lambda k, q: k < q)).named("below")


def o_vowel_majority():
    vowel = rasp.Map(lambda x: x in "aeiou", rasp.tokens).named("vowel")
    nv = rasp.SelectorWidth(rasp.Select(vowel, vowel, lambda k, q: k)).named("n_vowels")
    length = lib.make_length()
    return rasp.SequenceMap(lambda n, total: n * 2 > total, nv, length).named("vowel_majority")


def o_greater_before_causal():
    return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT)).named("n_greater")


def o_neg_product():
    rev = lib.make_reverse(rasp.tokens)
    return rasp.SequenceMap(lambda x, y: x * y, rasp.tokens, rev).named("prod")


def o_parity_share_big():
    par = rasp.Map(lambda x: x % 2, rasp.tokens).named("parity")
    big = rasp.numerical(rasp.Map(lambda x: 1 if x > 3 else 0, rasp.tokens)).named("big")
    same_par = rasp.Select(par, par, rasp.Comparison.EQ).named("same_parity")
    return rasp.numerical(rasp.Aggregate(same_par, big, default=0)).named("share_big")


def o_half_index_causal():
    half = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == q // 2).named("half")
    return rasp.Aggregate(half, rasp.tokens).named("at_half")


def o_double_numeric():
    return rasp.numerical(rasp.Map(lambda x: 2 * x - 3, rasp.tokens)).named("dbl")


def o_odd_bos_pad():
    # same as mul_mod7 but with nonstandard compiler_bos / compiler_pad (set in CASES)
    return rasp.SequenceMap(lambda x, i: (x + i) % 4, rasp.tokens, rasp.indices).named("tok plus idx")


CASES = [
    # name, builder, vocab, max_seq_len, causal, compile options, what
    ("length_words", l_length_words, WORDS, 8, False, {}, "lib length words"),
    ("hist_ints", l_hist_ints, [0, 1, 2, 3, 4, 5], 7, False, {}, "lib hist ints"),
    ("sort_unique_desc", l_sort_unique_desc, [1, 2, 3, 4, 5, 6], 5, False, {}, "lib sort unique desc"),
    ("sort_ties_mod3", l_sort_ties_mod3, [0, 1, 2, 3, 4, 5], 6, False, {}, "lib sort ties mod3"),
    ("frac_prevs_big", l_frac_prevs_big, [1, 2, 3, 4, 5], 6, False, {}, "lib frac prevs big"),
    ("pair_balance_angle", l_pair_balance_angle, ["<", ">", "x"], 7, False, {}, "lib pair balance angle"),
    ("dyck1_curly", l_dyck1_curly, ["{", "}"], 8, False, {}, "lib dyck1 curly"),
    ("dyck3", l_dyck3, list("()[]{}"), 5, False, {}, "lib dyck3"),
    ("count_dog", l_count_dog, PETS, 6, False, {}, "lib count dog"),
    ("nary_pick", l_nary_pick, list("pqr"), 5, False, {}, "lib nary pick"),
    ("shift_by_3", l_shift_by_3, [0, 1, 2, 3, 4], 7, False, {}, "lib shift by 3"),
    ("detect_aba", l_detect_aba, list("ab"), 8, False, {}, "lib detect aba"),
    ("count_less_freq3", l_count_less_freq3, list("abcde"), 7, False, {}, "lib count less freq3"),
    ("sort_freq_ints", l_sort_freq_ints, [1, 2, 3], 6, False, {}, "lib sort freq ints"),
    ("share_a_vote", o_share_a_vote, list("ab"), 6, False, {}, "share a vote"),
    ("mul_mod7", o_mul_mod7, list(range(7)), 6, False, {}, "mul mod7"),
    ("max_with_mirror", o_max_with_mirror, [0, 1, 2, 3, 4], 6, False, {}, "max with mirror"),
    ("bucket_count", o_bucket_count, list(range(9)), 6, False, {}, "bucket count"),
    ("running_count_causal", o_running_count_causal, WORDS, 7, True, {}, "running count causal"),
    ("prev_equal_causal", o_prev_equal_causal, list("abc"), 6, True, {}, "prev equal causal"),
    ("linear_xy", o_linear_xy, list("xyz"), 6, False, {}, "linear xy"),
    ("squared_frac", o_squared_frac, list("ab"), 5, False, {}, "squared frac"),
    ("middle_token", o_middle_token, PETS, 7, False, {}, "middle token"),
    ("double_pointer", o_double_pointer, [0, 1, 2, 3, 4], 5, False, {}, "double pointer"),
    ("indices_below_token", o_indices_below_token, list(range(7)), 6, False, {}, "indices below token"),
    ("vowel_majority", o_vowel_majority, list("abeiz"), 6, False, {}, "vowel majority"),
    ("greater_before_causal", o_greater_before_causal, [0, 1, 2, 3, 4, 5], 6, True, {}, "greater before causal"),
    ("neg_product", o_neg_product, [-2, -1, 0, 1, 2], 5, False, {}, "neg product"),
    ("parity_share_big", o_parity_share_big, [1, 2, 3, 4, 5, 6], 5, False, {}, "parity share big"),
    ("half_index_causal", o_half_index_causal, list("abcd"), 7, True, {}, "half index causal"),
    ("double_numeric", o_double_numeric, [0, 1, 2, 3], 5, False, {}, "double numeric"),
    ("odd_bos_pad", o_odd_bos_pad, [0, 1, 2, 3], 5, False, {"compiler_bos": "<s>", "compiler_pad": "<pad>"},
     "odd bos pad"),
]
