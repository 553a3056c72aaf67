"""The dashboard (sim/dashboard/app.py) and its command (escalation dashboard).

Fast tests build the page's model and figures without a server; one test serves the page and
drives it in a real headless Chromium (Reset, Step, Play, Pause, the Monte Carlo button); one
starts the real command and stops it as Ctrl-C would.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from browser import CHROMIUM_ARGS, free_port, require_chromium

from sim.cli import dashboard
from sim.cli.main import build_parser, main
from sim.core.ladder import RUNG_LABELS
from sim.core.params import GROUP_LABELS, TABLE
from sim.core.policies import REGISTRY
from sim.dashboard import app, model
from sim.experiments.sampling import (
    SOURCE_POSTERIOR,
    SOURCE_TABLE,
    build_params,
    chunk_rngs,
)
from sim.inputs.posterior import posterior_draws

SCENARIO_CHOICES = app.scenario_choices()
POLICIES = (app.SCENARIO_POLICY, "Do nothing", "Strike inside Iraq")


# --------------------------------------------------------------------------------------------
# The page's model, without a server
# --------------------------------------------------------------------------------------------
def test_the_scenario_menu_lists_every_scenario_file_and_the_default():
    files = sorted(p.stem for p in (app.SCENARIO_DIR).glob("*.yaml"))
    assert files, "no scenarios/*.yaml found beside the package"
    assert SCENARIO_CHOICES == ["default", *files]
    assert model.initial_choice() == "baseline"


def test_the_policy_menu_shows_every_registered_policy_by_its_label():
    menu = app.policy_choices()
    assert next(iter(menu)) == app.SCENARIO_POLICY
    assert sorted(v for v in menu.values() if v) == sorted(REGISTRY)
    for label, name in menu.items():
        if name:
            assert label == REGISTRY[name].label
    # what each policy does is shown beside the menu (the policy catalogue)
    assert "an attack that injures or kills Americans" in model.policy_text(
        REGISTRY["strike_iraq"]()
    )


def test_sliders_take_range_and_unit_from_the_table_and_start_at_the_scenario():
    scenario = app.load_choice("baseline")
    post = posterior_draws()
    specs = model.slider_specs(scenario)
    assert len(specs) == len(app.SLIDERS) >= 8
    for kw, (name, _title) in app.SLIDERS.items():
        spec, row = specs[kw], TABLE[name]
        assert (spec["min"], spec["max"], spec["unit"]) == (row.low, row.high, row.unit)
        assert 0 < spec["step"] <= (row.high - row.low) / 50
        if name in post.columns:  # the posterior's median, not the table's default
            assert spec["start"] == pytest.approx(float(post[name].median()))
            assert spec["source"] == SOURCE_POSTERIOR
        else:
            assert (spec["start"], spec["source"]) == (row.default, SOURCE_TABLE)
    assert specs["p_lethal"]["start"] != TABLE["p_lethal"].default


def test_a_slider_overrides_only_once_moved():
    untouched = app.DashboardModel(scenario_name="baseline", seed=3)
    scenario = app.load_choice("baseline")
    draw = build_params(scenario, 1, chunk_rngs(3, 0)[1])
    assert untouched.settings.overrides == {}
    for name, _ in app.SLIDERS.values():  # the run keeps its draw from the posterior
        assert untouched.p.flat[name][0] == draw.flat[name][0]
    moved = app.DashboardModel(scenario_name="baseline", seed=3, p_lethal=0.3)
    assert moved.settings.overrides == {"p_lethal": 0.3}
    assert moved.p.flat["p_lethal"][0] == 0.3
    assert moved.p.flat["self_excitation"][0] == draw.flat["self_excitation"][0]
    html = app.status_html(moved)
    assert "1 of 8 set by a slider" in html and "(set by its slider)" in html
    # a slider put back at its starting value overrides nothing (sampling.moved_controls)
    start = model.slider_specs(scenario)["p_lethal"]["start"]
    back = app.DashboardModel(scenario_name="baseline", seed=3, p_lethal=start)
    assert back.settings.overrides == {} and back.p.flat["p_lethal"][0] == draw.flat["p_lethal"][0]
    assert "0 of 8 set by a slider" in app.status_html(back)


@pytest.mark.parametrize("policy_label", POLICIES)
@pytest.mark.parametrize("scenario_name", SCENARIO_CHOICES)
def test_the_page_model_builds_and_runs_for_every_scenario(scenario_name, policy_label):
    model = app.DashboardModel(scenario_name=scenario_name, policy_label=policy_label)
    expected = app.load_choice(scenario_name)
    assert model.config == expected
    want_policy = expected.policy if policy_label == app.SCENARIO_POLICY else None
    if want_policy is None:
        want_policy = app.policy_choices()[policy_label]
    assert model.policy.name == want_policy
    assert model.settings.warnings == []
    days = 20
    for _ in range(days):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == days + 1
    assert model.time == days
    html = app.status_html(model)
    assert f"Day {days} of {expected.days}" in html
    assert f"{model.current_date:%d %b %Y}" in html


@pytest.mark.parametrize("scenario_name", SCENARIO_CHOICES)
def test_the_figures_draw_for_every_scenario(scenario_name):
    model = app.DashboardModel(scenario_name=scenario_name, policy_label="Tit-for-tat")
    for _ in range(40):
        model.step()
    ladder = app.ladder_figure(model).axes[0]
    assert [t.get_text() for t in ladder.get_yticklabels()] == [
        f"{r} {RUNG_LABELS[r]}" for r in range(10)
    ]
    rung_line = ladder.get_lines()[0]
    assert list(rung_line.get_ydata()) == list(
        model.datacollector.get_model_vars_dataframe()["rung"].to_numpy()[1:]
    )
    app.attacks_figure(model)
    actors = app.actors_figure(model)
    legend = [t.get_text() for t in actors.legends[0].get_texts()]
    assert legend == list(GROUP_LABELS.values())


def test_sliders_reach_the_run_and_override_the_scenario():
    model = app.DashboardModel(
        scenario_name="baseline", kh_base_rate=0.1, self_excitation=0.8, response_delay=7.0
    )
    assert model.p.base_rate[0, 0] == pytest.approx(0.1)
    assert model.p.self_excitation[0] == pytest.approx(0.8)
    assert model.p.response_delay[0] == pytest.approx(7.0)
    html = app.status_html(model)
    assert "Self-excitation: 0.8 expected follow-on attacks per attack" in html


def test_the_same_settings_give_the_same_run_and_another_seed_another():
    def rungs(seed):
        m = app.DashboardModel(scenario_name="baseline", seed=str(seed), kh_base_rate=0.1)
        for _ in range(120):
            m.step()
        return m.datacollector.get_model_vars_dataframe()["attacks"].to_numpy()

    first = rungs(5)
    assert np.array_equal(first, rungs(5))
    assert not np.array_equal(first, rungs(6))


def test_bad_input_falls_back_with_a_warning_instead_of_an_error():
    model = app.DashboardModel(scenario_name="no_such_scenario", seed="twelve")
    assert model.config.name == "default"
    assert model.settings.seed == app.DEFAULT_SEED
    html = app.status_html(model)
    assert "Seed &#x27;twelve&#x27; is not a whole number" in html
    assert "no_such_scenario.yaml: no such scenario file" in html


def test_a_day_waits_while_the_page_draws_the_run():
    """▶ steps the run in a thread while the page may draw it in another: a step waits for a
    drawing that holds the model's lock, and a drawing sees whole days only."""
    import threading

    model = app.DashboardModel(scenario_name="baseline", seed=3)
    model.step()
    with model.lock:  # what the page does while it draws a figure
        stepper = threading.Thread(target=model.step)
        stepper.start()
        stepper.join(timeout=0.5)
        assert stepper.is_alive() and model.t == 1, "a day went on while the page was drawing"
    stepper.join(timeout=30)
    assert not stepper.is_alive() and model.t == 2
    with model.lock:  # the drawing thread may take the lock again (reentrant)
        with model.lock:
            app.ladder_figure(model)


