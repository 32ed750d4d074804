"""Compiles a tracr RASP program (a `rasp.SOp`) to a `Net`: tracr's front and middle end, our
guards against its silent miscompilations, our fixes to its blocks, and our numpy assembly, as
one chain of passes (`_compile_sop`) that hand each other values. What each pass refuses or
changes, and why, is in `compiler.compiling` and in each pass's module.
"""

from __future__ import annotations

import collections
import functools
import logging
import re
import warnings
from typing import Any, Callable, Iterable

import networkx as nx
from tracr.compiler import basis_inference, expr_to_craft_graph, nodes, rasp_to_graph
from tracr.craft import bases
from tracr.rasp import rasp

from compiler.compiling import craft_fast  # noqa: F401 - installs the direct builds of tracr's costliest blocks
from compiler.compiling.aggregates import unproven_aggregates
from compiler.compiling.arguments import check_arguments, check_supported, check_width, tracr_order
from compiler.compiling.assemble import OverLimitError, assemble, attention_margins
from compiler.compiling.blocks import (
    fix_blocks,
    flat_numerical_maps,
    make_functions_total,
    margined_sequence_maps,
    skipping_raises,
)
from compiler.compiling.bos import check_nones, plan_bos
from compiler.compiling.causal import check_causal
from compiler.compiling.defined import (
    EXHAUSTIVE_AGGREGATE_CHECK,
    can_check,
    input_count,
    numerical_nones,
    output_none_note,
    possibly_undefined,
    reads_no_order,
    require_defined,
    require_never_none,
    require_no_gaps,
    show_on_every_input,
    show_one_value,
    too_many,
)
from compiler.compiling.exactness import choose_mlp_exactness, use_true_value_sets
from compiler.compiling.facts import Facts
from compiler.compiling.layers import craft_model as allocate_layers
from compiler.errors import CompileError, SourceWarning
from compiler.files import installed_versions
from compiler.language import functions as fn
from compiler.language import nodes as lang
from compiler.language.literals import format_value, value_sort_key
from compiler.language.parser import parse
from compiler.language.program import Program, build_sop, children_first
from compiler.nets.net import Net, value_problem


class _TracrArithmeticNoise(logging.Filter):
    """Drops tracr's root-logger warning for each value a function raises on ("Encountered
    arithmetic error in function ... Assuming this input will never occur"): compile decides
    about such programs itself (refused as undefined, naming the line and an input), and the
    warnings, one per value, buried that one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Encountered arithmetic error in function")


logging.getLogger().addFilter(_TracrArithmeticNoise())


class _ReversibleByView(nx.DiGraph):
    """tracr's basis inference reverses the graph only to walk it; a view walks the same
    nodes without deep-copying every node's expression (a third of the compile time)."""

    def reverse(self, copy: bool = True) -> nx.DiGraph:
        return nx.reverse_view(self)


