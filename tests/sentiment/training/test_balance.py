"""Cell weights: every (data set, class) cell counts the same, whatever its size."""

import pytest
import torch

from sentiment.training.balance import cell_weights
from sentiment.training.examples import Example, sentiment_weights


def test_each_cell_weighs_the_same_and_weights_average_one() -> None:
    groups = ["tweets"] * 4 + ["reviews"] * 2
    labels = ["neg", "neg", "neg", "pos", "pos", "pos"]
    w = cell_weights(groups, labels)
    assert w.mean().item() == pytest.approx(1.0)
    totals = {
        cell: sum(
            float(x) for x, c in zip(w, zip(groups, labels, strict=True), strict=True) if c == cell
        )
        for cell in set(zip(groups, labels, strict=True))
    }
    assert len(totals) == 3
    assert max(totals.values()) == pytest.approx(min(totals.values()))
    # a row of the 3-row cell weighs a third of the lone row's
    assert float(w[0]) == pytest.approx(float(w[3]) / 3)


def test_the_same_class_in_two_data_sets_is_two_cells() -> None:
    w = cell_weights(["a", "a", "b"], [1, 1, 1])
    assert torch.allclose(w, torch.tensor([0.75, 0.75, 1.5]))


def test_adapter_examples_without_sentiment_weigh_nothing() -> None:
    def ex(sentiment: int | None, group: str) -> Example:
        return Example(["x"], [1.0], sentiment, None if sentiment is not None else 0, None, group)

    examples = [ex(0, "a"), ex(0, "a"), ex(2, "a"), ex(None, "own")]
    w = sentiment_weights(examples)
    assert float(w[3]) == 0.0
    assert float(w[:3].mean()) == pytest.approx(1.0)
    assert float(w[2]) == pytest.approx(2 * float(w[0]))
