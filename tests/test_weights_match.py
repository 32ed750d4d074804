"""Weights-only matching (`interpreter.weights_match`): candidates compiled and compared with the net
in the encoder's terms, edited while the match improves, without running the net."""

import itertools
import time

import pytest

import compiler
from compiler.nets.net import Net
from interpreter.encoding import EncoderConfig, EncodingError, encode_net
from interpreter.search import Library
from interpreter.weights_match import (
    _best,
    _edits,
    _generator_log_odds,
    _refits,
    _Scorer,
    _spellings,
    match,
    same_weights,
    similarity,
    token_bag,
)

ENCODER = EncoderConfig()
SOURCE = """v1 = map(lambda x: x + 2, tokens)
v2 = select(indices, indices, LEQ)
v3 = numerical aggregate(v2, numerical map(lambda x: 1 if x > 3 else 0, v1), default=0)
return v3
"""


@pytest.fixture(scope="module")
def net():
    return compiler.compile_program(SOURCE, {1, 2, 3, 4}, 5)


@pytest.fixture
def no_run(monkeypatch):
    """Matching reads the net's weights only: running it on inputs fails the test (compile still
    checks a candidate's own net against the candidate where it must). Returns the set of nets
    to guard."""
    guarded = []
    for name in ("output_rows", "residual"):
        method = getattr(Net, name)

        def refuse(self, *args, method=method, **kwargs):
            if any(self is net for net in guarded):
                raise AssertionError("weights-only matching ran the net on inputs")
            return method(self, *args, **kwargs)
        monkeypatch.setattr(Net, name, refuse)
    return guarded


def test_a_nets_own_program_and_its_scramble_match_it_whole(net):
    own = token_bag(encode_net(compiler.compile_program(SOURCE, {1, 2, 3, 4}, 5), ENCODER))
    assert similarity(own, token_bag(encode_net(net, ENCODER))) == 1.0
    scrambled = token_bag(encode_net(compiler.scramble(net, seed=5), ENCODER))
    assert similarity(own, scrambled) > 0.95  # the circuit encoder reads a scramble as its twin, to rounding
    other = compiler.compile_program(SOURCE.replace("x + 2", "x + 1"), {1, 2, 3, 4}, 5)
    assert similarity(own, token_bag(encode_net(other, ENCODER))) < 0.95


def _same_function(a: str, b: str) -> bool:
    """The two programs give the same outputs on every input (the reference semantics, no net run)."""
    inputs = [list(xs) for n in range(1, 6) for xs in itertools.product([1, 2, 3, 4], repeat=n)]
    return all(compiler.evaluate(compiler.parse(a), xs) == compiler.evaluate(compiler.parse(b), xs) for xs in inputs)


def test_a_wrong_function_and_a_wrong_input_are_edited_back(net, no_run):
    # a categorical var's values are directions, not names, in the weights: `map(x + 1)` then `x > 2`
    # matches as well as `map(x + 2)` then `x > 3`, so a whole match is the net's function up to
    # relabelling its intermediate values
    wrong_function = SOURCE.replace("x > 3", "x > 2")
    wrong_input = SOURCE.replace("select(indices, indices, LEQ)", "select(tokens, indices, LEQ)")
    encoded = encode_net(net, ENCODER)
    scrambled = compiler.scramble(net, seed=2)
    no_run += [net, scrambled]
    for text in (wrong_function, wrong_input):
        matched = match(net, [text], encoded, ENCODER, time.monotonic() + 60)
        assert matched.similarity == 1.0 and matched.beam_similarity < 1.0
        assert _same_function(matched.source, SOURCE)
    matched = match(scrambled, [wrong_function], encode_net(scrambled, ENCODER), ENCODER, time.monotonic() + 60)
    assert matched.similarity > 0.95 and _same_function(matched.source, SOURCE)


def test_the_best_beam_is_kept_when_no_edit_helps_or_time_is_up(net, no_run):
    no_run.append(net)
    encoded = encode_net(net, ENCODER)
    right = match(net, ["this is not a program", SOURCE], encoded, ENCODER, time.monotonic() + 60)
    assert right.similarity == right.beam_similarity == 1.0 and right.candidates == 1
    late = match(net, [SOURCE.replace("x > 3", "x > 2")], encoded, ENCODER, time.monotonic() - 1)
    assert late.similarity == late.beam_similarity < 1.0 and late.candidates == 1
    nothing = match(net, ["not a program"], encoded, ENCODER, time.monotonic() + 60)
    assert nothing.source == "" and nothing.candidates == 0


