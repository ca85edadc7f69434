"""Fitting the lexical sentiment expert: the smoothed IDF, words that carry sentiment, and
classes the labels never show."""

from __future__ import annotations

import math

import pytest
import torch

from sentiment.errors import DataError
from sentiment.labels import SENTIMENTS
from sentiment.lexical import term_counts
from sentiment.training.fit_lexical import MISSING_CLASS_BIAS, fit_lexical_head
from tests.sentiment.test_lexical import NEG, NEU, POS, TEXTS, fit_toy


def test_idf_is_lowest_for_the_commonest_words() -> None:
    head = fit_toy(n_features=1 << 20)  # wide enough that these words share no bucket
    texts = [t for label in TEXTS for t in TEXTS[label]]
    n = len(texts)

    def idf(word: str) -> float:
        return float(head.idf[term_counts([word], head.n_features).indices[0]])

    df_great = sum("great" in t for t in texts)
    assert idf("great") == pytest.approx(math.log((1 + n) / (1 + df_great)) + 1, rel=1e-3)
    assert idf("rude") > idf("awful") > idf("great")  # in 1, 2 and 3 of the 9 texts
    assert float(head.idf.max()) == pytest.approx(math.log(1 + n) + 1, rel=1e-3)  # unseen


def test_fitted_expert_reads_sentiment_words() -> None:
    head = fit_toy()
    probs = head.log_probs(["rude and awful", "great, love it", "is it in stock?"]).exp()
    assert probs.argmax(-1).tolist() == [NEG, POS, NEU]
    assert torch.allclose(probs.sum(-1), torch.ones(3))


def test_a_class_missing_from_the_labels_is_never_proposed() -> None:
    texts = TEXTS[NEG] + TEXTS[POS]
    y = torch.tensor([NEG] * 3 + [POS] * 3)
    head = fit_lexical_head(texts, y, SENTIMENTS, n_features=1 << 10)
    assert head.bias[NEU] == MISSING_CLASS_BIAS
    assert head.log_probs(["what time do you open?"]).exp()[0, NEU] < 1e-6
    with pytest.raises(DataError, match="at least two sentiment classes"):
        fit_lexical_head(TEXTS[POS], torch.tensor([POS] * 3), SENTIMENTS)
