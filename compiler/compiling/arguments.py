"""The first checks, before any work: the arguments, the kinds of operation, and the size.

Limits keep out what no machine this runs on can hold or check; expression kinds and encodings
tracr cannot compile are named one by one; labels two operations share (tracr identifies
operations by label) are refused rather than merged.
"""

from __future__ import annotations

import networkx as nx
from tracr.compiler import nodes, validating
from tracr.rasp import rasp

from compiler.compiling.facts import Facts
from compiler.errors import CompileError
from compiler.nets.net import encode_value

#: Limits checked before any work: longer inputs or larger vocabularies make nets (and value
#: sets, tables and checks) that no machine this runs on can hold or check.
MAX_SEQ_LEN = 1024
MAX_VOCAB = 2048
#: Most residual directions (one per value of each categorical S-Op, one per numerical S-Op);
#: checked once the value sets are known, before any weight is built.
MAX_RESIDUAL_WIDTH = 16_384
#: Most hidden neurons of one categorical SequenceMap (one per pair of its inputs' values); the
#: largest of ~550 hand-written programs has 10,000. Past this the MLP alone takes gigabytes.
MAX_TABLE_PAIRS = 50_000
#: Most weights a net may have (its float32 parameters alone 2 GB; assembly holds them in float64).
#: The largest of ~550 hand-written programs' nets has 312 million.
MAX_PARAMETERS = 500_000_000
#: Most attention weight a head may leave astray (assembly sharpens wide heads until it does):
#: numbers are read exactly; one-hot codes by argmax, but also by a SelectorWidth's attention,
#: which needs them within ~1e-4 of 1 (`assemble.check_width_reads`), and by sums of maps of them
#: (`blocks.flat_numerical_maps`).
NUMERICAL_LEAK, CATEGORICAL_LEAK = 1e-5, 1e-5

_SUPPORTED_SOPS = (rasp.TokensType, rasp.IndicesType, rasp.Map, rasp.SequenceMap, rasp.Aggregate,
                   rasp.SelectorWidth)


def tracr_order(causal, compiler_bos) -> tuple:
    """(causal, compiler_bos) from a call that may give the BOS token fourth, as this function's
    older order did (tracr's, now ours, puts `causal` fourth)."""
    if isinstance(causal, str):
        import warnings

        warnings.warn("the fourth argument is `causal` (tracr's order); pass the BOS token as compiler_bos=",
                      DeprecationWarning, stacklevel=3)
        return (compiler_bos if isinstance(compiler_bos, bool) else False), causal
    return causal, compiler_bos


def check_arguments(sop, vocab, max_seq_len, bos, pad) -> set:
    if not isinstance(sop, rasp.SOp):
        raise CompileError(f"expected a rasp.SOp, got {type(sop).__name__}")
    try:
        vocab = set(vocab)
    except TypeError as e:
        raise CompileError(f"vocab must be an iterable of hashable tokens ({e})") from None
    if not vocab:
        raise CompileError("vocab is empty")
    for token in vocab:
        if not is_encodable(token) or token is None or token != token:
            raise CompileError(f"vocab token {token!r} is not an int, float, bool, str or tuple "
                               "of these (None and NaN are not tokens)")
    if isinstance(max_seq_len, bool) or not isinstance(max_seq_len, int) or max_seq_len < 1:
        raise CompileError(f"max_seq_len must be an int >= 1, got {max_seq_len!r}")
    if max_seq_len > MAX_SEQ_LEN:
        raise CompileError(f"max_seq_len {max_seq_len} is over the limit of {MAX_SEQ_LEN}: the net's attention and "
                           "value sets grow with it (100,000 would need terabytes)")
    if len(vocab) > MAX_VOCAB:
        raise CompileError(f"a vocab of {len(vocab):,} tokens is over the limit of {MAX_VOCAB:,}: every token is "
                           "a residual direction and a row of every table")
    for name, special in (("compiler_bos", bos), ("compiler_pad", pad)):
        if not isinstance(special, str):
            raise CompileError(f"{name} must be a str, got {special!r}")
        if special in vocab:
            flag = "--bos" if name == "compiler_bos" else "--pad"
            raise CompileError(f"{name} {special!r} is also a vocab token; give the net's {name[9:].upper()} token "
                               f"another name (`{name}=` of compile_program, `{flag}` of fountain compile and check)")
    if bos == pad:
        raise CompileError(f"compiler_bos and compiler_pad are both {bos!r}")
    return vocab