def compile_sop(sop: rasp.SOp, vocab: Iterable[Any], max_seq_len: int, causal: bool = False,
                compiler_bos: str = "BOS", compiler_pad: str = "PAD", *,
                source: str | None = None, check_inputs: bool = True, build_unproven: bool = False,
                sorted_inputs: bool = True, notes: list[str] | None = None) -> Net:
    """Compiles `sop` for inputs over `vocab` of length 1..`max_seq_len` into a `Net`.

    The arguments are tracr's `compile_rasp_to_model`'s, in its order and with its names
    (`mlp_exactness` is chosen here, per program, for exactness: `compiler.compiling.exactness`).

    `source` (the program's text, if any) is kept in the net's provenance. Raises
    `CompileError` for programs that cannot be compiled exactly (the guards: `compiler.compiling`).
    `check_inputs=False` refuses a categorical Aggregate the static argument cannot clear at
    once, without comparing the net with the program on every input (the fountain, which has
    other programs to draw, does not spend the time).
    `build_unproven=True` builds such an Aggregate as tracr builds it instead of refusing it, for a
    caller that compares the net with the program itself (the decompiler's certificate, which
    compares the program's own outputs with a net's): the net then computes the program only on
    inputs where the Aggregate selects one value, and its provenance says which was not shown.
    Where every input is too many to run, a program that reads no order (`defined.reads_no_order`)
    is run on every sorted input instead (at most `defined.MULTISET_CHECK`: seconds);
    `sorted_inputs=False` does not (the decompiler, which compiles many readings and compares
    their outputs with the net's itself).
    `notes`, when given, gets what a writer should know of a net that compiled: an input on which
    its output is None (among a few hundred tried), and where that None comes from (the net outputs
    None there too: `defined.output_none_note`).
    """
    causal, compiler_bos = tracr_order(causal, compiler_bos)
    arguments = (sop, vocab, max_seq_len, causal, compiler_bos, compiler_pad, source, check_inputs, build_unproven,
                 sorted_inputs, notes)
    try:
        try:
            return _compile_sop(*arguments)
        except OverLimitError as error:
            # built from tracr's value sets, which list a mean's v/w for every width w up to max_seq_len:
            # a mean by a select choosing at most one position takes its input's values and 0 alone
            # (`Facts.select_widths`), and a sum of three such means 13 x 13 x 13 values at length 12
            # where it takes 8 (the thirty-seventh hand-written set's w15 draft: 621 million weights)
            try:
                return _compile_sop(*arguments, true_value_sets=True)
            except CompileError:
                raise error from None  # no smaller from the true ones: the first refusal stands
    except CompileError as error:  # tracr's labels (`y_3`) as the program's names (`y`) where they are unique
        named = _by_name(str(error), sop)
        if named == str(error):
            raise
        raise CompileError(named) from error


def _by_name(message: str, sop: rasp.SOp) -> str:
    """`message` with each S-Op's label replaced by its name, where no other S-Op has that name."""
    exprs = {expr.label: expr for expr in children_first(sop)}
    names = collections.Counter(expr.name for expr in exprs.values())
    renames = {label: expr.name for label, expr in exprs.items() if names[expr.name] == 1 and expr.name != label}
    return _replace_words(message, renames)


def _replace_words(message: str, replacements: dict[str, str], before: str = r"\b") -> str:
    """`message` with each whole word that is a key of `replacements` replaced by its value (the
    longest first; `before`: what must not precede a word)."""
    if not replacements:
        return message
    words = "|".join(map(re.escape, sorted(replacements, key=len, reverse=True)))
    return re.sub(before + "(" + words + r")\b", lambda match: replacements[match.group(1)], message)