def test_the_model_chooses_among_programs_that_match_equally(net, no_run):
    no_run.append(net)
    canonical = compiler.parse(SOURCE).source
    wrong = SOURCE.replace("x > 3", "x > 2")
    chosen = match(net, [wrong], encode_net(net, ENCODER), ENCODER, time.monotonic() + 60,
                   prefer=lambda texts: [float(text == canonical) for text in texts])
    # the weights read only which values differ: `x * x` spells the first line as well as `x + 2`,
    # and so does `x` with the line reading it refitted (`x != 1` of the tokens for `x > 3` of
    # `x + 2`); the generator draws these more often (templates without a constant)
    assert chosen.similarity == 1.0 and same_weights(chosen.source, SOURCE, net)
    domain = ((1, 2, 3, 4), 5, False)
    assert _generator_log_odds(compiler.parse(chosen.source), domain) > _generator_log_odds(compiler.parse(SOURCE),
                                                                                            domain)
    assert "x + 2" not in chosen.source
    least = "v1 = map(lambda x: min(x, 2), tokens)\nreturn v1\n"
    other = "v1 = map(lambda x: x if x < 2 else 2, tokens)\nreturn v1\n"
    small = compiler.compile_program(least, {1, 2, 3, 4}, 5)
    no_run.append(small)
    for beam, liked in ((least, other), (other, least)):  # as likely to the generator: the model chooses
        liked = compiler.parse(liked).source
        chosen = match(small, [beam], encode_net(small, ENCODER), ENCODER, time.monotonic() + 60,
                       prefer=lambda texts: [float(text == liked) for text in texts])
        assert chosen.similarity == 1.0 and chosen.source == liked


def test_the_generators_likelier_spelling_wins_over_the_models(no_run):
    """Programs that compile alike cannot be told apart by a model reading their net: `x` is
    drawn more often than `x + 0`, a select read twice more often than two equal selects."""
    for source, likelier in (("v1 = map(lambda x: x + 0, tokens)\nv2 = map(lambda x: x - 1, v1)\nreturn v2\n",
                              "v1 = map(lambda x: x, tokens)\nv2 = map(lambda x: x - 1, v1)\nreturn v2\n"),
                             ("v1 = select(indices, tokens, EQ)\nv2 = selector_width(v1)\n"
                              "v3 = select(indices, tokens, EQ)\nv4 = selector_width(v3)\n"
                              "v5 = sequence_map(lambda x, y: x + y, v2, v4)\nreturn v5\n",
                              "v1 = select(indices, tokens, EQ)\nv2 = selector_width(v1)\nv3 = selector_width(v1)\n"
                              "v4 = sequence_map(lambda x, y: x + y, v2, v3)\nreturn v4\n")):
        net = compiler.compile_program(source, {1, 2, 3, 4}, 5)
        no_run.append(net)
        written = compiler.parse(source).source
        chosen = match(net, [source], encode_net(net, ENCODER), ENCODER, time.monotonic() + 60,
                       prefer=lambda texts: [float(text == written) for text in texts])
        assert chosen.similarity == 1.0 and chosen.source == compiler.parse(likelier).source
        assert same_weights(chosen.source, source, net)


def test_a_relabelled_line_is_spelled_as_the_generator_likelier_draws_it(no_run):
    """A categorical line's values are labels the weights do not show: a table naming the words
    False and "on", read by `x == y`, compiles as `x != "it"` read by `x > y` does. The renaming is
    tried (`_relabellings`: the line as each template that parts its arguments alike, each reader
    refitted), and the generator's likelier spelling, the templates, is chosen."""
    table = ('v1 = map({"dog": False, "it": "on", "on": False, "the": False}, tokens)\n'
             "v2 = sequence_map(lambda x, y: x == y, v1, indices)\n")
    templates = 'v1 = map(lambda x: x != "it", tokens)\nv2 = sequence_map(lambda x, y: x > y, v1, indices)\n'
    tail = "v3 = select(indices, v2, EQ)\nv4 = aggregate(v3, tokens)\nreturn v4\n"
    vocab = {"dog", "it", "on", "the"}
    net = compiler.compile_program(templates + tail, vocab, 5)
    no_run.append(net)
    domain = (tuple(sorted(vocab)), 5, False)
    assert compiler.parse(templates + tail).source in {p.source for p in _spellings(compiler.parse(table + tail),
                                                                                     domain)}
    assert same_weights(table + tail, templates + tail, net)
    chosen = match(net, [table + tail], encode_net(net, ENCODER), ENCODER, time.monotonic() + 60,
                   prefer=lambda texts: [0.0] * len(texts))
    assert chosen.similarity == 1.0 and chosen.source == compiler.parse(templates + tail).source


