"""A classifier measured on labelled files, through the real prediction path.

``evaluate_file`` is `umot evaluate`: accuracy, macro-F1, per-class F1 and the confusion matrix
of one task on a labelled CSV. ``evaluate_heads`` gives a training run's dev figures, which
`umot train` records in heads.json and TRAINING.md.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from ..classifier import Classifier
from ..encoder import Encoder, EncoderSpec
from ..errors import DataError
from ..heads import Heads
from ..labels import SENTIMENTS, STAGES, TOPICS
from ..prediction import Prediction
from ..preparation import auto_workers
from .calibration import calibration_error
from .datasets import LabelledFile, read_labelled_csv
from .metrics import Report, multi_label_report, single_label_report


def read_gold(path: Path, task: str, text_column: str = "text") -> tuple[list[str], list]:
    """Texts and gold labels of ``task`` from a CSV; every row must carry one (a topics cell
    may be empty: no topic), except a sentiment of ``mixed`` or ``ambiguous``, whose rows are
    left out (GoEmotions: they name no class of the three). Raises :class:`DataError` on
    problems."""
    data = read_labelled_csv(path, text_column=text_column, tasks=(task,))
    if not data.texts:
        raise DataError(f"{path}: no rows")
    if task == "topics":
        assert data.topics is not None  # read_labelled_csv found the column
        return data.texts, data.topics
    gold = data.sentiment if task == "sentiment" else data.stage
    skip = data.no_class if task == "sentiment" else set()
    missing = next((i + 2 for i, label in enumerate(gold) if label is None and i not in skip), None)
    if missing is not None:
        allowed = ", ".join(SENTIMENTS if task == "sentiment" else STAGES)
        raise DataError(f"{path}:{missing}: no {task} label (allowed: {allowed})")
    keep = [i for i in range(len(gold)) if i not in skip]
    return [data.texts[i] for i in keep], [gold[i] for i in keep]


def evaluate_file(
    classifier: Classifier,
    path: Path,
    task: str = "sentiment",
    *,
    text_column: str = "text",
    progress: bool = False,
) -> Report:
    texts, gold = read_gold(path, task, text_column)
    preds = classifier.predict(texts, progress=progress)
    if task == "topics":
        return multi_label_report(task, gold, [p.topics for p in preds], TOPICS)
    report = single_label_report(task, gold, [_label(p, task) for p in preds], LABELS[task])
    report.ece = confidence_error(task, gold, preds)
    return report


LABELS = {"sentiment": SENTIMENTS, "stage": STAGES}


def _label(pred: Prediction, task: str) -> str | None:
    return pred.sentiment if task == "sentiment" else pred.stage


def confidence_error(task: str, gold: Sequence[str], preds: Sequence[Prediction]) -> float | None:
    """Expected calibration error (10 bins) of the predictions' stated confidence in ``task``,
    over those that state one; None when none does."""
    rows = [
        (conf, _label(p, task) == g)
        for g, p in zip(gold, preds, strict=True)
        if (conf := p.confidence if task == "sentiment" else p.stage_confidence) is not None
    ]
    if not rows:
        return None
    return calibration_error([c for c, _ in rows], [ok for _, ok in rows])


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
        for task, gold in (("sentiment", f.sentiment), ("stage", f.stage)):
            rows = [(g, p) for g, p in zip(gold, preds, strict=True) if g]
            if rows:
                r = single_label_report(
                    task, [g for g, _ in rows], [_label(p, task) for _, p in rows], LABELS[task]
                )
                out[task] = {
                    "accuracy": r.accuracy,
                    "macro_f1": r.macro_f1,
                    "n": r.n,
                    "ece": confidence_error(task, [g for g, _ in rows], [p for _, p in rows]),
                    "unlabelled": sum(_label(p, task) is None for _, p in rows),
                }
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
