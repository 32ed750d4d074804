"""Weight heatmaps of a network, labelled with its residual stream (needs matplotlib)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from compiler.nets.weights import param_name


def save_figure(figure, path: str | Path, dpi: int = 110) -> Path:
    """Writes `figure` to `path` as PNG (whole or not at all) and closes it."""
    from compiler.files import write_atomically

    try:
        return write_atomically(path, lambda f: figure.savefig(f, format="png", dpi=dpi))
    finally:
        pyplot().close(figure)


def pyplot():
    """matplotlib's pyplot on a file backend, or one clear error when it is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("plotting needs matplotlib: pip install 'rasp-fountain[plot]'") from None
    return plt


#: Most tick labels on one axis; longer axes label every k-th entry.
MAX_TICKS = 40


def ticks(axis_set, labels: list[str], fontsize: float) -> None:
    """Labels an axis (`axis.set_xticks`-like setter pair) with `labels`, thinned to MAX_TICKS."""
    set_ticks, set_labels = axis_set
    step = max(1, -(-len(labels) // MAX_TICKS))
    set_ticks(range(0, len(labels), step))
    set_labels(labels[::step], fontsize=fontsize)


def plot_weights(net, path: str | Path) -> Path:
    """One row per layer: attention read (W_Q, W_K, W_V) and write (W_O), MLP read (W_in) and write
    (W_out), each a heatmap with the residual stream along x (labelled with the net's residual
    directions: `tokens:1`, `aggregate_3:2`, ... for compiled nets; r0, r1, ... for scrambled
    ones) and what reads or writes along y (tokens, positions, output values, head.dimension,
    MLP neuron); embeddings and unembedding in the first row. Each panel has its own colour scale,
    shown beside it."""
    plt = pyplot()
    c = net.config
    residual = [str(label) if len(str(label)) <= 24 else str(label)[:23] + "…" for label in net.residual_labels]
    heads = [f"h{h}.{d}" for h in range(c.n_heads) for d in range(c.d_head)]
    neurons = [str(i) for i in range(c.d_mlp)]
    outputs = ["output"] if net.output_values is None else [repr(v) for v in net.output_values]
    positions = [str(i) for i in range(net.params["pos_embed/embeddings"].shape[0])]
    rows = [[("token_embed: token", net.params["token_embed/embeddings"], [repr(t) for t in net.input_tokens]),
             ("pos_embed: position", net.params["pos_embed/embeddings"], positions),
             ("W_U (transposed): output value", net.W_U.T, outputs)]]
    for layer in range(c.n_layers):
        rows.append([(f"L{layer} {name}: {what}",  # whole layers, heads side by side
                       net.params[param_name(layer, name)].T if read else net.params[param_name(layer, name)], names)
                     for name, read, what, names in (
                         ("W_Q", True, "head.dim", heads), ("W_K", True, "head.dim", heads),
                         ("W_V", True, "head.dim", heads), ("W_O", False, "head.dim", heads),
                         ("W_in", True, "neuron", neurons), ("W_out", False, "neuron", neurons))])
    columns = max(len(r) for r in rows)
    shown = min(len(residual), MAX_TICKS)
    font = 6 if shown > 20 else 7
    longest = max(map(len, residual))
    width = max(3.6, 0.13 * shown + 1.2)
    height = max(2.8, 0.11 * min(max(len(p[2]) for r in rows for p in r), MAX_TICKS) + 0.07 * longest + 0.8)
    figure, axes = plt.subplots(len(rows), columns, figsize=(width * columns, height * len(rows)), squeeze=False)
    for row, panels in zip(axes, rows):
        for axis in row[len(panels):]:
            axis.axis("off")
        for axis, (title, matrix, names) in zip(row, panels):
            limit = float(np.abs(matrix).max()) or 1.0
            image = axis.imshow(matrix, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
            axis.set_title(title, fontsize=8)
            ticks((axis.set_xticks, axis.set_xticklabels), residual, font)
            axis.tick_params(axis="x", labelrotation=90)
            ticks((axis.set_yticks, axis.set_yticklabels), names, font)
            bar = figure.colorbar(image, ax=axis, fraction=0.05, pad=0.02)
            bar.ax.tick_params(labelsize=6)
    figure.suptitle(f"{net.provenance.get('variant', 'net')} weights: x is the residual stream "
                    f"({c.d_model} directions), "
                    "y what reads or writes it; blue positive, red negative, each panel on its own scale",
                    fontsize=9)
    figure.tight_layout()
    return save_figure(figure, path, dpi=100)