def _compile_sop(sop: rasp.SOp, vocab: Iterable[Any], max_seq_len: int, causal: bool, compiler_bos: str,
                 compiler_pad: str, source: str | None, check_inputs: bool, build_unproven: bool = False,
                 sorted_inputs: bool = True, notes: list[str] | None = None, true_value_sets: bool = False) -> Net:
    vocab = check_arguments(sop, vocab, max_seq_len, compiler_bos, compiler_pad)
    extracted = _guarded("extracting the graph", sop, rasp_to_graph.extract_rasp_graph, sop)
    graph, sink = extracted.graph, extracted.sink
    graph.__class__ = _ReversibleByView
    check_supported(sop, graph)
    if isinstance(sop, (rasp.TokensType, rasp.IndicesType)):
        raise CompileError(f"{sop.label}: the program computes nothing (it is just tokens or "
                           "indices), so there is no network to build")
    facts = Facts(graph, vocab, max_seq_len)
    check_width(facts)
    skipping_raises(facts, graph)
    ours = _infer_value_sets(sop, graph, sink, vocab, max_seq_len, facts, true_value_sets)
    # the guards run every input where there are few, or every sorted one of a program blind to order
    every = check_inputs and input_count(vocab, max_seq_len) <= EXHAUSTIVE_AGGREGATE_CHECK
    unordered = sorted_inputs and reads_no_order(facts, causal)
    exhaustive = check_inputs and can_check(vocab, max_seq_len, unordered)
    unproven = unproven_aggregates(facts)
    first_unproven = next(iter(unproven.values()), "")
    unshown = bool(unproven) and (causal or not exhaustive)
    causal_checked = causal and unshown
    if causal_checked:
        # a net that is not the program on each prefix is refused whatever its aggregates: said first,
        # so a writer does not rewrite an aggregate the causal net could not compute anyway (the
        # thirty-ninth hand-written set's y22, a record fetch by a count over unpacked keys)
        check_causal(facts)
    if unshown and not build_unproven:
        raise CompileError(first_unproven + _unchecked(vocab, max_seq_len, causal, check_inputs, unordered))
    undefined = possibly_undefined(facts)
    if undefined:  # a program must be defined on every input: shown on each, or refused
        require_defined(sop, vocab, max_seq_len, undefined[0], exhaustive, facts.witnesses, probe=check_inputs,
                        unordered=unordered)
    nones = numerical_nones(facts)
    if nones:  # nor None where it is numerical: shown never to be, or refused
        require_never_none(facts, nones, vocab, max_seq_len, exhaustive, probe=check_inputs, unordered=unordered)
    # a numerical table's missing entries
    require_no_gaps(facts, vocab, max_seq_len, exhaustive, probe=check_inputs, unordered=unordered)
    shown = f"every input checked ({input_count(vocab, max_seq_len)})"
    if unproven and not unshown and not every:  # the program itself, on every sorted input
        shown = show_one_value(facts, sop, unproven, vocab, max_seq_len)
    if not facts.values.get(sink[nodes.ID], True):
        raise CompileError(f"{sop.name}: the output has no value on any input (every line it could take one "
                           "from gives None), so the net would have nothing to output; check its tables' keys")
    if causal and not causal_checked:
        check_causal(facts)
    mlp_exactness, corrected = choose_mlp_exactness(facts, graph)
    corrected = corrected or ours
    bos_plan = plan_bos(facts, graph, mlp_exactness)
    check_nones(facts, bos_plan.hides_none)
    make_functions_total(facts, graph)
    bos = bases.BasisDirection(rasp.tokens.label, compiler_bos)
    _guarded("building craft blocks", sop, expr_to_craft_graph.add_craft_components_to_rasp_graph,
             graph, bos_dir=bos, mlp_exactness=mlp_exactness)
    margined = margined_sequence_maps(facts)
    flat = flat_numerical_maps(facts, margined, mlp_exactness)
    fix_blocks(facts, graph, bos_plan.silenced, bos, margined, flat)
    craft_model = _guarded("allocating layers", sop, allocate_layers, graph, extracted.sources)
    provenance = {
        "variant": "compiled",
        "source": source,
        "program": sop.label,
        "vocab": sorted(vocab, key=value_sort_key),
        "max_seq_len": max_seq_len,
        "causal": causal,
        "compiler_bos": compiler_bos,
        "compiler_pad": compiler_pad,
        "mlp_exactness": mlp_exactness,
        "value_sets_corrected": corrected,
        "silenced_at_bos": sorted(bos_plan.silenced),
        "versions": _versions(),
    }
    if margined:  # only where there are, so a net without them keeps its bytes
        provenance["margined_sequence_maps"] = sorted(margined)
    if flat:
        provenance["flat_numerical_maps"] = sorted(flat)
    if unshown:
        provenance["aggregates_unshown"] = _by_name(first_unproven, sop)
    elif unproven:
        provenance["aggregates_shown"] = shown
    net = assemble(craft_model, graph, sink, vocab, max_seq_len, compiler_bos, compiler_pad,
                   causal, attention_margins(graph, max_seq_len, facts.always_selects), provenance)
    if unproven and not unshown and every:
        show_on_every_input(net, sop, vocab, max_seq_len, first_unproven)
    problem = value_problem(net)  # e.g. a linear_sequence_map factor that overflows float32
    if problem:
        raise CompileError(f"{sop.name}: the net's weights would not be finite ({problem}); scale the "
                           "program's numbers down")
    if notes is not None:  # an output that is None on some input: the net gives it too, which a writer may not mean
        note = output_none_note(facts, sop, vocab, max_seq_len, causal)
        if note:
            notes.append(_by_name(note, sop))
    return net


