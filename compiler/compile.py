"""Compiles a tracr RASP program (a `rasp.SOp`) to a `Net`, refusing what tracr would miscompile.

The front and middle end are tracr's own (`rasp_to_graph`, `basis_inference`,
`expr_to_craft_graph`, `craft_graph_to_model`); the weights are assembled here in numpy,
mirroring tracr's `craft_model_to_transformer` + `assemble` (same parameter names and values,
same residual labels, same token ids) without Haiku or jax, so compiling takes milliseconds.

Every refusal is a `CompileError` naming the operation (its label) and the reason. Besides what
tracr itself rejects (`validating.static_validate`, composite selectors, BOS/PAD in the vocab,
...), these silent miscompilations of stock tracr are handled:

* Discretising MLPs too coarse (tracr #7). Numerical->categorical/numerical Maps and
  SelectorWidth use MLPs whose step sharpness is `mlp_exactness`; tracr's default 100 is too
  blunt once values crowd together (SelectorWidth fails from max_seq_len 10 on). We compute,
  from the value sets, the smallest gap between a value that can occur and a threshold where
  the output changes, and set `mlp_exactness` so every such step is taken in full (at least
  tracr's 100). Values closer than float32 can separate are refused.
* Numerical value sets that miss values. tracr infers the values of a numerical mean as
  {v/n}, but a mean of 0/1 values is any k/n; an MLP reading it can then route a real value
  to the wrong output. We infer the true (super)set and, when tracr's would give a wrong
  output, build the MLPs from the true sets. A numerical Aggregate of values other than 0/1
  is refused (tracr's own check truncates with int() and lets e.g. {0.5, 1.5} through).
* Categorical Aggregate averaging (tracr #11). The attention averages one-hot vectors, which
  decodes to garbage when the selected positions hold different values. We accept a
  categorical Aggregate only if its value SOp has one value, or each query value selects at
  most one key value and equal keys imply equal values (keys are indices or an injective
  function of them, or a sort's "target position" SelectorWidth, ...), or the keys depend on
  indices alone and each query value selects at most one index. make_reverse, make_sort,
  make_sort_unique, shift_by and detect_pattern pass. What this argument cannot clear is
  compiled and compared with the program on every input when there are at most 5,000
  (provenance `aggregates_shown`), and refused only if some input differs or there are more.
* Causal compilation (tracr #19). tracr only masks attention, so each position sees its
  prefix, but values read from earlier positions were computed on *their* prefixes. The net
  equals the program evaluated on every prefix (output i = program(x[:i+1])[i]) when every
  selector's keys and every aggregated value are prefix-stable (a function of the tokens up
  to their own position: tokens, indices, maps of stable SOps, aggregates whose selector only
  looks backwards over index-valued keys and queries); otherwise we refuse.
* Categorical->numerical Map with negative outputs (tracr #24). tracr's MLP puts f(x) through
  a ReLU, so negative values come out as 0. We build such Maps as a one-hot lookup table
  (hidden layer = the input's one-hot), which is exact for any sign.
* None (tracr #25). A categorical None is the all-zero vector, which Maps and Aggregates
  propagate as rasp does; `Net.run` decodes it as None rather than argmax of leakage.
  Numerical SOps cannot hold None: a numerical Map/SequenceMap returning None is refused. Where
  rasp may have None but the net a value (numerical SOps, and what is computed from them), a
  custom (non-Comparison) Select predicate is refused, as is one selecting a None key or query
  (the net never selects those). Elsewhere such positions are None in rasp, which tracr's
  convention (and ours) leaves unchecked.
* Values written at the BOS position (found here). A numerical->X MLP has a bias, so at BOS
  (no token, no index) it writes f(0). As keys, that value lets BOS out-bid the real keys; as
  a numerical Aggregate's values it replaces the default 0. We trace what every SOp holds at
  BOS and, where it matters, switch those MLPs off at BOS (a large negative weight from the
  BOS token into their hidden neurons; no new neurons).
* Attention too soft in wide heads. tracr's softmax coldness is fixed (100) while logits are
  divided by sqrt(d_head), so in a wide model (large vocab or many values) BOS keeps
  ~e^(-50/sqrt(d_head)) of an Aggregate's attention: a numerical mean is off by 1% at d_head
  120. We scale a head's queries up until at most 1e-5 of the attention goes astray for
  numerical Aggregates and SelectorWidth, 1e-3 for categorical Aggregates (whose one-hot
  output then shrinks by at most 0.1%); tracr's own weights do that up to d_head ~19 and ~52.
* Two SelectorWidths in one MLP layer (found here): tracr names both BOS-cleaning neurons
  "_hidden_clean_bos_", they merge, and the BOS position is cleaned twice, which flips BOS
  attention for queries equal to 0. We give each its own neuron (same parameter order).
* A function that raises ArithmeticError on a value is treated, as tracr's basis inference
  does, as never seeing that value (rasp.evaluate would raise there); any other exception
  from a Map, SequenceMap or predicate is refused with the op and the argument. A program must
  be defined on every input up to max_seq_len: one whose function may raise on a value its
  input can take, or whose comparison may see None (tracr compiles both silently, and the net
  answers where the program has no answer), is evaluated on every input when there are at most
  EXHAUSTIVE_AGGREGATE_CHECK and `check_inputs` allows, and refused, naming the input and the
  line, where it is undefined or cannot be shown defined.
* Value projections wider than tracr's key size crash tracr's assembly; we size heads by
  max(query/key width, value width), which equals tracr's size whenever tracr succeeds.
"""

from __future__ import annotations

import bisect
import collections
import copy
import functools
import itertools
import logging
import math
import re
from typing import Any, Callable, Iterable

import networkx as nx
import numpy as np
from tracr.compiler import basis_inference, craft_graph_to_model, expr_to_craft_graph, nodes, rasp_to_graph, validating
from tracr.craft import bases, transformers, vectorspace_fns
from tracr.rasp import rasp

from compiler.errors import CompileError
from compiler.files import installed_versions
from compiler.functions import value_sort_key
from compiler.net import Net, NetConfig, encode_value, value_problem
from compiler.program import children_first


