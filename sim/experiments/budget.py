"""What a run will cost, estimated before it starts, and the limits beyond which it is refused.

Every command that simulates (``run``, ``compare``, ``explore``, ``sensitivity``, ``replay``,
``branch``, ``calibrate``) first estimates the CPU time and the memory the request needs
(:class:`Cost`), from the measured figures below, and refuses it (:func:`check`, one message
with both estimates) when it would

* need more than :data:`MEMORY_SHARE` of this machine's memory, or
* take more than :data:`MAX_HOURS` hours on the cores it will use.

``--allow-large`` lifts both limits (a bigger machine, a run meant to last days). Without it a
mistyped ``--runs 99999999999`` is refused at once instead of running until it is killed.

The figures are those ``benchmarks/bench_budget.py`` measures (it prints each beside the
constant here), rounded up: the estimate is of the order of magnitude, for an idle machine.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from sim.errors import UserError

#: CPU seconds per simulated run-day of an experiment's chunk with the ensemble engine
#: (parameter draws, the day's rules, the daily histograms, the outcome table).
ENSEMBLE_SECONDS_PER_RUN_DAY = 1e-6
#: The same with the Mesa engine (one model at a time).
MESA_SECONDS_PER_RUN_DAY = 2e-4
#: Memory per run and simulated day of a chunk while a worker computes it (the daily series
#: its histograms are made of, the state and draw arrays), bytes.
CHUNK_BYTES_PER_RUN_DAY = 100
#: Memory per run and policy of the gathered outcome table at its peak (the chunks' tables,
#: their concatenation and the Parquet writer's buffers), bytes.
OUTCOME_BYTES_PER_RUN = 1_200
#: Memory per run and simulated day of the daily series kept with ``--keep-daily``, bytes.
DAILY_BYTES_PER_RUN_DAY = 64
#: Memory per run and day of the daily trace of replay, branch and the calibration, bytes.
TRACE_BYTES_PER_RUN_DAY = 60

#: The longest run accepted without ``--allow-large``, hours.
MAX_HOURS = 24.0
#: The share of this machine's memory a run may need without ``--allow-large``.
MEMORY_SHARE = 0.8
#: The most worker processes per core accepted without ``--allow-large`` (more only slow a
#: run, and enough of them exhaust the machine's processes).
WORKERS_PER_CORE = 4
#: What the refusal suggests.
ALLOW_HINT = "ask for less, or add --allow-large to run it anyway"


@dataclass(frozen=True)
class Cost:
    """A request's estimated cost.

    Attributes
    ----------
    what : the request in words ("14 policies × 1,000 runs × 365 days")
    cpu_seconds : CPU time, all processes together, seconds
    memory : memory at the peak, all processes together, bytes
    workers : the cores it runs on (the time divides among them); 0 when unknown (a Dask
        cluster: then only the memory is checked)
    """

    what: str
    cpu_seconds: float
    memory: float
    workers: int

    @property
    def hours(self) -> float:
        """Wall-clock hours on :attr:`workers` cores (0 when unknown)."""
        return self.cpu_seconds / max(self.workers, 1) / 3600 if self.workers else 0.0


def seconds_per_run_day(engine: str = "ensemble") -> float:
    """CPU seconds per run-day of an engine."""
    return MESA_SECONDS_PER_RUN_DAY if engine == "mesa" else ENSEMBLE_SECONDS_PER_RUN_DAY


def machine_memory() -> int | None:
    """This machine's memory, bytes (None where it cannot be told)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return None


def human_bytes(n: float) -> str:
    """``1.2 GB``, ``840 MB``, ``3.4 PB``: a size in decimal units, two significant digits."""
    units = ("B", "kB", "MB", "GB", "TB", "PB", "EB")
    i = 0 if n < 1000 else min(int(math.log10(n) // 3), len(units) - 1)
    v = n / 1000**i
    return f"{v:.2g} {units[i]}" if v < 10 else f"{v:,.0f} {units[i]}"


def human_time(seconds: float) -> str:
    """``40 s``, ``12 minutes``, ``3.5 hours``, ``9 days``, ``31,000 years``."""
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600),
                       ("minutes", 60)):  # fmt: skip
        if seconds >= 2 * size:
            v = seconds / size
            return f"{v:,.0f} {unit}" if v >= 10 else f"{v:.1f} {unit}"
    return f"{seconds:.0f} s"


