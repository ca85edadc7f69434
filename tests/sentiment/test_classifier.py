import json

import pytest

from sentiment import Prediction, SentencePrediction
from sentiment.labels import SENTIMENTS, STAGES, TOPICS


def test_version_names_the_heads(builtin_classifier) -> None:
    assert builtin_classifier.version.startswith("builtin-")
    assert len(builtin_classifier.version) == len("builtin-") + 12


def test_load_classifier_returns_the_same_object(builtin_classifier, model_config) -> None:
    from sentiment import load_classifier

    assert load_classifier(model_config) is builtin_classifier


def test_predictions_are_complete_and_in_order(builtin_classifier) -> None:
    texts = [
        "The seams came apart after two washes.",
        "Never ordering from them again.",
        "",
        "The seams came apart after two washes.",
        "Ordered Monday, it was on my doorstep Wednesday. The fabric is gorgeous!",
    ]
    preds = builtin_classifier.predict(texts)
    assert len(preds) == len(texts)
    for p in preds:
        assert isinstance(p, Prediction)
        assert p.sentiment in SENTIMENTS and p.stage in STAGES
        assert -1.0 <= p.sentiment_score <= 1.0
        assert all(t in TOPICS for t in p.topics)
        assert all(isinstance(s, SentencePrediction) for s in p.sentences)
    for p in preds[:2] + preds[3:]:
        # P(label): the largest of three probabilities, and P(label) - P(opposite) = |score|
        # for a positive or negative label, so |score| <= P(label) <= (1 + |score|) / 2.
        assert p.confidence is not None and 1 / 3 - 1e-6 <= p.confidence <= 1.0
        if p.sentiment != "neutral":
            s = abs(p.sentiment_score)
            assert s - 1e-5 <= p.confidence <= (1 + s) / 2 + 1e-5, p
    assert preds[0] == preds[3]  # duplicates: same answer
    assert len(preds[4].sentences) == 2
    assert preds[4].sentences[1].start == texts[4].index("The fabric")
    json.dumps([p.aspects() for p in preds])  # storable


@pytest.mark.parametrize(
    ("text", "stage", "sentiment"),
    [
        ("Never ordering from them again, worst shop ever.", "umot", "negative"),
        ("The zipper broke the first time I wore it.", "smot", "negative"),
        ("My parcel still hasn't shipped after three weeks.", "amot", "negative"),
        ("The checkout page kept rejecting my card.", "fmot", "negative"),
        ("Which one would you recommend before I buy, the blue or the grey?", "zmot", "neutral"),
    ],
)
def test_clear_cases(builtin_classifier, text: str, stage: str, sentiment: str) -> None:
    (pred,) = builtin_classifier.predict([text])
    assert pred.stage == stage
    assert pred.sentiment == sentiment


def test_a_sentence_is_labelled_in_its_mentions_context(builtin_classifier) -> None:
    # Alone, "Really disappointed." is a verdict on the product (smot), which would make a whole
    # delivery complaint smot by the emphasis rule; read with the complaint, the mention is
    # about the delivery (amot). Judged on six such mentions, not one. builtin-62dd0a8d2e08,
    # whose stage head learned from real review sentences labelled one by one, reads 6 of 6
    # mentions as amot but only 2 of 6 verdict sentences (earlier heads: 4-5 of 6): the
    # sentence's own reading weighs more, and the mention's stage is still the delivery's.
    contexts = [
        "Tracking hasn't moved since Monday.",
        "My parcel is still not here after two weeks.",
        "The courier left it in the rain.",
        "Delivery took three weeks.",
        "The package came a week late.",
        "They shipped the wrong size and the return label never came.",
    ]
    *mentions, alone, box = builtin_classifier.predict(
        [f"{c} Really disappointed." for c in contexts]
        + ["Really disappointed.", "The box arrived soaking wet. Not happy."]
    )
    assert alone.stage == "smot"
    assert all(m.sentences[0].stage == "amot" for m in mentions)
    verdicts = [m.sentences[1].stage for m in mentions]
    assert verdicts.count("amot") >= 2, verdicts
    assert [m.stage for m in mentions].count("amot") >= 5
    # "Not happy." outweighs the bare fact before it: the mention goes to the verdict.
    assert box.sentences[0].stage == "amot"
    # A one-sentence mention is its own context.
    assert alone.sentences[0].stage == alone.stage


def test_score_sign_follows_sentiment(builtin_classifier) -> None:
    good, bad = builtin_classifier.predict(
        [
            "I absolutely love this dress, it is perfect!",
            "Terrible quality, it fell apart in a day.",
        ]
    )
    assert good.sentiment == "positive" and good.sentiment_score > 0.3
    assert bad.sentiment == "negative" and bad.sentiment_score < -0.3


def test_language_is_detected(builtin_classifier) -> None:
    en, de, short = builtin_classifier.predict(
        [
            "The delivery was quick and painless.",
            "Der Zug hatte wieder einmal zwanzig Minuten Verspätung.",
            "Love it!",  # too few letters to tell a language: no guess
        ]
    )
    assert en.language == "en"
    assert de.language == "de"
    assert short.language is None


def test_progress_bar_on_long_runs(builtin_classifier, capsys) -> None:
    texts = [f"Order {i} arrived on time." for i in range(600)]
    preds = builtin_classifier.predict(texts, progress=True)
    assert len(preds) == 600
    assert "classifying" in capsys.readouterr().err


@pytest.mark.gpu
@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA device")
def test_gpu_predictions_match_cpu(builtin_classifier) -> None:
    from core.config import ModelConfig
    from sentiment import build_classifier

    gpu = build_classifier(ModelConfig(device="cuda"))
    texts = ["Arrived in two days, well packed.", "Never again. The seams split."]
    for a, b in zip(gpu.predict(texts), builtin_classifier.predict(texts), strict=True):
        assert (a.sentiment, a.stage, a.topics) == (b.sentiment, b.stage, b.topics)
        assert abs(a.sentiment_score - b.sentiment_score) < 1e-3
