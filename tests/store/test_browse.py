"""The Mentions page's search: every row carries the model's confidence beside its labels."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from store.browse import MentionSearch, count_mentions, search_mentions
from store.db import session_scope
from store.scope import Scope
from tests.store.helpers import M, fill


def test_search_rows_carry_labels_and_confidence(engine: Engine) -> None:
    fill(
        engine,
        [
            M(
                "a",
                "2026-01-02",
                -0.6,
                "amot",
                ["delivery"],
                text="Late again",
                confidence=0.7,
                stage_confidence=0.55,
            ),
            M("b", "2026-01-03", 0.9, "smot", [], text="Soft fabric", confidence=0.95),
            M("c", "2026-01-04", 0.1, "zmot", [], text="Late or not?"),
        ],
    )
    with session_scope(engine) as session:
        found = search_mentions(session, scope=Scope(), search=MentionSearch(text="late"))
        total = count_mentions(session, scope=Scope(), search=MentionSearch(text="late"))
    assert total == 2
    assert list(found["text"]) == ["Late or not?", "Late again"]  # newest first
    assert found["confidence"].iloc[1] == 0.7
    assert found["stage_confidence"].iloc[1] == 0.55
    assert found["confidence"].isna().iloc[0]  # none given: left empty, never invented
    assert list(found["stage"]) == ["zmot", "amot"]
