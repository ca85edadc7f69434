"""Labelled CSV files: the one reader for training, dev and evaluation files.

A file has a text column (``text`` unless told) and any of: ``label`` or ``sentiment``
(sentiment), ``stage``, ``topics`` (``;``-separated). Labels are normalised and checked against
``sentiment.labels`` (``docs/taxonomy.md`` defines them); an empty cell means "not labelled for
that task". A sentiment of ``mixed`` or ``ambiguous`` (GoEmotions' rows with both or neither
polarity) is not one of the three classes: such a row is not labelled for sentiment. Rows whose
``commercial_use`` column says ``false`` are skipped: our labels of non-commercial texts ship
without the text (``sentiment/assets/labels``).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.formulas import unguard

from ..encoder import sha256_of
from ..errors import DataError
from ..labels import SENTIMENTS, STAGES, TOPICS, normalise_sentiment, split_topics
from .presets import licence

TASKS = ("sentiment", "stage", "topics")
# Sentiment labels that name no single class of the three: the row carries no sentiment label.
NO_SENTIMENT_CLASS = frozenset({"mixed", "ambiguous"})
# Which column holds each task's labels (the first one present wins).
LABEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "sentiment": ("sentiment", "label"),
    "stage": ("stage",),
    "topics": ("topics",),
}


@dataclass
class LabelledFile:
    path: Path
    name: str
    sha256: str
    texts: list[str]
    sentiment: list[str | None]
    stage: list[str | None]
    topics: list[list[str]] | None  # None: no topics column (or not read)
    # Per row, the text it comes from (``<data set>-<id>``): a review and the sentences of it
    # labelled elsewhere share one, so cross-validation keeps them in one fold.
    groups: list[str] = field(default_factory=list)
    # Rows whose sentiment names no single class (NO_SENTIMENT_CLASS): not labelled for
    # sentiment, and not a gap an evaluation should complain about either.
    no_class: set[int] = field(default_factory=set)

    @property
    def licence(self) -> str:
        return licence(self.name)


def dataset_name(path: Path) -> str:
    """The data-set folder for a split file (``airline_tweets/train.csv``), else the file's stem
    (``own_examples.csv`` -> ``own_examples``)."""
    path = Path(path)
    return path.parent.name if path.stem in {"train", "dev", "test"} else path.stem


def read_labelled_csv(
    path: Path, *, text_column: str = "text", tasks: Sequence[str] = TASKS
) -> LabelledFile:
    """The texts and the labels of ``tasks`` in a CSV file; :class:`DataError` on problems.

    The file needs ``text_column`` and a label column of at least one of ``tasks``; an unknown
    label anywhere is an error, an empty cell is a row without that task's label. Columns of
    the tasks left out are not read (their labels are all None)."""
    path = Path(path)
    try:
        # utf-8-sig: what a spreadsheet saves as "CSV UTF-8" starts with a byte-order mark.
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            # (file line, row): a skipped row keeps the lines after it where they are.
            rows = [
                (line, r)
                for line, r in enumerate(reader, start=2)
                if (r.get("commercial_use") or "").lower() != "false"
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    if text_column not in columns:
        found = ", ".join(columns) or "none"
        raise DataError(f"{path}: no column {text_column!r} (columns: {found})")
    label_columns = {
        task: column
        for task in tasks
        if (column := next((c for c in LABEL_COLUMNS[task] if c in columns), None))
    }
    if not label_columns:
        expected = ", ".join(c for task in tasks for c in LABEL_COLUMNS[task])
        raise DataError(
            f"{path}: no label column for task {_either(tasks)} (expected one of: {expected})"
        )
    texts, sentiment, stage, topics, groups = [], [], [], [], []
    no_class: set[int] = set()
    name = dataset_name(path)
    for line, row in rows:
        cell = {task: row[column] for task, column in label_columns.items()}
        where = f"{path}:{line}"
        # Our exports guard text a spreadsheet would run ("'@brand ..."): trained as written.
        texts.append(unguard(row[text_column] or ""))
        if (cell.get("sentiment") or "").strip().lower() in NO_SENTIMENT_CLASS:
            no_class.add(len(texts) - 1)
            sentiment.append(None)
        else:
            sentiment.append(_sentiment(cell.get("sentiment"), where))
        stage.append(_stage(cell.get("stage"), where))
        topics.append(_topics(cell.get("topics"), where))
        groups.append(_group(row, name, line))
    return LabelledFile(
        path,
        name,
        sha256_of(path),
        texts,
        sentiment,
        stage,
        topics if "topics" in label_columns else None,
        groups,
        no_class,
    )


def _group(row: dict[str, str], name: str, line: int) -> str:
    """The text a row comes from: its source (our labels of a data set's texts), else its id."""
    if row.get("source_dataset") and row.get("source_id"):
        return f"{row['source_dataset']}-{row['source_id']}"
    return f"{name}-{row.get('id') or line}"


def _sentiment(value: str | None, where: str) -> str | None:
    if not value:
        return None
    label = normalise_sentiment(value)  # "POS", "Positive", "4 stars" -> "positive"
    if label is None:
        raise DataError(f"{where}: unknown sentiment label {value!r} ({_allowed(SENTIMENTS)})")
    return label


def _stage(value: str | None, where: str) -> str | None:
    label = (value or "").strip().lower() or None
    if label is not None and label not in STAGES:
        raise DataError(f"{where}: unknown stage label {value!r} ({_allowed(STAGES)})")
    return label


def _topics(value: str | None, where: str) -> list[str]:
    topics = split_topics(value or "")
    unknown = [t for t in topics if t not in TOPICS]
    if unknown:
        raise DataError(f"{where}: unknown topic {unknown[0]!r} ({_allowed(TOPICS)})")
    return topics


def _allowed(labels: Sequence[str]) -> str:
    return f"allowed: {', '.join(labels)}"


def _either(items: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    return " or ".join(filter(None, [", ".join(items[:-1]), items[-1]]))