class _TracrArithmeticNoise(logging.Filter):
    """Drops tracr's root-logger warning for each value a function raises on ("Encountered
    arithmetic error in function ... Assuming this input will never occur"): compile decides
    about such programs itself (refused as undefined, naming the line and an input), and the
    warnings, one per value, buried that one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Encountered arithmetic error in function")


logging.getLogger().addFilter(_TracrArithmeticNoise())

TRACR_MLP_EXACTNESS = 100  # tracr's default; we never go below it
_MAX_VALUE_SET = 200_000  # values per SOp we are willing to enumerate
_RESOLUTION = 1e-4  # relative distance float32 activations can reliably separate
_FLOAT32_BUDGET = 1e6  # max mlp_exactness * |input|: beyond it float32 rounding breaks the steps
# tracr's attention logits before the 1/sqrt(d_head) scaling: a selected key beats BOS by 50 in
# an Aggregate and an unselected key by 100 in a SelectorWidth (where BOS is always attended)
_TRACR_AGGREGATE_MARGIN, _TRACR_WIDTH_MARGIN = 50.0, 100.0
# most attention weight that may go astray: numbers are read exactly, one-hot codes by argmax
_NUMERICAL_LEAK, _CATEGORICAL_LEAK = 1e-5, 1e-3

_SUPPORTED_SOPS = (rasp.TokensType, rasp.IndicesType, rasp.Map, rasp.SequenceMap, rasp.Aggregate,
                   rasp.SelectorWidth)
_ORDER_COMPARISONS = (rasp.Comparison.LT, rasp.Comparison.LEQ, rasp.Comparison.GT,
                      rasp.Comparison.GEQ)
_CLEAN_BOS = bases.BasisDirection("_hidden_clean_bos_")


class _ReversibleByView(nx.DiGraph):
    """tracr's basis inference reverses the graph only to walk it; a view walks the same
    nodes without deep-copying every node's expression (a third of the compile time)."""

    def reverse(self, copy: bool = True) -> nx.DiGraph:
        return nx.reverse_view(self)


def compile_sop(sop: rasp.SOp, vocab: Iterable[Any], max_seq_len: int, causal: bool = False,
                compiler_bos: str = "BOS", compiler_pad: str = "PAD", *,
                source: str | None = None, check_inputs: bool = True) -> Net:
    """Compiles `sop` for inputs over `vocab` of length 1..`max_seq_len` into a `Net`.

    The arguments are tracr's `compile_rasp_to_model`'s, in its order and with its names
    (`mlp_exactness` is chosen here, per program, for exactness: see the module docstring).

    `source` (the program's text, if any) is kept in the net's provenance. Raises
    `CompileError` for programs that cannot be compiled exactly (see the module docstring).
    `check_inputs=False` refuses a categorical Aggregate the static argument cannot clear at
    once, without comparing the net with the program on every input (the fountain, which has
    other programs to draw, does not spend the time).
    """
    causal, compiler_bos = _tracr_order(causal, compiler_bos)
    try:
        return _compile_sop(sop, vocab, max_seq_len, causal, compiler_bos, compiler_pad, source, check_inputs)
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
    if not renames:
        return message
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(renames, key=len, reverse=True))) + r")\b")
    return pattern.sub(lambda match: renames[match.group(1)], message)


def _compile_sop(sop: rasp.SOp, vocab: Iterable[Any], max_seq_len: int, causal: bool, compiler_bos: str,
                 compiler_pad: str, source: str | None, check_inputs: bool) -> Net:
    vocab = _check_arguments(sop, vocab, max_seq_len, compiler_bos, compiler_pad)
    extracted = _guarded("extracting the graph", sop, rasp_to_graph.extract_rasp_graph, sop)
    graph, sink = extracted.graph, extracted.sink
    graph.__class__ = _ReversibleByView
    _check_supported(sop, graph)
    if isinstance(sop, (rasp.TokensType, rasp.IndicesType)):
        raise CompileError(f"{sop.label}: the program computes nothing (it is just tokens or "
                           "indices), so there is no network to build")
    program = _Program(graph, vocab, max_seq_len)
    width = sum(len(program.values[label]) if rasp.is_categorical(program.exprs[label]) else 1
                for label in program.values)
    if width > MAX_RESIDUAL_WIDTH:
        raise CompileError(f"the residual stream would be {width:,} wide (one direction per value of each "
                           f"categorical S-Op), over the limit of {MAX_RESIDUAL_WIDTH:,}; use fewer or "
                           "smaller value sets")
    _guarded("inferring value sets", sop, basis_inference.infer_bases, graph, sink, vocab,
             max_seq_len)
    unproven = program.check_aggregates()
    if unproven and (not check_inputs or causal or _input_count(vocab, max_seq_len) > EXHAUSTIVE_AGGREGATE_CHECK):
        raise CompileError(unproven[0])
    undefined = program.possibly_undefined()
    if undefined:  # a program must be defined on every input: shown on each, or refused
        _defined_on_every_input(sop, vocab, max_seq_len, undefined[0],
                                check_inputs and _input_count(vocab, max_seq_len) <= EXHAUSTIVE_AGGREGATE_CHECK)
    if not program.values.get(sink[nodes.ID], True):
        raise CompileError(f"{sop.name}: the output has no value on any input (every line it could take one "
                           "from gives None), so the net would have nothing to output; check its tables' keys")
    if causal:
        program.check_causal()
    mlp_exactness, corrected = program.choose_mlp_exactness()
    program.check_bos()
    program.check_nones()
    program.make_functions_total()
    _guarded("building craft blocks", sop, expr_to_craft_graph.add_craft_components_to_rasp_graph,
             graph, bos_dir=bases.BasisDirection(rasp.tokens.label, compiler_bos),
             mlp_exactness=mlp_exactness)
    program.fix_blocks(bases.BasisDirection(rasp.tokens.label, compiler_bos))
    craft_model = _guarded("allocating layers", sop, craft_graph_to_model.craft_graph_to_model,
                           graph, extracted.sources)
    margins = _attention_margins(graph, max_seq_len)
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
        "silenced_at_bos": sorted(program.silenced),
        "versions": _versions(),
    }
    if unproven:
        provenance["aggregates_shown"] = f"every input checked ({_input_count(vocab, max_seq_len)})"
    net = _assemble(craft_model, graph, sink, vocab, max_seq_len, compiler_bos, compiler_pad,
                    causal, margins, provenance)
    if unproven:
        _show_on_every_input(net, sop, vocab, max_seq_len, unproven[0])
    problem = value_problem(net)  # e.g. a linear_sequence_map factor that overflows float32
    if problem:
        raise CompileError(f"{sop.name}: the net's weights would not be finite ({problem}); scale the "
                           "program's numbers down")
    return net


#: Most inputs on which a net whose categorical Aggregates the static argument cannot clear is
#: compared with its program before it is accepted (else it is refused).
EXHAUSTIVE_AGGREGATE_CHECK = 5000


def _input_count(vocab: set, max_seq_len: int) -> int:
    return sum(len(vocab) ** n for n in range(1, max_seq_len + 1))


def _show_on_every_input(net: Net, sop: rasp.SOp, vocab: set, max_seq_len: int, refusal: str) -> None:
    """Refuses with `refusal` unless `net` gives the program's outputs on every input (a
    categorical Aggregate the static argument could not clear of averaging, tracr #11)."""
    from compiler.check import check_net
    from compiler.functions import EvaluationError

    try:  # every input: the caller has counted them
        result = check_net(sop, net, exhaustive_limit=EXHAUSTIVE_AGGREGATE_CHECK)
    except (ValueError, TypeError, ArithmeticError, EvaluationError) as error:  # e.g. a mean of strings
        raise CompileError(f"{refusal} (the program itself fails: {error})") from None
    if not result.ok:
        failure = result.counterexample
        raise CompileError(f"{refusal} (on {failure.input} the net gives {failure.actual}, the program "
                           f"{failure.expected})")


