"""compile_sop: equal to stock tracr where tracr is right, exact or refused where it is not."""

from __future__ import annotations

import copy
import itertools
import math
import random
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tracr.compiler import compiling, lib, rasp_to_graph, test_cases
from tracr.rasp import rasp

import compiler
from compiler.compiling.check import check_net, outputs_agree, reference_outputs
from compiler.compiling.compile import compile_sop
from compiler.compiling.exactness import TRACR_MLP_EXACTNESS
from compiler.compiling.facts import Facts
from compiler.compiling.pairs import chosen_hold_one_value
from compiler.errors import CompileError

CASES = {case["testcase_name"]: case for case in test_cases.TEST_CASES}
CAUSAL_CASES = {case["testcase_name"]: case for case in test_cases.CAUSAL_TEST_CASES}


def compile_case(case, **kwargs):
    return compile_sop(case["program"], case["vocab"], case["max_seq_len"], **kwargs)


def inputs_up_to(vocab, max_len, limit=120, seed=0):
    """All inputs of length 1..max_len if there are at most `limit`, else a sample of them.

    The sample keeps every short input and draws the rest at random, always including
    inputs of the longest length, where compiled nets fail first.
    """
    tokens = sorted(vocab, key=repr)
    inputs = []
    for length in range(1, max_len + 1):
        count = len(tokens) ** length
        if len(inputs) + count > limit:
            rng = random.Random(seed)
            for rest in range(length, max_len + 1):
                inputs += [[rng.choice(tokens) for _ in range(rest)]
                           for _ in range(max(1, (limit - len(inputs)) // 2))]
            return inputs
        inputs += [list(x) for x in itertools.product(tokens, repeat=length)]
    return inputs


def close(got, want) -> bool:
    """tracr's convention: None expected means "anything"; numbers within atol/rtol."""
    if want is None:
        return True
    if isinstance(want, float) or isinstance(got, float):
        return got is not None and abs(got - want) <= 1e-3 + 5e-3 * abs(want)
    return got == want


def evaluate(program, xs, causal=False):
    """rasp's output, on each prefix when causal; None where rasp raises (undefined)."""
    try:
        if causal:
            return [rasp.evaluate(program, xs[:i + 1])[i] for i in range(len(xs))]
        return rasp.evaluate(program, xs)
    except (ValueError, TypeError, ArithmeticError):
        return None


def assert_matches_rasp(net, program, inputs, causal=False):
    outputs = net.run(inputs)
    checked = 0
    for xs, got in zip(inputs, outputs):
        want = evaluate(program, xs, causal)
        if want is None:
            continue
        checked += 1
        assert all(close(g, w) for g, w in zip(got, want)), (xs, got, want)
    assert checked, "rasp raised on every input"


@pytest.fixture(scope="module")
def nets():
    return {name: compile_case(case) for name, case in CASES.items()}


@pytest.fixture(scope="module")
def tracr_model(nets):
    """Stock tracr's model for a case (about a second each), at the exactness we chose."""
    models = {}

    def model(name):
        if name not in models:
            case = CASES[name]
            models[name] = compiling.compile_rasp_to_model(
                case["program"], case["vocab"], case["max_seq_len"], compiler_bos="BOS",
                compiler_pad="PAD", mlp_exactness=nets[name].provenance["mlp_exactness"])
        return models[name]

    return model


def _representatives() -> set[str]:
    """One case per distinct compiled program (TEST_CASES repeats programs with new inputs).

    Cases count as the same program when our nets agree in every parameter, token and
    residual label up to the unique ids in labels; the full comparison runs with -m slow.
    """
    seen = {}
    for name, case in CASES.items():
        net = compile_case(case)
        key = (tuple(re.sub(r"_\d+", "_", label) for label in net.residual_labels),
               repr(net.input_tokens), repr(net.output_values),
               tuple((k, v.tobytes()) for k, v in sorted(net.params.items())))
        seen.setdefault(key, name)
    return set(seen.values())


REPRESENTATIVES = _representatives()
# stock tracr's apply jit-compiles for every program, so the forward check samples both encodings
FORWARD_SAMPLE = {"frac_prevs_1", "reverse_1", "length_numerical_1", "shuffle_dyck3_1",
                  "sort_freq", "make_nary_sequencemap_2"}


def sampled(names: set[str]) -> list:
    return [name if name in names else pytest.param(name, marks=pytest.mark.slow)
            for name in CASES]


# -- equal to tracr --------------------------------------------------------------------------

@pytest.mark.parametrize("name", sampled(REPRESENTATIVES))
def test_params_and_labels_equal_tracr(name, nets, tracr_model):
    net, model = nets[name], tracr_model(name)
    if net.provenance.get("flat_numerical_maps"):  # other MLP widths: compared as built with tracr's neurons
        from compiler.compiling.blocks import tracr_neurons

        with tracr_neurons():
            net = compile_case(CASES[name])
        assert "flat_numerical_maps" not in net.provenance and "margined_sequence_maps" not in net.provenance
    flat = {f"{module}/{param}": np.asarray(value)
            for module, params in model.params.items() for param, value in params.items()}
    assert sorted(flat) == sorted(net.params)
    d_head = net.config.d_head
    for key, value in flat.items():
        assert net.params[key].dtype == value.dtype
        if key.endswith("attn/query/w"):  # a wide head's queries are sharpened: tracr's times s >= 1
            for h in range(net.config.n_heads):
                ours, theirs = (w[:, h * d_head:(h + 1) * d_head] for w in (net.params[key], value))
                scale = np.abs(ours).max() / np.abs(theirs).max() if np.abs(theirs).max() else 1.0
                assert 1.0 <= scale <= net.provenance["attention_sharpening"] + 1e-6
                np.testing.assert_allclose(ours, theirs * np.float32(scale), rtol=1e-6, atol=0, err_msg=key)
            continue
        if key.endswith(("mlp/linear_1/w", "mlp/linear_2/w")):
            _assert_margined_where_they_differ(net, flat, key)
            continue
        np.testing.assert_array_equal(net.params[key], value, err_msg=key)
    assert net.residual_labels == model.residual_labels
    assert net.input_tokens == list(model.input_encoder.encoding_map)
    cfg = model.model_config
    assert (net.config.n_layers, net.config.n_heads, net.config.d_head, net.config.d_mlp) == (
        cfg.num_layers, cfg.num_heads, cfg.key_size, cfg.mlp_hidden_size)
    if net.categorical_output:
        assert net.output_values == list(model.output_encoder.encoding_map)


def _assert_margined_where_they_differ(net, tracr_params: dict, key: str) -> None:
    """An MLP's weights are tracr's except for the neurons of the categorical SequenceMaps compile
    margins (`compiler.compiling.blocks.MARGIN`): there the weight from "one" is tracr's -1 lowered
    by the margin and the output row tracr's divided by 1 - margin; a net with no such map has
    tracr's weights throughout."""
    from compiler.compiling.blocks import MARGIN

    layer = key.rsplit("/", 2)[0]
    first, theirs_first = net.params[f"{layer}/linear_1/w"], tracr_params[f"{layer}/linear_1/w"]
    neurons = np.flatnonzero((first != theirs_first).any(axis=0))
    if not net.provenance.get("margined_sequence_maps"):
        assert neurons.size == 0, key
        np.testing.assert_array_equal(net.params[key], tracr_params[key], err_msg=key)
        return
    one = net.residual_labels.index("one")
    np.testing.assert_array_equal(first[one, neurons], np.float32(-1 - MARGIN), err_msg=key)
    np.testing.assert_array_equal(theirs_first[one, neurons], np.float32(-1), err_msg=key)
    kept = np.setdiff1d(np.arange(first.shape[0]), [one])
    np.testing.assert_array_equal(first[kept], theirs_first[kept], err_msg=key)
    if key.endswith("linear_2/w"):
        ours, theirs = net.params[key], tracr_params[key]
        others = np.setdiff1d(np.arange(ours.shape[0]), neurons)
        np.testing.assert_array_equal(ours[others], theirs[others], err_msg=key)
        np.testing.assert_allclose(ours[neurons], theirs[neurons] / (1 - MARGIN), rtol=1e-6, atol=0, err_msg=key)


@pytest.mark.parametrize("name", sampled(FORWARD_SAMPLE))
def test_forward_equals_tracr(name, nets, tracr_model):
    case, net, model = CASES[name], nets[name], tracr_model(name)
    ours = net.residual([case["test_input"]])[0]
    theirs = np.asarray(model.apply(["BOS"] + case["test_input"]).transformer_output[0])
    # where a wide head was sharpened, tracr's own lets up to 1e-3 astray (per categorical Aggregate)
    sharpened = net.provenance["attention_sharpening"] > 1
    np.testing.assert_allclose(ours, theirs, atol=5e-3 if sharpened else 1e-4)


def test_exactness_is_tracr_default_where_that_is_exact(nets):
    assert nets["frac_prevs_1"].provenance["mlp_exactness"] == TRACR_MLP_EXACTNESS
    assert nets["length_categorical_1"].provenance["mlp_exactness"] == TRACR_MLP_EXACTNESS


# -- equal to rasp ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", CASES)
def test_expected_output(name, nets):
    case = CASES[name]
    got = nets[name].run([case["test_input"]])[0]
    assert all(close(g, w) for g, w in zip(got, case["expected_output"])), got


@pytest.mark.parametrize("name", CASES)
def test_matches_rasp_on_small_inputs(name, nets):
    case = CASES[name]
    inputs = inputs_up_to(case["vocab"], case["max_seq_len"])
    assert_matches_rasp(nets[name], case["program"], inputs)


def test_compiles_in_milliseconds():
    import time

    start = time.perf_counter()
    for case in CASES.values():
        compile_case(case)
    assert (time.perf_counter() - start) / len(CASES) < 0.25


# -- refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize("case", [case for case in test_cases.UNSUPPORTED_TEST_CASES
                                  if case["testcase_name"] != "numerical_numerical_aggregate"],
                         ids=lambda case: case["testcase_name"])
def test_unsupported_cases_raise_compile_error(case):
    with pytest.raises(CompileError) as info:
        compile_case(case)
    # the message names the S-Op at fault: by its name where that is unique, else by its label
    assert any(re.search(rf"\b({re.escape(expr.label)}|{re.escape(expr.name)})\b", str(info.value))
               for expr in _all_exprs(case["program"]))


def test_tracrs_unsupported_mean_of_tokens_compiles_to_their_mean():
    """tracr refuses `numerical_numerical_aggregate`, a mean of the tokens 1, 2, 3 (it lists v/n
    as a mean's values, right for 0/1 only): compile lists the mean of any 1..5 of them."""
    case = next(c for c in test_cases.UNSUPPORTED_TEST_CASES if c["testcase_name"] == "numerical_numerical_aggregate")
    net = compile_case(case)
    result = check_net(case["program"], net)
    assert result.ok and result.exhaustive and net.provenance["value_sets_corrected"]


def _all_exprs(program):
    stack, seen = [program], []
    while stack:
        expr = stack.pop()
        seen.append(expr)
        stack.extend(expr.children)
    return seen


@pytest.mark.parametrize("vocab, max_seq_len, kwargs, message", [
    ({"a", "BOS"}, 4, {}, "compiler_bos"),
    ({"a", "PAD"}, 4, {}, "compiler_pad"),
    (set(), 4, {}, "empty"),
    ({"a"}, 0, {}, "max_seq_len"),
    ({"a"}, -3, {}, "max_seq_len"),
    ({"a"}, 2.5, {}, "max_seq_len"),
    ({"a"}, True, {}, "max_seq_len"),
    ({"a", None}, 4, {}, "None"),
    ({"a", float("nan")}, 4, {}, "NaN"),
    ({"a"}, 4, {"compiler_bos": "X", "compiler_pad": "X"}, "both"),
    ({"a"}, 4, {"compiler_bos": 1}, "str"),
])
def test_bad_arguments(vocab, max_seq_len, kwargs, message):
    with pytest.raises(CompileError, match=message):
        compile_sop(rasp.Map(lambda x: x, rasp.tokens), vocab, max_seq_len, **kwargs)


def test_not_an_sop():
    with pytest.raises(CompileError, match="rasp.SOp"):
        compile_sop(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.EQ), {"a"}, 3)


def select(keys, queries, comparison=rasp.Comparison.EQ):
    return rasp.Select(keys, queries, comparison)


@pytest.mark.parametrize("program, message", [
    (rasp.Aggregate(select(rasp.tokens, rasp.tokens) & select(rasp.indices, rasp.indices),
                    rasp.tokens), "SelectorAnd"),
    (rasp.SelectorWidth(~rasp.SelectorOr(select(rasp.tokens, rasp.tokens),
                                         select(rasp.indices, rasp.indices))), "Selector"),
    (rasp.SequenceMap(lambda x, y: x, rasp.tokens, rasp.Full(1)), "Full"),
    (rasp.Map(lambda n: n, rasp.length), "LengthType"),
    (rasp.SequenceMap(lambda x, y: x, rasp.tokens, rasp.ConstantSOp([1, 2])), "ConstantSOp"),
    (rasp.tokens, "computes nothing"),
    (rasp.Map(lambda x: x + 1, rasp.tokens), "TypeError"),
    (rasp.Map(lambda x: [x], rasp.tokens), "unhashable"),
    (rasp.numerical(rasp.Map(lambda x: "a" if x == "a" else 1, rasp.tokens)),
     r"non-numeric value 'a', and holds numbers only; drop `numerical` .*or make its function return numbers"),
    (rasp.numerical(rasp.Map(lambda x: float("inf"), rasp.tokens)), "non-finite value inf, which no float32"),
])
def test_unsupported_programs(program, message):
    with pytest.raises(CompileError, match=message):
        compile_sop(program, {"a", "b"}, 4)


def test_error_names_the_op():
    bad = rasp.Map(lambda x: x + 1, rasp.tokens).named("increment")
    with pytest.raises(CompileError, match=r'increment is not defined on the input \["a"\]: TypeError'):  # its name
        compile_sop(rasp.SequenceMap(lambda x, y: x, bad, rasp.indices), {"a"}, 3)


def test_label_clash_is_refused():
    flag = rasp.Map(lambda t: 1 if t == "a" else 0, rasp.tokens)
    assert flag.label  # fixes the label; the annotated copy below inherits it
    numeric = rasp.numerical(flag)
    mean = rasp.numerical(rasp.Aggregate(select(rasp.indices, rasp.indices, rasp.Comparison.LEQ),
                                         numeric, default=0))
    program = rasp.SequenceMap(lambda a, b: (a, b), flag, rasp.Map(lambda v: v > 0, mean))
    with pytest.raises(CompileError, match="share"):
        compile_sop(program, {"a", "b"}, 3)


# -- tracr #7: discretising MLPs for longer sequences ----------------------------------------

SELECTOR_WIDTH_PROGRAMS = {
    "length_categorical": lambda: rasp.categorical(lib.make_length()),
    "length_numerical": lambda: rasp.numerical(lib.make_length()),
    "hist": lib.make_hist,
    "count_a": lambda: lib.make_count(rasp.tokens, "a"),
}


@pytest.mark.parametrize("max_seq_len", range(10, 17))
@pytest.mark.parametrize("kind", SELECTOR_WIDTH_PROGRAMS)
def test_selector_width_exact_for_long_sequences(kind, max_seq_len):
    program = SELECTOR_WIDTH_PROGRAMS[kind]()
    net = compile_sop(program, {"a", "b"}, max_seq_len)
    rng = random.Random(max_seq_len)
    inputs = [["a"] * max_seq_len, ["b"] * max_seq_len, ["a"] * (max_seq_len - 1)]
    inputs += [[rng.choice("ab") for _ in range(rng.randint(max_seq_len - 3, max_seq_len))]
               for _ in range(20)]
    assert_matches_rasp(net, program, inputs)


@pytest.mark.slow
def test_stock_tracr_selector_width_is_wrong_at_default_exactness():
    """Documents tracr #7, the reason we choose mlp_exactness ourselves."""
    program = lib.make_length()
    model = compiling.compile_rasp_to_model(program, {"a"}, 12, compiler_bos="BOS")
    assert model.apply(["BOS"] + ["a"] * 11).decoded[1:] != [11] * 11
    net = compile_sop(program, {"a"}, 12)
    assert net.run([["a"] * 11]) == [[11] * 11]
    assert net.provenance["mlp_exactness"] > TRACR_MLP_EXACTNESS


def test_numerical_map_of_mean_uses_true_value_set():
    """tracr infers a mean of 0/1 values takes values v/n; 3/8 falls in 1/3's region."""
    frac_a = lib.make_frac_prevs(rasp.tokens == "a")
    program = rasp.Map(lambda x: x > 0.35, frac_a)
    net = compile_sop(program, {"a", "b"}, 8)
    assert net.provenance["value_sets_corrected"]
    assert net.run([list("aaabbbbb")])[0][-1] is True
    assert_matches_rasp(net, program, inputs_up_to({"a", "b"}, 8, limit=600))


# -- tracr #11: categorical aggregates that average ------------------------------------------

def test_an_aggregate_the_static_argument_cannot_clear_is_shown_on_every_input():
    """Keys that add the first token to each token: equal keys hold equal tokens only because the
    first token is one at every position, which no argument sees (two positions at a time, the
    first token fetched at each is any token), so only the inputs show that every query selects
    one token. Compiled after a check of every input, and refused where the inputs are too many to
    check. (Keys of the index and the length alone, the mirror, are shown per length: below.)"""
    source = ("first = aggregate(select(indices, indices, lambda k, q: k == 0), tokens)\n"
              "key = sequence_map(lambda f, t: f + t, first, tokens)\n"
              "out = aggregate(select(key, key, EQ), tokens)\nreturn out\n")
    net = compiler.compile_program(source, {1, 2, 3, 4, 5}, 5)
    assert net.provenance["aggregates_shown"] == "every input checked (3905)"
    assert net.run([[1, 2, 3, 1, 5], [3, 2]]) == [[1, 2, 3, 1, 5], [3, 2]]
    with pytest.raises(CompileError, match=r"tracr issue #11.*Compile shows one position where the keys are a "
                                           r"function of the index.*`select\(indices, position, EQ\)`"):
        compiler.compile_program(source, set(range(1, 9)), 5)  # 37,448 inputs


