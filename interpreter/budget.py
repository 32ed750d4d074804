"""Train within a wall-clock budget, then evaluate and decompile held-out nets: the interpreter's
part of `fountain demo`.

Training runs on a time budget (`train(..., time_budget=...)`): the learning rate decays over the
budget, so a slower machine takes fewer steps but still ends with a fully decayed schedule.
"""

from __future__ import annotations

import dataclasses
import os

from interpreter.data import Source
from interpreter.evaluate import EvalReport, evaluate_model
from interpreter.model import ModelConfig
from interpreter.train import TrainConfig, TrainResult, train

#: Defaults tuned for a ~5 minute CPU run on a corpus like datasets/small.toml (see the README).
#: `steps` only caps the run; the time budget ends it.
BUDGET_CONFIG = TrainConfig(model=ModelConfig(d_model=64, n_heads=4, n_encoder_layers=2, n_decoder_layers=2,
                                              d_ff=128, max_target_len=160),
                            steps=1_000_000, batch_size=32, lr=3e-3, min_lr=1e-4, warmup_steps=50,
                            eval_every=200, log_every=10, checkpoint_every=500)


@dataclasses.dataclass
class BudgetRun:
    """A budgeted training run and its evaluation."""

    train: TrainResult
    report: EvalReport

    def format(self, examples: int = 4) -> str:
        last = self.train.metrics[-1] if self.train.metrics else {}
        per_step = self.train.seconds / max(1, self.train.step)
        head = (f"trained {self.train.step} steps ({per_step * 1000:.0f} ms/step) on {self.train.train_examples} "
                f"nets in {self.train.seconds:.0f} s; final loss {last.get('loss', float('nan')):.3f}")
        return head + "\n\n" + self.report.format(examples=examples)


def train_and_evaluate(corpus: Source, run_dir: str | os.PathLike, time_budget: float = 300.0, *,
                       config: TrainConfig = BUDGET_CONFIG, split: str = "test", limit: int | None = 100,
                       beam_size: int = 1, progress: bool = True, seconds: float | None = None) -> BudgetRun:
    """What `fountain demo` runs: train on `corpus` for about `time_budget` seconds, then evaluate
    on its `split` (at most `limit` nets per variant) and on tracr's library programs.
    `seconds` is the older spelling of `time_budget`."""
    if seconds is not None:
        import warnings

        warnings.warn("seconds= is now time_budget= (seconds, as everywhere in rasp-fountain)", DeprecationWarning,
                      stacklevel=2)
        time_budget = seconds
    result = train(corpus, run_dir, config, time_budget=time_budget, progress=progress)
    report = evaluate_model(result.checkpoint, corpus, split, beam_size=beam_size, limit=limit)
    return BudgetRun(result, report)
