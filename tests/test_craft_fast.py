"""`compiler.compiling.craft_fast` builds tracr's blocks bit for bit as tracr does: the same bases
and the same float64 entries (signs of zeros included), on random arguments and in whole compiles."""

import random

import numpy as np
import pytest
from tracr.craft import bases, vectorspace_fns
from tracr.craft.chamber import categorical_attn as tracr_categorical_attn
from tracr.craft.chamber import categorical_mlp, numerical_mlp

import compiler
from compiler.compiling import craft_fast
from generator.recipes import load_recipe
from generator.units import draw_unit

FUNCTIONS = {
    "plus one": lambda x: x + 1,
    "halved": lambda x: x / 2,
    "step": lambda x: 1 if x > 2 else 0,
    "inverse": lambda x: 1 / x,            # raises on 0: tracr leaves that value out
    "width": lambda x: round((1 / x) - 1),  # selector_width's own
    "negated": lambda x: -x,
    "constant": lambda x: 3,
}


def _same_linear(ours: vectorspace_fns.Linear, theirs: vectorspace_fns.Linear) -> None:
    assert ours.input_space.basis == theirs.input_space.basis
    assert ours.output_space.basis == theirs.output_space.basis
    assert ours.matrix.dtype == theirs.matrix.dtype and ours.matrix.shape == theirs.matrix.shape
    assert ours.matrix.tobytes() == theirs.matrix.tobytes()  # bit for bit: -0.0 is not 0.0


def _same_mlp(ours, theirs) -> None:
    _same_linear(ours.fst, theirs.fst)
    _same_linear(ours.snd, theirs.snd)
    assert ours.residual_space == theirs.residual_space


def _both(name: str, *args, **kwargs):
    """Ours and tracr's block from the same arguments, or the exception each raised (tracr's
    IndexError where the function is defined on no value, for one)."""
    built = []
    for fast in (True, False):
        with craft_fast.installed(fast):
            try:
                built.append(getattr(_module(name), name)(*args, **kwargs))
            except Exception as error:  # noqa: BLE001 - compared below
                built.append(type(error))
    return built


def _same(ours, theirs) -> None:
    if isinstance(theirs, type):
        assert ours is theirs
    else:
        _same_mlp(ours, theirs)


def _module(name: str):
    return categorical_mlp if name == "sequence_map_categorical_mlp" else numerical_mlp


def _value_sets(rng: random.Random):
    for _ in range(60):
        kind = rng.randrange(3)
        if kind == 0:
            values = set(rng.sample(range(-4, 9), rng.randint(1, 8)))
        elif kind == 1:
            values = {rng.choice([0.0, 0.25, 0.5, 1 / 3, 1.0, 2.5, -0.5]) for _ in range(rng.randint(1, 6))}
        else:
            values = {1 / (w + 1) for w in range(rng.randint(1, 11))}
        yield values


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_numerical_mlps_are_tracrs(function):
    f, rng = FUNCTIONS[function], random.Random(function)
    one = bases.VectorSpaceWithBasis([bases.BasisDirection("one")])
    x = bases.VectorSpaceWithBasis([bases.BasisDirection("x")])
    for values in _value_sets(rng):
        large = rng.choice([100, 1000.5, 7])
        outputs = {y for y in map(_or_none(f), values) if y is not None}
        out = bases.VectorSpaceWithBasis([bases.BasisDirection("y")])
        _same(*_both("map_numerical_mlp", f, x, out, values, one, large_number=large, hidden_name="_h_"))
        categories = bases.VectorSpaceWithBasis.from_values("y", outputs | {rng.randint(-3, 3)})
        _same(*_both("map_numerical_to_categorical_mlp", f, x, categories, values, one, large_number=large,
                         hidden_name="_h_"))


def _or_none(f):
    def call(x):
        try:
            return f(x)
        except ArithmeticError:
            return None
    return call


def test_sequence_map_mlps_are_tracrs():
    rng = random.Random(0)
    one = bases.VectorSpaceWithBasis([bases.BasisDirection("one")])
    for _ in range(40):
        first = bases.VectorSpaceWithBasis.from_values("a", rng.sample(range(6), rng.randint(1, 5)))
        second = bases.VectorSpaceWithBasis.from_values("b", rng.sample(["p", "q", "r", "s"], rng.randint(1, 4)))
        table = {(x.value, y.value): rng.choice([0, 1, 2, 7]) for x in first.basis for y in second.basis}
        out = bases.VectorSpaceWithBasis.from_values("c", [0, 1, 2])  # 7 has no direction: a zero row

        def operation(x, y):
            return bases.BasisDirection("c", table[x.value, y.value])

        _same(*_both("sequence_map_categorical_mlp", first, second, out, operation, one, hidden_name="_h_"))
    with pytest.raises(ValueError, match="disjoint"), craft_fast.installed(True):
        categorical_mlp.sequence_map_categorical_mlp(first, first, out, operation, one)


