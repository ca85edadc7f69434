"""What the classifier returns: one :class:`Prediction` per mention, with its sentences."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class SentencePrediction:
    """One sentence's labels; ``stage`` is None where the stage head does not read its language."""

    text: str
    start: int
    end: int
    sentiment: str
    sentiment_score: float
    stage: str | None
    topics: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        topics = ",".join(self.topics) or "-"
        return (
            f"<{self.stage or '-'} {self.sentiment} {self.sentiment_score:+.2f} [{topics}] "
            f"{self.text[:40]!r}>"
        )


@dataclass(frozen=True)
class Prediction:
    """A mention's labels. ``confidence`` is the calibrated probability that ``sentiment`` is
    right (the largest of P(negative), P(neutral), P(positive), so at least 1/3), and
    ``stage_confidence`` that ``stage`` is: of the mentions given 0.8, about 80 % are right.
    ``sentiment_score`` is P(positive) - P(negative), which alone does not tell it.

    ``unlabelled`` says why labels are missing (core.unlabelled): ``"unsupported language: de"``
    leaves sentiment, score, confidence and stage None and topics empty; ``"sentiment only:
    de"`` leaves stage None and topics empty."""

    sentiment: str | None
    sentiment_score: float | None
    stage: str | None
    topics: list[str]
    language: str | None = None
    sentences: list[SentencePrediction] = field(default_factory=list)
    confidence: float | None = None
    stage_confidence: float | None = None
    unlabelled: str | None = None

    def aspects(self) -> list[dict]:
        """Per-sentence labels as JSON-serialisable dicts (what the store keeps)."""
        return [
            {**asdict(s), "sentiment_score": round(s.sentiment_score, 4)} for s in self.sentences
        ]

    def to_dict(self, *, with_sentences: bool = False) -> dict:
        out = {
            "sentiment": self.sentiment,
            "sentiment_score": _rounded(self.sentiment_score),
            "confidence": _rounded(self.confidence),
            "stage": self.stage,
            "stage_confidence": _rounded(self.stage_confidence),
            "topics": list(self.topics),
            "language": self.language,
            "unlabelled": self.unlabelled,
        }
        if with_sentences:
            out["sentences"] = self.aspects()
        return out

    def __repr__(self) -> str:
        if self.sentiment is None or self.sentiment_score is None:
            return f"Prediction(unlabelled: {self.unlabelled})"
        topics = ",".join(self.topics) or "-"
        return (
            f"Prediction({self.stage or '-'} {self.sentiment} {self.sentiment_score:+.2f} "
            f"[{topics}] {len(self.sentences)} sentence(s))"
        )


def _rounded(p: float | None) -> float | None:
    return None if p is None else round(p, 4)
