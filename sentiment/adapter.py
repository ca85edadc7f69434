"""Train a multi-task LoRA adapter for the (cut) builtin encoder.

The frozen encoder's features cap what heads can learn (BASELINES.md: +1.5 to +3.7 points from
an adapter). This module fine-tunes low-rank deltas on every linear layer of the kept encoder
layers, jointly for the three tasks, through exactly the computation used at prediction time:
each text is split into sentences, each sentence is encoded (leading @handles skipped), and the
mention vector is the word-count-weighted mean of its sentence vectors. Temporary task heads
give the gradient; they are thrown away, and the shipped heads are refitted afterwards on the
adapted encoder's features (``train.train_heads``), so the adapter only has to make features.

The result is a plain ``{"<module path>.lora_A": (r, in), "<module path>.lora_B": (out, r)}``
dict that ``encoder.merge_lora`` adds into the weights at load: inference needs no ``peft`` and
costs nothing extra.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from . import defaults
from .aggregate import weighted_mean
from .balance import cell_weights
from .batching import shuffled_batches
from .encoder import Encoder
from .labels import SENTIMENTS, STAGES, TOPICS
from .preparation import auto_workers, shared_preparer
from .sentences import encoder_text

# Every linear layer of a BERT block: attention (query, key, value, output) and feed-forward.
TARGETS = (
    "attention.self.query",
    "attention.self.key",
    "attention.self.value",
    "attention.output.dense",
    "intermediate.dense",
    "output.dense",
)

# The few stage/topic rows per batch give noisy gradients: they count half as much as sentiment.
STAGE_LOSS = 0.5
TOPICS_LOSS = 0.5
# Padded tokens per encoder call while training: small chunks keep a CPU's caches warm; a GPU
# wants one big call per step (kernel launches, not arithmetic, bound it at this model size).
CHUNK_TOKENS = {"cpu": 2048, "cuda": 65536}


@dataclass(frozen=True)
class AdapterConfig:
    rank: int = defaults.ADAPTER_RANK
    # 0: 2 × rank, the usual LoRA choice: the update's scale (alpha / rank) holds when the
    # rank changes, so a --adapter-rank sweep compares ranks, not learning rates.
    alpha: float = 0.0
    dropout: float = 0.1
    epochs: float = defaults.ADAPTER_EPOCHS
    batch_size: int = 32  # mentions per step
    lr: float = 1e-3  # adapter and temporary heads
    warmup: float = 0.06
    max_per_cell: int = defaults.ADAPTER_CAP
    # Stage/topic examples are few (our own ~600 sentences): seen this many times per epoch.
    stage_repeat: int = 3
    seed: int = 0
    # Knowledge distillation (teacher.py): the weight of the teacher's soft labels in the
    # sentiment loss (0 = hard labels only), and the temperature both sides are softened by.
    distill: float = 0.0
    temperature: float = 2.0

    def __post_init__(self) -> None:
        if self.alpha <= 0:
            object.__setattr__(self, "alpha", 2.0 * self.rank)


class LoRALinear(nn.Module):
    """``base(x) + (dropout(x) @ A.T @ B.T) * alpha / r`` with ``base`` frozen; B starts at 0."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float) -> None:
        super().__init__()
        self.base = base
        self.scaling = alpha / rank
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * self.scaling


def attach_lora(bert: nn.Module, config: AdapterConfig) -> dict[str, LoRALinear]:
    """Replace each target linear by a :class:`LoRALinear`; returns them by original path."""
    for p in bert.parameters():
        p.requires_grad_(False)
    wrapped: dict[str, LoRALinear] = {}
    for path, module in list(bert.named_modules()):
        if not isinstance(module, nn.Linear) or not path.endswith(TARGETS):
            continue
        parent_path, _, attr = path.rpartition(".")
        parent = bert.get_submodule(parent_path)
        lora = LoRALinear(module, config.rank, config.alpha, config.dropout)
        setattr(parent, attr, lora)
        wrapped[path] = lora
    return wrapped


def detach_lora(bert: nn.Module, wrapped: dict[str, LoRALinear]) -> dict[str, torch.Tensor]:
    """Put the plain linears back and return the adapter tensors (as shipped: fp16 round trip,
    so what was evaluated after training is exactly what loads later)."""
    out: dict[str, torch.Tensor] = {}
    for path, lora in wrapped.items():
        parent_path, _, attr = path.rpartition(".")
        setattr(bert.get_submodule(parent_path), attr, lora.base)
        out[f"{path}.lora_A"] = lora.lora_A.detach().to(torch.float16).clone()
        out[f"{path}.lora_B"] = lora.lora_B.detach().to(torch.float16).clone()
    return out


