"""Out-of-fold predictions of the sentiment and stage heads: choices and calibration from
training data alone, never from a dev set.

Rows fall into ``k`` folds by a hash of their group (a review and the sentences of it that we
labelled share a group, whichever file holds them, so no text is scored by heads that saw it).
Each fold is predicted by heads fitted on the other folds with the shipped recipe (task_fits.py),
on the text's pooled sentence vectors. The predictions give the cross-validated figures per data
set and fit each task's temperature (calibration.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import torch
from sklearn.metrics import f1_score

from ..calibration import temper
from ..labels import SENTIMENTS, STAGES
from .calibration import expected_calibration_error, fit_temperature
from .datasets import LabelledFile
from .hyperparams import CV_FOLDS, HeadRecipe
from .task_fits import Features, fit_sentiment, fit_stage, labelled, sentiment_of, stage_of

# Fewer labelled rows than this per fold and a task is not cross-validated (nor calibrated): a
# handful of held-out rows says nothing, and a fold may miss a class altogether.
MIN_ROWS_PER_FOLD = 40


@dataclass
class OutOfFold:
    """One task's held-out predictions over every labelled training row."""

    probs: torch.Tensor  # (rows, classes)
    y: torch.Tensor  # (rows,)
    dataset: list[str]

    def dataset_weights(self) -> torch.Tensor:
        """Row weights that give each data set the same total: calibration for every domain,
        not for the biggest file."""
        counts = {d: self.dataset.count(d) for d in set(self.dataset)}
        w = torch.tensor([1.0 / counts[d] for d in self.dataset])
        return w * len(w) / w.sum()


def fold_of(group: str, k: int) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest()[:8], 16) % k


def subset(f: LabelledFile, idx: Sequence[int]) -> LabelledFile:
    """The rows ``idx`` of ``f`` as a file of their own."""
    pick = list(idx)
    return replace(
        f,
        texts=[f.texts[i] for i in pick],
        sentiment=[f.sentiment[i] for i in pick],
        stage=[f.stage[i] for i in pick],
        topics=None if f.topics is None else [f.topics[i] for i in pick],
        groups=[f.groups[i] for i in pick] if f.groups else [],
        no_class={n for n, i in enumerate(pick) if i in f.no_class},
    )


def can_cross_validate(files: Sequence[LabelledFile], task: str, k: int) -> bool:
    """Whether ``task`` has enough labelled rows for ``k`` folds."""
    get = sentiment_of if task == "sentiment" else stage_of
    return sum(len(labelled(f, get)) for f in files) >= k * MIN_ROWS_PER_FOLD


def out_of_fold(
    files: Sequence[LabelledFile],
    feats: Features,
    recipe: HeadRecipe,
    lexical_mix: float,
    *,
    tasks: Sequence[str] = ("sentiment", "stage"),
    k: int = CV_FOLDS,
    log: Callable = print,
) -> dict[str, OutOfFold]:
    """Per task in ``tasks`` (sentiment, stage), the out-of-fold predictions of every row."""
    folds = {
        id(f): [fold_of(g, k) for g in f.groups or [f"{f.name}-{i}" for i in range(len(f.texts))]]
        for f in files
    }
    parts: dict[str, list[tuple[torch.Tensor, list[str], list[str]]]] = {t: [] for t in tasks}
    quiet = lambda *_: None  # noqa: E731
    for fold in range(k):
        train, test = [], []
        sub_feats: Features = {}
        for f in files:
            held = folds[id(f)]
            for keep, out in ((False, train), (True, test)):
                idx = [i for i in range(len(f.texts)) if (held[i] == fold) == keep]
                part = subset(f, idx)
                sub_feats[id(part)] = feats[id(f)][idx]
                out.append(part)
        if "sentiment" in tasks:
            head, lexical = fit_sentiment(train, sub_feats, recipe, lexical_mix, quiet)
            for f in test:
                rows = labelled(f, sentiment_of)
                if not rows:
                    continue
                p = head.probs(sub_feats[id(f)][rows].input(head.pooling))
                if lexical is not None and lexical.mix > 0:
                    p = lexical.product(p, lexical.log_probs([f.texts[i].strip() for i in rows]))
                parts["sentiment"].append((p, [f.sentiment[i] for i in rows], [f.name] * len(rows)))
        if "stage" in tasks:
            head = fit_stage(train, sub_feats, recipe, quiet)
            for f in test:
                rows = labelled(f, stage_of)
                if rows:
                    p = head.probs(sub_feats[id(f)][rows].input(head.pooling))
                    parts["stage"].append((p, [f.stage[i] for i in rows], [f.name] * len(rows)))
        log(f"  cross-validation: fold {fold + 1} of {k}")
    labels = {"sentiment": SENTIMENTS, "stage": STAGES}
    out = {}
    for task, chunks in parts.items():
        y = [labels[task].index(v) for _, ys, _ in chunks for v in ys]
        out[task] = OutOfFold(
            torch.cat([p for p, _, _ in chunks]),
            torch.tensor(y),
            [d for _, _, ds in chunks for d in ds],
        )
    return out


def cv_report(oof: OutOfFold, temperature: float) -> dict:
    """Macro-F1 per data set and the ECE before and after ``temperature``."""
    pred = oof.probs.argmax(-1)
    per_set = {}
    for d in sorted(set(oof.dataset)):
        rows = torch.tensor([i for i, x in enumerate(oof.dataset) if x == d])
        per_set[d] = round(float(f1_score(oof.y[rows], pred[rows], average="macro")), 4)
    w = oof.dataset_weights()
    return {
        "macro_f1": per_set,
        "rows": len(oof.y),
        "temperature": temperature,
        "ece_raw": expected_calibration_error(oof.probs, oof.y, w),
        "ece": expected_calibration_error(temper(oof.probs, temperature), oof.y, w),
    }


def calibrate(oof: dict[str, OutOfFold]) -> tuple[dict[str, float], dict[str, dict]]:
    """Each task's temperature, fitted on its out-of-fold predictions, and the CV report."""
    temperatures, report = {}, {}
    for task, o in oof.items():
        temperatures[task] = fit_temperature(o.probs, o.y, o.dataset_weights())
        report[task] = cv_report(o, temperatures[task])
    return temperatures, report
