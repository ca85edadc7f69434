"""Spike alerts: record detected spikes and deliver them by webhook and by e-mail.

An alert row is kept per (brand, stage, period, window start). It is delivered to every
configured channel: the webhook (``[alerts] webhook_url_env``, plain JSON or Slack's
``{"text": ...}`` with ``format = "slack"``) and e-mail (``[notify]``, one message per alert).
Each channel is tracked on its own: a channel that accepted an alert never gets it again, and
the alert stays pending (``delivered_at`` empty) until every configured channel accepted it.
A check in which a channel failed counts one attempt and waits ``min(2^attempts minutes, 6 h)``
before the next; after ``MAX_ATTEMPTS`` the alert is given up, with an error in the log. A
failing channel never crashes the check.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from html import escape

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, or_, select

from core.config import Config, NotifyConfig
from core.labels import display_name
from store.models import Alert, Brand
from store.spikes import Spike, detect_spikes
from store.types import utcnow
from umot import mail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class AlertReport:
    detected: int
    new: int
    delivered: int  # alerts every configured channel has now accepted
    failed: int  # alerts a channel failed for in this check (retried later)
    webhook: int = 0  # alerts the webhook accepted in this check
    email: int = 0  # alerts e-mailed in this check


@dataclass(frozen=True, slots=True)
class Channels:
    """Where alerts go; a channel that is None is not configured."""

    webhook_url: str | None = None
    webhook_format: str = "json"
    email: NotifyConfig | None = None

    @classmethod
    def from_config(cls, config: Config) -> Channels:
        var = config.alerts.webhook_url_env
        email = config.notify if config.notify.smtp_url_env else None
        if email is not None:
            email.smtp_url()  # a missing variable is a config error before anything is sent
        return cls(
            webhook_url=os.environ.get(var) if var else None,
            webhook_format=config.alerts.format,
            email=email,
        )

    def __bool__(self) -> bool:
        return bool(self.webhook_url or self.email)


def check_and_notify(engine: Engine, config: Config, *, now: datetime | None = None) -> AlertReport:
    """Detect spikes now, keep new ones as alerts, deliver every pending alert that is due."""
    now = now or utcnow()
    channels = Channels.from_config(config)
    with Session(engine) as session:
        spikes = detect_spikes(
            session, now=now, min_negative=config.alerts.min_negative, ratio=config.alerts.ratio
        )
        new = record_alerts(session, spikes)
        session.commit()
    if not channels:
        return AlertReport(detected=len(spikes), new=new, delivered=0, failed=0)
    delivery = deliver_pending(engine, channels, now=now)
    return AlertReport(
        detected=len(spikes),
        new=new,
        delivered=delivery.delivered,
        failed=delivery.failed,
        webhook=delivery.webhook,
        email=delivery.email,
    )


def _window_key(spike: Spike) -> datetime:
    # Rolling windows move with every check; the hour they start in identifies one spike.
    start = spike.period_start
    return start.replace(minute=0, second=0, microsecond=0)


# A spike that lasts is one alert: a new one for the same brand, stage and period is raised only
# once the previous alert's window has passed (a day's window is checked every hour).
WINDOWS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}


def _still_alerted(session: Session, spikes: list[Spike]) -> set[tuple[int, str, str]]:
    """(brand, stage, period) of the spikes whose previous alert's window is still running."""
    earliest = min(_window_key(s) - WINDOWS.get(s.period, timedelta(0)) for s in spikes)
    rows = session.exec(
        select(Alert.brand_id, Alert.stage, Alert.period, Alert.period_start).where(
            col(Alert.brand_id).in_({s.brand_id for s in spikes}),
            col(Alert.period_start) > earliest,
        )
    ).all()
    ongoing = set()
    for spike in spikes:
        key = (spike.brand_id, spike.stage, spike.period)
        window = WINDOWS.get(spike.period, timedelta(0))
        start = _window_key(spike)
        if any(
            (b, st, p) == key and start - window < previous < start for b, st, p, previous in rows
        ):
            ongoing.add(key)
    return ongoing


