"""Spike alerts delivered to a real local webhook (http.server) and a real local SMTP server
(aiosmtpd): a channel that is down loses nothing, waits its back-off, and a channel that accepted
an alert never gets it again."""

from __future__ import annotations

import email
import email.policy
import json
import logging
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
from store.models import Alert, Brand
from store.schemas import LabelResult, MentionIn
from store.spikes import Spike
from tests.support.postgres import free_port
from umot.alerts import MAX_ATTEMPTS, backoff, check_and_notify, record_alerts

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict] = []  # the payloads it accepted
    refused: list[dict] = []  # the payloads it answered with an error
    statuses: list[int] = []  # the answers to give first; 204 once used up

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        status = type(self).statuses.pop(0) if type(self).statuses else 204
        (type(self).received if status < 300 else type(self).refused).append(body)
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict]]]:
    _Receiver.received, _Receiver.refused, _Receiver.statuses = [], [], []
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


def _config(
    tmp_path: Path, monkeypatch, url: str | None, *, extra: str = "", smtp: str | None = None
):
    path = tmp_path / "umot.toml"
    text = f"[alerts]\nwebhook_url_env = 'UMOT_TEST_WEBHOOK'\nmin_negative = 5\n{extra}"
    if smtp is not None:
        text += (
            "[notify]\nsmtp_url_env = 'UMOT_TEST_SMTP'\nfrom = 'alerts@acme.example'\n"
            "to = ['brand.manager@acme.example', 'analyst@acme.example']\n"
        )
        monkeypatch.setenv("UMOT_TEST_SMTP", smtp)
    path.write_text(text)
    monkeypatch.setenv("UMOT_TEST_WEBHOOK", url or "http://127.0.0.1:9/down")
    return load_config(path)


def _alerts(engine) -> list[Alert]:
    with Session(engine) as session:
        return list(session.exec(select(Alert).order_by(Alert.id)).all())


SENTENCE = (
    "Negative mentions of Acme about Delivery & service (AMOT) spiked: 12 in the last day "
    "against 1.0 a day over the 14 days before."
)


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
    amot = [p for p in received if p["stage"] == "amot" and p["period"] == "day"]
    assert amot and amot[0]["text"] == SENTENCE
    assert amot[0]["stage_name"] == "Delivery & service (AMOT)"
    again = check_and_notify(engine, config, now=NOW + timedelta(minutes=5))
    assert again.new == 0 and again.delivered == 0
    assert len(received) == report.delivered


def test_a_spike_that_lasts_is_alerted_once_until_its_window_passed(
    engine, tmp_path, monkeypatch, receiver
) -> None:
    url, received = receiver
    _fill_spike(engine)
    config = _config(tmp_path, monkeypatch, url)
    first = check_and_notify(engine, config, now=NOW)
    day_alerts = {p["stage"] for p in received if p["period"] == "day"}
    assert first.new >= 1 and day_alerts
    for hours in (1, 3, 6):  # the same twelve mentions are still in the last 24 hours
        later = check_and_notify(engine, config, now=NOW + timedelta(hours=hours))
        assert later.detected >= len(day_alerts), hours
        assert later.new == 0, hours
    assert len(received) == first.delivered


def test_the_same_spike_after_its_window_is_a_new_alert(engine) -> None:
    _fill_spike(engine)
    with Session(engine) as session:
        brand_id = session.exec(select(Brand.id)).one()

        def spike(at: datetime, period: str = "day") -> Spike:
            return Spike(brand_id, "Acme", "amot", period, at, observed=9, baseline=1.0)

        assert record_alerts(session, [spike(NOW)]) == 1
        assert record_alerts(session, [spike(NOW + timedelta(hours=5))]) == 0  # still running
        assert record_alerts(session, [spike(NOW + timedelta(hours=23))]) == 0
        assert record_alerts(session, [spike(NOW + timedelta(hours=25))]) == 1  # a new one
        assert record_alerts(session, [spike(NOW + timedelta(hours=26), "hour")]) == 1
        assert record_alerts(session, [spike(NOW + timedelta(hours=27), "hour")]) == 1
        session.commit()


def test_slack_format_posts_only_a_sentence(engine, tmp_path, monkeypatch, receiver) -> None:
    url, received = receiver
    _fill_spike(engine)
    config = _config(tmp_path, monkeypatch, url, extra="format = 'slack'\n")
    report = check_and_notify(engine, config, now=NOW)
    assert report.delivered == report.new >= 2
    assert all(set(payload) == {"text"} for payload in received)
    assert f"UMOT Harvester: {SENTENCE}" in [p["text"] for p in received]
    assert "Negative mentions of Acme spiked: 12 in the last day" in received[0]["text"] + " ".join(
        p["text"] for p in received
    )


def test_a_down_webhook_keeps_the_alert_and_retries_after_its_back_off(
    engine, tmp_path, monkeypatch, receiver
):
    _fill_spike(engine)
    down = check_and_notify(engine, _config(tmp_path, monkeypatch, None), now=NOW)
    assert down.new >= 1 and down.failed == down.new and down.delivered == 0
    for a in _alerts(engine):
        assert a.delivered_at is None and a.attempts == 1 and a.last_error
        assert a.next_attempt_at == NOW + timedelta(minutes=2)
    url, received = receiver
    config = _config(tmp_path, monkeypatch, url)
    early = check_and_notify(engine, config, now=NOW + timedelta(minutes=1))
    assert early.delivered == early.failed == 0 and received == []  # still waiting
    up = check_and_notify(engine, config, now=NOW + timedelta(minutes=2))
    assert up.new == 0 and up.delivered == down.new
    assert len(received) == down.new


