"""What a sample of programs looks like: op kinds, sizes, depths, and their networks' shapes."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Sequence

from compiler import program as prog

#: Per-program quantities summarised by `fountain sample --stats`.
QUANTITIES = ("ops", "depth", "layers", "residual width", "MLP size")


def depth(program: prog.Program) -> int:
    """Operations on the longest path from an input to the output (selectors included)."""
    longest: dict[int, int] = {}
    for node in prog.postorder(program.output):
        inner = [longest[id(c)] for c in node.children]
        longest[id(node)] = (0 if isinstance(node, prog.Primitive) else 1) + max(inner, default=0)
    return longest[id(program.output)]


def program_stats(program: prog.Program, net=None) -> dict:
    """Numbers describing one program, and its compiled network when given."""
    row = {"ops": program.op_count, "depth": depth(program),
           "kinds": collections.Counter(_kind(n) for n in program.nodes)}
    if net is not None:
        row.update({"layers": net.config.n_layers, "residual width": net.config.d_model,
                    "MLP size": net.config.d_mlp})
    return row


def _kind(node: prog.Node) -> str:
    if isinstance(node, prog.SOpNode) and node.encoding == prog.NUMERICAL:
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
    """Histograms of every quantity and a bar chart of op kinds, written to `path` (PNG)."""
    from compiler.plots import pyplot

    plt = pyplot()
    quantities = [q for q in QUANTITIES if any(q in r for r in rows)]
    figure, axes = plt.subplots(1, len(quantities) + 1, figsize=(4 * (len(quantities) + 1), 3.2))
    for axis, quantity in zip(axes, quantities):
        values = [r[quantity] for r in rows if quantity in r]
        low, high = min(values), max(values)
        bins = range(low, high + 2) if high - low <= 30 else 30
        axis.hist(values, bins=bins, color="#4c72b0", align="left" if high - low <= 30 else "mid")
        axis.set_title(quantity)
    kinds = collections.Counter()
    for row in rows:
        kinds.update(row["kinds"])
    names = [k for k, _ in kinds.most_common()]
    axes[-1].barh(names, [kinds[k] for k in names], color="#55a868")
    axes[-1].set_title("operation kinds")
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
