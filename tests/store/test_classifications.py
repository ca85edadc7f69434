"""Claiming unlabelled mentions, saving results, and corrections winning over the model."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from store.catalog import ensure_source
from store.classifications import claim_unclassified, count_unclassified, save_results
from store.mentions import upsert_many
from store.models import Classification, Correction, Mention, MentionTopic
from store.schemas import LabelResult, MentionIn
from tests.store.helpers import Prediction


def _fill(session: Session, n: int) -> list[int]:
    source_id = ensure_source(session, name="shop", spider="jsonld")
    items = [MentionIn(external_id=str(i), text=f"text {i}", title="Great") for i in range(n)]
    result = upsert_many(session, source_id=source_id, items=items)
    session.commit()
    return result.ids


def _label(mention_id: int, sentiment: str = "negative") -> LabelResult:
    return LabelResult(
        mention_id=mention_id,
        sentiment=sentiment,
        sentiment_score=-0.8 if sentiment == "negative" else 0.7,
        stage="amot",
        topics=["delivery", "customer_service"],
        aspects=[{"text": "text", "stage": "amot"}],
    )


def test_claim_save_and_nothing_left(engine) -> None:
    with Session(engine) as session:
        ids = _fill(session, 5)
        pending = claim_unclassified(session, model_version="v1", limit=3)
        assert [p.id for p in pending] == ids[:3]
        assert pending[0].text == "Great. text 0"
        assert (
            save_results(session, model_version="v1", results=[_label(p.id) for p in pending]) == 3
        )
        session.commit()
        assert count_unclassified(session, model_version="v1") == 2
        assert count_unclassified(session, model_version="v2") == 5
        rest = claim_unclassified(session, model_version="v1", limit=10)
        assert [p.id for p in rest] == ids[3:]
        mention = session.get(Mention, ids[0])
        assert (mention.sentiment, mention.stage, mention.labels_from) == ("negative", "amot", "v1")
        topics = session.scalars(
            select(MentionTopic.topic).where(MentionTopic.mention_id == ids[0])
        ).all()
        assert sorted(topics) == ["customer_service", "delivery"]


def test_saving_twice_is_idempotent(engine) -> None:
    with Session(engine) as session:
        [mention_id] = _fill(session, 1)
        assert save_results(session, model_version="v1", results=[_label(mention_id)]) == 1
        assert save_results(session, model_version="v1", results=[_label(mention_id)]) == 0
        session.commit()
        rows = session.scalars(select(Classification)).all()
        assert len(rows) == 1 and rows[0].aspects == [{"text": "text", "stage": "amot"}]


def test_a_correction_wins_over_a_new_model_result(engine) -> None:
    with Session(engine) as session:
        [mention_id] = _fill(session, 1)
        session.add(Correction(mention_id=mention_id, sentiment="positive", topics=["design"]))
        session.commit()
        save_results(session, model_version="v2", results=[_label(mention_id, "negative")])
        session.commit()
        mention = session.get(Mention, mention_id)
        assert mention.sentiment == "positive" and mention.sentiment_score == 1.0
        assert mention.stage == "amot"  # not corrected: the model's stage stays
        assert mention.topics == ["design"]
        assert mention.labels_from == "correction"


def test_confidence_is_kept_with_the_result_and_on_the_mention(engine) -> None:
    from store.corrections import clear_correction, save_correction

    with Session(engine) as session:
        [mid] = _fill(session, 1)
        label = _label(mid)
        label.confidence = 0.87
        save_results(session, model_version="v1", results=[label])
        session.commit()
        stored = session.scalars(select(Classification).where(Classification.mention_id == mid))
        assert stored.one().sentiment_confidence == 0.87
        assert session.get(Mention, mid).sentiment_confidence == 0.87
        save_correction(session, mention_id=mid, stage="smot")  # the sentiment is the model's
        assert session.get(Mention, mid).sentiment_confidence == 0.87
        save_correction(session, mention_id=mid, sentiment="positive")  # a person's label
        assert session.get(Mention, mid).sentiment_confidence == 1.0
        clear_correction(session, mention_id=mid)
        assert session.get(Mention, mid).sentiment_confidence == 0.87
        unknown = _label(mid)  # a model that gives no probability leaves it empty
        save_results(session, model_version="v2", results=[unknown])
        assert session.get(Mention, mid).sentiment_confidence is None


def test_stage_confidence_is_kept_and_a_corrected_stage_is_sure(engine) -> None:
    from store.corrections import clear_correction, save_correction

    with Session(engine) as session:
        [mid] = _fill(session, 1)
        label = _label(mid)
        label.stage_confidence = 0.62
        save_results(session, model_version="v1", results=[label])
        session.commit()
        stored = session.scalars(select(Classification).where(Classification.mention_id == mid))
        assert stored.one().stage_confidence == 0.62
        assert session.get(Mention, mid).stage_confidence == 0.62
        save_correction(session, mention_id=mid, sentiment="positive")  # the stage is the model's
        assert session.get(Mention, mid).stage_confidence == 0.62
        save_correction(session, mention_id=mid, stage="smot")  # a person's stage
        assert session.get(Mention, mid).stage_confidence == 1.0
        clear_correction(session, mention_id=mid)
        assert session.get(Mention, mid).stage_confidence == 0.62


def test_the_classify_loop_stores_the_models_confidence(engine) -> None:
    from umot.classify import classify_pending

    class Model:
        version = "fake-1"

        def predict(self, texts: list[str], *, progress: bool = False) -> list[Prediction]:
            return [Prediction() for _ in texts]

    with Session(engine) as session:
        ids = _fill(session, 3)
    assert classify_pending(engine, Model()) == 3
    with Session(engine) as session:
        assert [session.get(Mention, i).sentiment_confidence for i in ids] == [0.64] * 3
        assert [session.get(Mention, i).stage_confidence for i in ids] == [0.71] * 3
