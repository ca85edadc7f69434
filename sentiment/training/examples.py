"""The adapter's training examples: each labelled text as the sentences the encoder reads.

A text is split and normalised exactly as at prediction time (``sentiment.preparation``,
``sentences.encoder_text``), and each sentence weighs its word count in the mention vector
(``classifier.sentence_weight``), so the adapter learns on the computation it will serve.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..classifier import sentence_weight
from ..labels import SENTIMENTS, STAGES, TOPICS
from ..preparation import auto_workers, shared_preparer
from ..sentences import encoder_text
from .balance import cell_weights
from .hyperparams import AdapterConfig


@dataclass
class Example:
    sentences: list[str]
    weights: list[float]
    sentiment: int | None
    stage: int | None
    topics: list[float] | None
    group: str
    teacher: list[float] | None = None  # the teacher's sentiment logits, when distilling


def build_examples(
    files: Sequence,
    config: AdapterConfig,
    teacher: Sequence[torch.Tensor | None] | None = None,
) -> list[Example]:
    """One example per labelled text; majority (dataset, class) cells capped (seeded).
    ``teacher``: per file, the teacher's logits per row (teacher.soft_labels), or None."""
    rng = random.Random(config.seed)
    cells: dict[tuple[str, str], list[Example]] = {}
    preparer = shared_preparer(auto_workers())
    prepared = [preparer(f.texts) for f in files]
    for n, f in enumerate(files):
        soft = teacher[n] if teacher is not None else None
        for i in range(len(f.texts)):
            sent, stage = f.sentiment[i], f.stage[i]
            topics = None if f.topics is None else f.topics[i]
            if sent is None and stage is None and topics is None:
                continue
            spans = [s.text for s in prepared[n][i].spans]
            ex = Example(
                [encoder_text(s) for s in spans],
                [sentence_weight(s) for s in spans],
                None if sent is None else SENTIMENTS.index(sent),
                None if stage is None else STAGES.index(stage),
                None if topics is None else [1.0 if t in topics else 0.0 for t in TOPICS],
                f.name,
                None if soft is None or sent is None else soft[i].tolist(),
            )
            cells.setdefault((f.name, sent or stage or ""), []).append(ex)
    out: list[Example] = []
    for rows in cells.values():
        if len(rows) > config.max_per_cell:
            rows = rng.sample(rows, config.max_per_cell)
        repeat = config.stage_repeat if rows and rows[0].stage is not None else 1
        out += rows * repeat
    return out


def sentiment_weights(examples: Sequence[Example]) -> torch.Tensor:
    """Sentiment loss weight per example: each (dataset, class) cell weighs the same in total;
    0 for examples without a sentiment label."""
    rows = [i for i, e in enumerate(examples) if e.sentiment is not None]
    w = torch.zeros(len(examples))
    if rows:
        w[rows] = cell_weights(
            [examples[i].group for i in rows], [examples[i].sentiment for i in rows]
        )
    return w
