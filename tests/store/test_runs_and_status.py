from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from store.catalog import BrandSpec, SourceSpec, sync_catalog
from store.mentions import upsert_many
from store.runs import finish_run, last_runs, start_run
from store.schemas import MentionIn
from store.status import status_summary


def test_status_is_zero_on_an_empty_database(engine) -> None:
    with Session(engine) as session:
        summary = status_summary(session)
    assert summary["mentions"]["total"] == 0
    assert summary["classified"] == 0
    assert summary["runs"] == []


def test_status_counts_by_source_brand_spider_and_reports_last_run(engine) -> None:
    with Session(engine) as session:
        catalog = sync_catalog(
            session,
            brands=[BrandSpec("Acme")],
            sources=[SourceSpec("tp", "trustpilot", "Acme"), SourceSpec("hn", "hackernews")],
        )
        tp = catalog.sources["tp"]
        old = start_run(session, source_id=tp)
        finish_run(session, run_id=old.id, status="failed", error="boom")
        run = start_run(session, source_id=tp)
        items = [
            MentionIn(external_id=str(i), text="t", brand_id=catalog.brands["Acme"])
            for i in range(3)
        ]
        result = upsert_many(session, source_id=tp, items=items, run_id=run.id)
        finish_run(
            session,
            run_id=run.id,
            status="partial",
            pages=2,
            new=result.new,
            drop_reasons={"MissingText": 2},
        )
        session.commit()
        summary = status_summary(session)

    assert summary["mentions"]["total"] == 3
    assert summary["mentions"]["by_source"] == {"hn": 0, "tp": 3}
    assert summary["mentions"]["by_brand"] == {"Acme": 3}
    assert summary["mentions"]["by_spider"] == {"trustpilot": 3}
    [last] = summary["runs"]
    assert last["source"] == "tp" and last["status"] == "partial"
    assert last["new"] == 3 and last["dropped"] == 2 and last["pages"] == 2
    datetime.fromisoformat(last["started_at"])


def test_a_run_left_running_is_marked_interrupted(engine) -> None:
    with Session(engine) as session:
        catalog = sync_catalog(session, brands=[], sources=[SourceSpec("tp", "trustpilot")])
        killed = start_run(session, source_id=catalog.sources["tp"])
        session.commit()
        start_run(session, source_id=catalog.sources["tp"], now=datetime.now(UTC))
        session.commit()
        session.refresh(killed)
        assert killed.status == "interrupted"
        assert [run.status for _, run in last_runs(session)] == ["running"]
