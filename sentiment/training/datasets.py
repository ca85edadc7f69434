"""Labelled CSV files, read once into the texts and labels that training and evaluation use.

A file has a ``text`` column and any of: ``label`` or ``sentiment`` (sentiment), ``stage``,
``topics`` (``;``-separated). Labels are normalised and checked against ``sentiment.labels``
(``docs/taxonomy.md`` defines them); an empty cell means "not labelled for that task".
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..encoder import sha256_of
from ..errors import DataError
from ..labels import STAGES, TOPICS, normalise_sentiment, split_topics
from .presets import licence


@dataclass
class LabelledFile:
    path: Path
    name: str
    sha256: str
    texts: list[str]
    sentiment: list[str | None]
    stage: list[str | None]
    topics: list[list[str]] | None  # None: the file has no topic column

    @property
    def licence(self) -> str:
        return licence(self.name)


def dataset_name(path: Path) -> str:
    """The data-set folder for a split file (``airline_tweets/train.csv``), else the file's stem
    (``own_examples.csv`` -> ``own_examples``)."""
    path = Path(path)
    return path.parent.name if path.stem in {"train", "dev", "test"} else path.stem


def read_training_csv(path: Path) -> LabelledFile:
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            cols = reader.fieldnames or []
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    if "text" not in cols:
        raise DataError(f"{path}: no column 'text' (columns: {', '.join(cols)})")
    sent_col = "sentiment" if "sentiment" in cols else ("label" if "label" in cols else None)
    if sent_col is None and "stage" not in cols and "topics" not in cols:
        raise DataError(f"{path}: needs a 'label'/'sentiment', 'stage' or 'topics' column")
    texts, sentiment, stage, topics = [], [], [], []
    for i, row in enumerate(rows, start=2):
        texts.append(row["text"] or "")
        s = normalise_sentiment(row[sent_col]) if sent_col and row[sent_col] else None
        if sent_col and row[sent_col] and s is None:
            raise DataError(f"{path}:{i}: unknown sentiment {row[sent_col]!r}")
        sentiment.append(s)
        st = (row.get("stage") or "").strip().lower() or None
        if st is not None and st not in STAGES:
            raise DataError(f"{path}:{i}: unknown stage {st!r}")
        stage.append(st)
        tp = split_topics(row.get("topics") or "")
        if any(t not in TOPICS for t in tp):
            raise DataError(f"{path}:{i}: unknown topic in {row.get('topics')!r}")
        topics.append(tp)
    return LabelledFile(
        path,
        dataset_name(path),
        sha256_of(path),
        texts,
        sentiment,
        stage,
        topics if "topics" in cols else None,
    )
