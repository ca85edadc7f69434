"""bench/scale.py end to end on a small scale: it generates, times every query, writes JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_scale_bench_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    out = tmp_path / "scale.json"
    command = [
        sys.executable, str(REPO_ROOT / "bench" / "scale.py"), "--database", "postgresql",
        "--url", postgres_url, "--mentions", "5000", "--repeat", "1", "--json", str(out),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    report = json.loads(out.read_text())
    assert report["database"] == "postgresql"
    assert report["mentions"] == 5000
    assert report["rollups_equal_raw"] is True
    queries = report["queries"]
    assert len(queries) >= 80  # every page's queries and the headline, for three filter sets
    assert len({q["name"] for q in queries}) == len(queries)
    for query in queries:
        assert query["error"] is None, query
        assert query["cold_s"] > 0 and query["warm_s"] > 0, query
        assert isinstance(query["seq_scan_mention"], bool), query
    names = " ".join(q["name"] for q in queries)
    assert "headline (quarter)" in names and "report (quarter" in names
    assert "EXPLAIN (ANALYZE, BUFFERS)" in done.stdout