_DEFINED_HINT = ("make each function total (defined on every value its input can take) and keep None out "
                 "of comparisons and numerical means")


def _defined_on_every_input(sop: rasp.SOp, vocab: set, max_seq_len: int, risk: str, check: bool) -> None:
    """Refuses a program that may be undefined on some input (`risk` says why) unless
    evaluating it on every input shows it is not (`check`: the inputs are few enough and the
    caller wants them tried)."""
    from compiler import program as prog
    from compiler.check import all_inputs

    if not check:
        raise CompileError(f"{risk}, so the program may be undefined on some input (more than "
                           f"{EXHAUSTIVE_AGGREGATE_CHECK} inputs, or not checked); {_DEFINED_HINT}")
    for xs in all_inputs(vocab, max_seq_len, EXHAUSTIVE_AGGREGATE_CHECK):
        try:
            prog.evaluate(sop, xs)
        except prog.UndefinedError as error:
            raise CompileError(f"the program must be defined on every input up to max_seq_len, but {error}; "
                               f"{_DEFINED_HINT}") from None


def _guarded(step: str, sop: rasp.SOp, fn: Callable, *args, **kwargs):
    """Runs a tracr step, turning whatever it raises into a CompileError."""
    try:
        return fn(*args, **kwargs)
    except CompileError:
        raise
    except Exception as e:  # tracr signals refusals with many exception types
        if isinstance(e, TypeError) and "not supported between instances of" in str(e):
            raise CompileError(f"the program's values cannot all be ordered ({e}) and tracr orders every value "
                               f"set while {step}; give values of one kind (all numbers or all strings) to "
                               "each S-Op, the vocabulary included") from e
        raise CompileError(f"{sop.label}: tracr failed while {step}: "
                           f"{type(e).__name__}: {e}") from e


#: Limits checked before any work: longer inputs or larger vocabularies make nets (and value
#: sets, tables and checks) that no machine this runs on can hold or check.
MAX_SEQ_LEN = 1024
MAX_VOCAB = 2048
#: Most residual directions (one per value of each categorical S-Op, one per numerical S-Op);
#: checked once the value sets are known, before any weight is built.
MAX_RESIDUAL_WIDTH = 16_384


def _tracr_order(causal, compiler_bos) -> tuple:
    """(causal, compiler_bos) from a call that may give the BOS token fourth, as this function's
    older order did (tracr's, now ours, puts `causal` fourth)."""
    if isinstance(causal, str):
        import warnings

        warnings.warn("the fourth argument is `causal` (tracr's order); pass the BOS token as compiler_bos=",
                      DeprecationWarning, stacklevel=3)
        return (compiler_bos if isinstance(compiler_bos, bool) else False), causal
    return causal, compiler_bos


def _check_arguments(sop, vocab, max_seq_len, bos, pad) -> set:
    if not isinstance(sop, rasp.SOp):
        raise CompileError(f"expected a rasp.SOp, got {type(sop).__name__}")
    try:
        vocab = set(vocab)
    except TypeError as e:
        raise CompileError(f"vocab must be an iterable of hashable tokens ({e})") from None
    if not vocab:
        raise CompileError("vocab is empty")
    for token in vocab:
        if not _is_encodable(token) or token is None or token != token:
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
            raise CompileError(f"{name} {special!r} is also a vocab token")
    if bos == pad:
        raise CompileError(f"compiler_bos and compiler_pad are both {bos!r}")
    return vocab


def _check_supported(sop: rasp.SOp, graph: nx.DiGraph) -> None:
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


