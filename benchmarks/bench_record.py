"""The record and its monthly series: time to load and validate a record, to compute its monthly
series for the default basis (what ``escalation record --monthly`` and ``--plot`` need) and for
every counter, and to answer again from the cache.

Prints one line per step with wall-clock seconds (best of ``--repeat`` fresh processes' worth of
work: each repetition clears the cache), the record's size and the number of bound programmes.
Target (``docs/record.md``): the basis of the full record well under a second or two.

Run::

    .venv/bin/python benchmarks/bench_record.py [--record full|seeds|DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time

from sim.inputs import monthly
from sim.inputs.record import load_record


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--record", default="full", help="full, seeds or a record folder")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        monthly._CACHE.clear()
        t0 = time.perf_counter()
        rec = load_record(args.record)
        t1 = time.perf_counter()
        monthly.monthly_table(rec)
        t2 = time.perf_counter()
        res = monthly.monthly(rec)
        t3 = time.perf_counter()
        monthly.monthly_table(rec)
        t4 = time.perf_counter()
        for k, v in (
            ("load and validate", t1 - t0),
            ("monthly series, basis", t2 - t1),
            ("the other five counters", t3 - t2),
            ("basis again (cache)", t4 - t3),
        ):
            best[k] = min(best.get(k, v), v)  # fmt: skip
    print(
        f"record {rec.name}: {len(rec.events)} events, {len(rec.counts)} count statements, "
        f"{len(rec.gaps)} gaps; {len(res.table)} table rows, {len(res.conflicts)} conflicts"
    )
    for k, v in best.items():
        print(f"{k}: {v:.3f} s")


if __name__ == "__main__":
    main()
