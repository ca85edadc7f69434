"""`umot demo --no-dashboard` end to end on a fresh directory: every source kind, all classified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.demo import assert_demo_runs

SPIDERS = {
    "jsonld", "trustpilot", "appstore", "reddit", "hackernews",
    "mastodon", "bluesky", "rss", "youtube",
}  # fmt: skip


def test_demo_crawls_every_source_kind_and_classifies_everything(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UMOT_")}
    run = subprocess.run(
        [sys.executable, "-m", "umot", "demo", "--no-dashboard"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "demo ready" in run.stdout
    status = subprocess.run(
        [sys.executable, "-m", "umot", "--config", "umot-demo/umot.toml", "status", "--json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert set(data["mentions"]["by_spider"]) == SPIDERS
    assert all(count > 0 for count in data["mentions"]["by_spider"].values())
    assert data["mentions"]["total"] > 500
    assert data["classified"] == data["mentions"]["total"]
    assert_demo_runs(data["runs"])
