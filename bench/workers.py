"""`umot classify` with one and with two worker processes on PostgreSQL, side by side.

    PYTHONPATH=. .venv/bin/python bench/workers.py [--mentions 2264] [--url postgresql+psycopg://…]

Loads the clothing reviews of ../shared/data (dev split: texts only, labels unused) as
unlabelled mentions through the crawl's own upsert, into a PostgreSQL server it starts itself
(or ``--url``'s, which must be empty), and copies that database once per run (``CREATE DATABASE
… TEMPLATE``). Then runs real ``umot classify`` processes on the copies:

- one worker, its ONNX Runtime using every core (the default);
- one worker with one thread (``OMP_NUM_THREADS=1``);
- two workers at once, one thread each.

Each run's rate is mentions / the longest worker's classification time (as ``umot classify``
reports it: after its model loaded). Afterwards every mention has exactly one classification,
and the rollups equal the mentions. Prints a table; ``--json PATH`` writes it.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlmodel import Session

from store import rollups
from store.catalog import ensure_source
from store.cube import daily_cube
from store.db import make_engine, upgrade
from store.facts import RAW
from store.mentions import upsert_many
from store.models import Classification, Mention
from store.schemas import MentionIn
from store.scope import Scope

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "clothing_reviews" / "dev.csv"
UMOT = Path(sys.executable).with_name("umot")
RATE = re.compile(r"classified (\d+) mentions in ([\d.]+) s")


def load(url: str, limit: int) -> int:
    with DATA.open(newline="", encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f) if row["text"].strip()][:limit]
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        source_id = ensure_source(session, name="reviews", spider="jsonld")
        upsert_many(
            session,
            source_id=source_id,
            items=[
                MentionIn(external_id=f"r{i}", kind="review", text=text)
                for i, text in enumerate(texts)
            ],
        )
        session.commit()
    rollups.fold_all(engine)
    engine.dispose()
    return len(texts)


def copy_database(url: str, name: str) -> str:
    import psycopg

    parsed = make_url(url)
    with psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname="postgres",
        autocommit=True,
    ) as conn:  # fmt: skip
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


def run_workers(url: str, workers: int, threads: int | None) -> dict[str, Any]:
    env = {**os.environ, "UMOT_DATABASE_URL": url}
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [str(UMOT), "classify", "--quiet"],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for _ in range(workers)
    ]
    outputs = [p.communicate()[0] for p in procs]
    wall = time.perf_counter() - started
    done, seconds = 0, 0.0
    for proc, output in zip(procs, outputs, strict=True):
        if proc.returncode:
            raise SystemExit(f"umot classify failed:\n{output}")
        match = RATE.search(output)
        if match:  # a worker that found nothing left prints no rate
            done += int(match.group(1))
            seconds = max(seconds, float(match.group(2)))
    rate = done / seconds if seconds else 0.0
    return {"workers": workers, "threads": threads or "all", "classified": done,
            "seconds": seconds, "wall_s": wall, "rate": rate}  # fmt: skip


def check(url: str, mentions: int) -> dict[str, Any]:
    """Each mention classified once; the rollups equal the mentions."""
    engine = make_engine(url)
    rollups.fold_all(engine)
    with Session(engine) as session:
        rows = session.scalar(select(func.count()).select_from(Classification))
        distinct = session.scalar(select(func.count(func.distinct(Classification.mention_id))))
        labelled = session.scalar(
            select(func.count()).select_from(Mention).where(Mention.sentiment.is_not(None))  # type: ignore[union-attr]
        )
    with Session(engine, info={RAW: True}) as raw, Session(engine, info={RAW: False}) as rolled:
        equal = daily_cube(raw, scope=Scope()).equals(daily_cube(rolled, scope=Scope()))
    engine.dispose()
    once = rows == distinct == labelled == mentions
    return {"classifications": rows, "distinct": distinct, "labelled": labelled,
            "once_each": once, "rollups_equal_raw": equal}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mentions", type=int, default=2264)
    parser.add_argument("--url", help="An empty PostgreSQL database (default: a server of its own)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with ExitStack() as stack:
        if args.url:
            base = args.url
        else:
            from tests.support.postgres import temporary_postgres

            base = stack.enter_context(temporary_postgres())
        n = load(base, args.mentions)
        print(f"{n} unlabelled mentions; {os.cpu_count()} cores")
        results = []
        for i, (workers, threads) in enumerate(((1, None), (1, 1), (2, 1))):
            url = copy_database(base, f"umot_workers_{i}")
            result = run_workers(url, workers, threads) | check(url, n)
            results.append(result)
            print(
                f"  {workers} worker(s), threads {result['threads']}: {result['classified']} in "
                f"{result['seconds']:.1f} s = {result['rate']:.1f} mentions/s; "
                f"each once: {result['once_each']}; rollups equal raw: "
                f"{result['rollups_equal_raw']}",
                flush=True,
            )
        one, two = results[0]["rate"], results[2]["rate"]
        print(f"2 workers / 1 worker (all threads): {two / one:.2f}x; "
              f"/ 1 worker (1 thread): {two / results[1]['rate']:.2f}x")  # fmt: skip
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
