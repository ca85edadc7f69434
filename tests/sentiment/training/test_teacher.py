"""The whole-text teacher and knowledge distillation into the adapter: the teacher trains, its
soft labels line up with the rows they belong to, and the adapter's distillation loss is the
documented temperature-scaled KL."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch.nn import functional as F

from sentiment.encoder import EncoderSpec, load_encoder
from sentiment.labels import SENTIMENTS
from sentiment.sentences import encoder_text, split_sentences
from sentiment.training.adapter import _distill_loss, train_adapter
from sentiment.training.datasets import LabelledFile, read_labelled_csv
from sentiment.training.examples import build_examples
from sentiment.training.hyperparams import AdapterConfig, TeacherConfig
from sentiment.training.teacher import (
    Teacher,
    evaluate_teacher,
    sentiment_rows,
    soft_labels,
    teacher_logits,
    train_teacher,
)
from tests.sentiment.conftest import OWN_EXAMPLES

SMALL = TeacherConfig(layers=1, max_length=32, batch_size=8)


def _quiet(_: str) -> None:
    pass


def _subset(step: int, offset: int = 0) -> LabelledFile:
    """Every ``step``-th row of our own examples (all three sentiment classes present)."""
    data = read_labelled_csv(OWN_EXAMPLES)
    keep = list(range(offset, len(data.texts), step))
    return dataclasses.replace(
        data,
        texts=[data.texts[i] for i in keep],
        sentiment=[data.sentiment[i] for i in keep],
        stage=[data.stage[i] for i in keep],
        topics=[data.topics[i] for i in keep] if data.topics is not None else None,
    )


@pytest.fixture(scope="module")
def small_file() -> LabelledFile:
    return _subset(20)


@pytest.fixture(scope="module")
def teacher(small_file: LabelledFile) -> Teacher:
    return train_teacher([small_file], SMALL, log=_quiet, max_steps=2)


# --- _distill_loss --------------------------------------------------------------------------


def _hand_kl(student: torch.Tensor, teacher: torch.Tensor, temperature: float) -> torch.Tensor:
    """KL(softmax(teacher / T) || softmax(student / T)) * T^2, per row, written out."""
    p = F.softmax(teacher / temperature, dim=-1)
    log_q = F.log_softmax(student / temperature, dim=-1)
    return (p * (p.log() - log_q)).sum(-1) * temperature**2


def test_distill_loss_is_zero_where_student_matches_teacher() -> None:
    logits = torch.tensor([[2.0, -1.0, 0.5], [0.0, 0.0, 3.0]])
    loss = _distill_loss(logits, logits.tolist(), 2.0)
    assert loss.shape == (2,)
    torch.testing.assert_close(loss, torch.zeros(2), atol=1e-6, rtol=0)
    # softmax ignores a constant shift: a shifted teacher is the same teacher
    shifted = (logits + 5.0).tolist()
    loss = _distill_loss(logits, shifted, 2.0)
    torch.testing.assert_close(loss, torch.zeros(2), atol=1e-5, rtol=0)


@pytest.mark.parametrize("temperature", [1.0, 2.0, 4.0])
def test_distill_loss_is_the_temperature_scaled_kl(temperature: float) -> None:
    student = torch.tensor([[2.0, -1.0, 0.5], [0.3, 1.2, -2.0], [-1.0, 0.0, 1.0]])
    teacher = torch.tensor([[-0.5, 1.5, 0.0], [0.3, 1.0, -1.0], [3.0, -2.0, 0.0]])
    loss = _distill_loss(student, teacher.tolist(), temperature)
    expected = _hand_kl(student, teacher, temperature)
    assert bool((loss > 0).all())
    torch.testing.assert_close(loss, expected, atol=1e-6, rtol=1e-5)
    # the documented T^2 factor, checked against the unscaled KL from torch itself
    plain_kl = F.kl_div(
        F.log_softmax(student / temperature, dim=-1),
        F.softmax(teacher / temperature, dim=-1),
        reduction="none",
    ).sum(-1)
    torch.testing.assert_close(loss / temperature**2, plain_kl, atol=1e-6, rtol=1e-5)


def test_distill_loss_is_zero_without_a_teacher_and_gives_those_rows_no_gradient() -> None:
    student = torch.tensor([[2.0, -1.0, 0.5], [0.3, 1.2, -2.0], [-1.0, 0.0, 1.0]])
    student.requires_grad_(True)
    teacher_rows: list[list[float] | None] = [[-0.5, 1.5, 0.0], None, [3.0, -2.0, 0.0]]
    loss = _distill_loss(student, teacher_rows, 2.0)
    values = loss.detach()
    assert float(values[1]) == 0.0
    assert float(values[0]) > 0 and float(values[2]) > 0
    loss.sum().backward()
    assert student.grad is not None
    assert torch.equal(student.grad[1], torch.zeros(3))
    assert float(student.grad[0].abs().sum()) > 0
    # all rows without a teacher: nothing to learn from
    none: list[list[float] | None] = [None, None, None]
    assert torch.equal(_distill_loss(student.detach(), none, 2.0), torch.zeros(3))


# --- train_teacher, teacher_logits, evaluate_teacher -----------------------------------------


def test_training_changes_the_weights(small_file: LabelledFile, teacher: Teacher) -> None:
    fresh = load_encoder(EncoderSpec(SMALL.layers, SMALL.max_length)).bert
    before = dict(fresh.named_parameters())
    after = dict(teacher.bert.named_parameters())
    assert before.keys() == after.keys()
    changed = [n for n in before if not torch.equal(before[n], after[n].detach().cpu())]
    # fine-tuned end to end: the body moves, not only the output layer
    assert len(changed) > len(before) // 2
    assert not teacher.training  # handed back ready to predict
    texts, labels, groups = sentiment_rows([small_file])
    assert len(texts) == len(small_file.texts) == len(labels) == len(groups)
    assert set(groups) == {small_file.name}
    assert all(SENTIMENTS[y] == s for y, s in zip(labels, small_file.sentiment, strict=True))


def test_teacher_logits_are_finite_and_in_input_order(teacher: Teacher) -> None:
    texts = [
        "@united lost my bag again, third time this year and nobody answers the phone.",
        "Love it!",
        "The dress runs small but the fabric is lovely.",
        "Meh.",
    ]
    logits = teacher_logits(teacher, texts)
    assert logits.shape == (len(texts), len(SENTIMENTS))
    assert bool(torch.isfinite(logits).all())
    # texts are batched by length: the order must be restored
    reverse = teacher_logits(teacher, texts[::-1])
    torch.testing.assert_close(reverse.flip(0), logits, atol=1e-4, rtol=1e-4)
    # one text at a time (no padding, trivially in order) gives the same logits
    with torch.inference_mode():
        single = torch.cat([teacher([t]) for t in texts])
    torch.testing.assert_close(single, logits, atol=1e-4, rtol=1e-4)
    small_batches = teacher_logits(teacher, texts, batch_size=1)
    torch.testing.assert_close(small_batches, logits, atol=1e-4, rtol=1e-4)
    # the texts differ, and so do their logits
    assert not torch.allclose(logits[0], logits[1], atol=1e-4)
    assert teacher_logits(teacher, []).shape == (0, len(SENTIMENTS))


def test_evaluate_teacher_scores_each_file_with_sentiment(
    small_file: LabelledFile, teacher: Teacher
) -> None:
    unlabelled = dataclasses.replace(
        small_file, name="no_sentiment", sentiment=[None] * len(small_file.texts)
    )
    scores = evaluate_teacher(teacher, [small_file, unlabelled])
    assert list(scores) == [small_file.name]
    assert 0.0 <= scores[small_file.name] <= 1.0


def test_one_sentiment_class_is_an_error(small_file: LabelledFile) -> None:
    one_class = dataclasses.replace(
        small_file, sentiment=["positive" if s is not None else None for s in small_file.sentiment]
    )
    with pytest.raises(ValueError, match="at least two classes"):
        train_teacher([one_class], SMALL, log=_quiet, max_steps=1)
    unlabelled = dataclasses.replace(small_file, sentiment=[None] * len(small_file.texts))
    with pytest.raises(ValueError, match="at least two classes"):
        train_teacher([unlabelled], SMALL, log=_quiet, max_steps=1)


# --- soft_labels ------------------------------------------------------------------------------


def test_soft_labels_are_nan_exactly_where_a_row_has_no_sentiment(
    small_file: LabelledFile, teacher: Teacher
) -> None:
    missing = {1, 4, 5, len(small_file.texts) - 1}
    partly = dataclasses.replace(
        small_file,
        sentiment=[None if i in missing else s for i, s in enumerate(small_file.sentiment)],
    )
    other = _subset(40, offset=3)
    unlabelled = dataclasses.replace(other, name="stage_only", sentiment=[None] * len(other.texts))
    soft = soft_labels(teacher, [partly, unlabelled])
    assert len(soft) == 2
    assert soft[1] is None
    logits = soft[0]
    assert logits is not None
    assert logits.shape == (len(partly.texts), len(SENTIMENTS))
    nan_rows = {i for i in range(len(partly.texts)) if bool(torch.isnan(logits[i]).any())}
    assert nan_rows == missing
    assert all(bool(torch.isnan(logits[i]).all()) for i in missing)
    # the labelled rows hold the teacher's logits for those very texts
    rows = [i for i in range(len(partly.texts)) if i not in missing]
    expected = teacher_logits(teacher, [partly.texts[i] for i in rows])
    torch.testing.assert_close(logits[rows], expected, atol=1e-4, rtol=1e-4)


# --- distillation in the adapter --------------------------------------------------------------


def _identifiable_soft_labels(f: LabelledFile) -> torch.Tensor:
    """Logits whose row i says i (NaN where unlabelled, as soft_labels makes them)."""
    rows = torch.tensor([[float(i), -float(i), 0.5 * i] for i in range(len(f.texts))])
    rows[[i for i, s in enumerate(f.sentiment) if s is None]] = float("nan")
    return rows


def test_build_examples_attaches_the_teacher_to_sentiment_rows(small_file: LabelledFile) -> None:
    missing = set(range(0, len(small_file.texts), 3))
    partly = dataclasses.replace(
        small_file,
        sentiment=[None if i in missing else s for i, s in enumerate(small_file.sentiment)],
    )
    other = _subset(40, offset=7)
    stage_only = dataclasses.replace(other, name="stage_only", sentiment=[None] * len(other.texts))
    files = [partly, stage_only]
    config = AdapterConfig(max_per_cell=5)  # sampling must keep each row with its logits
    examples = build_examples(files, config, [_identifiable_soft_labels(partly), None])
    with_sentiment = [e for e in examples if e.sentiment is not None]
    without = [e for e in examples if e.sentiment is None]
    assert with_sentiment and without
    assert all(e.teacher is None for e in without)
    assert {e.group for e in without} == {partly.name, "stage_only"}
    for e in with_sentiment:
        assert e.teacher is not None and len(e.teacher) == len(SENTIMENTS)
        assert all(math.isfinite(v) for v in e.teacher)
        i = int(e.teacher[0])
        assert e.teacher == [float(i), -float(i), 0.5 * i]
        assert e.group == partly.name
        assert e.sentiment == SENTIMENTS.index(partly.sentiment[i])  # type: ignore[arg-type]
        assert e.sentences == [encoder_text(s.text) for s in split_sentences(partly.texts[i])]
    # without a teacher nothing is attached, and the examples are otherwise the same
    plain = build_examples(files, config)
    assert all(e.teacher is None for e in plain)
    assert [dataclasses.replace(e, teacher=None) for e in examples] == plain


def test_distilling_needs_a_teacher(small_file: LabelledFile) -> None:
    with pytest.raises(ValueError, match="teacher"):
        train_adapter(
            load_encoder(EncoderSpec(num_layers=1)),
            [small_file],
            AdapterConfig(distill=0.5),
            log=_quiet,
            max_steps=1,
        )


def test_adapter_learns_from_the_teachers_soft_labels(
    small_file: LabelledFile, teacher: Teacher
) -> None:
    soft = soft_labels(teacher, [small_file])
    assert soft[0] is not None
    config = AdapterConfig(rank=4, batch_size=8, distill=0.5)

    def train(soft: list[torch.Tensor | None]) -> dict[str, torch.Tensor]:
        encoder = load_encoder(EncoderSpec(num_layers=1))
        return train_adapter(encoder, [small_file], config, log=_quiet, max_steps=2, teacher=soft)

    distilled = train(soft)
    assert distilled and all(k.endswith((".lora_A", ".lora_B")) for k in distilled)
    assert all(bool(torch.isfinite(t.float()).all()) for t in distilled.values())
    assert any(float(t.abs().max()) > 0 for k, t in distilled.items() if k.endswith("lora_B"))
    # same seed, same batches, same hard labels: only the teacher differs, and what it says
    # changes what is learnt (a teacher that were silently dropped would not)
    other = train([soft[0].roll(1, dims=1)])
    assert other.keys() == distilled.keys()
    assert any(not torch.equal(other[k], distilled[k]) for k in other if k.endswith("lora_B"))
    assert all(torch.equal(train(soft)[k], distilled[k]) for k in distilled)  # deterministic
