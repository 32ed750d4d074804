"""Programs written directly in tracr's Python RASP API, as a researcher would (a probe of
`Net.from_tracr` and `fountain decompile` on nets tracr itself compiles; `bench/bench_tracr.py`).

Each case: name, a builder returning the output SOp (built fresh, so labels are new per build),
vocab, max_seq_len, causal, options ({"by_label": True}: import by the output's label string), and
what it computes. Five are programs tracr itself refuses (selector_and, a numerical mean of
non-0/1 values, `rasp.length`, a numerical sequence_map), kept to show that refusal.
"""
from tracr.compiler import lib
from tracr.rasp import rasp

WORDS = ["the", "cat", "sat", "on", "mat"]
ANIMALS = {"cat": "animal", "dog": "animal", "emu": "animal", "rock": "thing", "tree": "plant"}


def length():
    return lib.make_length()


def reverse(sop):
    return lib.make_reverse(sop)


# ------------------------------------------------------------------------------- lib-based


def c_length():
    return lib.make_length()


def c_length_causal():
    return lib.make_length()


def c_reverse():
    return lib.make_reverse(rasp.tokens)


def c_hist_words():
    return lib.make_hist()


def c_sort_unique():
    return lib.make_sort_unique(rasp.tokens, rasp.tokens)


def c_sort_nonunique():
    return lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=6, min_key=1)


def c_sort_by_index_desc():
    # sort tokens by a descending key: reverses via sort machinery
    keys = rasp.Map(lambda i: 10 - i, rasp.indices)
    return lib.make_sort_unique(rasp.tokens, keys)


def c_sort_freq():
    return lib.make_sort_freq(max_seq_len=5)


def c_frac_prevs_causal():
    return lib.make_frac_prevs(rasp.tokens == "x")


def c_pair_balance():
    return lib.make_pair_balance(rasp.tokens, "(", ")")


def c_shuffle_dyck_2():
    return lib.make_shuffle_dyck(["()", "[]"])


def c_shift_by_2_causal():
    return lib.shift_by(2, rasp.tokens)


def c_detect_pattern():
    return lib.detect_pattern(rasp.tokens, "abc")


def c_count_less_freq():
    return lib.make_count_less_freq(2)


def c_count_b():
    return lib.make_count(rasp.tokens, "b")


def c_nary():
    parity = rasp.Map(lambda x: x % 2, rasp.tokens)
    return lib.make_nary_sequencemap(lambda a, b, c: (a + b * c) % 4, rasp.tokens, rasp.indices, parity)


# ------------------------------------------------------------------------------- own programs


def c_tok_plus_idx_mod3():
    return rasp.SequenceMap(lambda x, i: (x + i) % 3, rasp.tokens, rasp.indices)


def c_first_token_causal():
    first = rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0)
    return rasp.Aggregate(first, rasp.tokens)


def c_pairs_concat():
    return rasp.SequenceMap(lambda a, b: a + b, rasp.tokens, reverse(rasp.tokens))


def c_is_palindrome():
    same = rasp.SequenceMap(lambda a, b: 1 if a == b else 0, rasp.tokens, reverse(rasp.tokens))
    same_num = rasp.numerical(rasp.Map(lambda x: x, same))
    everyone = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE)
    frac = rasp.numerical(rasp.Aggregate(everyone, same_num, default=0))
    return rasp.categorical(rasp.Map(lambda f: "yes" if f > 0.99 else "no", frac))


def c_count_smaller():
    return rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.LT))


def c_bigger_before_causal():
    before = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LT)
    bigger = rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT)
    return rasp.SelectorWidth(rasp.selector_and(before, bigger))


def c_not_same_count():
    return rasp.SelectorWidth(rasp.selector_not(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ)))


def c_mean_token():
    everyone = rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.TRUE)
    value = rasp.numerical(rasp.Map(lambda x: x, rasp.tokens))
    return rasp.numerical(rasp.Aggregate(everyone, value, default=0))


def c_neg_map_numeric():
    return rasp.numerical(rasp.Map(lambda x: x - 2, rasp.tokens))


def c_frac_a_threshold():
    frac = lib.make_frac_prevs(rasp.tokens == "a")
    return rasp.categorical(rasp.Map(lambda f: "hi" if f > 0.5 else "lo", frac))


def c_pair_swap():
    partner = rasp.Map(lambda i: i + 1 if i % 2 == 0 else i - 1, rasp.indices)
    return rasp.Aggregate(rasp.Select(rasp.indices, partner, rasp.Comparison.EQ), rasp.tokens)


def c_mode_marker():
    hist = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ))
    higher = rasp.SelectorWidth(rasp.Select(hist, hist, rasp.Comparison.GT))
    is_mode = rasp.Map(lambda h: h == 0, higher)
    marked = rasp.SequenceMap(lambda m, t: t if m else "_", is_mode, rasp.tokens)
    return reverse(marked)