def test_a_key_that_gives_the_index_back_is_one_position_though_not_one_to_one():
    """A sort key `i if count == 1 else 8 + i` gives two counts one value at an index, so it is no
    one-to-one function of (count, index); but equal keys still mean equal indices, one position
    (the thirty-first hand-written set's s17, refused until a key had to be one-to-one in both)."""
    source = ("count = selector_width(select(tokens, tokens, EQ))\n"
              "key = sequence_map(lambda c, i: i if c == 1 else 8 + i, count, indices)\n"
              "place = selector_width(select(key, key, LT))\n"
              "return aggregate(select(place, indices, EQ), tokens)\n")
    net = compiler.compile_program(source, {"a", "b", "c"}, 8)
    assert "aggregates_shown" not in net.provenance  # shown by the argument, not by trying inputs
    assert net.run([list("babcab")]) == [list("cbabab")]
    inputs = inputs_up_to({"a", "b", "c"}, 8, limit=1200)
    program = compiler.parse(source)
    assert [compiler.evaluate(program, xs) for xs in inputs] == net.run(inputs)


_LATEST_RECORD = ("packed = sequence_map(lambda t, i: t * 16 + i, tokens, indices)\n"
                  "beaten = selector_width(select(packed, packed, "
                  "lambda k, q: k % 16 < q % 16 and k // 16 > q // 16))\n"
                  "record_at = sequence_map(lambda b, i: i if b == 0 else 99, beaten, indices)\n"
                  "records = selector_width(select(record_at, indices, LEQ))\n"
                  "record_no = sequence_map(lambda b, c: c if b == 0 else 0, beaten, records)\n"
                  "return aggregate(select(record_no, records, EQ), tokens)\n")


@pytest.mark.parametrize("causal", [False, True])
def test_the_latest_record_fetched_by_its_number_is_one_position_and_never_none(causal):
    """A record (no earlier greater token) numbered by the running count of records and fetched by
    that count: the count grows at each record, so one number is one position (tracr #11), and the
    first token is always a record (nothing is earlier), so the count is never 0 and the fetch
    always finds its record: the prefix maximum, compiled by the argument where it was refused
    (the thirty-fifth hand-written set's first drafts of t01 and t08). Records numbered from the
    second on (`LT`) give the first two the same number 0 and are refused."""
    vocab = {1, 2, 3, 4}
    net = compiler.compile_program(_LATEST_RECORD, vocab, 6, causal=causal)
    assert "aggregates_shown" not in net.provenance  # by the argument, not by trying inputs
    program = compiler.parse(_LATEST_RECORD)
    inputs = inputs_up_to(vocab, 6, limit=1500)
    want = [[compiler.evaluate(program, xs[:i + 1])[i] for i in range(len(xs))] if causal
            else compiler.evaluate(program, xs) for xs in inputs]
    assert want == net.run(inputs)
    assert net.run([[2, 1, 3, 3, 4, 1]]) == [[2, 2, 3, 3, 4, 4]]
    with pytest.raises(CompileError, match=r"tracr issue #11"):
        compiler.compile_program(_LATEST_RECORD.replace("indices, LEQ", "indices, LT"), set(range(1, 9)), 6,
                                 causal=causal)


_LATEST_EVENT = ("a_at = sequence_map(lambda t, i: i if t == \"a\" else 99, tokens, indices)\n"
                 "count = selector_width(select(a_at, indices, LEQ))\n"
                 "r_at = sequence_map(lambda t, i: i if t == \"r\" else 99, tokens, indices)\n"
                 "resets = selector_width(select(r_at, indices, LEQ))\n"
                 "key = sequence_map(lambda t, c: c if t == \"r\" else 0, tokens, resets)\n"
                 "value = sequence_map(lambda t, c: c if t == \"r\" else 0, tokens, count)\n"
                 "then = aggregate(select(key, resets, EQ), value)\n"
                 "since = sequence_map(lambda c, t: c - t, count, then)\n"
                 "return selector_width(select(since, since, LT))\n")


@pytest.mark.parametrize("causal", [False, True])
def test_the_latest_events_count_fetched_by_the_events_number_is_one_value(causal):
    """The count of a's at the latest r, fetched by the number of r's so far: each r is numbered
    by the count of r's up to it (never 0 there, since it counts itself), every other position keyed
    0 and holding 0, so a query chooses one r or only positions holding 0 (tracr #11), and before
    the first r the query 0 chooses its own position: never None, and what later positions add
    holds 0 too, so a causal select may read it as keys (tracr #19; the thirty-eighth hand-written
    set's first drafts of x01-x07, refused six times in eight). Non-events holding anything else, or
    a numerical mean of their indices read as keys, are refused."""
    vocab = {"a", "r", "b"}
    net = compiler.compile_program(_LATEST_EVENT, vocab, 6, causal=causal, check_inputs=False)  # by the argument
    program = compiler.parse(_LATEST_EVENT)
    inputs = inputs_up_to(vocab, 6, limit=1100)
    assert all(outputs_agree(reference_outputs(program, xs, causal), got) for xs, got in zip(inputs, net.run(inputs)))
    wide = set("abcdefr")
    # (causal, the later positions' values change the fetch on a prefix too: said first, tracr #19)
    with pytest.raises(CompileError, match=r"tracr #19" if causal else r"tracr issue #11"):
        compiler.compile_program(_LATEST_EVENT.replace("c if t == \"r\" else 0, tokens, count",
                                                       "c if t == \"r\" else c, tokens, count"), wide, 8, causal=causal)
    numerical = _LATEST_EVENT.replace(
        "then = aggregate(select(key, resets, EQ), value)\n",
        "one = numerical map(lambda v: v, value)\n"
        "then = map(lambda x: (x + 0.5) // 1, numerical aggregate(select(key, resets, EQ), one))\n")
    net = compiler.compile_program(numerical, vocab, 6, causal=causal, check_inputs=False)
    program = compiler.parse(numerical)
    assert all(outputs_agree(reference_outputs(program, xs, causal), got) for xs, got in zip(inputs, net.run(inputs)))
    if causal:  # the indices of the positions before the first r: a later one changes their mean
        with pytest.raises(CompileError, match=r"tracr #19"):
            compiler.compile_program(numerical.replace("lambda v: v, value", "lambda i: i, indices"), wide, 8,
                                     causal=True)


_PREVIOUS_EVENT = ('steady = sequence_map(lambda t, i: 1 if t == "r" and i > 0 else 0, tokens, indices)\n'
                   "r_at = sequence_map(lambda s, i: i if s == 1 else 99, steady, indices)\n"
                   "resets = selector_width(select(r_at, indices, LEQ))\n"
                   "key = sequence_map(lambda s, c: c if s == 1 else 0, steady, resets)\n"
                   'a_at = sequence_map(lambda t, i: i if t == "a" else 99, tokens, indices)\n'
                   "count = selector_width(select(a_at, indices, LEQ))\n"
                   "value = sequence_map(lambda s, c: c if s == 1 else 0, steady, count)\n"
                   "want = map(lambda c: max(c - 1, 0), resets)\n"
                   "before = aggregate(select(key, want, EQ), value)\n"
                   "return numerical map(lambda x: x, before)\n")


@pytest.mark.parametrize("causal", [False, True])
def test_the_event_before_the_latest_fetched_by_its_number_is_never_none(causal):
    """The count at the event before the latest, fetched by `max(n - 1, 0)` of the events' count:
    for n >= 2 the (n - 1)-th event is at or before the query, and for n <= 1 position 0, which
    is never an event (`i > 0`), has key 0, so the fetch is never None and a numerical map may
    read it (the thirty-eighth hand-written set's first draft of x04, a doorbell's previous trusted
    reading). Where position 0 may be the first event, the query 0 there chooses nothing: refused."""
    vocab = {"a", "r", "b"}
    net = compiler.compile_program(_PREVIOUS_EVENT, vocab, 6, causal=causal, check_inputs=False)  # by the argument
    program = compiler.parse(_PREVIOUS_EVENT)
    inputs = inputs_up_to(vocab, 6, limit=1100)
    assert all(outputs_agree(reference_outputs(program, xs, causal), got) for xs, got in zip(inputs, net.run(inputs)))
    with pytest.raises(CompileError, match="may be None"):
        compiler.compile_program(_PREVIOUS_EVENT.replace(' and i > 0', ''), set("abcdefr"), 8, causal=causal)


_FIRST_FLAGGED_ROW = ("row = map(lambda i: i // 4, indices)\n"
                      'b_row = sequence_map(lambda t, r: r if t == "b" else 9, tokens, row)\n'
                      "earlier = selector_width(select(b_row, row, LT))\n"
                      'first_here = sequence_map(lambda t, e: 1 if t == "b" and e == 0 else 0, tokens, earlier)\n'
                      "mark = sequence_map(lambda f, r: r if f == 1 else -1, first_here, row)\n"
                      "return aggregate(select(mark, mark, lambda k, q: k >= 0), mark)\n")


@pytest.mark.parametrize("causal", [False, True])
def test_the_first_flagged_row_fetched_from_each_of_its_cells_is_one_value(causal):
    """Every "b" of the first row holding one, fetched together: they hold one row number, since a
    "b" in a later row would count the earlier row's (a width of `b_row` keys below the query's row),
    shown two positions at a time (`compiler.compiling.pairs`) where it was refused past the
    exhaustive check (the fortieth hand-written set's first draft of g07). Flagging every "b",
    whatever its row, fetches several rows at once: refused."""
    vocab = {"a", "b"}
    net = compiler.compile_program(_FIRST_FLAGGED_ROW, vocab, 12, causal=causal, check_inputs=False)
    program = compiler.parse(_FIRST_FLAGGED_ROW)
    inputs = inputs_up_to(vocab, 12, limit=1500)
    assert all(outputs_agree(reference_outputs(program, xs, causal), got) for xs, got in zip(inputs, net.run(inputs)))
    assert net.run([list("aaaaabab")]) == [[None] * 5 + [1] * 3 if causal else [1] * 8]
    with pytest.raises(CompileError, match=r"tracr issue #11"):
        compiler.compile_program(_FIRST_FLAGGED_ROW.replace('t == "b" and e == 0', 't == "b"'), vocab, 12,
                                 causal=causal, check_inputs=False)


_MODE_FIRST_OCCURRENCE = ('code = map({"a": 0, "b": 1, "c": 2}, tokens)\n'
                          "count = selector_width(select(tokens, tokens, EQ))\n"
                          "key = sequence_map(lambda c, i: c * 16 + i, code, indices)\n"
                          "earlier = selector_width(select(key, key, lambda k, q: k // 16 == q // 16 and "
                          "k % 16 < q % 16))\n"
                          "first_at = sequence_map(lambda e, i: i if e == 0 else 15, earlier, indices)\n"
                          "score = sequence_map(lambda c, f: c * 16 + 15 - f, count, first_at)\n"
                          "beaten = selector_width(select(score, score, GT))\n"
                          "top = sequence_map(lambda b, e: 1 if b == 0 and e == 0 else 0, beaten, earlier)\n"
                          "return aggregate(select(top, top, lambda k, q: k == 1), tokens)\n")


def test_the_modes_first_occurrence_is_one_position():
    """The most frequent token, ties to the earliest, fetched categorically from its first
    occurrence: flagged where no earlier position holds its token and no score (the count packed
    with the first position) beats its own; two such positions would hold different tokens, so
    different first positions and different scores, and one would beat the other. Shown two
    positions at a time where it was refused (the thirty-ninth hand-written set's m01: 88,572
    inputs); scores that tie across tokens (the count alone) are refused, as words cannot be
    averaged."""
    vocab = {"a", "b", "c"}
    net = compiler.compile_program(_MODE_FIRST_OCCURRENCE, vocab, 10, check_inputs=False)
    program = compiler.parse(_MODE_FIRST_OCCURRENCE)
    inputs = inputs_up_to(vocab, 10, limit=1500)
    assert all(outputs_agree(reference_outputs(program, xs, False), got) for xs, got in zip(inputs, net.run(inputs)))
    assert net.run([list("cabbac")]) == [["c"] * 6]
    with pytest.raises(CompileError, match=r"tracr issue #11|several positions"):
        compiler.compile_program(_MODE_FIRST_OCCURRENCE.replace("c * 16 + 15 - f", "c"), vocab, 10,
                                 check_inputs=False)


def test_the_two_position_argument_gives_up_past_its_limit():
    """Past its state limit the argument says 'not shown', never 'shown'."""
    sop = compiler.parse(_MODE_FIRST_OCCURRENCE).sop
    facts = Facts(rasp_to_graph.extract_rasp_graph(sop).graph, {"a", "b", "c"}, 10)
    assert chosen_hold_one_value(facts, sop.selector, sop.sop)
    assert not chosen_hold_one_value(facts, sop.selector, sop.sop, limit=100)


_NUMBERED_BY_DEPTH = ("step = map({\"(\": 1, \")\": -1, \"w\": 0}, tokens)\n"
                      "opens = selector_width(select(sequence_map(lambda s, i: i if s == 1 else 99, step, indices), "
                      "indices, LEQ))\n"
                      "closes = selector_width(select(sequence_map(lambda s, i: i if s == -1 else 99, step, indices), "
                      "indices, LEQ))\n"
                      "depth = sequence_map(lambda a, b: a - b, opens, closes)\n"
                      "packed = sequence_map(lambda d, i: d * 16 + i, depth, indices)\n"
                      "nth = selector_width(select(packed, packed, "
                      "lambda k, q: k // 16 == q // 16 and k % 16 <= q % 16))\n"
                      "key = sequence_map(lambda d, n: d * 16 + n, depth, nth)\n"
                      "return aggregate(select(key, key, EQ), indices)\n")


@pytest.mark.parametrize("causal", [False, True])
def test_a_position_numbered_among_those_of_its_own_depth_is_one_position(causal):
    """A key packing a bracket depth with the position's number among those of its depth up to it
    (a count against the same keys, `d * 16 + i` packed): the count grows from one position of a
    depth to the next, so one key is one position (tracr #11), shown by the argument where it was
    refused past the exhaustive check (the thirty-sixth hand-written set's bracket partners, v03
    and v15, written categorically). Counting every position of the depth, earlier or later, gives
    them all one number: refused."""
    vocab = {"(", ")", "w"}
    net = compiler.compile_program(_NUMBERED_BY_DEPTH, vocab, 8, causal=causal)
    assert "aggregates_shown" not in net.provenance  # by the argument, not by trying inputs
    program = compiler.parse(_NUMBERED_BY_DEPTH)
    inputs = inputs_up_to(vocab, 8, limit=1500)
    assert all(outputs_agree(reference_outputs(program, xs, causal), got) for xs, got in zip(inputs, net.run(inputs)))
    assert net.run([list("(w)(")]) == [[0, 1, 2, 3]]
    with pytest.raises(CompileError, match=r"tracr #19" if causal else r"tracr issue #11"):  # (#19 said first)
        compiler.compile_program(_NUMBERED_BY_DEPTH.replace(" and k % 16 <= q % 16", ""),
                                 vocab, 8, causal=causal)


@pytest.mark.parametrize("causal", [False, True])
def test_a_run_start_fetched_by_the_run_number_is_one_position_and_never_none(causal):
    """The start of the current run fetched by the run's number, the count's keys the start index
    itself: two starts never share a number (a start at index 3 holds 3 only there) and index 0
    always starts one, so the fetch is one position and never None, shown by the argument where it
    was refused, even for 62 inputs (the thirty-fifth hand-written set's first drafts of t03 and
    t24); the run lengths read off it agree with the program on every input."""
    source = ("prev = aggregate(select(indices, indices, lambda k, q: k == max(q - 1, 0)), tokens)\n"
              "change = sequence_map(lambda t, p: 1 if t != p else 0, tokens, prev)\n"
              "start = sequence_map(lambda c, i: i if c == 1 or i == 0 else 99, change, indices)\n"
              "run_no = selector_width(select(start, indices, LEQ))\n"
              "run_key = sequence_map(lambda a, r: r if a < 99 else 0, start, run_no)\n"
              "run_from = aggregate(select(run_key, run_no, EQ), indices)\n"
              "return numerical map(lambda f: f * 2, run_from)\n")
    vocab = {"a", "b", "c"}
    net = compiler.compile_program(source, vocab, 6, causal=causal)
    assert "aggregates_shown" not in net.provenance
    program = compiler.parse(source)
    inputs = inputs_up_to(vocab, 6, limit=1100)
    assert all(outputs_agree(reference_outputs(program, xs, causal), got) for xs, got in zip(inputs, net.run(inputs)))
    assert np.allclose(net.run([list("aabbba")])[0], [0, 0, 4, 4, 4, 10], atol=1e-6)


@pytest.mark.parametrize("causal", [False, True])
def test_the_first_position_of_ones_own_token_fetched_by_the_token_is_never_none(causal):
    """Each token's first position, fetched by the token (`t if same_before == 0 else 0` against the
    token, the count of earlier positions holding it): the first position holding one's own token
    is at or before one's own and flagged, so the fetch is never None and a numerical map may read
    it (the thirty-fifth hand-written set's first draft of t04, refused for a None no input gives).
    Counting earlier positions of any token flags position 0 alone: refused."""
    source = ("packed = sequence_map(lambda t, i: t * 16 + i, tokens, indices)\n"
              "same_before = selector_width(select(packed, packed, "
              "lambda k, q: k // 16 == q // 16 and k % 16 < q % 16))\n"
              "first = sequence_map(lambda s, t: t if s == 0 else 0, same_before, tokens)\n"
              "first_at = aggregate(select(first, tokens, EQ), indices)\n"
              "return numerical map(lambda i: i * 2, first_at)\n")
    vocab = {1, 2, 3, 4}
    net = compiler.compile_program(source, vocab, 6, causal=causal)
    program = compiler.parse(source)
    inputs = inputs_up_to(vocab, 6, limit=1500)
    assert all(outputs_agree(reference_outputs(program, xs, causal), got) for xs, got in zip(inputs, net.run(inputs)))
    assert np.allclose(net.run([[3, 1, 3, 2, 1]])[0], [0, 2, 0, 6, 2], atol=1e-6)
    with pytest.raises(CompileError, match="may be None"):
        compiler.compile_program(source.replace("k // 16 == q // 16 and ", ""), set(range(1, 9)), 6, causal=causal)


