"""One pipeline for every chunked run: experiments (``run``, ``compare``) and explorations.

A chunked run is a set of policies, each split into the same numbered chunks. Chunk ``c`` draws
from seeds of its own (:func:`sim.experiments.sampling.chunk_seed` ``(seed, c, ...)``) whatever
the policy, so its numbers depend on the run's definition and the chunk size, never on the
number of workers or on the executor. What differs between kinds of run (what a chunk computes,
which files it leaves, how chunks are gathered and what the result directory holds) is a
:class:`ChunkedJob`; everything else is :func:`run_chunked`, once:

1. :meth:`ChunkedJob.prepare` refuses bad settings; the output's lock is taken
   (:class:`sim.experiments.lock.OutputLock`: one writer per result folder, held to the end;
   another process writing ``OUT`` is named and the run refused), then
   :func:`sim.experiments.store.check_output` refuses an unusable output place, before
   anything is written;
2. the store (:class:`sim.experiments.store.ChunkStore`) is opened in ``OUT.partial``; with
   ``resume`` the chunks already written are read back instead of computed again (the stored
   :meth:`ChunkedJob.state` must equal this run's);
3. the missing chunks run chunk-major (every policy's chunk ``c`` before ``c + 1``) on an
   executor (:func:`sim.experiments.executors.start`: this process, local processes or Dask);
   each chunk is written atomically as it arrives, then gathered, and the progress bar counts
   its runs;
4. Ctrl-C: the local executor defers it to a safe point
   (:class:`~sim.experiments.executors.DeferredInterrupt`), the pool and the Dask client are
   closed, and ``KeyboardInterrupt``
   reaches the caller with the chunks written so far kept for ``resume`` (the commands then
   print how to resume: :func:`sim.cli.options.execute`);
5. the result is assembled in ``OUT.partial/final`` (:meth:`ChunkedJob.assemble`, then the
   command's ``finalise``), the manifest lists every file, and ``final`` is renamed to ``OUT``.

A write that fails at step 3 or 5 (a full disk, a read-only file system:
:func:`sim.experiments.store.write_failure`) is one :class:`sim.experiments.store.OutputError`
naming the file: ``final`` is removed, ``OUT`` is left as it was, and the chunks already
written stay in ``OUT.partial`` for ``resume``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sim.core.policies import PolicyError
from sim.experiments.executors import check_dask_address, connect_dask, progress_bar, start
from sim.experiments.lock import OutputLock
from sim.experiments.provenance import utc_now
from sim.experiments.store import (
    ChunkStore,
    OutputError,
    check_output,
    failure_reason,
    write_failure,
    write_json_atomic,
)

#: Test hook: a file path; the first chunk task of a run that finds no file there creates it and
#: kills its own process (to test that the executor retries a task whose worker died).
DIE_ONCE_ENV = "ESCALATION_TEST_DIE_ONCE"
#: Test hook: ``STAGE@PATH``; the run stops at STAGE (``chunkN``: once its N-th chunk is
#: written; ``publish``: before the result replaces ``OUT``), writes ``PATH.reached`` and waits
#: until the file PATH exists (``scripts/faults.py``: a second writer or a kill at that moment).
GATE_ENV = "ESCALATION_TEST_GATE"
#: Seconds a run waits at the gate at most.
GATE_TIMEOUT = 300.0


def _gate(stage: str) -> None:
    """Wait at ``stage`` if the :data:`GATE_ENV` test hook names it."""
    want, _, path = os.environ.get(GATE_ENV, "").partition("@")
    if want != stage or not path:
        return
    Path(path + ".reached").write_text(str(os.getpid()))
    deadline = time.monotonic() + GATE_TIMEOUT
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)


class ChunkResult(Protocol):
    """What a computed chunk carries for the pipeline (the rest is the job's)."""

    policy: str
    chunk: int


class RunResult(Protocol):
    """What a chunked run returns (the pipeline fills in ``files``)."""

    manifest: dict[str, Any]
    files: list[Path]


@dataclass(frozen=True)
class Invocation:
    """How this invocation of a run went, for its manifest."""

    executor: str
    workers: int
    started: str
    first_started: str
    resumed: bool
    dask_scheduler: str | None


class ChunkedJob[R: RunResult](ABC):
    """A kind of chunked run: what its chunks are, and what is made of them."""

    #: Names the run in messages ("a different experiment") and its Dask task keys.
    what: str
    #: The policies, in output order (a chunk directory each).
    policies: tuple[str, ...]
    #: Chunks per policy.
    n_chunks: int

    @abstractmethod
    def prepare(self) -> None:
        """Refuse settings that cannot run (:class:`sim.errors.UserError`), and do the work that
        can refuse them, before anything is written."""

    @abstractmethod
    def state(self) -> dict[str, Any]:
        """Everything that fixes the numbers; ``resume`` requires it to match exactly."""

    @abstractmethod
    def chunk_runs(self, chunk: int) -> int:
        """Simulation runs in one policy's chunk (what the progress bar counts)."""

    @abstractmethod
    def progress_label(self) -> str:
        """The progress bar's description."""

    @property
    @abstractmethod
    def compute(self) -> Callable[[Any], ChunkResult]:
        """The module-level function that computes a task (runs in a worker)."""

    @abstractmethod
    def task(self, policy: str, chunk: int) -> Any:
        """What a worker needs to compute one chunk of one policy (picklable)."""

    @abstractmethod
    def stored(self, store: ChunkStore, policy: str, chunk: int) -> bool:
        """Whether every file of a chunk is in the store."""

    @abstractmethod
    def load(self, store: ChunkStore, policy: str, chunk: int) -> ChunkResult:
        """A stored chunk, as :attr:`compute` returned it."""

    @abstractmethod
    def save(self, store: ChunkStore, result: ChunkResult) -> None:
        """Write a computed chunk's files into the store (each atomically)."""

    @abstractmethod
    def add(self, result: ChunkResult) -> None:
        """Gather one chunk (computed or stored; chunks arrive in any order)."""

    @abstractmethod
    def assemble(self, out: Path, final: Path, run: Invocation) -> R:
        """Write the run's own files into ``final`` and return the result with its manifest
        (``finished`` and ``files`` are set by the pipeline)."""


@dataclass(frozen=True)
class ChunkCall:
    """One task as the executors see it: the job's function, its task, and the test hook."""

    fn: Callable[[Any], Any]
    task: Any
    die_marker: str | None = None


def call_chunk(call: ChunkCall) -> Any:
    """Compute one chunk (in a worker process, a Dask worker, or in this process)."""
    if call.die_marker and not os.path.exists(call.die_marker):  # the DIE_ONCE_ENV test hook
        Path(call.die_marker).write_text(str(os.getpid()))
        os._exit(17)
    return call.fn(call.task)


def state_token(state: dict[str, Any]) -> str:
    """A short hash of a run's state (names its Dask tasks)."""
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]


