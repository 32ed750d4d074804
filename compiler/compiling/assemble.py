"""The last pass: tracr's craft model to a `Net`'s weights, in numpy.

Mirrors tracr's `craft_model_to_transformer` + `assemble` (same parameter names and values, same
residual labels, same token ids) without Haiku or jax, so assembling takes milliseconds. Two
differences, both where tracr's own assembly is wrong or fails:

* Attention too soft in wide heads. tracr's softmax coldness is fixed (100) while logits are
  divided by sqrt(d_head), so in a wide model (large vocab or many values) BOS keeps
  ~e^(-50/sqrt(d_head)) of an Aggregate's attention: a numerical mean is off by 1% at d_head 120.
  A head's queries are scaled up until at most 1e-5 of the attention goes astray for
  SelectorWidth and categorical Aggregates, and until a numerical Aggregate's mean is within 1e-5
  of its value (`attention_margins`: what goes astray weighted by the values; where a select may
  choose no key, every unselected key's share against BOS: a mean of 500s read 0.011 for the
  default 0); tracr's own weights do that up to d_head ~19 for 0/1 values. A categorical
  Aggregate's one-hot output shrinks by what goes astray, and a SelectorWidth
  reading shrunk one-hots misjudges its width: with 1e-3 astray a select on an aggregated word
  read 14 for 15 at max_seq_len 15 (d_head 52). `check_width_reads` bounds that error and
  refuses a net where it could change a width.
* Value projections wider than tracr's key size crash tracr's assembly; heads are sized by
  max(query/key width, value width), which equals tracr's size whenever tracr succeeds.
"""

from __future__ import annotations

import collections
import math
from typing import Callable

import networkx as nx
import numpy as np
from tracr.compiler import nodes
from tracr.craft import bases, transformers
from tracr.rasp import rasp

from compiler.compiling.arguments import CATEGORICAL_LEAK, MAX_PARAMETERS, NUMERICAL_LEAK, is_encodable
from compiler.compiling.blocks import MARGIN, largest_magnitude
from compiler.errors import CompileError
from compiler.nets.config import NetConfig
from compiler.nets.net import Net


class OverLimitError(CompileError):
    """A net over `MAX_PARAMETERS` weights (built from the value sets in the graph: compile may
    build it again from narrower ones)."""


# tracr's attention logits before the 1/sqrt(d_head) scaling: a selected key beats BOS by 50 in
# an Aggregate and an unselected key by 100 in a SelectorWidth (where BOS is always attended)
_TRACR_AGGREGATE_MARGIN, _TRACR_WIDTH_MARGIN = 50.0, 100.0


def attention_margins(graph: nx.DiGraph, max_seq_len: int,
                      always_selects: Callable[[rasp.Selector], bool] = lambda select: False
                      ) -> dict[int, tuple[float, float]]:
    """For each attention head (by id): tracr's logit margin, and the margin it needs.

    A margin m lets a fraction e^-m of the attention go astray (to BOS in an Aggregate, to
    each of up to max_seq_len unselected keys in a SelectorWidth). A numerical Aggregate's margin
    keeps its mean within NUMERICAL_LEAK of its value, whatever the values it averages: BOS keeps
    e^-m of it against the selected keys and each unselected key e^-2m, and where the select may
    choose no key (`always_selects` does not show it always chooses one) each unselected key
    keeps e^-m against BOS, weighted by its value.
    """
    margins = {}
    for node in graph.nodes.values():
        expr, block = node[nodes.EXPR], node.get(nodes.MODEL_BLOCK)
        if isinstance(expr, rasp.Aggregate) and rasp.is_numerical(expr):
            # a mean of 500s read 0.011 for its default 0 at tracr's margin of 12.5 where no key was
            # selected (the thirty-second hand-written set's s13): the share astray counts times
            # the values, and over every unselected key
            largest = max(1.0, largest_magnitude(graph.nodes[expr.sop.label].get(nodes.VALUE_SET, ())))
            if always_selects(expr.selector):
                needed = max(math.log(largest / NUMERICAL_LEAK),
                             math.log(max_seq_len * largest / NUMERICAL_LEAK) / 2)
            else:
                needed = math.log(max_seq_len * largest / NUMERICAL_LEAK)
            margins[id(block)] = (_TRACR_AGGREGATE_MARGIN, needed)
        elif isinstance(expr, rasp.Aggregate):
            margins[id(block)] = (_TRACR_AGGREGATE_MARGIN, math.log(1 / CATEGORICAL_LEAK))
        elif isinstance(expr, rasp.SelectorWidth):
            margins[id(block.blocks[0])] = (_TRACR_WIDTH_MARGIN,
                                            math.log(max_seq_len / NUMERICAL_LEAK))
    return margins


