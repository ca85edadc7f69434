"""A cross-validation fold kept from the adapter: its rows never train it, and the CV reports
that fold alone, the one figure that scores adapter and heads on text neither saw."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from sentiment.encoder import EncoderSpec
from sentiment.errors import DataError
from sentiment.training import encoder_choice
from sentiment.training.card import training_card
from sentiment.training.crossval import (
    OutOfFold,
    calibrate,
    cv_report,
    folds_of,
    without_fold,
)
from sentiment.training.datasets import LabelledFile, read_labelled_csv
from sentiment.training.fit import train_heads
from sentiment.training.hyperparams import AdapterConfig
from sentiment.training.outputs import write_outputs
from tests.sentiment.conftest import OWN_EXAMPLES


def _small(step: int) -> LabelledFile:
    data = read_labelled_csv(OWN_EXAMPLES)
    keep = range(0, len(data.texts), step)
    return replace(
        data,
        texts=[data.texts[i] for i in keep],
        sentiment=[data.sentiment[i] for i in keep],
        stage=[data.stage[i] for i in keep],
        topics=[data.topics[i] for i in keep] if data.topics else None,
        groups=[],
    )


def test_without_fold_drops_that_folds_rows_and_their_sentences_with_them() -> None:
    review = LabelledFile(
        Path("r.csv"), "reviews", "", ["a", "b", "c", "d"], ["positive"] * 4, [None] * 4, None,
        groups=["rev-1", "rev-2", "rev-3", "rev-4"],
    )  # fmt: skip
    sentences = LabelledFile(
        Path("s.csv"), "units", "", ["a.", "a!", "c."], [None] * 3, ["umot"] * 3, None,
        groups=["rev-1", "rev-1", "rev-3"],
    )  # fmt: skip
    k = 5
    for fold in range(1, k + 1):
        kept_reviews, kept_units = without_fold([review, sentences], fold, k)
        gone = {g for g, f in zip(review.groups, folds_of(review, k), strict=True) if f == fold}
        assert set(kept_reviews.groups) == set(review.groups) - gone
        assert not set(kept_units.groups) & gone  # a review's sentences leave with it
        assert len(kept_units.texts) == len(kept_units.stage) == len(kept_units.groups)
    all_folds = {f for file in (review, sentences) for f in folds_of(file, k)}
    assert all_folds <= set(range(1, k + 1))


def test_cv_report_scores_the_held_out_fold_alone() -> None:
    # Fold 1 is read right, fold 2 wrong: together they are half right.
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    right = torch.nn.functional.one_hot(y, 3).float()
    probs = torch.cat([right[:3], right[3:].roll(1, dims=1)])
    oof = OutOfFold(probs, y, ["set"] * 6, [1, 1, 1, 2, 2, 2])
    report = cv_report(oof, 1.0, holdout=1)
    assert report["holdout"] | {"ece_raw": 0, "ece": 0} == {
        "fold": 1, "rows": 3, "macro_f1": {"set": 1.0}, "ece_raw": 0, "ece": 0
    }  # fmt: skip
    assert report["macro_f1"]["set"] == pytest.approx(0.5)
    assert cv_report(oof, 1.0, holdout=2)["holdout"]["macro_f1"] == {"set": 0.0}
    assert "holdout" not in cv_report(oof, 1.0)


def test_with_a_held_out_fold_the_temperature_is_fitted_on_that_fold_alone() -> None:
    """Rows the adapter saw are read right and surely; unseen ones are over-sure by 2: only the
    unseen fold tells the confidence to trust."""
    gen = torch.Generator().manual_seed(0)
    z = torch.randn(4000, 3, generator=gen) * 3
    y_unseen = torch.multinomial((z / 2.0).softmax(-1), 1, generator=gen).squeeze(1)
    y_seen = torch.randint(0, 3, (4000,), generator=gen)
    seen = torch.nn.functional.one_hot(y_seen, 3).float() * 0.97 + 0.01
    oof = OutOfFold(
        torch.cat([z.softmax(-1), seen]),
        torch.cat([y_unseen, y_seen]),
        ["set"] * 8000,
        [1] * 4000 + [2] * 4000,
    )
    held_t = calibrate({"sentiment": oof}, holdout=1)[0]["sentiment"]
    all_t = calibrate({"sentiment": oof})[0]["sentiment"]
    assert held_t == pytest.approx(2.0, abs=0.2)
    assert all_t < 1.6  # the seen rows talk it out of most of the softening
    # Texts we wrote, read far more surely than they deserve, do not move it.
    y_own = torch.multinomial((z / 6.0).softmax(-1), 1, generator=gen).squeeze(1)
    with_own = OutOfFold(
        torch.cat([oof.probs, z.softmax(-1)]),
        torch.cat([oof.y, y_own]),
        oof.dataset + ["own_examples"] * 4000,
        oof.fold + [1] * 4000,
    )
    assert calibrate({"sentiment": with_own}, holdout=1)[0]["sentiment"] == held_t
    own_only = OutOfFold(z.softmax(-1), y_own, ["own_examples"] * 4000, [1] * 4000)
    assert calibrate({"sentiment": own_only})[0]["sentiment"] > 4.0  # nothing else to go by


def test_a_fold_outside_the_folds_is_refused_before_any_work() -> None:
    with pytest.raises(DataError, match="held-out fold must be 1 to 5"):
        train_heads([_small(40)], adapter=AdapterConfig(holdout_fold=6), cv_folds=5)


@pytest.mark.slow
def test_the_adapter_never_sees_the_held_out_fold_and_the_card_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    data = _small(4)
    seen: list[list[str]] = []
    real_train = encoder_choice.train_adapter

    def recording(encoder, files, config, **kwargs):  # type: ignore[no-untyped-def]
        seen.append([t for f in files for t in f.texts])
        return real_train(encoder, files, config, **kwargs)

    monkeypatch.setattr(encoder_choice, "train_adapter", recording)
    result = train_heads(
        [data],
        spec=EncoderSpec(num_layers=1),
        adapter=AdapterConfig(rank=2, epochs=0.2, holdout_fold=3),
        cv_folds=5,
        log=lambda _m: None,
    )
    folds = folds_of(data, 5)
    held = {t for t, f in zip(data.texts, folds, strict=True) if f == 3}
    assert held and len(seen) == 1
    assert not held & set(seen[0])
    assert len(seen[0]) == len(data.texts) - sum(f == 3 for f in folds)
    assert result.adapter_source == {"holdout_fold": 3, "folds": 5}
    stage = result.cv["stage"]["holdout"]
    assert stage["fold"] == 3
    stage_folds = [f for f, s in zip(folds, data.stage, strict=True) if s is not None]
    assert stage["rows"] == stage_folds.count(3)

    heads = write_outputs(result, tmp_path / "heads", command="umot train …", preset=None)
    card = training_card(heads)
    assert "It never saw cross-validation fold 3 of 5" in card
    assert f"| stage | 3 | {stage['rows']} | own_examples " in card
