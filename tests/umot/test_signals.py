"""Ctrl-C and SIGTERM stop `umot crawl`, `schedule`, `dashboard` and `demo` cleanly, with real
signals to real processes: no child left running, ports free, unfinished runs `interrupted`."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from tests.support.postgres import free_port

SIGNALS = [signal.SIGINT, signal.SIGTERM]


@dataclass
class SlowSite:
    url: str
    pages_asked: threading.Event


@pytest.fixture
def slow_site() -> Iterator[SlowSite]:
    """A site whose pages never answer while the test runs: a crawl is always mid-page."""
    asked, release = threading.Event(), threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/robots.txt":
                self.send_response(404)
                self.end_headers()
                return
            asked.set()
            release.wait(120)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SlowSite(f"http://127.0.0.1:{server.server_port}/product", asked)
    release.set()
    server.shutdown()
    server.server_close()


def _config(directory: Path, site: SlowSite, *, schedule: str = "0 3 * * *") -> Path:
    path = directory / "umot.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///umot.db"

[crawler]
autothrottle = false
download_delay = 0
timeout = 300   # longer than any test: only the stop can end the page

[[brands]]
name = "Acme"
keywords = ["acme"]

[[sources]]
name = "slow"
spider = "jsonld"
brand = "Acme"
start_urls = ["{site.url}"]
schedule = "{schedule}"
"""
    )
    return path


def _as_in_a_terminal() -> None:
    """SIGINT handled as in a foreground process, even when the test run itself was started in
    the background (``&`` and nohup start it with SIGINT ignored, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UMOT_")}
    return subprocess.Popen(
        [sys.executable, "-m", "umot", *args],
        cwd=cwd,
        env=env,
        preexec_fn=_as_in_a_terminal,
        stdout=(cwd / "stdout.txt").open("w"),
        stderr=(cwd / "stderr.txt").open("w"),
        text=True,
    )


def _wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[str], signum: int, timeout: float) -> list[psutil.Process]:
    """Send ``signum``, wait for the process to end; the children it had when signalled."""
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signum)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"still running {timeout:.0f} s after {signum.name}") from None
    return children


def _gone(children: list[psutil.Process], within: float = 5.0) -> bool:
    """Every child ended, at most ``within`` seconds after the parent (a forkserver notices its
    parent's end when the pipe between them closes)."""
    deadline = time.monotonic() + within
    while [c for c in children if _alive(c)]:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _runs(directory: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(directory / "umot.db") as db:
        return db.execute("SELECT status, error FROM crawlrun ORDER BY id").fetchall()


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _serving(port: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return True
        except OSError:
            return False

    return check


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_crawl_marks_its_run_interrupted(
    tmp_path: Path, slow_site: SlowSite, signum: signal.Signals
) -> None:
    _config(tmp_path, slow_site)
    crawl = _start(["-c", "umot.toml", "crawl"], tmp_path)
    _wait_until(slow_site.pages_asked.is_set, 60, "the crawl to ask for its page")
    _stop(crawl, signum, timeout=30)
    assert crawl.returncode == 130  # a stopped crawl is not a successful one
    assert _runs(tmp_path) == [("interrupted", "stopped before the run finished")]
    assert "interrupted" in (tmp_path / "stdout.txt").read_text()


def test_schedule_stops_the_crawl_it_started(tmp_path: Path, slow_site: SlowSite) -> None:
    _config(tmp_path, slow_site)
    scheduler = _start(["-c", "umot.toml", "schedule", "--run-now"], tmp_path)
    _wait_until(slow_site.pages_asked.is_set, 60, "the scheduled crawl to ask for its page")
    children = _stop(scheduler, signal.SIGTERM, timeout=40)
    assert children, "the scheduler had started a crawl process"
    assert _gone(children)
    assert scheduler.returncode == 0
    assert "scheduler stopped" in (tmp_path / "stdout.txt").read_text()
    assert _runs(tmp_path) == [("interrupted", "stopped before the run finished")]
    log = (tmp_path / "logs" / "umot-schedule.log").read_text()
    assert "crawl slow: stopped" in log
    assert "[crawl slow]" in log  # the child's own output is kept in the log


@pytest.mark.slow
def test_schedule_stops_a_crawl_running_on_its_cron(tmp_path: Path, slow_site: SlowSite) -> None:
    """A job started by the cron runs in a worker thread: the stop reaches its child too."""
    _config(tmp_path, slow_site, schedule="* * * * *")
    scheduler = _start(["-c", "umot.toml", "schedule"], tmp_path)
    _wait_until(slow_site.pages_asked.is_set, 90, "the crawl started by the cron")
    crawls = [c for c in psutil.Process(scheduler.pid).children() if "crawl" in c.cmdline()]
    children = _stop(scheduler, signal.SIGINT, timeout=40)
    assert crawls, "the cron job had started a crawl process"
    assert _gone(children)
    assert _runs(tmp_path) == [("interrupted", "stopped before the run finished")]
    # No step started after the stop: the crawl's job ended without classifying.
    log = (tmp_path / "logs" / "umot-schedule.log").read_text()
    assert "classify: done" not in log


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: s.name)
def test_dashboard_stops_streamlit_and_frees_its_port(
    tmp_path: Path, signum: signal.Signals
) -> None:
    (tmp_path / "umot.toml").write_text('[database]\nurl = "sqlite:///umot.db"\n')
    port = free_port()
    dashboard = _start(["-c", "umot.toml", "dashboard", "--port", str(port)], tmp_path)
    _wait_until(_serving(port), 90, "the dashboard to serve")
    children = _stop(dashboard, signum, timeout=30)
    assert children, "the dashboard runs Streamlit in a child process"
    assert _gone(children)
    assert dashboard.returncode == 0
    assert _port_free(port)
    assert "dashboard stopped" in (tmp_path / "stdout.txt").read_text()


@pytest.mark.slow
def test_demo_stops_its_dashboard_and_its_site(tmp_path: Path) -> None:
    port = free_port()
    demo = _start(["demo", "--dir", "d", "--port", str(port)], tmp_path)
    _wait_until(_serving(port), 600, "the demo's dashboard to serve")
    children = _stop(demo, signal.SIGTERM, timeout=30)
    assert children, "the demo runs Streamlit in a child process"
    assert _gone(children), [(c.pid, c.cmdline()) for c in children if _alive(c)]
    assert _port_free(port)
    out = (tmp_path / "stdout.txt").read_text()
    assert "dashboard stopped" in out
    site = re.search(r"served at http://127\.0\.0\.1:(\d+)", out)
    assert site is not None and _port_free(int(site.group(1)))
