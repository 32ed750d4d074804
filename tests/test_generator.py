"""The fountain: programs that compile and match their networks, deterministic per seed."""

import os
import random
import subprocess
import sys

import pytest
from hypothesis import given, settings

import compiler
import generator
from compiler.compiling.check import outputs_agree
from generator import stats
from generator.config import ConfigError, GeneratorConfig
from generator.sampler import probe_inputs
from generator.strategies import programs


def _check_against_net(program, vocab, max_seq_len, samples=40, seed=0):
    net = compiler.compile_program(program, vocab=set(vocab), max_seq_len=max_seq_len)
    rng = random.Random(seed)
    inputs = [[rng.choice(sorted(vocab, key=str)) for _ in range(rng.randint(1, max_seq_len))]
              for _ in range(samples)] + [[v] for v in vocab] + [[vocab[0]] * max_seq_len]
    for xs, got in zip(inputs, net.run(inputs)):
        assert outputs_agree(compiler.evaluate(program, xs), got), (program.source, xs, got)


def test_sampled_programs_compile_match_and_are_distinct_and_not_trivial():
    programs_, report = generator.sample(25, seed=1, config=GeneratorConfig(max_ops=8))
    assert len({p.source for p in programs_}) == 25
    assert report.accepted == 25 and report.candidates >= 25
    for program in programs_:
        assert 1 <= program.op_count <= 8
        _check_against_net(program, (1, 2, 3, 4, 5), 5)
        outputs = [compiler.evaluate(program, xs) for xs in probe_inputs((1, 2, 3, 4, 5), 5, 32)]
        assert len({repr(v) for out in outputs for v in out if v is not None}) > 1  # not constant


def test_keep_nets_hands_on_the_checked_nets_of_the_kept_programs_only():
    programs_, report = generator.sample(6, seed=3, config=GeneratorConfig(max_ops=4), keep_nets=True)
    assert list(report.nets) == [p.source for p in programs_]  # rejected candidates compiled too, not kept
    for program in programs_:
        fresh = compiler.compile_program(program, vocab={1, 2, 3, 4, 5}, max_seq_len=5)
        assert report.nets[program.source].to_bytes() == fresh.to_bytes()
    assert generator.sample(6, seed=3, config=GeneratorConfig(max_ops=4))[1].nets == {}


def test_same_seed_same_programs_in_any_process():
    config = dict(vocab=("a", "b", "c"), max_seq_len=4, max_ops=6)
    here = [p.source for p in generator.sample_programs(8, seed=7, **config)]
    assert here == [p.source for p in generator.sample_programs(8, seed=7, **config)]
    assert here != [p.source for p in generator.sample_programs(8, seed=8, **config)]
    code = ("import generator, json; print(json.dumps([p.source for p in generator.sample_programs("
            f"8, seed=7, **{config!r})]))")
    for hash_seed in ("1", "2"):  # string hashing differs between these processes
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        assert __import__("json").loads(out.stdout) == here


def test_unique_behaviour_rejects_programs_that_act_alike():
    programs_, report = generator.sample(15, seed=0, config=GeneratorConfig(max_ops=3, unique_behaviour=True))
    probes = probe_inputs((1, 2, 3, 4, 5), 5, 64)
    behaviours = {repr([compiler.evaluate(p, xs) for xs in probes]) for p in programs_}
    assert len(behaviours) == 15


def test_rejections_are_counted_by_reason():
    _, report = generator.sample(20, seed=2)
    assert sum(report.rejected.values()) == report.candidates - 20
    assert all(isinstance(reason, str) and reason for reason in report.rejected)
    text = report.format()
    assert "programs/s" in text and "rejected" in text


def test_probe_values_compare_as_tracrs_comparisons():
    """The builder's probe values call each comparison's operator directly: one for every one of
    tracr's comparisons, giving what the comparison gives, and None refused as tracr refuses it."""
    from tracr.rasp import rasp

    from generator.sampler import _COMPARISONS

    assert set(_COMPARISONS) == set(rasp.Comparison)
    values = [0, 1, 2, 1.5, True, False]
    for comparison, operator_ in _COMPARISONS.items():
        assert all(operator_(k, q) == comparison(k, q) for k in values for q in values)
        with pytest.raises(ValueError):
            comparison(None, 1)