def record_alerts(session: Session, spikes: list[Spike]) -> int:
    """Insert alerts for new spikes; return how many were new.

    A spike already recorded for its window, or one continuing an alert whose window has not
    passed yet, adds nothing.
    """
    if spikes:
        ongoing = _still_alerted(session, spikes)
        spikes = [s for s in spikes if (s.brand_id, s.stage, s.period) not in ongoing]
    if not spikes:
        return 0
    rows = [
        {
            "brand_id": s.brand_id,
            "stage": s.stage,
            "period": s.period,
            "period_start": _window_key(s),
            "observed": s.observed,
            "baseline": s.baseline,
            "detected_at": utcnow(),
            "attempts": 0,
        }
        for s in spikes
    ]
    table = Alert.__table__  # type: ignore[attr-defined]
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(table).on_conflict_do_nothing(
        index_elements=["brand_id", "stage", "period", "period_start"]
    )
    return len(session.execute(stmt.returning(table.c.id), rows).all())


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed check: 2, 4, 8 … minutes, at most 6 hours."""
    return min(timedelta(minutes=2 ** min(attempts, 16)), MAX_BACKOFF)


@dataclass(frozen=True, slots=True)
class Delivery:
    delivered: int = 0
    failed: int = 0
    webhook: int = 0
    email: int = 0


def deliver_pending(
    engine: Engine, channels: Channels, *, now: datetime | None = None, timeout: float = 5.0
) -> Delivery:
    """Send each pending alert that is due to every configured channel that has not accepted
    it yet."""
    delivered = failed = by_webhook = by_email = 0
    now = now or utcnow()
    with Session(engine) as session:
        pending = session.exec(
            select(Alert, Brand.name)
            .join(Brand, col(Brand.id) == Alert.brand_id)
            .where(
                col(Alert.delivered_at).is_(None),
                Alert.attempts < MAX_ATTEMPTS,
                or_(col(Alert.next_attempt_at).is_(None), col(Alert.next_attempt_at) <= now),
            )
            .order_by(col(Alert.id))
        ).all()
        for alert, brand in pending:
            errors: list[str] = []
            tried = False
            if channels.webhook_url and alert.webhook_delivered_at is None:
                tried = True
                try:
                    payload = webhook_payload(alert, brand, channels.webhook_format)
                    _post(channels.webhook_url, payload, timeout)
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    errors.append(f"webhook: {exc}")
                else:
                    alert.webhook_delivered_at = now
                    by_webhook += 1
            if channels.email is not None and alert.email_delivered_at is None:
                tried = True
                try:
                    mail.send_message(
                        alert_message(alert, brand, channels.email),
                        channels.email,
                        what="alert",
                        timeout=timeout,
                    )
                except mail.DeliveryError as exc:
                    errors.append(f"e-mail: {exc}")
                else:
                    alert.email_delivered_at = now
                    by_email += 1
            if tried:
                alert.attempts += 1
            if errors:
                alert.last_error = "; ".join(errors)[:500]
                alert.next_attempt_at = now + backoff(alert.attempts)
                failed += 1
                if alert.attempts >= MAX_ATTEMPTS:
                    log.error(
                        "alert %s given up after %s attempts: %s",
                        alert.id,
                        alert.attempts,
                        alert.last_error,
                    )
                else:
                    log.warning(
                        "alert %s not delivered (attempt %s, next at %s): %s",
                        alert.id,
                        alert.attempts,
                        alert.next_attempt_at.isoformat(),
                        alert.last_error,
                    )
            else:
                alert.delivered_at = now
                alert.next_attempt_at = None
                alert.last_error = None
                delivered += 1
            session.add(alert)
            session.commit()
    return Delivery(delivered=delivered, failed=failed, webhook=by_webhook, email=by_email)


def alert_text(alert: Alert, brand: str) -> str:
    """The alert in one plain sentence, with display names."""
    about = f" about {display_name(alert.stage)}" if alert.stage else ""
    if alert.period == "day":
        span, usual = "the last day", f"{alert.baseline:.1f} a day over the 14 days before"
    else:
        span, usual = "the last hour", f"{alert.baseline:.1f} an hour over the 12 hours before"
    return (
        f"Negative mentions of {brand}{about} spiked: {alert.observed} in {span} against {usual}."
    )


def webhook_payload(alert: Alert, brand: str, fmt: str = "json") -> dict[str, object]:
    text = alert_text(alert, brand)
    if fmt == "slack":
        return {"text": f"UMOT Harvester: {text}"}
    return {
        "text": text,
        "brand": brand,
        "stage": alert.stage or None,
        "stage_name": display_name(alert.stage) if alert.stage else None,
        "period": alert.period,
        "period_start": alert.period_start.isoformat(),
        "observed": alert.observed,
        "baseline": alert.baseline,
        "detected_at": alert.detected_at.isoformat(),
    }


def alert_subject(alert: Alert, brand: str) -> str:
    stage = display_name(alert.stage) if alert.stage else "all stages"
    return f"Spike alert: {brand} · {stage} · negative mentions up"


def alert_message(alert: Alert, brand: str, notify: NotifyConfig) -> EmailMessage:
    text = alert_text(alert, brand)
    detected = alert.detected_at.strftime("%d %b %Y %H:%M UTC")
    plain = f"{text}\n\nDetected {detected}. Open the dashboard's Overview for the mentions.\n"
    html = (
        '<!DOCTYPE html><html><body style="font-family:Helvetica,Arial,sans-serif">'
        f"<p><strong>{escape(text)}</strong></p>"
        f"<p>Detected {escape(detected)}. Open the dashboard's Overview for the mentions.</p>"
        "</body></html>"
    )
    return mail.build_message(notify, alert_subject(alert, brand), plain, html)


def _post(url: str, payload: dict[str, object], timeout: float) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "umot-harvester alerts"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            if response.status >= 300:
                raise ValueError(f"webhook answered HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        raise ValueError(f"webhook answered HTTP {exc.code}") from None