def test_a_pair_of_edits_reaches_what_no_single_edit_does(no_run):
    """An aggregate reading another var changes the values its reader's function sees: the
    aggregate's input and the reader's function must change together (`_refits`). (With LEQ the
    width reached past the input's last position and the numerical map read a None, which compile
    now refuses: LT's width is always a position.)"""
    source = ("v1 = select(tokens, tokens, LT)\nv2 = selector_width(v1)\nv3 = select(indices, v2, EQ)\n"
              "v4 = aggregate(v3, v2)\nv5 = numerical map(lambda x: x == 2, v4)\nreturn v5\n")
    beam = compiler.parse(source.replace("aggregate(v3, v2)", "aggregate(v3, tokens)").replace("x == 2", "not x"))
    net = compiler.compile_program(source, {1, 2, 3, 4}, 5)
    no_run.append(net)
    score = _Scorer(net, encode_net(net, ENCODER), ENCODER)
    library = Library()
    library.add_program(beam, "model")
    library.add_grammar()
    _, single = _best(_edits(beam, library), score, score(beam), time.monotonic() + 60)
    assert single < 1.0
    paired, paired_score = _refits(beam, score(beam), score, library, time.monotonic() + 60)
    assert paired_score == 1.0 and paired.source == compiler.parse(source).source


def test_same_weights_is_weights_equal_up_to_order():
    source = "v1 = sequence_map(lambda x, y: x + y, tokens, indices)\nv2 = map(lambda x: min(x, 3), v1)\nreturn v2\n"
    net = compiler.compile_program(source, {1, 2, 3, 4}, 5)
    swapped = ("v1 = sequence_map(lambda x, y: x + y, indices, tokens)\n"
               "v2 = map(lambda x: x if x < 3 else 3, v1)\nreturn v2\n")
    assert same_weights(swapped, source, net)
    assert not same_weights(source.replace("min(x, 3)", "min(x, 4)"), source, net)  # another output value
    assert not same_weights(source.replace("x + y", "x - y"), source, net)
    assert not same_weights("v1 = map(lambda x: x + 1, nowhere)\nreturn v1\n", source, net)  # does not compile
    spelled = {p.source for p in _spellings(compiler.parse(source), ((1, 2, 3, 4), 5, False))}
    assert compiler.parse(swapped).source in spelled


def test_log_likelihoods_are_the_beams_own_scores():
    from interpreter.checkpoint import default_checkpoint
    from interpreter.decode import load_interpreter, log_likelihoods, search_all

    model = load_interpreter(default_checkpoint())
    net = compiler.compile_program(SOURCE, {1, 2, 3, 4}, 5)
    encoded = encode_net(net, model.config.encoder)
    beams = [b for b in search_all(model, encoded, beam_size=3) if not b.truncated]
    assert beams
    got = log_likelihoods(model, encoded, [b.text for b in beams] + ["v1 = map(lambda x: x + 1, tokens)\n" * 300])
    assert got[:-1] == pytest.approx([b.score for b in beams], abs=1e-3) and got[-1] == float("-inf")


def test_a_linear_sequence_maps_factors_are_edited_back(no_run):
    source = ("v1 = numerical map(lambda x: x + 1, tokens)\n"
              "v2 = numerical map(lambda x: x, indices)\n"
              "v3 = numerical linear_sequence_map(v1, v2, 2, -1)\n"
              "return v3\n")
    net = compiler.compile_program(source, {1, 2, 3}, 4)
    no_run.append(net)
    matched = match(net, [source.replace("2, -1)", "1, 1)")], encode_net(net, ENCODER), ENCODER, time.monotonic() + 60)
    assert matched.similarity == 1.0 and "2, -1)" in matched.source


def _matched(source: str, start: str, vocab, max_seq_len: int, no_run: list):
    net = compiler.compile_program(source, vocab, max_seq_len)
    no_run.append(net)
    return match(net, [start], encode_net(net, ENCODER), ENCODER, time.monotonic() + 60)


def test_output_values_are_compared_exactly():
    # the encoder reads a string by its length and first letter, and rounds numbers; the matcher may not
    a, b = (compiler.compile_program('v1 = map({1: "ab", 2: "%s", 3: "ab"}, tokens)\nreturn v1\n' % word, {1, 2, 3}, 4)
            for word in ("ac", "ad"))
    assert similarity(token_bag(encode_net(a, ENCODER)), token_bag(encode_net(b, ENCODER))) == 1.0  # the encoder's view
    assert similarity(token_bag(encode_net(a, ENCODER), net=a), token_bag(encode_net(b, ENCODER), net=b)) < 1.0


def test_a_tables_values_are_renamed(no_run):
    # the weights hold the parity; the net's output values, read exactly, name its classes
    source = ('v1 = select(tokens, tokens, LEQ)\nv2 = selector_width(v1)\n'
              'v3 = map({0: "a", 1: "b", 2: "a", 3: "b", 4: "a"}, v2)\nreturn v3\n')
    matched = _matched(source, source.replace('{0: "a", 1: "b", 2: "a", 3: "b", 4: "a"}', "lambda x: x % 2 == 0"),
                       {1, 2, 3, 4}, 4, no_run)
    assert matched.similarity == 1.0 and matched.source == compiler.parse(source).source


