"""Spike alerts posted to a real local webhook; a webhook that is down loses nothing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.config import load_config
from store.catalog import BrandSpec, SourceSpec, sync_catalog
from store.classifications import save_results
from store.mentions import upsert_many
from store.models import Alert
from store.schemas import LabelResult, MentionIn
from umot.alerts import check_and_notify

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict]]]:
    _Receiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", _Receiver.received
    server.shutdown()


def _fill_spike(engine) -> None:
    """One negative mention a day for two weeks, then twelve in the last day."""
    with Session(engine) as session:
        catalog = sync_catalog(
            session, brands=[BrandSpec("Acme")], sources=[SourceSpec("shop", "jsonld", "Acme")]
        )
        items = [
            MentionIn(
                external_id=f"old{d}",
                text="late again",
                published_at=NOW - timedelta(days=d, hours=3),
                brand_id=catalog.brands["Acme"],
            )
            for d in range(1, 15)
        ] + [
            MentionIn(
                external_id=f"new{i}",
                text="still not shipped",
                published_at=NOW - timedelta(hours=2, minutes=i),
                brand_id=catalog.brands["Acme"],
            )
            for i in range(12)
        ]
        result = upsert_many(session, source_id=catalog.sources["shop"], items=items)
        save_results(
            session,
            model_version="v1",
            results=[
                LabelResult(
                    mention_id=i,
                    sentiment="negative",
                    sentiment_score=-0.9,
                    stage="amot",
                    topics=["delivery"],
                )
                for i in result.ids
            ],
        )
        session.commit()


def _config(tmp_path: Path, monkeypatch, url: str | None):
    path = tmp_path / "umot.toml"
    path.write_text("[alerts]\nwebhook_url_env = 'UMOT_TEST_WEBHOOK'\nmin_negative = 5\n")
    monkeypatch.setenv("UMOT_TEST_WEBHOOK", url or "http://127.0.0.1:9/down")
    return load_config(path)


def test_a_spike_is_posted_once(engine, tmp_path, monkeypatch, receiver) -> None:
    url, received = receiver
    _fill_spike(engine)
    config = _config(tmp_path, monkeypatch, url)
    report = check_and_notify(engine, config, now=NOW)
    assert report.detected >= 1 and report.new == report.detected
    assert report.delivered == report.new and report.failed == 0
    brands = {payload["brand"] for payload in received}
    assert brands == {"Acme"}
    overall = [p for p in received if p["stage"] is None and p["period"] == "day"]
    assert overall and overall[0]["observed"] == 12
    again = check_and_notify(engine, config, now=NOW + timedelta(minutes=5))
    assert again.new == 0 and again.delivered == 0
    assert len(received) == report.delivered


def test_a_down_webhook_keeps_the_alert_and_retries(engine, tmp_path, monkeypatch, receiver):
    _fill_spike(engine)
    down = check_and_notify(engine, _config(tmp_path, monkeypatch, None), now=NOW)
    assert down.new >= 1 and down.failed == down.new and down.delivered == 0
    with Session(engine) as session:
        alerts = session.exec(select(Alert)).all()
        assert all(a.delivered_at is None and a.attempts == 1 and a.last_error for a in alerts)
    url, received = receiver
    up = check_and_notify(engine, _config(tmp_path, monkeypatch, url), now=NOW)
    assert up.new == 0 and up.delivered == down.new
    assert len(received) == down.new