def run_chunked[R: RunResult](
    job: ChunkedJob[R],
    out: Path | str,
    *,
    workers: int | None = None,
    dask_scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool | None = None,
    finalise: Callable[[R, Path], list[Path]] | None = None,
) -> R:
    """Run a chunked job into the result directory ``out`` (steps in the module docstring).

    Parameters
    ----------
    workers : local worker processes (default: all cores; 1 runs in this process); ignored
        with ``dask_scheduler``
    dask_scheduler : address of a Dask scheduler (``tcp://host:port``) to run the chunks on
    resume : reuse the chunks of an interrupted run of the same job in ``out.partial``
    overwrite : replace an existing ``out`` (only once the new results are complete)
    progress : show a progress bar (None: when stderr is a terminal)
    finalise : writes a command's summary and figures into the result directory; returns
        the files it wrote

    Raises
    ------
    UserError
        bad settings, an output place that cannot be used, a ``.partial`` of another run, an
        unreachable Dask scheduler: before any simulation work.
    KeyboardInterrupt
        on Ctrl-C; ``out.partial`` is kept for ``resume``.
    """
    out = Path(out)
    job.prepare()
    if dask_scheduler:
        check_dask_address(dask_scheduler)
    with OutputLock(out):  # one writer: held until the result is published or the run fails
        check_output(out, overwrite=overwrite, resume=resume)
        result = _run_locked(job, out, workers, dask_scheduler, resume, progress, finalise)
    return result


