"""Complaint status (new, acknowledged, resolved) set from the dashboard (docs/loop.md)."""

from __future__ import annotations

from sqlmodel import Session

from store.models import COMPLAINT_STATUSES, ComplaintStatus, Mention
from store.types import utcnow


class ComplaintError(ValueError):
    """An unknown mention or status; worded for the user."""


def set_status(
    session: Session,
    *,
    mention_id: int,
    status: str,
    note: str | None = None,
    updated_by: str | None = None,
) -> ComplaintStatus:
    """Create or update the status of a complaint (any mention may carry one)."""
    if status not in COMPLAINT_STATUSES:
        raise ComplaintError(f"unknown status {status!r}; use {', '.join(COMPLAINT_STATUSES)}")
    if session.get(Mention, mention_id) is None:
        raise ComplaintError(f"mention {mention_id} does not exist")
    row = session.get(ComplaintStatus, mention_id) or ComplaintStatus(mention_id=mention_id)
    row.status = status
    row.note = note
    row.updated_by = updated_by
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row


def get_status(session: Session, *, mention_id: int) -> str:
    row = session.get(ComplaintStatus, mention_id)
    return row.status if row is not None else "new"