class _Program:
    """A RASP graph with the facts about its values that tracr does not check.

    `values[label]` is a superset of the values the SOp can take: tracr's rules, except that a
    numerical mean of 0/1 values can be any k/n. `nullable` holds the SOps rasp can give None.
    """

    def __init__(self, graph: nx.DiGraph, vocab: set, max_seq_len: int):
        self.graph = graph
        self.max_seq_len = max_seq_len
        self.exprs = {label: node[nodes.EXPR] for label, node in graph.nodes.items()}
        self.order = [label for label in nx.topological_sort(graph)
                      if isinstance(self.exprs[label], rasp.SOp)]
        self.values: dict[str, set] = {}
        self.tables: dict[str, dict[tuple, Any]] = {}  # Map/SequenceMap: arguments -> result
        self.nullable: set[str] = set()
        self.undefined: dict[str, str] = {}  # label -> why rasp may raise there (UndefinedError)
        for label in self.order:
            self._infer(label, vocab)
        self._determined: dict[str, set[str]] = {}
        self.mlp_exactness = float(TRACR_MLP_EXACTNESS)
        self.silenced: set[str] = set()  # discretising MLPs to keep silent at BOS
        self.hides_none: set[str] = set()  # rasp may give None where the net holds a value

    # -- value sets ------------------------------------------------------------------------

    def _infer(self, label: str, vocab: set) -> None:
        expr, n = self.exprs[label], self.max_seq_len
        if isinstance(expr, rasp.TokensType):
            values = set(vocab)
        elif isinstance(expr, rasp.IndicesType):
            values = set(range(n))
        elif isinstance(expr, rasp.SelectorWidth):
            values = set(range(n + 1))
        elif isinstance(expr, (rasp.Map, rasp.SequenceMap)):
            children = [expr.inner] if isinstance(expr, rasp.Map) else [expr.fst, expr.snd]
            if any(c.label in self.nullable for c in children):
                self.nullable.add(label)
            table = self._tabulate(expr, [self.values[c.label] for c in children])
            if None in table.values():
                self.nullable.add(label)
                if rasp.is_numerical(expr):
                    raise CompileError(f"{label}: numerical {type(expr).__name__} returns None "
                                       "for some input; numerical SOps cannot hold None")
            self.tables[label] = table
            values = {v for v in table.values() if v is not None}
        elif isinstance(expr, rasp.Aggregate):
            values = self._aggregate_values(expr)
            if rasp.is_categorical(expr) or expr.sop.label in self.nullable:
                self.nullable.add(label)
        else:
            raise AssertionError(f"unsupported {expr!r} passed _check_supported")
        if len(values) > _MAX_VALUE_SET:
            raise CompileError(f"{label}: more than {_MAX_VALUE_SET} possible values")
        for value in values:
            if rasp.is_numerical(expr) and not _is_number(value):
                raise CompileError(f"{label}: numerical SOp takes the non-numeric or non-finite "
                                   f"value {value!r}")
            if isinstance(value, float) and value != value:
                raise CompileError(f"{expr.name}: takes the value nan, which equals nothing (not even itself), so "
                                   "no net can output or compare it; make the function return a number")
            if rasp.is_numerical(expr) and abs(value) > _FLOAT32_MAX:
                raise CompileError(f"{expr.name}: numerical SOp takes the value {value!r}, which float32 weights "
                                   f"cannot hold (at most {_FLOAT32_MAX:.3g}); scale it down")
        self.values[label] = values

    def _tabulate(self, expr, value_sets: list[set]) -> dict[tuple, Any]:
        """f on every combination of input values; ArithmeticError counts as never occurring."""
        table = {}
        for args in itertools.product(*(sorted(vs, key=value_sort_key) for vs in value_sets)):
            if len(table) >= _MAX_VALUE_SET:
                raise CompileError(f"{expr.label}: more than {_MAX_VALUE_SET} input combinations")
            try:
                result = expr.f(*args)
            except ArithmeticError as e:
                self.undefined.setdefault(expr.label, f"{expr.name}: its function raises {type(e).__name__} "
                                                      f"({e}) on {_show_args(args)}")
                continue
            except Exception as e:
                raise CompileError(f"{expr.label}: function raised {type(e).__name__}: {e} "
                                   f"on input {_show_args(args)}") from e
            try:
                hash(result)
            except TypeError:
                raise CompileError(f"{expr.label}: function returned unhashable {result!r} "
                                   f"on input {_show_args(args)}") from None
            table[args] = result
        return table

    def _aggregate_values(self, expr: rasp.Aggregate) -> set:
        values = self.values[expr.sop.label]
        if rasp.is_categorical(expr):
            return set(values)  # check_aggregates makes sure values are moved, not mixed
        if not values <= {0, 1}:
            raise CompileError(f"{expr.label}: a numerical Aggregate can only average 0/1 values, "
                               f"but its input takes {sorted(values, key=value_sort_key)[:8]}")
        n = self.max_seq_len
        # tracr's {v/length} plus every mean of 0/1 values
        return ({v / length for v in values for length in range(1, n + 1)}
                | {k / width for width in range(1, n + 1) for k in range(width + 1)})

    # -- selectors -------------------------------------------------------------------------

    def _predicate(self, select: rasp.Select, key, query) -> bool:
        try:
            return bool(select.predicate(key, query))
        except Exception as e:
            raise CompileError(f"{select.label}: predicate raised {type(e).__name__}: {e} on "
                               f"key {key!r}, query {query!r}") from e

    def _selectors(self):
        """(op label, its Select) for every Aggregate and SelectorWidth."""
        for label in self.order:
            expr = self.exprs[label]
            if isinstance(expr, (rasp.Aggregate, rasp.SelectorWidth)):
                yield label, expr.selector

    def _selects_at_most_one(self, select: rasp.Select, keys: Iterable) -> bool:
        """Whether every query value selects at most one of `keys`."""
        keys = list(keys)
        return all(sum(self._predicate(select, k, q) for k in keys) <= 1
                   for q in self.values[select.queries.label])

    # -- which SOps agree wherever another one agrees -------------------------------------

    def _injective(self, label: str) -> bool:
        results = list(self.tables[label].values())
        return None not in results and len(set(results)) == len(results)

    def _implied_equal(self, label: str) -> list[str]:
        """SOps whose values are equal at two positions where `label`'s values are equal."""
        expr = self.exprs[label]
        if isinstance(expr, rasp.Map) and self._injective(label):
            return [expr.inner.label]
        if isinstance(expr, rasp.SequenceMap) and self._injective(label):
            return [expr.fst.label, expr.snd.label]
        if isinstance(expr, rasp.SelectorWidth):
            select = expr.selector
            values = self.values[select.keys.label]
            # counting keys below (or above) one's own key is strictly monotone in the key
            if (select.keys.label == select.queries.label
                    and select.predicate in _ORDER_COMPARISONS and _totally_ordered(values)):
                return [select.keys.label]
        return []

    def _function_of(self, label: str, known: set[str]) -> bool:
        """Whether `label` at a position is a function of SOps in `known` at that position."""
        expr = self.exprs[label]
        if isinstance(expr, rasp.Map):
            return expr.inner.label in known
        if isinstance(expr, rasp.SequenceMap):
            return expr.fst.label in known and expr.snd.label in known
        if isinstance(expr, (rasp.Aggregate, rasp.SelectorWidth)):
            # within one sequence the selected keys depend only on the query's value
            return expr.selector.queries.label in known
        return False

    def determined_by(self, label: str) -> set[str]:
        """Labels of SOps equal at any two positions (of one input) where `label` is equal."""
        if label not in self._determined:
            found, stack = {label}, [label]
            while stack:
                for implied in self._implied_equal(stack.pop()):
                    if implied not in found:
                        found.add(implied)
                        stack.append(implied)
            if rasp.indices.label in found:  # equal indices: the same position
                found = set(self.order)
            for other in self.order:  # children come first, so one pass closes the set
                if other not in found and self._function_of(other, found):
                    found.add(other)
            self._determined[label] = found
        return self._determined[label]

    # -- checks ----------------------------------------------------------------------------

    def check_aggregates(self) -> list[str]:
        """Categorical Aggregates that the static argument cannot show never average different
        values (tracr #11): one refusal message each (`compile_sop` then checks the net on every
        input, where they can be enumerated, before refusing)."""
        unproven = []
        for label, select in self._selectors():
            expr = self.exprs[label]
            if not isinstance(expr, rasp.Aggregate) or not rasp.is_categorical(expr):
                continue
            value = expr.sop.label
            if len(self.values[value]) <= 1:
                continue
            # at most one key value is selected, and positions with equal keys hold equal values
            if (self._selects_at_most_one(select, self.values[select.keys.label])
                    and value in self.determined_by(select.keys.label)):
                continue
            # keys that are a function of the index: count the selected positions themselves
            key_at_index = self._index_function(select.keys.label)
            if key_at_index is not None and self._selects_at_most_one(select, key_at_index):
                continue
            unproven.append(
                f"{label}: categorical Aggregate may select several positions holding different "
                f"values of {value}; the net would average their one-hot codes (tracr issue #11). "
                "Select at most one position per query (e.g. by comparing with indices), or "
                "aggregate a numerical 0/1 SOp instead")
        return unproven

    def possibly_undefined(self) -> list[str]:
        """Why the program may be undefined on some input: a function raising on a value its
        input may take, a comparison of keys or queries that may be None, or a numerical mean
        of values that may be None (rasp raises on each); empty when it is defined on every
        input."""
        reasons = list(self.undefined.values())
        for label in self.order:
            expr = self.exprs[label]
            if isinstance(expr, rasp.Aggregate) and rasp.is_numerical(expr) and expr.sop.label in self.nullable:
                reasons.append(f"{expr.name}: it averages {expr.sop.name}, which may be None, and a mean of None "
                               "is undefined")
        for _, select in self._selectors():
            if isinstance(select.predicate, rasp.Comparison) and \
                    select.predicate not in (rasp.Comparison.TRUE, rasp.Comparison.FALSE):
                for role, sop in (("keys", select.keys.label), ("queries", select.queries.label)):
                    if sop in self.nullable:
                        reasons.append(f"{select.name}: its {role} {self.exprs[sop].name} may be None, and a "
                                       f"comparison ({select.predicate.name}) of None is undefined")
        return reasons

    def check_nones(self) -> None:
        """Refuses selectors whose predicate would select None, which the net never does."""
        for label, select in self._selectors():
            if isinstance(select.predicate, rasp.Comparison):
                continue  # rasp raises on None keys or queries: no output to match
            keys, queries = select.keys.label, select.queries.label
            for sop in (keys, queries):
                if sop in self.hides_none:
                    raise CompileError(
                        f"{label}: {sop} can be None in rasp where the net holds some value, so "
                        f"the custom predicate of {select.label} may select differently")
            pairs = []
            if keys in self.nullable:
                pairs += [(None, q) for q in self.values[queries] | {None}]
            if queries in self.nullable:
                pairs += [(k, None) for k in self.values[keys]]
            for key, query in pairs:
                try:
                    selected = select.predicate(key, query)
                except Exception:
                    continue  # rasp raises here too
                if selected:
                    raise CompileError(
                        f"{label}: the predicate of {select.label} selects key {key!r} for query "
                        f"{query!r}, but a None key or query never matches in the net")

    def _index_function(self, label: str) -> list | None:
        """The SOp's value at each index if it depends on indices alone, else None."""
        expr = self.exprs[label]
        if isinstance(expr, rasp.IndicesType):
            return list(range(self.max_seq_len))
        if isinstance(expr, (rasp.Map, rasp.SequenceMap)):
            children = [expr.inner] if isinstance(expr, rasp.Map) else [expr.fst, expr.snd]
            columns = [self._index_function(c.label) for c in children]
            if any(c is None for c in columns):
                return None
            table = self.tables[label]
            rows = list(zip(*columns))
            if not all(row in table and table[row] is not None for row in rows):
                return None
            return [table[row] for row in rows]
        return None

    def _looks_backward(self, select: rasp.Select) -> bool:
        """Whether the selector never selects a key after its query, on any input."""
        keys = self._index_function(select.keys.label)
        queries = self._index_function(select.queries.label)
        if keys is None or queries is None:
            return False
        try:
            return not any(select.predicate(keys[k], queries[q])
                           for q in range(self.max_seq_len) for k in range(q + 1, self.max_seq_len))
        except Exception:
            return False

    @functools.cached_property
    def _prefix_stable(self) -> set[str]:
        """SOps whose value at a position depends only on the tokens up to that position."""
        stable = set()
        for label in self.order:
            expr = self.exprs[label]
            if isinstance(expr, (rasp.TokensType, rasp.IndicesType)):
                stable.add(label)
            elif isinstance(expr, (rasp.Map, rasp.SequenceMap)):
                if all(c.label in stable for c in expr.children):
                    stable.add(label)
            else:
                select = expr.selector
                inputs = [select.keys, select.queries]
                if isinstance(expr, rasp.Aggregate):
                    inputs.append(expr.sop)
                if self._looks_backward(select) and all(s.label in stable for s in inputs):
                    stable.add(label)
        return stable

    def check_causal(self) -> None:
        """Refuses programs whose causal net would differ from the program on prefixes."""
        for label, select in self._selectors():
            expr = self.exprs[label]
            read = [("keys", select.keys)]
            if isinstance(expr, rasp.Aggregate):
                read.append(("values", expr.sop))
            for role, sop in read:
                if sop.label not in self._prefix_stable:
                    raise CompileError(
                        f"{label}: with causal=True it reads {role} {sop.label} at earlier "
                        f"positions, but {sop.label} can change when the sequence grows, so the "
                        "causal net would not compute the program on each prefix (tracr #19)")

    # -- discretising MLPs (tracr #7) ------------------------------------------------------

    def _discretising_mlps(self, built_from: Callable[[str], set]):
        """(label, f, its tracr discretisation, values that can reach it) per such MLP."""
        for label in self.order:
            expr = self.exprs[label]
            if isinstance(expr, rasp.Map) and rasp.is_numerical(expr.inner):
                inner = expr.inner.label
                table = self.tables[label]
                f = lambda x, t=table: t.get((x,))
                yield label, f, _Steps(label, f, built_from(inner)), self.values[inner]
            elif isinstance(expr, rasp.SelectorWidth):
                # the attention writes 1/(width+1); the MLP rounds 1/x - 1 back to the width
                points = {1 / (w + 1) for w in self.values[label]}
                f = lambda x: round(1 / x - 1)
                yield label, f, _Steps(label, f, points), points

    def _required_sharpness(self, built_from: Callable[[str], set]) -> tuple[float | None, str]:
        """The smallest mlp_exactness making all discretising MLPs exact (None if none can, with
        the label of the first MLP that cannot be)."""
        sharpness = 0.0
        for label, f, steps, occurring in self._discretising_mlps(built_from):
            for x in occurring:
                if f(x) is None:
                    continue  # rasp gives None or raises there
                if steps.output(x) != f(x):
                    return None, label  # x falls into the region of another output
                below, above = steps.distances(x)
                if min(below, above) < _RESOLUTION * max(1.0, abs(x)):
                    return None, label
                if above < math.inf:
                    # the step ReLU(L(x-t)+1) - ReLU(L(x-t)) is 0 once L(t-x) >= 1; ask for 2
                    sharpness = max(sharpness, 2 / above)
        return sharpness, ""

    def choose_mlp_exactness(self) -> tuple[float, bool]:
        """mlp_exactness for exact MLPs, and whether tracr's value sets had to be replaced."""
        corrected = False
        sharpness, _ = self._required_sharpness(self._built_from)
        if sharpness is None:
            self._use_true_value_sets()
            corrected = True
            sharpness, label = self._required_sharpness(self._built_from)
            if sharpness is None:
                if isinstance(self.exprs[label], rasp.SelectorWidth):
                    raise CompileError(f"{label}: selector_width reads a width w from an attention weight "
                                       f"1/(w+1), and widths up to {self.max_seq_len} are too close together "
                                       "for a float32 MLP to tell apart; use a smaller max_seq_len (about 60 "
                                       "or less)")
                raise CompileError(f"{label}: the numerical values it reads are too close together for a "
                                   "float32 MLP to separate them; use values further apart")
        exactness = max(float(TRACR_MLP_EXACTNESS), float(math.ceil(sharpness)))
        for label, _, _, occurring in self._discretising_mlps(self._built_from):
            largest = max((abs(x) for x in occurring), default=1.0)
            if exactness * max(1.0, largest) > _FLOAT32_BUDGET:
                raise CompileError(f"{label}: its input values are too close together for a "
                                   f"float32 MLP (needs mlp_exactness {exactness:.3g})")
        self.mlp_exactness = exactness
        return exactness, corrected

    def _built_from(self, label: str) -> set:
        """The values tracr builds MLPs reading `label` from (its current VALUE_SET)."""
        return self.graph.nodes[label][nodes.VALUE_SET]

    def _use_true_value_sets(self) -> None:
        for label in self.order:
            expr, node = self.exprs[label], self.graph.nodes[label]
            node[nodes.VALUE_SET] = set(self.values[label])
            space = (bases.VectorSpaceWithBasis.from_values(label, self.values[label])
                     if rasp.is_categorical(expr)
                     else bases.VectorSpaceWithBasis.from_names([label]))
            node[nodes.OUTPUT_BASIS] = space.basis

    # -- the BOS position ------------------------------------------------------------------

    def _bos_values(self) -> dict[str, Any]:
        """What each SOp holds at the BOS position: _CLEAN, a value, or _UNKNOWN.

        BOS has no token or index, so everything there should be None (the zero vector) or 0.
        But a numerical->X MLP has a bias and writes f(0) there, and that value travels on.
        """
        steps = {label: s for label, _, s, _ in self._discretising_mlps(self._built_from)}
        held: dict[str, Any] = {}
        for label in self.order:
            expr = self.exprs[label]
            if isinstance(expr, (rasp.TokensType, rasp.IndicesType, rasp.SelectorWidth)):
                # tracr's SelectorWidth cleans BOS itself, if the BOS query selects nothing
                value = (_CLEAN if not isinstance(expr, rasp.SelectorWidth)
                         or held[expr.selector.queries.label] is _CLEAN else _UNKNOWN)
            elif isinstance(expr, rasp.Map) and rasp.is_numerical(expr.inner):
                value = self._bos_step(steps[label], held[expr.inner.label])
            elif isinstance(expr, rasp.LinearSequenceMap):
                args = [held[c.label] for c in expr.children]
                value = (_UNKNOWN if _UNKNOWN in args else
                         expr.fst_fac * _number(args[0]) + expr.snd_fac * _number(args[1]))
            elif isinstance(expr, (rasp.Map, rasp.SequenceMap)):
                args = tuple(held[c.label] for c in expr.children)
                if _CLEAN in args:  # the one-hot input is zero: tracr's MLPs output zero
                    value = _CLEAN
                elif _UNKNOWN in args:
                    value = _UNKNOWN
                else:
                    value = self.tables[label].get(args)
            else:  # Aggregate: a BOS query without a value selects only BOS, so copies BOS's value
                value = (held[expr.sop.label] if held[expr.selector.queries.label] is _CLEAN
                         else _UNKNOWN)
            held[label] = _CLEAN if value is None or (value == 0 and rasp.is_numerical(expr)) \
                else value
        return held

    def _bos_step(self, steps: "_Steps", x) -> Any:
        """A discretising MLP's output at BOS for input x there."""
        if x is _UNKNOWN:
            return _UNKNOWN
        x = _number(x)
        below, above = steps.distances(x)
        if below < _RESOLUTION or above * self.mlp_exactness < 2:
            return _UNKNOWN  # on a step
        return steps.output(x)

    def check_bos(self) -> None:
        """Decides which MLPs to silence at BOS, and which SOps may hide a None (tracr #25).

        A value at BOS matters where BOS is a key (it can out-bid the real keys) and in a
        numerical Aggregate's values (read when nothing is selected); then every discretising
        Map is silenced. In a categorical Aggregate's values it only replaces a None.
        """
        held = self._bos_values()
        harmful = []
        for label, select in self._selectors():
            expr = self.exprs[label]
            key = held[select.keys.label]
            if key is _UNKNOWN or (key is not _CLEAN and any(
                    self._predicate(select, key, q) for q in self.values[select.queries.label])):
                harmful.append(label)
            if isinstance(expr, rasp.Aggregate) and held[expr.sop.label] is not _CLEAN:
                if rasp.is_numerical(expr):
                    harmful.append(label)
                else:
                    self.hides_none.add(label)
        if harmful:
            # all of them: a Map clean only thanks to a polluted input would pollute once
            # that input is silenced
            self.silenced = {label for label, _, _, _ in self._discretising_mlps(self._built_from)
                             if isinstance(self.exprs[label], rasp.Map)}
            self.hides_none = set()  # BOS is clean everywhere now
        for label in self.order:  # a None in rasp that the net may hold as a value
            expr = self.exprs[label]
            if label in self.nullable and (
                    rasp.is_numerical(expr)
                    or any(c.label in self.hides_none for c in expr.children
                           if isinstance(c, rasp.SOp))):
                self.hides_none.add(label)

    # -- adjusting tracr's construction ----------------------------------------------------

    def make_functions_total(self) -> None:
        """Lets tracr build MLPs for functions that raise ArithmeticError on some values.

        Works on copies in the graph; the caller's program is left untouched.
        """
        for label in self.order:
            expr = self.exprs[label]
            if not isinstance(expr, (rasp.Map, rasp.SequenceMap)):
                continue
            table = self.tables[label]
            if len(table) == math.prod(len(self.values[c.label]) for c in expr.children):
                continue  # the function is defined everywhere
            # tracr's categorical->numerical MLP multiplies by f(x); everything else skips None
            to_number = isinstance(expr, rasp.Map) and rasp.is_categorical(expr.inner) \
                and rasp.is_numerical(expr)
            fallback = 0 if to_number else None
            total = copy.copy(expr)
            total.f = lambda *args, t=table, d=fallback: t.get(args, d)
            self.graph.nodes[label][nodes.EXPR] = total

    def fix_blocks(self, bos: bases.BasisDirection) -> None:
        """Replaces the craft blocks tracr builds wrongly (tracr #24, BOS pollution)."""
        for label in self.order:
            expr, node = self.exprs[label], self.graph.nodes[label]
            if label in self.silenced:
                node[nodes.MODEL_BLOCK] = _silent_at_bos(node[nodes.MODEL_BLOCK], bos)
            elif (isinstance(expr, rasp.Map) and rasp.is_categorical(expr.inner)
                    and rasp.is_numerical(expr)
                    and any(v < 0 for v in self.tables[label].values())):
                node[nodes.MODEL_BLOCK] = _lookup_table_mlp(
                    label, bases.VectorSpaceWithBasis(self.graph.nodes[expr.inner.label]
                                                      [nodes.OUTPUT_BASIS]),
                    bases.VectorSpaceWithBasis(node[nodes.OUTPUT_BASIS]), self.tables[label])
            elif isinstance(expr, rasp.SelectorWidth):
                attn, mlp = node[nodes.MODEL_BLOCK].blocks
                node[nodes.MODEL_BLOCK] = transformers.SeriesWithResiduals(
                    [attn, _rename_hidden(mlp, _CLEAN_BOS,
                                          bases.BasisDirection(f"{_CLEAN_BOS.name}{label}_"))])


