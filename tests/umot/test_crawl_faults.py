"""`kill -9` of a crawl midway, then a re-run: no duplicates, nothing committed is lost."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demo import demo_environment, serve_demo, write_demo_config


def _stored(db: Path) -> tuple[int, int]:
    if not db.exists():
        return 0, 0
    with sqlite3.connect(db) as conn:
        try:
            total = conn.execute("SELECT count(*) FROM mention").fetchone()[0]
            distinct = conn.execute(
                "SELECT count(*) FROM (SELECT DISTINCT source_id, external_id FROM mention)"
            ).fetchone()[0]
        except sqlite3.OperationalError:  # schema not created yet
            return 0, 0
    return total, distinct


@pytest.mark.slow
def test_kill_9_midway_then_rerun(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UMOT_")}
    with serve_demo() as base_url, demo_environment(env):
        config = write_demo_config(tmp_path / "demo", base_url)
        db = tmp_path / "demo" / "demo.db"
        command = [sys.executable, "-m", "crawler", "--config", str(config.path)]
        crawl = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 120
        while _stored(db)[0] == 0:
            assert crawl.poll() is None, "the crawl ended before anything was stored"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        crawl.send_signal(signal.SIGKILL)
        crawl.wait()
        before, _ = _stored(db)
        assert before > 0
        rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        after, distinct = _stored(db)
        assert after == distinct  # no duplicates
        assert after >= before  # nothing committed was lost

        # A clean crawl of the same world into a fresh database stores the same mentions.
        clean_dir = tmp_path / "clean"
        clean = write_demo_config(clean_dir, base_url)
        done = subprocess.run(
            [sys.executable, "-m", "crawler", "--config", str(clean.path)],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert _stored(clean_dir / "demo.db")[0] == after
        with sqlite3.connect(db) as conn:
            statuses = [row[0] for row in conn.execute("SELECT status FROM crawlrun")]
        assert "running" not in statuses  # the killed run was marked interrupted
        assert "interrupted" in statuses
