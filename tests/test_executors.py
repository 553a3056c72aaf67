"""Local worker pools stop cleanly on Ctrl-C (sim.experiments.executors).

A KeyboardInterrupt raised inside :mod:`concurrent.futures` could leave a lock held that the
pool's manager thread needs, and the command then hung at exit after saying it was
interrupted (CI, 2026-12-01). These tests pin the two defences: Ctrl-C is raised only at our
own safe points, and closing a pool always ends its manager thread.
"""

from __future__ import annotations

import gc
import multiprocessing.queues
import os
import signal
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.experiments.executors import POLL_INTERVAL, DeferredInterrupt, LocalPool


@pytest.fixture
def ctrl_c_raises() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt here, as in a command (a test runner may ignore it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _press_ctrl_c() -> None:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.05)  # the handler runs in this thread at the next bytecode


def test_a_deferred_ctrl_c_is_raised_at_check_not_where_it_lands(ctrl_c_raises):
    with DeferredInterrupt() as interrupt:
        _press_ctrl_c()  # would raise KeyboardInterrupt here without the context
        assert interrupt.requested.is_set()
        with pytest.raises(KeyboardInterrupt):
            interrupt.check()
        interrupt.check()  # raised once only
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_ctrl_c_no_check_saw_is_raised_on_leaving(ctrl_c_raises):
    with pytest.raises(KeyboardInterrupt), DeferredInterrupt():
        _press_ctrl_c()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_outside_the_main_thread_nothing_is_deferred(ctrl_c_raises):
    seen: list[object] = []

    def body() -> None:
        with DeferredInterrupt() as interrupt:
            seen.append(signal.getsignal(signal.SIGINT))
            seen.append(interrupt.requested.is_set())

    t = threading.Thread(target=body)
    t.start()
    t.join()
    assert seen == [signal.default_int_handler, False]


def _manager_threads() -> list[threading.Thread]:
    import concurrent.futures.process as cfp

    return [t for t in threading.enumerate() if isinstance(t, cfp._ExecutorManagerThread)]


def test_ctrl_c_during_a_pool_run_stops_the_pool_and_its_threads(ctrl_c_raises):
    others = set(_manager_threads())  # of pools this test did not start
    pool = LocalPool(2, time.sleep)
    stream = pool.run([0.3] * 40)
    assert next(stream) is None  # one chunk back: the workers run
    started = time.monotonic()
    _press_ctrl_c()
    with pytest.raises(KeyboardInterrupt):
        for _ in stream:
            pass
    assert time.monotonic() - started < 5 * POLL_INTERVAL + 5  # not 40 x 0.3 s / 2
    assert pool.pool is None
    assert set(_manager_threads()) <= others
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def _send_half_a_result(flag: str) -> None:
    """In a worker: start a 100 kB result message on the pool's result pipe, then stall."""
    (queue,) = [o for o in gc.get_objects() if type(o) is multiprocessing.queues.SimpleQueue]
    os.write(queue._writer.fileno(), struct.pack("!i", 100_000) + b"x" * 10)
    Path(flag).touch()
    time.sleep(120)


def test_closing_frees_a_manager_thread_stuck_reading_half_a_result(tmp_path):
    pool = LocalPool(1, _send_half_a_result)
    pool.pool = pool._new()
    flag = tmp_path / "sent"
    pool.pool.submit(_send_half_a_result, str(flag))
    manager = pool.pool._executor_manager_thread
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert time.monotonic() < deadline, "the worker never started"
        time.sleep(0.02)
    time.sleep(0.5)  # the manager thread is now waiting for the other 99,990 bytes
    pool.close()
    assert not manager.is_alive()
