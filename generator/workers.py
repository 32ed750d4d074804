"""Worker process pools shared by corpus builds and interpreter training streams.

Workers are spawned, never forked: jax starts threads at import, and a forked child of a threaded
process can deadlock. A worker that dies (killed, out of memory) turns into one clear error
instead of a hang or concurrent.futures' internals, and closing a pool stops work submitted
ahead instead of waiting for it.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterator

#: How often a worker checks that the process that started it is still there.
PARENT_CHECK_SECONDS = 1.0
#: Allocations between collections of the garbage collector's youngest generation inside
#: `fewer_collections` (Python's default is 700).
YOUNG_COLLECTION_THRESHOLD = 50_000


def spawn_pool(workers: int, initializer: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes, each running `initializer` first. A worker whose
    parent is gone (killed, even by SIGKILL, so it could not stop its pool) exits within about
    `PARENT_CHECK_SECONDS` instead of finishing the units queued for nobody."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                               initargs=(os.getpid(), initializer))


def _start_worker(parent: int, initializer: Callable[[], None] | None) -> None:
    threading.Thread(target=_exit_without_parent, args=(parent,), daemon=True, name="parent watch").start()
    if initializer is not None:
        initializer()


def _exit_without_parent(parent: int) -> None:
    while os.getppid() == parent:  # an orphan is adopted by another process (init or a subreaper)
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Inside, Python's cyclic garbage collector looks at new objects every
    `YOUNG_COLLECTION_THRESHOLD` allocations instead of every 700, and so runs its full
    collections, which walk every object torch, jax and tracr made at import, ~70x less often.
    Drawing and compiling programs allocates many short-lived objects (tracr's graphs, value sets,
    probe values) that reference counting frees: with the default thresholds the collector took
    ~4% of a fountain worker's time on `mixed`, and memory does not grow without them (the same
    peak resident size over 16 units). Thresholds are restored on the way out."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], YOUNG_COLLECTION_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


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
    except OSError as failure:
        # and from a third: the pool's own pipe to a dead worker closed while it was being read or written
        # (multiprocessing.connection's "handle is closed"; a clean-clone CI run of the killed-worker test)
        if "handle is closed" in str(failure):
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
