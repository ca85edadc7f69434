"""Upsert throughput: N mentions into a fresh database, then the same N again.

    PYTHONPATH=. python bench/upsert.py [--n 100000] [--database sqlite|postgresql]
        [--url sqlite:////tmp/bench.db]

SQLite: a temporary file; PostgreSQL: a server of its own (as the tests start one); ``--url``:
that database. Batches of 1,000 as the crawler's store pipeline writes them (each its own
transaction, under a crawl run of their own, the rollup journal folded every 20 batches and at
the end, as the pipeline does).
Prints mentions/s for the first pass (all new), the re-crawl pass (all known, counters
changed, snapshots written) and a second re-crawl that changes nothing but the sighting.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from crawler.pipelines.store import FOLD_EVERY
from store import rollups
from store.catalog import ensure_source
from store.db import make_engine, upgrade
from store.mentions import upsert_many
from store.runs import finish_run, start_run
from store.schemas import MentionIn

# (label, likes): the first pass inserts; the second finds every mention with a counter moved
# (every index of a row gets a new entry); the third sees them all again unchanged, as most of
# a real re-crawl is (only the sighting's time and run change).
PASSES = (
    ("insert (all new)", 0),
    ("re-crawl (all known)", 3),
    ("re-crawl (unchanged)", 3),
)


def make_items(n: int, likes: int) -> list[MentionIn]:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    return [
        MentionIn(
            external_id=f"review-{i}",
            kind="review",
            author=f"customer {i % 5000}",
            title="Lovely shirt" if i % 3 else None,
            text=f"Review {i}: the linen shirt is soft, arrived in two days, fits true to size.",
            rating=float(1 + i % 5),
            published_at=t0 + timedelta(minutes=i),
            language="en",
            helpful_votes=i % 7,
            likes=likes,
            rank=i % 20,
        )
        for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--url", default=None)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        url = args.url
        if url is None and args.database == "postgresql":
            from tests.support.postgres import temporary_postgres

            url = stack.enter_context(temporary_postgres())
        url = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:
            source_id = ensure_source(session, name="bench", spider="jsonld")
            session.commit()
        for label, likes in PASSES:
            items = make_items(args.n, likes)
            start = time.perf_counter()
            with Session(engine) as session:
                run_id = start_run(session, source_id=source_id).id
                session.commit()
                # The crawler's store pipeline commits per batch of 1000 too.
                for batch, i in enumerate(range(0, len(items), 1000), start=1):
                    upsert_many(
                        session, source_id=source_id, items=items[i : i + 1000], run_id=run_id
                    )
                    session.commit()
                    if batch % FOLD_EVERY == 0:
                        with engine.connect() as conn:
                            rollups.fold(conn)
            rollups.fold_all(engine)
            with Session(engine) as session:
                finish_run(session, run_id=run_id, status="ok")
                session.commit()
            elapsed = time.perf_counter() - start
            print(
                f"{label:22s} {args.n:>8,d} mentions in {elapsed:6.2f} s = "
                f"{args.n / elapsed:>8,.0f} mentions/s  ({engine.dialect.name})"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
