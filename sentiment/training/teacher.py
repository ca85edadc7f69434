"""A whole-text teacher whose soft labels the adapter learns from (``umot train --distill``).

The shipped encoder is cut to 3 of MiniLM's 6 layers and reads a mention one sentence at a
time: that is what makes it 3x faster than the full model, and it is also what caps its
sentiment (docs/model.md: the full model fine-tuned on whole texts scores higher). Knowledge
distillation hands the small student the big model's judgement: the full encoder is fine-tuned
end to end on whole texts first (minutes on a GPU), it predicts every training text, and the
adapter's sentiment loss then mixes those soft labels with the hard ones
(hyperparams.AdapterConfig.distill). Soft labels carry what a hard label cannot, such as "mostly
positive, a bit neutral" for a three-star review, and they say which texts are ambiguous.

The teacher is thrown away afterwards; nothing of it ships and prediction does not change.
It trains on exactly the adapter's files, so a commercial preset's teacher sees commercial data
only.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence

import torch
from torch import nn

from ..batching import run_batched, shuffled_batches
from ..encoder import EncoderSpec, load_encoder, mean_pool
from ..errors import DataError
from ..labels import SENTIMENTS
from ..sentences import encoder_text
from .balance import cell_weights
from .evaluate import single_label_report
from .hyperparams import DEFAULT_TEACHER, GRAD_CLIP, TEACHER_WEIGHT_DECAY, TeacherConfig


class Teacher(nn.Module):
    """The full encoder body, mean pooling over the whole text, a linear sentiment layer."""

    def __init__(self, bert: nn.Module, tokenizer, max_length: int) -> None:
        super().__init__()
        self.bert = bert
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.out = nn.Linear(int(bert.config.hidden_size), len(SENTIMENTS))

    def forward(self, texts: Sequence[str]) -> torch.Tensor:
        device = self.out.weight.device
        enc = self.tokenizer(
            [encoder_text(t) for t in texts],
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
            return_token_type_ids=False,
        ).to(device)
        hidden = self.bert(**enc).last_hidden_state
        return self.out(mean_pool(hidden, enc["attention_mask"]))


def sentiment_rows(files: Sequence) -> tuple[list[str], list[int], list[str]]:
    """Texts with a sentiment label, their class index and their data set, file by file."""
    texts, labels, groups = [], [], []
    for f in files:
        for text, label in zip(f.texts, f.sentiment, strict=True):
            if label is not None:
                texts.append(text)
                labels.append(SENTIMENTS.index(label))
                groups.append(f.name)
    return texts, labels, groups


def _autocast(device: torch.device):  # type: ignore[no-untyped-def]
    # bf16 on a GPU (the teacher is the one full fine-tune here); plain fp32 on a CPU.
    return torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda")


def train_teacher(
    files: Sequence,
    config: TeacherConfig = DEFAULT_TEACHER,
    *,
    log: Callable[[str], None] = print,
    device: torch.device | None = None,
    max_steps: int | None = None,
) -> Teacher:
    """Fine-tune the whole encoder and a sentiment layer on the files' sentiment rows."""
    device = device or torch.device("cpu")
    texts, labels, groups = sentiment_rows(files)
    if len(set(labels)) < 2:
        raise DataError(
            "distilling needs sentiment labels of at least two classes in the training files"
        )
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    encoder = load_encoder(EncoderSpec(config.layers, config.max_length))
    teacher = Teacher(encoder.bert, encoder.tokenizer, config.max_length).to(device)
    for p in teacher.parameters():
        p.requires_grad_(True)
    weights = cell_weights(groups, labels).to(device)
    y_all = torch.tensor(labels, device=device)
    opt = torch.optim.AdamW(teacher.parameters(), lr=config.lr, weight_decay=TEACHER_WEIGHT_DECAY)
    total = max(1, math.ceil(config.epochs * len(texts) / config.batch_size))
    if max_steps is not None:
        total = min(total, max_steps)
    warm = max(1, int(total * config.warmup))
    # Linear warm-up, then linear decay to 0 at the last step.
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt,
        lambda s: min(1.0, (s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))),
    )
    log(f"  teacher: {config.layers} layers, whole texts, {len(texts)} texts, {total} steps")
    teacher.train()
    batches = shuffled_batches(len(texts), config.batch_size, rng)
    t0 = time.perf_counter()
    with torch.enable_grad():
        for step, idx in zip(range(total), batches, strict=False):
            with _autocast(device):
                logits = teacher([texts[i] for i in idx])
            loss = nn.functional.cross_entropy(
                logits.float(),
                y_all[idx],
                reduction="none",
                label_smoothing=config.label_smoothing,
            )
            loss = (loss * weights[idx]).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(teacher.parameters(), GRAD_CLIP)
            opt.step()
            sched.step()
            if (step + 1) % 200 == 0 or step + 1 == total:
                rate = (step + 1) / (time.perf_counter() - t0)
                log(f"  teacher step {step + 1}/{total} ({rate:.1f} steps/s)")
    teacher.eval()
    return teacher


@torch.inference_mode()
def teacher_logits(teacher: Teacher, texts: Sequence[str], batch_size: int = 128) -> torch.Tensor:
    """Logits per text (n, 3), in input order (length-sorted batches, so little padding)."""
    if not texts:
        return torch.empty(0, len(SENTIMENTS))
    device = teacher.out.weight.device

    def run(batch: list[str]) -> list[torch.Tensor]:
        with _autocast(device):
            return list(teacher(batch).float().cpu())

    rows = run_batched(list(texts), [len(t) for t in texts], run, batch_size=batch_size)
    return torch.stack(rows)


def soft_labels(teacher: Teacher, files: Sequence) -> list[torch.Tensor | None]:
    """Per file, the teacher's logits for each row (NaN where the row has no sentiment label),
    or None for a file without sentiment labels."""
    out: list[torch.Tensor | None] = []
    for f in files:
        rows = [i for i, label in enumerate(f.sentiment) if label is not None]
        if not rows:
            out.append(None)
            continue
        logits = torch.full((len(f.texts), len(SENTIMENTS)), float("nan"))
        logits[rows] = teacher_logits(teacher, [f.texts[i] for i in rows])
        out.append(logits)
    return out


def evaluate_teacher(teacher: Teacher, dev_files: Sequence) -> dict[str, float]:
    """Sentiment macro-F1 per dev file: how far the student could get, at best."""
    scores: dict[str, float] = {}
    for f in dev_files:
        texts, labels, _ = sentiment_rows([f])
        if not texts:
            continue
        pred = teacher_logits(teacher, texts).argmax(1).tolist()
        report = single_label_report(
            "sentiment",
            [SENTIMENTS[i] for i in labels],
            [SENTIMENTS[i] for i in pred],
            SENTIMENTS,
        )
        scores[f.name] = round(report.macro_f1, 4)
    return scores
