"""Corrections win everywhere at once, survive reclassification, and can be removed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from store import analytics
from store.classifications import save_results
from store.complaints import ComplaintError, get_status, set_status
from store.corrections import (
    CorrectionError,
    clear_correction,
    list_corrections,
    save_correction,
)
from store.db import session_scope
from store.loop import exposure_index
from store.models import Mention, MentionTopic
from store.schemas import LabelResult
from store.scope import Scope
from tests.store.helpers import M, fill


def _mention(engine: Engine, mention_id: int) -> tuple[Mention, set[str]]:
    with session_scope(engine) as session:
        mention = session.get(Mention, mention_id)
        topics = set(
            session.exec(select(MentionTopic.topic).where(MentionTopic.mention_id == mention_id))
        )
        assert mention is not None
        return mention, topics


def test_correction_wins_at_once_and_everywhere(engine: Engine) -> None:
    ids = fill(engine, [M("m", "2026-01-01", -0.8, "amot", ["delivery"])])
    mid = ids["m"]
    with session_scope(engine) as session:
        save_correction(session, mention_id=mid, sentiment="positive", topics=["customer_service"])
    mention, topics = _mention(engine, mid)
    assert (mention.sentiment, mention.sentiment_score, mention.stage) == ("positive", 1.0, "amot")
    assert mention.labels_from == "correction"
    assert topics == {"customer_service"}
    scope = Scope(start=date(2026, 1, 1), end=date(2026, 1, 1))
    with session_scope(engine) as session:
        assert exposure_index(session, scope=scope)["index"].iloc[0] == pytest.approx(100.0)
        assert analytics.by_topic(session, scope=scope)["topic"].tolist() == ["customer_service"]
        assert [c.mention_id for c in list_corrections(session)] == [mid]


def test_correction_survives_reclassification_and_clears(engine: Engine) -> None:
    ids = fill(engine, [M("m", "2026-01-01", -0.8, "amot", ["delivery"])])
    mid = ids["m"]
    with session_scope(engine) as session:
        save_correction(session, mention_id=mid, stage="smot")
    with session_scope(engine) as session:
        save_results(
            session,
            model_version="test-model-2",
            results=[LabelResult(mid, "neutral", 0.1, "zmot", ["price_value"])],
        )
    mention, topics = _mention(engine, mid)
    assert (mention.sentiment, mention.stage) == ("neutral", "smot")  # stage kept, rest new
    assert topics == {"price_value"}
    with session_scope(engine) as session:
        assert clear_correction(session, mention_id=mid)
        assert not clear_correction(session, mention_id=mid)
    mention, _ = _mention(engine, mid)
    assert (mention.sentiment, mention.stage, mention.labels_from) == (
        "neutral",
        "zmot",
        "test-model-2",
    )


def test_correction_of_an_unclassified_mention(engine: Engine) -> None:
    ids = fill(engine, [M("u", "2026-01-01", None)])
    with session_scope(engine) as session:
        save_correction(session, mention_id=ids["u"], sentiment="negative", stage="fmot")
    mention, _ = _mention(engine, ids["u"])
    assert (mention.sentiment, mention.sentiment_score, mention.stage) == ("negative", -1.0, "fmot")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mention_id": 999, "sentiment": "positive"}, "does not exist"),
        ({"sentiment": "great"}, "unknown sentiment"),
        ({"stage": "tmot"}, "unknown stage"),
        ({}, "needs a sentiment"),
    ],
)
def test_bad_corrections(sqlite_engine: Engine, kwargs: dict, message: str) -> None:
    ids = fill(sqlite_engine, [M("m", "2026-01-01", 0.5)])
    with session_scope(sqlite_engine) as session, pytest.raises(CorrectionError, match=message):
        save_correction(session, **{"mention_id": ids["m"], **kwargs})


def test_complaint_status(engine: Engine) -> None:
    ids = fill(engine, [M("n", "2026-01-01", -0.8)])
    with session_scope(engine) as session:
        assert get_status(session, mention_id=ids["n"]) == "new"
        set_status(session, mention_id=ids["n"], status="acknowledged", updated_by="kim")
        set_status(session, mention_id=ids["n"], status="resolved", note="refunded")
    with session_scope(engine) as session:
        assert get_status(session, mention_id=ids["n"]) == "resolved"
        with pytest.raises(ComplaintError, match="unknown status"):
            set_status(session, mention_id=ids["n"], status="closed")
        with pytest.raises(ComplaintError, match="does not exist"):
            set_status(session, mention_id=12345, status="resolved")
