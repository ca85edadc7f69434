"""Crawler fixtures: the real saved pages, a local HTTP site, crawls in a child process, Redis.

Scrapy's reactor starts once per process, so every real crawl runs `python -m crawler` in a
subprocess against the site (a thread of the test process) and a SQLite file in tmp_path.
`redis_url` starts a real redis-server (skipped when it is not installed, unless
`UMOT_REQUIRE_REDIS=1`, as in CI, which makes that a failure).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from demo.site import LocalSite
from tests.conftest import REPO_ROOT

CrawlFn = Callable[..., dict[str, dict[str, Any]]]


@pytest.fixture(scope="session")
def real_dir(shared_dir: Path) -> Path:
    """../shared/fixtures/real (skipped with a reason when absent; CI fails instead)."""
    path = shared_dir / "fixtures" / "real"
    if not path.is_dir():
        if os.environ.get("UMOT_REQUIRE_SHARED", "") not in ("", "0"):
            pytest.fail(f"{path} is required (UMOT_REQUIRE_SHARED=1) but missing")
        pytest.skip(f"{path} is absent: the real saved pages are not available")
    return path


@pytest.fixture
def site(real_dir: Path) -> Iterator[LocalSite]:
    site = LocalSite(real_dir).start()
    yield site
    site.stop()


def toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def write_config(
    path: Path,
    *,
    database: Path | str,
    sources: list[dict[str, Any]],
    brands: list[dict[str, Any]] | None = None,
    crawler: dict[str, Any] | None = None,
) -> Path:
    settings = {
        "contact": "https://umot.example/test-bot",
        "autothrottle": False,
        "download_delay": 0,
        "concurrency": 8,
        "timeout": 2,
        "retry_after_cap": 1.5,
        "max_pages": 10,
        **(crawler or {}),
    }
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    lines = [f'[database]\nurl = "{url}"\n', "[crawler]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in settings.items()]
    for brand in brands or [{"name": "Acme", "keywords": ["acme"]}]:
        lines.append("\n[[brands]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in brand.items()]
    for source in sources:
        lines.append("\n[[sources]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in source.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))  # the helper itself must write valid TOML
    return path


def start_crawl(
    config: Path, *sources: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """`python -m crawler` in a child process, not waited for (see ``finish_crawl``)."""
    command = [sys.executable, "-m", "crawler", "--config", str(config), "--log-level", "INFO"]
    for source in sources:
        command += ["--source", source]
    environment = {**os.environ, **(env or {})}
    environment.pop("UMOT_DATABASE_URL", None)
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish_crawl(
    config: Path, process: subprocess.Popen[str], timeout: float = 120
) -> dict[str, dict[str, Any]]:
    """Wait for a crawl; {source name: result} (status, pages, new, updated, ...)."""
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        raise AssertionError(f"the crawl ran past {timeout}s: {stderr[-4000:]}") from None
    # The crawl's log, kept beside its config for post-mortems.
    with (config.parent / "crawl.log").open("a", encoding="utf-8") as log:
        log.write(stderr)
    assert process.returncode == 0, stderr[-4000:]
    return {result["source"]: result for result in json.loads(stdout)}


def run_crawl(
    config: Path, *sources: str, env: dict[str, str] | None = None, timeout: float = 120
) -> dict[str, dict[str, Any]]:
    """Crawl in a child process; {source name: result} (status, pages, new, updated, ...)."""
    return finish_crawl(config, start_crawl(config, *sources, env=env), timeout)


@pytest.fixture
def crawl() -> CrawlFn:
    return run_crawl


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A real redis-server on a free loopback port, for this test only."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("UMOT_REQUIRE_REDIS", "") not in ("", "0"):
            pytest.fail("redis-server is required (UMOT_REQUIRE_REDIS=1) but not installed")
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None, "redis-server exited at start"
            time.sleep(0.1)
        else:
            raise AssertionError("redis-server did not start listening")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)
