"""The scores `umot evaluate` and `umot train` report, on cases worked out by hand."""

from __future__ import annotations

import pytest

from sentiment.training.metrics import multi_label_report, single_label_report


def test_single_label_scores_by_hand() -> None:
    gold = ["positive", "positive", "negative", "neutral"]
    pred = ["positive", "negative", "negative", "positive"]
    r = single_label_report("sentiment", gold, pred, ["negative", "neutral", "positive"])
    assert r.accuracy == 0.5
    # negative: p 1/2 r 1 f 2/3; neutral: 0; positive: p 1/2 r 1/2 f 1/2.
    assert r.per_class["negative"]["f1"] == pytest.approx(2 / 3)
    assert r.per_class["neutral"] == {"precision": 0, "recall": 0, "f1": 0, "support": 1}
    assert r.macro_f1 == pytest.approx((2 / 3 + 0 + 0.5) / 3)
    assert r.confusion == [[1, 0, 0], [0, 0, 1], [1, 0, 1]]  # rows gold, columns predicted


def test_an_unlabelled_prediction_is_a_miss_not_a_class() -> None:
    gold = ["positive", "negative", "negative"]
    r = single_label_report(
        "sentiment", gold, ["positive", None, "negative"], ["negative", "positive"]
    )
    assert r.labels == ["negative", "positive"]
    assert r.accuracy == pytest.approx(2 / 3)
    assert r.per_class["negative"]["recall"] == 0.5 and r.per_class["negative"]["precision"] == 1
    assert "1 text(s) left unlabelled" in r.note


def test_classes_absent_from_both_sides_are_not_averaged() -> None:
    r = single_label_report("stage", ["smot", "smot"], ["smot", "smot"], ["zmot", "smot"])
    assert r.labels == ["smot"] and r.macro_f1 == 1.0


def test_multi_label_scores_by_hand() -> None:
    gold = [["price_value"], ["delivery", "price_value"], []]
    pred = [["price_value"], ["delivery"], ["delivery"]]
    r = multi_label_report("topics", gold, pred, ["delivery", "price_value", "fit_size"])
    assert r.accuracy == pytest.approx(1 / 3)  # exact set match
    # delivery: tp 1 fp 1 fn 0 -> f 2/3; price_value: tp 1 fn 1 -> f 2/3; fit_size: no support.
    assert r.per_class["delivery"]["f1"] == pytest.approx(2 / 3)
    assert r.per_class["price_value"]["f1"] == pytest.approx(2 / 3)
    assert r.macro_f1 == pytest.approx(2 / 3)
    assert "delivery [1, 1, 0, 1]" in r.note