@pytest.mark.parametrize("recipe", ["small", "mixed", "large"])
def test_the_builders_probe_values_are_the_programs_outputs(recipe):
    """The sampler takes a candidate's outputs on its probes from the builder's evaluator (its own
    values on the quick probes, a fresh one's on the others) instead of `evaluate_all`: the two must
    agree on every candidate, value and type (`1`, `1.0` and `True` apart), and fail together."""
    from compiler.language.program import evaluate_all
    from generator import sampler
    from generator.config import RandomChoices
    from generator.recipes import load_recipe

    checked = 0
    for unit in range(3):
        config = load_recipe(recipe).for_unit(unit).generator
        probes = probe_inputs(config.vocab, config.max_seq_len, config.probes)
        quick, rest = probes[:sampler._QUICK_PROBES], probes[sampler._QUICK_PROBES:]
        choices = RandomChoices(random.Random(unit))
        for _ in range(120):
            builder = sampler._Builder(config, choices, quick)
            try:
                program = builder.build()
            except sampler._Reject:
                continue
            assert repr(builder.probe_values(program.output)) == repr(evaluate_all(program, quick)), program.source
            try:
                expected = repr(evaluate_all(program, rest))
            except Exception:  # noqa: BLE001 - the builder's evaluator must fail too
                with pytest.raises(Exception):  # noqa: B017
                    sampler._ProbeValues(rest).outputs(program)
                continue
            assert repr(sampler._ProbeValues(rest).outputs(program)) == expected, program.source
            checked += 1
    assert checked > 300
    undefined = compiler.parse("v1 = map(lambda x: 1 / (x - 3), tokens)\nreturn v1\n")
    assert sampler._ProbeValues([[1, 2]]).outputs(undefined) == evaluate_all(undefined, [[1, 2]]) == [[-0.5, -1.0]]
    with pytest.raises(compiler.UndefinedError):
        evaluate_all(undefined, [[3]])
    with pytest.raises(ZeroDivisionError):
        sampler._ProbeValues([[3]]).outputs(undefined)


def test_probe_values_see_a_categorical_aggregate_average_different_values():
    from tracr.rasp import rasp

    from compiler.language import nodes
    from generator.sampler import _ProbeValues

    def averages(inputs, keys=nodes.TOKENS, comparison=rasp.Comparison.TRUE):
        aggregate = nodes.make_aggregate(nodes.make_select(keys, keys, comparison), nodes.TOKENS,
                                         encoding=nodes.CATEGORICAL)
        probes = _ProbeValues(inputs)
        probes(aggregate)
        return probes.averages_several(aggregate)

    assert averages([[1, 1], [2]]) is False  # every query selects one value, however many times
    assert averages([[1, 1], [1, 2]]) is True
    assert averages([[1, True]]) is True  # equal, but not the same value to a categorical space
    assert averages([[1, 2, 3]], keys=nodes.INDICES, comparison=rasp.Comparison.EQ) is False


def test_screened_aggregates_spare_the_compilers_refusals():
    """`screen_aggregates` drops, as they are drawn, the categorical aggregates the compiler refuses
    (their candidates were built, evaluated and compiled for nothing); what it keeps still compiles
    and matches its net, and draws are as deterministic as without it."""
    from generator.recipes import load_recipe

    config = load_recipe("mixed").for_unit(0).generator
    refused = lambda report: sum(n for reason, n in report.rejected.items()  # noqa: E731
                                 if "categorical Aggregate" in reason)
    _, plain = generator.sample(40, seed=3, config=config)
    kept, screened = generator.sample(40, seed=3, config=config, screen_aggregates=True)
    assert refused(plain) >= 10 and refused(screened) <= 2 and screened.candidates < plain.candidates
    again, _ = generator.sample(40, seed=3, config=config, screen_aggregates=True)
    assert [p.source for p in again] == [p.source for p in kept]
    for program in kept[:10]:
        _check_against_net(program, config.vocab, config.max_seq_len, samples=20)


@pytest.mark.parametrize("field, value, words", [
    ("max_ops", 0, "max_ops"),
    ("vocab", (), "vocab"),
    ("vocab", (1, 1), "distinct"),
    ("op_weights", {"mapp": 1.0}, "unknown kinds ['mapp']"),
    ("map_functions", ("lambda x, y, z: x",), "takes 3 parameters"),
    ("map_functions", ("lambda x: x +",), "lambda x: x +"),
    ("comparisons", ("EQUALS",), "comparisons"),
    ("numerical_share", 2.0, "numerical_share"),
])
def test_bad_config_names_the_field(field, value, words):
    with pytest.raises(ConfigError) as caught:
        GeneratorConfig(**{field: value})
    assert field in str(caught.value) and words in str(caught.value)


def test_config_round_trips_through_plain_data():
    config = GeneratorConfig(vocab=("x", "y"), max_ops=4, op_weights={"map": 1.0, "aggregate": 2.0})
    assert GeneratorConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match="unknown field"):
        GeneratorConfig.from_dict({"max_opz": 3})


def test_stats_describe_programs_and_nets():
    programs_ = generator.sample_programs(10, seed=3, max_ops=6)
    rows = [stats.program_stats(p, compiler.compile_program(p, vocab={1, 2, 3, 4, 5}, max_seq_len=5))
            for p in programs_]
    assert all(r["layers"] >= 1 and r["residual width"] > 0 and r["depth"] >= 1 for r in rows)
    text = stats.summarize(rows)
    for quantity in stats.QUANTITIES:
        assert quantity in text


@settings(max_examples=15)
@given(programs(max_ops=6, vocab=(1, 2, 3), max_seq_len=4))
def test_strategy_programs_compile_and_match(program):
    _check_against_net(program, (1, 2, 3), 4)
