"""tracr's 14 `lib.py` programs at longer inputs, compiled by tracr at its default
`mlp_exactness` (`python bench/bench_tracr.py --set lengths`): max_seq_len 8 over 6 symbols, 10
over 4 and 12 over 8, the sizes researchers reach past tracr's examples. From length 8 on, tracr's
own nets stop computing their programs on some inputs (its SelectorWidth MLP steps too shallowly
between 1/(w + 1) and 1/(w + 2): `make_reverse` reads a length of 10 as 9, `make_sort_freq` drops
a token repeated 7 times); a verified answer is then the program of the net, not of the source.

Each case: name, a builder returning the output SOp, vocab, max_seq_len, causal, options (compile
arguments) and what it computes.
"""

from tracr.compiler import lib
from tracr.rasp import rasp


def _letters(n):
    return [chr(ord("a") + i) for i in range(n)]


def _digits(n):
    return list(range(1, n + 1))


def _programs(max_seq_len):
    return {
        "length": (lib.make_length, _letters),
        "reverse": (lambda: lib.make_reverse(rasp.tokens), _letters),
        "pair_balance": (lambda: lib.make_pair_balance(rasp.tokens, "(", ")"), lambda n: ["(", ")"] + _letters(n - 2)),
        "shuffle_dyck": (lambda: lib.make_shuffle_dyck(["()"]), lambda n: ["(", ")"]),
        "shuffle_dyck2": (lib.make_shuffle_dyck2, lambda n: ["(", ")", "{", "}"]),
        "hist": (lib.make_hist, _letters),
        "sort_unique": (lambda: lib.make_sort_unique(rasp.tokens, rasp.tokens), _digits),
        "sort": (lambda: lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=max_seq_len, min_key=1), _digits),
        "sort_freq": (lambda: lib.make_sort_freq(max_seq_len), _letters),
        "frac_prevs": (lambda: lib.make_frac_prevs(rasp.tokens == "a"), _letters),
        "shift_by": (lambda: lib.shift_by(1, rasp.tokens), _digits),
        "detect_pattern": (lambda: lib.detect_pattern(rasp.tokens, ["a", "b"]), _letters),
        "count_less_freq": (lambda: lib.make_count_less_freq(2), _letters),
        "count": (lambda: lib.make_count(rasp.tokens, "a"), _letters),
    }


CASES = [
    # name, builder, vocab, max_seq_len, causal, compile options, what
    (f"{name}_L{max_seq_len}_V{symbols}", build, vocab(symbols), max_seq_len, False, {},
     f"lib make_{name}, {symbols} symbols, length {max_seq_len}")
    for max_seq_len, symbols in ((8, 6), (10, 4), (12, 8))
    for name, (build, vocab) in _programs(max_seq_len).items()
]
