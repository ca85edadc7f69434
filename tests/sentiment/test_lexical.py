"""The lexical sentiment expert: features, fit, storage, and its place in the classifier."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import pytest
import torch

from sentiment.encoder import EncoderSpec
from sentiment.heads import Heads, HeadsError, load_heads, save_heads
from sentiment.labels import SENTIMENTS, STAGES, TOPICS
from sentiment.lexical import LexicalHead, lexical_text, term_counts, tfidf_rows
from sentiment.quantize import as_shipped, dequantize_rows, quantize_rows
from sentiment.training.fit_heads import fit_linear_head
from sentiment.training.fit_lexical import fit_lexical_head

NEG, NEU, POS = (SENTIMENTS.index(s) for s in ("negative", "neutral", "positive"))
TEXTS = {
    NEG: ["awful service, never again", "terrible and rude staff", "broken on arrival, awful"],
    NEU: ["what time does the store open?", "is the blue one in stock?", "where is my order?"],
    POS: ["love it, great fit", "great service and lovely staff", "love the colour, great buy"],
}


def fit_toy(n_features: int = 1 << 12, **kw) -> LexicalHead:
    texts = [t for label in TEXTS for t in TEXTS[label]]
    y = torch.tensor([label for label in TEXTS for _ in TEXTS[label]])
    return fit_lexical_head(texts, y, SENTIMENTS, n_features=n_features, **kw)


def test_handles_and_links_are_not_read() -> None:
    assert lexical_text("@united thanks! https://t.co/x1 www.a.com ok").split() == [
        "thanks!",
        "ok",
    ]
    # A brand's handle teaches nothing about the attitude: same features with or without it.
    a, b = term_counts(["@united great flight"]), term_counts(["great flight"])
    assert (a != b).nnz == 0


def test_tfidf_rows_are_unit_length_and_empty_rows_stay_zero() -> None:
    counts = term_counts(["good good good service", "", "!!"], n_features=1 << 10)
    x = tfidf_rows(counts, torch.ones(1 << 10).numpy())
    norms = (x.multiply(x)).sum(axis=1).A1
    assert norms[0] == pytest.approx(1.0, abs=1e-5)
    assert norms[1] == 0.0
    assert norms[2] == pytest.approx(1.0, abs=1e-5)  # "!" is a token


def test_product_of_experts_and_a_zero_mix() -> None:
    head = fit_toy()
    unsure = torch.full((2, 3), 1 / 3)
    texts = ["awful, rude", "love it, great"]
    combined = head.combine(unsure, texts)
    # With a uniform encoder opinion the product is the lexical expert's own distribution.
    assert torch.allclose(combined, head.log_probs(texts).exp(), atol=1e-5)
    head.mix = 0.0
    assert torch.equal(head.combine(unsure, texts), unsure)


def test_int8_rows_round_trip_within_half_a_step() -> None:
    w = torch.randn(5, 40, generator=torch.Generator().manual_seed(0))
    q, scale = quantize_rows(w)
    assert q.dtype == torch.int8 and scale.shape == (5,)
    back = dequantize_rows(q, scale)
    assert ((back - w).abs() <= scale[:, None] / 2 + 1e-7).all()
    assert torch.equal(as_shipped(back), back)  # rounding what is already rounded changes nothing


def _heads_with_lexical() -> Heads:
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(30, 8, generator=g), torch.arange(30) % 3
    sent = fit_linear_head(x, y, SENTIMENTS)
    stage = fit_linear_head(x, y, STAGES)
    topics = fit_linear_head(x, torch.zeros(30, len(TOPICS)), TOPICS, kind="sigmoid")
    return Heads(sent, stage, topics, spec=EncoderSpec(num_layers=2), lexical=fit_toy())


def test_lexical_head_round_trips_and_is_part_of_the_version(tmp_path: Path) -> None:
    heads = _heads_with_lexical()
    save_heads(heads, tmp_path)
    loaded = load_heads(tmp_path)
    assert loaded.lexical is not None
    texts = ["rude and awful", "love it"]
    assert torch.allclose(loaded.lexical.log_probs(texts), heads.lexical.log_probs(texts))
    assert loaded.fingerprint() == heads.fingerprint()
    without = copy.deepcopy(heads)
    without.lexical = None
    assert without.fingerprint() != heads.fingerprint()
    heads.lexical.mix = 0.5
    assert heads.fingerprint() != loaded.fingerprint()


def test_another_ngram_recipe_is_refused(tmp_path: Path) -> None:
    save_heads(_heads_with_lexical(), tmp_path)
    meta = json.loads((tmp_path / "heads.json").read_text())
    meta["lexical"]["ngram_range"] = [1, 3]
    (tmp_path / "heads.json").write_text(json.dumps(meta))
    with pytest.raises(HeadsError, match="another n-gram recipe"):
        load_heads(tmp_path)


def test_lexical_labels_must_match_the_sentiment_head(tmp_path: Path) -> None:
    save_heads(_heads_with_lexical(), tmp_path)
    meta = json.loads((tmp_path / "heads.json").read_text())
    meta["lexical"]["labels"] = list(reversed(SENTIMENTS))
    (tmp_path / "heads.json").write_text(json.dumps(meta))
    with pytest.raises(HeadsError, match="order their labels apart"):
        load_heads(tmp_path)


def test_heads_without_a_lexical_expert_still_load(tmp_path: Path) -> None:
    heads = _heads_with_lexical()
    heads.lexical = None
    save_heads(heads, tmp_path)
    assert load_heads(tmp_path).lexical is None


def test_the_builtin_classifier_mixes_both_experts(builtin_classifier) -> None:
    lexical = builtin_classifier.heads.lexical
    assert lexical is not None and lexical.mix == 1.0
    texts = [
        "The dress is okay but the zipper feels a bit cheap.",
        "Flight was on time, crew were fine, seat was cramped.",
        "Not sure about the colour yet.",
    ]
    with_both = builtin_classifier.predict(texts)
    alone = copy.copy(builtin_classifier)  # the shared classifier itself stays as it is
    alone.heads = dataclasses.replace(builtin_classifier.heads, lexical=None)
    encoder_only = alone.predict(texts)
    assert [p.sentiment_score for p in with_both] != [p.sentiment_score for p in encoder_only]
    # An expert that is sure of "positive" whatever it reads outvotes an encoder that is not,
    # for the mention and for each of its sentences.
    sure = dataclasses.replace(lexical, weight=torch.zeros_like(lexical.weight))
    sure.bias = torch.tensor([-30.0, -30.0, 30.0])
    alone.heads = dataclasses.replace(builtin_classifier.heads, lexical=sure)
    for pred in alone.predict(texts):
        assert pred.sentiment == "positive"
        assert {s.sentiment for s in pred.sentences} == {"positive"}