def c_bracket_sign():
    opens = lib.make_frac_prevs(rasp.tokens == "(")
    closes = lib.make_frac_prevs(rasp.tokens == ")")
    bal = rasp.numerical(rasp.LinearSequenceMap(opens, closes, 1, -1))
    return rasp.categorical(rasp.Map(lambda b: "neg" if b < -1e-6 else ("zero" if b < 1e-6 else "pos"), bal))


def c_index_parity_upper():
    return rasp.SequenceMap(lambda t, i: t if i % 2 == 0 else t.upper(), rasp.tokens, rasp.indices)


def c_length_minus_index():
    return rasp.SequenceMap(lambda n, i: n - i, length(), rasp.indices)


def c_new_max_causal():
    bigger_before = rasp.selector_and(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.GT),
                                      rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ))
    w = rasp.SelectorWidth(bigger_before)
    return rasp.Map(lambda w: "new_max" if w == 0 else "no", w)


def c_follow_pointer():
    return rasp.Aggregate(rasp.Select(rasp.indices, rasp.tokens, rasp.Comparison.EQ), rasp.tokens)


def c_mean_big_among_smaller():
    big = rasp.numerical(rasp.Map(lambda x: 1 if x > 2 else 0, rasp.tokens))
    smaller = rasp.Select(rasp.tokens, rasp.tokens, lambda k, q: k < q)
    return rasp.numerical(rasp.Aggregate(smaller, big, default=0))


def c_animal_count():
    kind = rasp.Map(lambda w: ANIMALS[w], rasp.tokens)
    return lib.make_count(kind, "animal")


def c_rasp_length_primitive():
    # rasp.length used directly, as the RASP paper writes it
    return rasp.SequenceMap(lambda n, i: (n + i) % 4, rasp.length, rasp.indices)


def c_last_token_broadcast():
    last = rasp.Map(lambda n: n - 1, length())
    return rasp.Aggregate(rasp.Select(rasp.indices, last, rasp.Comparison.EQ), rasp.tokens)


def c_frac_same_as_first_causal():
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0), rasp.tokens)
    same = rasp.numerical(rasp.SequenceMap(lambda a, b: 1 if a == b else 0, rasp.tokens, first))
    return rasp.numerical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.LEQ),
                                         same, default=0))


def c_bucketed_hist():
    hist = lib.make_hist()
    return rasp.Map(lambda h: "rare" if h == 1 else ("some" if h <= 3 else "many"), hist)


def c_frac_same_as_first_causal2():
    first = rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, lambda k, q: k == 0), rasp.tokens)
    same = rasp.SequenceMap(lambda a, b: 1 if a == b else 0, rasp.tokens, first)
    return lib.make_frac_prevs(rasp.numerical(rasp.Map(lambda x: x, same)))


def c_frac_scaled():
    frac = lib.make_frac_prevs(rasp.tokens == "a")
    return rasp.numerical(rasp.Map(lambda f: 2 * f + 1, frac))


def c_named_output_colon():
    return rasp.SequenceMap(lambda t, i: f"{t}{i}", rasp.tokens, rasp.indices).named("answer:final")


def c_reverse_causal():
    return lib.make_reverse(rasp.tokens)


def c_word_len_sort():
    keys = rasp.Map(len, rasp.tokens)
    return lib.make_sort(rasp.tokens, keys, max_seq_len=8, min_key=1)


