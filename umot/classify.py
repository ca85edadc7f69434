"""The classify loop: claim a batch, label it, save it, commit — until nothing is left."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from store import rollups
from store.classifications import claim_unclassified, save_results
from store.db import lock_for_writing
from store.schemas import LabelResult


class _Prediction(Protocol):
    sentiment: str | None
    sentiment_score: float | None
    stage: str | None
    topics: list[str]
    language: str | None
    confidence: float | None
    stage_confidence: float | None
    unlabelled: str | None

    def aspects(self) -> list[dict[str, object]]: ...


class _Classifier(Protocol):
    version: str

    def predict(self, texts: list[str], *, progress: bool = False) -> list[_Prediction]: ...


def classify_pending(
    engine: Engine,
    classifier: _Classifier,
    *,
    limit: int | None = None,
    batch_size: int = 256,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Classify mentions without a result for ``classifier.version``; return how many.

    Each batch is claimed, labelled and committed in its own transaction, so a crash loses at
    most the batch in flight (which stays unclaimed) and never labels a mention twice. A mention
    the model does not read (its language) is stored with empty labels and the reason: done
    for this version, not tried again. SQLite has no row locks to claim with: there the read
    ends before the model runs, and the save waits for the file's write lock, so a crawl writing
    meanwhile neither waits on the model nor makes the save fail.
    """
    done = 0
    holds_claim = engine.dialect.name == "postgresql"  # SQLite's claim is a plain read
    while limit is None or done < limit:
        size = batch_size if limit is None else min(batch_size, limit - done)
        with Session(engine) as session:
            pending = claim_unclassified(session, model_version=classifier.version, limit=size)
            if not pending:
                break
            if not holds_claim:
                session.commit()
            predictions = classifier.predict([p.text for p in pending])
            results = [
                LabelResult(
                    mention_id=p.id,
                    sentiment=pred.sentiment,
                    sentiment_score=pred.sentiment_score,
                    stage=pred.stage,
                    topics=list(pred.topics),
                    language=pred.language,
                    aspects=pred.aspects(),
                    confidence=pred.confidence,
                    stage_confidence=pred.stage_confidence,
                    unlabelled=pred.unlabelled,
                )
                for p, pred in zip(pending, predictions, strict=True)
            ]
            if not holds_claim:
                lock_for_writing(session.connection())
            # Count what this worker actually stored: a row another worker saved first is not ours.
            stored = save_results(session, model_version=classifier.version, results=results)
            session.commit()
        with engine.connect() as conn:  # the batch's rollup changes, out of the journal
            rollups.fold(conn)
        done += stored
        if on_batch is not None:
            on_batch(len(pending))
    return done
