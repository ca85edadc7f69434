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

from ..encoder import EncoderSpec, load_encoder, lora_digest
from ..errors import DataError
from ..heads import CALIBRATED_TASKS, Heads, LinearHead
from .card import per_set
from .crossval import calibrate, can_cross_validate, out_of_fold
from .datasets import TASKS, LabelledFile
from .encoder_choice import choose_encoder
from .evaluate import evaluate_heads
from .features import cached_features
from .hyperparams import (
    CV_FOLDS,
    HEADS,
    LAYERS,
    LEXICAL_MIX,
    MAX_LENGTH,
    SEED,
    AdapterConfig,
    HeadRecipe,
    TeacherConfig,
)
from .task_fits import Features, fit_sentiment, fit_stage, fit_topics

DEFAULT_SPEC = EncoderSpec(num_layers=LAYERS, max_length=MAX_LENGTH)


@dataclass
class TrainResult:
    heads: Heads
    metrics: dict[str, dict] = field(default_factory=dict)
    files: list[LabelledFile] = field(default_factory=list)
    # Where a reused adapter came from (its own training command and machine), for the card.
    adapter_source: dict = field(default_factory=dict)
    # Cross-validated figures per calibrated task (crossval.cv_report), from training data only.
    cv: dict[str, dict] = field(default_factory=dict)


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
    cv_folds: int = CV_FOLDS,
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
    ``lexical_mix`` weighs the lexical sentiment expert; 0 fits none. With ``cv_folds`` > 1 the
    sentiment and stage heads are also cross-validated on the training rows, which gives their
    figures and fits their temperatures (crossval.py); dev files are only scored, at the end.
    An adapter's ``holdout_fold`` keeps that fold's rows from it, and the CV then also reports
    that fold alone: the one figure that scores adapter and heads on text neither saw."""
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
        folds=cv_folds,
        log=log,
        device=device,
    )
    # The fold the adapter never saw (trained here, or reused from a run that held it out).
    same_folds = adapter_source.get("folds") == cv_folds
    holdout = adapter_source.get("holdout_fold") if same_folds else None
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
        new["sentiment"], lexical = fit_sentiment(files, feats, recipe, lexical_mix, log)
    if "stage" in tasks:
        new["stage"] = fit_stage(files, feats, recipe, log)
    if "topics" in tasks:
        new["topics"] = fit_topics(files, feats, recipe, log)
    _keep_from_base(new, base, spec)
    # A kept head keeps its temperature; a refitted one gets a new one, or none without CV.
    calibration = {t: v for t, v in (base.calibration if base else {}).items() if t not in tasks}
    cv: dict[str, dict] = {}
    calibrated = [
        t
        for t in CALIBRATED_TASKS
        if t in tasks and cv_folds > 1 and can_cross_validate(files, t, cv_folds)
    ]
    if calibrated:
        oof = out_of_fold(files, feats, recipe, lexical_mix, tasks=calibrated, k=cv_folds, log=log)
        temperatures, cv = calibrate(oof, holdout)
        calibration |= temperatures
        for task, r in cv.items():
            log(
                f"  {cv_folds}-fold CV {task}: macro-F1 {per_set(r['macro_f1'])}; "
                f"T {r['temperature']:.2f}, "
                f"ECE {r['ece_raw']:.3f} -> {r['ece']:.3f}"
            )
            if "holdout" in r:
                log(
                    f"  {task} on fold {holdout}, unseen by the adapter: macro-F1 "
                    f"{per_set(r['holdout']['macro_f1'])}; "
                    f"ECE {r['holdout']['ece_raw']:.3f} -> {r['holdout']['ece']:.3f}"
                )
    heads = Heads(
        new["sentiment"],
        new["stage"],
        new["topics"],
        spec=spec,
        lora=lora,
        lexical=lexical,
        calibration=calibration,
    )
    metrics = {}
    if dev_files:
        metrics = evaluate_heads(heads, encoder, spec, dev_files, log=log, device=device)
    return TrainResult(heads, metrics, list(files), adapter_source, cv)


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
