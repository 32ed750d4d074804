"""A training run's metrics: the rows `train` logs to RUN/metrics.csv (and to TensorBoard when it
is installed), and the curves `fountain curves` plots from that file.

metrics.csv has a header of `METRIC_FIELDS` and a row per logged step, the columns it did not
measure left empty (validation every `eval_every` steps, the rest every `log_every`). `data_share`
is the part of the wall time since the last logged row that training spent getting its batches
(waiting for the stream's workers, collating, copying to the device): near 1, the data is what
limits the run; near 0, the steps themselves. A new run
starts the file afresh; a resumed one keeps the rows up to the step it resumes from, dropping
those a crashed run wrote past its last checkpoint.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np

from compiler.files import write_atomically

METRICS_FILE = "metrics.csv"
METRIC_FIELDS = ("step", "loss", "lr", "grad_norm", "tokens_per_s", "elapsed_s", "val_loss", "val_token_accuracy",
                 "data_share")


class MetricsLog:
    """Rows of METRIC_FIELDS to run_dir/metrics.csv (flushed per row) and TensorBoard if present."""

    def __init__(self, run_dir: Path, start_step: int, enabled: bool):
        self.rows: list[dict] = []
        self.enabled = enabled
        self.file = self.writer = self.board = None
        if not enabled:
            return
        run_dir.mkdir(parents=True, exist_ok=True)
        path = run_dir / METRICS_FILE
        kept = []
        if path.is_file() and start_step > 0:  # rows a crashed run wrote past its last checkpoint go
            with open(path, newline="") as f:
                kept = [r for r in csv.DictReader(f) if int(r["step"]) <= start_step]

        def rows_kept(binary) -> None:
            text = io.TextIOWrapper(binary, encoding="utf-8", newline="")
            writer = csv.DictWriter(text, METRIC_FIELDS)
            writer.writeheader()
            writer.writerows(kept)
            text.flush()
            text.detach()  # the binary file stays open for write_atomically to sync and close

        write_atomically(path, rows_kept)
        self.file = open(path, "a", newline="", encoding="utf-8")
        self.writer = csv.DictWriter(self.file, METRIC_FIELDS)
        try:
            from torch.utils.tensorboard import SummaryWriter
            self.board = SummaryWriter(str(run_dir / "tensorboard"), purge_step=start_step or None)
        except ImportError:  # tensorboard is optional
            self.board = None

    def write(self, row: dict) -> None:
        self.rows.append(row)
        if not self.enabled:
            return
        self.writer.writerow(row)
        self.file.flush()
        if self.board is not None:
            for key, value in row.items():
                if key != "step":
                    self.board.add_scalar(key, value, row["step"])

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
        if self.board is not None:
            self.board.close()


def plot_metrics(run_dir: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Training curves of a run from its metrics.csv, written to `path` (PNG): train loss (each
    logged step faint, a running mean over about 2% of the run bold) and validation loss against
    the step, validation token accuracy, and the learning rate; the top axis gives the hours spent."""
    from compiler.plots import pyplot, save_figure

    file = Path(run_dir) / METRICS_FILE
    try:
        with open(file, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except UnicodeDecodeError as error:
        raise ValueError(f"{file}: not UTF-8 text ({error.reason} at byte {error.start}); not a metrics file "
                         "`fountain train` wrote") from None
    except OSError as error:
        raise ValueError(f"{file}: no metrics to plot ({error.strerror or error}); "
                         f"is {run_dir} a training run?") from None

    def series(field: str) -> tuple[list[int], list[float]]:
        got = []
        for line, row in enumerate(rows, start=2):  # line 1 is the header
            if row.get(field) in (None, ""):
                continue
            try:
                got.append((int(row["step"]), float(row[field])))
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"{file}, line {line}: {field} {row.get(field)!r:.40} at step "
                                 f"{row.get('step')!r:.20} is not a number; not a metrics file `fountain train` "
                                 "wrote, or a damaged one") from None
        return [s for s, _ in got], [v for _, v in got]

    steps, loss = series("loss")
    if not steps:
        raise ValueError(f"{file}: no training step logged yet")
    plt = pyplot()
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(16, 4.5))
    window = max(1, len(loss) // 50)
    smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
    left.plot(steps, loss, color="#4c72b0", alpha=0.25, linewidth=0.6, label="train (each log)")
    left.plot(steps[window - 1:], smooth, color="#4c72b0", label=f"train (mean of {window})")
    val_steps, val_loss = series("val_loss")
    left.plot(val_steps, val_loss, color="#dd8452", marker="o", markersize=2.5, label="validation")
    left.set_yscale("log")
    left.set_xlabel("step")
    left.set_ylabel("next-token loss (log)")
    left.set_title(f"loss: last validation {val_loss[-1]:.3f}" if val_loss else "loss")
    left.legend(fontsize=8)
    acc_steps, accuracy = series("val_token_accuracy")
    middle.plot(acc_steps, accuracy, color="#55a868", marker="o", markersize=2.5)
    middle.set_xlabel("step")
    middle.set_ylabel("validation token accuracy (true prefix)")
    middle.set_title(f"token accuracy: last {accuracy[-1]:.1%}" if accuracy else "token accuracy (no validation)")
    lr_steps, lr = series("lr")
    right.plot(lr_steps, lr, color="#8172b3")
    right.set_xlabel("step")
    right.set_ylabel("learning rate")
    right.set_title("learning rate")
    time_steps, elapsed = series("elapsed_s")
    if len(time_steps) > 1:
        hours = np.array(elapsed) / 3600
        for axis in (left, middle, right):  # a top axis in hours, read off the logged clock
            top = axis.secondary_xaxis("top", functions=(lambda x: np.interp(x, time_steps, hours),
                                                         lambda h: np.interp(h, hours, time_steps)))
            top.set_xlabel("hours of training", fontsize=8)
            top.tick_params(labelsize=7)
    figure.suptitle(f"{Path(run_dir).name}: {steps[-1]:,} steps", fontsize=10)
    figure.tight_layout()
    return save_figure(figure, path)