def test_the_last_position_of_ones_group_fetched_by_two_counts_is_never_none():
    """A group's last position, `before + size - 1` of the positions of earlier groups (`LT` over
    group numbers) and of one's own (`EQ`), is a position of the input: no position is counted by
    both, so the sum is at most the length, and `EQ` counts one's own, so it is at least 1
    (`Facts.cell_values`; a reading of the thirty-sixth hand-written set's v21 without its
    writer's clamp to `length - 1`). A numerical map may read the fetch; fetching one further is
    None at the last group: refused."""
    source = ("is_sep = map(lambda t: 1 if t == \"/\" else 0, tokens)\n"
              "group = selector_width(select(sequence_map(lambda s, i: i if s == 1 else 99, is_sep, indices), "
              "indices, LEQ))\n"
              "before = selector_width(select(group, group, LT))\n"
              "size = selector_width(select(group, group, EQ))\n"
              "end = sequence_map(lambda b, s: b + s, before, size)\n"
              "units = aggregate(select(indices, end, lambda k, q: k == q - 1), tokens)\n"
              "return numerical map(lambda u: 0 if u == \"/\" else u, units)\n")
    vocab = {1, 2, "/"}  # 9,840 inputs: past the exhaustive check
    net = compiler.compile_program(source, vocab, 8)
    program = compiler.parse(source)
    inputs = inputs_up_to(vocab, 8, limit=1500)
    assert all(outputs_agree(compiler.evaluate(program, xs), got) for xs, got in zip(inputs, net.run(inputs)))
    assert np.allclose(net.run([[1, 2, "/", 2, "/"]])[0], [2, 2, 2, 2, 0], atol=1e-3)
    with pytest.raises(CompileError, match="may be None"):
        compiler.compile_program(source.replace("k == q - 1", "k == q"), vocab, 8)
    # the two counts over two spellings of one key, a line of (group, is_sep) and a table of the
    # same arguments relabelling it (as a reading of the thirty-seventh set's w22 spelled them):
    # compared argument by argument, they still never both choose a pair
    keyed = source.replace(
        "before = selector_width(select(group, group, LT))\n"
        "size = selector_width(select(group, group, EQ))\n",
        "key = sequence_map(lambda g, s: g * 2 + s, group, is_sep)\n"
        "code = sequence_map({" + ", ".join(f"({g}, {b}): {7 * (2 * g + b) % 19}" for g in range(9) for b in (0, 1))
        + "}, group, is_sep)\n"
        "before = selector_width(select(key, key, LT))\n"
        "size = selector_width(select(code, code, EQ))\n")
    assert keyed != source
    net = compiler.compile_program(keyed, vocab, 8)
    program = compiler.parse(keyed)
    assert all(outputs_agree(compiler.evaluate(program, xs), got) for xs, got in zip(inputs, net.run(inputs)))
    with pytest.raises(CompileError, match="may be None"):  # LEQ counts one's own position twice
        compiler.compile_program(keyed.replace("select(key, key, LT)", "select(key, key, LEQ)"), vocab, 8)


def test_a_fetch_by_sort_target_is_never_none_where_the_keys_are_one_position_each():
    """A sort's fetch `aggregate(select(target, indices, EQ), x)`, the target the count of keys below
    one's own by `LT`, over keys no two positions share: the targets of an input are 0 .. n - 1, one
    each, so every index finds its position and a numerical map may read the fetch (the
    thirty-fifth hand-written set's first draft of t13, ranked counts refused for a None no input
    gives). Keys two positions may share (the token alone) leave an index without a position:
    refused."""
    source = ("count = selector_width(select(tokens, tokens, EQ))\n"
              "key = sequence_map(lambda c, i: (9 - c) * 16 + i, count, indices)\n"
              "target = selector_width(select(key, key, LT))\n"
              "ranked = aggregate(select(target, indices, EQ), count)\n"
              "return numerical map(lambda c: c * 10, ranked)\n")
    vocab = {"a", "b", "c", "d"}  # 87,380 inputs: past the exhaustive check
    net = compiler.compile_program(source, vocab, 8)
    program = compiler.parse(source)
    inputs = inputs_up_to(vocab, 8, limit=1500)
    assert all(outputs_agree(compiler.evaluate(program, xs), got) for xs, got in zip(inputs, net.run(inputs)))
    assert np.allclose(net.run([list("abcab")])[0], [20, 20, 20, 20, 10], atol=1e-6)
    with pytest.raises(CompileError, match="may be None"):
        compiler.compile_program(source.replace("(9 - c) * 16 + i", "(9 - c) * 16"), vocab, 8)


def test_a_sort_key_that_gives_the_index_back_in_each_branch_is_one_position():
    """`k if seen == 1 else 200 + k % 16` of packed `t * 16 + i`: neither branch gives back the
    pair it reads, but each value can sit at one position only (its index is `k % 16` or `v - 200`),
    so equal sort keys are one position and the sort's fetch is shown by the argument, where it was
    refused past the exhaustive limit (87,380 inputs: the thirty-fifth hand-written set's first
    drafts of t12 and t13)."""
    source = ('v = map({"a": 1, "b": 2, "c": 3, "d": 4}, tokens)\n'
              "seen = selector_width(select(tokens, tokens, EQ))\n"
              "packed = sequence_map(lambda x, i: x * 16 + i, v, indices)\n"
              "order_key = sequence_map(lambda k, s: k if s == 1 else 200 + k % 16, packed, seen)\n"
              "target = selector_width(select(order_key, order_key, LT))\n"
              "return aggregate(select(target, indices, EQ), tokens)\n")
    vocab = {"a", "b", "c", "d"}
    net = compiler.compile_program(source, vocab, 8)
    assert "aggregates_shown" not in net.provenance
    program = compiler.parse(source)
    inputs = inputs_up_to(vocab, 8, limit=1500)
    assert [compiler.evaluate(program, xs) for xs in inputs] == net.run(inputs)
    assert net.run([list("dabad")]) == [["b", "d", "a", "a", "d"]]  # the lone b, then repeats by index


@pytest.mark.parametrize("program", [
    rasp.Aggregate(select(rasp.tokens, rasp.tokens), rasp.indices),
    rasp.Aggregate(select(rasp.indices, rasp.indices, rasp.Comparison.LEQ), rasp.tokens),
    rasp.Aggregate(select(lib.make_hist(), rasp.indices), rasp.tokens),
], ids=["same_token", "prefix", "hist_keys"])
def test_averaging_categorical_aggregate_is_refused(program):
    with pytest.raises(CompileError, match="#11"):
        compile_sop(program, {"a", "b", "c"}, 4)


def test_an_aggregate_of_several_equal_words_is_undefined_and_refused():
    """rasp.evaluate averages what an aggregate selects and cannot average words, even equal
    ones: the program has no output on ["a", "a"], where a net would answer "z"."""
    program = rasp.Aggregate(select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE),
                             rasp.Map(lambda t: "z", rasp.tokens))
    with pytest.raises(CompileError, match=r"several positions of .*'z'.* a mean of anything but numbers is "
                                           r"undefined.* the input \[1, 1\]"):
        compile_sop(program, {1, 2, 3}, 4)
    sort_words = lib.make_sort_unique(rasp.tokens, rasp.tokens)  # ties select two positions
    with pytest.raises(CompileError, match=r"break ties by index.*every input where there are at most 5,000, and "):
        compile_sop(sort_words, set("abcdefghij"), 4)
    compile_sop(lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=4, min_key=1), {1, 2, 3}, 4)


def test_equal_words_that_only_trying_inputs_shows_are_refused_for_the_mean_not_for_different_values():
    """The winner's name fetched from every position that agrees with the first token: the positions
    always hold one word, which no static rule shows, so compile tries every input and rasp fails
    on ["ana", "ana"] (a mean of words). The fifteenth hand-written set's first c21 was told the
    aggregate "may select several positions holding different values" (its own example selected
    equal ones); the message names the mean as the cause and how to write it instead."""
    import compiler

    source = ("first = aggregate(select(indices, indices, lambda k, q: k == 0), tokens)\n"
              "same = sequence_map(lambda t, f: 1 if t == f else 0, tokens, first)\n"
              "winner = aggregate(select(same, same, lambda k, q: k == 1), tokens)\n"
              "return winner\n")
    with pytest.raises(compiler.CompileError) as refused:
        compiler.compile_program(source, {"ana", "bo"}, 3)
    message = str(refused.value)
    assert message.startswith("winner (line 3, column 10): categorical Aggregate selects several positions")
    assert "a mean of anything but numbers is undefined, even of equal values" in message
    assert "[\"ana\", \"ana\"]" in message and "may select several positions holding different values" not in message
    assert "aggregate numbers that encode the values and map them back" in message


def test_equal_words_two_positions_at_a_time_shows_are_refused_for_the_mean_not_for_different_values():
    """The latest event fetched by the events' number, non-events keyed 0: before the first event
    the query 0 chooses every non-event position, which all hold "-". Past the inputs compile
    tries one by one, following the program two positions at a time finds two chosen together
    holding "-": the forty-third hand-written set's writer was told they may hold "different
    values" in four drafts. A mean of words is undefined even of equal ones, and the refusal says
    so, naming the word."""
    import compiler

    source = ("ext = map(lambda t: 1 if t >= 3 else 0, tokens)\n"
              "ext_at = sequence_map(lambda e, i: i if e == 1 else 99, ext, indices)\n"
              "seen = selector_width(select(ext_at, indices, LEQ))\n"
              "rank = sequence_map(lambda e, s: s if e == 1 else 0, ext, seen)\n"
              "kind = map(lambda t: \"hot\" if t >= 3 else \"-\", tokens)\n"
              "latest = aggregate(select(rank, seen, EQ), kind)\n"
              "return latest\n")
    with pytest.raises(compiler.CompileError) as refused:
        compiler.compile_program(source, {1, 2, 3, 4}, 7)
    message = str(refused.value)
    assert message.startswith("latest (line 6, column 10): categorical Aggregate may select several positions of "
                              "kind holding '-'"), message
    assert "a mean of anything but numbers is undefined, even of equal values" in message
    assert "holding different values" not in message
    # numbers in their place average to the one value: compiled, and the events' latest kind fetched
    net = compiler.compile_program(source.replace('\"hot\" if t >= 3 else \"-\"', "1 if t >= 3 else 0"),
                                   {1, 2, 3, 4}, 7)
    assert net.run([[3, 1, 4]]) == [[1, 1, 1]]


def test_a_fetch_keyed_by_the_index_and_the_length_is_one_position_on_every_length():
    """The mirror `length - 1 - indices` is a position of the input at every length, so a fetch
    keyed by it selects one position: compiled past the 5,000 inputs compile would try one by one
    (the twenty-fifth hand-written set's writer met it refused at max_seq_len 12, and compiled at
    11), and right on them. Halved, two positions share a key: still refused, naming the rule."""
    import compiler
    from compiler.compiling.check import outputs_agree, random_inputs, reference_outputs

    mirror = ("mirror = sequence_map(lambda i, n: n - 1 - i, indices, length)\n"
              "back = aggregate(select(mirror, indices, EQ), tokens)\nreturn back\n")
    net = compiler.compile_program(mirror, {"a", "b"}, 12)
    inputs = random_inputs(["a", "b"], 12, 300, random.Random(0))
    program = compiler.parse(mirror)
    assert all(outputs_agree(reference_outputs(program, xs), got) for xs, got in zip(inputs, net.run(inputs)))
    assert all(got == xs[::-1] for got, xs in zip(net.run(inputs), inputs))
    with pytest.raises(compiler.CompileError, match=r"back \(line 2, column 8\): categorical Aggregate may "
                                                    r"select several positions.*the index and the length"):
        compiler.compile_program(mirror.replace("n - 1 - i", "(n - 1 - i) // 2"), {"a", "b"}, 12)


@pytest.mark.parametrize("program, vocab", [
    (lib.make_reverse(rasp.tokens), {"a", "b", "c"}),
    (lib.shift_by(2, rasp.tokens), {"a", "b", "c"}),
    (lib.make_sort_unique(rasp.tokens, rasp.tokens), {1, 2, 3}),  # duplicate keys, equal values
    (lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=4, min_key=1), {1, 2, 3}),
    (lib.make_sort(rasp.tokens, lib.make_hist(), max_seq_len=4, min_key=1), {1, 2, 3}),
    (rasp.Aggregate(select(rasp.tokens, rasp.tokens), rasp.Map(lambda t: t * 2, rasp.tokens)),
     {1, 2, 3}),
    (rasp.Aggregate(select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE),
                    rasp.Map(lambda t: 7, rasp.tokens)), {1, 2, 3}),
    # keys repeat (99), but each query value matches the key at one index only
    (rasp.Aggregate(select(rasp.Map(lambda i: i if i < 3 else 99, rasp.indices), rasp.tokens),
                    rasp.tokens), {0, 1, 2}),
], ids=["reverse", "shift_by", "sort_unique_dupes", "sort", "sort_by_hist", "same_key",
        "one_value", "index_keys"])
def test_moving_categorical_aggregates_compile_and_match(program, vocab):
    net = compile_sop(program, vocab, 4)
    assert_matches_rasp(net, program, inputs_up_to(vocab, 4, limit=200))


# -- tracr #19: causal ----------------------------------------------------------------------

@pytest.mark.parametrize("name", CAUSAL_CASES)
def test_causal_cases_compute_program_on_prefixes(name):
    case = CAUSAL_CASES[name]
    net = compile_case(case, causal=True)
    assert net.config.causal
    got = net.run([case["test_input"]])[0]
    assert all(close(g, w) for g, w in zip(got, case["expected_output"])), got
    inputs = inputs_up_to(case["vocab"], case["max_seq_len"], limit=80)
    assert_matches_rasp(net, case["program"], inputs, causal=True)


def test_causal_reverse_is_the_reverse_of_each_prefix():
    program = lib.make_reverse(rasp.tokens)
    net = compile_sop(program, {"a", "b", "c"}, 5, causal=True)
    assert net.run([list("abc")]) == [list("aaa")]
    assert_matches_rasp(net, program, inputs_up_to({"a", "b", "c"}, 5), causal=True)


def forward_mean():
    """Mean of (token == 1) over this and later positions."""
    return rasp.numerical(rasp.Aggregate(select(rasp.indices, rasp.indices, rasp.Comparison.GEQ),
                                         rasp.numerical(rasp.tokens == 1), default=0))


@pytest.mark.parametrize("program", [
    lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=5, min_key=1),
    lib.shift_by(1, lib.make_length()),
    rasp.SelectorWidth(select(lib.make_hist(), rasp.tokens)),
    rasp.numerical(rasp.Aggregate(
        select(rasp.indices, rasp.indices, rasp.Comparison.LEQ),
        rasp.numerical(rasp.Map(lambda m: 1 if m > 0.5 else 0, forward_mean())), default=0)),
], ids=["sort", "shift_length", "keys_hist", "reads_forward_mean"])
def test_causal_refuses_what_depends_on_later_positions(program):
    with pytest.raises(CompileError, match="causal"):
        compile_sop(program, {1, 2, 3}, 5, causal=True)


def _earlier_greater(before):
    """How many positions `before` mine hold a token greater than mine, over keys packing
    (token, index): the select looks backwards through the packed value, not through indices."""
    packed = rasp.SequenceMap(lambda t, i: (t, i), rasp.tokens, rasp.indices)
    return rasp.SelectorWidth(rasp.Select(packed, packed, lambda k, q: before(k[1], q[1]) and k[0] > q[0]))


def _records_so_far(width):
    """The share of positions up to mine where `width` is 0 (a record), read at earlier positions."""
    record = rasp.numerical(rasp.Map(lambda n: 1 if n == 0 else 0, width))
    return rasp.numerical(rasp.Aggregate(select(rasp.indices, rasp.indices, rasp.Comparison.LEQ), record, default=0))


def test_causal_compiles_a_select_that_looks_back_through_keys_packing_the_index():
    program = _records_so_far(_earlier_greater(lambda k, q: k < q))  # how often a running maximum rose
    net = compile_sop(program, {1, 2, 3}, 5, causal=True)
    got = net.run([[2, 1, 3, 3, 1]])[0]
    assert all(close(g, w) for g, w in zip(got, [1.0, 0.5, 2 / 3, 0.75, 0.6])), got
    assert_matches_rasp(net, program, inputs_up_to({1, 2, 3}, 5), causal=True)


def test_causal_refuses_a_select_that_looks_forward_through_keys_packing_the_index():
    with pytest.raises(CompileError, match="causal") as refused:
        compile_sop(_records_so_far(_earlier_greater(lambda k, q: k > q)), {1, 2, 3}, 5, causal=True)
    # the message names the select, an input and a later position it chooses there, for a query before it
    assert re.search(r"on the input \[.*\], \S+ selects the key at position \d .* for the query at position \d .*, "
                     "a later position", str(refused.value)), str(refused.value)


def test_causal_refusal_names_an_input_on_which_the_select_at_fault_looks_forward():
    """The values keys and queries may take at each position are supersets: the forty-second
    hand-written set's writer was told a count of runs "may" be 0 at positions 0 and 1, which no
    input gives, and looked for the fault in the wrong line. The refusal names a real input, on
    which the select it names (the streak's, line 5) chooses a later key."""
    import compiler

    source = ("prev = aggregate(select(indices, map(lambda i: max(i - 1, 0), indices), EQ), tokens)\n"
              "change = sequence_map(lambda t, p: 1 if t != p else 0, tokens, prev)\n"
              "start_at = sequence_map(lambda c, i: i if c == 1 or i == 0 else -1, change, indices)\n"
              "runs = selector_width(select(start_at, indices, lambda k, q: k >= 0 and k <= q))\n"
              "streak = selector_width(select(runs, runs, EQ))\n"
              "tag = sequence_map(lambda s, i: s * 16 + i, streak, indices)\n"
              "longer = selector_width(select(tag, tag, lambda k, q: k % 16 < q % 16))\n"
              "return longer\n")
    with pytest.raises(CompileError) as refused:
        compiler.compile_program(source, {"W", "L", "D"}, 10, causal=True)
    assert ("(on the input ['D', 'D'], the select at line 5, column 25 selects the key at position 1 (1) for the "
            "query at position 0 (1), a later position, which a causal net cannot see)") in str(refused.value)
    runs = compiler.evaluate(compiler.parse(source.replace("return longer", "return runs")), ["D", "D"])
    assert runs == [1, 1]  # the values named are the input's own


def test_causal_compiles_a_fetch_by_a_count_that_is_at_most_its_position_plus_one():
    """A fetch of the position before a count's value, the count that of the positions up to one's
    own holding one's token: at position p it is at most p + 1, so the fetch looks back, though
    the count takes every value up to the length somewhere (`Facts.cell_values`, by position and
    length; a reading of the thirty-sixth hand-written set's v07 dropped its writer's clamp
    `max(min(p - 1, i), 0)`, which the net never needs). Its flag, averaged over earlier positions,
    agrees with the program on every prefix; fetching at the count itself, one past the prefix's
    end at its last position, is refused."""
    import compiler

    source = ("packed = sequence_map(lambda t, i: t * 16 + i, tokens, indices)\n"
              "same = selector_width(select(packed, packed, lambda k, q: k // 16 == q // 16 and k % 16 <= q % 16))\n"
              "first = numerical aggregate(select(indices, same, lambda k, q: k == q - 1), "
              "numerical map(lambda t: t, tokens))\n"
              "flag = numerical map(lambda f: 1 if f > 1 else 0, first)\n"
              "return numerical aggregate(select(indices, indices, LEQ), flag)\n")
    net = compiler.compile_program(source, {1, 2, 3}, 6, causal=True)
    program = compiler.parse(source)
    inputs = inputs_up_to({1, 2, 3}, 6, limit=1100)
    assert all(outputs_agree(reference_outputs(program, xs, True), got) for xs, got in zip(inputs, net.run(inputs)))
    with pytest.raises(CompileError, match=r"a later position, which a causal net cannot see"):
        compiler.compile_program(source.replace("k == q - 1", "k == q"), {1, 2, 3}, 6, causal=True)


