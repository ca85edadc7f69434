"""What `umot crawl` prints when sources go wrong: a table in words, no log, no traceback.

Three bad sources, crawled for real through the CLI in a child process: a host that cannot
resolve (the .invalid TLD never does), a 404, and a page whose JSON-LD is broken. The log goes
to stderr only with --verbose, and to a file with --log-file.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.site import Answer, LocalSite
from tests.conftest import REPO_ROOT
from tests.crawler.conftest import run_crawl, write_config
from tests.crawler.pages import review, shop_page

BROKEN_JSON_LD = (
    b'<html><head><script type="application/ld+json">'
    b'{"@type": "Product", "name": "Jacket", "review": [{"@type": "Review", "reviewBody": '
    b"</script></head><body>broken</body></html>"
)


@pytest.fixture
def bad_sources(tmp_path: Path) -> Iterator[Path]:
    """A config of three failing sources against a local site (and one unresolvable host)."""
    site = LocalSite().start()
    try:
        broken = site.route("/broken.html", Answer(BROKEN_JSON_LD))
        yield write_config(
            tmp_path / "umot.toml",
            database=tmp_path / "umot.db",
            sources=[
                {
                    "name": "unknown-host",
                    "spider": "jsonld",
                    "start_urls": ["http://shop.invalid/"],
                },
                {"name": "not-found", "spider": "jsonld", "start_urls": [site.url + "/gone.html"]},
                {"name": "malformed", "spider": "jsonld", "start_urls": [broken]},
            ],
        )
    finally:
        site.stop()


def umot_crawl(config: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """`umot crawl` in a child process, stdout and stderr pipes (not a terminal)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UMOT_")}
    return subprocess.run(
        [sys.executable, "-m", "umot", "--config", str(config), "crawl", *flags],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_bad_sources_give_a_short_summary_in_words(bad_sources: Path) -> None:
    done = umot_crawl(bad_sources)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output  # failed sources: exit code 1, as before
    assert len(output.splitlines()) <= 30, output
    assert done.stderr == "", done.stderr  # no Scrapy log at all without --verbose
    assert "Traceback" not in output
    assert "could not resolve host shop.invalid" in done.stdout
    assert "HTTP 404 on 1 of 1 page" in done.stdout
    assert "1 page with broken review markup" in done.stdout
    assert "Error" not in done.stdout  # no exception class names
    rows = {line.split()[1]: line for line in done.stdout.splitlines() if "│ " in line}
    assert "errors" in rows["unknown-host"]  # counted against the source that logged them
    assert "1 warning" in rows["malformed"]
    last = done.stdout.strip().splitlines()[-1]
    assert " errors logged; rerun with --verbose or --log-file PATH to see them" in last


def test_status_tells_the_same_errors_and_what_to_do(bad_sources: Path) -> None:
    """`umot status` after the crawl: each source's last error in the same words, and, with
    nothing harvested, the next step."""
    umot_crawl(bad_sources)
    env = {k: v for k, v in os.environ.items() if not k.startswith("UMOT_")}
    done = subprocess.run(
        [sys.executable, "-m", "umot", "--config", str(bad_sources), "status"],
        cwd=REPO_ROOT, env={**env, "COLUMNS": "160"}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "could not resolve host shop.invalid" in done.stdout
    assert "HTTP 404 on 1 of 1 page" in done.stdout
    assert "1 page with broken review markup" in done.stdout
    # One source got a page through (partial): not "every source failed".
    assert "The database is empty: run `umot crawl`" in done.stdout


def test_log_file_gets_the_full_log(bad_sources: Path, tmp_path: Path) -> None:
    log = tmp_path / "logs" / "crawl.log"
    log.parent.mkdir()
    log.write_text("an earlier line\n")
    done = umot_crawl(bad_sources, "--log-file", str(log))
    assert done.returncode == 1
    assert done.stderr == "" and "Traceback" not in done.stdout
    assert f"the full log is in {log}" in done.stdout
    text = log.read_text()
    assert text.startswith("an earlier line\n")  # appended to
    assert "Traceback" in text
    assert "[scrapy.core.engine] INFO: Spider opened" in text  # logger names, INFO and up
    assert "] ERROR: Gave up retrying <GET http://shop.invalid/" in text


@pytest.mark.parametrize("to_file", [False, True])
def test_verbose_shows_scrapys_log_on_stderr(
    bad_sources: Path, tmp_path: Path, to_file: bool
) -> None:
    log = tmp_path / "crawl.log"
    done = umot_crawl(bad_sources, "--verbose", *(["--log-file", str(log)] if to_file else []))
    assert done.returncode == 1
    assert "[scrapy.core.engine] INFO: Spider opened" in done.stderr
    assert "Traceback" in done.stderr
    assert "could not resolve host shop.invalid" in done.stdout
    if to_file:  # both: the file too
        assert "[scrapy.core.engine] INFO: Spider opened" in log.read_text()


def test_unwritable_log_file_is_one_line_before_crawling(bad_sources: Path, tmp_path: Path) -> None:
    done = umot_crawl(bad_sources, "--log-file", str(tmp_path / "no-such-dir" / "crawl.log"))
    assert done.returncode == 2
    assert done.stderr.startswith("error: cannot write the log file ")
    assert len(done.stderr.splitlines()) == 1 and done.stdout == ""


def test_python_m_crawler_log_file(bad_sources: Path, tmp_path: Path) -> None:
    log = tmp_path / "crawl.log"
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "--config", str(bad_sources), "--log-file", str(log)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # the log went to the file instead
    assert "Traceback" in log.read_text()
    results = {r["source"]: r for r in json.loads(done.stdout)}
    assert results["unknown-host"]["error"] == "could not resolve host shop.invalid"
    assert results["unknown-host"]["errors"] >= 2
    assert (results["malformed"]["warnings"], results["malformed"]["errors"]) == (1, 0)
    assert (results["not-found"]["warnings"], results["not-found"]["errors"]) == (0, 0)


def test_a_partly_failing_source_says_on_how_many_pages(tmp_path: Path) -> None:
    """Retried failures count once per page: the middleware sees only what failed for good."""
    with socket.socket() as probe:  # a port nothing listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    site = LocalSite().start()
    try:
        good = site.route("/p1.html", Answer(shop_page([review(1)])))
        config = write_config(
            tmp_path / "umot.toml",
            database=tmp_path / "umot.db",
            sources=[
                {
                    "name": "partly",
                    "spider": "jsonld",
                    "start_urls": [good, f"http://127.0.0.1:{closed}/p2.html"],
                }
            ],
        )
        results = run_crawl(config)
    finally:
        site.stop()
    assert results["partly"]["status"] == "partial"
    assert results["partly"]["error"] == f"connection refused by 127.0.0.1:{closed} on 1 of 2 pages"
