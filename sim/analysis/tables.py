"""The one writer of tables: Markdown (reports, summary.md, docs), plain text (the terminal) and
CSV, from a header and rows of already formatted cells."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Sequence


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table; ``|`` inside a cell is escaped."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|") for c in cells) + " |"

    out = [line(header), "|" + "|".join(["---"] * len(header)) + "|"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def csv_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The table as CSV text (RFC 4180 quoting, ``\\n`` line ends)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def text_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int = 100,
    wrap: Sequence[int] = (),
) -> str:
    """A plain-text table that fits ``width`` columns.

    Columns are left-aligned and separated by two spaces. Columns whose indices are in ``wrap``
    share the room the other columns leave and are wrapped onto further lines; other columns
    are never wrapped.
    """
    n = len(header)
    cells = [[str(c) for c in header], *[[str(c) for c in r] for r in rows]]
    natural = [max(len(r[j]) for r in cells) for j in range(n)]
    fixed = sum(natural[j] for j in range(n) if j not in wrap) + 2 * (n - 1)
    widths = list(natural)
    if wrap and fixed + sum(natural[j] for j in wrap) > width:
        room = max(10 * len(wrap), width - fixed)
        share = room // len(wrap)
        for j in wrap:
            widths[j] = max(8, min(natural[j], share))
    lines = []
    for k, r in enumerate(cells):
        parts = [textwrap.wrap(r[j], widths[j]) or [""] if j in wrap else [r[j]] for j in range(n)]
        for i in range(max(len(p) for p in parts)):
            line = "  ".join(
                (p[i] if i < len(p) else "").ljust(widths[j]) for j, p in enumerate(parts)
            )
            lines.append(line.rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


__all__ = ["csv_table", "markdown_table", "text_table"]