def test_causal_refuses_keys_that_read_the_length_naming_it_and_how_to_write_the_select():
    """A mirror `length - 1 - indices` as keys: the length a causal net counts at an earlier
    position is its prefix's. The refusal says so, not that an internal select of the length
    (`length_selector`, which the program never wrote) looks forward, and says how to write it:
    the mirror as the queries, which compiles and agrees on every prefix."""
    import compiler

    source = ("mirror = sequence_map(lambda i, n: n - 1 - i, indices, length)\n"
              "back = aggregate(select(mirror, indices, EQ), tokens)\nreturn back\n")
    with pytest.raises(CompileError) as refused:
        compiler.compile_program(source, {"a", "b"}, 5, causal=True)
    message = str(refused.value)
    assert message.startswith("back (line 2, column 8): with causal=True the select at line 2, column 18 (its "
                              "select) reads keys mirror at earlier positions")
    assert "length, the number of tokens in the input, is counted by a causal net on each position's prefix" in message
    assert "length_selector" not in message and "read it as the queries instead" in message
    swapped = source.replace("select(mirror, indices, EQ)", "select(indices, mirror, EQ)")
    net = compiler.compile_program(swapped, {"a", "b"}, 5, causal=True)
    assert net.run([["a", "b", "b"]]) == [["a", "a", "a"]]  # each prefix's own mirror: its first token


def test_causal_says_when_it_could_not_show_a_select_looks_back_rather_than_that_it_looks_forward(monkeypatch):
    """Past the predicate calls compile makes to show a select never chooses a later position
    (keys packing a count and the index take many values), the refusal says it could not show
    that, not that the select looks forward."""
    from compiler.compiling import causal

    program = _records_so_far(_earlier_greater(lambda k, q: k < q))
    compile_sop(program, {1, 2, 3}, 5, causal=True)  # it looks back: compiled
    original = causal._looks_forward
    monkeypatch.setattr(causal, "_looks_forward", lambda facts, select: original(facts, select, limit=10))
    with pytest.raises(CompileError, match="could not show it") as refused:
        compile_sop(program, {1, 2, 3}, 5, causal=True)
    assert "over 10 predicate calls" in str(refused.value) and "might not compute" in str(refused.value)


def test_causal_output_may_look_forward():
    """On a prefix nothing lies beyond the last position, so only the own token is seen."""
    program = forward_mean()
    net = compile_sop(program, {1, 2, 3}, 5, causal=True)
    assert_matches_rasp(net, program, inputs_up_to({1, 2, 3}, 5), causal=True)


def test_a_causal_program_refused_both_ways_is_told_the_prefix_first():
    """The running maximum fetched from the latest record, records found by a width over the
    tokens alone: on a longer prefix a later larger token un-records a position, so the causal net
    is not the program (tracr #19) whatever the fetch; that is said first, not the fetch's #11, which
    sent the thirty-ninth hand-written set's writer to a numerical rewrite refused for the prefix
    then. Packed (token, index) keys compile."""
    source = ("higher = selector_width(select(tokens, tokens, GT))\n"
              "record = map(lambda h: 1 if h == 0 else 0, higher)\n"
              "record_at = sequence_map(lambda r, i: i if r == 1 else 99, record, indices)\n"
              "records = selector_width(select(record_at, indices, LEQ))\n"
              "record_no = sequence_map(lambda r, n: n if r == 1 else 0, record, records)\n"
              "return aggregate(select(record_no, records, EQ), tokens)\n")
    with pytest.raises(CompileError, match=r"tracr #19"):
        compiler.compile_program(source, {1, 2, 3}, 6, causal=True)
    packed = ("key = sequence_map(lambda t, i: t * 16 + i, tokens, indices)\n" + source.replace(
        "select(tokens, tokens, GT)", "select(key, key, lambda k, q: k // 16 > q // 16 and k % 16 < q % 16)"))
    net = compiler.compile_program(packed, {1, 2, 3}, 6, causal=True)
    assert net.run([[2, 1, 3, 3, 1, 2]]) == [[2, 2, 3, 3, 3, 3]]


# -- tracr #24: categorical -> numerical with negative values --------------------------------

def test_negative_categorical_to_numerical_map():
    program = rasp.numerical(rasp.Map(lambda x: x - 2, rasp.tokens))
    net = compile_sop(program, {0, 1, 2, 3}, 3)
    assert net.run([[0, 1, 3]]) == [[-2.0, -1.0, 1.0]]
    total = rasp.numerical(rasp.Aggregate(select(rasp.indices, rasp.indices,
                                                 rasp.Comparison.LEQ),
                                          rasp.numerical(rasp.tokens == 0), default=0))
    shifted = rasp.numerical(rasp.LinearSequenceMap(total, program, 1, 1))
    net = compile_sop(shifted, {0, 1, 2, 3}, 3)
    assert_matches_rasp(net, shifted, inputs_up_to({0, 1, 2, 3}, 3))


# -- tracr #25: None --------------------------------------------------------------------------

def test_none_propagates_and_decodes_as_none():
    """The example of tracr #25: rasp gives None where nothing is selected, and so do we."""
    sel = select(rasp.indices, rasp.tokens)
    program = rasp.Aggregate(sel, rasp.Aggregate(sel, rasp.indices))
    net = compile_sop(program, {1, 2, 3, 4}, 5)
    assert net.run([[1, 2, 3, 4]]) == [rasp.evaluate(program, [1, 2, 3, 4])] == [[2, 3, None, None]]
    for xs in inputs_up_to({1, 2, 3, 4}, 4, limit=300):
        assert net.run([xs])[0] == rasp.evaluate(program, xs)


def test_numerical_none_is_refused():
    program = rasp.numerical(rasp.Map(lambda x: None if x == "a" else 1, rasp.tokens))
    with pytest.raises(CompileError, match="None"):
        compile_sop(program, {"a", "b"}, 3)


@pytest.mark.parametrize("program", [
    rasp.SelectorWidth(rasp.Select(lib.shift_by(1, rasp.tokens), rasp.tokens,
                                   lambda k, q: k != q)),
    lib.make_count(lib.shift_by(1, rasp.tokens), "a"),  # a None query selects every "a"
], ids=["none_key", "none_query"])
def test_predicate_selecting_none_is_refused(program):
    with pytest.raises(CompileError, match="None"):
        compile_sop(program, {"a", "b"}, 3)


def test_predicate_ignoring_none_compiles():
    shifted = lib.shift_by(1, rasp.tokens)
    program = rasp.SelectorWidth(rasp.Select(shifted, rasp.tokens, lambda k, q: k == "a"))
    net = compile_sop(program, {"a", "b"}, 4)
    assert_matches_rasp(net, program, inputs_up_to({"a", "b"}, 4))


# -- further tracr failures ------------------------------------------------------------------

def test_two_selector_widths_in_one_layer():
    """tracr merges their BOS-cleaning neurons and then attends away from BOS."""
    count_a = lib.make_count(rasp.tokens, "a")
    zero = rasp.Map(lambda t: 0, rasp.tokens)
    ones = rasp.numerical(rasp.Map(lambda t: 1, rasp.tokens))
    none_selected = rasp.numerical(rasp.Aggregate(select(count_a, zero), ones, default=0))
    length = rasp.numerical(rasp.Map(lambda n: n, lib.make_length()))
    program = rasp.numerical(rasp.LinearSequenceMap(none_selected, length, 1, 0))
    net = compile_sop(program, {"a", "b"}, 4)
    assert all(close(got, 0.0) for got in net.run([list("ab")])[0])
    assert_matches_rasp(net, program, inputs_up_to({"a", "b"}, 4))


def frac_a():
    is_a = rasp.numerical(rasp.Map(lambda t: 1 if t == "a" else 0, rasp.tokens))
    return rasp.numerical(rasp.Aggregate(select(rasp.indices, rasp.indices, rasp.Comparison.LEQ),
                                         is_a, default=0))


def test_value_written_at_bos_used_as_key():
    """few_a = (frac < 0.5) is True at BOS too, so BOS would out-bid the real True keys."""
    few_a = rasp.Map(lambda x: x < 0.5, frac_a())
    ones = rasp.numerical(rasp.Map(lambda t: 1, rasp.tokens))
    program = rasp.numerical(rasp.Aggregate(select(few_a, rasp.Map(lambda t: True, rasp.tokens)),
                                            ones, default=0))
    net = compile_sop(program, {"a", "b"}, 5)
    assert net.provenance["silenced_at_bos"] == [few_a.label]  # the only discretising Map
    assert_matches_rasp(net, program, inputs_up_to({"a", "b"}, 5))


def test_value_written_at_bos_used_as_aggregated_value():
    """A shift reads BOS where nothing is selected; BOS must then hold 0, not f(0) = 1."""
    few_a = rasp.numerical(rasp.Map(lambda x: 1 if x < 0.5 else 0, frac_a()))
    program = rasp.numerical(rasp.Aggregate(
        rasp.Select(rasp.indices, rasp.indices, lambda k, q: q == k + 1), few_a, default=0))
    net = compile_sop(program, {"a", "b"}, 5)
    assert close(net.run([["b"]])[0][0], 0.0)
    assert_matches_rasp(net, program, inputs_up_to({"a", "b"}, 5))


def test_harmless_value_at_bos_keeps_tracr_weights():
    """shuffle_dyck writes at BOS only into a categorical Aggregate's values: no change."""
    net = compile_sop(lib.make_shuffle_dyck(["()"]), {"(", ")"}, 6)
    assert net.provenance["silenced_at_bos"] == []


def test_arithmetic_errors_mean_the_value_never_occurs():
    """x / length: length's value set includes 0, where tracr's MLP construction crashes."""
    program = rasp.SequenceMap(lambda x, n: x / n, rasp.tokens, lib.make_length())
    net = compile_sop(program, {1, 2, 3}, 4)
    assert_matches_rasp(net, program, inputs_up_to({1, 2, 3}, 4))


def test_wide_heads_keep_means_exact():
    """With d_head ~120, tracr's attention leaves ~1% to BOS and means come out 1% low."""
    vocab = set(range(120))
    frac = lib.make_frac_prevs(rasp.tokens < 3)
    zero = rasp.numerical(rasp.Aggregate(select(rasp.tokens, rasp.tokens),
                                         rasp.numerical(rasp.Map(lambda t: 0, rasp.tokens)),
                                         default=0))
    program = rasp.numerical(rasp.LinearSequenceMap(frac, zero, 1, 1))
    net = compile_sop(program, vocab, 8)
    assert net.config.d_head > 100 and net.provenance["attention_sharpening"] > 1
    rng = random.Random(0)
    inputs = [[rng.choice([0, 1, 2, 50, 99]) for _ in range(rng.randint(1, 8))]
              for _ in range(50)]
    for xs, got in zip(inputs, net.run(inputs)):
        np.testing.assert_allclose(got, rasp.evaluate(program, xs), rtol=1e-4, atol=1e-6)


def test_empty_selections_of_large_values_keep_the_default():
    """A mean of large values over a select that chooses no key: each unselected key's stray
    weight counts times its value (a mean of 500s read 0.011 for the default 0 at tracr's margin,
    the thirty-second hand-written set's s13); the margin grows with the values and the length."""
    source = """vals = numerical map(lambda x: x, tokens)
average = numerical aggregate(select(indices, indices, TRUE), vals)
bar = map(lambda a: a, average)
above = numerical aggregate(select(tokens, bar, GT), vals)
return above"""
    program = compiler.parse(source)
    net = compiler.compile_program(source, {100, 500}, 6)
    inputs = inputs_up_to({100, 500}, 6)
    worst = max(abs(got - want) / max(1.0, abs(want)) for xs, output in zip(inputs, net.run(inputs))
                for got, want in zip(output, reference_outputs(program, xs)))
    assert [0.0] * 6 == reference_outputs(program, [500] * 6)
    assert worst <= 2e-5


def test_program_without_tokens():
    program = rasp.Map(lambda i: i * i, rasp.indices)
    net = compile_sop(program, {"a", "b"}, 4)
    assert net.run([list("abba"), ["b"]]) == [[0, 1, 4, 9], [0]]


def test_wide_values_with_narrow_keys():
    """A value space wider than the query/key space crashes tracr's assembly."""
    program = rasp.Aggregate(select(rasp.indices, rasp.indices), rasp.tokens)
    vocab = set(range(30))
    net = compile_sop(program, vocab, 3)
    assert net.run([[5, 7, 29]]) == [[5, 7, 29]]


def test_caller_program_is_not_modified():
    program = rasp.SequenceMap(lambda x, n: x / n, rasp.tokens, lib.make_length())
    f = program.f
    compile_sop(program, {1, 2}, 3)
    assert program.f is f


def test_provenance():
    net = compile_sop(lib.make_hist(), {"a", "b"}, 4, source="hist = ...")
    p = net.provenance
    assert (p["variant"], p["source"], p["vocab"], p["max_seq_len"]) == (
        "compiled", "hist = ...", ["a", "b"], 4)
    assert set(p["versions"]) >= {"tracr-pypi", "numpy"}


@pytest.mark.parametrize("body, message", [
    ("x * 300000000", "builds a str of 300,000,000 items, over the language's limit"),
    ('"a" * 99999999999999', "over the language's limit"),
    ('"%999999999d" % x', "on a string it would be Python's string formatting"),
])
def test_functions_cannot_exhaust_memory(body, message):
    """A string or tuple over the language's limit is refused before it is built: one
    CompileError, not a MemoryError or a killed process."""
    with pytest.raises(CompileError, match=message):
        compiler.compile_program(f"v = map(lambda x: {body}, tokens)\nreturn v\n", {"a", "b"}, 3)
    program = compiler.parse(f"v = map(lambda x: {body}, tokens)\nreturn v\n")
    with pytest.raises(compiler.EvaluationError, match=message):
        compiler.evaluate(program, ["a"])


def test_sizes_no_machine_can_hold_are_refused_before_any_work():
    from compiler.compiling.arguments import MAX_SEQ_LEN, MAX_VOCAB

    source = "v = map(lambda x: x, tokens)\nreturn v\n"
    with pytest.raises(CompileError, match=f"max_seq_len 100000 is over the limit of {MAX_SEQ_LEN}"):
        compiler.compile_program(source, {1, 2}, 100_000)
    with pytest.raises(CompileError, match=f"is over the limit of {MAX_VOCAB:,}"):
        compiler.compile_program(source, set(range(MAX_VOCAB + 1)), 3)


@pytest.mark.parametrize("source, first, where", [
    ("v = map(lambda x: x / 0, tokens)\nreturn v\n", [1],
     r"v( \(line 1, column 5\))? is not defined on the input \[1\]: ZeroDivisionError"),
    ("v = map(lambda x: None if x == 2 else x, tokens)\nw = selector_width(select(v, tokens, EQ))\nreturn w\n",
     [2], r"is not defined on the input \[2\]: a comparison with None"),
])
def test_a_program_undefined_on_some_input_is_refused_naming_the_input(source, first, where):
    """tracr compiles both silently (the net answers where the program has none)."""
    with pytest.raises(CompileError, match=where):
        compiler.compile_program(source, {1, 2, 3}, 3)
    with pytest.raises(compiler.UndefinedError, match=where):
        compiler.evaluate(compiler.parse(source), first)


def test_a_raising_function_is_said_once_with_the_fix_for_it():
    """The refusal names the line, the input and what the function raises, once (the risk that
    sent compile to look said it again), and the fix for a raising function, not for a None (the
    twenty-fourth hand-written set's l25)."""
    with pytest.raises(CompileError) as error:
        compiler.compile_program("v = map(lambda x: 6 // x, tokens)\nreturn v\n", {0, 1, 2}, 3)
    message = str(error.value)
    assert "is not defined on the input [0]: ZeroDivisionError" in message
    assert message.count("ZeroDivisionError") == 1 and "None" not in message
    assert message.endswith("make each function total (defined on every value its input can take)")


def test_a_program_defined_everywhere_is_shown_so_not_refused():
    # 6 // (i - n) raises where index == length, which the value sets allow and no input has
    source = "v = sequence_map(lambda x, y: 6 // (x - y), indices, length)\nreturn v\n"
    net = compiler.compile_program(source, {1, 2}, 3)
    assert net.run([[1, 2, 1]]) == [compiler.evaluate(compiler.parse(source), [1, 2, 1])]
    # nor without trying any input (the fountain's setting): the index and the length at each
    # (position, length) show no position has them equal
    compiler.compile_program(source, {1, 2}, 3, check_inputs=False)
    # where one has, it cannot be shown, so it is refused
    with pytest.raises(CompileError, match="may be undefined on some input"):
        compiler.compile_program(source.replace("x - y", "x - y + 1"), {1, 2}, 3, check_inputs=False)


def test_a_comparison_of_a_fetch_none_on_every_input_names_the_shortest_one_past_the_exhaustive_limit():
    """A week's loss against the week before is None in the first week, on every input, and a GT
    select over the losses is undefined there: past the inputs compile tries each of (11 weights
    up to 8 weeks), the one-token input still names it, with how to fetch without a None."""
    source = ("prev = aggregate(select(indices, indices, lambda k, q: k == q - 1), tokens)\n"
              "loss = sequence_map(lambda p, w: p - w, prev, tokens)\n"
              "bigger = selector_width(select(loss, loss, GT))\n"
              "return sequence_map(lambda b, l: \"best\" if b == 0 and l > 0 else \"-\", bigger, loss)\n")
    with pytest.raises(CompileError, match=r"not defined on the input \[80\]: .* `k == max\(q - 1, 0\)`"):
        compiler.compile_program(source, set(range(80, 91)), 8)


_WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