def numerical_gaps(program: Program, vocab: Iterable[Any], max_seq_len: int) -> dict[int, set[tuple]]:
    """The arguments on which each numerical map or sequence_map of `program` gives None that
    compile takes its inputs to reach (`Facts.gaps`: refused unless every input shows none does),
    by the id of its node; empty where there are none, or compile refuses the program before it
    knows (a value set it cannot enumerate). A decompiled reading's tables hold the values the
    net was seen to give; what compile asks of them beyond that is here."""
    exprs: dict[int, Any] = {}
    sop = build_sop(program, exprs)
    node_of = {expr.label: node for node, expr in exprs.items()}
    try:
        facts = Facts(rasp_to_graph.extract_rasp_graph(sop).graph, set(vocab), max_seq_len)
    except CompileError:
        return {}
    return {node_of[label]: set(missing) for label, missing in facts.gaps.items() if label in node_of}


def _unchecked(vocab: set, max_seq_len: int, causal: bool, check_inputs: bool, unordered: bool) -> str:
    """Why compile did not settle an unproven aggregate by running the program on every input."""
    if causal:
        return ". A causal program's categorical aggregates are not checked input by input"
    if not check_inputs:
        return ". Checking every input was turned off"
    return (f". Compile checks such a categorical aggregate on every input: {too_many(vocab, max_seq_len, unordered)}; "
            "with a smaller vocabulary or max_seq_len it would run them, and build the net only if no input makes "
            "this aggregate select several different values (a numerical mean needs no such check)")


def _located(message: str, program: Program) -> str:
    """`message` with the names compile gave operations written inline (`v12`, in no line of the
    source) replaced by where they are written: "the select at line 11, column 19"."""
    names = program.names(keep=True)
    places = {names[id(node)]: f"the {node.kind} at line {node.where[0]}, column {node.where[1]}"
              for node in program.nodes if node.name is None and node.where}
    message = _replace_words(message, places, before=r"(?<![\w.])")
    # a message about a named line says where that line is
    named = {names[id(node)]: node.where for node in program.nodes if node.name is not None and node.where}
    first = re.match(r"([A-Za-z_]\w*):", message)
    if first and first.group(1) in named:
        line, column = named[first.group(1)]
        message = f"{first.group(1)} (line {line}, column {column}):{message[first.end():]}"
    undefined = re.search(r"\bbut ([A-Za-z_]\w*) is not defined on the input", message)
    if undefined and undefined.group(1) in named:  # `require_defined`'s refusal names the line
        line, column = named[undefined.group(1)]
        message = f"{message[:undefined.end(1)]} (line {line}, column {column}){message[undefined.end(1):]}"
    return message


def _infer_value_sets(sop: rasp.SOp, graph: nx.DiGraph, sink, vocab: set, max_seq_len: int, facts: Facts,
                      true: bool = False) -> bool:
    """tracr's value sets (its basis inference), or the true ones (`Facts.values`) where tracr gives
    up on a numerical mean of values other than 0/1 (its rule lists v/n only, which it knows is
    wrong for them; `Facts` lists the mean of any 1..n of them), or with `true`: whether the true
    ones were used."""
    try:
        _guarded("inferring value sets", sop, basis_inference.infer_bases, graph, sink, vocab, max_seq_len)
        if not true:
            return False
    except CompileError as error:
        if "can currently only average binary variables" not in str(error):
            raise
    use_true_value_sets(facts, graph)
    return True


