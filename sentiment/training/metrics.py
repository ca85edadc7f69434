"""Scores of predicted labels against gold ones: accuracy, macro-F1, per class, confusion.

Macro-F1 is the figure the project reports (docs/model.md): every class counts alike, however
rare. Plain Python on label lists, so any caller can score any predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field


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

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        lines = [
            f"task {self.task}: n={self.n}  accuracy={self.accuracy:.3f}  "
            f"macro-F1={self.macro_f1:.3f}"
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


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def single_label_report(
    task: str, gold: Sequence[str], pred: Sequence[str], label_set: Sequence[str]
) -> Report:
    """Macro-F1 over the classes present in gold or predictions (scikit-learn's convention)."""
    if len(gold) != len(pred):
        raise ValueError("gold and predictions differ in length")
    labels = [lb for lb in label_set if lb in set(gold) | set(pred)]
    labels += sorted((set(gold) | set(pred)) - set(labels))
    index = {lb: i for i, lb in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred, strict=True):
        confusion[index[g]][index[p]] += 1
    per_class = {}
    for lb, i in index.items():
        tp = confusion[i][i]
        fp = sum(confusion[r][i] for r in range(len(labels))) - tp
        fn = sum(confusion[i]) - tp
        p, r, f = _prf(tp, fp, fn)
        per_class[lb] = {"precision": p, "recall": r, "f1": f, "support": sum(confusion[i])}
    n = len(gold)
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / n if n else 0.0
    macro = sum(m["f1"] for m in per_class.values()) / len(per_class) if per_class else 0.0
    return Report(task, n, acc, macro, labels, per_class, confusion)


def multi_label_report(
    task: str,
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
    label_set: Sequence[str],
) -> Report:
    """Per-label F1, macro-F1 over labels with gold support, exact-match accuracy; the
    confusion holds per-label [tp, fp, fn, tn]."""
    labels = list(label_set)
    per_class, confusion = {}, []
    for lb in labels:
        tp = sum(lb in g and lb in p for g, p in zip(gold, pred, strict=True))
        fp = sum(lb not in g and lb in p for g, p in zip(gold, pred, strict=True))
        fn = sum(lb in g and lb not in p for g, p in zip(gold, pred, strict=True))
        tn = len(gold) - tp - fp - fn
        p, r, f = _prf(tp, fp, fn)
        per_class[lb] = {"precision": p, "recall": r, "f1": f, "support": tp + fn}
        confusion.append([tp, fp, fn, tn])
    supported = [m["f1"] for m in per_class.values() if m["support"]]
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