def check_width(facts: Facts) -> None:
    """Refuses a residual stream over MAX_RESIDUAL_WIDTH, and a categorical SequenceMap over
    MAX_TABLE_PAIRS hidden neurons, once the value sets are known and before any weight is built."""
    width = sum(len(facts.values[label]) if rasp.is_categorical(facts.exprs[label]) else 1
                for label in facts.values)
    if width > MAX_RESIDUAL_WIDTH:
        raise CompileError(f"the residual stream would be {width:,} wide (one direction per value of each "
                           f"categorical S-Op), over the limit of {MAX_RESIDUAL_WIDTH:,}; use fewer or "
                           "smaller value sets")
    for label in facts.order:
        expr = facts.exprs[label]
        if (isinstance(expr, rasp.SequenceMap) and rasp.is_categorical(expr)
                and expr.fst.label != expr.snd.label):
            left, right = len(facts.values[expr.fst.label]), len(facts.values[expr.snd.label])
            if left * right > MAX_TABLE_PAIRS:
                raise CompileError(
                    f"{label}: a sequence_map of {expr.fst.label} ({left:,} values) and {expr.snd.label} "
                    f"({right:,} values) needs a hidden neuron per pair of their values, {left * right:,}, "
                    f"over the limit of {MAX_TABLE_PAIRS:,}; give its inputs fewer values (map each to "
                    "only what the function needs from it first) or split it into smaller steps")


def check_supported(sop: rasp.SOp, graph: nx.DiGraph) -> None:
    """Refuses expression kinds and encodings tracr cannot compile, naming each one."""
    problems = []
    for label, node in graph.nodes.items():
        expr = node[nodes.EXPR]
        # per node: tracr's static_validate skips expressions sharing a name ("map", ...)
        unsupported = validating._static_validate_expr(expr)  # pylint: disable=protected-access
        if unsupported:
            problems.append(f"{label}: {unsupported.reason}")
        if isinstance(expr, rasp.Selector) and not isinstance(expr, rasp.Select):
            problems.append(f"{label}: {type(expr).__name__} selectors cannot be compiled "
                            "(only a single Select)")
        elif isinstance(expr, rasp.SOp) and not isinstance(expr, _SUPPORTED_SOPS):
            problems.append(f"{label}: {type(expr).__name__} is not supported by tracr")
    problems += _label_clashes(sop)
    if problems:
        raise CompileError("cannot compile: " + "; ".join(sorted(set(problems))))


def _label_clashes(sop: rasp.SOp) -> list[str]:
    """Labels shared by SOps of different encodings (an annotated copy of a labelled SOp).

    tracr identifies operations by label, so such a pair would silently become one node.
    """
    seen: dict[str, rasp.RASPExpr] = {}
    clashes, stack = [], [sop]
    while stack:
        expr = stack.pop()
        other = seen.get(expr.label)
        if other is None:
            seen[expr.label] = expr
            stack.extend(expr.children)
        elif (other is not expr and isinstance(expr, rasp.SOp)
              and rasp.get_encoding(expr) != rasp.get_encoding(other)):
            clashes.append(f"{expr.label}: two operations with different encodings share "
                           "this label")
    return clashes


def is_encodable(value) -> bool:
    try:
        encode_value(value)
    except TypeError:
        return False
    return not isinstance(value, (list, dict))
