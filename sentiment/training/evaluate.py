"""A classifier measured on labelled files, through the real prediction path.

``evaluate_file`` is `umot evaluate`: accuracy, macro-F1, per-class F1 and the confusion matrix
of one task on a labelled CSV. ``evaluate_heads`` gives a training run's dev figures, which
`umot train` records in heads.json and TRAINING.md.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from ..classifier import Classifier
from ..encoder import Encoder, EncoderSpec
from ..errors import DataError
from ..heads import Heads
from ..labels import SENTIMENTS, STAGES, TOPICS, normalise_sentiment, split_topics
from ..preparation import auto_workers
from .datasets import LabelledFile
from .metrics import Report, multi_label_report, single_label_report

# Which column holds the gold label of each task (first one present wins).
GOLD_COLUMNS: dict[str, tuple[str, ...]] = {
    "sentiment": ("sentiment", "label"),
    "stage": ("stage",),
    "topics": ("topics",),
}


def read_labelled_csv(path: Path, task: str, text_column: str = "text") -> tuple[list[str], list]:
    """Texts and gold labels of ``task`` from a CSV; raises :class:`DataError` on problems."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            gold_col = next((c for c in GOLD_COLUMNS[task] if c in columns), None)
            if text_column not in columns:
                found = ", ".join(columns) or "none"
                raise DataError(f"{path}: no column {text_column!r} (columns: {found})")
            if gold_col is None:
                raise DataError(
                    f"{path}: no label column for task {task} "
                    f"(expected one of: {', '.join(GOLD_COLUMNS[task])})"
                )
            texts, gold = [], []
            for row in reader:
                texts.append(row[text_column] or "")
                gold.append(_gold(row[gold_col], task, path))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"cannot read {path}: {exc}") from exc
    if not texts:
        raise DataError(f"{path}: no rows")
    return texts, gold


def _gold(value: str | None, task: str, path: Path) -> str | list[str]:
    if task == "topics":
        topics = split_topics(value or "")
        unknown = [t for t in topics if t not in TOPICS]
        if unknown:
            raise DataError(f"{path}: unknown topic {unknown[0]!r}")
        return topics
    raw = (value or "").strip().lower()
    label = normalise_sentiment(raw) if task == "sentiment" else raw
    allowed = SENTIMENTS if task == "sentiment" else STAGES
    if label not in allowed:
        raise DataError(f"{path}: unknown {task} label {value!r} (allowed: {', '.join(allowed)})")
    return label


def evaluate_file(
    classifier: Classifier,
    path: Path,
    task: str = "sentiment",
    *,
    text_column: str = "text",
    progress: bool = False,
) -> Report:
    texts, gold = read_labelled_csv(path, task, text_column)
    preds = classifier.predict(texts, progress=progress)
    if task == "topics":
        return multi_label_report(task, gold, [p.topics for p in preds], TOPICS)
    got = [p.sentiment if task == "sentiment" else p.stage for p in preds]
    return single_label_report(task, gold, got, SENTIMENTS if task == "sentiment" else STAGES)


def evaluate_heads(
    heads: Heads,
    encoder: Encoder,
    spec: EncoderSpec,
    dev_files: Sequence[LabelledFile],
    *,
    log: Callable = print,
    device: torch.device | None = None,
) -> dict:
    """Dev figures through the real prediction path (sentence split + aggregation)."""
    clf = Classifier(
        encoder, heads, device=device or torch.device("cpu"), split_workers=auto_workers()
    )
    metrics: dict[str, dict] = {}
    for f in dev_files:
        preds = clf.predict(f.texts)
        out = {}
        pairs = [(g, p.sentiment) for g, p in zip(f.sentiment, preds, strict=True) if g]
        if pairs:
            r = single_label_report("sentiment", *zip(*pairs, strict=True), SENTIMENTS)
            out["sentiment"] = {"accuracy": r.accuracy, "macro_f1": r.macro_f1, "n": r.n}
        pairs = [(g, p.stage) for g, p in zip(f.stage, preds, strict=True) if g]
        if pairs:
            r = single_label_report("stage", *zip(*pairs, strict=True), STAGES)
            out["stage"] = {"accuracy": r.accuracy, "macro_f1": r.macro_f1, "n": r.n}
        if f.topics is not None:
            r = multi_label_report("topics", f.topics, [p.topics for p in preds], TOPICS)
            out["topics"] = {"exact_match": r.accuracy, "macro_f1": r.macro_f1, "n": r.n}
        metrics[f.name] = {
            k: {m: round(v, 4) if isinstance(v, float) else v for m, v in d.items()}
            for k, d in out.items()
        }
        log(
            f"  dev {f.name}: "
            + "  ".join(f"{k} macro-F1 {d['macro_f1']:.3f}" for k, d in metrics[f.name].items())
        )
    return metrics
