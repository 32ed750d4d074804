"""Where work units run: in this process, in spawned worker processes, or as Ray tasks. Each
executor runs one unit function (`submit(*args)` -> handle, `result(handle)` -> its value) and
says how many units it can usefully hold at once (`capacity`); corpus builds use them.
"""

from __future__ import annotations

import socket
from typing import Any, Callable

from generator import workers as worker_pools


class ExecutorError(RuntimeError):
    """An executor that cannot start or reach its workers; says why and what to do."""


class InProcess:
    """Units run one at a time in this process, when their result is asked for."""

    capacity = 1

    def __init__(self, unit: Callable[..., Any]):
        self.unit = unit

    def submit(self, *args):
        return args

    def result(self, handle) -> Any:
        return self.unit(*handle)

    def close(self) -> None:
        pass


class ProcessPool:
    """Spawned worker processes (generator.workers). A worker that dies (killed, out of memory)
    raises `dead` instead of hanging the caller."""

    def __init__(self, unit: Callable[..., Any], workers: int, dead: Exception):
        self.unit, self.dead = unit, dead
        self.pool = worker_pools.spawn_pool(workers)
        self.capacity = 2 * workers  # one queued behind each running unit keeps every worker busy

    def submit(self, *args):
        with worker_pools.dead_worker_raises(self.dead):
            return self.pool.submit(self.unit, *args)

    def result(self, future) -> Any:
        with worker_pools.dead_worker_raises(self.dead):
            return future.result()

    def close(self) -> None:
        worker_pools.stop(self.pool)


class Ray:
    """Tasks on a Ray cluster; every node needs this package installed (`pip install rasp-fountain[ray]`)."""

    def __init__(self, unit: Callable[..., Any], address: str):
        try:
            import ray
        except ImportError:
            raise ExecutorError("--ray needs Ray: pip install 'rasp-fountain[ray]' (or 'ray>=2.9')") from None
        self.ray = ray
        self.connected_here = not ray.is_initialized()
        if self.connected_here:
            check_reachable(address)
            try:
                ray.init(address=address, logging_level="ERROR", log_to_driver=False)
            except (ConnectionError, ValueError, RuntimeError) as error:
                raise ExecutorError(f"cannot connect to Ray at {address!r}: {error}") from None
        self.task = ray.remote(num_cpus=1, max_retries=3)(unit)
        self.capacity = 2 * max(1, int(ray.cluster_resources().get("CPU", 1)))
        self.pending: set = set()

    def submit(self, *args):
        ref = self.task.remote(*args)
        self.pending.add(ref)
        return ref

    def result(self, ref) -> Any:
        self.pending.discard(ref)
        try:
            return self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as error:
            raise error.cause if isinstance(error.cause, Exception) else error

    def close(self) -> None:
        for ref in self.pending:  # units submitted ahead and no longer needed
            self.ray.cancel(ref, force=True)
        if self.connected_here:
            self.ray.shutdown()


def check_reachable(address: str) -> None:
    """Fails fast for a "host:port" nobody listens on (Ray itself retries for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", "local": Ray finds or starts the cluster itself
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as error:
        raise ExecutorError(f"cannot reach Ray at {address!r} ({error}); is the cluster up? `ray start --head` "
                          "prints the address to give") from None
