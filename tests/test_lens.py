"""Export to TransformerLens: the same logits, with the net's own unembedding."""

import numpy as np
import pytest

import compiler

torch = pytest.importorskip("torch")
pytest.importorskip("transformer_lens")

from compiler.nets.lens import to_hooked_transformer  # noqa: E402

PROGRAMS = {
    "sort": ("s = select(tokens, tokens, LT)\nreturn aggregate(select(selector_width(s), indices, EQ), tokens)", False),
    "frac_prevs": ("a = numerical map(lambda x: x == 1, tokens)\n"
                   "return numerical aggregate(select(indices, indices, LEQ), a)", False),
    "causal_frac_prevs": ("a = numerical map(lambda x: x == 1, tokens)\n"
                          "return numerical aggregate(select(indices, indices, LEQ), a)", True),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_logits_equal_the_nets(name):
    text, causal = PROGRAMS[name]
    net = compiler.compile_program(text, vocab={1, 2, 3}, max_seq_len=5, causal=causal)
    model = to_hooked_transformer(net)
    batch = [[1, 3, 2, 2], [2, 1, 1, 3]]
    ids, _ = net.encode(batch)
    ours = net.residual(batch) @ net.W_U
    theirs = model(torch.as_tensor(ids)).detach().numpy()
    np.testing.assert_allclose(theirs, ours, atol=1e-4, rtol=1e-4)
    # The unembedding is the net's W_U, not the embedding transposed (TransformerLens #481).
    assert model.W_U.shape == net.W_U.shape
    decoded = [net.decode(row[1:]) for row in theirs]
    assert decoded == net.run(batch, backend="numpy")  # the same float32 arithmetic
