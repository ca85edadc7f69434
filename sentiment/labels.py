"""The label sets as the classifier uses them, and helpers for model outputs and CSV topics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.labels import (
    SENTIMENTS,
    STAGE_ORDER,
    STAGES,
    TOPICS,
    Sentiment,
    Stage,
    Topic,
)

__all__ = [
    "SENTIMENTS",
    "STAGES",
    "STAGE_ORDER",
    "TASKS",
    "TOPICS",
    "Sentiment",
    "Stage",
    "Topic",
    "join_topics",
    "normalise_sentiment",
    "sentiment_score",
    "split_topics",
]


TASKS: dict[str, tuple[str, ...]] = {"sentiment": SENTIMENTS, "stage": STAGES, "topics": TOPICS}

# Common spellings of sentiment labels in Hugging Face model configs.
_ALIASES = {
    "neg": "negative",
    "negative": "negative",
    "0": "negative",
    "1 star": "negative",
    "2 stars": "negative",
    "neu": "neutral",
    "neutral": "neutral",
    "3 stars": "neutral",
    "pos": "positive",
    "positive": "positive",
    "4 stars": "positive",
    "5 stars": "positive",
}


def normalise_sentiment(label: str) -> str | None:
    """``"POS"``, ``"Positive"``, ``"4 stars"`` -> ``"positive"``; unknown -> ``None``."""
    return _ALIASES.get(str(label).strip().lower())


def sentiment_score(probs: Mapping[str, float]) -> float:
    """P(positive) - P(negative), clipped to [-1, 1]."""
    score = float(probs.get("positive", 0.0)) - float(probs.get("negative", 0.0))
    return max(-1.0, min(1.0, score))


def split_topics(value: str | Sequence[str] | None) -> list[str]:
    """``"a;b"`` or ``["a", "b"]`` -> known topics in the guide's order, unknown ones last."""
    if value is None:
        return []
    items = value.split(";") if isinstance(value, str) else list(value)
    names = [t.strip() for t in items if t and str(t).strip()]
    known = [t for t in TOPICS if t in names]
    return known + [t for t in names if t not in TOPICS]


def join_topics(topics: Sequence[str]) -> str:
    return ";".join(topics)
