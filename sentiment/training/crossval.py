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
from .presets import WRITTEN
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
    fold: list[int]  # each row's fold, 1 to k

    def dataset_weights(self) -> torch.Tensor:
        """Row weights that give each data set the same total: calibration for every domain,
        not for the biggest file."""
        counts = {d: self.dataset.count(d) for d in set(self.dataset)}
        w = torch.tensor([1.0 / counts[d] for d in self.dataset])
        return w * len(w) / w.sum()

    def in_fold(self, fold: int) -> OutOfFold:
        """The rows of one fold."""
        return self._rows([i for i, f in enumerate(self.fold) if f == fold])

    def real(self) -> OutOfFold:
        """The rows of real texts, not of those we wrote (presets.WRITTEN); all rows if no
        real text is among them."""
        rows = [i for i, d in enumerate(self.dataset) if d not in WRITTEN]
        return self._rows(rows) if rows else self

    def _rows(self, rows: Sequence[int]) -> OutOfFold:
        return OutOfFold(
            self.probs[list(rows)],
            self.y[list(rows)],
            [self.dataset[i] for i in rows],
            [self.fold[i] for i in rows],
        )


def fold_of(group: str, k: int) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest()[:8], 16) % k


def folds_of(f: LabelledFile, k: int) -> list[int]:
    """Each row's fold in ``f``, 1 to ``k``, by its group (a row without one is its own)."""
    groups = f.groups or [f"{f.name}-{i}" for i in range(len(f.texts))]
    return [fold_of(g, k) + 1 for g in groups]


def without_fold(files: Sequence[LabelledFile], fold: int, k: int) -> list[LabelledFile]:
    """``files`` less the rows of fold ``fold`` (1 to ``k``): what an adapter may learn from
    when that fold is to score the whole model on text it never saw."""
    return [subset(f, [i for i, x in enumerate(folds_of(f, k)) if x != fold]) for f in files]


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
    folds = {id(f): folds_of(f, k) for f in files}
    parts: dict[str, list[tuple[torch.Tensor, list[str], list[str], int]]] = {t: [] for t in tasks}
    quiet = lambda *_: None  # noqa: E731
    for fold in range(1, k + 1):
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
                parts["sentiment"].append(
                    (p, [f.sentiment[i] for i in rows], [f.name] * len(rows), fold)
                )
        if "stage" in tasks:
            head = fit_stage(train, sub_feats, recipe, quiet)
            for f in test:
                rows = labelled(f, stage_of)
                if rows:
                    p = head.probs(sub_feats[id(f)][rows].input(head.pooling))
                    parts["stage"].append(
                        (p, [f.stage[i] for i in rows], [f.name] * len(rows), fold)
                    )
        log(f"  cross-validation: fold {fold} of {k}")
    labels = {"sentiment": SENTIMENTS, "stage": STAGES}
    out = {}
    for task, chunks in parts.items():
        out[task] = OutOfFold(
            torch.cat([p for p, _, _, _ in chunks]),
            torch.tensor([labels[task].index(v) for _, ys, _, _ in chunks for v in ys]),
            [d for _, _, ds, _ in chunks for d in ds],
            [fold for _, ys, _, fold in chunks for _ in ys],
        )
    return out


def cv_report(oof: OutOfFold, temperature: float, holdout: int | None = None) -> dict:
    """Macro-F1 per data set and the ECE of real texts (OutOfFold.real) before and after
    ``temperature``; with ``holdout`` (the fold an adapter never saw), the same of that fold's
    rows alone."""
    report = {
        "macro_f1": _macro_f1_per_set(oof),
        "rows": len(oof.y),
        "temperature": temperature,
        **_eces(oof.real(), temperature),
    }
    if holdout is not None:
        held = oof.in_fold(holdout)
        report["holdout"] = {
            "fold": holdout,
            "rows": len(held.y),
            "macro_f1": _macro_f1_per_set(held),
            **_eces(held.real(), temperature),
        }
    return report


def _eces(oof: OutOfFold, temperature: float) -> dict[str, float]:
    w = oof.dataset_weights()
    return {
        "ece_raw": expected_calibration_error(oof.probs, oof.y, w),
        "ece": expected_calibration_error(temper(oof.probs, temperature), oof.y, w),
    }


def _macro_f1_per_set(oof: OutOfFold) -> dict[str, float]:
    pred = oof.probs.argmax(-1)
    per_set: dict[str, list[int]] = {}
    for i, d in enumerate(oof.dataset):
        per_set.setdefault(d, []).append(i)
    return {
        d: round(float(f1_score(oof.y[idx], pred[idx], average="macro")), 4)
        for d, idx in sorted(per_set.items())
    }


def calibrate(
    oof: dict[str, OutOfFold], holdout: int | None = None
) -> tuple[dict[str, float], dict[str, dict]]:
    """Each task's temperature and the CV report. The temperature is fitted on the out-of-fold
    predictions of real texts (the confidence is for real mentions, and the model reads the
    texts we wrote differently), or, with ``holdout``, on that fold's alone: on the other folds
    the adapter saw the rows it is scored on, and a model is surer of those than of text it
    never saw."""
    temperatures, report = {}, {}
    for task, o in oof.items():
        fit_on = (o if holdout is None else o.in_fold(holdout)).real()
        temperatures[task] = fit_temperature(fit_on.probs, fit_on.y, fit_on.dataset_weights())
        report[task] = cv_report(o, temperatures[task], holdout)
    return temperatures, report