@dataclass
class Example:
    sentences: list[str]
    weights: list[float]
    sentiment: int | None
    stage: int | None
    topics: list[float] | None
    group: str
    teacher: list[float] | None = None  # the teacher's sentiment logits, when distilling


def build_examples(
    files: Sequence,
    config: AdapterConfig,
    teacher: Sequence[torch.Tensor | None] | None = None,
) -> list[Example]:
    """One example per labelled text; majority (dataset, class) cells capped (seeded).
    ``teacher``: per file, the teacher's logits per row (teacher.soft_labels), or None."""
    from .classifier import sentence_weight

    rng = random.Random(config.seed)
    cells: dict[tuple[str, str], list[Example]] = {}
    preparer = shared_preparer(auto_workers())
    prepared = [preparer(f.texts) for f in files]
    for n, f in enumerate(files):
        soft = teacher[n] if teacher is not None else None
        for i in range(len(f.texts)):
            sent, stage = f.sentiment[i], f.stage[i]
            topics = None if f.topics is None else f.topics[i]
            if sent is None and stage is None and topics is None:
                continue
            spans = [s.text for s in prepared[n][i].spans]
            ex = Example(
                [encoder_text(s) for s in spans],
                [sentence_weight(s) for s in spans],
                None if sent is None else SENTIMENTS.index(sent),
                None if stage is None else STAGES.index(stage),
                None if topics is None else [1.0 if t in topics else 0.0 for t in TOPICS],
                f.name,
                None if soft is None or sent is None else soft[i].tolist(),
            )
            cells.setdefault((f.name, sent or stage or ""), []).append(ex)
    out: list[Example] = []
    for rows in cells.values():
        if len(rows) > config.max_per_cell:
            rows = rng.sample(rows, config.max_per_cell)
        repeat = config.stage_repeat if rows and rows[0].stage is not None else 1
        out += rows * repeat
    return out


def _cell_weights(examples: Sequence[Example]) -> torch.Tensor:
    """Sentiment loss weight per example: each (dataset, class) cell weighs the same in total;
    0 for examples without a sentiment label."""
    rows = [i for i, e in enumerate(examples) if e.sentiment is not None]
    w = torch.zeros(len(examples))
    if rows:
        w[rows] = cell_weights(
            [examples[i].group for i in rows], [examples[i].sentiment for i in rows]
        )
    return w


class _TaskHeads(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.sentiment = nn.Sequential(nn.Linear(dim, 256), nn.GELU(), nn.Linear(256, 3))
        self.stage = nn.Sequential(nn.Linear(dim, 256), nn.GELU(), nn.Linear(256, len(STAGES)))
        self.topics = nn.Linear(dim, len(TOPICS))


def train_adapter(
    encoder: Encoder,
    files: Sequence,
    config: AdapterConfig = AdapterConfig(),
    *,
    log: Callable[[str], None] = print,
    max_steps: int | None = None,
    device: torch.device | None = None,
    teacher: Sequence[torch.Tensor | None] | None = None,
) -> dict[str, torch.Tensor]:
    """Fine-tune an adapter on ``files`` (``train.LabelledFile``); returns its tensors (on the
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
    cell_w = _cell_weights(examples).to(device)
    bert = encoder.bert
    wrapped = attach_lora(bert, config)
    encoder.to(device)
    heads = _TaskHeads(encoder.dim).to(device)
    params = [p for m in wrapped.values() for p in (m.lora_A, m.lora_B)]
    opt = torch.optim.AdamW(
        [{"params": params}, {"params": heads.parameters()}], lr=config.lr, weight_decay=0.01
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
        f"  adapter: rank {config.rank} on {len(wrapped)} linear layers, "
        f"{sum(p.numel() for p in params):,} parameters; {len(examples)} texts, {total} steps "
        f"on {device}"
    )
    batches = shuffled_batches(len(examples), config.batch_size, rng)
    # The frozen body stays in eval mode (its dropout off: the fast attention path); only the
    # adapters' own dropout and the temporary heads train.
    bert.eval()
    for module in wrapped.values():
        module.train()
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
                torch.nn.utils.clip_grad_norm_(params, 1.0)
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
        tensors = detach_lora(bert, wrapped)
    return {k: v.cpu() for k, v in tensors.items()}


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
    mention = weighted_mean(vectors, weights, owner, len(batch)) * 10.0  # heads' input scale
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
        loss = loss + STAGE_LOSS * nn.functional.cross_entropy(heads.stage(mention[has]), y)
    has = [i for i, e in enumerate(batch) if e.topics is not None]
    if has:
        y = torch.tensor([batch[i].topics for i in has], device=device)
        bce = nn.functional.binary_cross_entropy_with_logits(heads.topics(mention[has]), y)
        loss = loss + TOPICS_LOSS * bce
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
