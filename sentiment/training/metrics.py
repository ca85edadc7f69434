"""Scores of predicted labels against gold ones: accuracy, macro-F1, per class, confusion.

Macro-F1 is the figure the project reports (docs/model.md): every class counts alike, however
rare. scikit-learn computes them from plain label lists, so any caller can score any
predictions.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.preprocessing import MultiLabelBinarizer


@dataclass
class Report:
    task: str
    n: int
    accuracy: float
    macro_f1: float
    labels: list[str]
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]] = field(default_factory=list)  # rows gold, columns predicted
    note: str = ""
    # Expected calibration error (10 bins) of the stated confidence; None: not measured.
    ece: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        lines = [
            f"task {self.task}: n={self.n}  accuracy={self.accuracy:.3f}  "
            f"macro-F1={self.macro_f1:.3f}"
            + ("" if self.ece is None else f"  calibration error (ECE)={self.ece:.3f}")
        ]
        if self.note:
            lines.append(self.note)
        lines.append(f"{'class':<18}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}")
        for label in self.labels:
            m = self.per_class[label]
            lines.append(
                f"{label:<18}{m['precision']:>10.3f}{m['recall']:>10.3f}"
                f"{m['f1']:>10.3f}{int(m['support']):>9}"
            )
        if self.confusion:
            width = max(8, *(len(lb) + 1 for lb in self.labels))
            lines.append("confusion (rows gold, columns predicted):")
            lines.append(" " * width + "".join(f"{lb:>{width}}" for lb in self.labels))
            for label, row in zip(self.labels, self.confusion, strict=True):
                lines.append(f"{label:<{width}}" + "".join(f"{c:>{width}}" for c in row))
        return "\n".join(lines)


def _per_class(
    labels: Sequence[str], p: np.ndarray, r: np.ndarray, f: np.ndarray, support: np.ndarray
) -> dict[str, dict[str, float]]:
    """scikit-learn's per-label arrays as {label: {precision, recall, f1, support}}."""
    return {
        lb: {
            "precision": float(p[i]),
            "recall": float(r[i]),
            "f1": float(f[i]),
            "support": int(support[i]),
        }
        for i, lb in enumerate(labels)
    }


# Stands for "no answer" in scikit-learn's label arrays (never a class name).
MISSING = "<unlabelled>"


def single_label_report(
    task: str, gold: Sequence[str], pred: Sequence[str | None], label_set: Sequence[str]
) -> Report:
    """Macro-F1 over the classes present in gold or predictions (scikit-learn's convention).
    A prediction of None (the model left the text unlabelled, e.g. its language) is a miss: it
    counts against accuracy and its gold class's recall, and is no class of its own."""
    if len(gold) != len(pred):
        raise ValueError("gold and predictions differ in length")
    answered = [MISSING if p is None else p for p in pred]
    seen = (set(gold) | set(answered)) - {MISSING}
    labels = [lb for lb in label_set if lb in seen] + sorted(seen - set(label_set))
    if not labels:
        return Report(task, 0, 0.0, 0.0, [], {}, [])
    p, r, f, support = precision_recall_fscore_support(
        gold, answered, labels=labels, zero_division=0.0
    )
    per_class = _per_class(labels, p, r, f, support)
    with warnings.catch_warnings():  # one class only: the labels given already fix the shape
        warnings.filterwarnings("ignore", message="A single label was found")
        confusion = confusion_matrix(gold, answered, labels=labels).tolist()
    missed = answered.count(MISSING)
    return Report(
        task,
        len(gold),
        float(accuracy_score(gold, answered)),
        float(f.mean()),
        labels,
        per_class,
        confusion,
        note=f"{missed} text(s) left unlabelled (counted as misses)" if missed else "",
    )


def multi_label_report(
    task: str,
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
    label_set: Sequence[str],
) -> Report:
    """Per-label F1, macro-F1 over labels with gold support, exact-match accuracy; the
    confusion holds per-label [tp, fp, fn, tn]."""
    labels = list(label_set)
    binarizer = MultiLabelBinarizer(classes=labels)
    # Labels outside label_set are not scored (and not warned about).
    y_true = binarizer.fit_transform([[lb for lb in g if lb in labels] for g in gold])
    y_pred = binarizer.transform([[lb for lb in p if lb in labels] for p in pred])
    p, r, f, support = precision_recall_fscore_support(
        y_true, y_pred, average=None, zero_division=0.0
    )
    per_class = _per_class(labels, p, r, f, support)
    # Each label's [[tn, fp], [fn, tp]], reported as [tp, fp, fn, tn].
    confusion = [
        [int(m[1, 1]), int(m[0, 1]), int(m[1, 0]), int(m[0, 0])]
        for m in multilabel_confusion_matrix(y_true, y_pred)
    ]
    supported = [float(f[i]) for i in range(len(labels)) if support[i]]
    macro = sum(supported) / len(supported) if supported else 0.0
    exact = sum(set(g) == set(p) for g, p in zip(gold, pred, strict=True))
    return Report(
        task,
        len(gold),
        exact / len(gold) if gold else 0.0,
        macro,
        labels,
        per_class,
        [],
        note="accuracy = exact set match; confusion per label [tp, fp, fn, tn]: "
        + ", ".join(f"{lb} {c}" for lb, c in zip(labels, confusion, strict=True)),
    )