def test_a_constant_the_library_lacks_is_taken_from_the_lines_input(no_run):
    source = "v1 = map(lambda x: x - 8, tokens)\nreturn v1\n"
    matched = _matched(source, source.replace("x - 8", "x - 1"), {7, 8, 9}, 4, no_run)
    assert matched.similarity == 1.0 and matched.source == compiler.parse(source).source


def test_a_line_the_net_lacks_is_left_out(no_run):
    source = "v1 = select(tokens, tokens, LT)\nv2 = selector_width(v1)\nreturn v2\n"
    extra = ("v1 = map(lambda x: x * x, tokens)\nv2 = select(v1, v1, LT)\nv3 = selector_width(v2)\n"
             "v4 = map(lambda x: x + 1, v3)\nv5 = map(lambda x: x - 1, v4)\nreturn v5\n")
    matched = _matched(source, extra, {1, 2, 3}, 4, no_run)
    assert matched.similarity == 1.0 and compiler.parse(matched.source).op_count == 2


def test_programs_whose_functions_agree_on_their_values_are_compiled_once(no_run):
    from compiler.language.values import ValueSets
    from interpreter.weights_match import _tabulated

    values = ValueSets({1, 2, 3, 4, 5}, 5)
    one, other, third = (compiler.parse(f"v1 = map(lambda x: {body}, tokens)\nv2 = select(v1, v1, EQ)\n"
                                        "v3 = selector_width(v2)\nreturn v3\n")
                         for body in ("x > 3", "x >= 4", "x > 2"))
    assert _tabulated(one, values) == _tabulated(other, values) != _tabulated(third, values)
    matched = _matched(one.source, third.source, {1, 2, 3, 4, 5}, 5, no_run)
    assert matched.similarity == 1.0 and 0 < matched.compiled < matched.candidates


def test_a_last_line_the_reading_lacks_is_added(no_run):
    source = ("v1 = select(tokens, tokens, LT)\nv2 = selector_width(v1)\n"
              "v3 = sequence_map(lambda x, y: x - y, v2, indices)\nreturn v3\n")
    short = "v1 = select(tokens, tokens, LT)\nv2 = selector_width(v1)\nreturn v2\n"
    matched = _matched(source, short, {1, 2, 3}, 4, no_run)
    assert matched.similarity == 1.0 and matched.source == compiler.parse(source).source


def test_the_matching_encoder_gives_the_models_tokens_without_its_limits(net):
    from interpreter.weights_match import matching_encoder

    for each in (net, compiler.scramble(net, seed=3)):
        ours, models = encode_net(each, matching_encoder(ENCODER)), encode_net(each, ENCODER)
        assert (ours.tags == models.tags).all() and (ours.values == models.values).all()
    with pytest.raises(EncodingError, match="more than 3 tokens"):
        encode_net(net, EncoderConfig(max_tokens=3))
    assert len(encode_net(net, matching_encoder(EncoderConfig(max_tokens=3)))) == len(encode_net(net, ENCODER))


def test_a_net_stock_tracr_built_matches_its_own_program_whole():
    """A table reading a width has margined neurons when this compiler builds it, tracr's own when
    stock tracr does (or this compiler before the margin): the scorer scores a candidate both ways,
    so the net's own program matches it whole either way, and a wrong table does not."""
    from tracr.compiler import compiling

    from compiler.compiling.blocks import tracr_neurons

    source = """v1 = selector_width(select(tokens, tokens, EQ))
v2 = sequence_map(lambda x, y: x + y, v1, tokens)
return v2
"""
    ours = compiler.compile_program(source, {1, 2, 3}, 4)
    assert ours.provenance["margined_sequence_maps"]
    program = compiler.parse(source)
    model = compiling.compile_rasp_to_model(program.sop, {1, 2, 3}, 4, compiler_bos="BOS", compiler_pad="PAD",
                                            mlp_exactness=ours.provenance["mlp_exactness"])
    stock = Net.from_tracr(model, program.sop)
    with tracr_neurons():
        plain = compiler.compile_program(source, {1, 2, 3}, 4)
    assert "margined_sequence_maps" not in plain.provenance
    for net in (ours, stock, plain):
        score = _Scorer(net, encode_net(net, ENCODER), ENCODER)
        assert score(program) == 1.0
        assert score(compiler.parse(source.replace("x + y", "x * y"))) < 1.0
    # without the second build a stock net's own program is not matched whole
    alone = similarity(token_bag(encode_net(stock, ENCODER), net=stock), token_bag(encode_net(ours, ENCODER), net=ours))
    assert alone < 1.0
