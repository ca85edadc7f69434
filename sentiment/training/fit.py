"""`umot train`'s core: labelled files -> the encoder the heads read -> fitted task heads.

The steps, in order: choose the encoder cut and adapter (encoder_choice.py: the base heads' or
another directory's as they are, or a new one trained here, after a whole-text teacher when
distilling); encode every file once (features.py, cached); fit the requested heads on the pooled
sentence vectors (hyperparams.HEADS: seeded MLPs for sentiment and stage, an L-BFGS logistic
regression for topics, and sentiment's lexical partner on the same texts, labels and weights);
take the other heads from ``base``; score the dev files through the real prediction path.
Deterministic, and a minute on two cores once the features are cached.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from ..aggregate import Pooled, Pooling
from ..encoder import EncoderSpec, load_encoder, lora_digest
from ..errors import DataError
from ..heads import Heads, LinearHead
from ..labels import SENTIMENTS, STAGES, TOPICS, split_topics
from ..lexical import LexicalHead
from .balance import cell_weights
from .datasets import TASKS, LabelledFile
from .encoder_choice import choose_encoder
from .evaluate import evaluate_heads
from .features import cached_features
from .fit_heads import fit_linear_head, fit_mlp_head
from .fit_lexical import fit_lexical_head
from .hyperparams import (
    HEADS,
    LAYERS,
    LEXICAL_MIX,
    MAX_LENGTH,
    SEED,
    AdapterConfig,
    HeadRecipe,
    TeacherConfig,
)

DEFAULT_SPEC = EncoderSpec(num_layers=LAYERS, max_length=MAX_LENGTH)
Features = dict[int, Pooled]  # per file (by id), its texts' pooled sentence vectors


@dataclass
class TrainResult:
    heads: Heads
    metrics: dict[str, dict] = field(default_factory=dict)
    files: list[LabelledFile] = field(default_factory=list)
    # Where a reused adapter came from (its own training command and machine), for the card.
    adapter_source: dict = field(default_factory=dict)


def train_heads(
    files: Sequence[LabelledFile],
    *,
    tasks: Sequence[str] = TASKS,
    spec: EncoderSpec = DEFAULT_SPEC,
    base: Heads | None = None,
    adapter: AdapterConfig | None = None,
    adapter_from: Heads | None = None,
    teacher: TeacherConfig | None = None,
    recipe: HeadRecipe = HEADS,
    lexical_mix: float = LEXICAL_MIX,
    dev_files: Sequence[LabelledFile] = (),
    progress: bool = False,
    log: Callable = print,
    device: torch.device | None = None,
) -> TrainResult:
    """Fit the requested heads; the others are taken from ``base`` (same encoder spec).

    With ``adapter``, a LoRA adapter is fine-tuned first on all ``files`` (on ``device``: a GPU
    turns an hour of CPU into minutes) and the heads are fitted on the adapted encoder. With
    ``adapter_from``, that heads directory's encoder cut and adapter are reused as they are (an
    adapter trained on another machine; the heads are refitted here). Training only some tasks
    keeps ``base``'s adapter: the heads kept from it were fitted on that encoder. An adapter
    with ``distill`` > 0 learns from a whole-text ``teacher`` trained first (teacher.py).
    ``lexical_mix`` weighs the lexical sentiment expert; 0 fits none."""
    device = device or torch.device("cpu")
    spec, lora, adapter_source = choose_encoder(
        files,
        tasks,
        spec,
        base=base,
        adapter=adapter,
        adapter_from=adapter_from,
        teacher=teacher,
        dev_files=dev_files,
        log=log,
        device=device,
    )
    encoder = load_encoder(spec, lora)
    lora_tag = lora_digest(lora)
    torch.manual_seed(SEED)
    random.seed(SEED)
    feats: Features = {
        id(f): cached_features(
            encoder, spec, f, lora_tag=lora_tag, progress=progress, log=log, device=device
        )
        for f in files
    }
    new: dict[str, LinearHead] = {}
    lexical = base.lexical if base is not None else None
    if "sentiment" in tasks:
        new["sentiment"], lexical = _fit_sentiment(files, feats, recipe, lexical_mix, log)
    if "stage" in tasks:
        new["stage"] = _fit_stage(files, feats, recipe, log)
    if "topics" in tasks:
        new["topics"] = _fit_topics(files, feats, recipe, log)
    _keep_from_base(new, base, spec)
    heads = Heads(
        new["sentiment"], new["stage"], new["topics"], spec=spec, lora=lora, lexical=lexical
    )
    metrics = {}
    if dev_files:
        metrics = evaluate_heads(heads, encoder, spec, dev_files, log=log, device=device)
    return TrainResult(heads, metrics, list(files), adapter_source)


def _fit_sentiment(
    files: Sequence[LabelledFile],
    feats: Features,
    recipe: HeadRecipe,
    lexical_mix: float,
    log: Callable,
) -> tuple[LinearHead, LexicalHead | None]:
    """The sentiment head and its lexical partner, fitted with the same per-row weights."""
    pooling = recipe.pooling["sentiment"]
    x, y, groups = _rows(files, feats, _sentiment, pooling)
    if not y:
        raise DataError("no sentiment labels in the training files")
    yi = torch.tensor([SENTIMENTS.index(v) for v in y])
    weights = cell_weights(groups, y)
    head = fit_mlp_head(x, yi, SENTIMENTS, recipe.sentiment, sample_weight=weights, pooling=pooling)
    lexical = None
    if lexical_mix > 0:
        lexical = fit_lexical_head(
            _texts(files, _sentiment),
            yi,
            SENTIMENTS,
            sample_weight=weights,
            params=recipe.lexical,
            mix=lexical_mix,
        )
    partner = " and its lexical partner" if lexical is not None else ""
    log(f"  sentiment head{partner}: {len(y)} texts from {sorted(set(groups))}")
    return head, lexical


def _fit_stage(
    files: Sequence[LabelledFile], feats: Features, recipe: HeadRecipe, log: Callable
) -> LinearHead:
    pooling = recipe.pooling["stage"]
    x, y, _ = _rows(files, feats, _stage, pooling)
    if not y:
        raise DataError("no stage labels in the training files")
    yi = torch.tensor([STAGES.index(v) for v in y])
    head = fit_mlp_head(x, yi, STAGES, recipe.stage, pooling=pooling)
    log(f"  stage head: {len(y)} texts")
    return head


def _fit_topics(
    files: Sequence[LabelledFile], feats: Features, recipe: HeadRecipe, log: Callable
) -> LinearHead:
    pooling = recipe.pooling["topics"]
    x, y, _ = _rows(files, feats, _topics, pooling)
    if not y:
        raise DataError("no topics column in the training files")
    ym = torch.tensor([[1.0 if t in split_topics(v) else 0.0 for t in TOPICS] for v in y])
    head = fit_linear_head(x, ym, TOPICS, recipe.topics, kind="sigmoid", pooling=pooling)
    log(f"  topics head: {len(y)} texts")
    return head


def _keep_from_base(new: dict[str, LinearHead], base: Heads | None, spec: EncoderSpec) -> None:
    """Fill the tasks not trained here from ``base``, which must share the encoder cut."""
    missing = [t for t in TASKS if t not in new]
    if not missing:
        return
    if base is None:
        raise DataError(f"no base heads to take {', '.join(missing)} from")
    if base.spec != spec:
        raise DataError("base heads were trained on a different encoder cut")
    for t in missing:
        new[t] = base.head(t)


# A task's label of a file's row (None: not labelled); topics joined as in the CSV.
Getter = Callable[[LabelledFile, int], str | None]


def _sentiment(f: LabelledFile, i: int) -> str | None:
    return f.sentiment[i]


def _stage(f: LabelledFile, i: int) -> str | None:
    return f.stage[i]


def _topics(f: LabelledFile, i: int) -> str | None:
    return None if f.topics is None else ";".join(f.topics[i])


def _labelled(f: LabelledFile, get: Getter) -> list[int]:
    """The rows of ``f`` that ``get`` finds a label for."""
    return [i for i in range(len(f.texts)) if get(f, i) is not None]


def _rows(
    files: Sequence[LabelledFile], feats: Features, get: Getter, pooling: Pooling
) -> tuple[torch.Tensor, list[str], list[str]]:
    """The labelled rows' features, labels and data sets, file after file."""
    xs, ys, gs = [], [], []
    for f in files:
        idx = _labelled(f, get)
        if idx:
            xs.append(feats[id(f)][idx].input(pooling))
            ys += [get(f, i) for i in idx]
            gs += [f.name] * len(idx)
    return (torch.cat(xs) if xs else torch.zeros(0)), ys, gs


def _texts(files: Sequence[LabelledFile], get: Getter) -> list[str]:
    """The texts that ``_rows`` takes, in its order."""
    return [f.texts[i] for f in files for i in _labelled(f, get)]
