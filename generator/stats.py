"""What a sample of programs looks like: op kinds, sizes, depths, and their networks' shapes."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Sequence

from compiler.language import nodes
from compiler.language import program as prog

#: Per-program quantities summarised by `fountain sample --stats`.
QUANTITIES = ("ops", "depth", "layers", "residual width", "MLP size")


def depth(program: prog.Program) -> int:
    """Operations on the longest path from an input to the output (selectors included)."""
    longest: dict[int, int] = {}
    for node in nodes.postorder(program.output):
        inner = [longest[id(c)] for c in node.children]
        longest[id(node)] = (0 if isinstance(node, nodes.Primitive) else 1) + max(inner, default=0)
    return longest[id(program.output)]


def program_stats(program: prog.Program, net=None) -> dict:
    """Numbers describing one program, and its compiled network when given."""
    row = {"ops": program.op_count, "depth": depth(program),
           "kinds": collections.Counter(_kind(n) for n in program.nodes)}
    if net is not None:
        row.update({"layers": net.config.n_layers, "residual width": net.config.d_model,
                    "MLP size": net.config.d_mlp})
    return row


def _kind(node: nodes.Node) -> str:
    if isinstance(node, nodes.SOpNode) and node.encoding == nodes.NUMERICAL:
        return f"numerical {node.kind}"
    return node.kind


def summarize(rows: Sequence[dict]) -> str:
    """A text report: op-kind counts, then min / median / mean / max of each quantity."""
    kinds = collections.Counter()
    for row in rows:
        kinds.update(row["kinds"])
    total = sum(kinds.values()) or 1
    lines = [f"{len(rows)} programs, {sum(kinds.values())} operations", "", "operation kinds:"]
    for kind, count in kinds.most_common():
        lines.append(f"  {kind:32s} {count:6d}  {100 * count / total:5.1f}%")
    lines += ["", f"  {'':16s} {'min':>6s} {'median':>8s} {'mean':>8s} {'max':>6s}"]
    for quantity in QUANTITIES:
        values = sorted(row[quantity] for row in rows if quantity in row)
        if values:
            mean = sum(values) / len(values)
            lines.append(f"  {quantity:16s} {values[0]:6d} {values[len(values) // 2]:8d} {mean:8.1f} {values[-1]:6d}")
    ops = collections.Counter(row["ops"] for row in rows)
    lines += ["", "programs by op count:"]
    for count in sorted(ops):
        lines.append(f"  {count:3d} {'#' * max(1, round(60 * ops[count] / len(rows)))} {ops[count]}")
    return "\n".join(lines)


def plot(rows: Sequence[dict], path: str | Path) -> Path:
    """Histograms of every quantity (integer bins, programs counted on y) and a bar chart of
    operation kinds, written to `path` (PNG)."""
    import math

    import numpy as np
    from matplotlib.ticker import MaxNLocator

    from compiler.plots import pyplot, save_figure

    plt = pyplot()
    quantities = [q for q in QUANTITIES if any(q in r for r in rows)]
    columns = min(3, len(quantities) + 1)
    figure, axes = plt.subplots(math.ceil((len(quantities) + 1) / columns), columns,
                                figsize=(4.4 * columns, 3.3 * math.ceil((len(quantities) + 1) / columns)),
                                squeeze=False)
    panels = list(axes.flat)
    for axis, quantity in zip(panels, quantities):
        values = [r[quantity] for r in rows if quantity in r]
        low, high = min(values), max(values)
        width = max(1, math.ceil((high - low + 1) / 30))  # whole numbers per bin: no empty gaps between them
        edges = np.arange(low, high + width + 1, width) - 0.5
        axis.hist(values, bins=edges, color="#4c72b0", edgecolor="white", linewidth=0.5)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.yaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_xlabel(quantity + (f" (bins of {width})" if width > 1 else ""))
        axis.set_ylabel("programs")
        axis.set_title(f"{quantity}: {low}–{high}, median {float(np.median(values)):g} (n={len(values)})",
                       fontsize=9)
    kinds = collections.Counter()
    for row in rows:
        kinds.update(row["kinds"])
    names = [k for k, _ in kinds.most_common()][::-1]  # the commonest at the top
    kind_axis = panels[len(quantities)]
    kind_axis.barh(names, [kinds[k] for k in names], color="#55a868")
    kind_axis.set_xlabel("operations, all programs")
    kind_axis.set_title(f"operation kinds ({sum(kinds.values())} operations)", fontsize=9)
    kind_axis.tick_params(axis="y", labelsize=7)
    for axis in panels[len(quantities) + 1:]:
        axis.axis("off")
    figure.suptitle(f"{len(rows)} sampled programs", fontsize=10)
    figure.tight_layout()
    return save_figure(figure, path)