def test_the_diary_accounts_for_every_attack_and_casualty():
    model = app.DashboardModel(
        scenario_name="baseline", policy_label="Tit-for-tat", kh_base_rate=0.2, p_lethal=0.35
    )
    for _ in range(model.config.days):
        model.step()
    text = "\n".join(t for _, t in model.diary)
    groups = "|".join(re.escape(label) for label in GROUP_LABELS.values())
    attacks = len(re.findall(rf"(?:{groups}) attack", text))
    killed = sum(int(k) for k in re.findall(r"(\d+) killed", text))
    wounded = sum(int(w) for w in re.findall(r"(\d+) wounded", text))
    out = model.tally.out
    assert attacks == out["attacks_total"][0] > 0
    assert killed == out["us_killed"][0] > 0
    assert wounded == out["us_wounded"][0]
    strikes = len(re.findall(r"US strike|US decapitation", text))
    assert strikes == out["us_strikes"][0] > 0
    dates = [d for d, _ in model.diary]
    assert dates == sorted(dates) and dates[0] >= model.config.start


def test_monte_carlo_is_reproducible_and_follows_the_sliders():
    low = app.make_settings("baseline", "Do nothing", 3, {"p_lethal": 0.01})
    high = app.make_settings("baseline", "Do nothing", 3, {"p_lethal": 0.3})
    a = app.monte_carlo(low, n=300)
    assert len(a.outcomes["attacks_total"]) == 300
    again = app.monte_carlo(low, n=300)
    for key in ("attacks_total", "us_killed", "max_rung"):
        assert np.array_equal(a.outcomes[key], again.outcomes[key])
    b = app.monte_carlo(high, n=300)
    assert b.outcomes["us_killed"].mean() > 3 * a.outcomes["us_killed"].mean()
    fig = app.monte_carlo_figure(b)
    bars = fig.axes[2].patches
    assert len(bars) == 10
    shares = [bar.get_width() for bar in bars]
    assert sum(shares) == pytest.approx(100)


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------
def test_dashboard_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["dashboard", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "--port" in out and "--host" in out and "127.0.0.1" in out


def test_the_command_serves_sim_app_on_loopback_by_default():
    args = build_parser().parse_args(["dashboard"])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    cmd = dashboard.solara_command(args.host, args.port)
    assert cmd[:4] == [sys.executable, "-m", "solara", "run"]
    assert Path(cmd[4]) == Path(app.__file__).resolve()
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--port") + 1] == "8765"
    assert {"--production", "--no-open", "--no-check-version"} <= set(cmd)
    other = dashboard.solara_command("0.0.0.0", 9000)
    assert other[other.index("--host") + 1] == "0.0.0.0"
    assert other[other.index("--port") + 1] == "9000"


def test_the_server_environment(tmp_path):
    env = dashboard.solara_env(tmp_path, {"PATH": "/bin", "SOLARA_ASSETS_PROXY_CACHE_DIR": "x"})
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "false"
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(tmp_path)


def test_the_asset_folder_is_filled_once_and_found(tmp_path, monkeypatch):
    from sim.dashboard import assets

    monkeypatch.delenv("SOLARA_ASSETS_PROXY_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    # the user's cache, never beside the package (site-packages of an installed wheel)
    home = assets.default_dir()
    assert home == tmp_path / "home" / ".cache" / "escalation-sim" / "solara-assets"
    package = Path(assets.__file__).resolve().parents[1]
    assert not home.is_relative_to(package) and not home.is_relative_to(package.parent)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert assets.default_dir() == tmp_path / "cache" / "escalation-sim" / "solara-assets"
    monkeypatch.setenv("SOLARA_ASSETS_PROXY_CACHE_DIR", str(tmp_path / "mine"))
    assert assets.default_dir() == tmp_path / "mine"
    folder = tmp_path / "filled"
    for pkg in assets.SOLARA_ASSETS:  # a complete folder needs no npm
        (folder / pkg).mkdir(parents=True)
        (folder / pkg / "package.json").write_text("{}")
    assert assets.missing(folder) == []
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm on PATH
    assert assets.ensure_assets(folder) == folder
    with pytest.raises(assets.AssetsError, match="npm"):
        assets.ensure_assets(tmp_path / "empty")


def test_urls_and_port_checks(capsys):
    assert dashboard.url_for("127.0.0.1", 8765) == "http://127.0.0.1:8765/"
    assert dashboard.url_for("0.0.0.0", 80) == "http://127.0.0.1:80/"
    with pytest.raises(SystemExit):
        main(["dashboard", "--port", "70000"])
    assert "at most 65535" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("escalation: error: cannot serve on 127.0.0.1:") and "--port" in err


def _answers(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


ESCALATION = str(Path(sys.executable).parent / "escalation")


def _readme_environment() -> dict[str, str]:
    """The environment of a user who followed the README: no asset folder named."""
    env = dict(os.environ)
    env.pop("SOLARA_ASSETS_PROXY_CACHE_DIR", None)
    return env


@contextlib.contextmanager
def _dashboard(port: int, log: Path):
    """``escalation dashboard --port PORT`` as the README says, until the page answers."""
    url = f"http://127.0.0.1:{port}/"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [ESCALATION, "dashboard", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=_readme_environment(), start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not _answers(url):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the dashboard did not answer in 120 s"
            time.sleep(0.25)
        yield proc, url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_the_command_stops_cleanly(tmp_path, how):
    port = free_port()
    log = tmp_path / "dashboard.log"
    with _dashboard(port, log) as (proc, url):
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        else:
            proc.send_signal(signal.SIGTERM)  # what a service manager or `kill` does
        assert proc.wait(timeout=30) == 0, log.read_text()
        # the server is gone with the command: nothing holds the port
        assert not _answers(url), "the server still answers"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
    text = log.read_text()
    assert f"serving {url}" in text and "Traceback" not in text


# --------------------------------------------------------------------------------------------
# The page in a real browser, served by the command
# --------------------------------------------------------------------------------------------
def _text(page, text: str):
    """The first element showing ``text``. As Solara redraws a component, the browser may hold
    the old and the new copy for a moment, and a strict locator then fails at once (1 run in 12
    under load, 2026-12-01); the test checks at the end that one copy is left."""
    return page.get_by_text(text, exact=False).first


def _button(page, name: str):
    """The first button named ``name`` (see :func:`_text` for why the first)."""
    return page.get_by_role("button", name=name, exact=True).first


def _day(page) -> int | None:
    """The day the counter shows, or None while the page shows no counter (for a moment, as
    it redraws; a page that stays without one fails the wait that asked for it)."""
    try:
        text = _text(page, app.COUNTER).inner_text(timeout=2_000)
    except Exception:  # playwright's TimeoutError: no counter on the page right now
        return None
    return int(text.split(app.COUNTER)[1].split()[0])


def _wait_until(condition, timeout: float, what: str, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def _settled(page, quiet: float, timeout: float) -> int:
    """The day counter once it has not changed for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    value, since = _day(page), time.monotonic()
    while value is None or time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            raise AssertionError(f"the day counter kept changing for {timeout:.0f} s")
        time.sleep(0.25)
        now = _day(page)
        if now != value:
            value, since = now, time.monotonic()
    return value


def _dump_failure(page, tmp_path: Path, log: Path) -> None:
    """Print the page's text and the server's log, and keep a screenshot, after a failure."""
    print("---- the dashboard's log ----", log.read_text()[-8000:], sep="\n")
    if page is None:
        return
    try:
        text = page.inner_text("body", timeout=5_000)
    except Exception as exc:  # the page itself may be gone
        text = f"(no page text: {exc})"
    print("---- the page's text at the failure ----", text[:4000], sep="\n")
    try:
        page.screenshot(path=tmp_path / "failure.png", full_page=True, timeout=10_000)
        keep = os.environ.get("ESCALATION_SCREENSHOT_DIR")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(tmp_path / "failure.png", Path(keep) / "dashboard-failure.png")
    except Exception:
        pass


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_the_dashboard_command_serves_a_working_page_without_a_cdn(tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect, sync_playwright

    chromium = require_chromium()
    shot = tmp_path / "dashboard.png"
    outside: list[str] = []

    def local_only(route):  # a machine without access to a CDN
        if route.request.url.startswith("http://127.0.0.1"):
            return route.continue_()
        outside.append(route.request.url)
        return route.abort()

    log = tmp_path / "dashboard.log"
    with _dashboard(free_port(), log) as (proc, url), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = None
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1500})
            page.route("**/*", local_only)
            page.goto(url)
            counter = _text(page, app.COUNTER)
            expect(counter).to_be_visible(timeout=60_000)
            ladder = page.locator("img").first
            expect(ladder).to_be_visible(timeout=60_000)
            # none of Mesa's internals; slider values are shown
            for hidden in ("Page 0", "PAGE 0", "Use Threads", "Render Interval"):
                assert page.get_by_text(hidden, exact=True).count() == 0, hidden
            expect(page.locator("label", has_text="Self-excitation: ")).to_be_visible()

            _button(page, "Reset").click()
            expect(_text(page, f"{app.COUNTER}0 of 365")).to_be_visible(timeout=30_000)
            step = _button(page, "Step")
            for _ in range(3):
                step.click()
            expect(_text(page, f"{app.COUNTER}3 of 365")).to_be_visible(timeout=30_000)
            expect(_text(page, "Day 3 of 365")).to_be_visible(timeout=30_000)
            before = ladder.get_attribute("src")

            _button(page, "▶").click()
            pause = _button(page, "❚❚")
            expect(pause).to_be_visible(timeout=30_000)
            _wait_until(lambda: (_day(page) or 0) >= 3 + app.RENDER_EVERY, 60, "the day to advance")
            _wait_until(lambda: ladder.get_attribute("src") != before, 30, "a new ladder plot")
            # on a loaded machine Play may reach the last day before the click lands: the
            # button is then ▶ again, the year over, which is the state Pause leads to too
            try:
                pause.click(timeout=5_000)
            except PlaywrightTimeout:
                assert _day(page) == 365, "❚❚ could not be clicked while the year still played"
            expect(_button(page, "▶")).to_be_visible(timeout=30_000)
            stopped = _settled(page, quiet=2.0, timeout=30)
            time.sleep(1.0)
            assert _day(page) == stopped, "the counter still moves after Pause"
            expect(_text(page, f"Day {stopped} of 365")).to_be_visible(timeout=30_000)

            _button(page, "Run 1,000 runs with these settings").click()
            expect(_text(page, "Monte Carlo: 1,000 runs")).to_be_visible(timeout=60_000)
            for once in (app.COUNTER, "Monte Carlo: 1,000 runs", f"Day {stopped} of 365"):
                _wait_until(
                    lambda t=once: page.get_by_text(t, exact=False).count() == 1,
                    30,
                    f"one copy of {once!r} (the redraw over)",
                )
            time.sleep(1.0)  # let the last images settle before the screenshot
            page.screenshot(path=shot, full_page=True)
        except BaseException:
            # what the page and the server showed when it failed, for the CI log
            _dump_failure(page, tmp_path, log)
            raise
        finally:
            browser.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    assert not any("cdn" in u or "jsdelivr" in u for u in outside), outside[:5]
    assert "Traceback" not in log.read_text()
    assert shot.read_bytes().startswith(b"\x89PNG")
    keep = os.environ.get("ESCALATION_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "dashboard.png")


def test_the_page_starts_with_the_command_lines_seed():
    from sim.cli.main import build_parser

    args = build_parser("run").parse_args(["run", "baseline"])
    assert app.DEFAULT_SEED == args.seed == 1