def check(cost: Cost, option: str, allow: bool = False) -> None:
    """Refuse a request beyond :data:`MEMORY_SHARE` of the machine's memory or
    :data:`MAX_HOURS` hours (unless ``allow``: ``--allow-large``).

    Raises
    ------
    UserError
        naming ``option`` (what sets the size: ``--runs``), the request, both estimates and the
        limits.
    """
    if allow:
        return
    total = machine_memory()
    too_big = total is not None and cost.memory > MEMORY_SHARE * total
    too_long = cost.hours > MAX_HOURS
    if not (too_big or too_long):
        return
    cores = f" on {cost.workers} core{'s' if cost.workers != 1 else ''}" if cost.workers else ""
    has = f" of the {human_bytes(total)} this machine has" if total is not None else ""
    limit = []
    if too_long:
        limit.append(f"at most {MAX_HOURS:g} hours")
    if too_big:
        limit.append(f"at most {MEMORY_SHARE:.0%} of the memory")
    raise UserError(
        f"{option}: {cost.what} would take about {human_time(cost.hours * 3600)}{cores} and "
        f"need about {human_bytes(cost.memory)} of memory{has} (the limits: "
        f"{' and '.join(limit)}); {ALLOW_HINT}"
    )


def check_workers(workers: int | None, cores: int, allow: bool = False) -> None:
    """Refuse ``--workers`` above :data:`WORKERS_PER_CORE` per core of the ``cores`` this
    process may use (unless ``allow``)."""
    if workers is not None and not allow and workers > WORKERS_PER_CORE * cores:
        raise UserError(
            f"--workers {workers}: more than {WORKERS_PER_CORE} worker processes per core "
            f"({cores} core{'s' if cores != 1 else ''} here) only slow the run; "
            f"{ALLOW_HINT}"
        )


def experiment_cost(
    policies: int,
    runs: int,
    days: int,
    chunk_size: int,
    workers: int,
    engine: str = "ensemble",
    keep_daily: bool = False,
) -> Cost:
    """An experiment (``run``, ``compare``): ``policies`` × ``runs`` runs of ``days`` days in
    chunks of ``chunk_size`` on ``workers`` processes (0: a Dask cluster)."""
    run_days = policies * runs * days
    chunk = min(chunk_size, runs)
    memory = (
        policies * runs * OUTCOME_BYTES_PER_RUN
        + max(workers, 1) * chunk * days * CHUNK_BYTES_PER_RUN_DAY
    )
    if keep_daily:
        memory += run_days * DAILY_BYTES_PER_RUN_DAY
    what = (
        f"{policies:,} {'policies' if policies != 1 else 'policy'} × {runs:,} runs × {days:,} days"
    )
    return Cost(what, run_days * seconds_per_run_day(engine), memory, workers)


def exploration_cost(
    policies: int, worlds: int, replications: int, days: int, chunk_runs: int, workers: int
) -> Cost:
    """An exploration: ``worlds`` × ``replications`` runs under each policy, chunks of about
    ``chunk_runs`` runs (a row per world and policy is kept)."""
    run_days = policies * worlds * replications * days
    memory = (
        policies * worlds * OUTCOME_BYTES_PER_RUN
        + max(workers, 1) * min(chunk_runs, worlds * replications) * days * CHUNK_BYTES_PER_RUN_DAY
    )
    what = (
        f"{policies:,} policies × {worlds:,} worlds × {replications:,} replications × {days:,} days"
    )
    return Cost(what, run_days * ENSEMBLE_SECONDS_PER_RUN_DAY, memory, workers)


def batch_cost(what: str, runs: int, days: int, batch_runs: int, kept_runs: int) -> Cost:
    """Runs computed in this process in batches (``sensitivity``): ``runs`` runs of ``days``
    days, at most ``batch_runs`` at once, a row of outcomes kept for ``kept_runs`` of them."""
    memory = (
        min(batch_runs, runs) * days * CHUNK_BYTES_PER_RUN_DAY + kept_runs * OUTCOME_BYTES_PER_RUN
    )
    return Cost(what, runs * days * ENSEMBLE_SECONDS_PER_RUN_DAY, memory, 1)


def trace_cost(what: str, held_runs: int, traced_days: int, run_days: int) -> Cost:
    """Runs simulated in this process with a daily trace (``replay``, ``branch``, the
    calibration): the traces of ``held_runs`` runs over ``traced_days`` days held at once,
    ``run_days`` run-days simulated in all."""
    memory = held_runs * traced_days * TRACE_BYTES_PER_RUN_DAY
    return Cost(what, run_days * ENSEMBLE_SECONDS_PER_RUN_DAY, memory, 1)
