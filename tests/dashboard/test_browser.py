"""A real browser on the running dashboard: headless Chromium (Debian's) driven by Playwright.

Starts the dashboard as `umot dashboard` does (its `streamlit run` command) on a free port
against the test database, opens every page by its URL, checks what a brand manager sees (no
exception, no "Page not found", no Deploy button, the own brand, the headline, no stage code as
a word) and saves a full-page screenshot of each to artifacts/screenshots/<page>.png. Skips
when /usr/bin/chromium is absent, unless UMOT_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from umot.commands.dashboard import streamlit_command

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
pytestmark = pytest.mark.browser


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("UMOT_REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(f"{CHROMIUM} is required (UMOT_REQUIRE_BROWSER=1) but missing")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(dashboard_config: Path, tmp_path: Path) -> Iterator[str]:
    _require_browser()
    port = _free_port()
    env = {**os.environ, "UMOT_CONFIG": str(dashboard_config)}
    env.pop("UMOT_DATABASE_URL", None)
    log = (tmp_path / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        streamlit_command(port), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text())
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


PAGES = {
    "overview": "Overview",
    "journey": "Customer journey",
    "loop": "Word-of-mouth loop",
    "mentions": "Mentions",
    "advocates-complaints": "Advocates & complaints",
    "crawls": "Crawls",
}
STAGE_CODE = re.compile(r"\b(zmot|fmot|amot|smot|umot)\b")  # lower case: the codes, not names


def _visible_text(page) -> str:  # type: ignore[no-untyped-def]
    """The page's visible text, without the text inside charts' canvases and table cells'
    canvas (Glide data grid draws on a canvas: its cells are checked by the AppTests)."""
    return str(page.locator("[data-testid='stMain']").inner_text())


def test_every_page_in_chromium(server: str) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            for path, title in PAGES.items():
                page = browser.new_page(viewport={"width": 1400, "height": 1800})
                page.goto(f"{server}/{path}", timeout=60_000)
                page.get_by_role("heading", name=title, exact=True).first.wait_for(timeout=60_000)
                if path in ("overview", "loop"):
                    chart = page.locator("[data-testid='stVegaLiteChart'] canvas, "
                                         "[data-testid='stVegaLiteChart'] svg").first  # fmt: skip
                    chart.wait_for(timeout=60_000)
                page.wait_for_timeout(2500)  # let the remaining charts finish drawing
                assert "UMOT" in page.title()
                assert not page.locator("[data-testid='stException']").count(), path
                assert not page.get_by_text("Page not found").count(), path
                assert not page.get_by_role("button", name="Deploy").count(), path
                assert not page.locator("[data-testid='stAppDeployButton']").count(), path
                sidebar = page.locator("[data-testid='stSidebar']").inner_text()
                assert "Acme" in sidebar, path
                text = _visible_text(page)
                found = STAGE_CODE.findall(text)
                assert not found, f"{path}: stage codes on screen: {found}"
                if path == "overview":
                    assert "What moved it" in text and "Acme · " in text
                    assert page.locator("[data-testid='stMetricValue']").count() >= 6
                if path == "loop":
                    page.get_by_text("Loop contributions per week").wait_for(timeout=30_000)
                page.screenshot(path=str(SHOTS / f"{path}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    for path in PAGES:
        assert (SHOTS / f"{path}.png").stat().st_size > 10_000, path
