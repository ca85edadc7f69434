"""Spike alerts: record detected spikes and post them to the configured webhook.

An alert row is kept per (brand, stage, period, window start); each check posts it again until
a delivery succeeds (at most ``MAX_ATTEMPTS`` tries), so a webhook that is down for a while only
delays alerts, and a failing one never crashes the check.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.config import Config
from store.models import Alert, Brand
from store.spikes import Spike, detect_spikes
from store.types import utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 20


@dataclass(frozen=True, slots=True)
class AlertReport:
    detected: int
    new: int
    delivered: int
    failed: int


def check_and_notify(engine: Engine, config: Config, *, now: datetime | None = None) -> AlertReport:
    """Detect spikes now, keep new ones as alerts, post every undelivered alert."""
    now = now or utcnow()
    with Session(engine) as session:
        spikes = detect_spikes(
            session, now=now, min_negative=config.alerts.min_negative, ratio=config.alerts.ratio
        )
        new = record_alerts(session, spikes)
        session.commit()
    webhook = _webhook_url(config)
    delivered = failed = 0
    if webhook:
        delivered, failed = deliver_pending(engine, webhook, now=now)
    return AlertReport(detected=len(spikes), new=new, delivered=delivered, failed=failed)


def _webhook_url(config: Config) -> str | None:
    var = config.alerts.webhook_url_env
    return os.environ.get(var) if var else None


def _window_key(spike: Spike) -> datetime:
    # Rolling windows move with every check; the hour they start in identifies one spike.
    start = spike.period_start
    return start.replace(minute=0, second=0, microsecond=0)


def record_alerts(session: Session, spikes: list[Spike]) -> int:
    """Insert alerts for spikes not yet recorded; return how many were new."""
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


def deliver_pending(
    engine: Engine, webhook_url: str, *, now: datetime | None = None, timeout: float = 5.0
) -> tuple[int, int]:
    """POST each undelivered alert (JSON); return (delivered, failed)."""
    delivered = failed = 0
    now = now or utcnow()
    with Session(engine) as session:
        pending = session.exec(
            select(Alert, Brand.name)
            .join(Brand, col(Brand.id) == Alert.brand_id)
            .where(col(Alert.delivered_at).is_(None), Alert.attempts < MAX_ATTEMPTS)
            .order_by(col(Alert.id))
        ).all()
        for alert, brand in pending:
            alert.attempts += 1
            try:
                _post(webhook_url, alert_payload(alert, brand), timeout)
            except (OSError, urllib.error.URLError, ValueError) as exc:
                alert.last_error = str(exc)[:500]
                failed += 1
                log.warning(
                    "alert %s not delivered (attempt %s): %s", alert.id, alert.attempts, exc
                )
            else:
                alert.delivered_at = now
                alert.last_error = None
                delivered += 1
            session.add(alert)
            session.commit()
    return delivered, failed


def alert_payload(alert: Alert, brand: str) -> dict[str, object]:
    where = f" at stage {alert.stage}" if alert.stage else ""
    span = "24 hours" if alert.period == "day" else "hour"
    text = (
        f"UMOT Harvester: negative mentions of {brand} spiked{where}: {alert.observed} in the "
        f"last {span} against a usual {alert.baseline:.1f}."
    )
    return {
        "text": text,
        "brand": brand,
        "stage": alert.stage or None,
        "period": alert.period,
        "period_start": alert.period_start.isoformat(),
        "observed": alert.observed,
        "baseline": alert.baseline,
        "detected_at": alert.detected_at.isoformat(),
    }


def _post(url: str, payload: dict[str, object], timeout: float) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "umot-harvester alerts"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        if response.status >= 300:
            raise ValueError(f"webhook answered HTTP {response.status}")
