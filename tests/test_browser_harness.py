"""Proves the browser harness (tests/browser.py) on a throwaway Solara page.

If this fails, the dashboard's browser tests cannot work either: look here first.
"""

import textwrap

import pytest
from browser import CHROMIUM_ARGS, free_port, require_chromium, serve_solara
from playwright.sync_api import expect, sync_playwright

COUNTER_APP = textwrap.dedent(
    """
    import solara


    @solara.component
    def Page():
        count, set_count = solara.use_state(0)
        solara.Button("Increment", on_click=lambda: set_count(count + 1))
        solara.Text(f"Count: {count}")
    """
)


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_a_served_solara_page_reacts_to_a_click(tmp_path):
    chromium = require_chromium()
    app = tmp_path / "counter_app.py"
    app.write_text(COUNTER_APP)
    screenshot = tmp_path / "counter.png"

    with serve_solara(app, free_port()) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1024, "height": 640})
            page.goto(url)
            # The first render waits for the front-end files and the kernel's websocket.
            expect(page.get_by_text("Count: 0", exact=True)).to_be_visible(timeout=60_000)
            button = page.get_by_role("button", name="Increment", exact=True)
            button.click()
            expect(page.get_by_text("Count: 1", exact=True)).to_be_visible(timeout=15_000)
            button.click()
            expect(page.get_by_text("Count: 2", exact=True)).to_be_visible(timeout=15_000)
            page.screenshot(path=screenshot)
        finally:
            browser.close()

    assert screenshot.read_bytes().startswith(b"\x89PNG")