class _Steps:
    """tracr's discretisation of f: each input goes to the value of the nearest known point."""

    def __init__(self, label: str, f: Callable, points: Iterable):
        self.points = sorted(x for x in points if f(x) is not None)
        if not self.points:
            raise CompileError(f"{label}: the function is undefined on every input value")
        self.outputs = [f(x) for x in self.points]
        self.thresholds = [(a + b) / 2 for a, b in zip(self.points, self.points[1:])]
        # only thresholds where the output changes matter: elsewhere a partial step mixes
        # two equal outputs
        self.changes = [t for t, a, b in zip(self.thresholds, self.outputs, self.outputs[1:])
                        if a != b]

    def output(self, x) -> Any:
        return self.outputs[bisect.bisect_right(self.thresholds, x)]

    def distances(self, x) -> tuple[float, float]:
        """Distance from x down to the last change at or below it, and up to the next."""
        i = bisect.bisect_right(self.changes, x)
        below = x - self.changes[i - 1] if i > 0 else math.inf
        above = self.changes[i] - x if i < len(self.changes) else math.inf
        return below, above


def _silent_at_bos(mlp: transformers.MLP, bos: bases.BasisDirection) -> transformers.MLP:
    """The MLP with every hidden neuron switched off at BOS, where its input is (about) 0.

    The BOS direction pushes each pre-activation to -1 or below for any input within [-1, 1]
    (an attention's leakage at BOS is far smaller).
    """
    fst = mlp.fst
    space = bases.join_vector_spaces(fst.input_space, bases.VectorSpaceWithBasis([bos]))
    matrix = np.zeros((space.num_dims, fst.output_space.num_dims))
    for i, direction in enumerate(fst.input_space.basis):
        matrix[space.index_by_direction[direction]] = fst.matrix[i]
    one = fst.input_space.index_by_direction[bases.BasisDirection("one")]
    inputs = np.delete(fst.matrix, one, axis=0)
    matrix[space.index_by_direction[bos]] = -(np.maximum(fst.matrix[one], 0) + 1
                                              + np.abs(inputs).sum(axis=0))
    return transformers.MLP(vectorspace_fns.Linear(space, fst.output_space, matrix), mlp.snd)


