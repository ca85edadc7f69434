"""A real browser on the running dashboard: headless Chromium (Debian's) driven by Playwright.

Starts `streamlit run dashboard/app.py` on a free port against the test database, opens the
UMOT → ZMOT loop page, waits for its title and a rendered chart, and saves a screenshot to
artifacts/screenshots/loop.png. Skips when /usr/bin/chromium is absent, unless
UMOT_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.conftest import APP

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
        [sys.executable, "-m", "streamlit", "run", APP, "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
    )  # fmt: skip
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


def test_loop_page_in_chromium(server: str) -> None:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1800})
            page.goto(f"{server}/loop", timeout=60_000)
            heading = page.get_by_role("heading", name="UMOT → ZMOT loop")
            heading.wait_for(timeout=60_000)
            chart = page.locator("[data-testid='stVegaLiteChart'] canvas, "
                                 "[data-testid='stVegaLiteChart'] svg").first  # fmt: skip
            chart.wait_for(timeout=60_000)
            page.get_by_text("Loop contributions per week").wait_for(timeout=30_000)
            page.wait_for_timeout(1500)  # let the remaining charts finish drawing
            assert "UMOT" in page.title()
            assert page.locator("[data-testid='stMetricValue']").count() >= 1
            assert not page.locator("[data-testid='stException']").count()
            page.screenshot(path=str(SHOTS / "loop.png"), full_page=True)
        finally:
            browser.close()
    assert (SHOTS / "loop.png").stat().st_size > 10_000
