"""The encoder `umot train` fits the heads on: which cut of the encoder, with which adapter.

In order of precedence: a run that trains only some tasks keeps the base heads' adapter (the
heads it keeps were fitted on that encoder); ``--adapter-from`` reuses another heads directory's
cut and adapter as they are (say, one trained on a GPU machine); otherwise a new adapter is
trained here, after a whole-text teacher when distilling; with none of these, the frozen cut.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace

import torch

from ..encoder import EncoderSpec, load_encoder
from ..errors import DataError
from ..heads import Heads
from .adapter import train_adapter
from .crossval import without_fold
from .datasets import TASKS, LabelledFile
from .hyperparams import DEFAULT_TEACHER, AdapterConfig, TeacherConfig
from .teacher import evaluate_teacher, soft_labels, train_teacher


def choose_encoder(
    files: Sequence[LabelledFile],
    tasks: Sequence[str],
    spec: EncoderSpec,
    *,
    base: Heads | None,
    adapter: AdapterConfig | None,
    adapter_from: Heads | None,
    teacher: TeacherConfig | None,
    dev_files: Sequence[LabelledFile],
    folds: int,
    log: Callable,
    device: torch.device,
) -> tuple[EncoderSpec, dict[str, torch.Tensor], dict]:
    """The encoder cut and adapter the heads are fitted on, and where the adapter came from.
    ``folds``: the cross-validation's, of which a new adapter's ``holdout_fold`` is one."""
    if set(tasks) != set(TASKS) and base is not None and base.lora:
        # The heads kept from base were fitted on its adapted encoder: the new ones must be too.
        return base.spec, base.lora, {}
    if adapter_from is not None:
        meta = adapter_from.meta
        source = {"command": meta.get("command")} | dict(meta.get("adapter") or {})
        spec = adapter_from.spec
        log(f"  adapter: reused (rank {spec.lora_rank}, {spec.num_layers} layers)")
        return spec, dict(adapter_from.lora), source
    if adapter is not None:
        source: dict = {}
        if adapter.holdout_fold is not None:
            if not 1 <= adapter.holdout_fold <= folds:
                raise DataError(
                    f"the adapter's held-out fold must be 1 to {folds}, got {adapter.holdout_fold}"
                )
            files = without_fold(files, adapter.holdout_fold, folds)
            source = {"holdout_fold": adapter.holdout_fold, "folds": folds}
        spec, lora, trained = _train_adapter(files, spec, adapter, teacher, dev_files, log, device)
        return spec, lora, source | trained
    return spec, {}, {}


def _train_adapter(
    files: Sequence[LabelledFile],
    spec: EncoderSpec,
    adapter: AdapterConfig,
    teacher: TeacherConfig | None,
    dev_files: Sequence[LabelledFile],
    log: Callable,
    device: torch.device,
) -> tuple[EncoderSpec, dict[str, torch.Tensor], dict]:
    """A new adapter on ``files``, distilled from a teacher trained first when asked."""
    t0 = time.perf_counter()
    logits = None
    source: dict = {}
    if adapter.distill > 0:
        teacher = teacher or DEFAULT_TEACHER
        model = train_teacher(files, teacher, log=log, device=device)
        scores = evaluate_teacher(model, dev_files)
        log(f"  teacher dev sentiment macro-F1: {scores}")
        source = {"teacher": {"config": asdict(teacher), "dev_macro_f1": scores}}
        logits = soft_labels(model, files)
        del model
    lora = train_adapter(load_encoder(spec), files, adapter, log=log, device=device, teacher=logits)
    spec = replace(spec, lora_rank=adapter.rank, lora_alpha=adapter.alpha)
    log(f"  adapter trained in {(time.perf_counter() - t0) / 60:.1f} min")
    return spec, lora, source