def test_a_receiver_answering_500_gets_each_alert_once_after_the_back_off(
    engine, tmp_path, monkeypatch, receiver
):
    url, received = receiver
    _fill_spike(engine)
    _Receiver.statuses = [500] * 10
    config = _config(tmp_path, monkeypatch, url)
    first = check_and_notify(engine, config, now=NOW)
    assert first.new >= 2 and first.failed == first.new and received == []
    assert len(_Receiver.refused) == first.new
    assert all("HTTP 500" in (a.last_error or "") for a in _alerts(engine))
    _Receiver.statuses = []  # from now on it answers 204
    for minutes in (1, 2, 3, 30, 59):  # one window hour: no new alert
        check_and_notify(engine, config, now=NOW + timedelta(minutes=minutes))
    assert len(received) == first.new  # once each, at minute 2, never again
    assert sorted((p["stage"] or "", p["period"]) for p in received) == sorted(
        (p["stage"] or "", p["period"]) for p in _Receiver.refused
    )
    assert all(a.delivered_at == NOW + timedelta(minutes=2) for a in _alerts(engine))


def test_each_alert_is_e_mailed_to_the_recipients(
    engine, tmp_path, monkeypatch, receiver, smtp_server
) -> None:
    url, received = receiver
    inbox, port = smtp_server
    _fill_spike(engine)
    config = _config(tmp_path, monkeypatch, url, smtp=f"smtp://127.0.0.1:{port}")
    report = check_and_notify(engine, config, now=NOW)
    assert report.delivered == report.new == report.email == report.webhook >= 2
    assert len(inbox.envelopes) == report.new
    for envelope in inbox.envelopes:
        assert envelope.mail_from == "alerts@acme.example"
        assert envelope.rcpt_tos == ["brand.manager@acme.example", "analyst@acme.example"]
    messages = [
        email.message_from_bytes(e.content, policy=email.policy.default) for e in inbox.envelopes
    ]
    subjects = {m["Subject"] for m in messages}
    assert "Spike alert: Acme · Delivery & service (AMOT) · negative mentions up" in subjects
    assert "Spike alert: Acme · all stages · negative mentions up" in subjects
    [amot] = [m for m in messages if "AMOT" in m["Subject"]]
    assert SENTENCE in amot.get_body(("plain",)).get_content()
    assert "Delivery &amp; service (AMOT)" in amot.get_body(("html",)).get_content()
    check_and_notify(engine, config, now=NOW + timedelta(minutes=30))
    assert len(inbox.envelopes) == report.new and len(received) == report.new


def test_webhook_ok_and_smtp_down_sends_only_the_e_mail_next(
    engine, tmp_path, monkeypatch, receiver, smtp_server
) -> None:
    url, received = receiver
    inbox, port = smtp_server
    _fill_spike(engine)
    down = f"smtp://127.0.0.1:{free_port()}"
    first = check_and_notify(engine, _config(tmp_path, monkeypatch, url, smtp=down), now=NOW)
    assert first.webhook == first.new >= 2 and first.email == 0
    assert first.failed == first.new and first.delivered == 0
    for a in _alerts(engine):
        assert a.webhook_delivered_at == NOW and a.email_delivered_at is None
        assert a.delivered_at is None and "cannot reach the SMTP server" in (a.last_error or "")
    config = _config(tmp_path, monkeypatch, url, smtp=f"smtp://127.0.0.1:{port}")
    second = check_and_notify(engine, config, now=NOW + timedelta(minutes=2))
    assert second.email == second.delivered == first.new and second.webhook == 0
    assert len(received) == first.new  # the webhook was not sent again
    assert len(inbox.envelopes) == first.new
    assert all(a.delivered_at == NOW + timedelta(minutes=2) for a in _alerts(engine))


def test_smtp_ok_and_webhook_failing_sends_only_the_webhook_next(
    engine, tmp_path, monkeypatch, receiver, smtp_server
) -> None:
    url, received = receiver
    inbox, port = smtp_server
    _fill_spike(engine)
    _Receiver.statuses = [503] * 10
    config = _config(tmp_path, monkeypatch, url, smtp=f"smtp://127.0.0.1:{port}")
    first = check_and_notify(engine, config, now=NOW)
    assert first.email == first.failed == first.new >= 2 and first.webhook == 0
    _Receiver.statuses = []
    second = check_and_notify(engine, config, now=NOW + timedelta(minutes=2))
    assert second.webhook == second.delivered == first.new and second.email == 0
    assert len(inbox.envelopes) == first.new  # the e-mail was not sent again
    assert len(received) == first.new


def test_back_off_doubles_up_to_six_hours() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (2, 4, 8)]
    assert backoff(9) == timedelta(hours=6) and backoff(MAX_ATTEMPTS) == timedelta(hours=6)


def test_an_alert_is_given_up_after_max_attempts(engine, tmp_path, monkeypatch, caplog) -> None:
    _fill_spike(engine)
    config = _config(tmp_path, monkeypatch, None)
    check_and_notify(engine, config, now=NOW)
    with Session(engine) as session:
        for a in session.exec(select(Alert)).all():
            a.attempts = MAX_ATTEMPTS - 1
            session.add(a)
        session.commit()
    with caplog.at_level(logging.ERROR, logger="umot.alerts"):
        last = check_and_notify(engine, config, now=NOW + timedelta(days=1))
    assert last.failed >= 2 and "given up after 20 attempts" in caplog.text
    later = check_and_notify(engine, config, now=NOW + timedelta(days=30))
    assert later.failed == later.delivered == 0
    assert all(a.attempts == MAX_ATTEMPTS and a.delivered_at is None for a in _alerts(engine))
