"""`umot classify` as real processes with the builtin model: parallel workers and kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from store.catalog import ensure_source
from store.db import make_engine, upgrade
from store.mentions import upsert_many
from store.models import Classification, Mention
from store.schemas import MentionIn

TEXTS = (
    "Arrived in two days, lovely.",
    "Still waiting for my parcel.",
    "The fabric is so soft!",
    "Would you recommend the jacket?",
    "Checkout kept failing.",
    "Never ordering again.",
)


def _fill(url: str, n: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        source_id = ensure_source(session, name="shop", spider="jsonld")
        items = [MentionIn(external_id=str(i), text=f"{TEXTS[i % 6]} #{i}") for i in range(n)]
        upsert_many(session, source_id=source_id, items=items, snapshots=False)
        session.commit()
    engine.dispose()


def _classify(url: str, tmp_path: Path, *extra: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UMOT_")}
    env["UMOT_DATABASE_URL"] = url
    return subprocess.Popen(
        [sys.executable, "-m", "umot", "classify", "--quiet", *extra],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.scalar(select(func.count()).select_from(Classification)) or 0
        distinct = session.scalar(select(func.count(func.distinct(Classification.mention_id))))
        labelled = session.scalar(
            select(func.count()).select_from(Mention).where(Mention.sentiment.is_not(None))
        )
    engine.dispose()
    return rows, distinct or 0, labelled or 0


@pytest.mark.slow
@pytest.mark.postgres
def test_three_workers_classify_each_mention_exactly_once(postgres_url, tmp_path) -> None:
    n = 5000
    _fill(postgres_url, n)
    workers = [_classify(postgres_url, tmp_path, "--batch-size", "100") for _ in range(3)]
    outputs = [w.communicate(timeout=900) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    done = [int(out.split("classified ")[1].split()[0]) for out, _ in outputs]
    assert sum(done) == n
    assert all(d > 0 for d in done), f"a worker got no batch: {done}"
    assert _counts(postgres_url) == (n, n, n)


@pytest.mark.slow
def test_kill_9_midway_then_rerun_loses_and_repeats_nothing(sqlite_url, tmp_path) -> None:
    n = 1500
    _fill(sqlite_url, n)
    worker = _classify(sqlite_url, tmp_path, "--batch-size", "50")
    deadline = time.monotonic() + 300
    while _counts(sqlite_url)[0] == 0:
        assert worker.poll() is None, worker.communicate()[1]
        assert time.monotonic() < deadline, "no batch committed in time"
        time.sleep(0.2)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    committed, _, _ = _counts(sqlite_url)
    assert 0 < committed < n
    rerun = _classify(sqlite_url, tmp_path)
    out, err = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, err
    assert f"classified {n - committed} mentions" in out
    assert _counts(sqlite_url) == (n, n, n)


def test_with_nothing_to_do_it_says_why(sqlite_url, tmp_path) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    empty = _classify(sqlite_url, tmp_path)
    out, err = empty.communicate(timeout=300)
    assert empty.returncode == 0, err
    assert out.strip() == (
        "nothing to classify: the database holds no mentions yet; run `umot crawl` first"
    )
    _fill(sqlite_url, 6)
    first = _classify(sqlite_url, tmp_path)
    assert "classified 6 mentions" in first.communicate(timeout=300)[0]
    again = _classify(sqlite_url, tmp_path)
    out, _ = again.communicate(timeout=300)
    assert out.startswith("nothing to classify: all 6 mentions already have labels from builtin-")