def _lookup_table_mlp(label: str, input_space: bases.VectorSpaceWithBasis,
                      output_space: bases.VectorSpaceWithBasis,
                      table: dict[tuple, Any]) -> transformers.MLP:
    """A categorical->numerical MLP exact for negative values: one-hot hidden, then f."""
    hidden_name = f"_hidden_{label}_"
    hidden_space = bases.VectorSpaceWithBasis(
        [bases.BasisDirection(hidden_name, d.value) for d in input_space.basis])
    out = output_space.vector_from_basis_direction(output_space.basis[0])
    first = vectorspace_fns.Linear(input_space, hidden_space, np.eye(input_space.num_dims))
    second = vectorspace_fns.Linear.from_action(
        hidden_space, output_space, lambda d: (table.get((d.value,)) or 0) * out)
    return transformers.MLP(first, second)


def _rename_hidden(mlp: transformers.MLP, old: bases.BasisDirection,
                   new: bases.BasisDirection) -> transformers.MLP:
    """The same MLP with hidden neuron `old` called `new` (its position is kept)."""
    basis = [new if d == old else d for d in mlp.fst.output_space.basis]
    hidden = bases.VectorSpaceWithBasis(basis)
    return transformers.MLP(
        vectorspace_fns.Linear(mlp.fst.input_space, hidden, mlp.fst.matrix),
        vectorspace_fns.Linear(hidden, mlp.snd.output_space, mlp.snd.matrix))


