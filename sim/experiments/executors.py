"""Executors: where chunks are computed (in this process, local processes, a Dask cluster).

Every executor takes a picklable module-level function ``fn(task) -> result`` and a list of
tasks, and yields results as they finish (in any order). The numbers never depend on the
executor: a chunk's draws come from its own seed (:mod:`sim.experiments.sampling`), so the
caller only has to store results by their chunk index.
"""

from __future__ import annotations

import concurrent.futures as cf
import concurrent.futures.process
import multiprocessing as mp
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from types import FrameType
from typing import Any

from sim.core.jit import announce_compile
from sim.experiments.lifeline import worker_init
from sim.experiments.spec import ExperimentError


def _mp_context() -> mp.context.BaseContext:
    methods = mp.get_all_start_methods()
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.experiments.experiment"])
        return ctx
    return mp.get_context("spawn")


def run_inprocess[T, R](fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
    """Compute the tasks one after the other in this process."""
    for t in tasks:
        yield fn(t)


#: seconds between two looks for a deferred Ctrl-C while waiting for a chunk
POLL_INTERVAL = 0.2


class DeferredInterrupt:
    """Hold back Ctrl-C in the main thread; :meth:`check` raises it where that is safe.

    A KeyboardInterrupt raised at an arbitrary bytecode can land between a lock's
    ``acquire`` and the ``try`` that releases it (CPython's ``with`` statement does not
    protect that gap). Inside :mod:`concurrent.futures` the lock left held is one the pool's
    manager thread needs, and the process then hangs at exit after saying it was interrupted
    (3 hangs in 26 interrupts of a local ``compare``, ``scripts/stress_ctrl_c.py``). While
    this context is active a Ctrl-C only sets a flag; :meth:`check` raises KeyboardInterrupt
    from our own code, outside every lock, and the context raises it on leaving if no check
    did. Outside the main thread, or where Ctrl-C is ignored, it does nothing.
    """

    def __init__(self) -> None:
        self.requested = threading.Event()
        self._previous: Any = None
        self._installed = False

    def _handler(self, _signum: int, _frame: FrameType | None) -> None:
        self.requested.set()

    def __enter__(self) -> DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            previous = signal.getsignal(signal.SIGINT)
            if previous is not signal.SIG_IGN:
                self._previous = previous
                signal.signal(signal.SIGINT, self._handler)
                self._installed = True
        return self

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed since the context began."""
        if self.requested.is_set():
            self.requested.clear()
            raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False
        if exc[0] is None:
            self.check()


class LocalPool:
    """A pool of local worker processes; a pool broken by a dying worker is rebuilt (twice).

    Ctrl-C in the main process is deferred while the pool runs (:class:`DeferredInterrupt`)
    and raised within :data:`POLL_INTERVAL` seconds; the workers ignore it and are stopped.

    No orphans: each worker watches a pipe from the main process
    (:mod:`sim.experiments.lifeline`) and ends within moments of the main process's end,
    however it ends (SIGKILL, SIGTERM, SIGHUP).
    """

    def __init__(self, workers: int, fn: Callable[[Any], Any]) -> None:
        self.workers = workers
        self.fn = fn
        self.pool: cf.ProcessPoolExecutor | None = None
        #: the pipe the workers watch: (reading end, passed to each worker as it starts;
        #: writing end, held here only)
        self._lifeline: tuple[Connection, Connection] | None = None

    def _new(self) -> cf.ProcessPoolExecutor:
        ctx = _mp_context()
        self._lifeline = ctx.Pipe(duplex=False)
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=worker_init,
            initargs=(self._lifeline[0],),
        )

    def run(self, tasks: Sequence[Any]) -> Iterator[Any]:
        """Yield the results of ``fn`` over the tasks as they finish."""
        todo = list(reversed(tasks))  # pop() from the end keeps the task order
        window = 2 * self.workers
        restarts = 0
        with DeferredInterrupt() as interrupt:
            while todo:
                self.pool = self._new()
                inflight: dict[cf.Future, Any] = {}
                try:
                    while todo or inflight:
                        while todo and len(inflight) < window:
                            t = todo.pop()
                            inflight[self.pool.submit(self.fn, t)] = t
                        done, _ = cf.wait(
                            inflight, timeout=POLL_INTERVAL, return_when=cf.FIRST_COMPLETED
                        )
                        interrupt.check()
                        for fut in done:
                            res = fut.result()  # raises BrokenProcessPool if its worker died
                            del inflight[fut]
                            yield res
                            interrupt.check()
                except concurrent.futures.process.BrokenProcessPool:
                    restarts += 1
                    todo.extend(reversed(list(inflight.values())))
                    if restarts > 2:
                        raise ExperimentError(
                            "a worker process died three times; the chunks done so far are "
                            "kept, rerun with --resume (perhaps with fewer --workers: out of "
                            "memory?)"
                        ) from None
                finally:
                    self.close()

    def close(self) -> None:
        """Stop the workers at once (used on Ctrl-C too) and wait for the pool's manager thread.

        A worker stopped part-way through sending a result leaves the manager thread reading
        the rest of that message for ever: this process holds the pipe's other writing end, so
        it never sees the end of the file. If the thread is still alive once the workers are
        gone, closing that end lets it finish (otherwise the interpreter would wait for it at
        exit). Seen in 1 of 12 interrupts of ``scripts/stress_ctrl_c.py``.
        """
        if self.pool is None:
            return
        pool, self.pool = self.pool, None
        lifeline, self._lifeline = self._lifeline, None
        procs = list((getattr(pool, "_processes", None) or {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)
        results = getattr(pool, "_result_queue", None)
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
        for end in lifeline or ():
            end.close()
        if manager is None:
            return
        manager.join(timeout=0.5)
        if manager.is_alive() and results is not None:
            results._writer.close()
            manager.join(timeout=5)


#: The address of a Dask scheduler: ``[SCHEME://]HOST:PORT`` (HOST a name, an IPv4 address or
#: a bracketed IPv6 address).
_DASK_ADDRESS = re.compile(
    r"(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})"
)
#: The transports of distributed that a scheduler listens on.
DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
#: Seconds to wait for a scheduler to answer (the TCP connection, then the Dask handshake).
DASK_CONNECT_TIMEOUT = 10


def check_dask_address(address: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a scheduler address, or :class:`ExperimentError` naming
    ``--dask-scheduler`` if it is not one (checked before anything else, so that a garbage
    address never reaches distributed, whose failures end in tracebacks)."""
    m = _DASK_ADDRESS.fullmatch(address.strip())
    scheme = (m.group("scheme") if m else None) or "tcp"
    if m is None or scheme not in DASK_SCHEMES or not 1 <= int(m.group("port")) <= 65535:
        raise ExperimentError(
            f"--dask-scheduler {address!r}: not the address of a Dask scheduler (expected "
            f"SCHEME://HOST:PORT with SCHEME one of {', '.join(DASK_SCHEMES)} and PORT 1-65535, "
            "e.g. tcp://10.0.0.5:8786)"
        )
    return scheme, m.group("host").strip("[]"), int(m.group("port"))


def connect_dask(address: str) -> Any:
    """A :class:`distributed.Client` connected to the scheduler at ``address``.

    A TCP address is first tried with a plain connection, so that a place where nothing
    listens is refused without creating a client (a client that failed to connect ends the
    interpreter with a traceback after a further 20 s).

    Raises
    ------
    ExperimentError
        if the address is not one (:func:`check_dask_address`) or the scheduler cannot be
        reached (names the address).
    """
    scheme, host, port = check_dask_address(address)
    try:
        import distributed
    except ImportError:  # pragma: no cover - a declared dependency
        raise ExperimentError("--dask-scheduler needs the 'distributed' package") from None
    if scheme == "tcp":
        try:
            socket.create_connection((host, port), timeout=DASK_CONNECT_TIMEOUT).close()
        except OSError as exc:
            why = exc.strerror or str(exc) or type(exc).__name__
            raise ExperimentError(
                f"--dask-scheduler {address}: cannot connect to a Dask scheduler there ({why})"
            ) from None
    try:
        client = distributed.Client(
            address, timeout=f"{DASK_CONNECT_TIMEOUT}s", set_as_default=False
        )
    except Exception as exc:
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ExperimentError(
            f"--dask-scheduler {address}: cannot connect to a Dask scheduler there ({why})"
        ) from None
    try:
        client.wait_for_workers(1, timeout=60)
    except TimeoutError:
        client.close()
        raise ExperimentError(
            f"--dask-scheduler {address}: the scheduler has no workers (waited 60 s)"
        ) from None
    return client


def run_dask(
    client: Any, fn: Callable[[Any], Any], tasks: Sequence[Any], keys: Sequence[str]
) -> Iterator[Any]:
    """Yield the results of ``fn`` over the tasks, computed on a Dask cluster.

    ``keys`` names each task (unique per experiment and chunk, so a resubmitted experiment
    does not collide with another one on a shared scheduler).
    """
    import distributed

    futures = [client.submit(fn, t, key=k, retries=2) for t, k in zip(tasks, keys, strict=True)]
    ac = distributed.as_completed(futures, loop=client.loop)
    futures = []
    try:
        for fut in ac:
            try:
                res = fut.result()
            except distributed.client.FutureCancelledError as exc:  # pragma: no cover
                raise ExperimentError(f"Dask cancelled a chunk ({exc})") from None
            except Exception as exc:
                if type(exc).__name__ == "KilledWorker":
                    raise ExperimentError(
                        f"Dask workers died repeatedly on {fut.key}; the chunks done so far "
                        "are kept, rerun with --resume"
                    ) from None
                raise
            fut.release()
            yield res
    finally:
        ac.clear()


def progress_bar(total: int, initial: int, progress: bool | None, desc: str) -> Any:
    """A tqdm bar on stderr counting runs (``progress`` None: only when stderr is a terminal;
    otherwise, a log or a pipe, one line says the simulation phase begins, so that a long first
    run is never silent)."""
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    if progress is None and not show and total > initial:
        print(f"{desc}: simulating {total - initial:,} runs", file=sys.stderr, flush=True)
    return tqdm(
        total=total,
        initial=initial,
        unit="run",
        unit_scale=True,
        desc=desc,
        file=sys.stderr,
        disable=not show,
        dynamic_ncols=True,
        smoothing=0.1,
    )


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def start(
    fn: Callable[[Any], Any],
    tasks: Sequence[Any],
    keys: Sequence[str],
    *,
    client: Any = None,
    workers: int | None = None,
) -> tuple[str, int, LocalPool | None, Iterator[Any]]:
    """Choose the executor for ``tasks``: ``(name, workers, pool or None, result stream)``.

    Dask when a client is given; otherwise local processes, or this process for one worker,
    after saying if the kernels are to be compiled here (:func:`sim.core.jit.announce_compile`;
    Dask workers, perhaps on other machines, have their own caches).
    """
    if client is not None:
        n = len(client.scheduler_info().get("workers", {}))
        return "dask", n, None, run_dask(client, fn, tasks, keys)
    announce_compile()
    n = min(workers or default_workers(), max(1, len(tasks)))
    if n <= 1:
        return "in-process", n, None, run_inprocess(fn, tasks)
    pool = LocalPool(n, fn)
    return "processes", n, pool, pool.run(tasks)
