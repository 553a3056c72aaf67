"""What the dashboard's Play costs the server: one simulated year of the page's model, redrawn
as the page redraws it while playing (every ``RENDER_EVERY`` days; the actors' figure every
``ACTORS_EVERY`` redraws), PNG encoding included. The browser's share (decoding a few images)
is small. Prints seconds per simulated year; the target is under 20 s.

    MPLBACKEND=Agg python benchmarks/bench_dashboard.py
"""

from __future__ import annotations

import io
import time

from sim.dashboard import app


def play_one_year(policy: str = "Tit-for-tat") -> tuple[float, int]:
    """Seconds and redraws of one simulated year of the baseline scenario."""
    m = app.DashboardModel(scenario_name="baseline", policy_label=policy)
    for make in (app.ladder_figure, app.attacks_figure, app.actors_figure):
        make(m)  # the figures are set up once per session, before Play
    t0, frames = time.perf_counter(), 0
    while m.t < m.config.days:
        m.step()
        if m.t % app.RENDER_EVERY == 0 or m.t >= m.config.days:
            frames += 1
            figs = [app.ladder_figure(m), app.attacks_figure(m)]
            if frames % app.ACTORS_EVERY == 0:
                figs.append(app.actors_figure(m))
            for fig in figs:
                fig.savefig(io.BytesIO(), format="png", pil_kwargs={"compress_level": 1})
            app.status_html(m)
    return time.perf_counter() - t0, frames


if __name__ == "__main__":
    seconds, frames = play_one_year()
    print(f"dashboard Play, one simulated year: {seconds:.1f} s ({frames} redraws, "
          f"every {app.RENDER_EVERY} days)")  # fmt: skip
