"""The craft graph's blocks allocated to layers: tracr's `craft_graph_to_model`, with the MLPs
of one layer combined by matrix blocks instead of tracr's per-direction loop.

tracr's `Linear.combine_in_parallel` builds the joint matrix one input direction at a time, each
through a Python-level vector sum over every block (a fifth of a fountain worker's time on the
`mixed` recipe). Here each block's matrix is added into the joint matrix at its rows and columns,
in the blocks' order: the same sums in the same order, so the same weights.
"""

from __future__ import annotations

import collections
from typing import Sequence

import networkx as nx
import numpy as np
from tracr.compiler import craft_graph_to_model as tracr_layers
from tracr.compiler import nodes
from tracr.craft import bases, transformers, vectorspace_fns


def craft_model(graph: nx.DiGraph, sources: Sequence) -> transformers.SeriesWithResiduals:
    """`tracr.compiler.craft_graph_to_model.craft_graph_to_model(graph, sources)`, faster."""
    layer_allocation = tracr_layers._allocate_modules_to_layers(graph, sources)
    blocks_by_layer = collections.defaultdict(list)
    spaces = []
    for node_id, layer in layer_allocation.items():
        node = graph.nodes[node_id]
        block = node.get(nodes.MODEL_BLOCK)
        if tracr_layers._node_is_residual_block(node):
            assert isinstance(block, transformers.SeriesWithResiduals) and len(block.blocks) == 2
            spaces += [block.blocks[0].residual_space, block.blocks[1].residual_space]
            blocks_by_layer[layer].append(block.blocks[0])
            blocks_by_layer[layer + 1].append(block.blocks[1])
        elif block:
            spaces.append(block.residual_space)
            blocks_by_layer[layer].append(block)
    residual_space = bases.join_vector_spaces(bases.VectorSpaceWithBasis([]), *spaces)
    model_blocks = []
    for layer, layer_blocks in sorted(blocks_by_layer.items()):
        for block in layer_blocks:
            block.residual_space = residual_space
        if not layer_blocks:
            continue
        if layer % 2 == 0:  # attention
            model_blocks.append(transformers.MultiAttentionHead(layer_blocks))
        else:
            model_blocks.append(parallel_mlp(layer_blocks))
    return transformers.SeriesWithResiduals(model_blocks)


def parallel_mlp(mlps: Sequence[transformers.MLP]) -> transformers.MLP:
    """`transformers.MLP.combine_in_parallel(mlps)`, by matrix blocks."""
    return transformers.MLP(fst=parallel_linear([mlp.fst for mlp in mlps]),
                            snd=parallel_linear([mlp.snd for mlp in mlps]), residual_space=None)


def parallel_linear(fns: Sequence[vectorspace_fns.Linear]) -> vectorspace_fns.Linear:
    """`vectorspace_fns.Linear.combine_in_parallel(fns)`: on the joint input and output spaces,
    each function's matrix added at its own directions' rows and columns, in order."""
    joint_in = bases.join_vector_spaces(*[fn.input_space for fn in fns])
    joint_out = bases.join_vector_spaces(*[fn.output_space for fn in fns])
    rows_of, columns_of = joint_in.index_by_direction, joint_out.index_by_direction
    matrix = np.zeros((joint_in.num_dims, joint_out.num_dims))
    for fn in fns:
        rows = [rows_of[d] for d in fn.input_space.basis]
        columns = [columns_of[d] for d in fn.output_space.basis]
        matrix[np.ix_(rows, columns)] += fn.matrix
    return vectorspace_fns.Linear(joint_in, joint_out, matrix)
