"""`umot classify` and `umot status` with mentions in languages the model does not read: stored
unlabelled once, with the reason, never retried, counted, and kept out of sentiment figures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from core.config import ModelConfig
from sentiment import load_classifier
from store import analytics
from store.catalog import ensure_source
from store.classifications import count_unclassified
from store.mentions import upsert_many
from store.models import Classification, Mention
from store.schemas import MentionIn
from store.scope import Scope
from store.status import status_summary
from tests.support.tiny_hf import save_tiny_model
from umot.classify import classify_pending
from umot.cli import app

TEXTS = {
    "de": "Die Jacke ist super, aber die Lieferung hat ewig gedauert.",
    "de2": "Der Stoff ist nach zwei Wäschen völlig ausgeleiert, schade.",
    "fr": "La veste est superbe, mais la livraison a pris une éternité.",
    "en": "The jacket is great, but the delivery took forever.",
    "short": "Love it!",
}


def _fill(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        source_id = ensure_source(session, name="shop", spider="jsonld")
        items = [
            MentionIn(external_id=key, text=text, published_at=datetime(2026, 1, 5, tzinfo=UTC))
            for key, text in TEXTS.items()
        ]
        ids = upsert_many(session, source_id=source_id, items=items, snapshots=False).ids
        session.commit()
    return dict(zip(TEXTS, ids, strict=True))


def _mentions(engine: Engine, ids: dict[str, int]) -> dict[str, Mention]:
    with Session(engine) as session:
        return {key: session.get(Mention, i) for key, i in ids.items()}  # type: ignore[misc]


def _rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Classification)) or 0


@pytest.fixture(scope="module")
def classifier():  # type: ignore[no-untyped-def]
    return load_classifier(ModelConfig(name="builtin", device="cpu", split_workers=1))


def test_other_languages_are_stored_unlabelled_once(engine: Engine, classifier) -> None:
    ids = _fill(engine)
    assert classify_pending(engine, classifier) == 5
    stored = _mentions(engine, ids)
    for key, code in (("de", "de"), ("de2", "de"), ("fr", "fr")):
        m = stored[key]
        assert (m.sentiment, m.sentiment_score, m.sentiment_confidence, m.stage) == (
            None,
            None,
            None,
            None,
        )
        assert m.topics == [] and m.unlabelled == f"unsupported language: {code}"
        assert m.labels_from == classifier.version
    for key in ("en", "short"):
        assert stored[key].sentiment is not None and stored[key].stage is not None
        assert stored[key].unlabelled is None
    with Session(engine) as session:
        german = session.exec(
            select(Classification).where(Classification.mention_id == ids["de"])
        ).scalar_one()
        assert german.sentiment is None and german.unlabelled == "unsupported language: de"
        assert german.language == "de"
        # Done for this version: nothing is claimed again.
        assert count_unclassified(session, model_version=classifier.version) == 0
    assert classify_pending(engine, classifier) == 0
    assert _rows(engine) == 5


def test_status_counts_them_and_figures_leave_them_out(engine: Engine, classifier) -> None:
    _fill(engine)
    classify_pending(engine, classifier)
    with Session(engine) as session:
        summary = status_summary(session)
        kpis = analytics.kpis(session, scope=Scope())
    assert summary["unlabelled"] == {
        "total": 3,
        "by_reason": {"unsupported language: de": 2, "unsupported language: fr": 1},
    }
    assert summary["classified"] == 2 and summary["unclassified"] == 0
    (row,) = kpis.to_dict("records")
    assert row["mentions"] == 5 and row["classified"] == 2
    assert row["positive"] + row["neutral"] + row["negative"] == 2


def test_umot_status_prints_the_unlabelled_per_language(
    engine: Engine, classifier, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _fill(engine)
    classify_pending(engine, classifier)
    monkeypatch.chdir(tmp_path)  # no umot.toml here: the defaults and the URL below
    monkeypatch.delenv("UMOT_CONFIG", raising=False)
    url = engine.url.render_as_string(hide_password=False)
    env = {"UMOT_DATABASE_URL": url}
    result = CliRunner().invoke(app, ["status"], env=env)
    assert result.exit_code == 0, result.output
    assert "unlabelled: 3 (unsupported language: de 2, fr 1)" in result.output
    as_json = CliRunner().invoke(app, ["status", "--json"], env=env)
    assert json.loads(as_json.stdout)["unlabelled"]["by_reason"] == {
        "unsupported language: de": 2,
        "unsupported language: fr": 1,
    }


def test_a_model_per_language_gives_german_its_sentiment(
    engine: Engine, tmp_path: Path, classifier
) -> None:
    german_model = save_tiny_model(tmp_path / "german", bias=(0.0, 0.0, 5.0))
    mapped = load_classifier(
        ModelConfig(
            name="builtin", device="cpu", split_workers=1, languages={"de": str(german_model)}
        )
    )
    ids = _fill(engine)
    classify_pending(engine, mapped)
    stored = _mentions(engine, ids)
    assert stored["de"].sentiment == "positive" and stored["de"].stage is None
    assert stored["de"].unlabelled == "sentiment only: de"
    assert stored["fr"].sentiment is None
    assert stored["fr"].unlabelled == "unsupported language: fr"
    with Session(engine) as session:
        summary = status_summary(session)
    assert summary["unlabelled"]["by_reason"] == {
        "sentiment only: de": 2,
        "unsupported language: fr": 1,
    }
    assert summary["classified"] == 4
