"""Fitting the encoder-side heads: both kinds learn what the features separate."""

from sentiment.labels import SENTIMENTS
from sentiment.training.fit_heads import fit_linear_head, fit_mlp_head
from sentiment.training.hyperparams import MLPHeadParams
from tests.sentiment.test_heads import toy


def test_linear_and_mlp_heads_learn_a_separable_problem() -> None:
    x, y = toy()
    mlp = fit_mlp_head(x, y, SENTIMENTS, MLPHeadParams(epochs=30))
    for head in (fit_linear_head(x, y, SENTIMENTS), mlp):
        assert (head.logits(x).argmax(-1) == y).float().mean() > 0.95
