"""Mention labels from sentence labels, by the rules of docs/taxonomy.md.

- **sentiment**: the dominant attitude: the sentiment head applied to the mention's pooled
  sentence embeddings (what the head is trained on: the word-count-weighted mean, and for the
  shipped heads also the element-wise max, see :class:`Pooled`); with a Hugging Face sentiment
  model, the weighted mean of the sentences' log-probabilities. ``sentiment_score`` =
  P(positive) - P(negative).
- **stage**: the stage of the most emphatic sentence, emphasis being the strength of its
  attitude (|score|) times the confidence of its stage; sentences within ``TIE_MARGIN`` of the
  most emphatic one tie, and a tie goes to the later moment in the journey.
- **topics**: the union of the sentences' topics, in the guide's order.

Each sentence's stage and topics are read **in context** (:func:`in_context`): half the
sentence's own probabilities, half its mention's (the same head on the mention's pooled input).
A sentence alone is often ambiguous ("Really disappointed." after "Tracking hasn't moved since
Monday." is about delivery; alone it reads as a product verdict), and the heads are trained on
whole texts. Every variant gains stage and topic macro-F1 from it (docs/model.md). A
one-sentence mention is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import torch

from .labels import SENTIMENTS, STAGE_ORDER, split_topics

# Bumped whenever the rules below change what a mention is labelled: it is part of the model
# version (Heads.fingerprint), so `umot classify` relabels what older rules labelled.
RULES_REVISION = "2-sentences-in-context"
# What a head reads: the weighted mean of a text's sentence vectors, or that mean followed by
# their element-wise max (twice the width). The max keeps what a mean blurs: one strongly
# negative sentence in an otherwise warm review (docs/model.md).
Pooling = Literal["mean", "mean+max"]
POOLINGS: tuple[str, ...] = get_args(Pooling)
TIE_MARGIN = 0.1
# Weight of the mention (context) in a sentence's stage and topic probabilities: an even split,
# chosen a priori rather than tuned on the dev data.
CONTEXT_WEIGHT = 0.5


def sentence_weight(text: str) -> float:
    """A sentence's weight in its mention: its length in words (at least 1)."""
    return float(max(1, len(text.split())))


def sentiment_scores(probs: torch.Tensor) -> list[float]:
    """``sentiment_score`` per row of (rows, 3) sentiment probabilities: P(positive) -
    P(negative), within [-1, 1]."""
    positive, negative = SENTIMENTS.index("positive"), SENTIMENTS.index("negative")
    return (probs[:, positive] - probs[:, negative]).clamp(-1.0, 1.0).tolist()


def mean_log_probs(
    probs: torch.Tensor, weights: torch.Tensor, owner: torch.Tensor, groups: int
) -> torch.Tensor:
    """(groups, classes): each group's probabilities as the weighted mean of its rows'
    log-probabilities, renormalised (how a sentence classifier's outputs become a mention's)."""
    return weighted_mean(probs.clamp(min=1e-6).log(), weights, owner, groups).softmax(-1)


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


def group_max(rows: torch.Tensor, owner: torch.Tensor, groups: int) -> torch.Tensor:
    """(groups, dim): per group, the element-wise max of its rows (every group has a row)."""
    out = torch.full((groups, rows.shape[1]), -torch.inf, dtype=rows.dtype, device=rows.device)
    return out.scatter_reduce_(0, owner[:, None].expand_as(rows), rows, "amax")


@dataclass(frozen=True)
class Pooled:
    """Per mention, the weighted mean and the element-wise max of its sentence vectors: every
    mention-level head input, computed once."""

    mean: torch.Tensor  # (mentions, dim)
    max: torch.Tensor  # (mentions, dim)

    @classmethod
    def of(
        cls, rows: torch.Tensor, weights: torch.Tensor, owner: torch.Tensor, groups: int
    ) -> Pooled:
        return cls(weighted_mean(rows, weights, owner, groups), group_max(rows, owner, groups))

    def input(self, pooling: str) -> torch.Tensor:
        return self.mean if pooling == "mean" else torch.cat([self.mean, self.max], 1)

    def __getitem__(self, index: object) -> Pooled:
        return Pooled(self.mean[index], self.max[index])

    def __len__(self) -> int:
        return self.mean.shape[0]


def sentence_input(rows: torch.Tensor, pooling: str) -> torch.Tensor:
    """A head's input for single sentences: each pooled as a mention of one (mean = max)."""
    return rows if pooling == "mean" else torch.cat([rows, rows], 1)


def in_context(
    sentence_probs: torch.Tensor, mention_probs: torch.Tensor, owner: torch.Tensor
) -> torch.Tensor:
    """(sentences, labels): each sentence's probabilities blended with its mention's."""
    return (1 - CONTEXT_WEIGHT) * sentence_probs + CONTEXT_WEIGHT * mention_probs[owner]


def emphasis(score: float, stage_confidence: float) -> float:
    """How emphatic a sentence is: the strength of its attitude, |P(positive) - P(negative)|,
    times the confidence of its stage."""
    return abs(score) * stage_confidence


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
