"""Worker process pools shared by corpus builds and interpreter training streams.

Workers are spawned, never forked: jax starts threads at import, and a forked child of a threaded
process can deadlock. A worker that dies (killed, out of memory) turns into one clear error
instead of a hang or concurrent.futures' internals, and closing a pool stops work submitted
ahead instead of waiting for it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterator


def spawn_pool(workers: int, initializer: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=initializer)


@contextlib.contextmanager
def dead_worker_raises(error: Exception) -> Iterator[None]:
    """Inside, a pool whose worker died raises `error` (which says what to do about it)."""
    try:
        yield
    except BrokenProcessPool:
        raise error from None
    except ValueError as failure:
        # the same death seen from the other side: a worker killed while the pool spawns another
        # leaves the new process's pipe ends closed, and spawning fails on them
        if "fds_to_keep" in str(failure):
            raise error from None
        raise


def stop(pool: ProcessPoolExecutor) -> None:
    """Shuts `pool` down now: work submitted ahead is no longer needed, so its processes are
    terminated (the executor keeps them in `_processes`; Python 3.14 adds terminate_workers())."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()
