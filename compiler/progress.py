"""Progress of long jobs (training, retraining, evaluation) on stderr.

On a terminal, a tqdm bar: sized by the time budget when the job has one (the bar fills as the
budget is spent, whatever the step count), else by the number of steps. Elsewhere (a log file,
a pipe, a notebook's captured output), one plain line every `every` seconds and a last one at the
end, so that a redirected run shows where it is:

    train: step 1,200 of 2,000 (60%), 35 s, about 23 s left; loss 0.312

    progress = Progress("train", total=2000, time_budget=None)
    for step in ...:
        progress.update(1, loss=f"{loss:.3f}")
    progress.close()
"""

from __future__ import annotations

import sys
import time
from typing import IO


class Progress:
    """Reports a job of `total` steps (None: unknown) or of `time_budget` seconds, whichever ends
    it first; `initial` steps were done before (a resumed run). `enabled` False reports nothing.
    `terminal` None asks the stream."""

    def __init__(self, label: str, total: int | None = None, *, unit: str = "step", time_budget: float | None = None,
                 initial: int = 0, enabled: bool = True, stream: IO[str] | None = None, every: float = 30.0,
                 terminal: bool | None = None, spent: float = 0.0):
        self.label, self.total, self.unit, self.time_budget = label, total, unit, time_budget
        self.done, self.every, self.enabled = initial, every, enabled
        self.stream = stream if stream is not None else sys.stderr
        self.status: dict[str, str] = {}
        self._spent_before = spent  # seconds a resumed job had spent already (counts against the budget)
        self._start = self._last = time.perf_counter()
        self._bar = None
        if not enabled:
            return
        if terminal is None:
            terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        if terminal:
            from tqdm.auto import tqdm

            if time_budget is not None:  # the bar is the budget; steps go in the postfix
                self._bar = tqdm(total=round(time_budget), initial=round(min(spent, time_budget)), desc=label,
                                 unit="s", file=self.stream, dynamic_ncols=True,
                                 bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}{postfix}]")
            else:
                self._bar = tqdm(total=total, initial=initial, desc=label, unit=unit, file=self.stream,
                                 dynamic_ncols=True)

    def elapsed(self) -> float:
        """Seconds spent on the job, earlier runs included."""
        return self._spent_before + time.perf_counter() - self._start

    def update(self, steps: int = 1, **status) -> None:
        """`steps` more done; `status` (name=text) is shown beside the count until replaced."""
        self.done += steps
        self.status.update({name: str(value) for name, value in status.items()})
        if not self.enabled:
            return
        if self._bar is not None:
            if self.time_budget is not None:
                self._bar.n = min(self.elapsed(), self.time_budget)
                self._bar.set_postfix_str(self._counts(), refresh=False)
                self._bar.refresh()
            else:
                self._bar.update(steps)
                if status:
                    self._bar.set_postfix_str(self._status(), refresh=False)
            return
        now = time.perf_counter()
        if now - self._last >= self.every:
            self._last = now
            self._line()

    def reach(self, done: int, total: int | None = None) -> None:
        """`done` steps of `total` (when it becomes known) done so far: a `(done, total)` callback."""
        if total is not None and total != self.total:
            self.total = total
            if self._bar is not None and self.time_budget is None:
                self._bar.total = total
        self.update(done - self.done)

    def close(self) -> None:
        """Ends the report (a plain last line when not on a terminal)."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        else:
            self._line()
        self.enabled = False

    def _status(self) -> str:
        return ", ".join(f"{name} {value}" for name, value in self.status.items())

    def _capped(self) -> str:
        """The count of a time-budgeted job: the clock ends it, `total` only caps it."""
        return f"{self.unit} {self.done:,}" + (f" (at most {self.total:,})" if self.total else "")

    def _counts(self) -> str:
        return "; ".join(part for part in (self._capped(), self._status()) if part)

    def _line(self) -> None:
        elapsed = self.elapsed()
        if self.time_budget is not None:  # the clock is what ends it (unless the step cap comes first)
            parts = [self._capped(),
                     f"{elapsed:,.0f} of {self.time_budget:,.0f} s ({min(1.0, elapsed / self.time_budget):.0%})"]
        else:
            parts = [f"{self.unit} {self.done:,}" + (f" of {self.total:,} ({self.done / self.total:.0%})"
                                                     if self.total else "")]
            parts.append(f"{elapsed:,.0f} s")
            if self.total and 0 < self.done < self.total:
                rate = self.done / max(elapsed, 1e-9)
                parts.append(f"about {(self.total - self.done) / rate:,.0f} s left")
        line = f"{self.label}: {', '.join(parts)}"
        if self.status:
            line += f"; {self._status()}"
        print(line, file=self.stream, flush=True)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