def one_hot_errors(graph: nx.DiGraph, built: dict[int, float],
                   margined: frozenset[str] = frozenset()) -> dict[str, float]:
    """For each categorical S-Op, a bound on how far short of 1 its one-hot direction can be.

    Tokens, indices and MLP steps from numbers are exact; a Map passes its input's shortfall on,
    a SequenceMap (ReLU(a + b - 1)) the sum of its two, one in `margined` (ReLU(a + b - 1 - M) /
    (1 - M), `compiler.compiling.blocks.MARGIN`) the sum over 1 - M; an Aggregate adds what its
    head lets go to BOS (e^-margin), whose margin its own query and key shortfalls narrow.
    `built`: each head's margin as built (by the id of its craft block).
    """
    error: dict[str, float] = {}
    for label in nx.topological_sort(graph):
        node = graph.nodes[label]
        expr = node[nodes.EXPR]
        if not isinstance(expr, rasp.SOp) or not rasp.is_categorical(expr):
            continue
        if isinstance(expr, rasp.Map):
            error[label] = error.get(expr.inner.label, 0.0)
        elif isinstance(expr, rasp.SequenceMap):
            error[label] = error.get(expr.fst.label, 0.0) + error.get(expr.snd.label, 0.0)
            if label in margined:
                error[label] /= 1 - MARGIN
        elif isinstance(expr, rasp.Aggregate) and id(node.get(nodes.MODEL_BLOCK)) in built:
            # selected keys score 100 (1 - query and key shortfalls), BOS 50: the margin shrinks by
            # twice their shortfall in tracr's units
            margin = built[id(node[nodes.MODEL_BLOCK])] * (1 - 2 * _selector_error(expr.selector, error))
            error[label] = error.get(expr.sop.label, 0.0) + math.exp(-max(margin, 0.0))
        else:
            error[label] = 0.0
    return error


def _selector_error(selector: rasp.Selector, error: dict[str, float]) -> float:
    if isinstance(selector, rasp.Select):
        return error.get(selector.queries.label, 0.0) + error.get(selector.keys.label, 0.0)
    return sum(_selector_error(child, error) if isinstance(child, rasp.Selector) else error.get(child.label, 0.0)
               for child in selector.children)


def check_width_reads(graph: nx.DiGraph, built: dict[int, float], max_seq_len: int,
                      mlp_exactness: float, margined: frozenset[str] = frozenset()) -> None:
    """Refuses a SelectorWidth whose width could be misread.

    Its head writes BOS's attention weight 1/(w + 1) and its MLP steps (sharpness `mlp_exactness`,
    at the midpoints between the weights of widths that can occur) read w back. A selected key
    scores m(1 - e) against BOS's m, where e is the query's and key's one-hot shortfall
    (`one_hot_errors`), and an unselected one m less: the weight can rise to 1/(1 + w e^(-m e)) and
    fall to 1/(1 + w + max_seq_len e^-m). Both must stay on the side of each step that gives w.
    """
    error = one_hot_errors(graph, built, margined)
    for label in graph.nodes:
        node = graph.nodes[label]
        expr = node[nodes.EXPR]
        if not isinstance(expr, rasp.SelectorWidth):
            continue
        block = node.get(nodes.MODEL_BLOCK)
        if block is None or id(block.blocks[0]) not in built:
            continue
        margin = built[id(block.blocks[0])]
        shortfall = _selector_error(expr.selector, error)
        widths = sorted(w for w in node[nodes.VALUE_SET] if isinstance(w, int) and 0 <= w <= max_seq_len)
        points = [1 / (w + 1) for w in widths]  # falling as w rises
        for i, w in enumerate(widths):
            high = 1 / (1 + w * math.exp(-margin * shortfall))
            low = 1 / (1 + w + max_seq_len * math.exp(-margin))
            if i > 0:  # the step up to width widths[i - 1] must stay off
                step = (points[i] + points[i - 1]) / 2
                if high > step - 1 / mlp_exactness:
                    raise CompileError(_misread(label, w, widths[i - 1], shortfall, max_seq_len))
            if i + 1 < len(widths):  # the step up to w must be taken in full
                step = (points[i] + points[i + 1]) / 2
                if low < step:
                    raise CompileError(_misread(label, w, widths[i + 1], shortfall, max_seq_len))