CASES = [
    # name, builder, vocab, max_seq_len, causal, extra kwargs, what
    ("length", c_length, [1, 2, 3], 5, False, {}, "lib make_length"),
    ("length_causal", c_length_causal, ["a", "b"], 6, True, {}, "lib make_length, causal"),
    ("reverse", c_reverse, list("abcde"), 6, False, {}, "lib make_reverse(tokens)"),
    ("hist_words", c_hist_words, ["cat", "dog", "emu"], 7, False, {}, "lib make_hist over words"),
    ("sort_unique", c_sort_unique, list(range(10)), 5, False, {},
     "lib make_sort_unique(tokens, tokens), keys may repeat"),
    ("sort_nonunique", c_sort_nonunique, [1, 2, 3, 4, 5], 6, False, {}, "lib make_sort(tokens, tokens, 6, 1)"),
    ("sort_by_index_desc", c_sort_by_index_desc, list("wxyz"), 6, False, {}, "lib make_sort_unique with keys 10-i"),
    ("sort_freq", c_sort_freq, list("abc"), 5, False, {}, "lib make_sort_freq(5)"),
    ("frac_prevs_causal", c_frac_prevs_causal, list("xyz"), 8, True, {}, "lib make_frac_prevs(tokens=='x'), causal"),
    ("pair_balance", c_pair_balance, ["(", ")", "a"], 8, False, {}, "lib make_pair_balance(tokens,'(',')')"),
    ("shuffle_dyck_2", c_shuffle_dyck_2, ["(", ")", "[", "]"], 6, False, {}, "lib make_shuffle_dyck(['()','[]'])"),
    ("shift_by_2_causal", c_shift_by_2_causal, list("abcd"), 6, True, {}, "lib shift_by(2, tokens), causal"),
    ("detect_pattern", c_detect_pattern, list("abc"), 7, False, {}, "lib detect_pattern(tokens,'abc')"),
    ("count_less_freq", c_count_less_freq, list("abcd"), 6, False, {}, "lib make_count_less_freq(2)"),
    ("count_b", c_count_b, list("abc"), 8, False, {}, "lib make_count(tokens,'b')"),
    ("nary", c_nary, [0, 1, 2, 3], 5, False, {}, "lib make_nary_sequencemap((a+b*c)%4; tokens, indices, tokens%2)"),
    ("tok_plus_idx_mod3", c_tok_plus_idx_mod3, [0, 1, 2, 3, 4], 7, False, {}, "(token+index)%3"),
    ("first_token_causal", c_first_token_causal, WORDS, 6, True, {}, "broadcast first token, causal"),
    ("pairs_concat", c_pairs_concat, list("abc"), 5, False, {}, "token + reversed token (string concat)"),
    ("is_palindrome", c_is_palindrome, list("ab"), 6, False, {}, "palindrome via numerical mean then threshold"),
    ("count_smaller", c_count_smaller, list(range(1, 9)), 8, False, {}, "selector_width(select(tokens,tokens,LT))"),
    ("bigger_before_causal", c_bigger_before_causal, [0, 1, 2, 3, 4], 6, True, {},
     "# earlier larger tokens (selector_and), causal"),
    ("not_same_count", c_not_same_count, [1, 2, 3], 7, False, {}, "selector_width(not select(tokens,tokens,EQ))"),
    ("mean_token", c_mean_token, [0, 1, 2, 3], 5, False, {}, "numerical mean of token values (not 0/1)"),
    ("neg_map_numeric", c_neg_map_numeric, [0, 1, 2, 3, 4], 4, False, {}, "numerical map x-2 (negative outputs)"),
    ("frac_a_threshold", c_frac_a_threshold, list("ab"), 6, False, {},
     "frac_prevs(a) > 0.5 -> hi/lo (numerical->categorical MLP)"),
    ("pair_swap", c_pair_swap, WORDS, 8, False, {}, "swap adjacent pairs via computed index"),
    ("mode_marker", c_mode_marker, list("abcd"), 6, False, {}, "mark most frequent tokens, then reverse (8 ops)"),
    ("bracket_sign", c_bracket_sign, ["(", ")"], 6, False, {}, "sign of pair balance (numerical->categorical)"),
    ("index_parity_upper", c_index_parity_upper, list("abc"), 5, False, {}, "upper-case odd positions"),
    ("length_minus_index", c_length_minus_index, [1, 2], 10, False, {}, "length - index, length 10"),
    ("new_max_causal", c_new_max_causal, [0, 1, 2, 3, 4, 5], 7, True, {}, "running-max flag, causal"),
    ("follow_pointer", c_follow_pointer, [0, 1, 2, 3], 4, False, {}, "aggregate(select(indices,tokens,EQ),tokens)"),
    ("mean_big_among_smaller", c_mean_big_among_smaller, [1, 2, 3, 4, 5], 6, False, {},
     "mean of (x>2) over smaller keys, default 0"),
    ("animal_count", c_animal_count, list(ANIMALS), 6, False, {}, "map words to classes, count 'animal'"),
    ("rasp_length_primitive", c_rasp_length_primitive, [1, 2], 5, False, {}, "uses rasp.length directly"),
    ("last_token_broadcast", c_last_token_broadcast, list("pqrs"), 9, False, {}, "broadcast last token"),
    ("frac_same_as_first_causal", c_frac_same_as_first_causal, list("ab"), 7, True, {},
     "prefix share of tokens equal to first, causal"),
    ("frac_same_as_first_causal2", c_frac_same_as_first_causal2, list("ab"), 7, True, {},
     "as above, categorical sequence_map then numerical map, causal"),
    ("frac_scaled", c_frac_scaled, list("ab"), 5, False, {},
     "numerical map 2f+1 of frac_prevs (numerical->numerical MLP)"),
    ("named_output_colon", c_named_output_colon, list("ab"), 4, False, {"by_label": True},
     "output SOp named 'answer:final', imported by label string"),
    ("reverse_causal", c_reverse_causal, list("abc"), 5, True, {},
     "lib make_reverse, causal (not prefix-stable; tracr compiles it anyway)"),
    ("word_len_sort", c_word_len_sort,
     ["a", "an", "the", "cats", "dog", "horse", "bee", "tiger", "ox", "zebra", "elk", "yak"], 8, False, {},
     "lib make_sort of words by word length, 12 words"),
    ("bucketed_hist", c_bucketed_hist, ["x", "y"], 10, False, {}, "hist bucketed rare/some/many, length 10"),
]