# -- assembly (mirrors tracr's craft_model_to_transformer.py and assemble.py) ------------------

def _projection(from_space: bases.VectorSpaceWithBasis,
                to_space: bases.VectorSpaceWithBasis) -> np.ndarray:
    """Matrix of vectorspace_fns.project(from_space, to_space), built by index lookup."""
    matrix = np.zeros((from_space.num_dims, to_space.num_dims))
    index = {d: j for j, d in enumerate(to_space.basis)}
    for i, direction in enumerate(from_space.basis):
        if direction in index:
            matrix[i, index[direction]] = 1.0
    return matrix


def _layer_slots(blocks) -> list[int]:
    """Half-layer of each block: 2*layer for attention, 2*layer+1 for MLPs, in order."""
    slots, slot = [], 0
    for block in blocks:
        want = 1 if isinstance(block, transformers.MLP) else 0
        if slot % 2 != want:
            slot += 1  # the skipped half-layer stays all zeros
        slots.append(slot)
        slot += 1
    return slots


def _attention_margins(graph: nx.DiGraph, max_seq_len: int) -> dict[int, tuple[float, float]]:
    """For each attention head (by id): tracr's logit margin, and the margin it needs.

    A margin m lets a fraction e^-m of the attention go astray (to BOS in an Aggregate, to
    each of up to max_seq_len unselected keys in a SelectorWidth).
    """
    margins = {}
    for node in graph.nodes.values():
        expr, block = node[nodes.EXPR], node.get(nodes.MODEL_BLOCK)
        if isinstance(expr, rasp.Aggregate):
            leak = _NUMERICAL_LEAK if rasp.is_numerical(expr) else _CATEGORICAL_LEAK
            margins[id(block)] = (_TRACR_AGGREGATE_MARGIN, math.log(1 / leak))
        elif isinstance(expr, rasp.SelectorWidth):
            margins[id(block.blocks[0])] = (_TRACR_WIDTH_MARGIN,
                                            math.log(max_seq_len / _NUMERICAL_LEAK))
    return margins