def _run_locked[R: RunResult](
    job: ChunkedJob[R],
    out: Path,
    workers: int | None,
    dask_scheduler: str | None,
    resume: bool,
    progress: bool | None,
    finalise: Callable[[R, Path], list[Path]] | None,
) -> R:
    """Steps 2 to 5 of :func:`run_chunked`, under the output's lock."""
    store = ChunkStore(out)
    started = utc_now()
    client = connect_dask(dask_scheduler) if dask_scheduler else None
    try:
        core = job.state()
        state, resumed = store.open(core, started, resume, list(job.policies), job.what)
        calls: list[ChunkCall] = []
        keys: list[str] = []
        done = 0
        die = os.environ.get(DIE_ONCE_ENV) or None
        token = state_token(core)
        for c in range(job.n_chunks):  # chunk-major: every policy's chunk c before c + 1
            for p in job.policies:
                if resumed and job.stored(store, p, c):
                    job.add(job.load(store, p, c))
                    done += job.chunk_runs(c)
                else:
                    calls.append(ChunkCall(job.compute, job.task(p, c), None if calls else die))
                    keys.append(f"escalation-{job.what}-{token}-{p}-{c:05d}")
        executor, n_workers, pool, stream = start(
            call_chunk, calls, keys, client=client, workers=workers
        )
        total = sum(job.chunk_runs(c) for c in range(job.n_chunks)) * len(job.policies)
        bar = progress_bar(total, done, progress, job.progress_label())
        saved = 0
        try:
            for res in stream:
                try:
                    job.save(store, res)
                except Exception as exc:
                    err = write_failure(exc, store.root)
                    if err is None:
                        raise
                    raise OutputError(
                        f"--out {out}: cannot write chunk {res.chunk} of {res.policy} into "
                        f"{store.root} ({failure_reason(err)}); the chunks written so far are "
                        "kept, rerun with --resume once there is room"
                    ) from None
                job.add(res)
                bar.update(job.chunk_runs(res.chunk))
                saved += 1
                _gate(f"chunk{saved}")
        except PolicyError:
            # a user's policy failed during a run: its chunks are not worth resuming (the
            # policy must change first), so a fresh run leaves nothing behind
            if not resumed:
                shutil.rmtree(store.root, ignore_errors=True)
            raise
        finally:
            bar.close()
            if pool is not None:
                pool.close()
            if hasattr(stream, "close"):
                stream.close()
    finally:
        if client is not None:
            client.close()

    run = Invocation(executor, n_workers, started, state["started"], resumed, dask_scheduler)
    try:
        final = store.fresh_final()
        result = job.assemble(out, final, run)
        files = list(finalise(result, final)) if finalise is not None else []
        manifest = result.manifest
        manifest["finished"] = utc_now()
        written = {str(f.relative_to(final)) for f in final.rglob("*") if f.is_file()}
        written |= {str(Path(f).relative_to(final)) for f in files}
        manifest["files"] = [*sorted(written - {"manifest.json"}), "manifest.json"]
        write_json_atomic(final / "manifest.json", manifest)
        _gate("publish")
        store.publish()
    except Exception as exc:
        err = write_failure(exc, store.root, out)
        if err is None:
            raise
        shutil.rmtree(store.final, ignore_errors=True)
        raise OutputError(
            f"--out {out}: cannot write the result ({failure_reason(err, store.final, out)}); "
            f"nothing was published, and the chunks are kept in {store.root}: rerun with "
            "--resume once there is room"
        ) from None
    result.files = [out / f for f in manifest["files"]]
    return result