@pytest.mark.parametrize("check_inputs", [True, False])
def test_combinations_no_position_gives_do_not_make_a_program_undefined(check_inputs):
    """`date` takes a weekday's 0 or a date, never a word, but its value set lists each input's
    values apart and so holds the words, on which `day`'s `f + d` raises TypeError; the words
    are values no cell (token, index) gives it, so the program compiles, over 38^6 inputs and
    without trying any (the seventeenth hand-written set's first e10 was refused)."""
    weekday = "-1"
    for number, name in reversed(list(enumerate(_WEEKDAYS))):
        weekday = f'{number} if t == "{name}" else ({weekday})'
    source = (f"wd = map(lambda t: {weekday}, tokens)\n"
              "first = aggregate(select(indices, indices, lambda k, q: k == 0), wd)\n"
              "date = sequence_map(lambda w, t: 0 if w >= 0 else t, wd, tokens)\n"
              'day = sequence_map(lambda f, d: "-" if d == 0 else ("?" if f < 0 else (f + d - 1) % 7), first, date)\n'
              "return day\n")
    vocab = set(_WEEKDAYS + list(range(1, 32)))
    net = compiler.compile_program(source, vocab, 6, check_inputs=check_inputs)
    program, rng = compiler.parse(source), random.Random(0)
    inputs = [[rng.choice(_WEEKDAYS)] + [rng.choice(sorted(vocab, key=str)) for _ in range(rng.randint(0, 5))]
              for _ in range(150)] + [[rng.choice(sorted(vocab, key=str)) for _ in range(6)] for _ in range(150)]
    assert net.run(inputs) == [compiler.evaluate(program, xs) for xs in inputs]


def test_a_division_no_position_reaches_is_not_refused():
    # y // (t - y) divides by t - (t - 1) = 1 at every position; the value sets allow t - y == 0
    source = "y = map(lambda t: t - 1, tokens)\nz = sequence_map(lambda a, t: a // (t - a), y, tokens)\nreturn z\n"
    net = compiler.compile_program(source, set(range(1, 21)), 6, check_inputs=False)
    assert net.run([[5, 1, 20]]) == [[4, 0, 19]]


def test_a_raise_positions_reach_is_refused_naming_an_input_however_many_there_are():
    source = ('wd = map(lambda t: 0 if t == "Mon" else 1, tokens)\n'
              "s = sequence_map(lambda x, y: x + y, tokens, wd)\nreturn s\n")
    for vocab in ({"Mon", 1, 2}, {"Mon", *range(1, 21)}):  # 39 inputs; 85 million
        with pytest.raises(CompileError, match=r's \(line 2, column 5\) is not defined on the input \["Mon"\]: '
                                               r"EvaluationError: .* can only concatenate str"):
            compiler.compile_program(source, vocab, 6)


def test_running_a_program_where_it_is_undefined_is_one_line(tmp_path, capsys):
    from fountain.cli import main

    path = tmp_path / "p.rasp"
    path.write_text("v = map(lambda x: 6 // (x - 2), tokens)\nreturn v\n")
    main(["run", str(path), "-i", "1 3"])
    assert capsys.readouterr().out.strip() == "-6 6"
    with pytest.raises(SystemExit, match=r"v is not defined on the input \[1, 2\]: ZeroDivisionError"):
        main(["run", str(path), "-i", "1 2"])


def test_a_residual_stream_over_the_limit_is_refused_before_weights_are_built():
    # a chain of nine maps, each with 2,048 values: 9 * 2,048 directions besides the tokens'
    chain = "\n".join(f"v{i + 1} = map(lambda x: x + 1, {'tokens' if i == 0 else f'v{i}'})" for i in range(9))
    source = f"{chain}\nreturn v9\n"
    with pytest.raises(CompileError, match="residual stream would be .* wide .* over the limit of 16,384"):
        compiler.compile_program(source, set(range(2048)), 2)


def test_a_mean_of_values_that_may_be_none_is_undefined():
    source = ("a = aggregate(select(indices, tokens, EQ), tokens)\nm = numerical map(lambda x: x > 2, a)\n"
              "v = numerical aggregate(select(indices, indices, LEQ), m)\nreturn v\n")
    with pytest.raises(CompileError, match=r"v \(line 3, column 15\) is not defined on the input \[1, 2\]"):
        compiler.compile_program(source, {1, 2, 3}, 3)
    with pytest.raises(CompileError, match=r"v \(line 3, column \d+\): it averages m, which may be None"):
        compiler.compile_program(source, {1, 2, 3}, 3, check_inputs=False)


def test_a_numerical_line_that_may_be_none_is_refused_unless_no_input_gives_none():
    """rasp passes None on through a map; a numerical value has no None in the net, which wrote 0
    at the first position of this difference with the previous token, where the program has None
    (and a check skips None positions). Refused, naming an input, or statically past the
    exhaustive limit; a clamped lookback, never None, compiles."""
    source = ("prev = aggregate(select(indices, indices, lambda k, q: k == q - 1), tokens)\n"
              "change = sequence_map(lambda a, b: a - b, tokens, prev)\n"
              "rise = numerical map(lambda d: d, change)\nreturn rise\n")
    with pytest.raises(CompileError, match=r"rise \(line 3, column \d+\): a numerical map of change, which may be "
                                           r"None .* as on the input \[70\] at position 0; give the value one"):
        compiler.compile_program(source, {70, 90, 130}, 4)
    # past the exhaustive limit, the shortest inputs still name one; a caller that turned checking
    # off (the fountain) is told it was not checked
    with pytest.raises(CompileError, match=r"as on the input \[70\] at position 0"):
        compiler.compile_program(source, {70, 90, 130, 110}, 8)
    with pytest.raises(CompileError, match=r"\(not checked\); give the value one"):
        compiler.compile_program(source, {70, 90, 130, 110}, 8, check_inputs=False)
    net = compiler.compile_program(source.replace("k == q - 1", "k == max(q - 1, 0)"), {70, 90, 130, 110}, 8)
    assert np.allclose(net.run([[90, 70, 130]])[0], [0, -20, 60], atol=1e-3)


def test_a_fetch_whose_position_depends_on_a_token_and_the_length_is_shown_never_none():
    """The queries take `n - 1` or 0 at length n, whatever the fetched token: a position of every
    input, so the fetch is never None and the numerical line over it compiles, with no input
    tried (100,000 inputs here); pointed past the end, it is refused."""
    source = ("first = aggregate(select(indices, indices, lambda k, q: k == 0), tokens)\n"
              "at = sequence_map(lambda f, n: n - 1 if f > 5 else 0, first, length)\n"
              "end = aggregate(select(indices, at, EQ), tokens)\n"
              "value = numerical map(lambda x: x, end)\nreturn value\n")
    net = compiler.compile_program(source, set(range(10)), 5)
    for xs, want in (([7, 1, 2, 3], 3), ([2, 9, 9], 2)):
        assert np.allclose(net.run([xs])[0], [want] * len(xs), atol=1e-3)
    with pytest.raises(CompileError, match="a numerical map of end, which may be None"):
        compiler.compile_program(source.replace("n - 1 if", "n if"), set(range(10)), 5)


def test_compile_program_takes_tracrs_arguments_in_tracrs_order():
    sop = lib.make_length()
    causal = compiler.compile_program(sop, {1, 2, 3}, 4, True, compiler_bos="START", compiler_pad="NOTHING")
    assert causal.config.causal and causal.bos == "START" and causal.pad == "NOTHING"
    assert causal.run([[1, 2, 3]]) == [[1, 2, 3]]  # the length of each prefix
    with pytest.warns(DeprecationWarning, match="the fourth argument is `causal`"):
        older = compiler.compile_program(sop, {1, 2, 3}, 4, "START")
    assert older.bos == "START" and not older.config.causal


def test_an_output_that_is_none_on_every_input_is_refused():
    # the second table's keys are not values the first one gives: the net would have no output
    source = 'v = map({1: "a", 2: "b"}, tokens)\nw = map({1: "x"}, v)\nreturn w\n'
    with pytest.raises(CompileError, match=r"w \(line 2, column 5\): the output has no value on any input"):
        compiler.compile_program(source, {1, 2}, 3)


@pytest.mark.parametrize("source, message", [
    ("v = numerical map(lambda x: x * 1e39, tokens)\nreturn v\n",
     r"v \(line 1, column \d+\): numerical SOp takes the value 2e\+39, which float32"),
    ("a = numerical map(lambda x: x, tokens)\nv = numerical linear_sequence_map(a, a, 1e39, 1)\nreturn v\n",
     "float32 weights cannot hold"),
    ("v = map(lambda x: (x * 1e300) * 1e300 - (x * 1e300) * 1e300, tokens)\nreturn v\n",
     r"v \(line 1, column \d+\): takes the value nan"),
])
def test_values_float32_cannot_hold_are_refused_before_anything_is_written(source, message, tmp_path):
    with pytest.raises(CompileError, match=message):
        compiler.compile_program(source, {1, 2}, 2)


def test_a_refusal_names_an_inline_operation_by_where_it_is_written():
    """An operation written inside another (no name of its own) is named by line and column, not
    by the `v12` compile gives it, which is in no line of the source."""
    source = ("prev = aggregate(select(indices, map(lambda x: x - 1, indices), EQ), tokens)\n"
              "n = selector_width(select(prev, prev, EQ))\n"
              "return n\n")
    with pytest.raises(CompileError) as refused:
        compiler.compile_program(source, {1, 2, 3, 4, 5, 6}, 6)
    message = str(refused.value)
    assert "but the select at line 2, column 20 is not defined on the input [1]" in message, message


def test_a_refusal_about_a_named_line_says_where_the_line_is():
    source = ("odd = numerical map(lambda x: x * x * 1.37 + x / 7, tokens)\n"
              "m = numerical aggregate(select(indices, indices, LEQ), odd)\nreturn m\n")
    with pytest.raises(CompileError) as refused:  # its means are too many to list
        compiler.compile_program(source, set(range(12)), 10)
    assert str(refused.value).startswith("m (line 2, column ")


@pytest.mark.filterwarnings("ignore::compiler.errors.SourceWarning")  # its `b == None` guard is the point
def test_a_none_refusal_says_where_the_none_starts():
    """A function guarding against None does not help: a map passes None on without calling it.
    The refusal follows the None back to the aggregate that may select nothing."""
    source = ("nb = aggregate(select(indices, indices, lambda k, q: k == q - 1), tokens)\n"
              "d = map(lambda b: 0 if b == None else b, nb)\n"
              "drops = numerical map(lambda x: 1 if x > 2 else 0, d)\n"
              "return numerical aggregate(select(indices, indices, LEQ), drops)\n")
    with pytest.raises(CompileError) as refused:
        compiler.compile_program(source, {1, 2, 3, 4}, 8)
    message = str(refused.value)
    assert "drops and d pass on a None unchanged (a map does not call its function on None" in message
    assert "nb is a categorical aggregate, None where its select chooses no position" in message
    table = "m = map({1: 2, 2: 3}, tokens)\nreturn selector_width(select(m, m, LT))\n"
    with pytest.raises(CompileError, match=r"its keys m may be None \(the function of m gives None on 3\)"):
        compiler.compile_program(table, {1, 2, 3, 4}, 8)


