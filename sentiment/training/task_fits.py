"""Fit each task's head on the labelled rows of many files, with the shipped recipe.

Shared by the final fit (fit.py) and the cross-validation (crossval.py), so both fit the same
way: sentiment with each (data set, class) cell weighing the same and its lexical partner on the
same texts and weights; stage and topics on whatever rows carry their labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from ..aggregate import Pooled, Pooling
from ..errors import DataError
from ..heads import LinearHead
from ..labels import SENTIMENTS, STAGES, TOPICS, split_topics
from ..lexical import LexicalHead
from .balance import cell_weights
from .datasets import LabelledFile
from .fit_heads import fit_linear_head, fit_mlp_head
from .fit_lexical import fit_lexical_head
from .hyperparams import HeadRecipe

Features = dict[int, Pooled]  # per file (by id), its texts' pooled sentence vectors


def fit_sentiment(
    files: Sequence[LabelledFile],
    feats: Features,
    recipe: HeadRecipe,
    lexical_mix: float,
    log: Callable,
) -> tuple[LinearHead, LexicalHead | None]:
    """The sentiment head and its lexical partner, fitted with the same per-row weights."""
    pooling = recipe.pooling["sentiment"]
    x, y, groups = rows(files, feats, sentiment_of, pooling)
    if not y:
        raise DataError("no sentiment labels in the training files")
    yi = torch.tensor([SENTIMENTS.index(v) for v in y])
    weights = cell_weights(groups, y)
    head = fit_mlp_head(x, yi, SENTIMENTS, recipe.sentiment, sample_weight=weights, pooling=pooling)
    lexical = None
    if lexical_mix > 0:
        lexical = fit_lexical_head(
            texts(files, sentiment_of),
            yi,
            SENTIMENTS,
            sample_weight=weights,
            params=recipe.lexical,
            mix=lexical_mix,
        )
    partner = " and its lexical partner" if lexical is not None else ""
    log(f"  sentiment head{partner}: {len(y)} texts from {sorted(set(groups))}")
    return head, lexical


def fit_stage(
    files: Sequence[LabelledFile], feats: Features, recipe: HeadRecipe, log: Callable
) -> LinearHead:
    pooling = recipe.pooling["stage"]
    x, y, _ = rows(files, feats, stage_of, pooling)
    if not y:
        raise DataError("no stage labels in the training files")
    yi = torch.tensor([STAGES.index(v) for v in y])
    head = fit_mlp_head(x, yi, STAGES, recipe.stage, pooling=pooling)
    log(f"  stage head: {len(y)} texts")
    return head


def fit_topics(
    files: Sequence[LabelledFile], feats: Features, recipe: HeadRecipe, log: Callable
) -> LinearHead:
    pooling = recipe.pooling["topics"]
    x, y, _ = rows(files, feats, topics_of, pooling)
    if not y:
        raise DataError("no topics column in the training files")
    ym = torch.tensor([[1.0 if t in split_topics(v) else 0.0 for t in TOPICS] for v in y])
    head = fit_linear_head(x, ym, TOPICS, recipe.topics, kind="sigmoid", pooling=pooling)
    log(f"  topics head: {len(y)} texts")
    return head


# A task's label of a file's row (None: not labelled); topics joined as in the CSV.
Getter = Callable[[LabelledFile, int], str | None]


def sentiment_of(f: LabelledFile, i: int) -> str | None:
    return f.sentiment[i]


def stage_of(f: LabelledFile, i: int) -> str | None:
    return f.stage[i]


def topics_of(f: LabelledFile, i: int) -> str | None:
    return None if f.topics is None else ";".join(f.topics[i])


def labelled(f: LabelledFile, get: Getter) -> list[int]:
    """The rows of ``f`` that ``get`` finds a label for."""
    return [i for i in range(len(f.texts)) if get(f, i) is not None]


def rows(
    files: Sequence[LabelledFile], feats: Features, get: Getter, pooling: Pooling
) -> tuple[torch.Tensor, list[str], list[str]]:
    """The labelled rows' features, labels and data sets, file after file."""
    xs, ys, gs = [], [], []
    for f in files:
        idx = labelled(f, get)
        if idx:
            xs.append(feats[id(f)][idx].input(pooling))
            ys += [get(f, i) for i in idx]
            gs += [f.name] * len(idx)
    return (torch.cat(xs) if xs else torch.zeros(0)), ys, gs


def texts(files: Sequence[LabelledFile], get: Getter) -> list[str]:
    """The texts that ``_rows`` takes, in its order."""
    return [f.texts[i] for f in files for i in labelled(f, get)]