def _misread(label: str, width: int, read: int, shortfall: float, max_seq_len: int) -> str:
    return (f"{label}: selector_width could read a width of {width} as {read}: its select compares values "
            f"that earlier attention layers leave up to {shortfall:.1e} short of exact, and at widths up to "
            f"{max_seq_len} the attention weight it reads the width from cannot absorb that; use a smaller "
            "max_seq_len or vocabulary, or select on tokens or indices directly")


def _widest(graph, residual) -> str:
    """"x: " and what makes a net too big: the line whose MLP is the widest (tracr gives a table a
    hidden neuron per pair of its inputs' values) and the lines taking most of the residual width
    (a categorical line takes a dimension per value), so that the refusal says where to make
    values fewer."""
    def width(block) -> int:
        if isinstance(block, transformers.MLP):
            return block.fst.output_space.num_dims
        return sum(width(inner) for inner in getattr(block, "blocks", ()))
    widths = {name: width(node[nodes.MODEL_BLOCK]) for name, node in graph.nodes.items()
              if node.get(nodes.MODEL_BLOCK) is not None}
    dims = collections.Counter(direction.name for direction in residual.basis)
    largest = ", ".join(f"{name} {count:,}" for name, count in dims.most_common(3))
    label = max(widths, key=widths.get, default=None)
    if label is None or not widths[label]:
        return f"the residual stream's widest lines are {largest}; "
    return (f"{label}: its MLP is the net's widest ({widths[label]:,} hidden neurons); the residual stream's widest "
            f"lines are {largest}; ")


def assemble(craft_model, graph, sink, vocab, max_seq_len, bos, pad, causal, margins,
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
    width = n_heads * d_head
    weights = (len(tokens_space.basis) + max_seq_len + 1) * d_model + config.n_layers * (
        4 * d_model * width + 2 * d_model * d_mlp)
    if weights > MAX_PARAMETERS:
        raise OverLimitError(f"{_widest(graph, residual)}the net would have {weights:,} weights "
                           f"({config.n_layers} layers, residual width {d_model:,}, MLP width {d_mlp:,}, {n_heads} "
                           f"heads of {d_head}), over the limit of {MAX_PARAMETERS:,}; give the widest lines fewer "
                           "values (a table's output, a map's input) or use a smaller vocabulary or max_seq_len")
    # logits are divided by sqrt(d_head), so a wide head can let attention go astray; its
    # queries are scaled up until the margin is wide enough (1 for tracr's usual sizes)
    sharpening = {}
    for head in all_heads:
        tracr_margin, needed = margins[id(head)]
        sharpening[id(head)] = max(1.0, math.sqrt(d_head) * needed / tracr_margin)
    provenance = dict(provenance, attention_sharpening=max(sharpening.values(), default=1.0))
    # each head's margin as built: tracr's, sharpened, over sqrt(d_head)
    built = {key: tracr_margin * sharpening[key] / math.sqrt(d_head)
             for key, (tracr_margin, _) in margins.items() if key in sharpening}
    check_width_reads(graph, built, max_seq_len, provenance["mlp_exactness"],
                      frozenset(provenance.get("margined_sequence_maps", ())))

    token_embed = _projection(tokens_space, residual)
    one = bases.BasisDirection("one")
    if one in residual:  # every position carries a constant 1 in the "one" direction
        token_embed[:, residual.index_by_direction[one]] = 1.0
    # the zeroth (BOS) position has no positional embedding
    pos_embed = np.concatenate([np.zeros((1, d_model)), _projection(indices_space, residual)])
    params = {"token_embed/embeddings": token_embed, "pos_embed/embeddings": pos_embed}
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
    if categorical and not all(is_encodable(v) for v in output_values):
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


def _projection(from_space: bases.VectorSpaceWithBasis,
                to_space: bases.VectorSpaceWithBasis) -> np.ndarray:
    """Matrix of vectorspace_fns.project(from_space, to_space), built by index lookup: the smaller
    space's directions looked up in the larger's index (the residual's, kept on it by tracr, is
    made once for all the projections of a net)."""
    matrix = np.zeros((from_space.num_dims, to_space.num_dims))
    if from_space.num_dims >= to_space.num_dims:
        rows = from_space.index_by_direction
        for j, direction in enumerate(to_space.basis):
            i = rows.get(direction)
            if i is not None:
                matrix[i, j] = 1.0
    else:
        columns = to_space.index_by_direction
        for i, direction in enumerate(from_space.basis):
            j = columns.get(direction)
            if j is not None:
                matrix[i, j] = 1.0
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
