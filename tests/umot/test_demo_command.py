"""`umot demo --no-dashboard` end to end on a fresh directory: every source kind, all classified."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.demo import assert_demo_runs
from tests.umot.conftest import DemoWorld

SPIDERS = {
    "jsonld", "trustpilot", "appstore", "reddit", "hackernews",
    "mastodon", "bluesky", "rss", "youtube",
}  # fmt: skip


def test_demo_crawls_every_source_kind_and_classifies_everything(demo_world: DemoWorld) -> None:
    run = demo_world.run
    assert run.returncode == 0, run.stderr[-2000:]
    assert "demo ready" in run.stdout
    status = subprocess.run(
        [sys.executable, "-m", "umot", "--config", "umot-demo/umot.toml", "status", "--json"],
        cwd=demo_world.directory, env=demo_world.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert set(data["mentions"]["by_spider"]) == SPIDERS
    assert all(count > 0 for count in data["mentions"]["by_spider"].values())
    assert data["mentions"]["total"] > 500
    assert data["classified"] == data["mentions"]["total"]
    assert_demo_runs(data["runs"])
