"""Plots a researcher reads: labelled axes, every value shown, and one clear error without data."""

import csv

import pytest

pytest.importorskip("matplotlib")

from compiler.plots import MAX_TICKS, ticks
from fountain.cli import main  # noqa: E402
from interpreter.evaluate import DecompileOutcome, DecompileReport  # noqa: E402


def _png(path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_long_axes_are_labelled_every_kth_entry():
    placed = {}
    labels = [f"r{i}" for i in range(3 * MAX_TICKS + 1)]
    ticks((lambda at: placed.update(at=list(at)), lambda names, fontsize: placed.update(names=list(names))),
          labels, 6)
    assert len(placed["at"]) <= MAX_TICKS and placed["names"] == [labels[i] for i in placed["at"]]
    ticks((lambda at: placed.update(at=list(at)), lambda names, fontsize: placed.update(names=list(names))),
          labels[:5], 6)
    assert placed["names"] == labels[:5]


def test_a_decompile_report_plots_rates_and_times_with_zero_rates(tmp_path):
    def outcome(variant, verified, seconds):
        return DecompileOutcome("p", variant, 2, "return tokens\n", "return tokens\n" if verified else "", verified,
                                verified, verified, False, 1.0, seconds, 1, "lines", None, False, False)

    report = DecompileReport([outcome("compiled", True, 0.2), outcome("compiled", False, 3.0),
                              outcome("retrained", False, 5.0)], "uniform", 2.0)
    assert _png(report.plot(tmp_path / "verified.png"))


def test_curves_plot_a_run_and_refuse_a_folder_without_metrics(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    with open(run / "metrics.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, ["step", "loss", "lr", "grad_norm", "tokens_per_s", "elapsed_s", "val_loss",
                                    "val_token_accuracy"])
        writer.writeheader()
        for step in range(10, 210, 10):
            writer.writerow({"step": step, "loss": 3 / step ** 0.5, "lr": 1e-3, "elapsed_s": step / 5})
            if step % 50 == 0:
                writer.writerow({"step": step, "val_loss": 3.5 / step ** 0.5, "val_token_accuracy": step / 250})
    main(["curves", str(run)])
    assert capsys.readouterr().out == f"wrote {run / 'curves.png'}\n" and _png(run / "curves.png")
    with pytest.raises(SystemExit, match="no metrics to plot .*is .* a training run"):
        main(["curves", str(tmp_path / "nothing")])
    with open(run / "metrics.csv", "a") as f:
        f.write("220,abc,,,,,,\n")
    with pytest.raises(SystemExit, match=r"metrics.csv, line 26: loss 'abc' at step '220' is not a number"):
        main(["curves", str(run)])
    (run / "metrics.csv").write_bytes(b"\xff\xfe step")
    with pytest.raises(SystemExit, match="metrics.csv: not UTF-8 text"):
        main(["curves", str(run)])