def _assemble(craft_model, graph, sink, vocab, max_seq_len, bos, pad, causal, margins,
              provenance) -> Net:
    tokens_values = (graph.nodes[rasp.tokens.label][nodes.VALUE_SET]
                     if rasp.tokens.label in graph.nodes else vocab)
    tokens_space = bases.VectorSpaceWithBasis.from_values(rasp.tokens.label,
                                                          set(tokens_values) | {bos, pad})
    indices_space = bases.VectorSpaceWithBasis.from_values(rasp.indices.label, range(max_seq_len))
    output_space = bases.VectorSpaceWithBasis(sink[nodes.OUTPUT_BASIS])
    residual = bases.join_vector_spaces(craft_model.residual_space, tokens_space, indices_space,
                                        output_space)
    d_model = residual.num_dims

    blocks = craft_model.blocks
    slots = _layer_slots(blocks)
    heads = {slot: list(block.as_multi().heads())
             for slot, block in zip(slots, blocks) if not isinstance(block, transformers.MLP)}
    mlps = [block for block in blocks if isinstance(block, transformers.MLP)]
    all_heads = [h for hs in heads.values() for h in hs]
    n_heads = max((len(hs) for hs in heads.values()), default=1)
    d_head = max((max(*h.w_qk.matrix.shape, h.w_ov.matrix.shape[1]) for h in all_heads),
                 default=1)
    d_mlp = max((m.fst.output_space.num_dims for m in mlps), default=1)
    config = NetConfig(n_layers=slots[-1] // 2 + 1, n_heads=n_heads, d_head=d_head, d_mlp=d_mlp,
                       d_model=d_model, max_seq_len=max_seq_len, causal=causal)
    # logits are divided by sqrt(d_head), so a wide head can let attention go astray; its
    # queries are scaled up until the margin is wide enough (1 for tracr's usual sizes)
    sharpening = {}
    for head in all_heads:
        tracr_margin, needed = margins[id(head)]
        sharpening[id(head)] = max(1.0, math.sqrt(d_head) * needed / tracr_margin)
    provenance = dict(provenance, attention_sharpening=max(sharpening.values(), default=1.0))

    token_embed = _projection(tokens_space, residual)
    one = bases.BasisDirection("one")
    if one in residual:  # every position carries a constant 1 in the "one" direction
        token_embed[:, residual.index_by_direction[one]] = 1.0
    # the zeroth (BOS) position has no positional embedding
    pos_embed = np.concatenate([np.zeros((1, d_model)), _projection(indices_space, residual)])
    params = {"token_embed/embeddings": token_embed, "pos_embed/embeddings": pos_embed}
    width = n_heads * d_head
    for layer in range(config.n_layers):
        attn, mlp = f"transformer/layer_{layer}/attn", f"transformer/layer_{layer}/mlp"
        for name, shape in (("query", (d_model, width)), ("key", (d_model, width)),
                            ("value", (d_model, width)), ("linear", (width, d_model))):
            params[f"{attn}/{name}/w"] = np.zeros(shape)
            params[f"{attn}/{name}/b"] = np.zeros(shape[1])
        params[f"{mlp}/linear_1/w"] = np.zeros((d_model, d_mlp))
        params[f"{mlp}/linear_1/b"] = np.zeros(d_mlp)
        params[f"{mlp}/linear_2/w"] = np.zeros((d_mlp, d_model))
        params[f"{mlp}/linear_2/b"] = np.zeros(d_model)

    for slot, block in zip(slots, blocks):
        layer = slot // 2
        if isinstance(block, transformers.MLP):
            prefix = f"transformer/layer_{layer}/mlp"
            hidden = block.fst.output_space.num_dims
            params[f"{prefix}/linear_1/w"][:, :hidden] = (
                _projection(residual, block.fst.input_space) @ block.fst.matrix)
            params[f"{prefix}/linear_2/w"][:hidden, :] = (
                block.snd.matrix @ _projection(residual, block.snd.output_space).T)
            continue
        prefix = f"transformer/layer_{layer}/attn"
        for h, head in enumerate(heads[slot]):
            cols = slice(h * d_head, (h + 1) * d_head)
            query, key, value = (params[f"{prefix}/{n}/w"][:, cols]
                                 for n in ("query", "key", "value"))
            qk_size = head.w_qk.matrix.shape[1]
            query[:, :qk_size] = (sharpening[id(head)]
                                  * _projection(residual, head.w_qk.left_space)
                                  @ head.w_qk.matrix)
            key[:, :qk_size] = _projection(residual, head.w_qk.right_space)
            ov_size = head.w_ov.matrix.shape[1]
            value[:, :ov_size] = _projection(residual, head.w_ov.input_space) @ head.w_ov.matrix
            params[f"{prefix}/linear/w"][cols][:ov_size, :] = (
                _projection(residual, head.w_ov.output_space).T)

    categorical = rasp.is_categorical(sink[nodes.EXPR])
    output_values = [d.value for d in output_space.basis] if categorical else None
    if categorical and not all(_is_encodable(v) for v in output_values):
        raise CompileError(f"{sink[nodes.ID]}: output values must be int, float, bool, str or "
                           "tuples of these to be saved")
    return Net(
        params={name: value.astype(np.float32) for name, value in params.items()},
        W_U=_projection(residual, output_space).astype(np.float32),
        config=config,
        residual_labels=[str(d) for d in residual.basis],
        input_tokens=[d.value for d in tokens_space.basis],
        bos=bos,
        pad=pad,
        output_values=output_values,
        provenance=provenance,
    )


# -- small helpers -------------------------------------------------------------------------

_CLEAN = object()  # BOS holds None (the zero vector) or the number 0, as it should
_UNKNOWN = object()  # BOS holds something that depends on the input


def _number(value) -> float:
    return 0.0 if value is _CLEAN else value


_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _is_number(value) -> bool:
    return isinstance(value, (bool, int, float)) and math.isfinite(value)


def _totally_ordered(values: set) -> bool:
    return (all(_is_number(v) for v in values)
            or all(isinstance(v, str) for v in values))


def _is_encodable(value) -> bool:
    try:
        encode_value(value)
    except TypeError:
        return False
    return not isinstance(value, (list, dict))


def _show_args(args: tuple) -> str:
    return repr(args[0]) if len(args) == 1 else repr(args)


@functools.lru_cache(maxsize=1)
def _versions() -> dict[str, str]:
    return installed_versions(["rasp-fountain", "tracr-pypi", "numpy", "safetensors"], missing="unknown")


def compile_program(program, vocab: Iterable[Any], max_seq_len: int, causal: bool = False,
                    compiler_bos: str = "BOS", compiler_pad: str = "PAD", *, check_inputs: bool = True) -> Net:
    """Compiles a `Program`, source text or tracr SOp to a `Net` (see `compile_sop`).

    Source text that does not parse raises `SourceError`; the net's provenance keeps the
    program's canonical text when there is one.
    """
    from compiler.parser import parse
    from compiler.program import Program

    causal, compiler_bos = _tracr_order(causal, compiler_bos)
    if isinstance(program, str):
        program = parse(program)
    if isinstance(program, Program):
        return compile_sop(program.sop, vocab, max_seq_len, causal, compiler_bos, compiler_pad, source=program.source,
                           check_inputs=check_inputs)
    if isinstance(program, rasp.SOp):
        return compile_sop(program, vocab, max_seq_len, causal, compiler_bos, compiler_pad, check_inputs=check_inputs)
    raise CompileError(f"compile_program takes a Program, source text or tracr SOp, not {type(program).__name__}")
