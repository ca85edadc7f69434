"""Crawls from long-lived processes (a scheduler, the demo): one child process per crawl."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable

from core import processes
from crawler.runner import SourceResult


def run_sources_in_child(
    config_path: str | None,
    names: Iterable[str] | None = None,
    *,
    log_level: str = "WARNING",
    timeout: float | None = None,
) -> list[SourceResult]:
    """``run_sources`` in a fresh child process (`python -m crawler`).

    For long-lived processes (a scheduler, the demo) that crawl more than once: Scrapy's reactor
    cannot restart in the same process. The child inherits the environment (credentials,
    UMOT_DATABASE_URL); its log goes to this process's stderr. Interrupting this process
    stops the child, which marks its runs ``interrupted``.
    """
    command = [sys.executable, "-m", "crawler", "--log-level", log_level]
    if config_path is not None:
        command += ["--config", str(config_path)]
    for name in names or []:
        command += ["--source", name]
    done = processes.run(command, stdout=subprocess.PIPE, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"the crawl process exited with code {done.returncode}")
    return [SourceResult(**row) for row in json.loads(done.stdout)]