def test_parallel_combination_is_tracrs():
    rng = random.Random(1)
    names = [bases.BasisDirection(n) for n in "abcdefg"]
    for _ in range(40):
        fns = []
        for _ in range(rng.randint(1, 4)):
            inputs = bases.VectorSpaceWithBasis(rng.sample(names, rng.randint(1, 4)))
            outputs = bases.VectorSpaceWithBasis(rng.sample(names, rng.randint(1, 4)))
            matrix = np.array([[rng.choice([0.0, -0.0, 1.0, -2.5, 1e-3]) for _ in outputs.basis]
                               for _ in inputs.basis])
            fns.append(vectorspace_fns.Linear(inputs, outputs, matrix))
        with craft_fast.installed(False):
            theirs = vectorspace_fns.Linear.combine_in_parallel(fns)
        with craft_fast.installed(True):
            ours = vectorspace_fns.Linear.combine_in_parallel(fns)
        _same_linear(ours, theirs)


def test_categorical_attention_is_tracrs():
    """Heads from random spaces (the BOS and one directions among the query's and key's or not),
    predicates, defaults and options: the same QK and OV matrices, spaces and causality; and the
    predicate called on the same (query, key) pairs in the same order."""
    rng = random.Random(3)
    bos = bases.VectorSpaceWithBasis([bases.BasisDirection("tokens", "bos")])
    one = bases.VectorSpaceWithBasis([bases.BasisDirection("one")])
    heads = 0
    for _ in range(60):
        queries = bases.VectorSpaceWithBasis.from_values("q", rng.sample(range(6), rng.randint(1, 5)))
        keys = bases.VectorSpaceWithBasis.from_values("k", rng.sample(["a", "b", "c", 1], rng.randint(1, 4)))
        if rng.random() < 0.3:
            queries = bases.join_vector_spaces(queries, bos, one)
        values = bases.VectorSpaceWithBasis.from_values("tokens", rng.sample(["a", "b", "c", "d"], rng.randint(1, 4)))
        always = rng.random() < 0.5
        if always:
            values = bases.join_vector_spaces(values, bos)
        outputs = bases.VectorSpaceWithBasis.from_values("out", range(values.num_dims))
        default = outputs.make_vector(np.array([rng.choice([0.0, -0.0, 1.0, 2.5]) for _ in outputs.basis]))
        table = {(q.value, k.value): rng.random() < 0.5 for q in queries.basis for k in keys.basis}
        options = dict(default_output=rng.choice([None, default]), causal=rng.random() < 0.5,
                       always_attend_to_bos=always, use_bos_for_default_output=not always and rng.random() < 0.8,
                       softmax_coldness=rng.choice([100., 37.5]))
        built, calls = [], []
        for fast in (True, False):
            seen = []

            def predicate(query, key):
                seen.append((query, key))
                return table[query.value, key.value]

            with craft_fast.installed(fast):
                try:
                    built.append(tracr_categorical_attn.categorical_attn(queries, keys, values, outputs, bos, one,
                                                                         predicate, **options))
                except Exception as error:  # noqa: BLE001 - compared below
                    built.append(type(error))
            calls.append(seen)
        ours, theirs = built
        assert calls[0] == calls[1]
        if isinstance(theirs, type):
            assert ours is theirs
            continue
        assert ours.causal == theirs.causal
        assert ours.w_qk.left_space.basis == theirs.w_qk.left_space.basis
        assert ours.w_qk.right_space.basis == theirs.w_qk.right_space.basis
        assert ours.w_qk.matrix.dtype == theirs.w_qk.matrix.dtype
        assert ours.w_qk.matrix.tobytes() == theirs.w_qk.matrix.tobytes()
        _same_linear(ours.w_ov, theirs.w_ov)
        heads += 1
    assert heads >= 40


def test_bases_sort_as_tracrs():
    """Spaces and joins order their directions as tracr's `__lt__` does, where the keys compare and
    where they do not (ints and strings under one name: tracr compares those by their text)."""
    rng = random.Random(2)
    values = [None, 0, 1, 2, 5, -1, 0.5, True, "a", "b", "BOS", (1, 0), (2, 1)]
    for _ in range(200):
        pool = [bases.BasisDirection(rng.choice(["x", "y", "one", "_h_"]), rng.choice(values)) for _ in range(8)]
        spaces = [bases.VectorSpaceWithBasis(rng.sample(pool, rng.randint(0, 5))) for _ in range(3)]
        built = []
        for fast in (False, True):
            with craft_fast.installed(fast):
                built.append([[(d.name, repr(d.value)) for d in space.basis]  # 1 and True told apart
                              for space in (bases.VectorSpaceWithBasis(list(pool)), bases.join_vector_spaces(*spaces))])
        assert built[0] == built[1]


@pytest.mark.parametrize("recipe", ["small", "mixed"])
def test_compiled_nets_are_the_same_bytes(recipe):
    """Whole compiles of generated programs (selector widths, numerical maps, sequence maps) give
    the very bytes tracr's own blocks give."""
    unit, programs, _ = draw_unit(load_recipe(recipe), 3, 24, ("craft_fast",), keep_nets=False)
    vocab, max_seq_len = set(unit.generator.vocab), unit.generator.max_seq_len
    for program in programs:
        with craft_fast.installed(False):
            theirs = compiler.compile_program(program, vocab, max_seq_len).to_bytes()
        assert compiler.compile_program(program, vocab, max_seq_len).to_bytes() == theirs, program.source