def test_a_table_key_written_as_a_number_for_a_string_token_is_warned_of():
    """A vocabulary token that looks like an integer is an int, any other a string: the key 4.5
    matches no token "4.5", and the map is None there, silently (the twenty-sixth hand-written
    set's n17 draft). Compile warns, naming the line, the token and how to write the key; keys
    written as the tokens are draw no warning."""
    import warnings

    from compiler.errors import SourceWarning

    with pytest.warns(SourceWarning, match=r'line 1, column 8: map: the table\'s key 4.5 matches no token, but the '
                                           r'token "4.5" is a string .* write the key as "4.5"'):
        compiler.compile_program("return map({4: 0, 4.5: 1}, tokens)\n", {4, "4.5"}, 3)
    with pytest.warns(SourceWarning, match=r'key "4" matches no token, but the token 4 is a number'):
        compiler.compile_program('return map({"4": 0, "4.5": 1}, tokens)\n', {4, "4.5"}, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compiler.compile_program('return map({4: 0, "4.5": 1}, tokens)\n', {4, "4.5"}, 3)


def test_a_numerical_table_without_an_entry_names_the_values_and_the_fix():
    """A numerical map whose table misses a value its input may take is refused naming that value,
    an input that gives it and the entry to add (the twenty-sixth hand-written set's n25 and n17
    drafts got "numerical Map returns None for some input" alone)."""
    postage = 'return numerical map({"letter": 1, "small": 2.5, "medium": 4}, tokens)\n'
    with pytest.raises(CompileError, match=r"gives None where tokens is 'parcel' .*as on the input \['parcel'\] at "
                                           r"position 0; .*a table entry for each\)$"):
        compiler.compile_program(postage, {"letter", "small", "medium", "parcel"}, 4)
    gaps = ("top = aggregate(select(indices, indices, lambda k, q: k == 0), tokens)\n"
            "gap = sequence_map(lambda t, s: t - s, top, tokens)\n"
            "return numerical map({0: 1, 1: 0.5, 2: 0.25}, gap)\n")
    with pytest.raises(CompileError, match=r"where gap is -2 or -1 .* as on the input \[0, 1\] at position 1"):
        compiler.compile_program(gaps, {0, 1, 2}, 4)


def test_a_numerical_table_without_entries_no_input_reaches_compiles_where_every_input_is_run():
    """`c + d`, two counts of tokens, may be 0 .. 2n for compile (it takes them independently), but
    is the length 1 .. n on every input: a numerical table with those entries alone is built, its
    missing ones given another of its values, where compile runs every input to show none reaches
    them (as it does for a categorical table's: the twenty-seventh set's drafts and several before
    wrote "any number" entries by hand), and the net agrees with the program on every input; a
    program that reads no order is run on every sorted input instead (the twenty-ninth set's
    writer met this one past 5,000 inputs); where the inputs are too many to run, it is refused
    saying so and what to write."""
    from compiler.compiling.check import all_inputs, outputs_agree, random_inputs, reference_outputs
    from compiler.compiling.compile import numerical_gaps

    def lengths(longest: int) -> str:
        entries = ", ".join(f"{n}: {n / 4}" for n in range(1, longest + 1))
        return ("c = selector_width(select(tokens, tokens, lambda k, q: k == 1))\n"
                "d = selector_width(select(tokens, tokens, lambda k, q: k == 2))\n"
                "s = sequence_map(lambda x, y: x + y, c, d)\n"
                f"return numerical map({{{entries}}}, s)\n")

    source = lengths(7)
    program, every = compiler.parse(source), all_inputs([1, 2], 7, 1000)
    for causal in (False, True):
        net = compiler.compile_program(source, {1, 2}, 7, causal=causal)
        assert all(outputs_agree(reference_outputs(program, xs, causal), got) for xs, got in zip(every, net.run(every)))
    # 32,766 inputs of length up to 14, but the program reads no order: its 119 sorted ones show it
    longer, inputs = compiler.parse(lengths(14)), random_inputs([1, 2], 14, 300, random.Random(3))
    net = compiler.compile_program(lengths(14), {1, 2}, 14)
    assert all(outputs_agree(reference_outputs(longer, xs), got) for xs, got in zip(inputs, net.run(inputs)))
    with pytest.raises(CompileError, match=r"where s is 0 or 15 or 16 .* compile cannot show it \(it runs every input "
                                           r"where there are at most 5,000, and there are 32,766; it .*any number"):
        compiler.compile_program(lengths(14), {1, 2}, 14, causal=True)  # a causal one reads the order
    wide = compiler.parse(lengths(14))  # what the decompiler's certificate fills in such a reading
    assert numerical_gaps(wide, {1, 2}, 14) == {id(wide.output): {(0,), *((n,) for n in range(15, 29))}}
    with pytest.raises(CompileError, match=r"checking every input was turned off"):
        compiler.compile_program(source, {1, 2}, 7, check_inputs=False)
    short = source.replace("1: 0.25, ", "")  # one token 1 gives s = 1
    with pytest.raises(CompileError, match=r"as on the input \[1\] at position 0"):
        compiler.compile_program(short, {1, 2}, 7)


def test_a_numerical_table_of_a_number_is_built_with_entries_only_for_the_values_inputs_give():
    """A mean over every position plus one over the first two: compile takes them as independent
    (different selects), so their sum may be 1 + 0 (every token a 1 but the first two), which no
    input gives. A numerical table with an entry for each sum inputs give is built (every input
    run), its missing entries given their nearest sum's value, and agrees with its program."""
    from compiler.compiling.check import all_inputs, outputs_agree, reference_outputs

    sums = ("a = numerical aggregate(select(tokens, tokens, TRUE), numerical map(lambda t: 1 if t == 1 else 0, "
            "tokens))\n"
            "b = numerical aggregate(select(indices, indices, lambda k, q: k < 2), numerical map(lambda t: 1 if t == 1 "
            "else 0, tokens))\n"
            "s = numerical linear_sequence_map(a, b, 1, 1)\n")
    every = all_inputs([1, 2], 6, 1000)
    given = {v for xs in every for v in reference_outputs(compiler.parse(sums + "return s"), xs)}
    table = ", ".join(f"{v!r}: {round(1 / (1 + v), 6)!r}" for v in sorted(given))
    program = compiler.parse(sums + f"return numerical map({{{table}}}, s)")
    net = compiler.compile_program(program, {1, 2}, 6)
    assert all(outputs_agree(reference_outputs(program, xs), got) for xs, got in zip(every, net.run(every)))
    from tracr.compiler import rasp_to_graph

    from compiler.compiling.facts import Facts

    facts = Facts(rasp_to_graph.extract_rasp_graph(program.sop).graph, {1, 2}, 6)
    (label, gaps), = facts.gaps.items()
    nearest = lambda x: min(given, key=lambda v: abs(v - x))  # noqa: E731
    assert gaps and all(facts.tables[label][(x,)] == round(1 / (1 + nearest(x)), 6) for (x,) in gaps)


def test_a_fetch_of_the_largest_token_is_never_none():
    """`select(larger, larger, k == 0)` over the count of larger tokens chooses the largest token's
    positions on every input (a count by a strict order is 0 at the position no other value
    precedes): a numerical map of what it fetches is built, where it was
    refused as possibly None (the twenty-sixth hand-written set's n17 draft), and the net agrees
    with the program on every input; by a non-strict order (GEQ counts one's own) it stays refused."""
    from compiler.compiling.check import all_inputs, outputs_agree, reference_outputs

    source = ("larger = selector_width(select(tokens, tokens, GT))\n"
              "top = aggregate(select(larger, larger, lambda k, q: k == 0), tokens)\n"
              "gap = sequence_map(lambda t, s: t - s, top, tokens)\n"
              "return numerical map({0: 1, 1: 0.5, 2: 0.25, -1: 0, -2: 0}, gap)\n")
    program = compiler.parse(source)
    net = compiler.compile_program(source, {0, 1, 2}, 8)
    inputs = all_inputs([0, 1, 2], 7, 5_000)
    assert all(outputs_agree(reference_outputs(program, xs, False), got) for xs, got in zip(inputs, net.run(inputs)))
    with pytest.raises(CompileError, match="may be None"):
        compiler.compile_program(source.replace("GT", "GEQ"), {0, 1, 2}, 8)


def test_one_number_computed_two_ways_is_named_as_such():
    """-2/3 as a mean and as a difference of means differ in the last bit; a map that passes the
    number on as itself cannot be built, and the refusal says why and what to write instead."""
    source = ("prefix = select(indices, indices, LEQ)\n"
              'a = numerical aggregate(prefix, numerical map(lambda t: 1 if t == "(" else 0, tokens))\n'
              'b = numerical aggregate(prefix, numerical map(lambda t: 1 if t == ")" else 0, tokens))\n'
              "bal = numerical linear_sequence_map(a, b, 1, -1)\n"
              "return map(lambda x: x, bal)\n")
    with pytest.raises(CompileError, match=r"one number computed two ways .* `lambda x: x < 0`"):
        compiler.compile_program(source, set("()[]"), 6)
    compiler.compile_program(source.replace("lambda x: x,", "lambda x: x < 0,"), set("()[]"), 6)


def test_a_numerical_function_of_one_number_computed_two_ways_is_built():
    """A numerical map of a sum of two means reads 5/6 computed two ways (0.8333333333333333 and
    ...334); its outputs there differ in float rounding only, which is no step an MLP must take:
    compiled (the twenty-sixth hand-written set's n04 was refused at max_seq_len 8), and the net
    agrees with the program on sampled inputs. A categorical map of the same twins still cannot
    give them two labels (above)."""
    from compiler.compiling.check import outputs_agree, reference_outputs, sampled_inputs

    source = ("a = numerical aggregate(select(indices, indices, TRUE), numerical map(lambda v: 1 if v <= 20 else 0, "
              "tokens))\n"
              "b = numerical aggregate(select(indices, indices, TRUE), numerical map(lambda v: 1 if v <= 15 else 0, "
              "tokens))\n"
              "m = numerical linear_sequence_map(a, b, 1, 1)\n"
              "return numerical map(lambda m: 60 / (m + 2), m)\n")
    vocab = [10, 15, 20, 30]
    net = compiler.compile_program(source, set(vocab), 8)
    program = compiler.parse(source)
    inputs = sampled_inputs(vocab, 8, 1000, random.Random(0))
    assert all(outputs_agree(reference_outputs(program, xs, False), got) for xs, got in zip(inputs, net.run(inputs)))


def test_an_unproven_aggregate_refusal_says_why_inputs_were_not_checked():
    """... and how the select may choose several positions: a query value its predicate pairs with
    two key values (the twenty-sixth hand-written set's n26: `LT` chooses every earlier note), or
    one key value at several positions."""
    source = "x = aggregate(select(tokens, tokens, LEQ), tokens)\nreturn x\n"
    with pytest.raises(CompileError, match=r"\(its predicate chooses the keys 0 and 1 for the query 1\); "
                                           r"the net would average .*tracr issue #11.*average numbers instead: a "
                                           r"numerical code of the value .*\. Compile checks such a categorical "
                                           r"aggregate on every input: it runs every input where there are at most "
                                           r"5,000, and there are "
                                           r"1,111,111,111,110; or, for a program that reads no order, as this one, "
                                           r"every sorted input where there are at most 50,000, and there are 646,645"):
        compiler.compile_program(source, set(range(10)), 12)
    parity = ("p = map(lambda t: t % 2, tokens)\n"
              "x = aggregate(select(p, p, EQ), tokens)\nreturn x\n")
    with pytest.raises(CompileError, match=r"\(one key value of p may sit at several positions\)"):
        compiler.compile_program(parity, set(range(10)), 12)
    # where the sorted inputs are few enough, one of them shows the averaging
    with pytest.raises(CompileError, match=r"^x \(line 1, column 5\): categorical Aggregate selects positions holding "
                                           r"different values of tokens on the input \[0, 1\] \(the query at "
                                           r"position 1 selects 0 at position 0 and 1 at position 1\); the net would "
                                           r"average their one-hot codes \(tracr issue #11\)\. Select by indices"):
        compiler.compile_program(source, set(range(10)), 8)


def test_a_numerical_mean_of_numbers_other_than_0_and_1_compiles_to_their_mean():
    """A mean of review scores: tracr compiles 0.2 .. 1.8 (it tests int(x) in {0, 1}) but lists
    only v/n as its values, and refuses 3, 6, 9; compile takes the mean of any 1..n of them (the
    eighth tracr probe's writer shifted scores into [0, 2) to pass tracr), and builds the MLPs
    reading it from those. Where the means are too many to list it refuses saying so; a mean of
    fractions reads the order (a sum in another order may differ in its last bit)."""
    from tracr.compiler import rasp_to_graph

    from compiler.compiling.defined import reads_no_order
    from compiler.compiling.facts import Facts

    scores = ('m = numerical map({"awful": 0.2, "bad": 0.6, "meh": 1.0, "good": 1.4, "great": 1.8}, tokens)\n'
              "return numerical aggregate(select(tokens, tokens, TRUE), m, default=0)\n")
    words = {"awful", "bad", "meh", "good", "great"}
    net = compiler.compile_program(scores, words, 5)
    assert check_net(compiler.parse(scores).sop, net).exhaustive and check_net(compiler.parse(scores).sop, net).ok
    tripled = ("m = numerical map(lambda t: t * 3, tokens)\n"
               "a = numerical aggregate(select(tokens, tokens, LEQ), m, default=0)\n"
               'return map(lambda x: "high" if x > 4 else "low", a)\n')
    net = compiler.compile_program(tripled, {1, 2, 3}, 5)
    result = check_net(compiler.parse(tripled).sop, net)
    assert result.ok and result.exhaustive and net.provenance["value_sets_corrected"]
    assert set(net.run([[1, 2, 3], [2, 1], [3, 3]])[0]) == {"low", "high"}
    irregular = "m = numerical map(lambda t: t * t * 1.37 + t / 7, tokens)\n" + \
        "return numerical aggregate(select(tokens, tokens, TRUE), m, default=0)\n"
    with pytest.raises(CompileError, match=r"a numerical Aggregate averages \[.*\], and compile cannot list the "
                                           r"values its mean takes \(its mean takes over 10000 values\); average "
                                           r"fewer distinct values"):
        compiler.compile_program(irregular, set(range(12)), 10)

    def no_order(source: str, vocab: set) -> bool:
        sop = compiler.parse(source).sop
        return reads_no_order(Facts(rasp_to_graph.extract_rasp_graph(sop).graph, vocab, 5), False)

    assert no_order(tripled, {1, 2, 3}) and not no_order(scores, words)
    # tracr checks 0/1 with int(), which lets 0.5 and 1.5 through, and lists 0.5/n and 1.5/n only
    prefix = rasp.numerical(rasp.Aggregate(select(rasp.indices, rasp.indices, rasp.Comparison.LEQ),
                                           rasp.numerical(rasp.Map(lambda x: 0.5 if x == "a" else 1.5, rasp.tokens)),
                                           default=0))
    assert check_net(prefix, compile_sop(prefix, {"a", "b"}, 4)).ok


# A panel's lower median, fetched by a categorical aggregate over every position holding it: all
# hold the same score, which no static argument shows (the twenty-ninth hand-written set's q18 was
# first written so, and refused).
MEDIAN = """
below = selector_width(select(tokens, tokens, LT))
upto = selector_width(select(tokens, tokens, LEQ))
counts = sequence_map(lambda b, u: b * 16 + u, below, upto)
median = sequence_map(lambda c, n: 1 if c // 16 <= (n - 1) // 2 and (n - 1) // 2 < c % 16 else 0, counts, length)
score = aggregate(select(median, median, lambda k, q: k == 1), tokens)
return map(lambda s: "gold" if s >= 92 else ("silver" if s >= 88 else "none"), score)
"""


def test_a_program_that_reads_no_order_is_run_on_every_sorted_input_in_place_of_every_input():
    """12 million inputs, 5,004 sorted ones: the program reads no index and is not causal, so its
    values on any ordering of an input are its values on the sorted one, permuted alike, and the
    aggregate selecting one score on each of those selects one on every input. A program that reads
    the index or a causal one is not run so; nor is a reading the decompiler compiles
    (`sorted_inputs=False`)."""
    from tracr.compiler import rasp_to_graph

    from compiler.compiling.check import multiset_count, outputs_agree, random_inputs, reference_outputs
    from compiler.compiling.defined import reads_no_order
    from compiler.compiling.facts import Facts

    scores = {80, 84, 88, 90, 92, 95}
    assert multiset_count(len(scores), 9) == 5004
    net = compiler.compile_program(MEDIAN, scores, 9)
    assert net.provenance["aggregates_shown"].startswith("every sorted input checked (5004; the program reads no order")
    program, inputs = compiler.parse(MEDIAN), random_inputs(sorted(scores), 9, 400, random.Random(5))
    assert all(outputs_agree(reference_outputs(program, xs), got) for xs, got in zip(inputs, net.run(inputs)))
    refusal = r"categorical Aggregate may select several positions holding different values of tokens"
    with pytest.raises(CompileError, match=refusal + r".*and there are 12,093,234; with a smaller vocabulary"):
        compiler.compile_program(MEDIAN, scores, 9, sorted_inputs=False)
    # causal, the median's flags change as the prefix grows (tracr #19, said before the aggregate's #11)
    with pytest.raises(CompileError, match=r"tracr #19"):
        compiler.compile_program(MEDIAN, scores, 9, causal=True)
    indexed = MEDIAN.replace("return map(lambda s:", "return sequence_map(lambda s, i:").replace(
        "score)\n", "score, indices)\n")
    with pytest.raises(CompileError, match=r"there are 12,093,234; with a smaller"):
        compiler.compile_program(indexed, scores, 9)

    def facts(source: str, causal: bool = False) -> bool:
        sop = compiler.parse(source).sop
        return reads_no_order(Facts(rasp_to_graph.extract_rasp_graph(sop).graph, scores, 9), causal)

    assert facts(MEDIAN) and not facts(MEDIAN, causal=True) and not facts(indexed)


# A select on an aggregated word, then its width: at max_seq_len 15 over 50 words (d_head 52) a
# categorical Aggregate that let 1e-3 of its attention go to BOS left its one-hot 0.999, and the
# width read 14 where 15 equal words give 15. Sampling drew 15 equal words 82 times in 10,000.
EQUAL_TO_LAST = """
last = map(lambda n: n - 1, length)
lastw = aggregate(select(indices, last, EQ), tokens)
eq = sequence_map(lambda a, b: a == b, tokens, lastw)
return selector_width(select(eq, eq, lambda k, q: k == True and q != None))
"""
WORDS = [a + b + c for a in "bcdf" for b in "aeiou" for c in "nrt"][:50]


def test_a_width_read_through_an_aggregated_one_hot_is_exact_at_every_length():
    net = compiler.compile_program(EQUAL_TO_LAST, vocab=set(WORDS), max_seq_len=15)
    assert net.config.d_head > 19  # wide enough that tracr's own margin lets attention go astray
    for n in range(1, 16):
        assert net.run([[WORDS[7]] * n])[0] == compiler.evaluate(compiler.parse(EQUAL_TO_LAST), [WORDS[7]] * n)


def test_a_width_that_shrunk_one_hots_could_move_is_refused_and_the_check_finds_it(monkeypatch):
    from compiler.compiling import assemble
    from compiler.compiling.check import check_net

    monkeypatch.setattr(assemble, "CATEGORICAL_LEAK", 1e-3)  # the leak that misread widths
    with pytest.raises(CompileError, match=r"selector_width could read a width of \d+ as \d+"):
        compiler.compile_program(EQUAL_TO_LAST, vocab=set(WORDS), max_seq_len=15)
    monkeypatch.setattr(assemble, "check_width_reads", lambda *args: None)  # without the guard: wrong
    net = compiler.compile_program(EQUAL_TO_LAST, vocab=set(WORDS), max_seq_len=15)
    result = check_net(compiler.parse(EQUAL_TO_LAST), net)
    assert not result.ok and len(set(result.counterexample.input)) == 1


def test_a_margined_sequence_map_passes_its_inputs_shortfall_on_scaled():
    """A margined table's true label is (1 + e_x + e_y - M) / (1 - M): the shortfall bound a width
    reading it uses is its inputs' summed, over 1 - M (tracr's neuron: summed)."""
    from tracr.compiler import nodes, rasp_to_graph

    from compiler.compiling.assemble import one_hot_errors
    from compiler.compiling.blocks import MARGIN

    fetched = rasp.categorical(rasp.Aggregate(rasp.Select(rasp.indices, rasp.indices, rasp.Comparison.EQ),
                                              rasp.tokens))
    table = rasp.SequenceMap(lambda x, y: x, fetched, rasp.tokens)
    graph = rasp_to_graph.extract_rasp_graph(table).graph
    head = object()
    graph.nodes[fetched.label][nodes.MODEL_BLOCK] = head
    built = {id(head): 10.0}
    leak = math.exp(-10.0)
    assert one_hot_errors(graph, built)[table.label] == pytest.approx(leak)
    assert one_hot_errors(graph, built, frozenset([table.label]))[table.label] == pytest.approx(leak / (1 - MARGIN))


@pytest.mark.parametrize("name", ["frac_prevs_1", "sort_unique_1", "hist", "shuffle_dyck2_1", "sort_freq",
                                  "make_nary_sequencemap_1"])
def test_layers_combined_by_blocks_equal_tracrs(name, monkeypatch):
    """Our layer allocation adds each parallel MLP's matrix at its rows and columns; tracr's
    combines them direction by direction. The nets must be byte for byte the same."""
    from tracr.compiler import craft_graph_to_model

    from compiler.compiling import compile as compile_module

    case = CASES[name]
    ours = compile_case(case)
    monkeypatch.setattr(compile_module, "allocate_layers", craft_graph_to_model.craft_graph_to_model)
    assert ours.to_bytes() == compile_case(case).to_bytes()


def test_layers_combined_by_blocks_equal_tracrs_on_sampled_programs(monkeypatch):
    """The same on sampled programs, many of which put several MLPs in one layer."""
    from tracr.compiler import craft_graph_to_model

    import generator
    from compiler.compiling import compile as compile_module
    from compiler.compiling.layers import craft_model

    programs = generator.sample(12, seed=5)[0]
    config = generator.GeneratorConfig()
    nets = {}
    for allocate in (craft_model, craft_graph_to_model.craft_graph_to_model):
        monkeypatch.setattr(compile_module, "allocate_layers", allocate)
        nets[allocate] = [compiler.compile_program(p, set(config.vocab), config.max_seq_len).to_bytes()
                          for p in programs]
    assert nets[craft_model] == nets[craft_graph_to_model.craft_graph_to_model]


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
def test_an_aggregate_whose_select_always_chooses_a_position_is_never_none(causal):
    """`select(indices, indices, k == 0)` chooses the first position at every query of every input
    (causal too: it is at or before every query), so the first token read everywhere is never
    None and its mean compiles where inputs are too many to check one by one; `k == 1` has no key
    at length 1, and stays refused (the fourth tracr set's `all_equal_share_causal`, read right,
    was refused)."""
    def source(key: int) -> str:
        return (f"first = aggregate(select(indices, indices, lambda k, q: k == {key}), tokens)\n"
                "same = sequence_map(lambda x, y: 1 if x == y else 0, tokens, first)\n"
                "one = numerical map(lambda x: x + 0, same)\n"
                "share = numerical aggregate(select(indices, indices, LEQ), one, default=0)\nreturn share\n")
    net = compiler.compile_program(source(0), set("abcdefgh"), 8, causal=causal)
    assert net.run([list("aab")])[0] == pytest.approx([1.0, 1.0, 2 / 3], abs=1e-3)
    with pytest.raises(compiler.CompileError, match="categorical aggregate, None where its select chooses no"):
        compiler.compile_program(source(1), set("abcdefgh"), 8, causal=causal)


# -- fetches through the length, and counts that include their own position -------------------------

_STATES = " ".join(f"s{i}" for i in range(30))  # too many inputs at length 8 to try one by one


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
@pytest.mark.parametrize("query, misses", [
    ("sequence_map(lambda i, n: n - i - 1, indices, length)", "sequence_map(lambda i, n: n - i, indices, length)"),
    ("sequence_map(lambda i, n: min(i + 1, n - 1), indices, length)",
     "sequence_map(lambda i, n: min(i + 1, n), indices, length)"),
    ("sequence_map(lambda i, n: (i + n // 2) % max(n, 1), indices, length)",
     "sequence_map(lambda i, n: i + n // 2, indices, length)"),
], ids=["mirror", "right-neighbour-clamped", "half-a-length-away-wrapping"])
def test_a_fetch_by_the_length_that_always_finds_a_position_is_never_none(causal, query, misses):
    """The mirror position `length - i - 1`, a neighbour clamped to `length - 1` and a partner
    half a length away (wrapping) are positions of every input, so the token fetched there is never
    None and may be compared (EQ) without trying every input. Each twin can point past the end,
    where the fetch is None and EQ of None is undefined, and stays refused. Causal nets compute
    rasp's value on each prefix, where the length is the prefix's."""
    def source(q: str) -> str:
        return (f"at = {q}\nother = aggregate(select(indices, at, EQ), tokens)\n"
                "same = selector_width(select(tokens, other, EQ))\nreturn same\n")
    vocab = set(_STATES.split())
    if not causal:
        net = compiler.compile_program(source(query), vocab, 8, check_inputs=False)
        assert check_net(compiler.parse(source(query)), net, examples=300, seed=1).ok
    else:  # `same` compares with keys at other positions, so causal compiles a fetch-free program
        line = f"at = {query}\nother = aggregate(select(indices, at, EQ), tokens)\n"
        local = line + "same = sequence_map(lambda x, y: x == y, tokens, other)\nreturn same\n"
        net = compiler.compile_program(local, vocab, 8, causal=True, check_inputs=False)
        assert check_net(compiler.parse(local), net, examples=300, seed=1).ok
    with pytest.raises(CompileError, match="categorical aggregate, None where its select chooses no position"):
        compiler.compile_program(source(misses), vocab, 8, causal=causal, check_inputs=False)


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
def test_the_last_token_fetched_through_the_length_is_never_none(causal):
    """`select(indices, length, lambda k, q: k == q - 1)` chooses the last position of every input
    (the thirteenth hand-written set's a10 had to spell its comparison as a lambda to compile);
    `k == q` chooses no position."""
    def source(predicate: str, use: str) -> str:
        return f"here = aggregate(select(indices, length, lambda k, q: {predicate}), tokens)\n{use}return same\n"
    vocab = set(_STATES.split())
    compare = "same = sequence_map(lambda x, y: x == y, tokens, here)\n"  # a None passes through
    count = "same = selector_width(select(tokens, here, EQ))\n"  # EQ of a None is undefined
    for use in ([compare] if causal else [compare, count]):
        net = compiler.compile_program(source("k == q - 1", use), vocab, 8, causal=causal, check_inputs=False)
        assert check_net(compiler.parse(source("k == q - 1", use)), net, examples=300, seed=2).ok
    with pytest.raises(CompileError, match="categorical aggregate, None where its select chooses no position"):
        compiler.compile_program(source("k == q", count), vocab, 8, causal=causal, check_inputs=False)


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
def test_a_count_that_includes_its_own_position_may_divide(causal):
    """`selector_width(select(x, x, EQ))` counts its own position, so it is at least 1 and
    `p // c` never divides by zero (the twelfth set's z15 had to write `max(c, 1)`); an
    irreflexive LT count, or keys and queries that are different S-Ops, can be 0 and stay refused."""
    def source(select: str) -> str:
        return (f"c = selector_width({select})\nd = map(lambda x: x % 3, tokens)\n"
                "out = sequence_map(lambda x, y: 12 // y + x, d, c)\nreturn out\n")
    vocab = set(range(12))
    ok = source("select(tokens, tokens, EQ)")
    net = compiler.compile_program(ok, vocab, 8, causal=causal, check_inputs=False)
    assert check_net(compiler.parse(ok), net, examples=300, seed=3).ok
    for refused in ("select(tokens, tokens, LT)", "select(tokens, indices, EQ)"):
        with pytest.raises(CompileError, match="raises ZeroDivisionError"):
            compiler.compile_program(source(refused), vocab, 8, causal=causal, check_inputs=False)


def test_a_line_computed_from_the_length_may_divide_where_only_length_0_makes_it_0():
    """`3 * t + length` is 0 only where the length is 0, which no input has, so a line dividing by
    it is defined wherever rasp calls it (the twenty-third hand-written set's k20 was first
    written so, and refused); a sum that is 0 on an input (`3 * t + i` at index 0) stays refused."""
    def source(second: str) -> str:
        return ("t = selector_width(select(tokens, tokens, lambda k, q: k == 2))\n"
                "g = selector_width(select(tokens, tokens, lambda k, q: k == 1))\n"
                f"w = sequence_map(lambda t, n: 3 * t + n, t, {second})\n"
                "r = sequence_map(lambda g, w: 40 * g / w, g, w)\nreturn r\n")
    vocab = {1, 2, 3}
    net = compiler.compile_program(source("length"), vocab, 8, check_inputs=False)
    assert check_net(compiler.parse(source("length")), net, examples=300, seed=3).ok
    with pytest.raises(CompileError, match="raises ZeroDivisionError"):
        compiler.compile_program(source("indices"), vocab, 8, check_inputs=False)


class _Relation:
    """A predicate given as the set of (key, query) pairs it selects."""

    def __init__(self, pairs):
        self.pairs = frozenset(pairs)

    def __call__(self, key, query):
        return (key, query) in self.pairs


def _index_length_sop(table: dict, default: int = 0) -> rasp.SOp:
    length = rasp.SelectorWidth(rasp.Select(rasp.tokens, rasp.tokens, rasp.Comparison.TRUE))
    return rasp.SequenceMap(lambda i, n: table.get((i, n), default), rasp.indices, length)


_SMALL = st.integers(0, 2)


@given(data=st.data(), n=st.integers(1, 4), query_kind=st.sampled_from(["index-length", "tokens", "same"]))
def test_always_selects_and_index_length_values_hold_on_every_input(data, n, query_kind):
    """Whatever random keys (a table of (index, length)), queries (another such table, a table of
    the tokens, or the keys themselves) and relation are drawn: where the facts say the select
    chooses a position at every query, no input up to the length leaves a query without one (so
    the aggregate is never None, the width never 0), every value `index_length_function`
    gives is the one rasp computes at that position of an input of that length, and every width
    is among those `select_widths` gives."""
    from tracr.compiler import rasp_to_graph

    from compiler.compiling.facts import Facts

    pairs = [(p, m) for m in range(1, n + 1) for p in range(m)]
    keys = _index_length_sop({pair: data.draw(_SMALL) for pair in pairs})
    if query_kind == "index-length":
        queries = _index_length_sop({pair: data.draw(_SMALL) for pair in pairs})
    elif query_kind == "tokens":
        table = {t: data.draw(_SMALL) for t in (1, 2)}
        queries = rasp.Map(lambda t: table[t], rasp.tokens)
    else:
        queries = keys
    relation = _Relation(data.draw(st.sets(st.tuples(_SMALL, _SMALL), max_size=9)))
    select = rasp.Select(keys, queries, relation)
    width = rasp.SelectorWidth(select)
    facts = Facts(rasp_to_graph.extract_rasp_graph(width).graph, {1, 2}, n)
    claimed = facts.always_selects(select)
    widths = facts.select_widths(select)
    assert (0 in facts.never.get(width.label, set())) == claimed
    for m in range(1, n + 1):
        for xs in itertools.product([1, 2], repeat=m):
            counts = rasp.evaluate(width, list(xs))
            if claimed:
                assert min(counts) >= 1, (xs, counts)
            if widths is not None:
                assert set(counts) <= widths, (xs, counts, widths)
            for sop in (keys, queries, width):
                at = facts.index_length_function(sop.label)
                if at is not None:
                    assert [at[p, m] for p in range(m)] == rasp.evaluate(sop, list(xs)), (sop.label, xs)


@pytest.mark.parametrize("causal", [False, True], ids=["bidirectional", "causal"])
def test_a_custom_predicate_that_raises_on_a_none_key_makes_the_program_undefined(causal):
    """rasp calls a custom predicate on None keys: `k >= 0` raises there, so the program below is
    undefined on every input (position 0 fetches nothing), and compile built a net for it (the
    fourteenth hand-written set's b22, first version). It is refused: on every input where they are
    few, naming one, else for the risk. Guarded with `k != None`, it compiles and matches its net."""
    def source(predicate: str) -> str:
        return ("p1 = aggregate(select(indices, indices, lambda k, q: k == q - 1), tokens)\n"
                'start = sequence_map(lambda a, b: 1 if a == "A" else 0, p1, tokens)\n'
                f"opened = selector_width(select(start, indices, lambda k, q: {predicate}))\nreturn opened\n")
    vocab = {"A", "C", "G", "U"}
    raising = source("k >= 0 and k <= q")
    with pytest.raises(CompileError, match=r"EvaluationError: .* is not defined on \(None, 0\).*its predicate is not "
                                           r"defined on key None, query 0"):
        compiler.compile_program(raising, vocab, 8, causal=causal)
    if not causal:
        with pytest.raises(CompileError, match=r'is not defined on the input \["A"\]') as refused:
            compiler.compile_program(raising, vocab, 4)
        # the EvaluationError the input shows is said once (the twenty-sixth set's n05 had it twice)
        assert str(refused.value).count("EvaluationError") == 1
        assert "its predicate is not defined on key None, query 0; guard it" in str(refused.value)
    with pytest.raises(compiler.UndefinedError):
        compiler.evaluate(compiler.parse(raising), ["A", "C"])
    guarded = source("k != None and k >= 0 and k <= q")
    net = compiler.compile_program(guarded, vocab, 8, causal=causal)
    assert check_net(compiler.parse(guarded), net, examples=300, seed=4).ok


def test_too_many_value_combinations_is_one_error_saying_how_to_stay_in_reach():
    # four shares of a formula at length 10, summed by a chain of linear_sequence_maps: every
    # combination of the means' values is tabulated where they average over different selects
    # (the sixteenth hand-written set's d16 draft, over one select, is built since means over one
    # select are paired width by width)
    import compiler
    selects = {"c": "select(indices, indices, TRUE)", "h": "select(indices, indices, LEQ)",
               "n": "select(indices, indices, GEQ)", "o": "select(tokens, tokens, EQ)"}

    def shares(select_of) -> str:
        return "\n".join(
            [f'{e} = numerical map(lambda a: 1 if a == "{e.upper()}" else 0, tokens)' for e in "chno"]
            + [f"m{e} = numerical aggregate({select_of(e)}, {e})" for e in "chno"]
            + ["a = numerical linear_sequence_map(mc, mh, 12, 1)", "b = numerical linear_sequence_map(a, mn, 1, 14)",
               "out = numerical linear_sequence_map(b, mo, 1, 16)", "return out"])

    with pytest.raises(compiler.CompileError, match=r"out \(line 11, column 17\): more than 200,000 combinations"
                       r".*its inputs take [\d,]+ values \(b\) and 33 values \(mo\): give them fewer values .*\(mo is "
                       r"a mean and b is computed from means: a mean takes a value per fraction k/n.*unless all are "
                       r"means over one select.*or use a smaller max_seq_len or vocabulary"):
        compiler.compile_program(shares(selects.get), {"C", "H", "N", "O"}, 10)
    one = shares(lambda e: "select(indices, indices, TRUE)")
    net = compiler.compile_program(one, {"C", "H", "N", "O"}, 10)
    assert check_net(compiler.parse(one), net, examples=300, seed=1).ok


def test_a_tracr_lambda_raising_key_error_is_undefined_where_an_input_reaches_it():
    """A Python lambda of an imported tracr program may look a value up in a dict: rasp raises
    KeyError there, which compile and evaluate report as the program being undefined on an input
    (not as a function error at once, nor as a bare KeyError)."""
    sop = rasp.Map(lambda x: {1: "a", 2: "b"}[x], rasp.tokens)
    for vocab in ({1, 2, 3}, set(range(1, 40))):  # 39 inputs; over 3 billion
        with pytest.raises(CompileError, match=r"is not defined on the input \[3\]: KeyError"):
            compile_sop(sop, vocab, 6 if len(vocab) > 3 else 3)
    with pytest.raises(compiler.UndefinedError, match="KeyError"):
        compiler.evaluate(sop, [3])
    # lookups no position makes ((1, t >= 5) and (3, t < 5)): the program compiles
    size = rasp.Map(lambda t: 1 if t < 5 else 3, rasp.tokens)
    named = rasp.SequenceMap(lambda a, t: {(1, True): "low", (3, False): "high"}[(a, t < 5)], size, rasp.tokens)
    assert compile_sop(named, set(range(1, 40)), 6).run([[1, 7]]) == [["low", "high"]]


def test_a_numerical_map_of_a_table_chain_over_widths_stays_within_the_checks_tolerance():
    """A decompiler's reading of the nineteenth hand-written set's g20 (fare capping): three
    widths, two tables summing them, a table of charges and a numerical map of the charge. With
    tracr's sequence_map neurons its net gave 0.0013 where the program has 0.0 (a width's excess
    over 1 leaking onto every pair of the next table, `compiler.compiling.blocks`); margined, the
    net is within 1e-4 of the program on every input tried."""
    from pathlib import Path

    source = (Path(__file__).parent / "data" / "leaky_table_chain.rasp").read_text()
    program = compiler.parse(source)
    net = compiler.compile_program(program, {"bus", "tram", "tube", "rail"}, 10)
    assert [re.sub(r"_\d+$", "", label) for label in net.provenance["margined_sequence_maps"]] == ["v10", "v8", "v9"]
    report = check_net(program, net, examples=300)
    assert report.ok
    rng = random.Random(0)
    inputs = [[rng.choice(["bus", "tram", "tube", "rail"]) for _ in range(rng.randint(1, 10))] for _ in range(300)]
    worst = max(abs(got - want) for xs, outputs in zip(inputs, net.run(inputs))
                for got, want in zip(outputs, compiler.evaluate(program, xs)) if want is not None)
    assert worst < 1e-4


def test_a_margined_sequence_map_leaks_nothing_where_tracrs_does():
    """tracr's neuron ReLU(x_a + y_b - 1) passes an input's excess over 1 (and its neighbours'
    noise) to other pairs; the margined one gives a one-hot, scaled by the true pair's deviation."""
    from tracr.craft import bases
    from tracr.craft.chamber import categorical_mlp

    from compiler.compiling.blocks import MARGIN, _margined

    x_space = bases.VectorSpaceWithBasis.from_values("x", [0, 1, 2])
    y_space = bases.VectorSpaceWithBasis.from_values("y", [0, 1, 2, 3])
    out_space = bases.VectorSpaceWithBasis.from_values("z", list(range(12)))
    one = bases.VectorSpaceWithBasis([bases.BasisDirection("one")])
    tracr_mlp = categorical_mlp.sequence_map_categorical_mlp(
        x_space, y_space, out_space, lambda x, y: bases.BasisDirection("z", 4 * x.value + y.value), one)
    margined = _margined(copy.deepcopy(tracr_mlp))  # changes the block in place
    space = bases.join_vector_spaces(x_space, y_space, one)

    def run(mlp, x: list[float], y: list[float]) -> np.ndarray:
        vector = np.zeros(space.num_dims)
        for value, entry in enumerate(x):
            vector[space.index_by_direction[bases.BasisDirection("x", value)]] = entry
        for value, entry in enumerate(y):
            vector[space.index_by_direction[bases.BasisDirection("y", value)]] = entry
        vector[space.index_by_direction[bases.BasisDirection("one")]] = 1
        hidden = np.maximum(vector @ mlp.fst.matrix, 0)  # input space order is the join's
        return hidden @ mlp.snd.matrix

    assert [str(d) for d in tracr_mlp.fst.input_space.basis] == [str(d) for d in space.basis]
    for x, y in (([0, 1, 0], [0, 0, 1, 0]), ([1, 0, 0], [0, 0, 0, 1])):
        np.testing.assert_allclose(run(margined, x, y), run(tracr_mlp, x, y), atol=1e-12)
    x, y = [0.0, 1.1, 0.0], [0.05, 0.0, 0.97, -0.02]  # x = 1 with an excess, y = 2 with noise
    leaky, clean = run(tracr_mlp, x, y), run(margined, x, y)
    true = 4 * 1 + 2
    assert np.abs(np.delete(leaky, true)).max() >= 0.1  # tracr's: 0.1 on each pair (1, b), b != 2
    assert not np.delete(clean, true).any()
    assert clean[true] == pytest.approx((1.1 + 0.97 - 1 - MARGIN) / (1 - MARGIN))


def test_only_sequence_maps_of_values_off_a_one_hot_are_margined():
    """tokens, indices and maps and sequence_maps of them are exact one-hots (tracr's neurons
    kept); a table reading a width, an aggregate, a map of either or a margined table is margined."""
    program = compiler.parse("""
a = sequence_map(lambda x, y: x + y, tokens, indices)
b = sequence_map(lambda x, y: x * y, map(lambda x: x + 1, tokens), a)
w = selector_width(select(tokens, tokens, EQ))
c = sequence_map(lambda x, y: x + y, w, tokens)
d = sequence_map(lambda x, y: x - y, c, b)
f = aggregate(select(indices, indices, EQ), tokens)
e = sequence_map(lambda x, y: x + y, map(lambda x: x, f), d)
return e
""")
    net = compiler.compile_program(program, {1, 2, 3}, 4)
    margined = [re.sub(r"_\d+$", "", label) for label in net.provenance["margined_sequence_maps"]]
    assert sorted(margined) == ["c", "d", "e"]
    assert check_net(program, net).ok
    # a sequence_map of one value with itself is built as a map (one neuron per value): not margined
    twice = compiler.compile_program("w = selector_width(select(tokens, tokens, EQ))\n"
                                     "v = sequence_map(lambda x, y: x + y, w, w)\nreturn v", {1, 2, 3}, 4)
    assert "margined_sequence_maps" not in twice.provenance




@st.composite
def _table_chains_over_widths(draw) -> str:
    """Three widths, two tables over them that send most pairs to one label (where an excess
    gathers), a third table over every label (where it leaks to), and a numerical map giving the
    first label 0.0 and the others up to 5: the shape of the nineteenth hand-written set's g20,
    with drawn tables."""
    widths = range(11)
    lines = ["w1 = selector_width(select(tokens, tokens, EQ))",
             "w2 = selector_width(select(tokens, tokens, LT))",
             "w3 = selector_width(select(indices, indices, LEQ))"]
    labels = list(range(draw(st.integers(3, 8))))

    def table(left, right, gathering: bool) -> str:
        entries = {(a, b): (labels[0] if gathering and draw(st.floats(0, 1)) < 0.8 else draw(st.sampled_from(labels)))
                   for a in left for b in right}
        return "{" + ", ".join(f"({a}, {b}): {v}" for (a, b), v in entries.items()) + "}"

    lines += [f"t1 = sequence_map({table(widths, widths, True)}, w1, w2)",
              f"t2 = sequence_map({table(labels, widths, True)}, t1, w3)",
              f"t3 = sequence_map({table(labels, widths, False)}, t2, w2)"]
    values = {v: (0.0 if v == labels[0] else draw(st.sampled_from([0.5, 1.25, 2.0, 3.5, 5.0]))) for v in labels}
    lines.append(f"out = numerical map({values!r}, t3)")
    return "\n".join(lines + ["return out"]) + "\n"


@settings(max_examples=5)
@given(_table_chains_over_widths())
def test_chains_of_tables_over_widths_stay_within_the_checks_tolerance(source):
    program = compiler.parse(source)
    net = compiler.compile_program(program, {"a", "b", "c", "d"}, 10)
    assert net.provenance["margined_sequence_maps"]
    from compiler.compiling.check import outputs_agree, reference_outputs, sampled_inputs

    inputs = sampled_inputs(net.vocab, 10, 300, random.Random(0))  # check_net's, without its nested search
    for xs, got in zip(inputs, net.run(inputs)):
        assert outputs_agree(reference_outputs(program, xs, False), got), (xs, got)


def test_a_table_over_too_many_pairs_is_refused_before_anything_is_built():
    """A sequence_map's MLP has a neuron per pair of its inputs' values; the twentieth hand-written
    set's writer met one of 178,354 that took the machine's memory (killed, no message)."""
    vocab = set(range(250))
    source = ("shifted = map(lambda x: x + 1000, tokens)\n"
              "both = sequence_map(lambda a, b: a < b, tokens, shifted)\nreturn both")
    with pytest.raises(CompileError, match=r"both \(line 2, column 8\): a sequence_map of tokens \(250 values\) and "
                                           r"shifted \(250 values\) needs a hidden neuron per pair of their values, "
                                           r"62,500, over the limit of 50,000"):
        compiler.compile_program(source, vocab, 4)


def test_a_net_over_the_weight_limit_is_refused_with_its_shape(monkeypatch):
    from compiler.compiling import assemble

    monkeypatch.setattr(assemble, "MAX_PARAMETERS", 500)
    with pytest.raises(CompileError, match=r"the net would have [\d,]+ weights \(\d+ layers, residual width \d+, MLP "
                                           r"width \d+, \d+ heads of \d+\), over the limit of 500"):
        compiler.compile_program("v = sequence_map(lambda a, b: a + b, tokens, indices)\nreturn v", {1, 2, 3}, 5)


def test_a_net_over_the_weight_limit_names_its_widest_line(monkeypatch):
    """The twenty-first hand-written set's writer met the weight limit with no line named (a table
    joining 45 rounded values with 1,000 digit strings); the refusal names the line whose MLP is the
    widest, where it is, and the lines taking most of the residual stream."""
    from compiler.compiling import assemble

    monkeypatch.setattr(assemble, "MAX_PARAMETERS", 500)
    source = ("small = map(lambda x: x + 1, tokens)\n"
              "wide = sequence_map(lambda a, b: a * 10 + b, tokens, indices)\n"
              "return wide")
    with pytest.raises(CompileError, match=r"wide \(line 2, column 8\): its MLP is the net's widest \(\d+ hidden "
                                           r"neurons\); the residual stream's widest lines are wide \d+, "):
        compiler.compile_program(source, {1, 2, 3, 4}, 6)


def test_a_net_over_the_weight_limit_is_built_again_from_the_true_value_sets(monkeypatch):
    """tracr lists v/w for every w up to max_seq_len as a mean's values; a mean by a select that
    chooses at most one position takes its input's values and 0 alone. Three such fetches summed
    and read as a category (the thirty-seventh hand-written set's w15 draft) were refused as a net
    of 806 million weights: compile builds it again from the true value sets (64 wide), and the
    first refusal stands where those build no smaller net."""
    source = ("bit = numerical map(lambda t: t, tokens)\n"
              "a = numerical aggregate(select(indices, indices, lambda k, q: k == q - 1), bit)\n"
              "b = numerical aggregate(select(indices, indices, lambda k, q: k == q - 2), bit)\n"
              "c = numerical aggregate(select(indices, indices, lambda k, q: k == q - 3), bit)\n"
              "ab = numerical linear_sequence_map(a, b, 2, 1)\n"
              "abc = numerical linear_sequence_map(ab, c, 2, 1)\n"
              "code = map(lambda x: x, abc)\n"
              "ups = selector_width(select(tokens, tokens, lambda k, q: k == 1))\n"
              "shown = sequence_map(lambda v, u: -1 if u % 2 == 1 else v, code, ups)\n"
              "lamp = map(lambda v: v + 1, shown)\n"
              "return numerical map(lambda x: x - 1, lamp)")
    program = compiler.parse(source)
    net = compiler.compile_program(program, {0, 1}, 12)
    assert net.config.d_model < 100 and net.provenance["value_sets_corrected"]
    assert check_net(program, net, exhaustive_limit=10_000).counterexample is None  # all 8,190 inputs
    small = compiler.compile_program(source.replace("12)", "4)"), {0, 1}, 4)  # under the limit: tracr's sets
    assert not small.provenance["value_sets_corrected"]
    from compiler.compiling import assemble

    monkeypatch.setattr(assemble, "MAX_PARAMETERS", 5_000)
    with pytest.raises(CompileError, match=r"shown \(line 9, column 9\): its MLP is the net's widest .* over the "
                                           r"limit of 5,000"):
        compiler.compile_program(source, {0, 1}, 12)


def test_a_table_over_a_place_counted_from_the_end_lacks_no_entry_it_needs():
    """`n - 1 - i` is 0 .. n - 1 at every position; taken apart, the length and the index let it
    be -4 at length 4, and a table with entries for 0 .. 3 alone was refused as None there past
    the inputs compile runs (the thirty-seventh hand-written set's w21 draft). Their values at each
    (position, length) show those entries are never read; one past the end still is."""
    source = ("place = sequence_map(lambda n, i: n - 1 - i, length, indices)\n"
              "weight = map({0: 1, 1: 3, 2: 2, 3: 6}, place)\n"
              "part = numerical map(lambda x: x, weight)\n"
              "return numerical aggregate(select(indices, indices, TRUE), part)")
    program = compiler.parse(source)
    net = compiler.compile_program(program, set(range(10)), 4)  # 11,110 inputs: not every one run
    assert check_net(program, net, examples=2_000).counterexample is None
    with pytest.raises(CompileError, match=r"the function of weight gives None on 4"):
        compiler.compile_program(source.replace("n - 1 - i", "n - i"), set(range(10)), 4)


def test_too_many_values_name_the_inputs_and_speak_of_means_only_for_a_mean():
    """A line over packed counts (the twenty-first set's i26) was told "a mean takes a value per
    fraction", with no mean in the program: the refusal gives each input's number of values, and
    the reason for a mean's only where an input is one."""
    packed = ("a = selector_width(select(tokens, tokens, lambda k, q: k == 1))\n"
              "b = sequence_map(lambda x, i: x * 100 + i, a, indices)\n"
              "c = sequence_map(lambda x, i: x * 100 + i, b, indices)\n"
              "out = sequence_map(lambda x, y: x < y, c, c)\nreturn out")
    with pytest.raises(CompileError) as refused:
        compiler.compile_program(packed.replace("c, c)", "c, b)"), set(range(1, 30)), 30)
    message = str(refused.value)
    assert re.search(r"its inputs take [\d,]+ values \(c\) and [\d,]+ values \(b\): give them fewer values", message)
    assert "mean" not in message, message
    means = ("x = numerical map(lambda t: 1 if t == 1 else 0, tokens)\n"
             "m = numerical aggregate(select(tokens, tokens, lambda k, q: k <= q), x, default=0)\n"
             "n = numerical aggregate(select(indices, indices, lambda k, q: k <= q), x, default=0)\n"
             "a = map(lambda v: v, m)\nb = map(lambda v: v, n)\n"
             "out = sequence_map(lambda u, v: u < v, a, b)\nreturn out")
    with pytest.raises(CompileError, match=r"out \(line 6, column 7\): more than 200,000 combinations .*its inputs "
                                           r"take [\d,]+ values \(a\) and [\d,]+ values \(b\): .*\(a is computed "
                                           r"from means and b is computed from means: a mean takes a value per "
                                           r"fraction k/n"):
        compiler.compile_program(means, {1, 2}, 40)


WINDOW = ("recent = select(indices, indices, lambda k, q: q - 2 <= k and k <= q)\n"
          "a = numerical aggregate(recent, numerical map(lambda t: 1 if t == 1 else 0, tokens))\n"
          "b = numerical aggregate(recent, numerical map(lambda t: 1 if t == 2 else 0, tokens))\n"
          "c = numerical aggregate(recent, numerical map(lambda t: 1 if t == 3 else 0, tokens))\n"
          "d = numerical aggregate(recent, numerical map(lambda t: 1 if t == 4 else 0, tokens))\n"
          "ab = numerical linear_sequence_map(a, b, 1, 2)\n"
          "cd = numerical linear_sequence_map(c, d, 3, 4)\n"
          "s = numerical linear_sequence_map(ab, cd, 1, 1)\n")


@pytest.mark.parametrize("tail", ["return s", "high = map(lambda x: x >= 2.5, s)\nreturn high"],
                         ids=["sum", "threshold"])
def test_means_over_a_window_take_the_fractions_of_its_widths(tail):
    """A mean by a select of the last three positions averages 1 to 3 values: k/1, k/2, k/3 only.
    Taken as every k/n up to max_seq_len, the sum of four such means (the twenty-seventh set's
    o04 draft, a rolling average) was refused at length 10 for its 621 x 744 combinations; it is
    built, and agrees with its program, read as it is and through a threshold."""
    net = compiler.compile_program(WINDOW + tail, {1, 2, 3, 4}, 10)
    assert check_net(compiler.parse(WINDOW + tail), net, examples=500, seed=2).ok


@pytest.mark.parametrize("length", [10, 12])
def test_weighted_sums_of_means_over_one_select_take_their_joint_values(length):
    """Means over one select share the number of positions they average at every query, so a
    weighted sum of them takes (2 k + j) / 2 n, not every k/n + j/2m: taken as independent, a
    numerical map of such a sum (the twenty-seventh set's o13 draft) was refused from length 9 as
    reading values too close together, and a chain of three sums of four means (its o17) for
    over 200,000 combinations from length 10. Both are built, and agree with their programs; the
    selects are written inline twice in the first (equal selects are one)."""
    crowded = ('a = numerical aggregate(select(tokens, tokens, TRUE), numerical map(lambda t: 1 if t == "x" else 0, '
               'tokens))\n'
               'b = numerical aggregate(select(tokens, tokens, TRUE), numerical map(lambda t: 1 if t == "y" else 0, '
               'tokens))\n'
               "p = numerical linear_sequence_map(a, b, 1, 0.5)\n"
               "e = numerical map(lambda x: 2 * x * (1 - x), p)\nreturn e")
    chain = ("every = select(tokens, tokens, TRUE)\n"
             + "".join(f'{m} = numerical aggregate(every, numerical map(lambda t: 1 if t == "{m}" else 0, tokens))\n'
                       for m in ("w", "x", "y", "z"))
             + "wx = numerical linear_sequence_map(w, x, 100, 35)\n"
               "wxy = numerical linear_sequence_map(wx, y, 1, 170)\n"
               "out = numerical linear_sequence_map(wxy, z, 1, 250)\nreturn out")
    for source, vocab in ((crowded, {"x", "y", "z"}), (chain, {"v", "w", "x", "y", "z"})):
        net = compiler.compile_program(source, vocab, length)
        assert check_net(compiler.parse(source), net, examples=300, seed=3).ok


def test_the_shares_of_one_lines_values_add_up_to_one():
    """Means over one select of 0/1 maps of one line count the same positions, each of which falls
    in one class of every map: the shares of three tokens add up to 1, and a sum of their squares
    (Simpson's index, the twenty-eighth set's p09 draft) takes far fewer values than every
    combination of three shares. Taken as independent, a map of that sum was refused from length
    9 as reading values too close together, as was 60 over a mean interval weighted by four shares
    among the beats a select keeps (p10's draft, at length 10: a token it never chooses counts in
    no share). Both are built, and agree with their programs."""
    from pathlib import Path

    simpson = ("everyone = select(tokens, tokens, TRUE)\n"
               + "".join(f'{t} = numerical aggregate(everyone, numerical map(lambda t: 1 if t == "{t}" else 0, '
                         f'tokens))\n{t}2 = numerical map(lambda p: p * p, {t})\n' for t in "xyz")
               + "xy = numerical linear_sequence_map(x2, y2, 1, 1)\n"
                 "s = numerical linear_sequence_map(xy, z2, 1, 1)\n"
                 "return numerical map(lambda x: 1 - x, s)")
    rates = (Path(__file__).parent / "data" / "heart_rate_shares.rasp").read_text()
    for source, vocab, length in ((simpson, {"x", "y", "z"}, 12), (rates, {"0.6", "0.75", "1.0", "1.2", "X"}, 10)):
        net = compiler.compile_program(source, vocab, length)
        assert check_net(compiler.parse(source), net, examples=300, seed=4).ok
    # the squares of two shares alone do crowd at length 12 (two sums 0.00013 apart): refused, naming them
    two = simpson.replace("s = numerical linear_sequence_map(xy, z2, 1, 1)", "s = numerical map(lambda v: v, xy)")
    with pytest.raises(CompileError, match=r"too close together for a float32 MLP to separate them \(0\.140496 and "
                                           r"0\.140625, 0\.00013 apart, give different outputs, among the [\d,]+ "
                                           r"values compile takes its input to reach\)"):
        compiler.compile_program(two, {"x", "y", "z"}, 12)


_MEAN_SELECTS = ["select(tokens, tokens, TRUE)", "select(indices, indices, LEQ)", "select(tokens, tokens, EQ)",
                 "select(indices, indices, lambda k, q: q - 1 <= k and k <= q)",
                 "select(tokens, tokens, lambda k, q: k != 3)"]


@given(data=st.data(), n=st.integers(1, 4))
def test_the_values_of_sums_of_means_hold_on_every_input(data, n):
    """Whatever means over drawn selects (one select read twice, equal ones written twice, or
    different ones; one that never chooses a token) of markers of the tokens, maps of them,
    weighted sums of them and a map of a sum: every value rasp computes at a position of an input
    up to the length is among the facts' values of its line."""
    from tracr.compiler import rasp_to_graph

    from compiler.compiling.facts import Facts

    lines = ["s0 = " + data.draw(st.sampled_from(_MEAN_SELECTS))]
    means = []
    for i in range(data.draw(st.integers(2, 4))):
        select = data.draw(st.sampled_from(["s0", *_MEAN_SELECTS]))
        marker = data.draw(st.sampled_from(["t == 1", "t == 2", "t >= 1", "t == 3", "t <= 2"]))
        lines.append(f"m{i} = numerical aggregate({select}, numerical map(lambda t: 1 if {marker} else 0, tokens))")
        means.append(f"m{i}")
        if data.draw(st.booleans()):  # a map of a mean
            lines.append(f"q{i} = numerical map(lambda p: p * p - p, m{i})")
            means.append(f"q{i}")
    sums = list(means)
    for i in range(data.draw(st.integers(1, 3))):
        fst, snd = data.draw(st.sampled_from(sums)), data.draw(st.sampled_from(sums))
        a, b = data.draw(st.sampled_from([1, 2, 0.5, -1])), data.draw(st.sampled_from([1, 3, 0.25]))
        lines.append(f"l{i} = numerical linear_sequence_map({fst}, {snd}, {a}, {b})")
        sums.append(f"l{i}")
    lines.append(f"out = numerical map(lambda x: x * x, {sums[-1]})\nreturn out")
    program = compiler.parse("\n".join(lines))
    facts = Facts(rasp_to_graph.extract_rasp_graph(program.sop).graph, {1, 2, 3}, n)
    sops = [expr for expr in facts.exprs.values() if isinstance(expr, rasp.SOp)]
    for m in range(1, n + 1):
        for xs in itertools.product([1, 2, 3], repeat=m):
            for sop in sops:
                assert set(rasp.evaluate(sop, list(xs))) <= facts.values[sop.label], (sop.label, xs)


def test_a_sum_that_cancels_two_large_maps_of_ratios_stays_within_the_checks_tolerance():
    """The twentieth hand-written set's first Flesch reading ease: 206.835 - 1.015 (words per
    sentence) - 84.6 (syllables per word), the ratios tables over widths, the score a
    linear_sequence_map of two numerical maps. tracr's maps write f(a) times their input's true
    entry (1 plus the widths' float32 noise, times 4/3 per margined table): about 1e-4 of 200,
    which the sum leaves standing where the score is near 0 (0.018 off at a score of 0.3). Built
    as flat lookups, the maps write f(a) exactly."""
    from pathlib import Path

    from compiler.compiling.check import reference_outputs, sampled_inputs

    source = (Path(__file__).parent / "data" / "cancelling_sum_of_ratios.rasp").read_text()
    program = compiler.parse(source)
    vocab = set(source.splitlines()[0][len("# vocab: "):].split())
    net = compiler.compile_program(program, vocab, 10)
    assert sorted(re.sub(r"_\d+$", "", label) for label in net.provenance["flat_numerical_maps"]) == ["base", "load"]
    inputs = sampled_inputs(net.vocab, 10, 1000, random.Random(0))
    worst = max(abs(got - want) for xs, outputs in zip(inputs, net.run(inputs))
                for got, want in zip(outputs, reference_outputs(program, xs, False)) if want is not None)
    assert worst < 2e-4


def test_a_flat_lookup_writes_its_value_exactly_off_a_one_hot():
    from tracr.craft import bases

    from compiler.compiling.blocks import _flat_lookup_mlp

    x_space = bases.VectorSpaceWithBasis.from_values("x", [0, 1, 2])
    out_space = bases.VectorSpaceWithBasis.from_names(["y"])
    mlp = _flat_lookup_mlp("y", x_space, out_space, {(0,): 206.835, (1,): -3.5, (2,): 0.0})
    space = mlp.fst.input_space

    def run(entries: list[float]) -> float:
        vector = np.zeros(space.num_dims)
        for value, entry in enumerate(entries):
            vector[space.index_by_direction[bases.BasisDirection("x", value)]] = entry
        vector[space.index_by_direction[bases.BasisDirection("one")]] = 1
        return float(np.maximum(vector @ mlp.fst.matrix, 0) @ mlp.snd.matrix[:, 0])

    assert run([1, 0, 0]) == pytest.approx(206.835, abs=1e-12)
    assert run([1.2, 0.1, -0.1]) == pytest.approx(206.835, abs=1e-12)  # tracr's: 206.835 * 1.2 - 0.35
    assert run([0.05, 0.8, 0.2]) == pytest.approx(-3.5, abs=1e-12)  # negative values too (tracr #24)
    assert run([0, 0, 0]) == 0.0  # no value (BOS, None)


def test_refusals_say_how_to_fix_a_tables_none_and_a_product_of_numbers():
    """The twentieth hand-written set's writer met both: a table without an entry its input takes,
    read by a numerical map (the advice was only about selects and aggregates), and a product of
    two numbers as a numerical sequence_map (the advice was linear_sequence_map, which adds)."""
    with pytest.raises(CompileError, match=r"gives None on 3\).*a table without an entry for those values\), give it "
                                           r"a value there"):
        compiler.compile_program("t = map({1: 2, 2: 3}, tokens)\nv = numerical map(lambda x: x, t)\nreturn v",
                                 {1, 2, 3}, 4)
    with pytest.raises(compiler.SourceError, match=r"for a product, ratio or other function of two numbers, compute "
                                                   r"it from their categorical sources"):
        compiler.parse("a = numerical map(lambda x: x, tokens)\n"
                       "b = numerical sequence_map(lambda x, y: x * y, a, a)\nreturn b")


@settings(max_examples=8)
@given(scale=st.sampled_from([1, 40, 500, 3000]), query=st.sampled_from(["tokens", "indices", "bar"]),
       comparison=st.sampled_from(["GT", "LT", "EQ", "FALSE", "LEQ"]), wide=st.booleans())
def test_means_of_any_size_over_selects_that_may_choose_nothing_agree(scale, query, comparison, wide):
    """A numerical mean of values up to `scale` over a select that may choose no key (then the
    default 0), keyed by the tokens against the tokens, the indices, or a categorical copy of
    another mean (wide heads); with `wide`, many tokens widen the heads further: the net agrees
    with its program on every input, within the check's tolerance."""
    from compiler.compiling.check import outputs_agree

    vocab = [scale * k for k in range(1, 12 if wide else 4)]
    source = ("vals = numerical map(lambda x: x, tokens)\n"
              "bar = map(lambda a: a, numerical aggregate(select(indices, indices, TRUE), vals))\n"
              f"out = numerical aggregate(select(tokens, {query}, {comparison}), vals)\nreturn out\n")
    program = compiler.parse(source)
    net = compiler.compile_program(program, set(vocab), 4 if wide else 6)
    inputs = inputs_up_to(set(vocab), 4 if wide else 6, limit=400)
    for xs, got in zip(inputs, net.run(inputs)):
        assert outputs_agree(reference_outputs(program, xs), got), (xs, got)

