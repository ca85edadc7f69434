"""Temperatures and calibration error: the arithmetic on known cases, then cross-validation's
folds on real labelled files."""

from __future__ import annotations

import pytest
import torch

from sentiment.calibration import temper
from sentiment.training.calibration import (
    calibration_error,
    expected_calibration_error,
    fit_temperature,
)
from sentiment.training.crossval import fold_of, out_of_fold
from sentiment.training.datasets import read_labelled_csv
from tests.sentiment.conftest import OWN_EXAMPLES


def _over_sure(n: int = 6000, true_t: float = 2.0, seed: int = 0):  # type: ignore[no-untyped-def]
    """Labels drawn from softmax(z / true_t) while the model states softmax(z): over-sure."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(n, 3, generator=gen) * 3
    y = torch.multinomial((z / true_t).softmax(-1), 1, generator=gen).squeeze(1)
    return z.softmax(-1), y


def test_calibration_error_by_hand() -> None:
    # Bin 0.9: half right at 0.9 (gap 0.4); bin 0.6: all right at 0.6 (gap 0.4).
    assert calibration_error([0.9, 0.9, 0.6, 0.6], [True, False, True, True]) == 0.4
    assert calibration_error([0.75, 0.75, 0.75, 0.75], [True, True, True, False]) == 0.0
    assert calibration_error([1.0], [True]) == 0.0  # 1.0 falls in the top bin


def test_temperature_recovers_how_over_sure_a_model_is() -> None:
    probs, y = _over_sure()
    t = fit_temperature(probs, y)
    assert t == pytest.approx(2.0, abs=0.2)
    before = expected_calibration_error(probs, y)
    after = expected_calibration_error(temper(probs, t), y)
    assert before > 0.08 and after < 0.03


def test_temper_keeps_the_answer_and_softens_the_confidence() -> None:
    probs, _ = _over_sure(100)
    soft = temper(probs, 2.0)
    assert torch.equal(soft.argmax(-1), probs.argmax(-1))
    assert (soft.max(-1).values <= probs.max(-1).values + 1e-6).all()
    assert torch.allclose(soft.sum(-1), torch.ones(100))
    assert temper(probs, 1.0) is probs


def test_a_text_and_its_labelled_sentences_share_a_fold() -> None:
    """A review in one file and the sentences of it labelled in another fall in one fold."""
    assert fold_of("clothing_reviews-123", 5) == fold_of("clothing_reviews-123", 5)
    assert len({fold_of(f"g-{i}", 5) for i in range(100)}) == 5


def test_out_of_fold_predicts_every_labelled_row_once() -> None:
    from sentiment.aggregate import Pooled
    from sentiment.training.hyperparams import HEADS, HeadRecipe, MLPHeadParams

    data = read_labelled_csv(OWN_EXAMPLES)
    n = len(data.texts)
    gen = torch.Generator().manual_seed(0)
    # Features that carry the stage: a one-hot of the label plus noise.
    x = torch.randn(n, 16, generator=gen) * 0.3
    stages = sorted({s for s in data.stage if s})
    for i, s in enumerate(data.stage):
        if s:
            x[i, stages.index(s)] += 2.0
    feats = {id(data): Pooled(x, x)}
    quick = HeadRecipe(
        sentiment=MLPHeadParams(hidden=16, epochs=3),
        stage=MLPHeadParams(hidden=16, epochs=20),
        topics=HEADS.topics,
    )
    oof = out_of_fold([data], feats, quick, 0.0, tasks=["stage"], k=5, log=lambda _m: None)
    stage = oof["stage"]
    assert len(stage.y) == sum(s is not None for s in data.stage)
    assert stage.probs.shape == (len(stage.y), 5)
    accuracy = (stage.probs.argmax(-1) == stage.y).float().mean().item()
    assert accuracy > 0.9  # held-out rows, learnable features: the folds fit and predict