def _guarded(step: str, sop: rasp.SOp, fn: Callable, *args, **kwargs):
    """Runs a tracr step, turning whatever it raises into a CompileError."""
    try:
        return fn(*args, **kwargs)
    except CompileError:
        raise
    except Exception as e:  # tracr signals refusals with many exception types
        if isinstance(e, TypeError) and "not supported between instances of" in str(e):
            raise CompileError(f"the program's values cannot all be ordered ({e}) and tracr orders every value "
                               f"set while {step}; make the values each comparison or sorted S-Op takes all numbers or "
                               "all strings: a table giving each value its rank orders words and numbers "
                               "alike") from e
        raise CompileError(f"{sop.label}: tracr failed while {step}: "
                           f"{type(e).__name__}: {e}") from e


@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    return installed_versions(["rasp-fountain", "tracr-pypi", "numpy", "safetensors"], missing="unknown")


def _warn_of_number_keys(program: Program, vocab: list) -> None:
    """A `SourceWarning` for each table on the tokens whose key matches no token but is a token's
    number written the other way (the key 4.5, the token "4.5": a vocabulary token that looks like
    an integer is an int, any other a string), so that the table gives None where the writer meant
    a value, and nothing else would say so (the twenty-sixth hand-written set's n17 draft)."""
    def number(value: Any) -> float | None:
        if isinstance(value, bool):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    tokens = {}
    for token in vocab:
        if number(token) is not None:
            tokens.setdefault(number(token), token)
    for node in program.nodes:
        if not (isinstance(node, lang.Map) and node.inner is lang.TOKENS and isinstance(node.function, fn.Table)):
            continue
        for key, _ in node.function.entries:
            token = tokens.get(number(key))
            if key in vocab or token is None or type(token) is type(key) or number(key) is None:
                continue
            line, column = node.where or (0, 0)
            warnings.warn(SourceWarning(
                f"line {line}, column {column}: map: the table's key {format_value(key)} matches no token, but the "
                f"token {format_value(token)} is {'a string' if isinstance(token, str) else 'a number'} (a vocabulary "
                "token that looks like an integer is an int, any other a string), so the map gives None there; write "
                f"the key as {format_value(token)}"), stacklevel=3)
            break


def compile_program(program, vocab: Iterable[Any], max_seq_len: int, causal: bool = False,
                    compiler_bos: str = "BOS", compiler_pad: str = "PAD", *, check_inputs: bool = True,
                    build_unproven: bool = False, sorted_inputs: bool = True, notes: list[str] | None = None) -> Net:
    """Compiles a `Program`, source text or tracr SOp to a `Net` (see `compile_sop`).

    Source text that does not parse raises `SourceError`; the net's provenance keeps the
    program's canonical text when there is one. `notes`: as `compile_sop`'s, located in the
    source (line and column).
    """
    causal, compiler_bos = tracr_order(causal, compiler_bos)
    if isinstance(program, str):
        program = parse(program)
    if isinstance(program, Program):
        vocab = list(vocab)
        _warn_of_number_keys(program, vocab)
        found: list[str] = []
        try:
            net = compile_sop(program.sop, vocab, max_seq_len, causal, compiler_bos, compiler_pad,
                              source=program.source, check_inputs=check_inputs, build_unproven=build_unproven,
                              sorted_inputs=sorted_inputs, notes=found if notes is not None else None)
            if notes is not None:
                notes.extend(_located(note, program) for note in found)
            return net
        except CompileError as error:  # lines written inline have no name of their own: say where they are
            located = _located(str(error), program)
            if located == str(error):
                raise
            raise CompileError(located) from error
    if isinstance(program, rasp.SOp):
        return compile_sop(program, vocab, max_seq_len, causal, compiler_bos, compiler_pad, check_inputs=check_inputs,
                           build_unproven=build_unproven, sorted_inputs=sorted_inputs, notes=notes)
    raise CompileError(f"compile_program takes a Program, source text or tracr SOp, not {type(program).__name__}")
