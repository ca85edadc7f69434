"""The default model's confidence on real text: calibrated, not saturated, with a stage
confidence for every labelled mention."""

from __future__ import annotations

PROBES = [
    "Absolutely love this dress, the fabric is gorgeous and it fits perfectly!",
    "Worst purchase ever. It fell apart after one wash and support never answered.",
    "Best customer service I have had anywhere, they replaced it in a day.",
    "Terrible. Arrived broken, two weeks late, and the refund still has not come.",
    "I told all my friends to buy it, it is that good.",
    "Never ordering from them again, what a scam.",
    "Great quality for the price, would buy again.",
    "The zipper broke the first time I wore it, so disappointed.",
    "Perfect in every way, five stars.",
    "Awful fit, cheap material, total waste of money.",
]


def test_scores_no_longer_sit_at_plus_or_minus_one(builtin_classifier) -> None:
    """Issue 19's probe: all ten scored exactly ±1.0000 before the calibration."""
    preds = builtin_classifier.predict(PROBES)
    scores = [round(abs(p.sentiment_score), 4) for p in preds]
    assert all(s < 1.0 for s in scores), scores
    # Clear texts still read clearly, and the confidence says so without claiming certainty.
    assert [p.sentiment for p in preds] == ["positive", "negative"] * 5
    assert all(0.7 <= p.confidence < 1.0 for p in preds), [p.confidence for p in preds]


def test_every_labelled_mention_has_a_stage_confidence(builtin_classifier) -> None:
    texts = [
        "Read a dozen reviews before choosing this one.",
        "The parcel came three days late and the box was crushed.",
        "Ok.",
    ]
    for pred in builtin_classifier.predict(texts):
        assert pred.stage is not None
        assert 1 / 5 <= pred.stage_confidence <= 1.0
        assert 1 / 3 <= pred.confidence <= 1.0


def test_the_shipped_default_is_calibrated_by_cross_validation(builtin_classifier) -> None:
    heads = builtin_classifier.heads
    assert set(heads.calibration) == {"sentiment", "stage"}
    assert all(t > 1.0 for t in heads.calibration.values())  # the raw heads were over-sure
    cv = heads.meta["cv_metrics"]
    # Scored on the fold its adapter never saw, where the temperatures were fitted.
    held = [r["holdout"] for r in cv.values()]
    assert all(h["ece"] <= 0.05 < h["ece_raw"] for h in held)
