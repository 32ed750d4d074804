"""Weight heatmaps of a network, labelled with its residual stream (needs matplotlib)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def pyplot():
    """matplotlib's pyplot on a file backend, or one clear error when it is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("plotting needs matplotlib: pip install 'rasp-fountain[plot]'") from None
    return plt


def plot_weights(net, path: str | Path) -> Path:
    """One row per layer: attention read (Q, K, V) and write (O), MLP read and write, each a
    heatmap over the residual stream; embeddings and unembedding in the first row."""
    plt = pyplot()
    rows = [[("token_embed", net.params["token_embed/embeddings"]),
             ("pos_embed", net.params["pos_embed/embeddings"]), ("W_U", net.W_U.T)]]
    for layer in range(net.config.n_layers):
        prefix = f"transformer/layer_{layer}"
        rows.append([(f"L{layer} {name}", net.params[f"{prefix}/{key}/w"].T if read else net.params[f"{prefix}/{key}/w"])
                     for name, key, read in (("W_Q", "attn/query", True), ("W_K", "attn/key", True),
                                             ("W_V", "attn/value", True), ("W_O", "attn/linear", False),
                                             ("W_in", "mlp/linear_1", True), ("W_out", "mlp/linear_2", False))])
    columns = max(len(r) for r in rows)
    figure, axes = plt.subplots(len(rows), columns, figsize=(3.2 * columns, 2.6 * len(rows)), squeeze=False)
    for row, panels in zip(axes, rows):
        for axis in row[len(panels):]:
            axis.axis("off")
        for axis, (title, matrix) in zip(row, panels):
            limit = float(np.abs(matrix).max()) or 1.0
            axis.imshow(matrix, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest")
            axis.set_title(title, fontsize=8)
            axis.set_xticks([])
            axis.set_yticks([])
    figure.suptitle(f"columns: residual stream ({net.config.d_model}); rows: embedding, then one row per layer",
                    fontsize=9)
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
