"""The programs of tracr's own `lib.py` as examples: compiled with a net's vocabulary and length
(`tracr_library_examples`), or each with a vocabulary of its own kind, as tracr's examples use them
(`tracr_library_own_vocab`). Programs no generator drew: the decompiler's out-of-distribution test.
"""

from __future__ import annotations

import compiler
from compiler.nets.net import Net
from interpreter.data import Example

#: The variant name of these examples in evaluation reports.
OUT_OF_DISTRIBUTION = "tracr-lib"


def net_domain(net: Net) -> tuple[list, int, bool]:
    """(vocabulary, max_seq_len, causal) a net was compiled for (its provenance, else its shape)."""
    vocab = net.provenance.get("vocab") or net.vocab
    return list(vocab), int(net.provenance.get("max_seq_len", net.config.max_seq_len)), net.config.causal


def tracr_library_examples(like: Net) -> list[Example]:
    """Programs of tracr's lib.py as examples compiled with `like`'s vocabulary and max_seq_len
    (those that tracr cannot compile there are left out)."""
    from tracr.compiler import lib
    from tracr.rasp import rasp

    vocab, max_seq_len, causal = net_domain(like)
    first, second = sorted(vocab, key=repr)[:2] if len(vocab) > 1 else (vocab[0], vocab[0])
    builders = {
        "hist": lib.make_hist,
        "length": lib.make_length,
        "reverse": lambda: lib.make_reverse(rasp.tokens),
        "sort_unique": lambda: lib.make_sort_unique(rasp.tokens, rasp.tokens),
        "sort_freq": lambda: lib.make_sort_freq(max_seq_len),
        "frac_prevs": lambda: lib.make_frac_prevs(rasp.tokens == first),
        "shift_by_1": lambda: lib.shift_by(1, rasp.tokens),
        "shift_by_2": lambda: lib.shift_by(2, rasp.tokens),
        "detect_pattern": lambda: lib.detect_pattern(rasp.tokens, [first, second]),
        "count_less_freq": lambda: lib.make_count_less_freq(2),
        "count": lambda: lib.make_count(rasp.tokens, first),
    }
    return _library_examples({name: (build, vocab, max_seq_len) for name, build in builders.items()}, causal)


def tracr_library_own_vocab(max_seq_len: int = 5) -> list[Example]:
    """The 14 programs of tracr's lib.py, each compiled with a vocabulary of its own kind, as
    tracr's examples use them: letters for counting and reversing, brackets for the Dyck
    languages, integers for sorting and shifting (variant "tracr-lib")."""
    from tracr.compiler import lib
    from tracr.rasp import rasp

    letters, digits = ["a", "b", "c"], [1, 2, 3, 4]
    builders = {
        "length": (lib.make_length, letters),
        "reverse": (lambda: lib.make_reverse(rasp.tokens), letters),
        "pair_balance": (lambda: lib.make_pair_balance(rasp.tokens, "(", ")"), ["(", ")", "x"]),
        "shuffle_dyck": (lambda: lib.make_shuffle_dyck(["()"]), ["(", ")"]),
        "shuffle_dyck2": (lib.make_shuffle_dyck2, ["(", ")", "{", "}"]),
        "hist": (lib.make_hist, letters),
        "sort_unique": (lambda: lib.make_sort_unique(rasp.tokens, rasp.tokens), digits),
        "sort": (lambda: lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=max_seq_len, min_key=1), digits),
        "sort_freq": (lambda: lib.make_sort_freq(max_seq_len), letters),
        "frac_prevs": (lambda: lib.make_frac_prevs(rasp.tokens == "a"), letters),
        "shift_by": (lambda: lib.shift_by(1, rasp.tokens), digits),
        "detect_pattern": (lambda: lib.detect_pattern(rasp.tokens, ["a", "b"]), letters),
        "count_less_freq": (lambda: lib.make_count_less_freq(2), letters),
        "count": (lambda: lib.make_count(rasp.tokens, "a"), letters),
    }
    return _library_examples({name: (build, vocab, max_seq_len) for name, (build, vocab) in builders.items()}, False)


def _library_examples(builders: dict, causal: bool) -> list[Example]:
    examples = []
    for name, (build, vocab, max_seq_len) in builders.items():
        try:
            source = compiler.to_source(build(), vocab=set(vocab), max_seq_len=max_seq_len)
            net = compiler.compile_program(source, vocab=set(vocab), max_seq_len=max_seq_len, causal=causal)
        except (compiler.SourceError, compiler.CompileError, ValueError):
            continue
        examples.append(Example(net, source, OUT_OF_DISTRIBUTION, "test", name))
    return examples
