"""Mention labels from sentence labels, by TAXONOMY.md's rules.

- **sentiment**: the dominant attitude: the sentiment head applied to the word-count-weighted
  mean of the sentence embeddings (what the head is trained on); with a Hugging Face sentiment
  model, the weighted mean of the sentences' log-probabilities. ``sentiment_score`` =
  P(positive) - P(negative).
- **stage**: the stage of the most emphatic sentence, emphasis being the strength of its
  attitude (|score|) times the confidence of its stage; sentences within ``TIE_MARGIN`` of the
  most emphatic one tie, and a tie goes to the later moment in the journey.
- **topics**: the union of the sentences' topics, in the guide's order.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .labels import SENTIMENTS, STAGE_ORDER, split_topics

TIE_MARGIN = 0.1


def weighted_mean(
    rows: torch.Tensor, weights: torch.Tensor, owner: torch.Tensor, groups: int
) -> torch.Tensor:
    """(groups, dim): per group, the mean of its rows weighted by ``weights``."""
    w = weights.to(rows.dtype).clamp(min=1e-6)
    total = torch.zeros(groups, dtype=rows.dtype, device=rows.device).index_add_(0, owner, w)
    out = torch.zeros(groups, rows.shape[1], dtype=rows.dtype, device=rows.device).index_add_(
        0, owner, rows * w[:, None]
    )
    return out / total.clamp(min=1e-6)[:, None]


def emphasis(sentiment_probs: torch.Tensor, stage_confidence: float) -> float:
    idx = {s: i for i, s in enumerate(SENTIMENTS)}
    strength = abs(float(sentiment_probs[idx["positive"]] - sentiment_probs[idx["negative"]]))
    return strength * float(stage_confidence)


def primary_stage(stages: Sequence[str], emphases: Sequence[float]) -> str:
    """Stage of the most emphatic sentence; near-ties go to the later moment."""
    if not stages:
        raise ValueError("no sentences to aggregate")
    top = max(emphases)
    tied = [s for s, e in zip(stages, emphases, strict=True) if e >= top - TIE_MARGIN]
    return max(tied, key=lambda s: STAGE_ORDER.get(s, -1))


def union_topics(per_sentence: Sequence[Sequence[str]]) -> list[str]:
    seen: list[str] = []
    for topics in per_sentence:
        for t in topics:
            if t not in seen:
                seen.append(t)
    return split_topics(seen)
