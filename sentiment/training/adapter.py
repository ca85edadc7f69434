"""Train a multi-task LoRA adapter for the (cut) builtin encoder.

The frozen encoder's features cap what heads can learn (docs/model.md: an adapter adds a few
points of macro-F1). This module fine-tunes low-rank deltas on every linear layer of the kept
encoder layers (lora.py, with ``peft``), jointly for the three tasks, through exactly the
computation used at prediction time: each text is split into sentences, each sentence is
encoded (leading @handles skipped), and the mention vector is the word-count-weighted mean of
its sentence vectors. Temporary task heads give the gradient; they are thrown away, and the
shipped heads are refitted afterwards on the adapted encoder's features
(``fit.train_heads``), so the adapter only has to make features.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence

import torch
from torch import nn

from ..aggregate import weighted_mean
from ..batching import shuffled_batches
from ..encoder import Encoder
from ..labels import STAGES, TOPICS
from .examples import Example, build_examples, sentiment_weights
from .hyperparams import (
    ADAPTER_HEAD_HIDDEN,
    ADAPTER_HEAD_SCALE,
    ADAPTER_STAGE_LOSS,
    ADAPTER_TOPICS_LOSS,
    ADAPTER_WEIGHT_DECAY,
    DEFAULT_ADAPTER,
    GRAD_CLIP,
    AdapterConfig,
)
from .lora import attach_lora, detach_lora, train_mode

# Padded tokens per encoder call while training: small chunks keep a CPU's caches warm; a GPU
# wants one big call per step (kernel launches, not arithmetic, bound it at this model size).
CHUNK_TOKENS = {"cpu": 2048, "cuda": 65536}


class _TaskHeads(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        hidden = ADAPTER_HEAD_HIDDEN
        self.sentiment = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, 3))
        self.stage = nn.Sequential(
            nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, len(STAGES))
        )
        self.topics = nn.Linear(dim, len(TOPICS))


def train_adapter(
    encoder: Encoder,
    files: Sequence,
    config: AdapterConfig = DEFAULT_ADAPTER,
    *,
    log: Callable[[str], None] = print,
    max_steps: int | None = None,
    device: torch.device | None = None,
    teacher: Sequence[torch.Tensor | None] | None = None,
) -> dict[str, torch.Tensor]:
    """Fine-tune an adapter on ``files`` (``datasets.LabelledFile``); returns its tensors (on the
    CPU, fp16, whatever ``device`` trained them). With ``config.distill`` > 0, ``teacher``
    holds the teacher's logits per file and row (teacher.soft_labels).

    ``encoder`` is modified only for the duration of the call (and moved to ``device``)."""
    device = device or torch.device("cpu")
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    if config.distill > 0 and teacher is None:
        raise ValueError("distilling needs the teacher's logits")
    examples = build_examples(files, config, teacher if config.distill > 0 else None)
    if not examples:
        raise ValueError("no labelled examples to train an adapter on")
    cell_w = sentiment_weights(examples).to(device)
    bert = encoder.bert
    lora = attach_lora(bert, config)
    encoder.to(device)
    heads = _TaskHeads(encoder.dim).to(device)
    params = [p for p in lora.parameters() if p.requires_grad]  # an A and a B per layer
    opt = torch.optim.AdamW(
        [{"params": params}, {"params": heads.parameters()}],
        lr=config.lr,
        weight_decay=ADAPTER_WEIGHT_DECAY,
    )
    steps_per_epoch = math.ceil(len(examples) / config.batch_size)
    total = max(1, math.ceil(config.epochs * steps_per_epoch))
    if max_steps is not None:
        total = min(total, max_steps)
    warm = max(1, int(total * config.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda s: (
            min(1.0, (s + 1) / warm)
            * 0.5
            * (1 + math.cos(math.pi * min(1.0, max(0, s - warm) / max(1, total - warm))))
        ),
    )
    log(
        f"  adapter: rank {config.rank} on {len(params) // 2} linear layers, "
        f"{sum(p.numel() for p in params):,} parameters; {len(examples)} texts, {total} steps "
        f"on {device}"
    )
    batches = shuffled_batches(len(examples), config.batch_size, rng)
    train_mode(bert)
    heads.train()
    t0 = time.perf_counter()
    running = 0.0
    try:
        with torch.enable_grad():
            for step, idx in zip(range(total), batches, strict=False):
                batch = [examples[i] for i in idx]
                loss = _step_loss(encoder, heads, batch, cell_w[idx], device, config)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, GRAD_CLIP)
                opt.step()
                sched.step()
                value = float(loss.detach())
                running = 0.98 * running + 0.02 * value if step else value
                if (step + 1) % 50 == 0 or step + 1 == total:
                    rate = (step + 1) / (time.perf_counter() - t0)
                    log(
                        f"  adapter step {step + 1}/{total} loss {running:.3f} "
                        f"({rate:.2f} steps/s, {(total - step - 1) / rate / 60:.1f} min left)"
                    )
    finally:
        bert.eval()
        tensors = detach_lora(lora)
    return tensors


def _encode_sorted(
    encoder: Encoder, sentences: Sequence[str], device: torch.device
) -> torch.Tensor:
    """Encode with gradients, in length-sorted chunks: a review's sentences differ a lot in
    length and padding them all to the longest would triple the work."""
    ids = encoder.tokenizer(
        list(sentences),
        truncation=True,
        max_length=encoder.max_length,
        return_token_type_ids=False,
        return_attention_mask=False,
    )["input_ids"]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    pad = encoder.tokenizer.pad_token_id or 0
    budget = CHUNK_TOKENS.get(device.type, CHUNK_TOKENS["cuda"])
    parts: list[torch.Tensor] = []
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and len(ids[order[end]]) * (end + 1 - start) <= budget:
            end += 1
        chunk = [ids[i] for i in order[start:end]]
        width = len(chunk[-1])
        input_ids = torch.full((len(chunk), width), pad, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for row, seq in enumerate(chunk):
            input_ids[row, : len(seq)] = torch.tensor(seq)
            mask[row, : len(seq)] = 1
        parts.append(encoder(input_ids.to(device), mask.to(device)))
        start = end
    inverse = torch.empty(len(order), dtype=torch.long, device=device)
    inverse[torch.tensor(order, device=device)] = torch.arange(len(order), device=device)
    return torch.cat(parts)[inverse]


def _step_loss(
    encoder: Encoder,
    heads: _TaskHeads,
    batch: Sequence[Example],
    cell_w: torch.Tensor,
    device: torch.device,
    config: AdapterConfig,
) -> torch.Tensor:
    flat = [s for e in batch for s in e.sentences]
    owner = torch.tensor([i for i, e in enumerate(batch) for _ in e.sentences], device=device)
    weights = torch.tensor([w for e in batch for w in e.weights], device=device)
    vectors = _encode_sorted(encoder, flat, device)
    mention = weighted_mean(vectors, weights, owner, len(batch)) * ADAPTER_HEAD_SCALE
    loss = torch.zeros((), device=device)
    has = [i for i, e in enumerate(batch) if e.sentiment is not None]
    if has:
        y = torch.tensor([batch[i].sentiment for i in has], device=device)
        logits = heads.sentiment(mention[has])
        per_text = nn.functional.cross_entropy(logits, y, reduction="none")
        if config.distill > 0:
            per_text = (1 - config.distill) * per_text + config.distill * _distill_loss(
                logits, [batch[i].teacher for i in has], config.temperature
            )
        loss = loss + (per_text * cell_w[has]).sum() / len(has)
    has = [i for i, e in enumerate(batch) if e.stage is not None]
    if has:
        y = torch.tensor([batch[i].stage for i in has], device=device)
        loss = loss + ADAPTER_STAGE_LOSS * nn.functional.cross_entropy(heads.stage(mention[has]), y)
    has = [i for i, e in enumerate(batch) if e.topics is not None]
    if has:
        y = torch.tensor([batch[i].topics for i in has], device=device)
        bce = nn.functional.binary_cross_entropy_with_logits(heads.topics(mention[has]), y)
        loss = loss + ADAPTER_TOPICS_LOSS * bce
    return loss


def _distill_loss(
    logits: torch.Tensor, teacher: Sequence[list[float] | None], temperature: float
) -> torch.Tensor:
    """Per text, KL(teacher || student) at ``temperature``, times its square (Hinton et al.,
    2015: keeps the soft term's gradients on the hard term's scale); 0 where no teacher."""
    known = torch.tensor([t is not None for t in teacher], device=logits.device)
    target = torch.tensor(
        [t if t is not None else [0.0] * logits.shape[1] for t in teacher],
        device=logits.device,
        dtype=logits.dtype,
    )
    kl = nn.functional.kl_div(
        nn.functional.log_softmax(logits / temperature, dim=-1),
        nn.functional.log_softmax(target / temperature, dim=-1),
        reduction="none",
        log_target=True,
    ).sum(-1)
    return torch.where(known, kl * temperature**2, torch.zeros_like(kl))
