"""Crawler fixtures: the real saved pages, a local HTTP site, and crawls in a child process.

Scrapy's reactor starts once per process, so every real crawl runs `python -m crawler` in a
subprocess against the site (a thread of the test process) and a SQLite file in tmp_path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT
from tests.crawler.site import LocalSite

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
    database: Path,
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
    lines = [f'[database]\nurl = "sqlite:///{database}"\n', "[crawler]"]
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


def run_crawl(
    config: Path, *sources: str, env: dict[str, str] | None = None, timeout: float = 120
) -> dict[str, dict[str, Any]]:
    """Crawl in a child process; {source name: result} (status, pages, new, updated, ...)."""
    command = [sys.executable, "-m", "crawler", "--config", str(config), "--log-level", "INFO"]
    for source in sources:
        command += ["--source", source]
    environment = {**os.environ, **(env or {})}
    environment.pop("UMOT_DATABASE_URL", None)
    done = subprocess.run(
        command,
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    # The crawl's log, kept beside its config for post-mortems.
    with (config.parent / "crawl.log").open("a", encoding="utf-8") as log:
        log.write(done.stderr)
    assert done.returncode == 0, done.stderr[-4000:]
    return {result["source"]: result for result in json.loads(done.stdout)}


@pytest.fixture
def crawl() -> CrawlFn:
    return run_crawl
