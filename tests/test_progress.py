"""Progress reports: plain lines when not on a terminal, a bar sized by the time budget on one."""

import io

from compiler.progress import Progress


def test_off_a_terminal_progress_is_plain_lines_with_counts_time_and_status():
    out = io.StringIO()
    with Progress("train", 4, every=0, stream=out) as bar:
        bar.update(1, loss="0.500")
        bar.update(2)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("train: step 1 of 4 (25%), 0 s, about 0 s left; loss 0.500")
    assert lines[1].startswith("train: step 3 of 4 (75%)")
    assert lines[-1].startswith("train: step 3 of 4 (75%)") and len(lines) == 3  # the last line at close
    assert "\r" not in out.getvalue()


def test_lines_are_spaced_by_the_interval_and_a_budget_is_reported_in_seconds():
    out = io.StringIO()
    bar = Progress("retrain", 100, every=3600, stream=out, time_budget=60, spent=12)
    for _ in range(50):
        bar.update(1)
    assert out.getvalue() == ""  # nothing before the interval has passed
    bar.close()
    assert out.getvalue().startswith("retrain: step 50 (at most 100), 12 of 60 s (20%)")
    bar.close()  # closing twice writes nothing more
    assert out.getvalue().count("\n") == 1


def test_a_callback_learns_the_total_and_disabled_progress_writes_nothing():
    out = io.StringIO()
    bar = Progress("eval", unit="net", every=0, stream=out)
    bar.reach(2, 5)
    bar.reach(5, 5)
    bar.close()
    assert out.getvalue().splitlines()[1].startswith("eval: net 5 of 5 (100%)")
    silent = io.StringIO()
    with Progress("eval", 3, stream=silent, enabled=False) as quiet:
        quiet.update(3)
    assert silent.getvalue() == ""


def test_on_a_terminal_the_bar_is_the_time_budget_or_the_steps():
    by_time = io.StringIO()
    with Progress("train", 2000, stream=by_time, terminal=True, time_budget=12) as bar:
        bar.update(1, loss="1.0")
    text = by_time.getvalue()
    assert "/12 s" in text and "step 1 (at most 2,000)" in text and "loss 1.0" in text
    assert "/2000" not in text  # a time-bounded run's bar is not sized by its step cap
    by_steps = io.StringIO()
    with Progress("train", 10, stream=by_steps, terminal=True) as bar:
        bar.update(4)
    assert "4/10" in by_steps.getvalue()


def test_a_redirected_training_run_and_retraining_report_where_they_are(tmp_path, capsys):
    import dataclasses

    from fountain.cli import main
    from interpreter.fountain_stream import Fountain
    from interpreter.train import TrainConfig, train
    from tests.test_interpreter import TINY_MODEL

    config = TrainConfig(model=TINY_MODEL, steps=4, batch_size=2, warmup_steps=1, eval_every=2, eval_examples=4)
    train(Fountain("tiny", unit_programs=8), tmp_path / "run", dataclasses.replace(config), workers=0)
    err = capsys.readouterr().err  # pytest's capture is not a terminal: plain lines
    assert "train: step 4 of 4 (100%)" in err and "val loss" in err and "\r" not in err
    program = tmp_path / "p.rasp"
    program.write_text("return map(lambda x: x + 1, tokens)\n")
    main(["retrain", str(program), "--vocab", "1 2", "--max-seq-len", "2", "--max-steps", "20",
          "-o", str(tmp_path / "r.safetensors")])
    assert "retrain: step" in capsys.readouterr().err


def test_training_metrics_reach_tensorboard(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from interpreter.fountain_stream import Fountain
    from interpreter.train import TrainConfig, train
    from tests.test_interpreter import TINY_MODEL

    config = TrainConfig(model=TINY_MODEL, steps=4, batch_size=2, warmup_steps=1, log_every=2, eval_every=2,
                         eval_examples=4)
    train(Fountain("tiny", unit_programs=8), tmp_path / "run", config, workers=0, progress=False)
    events = EventAccumulator(str(tmp_path / "run" / "tensorboard"))
    events.Reload()
    assert {"loss", "lr", "val_loss", "val_token_accuracy"} <= set(events.Tags()["scalars"])
    assert [e.step for e in events.Scalars("loss")] == [2, 4]
